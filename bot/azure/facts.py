"""The cluster facts the upgrade checklist needs, read through the `ClusterReader` port.

PodDisruptionBudgets, each node's allocatable resources and what the pods scheduled on it request, and the images
of the containers that run. Finished pods (Succeeded, Failed) hold no resources and run no runtime, so they are
left out. The reader raises `bot.errors` when the cluster cannot be read; the handler turns that into a checklist
that says what it could not check.
"""

from __future__ import annotations

from collections import defaultdict

from bot.azure.upgrade import ClusterFacts, ContainerFact, NodeFact, PdbFact
from bot.cluster.ports import ClusterReader

_FINISHED = frozenset({"Succeeded", "Failed"})


def read_cluster_facts(reader: ClusterReader) -> ClusterFacts:
    pdbs = tuple(PdbFact(p.namespace, p.name, p.disruptions_allowed) for p in reader.pdbs(None))
    pods = [p for p in reader.pods(None) if p.phase not in _FINISHED]
    cpu: dict[str, int] = defaultdict(int)
    memory: dict[str, int] = defaultdict(int)
    for pod in pods:
        if pod.node:
            requests = pod.requests
            cpu[pod.node] += requests.cpu_m or 0
            memory[pod.node] += requests.memory or 0
    nodes = tuple(
        NodeFact(
            n.name,
            n.pool or None,
            n.allocatable.cpu_m or 0,
            n.allocatable.memory or 0,
            cpu[n.name],
            memory[n.name],
        )
        for n in reader.nodes()
    )
    containers = tuple(
        ContainerFact(pod.namespace, pod.name, c.name, c.image) for pod in pods for c in pod.containers if c.image
    )
    return ClusterFacts(pdbs, nodes, containers)
