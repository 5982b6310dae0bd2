"""A drain that fails half-way says what it changed: through the approval workflow, the official Kubernetes client
and the sandbox API server, the bot (as the sandbox user `carol`) loses the right to evict after its first
eviction — a real 403 from the API server — and the failed request's answer says the node was left cordoned, how
many of the pods were evicted, which are still there, and how to undo the cordon."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import handlers.actions
import handlers.approvals  # noqa: F401
from bot.blocks import View
from bot.dispatch import Dispatcher, Outcome
from bot.render_text import render_text
from bot.surface import Incoming, InputKind, MessageRef, Reply
from sandbox.kube import AccessRule, KubeServer
from tests.support import minicluster
from tests.support.approvals import RecordingNotifier, request_id_of, sandbox_approvals
from tests.support.kubectl import start_minicluster


class Channel:
    def send(self, reply: Reply) -> MessageRef | None:
        return MessageRef("C0OPS", "m1")


@dataclass
class RevokeAfterFirstEviction(RecordingNotifier):
    """Progress lines go to the card's thread; after the first "Evicted …" one, carol may no longer evict."""

    server: KubeServer | None = None

    def post(self, channel: str, view: View, thread: MessageRef | None = None) -> MessageRef | None:
        if self.server is not None and view.summary.startswith("Evicted "):
            self.server.set_access("carol", AccessRule(deny_verbs=frozenset({"create"})))
        return super().post(channel, view, thread)


@pytest.fixture()
def bed(tmp_path: Path) -> Iterator[tuple[Dispatcher, KubeServer, RevokeAfterFirstEviction]]:
    server = start_minicluster()
    try:
        notifier = RevokeAfterFirstEviction(server=server)
        roles = {"operator": ["alice"], "approver": ["bob"]}
        with sandbox_approvals(tmp_path, server, roles, context="sandbox-carol", notifier=notifier) as made:
            yield made.dispatcher, server, notifier
    finally:
        server.stop()


def _say(dispatcher: Dispatcher, user: str, text: str) -> Outcome:
    return dispatcher.handle(Incoming(text, user, InputKind.SLASH, "C0OPS"), Channel())


def test_a_drain_that_loses_the_right_to_evict_reports_its_partial_result(
    bed: tuple[Dispatcher, KubeServer, RevokeAfterFirstEviction]
) -> None:
    dispatcher, server, _ = bed
    node = minicluster.SPARE
    movable = sorted(
        f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in server.objects("pods")
        if p["spec"].get("nodeName") == node
        and all(o["kind"] != "DaemonSet" for o in p["metadata"].get("ownerReferences") or ())
    )
    assert len(movable) == 3
    requested = _say(dispatcher, "alice", f"/k8s drain {node} --timeout 20 --force")
    done = _say(dispatcher, "bob", f"/k8s approve {request_id_of(requested)}")
    text = " ".join(render_text(done.view).split())
    assert "forbidden" in text and "`create` `pods/eviction`" in text, text
    assert (f"Drain of {node} stopped half-way: the node is left cordoned (undo with `/k8s uncordon {node}`); "
            f"1 of 3 pod(s) evicted ({movable[0]}), still on the node: {movable[1]}, {movable[2]}.") in text, text
    # What the answer says is what the cluster shows.
    assert server.get("nodes", node)["spec"].get("unschedulable") is True
    left = {f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in server.objects("pods")
            if p["spec"].get("nodeName") == node and not p["metadata"].get("deletionTimestamp")}
    assert movable[0] not in left and {movable[1], movable[2]} <= left
    print("\n" + text)
