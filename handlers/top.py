"""`top nodes` and `top pods`: usage from metrics-server, against what the node can give or the pod asked for.

Both answer "which one is hot": nodes sorted by their fuller resource, pods by CPU (or memory with --sort).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.blocks import Block, Heading, Level, Notice, Table, View
from bot.cluster.model import Node, NodeUsage, Pod, PodUsage
from bot.deps import Deps
from bot.registry import Args, Call, NoArgs, Scope, command, opt
from handlers._format import MAX_ROWS, cpu, mem, percent
from handlers._lookup import ensure_namespace


@dataclass(frozen=True)
class NodeLoad:
    usage: NodeUsage
    node: Node | None

    @property
    def cpu_share(self) -> float:
        alloc = self.node.allocatable.cpu_m if self.node else None
        return self.usage.cpu_m / alloc if alloc else 0.0

    @property
    def memory_share(self) -> float:
        alloc = self.node.allocatable.memory if self.node else None
        return self.usage.memory / alloc if alloc else 0.0


@dataclass(frozen=True)
class TopNodesResult:
    cluster: str
    loads: tuple[NodeLoad, ...]
    missing: tuple[str, ...]

    def view(self) -> View:
        if not self.loads:
            return View(f"No node metrics in {self.cluster}.", (Notice("metrics-server reported no nodes.",
                                                                       Level.WARN),))
        ordered = sorted(self.loads, key=lambda x: -max(x.cpu_share, x.memory_share))
        hot = sum(1 for x in self.loads if max(x.cpu_share, x.memory_share) >= 0.9)
        summary = f"{len(self.loads)} nodes reporting usage in {self.cluster}"
        summary += f", {hot} at 90% or more of allocatable" if hot else ""
        blocks: list[Block] = [Heading(f"Node usage — {self.cluster}"),
                               Notice(summary, Level.WARN if hot else Level.OK)]
        if self.missing:
            blocks.append(Notice(f"{len(self.missing)} node(s) report no metrics (often NotReady): "
                                 + ", ".join(self.missing[:5]), Level.WARN))
        rows = tuple(
            (x.usage.name, cpu(x.usage.cpu_m), percent(x.usage.cpu_m, x.node.allocatable.cpu_m if x.node else None),
             mem(x.usage.memory), percent(x.usage.memory, x.node.allocatable.memory if x.node else None))
            for x in ordered[:MAX_ROWS]
        )
        cut = len(ordered) > MAX_ROWS
        blocks.append(Table(("Node", "CPU", "CPU %", "Memory", "Memory %"), rows,
                            total=len(ordered) if cut else None, more="/k8s nodes --problems" if cut else None))
        return View(summary, tuple(blocks))


@command("top nodes", args=NoArgs, scope=Scope.CLUSTER, examples=("/k8s top nodes",))
def top_nodes(call: Call[NoArgs], deps: Deps) -> TopNodesResult:
    """Show node CPU and memory usage against allocatable, fullest first."""
    cluster = call.cluster or ""
    reader = deps.clusters.reader(cluster)
    usage = reader.node_metrics()
    nodes = {n.name: n for n in reader.nodes()}
    reported = {u.name for u in usage}
    missing = tuple(sorted(set(nodes) - reported))
    return TopNodesResult(cluster, tuple(NodeLoad(u, nodes.get(u.name)) for u in usage), missing)


@dataclass(frozen=True)
class PodLoad:
    usage: PodUsage
    pod: Pod | None


@dataclass(frozen=True)
class TopPodsResult:
    scope: str
    loads: tuple[PodLoad, ...]
    sort: str
    all_namespaces: bool

    def view(self) -> View:
        if not self.loads:
            return View(f"No pod metrics {self.scope}.", (Notice(f"No running pods report usage {self.scope}.",
                                                                 Level.INFO),))
        key = (lambda x: -x.usage.memory) if self.sort == "memory" else (lambda x: -x.usage.cpu_m)
        ordered = sorted(self.loads, key=key)
        total_cpu = sum(x.usage.cpu_m for x in self.loads)
        total_mem = sum(x.usage.memory for x in self.loads)
        summary = f"{len(self.loads)} pods {self.scope} use {cpu(total_cpu)} CPU and {mem(total_mem)} memory"
        over = [x for x in self.loads if x.pod and x.pod.limits.memory and x.usage.memory >= 0.9 * x.pod.limits.memory]
        blocks: list[Block] = [Heading(f"Pod usage — {self.scope}"),
                               Notice(summary + (f"; {len(over)} near their memory limit" if over else ""),
                                      Level.WARN if over else Level.INFO)]
        rows = []
        for x in ordered[:MAX_ROWS]:
            req = x.pod.requests if x.pod else None
            lim = x.pod.limits if x.pod else None
            rows.append((
                f"{x.usage.namespace}/{x.usage.name}" if self.all_namespaces else x.usage.name,
                cpu(x.usage.cpu_m), percent(x.usage.cpu_m, req.cpu_m if req else None),
                mem(x.usage.memory), percent(x.usage.memory, req.memory if req else None),
                mem(lim.memory if lim else None),
            ))
        cut = len(ordered) > MAX_ROWS
        blocks.append(Table(("Pod", "CPU", "of request", "Memory", "of request", "Memory limit"), tuple(rows),
                            total=len(ordered) if cut else None, more="/k8s top pods -n NAMESPACE" if cut else None))
        return View(summary, tuple(blocks))


class TopPodsArgs(Args):
    sort: Literal["cpu", "memory"] = opt("cpu", help="sort by cpu or memory")


@command("top pods", args=TopPodsArgs, scope=Scope.NAMESPACED,
         examples=("/k8s top pods -n shop", "/k8s top pods -A --sort memory"))
def top_pods(call: Call[TopPodsArgs], deps: Deps) -> TopPodsResult:
    """Show pod CPU and memory usage against requests and limits, hottest first."""
    namespace = None if call.all_namespaces else call.namespace
    reader = deps.clusters.reader(call.cluster or "")
    usage = reader.pod_metrics(namespace)
    if not usage:
        ensure_namespace(deps, call.cluster or "", namespace)
    pods = {(p.namespace, p.name): p for p in reader.pods(namespace)}
    scope = "in all namespaces" if namespace is None else f"in {namespace}"
    return TopPodsResult(scope, tuple(PodLoad(u, pods.get((u.namespace, u.name))) for u in usage), call.args.sort,
                         namespace is None)
