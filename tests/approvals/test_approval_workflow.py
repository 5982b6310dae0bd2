"""The approval workflow end to end through the dispatcher: four eyes, exactly once, expiry, deny, cancel,
restart survival, the re-check, the audit trail — on the SQLite store with a manual clock."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.approvals.commands import approve_ref, cancel_ref, deny_ref
from bot.approvals.model import AuditEvent, State
from bot.approvals.store import SqliteApprovalStore
from bot.approvals.workflow import ApprovalWorkflow
from bot.blocks import Level, Notice, Person, View, plain
from bot.clock import ManualClock
from bot.dispatch import Dispatcher, Outcome
from bot.render_text import render_text
from bot.shell import Shell, ShellSurface
from bot.surface import Incoming, InputKind, MessageRef, Reply
from tests.support.approvals import CONFIG, WORLD, RecordingNotifier, make_dispatcher, make_workflow
from tests.support.foundation import Conversation


@pytest.fixture(autouse=True)
def world() -> None:
    WORLD.reset()


def say(dispatcher: Dispatcher, user: str, text: str, channel: Conversation | None = None) -> Outcome:
    return dispatcher.handle(Incoming(text, user, InputKind.SLASH, "C0OPS"), channel or Conversation())


def request_id_of(outcome: Outcome) -> str:
    assert outcome.status == "requested", outcome.view
    button = outcome.view.buttons()[0]
    assert button.label == "Approve"
    return str(button.ref.args.request_id)


def notice_text(view: View) -> str:
    return " ".join(plain(b.text) for b in view.blocks if isinstance(b, Notice))


def test_a_request_posts_a_card_with_preview_buttons_and_expiry(workflow: ApprovalWorkflow) -> None:
    d = make_dispatcher(workflow)
    out = say(d, "alice", "/k8s switch off hall")
    rid = request_id_of(out)
    text = render_text(out.view)
    assert "Switch off hall" in text and "hall goes dark" in text
    assert "alice" in text and "home" in text and "09:15 UTC" in text  # requester, cluster, expiry
    assert [b.label for b in out.view.buttons()] == ["Approve", "Deny", "Cancel"]
    assert [b.ref for b in out.view.buttons()] == [approve_ref(rid), deny_ref(rid), cancel_ref(rid)]
    texts = [b.ref.text() for b in out.view.buttons()]
    assert texts == [f"/k8s approve {rid}", f"/k8s deny {rid}", f"/k8s cancel {rid}"]
    assert len(rid) == 8 and rid.isalnum()
    assert WORLD.executions == []
    [entry] = workflow.store.audit()
    assert entry.event is AuditEvent.REQUESTED and entry.actor == "alice"
    assert json.loads(entry.data)["preview"]["expect"] == {"lamp state": "on"}


def test_a_blocked_preview_creates_no_request(workflow: ApprovalWorkflow) -> None:
    WORLD.lamps["hall"] = "off"
    out = say(make_dispatcher(workflow), "alice", "/k8s switch off hall")
    assert out.status == "failed" and "already off" in notice_text(out.view)
    assert workflow.store.audit() == []


def test_four_eyes_then_exactly_once(workflow: ApprovalWorkflow, notifier: RecordingNotifier) -> None:
    d = make_dispatcher(workflow)
    channel = Conversation()
    rid = request_id_of(say(d, "alice", "/k8s switch off hall", channel))
    card = MessageRef("C0OPS", "m1")

    own = say(d, "alice", f"/k8s approve {rid}")
    assert own.status == "denied" and "you requested this yourself" in notice_text(own.view)
    viewer = say(d, "carol", f"/k8s approve {rid}")
    assert viewer.status == "denied" and "not an approver" in notice_text(viewer.view)
    assert WORLD.executions == []

    approved = say(d, "bob", f"/k8s approve {rid}")
    assert approved.status == "ok"
    # The approver's own answer is theirs alone; the requester hears it in the card's thread (below).
    assert approved.view.private and "You approved it — ran: hall is off" in notice_text(approved.view)
    assert WORLD.executions == ["hall by alice"]

    again = say(d, "bob", f"/k8s approve {rid}")
    assert again.view.private, "a click on a decided request is answered to the clicker only"
    assert "Already approved by @bob at 09:00 UTC" in notice_text(again.view)
    assert "Nothing more will run" in notice_text(again.view)
    assert WORLD.executions == ["hall by alice"]

    final = notifier.latest(card)
    assert final is not None and "ran, finished at 09:00 UTC: hall is off" in render_text(final)
    assert [b.label for b in final.buttons()] == ["Audit trail"], "a finished card has nothing left to click"
    states = [v.summary.split("(")[1].split(")")[0] for r, v in notifier.updates if r == card]
    assert states[0] == "approved" and states[-1] == "succeeded" and "running" in states
    # In the card's thread: the requester told it was approved (a mention), the action's progress, the outcome.
    thread = [(ch, t, notice_text(v) or v.summary) for ch, v, t in notifier.posts]
    assert [(ch, t) for ch, t, _ in thread] == [("C0OPS", card)] * 3
    assert thread[0][2].startswith(f"@alice: your request `{rid}`") and "Approved by @bob" in thread[0][2]
    assert thread[1][2] == "switching hall off"
    assert thread[2][2].startswith("@alice: your request") and "ran, finished at 09:00 UTC" in thread[2][2]
    first_notice = next(b for b in notifier.posts[0][1].blocks if isinstance(b, Notice))
    assert isinstance(first_notice.text, tuple) and Person("alice") in first_notice.text
    events = [(e.event, e.actor) for e in workflow.store.audit()]
    assert events == [
        (AuditEvent.REQUESTED, "alice"),
        (AuditEvent.REFUSED, "alice"),
        (AuditEvent.REFUSED, "carol"),
        (AuditEvent.APPROVAL, "bob"),
        (AuditEvent.APPROVED, "bob"),
        (AuditEvent.RUNNING, "aksbot"),
        (AuditEvent.SUCCEEDED, "aksbot"),
    ]


def test_two_distinct_approvers_when_the_cluster_requires_them(workflow: ApprovalWorkflow) -> None:
    d = make_dispatcher(workflow)
    rid = request_id_of(say(d, "alice", "/k8s switch off hall --cluster vault"))
    first = say(d, "bob", f"/k8s approve {rid}")
    assert "recorded (1 of 2)" in notice_text(first.view)
    twice = say(d, "bob", f"/k8s approve {rid}")
    assert "You already approved this" in notice_text(twice.view)
    assert WORLD.executions == []
    second = say(d, "dave", f"/k8s approve {rid}")
    assert "You approved it — ran" in notice_text(second.view)
    request = workflow.store.get(rid)
    assert request is not None and [a.approver for a in request.approvals] == ["bob", "dave"]
    assert WORLD.executions == ["hall by alice"]


def test_a_request_nobody_could_approve_is_refused_at_once(store: SqliteApprovalStore, clock: ManualClock) -> None:
    """Not a card that waits for its expiry: the requester hears at once that the configuration names no one else."""
    config = copy.deepcopy(CONFIG)
    config["roles"]["approver"] = ["bob", "dave"]
    d = make_dispatcher(make_workflow(store, clock, config=config))
    lone = say(d, "bob", "/k8s switch off hall --cluster vault")  # vault needs two approvers besides bob
    assert lone.status != "requested"
    assert "Nobody could approve this" in notice_text(lone.view) and "names dave" in notice_text(lone.view)
    assert store.pending() == []
    config["roles"]["approver"] = ["bob"]  # the requester is the only approver
    alone = say(make_dispatcher(make_workflow(store, clock, config=config)), "bob", "/k8s switch off hall")
    assert "other than you, and the configuration names nobody else." in notice_text(alone.view)
    assert store.pending() == []
    # A group whose members the directory cannot tell right now (Slack unreachable) may hold anyone: the request
    # stands and the click decides.
    config["roles"]["approver"] = ["bob", "S0ONCALL"]
    d = make_dispatcher(make_workflow(store, clock, config=config, groups=UnknownOnCall()))
    assert say(d, "bob", "/k8s switch off hall --cluster vault").status == "requested"
    # One it can tell about is counted: two on-call people besides bob are enough.
    d = make_dispatcher(make_workflow(store, clock, config=config, groups=OnCall("bob", "dave", "erin")))
    assert say(d, "bob", "/k8s switch off porch --cluster vault").status == "requested"
    d = make_dispatcher(make_workflow(store, clock, config=config, groups=OnCall("bob")))
    alone = say(d, "bob", "/k8s switch off porch --cluster vault")
    assert alone.status != "requested" and "Nobody could approve this" in notice_text(alone.view)


class OnCall:
    """A group directory in which S0ONCALL has these members."""

    def __init__(self, *members: str) -> None:
        self.members = frozenset(members)

    def groups_of(self, user: str) -> frozenset[str]:
        return frozenset({"S0ONCALL"}) if user in self.members else frozenset()

    def people(self, member: str) -> frozenset[str] | None:
        return self.members if member == "S0ONCALL" else frozenset({member})


class UnknownOnCall(OnCall):
    def people(self, member: str) -> frozenset[str] | None:
        return None if member == "S0ONCALL" else frozenset({member})


def test_approvers_see_what_waits_for_them_first(workflow: ApprovalWorkflow, clock: ManualClock) -> None:
    d = make_dispatcher(workflow)
    mine = request_id_of(say(d, "bob", "/k8s switch off porch"))
    theirs = request_id_of(say(d, "alice", "/k8s switch off hall"))
    on_vault = request_id_of(say(d, "alice", "/k8s switch off porch --cluster vault"))
    listing = say(d, "bob", "/k8s approvals")
    text = render_text(listing.view)
    assert "3 approval request(s) waiting, 2 you may approve" in text
    # What bob may approve first, oldest first; his own last, never approvable by him.
    assert text.index(theirs) < text.index(on_vault) < text.index(mine)
    assert "yours: you may cancel it" in text and f"Open {theirs}" in text
    assert "none you may approve" in render_text(say(d, "carol", "/k8s approvals").view)
    assert on_vault in render_text(say(d, "bob", "/k8s pending --cluster vault").view)
    assert theirs not in render_text(say(d, "bob", "/k8s approvals --cluster vault").view)
    # Decided and expired requests leave the list.
    say(d, "dave", f"/k8s approve {theirs}")
    clock.advance(timedelta(hours=1))
    assert "No approval requests are waiting" in render_text(say(d, "bob", "/k8s approvals").view)


def test_a_long_pending_list_says_which_requests_have_buttons_and_each_reader_is_told_what_they_can_do(
    workflow: ApprovalWorkflow,
) -> None:
    d = make_dispatcher(workflow)
    lamps = [f"lamp{n}" for n in range(7)]
    with WORLD.lock:
        WORLD.lamps.update(dict.fromkeys(lamps, "on"))
    ids = [request_id_of(say(d, "alice", f"/k8s switch off {lamp}")) for lamp in lamps]

    listing = say(d, "bob", "/k8s approvals").view
    text = render_text(listing)
    assert "7 approval request(s) waiting, 7 you may approve" in text
    assert all(f"`{rid}`" in text for rid in ids)  # every request is listed
    assert [b.label for b in listing.buttons()] == [f"Open {rid}" for rid in ids[:5]]
    assert (
        "Buttons open the first 5 of 7; for the others, type `/k8s request ID` with an id from the list." in text
    )
    assert "approve, deny or cancel it there" in text
    # One without a button opens as the list says.
    assert "Switch off lamp6" in render_text(say(d, "bob", f"/k8s request {ids[6]}").view)

    # The requester may only cancel hers; a viewer may do nothing on a card, and is not told to.
    own = render_text(say(d, "alice", "/k8s approvals").view)
    assert "Open your request to read its card in full or cancel it there." in own and "approve, deny" not in own
    viewer = say(d, "carol", "/k8s approvals").view
    assert viewer.buttons() == ()
    seen = render_text(viewer)
    assert "`/k8s request ID` shows a request's card in full." in seen
    assert "approve" not in seen.replace("none you may approve", "") and "Buttons open" not in seen


def test_the_pending_list_shows_only_clusters_the_caller_sees(store: SqliteApprovalStore, clock: ManualClock) -> None:
    config = copy.deepcopy(CONFIG)
    vault = next(c for c in config["clusters"] if c["name"] == "vault")
    vault["roles"] = {"viewer": ["alice"], "operator": ["alice"], "approver": ["bob", "dave"]}
    d = make_dispatcher(make_workflow(store, clock, config=config))
    hidden = request_id_of(say(d, "alice", "/k8s switch off porch --cluster vault"))
    shown = request_id_of(say(d, "alice", "/k8s switch off hall"))
    carol_sees = render_text(say(d, "carol", "/k8s approvals").view)  # a viewer everywhere but on vault
    assert shown in carol_sees and hidden not in carol_sees
    assert hidden in render_text(say(d, "bob", "/k8s approvals").view)
    # The audit trail keeps the same line.
    carol_audit = render_text(say(d, "carol", "/k8s audit").view)
    assert shown in carol_audit and hidden not in carol_audit
    assert hidden in render_text(say(d, "bob", "/k8s audit").view)


def test_an_action_policy_names_its_own_approvers(workflow: ApprovalWorkflow) -> None:
    d = make_dispatcher(workflow)
    rid = request_id_of(say(d, "alice", "/k8s switch off porch --cluster garden"))
    refused = say(d, "bob", f"/k8s approve {rid}")  # an approver by role, but not in this action's list
    assert refused.status == "denied" and "S0LEADS" in notice_text(refused.view)
    ok = say(d, "erin", f"/k8s approve {rid}")  # erin is in the S0LEADS group
    assert "ran: porch is off" in notice_text(ok.view)


def test_an_expired_request_cannot_run(
    workflow: ApprovalWorkflow, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    d = make_dispatcher(workflow)
    rid = request_id_of(say(d, "alice", "/k8s switch off hall"))
    clock.advance(timedelta(minutes=15))
    late = say(d, "bob", f"/k8s approve {rid}")
    assert "Expired at 09:15 UTC, nothing ran." in notice_text(late.view)
    assert WORLD.executions == []
    request = workflow.store.get(rid)
    assert request is not None and request.state is State.EXPIRED
    latest = notifier.latest(MessageRef("C0OPS", "m1"))
    assert latest is not None and "Expired at 09:15 UTC" in render_text(latest)
    # The finished card keeps what was asked, not what only mattered while it waited, and says how to ask again
    # with the cluster named (the text left it to the default).
    card = render_text(latest)
    assert "Expires" not in card and "Checked again before it runs" not in card
    assert "To ask again: `/k8s switch off hall --cluster " in card
    assert "Command          : `/k8s switch off hall --cluster " in card


def test_the_sweep_expires_requests_nobody_clicked(workflow: ApprovalWorkflow, clock: ManualClock) -> None:
    d = make_dispatcher(workflow)
    old = request_id_of(say(d, "alice", "/k8s switch off hall"))
    clock.advance(timedelta(minutes=10))
    young = request_id_of(say(d, "alice", "/k8s switch off porch"))
    clock.advance(timedelta(minutes=6))
    assert workflow.expire_due() == 1
    assert workflow.expire_due() == 0
    states = {rid: workflow.store.get(rid).state for rid in (old, young)}  # type: ignore[union-attr]
    assert states == {old: State.EXPIRED, young: State.PENDING}
    assert [e.event for e in workflow.store.audit(request_id=old)][-1] is AuditEvent.EXPIRED


def test_deny_needs_a_reason_and_stops_the_request(workflow: ApprovalWorkflow) -> None:
    d = make_dispatcher(workflow)
    rid = request_id_of(say(d, "alice", "/k8s switch off hall"))
    bare = say(d, "bob", f"/k8s deny {rid}")
    assert bare.status == "user_error" and "/k8s deny <id> <reason…>" in render_text(bare.view)
    # A click leaves the reason out: the command asks for it (a Slack dialog), and only while the request waits.
    clicked = make_dispatcher(workflow).handle(
        Incoming.click(deny_ref(rid), "bob", "C0OPS", MessageRef("C0OPS", "m1")), Conversation()
    )
    assert clicked.status == "needs_input" and f"/k8s deny {rid} <reason>" in render_text(clicked.view)
    stranger = make_dispatcher(workflow).handle(Incoming.click(deny_ref(rid), "carol", "C0OPS", None), Conversation())
    assert stranger.status == "denied", "no dialog for someone who may not deny it"
    own = say(d, "alice", f"/k8s deny {rid} changed my mind")
    assert own.status == "denied" and f"/k8s cancel {rid}" in notice_text(own.view)
    denied = say(d, "bob", f"/k8s deny {rid} release freeze until Monday")
    assert "You denied it: release freeze until Monday. Nothing ran." in notice_text(denied.view)
    after = say(d, "dave", f"/k8s approve {rid}")
    assert "Already denied by @bob at 09:00 UTC: release freeze until Monday" in notice_text(after.view)
    assert WORLD.executions == []


def test_the_requester_hears_every_outcome_mentioned_in_the_cards_thread(
    workflow: ApprovalWorkflow, notifier: RecordingNotifier, clock: ManualClock
) -> None:
    d = make_dispatcher(workflow)
    card = MessageRef("C0OPS", "m1")
    denied = request_id_of(say(d, "alice", "/k8s switch off hall", Conversation()))
    say(d, "bob", f"/k8s deny {denied} not today")
    expires = request_id_of(say(d, "alice", "/k8s switch off porch", Conversation()))
    clock.advance(timedelta(minutes=16))
    workflow.expire_due()
    told = [(t, notice_text(v)) for _, v, t in notifier.posts]
    assert told[0] == (card, f"@alice: your request `{denied}` (Switch off hall) — Denied by @bob at 09:00 UTC: "
                             "not today. Nothing ran.")
    assert told[1][0] == card and told[1][1].startswith(f"@alice: your request `{expires}`")
    assert "Expired at 09:15 UTC, nothing ran." in told[1][1]
    for _, view, _ in notifier.posts:
        assert any(isinstance(b, Notice) and Person("alice") in b.text for b in view.blocks)
    # The expired card was redrawn by the sweeper without its buttons.
    expired_card = [v for r, v in notifier.updates if r == card][-1]
    assert "(expired)" in expired_card.summary and [b.label for b in expired_card.buttons()] == ["Audit trail"]


def test_a_card_that_cannot_be_edited_means_a_direct_message(
    workflow: ApprovalWorkflow, notifier: RecordingNotifier
) -> None:
    """A card that reached the channel only through a slash command's response_url has no thread to reply in: the
    outcome goes to the requester directly."""
    d = make_dispatcher(workflow)

    class Hook(Conversation):
        def send(self, reply: Reply) -> MessageRef:
            super().send(reply)
            return MessageRef("C0NOBOT", "", "https://hooks.slack.example/commands/T1/1/x")

    rid = request_id_of(say(d, "alice", "/k8s switch off hall", Hook()))
    request = workflow.store.get(rid)
    assert request is not None and request.cards[0].response_url == "https://hooks.slack.example/commands/T1/1/x"
    say(d, "bob", f"/k8s approve {rid}")
    assert [u for u, _ in notifier.told] == ["alice", "alice"]
    assert "succeeded" in notifier.told[-1][1].summary


def test_only_the_requester_may_cancel(workflow: ApprovalWorkflow) -> None:
    d = make_dispatcher(workflow)
    rid = request_id_of(say(d, "alice", "/k8s switch off hall"))
    other = say(d, "bob", f"/k8s cancel {rid}")
    assert other.status == "denied" and "Only @alice" in notice_text(other.view)
    mine = say(d, "alice", f"/k8s cancel {rid}")
    assert "Cancelled. Nothing ran." in notice_text(mine.view)
    late = say(d, "bob", f"/k8s approve {rid}")
    assert "Cancelled by @alice at 09:00 UTC, nothing ran." in notice_text(late.view)
    assert WORLD.executions == []


def test_a_changed_world_is_refused_at_execution(workflow: ApprovalWorkflow) -> None:
    d = make_dispatcher(workflow)
    rid = request_id_of(say(d, "alice", "/k8s switch off hall"))
    WORLD.lamps["hall"] = "dimmed"
    out = say(d, "bob", f"/k8s approve {rid}")
    refused = (
        "not run: what it was checked against changed since it was requested (lamp state was on, now dimmed). "
        "If it is still needed, request it again: `/k8s switch off hall`"
    )
    assert f"failed: {refused}" in notice_text(out.view)
    assert WORLD.executions == []
    request = workflow.store.get(rid)
    assert request is not None and request.state is State.FAILED
    assert request.reason == refused


def test_pending_requests_survive_a_restart(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "restart.sqlite3"
    before = make_workflow(SqliteApprovalStore(path), clock)
    rid = request_id_of(say(make_dispatcher(before), "alice", "/k8s switch off hall"))
    before.store.close()

    notifier = RecordingNotifier()
    after = make_workflow(SqliteApprovalStore(path), clock, notifier)
    [pending] = after.store.pending()
    assert pending.id == rid and pending.requester == "alice" and pending.preview.action == "Switch off hall"
    out = say(make_dispatcher(after), "bob", f"/k8s approve {rid}")
    assert "ran: hall is off" in notice_text(out.view)
    assert WORLD.executions == ["hall by alice"]
    # the card posted before the restart is the one updated after it
    assert notifier.latest(MessageRef("C0OPS", "m1")) is not None
    after.store.close()


def test_the_approvals_channel_gets_its_own_copy_of_the_card(
    store: SqliteApprovalStore, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    from tests.support.approvals import CONFIG

    workflow = make_workflow(store, clock, notifier, config={**CONFIG, "approvals": {"channel": "C0APPROVALS"}})
    d = make_dispatcher(workflow)
    rid = request_id_of(say(d, "alice", "/k8s switch off hall"))
    [(channel, view, thread)] = notifier.posts
    assert channel == "C0APPROVALS" and thread is None and rid in view.summary
    say(d, "bob", f"/k8s approve {rid}")
    copy = notifier.latest(MessageRef("C0APPROVALS", "p1"))
    origin = notifier.latest(MessageRef("C0OPS", "m1"))
    assert copy is not None and origin is not None and copy == origin
    assert "(succeeded)" in copy.summary
    # progress goes in the thread of the requester's card, not the copy
    assert notifier.posts[-1][2] == MessageRef("C0OPS", "m1")


def test_audit_lists_filters_and_exports_json_lines(workflow: ApprovalWorkflow) -> None:
    d = make_dispatcher(workflow)
    rid = request_id_of(say(d, "alice", "/k8s switch off hall"))
    say(d, "bob", f"/k8s approve {rid}")
    other = request_id_of(say(d, "alice", "/k8s switch off porch --cluster vault"))
    say(d, "alice", f"/k8s cancel {other}")

    table = say(d, "carol", "/k8s audit")
    text = render_text(table.view)
    assert table.status == "ok" and rid in text and other in text and "succeeded" in text
    by_bob = say(d, "carol", "/k8s audit --user bob")
    assert "approved" in render_text(by_bob.view) and "cancelled" not in render_text(by_bob.view)
    vault = workflow.audit(cluster="vault")
    assert {e.request_id for e in vault.entries} == {other}
    last2 = workflow.audit(last=2)
    assert [e.event for e in last2.entries] == [AuditEvent.REQUESTED, AuditEvent.CANCELLED]

    jsonl = say(d, "carol", "/k8s audit --jsonl --cluster home --last 100")
    code = next(b for b in jsonl.view.blocks if hasattr(b, "title") and b.title == "audit.jsonl")
    lines = [json.loads(line) for line in code.text.splitlines()]  # type: ignore[union-attr]
    assert [x["event"] for x in lines] == ["requested", "approval", "approved", "running", "succeeded"]
    assert lines[0]["data"]["preview"]["action"] == "Switch off hall"
    assert lines[-1]["detail"] == "hall is off"

    stranger = say(d, "mallory", "/k8s audit")
    assert stranger.status == "denied"


def test_the_shell_buttons_behave_like_slack_buttons(workflow: ApprovalWorkflow, tmp_path: Path) -> None:
    """The demo script: alice requests, alice and carol are refused, bob approves once, the card says so."""
    import io

    out = io.StringIO()
    surface = ShellSurface(out)
    notifier_workflow = make_workflow(workflow.store, ManualClock(), notifier=None)
    notifier_workflow.notifier = surface
    shell = Shell(make_dispatcher(notifier_workflow), surface, "alice")
    for line in (
        "/k8s switch off hall",
        ":click Approve",
        ":as carol",
        ":click Approve",
        ":as bob",
        ":click Approve",
        ":click Approve",
    ):
        shell.run_line(line)
    text = out.getvalue()
    assert "you requested this yourself" in text
    assert "not an approver" in text
    assert "[message #1 updated]" in text and "ran, finished at 09:00 UTC: hall is off" in text
    # The finished card lost its buttons: the second click finds nothing to press.
    assert "no message has a button labelled 'Approve'" in text
    assert WORLD.executions == ["hall by alice"]


def test_unknown_request_ids_say_so(workflow: ApprovalWorkflow) -> None:
    out = say(make_dispatcher(workflow), "bob", "/k8s approve zzzzzzzz")
    assert out.status == "failed" and "no approval request `zzzzzzzz`" in notice_text(out.view)


def test_status_shows_the_card(workflow: ApprovalWorkflow) -> None:
    d = make_dispatcher(workflow)
    rid = request_id_of(say(d, "alice", "/k8s switch off hall"))
    out = say(d, "carol", f"/k8s request {rid}")
    assert out.status == "ok" and "Waiting for an approver" in notice_text(out.view)
    levels = [b.level for b in out.view.blocks if isinstance(b, Notice)]
    assert Level.INFO in levels


def test_the_whole_trail_exports_as_json_lines(workflow: ApprovalWorkflow) -> None:
    import io

    from bot.approvals.audit import export_jsonl

    d = make_dispatcher(workflow)
    for _ in range(3):
        rid = request_id_of(say(d, "alice", "/k8s switch off porch"))
        say(d, "alice", f"/k8s cancel {rid}")
    out = io.StringIO()
    assert export_jsonl(workflow.store, out) == 6
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [x["event"] for x in lines] == ["requested", "cancelled"] * 3
    assert all(x["actor"] == "alice" and x["cluster"] == "home" for x in lines)
    seqs = [x["seq"] for x in lines]
    assert seqs == sorted(seqs)


def test_in_a_worker_thread_the_click_answers_at_once_and_the_card_reports_the_end(
    store: SqliteApprovalStore, clock: ManualClock, notifier: RecordingNotifier
) -> None:
    import threading

    from bot.approvals.workflow import ActionExecutor

    actions = ActionExecutor(workers=2)
    workflow = make_workflow(store, clock, notifier, executor=actions)
    d = make_dispatcher(workflow)
    rid = request_id_of(say(d, "alice", "/k8s switch off hall"))
    WORLD.delay = 0.3
    out = say(d, "bob", f"/k8s approve {rid}")
    assert "You approved it — running." in notice_text(out.view)
    assert any(t.name.startswith("aksbot-action") for t in threading.enumerate())
    actions.shutdown(wait=True)
    request = workflow.store.get(rid)
    assert request is not None and request.state is State.SUCCEEDED
    final = notifier.latest(MessageRef("C0OPS", "m1"))
    assert final is not None and "(succeeded)" in final.summary
    assert WORLD.executions == ["hall by alice"]


def test_an_action_cut_off_by_a_stopped_bot_is_failed_not_rerun(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "crash.sqlite3"
    # The bot stops between the approval and the run: the executor never runs the job.
    crashed = make_workflow(SqliteApprovalStore(path), clock, executor=lambda job: None)
    rid = request_id_of(say(make_dispatcher(crashed), "alice", "/k8s switch off hall"))
    say(make_dispatcher(crashed), "bob", f"/k8s approve {rid}")
    other = request_id_of(say(make_dispatcher(crashed), "alice", "/k8s switch off porch"))
    say(make_dispatcher(crashed), "bob", f"/k8s approve {other}")
    now = clock.now()
    assert crashed.store.transition(other, (State.APPROVED,), State.RUNNING, at=now)  # it had started running
    crashed.store.close()

    notifier = RecordingNotifier()
    restarted = make_workflow(SqliteApprovalStore(path), clock, notifier)
    assert restarted.interrupt_stale() == 0  # an hour could still be a drain at work
    clock.advance(timedelta(hours=2, minutes=1))
    assert restarted.interrupt_stale() == 2
    for request_id in (rid, other):
        failed = restarted.store.get(request_id)
        assert failed is not None and failed.state is State.FAILED
        assert failed.reason is not None and failed.reason.startswith("interrupted: the bot stopped")
    assert WORLD.executions == []
    assert restarted.interrupt_stale() == 0
    events = [e.event for e in restarted.store.audit() if e.request_id == other]
    assert events[-1] is AuditEvent.FAILED
    assert notifier.updates, "the cards say so"
    restarted.store.close()
