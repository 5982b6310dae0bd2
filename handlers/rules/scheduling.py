"""The scheduler's `FailedScheduling` message in plain words.

The message has the form (kube-scheduler ≥ 1.24)::

    0/7 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: },
    6 Insufficient memory. preemption: 0/7 nodes are available: 1 Preemption is not helpful for scheduling,
    6 No preemption victims found for incoming pod.

Older schedulers wrote `had taint {…}, that the pod didn't tolerate` and `didn't match node selector`. Each
"<count> <reason>" part is matched against a table of known reasons; an unknown reason is kept verbatim so
nothing is lost. A request larger than the largest allocatable of every node the pod may run on (`NodeSizes`) is
never met however many nodes are added: the scheduler still says "Insufficient memory", so the rule says it. Pure
functions only.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.cluster.model import Node, NodeTerm, Pod, Resources, format_bytes, format_cpu
from bot.i18n import FINDING, Msg, Said, joined, said


@dataclass(frozen=True)
class SchedulingReason:
    nodes: int | None  # how many nodes gave this reason (None when the scheduler did not count)
    raw: str
    plain: str  # a `Said` when the reason is known; an unknown one is the scheduler's own words
    # What would help, in one phrase ("add nodes or lower the memory request"), a `Said`.
    remedy: str
    # The resource of an "Insufficient <resource>" reason ("memory", "cpu"), else None.
    resource: str | None = None


@dataclass(frozen=True)
class SchedulingFailure:
    available: int | None
    total: int | None
    reasons: tuple[SchedulingReason, ...]
    preemption: str | None  # the text after "preemption:", if any

    def head(self) -> Said:
        """`0 of 7 nodes fit` (or `no node fits` when the scheduler did not count), in both languages."""
        if self.available is not None and self.total is not None:
            return said(FINDING.nodes_fit, available=self.available, total=self.total)
        return said(FINDING.no_node_fits)

    def summary(self) -> Said:
        """`0 of 7 nodes fit: 6 lack memory, 1 is unreachable (tainted)`, in both languages."""
        head = self.head()
        parts = [
            r.plain if r.nodes is None else said(FINDING.on_nodes, nodes=r.nodes, plain=r.plain) for r in self.reasons
        ]
        return said(FINDING.scheduling_summary, head=head, parts=joined(parts, "; ", "；")) if parts else head


_TAINT_MEANING: dict[str, Msg] = {
    "node.kubernetes.io/unreachable": FINDING.taint_unreachable,
    "node.kubernetes.io/not-ready": FINDING.taint_not_ready,
    "node.kubernetes.io/unschedulable": FINDING.taint_cordoned,
    "node.kubernetes.io/memory-pressure": FINDING.taint_memory,
    "node.kubernetes.io/disk-pressure": FINDING.taint_disk,
    "node.kubernetes.io/pid-pressure": FINDING.taint_pid,
    "node.kubernetes.io/network-unavailable": FINDING.taint_network,
    "node.cloudprovider.kubernetes.io/shutdown": FINDING.taint_shutdown,
    "node.cloudprovider.kubernetes.io/uninitialized": FINDING.taint_uninitialized,
    "CriticalAddonsOnly": FINDING.taint_addons,
    "kubernetes.azure.com/scalesetpriority": FINDING.taint_spot,
    "node-role.kubernetes.io/control-plane": FINDING.taint_control_plane,
    "node-role.kubernetes.io/master": FINDING.taint_control_plane,
    "ToBeDeletedByClusterAutoscaler": FINDING.taint_autoscaler,
}

_TAINT = re.compile(r"(?:had untolerated taint|had taint)s? \{(?P<key>[^:}]+):?\s*(?P<value>[^}]*)\}")
_INSUFFICIENT = re.compile(r"^Insufficient (?P<resource>\S+)$")

# (pattern, plain words, remedy); matched against the reason text without its count.
_REASONS: tuple[tuple[re.Pattern[str], Msg, Msg], ...] = (
    (
        re.compile(r"didn't match Pod's node affinity|didn't match node selector"),
        FINDING.node_affinity,
        FINDING.remedy_node_affinity,
    ),
    (
        re.compile(r"didn't match pod anti-affinity rules|didn't satisfy existing pods anti-affinity"),
        FINDING.anti_affinity,
        FINDING.remedy_anti_affinity,
    ),
    (
        re.compile(r"didn't match pod affinity rules"),
        FINDING.pod_affinity,
        FINDING.remedy_pod_affinity,
    ),
    (
        re.compile(r"didn't match pod topology spread constraints"),
        FINDING.topology_spread,
        FINDING.remedy_topology_spread,
    ),
    (
        re.compile(r"had volume node affinity conflict"),
        FINDING.volume_zone,
        FINDING.remedy_volume_zone,
    ),
    (
        re.compile(r"exceed max volume count"),
        FINDING.max_volumes,
        FINDING.remedy_max_volumes,
    ),
    (
        re.compile(r"didn't have free ports"),
        FINDING.host_port,
        FINDING.remedy_host_port,
    ),
    (
        re.compile(r"were unschedulable|unschedulable"),
        FINDING.cordoned,
        FINDING.remedy_cordoned,
    ),
    (
        re.compile(r"^Too many pods$"),
        FINDING.max_pods,
        FINDING.remedy_max_pods,
    ),
    (
        re.compile(r"unbound immediate PersistentVolumeClaims"),
        FINDING.pvc_unbound,
        FINDING.remedy_pvc_unbound,
    ),
    (
        re.compile(r'persistentvolumeclaim "[^"]+" not found'),
        FINDING.pvc_missing,
        FINDING.remedy_pvc_missing,
    ),
    (
        re.compile(r"node\(s\) didn't find available persistent volumes to bind"),
        FINDING.no_volume_fits,
        FINDING.remedy_no_volume,
    ),
)

_RESOURCE_WORDS: dict[str, str] = {
    "cpu": "CPU",
    "memory": said(FINDING.free_memory),
    "pods": said(FINDING.free_pods),
    "ephemeral-storage": said(FINDING.free_ephemeral_storage),
    "nvidia.com/gpu": said(FINDING.free_gpus),
}
_LACKING: dict[str, Msg] = {
    "cpu": FINDING.lack_cpu,
    "memory": FINDING.lack_memory,
    "pods": FINDING.lack_pods,
    "ephemeral-storage": FINDING.lack_ephemeral_storage,
    "nvidia.com/gpu": FINDING.lack_gpus,
}


def _plain(text: str) -> tuple[str, str, str | None]:
    taint = _TAINT.search(text)
    if taint:
        key = taint.group("key").strip()
        meaning = said(_TAINT_MEANING.get(key, FINDING.taint_other))
        value = taint.group("value").strip()
        shown = f"{key}={value}" if value else key
        return said(FINDING.tainted, meaning=meaning, taint=shown), said(FINDING.remedy_taint), None
    insufficient = _INSUFFICIENT.match(text)
    if insufficient:
        resource = insufficient.group("resource")
        words = _RESOURCE_WORDS.get(resource, resource)
        lacking = _LACKING.get(resource)
        return (
            said(lacking) if lacking is not None else said(FINDING.lack_other, resource=resource),
            said(FINDING.remedy_insufficient, words=words, resource=resource),
            resource,
        )
    for pattern, plain, remedy in _REASONS:
        if pattern.search(text):
            return said(plain), said(remedy), None
    return text, said(FINDING.remedy_see_scheduler), None


_HEAD = re.compile(r"^\s*(?P<available>\d+)/(?P<total>\d+) nodes are available(?::\s*(?P<rest>.*))?$", re.S)
# Split "1 node(s) had …, 6 Insufficient memory" on the comma that precedes the next count; commas inside a
# taint's braces or a reason ("had taint {…}, that the pod didn't tolerate") are followed by words, not digits.
_PARTS = re.compile(r",\s*(?=\d+\s)")
_COUNTED = re.compile(r"^(?P<count>\d+)\s+(?P<text>.+)$", re.S)


def parse_failed_scheduling(message: str) -> SchedulingFailure:
    """Parse a `FailedScheduling` event message; anything not understood is kept as a verbatim reason."""
    text = message.strip()
    preemption = None
    split = re.split(r"\s*preemption:\s*", text, maxsplit=1)
    if len(split) == 2:
        text, preemption = split[0], split[1].strip() or None
    head = _HEAD.match(text)
    if head is None:
        plain, remedy, resource = _plain(text.rstrip("."))
        reason = SchedulingReason(None, text, plain, remedy, resource)
        return SchedulingFailure(None, None, (reason,) if text else (), preemption)
    rest = (head.group("rest") or "").strip().rstrip(".")
    reasons: list[SchedulingReason] = []
    for part in _PARTS.split(rest) if rest else []:
        part = part.strip().rstrip(".")
        counted = _COUNTED.match(part)
        count, body = (int(counted.group("count")), counted.group("text")) if counted else (None, part)
        plain, remedy, resource = _plain(body.strip())
        reasons.append(SchedulingReason(count, part, plain, remedy, resource))
    # Most nodes first: the biggest reason is the one to fix.
    reasons.sort(key=lambda r: -(r.nodes or 0))
    return SchedulingFailure(int(head.group("available")), int(head.group("total")), tuple(reasons), preemption)


# -- requests no node can ever hold --------------------------------------------------------------------------


@dataclass(frozen=True)
class TooBig:
    """A request that no node the pod may run on can hold even empty: more than the largest allocatable. Adding nodes
    of the sizes the pools have (by hand or by the cluster autoscaler) never helps."""

    resource: str  # the scheduler's name: "memory", "cpu", "ephemeral-storage", "nvidia.com/gpu"
    request: str  # as people read it: "40Gi"
    largest: str  # the largest allocatable of the nodes looked at: "26.9Gi"
    node: str  # a node that has it
    pool: str  # that node's pool ("" when it has no pool label)
    nodes: int  # how many nodes were looked at
    selected: bool  # whether the pod's nodeSelector or node affinity narrowed them

    @property
    def words(self) -> str:
        """The resource in plain words ("memory"), a `Said`."""
        return _RESOURCE_WORDS.get(self.resource, self.resource)

    def short(self) -> Said:
        """`no node is big enough for its 40Gi memory request (26.9Gi allocatable at most)`, for a title."""
        return said(FINDING.too_big_short, request=self.request, resource=self.words, largest=self.largest)

    def line(self) -> Said:
        """The evidence: the request, the largest allocatable, where it is, and over which nodes."""
        scope = said(FINDING.nodes_selected if self.selected else FINDING.nodes_all, count=self.nodes)
        where = said(FINDING.node_in_pool, node=self.node, pool=self.pool) if self.pool else self.node
        return said(
            FINDING.never_fits,
            request=self.request,
            resource=self.words,
            largest=self.largest,
            scope=scope,
            where=where,
        )

    def remedy(self) -> Said:
        return said(FINDING.remedy_too_big, resource=self.resource)


# (the scheduler's resource name, how to read it from `Resources`, how people write it); a node without a GPU
# reports none, the other resources are always reported (a node that does not say is not judged).
_SIZED: tuple[tuple[str, Callable[[Resources], int | None], Callable[[int], str]], ...] = (
    ("cpu", lambda r: r.cpu_m, format_cpu),
    ("memory", lambda r: r.memory, format_bytes),
    ("ephemeral-storage", lambda r: r.ephemeral_storage, format_bytes),
    ("nvidia.com/gpu", lambda r: r.gpu or 0, str),
)


# Where a pod may run, as a key: its nodeSelector and its required node affinity terms.
_Placement = tuple[frozenset[tuple[str, str]], tuple[NodeTerm, ...]]


class NodeSizes:
    """The largest allocatable of each resource over the nodes a pod may run on: all of them, or those its nodeSelector
    and required node affinity allow. Worked out once per placement, so a scan of 50,000 pods does not walk the nodes
    once per pod."""

    def __init__(self, nodes: Sequence[Node]) -> None:
        self._nodes = tuple(nodes)
        self._largest: dict[_Placement, tuple[int, dict[str, tuple[int, Node] | None]]] = {}

    def _for(self, pod: Pod) -> tuple[int, dict[str, tuple[int, Node] | None]]:
        key = (frozenset(pod.node_selector.items()), pod.node_affinity)
        if key not in self._largest:
            chosen = [n for n in self._nodes if pod.may_run_on(n)]
            largest: dict[str, tuple[int, Node] | None] = {}
            for resource, amount, _ in _SIZED:
                sizes = [(amount(n.allocatable), n) for n in chosen]
                known = [(size, n) for size, n in sizes if size is not None]
                # Most first; among equals the first name, so the same cluster always names the same node.
                best = min(known, key=lambda sn: (-sn[0], sn[1].name)) if known else None
                largest[resource] = best if chosen and len(known) == len(sizes) else None
            self._largest[key] = (len(chosen), largest)
        return self._largest[key]

    def too_big(self, pod: Pod) -> tuple[TooBig, ...]:
        """The requests of `pod` that exceed the largest allocatable of every node it may run on; none when no node
        matches (the scheduler's own reasons say so) or a node does not report the resource."""
        requests = pod.requests
        count, largest = self._for(pod)
        out: list[TooBig] = []
        for resource, amount, shown in _SIZED:
            asked = amount(requests)
            best = largest.get(resource)
            if not asked or best is None or asked <= best[0]:
                continue
            size, node = best
            out.append(TooBig(resource, shown(asked), shown(size), node.name, node.pool, count, pod.placed))
        return tuple(out)


@dataclass(frozen=True)
class Room:
    """How many more pods of one shape the nodes they may run on can hold now, by their requests: `fits` in all
    (None when a node does not say), over `nodes` nodes; `limit` is the resource that runs out first on most."""

    fits: int | None
    nodes: int
    limit: str | None
    # Whether one such pod would fit an empty node of those it may run on, by its requests against the node's
    # allocatable: when not, a bigger node is needed, and more nodes of these sizes cannot help.
    fits_empty: bool = True


def room_for(template: Pod, nodes: Sequence[Node], pods: Sequence[Pod]) -> Room:
    """Room for more pods shaped like `template` (its requests, nodeSelector, required node affinity and
    tolerations), as the scheduler counts it: on each Ready, schedulable node the pod may run on and whose
    NoSchedule/NoExecute taints it tolerates, its allocatable less what the pods bound to it request. Pod
    (anti-)affinity and topology spread depend on where the other pods land and are not counted, so this is at most
    what fits."""
    wanted = template.requests
    bound: dict[str, list[Pod]] = {}
    for p in pods:
        if p.node and not p.finished:
            bound.setdefault(p.node, []).append(p)
    fits, used, limits, empty = 0, 0, collections.Counter[str](), False
    for node in nodes:
        if node.ready != "True" or node.unschedulable:
            continue
        if not template.may_run_on(node):
            continue
        if any(t.effect in ("NoSchedule", "NoExecute") and not any(tol.matches(t) for tol in template.tolerations)
               for t in node.taints):
            continue
        used += 1
        here: list[tuple[int, str]] = []
        for resource, amount, _ in _SIZED:
            asked = amount(wanted)
            total = amount(node.allocatable)
            if not asked or total is None:
                continue
            taken = sum(amount(p.requests) or 0 for p in bound.get(node.name, ()))
            here.append((max(total - taken, 0) // asked, resource))
        empty = empty or all(amount(wanted) is None or (amount(node.allocatable) or 0) >= (amount(wanted) or 0)
                             for _, amount, _ in _SIZED)
        count = len(bound.get(node.name, ()))
        if node.allocatable.pods is not None:
            here.append((max(node.allocatable.pods - count, 0), "pods"))
        if not here:
            return Room(None, used, None)
        most, resource = min(here)
        fits += most
        limits[resource] += 1
    limit = limits.most_common(1)[0][0] if limits else None
    return Room(fits, used, limit, fits_empty=empty or not used)
