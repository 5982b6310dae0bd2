"""`pods`, `pod <name>` and `logs <pod>`: pods with problems first, one pod in depth, a container's last lines.

Secret values never appear: an environment variable read from a Secret shows only which Secret and key.
A pod that is not where the user looked is searched for by name across namespaces (one field-selected list),
so the answer can say where it is.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.blocks import Actions, Block, Button, Code, Context, Fields, Heading, Level, Notice, Table, Text, View
from bot.cluster.model import Container, ContainerStatus, Event, Pod
from bot.cluster.ports import ClusterReader
from bot.cluster.reads import optional, shown_logs
from bot.deps import Deps
from bot.errors import AksbotError, NotFound, Refused, UserError
from bot.i18n import ERRORS, FINDING, said
from bot.i18n import READ as W
from bot.refs import CommandRef
from bot.registry import ClusterCall, Lang, Scope, command
from bot.timefmt import age
from handlers._format import Page, Where, closest, counted, cpu, did_you_mean, filters, joined, mem, page_of, shorten
from handlers._lookup import ensure_namespace, ensure_node
from handlers._naming import called_in
from handlers.args import LogsArgs, PodNameArgs, PodsArgs

HEALTHY_STATUSES = frozenset({"Running", "Succeeded", "Completed"})
# Statuses that mean the pod cannot work until someone acts, ranked ahead of merely restarting ones.
BROKEN_STATUSES = frozenset({"CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError",
                             "InvalidImageName", "OOMKilled", "Error", "Evicted", "Failed", "Unknown",
                             "RunContainerError", "ContainerStatusUnknown"})


def pod_problem(pod: Pod) -> bool:
    if pod.status_text not in HEALTHY_STATUSES:
        return True
    return pod.phase == "Running" and not pod.is_ready


def pod_rank(pod: Pod) -> tuple[int, int, str]:
    """Broken first, then pending/not ready, then restarting, then healthy; most restarts first in each group."""
    status = pod.status_text
    if status in BROKEN_STATUSES or status.startswith("Init:"):
        group = 0
    elif pod_problem(pod):
        group = 1
    elif pod.restarts:
        group = 2
    else:
        group = 3
    return (group, -pod.restarts, pod.key)


def ready_text(pod: Pod) -> str:
    ready, total = pod.ready_count
    return f"{ready}/{total}"


def last_termination_text(pod: Pod) -> str:
    last = pod.last_termination
    if last is None:
        return "-"
    code = f" ({last.exit_code})" if last.exit_code is not None else ""
    return f"{last.reason or 'Terminated'}{code}"


@dataclass(frozen=True)
class PodsResult:
    cluster: str
    where: Where
    statuses: Counter[str]
    problems: int
    page: Page[Pod]
    all_namespaces: bool
    now: datetime
    lost_nodes: Mapping[str, str] = field(default_factory=dict)  # node → NotReady/Unknown, for `status_in_list`
    lang: Lang = "en"

    def view(self) -> View:
        lang = self.lang
        total = self.page.total
        where = self.where.text(lang)
        if not total:
            none = W.no_pods(lang, where=where)
            return View(none, (Notice(none, Level.INFO),))
        top = joined([f"{count} {status_in(status, lang)}" for status, count in self.statuses.most_common(5)], lang)
        summary = W.pods_summary(lang, counted=counted(lang, total, W.one_pod, W.many_pods), where=where, statuses=top)
        level = Level.WARN if self.problems else Level.OK
        blocks: list[Block] = [Heading(W.pods_heading(lang, where=self.where.title(lang))), Notice(summary, level)]
        rows = tuple(
            (p.key if self.all_namespaces else p.name, status_in(status_in_list(p, self.lost_nodes), lang),
             ready_text(p), str(p.restarts), last_termination_text(p), p.node or "-",
             age(p.start_time or p.created, self.now))
            for p in self.page.items
        )
        columns = (W.col_pod(lang), W.col_status(lang), W.col_ready(lang), W.col_restarts(lang),
                   W.col_last_termination(lang), W.col_node(lang), W.col_age(lang))
        blocks.extend(self.page.table(columns, rows, lang))
        return View(summary, tuple(blocks))


@command("pods", args=PodsArgs, scope=Scope.NAMESPACED, aliases=("po", "get pods", "get pod", "get po"),
         examples=("/k8s pods -n shop", "/k8s pods -A --problems", "/k8s pods -l app=web", "/k8s pods -A --node aks-…"))
def pods(call: ClusterCall[PodsArgs], deps: Deps) -> PodsResult:
    """List pods, problems first: status, ready, restarts, last termination reason, node, age."""
    cluster = call.cluster
    namespace = None if call.all_namespaces else call.namespace
    found = deps.clusters.reader(cluster).pods(namespace, selector=call.args.selector, node=call.args.node)
    if not found:
        ensure_namespace(deps, cluster, namespace)
        if call.args.node:
            ensure_node(deps, cluster, call.args.node)
    if call.args.problems:
        found = [p for p in found if pod_problem(p)]
    where = Where(namespace, filters((W.by_selector, call.args.selector), (W.on_node, call.args.node),
                                     (W.with_problems, call.args.problems)))
    lost = _lost_nodes(deps, cluster, found)
    statuses = Counter(status_in_list(p, lost) for p in found)
    problems = sum(1 for p in found if pod_problem(p))
    page = page_of(sorted(found, key=pod_rank), call)
    return PodsResult(cluster, where, statuses, problems, page, namespace is None, deps.clock.now(), lost, call.lang)


def _held_back(pod: Pod) -> bool:
    """Running with every container ready, yet not Ready: something outside its containers holds it back — the
    node controller marks a lost node's pods so (kubectl still prints `1/1 Running`), or a readiness gate."""
    ready, total = pod.ready_count
    return pod.shown_status == "Running (not ready)" and ready == total and bool(pod.node)


def _lost_nodes(deps: Deps, cluster: str, pods: list[Pod]) -> dict[str, str]:
    """NotReady or Unknown nodes that pods of the list are held back on (read only when there are such pods)."""
    if not any(_held_back(p) for p in pods):
        return {}
    nodes = optional("nodes", lambda: deps.clusters.reader(cluster).nodes()) or []
    return {n.name: ("NotReady" if n.ready == "False" else "Unknown") for n in nodes if n.ready != "True"}


_ADDED = re.compile(r"^(?P<status>.*) \((?:(?P<not_ready>not ready)|node (?P<node>NotReady|Unknown))\)$")


def status_in(text: str, lang: Lang) -> str:
    """A pod's status for a reader of `lang`: the cluster's word stays (`Running`, `CrashLoopBackOff`), what the bot
    adds in brackets (`(not ready)`, `(node Unknown)`) is said in their language."""
    added = _ADDED.match(text)
    if added is None or lang == "en":
        return text
    if added["not_ready"]:
        return W.status_not_ready(lang, status=added["status"])
    return W.status_node_lost(lang, status=added["status"], state=added["node"])


def status_in_list(pod: Pod, lost_nodes: Mapping[str, str]) -> str:
    """`shown_status`, naming the node when a lost node is why a pod with ready containers is not Ready:
    `Running (node Unknown)` reads right beside READY 1/1, `Running (not ready)` did not."""
    if pod.node in lost_nodes and _held_back(pod):
        return f"Running (node {lost_nodes[pod.node]})"
    return pod.shown_status


# -- pod <name> ------------------------------------------------------------------------------------------------


def resources_text(container: Container, lang: Lang = "en") -> str:
    r, lim = container.requests, container.limits
    return W.resources(lang, request_cpu=cpu(r.cpu_m), request_memory=mem(r.memory), limit_cpu=cpu(lim.cpu_m),
                       limit_memory=mem(lim.memory))


def state_text(status: ContainerStatus | None, lang: Lang = "en") -> tuple[str, str]:
    if status is None:
        return W.not_started(lang), "-"
    last = str(status.last_state) if status.last_state is not None else "-"
    if status.last_state is not None and status.last_state.finished is not None:
        last = W.ended_at(lang, state=last, time=f"{status.last_state.finished:%H:%M:%S}")
    return str(status.state), last


@dataclass(frozen=True)
class PodResult:
    cluster: str
    pod: Pod
    events: tuple[Event, ...]
    log_container: str
    log_previous: bool
    log_lines: str
    now: datetime
    log_note: str = ""
    lang: Lang = "en"
    picked: str = ""  # how a workload's name was taken to mean this pod

    def view(self) -> View:
        p = self.pod
        lang = self.lang
        status = p.status_text
        level = Level.ERROR if status in BROKEN_STATUSES else Level.WARN if pod_problem(p) or p.restarts else Level.OK
        summary = W.pod_is(lang, name=p.key, status=status, ready=ready_text(p), restarts=p.restarts)
        blocks: list[Block] = [Heading(W.pod_heading(lang, name=p.key)), Notice(summary, level)]
        if self.picked:
            blocks.insert(1, Context(self.picked))
        if p.message:
            blocks.append(Text(f"_{shorten(p.message, 300)}_"))
        owner = f"{p.owner.kind}/{p.owner.name}" if p.owner else "-"
        started = W.ago(lang, age=age(p.start_time, self.now)) if p.start_time else "-"
        blocks.append(Fields((
            (W.col_node(lang), p.node or W.not_scheduled(lang)), (W.phase(lang), p.phase),
            (W.qos(lang), p.qos or "-"), (W.owner(lang), owner), (W.pod_ip(lang), p.pod_ip or "-"),
            (W.started(lang), started), (W.priority_class(lang), p.priority_class or "-"),
            (W.service_account(lang), p.service_account or "-"),
        )))
        rows: list[tuple[str, ...]] = []
        for kind, containers in (("init", p.init_containers), ("", p.containers)):
            for c in containers:
                st = p.status(c.name)
                now_state, last = state_text(st, lang)
                rows.append((W.init_container(lang, name=c.name) if kind else c.name, shorten(c.image, 50), now_state,
                             last, str(st.restart_count if st else 0), resources_text(c, lang)))
        columns = (W.col_container(lang), W.col_image(lang), W.col_state(lang), W.col_last_state(lang),
                   W.col_restarts(lang), W.col_resources(lang))
        blocks.append(Table(columns, tuple(rows), title=W.containers(lang)))
        env = [(c.name, e) for c in p.containers for e in c.env]
        if env:
            lines = [f"{c}: {e.name}=" + (f"<{e.source}>" if e.source else (e.value or "")) for c, e in env[:20]]
            blocks.append(Code("\n".join(lines), W.environment(lang)))
        if p.conditions:
            conditions = joined([f"{c.type}={c.status}" for c in p.conditions], lang)
            blocks.append(Context(W.pod_conditions(lang, conditions=conditions)))
        if self.events:
            event_columns = (W.col_last_seen(lang), W.col_type(lang), W.col_reason(lang), W.col_count(lang),
                             W.col_message(lang))
            blocks.append(Table(event_columns, tuple(
                (age(e.when, self.now), e.type, e.reason, str(e.count), shorten(e.message, 90))
                for e in self.events[:10]), title=W.events_title(lang)))
        if self.log_lines:
            title = W.last_log_lines(lang, container=self.log_container)
            title += W.previous_run(lang) if self.log_previous else ""
            blocks.append(Code(self.log_lines.rstrip("\n"), title))
        if self.log_note:
            blocks.append(Context(self.log_note))
        return View(summary, tuple(blocks))


def find_pod(deps: Deps, cluster: str, namespace: str, name: str) -> Pod:
    """The pod, or `NotFound` saying where a pod of that name lives, or which names are close."""
    reader = deps.clusters.reader(cluster)
    try:
        return reader.pod(namespace, name)
    except NotFound as exc:
        ns, slash, base = name.partition("/")
        if slash and ns and base:  # the NAMESPACE/NAME the bot writes pods as, in tables and findings
            typed = said(ERRORS.pod_ns_name, name=name, typed=f"`{base} -n {ns}`")
            raise NotFound(typed, kind="pod", name=name) from exc
        elsewhere = [p.namespace for p in reader.pods(None, field_selector=f"metadata.name={name}")]
        if elsewhere:
            where = ", ".join(f"`{ns}`" for ns in sorted(elsewhere))
            found_elsewhere = said(ERRORS.pod_elsewhere, name=name, namespace=namespace, where=where)
            raise NotFound(found_elsewhere, kind="pod", name=name) from exc
        names = closest(name, (p.name for p in reader.pods(namespace)))
        missing = said(ERRORS.pod_not_found, name=name, namespace=namespace, cluster=cluster, hint=did_you_mean(names))
        raise NotFound(missing, kind="pod", name=name) from exc


def workload_pods(pods: Iterable[Pod], name: str) -> list[Pod]:
    """Pods a workload called `name` owns: directly (StatefulSet, DaemonSet, Job) or through a Deployment's
    ReplicaSet (`name-<hash>`)."""
    return [p for p in pods if p.owner is not None
            and (p.owner.name == name or (p.workload is not None and p.workload.name == name))]


@dataclass(frozen=True)
class Picked:
    """The pod a name given to `pod`, `logs` or `diagnose pod` means: the pod of that name, or the worst pod of the
    workload of that name (people type `ledger-api`, not its pod's hash), with the workload's other pods."""

    pod: Pod
    workload: str | None = None
    count: int = 1
    others: tuple[str, ...] = ()


def _worst_of(owned: Sequence[Pod], name: str) -> Picked:
    ranked = sorted(owned, key=pod_rank)
    return Picked(ranked[0], name, len(ranked), tuple(p.name for p in ranked[1:]))


def pod_named(deps: Deps, cluster: str, namespace: str, name: str, all_namespaces: bool = False) -> Picked:
    """The pod `name` means in `namespace` (in whichever namespace holds it with `-A`): the pod of that name, else
    the worst pod of the workload of that name. Otherwise `NotFound` saying where such a pod or workload is, that
    the namespace does not exist, or which names are close."""
    reader = deps.clusters.reader(cluster)
    given = _given_workload(reader, name)
    if given is not None:
        # A name the team gave a Deployment (`aksbot.io/names`: `诊断 pod 支付接口`): its worst pod, where it runs.
        owned = workload_pods(reader.pods(given[0]), given[1])
        if owned:
            return _worst_of(owned, given[1])
    if all_namespaces:
        everywhere = reader.pods(None)
        exact = [p for p in everywhere if p.name == name]
        if len(exact) == 1:
            return Picked(exact[0])
        owned = workload_pods(everywhere, name)
        spread = sorted({p.namespace for p in exact or owned})
        if len(spread) > 1:
            raise UserError(said(ERRORS.pod_in_several, name=name, where=", ".join(f"`{ns}`" for ns in spread)))
        if owned:
            return _worst_of(owned, name)
        hint = did_you_mean(closest(name, (p.name for p in everywhere)))
        raise NotFound(said(ERRORS.pod_nowhere, name=name, cluster=cluster, hint=hint), kind="pod", name=name)
    try:
        return Picked(find_pod(deps, cluster, namespace, name))
    except NotFound:
        owned = workload_pods(reader.pods(namespace), name)
        if owned:
            return _worst_of(owned, name)
        ensure_namespace(deps, cluster, namespace)
        elsewhere = sorted({p.namespace for p in workload_pods(reader.pods(None), name)})
        if not elsewhere:
            raise
    where = ", ".join(f"`{ns}`" for ns in elsewhere)
    raise NotFound(said(ERRORS.workload_elsewhere, name=name, namespace=namespace, where=where), kind="pod", name=name)


def _given_workload(reader: ClusterReader, name: str) -> tuple[str, str] | None:
    """The Deployment (namespace, name) whose `aksbot.io/names` annotation gives it exactly `name`, when one does
    and `name` is not a Latin object name (those are looked up as they are)."""
    if name.isascii():
        return None
    called = called_in(name, reader.deployments(None))
    exact = [key for key, given in called.items() if " ".join(given.split()).lower() == name.lower()]
    return exact[0] if len(exact) == 1 else None


def _picked_note(picked: Picked, lang: Lang) -> str:
    """What a workload's name was taken to mean, or nothing for a pod's own name."""
    if picked.workload is None:
        return ""
    return W.workload_pod(lang, name=picked.workload, count=picked.count, worst=picked.pod.name)


def _log_choice(pod: Pod) -> tuple[str, bool]:
    """The container whose log explains most (the crashing one) and whether its previous run says more."""
    worst = sorted(pod.container_statuses, key=lambda s: (s.ready, -s.restart_count))
    if worst:
        s = worst[0]
        return s.name, s.state.kind != "running" and s.restart_count > 0
    return (pod.containers[0].name if pod.containers else ""), False


@command("pod", args=PodNameArgs, scope=Scope.NAMESPACED, aliases=("describe pod",),
         examples=("/k8s pod web-7d9f-abcde -n shop",))
def pod(call: ClusterCall[PodNameArgs], deps: Deps) -> PodResult:
    """Show one pod: containers with state and last state, requests/limits, QoS, events, last log lines."""
    cluster = call.cluster
    reader = deps.clusters.reader(cluster)
    picked = pod_named(deps, cluster, call.namespace, call.args.name, call.all_namespaces)
    found = picked.pod
    events = (
        optional("events", lambda: reader.events(found.namespace, involved_name=found.name, kind="Pod", limit=10))
        or []
    )
    container, previous = _log_choice(found)
    lines, note = "", ""
    if container and found.node:
        try:
            lines = shown_logs(reader, found.namespace, found.name, container, previous=previous, tail=15)
        except AksbotError as exc:
            note = W.logs_of(call.lang, container=container, reason=exc.message)
    return PodResult(cluster, found, tuple(events), container, previous, lines, deps.clock.now(), note, call.lang,
                     _picked_note(picked, call.lang))


# -- logs ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogsResult:
    pod: str
    container: str
    previous: bool
    tail: int
    text: str
    # The command that shows the previous run's lines, when this run wrote nothing but an earlier one ended
    # (a crash loop's new container is usually silent).
    earlier: CommandRef | None = None
    ended: str = ""  # how that run ended: "OOMKilled (exit 137)"
    lang: Lang = "en"
    picked: str = ""  # how a workload's name was taken to mean this pod

    def view(self) -> View:
        lang = self.lang
        which = f"{self.pod} [{self.container}]" + (W.previous_run(lang) if self.previous else "")
        count = len(self.text.splitlines())
        first: tuple[Block, ...] = (Context(self.picked),) if self.picked else ()
        if not count:
            said = (W.wrote_nothing if self.previous else W.nothing_written)(lang, which=which)
            if self.earlier is None:
                return View(W.no_log_lines(lang, which=which), (*first, Notice(said, Level.INFO)))
            hint = W.previous_run_ended(lang, said=said, ended=self.ended, command=self.earlier.text())
            again = Actions((Button(FINDING.previous_logs(lang), self.earlier),))
            return View(W.no_log_lines(lang, which=which), (*first, Notice(hint, Level.INFO), again))
        lines = counted(lang, count, W.one_log_line, W.many_log_lines)
        summary = W.logs_summary(lang, lines=lines, which=which)
        return View(summary, (*first, Code(self.text.rstrip("\n"), summary)))


@command("logs", args=LogsArgs, scope=Scope.NAMESPACED,
         examples=("/k8s logs web-7d9f-abcde -n shop", "/k8s logs api-5c6b -c api --previous --tail 100"))
def logs(call: ClusterCall[LogsArgs], deps: Deps) -> LogsResult:
    """Show a container's last log lines (the previous run's with --previous)."""
    cluster = call.cluster
    picked = pod_named(deps, cluster, call.namespace, call.args.pod, call.all_namespaces)
    found = picked.pod
    names = [c.name for c in found.containers]
    container = call.args.container
    if container is None:
        if len(names) != 1:
            raise UserError(said(ERRORS.pick_container, pod=found.name, count=len(names), names=", ".join(names)),
                            usage=f"/k8s logs {found.name} -n {found.namespace} -c {names[0] if names else 'NAME'}")
        container = names[0]
    elif container not in names:
        init = [c.name for c in found.init_containers]
        if container not in init:
            have = ", ".join(names + [f"{n} (init)" for n in init])
            raise UserError(said(ERRORS.no_such_container, pod=found.name, container=container, names=have))
    try:
        text = shown_logs(deps.clusters.reader(cluster), found.namespace, found.name, container,
                          previous=call.args.previous, tail=call.args.tail)
    except Refused as exc:
        # The API server's words for a container that has no earlier run to show (or whose log went with it).
        if call.args.previous and "previous terminated container" in exc.message:
            raise Refused(said(ERRORS.no_previous_log, pod=found.name, container=container)) from None
        raise
    status = found.status(container)
    ended = status.last_state if status is not None else None
    earlier = None
    if not text.strip() and not call.args.previous and ended is not None and ended.kind == "terminated":
        args = LogsArgs(pod=found.name, container=call.args.container, previous=True, tail=call.args.tail)
        earlier = CommandRef("logs", args, cluster=cluster, namespace=found.namespace)
    return LogsResult(found.key, container, call.args.previous, call.args.tail, text, earlier,
                      str(ended).removeprefix("Terminated: ") if earlier is not None and ended is not None else "",
                      call.lang, _picked_note(picked, call.lang))
