"""Reading the checklist's facts through the `ClusterReader` port (a plain in-memory reader of the port)."""

from __future__ import annotations

from bot.cluster.model import Container, Node, Pod, PodDisruptionBudget, Resources
from handlers.aks import read_cluster_facts

GiB = 2**30


class Reader:
    """Only what the checklist asks of a cluster; the kube adapter's own tests cover the real client."""

    def pdbs(self, namespace: str | None = None) -> list[PodDisruptionBudget]:
        return [PodDisruptionBudget("pay", "ledger", disruptions_allowed=0)]

    def nodes(self, selector: str | None = None) -> list[Node]:
        return [
            Node(
                "aks-user-0",
                labels={"kubernetes.azure.com/agentpool": "user"},
                allocatable=Resources(cpu_m=1900, memory=5 * GiB),
            ),
        ]

    def pods(self, namespace: str | None = None, *args: object, **kwargs: object) -> list[Pod]:
        app = Container("app", "openjdk:8u212-jre", requests=Resources(cpu_m=500, memory=GiB))
        side = Container("proxy", "envoy:1.30", requests=Resources(cpu_m=100, memory=GiB // 4))
        return [
            Pod("pay", "ledger-1", node="aks-user-0", phase="Running", containers=(app, side)),
            Pod("pay", "job-1", node="aks-user-0", phase="Succeeded", containers=(app,)),
        ]


def test_facts_sum_requests_per_node_and_skip_finished_pods() -> None:
    facts = read_cluster_facts(Reader())
    assert [(p.namespace, p.name, p.disruptions_allowed) for p in facts.pdbs] == [("pay", "ledger", 0)]
    (node,) = facts.nodes
    assert (node.pool, node.cpu_allocatable_m, node.cpu_requested_m) == ("user", 1900, 600)
    assert node.memory_requested == GiB + GiB // 4
    assert [c.image for c in facts.containers] == ["openjdk:8u212-jre", "envoy:1.30"]
