"""The scheduler's `FailedScheduling` message in plain words.

The message has the form (kube-scheduler ≥ 1.24)::

    0/7 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: },
    6 Insufficient memory. preemption: 0/7 nodes are available: 1 Preemption is not helpful for scheduling,
    6 No preemption victims found for incoming pod.

Older schedulers wrote `had taint {…}, that the pod didn't tolerate` and `didn't match node selector`. Each
"<count> <reason>" part is matched against a table of known reasons; an unknown reason is kept verbatim so
nothing is lost. Pure functions only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.i18n import FINDING, Msg, Said, joined, said


@dataclass(frozen=True)
class SchedulingReason:
    nodes: int | None  # how many nodes gave this reason (None when the scheduler did not count)
    raw: str
    plain: str  # a `Said` when the reason is known; an unknown one is the scheduler's own words
    # What would help, in one phrase ("add nodes or lower the memory request"), a `Said`.
    remedy: str


@dataclass(frozen=True)
class SchedulingFailure:
    available: int | None
    total: int | None
    reasons: tuple[SchedulingReason, ...]
    preemption: str | None  # the text after "preemption:", if any

    def summary(self) -> Said:
        """`0 of 7 nodes fit: 6 lack memory, 1 is unreachable (tainted)`, in both languages."""
        head = (
            said(FINDING.nodes_fit, available=self.available, total=self.total)
            if self.available is not None and self.total is not None
            else said(FINDING.no_node_fits)
        )
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


def _plain(text: str) -> tuple[str, str]:
    taint = _TAINT.search(text)
    if taint:
        key = taint.group("key").strip()
        meaning = said(_TAINT_MEANING.get(key, FINDING.taint_other))
        value = taint.group("value").strip()
        shown = f"{key}={value}" if value else key
        return (
            said(FINDING.tainted, meaning=meaning, taint=shown),
            said(FINDING.remedy_taint),
        )
    insufficient = _INSUFFICIENT.match(text)
    if insufficient:
        resource = insufficient.group("resource")
        words = _RESOURCE_WORDS.get(resource, resource)
        lacking = _LACKING.get(resource)
        return (
            said(lacking) if lacking is not None else said(FINDING.lack_other, resource=resource),
            said(FINDING.remedy_insufficient, words=words, resource=resource),
        )
    for pattern, plain, remedy in _REASONS:
        if pattern.search(text):
            return said(plain), said(remedy)
    return text, said(FINDING.remedy_see_scheduler)


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
        plain, remedy = _plain(text.rstrip("."))
        return SchedulingFailure(None, None, (SchedulingReason(None, text, plain, remedy),) if text else (), preemption)
    rest = (head.group("rest") or "").strip().rstrip(".")
    reasons: list[SchedulingReason] = []
    for part in _PARTS.split(rest) if rest else []:
        part = part.strip().rstrip(".")
        counted = _COUNTED.match(part)
        count, body = (int(counted.group("count")), counted.group("text")) if counted else (None, part)
        plain, remedy = _plain(body.strip())
        reasons.append(SchedulingReason(count, part, plain, remedy))
    # Most nodes first: the biggest reason is the one to fix.
    reasons.sort(key=lambda r: -(r.nodes or 0))
    return SchedulingFailure(int(head.group("available")), int(head.group("total")), tuple(reasons), preemption)
