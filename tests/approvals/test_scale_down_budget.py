"""A scale-down that leaves a PodDisruptionBudget with no room: the approver is told before approving.

The budget does not hold a scale-down (only evictions), but once the deployment is smaller, every drain and AKS
node-pool upgrade of a node running its pods waits on it. The bot's arithmetic (`allowed_with_fewer`) is checked
against the sandbox's disruption controller after real scale-downs through the official client, for both rules
and both kinds of value; then the preview's warning through the approval workflow."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import handlers.actions
import handlers.approvals  # noqa: F401
from bot.render_text import render_text
from bot.surface import Incoming, InputKind
from sandbox.kube import KubeServer
from tests.support.approvals import SandboxApprovals, request_id_of, sandbox_approvals
from tests.support.foundation import Conversation
from tests.support.kubectl import start_minicluster
from tests.support.minicluster import container
from tests.support.waiting import eventually

REPLICAS = 4


def deployment(name: str) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "shop"},
            "spec": {"replicas": REPLICAS, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [container(name, f"shop/{name}:1.0")]}}}}


def budget(name: str, rule: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": name, "namespace": "shop"},
            "spec": {**rule, "selector": {"matchLabels": {"app": name}}}}


@pytest.fixture
def bed(tmp_path: Path) -> Iterator[tuple[KubeServer, SandboxApprovals]]:
    server = start_minicluster()
    try:
        with sandbox_approvals(tmp_path, server, {"operator": ["alice"], "approver": ["bob"]}) as made:
            yield server, made
    finally:
        server.stop()


RULES = {
    "min2": {"minAvailable": 2},
    "min50": {"minAvailable": "50%"},
    "max1": {"maxUnavailable": 1},
    "max34": {"maxUnavailable": "34%"},  # of 4 pods: 1.36, rounded up to 2
}


def test_the_room_a_budget_keeps_after_a_scale_down_is_what_the_disruption_controller_computes(
    bed: tuple[KubeServer, SandboxApprovals],
) -> None:
    server, made = bed
    reader, writer = made.clusters.reader("sandbox"), made.clusters.writer("sandbox")
    for name, rule in RULES.items():
        server.apply(deployment(name))
        server.apply(budget(name, rule))
    server.controllers.settle()
    before = {b.name: b for b in reader.pdbs("shop") if b.name in RULES}
    for name in RULES:
        assert before[name].expected_pods == REPLICAS and before[name].current_healthy == REPLICAS
    for fewer in (1, 2, 3):
        for name in RULES:
            writer.scale_deployment("shop", name, REPLICAS - fewer)

        def gone(left: int = REPLICAS - fewer) -> bool:  # an integer minAvailable counts terminating pods too
            server.controllers.settle()
            return all(b.expected_pods == left for b in reader.pdbs("shop") if b.name in RULES)

        eventually(gone, what=f"the budgets to count {REPLICAS - fewer} pods")
        now = {b.name: b for b in reader.pdbs("shop") if b.name in RULES}
        for name in RULES:
            assert before[name].allowed_with_fewer(fewer) == now[name].disruptions_allowed, (name, fewer)


def test_the_preview_of_a_scale_down_says_which_budget_it_leaves_without_room(
    bed: tuple[KubeServer, SandboxApprovals],
) -> None:
    server, made = bed
    server.apply(deployment("orders"))
    server.apply(budget("orders", {"minAvailable": "50%"}))
    server.controllers.settle()
    channel = Conversation()

    def ask(text: str) -> str:
        outcome = made.dispatcher.handle(Incoming(text, "alice", InputKind.SLASH, "C0OPS"), channel)
        made.dispatcher.handle(Incoming(f"/k8s cancel {request_id_of(outcome)}", "alice", InputKind.SLASH, "C0OPS"),
                               channel)
        return " ".join(render_text(outcome.view).split())

    # 4 -> 2: 50 % of 2 is 1, one disruption left: nothing to say about the budget.
    assert "PodDisruptionBudget" not in ask("/k8s scale deployment orders --replicas 2 -n shop")
    # 4 -> 1: 50 % of 1 rounds up to 1, none left.
    assert ("PodDisruptionBudget shop/orders (minAvailable 50%) will allow no disruption with 1 replica(s): a drain, "
            "or an AKS node-pool upgrade, will wait on any node running them") in ask(
        "/k8s scale deployment orders --replicas 1 -n shop")
