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
from bot.errors import AksbotError, NotConfigured, NotFound
from bot.refs import CommandRef
from bot.registry import ClusterCall, Scope, command
from bot.timefmt import age
from handlers._format import MAX_ROWS, Page, closest, cpu, did_you_mean, mem, page_of, percent, shorten
from handlers._lookup import read_lease
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
    filtered: str = ""

    def view(self) -> View:
        c = self.counts
        total = self.page.total
        parts = [f"{c['ready']} Ready"]
        if c["notready"]:
            parts.append(f"{c['notready']} NotReady/Unknown")
        if c["cordoned"]:
            parts.append(f"{c['cordoned']} cordoned")
        if c["problems"]:
            parts.append(f"{c['problems']} with pressure or problem conditions")
        summary = f"{total} node{'s' if total != 1 else ''} in {self.cluster}{self.filtered}: " + ", ".join(parts)
        blocks: list[Block] = [Heading(f"Nodes — {self.cluster}")]
        if not total:
            return View(f"No nodes in {self.cluster}{self.filtered}.", (Notice("No nodes matched.", Level.INFO),))
        level = Level.ERROR if c["notready"] else Level.WARN if c["problems"] else Level.OK
        blocks.append(Notice(summary, level))
        if len(self.pools) > 1:
            blocks.append(Fields(tuple((pool, f"{count} nodes") for pool, count in sorted(self.pools.items()))))
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
        blocks.append(
            Table(
                ("Node", "Status", "Pool", "Version", "Age", "Conditions", "Allocatable cpu/mem"),
                rows,
                total=total if self.page.cut else None,
                more=self.page.next,
                offset=self.page.offset,
            )
        )
        return View(summary, tuple(blocks))


@command(
    "nodes",
    args=NodesArgs,
    scope=Scope.CLUSTER,
    aliases=("get nodes", "节点"),
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
    if call.args.problems:
        found = [n for n in found if node_rank(n)[0] < 3]
    filters = [
        f
        for f in (
            f"-l {call.args.selector}" if call.args.selector else "",
            f"pool {call.args.pool}" if call.args.pool else "",
            "with problems" if call.args.problems else "",
        )
        if f
    ]
    pools = Counter(n.pool or "-" for n in found)
    page = page_of(sorted(found, key=node_rank), call)
    filtered = f" ({', '.join(filters)})" if filters else ""
    return NodesResult(cluster, node_counts(found), pools, page, deps.clock.now(), filtered)


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

    def view(self) -> View:
        n = self.node
        level = Level.ERROR if n.ready != "True" else Level.WARN if n.problems or n.unschedulable else Level.OK
        summary = f"Node {n.name} is {n.status_text}"
        if n.problems:
            summary += f" with {', '.join(c.type for c in n.problems)}"
        blocks: list[Block] = [Heading(f"Node {n.name}"), Notice(summary, level)]
        lease = "none" if self.lease_read else "not read"
        if self.lease is not None and self.lease.renew_time is not None:
            lease = f"renewed {age(self.lease.renew_time, self.now)} ago"
            if lease_state(n.name, self.lease, self.now).stale:
                lease += " (stale: the kubelet stopped heartbeating)"
        info = n.node_info
        blocks.append(
            Fields(
                (
                    ("Pool", n.pool or "-"),
                    ("Version", n.version or "-"),
                    ("Age", age(n.created, self.now)),
                    ("Lease", lease),
                    ("OS image", info.os_image or "-"),
                    ("Kernel", info.kernel_version or "-"),
                    ("Runtime", info.container_runtime or "-"),
                    ("Internal IP", n.internal_ip or "-"),
                )
            )
        )
        blocks.append(
            Table(
                ("Condition", "Status", "Reason", "Since", "Message"),
                tuple(
                    (c.type, c.status, c.reason or "-", age(c.last_transition, self.now), shorten(c.message, 70))
                    for c in sorted(n.conditions, key=lambda c: (c.type != "Ready", not c.is_true, c.type))
                ),
                title="Conditions",
            )
        )
        if n.taints:
            blocks.append(Text("*Taints:* " + ", ".join(f"`{t}`" for t in n.taints)))
        running = [p for p in self.pods if p.phase not in ("Succeeded", "Failed")]
        req_cpu = sum(p.requests.cpu_m or 0 for p in running)
        req_mem = sum(p.requests.memory or 0 for p in running)
        lim_mem = sum(p.limits.memory or 0 for p in running)
        alloc, cap = n.allocatable, n.capacity
        used_cpu = self.usage.cpu_m if self.usage else None
        used_mem = self.usage.memory if self.usage else None
        blocks.append(
            Table(
                ("Resource", "Capacity", "Allocatable", "Requested", "Limits", "Used"),
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
                title="Capacity and usage",
            )
        )
        if self.usage_note:
            blocks.append(Context(self.usage_note))
        from handlers.pods import pod_rank  # the same "problems first" order as `pods`

        ordered = sorted(self.pods, key=pod_rank)
        blocks.append(
            Table(
                ("Pod", "Status", "Restarts", "Age"),
                tuple(
                    (p.key, p.shown_status, str(p.restarts), age(p.start_time or p.created, self.now))
                    for p in ordered[:MAX_ROWS]
                ),
                total=len(self.pods) if len(self.pods) > MAX_ROWS else None,
                more=self.more_pods,
                title=f"Pods on this node ({len(self.pods)})",
            )
        )
        if self.events:
            blocks.append(
                Table(
                    ("Last seen", "Type", "Reason", "Count", "Message"),
                    tuple(
                        (age(e.when, self.now), e.type, e.reason, str(e.count), shorten(e.message, 90))
                        for e in self.events[:10]
                    ),
                    title="Recent events",
                )
            )
        if n.problems or n.ready != "True":
            diagnose = CommandRef("diagnose node", DiagnoseNodeArgs(name=n.name), cluster=self.cluster)
            blocks.append(Actions((Button("Diagnose this node", diagnose, "primary"),)))
        return View(summary, tuple(blocks))

    @property
    def more_pods(self) -> CommandRef | None:
        """The pods on this node beyond the first page: the pod list for this node, from its second page."""
        if len(self.pods) <= MAX_ROWS:
            return None
        args = PodsArgs(node=self.node.name, page=2)
        return CommandRef("pods", args, cluster=self.cluster, all_namespaces=True)


def _usage(deps: Deps, cluster: str, name: str) -> tuple[NodeUsage | None, str]:
    try:
        return next((u for u in deps.clusters.reader(cluster).node_metrics() if u.name == name), None), ""
    except NotConfigured as exc:
        return None, exc.message
    except AksbotError as exc:
        return None, f"usage unavailable: {exc.message}"


def find_node(deps: Deps, cluster: str, name: str) -> Node:
    """The node, or `NotFound` naming the closest node names."""
    reader = deps.clusters.reader(cluster)
    try:
        return reader.node(name)
    except NotFound as exc:
        names = closest(name, (n.name for n in reader.nodes()))
        raise NotFound(
            f"Node `{name}` not found in {cluster}.{did_you_mean(names)} List them with `/k8s nodes`.",
            kind="node",
            name=name,
        ) from exc


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
    usage, note = _usage(deps, cluster, found.name)
    return NodeResult(
        cluster, found, lease, tuple(pods), tuple(events), usage, deps.clock.now(), note, lease_read=lease_read
    )
