"""Two different requests on one object (a scale to 3 and a scale to 0 of one deployment, a cordon and a drain of one
node), through the approval workflow, the official Kubernetes client and the sandbox API server: both are accepted
(people may want to choose), each card names the other (its id, its action, who asked), the older card is redrawn
to say so and redrawn again once the other is decided; approving both runs the first and refuses the second in plain
words — the object changed since it was requested, what changed, and how to ask again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import handlers.actions
import handlers.approvals  # noqa: F401
from bot.approvals.model import AuditEvent, State
from bot.approvals.store import SqliteApprovalStore
from bot.blocks import Level, Notice, Person, View, plain
from bot.cluster.ports import ClusterReader
from bot.dispatch import Dispatcher, Outcome
from bot.refs import CommandRef
from bot.render_text import render_text
from bot.surface import Incoming, InputKind, MessageRef
from handlers.args import NodeArgs
from tests.support.approvals import (
    RecordingNotifier,
    notices,
    request_id_of,
    sandbox_approvals,
)
from tests.support.foundation import Conversation
from tests.support.kubectl import start_minicluster
from tests.support.minicluster import SPARE


@dataclass
class Bed:
    dispatcher: Dispatcher
    reader: ClusterReader
    store: SqliteApprovalStore
    notifier: RecordingNotifier
    channel: Conversation  # every reply gets its own ts, so each card is a message of its own


@pytest.fixture
def bed(tmp_path: Path) -> Iterator[Bed]:
    server = start_minicluster()
    try:
        with sandbox_approvals(tmp_path, server, {"operator": ["alice", "erin"], "approver": ["bob"]}) as made:
            yield Bed(made.dispatcher, made.clusters.reader("sandbox"), made.store, made.notifier, Conversation())
    finally:
        server.stop()


def say(bed: Bed, user: str, text: str) -> Outcome:
    return bed.dispatcher.handle(Incoming(text, user, InputKind.SLASH, "C0OPS"), bed.channel)


def card_ref(bed: Bed, outcome: Outcome) -> MessageRef:
    """Where the card an outcome answered with was posted."""
    n = next(i for i, reply in enumerate(bed.channel.replies, 1) if reply.view is outcome.view)
    return MessageRef("C0OPS", f"m{n}")


def rival_notices(view: View) -> list[Notice]:
    """The notices of a card that name other requests waiting on its object."""
    words = ("Another request on", "other requests on", "上还有另")
    return [b for b in view.blocks if isinstance(b, Notice) and any(w in plain(b.text) for w in words)]


def test_two_scales_of_one_deployment_name_each_other_and_the_second_approved_is_refused_in_plain_words(
    bed: Bed,
) -> None:
    first = say(bed, "alice", "/k8s scale deployment web --replicas 3 -n shop")
    second = say(bed, "erin", "/k8s scale deployment web --replicas 0 -n shop")
    first_id, second_id = request_id_of(first), request_id_of(second)

    # The new card (the requester's reply, and what an approver reads) says plainly what else waits on the object.
    (notice,) = rival_notices(second.view)
    assert notice.level is Level.WARN
    assert plain(notice.text) == (
        f"Another request on deployment shop/web is waiting too: `{first_id}` (Scale deployment shop/web on "
        "sandbox from 2 to 3 replicas), requested by @alice. If both are approved, the one that runs second is "
        "checked again first and does not run if the other changed what it was checked against."
    )
    assert Person("alice") in notice.text  # a mention in Slack
    # The older card is redrawn in place to name the newer one.
    older = bed.notifier.latest(card_ref(bed, first))
    assert older is not None
    (notice,) = rival_notices(older)
    assert f"`{second_id}` (Scale deployment shop/web on sandbox from 2 to 0 replicas), requested by @erin" in plain(
        notice.text
    )
    # An approver opening the older request reads it there too.
    opened = say(bed, "bob", f"/k8s request {first_id}")
    assert [plain(n.text) for n in rival_notices(opened.view)] == [plain(notice.text)]
    # The audit keeps which requests waited on the object when this one was made.
    requested = [e for e in bed.store.audit(request_id=second_id) if e.event is AuditEvent.REQUESTED]
    assert json.loads(requested[0].data)["also_waiting_on_the_object"] == [first_id]

    # The very same request again is still one request.
    again = say(bed, "erin", "/k8s scale deployment web --replicas 0 -n shop")
    assert f"That is already waiting for approval: request `{second_id}`" in notices(again.view)

    done = say(bed, "bob", f"/k8s approve {second_id}")
    assert "scaled from 2 to 0 replicas" in notices(done.view)
    # Decided, it no longer waits: the other card is redrawn without it.
    older = bed.notifier.latest(card_ref(bed, first))
    assert older is not None and rival_notices(older) == []

    refused = say(bed, "bob", f"/k8s approve {first_id}")
    assert (
        "You approved it — failed: not run: deployment shop/web changed since it was requested (replicas was 2, "
        "now 0). If it is still needed, request it again: `/k8s scale deployment web --replicas 3 -n shop`"
    ) in notices(refused.view)
    assert bed.reader.deployment("shop", "web").replicas == 0


def test_a_cordon_and_a_drain_of_one_node_name_each_other_until_one_is_withdrawn(bed: Bed) -> None:
    cordon = say(bed, "alice", f"/k8s cordon {SPARE}")
    drain = say(bed, "alice", f"/k8s drain {SPARE} --force")
    cordon_id, drain_id = request_id_of(cordon), request_id_of(drain)
    (notice,) = rival_notices(drain.view)
    assert f"Another request on node {SPARE} is waiting too: `{cordon_id}` (Cordon node {SPARE} on sandbox)" in (
        plain(notice.text)
    )
    say(bed, "alice", f"/k8s cancel {cordon_id}")
    redrawn = bed.notifier.latest(card_ref(bed, drain))
    assert redrawn is not None and rival_notices(redrawn) == [] and "[Approve]" in render_text(redrawn)
    say(bed, "alice", f"/k8s cancel {drain_id}")


def test_a_drain_that_ran_ends_the_cordon_still_waiting_and_its_requester_hears_which_request_did_it(
    bed: Bed,
) -> None:
    cordon = say(bed, "erin", f"/k8s cordon {SPARE}")
    drain = say(bed, "alice", f"/k8s drain {SPARE} --force")
    cordon_id, drain_id = request_id_of(cordon), request_id_of(drain)
    try:
        ran = say(bed, "bob", f"/k8s approve {drain_id}")
        assert ran.status == "ok" and bed.reader.node(SPARE).unschedulable
        ended = bed.store.get(cordon_id)
        assert ended is not None and ended.state.value == "cancelled" and ended.decided_by == "aksbot"
        # The cordon's card has no live buttons and says why; its requester is mentioned in its thread.
        card = bed.notifier.latest(card_ref(bed, cordon))
        assert card is not None and "[Approve]" not in render_text(card)
        assert "No longer needed at " in render_text(card)
        assert f"request `{drain_id}` (Drain node {SPARE} on sandbox" in render_text(card)
        told = [v for _, v, _ in bed.notifier.posts if cordon_id in v.summary]
        assert told and any(Person("erin") in b.text for b in told[-1].blocks if isinstance(b, Notice))
        trail = [e for e in bed.store.audit(request_id=cordon_id) if e.event is AuditEvent.CANCELLED]
        assert trail[0].actor == "aksbot" and json.loads(trail[0].data) == {"done_by": drain_id}
        # A click on it afterwards runs nothing and says what happened.
        late = say(bed, "bob", f"/k8s approve {cordon_id}")
        assert "No longer needed at " in notices(late.view) and drain_id in notices(late.view)
    finally:
        bed.dispatcher.deps.clusters.writer("sandbox").cordon(SPARE, False)


def test_a_cordon_waiting_while_someone_cordons_the_node_by_hand_ends_at_the_next_sweep(bed: Bed) -> None:
    requested = say(bed, "erin", f"/k8s cordon {SPARE}")
    rid = request_id_of(requested)
    workflow = bed.dispatcher.deps.approvals
    assert workflow is not None
    assert workflow.settle_moot() == 0  # still needed: nothing changes
    writer = bed.dispatcher.deps.clusters.writer("sandbox")
    writer.cordon(SPARE, True)  # kubectl cordon, by hand
    try:
        assert workflow.settle_moot() == 1
        ended = bed.store.get(rid)
        assert ended is not None and ended.state.value == "cancelled" and ended.decided_by == "aksbot"
        card = bed.notifier.latest(card_ref(bed, requested))
        assert card is not None and "[Approve]" not in render_text(card)
        assert "No longer needed at " in render_text(card) and "is already cordoned" in render_text(card)
        assert workflow.settle_moot() == 0  # once
    finally:
        writer.cordon(SPARE, False)


def test_a_cordon_waiting_while_a_drain_of_the_node_still_runs_ends_naming_the_drain(bed: Bed) -> None:
    """A drain cordons first, then may wait minutes on a PodDisruptionBudget; the sweeper that finds the cordon
    request moot meanwhile names the drain that did it, rather than "already cordoned" as if by hand."""
    cordon = say(bed, "erin", f"/k8s cordon {SPARE}")
    drain = say(bed, "alice", f"/k8s drain {SPARE} --force")
    cordon_id, drain_id = request_id_of(cordon), request_id_of(drain)
    workflow = bed.dispatcher.deps.approvals
    assert workflow is not None
    clock = bed.dispatcher.deps.clock
    # The drain as it is half-way: approved, running, the node cordoned, its evictions not done yet.
    assert bed.store.transition(drain_id, (State.PENDING,), State.APPROVED, at=clock.now(), decided_by="bob")
    assert bed.store.transition(drain_id, (State.APPROVED,), State.RUNNING, at=clock.now())
    writer = bed.dispatcher.deps.clusters.writer("sandbox")
    writer.cordon(SPARE, True)
    try:
        assert workflow.settle_moot() == 1
        ended = bed.store.get(cordon_id)
        assert ended is not None and ended.state is State.CANCELLED and ended.decided_by == "aksbot"
        card = bed.notifier.latest(card_ref(bed, cordon))
        assert card is not None and "[Approve]" not in render_text(card)
        assert f"request `{drain_id}` (Drain node {SPARE} on sandbox" in render_text(card)
        trail = [e for e in bed.store.audit(request_id=cordon_id) if e.event is AuditEvent.CANCELLED]
        assert json.loads(trail[0].data) == {"done_by": drain_id}
    finally:
        writer.cordon(SPARE, False)


def test_a_pod_deletion_whose_pod_went_away_meanwhile_ends_as_nothing_left_to_do(bed: Bed) -> None:
    """Deleting a pod that a restart replaced (or someone deleted) since the request is what was asked: not a
    failure with "request it again", and no "did you mean" hint in the card or the audit."""
    writer = bed.dispatcher.deps.clusters.writer("sandbox")
    web = sorted(p.name for p in bed.reader.pods("shop") if p.name.startswith("web-"))
    assert len(web) >= 2
    # Approved after the pod went: it runs nothing and says so, as an answer, not an error.
    requested = say(bed, "erin", f"/k8s delete pod {web[0]} -n shop")
    writer.delete_pod("shop", web[0], grace_seconds=0)
    approved = say(bed, "bob", f"/k8s approve {request_id_of(requested)}")
    text = " ".join(render_text(approved.view).split())
    assert f"Pod `shop/{web[0]}` no longer exists; nothing to do." in text and "there was nothing left to run" in text
    assert "Did you mean" not in text and "request it again" not in text
    done = bed.store.get(request_id_of(requested))
    assert done is not None and done.state is State.SUCCEEDED
    # Still waiting when it went: the sweeper ends it, and the requester hears why.
    waiting = say(bed, "erin", f"/k8s delete pod {web[1]} -n shop")
    writer.delete_pod("shop", web[1], grace_seconds=0)
    workflow = bed.dispatcher.deps.approvals
    assert workflow is not None and workflow.settle_moot() == 1
    ended = bed.store.get(request_id_of(waiting))
    assert ended is not None and ended.state is State.CANCELLED
    card = bed.notifier.latest(card_ref(bed, waiting))
    assert card is not None and "[Approve]" not in render_text(card)
    assert "No longer needed at " in render_text(card) and f"`shop/{web[1]}` no longer exists" in render_text(card)
    # A pod that never was is still a mistake, answered with the names near it.
    typo = say(bed, "erin", f"/k8s delete pod {web[1]}x -n shop")
    assert "not found" in " ".join(render_text(typo.view).split())


def test_requests_on_different_objects_do_not_name_each_other(bed: Bed) -> None:
    scale = say(bed, "alice", "/k8s scale deployment web --replicas 3 -n shop")
    restart = say(bed, "alice", "/k8s restart deployment api -n shop")
    cordon = say(bed, "alice", f"/k8s cordon {SPARE}")
    for outcome in (scale, restart, cordon):
        assert rival_notices(outcome.view) == []
    assert bed.notifier.updates == []  # no card needed redrawing


def test_a_request_asked_in_chinese_names_the_other_in_chinese(bed: Bed) -> None:
    first = say(bed, "alice", f"/k8s drain {SPARE} --force")
    ref = CommandRef("cordon", NodeArgs(node=SPARE), "sandbox")
    second = bed.dispatcher.handle(Incoming.click(ref, "erin", "C0OPS", None, lang="zh"), bed.channel)
    request_id_of(second)
    (notice,) = rival_notices(second.view)
    assert plain(notice.text) == (
        f"节点 {SPARE} 上还有另一个请求在等待：`{request_id_of(first)}`"
        f"（排空节点 {SPARE}（集群 sandbox）：隔离该节点并驱逐 3 个 Pod），申请人 @alice。"
        "如果两个都被批准，后执行的那个会先再次核对，"
        "若另一个已改变了它核对的内容，就不会执行。"
    )
