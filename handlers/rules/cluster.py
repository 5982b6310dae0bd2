"""The whole cluster at once: every rule over lists read once per kind, findings grouped for one screen.

Built for 5,000 nodes and 50,000 pods: events, pods and leases are indexed in one pass, quiet pods (running,
no trouble in their statuses) are skipped without building anything, and findings of one rule are grouped
("37 pods crash-looping in 5 namespaces") so the reply stays short whatever the cluster's size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.azure.model import ManagedCluster
from bot.cluster.model import Deployment, Event, Lease, Node, Pod, PodDisruptionBudget
from bot.i18n import FINDING, Msg, Said, said
from bot.refs import ObjectRef
from bot.severity import Severity
from handlers.rules.azure_rules import azure_findings
from handlers.rules.finding import Finding, by_severity
from handlers.rules.node_rules import node_findings
from handlers.rules.pod_rules import PodContext, is_quiet, pod_findings
from handlers.rules.scheduling import NodeSizes
from handlers.rules.workload_rules import deployment_rule, pdb_rule

# A container OOMKilled once and running and ready since is no longer a problem of the cluster after this long
# (it still shows in `diagnose pod`): without it, one kill days ago kept an alert firing for as long as the pod lived.
OOM_SETTLES_AFTER = timedelta(minutes=30)

# How a group of findings of one rule reads ("37 containers in CrashLoopBackOff in 5 namespaces").
_GROUP_WORDS: Mapping[str, Msg] = {
    "node.notready": FINDING.group_notready,
    "node.lease": FINDING.group_lease,
    "node.MemoryPressure": FINDING.group_memory_pressure,
    "node.DiskPressure": FINDING.group_disk_pressure,
    "node.PIDPressure": FINDING.group_pid_pressure,
    "node.cordoned": FINDING.group_cordoned,
    "pod.oom": FINDING.group_oom,
    "pod.crashloop": FINDING.group_crashloop,
    "pod.image-pull": FINDING.group_image_pull,
    "pod.config": FINDING.group_config,
    "pod.pending": FINDING.group_pending,
    "pod.volume": FINDING.group_volume,
    "pod.evicted": FINDING.group_evicted,
    "pdb.blocking": FINDING.group_pdb,
    "deployment.progressing": FINDING.group_deployment,
}

_RANK = {rule: i for i, rule in enumerate(("azure.provisioning", *_GROUP_WORDS, "azure.snat", "azure.identity"))}


@dataclass(frozen=True)
class FindingGroup:
    """Findings of one rule citing one entry; `example` is the most severe of them."""

    rule: str
    kb: str | None
    severity: Severity
    count: int
    namespaces: tuple[str, ...]
    subjects: tuple[ObjectRef, ...]
    example: Finding

    @property
    def title(self) -> str:
        """The group's heading, a `Said` when its rule's findings are (the example's own title for one finding)."""
        if self.count == 1:
            return self.example.title
        words = _GROUP_WORDS.get(self.rule)
        if words is None:
            return said(FINDING.group_repeated, count=self.count, title=self.example.title)
        if self.rule == "pod.oom" and self.kb == "java-oom-cgroupv2":
            words = FINDING.group_oom_cgroupv2
        n = len(self.namespaces)
        where = said(FINDING.in_one_namespace if n == 1 else FINDING.in_namespaces, count=n) if n else Said("", "")
        return said(words, count=self.count, where=where)


@dataclass(frozen=True)
class ClusterCounts:
    nodes: int
    nodes_ready: int
    nodes_cordoned: int
    pods: int
    pods_running: int
    pods_pending: int
    pods_failed: int
    restarts: int


@dataclass(frozen=True)
class ClusterReport:
    findings: tuple[Finding, ...]
    groups: tuple[FindingGroup, ...]
    counts: ClusterCounts
    notes: tuple[str, ...]  # what was skipped or could not be read


def group(findings: Sequence[Finding]) -> tuple[FindingGroup, ...]:
    """Group by (rule, cited entry); groups ordered by severity, then by size."""
    buckets: dict[tuple[str, str | None], list[Finding]] = defaultdict(list)
    for f in findings:
        buckets[(f.rule, f.kb)].append(f)
    groups: list[FindingGroup] = []
    for (rule, kb), items in buckets.items():
        ordered = by_severity(items)
        namespaces = tuple(sorted({f.namespace for f in items if f.namespace}))
        groups.append(
            FindingGroup(
                rule=rule,
                kb=kb,
                severity=ordered[0].severity,
                count=len(items),
                namespaces=namespaces,
                subjects=tuple(dict.fromkeys(f.subject for f in ordered)),
                example=ordered[0],
            )
        )
    # Within a severity, causes before symptoms: a lost node explains the Pending and Terminating pods after it.
    groups.sort(key=lambda g: (-int(g.severity), _RANK.get(g.rule, len(_RANK)), -g.count, g.rule))
    return tuple(groups)


def _counts(nodes: Sequence[Node], pods: Sequence[Pod]) -> ClusterCounts:
    phases: dict[str, int] = defaultdict(int)
    restarts = 0
    for p in pods:
        phases[p.phase] += 1
        restarts += p.restarts
    return ClusterCounts(
        nodes=len(nodes),
        nodes_ready=sum(1 for n in nodes if n.ready == "True"),
        nodes_cordoned=sum(1 for n in nodes if n.unschedulable),
        pods=len(pods),
        pods_running=phases["Running"],
        pods_pending=phases["Pending"],
        pods_failed=phases["Failed"],
        restarts=restarts,
    )


def diagnose_cluster(
    *,
    nodes: Sequence[Node],
    leases: Mapping[str, Lease] | None,
    pods: Sequence[Pod],
    events: Sequence[Event],
    pdbs: Sequence[PodDisruptionBudget],
    deployments: Sequence[Deployment],
    azure: ManagedCluster | None,
    now: datetime,
    kubernetes_version: str | None = None,
    notes: Sequence[str] = (),
) -> ClusterReport:
    """Every rule over the whole cluster; no I/O. `leases` None: the heartbeat Leases could not be read."""
    node_events: dict[str, list[Event]] = defaultdict(list)
    pod_events: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for e in events:
        if e.involved.kind == "Node":
            node_events[e.involved.name].append(e)
        elif e.involved.kind == "Pod":
            pod_events[(e.involved.namespace or e.namespace, e.involved.name)].append(e)
    nodes_by_name = {n.name: n for n in nodes}
    troubled_nodes = {n.name for n in nodes if n.ready != "True"}
    pods_on: dict[str, list[Pod]] = defaultdict(list)
    for p in pods:
        if p.node in troubled_nodes:
            pods_on[p.node].append(p)

    findings: list[Finding] = []
    sizes = NodeSizes(nodes)
    for n in nodes:
        # A healthy node can still carry a True pressure/NPD condition or be cordoned, so every node is checked;
        # only NotReady ones get their pods and events.
        findings.extend(
            node_findings(
                n,
                leases.get(n.name) if leases is not None else None,
                node_events.get(n.name, ()),
                pods_on.get(n.name, ()),
                now,
                kubernetes_version,
                lease_read=leases is not None,
            )
        )
    for p in pods:
        if is_quiet(p):
            continue
        ctx = PodContext(
            node=nodes_by_name.get(p.node),
            events=pod_events.get((p.namespace, p.name), ()),
            oom_settles_after=OOM_SETTLES_AFTER,
            node_sizes=sizes,
            node_reported=True,
        )
        findings.extend(pod_findings(p, ctx, now))
    pods_by_ns: dict[str, list[Pod]] = defaultdict(list)
    if any(b.disruptions_allowed == 0 for b in pdbs):
        for p in pods:
            pods_by_ns[p.namespace].append(p)
    for b in pdbs:
        findings.extend(pdb_rule(b, pods_by_ns.get(b.namespace, ())))
    for d in deployments:
        findings.extend(deployment_rule(d, now))
    if azure is not None:
        findings.extend(azure_findings(azure))
    ordered = by_severity(findings)
    return ClusterReport(ordered, group(ordered), _counts(nodes, pods), tuple(notes))
