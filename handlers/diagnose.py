"""`diagnose node <name>`, `diagnose pod <name>`, `diagnose cluster` and `health`: live evidence → findings.

Each command reads the cluster through `deps.clusters.reader(call.cluster)` (one list call per kind for the
cluster-wide ones, never a call per pod) and, when the cluster has Azure settings, the AKS resource through
`deps.azure`; the rules in `handlers.rules` turn the objects into findings that cite their knowledge-base
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
from bot.cluster.reads import SIDE_FAILURES, omitted, optional, shown_logs
from bot.deps import Deps
from bot.errors import AksbotError, NotConfigured, NotFound
from bot.i18n import DIAGNOSE as W
from bot.i18n import FINDING, Msg, Said, in_lang, severity_word
from bot.refs import CommandRef, Kind, ObjectRef, pod_ref
from bot.registry import ClusterCall, Lang, NoArgs, Scope, command
from bot.severity import Severity
from handlers._lookup import find_node, read_lease
from handlers.args import DiagnoseNodeArgs, DiagnosePodArgs, KbShowArgs
from handlers.pods import pod_named, status_in
from handlers.rules.cluster import ClusterReport, FindingGroup, diagnose_cluster
from handlers.rules.finding import Finding, LogLine, by_severity
from handlers.rules.log_hints import LogMatch, Search, log_findings
from handlers.rules.node_rules import lease_state, node_findings
from handlers.rules.pod_rules import PodContext, pod_findings
from handlers.rules.scheduling import NodeSizes
from handlers.rules.workload_rules import deployment_rule, pdb_rule

# Cluster-wide Warning events read for `health`/`diagnose cluster` (newest first); enough for every pod in
# trouble on a large cluster, bounded so one noisy namespace cannot make the call unbounded.
CLUSTER_EVENT_LIMIT = 5000
LOG_TAIL = 20
# Six blocks a group: seven groups and the header stay within one Slack message (50 blocks).
GROUPS_SHOWN = 7
HEALTH_LINES = 20


_LEVEL = {Severity.CRITICAL: Level.ERROR, Severity.WARNING: Level.WARN, Severity.INFO: Level.INFO}
_MARK = {Severity.CRITICAL: "🔴", Severity.WARNING: "🟠", Severity.INFO: "🔵"}


def _azure(call: ClusterCall[Any], deps: Deps) -> tuple[ManagedCluster | None, str | None]:
    """The AKS resource, or None with the note saying why Azure checks were skipped."""
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


def _evidence_lines(evidence: Sequence[str], limit: int, lang: str) -> list[str]:
    """At most `limit` of a finding's evidence lines in `lang`, and a line saying how many were left out. The oldest
    lines of a log tail go first, where they were (the newest say how the container died, and the rule's own lines
    are the finding); when that is not enough, the last lines go."""
    excess = len(evidence) - limit
    if excess <= 0:
        return [in_lang(line, lang) for line in evidence]
    logs = [i for i, line in enumerate(evidence) if isinstance(line, LogLine)]
    if excess > len(logs):
        shown = [in_lang(line, lang) for line in evidence[:limit]]
        return [*shown, FINDING.more_lines(lang, count=excess)]
    dropped = logs[:excess]
    lines: list[str] = []
    for i, line in enumerate(evidence):
        if i == dropped[0]:
            lines.append(FINDING.earlier_log_lines(lang, count=excess))
        if i not in dropped:
            lines.append(in_lang(line, lang))
    return lines


def finding_blocks(
    f: Finding, cluster: str, *, evidence_lines: int = 12, heading: str | None = None, lang: str = "en"
) -> list[Block]:
    """One finding on `cluster`: the headline at its level, the evidence, what happens next, its entry and its
    buttons (its suggested commands, pointed at `cluster`).

    With `heading` (a group's "37 containers in CrashLoopBackOff …", in `lang`), the finding is shown as its example.
    The finding's title, next step and button labels are shown in `lang`, and so are the evidence lines that are the
    rules' own reading (a `Said`: "likely cause: …"); the lines that quote the cluster stay as it says them.
    """
    title = in_lang(f.title, lang)
    blocks: list[Block] = [Notice(f"*{heading or title}*", _LEVEL[f.severity])]
    lines = _evidence_lines(f.evidence, evidence_lines, lang)
    if heading:
        lines.insert(0, f"_{W.worst(lang)}: {title}_")
    if lines:
        blocks.append(Text("\n".join(f"• {line}" for line in lines)))
    if f.next:
        blocks.append(Text(f"*{W.what_next(lang)}* {in_lang(f.next, lang)}"))
    signals = ", ".join(f"`{s}`" for s in f.signals)
    confidence: Msg = getattr(W, f"confidence_{f.confidence}")
    small = [
        severity_word(f.severity.label, lang),
        f"{W.confidence(lang)} {confidence(lang)}",
        f"{W.signals(lang)} {signals}",
    ]
    runbook = CommandRef("kb show", KbShowArgs(entry=f.kb)) if f.kb else None
    if runbook is not None:
        small.insert(0, f"{W.runbook(lang)} `{f.kb}` (`{runbook.text()}`)")
    blocks.append(Context(" · ".join(small)))
    buttons = [Button(in_lang(a.label, lang), a.ref.on(cluster), "danger" if a.danger else None) for a in f.actions]
    if runbook is not None:
        buttons.append(Button(FINDING.runbook(lang, id=f.kb), runbook))
    if buttons:
        blocks.append(Actions(tuple(buttons[:5])))
    return blocks


def _findings_view(
    summary: str, head: Sequence[Block], findings: Sequence[Finding], ok: str, cluster: str, lang: str
) -> View:
    blocks: list[Block] = list(head)
    if not findings:
        blocks.append(Notice(ok, Level.OK))
    for i, f in enumerate(findings):
        if i:
            blocks.append(Divider())
        blocks.extend(finding_blocks(f, cluster, lang=lang))
    return View(summary, tuple(blocks))


def _summary(clean: str, findings: Sequence[Finding], lang: str) -> str:
    """The most severe finding's title, its runbook and how many more; `clean` when there is none."""
    if not findings:
        return clean
    top = findings[0]
    more = W.summary_more(lang, count=len(findings) - 1) if len(findings) > 1 else ""
    cite = W.summary_see(lang, kb=top.kb) if top.kb else ""
    return f"{in_lang(top.title, lang)}{cite}{more}"


# -- diagnose node ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeDiagnosis:
    cluster: str
    node: Node
    findings: tuple[Finding, ...]
    lease_line: str
    pods_on_node: int | None  # None: they could not be read
    lang: Lang = "en"

    def view(self) -> View:
        n = self.node
        lang = self.lang
        head: list[Block] = [
            Heading(W.node_heading(lang, name=n.name)),
            Fields(
                (
                    (W.status(lang), n.status_text),
                    (W.pool(lang), n.pool or "—"),
                    (W.kubernetes(lang), n.version or "—"),
                    (W.os(lang), n.node_info.os_image or "—"),
                    (W.pods_on_it(lang), "-" if self.pods_on_node is None else str(self.pods_on_node)),
                    (W.taints(lang), ", ".join(str(t) for t in n.taints) or W.none(lang)),
                )
            ),
        ]
        if not any("node.lease:stale" in f.signals for f in self.findings):
            # A stale lease is already the finding's evidence; a fresh one is worth a line of small print.
            head.append(Context(in_lang(self.lease_line, lang)))
        return _findings_view(
            _summary(W.node_clean(lang, name=n.name), self.findings, lang),
            head,
            self.findings,
            W.no_problem(lang, name=n.name),
            self.cluster,
            lang,
        )


@command(
    "diagnose node",
    args=DiagnoseNodeArgs,
    scope=Scope.CLUSTER,
    aliases=("诊断 节点",),
    examples=("/k8s diagnose node aks-userpool-12345678-vmss000003",),
)
def diagnose_node(call: ClusterCall[DiagnoseNodeArgs], deps: Deps) -> NodeDiagnosis:
    """Why a node is NotReady or in trouble: lease, conditions, taints, events, and what happens next.

    Reads the node, its heartbeat lease, its events, the pods bound to it and the PodDisruptionBudgets that
    would block draining it; cites the runbook by id.
    """
    reader = deps.clusters.reader(call.cluster)
    name = call.args.name
    node = find_node(deps, call.cluster, name)
    lease, lease_read = read_lease(reader, name)
    events = optional("events", lambda: reader.events(None, involved_name=name, kind="Node", limit=200)) or []
    read_pods = optional("pods on the node", lambda: reader.pods(None, node=name))
    pods = read_pods or []
    now = deps.clock.now()
    found = node_findings(node, lease, events, pods, now, _server_version(reader), lease_read=lease_read)
    # A budget at 0 over pods on this node is what will stop a drain of it: say so before anyone clicks Drain.
    for pdb in optional("PodDisruptionBudgets", lambda: reader.pdbs(None)) or []:
        if pdb.disruptions_allowed == 0 and any(
            p.namespace == pdb.namespace and pdb.selects(p.labels) for p in pods
        ):
            found.extend(pdb_rule(pdb, pods))
    findings = by_severity(found)
    lease_line = lease_state(name, lease, now, read=lease_read).line
    count = None if read_pods is None else len(pods)
    return NodeDiagnosis(call.cluster, node, findings, lease_line, count, call.lang)


# -- diagnose pod -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PodDiagnosis:
    cluster: str
    pod: Pod
    findings: tuple[Finding, ...]
    lang: Lang = "en"
    note: str | None = None  # why this pod was chosen, when a workload's name was asked for

    def view(self) -> View:
        p = self.pod
        lang = self.lang
        ready, total = p.ready_count
        head: list[Block] = [
            Heading(W.pod_heading(lang, name=f"{p.namespace}/{p.name}")),
            Fields(
                (
                    (W.status(lang), status_in(p.shown_status, lang)),
                    (W.ready(lang), f"{ready}/{total}"),
                    (W.restarts(lang), str(p.restarts)),
                    (W.node(lang), p.node or "—"),
                    ("QoS", p.qos or "—"),
                    (W.owner(lang), f"{p.owner.kind}/{p.owner.name}" if p.owner else "—"),
                )
            ),
        ]
        if self.note:
            head.insert(1, Notice(self.note, Level.INFO))
        return _findings_view(
            _summary(W.pod_clean(lang, name=f"{p.namespace}/{p.name}"), self.findings, lang),
            head,
            self.findings,
            W.no_problem(lang, name=p.name),
            self.cluster,
            lang,
        )


def _previous_logs(reader: ClusterReader, pod: Pod) -> dict[str, str]:
    """Last lines of the previous instance of every container that restarted or terminated."""
    logs: dict[str, str] = {}
    for s in (*pod.init_container_statuses, *pod.container_statuses):
        restarted = s.restart_count > 0 or (s.last_state is not None and s.last_state.kind == "terminated")
        if not restarted:
            continue
        try:
            logs[s.name] = shown_logs(reader, pod.namespace, pod.name, s.name, previous=True, tail=LOG_TAIL)
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
        if best is None or outcome.level != "answer":
            return None
        entry = knowledge.get(best.entry_id)
        # The entry's title in both languages (the search gives it in the log line's language).
        title = Said(entry.title.en, entry.title.zh) if entry is not None else best.title
        return LogMatch(best.entry_id, title, best.score)

    return search


@command(
    "diagnose pod",
    args=DiagnosePodArgs,
    scope=Scope.NAMESPACED,
    aliases=("诊断 pod",),
    examples=("/k8s diagnose pod ledger-7d9f8b6c5d-x2x7q -n payments", "/k8s diagnose pod ledger -n payments"),
)
def diagnose_pod(call: ClusterCall[DiagnosePodArgs], deps: Deps) -> PodDiagnosis:
    """Why a pod is failing: OOMKilled (cgroup v2 runtime check), crash loop with its last logs, pulls, Pending.

    Also reports a PodDisruptionBudget at 0 and a stalled Deployment that own the pod. Given a workload's name
    (a Deployment, StatefulSet, DaemonSet or Job), it diagnoses that workload's worst pod.
    """
    reader = deps.clusters.reader(call.cluster)
    pod, note = _pod_to_diagnose(call, deps)
    ns = pod.namespace
    name = pod.name
    node = None
    if pod.node:
        try:
            node = reader.node(pod.node)
        except NotFound:
            node = None  # deleted since the pod was bound: nothing to say about it
        except SIDE_FAILURES as exc:
            omitted("the pod's node", exc)
    events = optional("events", lambda: reader.events(ns, involved_name=name, kind="Pod", limit=100)) or []
    sizes = None
    if pod.phase == "Pending" and not pod.node:
        # Whether any node could ever hold the pod's request: only the nodes' allocatable says.
        nodes = optional("nodes", reader.nodes)
        sizes = NodeSizes(nodes) if nodes else None
    ctx = PodContext(node=node, events=events, previous_logs=_previous_logs(reader, pod), node_sizes=sizes)
    now = deps.clock.now()
    findings = pod_findings(pod, ctx, now)
    subject = pod_ref(pod.namespace, pod.name)
    findings.extend(log_findings(subject, ctx.previous_logs or {}, _kb_search(deps), (f.kb for f in findings)))
    for pdb in optional("PodDisruptionBudgets", lambda: reader.pdbs(ns)) or []:
        if pdb.selects(pod.labels):
            findings.extend(pdb_rule(pdb, (pod,)))
    for d in optional("Deployments", lambda: reader.deployments(ns)) or []:
        if d.selects(pod.labels):
            findings.extend(deployment_rule(d, now))
    return PodDiagnosis(call.cluster, pod, by_severity(findings), call.lang, note)


def _pod_to_diagnose(call: ClusterCall[DiagnosePodArgs], deps: Deps) -> tuple[Pod, str | None]:
    """The pod named (`pod_named`: a workload's name means its worst pod), with a line saying which pod a
    workload's name was taken to mean."""
    picked = pod_named(deps, call.cluster, call.namespace, call.args.name, call.all_namespaces)
    if picked.workload is None:
        return picked.pod, None
    others = ", ".join(f"`{n}`" for n in picked.others[:3]) + (", …" if len(picked.others) > 3 else "")
    note = W.workload_not_pod(call.lang, name=picked.workload, count=picked.count, worst=picked.pod.name)
    return picked.pod, note + (W.the_others(call.lang, others=others) if others else "")


# -- diagnose cluster and health ----------------------------------------------------------------------------


def _report(call: ClusterCall[NoArgs], deps: Deps) -> ClusterReport:
    reader = deps.clusters.reader(call.cluster)
    notes: list[str] = []
    nodes = reader.nodes()
    leases = optional("heartbeat Leases", reader.leases)
    pods = reader.pods(None)
    events = optional("events", lambda: reader.events(None, type="Warning", limit=CLUSTER_EVENT_LIMIT)) or []
    pdbs = optional("PodDisruptionBudgets", lambda: reader.pdbs(None)) or []
    deployments = optional("Deployments", lambda: reader.deployments(None)) or []
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
        notes=notes,
    )


def _group_text(g: FindingGroup, lang: str) -> str:
    kb = f" → `{g.kb}`" if g.kb else ""
    shown = [s.short for s in g.subjects[:3]]
    names = ", ".join(shown) + (", …" if g.count > 3 else "")
    who = FINDING.group_subjects(lang, names=names) if g.count > 1 else ""
    return f"{in_lang(g.title, lang)}{who}{kb}"


def group_line(g: FindingGroup, lang: str) -> str:
    """One line for a group of findings: severity mark, title, the objects and the runbook it cites."""
    return f"{_MARK[g.severity]} {_group_text(g, lang)}"


def _counts_fields(report: ClusterReport, cluster: str | None, lang: str) -> Fields:
    c = report.counts
    cordoned = FINDING.cordoned_count(lang, count=c.nodes_cordoned) if c.nodes_cordoned else ""
    pods = W.pods_detail(lang, total=c.pods, running=c.pods_running, pending=c.pods_pending, failed=c.pods_failed)
    return Fields(
        (
            (W.cluster(lang), cluster or "—"),
            (W.nodes_ready(lang), f"{c.nodes_ready}/{c.nodes}{cordoned}"),
            (W.pods(lang), pods),
            (W.problems_label(lang), W.problems(lang, findings=len(report.findings), groups=len(report.groups))),
        )
    )


@dataclass(frozen=True)
class ClusterReportResult:
    """A cluster's report: `diagnose cluster` shows every group of it, `health` the verdict and the counts."""

    cluster: str
    report: ClusterReport
    lang: Lang = "en"


@dataclass(frozen=True)
class ClusterDiagnosis(ClusterReportResult):
    """`diagnose cluster`: every group of findings, each with its worst example and runbook."""

    def view(self) -> View:
        r = self.report
        lang = self.lang
        blocks: list[Block] = [
            Heading(W.cluster_heading(lang, name=self.cluster)),
            _counts_fields(r, self.cluster, lang),
        ]
        if not r.groups:
            blocks.append(Notice(W.no_problem(lang, name=self.cluster), Level.OK))
        for i, g in enumerate(r.groups[:GROUPS_SHOWN]):
            if i:
                blocks.append(Divider())
            heading = _group_text(g, lang) if g.count > 1 else None
            blocks.extend(finding_blocks(g.example, self.cluster, evidence_lines=6, heading=heading, lang=lang))
        if len(r.groups) > GROUPS_SHOWN:
            blocks.append(Context(W.more_groups(lang, count=len(r.groups) - GROUPS_SHOWN)))
        if r.notes:
            blocks.append(Context(" · ".join(r.notes)))
        summary = f"{len(r.findings)} finding(s)" + (f"; worst: {in_lang(r.groups[0].title, lang)}" if r.groups else "")
        return View(summary, tuple(blocks))


@command("diagnose cluster", scope=Scope.CLUSTER, aliases=("诊断 集群",), examples=("/k8s diagnose cluster",))
def diagnose_cluster_command(call: ClusterCall[NoArgs], deps: Deps) -> ClusterDiagnosis:
    """Every diagnosis rule over the whole cluster, grouped, each group with its worst example and runbook."""
    return ClusterDiagnosis(call.cluster, _report(call, deps), call.lang)


def diagnose_ref(subject: ObjectRef) -> CommandRef | None:
    """The diagnosis of one object a finding names, if there is one for its kind (a deployment's is that of its
    worst pod)."""
    if subject.kind is Kind.NODE:
        return CommandRef("diagnose node", DiagnoseNodeArgs(name=subject.name))
    if subject.kind in (Kind.POD, Kind.DEPLOYMENT):
        return CommandRef("diagnose pod", DiagnosePodArgs(name=subject.name), namespace=subject.namespace)
    return None


@dataclass(frozen=True)
class Health(ClusterReportResult):
    """`health`: one verdict, the counts, and the worst groups in a line each."""

    def view(self) -> View:
        r = self.report
        lang = self.lang
        worst = r.groups[0].severity if r.groups else None
        level = _LEVEL[worst] if worst is not None else Level.OK
        verdict = {
            Level.ERROR: W.attention(lang),
            Level.WARN: W.degraded(lang),
            Level.INFO: W.healthy_notes(lang),
            Level.OK: W.healthy(lang),
        }[level]
        blocks: list[Block] = [
            Heading(W.health_heading(lang, name=self.cluster)),
            Notice(verdict, level),
            _counts_fields(r, self.cluster, lang),
        ]
        if r.groups:
            blocks.append(Text("\n".join(group_line(g, lang) for g in r.groups[:HEALTH_LINES])))
            if len(r.groups) > HEALTH_LINES:
                blocks.append(Context(W.more_in_health(lang, count=len(r.groups) - HEALTH_LINES)))
        buttons = [Button(W.diagnose_cluster(lang), CommandRef("diagnose cluster", NoArgs(), cluster=self.cluster))]
        for g in r.groups:
            if len(buttons) >= 5:
                break
            subject = g.example.subject
            diagnose = diagnose_ref(subject) if subject.kind in (Kind.NODE, Kind.POD) else None
            if diagnose is not None:
                buttons.append(Button(FINDING.diagnose(lang, name=subject.name), diagnose.on(self.cluster)))
        blocks.append(Actions(tuple(buttons)))
        if r.notes:
            blocks.append(Context(" · ".join(r.notes)))
        summary = verdict + (f": {in_lang(r.groups[0].title, lang)}" if r.groups else "")
        return View(summary, tuple(blocks))


@command("health", scope=Scope.CLUSTER, aliases=("健康",), examples=("/k8s health", "/k8s health --cluster prod"))
def health(call: ClusterCall[NoArgs], deps: Deps) -> Health:
    """One screen for the whole cluster: every problem found, grouped with counts, each with its runbook."""
    return Health(call.cluster, _report(call, deps), call.lang)
