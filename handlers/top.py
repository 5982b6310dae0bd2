"""`top nodes` and `top pods`: usage from metrics-server, against what the node can give or the pod asked for.

Both answer "which one is hot": nodes sorted by their fuller resource, pods by CPU (or memory with --sort).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks import Block, Heading, Level, Notice, Table, View
from bot.cluster.model import Node, NodeUsage, Pod, PodUsage
from bot.deps import Deps
from bot.registry import ClusterCall, Scope, command
from handlers._format import Page, cpu, mem, page_of, percent
from handlers._lookup import ensure_namespace
from handlers.args import TopNodesArgs, TopPodsArgs


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
    page: Page[NodeLoad]  # fullest first
    hot: int  # nodes at 90 % or more of allocatable cpu or memory
    missing: tuple[str, ...]

    def view(self) -> View:
        if not self.page.total:
            return View(f"No node metrics in {self.cluster}.", (Notice("metrics-server reported no nodes.",
                                                                       Level.WARN),))
        hot = self.hot
        summary = f"{self.page.total} nodes reporting usage in {self.cluster}"
        summary += f", {hot} at 90% or more of allocatable" if hot else ""
        blocks: list[Block] = [Heading(f"Node usage — {self.cluster}"),
                               Notice(summary, Level.WARN if hot else Level.OK)]
        if self.missing:
            blocks.append(Notice(f"{len(self.missing)} node(s) report no metrics (often NotReady): "
                                 + ", ".join(self.missing[:5]), Level.WARN))
        rows = tuple(
            (x.usage.name, cpu(x.usage.cpu_m), percent(x.usage.cpu_m, x.node.allocatable.cpu_m if x.node else None),
             mem(x.usage.memory), percent(x.usage.memory, x.node.allocatable.memory if x.node else None))
            for x in self.page.items
        )
        blocks.append(Table(("Node", "CPU", "CPU %", "Memory", "Memory %"), rows,
                            total=self.page.total if self.page.cut else None, more=self.page.next,
                            offset=self.page.offset))
        return View(summary, tuple(blocks))


@command("top nodes", args=TopNodesArgs, scope=Scope.CLUSTER, examples=("/k8s top nodes",))
def top_nodes(call: ClusterCall[TopNodesArgs], deps: Deps) -> TopNodesResult:
    """Show node CPU and memory usage against allocatable, fullest first."""
    cluster = call.cluster
    reader = deps.clusters.reader(cluster)
    usage = reader.node_metrics()
    nodes = {n.name: n for n in reader.nodes()}
    reported = {u.name for u in usage}
    missing = tuple(sorted(set(nodes) - reported))
    loads = sorted((NodeLoad(u, nodes.get(u.name)) for u in usage), key=lambda x: -max(x.cpu_share, x.memory_share))
    hot = sum(1 for x in loads if max(x.cpu_share, x.memory_share) >= 0.9)
    return TopNodesResult(cluster, page_of(loads, call), hot, missing)


@dataclass(frozen=True)
class PodLoad:
    usage: PodUsage
    pod: Pod | None


@dataclass(frozen=True)
class TopPodsResult:
    scope: str
    page: Page[PodLoad]  # hottest first, by the asked-for resource
    total_cpu: int
    total_memory: int
    near_limit: int  # pods using 90 % or more of their memory limit
    all_namespaces: bool

    def view(self) -> View:
        if not self.page.total:
            return View(f"No pod metrics {self.scope}.", (Notice(f"No running pods report usage {self.scope}.",
                                                                 Level.INFO),))
        summary = (f"{self.page.total} pods {self.scope} use {cpu(self.total_cpu)} CPU and "
                   f"{mem(self.total_memory)} memory")
        over = self.near_limit
        blocks: list[Block] = [Heading(f"Pod usage — {self.scope}"),
                               Notice(summary + (f"; {over} near their memory limit" if over else ""),
                                      Level.WARN if over else Level.INFO)]
        rows = []
        for x in self.page.items:
            req = x.pod.requests if x.pod else None
            lim = x.pod.limits if x.pod else None
            rows.append((
                f"{x.usage.namespace}/{x.usage.name}" if self.all_namespaces else x.usage.name,
                cpu(x.usage.cpu_m), percent(x.usage.cpu_m, req.cpu_m if req else None),
                mem(x.usage.memory), percent(x.usage.memory, req.memory if req else None),
                mem(lim.memory if lim else None),
            ))
        blocks.append(Table(("Pod", "CPU", "of request", "Memory", "of request", "Memory limit"), tuple(rows),
                            total=self.page.total if self.page.cut else None, more=self.page.next,
                            offset=self.page.offset))
        return View(summary, tuple(blocks))


@command("top pods", args=TopPodsArgs, scope=Scope.NAMESPACED,
         examples=("/k8s top pods -n shop", "/k8s top pods -A --sort memory"))
def top_pods(call: ClusterCall[TopPodsArgs], deps: Deps) -> TopPodsResult:
    """Show pod CPU and memory usage against requests and limits, hottest first."""
    namespace = None if call.all_namespaces else call.namespace
    reader = deps.clusters.reader(call.cluster)
    usage = reader.pod_metrics(namespace)
    if not usage:
        ensure_namespace(deps, call.cluster, namespace)
    pods = {(p.namespace, p.name): p for p in reader.pods(namespace)}
    scope = "in all namespaces" if namespace is None else f"in {namespace}"
    loads = [PodLoad(u, pods.get((u.namespace, u.name))) for u in usage]
    by_memory = call.args.sort == "memory"
    loads.sort(key=lambda x: (-x.usage.memory if by_memory else -x.usage.cpu_m, x.usage.namespace, x.usage.name))
    near = sum(1 for x in loads if x.pod and x.pod.limits.memory and x.usage.memory >= 0.9 * x.pod.limits.memory)
    return TopPodsResult(scope, page_of(loads, call), sum(x.usage.cpu_m for x in loads),
                         sum(x.usage.memory for x in loads), near, namespace is None)
