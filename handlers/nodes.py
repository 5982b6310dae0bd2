"""`nodes` and `node <name>`: the cluster's nodes, worst first, and everything about one node.

Reads only through `deps.clusters.reader(call.cluster)`. A node list is one paginated call; `node` adds the
lease, the pods on it (one field-selected list), its events and its usage, never a call per pod.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from bot.blocks import Actions, Block, Button, Context, Fields, Heading, Level, Notice, Table, Text, View
from bot.cluster.model import Event, Lease, Node, NodeUsage, Pod
from bot.cluster.reads import optional
from bot.deps import Deps
from bot.errors import AksbotError, NotConfigured
from bot.i18n import READ as W
from bot.refs import CommandRef
from bot.registry import ClusterCall, Lang, Scope, command
from bot.timefmt import age
from handlers._format import (
    MAX_ROWS,
    Filter,
    Page,
    counted,
    cpu,
    filters,
    joined,
    mem,
    page_of,
    percent,
    shorten,
)
from handlers._lookup import ensure_pool, find_node, read_lease
from handlers.args import DiagnoseNodeArgs, NodeNameArgs, NodesArgs, PodsArgs
from handlers.rules.node_rules import lease_state


def node_rank(node: Node) -> tuple[int, str]:
    """NotReady/Unknown first, then nodes with a True problem condition, then cordoned, then the rest."""
    if node.ready != "True":
        return (0, node.name)
    if node.problems:
        return (1, node.name)
    if node.unschedulable:
        return (2, node.name)
    return (3, node.name)


def conditions_text(node: Node) -> str:
    return ", ".join(c.type for c in node.problems) or "-"


def node_counts(nodes: list[Node]) -> Counter[str]:
    c: Counter[str] = Counter()
    for n in nodes:
        c["ready" if n.ready == "True" else "notready"] += 1
        if n.unschedulable:
            c["cordoned"] += 1
        if n.problems:
            c["problems"] += 1
    return c


@dataclass(frozen=True)
class NodesResult:
    cluster: str
    counts: Counter[str]
    pools: Counter[str]
    page: Page[Node]
    now: datetime
    filters: tuple[Filter, ...] = ()
    lang: Lang = "en"

    def view(self) -> View:
        c = self.counts
        lang = self.lang
        total = self.page.total
        where = self.cluster
        if self.filters:
            where = W.cluster_filtered(lang, cluster=where, filters=joined([f.text(lang) for f in self.filters], lang))
        parts = [f"{c['ready']} Ready"]
        if c["notready"]:
            parts.append(f"{c['notready']} NotReady/Unknown")
        if c["cordoned"]:
            parts.append(W.cordoned(lang, count=c["cordoned"]))
        if c["problems"]:
            parts.append(W.with_pressure(lang, count=c["problems"]))
        nodes = counted(lang, total, W.one_node, W.many_nodes)
        summary = W.nodes_summary(lang, counted=nodes, where=where, parts=joined(parts, lang))
        blocks: list[Block] = [Heading(W.nodes_heading(lang, cluster=self.cluster))]
        if not total:
            return View(W.no_nodes(lang, where=where), (Notice(W.no_node_matched(lang), Level.INFO),))
        level = Level.ERROR if c["notready"] else Level.WARN if c["problems"] else Level.OK
        blocks.append(Notice(summary, level))
        if len(self.pools) > 1:
            pools = sorted(self.pools.items())
            blocks.append(Fields(tuple((pool, W.many_nodes(lang, count=count)) for pool, count in pools)))
        rows = tuple(
            (
                n.name,
                n.status_text,
                n.pool or "-",
                n.version or "-",
                age(n.created, self.now),
                conditions_text(n),
                f"{cpu(n.allocatable.cpu_m)} / {mem(n.allocatable.memory)}",
            )
            for n in self.page.items
        )
        columns = (
            W.col_node(lang),
            W.col_status(lang),
            W.col_pool(lang),
            W.col_version(lang),
            W.col_age(lang),
            W.col_conditions(lang),
            W.col_allocatable_cpu_mem(lang),
        )
        blocks.extend(self.page.table(columns, rows, lang))
        return View(summary, tuple(blocks))


@command(
    "nodes",
    args=NodesArgs,
    scope=Scope.CLUSTER,
    aliases=("get nodes", "get node", "get no", "节点"),
    examples=("/k8s nodes", "/k8s nodes --pool user", "/k8s nodes --problems"),
)
def nodes(call: ClusterCall[NodesArgs], deps: Deps) -> NodesResult:
    """List nodes, NotReady first: status, pool, version, age, pressure and problem conditions, allocatable."""
    cluster = call.cluster
    selector = call.args.selector
    if call.args.pool:
        # An AKS node carries its pool in the agentpool label; a selector makes the server do the filtering.
        pool_selector = f"agentpool={call.args.pool}"
        selector = f"{selector},{pool_selector}" if selector else pool_selector
    found = deps.clusters.reader(cluster).nodes(selector=selector)
    if not found and call.args.pool:
        ensure_pool(deps, cluster, call.args.pool)
    if call.args.problems:
        found = [n for n in found if node_rank(n)[0] < 3]
    asked = filters(
        (W.by_selector, call.args.selector), (W.in_pool, call.args.pool), (W.with_problems, call.args.problems)
    )
    pools = Counter(n.pool or "-" for n in found)
    page = page_of(sorted(found, key=node_rank), call)
    return NodesResult(cluster, node_counts(found), pools, page, deps.clock.now(), asked, call.lang)


# -- node <name> -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeResult:
    cluster: str
    node: Node
    lease: Lease | None
    pods: tuple[Pod, ...]
    events: tuple[Event, ...]
    usage: NodeUsage | None
    now: datetime
    usage_note: str = ""
    lease_read: bool = True
    lang: Lang = "en"

    def view(self) -> View:
        n = self.node
        lang = self.lang
        level = Level.ERROR if n.ready != "True" else Level.WARN if n.problems or n.unschedulable else Level.OK
        summary = W.node_is(lang, name=n.name, status=n.status_text)
        if n.problems:
            summary += W.node_with(lang, conditions=joined([c.type for c in n.problems], lang))
        blocks: list[Block] = [Heading(W.node_heading(lang, name=n.name)), Notice(summary, level)]
        lease = W.lease_none(lang) if self.lease_read else W.lease_not_read(lang)
        if self.lease is not None and self.lease.renew_time is not None:
            lease = W.lease_renewed(lang, age=age(self.lease.renew_time, self.now))
            if lease_state(n.name, self.lease, self.now).stale:
                lease += W.lease_stale(lang)
        info = n.node_info
        blocks.append(
            Fields(
                (
                    (W.col_pool(lang), n.pool or "-"),
                    (W.col_version(lang), n.version or "-"),
                    (W.col_age(lang), age(n.created, self.now)),
                    (W.lease(lang), lease),
                    (W.os_image(lang), info.os_image or "-"),
                    (W.kernel(lang), info.kernel_version or "-"),
                    (W.runtime(lang), info.container_runtime or "-"),
                    (W.internal_ip(lang), n.internal_ip or "-"),
                )
            )
        )
        blocks.append(
            Table(
                (W.col_condition(lang), W.col_status(lang), W.col_reason(lang), W.col_since(lang), W.col_message(lang)),
                tuple(
                    (c.type, c.status, c.reason or "-", age(c.last_transition, self.now), shorten(c.message, 70))
                    for c in sorted(n.conditions, key=lambda c: (c.type != "Ready", not c.is_true, c.type))
                ),
                title=W.conditions(lang),
            )
        )
        if n.taints:
            blocks.append(Text(W.taints(lang, taints=joined([f"`{t}`" for t in n.taints], lang))))
        running = [p for p in self.pods if not p.finished]
        req_cpu = sum(p.requests.cpu_m or 0 for p in running)
        req_mem = sum(p.requests.memory or 0 for p in running)
        lim_mem = sum(p.limits.memory or 0 for p in running)
        alloc, cap = n.allocatable, n.capacity
        used_cpu = self.usage.cpu_m if self.usage else None
        used_mem = self.usage.memory if self.usage else None
        blocks.append(
            Table(
                (
                    W.col_resource(lang),
                    W.col_capacity(lang),
                    W.col_allocatable(lang),
                    W.col_requested(lang),
                    W.col_limits(lang),
                    W.col_used(lang),
                ),
                (
                    (
                        "cpu",
                        cpu(cap.cpu_m),
                        cpu(alloc.cpu_m),
                        f"{cpu(req_cpu)} ({percent(req_cpu, alloc.cpu_m)})",
                        "-",
                        f"{cpu(used_cpu)} ({percent(used_cpu, alloc.cpu_m)})" if used_cpu is not None else "-",
                    ),
                    (
                        "memory",
                        mem(cap.memory),
                        mem(alloc.memory),
                        f"{mem(req_mem)} ({percent(req_mem, alloc.memory)})",
                        f"{mem(lim_mem)} ({percent(lim_mem, alloc.memory)})",
                        f"{mem(used_mem)} ({percent(used_mem, alloc.memory)})" if used_mem is not None else "-",
                    ),
                    ("pods", str(cap.pods or "-"), str(alloc.pods or "-"), str(len(running)), "-", "-"),
                ),
                title=W.capacity_and_usage(lang),
            )
        )
        if self.usage_note:
            blocks.append(Context(self.usage_note))
        from handlers.pods import pod_rank, status_in  # the same "problems first" order as `pods`

        ordered = sorted(self.pods, key=pod_rank)
        blocks.append(
            Table(
                (W.col_pod(lang), W.col_status(lang), W.col_restarts(lang), W.col_age(lang)),
                tuple(
                    (p.key, status_in(p.shown_status, lang), str(p.restarts), age(p.start_time or p.created, self.now))
                    for p in ordered[:MAX_ROWS]
                ),
                total=len(self.pods) if len(self.pods) > MAX_ROWS else None,
                more=self.more_pods,
                title=W.pods_on_node(lang, count=len(self.pods)),
            )
        )
        if self.events:
            blocks.append(
                Table(
                    (
                        W.col_last_seen(lang),
                        W.col_type(lang),
                        W.col_reason(lang),
                        W.col_count(lang),
                        W.col_message(lang),
                    ),
                    tuple(
                        (age(e.when, self.now), e.type, e.reason, str(e.count), shorten(e.message, 90))
                        for e in self.events[:10]
                    ),
                    title=W.recent_events(lang),
                )
            )
        if n.problems or n.ready != "True":
            diagnose = CommandRef("diagnose node", DiagnoseNodeArgs(name=n.name), cluster=self.cluster)
            blocks.append(Actions((Button(W.diagnose_node(lang), diagnose, "primary"),)))
        return View(summary, tuple(blocks))

    @property
    def more_pods(self) -> CommandRef | None:
        """The pods on this node beyond the first page: the pod list for this node, from its second page."""
        if len(self.pods) <= MAX_ROWS:
            return None
        args = PodsArgs(node=self.node.name, page=2)
        return CommandRef("pods", args, cluster=self.cluster, all_namespaces=True)


def _usage(deps: Deps, cluster: str, name: str, lang: Lang) -> tuple[NodeUsage | None, str]:
    try:
        return next((u for u in deps.clusters.reader(cluster).node_metrics() if u.name == name), None), ""
    except NotConfigured as exc:
        return None, exc.message
    except AksbotError as exc:
        return None, W.usage_unavailable(lang, reason=exc.message)


@command(
    "node",
    args=NodeNameArgs,
    scope=Scope.CLUSTER,
    aliases=("describe node",),
    examples=("/k8s node aks-nodepool1-12345678-vmss000000",),
)
def node(call: ClusterCall[NodeNameArgs], deps: Deps) -> NodeResult:
    """Show one node: conditions, taints, lease age, capacity vs allocatable vs usage, its pods, recent events."""
    cluster = call.cluster
    reader = deps.clusters.reader(cluster)
    found = find_node(deps, cluster, call.args.name)
    lease, lease_read = read_lease(reader, found.name)
    pods = optional("pods on the node", lambda: reader.pods(None, node=found.name)) or []
    events = optional("events", lambda: reader.events(None, involved_name=found.name, kind="Node", limit=10)) or []
    usage, note = _usage(deps, cluster, found.name, call.lang)
    return NodeResult(
        cluster,
        found,
        lease,
        tuple(pods),
        tuple(events),
        usage,
        deps.clock.now(),
        note,
        lease_read=lease_read,
        lang=call.lang,
    )
