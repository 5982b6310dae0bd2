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


@dataclass(frozen=True)
class SchedulingReason:
    nodes: int | None  # how many nodes gave this reason (None when the scheduler did not count)
    raw: str
    plain: str
    # What would help, in one phrase ("add nodes or lower the memory request").
    remedy: str


@dataclass(frozen=True)
class SchedulingFailure:
    available: int | None
    total: int | None
    reasons: tuple[SchedulingReason, ...]
    preemption: str | None  # the text after "preemption:", if any

    def summary(self) -> str:
        """`0 of 7 nodes fit: 6 lack memory, 1 is unreachable (tainted)`."""
        head = (
            f"{self.available} of {self.total} nodes fit"
            if self.available is not None and self.total is not None
            else "no node fits"
        )
        parts = [r.plain if r.nodes is None else f"{r.nodes} {r.plain}" for r in self.reasons]
        return head + (": " + "; ".join(parts) if parts else "")


_TAINT_MEANING = {
    "node.kubernetes.io/unreachable": "are unreachable (their kubelet stopped reporting)",
    "node.kubernetes.io/not-ready": "are not ready",
    "node.kubernetes.io/unschedulable": "are cordoned",
    "node.kubernetes.io/memory-pressure": "are under memory pressure",
    "node.kubernetes.io/disk-pressure": "are under disk pressure",
    "node.kubernetes.io/pid-pressure": "are under PID pressure",
    "node.kubernetes.io/network-unavailable": "have no network",
    "node.cloudprovider.kubernetes.io/shutdown": "are shut down",
    "node.cloudprovider.kubernetes.io/uninitialized": "are not yet initialised by the cloud provider",
    "CriticalAddonsOnly": "are reserved for system add-ons (CriticalAddonsOnly)",
    "kubernetes.azure.com/scalesetpriority": "are spot nodes (the pod lacks the spot toleration)",
    "node-role.kubernetes.io/control-plane": "are control-plane nodes",
    "node-role.kubernetes.io/master": "are control-plane nodes",
    "ToBeDeletedByClusterAutoscaler": "are being removed by the cluster autoscaler",
}

_TAINT = re.compile(r"(?:had untolerated taint|had taint)s? \{(?P<key>[^:}]+):?\s*(?P<value>[^}]*)\}")
_INSUFFICIENT = re.compile(r"^Insufficient (?P<resource>\S+)$")

# (pattern, plain words, remedy); matched against the reason text without its count.
_REASONS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(r"didn't match Pod's node affinity|didn't match node selector"),
        "node(s) don't match the pod's nodeSelector/affinity",
        "check the pod's nodeSelector and affinity against the node labels",
    ),
    (
        re.compile(r"didn't match pod anti-affinity rules|didn't satisfy existing pods anti-affinity"),
        "node(s) excluded by pod anti-affinity",
        "add nodes or relax the anti-affinity (preferred instead of required)",
    ),
    (
        re.compile(r"didn't match pod affinity rules"),
        "node(s) don't run the pods this one must be next to (pod affinity)",
        "check the pod affinity's selector",
    ),
    (
        re.compile(r"didn't match pod topology spread constraints"),
        "node(s) would break a topology spread constraint",
        "add nodes in the missing zone or use whenUnsatisfiable: ScheduleAnyway",
    ),
    (
        re.compile(r"had volume node affinity conflict"),
        "node(s) are in a different zone than the pod's volume",
        "add nodes in the disk's zone, or use a zone-redundant (ZRS) storage class",
    ),
    (
        re.compile(r"exceed max volume count"),
        "node(s) have the most data disks their VM size allows",
        "use a VM size with more data disks or spread the pods",
    ),
    (
        re.compile(r"didn't have free ports"),
        "node(s) already use the requested hostPort",
        "drop the hostPort or add nodes",
    ),
    (
        re.compile(r"were unschedulable|unschedulable"),
        "node(s) are cordoned",
        "uncordon them once they are healthy",
    ),
    (
        re.compile(r"^Too many pods$"),
        "node(s) run their maximum number of pods (maxPods)",
        "add nodes or a pool with a higher maxPods",
    ),
    (
        re.compile(r"unbound immediate PersistentVolumeClaims"),
        "the pod's PersistentVolumeClaim is not bound yet",
        "check the PVC's events (provisioning, storage class)",
    ),
    (
        re.compile(r'persistentvolumeclaim "[^"]+" not found'),
        "the pod's PersistentVolumeClaim does not exist",
        "create the PVC or fix its name in the pod spec",
    ),
    (
        re.compile(r"node\(s\) didn't find available persistent volumes to bind"),
        "no PersistentVolume fits the claim on these nodes",
        "check the storage class and the volume's zone",
    ),
)

_RESOURCE_WORDS = {
    "cpu": "CPU",
    "memory": "memory",
    "pods": "pod slots",
    "ephemeral-storage": "ephemeral storage",
    "nvidia.com/gpu": "GPUs",
}


def _plain(text: str) -> tuple[str, str]:
    taint = _TAINT.search(text)
    if taint:
        key = taint.group("key").strip()
        meaning = _TAINT_MEANING.get(key, "carry a taint")
        value = taint.group("value").strip()
        shown = f"{key}={value}" if value else key
        return (
            f"node(s) {meaning} — taint {shown} that the pod does not tolerate",
            "wait for or fix those nodes; add a toleration only if the pod really belongs there",
        )
    insufficient = _INSUFFICIENT.match(text)
    if insufficient:
        resource = insufficient.group("resource")
        words = _RESOURCE_WORDS.get(resource, resource)
        return (
            f"node(s) lack free {words} for the pod's requests",
            f"add nodes (or let the autoscaler), free {words}, or lower the pod's {resource} request",
        )
    for pattern, plain, remedy in _REASONS:
        if pattern.search(text):
            return plain, remedy
    return text, "see the scheduler message"


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
