"""`top nodes` and `top pods`: usage from metrics-server, against what the node can give or the pod asked for.

Both answer "which one is hot": nodes sorted by their fuller resource, pods by CPU (or memory with --sort).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks import Block, Heading, Level, Notice, View
from bot.cluster.model import Node, NodeUsage, Pod, PodUsage
from bot.deps import Deps
from bot.i18n import READ as W
from bot.registry import ClusterCall, Lang, Scope, command
from handlers._format import Page, Where, cpu, joined, mem, page_of, percent
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
    lang: Lang = "en"

    def view(self) -> View:
        lang = self.lang
        if not self.page.total:
            return View(W.no_node_metrics(lang, cluster=self.cluster), (Notice(W.no_nodes_reported(lang),
                                                                                Level.WARN),))
        hot = self.hot
        summary = W.nodes_reporting(lang, count=self.page.total, cluster=self.cluster)
        summary += W.nodes_hot(lang, count=hot) if hot else ""
        blocks: list[Block] = [Heading(W.node_usage_heading(lang, cluster=self.cluster)),
                               Notice(summary, Level.WARN if hot else Level.OK)]
        if self.missing:
            missing = W.nodes_without_metrics(lang, count=len(self.missing), names=joined(self.missing[:5], lang))
            blocks.append(Notice(missing, Level.WARN))
        rows = tuple(
            (x.usage.name, cpu(x.usage.cpu_m), percent(x.usage.cpu_m, x.node.allocatable.cpu_m if x.node else None),
             mem(x.usage.memory), percent(x.usage.memory, x.node.allocatable.memory if x.node else None))
            for x in self.page.items
        )
        columns = (W.col_node(lang), W.col_cpu(lang), W.col_cpu_share(lang), W.col_memory(lang),
                   W.col_memory_share(lang))
        blocks.extend(self.page.table(columns, rows, lang))
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
    return TopNodesResult(cluster, page_of(loads, call), hot, missing, call.lang)


@dataclass(frozen=True)
class PodLoad:
    usage: PodUsage
    pod: Pod | None


@dataclass(frozen=True)
class TopPodsResult:
    where: Where
    page: Page[PodLoad]  # hottest first, by the asked-for resource
    total_cpu: int
    total_memory: int
    near_limit: int  # pods using 90 % or more of their memory limit
    all_namespaces: bool
    lang: Lang = "en"

    def view(self) -> View:
        lang = self.lang
        where = self.where.text(lang)
        if not self.page.total:
            return View(W.no_pod_metrics(lang, where=where), (Notice(W.no_pods_report(lang, where=where),
                                                                     Level.INFO),))
        summary = W.pods_use(lang, count=self.page.total, where=where, cpu=cpu(self.total_cpu),
                             memory=mem(self.total_memory))
        over = self.near_limit
        blocks: list[Block] = [Heading(W.pod_usage_heading(lang, where=self.where.title(lang))),
                               Notice(summary + (W.near_memory_limit(lang, count=over) if over else ""),
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
        columns = (W.col_pod(lang), W.col_cpu(lang), W.col_of_request(lang), W.col_memory(lang),
                   W.col_of_request(lang), W.col_memory_limit(lang))
        blocks.extend(self.page.table(columns, tuple(rows), lang))
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
    loads = [PodLoad(u, pods.get((u.namespace, u.name))) for u in usage]
    by_memory = call.args.sort == "memory"
    loads.sort(key=lambda x: (-x.usage.memory if by_memory else -x.usage.cpu_m, x.usage.namespace, x.usage.name))
    near = sum(1 for x in loads if x.pod and x.pod.limits.memory and x.usage.memory >= 0.9 * x.pod.limits.memory)
    return TopPodsResult(Where(namespace), page_of(loads, call), sum(x.usage.cpu_m for x in loads),
                         sum(x.usage.memory for x in loads), near, namespace is None, call.lang)
