"""A drain of a node whose kubelet is unreachable (Ready=Unknown), through the approval workflow, the official
Kubernetes client and the sandbox API server: the preview warns that evicted pods will stay Terminating until the
node comes back or is deleted through its pool (the knowledge base's node-notready and node-delete-via-pool
advice, with the `az` command that does it), the drain does not wait for deletions nothing will confirm, and it
ends as a warning that says which pods are stuck and why — not as a clean "drained"."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import handlers.actions
import handlers.approvals  # noqa: F401
from bot.blocks import Level, Notice, View
from bot.dispatch import Dispatcher, Outcome
from bot.render_text import render_text
from bot.surface import Incoming, InputKind
from sandbox.kube import KubeServer
from tests.support.approvals import (
    RecordingNotifier,
    notices,
    request_id_of,
    sandbox_approvals,
)
from tests.support.foundation import Conversation
from tests.support.kubectl import start_minicluster
from tests.support.minicluster import DEAD, SPARE, container

# The sandbox's unreachable node has no pods of its own; this one tolerates the unreachable taint for good, so only
# the drain moves it.
STUCK_POD = "ledger-0"
DELETE_MACHINE = f"az aks nodepool delete-machines -g RG --cluster-name NAME -n nodepool1 --machine-names {DEAD}"


@dataclass
class Bed:
    dispatcher: Dispatcher
    server: KubeServer
    notifier: RecordingNotifier


@pytest.fixture
def bed(tmp_path: Path) -> Iterator[Bed]:
    server = start_minicluster()
    try:
        server.apply(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": STUCK_POD, "namespace": "shop", "labels": {"app": "ledger"}},
                "spec": {
                    "nodeName": DEAD,
                    "containers": [container("ledger", "shop/ledger:1.0")],
                    "tolerations": [
                        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"}
                    ],
                },
            }
        )
        with sandbox_approvals(tmp_path, server, {"operator": ["alice"], "approver": ["bob"]}) as made:
            yield Bed(made.dispatcher, server, made.notifier)
    finally:
        server.stop()


def say(bed: Bed, user: str, text: str) -> Outcome:
    return bed.dispatcher.handle(Incoming(text, user, InputKind.SLASH, "C0OPS"), Conversation())


def warnings(view: View) -> str:
    return " ".join(" ".join(render_text(View("", (b,))).split()) for b in view.blocks
                    if isinstance(b, Notice) and b.level is Level.WARN)


def test_the_preview_warns_that_evicted_pods_stay_terminating_and_how_to_release_them(bed: Bed) -> None:
    requested = say(bed, "alice", f"/k8s drain {DEAD} --force --timeout 30")
    warned = warnings(requested.view)
    assert f"Node {DEAD} is Unknown: its kubelet has stopped reporting" in warned
    assert "The pods evicted will stay Terminating until the node comes back or is deleted" in warned
    assert "Drain only if the kubelet is reachable" in warned
    assert f"delete the machine through its node pool: `{DELETE_MACHINE}` (not `kubectl delete node`)" in warned


def test_a_healthy_node_s_drain_preview_has_no_such_warning(bed: Bed) -> None:
    requested = say(bed, "alice", f"/k8s drain {SPARE} --force")
    assert "kubelet" not in render_text(requested.view)
    say(bed, "alice", f"/k8s cancel {request_id_of(requested)}")


def test_the_drain_does_not_wait_for_pods_nothing_will_confirm_and_ends_as_a_warning(bed: Bed) -> None:
    requested = say(bed, "alice", f"/k8s drain {DEAD} --force --timeout 30")
    done = say(bed, "bob", f"/k8s approve {request_id_of(requested)}")

    progress = [v.summary for _, v, _ in bed.notifier.posts]
    assert f"Evicted shop/{STUCK_POD}." in progress
    assert (
        f"Not waiting for the 1 evicted pod(s) to leave: {DEAD} is Unknown, and its kubelet cannot confirm that they "
        "stopped."
    ) in progress

    # The approver's answer, the card and the requester's notice all say it ended short of a clean drain.
    assert done.view.blocks[0] == Notice(
        f"You approved it — ran: Node {DEAD} drained: 1 pod(s) evicted, 1 still Terminating", Level.WARN
    )
    warned = warnings(done.view)
    assert f"Node {DEAD} drained: 1 pod(s) evicted, 1 still Terminating; it stays cordoned." in warned
    assert (
        f"Still Terminating: shop/{STUCK_POD}. Node {DEAD} is Unknown, so its kubelet cannot confirm that they "
        f"stopped: they stay until the node comes back or is deleted through its node pool (`{DELETE_MACHINE}`)."
    ) in warned
    card = bed.notifier.updates[-1][1]
    status = card.blocks[1]
    assert isinstance(status, Notice) and status.level is Level.WARN
    assert "ran, finished at" in notices(card) and "1 still Terminating" in notices(card)
    assert "(ran, with warnings):" in card.summary  # not "succeeded"
    assert "state ran, with warnings" in render_text(card)
    # So does the audit: the record says it ran with warnings, in the table and in the export.
    trail = say(bed, "bob", f"/k8s audit --request {request_id_of(requested)}")
    assert "ran, with warnings" in render_text(trail.view) and "succeeded" not in render_text(trail.view)
    exported = say(bed, "bob", f"/k8s audit --request {request_id_of(requested)} --jsonl")
    assert '"warning": true' in render_text(exported.view)

    # The cluster agrees: the pod is still there, marked for deletion, on the unreachable node.
    pod = bed.server.get("pods", STUCK_POD, "shop")
    assert pod["metadata"].get("deletionTimestamp") and pod["spec"]["nodeName"] == DEAD
