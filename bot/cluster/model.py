"""Typed views of the Kubernetes objects handlers and diagnosis rules look at.

Only the fields the bot uses, not the whole Kubernetes schema: the adapter (`bot.cluster.kube`) fills these
straight from the API's JSON, skipping the client's slow model deserialization. Quantities are parsed once,
here, with Kubernetes' exact semantics (binary `Ki`/`Mi`…, decimal `k`/`M`…, milli `m`, exponent `e`), so
nobody downstream compares strings like "3860Mi" and "4Gi". Secret values never enter these objects: an env
var that comes from a Secret records where it comes from, not what it holds.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# -- quantities ----------------------------------------------------------------------------------------------

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
            "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"),
            "P": Decimal("1e15"), "E": Decimal("1e18")}
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$")


def parse_quantity(text: str | int | float) -> Decimal:
    """A Kubernetes resource quantity as an exact decimal ("100m" → 0.1, "1Ki" → 1024, "1e3" → 1000).

    Raises `ValueError` on anything the API server would reject."""
    if isinstance(text, bool):
        raise ValueError(f"not a quantity: {text!r}")
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, float):
        return Decimal(str(text))
    match = _QUANTITY.match(text.strip())
    if not match:
        raise ValueError(f"not a Kubernetes quantity: {text!r}")
    number, suffix, exponent = match.groups()
    try:
        value = Decimal(number)
    except InvalidOperation as exc:  # pragma: no cover - the pattern only lets numbers through
        raise ValueError(f"not a Kubernetes quantity: {text!r}") from exc
    if exponent is not None:
        return value.scaleb(int(exponent))
    if suffix in _BINARY:
        return value * _BINARY[suffix]
    return value * _DECIMAL[suffix or ""]


def parse_cpu(text: str | int | float) -> int:
    """CPU in millicores, rounded up as the scheduler does ("250m" → 250, "1.5" → 1500, "100u" → 1)."""
    return math.ceil(parse_quantity(text) * 1000)


def parse_memory(text: str | int | float) -> int:
    """Bytes (or any plain count: pods, ephemeral storage), rounded up ("1Gi" → 1073741824, "1k" → 1000)."""
    return math.ceil(parse_quantity(text))


def format_cpu(millicores: int) -> str:
    """Millicores the way people read them: "250m", "2", "3.5"."""
    if millicores % 1000 == 0:
        return str(millicores // 1000)
    if millicores % 100 == 0 and millicores > 1000:
        return f"{millicores / 1000:.1f}"
    # Exact rather than rounded: "3860m" allocatable must not read as 3.9 cores.
    return f"{millicores}m"


def format_bytes(count: int) -> str:
    """Binary units, one decimal: "512Mi", "3.8Gi"."""
    value = float(count)
    for unit in ("", "Ki", "Mi", "Gi", "Ti", "Pi"):
        if abs(value) < 1024 or unit == "Pi":
            text = f"{value:.1f}".rstrip("0").rstrip(".") if unit else str(int(value))
            return f"{text}{unit}"
        value /= 1024
    return f"{count}"  # pragma: no cover - the loop always returns


@dataclass(frozen=True, slots=True)
class Resources:
    """A set of resource amounts: cpu in millicores, memory and ephemeral storage in bytes, pods as a count.

    `None` means "not set" (no request, no limit), which is different from zero."""

    cpu_m: int | None = None
    memory: int | None = None
    pods: int | None = None
    ephemeral_storage: int | None = None
    gpu: int | None = None


# -- common ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Condition:
    """A status condition (node, pod or deployment); `status` is "True", "False" or "Unknown"."""

    type: str
    status: str
    reason: str = ""
    message: str = ""
    last_heartbeat: datetime | None = None
    last_transition: datetime | None = None
    last_update: datetime | None = None

    @property
    def is_true(self) -> bool:
        return self.status == "True"


@dataclass(frozen=True, slots=True)
class OwnerRef:
    kind: str
    name: str
    controller: bool = False


# -- nodes ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Toleration:
    key: str = ""  # empty with operator Exists: every taint
    operator: str = "Equal"
    value: str = ""
    effect: str = ""  # empty: every effect
    seconds: int | None = None  # tolerationSeconds: how long a NoExecute taint is tolerated (None: for ever)

    def matches(self, taint: Taint) -> bool:
        if self.effect and self.effect != taint.effect:
            return False
        if self.operator == "Exists":
            return not self.key or self.key == taint.key
        return self.key == taint.key and self.value == taint.value

    def __str__(self) -> str:
        what = f"{self.key}={self.value}" if self.value else (self.key or "*")
        until = f" for {self.seconds} s" if self.seconds is not None else ""
        return f"{what}:{self.effect or '*'}{until}"


@dataclass(frozen=True, slots=True)
class Taint:
    key: str
    effect: str
    value: str = ""
    time_added: datetime | None = None

    def __str__(self) -> str:
        return f"{self.key}={self.value}:{self.effect}" if self.value else f"{self.key}:{self.effect}"


@dataclass(frozen=True, slots=True)
class NodeInfo:
    kubelet_version: str = ""
    os_image: str = ""
    kernel_version: str = ""
    container_runtime: str = ""
    architecture: str = ""
    operating_system: str = ""


# The conditions the kubelet itself reports; anything else on a node comes from node-problem-detector or
# another agent, and is reported when True.
KUBELET_CONDITIONS = frozenset({"Ready", "MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"})
PRESSURE_CONDITIONS = ("MemoryPressure", "DiskPressure", "PIDPressure")
POOL_LABELS = ("kubernetes.azure.com/agentpool", "agentpool")

# What the bot writes on a node it cordons for an approved request (a cordon or a drain): which request and when,
# so `kubectl describe node` and the bot's own diagnosis can say why the node takes no pods. Uncordoning through
# the bot removes both.
CORDON_REQUEST = "aksbot.io/cordon-request"
CORDONED_AT = "aksbot.io/cordoned-at"


@dataclass(frozen=True, slots=True)
class BotCordon:
    """The approved request the bot cordoned a node for, and when."""

    request: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    uid: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    unschedulable: bool = False
    conditions: tuple[Condition, ...] = ()
    capacity: Resources = Resources()
    allocatable: Resources = Resources()
    node_info: NodeInfo = NodeInfo()
    provider_id: str = ""
    created: datetime | None = None
    deleting: datetime | None = None
    internal_ip: str = ""

    @property
    def pool(self) -> str:
        for key in POOL_LABELS:
            if self.labels.get(key):
                return self.labels[key]
        return ""

    def condition(self, type_: str) -> Condition | None:
        for c in self.conditions:
            if c.type == type_:
                return c
        return None

    @property
    def ready(self) -> Literal["True", "False", "Unknown"]:
        """The Ready condition's status; a node without one has never reported, which is "Unknown"."""
        c = self.condition("Ready")
        if c is None or c.status not in ("True", "False"):
            return "Unknown"
        return "True" if c.status == "True" else "False"

    @property
    def problems(self) -> tuple[Condition, ...]:
        """Conditions that are True and bad: pressure, network unavailable, and node-problem-detector's."""
        return tuple(c for c in self.conditions if c.type != "Ready" and c.is_true)

    @property
    def status_text(self) -> str:
        """Ready / NotReady (the kubelet says so) / Unknown (the kubelet went silent; kubectl prints NotReady for
        both), plus SchedulingDisabled when cordoned."""
        text = {"True": "Ready", "False": "NotReady", "Unknown": "Unknown"}[self.ready]
        return f"{text},SchedulingDisabled" if self.unschedulable else text

    @property
    def version(self) -> str:
        return self.node_info.kubelet_version

    @property
    def bot_cordon(self) -> BotCordon | None:
        """The bot's own cordon, when the node is cordoned and carries the bot's annotations (both readable)."""
        request, at = self.annotations.get(CORDON_REQUEST), self.annotations.get(CORDONED_AT)
        if not self.unschedulable or not request or not at:
            return None
        try:
            when = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError:
            return None
        return BotCordon(request, when if when.tzinfo else when.replace(tzinfo=UTC))


@dataclass(frozen=True, slots=True)
class Lease:
    """The node's heartbeat lease in `kube-node-lease`: a stale renew time means the kubelet stopped talking."""

    node: str
    holder: str
    renew_time: datetime | None
    duration_seconds: int | None


# -- pods -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EnvVar:
    """An environment variable. `value` is set only for literal values; a variable read from a Secret, a
    ConfigMap or a field keeps only its source (`source` like "secret:db-creds/password"), never its value."""

    name: str
    value: str | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class Container:
    name: str
    image: str = ""
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    env: tuple[EnvVar, ...] = ()
    requests: Resources = Resources()
    limits: Resources = Resources()
    ports: tuple[int, ...] = ()
    has_liveness_probe: bool = False
    has_readiness_probe: bool = False


@dataclass(frozen=True, slots=True)
class ContainerState:
    """One of waiting / running / terminated (`kind`), with what the kubelet said about it."""

    kind: Literal["waiting", "running", "terminated", "unknown"]
    reason: str = ""
    message: str = ""
    exit_code: int | None = None
    signal: int | None = None
    started: datetime | None = None
    finished: datetime | None = None

    def __str__(self) -> str:
        if self.kind == "terminated":
            code = f" (exit {self.exit_code})" if self.exit_code is not None else ""
            return f"Terminated: {self.reason or 'Completed'}{code}"
        if self.kind == "waiting":
            return f"Waiting: {self.reason}" if self.reason else "Waiting"
        return self.kind.capitalize()


@dataclass(frozen=True, slots=True)
class ContainerStatus:
    name: str
    ready: bool = False
    restart_count: int = 0
    state: ContainerState = ContainerState("unknown")
    last_state: ContainerState | None = None
    image: str = ""
    image_id: str = ""
    container_id: str = ""
    started: bool | None = None


@dataclass(frozen=True, slots=True)
class Pod:
    namespace: str
    name: str
    uid: str = ""
    node: str = ""
    phase: str = "Unknown"
    reason: str = ""
    message: str = ""
    qos: str = ""
    owner: OwnerRef | None = None
    labels: dict[str, str] = field(default_factory=dict)
    containers: tuple[Container, ...] = ()
    init_containers: tuple[Container, ...] = ()
    container_statuses: tuple[ContainerStatus, ...] = ()
    init_container_statuses: tuple[ContainerStatus, ...] = ()
    conditions: tuple[Condition, ...] = ()
    start_time: datetime | None = None
    created: datetime | None = None
    deletion_timestamp: datetime | None = None
    priority_class: str = ""
    priority: int | None = None
    service_account: str = ""
    tolerations: tuple[Toleration, ...] = ()
    node_selector: dict[str, str] = field(default_factory=dict)
    pod_ip: str = ""
    # requiredDuringSchedulingIgnoredDuringExecution's terms, any one of which must hold; () when the pod has none
    node_affinity: tuple[NodeTerm, ...] = ()

    @property
    def workload(self) -> OwnerRef | None:
        """The workload that runs this pod: its controller, except that a ReplicaSet's pod belongs to the
        Deployment behind it (the ReplicaSet's name minus the pod-template-hash)."""
        owner = self.owner
        if owner is None or owner.kind != "ReplicaSet":
            return owner
        template_hash = self.labels.get("pod-template-hash")
        if template_hash and owner.name.endswith("-" + template_hash):
            return OwnerRef("Deployment", owner.name[: -len(template_hash) - 1], True)
        if "-" in owner.name:
            return OwnerRef("Deployment", owner.name.rsplit("-", 1)[0], True)
        return owner

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def may_run_on(self, node: Node) -> bool:
        """Whether the pod's nodeSelector and required node affinity let it run on `node` (taints aside)."""
        if any(node.labels.get(k) != v for k, v in self.node_selector.items()):
            return False
        return not self.node_affinity or any(term.matches(node) for term in self.node_affinity)

    @property
    def placed(self) -> bool:
        """Whether the pod says where it may run at all (a nodeSelector or required node affinity)."""
        return bool(self.node_selector or self.node_affinity)

    @property
    def restarts(self) -> int:
        return sum(s.restart_count for s in self.container_statuses)

    @property
    def ready_count(self) -> tuple[int, int]:
        """(ready containers, containers), as the READY column."""
        return sum(1 for s in self.container_statuses if s.ready), len(self.containers)

    @property
    def is_ready(self) -> bool:
        c = self.condition("Ready")
        return c is not None and c.is_true

    def condition(self, type_: str) -> Condition | None:
        for c in self.conditions:
            if c.type == type_:
                return c
        return None

    def status(self, name: str) -> ContainerStatus | None:
        for s in (*self.container_statuses, *self.init_container_statuses):
            if s.name == name:
                return s
        return None

    @property
    def finished(self) -> bool:
        """Succeeded or Failed: its containers are gone, and the scheduler no longer counts its requests."""
        return self.phase in ("Succeeded", "Failed")

    @property
    def status_text(self) -> str:
        """What `kubectl get pods` shows in STATUS: a waiting/terminated reason beats the phase."""
        if self.deletion_timestamp is not None and not self.finished:
            return "Terminating"
        if self.reason:
            return self.reason
        for s in self.init_container_statuses:
            if s.state.kind == "terminated" and s.state.exit_code not in (0, None):
                return f"Init:{s.state.reason or 'Error'}"
            if s.state.kind == "waiting" and s.state.reason and s.state.reason != "PodInitializing":
                return f"Init:{s.state.reason}"
        text = self.phase
        for s in self.container_statuses:
            # A waiting reason (CrashLoopBackOff) says more than a terminated one (Error), which says more than
            # the phase.
            waiting = s.state.kind == "waiting"
            if s.state.reason and (waiting or (s.state.kind == "terminated" and text == self.phase)):
                text = s.state.reason
        return text

    @property
    def shown_status(self) -> str:
        """`status_text`, saying when a Running pod is not Ready: kubectl prints plain Running for a pod whose
        readiness probe fails or whose node stopped reporting (the node controller marks its pods not Ready)."""
        text = self.status_text
        if text == "Running" and self.condition("Ready") is not None and not self.is_ready:
            return "Running (not ready)"
        return text

    @property
    def last_termination(self) -> ContainerState | None:
        """The most recent termination among containers' last states (why it last restarted)."""
        found = [s.last_state for s in self.container_statuses
                 if s.last_state is not None and s.last_state.kind == "terminated"]
        if not found:
            return None
        return max(found, key=lambda st: st.finished or _EPOCH)

    @property
    def requests(self) -> Resources:
        """The pod's effective request as the scheduler counts it: sum of containers, at least any init one."""
        return _effective(self.containers, self.init_containers, "requests")

    @property
    def limits(self) -> Resources:
        return _effective(self.containers, self.init_containers, "limits")


def _effective(containers: tuple[Container, ...], init: tuple[Container, ...],
               which: Literal["requests", "limits"]) -> Resources:
    def total(attr: str) -> int | None:
        values: list[int | None] = [getattr(getattr(c, which), attr) for c in containers]
        main = sum(v for v in values if v is not None) if any(v is not None for v in values) else None
        inits: list[int | None] = [getattr(getattr(c, which), attr) for c in init]
        peak = max((v for v in inits if v is not None), default=None)
        if main is None:
            return peak
        return max(main, peak) if peak is not None else main

    return Resources(cpu_m=total("cpu_m"), memory=total("memory"), ephemeral_storage=total("ephemeral_storage"),
                     gpu=total("gpu"))


# -- events ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObjectRef:
    kind: str
    name: str
    namespace: str = ""
    uid: str = ""

    def __str__(self) -> str:
        return f"{self.kind.lower()}/{self.name}" if self.kind else self.name


@dataclass(frozen=True, slots=True)
class Event:
    namespace: str
    name: str
    type: str
    reason: str
    message: str
    involved: ObjectRef
    count: int = 1
    first_time: datetime | None = None
    last_time: datetime | None = None
    source: str = ""

    @property
    def when(self) -> datetime | None:
        return self.last_time or self.first_time


# -- workloads ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Requirement:
    """One `matchExpressions` entry of a label selector: `key` `operator` (In, NotIn, Exists, DoesNotExist; a node
    selector term's also Gt and Lt)."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        if self.operator == "In":
            return self.key in labels and labels[self.key] in self.values
        if self.operator == "NotIn":
            return self.key not in labels or labels[self.key] not in self.values
        if self.operator == "Exists":
            return self.key in labels
        if self.operator == "DoesNotExist":
            return self.key not in labels
        if self.operator in ("Gt", "Lt"):
            # Node affinity only: one integer on each side, as the API validates; a label that is not one matches
            # neither way.
            try:
                have, bound = int(labels.get(self.key, "")), int(self.values[0])
            except (ValueError, IndexError):
                return False
            return have > bound if self.operator == "Gt" else have < bound
        return False  # an operator the API would have refused


def selector_matches(
    match_labels: dict[str, str], expressions: tuple[Requirement, ...], labels: dict[str, str]
) -> bool:
    """A label selector (matchLabels and matchExpressions, ANDed) against a pod's labels."""
    return all(labels.get(k) == v for k, v in match_labels.items()) and all(r.matches(labels) for r in expressions)


@dataclass(frozen=True, slots=True)
class NodeTerm:
    """One of a pod's required nodeSelectorTerms: every requirement on the node's labels (`expressions`) and on its
    fields (`fields`: `metadata.name`, the only one the scheduler supports, as the DaemonSet controller writes it)
    holds. A term without requirements matches no node (the API's rule)."""

    expressions: tuple[Requirement, ...] = ()
    fields: tuple[Requirement, ...] = ()

    def matches(self, node: Node) -> bool:
        if not (self.expressions or self.fields):
            return False
        named = {"metadata.name": node.name}
        return all(r.matches(node.labels) for r in self.expressions) and all(r.matches(named) for r in self.fields)


@dataclass(frozen=True, slots=True)
class Deployment:
    namespace: str
    name: str
    uid: str = ""
    replicas: int = 0
    ready: int = 0
    updated: int = 0
    available: int = 0
    unavailable: int = 0
    conditions: tuple[Condition, ...] = ()
    selector: dict[str, str] = field(default_factory=dict)
    selector_text: str = ""
    selector_expressions: tuple[Requirement, ...] = ()
    strategy: str = "RollingUpdate"
    max_unavailable: str = ""
    max_surge: str = ""
    generation: int = 0
    observed_generation: int = 0
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    created: datetime | None = None
    paused: bool = False

    def condition(self, type_: str) -> Condition | None:
        for c in self.conditions:
            if c.type == type_:
                return c
        return None

    def selects(self, labels: dict[str, str]) -> bool:
        """Whether a pod with `labels` is one of this deployment's (an empty selector, which the API refuses for a
        Deployment, selects nothing)."""
        if not self.selector and not self.selector_expressions:
            return False
        return selector_matches(self.selector, self.selector_expressions, labels)

    @property
    def rolled_out(self) -> bool:
        """The controller has seen the latest spec and every replica is updated and available."""
        return (self.observed_generation >= self.generation and self.updated >= self.replicas
                and self.available >= self.replicas and self.ready >= self.replicas)


@dataclass(frozen=True, slots=True)
class PodDisruptionBudget:
    namespace: str
    name: str
    min_available: str | None = None
    max_unavailable: str | None = None
    selector: dict[str, str] = field(default_factory=dict)
    selector_text: str = ""
    selector_expressions: tuple[Requirement, ...] = ()
    disruptions_allowed: int = 0
    current_healthy: int = 0
    desired_healthy: int = 0
    expected_pods: int = 0

    def selects(self, labels: dict[str, str]) -> bool:
        """Whether the budget guards a pod (of its namespace) with `labels`: in policy/v1 an empty selector
        selects every pod of the namespace."""
        return selector_matches(self.selector, self.selector_expressions, labels)

    def allowed_with_fewer(self, fewer: int) -> int:
        """The disruptions the budget would allow once `fewer` of the pods it guards are gone (a scale-down: the
        ReplicaSet removes not-ready pods first), by the disruption controller's arithmetic: percentages of the
        expected pods rounded up, for minAvailable and maxUnavailable alike."""
        expected = max(self.expected_pods - fewer, 0)
        healthy = min(self.current_healthy, expected)
        if self.min_available is not None:
            desired = _scaled(self.min_available, expected)
        elif self.max_unavailable is not None:
            desired = max(expected - _scaled(self.max_unavailable, expected), 0)
        else:
            desired = 0
        return max(healthy - desired, 0)

    @property
    def rule(self) -> str:
        if self.min_available is not None:
            return f"minAvailable {self.min_available}"
        if self.max_unavailable is not None:
            return f"maxUnavailable {self.max_unavailable}"
        return "no rule"


def _scaled(value: str, total: int) -> int:
    """An int-or-percent field of a budget against `total` pods, a percentage rounded up (as the controller does);
    a value it cannot read counts as nothing."""
    try:
        if value.endswith("%"):
            return -(-int(value[:-1]) * total // 100)
        return int(value)
    except ValueError:
        return 0


# -- metrics --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NodeUsage:
    name: str
    cpu_m: int
    memory: int
    timestamp: datetime | None = None


@dataclass(frozen=True, slots=True)
class ContainerUsage:
    name: str
    cpu_m: int
    memory: int


@dataclass(frozen=True, slots=True)
class PodUsage:
    namespace: str
    name: str
    containers: tuple[ContainerUsage, ...] = ()
    timestamp: datetime | None = None

    @property
    def cpu_m(self) -> int:
        return sum(c.cpu_m for c in self.containers)

    @property
    def memory(self) -> int:
        return sum(c.memory for c in self.containers)


@dataclass(frozen=True, slots=True)
class ServerVersion:
    major: str
    minor: str
    git_version: str
    platform: str = ""
