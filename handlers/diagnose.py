"""`diagnose node <name>`, `diagnose pod <name>`, `diagnose cluster` and `health`: live evidence → findings.

Each command reads the cluster through `deps.clusters.reader(call.cluster)` (one list call per kind for the
cluster-wide ones, never a call per pod) and, when the cluster has Azure settings, the AKS resource through
`deps.azure`; the rules in `handlers.diagnosis` turn the objects into findings that cite their knowledge-base
entry by id. Suggested actions become buttons; a disruptive one becomes an approval request when clicked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.azure.model import ManagedCluster
from bot.blocks import Actions, Block, Button, Context, Divider, Fields, Heading, Level, Notice, Text, View
from bot.cluster.model import Node, Pod
from bot.cluster.ports import ClusterReader
from bot.deps import Deps
from bot.errors import AksbotError, NotConfigured, NotFound
from bot.registry import Args, Call, Lang, NoArgs, Scope, arg, command
from handlers.diagnosis.cluster import ClusterReport, FindingGroup, diagnose_cluster
from handlers.diagnosis.finding import Finding, Severity, by_severity
from handlers.diagnosis.log_hints import LogMatch, Search, log_findings
from handlers.diagnosis.node_rules import lease_state, node_findings
from handlers.diagnosis.pod_rules import PodContext, pod_findings
from handlers.diagnosis.workload_rules import deployment_rule, pdb_rule, selects
from handlers.nodes import find_node
from handlers.pods import find_pod, pod_rank

# Cluster-wide Warning events read for `health`/`diagnose cluster` (newest first); enough for every pod in
# trouble on a large cluster, bounded so one noisy namespace cannot make the call unbounded.
CLUSTER_EVENT_LIMIT = 5000
LOG_TAIL = 20
# Six blocks a group: seven groups and the header stay within one Slack message (50 blocks).
GROUPS_SHOWN = 7
HEALTH_LINES = 20


@dataclass(frozen=True)
class Words:
    """The fixed words of a diagnosis reply; findings themselves stay in English (they quote the cluster)."""

    node_heading: str
    pod_heading: str
    cluster_heading: str
    health_heading: str
    status: str
    pool: str
    kubernetes: str
    os: str
    pods_on_it: str
    taints: str
    none: str
    ready: str
    restarts: str
    node: str
    owner: str
    no_problem: str
    what_next: str
    runbook: str
    confidence: str
    signals: str
    worst: str
    cluster: str
    nodes_ready: str
    pods: str
    pods_detail: str
    problems_label: str
    problems: str
    more_groups: str
    more_in_health: str
    diagnose_cluster: str
    attention: str
    degraded: str
    healthy_notes: str
    healthy: str


EN = Words(
    node_heading="Diagnosis: node {}",
    pod_heading="Diagnosis: pod {}",
    cluster_heading="Diagnosis: cluster {}",
    health_heading="Health: {}",
    status="Status",
    pool="Pool",
    kubernetes="Kubernetes",
    os="OS",
    pods_on_it="Pods on it",
    taints="Taints",
    none="none",
    ready="Ready",
    restarts="Restarts",
    node="Node",
    owner="Owner",
    no_problem="{}: no problem found.",
    what_next="What happens next:",
    runbook="runbook",
    confidence="confidence",
    signals="signals",
    worst="worst",
    cluster="Cluster",
    nodes_ready="Nodes ready",
    pods="Pods",
    pods_detail="{:,} ({:,} running, {:,} pending, {:,} failed)",
    problems_label="Problems",
    problems="{:,} finding(s) in {} group(s)",
    more_groups="{} more group(s) of findings: `/k8s health` lists them all.",
    more_in_health="{} more group(s): `/k8s diagnose cluster`",
    diagnose_cluster="Diagnose cluster",
    attention="Cluster needs attention",
    degraded="Cluster degraded",
    healthy_notes="Cluster healthy (notes)",
    healthy="Cluster healthy",
)
ZH = Words(
    node_heading="诊断：节点 {}",
    pod_heading="诊断：Pod {}",
    cluster_heading="诊断：集群 {}",
    health_heading="健康状况：{}",
    status="状态",
    pool="节点池",
    kubernetes="Kubernetes",
    os="操作系统",
    pods_on_it="节点上的 Pod",
    taints="污点",
    none="无",
    ready="就绪",
    restarts="重启次数",
    node="节点",
    owner="所属",
    no_problem="{}：未发现问题。",
    what_next="接下来会发生：",
    runbook="处理手册",
    confidence="置信度",
    signals="信号",
    worst="最严重的一例",
    cluster="集群",
    nodes_ready="就绪节点",
    pods="Pod",
    pods_detail="{:,}（运行 {:,}，等待 {:,}，失败 {:,}）",
    problems_label="问题",
    problems="{:,} 个发现，{} 组",
    more_groups="还有 {} 组发现：`/k8s health` 会全部列出。",
    more_in_health="还有 {} 组：`/k8s diagnose cluster`",
    diagnose_cluster="诊断集群",
    attention="集群需要处理",
    degraded="集群部分降级",
    healthy_notes="集群健康（有提示）",
    healthy="集群健康",
)


def words(lang: str) -> Words:
    return ZH if lang == "zh" else EN


_LEVEL = {Severity.CRITICAL: Level.ERROR, Severity.WARNING: Level.WARN, Severity.INFO: Level.INFO}
_MARK = {Severity.CRITICAL: "🔴", Severity.WARNING: "🟠", Severity.INFO: "🔵"}


def _cluster_flag(call: Call[Any]) -> str:
    return _flag(call.cluster)


def _flag(cluster: str | None) -> str:
    return f" --cluster {cluster}" if cluster else ""


def _reader(call: Call[Any], deps: Deps) -> ClusterReader:
    if call.cluster is None:
        raise NotConfigured("no cluster selected; pass --cluster NAME or set default_cluster")
    return deps.clusters.reader(call.cluster)


def _azure(call: Call[Any], deps: Deps) -> tuple[ManagedCluster | None, str | None]:
    """The AKS resource, or None with the note saying why Azure checks were skipped."""
    if call.cluster is None:
        return None, "Azure checks skipped: no cluster selected"
    try:
        return deps.azure.client(call.cluster).cluster(), None
    except NotConfigured:
        return None, "Azure checks skipped: no azure settings for this cluster"
    except AksbotError as exc:
        return None, f"Azure checks failed: {exc.message}"


def _server_version(reader: ClusterReader) -> str | None:
    """The control plane's version (it sets the node grace period); None falls back to the kubelet's version."""
    try:
        return reader.version().git_version
    except AksbotError:
        return None


def finding_blocks(f: Finding, *, evidence_lines: int = 12, heading: str | None = None, w: Words = EN) -> list[Block]:
    """One finding: the headline at its level, the evidence, what happens next, its entry and its buttons.

    With `heading` (a group's "37 containers in CrashLoopBackOff …"), the finding is shown as its example.
    """
    blocks: list[Block] = [Notice(f"*{heading or f.title}*", _LEVEL[f.severity])]
    lines = list(f.evidence[:evidence_lines])
    if heading:
        lines.insert(0, f"_{w.worst}: {f.title}_")
    if len(f.evidence) > evidence_lines:
        lines.append(f"… {len(f.evidence) - evidence_lines} more line(s)")
    if lines:
        blocks.append(Text("\n".join(f"• {line}" for line in lines)))
    if f.next:
        blocks.append(Text(f"*{w.what_next}* {f.next}"))
    signals = ", ".join(f"`{s}`" for s in f.signals)
    small = [f"{f.severity.label}", f"{w.confidence} {f.confidence}", f"{w.signals} {signals}"]
    if f.kb:
        small.insert(0, f"{w.runbook} `{f.kb}` (`/k8s kb show {f.kb}`)")
    blocks.append(Context(" · ".join(small)))
    buttons = [Button(a.label, a.command, "danger" if a.danger else None) for a in f.actions]
    if f.kb:
        buttons.append(Button(f"Runbook: {f.kb}", f"/k8s kb show {f.kb}"))
    if buttons:
        blocks.append(Actions(tuple(buttons[:5])))
    return blocks


def _findings_view(summary: str, head: Sequence[Block], findings: Sequence[Finding], ok: str, w: Words) -> View:
    blocks: list[Block] = list(head)
    if not findings:
        blocks.append(Notice(ok, Level.OK))
    for i, f in enumerate(findings):
        if i:
            blocks.append(Divider())
        blocks.extend(finding_blocks(f, w=w))
    return View(summary, tuple(blocks))


def _summary(subject: str, findings: Sequence[Finding]) -> str:
    if not findings:
        return f"{subject}: no problem found"
    top = findings[0]
    more = f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""
    cite = f" — see {top.kb}" if top.kb else ""
    return f"{top.title}{cite}{more}"


# -- diagnose node ------------------------------------------------------------------------------------------


class DiagnoseNodeArgs(Args):
    name: str = arg(help="the node's name (as in `/k8s nodes`)")


@dataclass(frozen=True)
class NodeDiagnosis:
    node: Node
    findings: tuple[Finding, ...]
    lease_line: str
    pods_on_node: int
    lang: Lang = "en"

    def view(self) -> View:
        n = self.node
        w = words(self.lang)
        head: list[Block] = [
            Heading(w.node_heading.format(n.name)),
            Fields(
                (
                    (w.status, n.status_text),
                    (w.pool, n.pool or "—"),
                    (w.kubernetes, n.version or "—"),
                    (w.os, n.node_info.os_image or "—"),
                    (w.pods_on_it, str(self.pods_on_node)),
                    (w.taints, ", ".join(str(t) for t in n.taints) or w.none),
                )
            ),
        ]
        if not any("node.lease:stale" in f.signals for f in self.findings):
            # A stale lease is already the finding's evidence; a fresh one is worth a line of small print.
            head.append(Context(self.lease_line))
        return _findings_view(
            _summary(f"node {n.name}", self.findings), head, self.findings, w.no_problem.format(n.name), w
        )


@command(
    "diagnose node",
    args=DiagnoseNodeArgs,
    scope=Scope.CLUSTER,
    examples=("/k8s diagnose node aks-userpool-12345678-vmss000003",),
)
def diagnose_node(call: Call[DiagnoseNodeArgs], deps: Deps) -> NodeDiagnosis:
    """Why a node is NotReady or in trouble: lease, conditions, taints, events, and what happens next.

    Reads the node, its heartbeat lease, its events, the pods bound to it and the PodDisruptionBudgets that
    would block draining it; cites the runbook by id.
    """
    reader = _reader(call, deps)
    name = call.args.name
    node = find_node(deps, call.cluster or "", name)
    lease = reader.lease(name)
    events = reader.events(None, involved_name=name, kind="Node", limit=200)
    pods = reader.pods(None, node=name)
    now = deps.clock.now()
    flag = _cluster_flag(call)
    found = node_findings(node, lease, events, pods, now, _server_version(reader), flag)
    # A budget at 0 over pods on this node is what will stop a drain of it: say so before anyone clicks Drain.
    for pdb in reader.pdbs(None):
        if pdb.disruptions_allowed == 0 and any(
            p.namespace == pdb.namespace and selects(pdb.selector, p.labels) for p in pods
        ):
            found.extend(pdb_rule(pdb, pods, flag))
    findings = by_severity(found)
    return NodeDiagnosis(node, findings, lease_state(name, lease, now).line, len(pods), call.lang)


# -- diagnose pod -------------------------------------------------------------------------------------------


class DiagnosePodArgs(Args):
    name: str = arg(help="the pod's name")


@dataclass(frozen=True)
class PodDiagnosis:
    pod: Pod
    findings: tuple[Finding, ...]
    lang: Lang = "en"
    note: str | None = None  # why this pod was chosen, when a workload's name was asked for

    def view(self) -> View:
        p = self.pod
        w = words(self.lang)
        ready, total = p.ready_count
        head: list[Block] = [
            Heading(w.pod_heading.format(f"{p.namespace}/{p.name}")),
            Fields(
                (
                    (w.status, p.shown_status),
                    (w.ready, f"{ready}/{total}"),
                    (w.restarts, str(p.restarts)),
                    (w.node, p.node or "—"),
                    ("QoS", p.qos or "—"),
                    (w.owner, f"{p.owner.kind}/{p.owner.name}" if p.owner else "—"),
                )
            ),
        ]
        if self.note:
            head.insert(1, Notice(self.note, Level.INFO))
        return _findings_view(
            _summary(f"pod {p.namespace}/{p.name}", self.findings),
            head,
            self.findings,
            w.no_problem.format(p.name),
            w,
        )


def _previous_logs(reader: ClusterReader, pod: Pod) -> dict[str, str]:
    """Last lines of the previous instance of every container that restarted or terminated."""
    logs: dict[str, str] = {}
    for s in (*pod.init_container_statuses, *pod.container_statuses):
        restarted = s.restart_count > 0 or (s.last_state is not None and s.last_state.kind == "terminated")
        if not restarted:
            continue
        try:
            logs[s.name] = reader.logs(pod.namespace, pod.name, s.name, previous=True, tail=LOG_TAIL)
        except AksbotError:
            continue  # the previous instance's log may be gone (node replaced); the finding still stands
    return logs


def _kb_search(deps: Deps) -> Search:
    knowledge = deps.knowledge

    def search(line: str) -> LogMatch | None:
        if knowledge is None:
            return None
        outcome = knowledge.search(line, limit=1)
        best = outcome.best
        # Only a confident answer names the line's cause; a suggestion is a guess, not a finding.
        return LogMatch(best.entry_id, best.title, best.score) if best and outcome.level == "answer" else None

    return search


@command(
    "diagnose pod",
    args=DiagnosePodArgs,
    scope=Scope.NAMESPACED,
    examples=("/k8s diagnose pod ledger-7d9f8b6c5d-x2x7q -n payments", "/k8s diagnose pod ledger -n payments"),
)
def diagnose_pod(call: Call[DiagnosePodArgs], deps: Deps) -> PodDiagnosis:
    """Why a pod is failing: OOMKilled (cgroup v2 runtime check), crash loop with its last logs, pulls, Pending.

    Also reports a PodDisruptionBudget at 0 and a stalled Deployment that own the pod. Given a workload's name
    (a Deployment, StatefulSet, DaemonSet or Job), it diagnoses that workload's worst pod.
    """
    reader = _reader(call, deps)
    ns = call.namespace
    pod, note = _pod_to_diagnose(deps, call.cluster or "", ns, call.args.name, call.lang)
    name = pod.name
    node = None
    if pod.node:
        try:
            node = reader.node(pod.node)
        except NotFound:
            node = None
    events = reader.events(ns, involved_name=name, kind="Pod", limit=100)
    ctx = PodContext(
        node=node, events=events, previous_logs=_previous_logs(reader, pod), cluster_flag=_cluster_flag(call)
    )
    now = deps.clock.now()
    findings = pod_findings(pod, ctx, now)
    findings.extend(
        log_findings(
            f"pod/{pod.namespace}/{pod.name}",
            ctx.previous_logs or {},
            _kb_search(deps),
            (f.kb for f in findings),
            pod.namespace,
        )
    )
    flag = _cluster_flag(call)
    for pdb in reader.pdbs(ns):
        if selects(pdb.selector, pod.labels):
            findings.extend(pdb_rule(pdb, (pod,), flag))
    for d in reader.deployments(ns):
        if selects(d.selector, pod.labels):
            findings.extend(deployment_rule(d, now, flag))
    return PodDiagnosis(pod, by_severity(findings), call.lang, note)


def _workload_pods(pods: Sequence[Pod], name: str) -> list[Pod]:
    """Pods a workload called `name` owns: directly (StatefulSet, DaemonSet, Job) or through a Deployment's
    ReplicaSet (`name-<hash>`)."""
    out = []
    for p in pods:
        owner = p.owner
        if owner is None:
            continue
        if owner.name == name or (owner.kind == "ReplicaSet" and owner.name.rsplit("-", 1)[0] == name):
            out.append(p)
    return out


def _pod_to_diagnose(deps: Deps, cluster: str, namespace: str, name: str, lang: Lang) -> tuple[Pod, str | None]:
    """The pod named `name`; or, when `name` is a workload's (people type `ledger-api`, not its pod's hash), the
    workload's worst pod, with a line saying so. Otherwise the lookup's own NotFound (close names, other
    namespaces)."""
    try:
        return find_pod(deps, cluster, namespace, name), None
    except NotFound:
        owned = _workload_pods(deps.clusters.reader(cluster).pods(namespace), name)
        if not owned:
            raise
    ranked = sorted(owned, key=pod_rank)
    worst = ranked[0]
    others = ", ".join(f"`{p.name}`" for p in ranked[1:4]) + (", …" if len(ranked) > 4 else "")
    if lang == "zh":
        note = f"`{name}` 是工作负载而不是 Pod：诊断它 {len(ranked)} 个 Pod 中最差的 `{worst.name}`。"
        return worst, note + (f" 其余：{others}。" if others else "")
    note = f"`{name}` is a workload, not a pod: diagnosing the worst of its {len(ranked)} pod(s), `{worst.name}`."
    return worst, note + (f" The others: {others}." if others else "")


# -- diagnose cluster and health ----------------------------------------------------------------------------


def _report(call: Call[NoArgs], deps: Deps) -> ClusterReport:
    reader = _reader(call, deps)
    notes: list[str] = []
    nodes = reader.nodes()
    leases = reader.leases()
    pods = reader.pods(None)
    events = reader.events(None, type="Warning", limit=CLUSTER_EVENT_LIMIT)
    pdbs = reader.pdbs(None)
    deployments = reader.deployments(None)
    version = _server_version(reader)
    azure, skipped = _azure(call, deps)
    if skipped:
        notes.append(skipped)
    return diagnose_cluster(
        nodes=nodes,
        leases=leases,
        pods=pods,
        events=events,
        pdbs=pdbs,
        deployments=deployments,
        azure=azure,
        now=deps.clock.now(),
        kubernetes_version=version,
        cluster_flag=_cluster_flag(call),
        notes=notes,
    )


def _group_text(g: FindingGroup) -> str:
    kb = f" → `{g.kb}`" if g.kb else ""
    shown = [s.split("/", 1)[1] for s in g.subjects[:3]]
    who = f" ({', '.join(shown)}{', …' if g.count > 3 else ''})" if g.count > 1 else ""
    return f"{g.title}{who}{kb}"


def _group_line(g: FindingGroup) -> str:
    return f"{_MARK[g.severity]} {_group_text(g)}"


def _counts_fields(report: ClusterReport, cluster: str | None, w: Words) -> Fields:
    c = report.counts
    cordoned = f" ({c.nodes_cordoned} cordoned)" if c.nodes_cordoned else ""
    return Fields(
        (
            (w.cluster, cluster or "—"),
            (w.nodes_ready, f"{c.nodes_ready}/{c.nodes}{cordoned}"),
            (w.pods, w.pods_detail.format(c.pods, c.pods_running, c.pods_pending, c.pods_failed)),
            (w.problems_label, w.problems.format(len(report.findings), len(report.groups))),
        )
    )


@dataclass(frozen=True)
class ClusterDiagnosis:
    cluster: str | None
    report: ClusterReport
    lang: Lang = "en"

    def view(self) -> View:
        r = self.report
        w = words(self.lang)
        blocks: list[Block] = [
            Heading(w.cluster_heading.format(self.cluster or "").strip()),
            _counts_fields(r, self.cluster, w),
        ]
        if not r.groups:
            blocks.append(Notice(w.no_problem.format(self.cluster or w.cluster), Level.OK))
        for i, g in enumerate(r.groups[:GROUPS_SHOWN]):
            if i:
                blocks.append(Divider())
            heading = _group_text(g) if g.count > 1 else None
            blocks.extend(finding_blocks(g.example, evidence_lines=6, heading=heading, w=w))
        if len(r.groups) > GROUPS_SHOWN:
            blocks.append(Context(w.more_groups.format(len(r.groups) - GROUPS_SHOWN)))
        if r.notes:
            blocks.append(Context(" · ".join(r.notes)))
        summary = f"{len(r.findings)} finding(s)" + (f"; worst: {r.groups[0].title}" if r.groups else "")
        return View(summary, tuple(blocks))


@command("diagnose cluster", scope=Scope.CLUSTER, examples=("/k8s diagnose cluster",))
def diagnose_cluster_command(call: Call[NoArgs], deps: Deps) -> ClusterDiagnosis:
    """Every diagnosis rule over the whole cluster, grouped, each group with its worst example and runbook."""
    return ClusterDiagnosis(call.cluster, _report(call, deps), call.lang)


@dataclass(frozen=True)
class Health:
    cluster: str | None
    report: ClusterReport
    lang: Lang = "en"

    def view(self) -> View:
        r = self.report
        w = words(self.lang)
        worst = r.groups[0].severity if r.groups else None
        level = _LEVEL[worst] if worst is not None else Level.OK
        verdict = {
            Level.ERROR: w.attention,
            Level.WARN: w.degraded,
            Level.INFO: w.healthy_notes,
            Level.OK: w.healthy,
        }[level]
        blocks: list[Block] = [
            Heading(w.health_heading.format(self.cluster or w.cluster)),
            Notice(verdict, level),
            _counts_fields(r, self.cluster, w),
        ]
        if r.groups:
            blocks.append(Text("\n".join(_group_line(g) for g in r.groups[:HEALTH_LINES])))
            if len(r.groups) > HEALTH_LINES:
                blocks.append(Context(w.more_in_health.format(len(r.groups) - HEALTH_LINES)))
        buttons = [Button(w.diagnose_cluster, f"/k8s diagnose cluster{_flag(self.cluster)}")]
        for g in r.groups:
            if len(buttons) >= 5:
                break
            if g.example.subject.startswith("node/"):
                buttons.append(
                    Button(
                        f"Diagnose {g.example.subject[5:]}",
                        f"/k8s diagnose node {g.example.subject[5:]}{_flag(self.cluster)}",
                    )
                )
            elif g.example.subject.startswith("pod/"):
                ns, pod = g.example.subject[4:].split("/", 1)
                buttons.append(Button(f"Diagnose {pod}", f"/k8s diagnose pod {pod} -n {ns}{_flag(self.cluster)}"))
        blocks.append(Actions(tuple(buttons)))
        if r.notes:
            blocks.append(Context(" · ".join(r.notes)))
        summary = verdict + (f": {r.groups[0].title}" if r.groups else "")
        return View(summary, tuple(blocks))


@command("health", scope=Scope.CLUSTER, examples=("/k8s health", "/k8s health --cluster prod"))
def health(call: Call[NoArgs], deps: Deps) -> Health:
    """One screen for the whole cluster: every problem found, grouped with counts, each with its runbook."""
    return Health(call.cluster, _report(call, deps), call.lang)
