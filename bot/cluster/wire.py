"""The Kubernetes API's JSON as it arrives, decoded straight into the bot's slim models (`bot.cluster.model`).

msgspec decodes a list page or a watch event into Structs that declare only the fields the models read, so
the rest of an object (managedFields, volumes, images, probes' details…) is skipped without ever being built;
the converters below turn those Structs into the frozen models. This is the one place that knows the API's
field names: `bot.cluster.kube` (live reads) and `bot.cluster.cache` (the watch cache) both decode here.

Sub-objects that repeat across a big cluster (a deployment's container specs, its pods' labels and
tolerations, a pool's node capacity) are converted once and shared, keyed by their exact JSON bytes: the
50,000 pods of 3,000 deployments hold about 3,000 container tuples, not 50,000, which is both the time and
most of the memory of a cached cluster. Shared values are never mutated (the models are frozen; their dicts
are read-only by convention). Decoding is lax (`strict=False`): a number sent as a string still decodes, as
the client's own models would accept it. Nothing here does I/O.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import msgspec
from msgspec import Raw, Struct, field

from bot.cluster.model import (
    Condition,
    Container,
    ContainerState,
    ContainerStatus,
    Deployment,
    EnvVar,
    Event,
    Lease,
    Node,
    NodeInfo,
    NodeTerm,
    ObjectRef,
    OwnerRef,
    Pod,
    PodDisruptionBudget,
    Requirement,
    Resources,
    Taint,
    Toleration,
    parse_cpu,
    parse_memory,
)

M = TypeVar("M")
W = TypeVar("W")
Quantity = str | int | float

# -- building frozen models fast ------------------------------------------------------------------------------


def fast_constructor(cls: type[M]) -> Callable[..., M]:
    """A keyword-only constructor for a frozen, slotted dataclass that sets its slots directly.

    A frozen dataclass's `__init__` assigns every field through `object.__setattr__` to get past its own
    guard, which makes it about four times slower than setting the slots; 50,000 pods carry about a million
    such objects. The result is the same object `cls(...)` builds (same fields, defaults and default
    factories; the models have no `__post_init__`), which a test checks for every model built here."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls, "_MISSING": dataclasses.MISSING}
    params, body = [], []
    for f in fields:
        namespace[f"_set_{f.name}"] = getattr(cls, f.name).__set__
        if f.default is not dataclasses.MISSING:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            namespace[f"_factory_{f.name}"] = f.default_factory
            params.append(f"{f.name}=_MISSING")
            body.append(f"    if {f.name} is _MISSING: {f.name} = _factory_{f.name}()")
        else:
            params.append(f.name)
        body.append(f"    _set_{f.name}(obj, {f.name})")
    source = (f"def make(*, {', '.join(params)}):\n    obj = _new(_cls)\n"
              + "\n".join(b for b in body if b.startswith("    if")) + "\n"
              + "\n".join(b for b in body if not b.startswith("    if")) + "\n    return obj\n")
    exec(source, namespace)
    make: Callable[..., M] = namespace["make"]
    return make


_Condition = fast_constructor(Condition)
_ContainerState = fast_constructor(ContainerState)
_ContainerStatus = fast_constructor(ContainerStatus)
_OwnerRef = fast_constructor(OwnerRef)
_Pod = fast_constructor(Pod)
_Node = fast_constructor(Node)
_Event = fast_constructor(Event)
_ObjectRef = fast_constructor(ObjectRef)
_Lease = fast_constructor(Lease)


# -- shared conversions ----------------------------------------------------------------------------------------


class _Shared:
    """A bounded map from a sub-object's JSON bytes (or a small key) to its converted, shared value.

    Cleared when full rather than evicting one by one: a cluster whose values never repeat (unique labels on
    every pod) costs one clear per `limit` objects instead of a growing table."""

    __slots__ = ("limit", "table")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.table: dict[Any, Any] = {}

    def get(self, key: Any, make: Callable[[], M]) -> M:
        found = self.table.get(key)
        if found is None:
            if len(self.table) >= self.limit:
                self.table.clear()
            found = self.table[key] = make()
        return found


_TIMES = _Shared(200_000)
_RESOURCES = _Shared(20_000)
_CONTAINERS = _Shared(50_000)
_LABELS = _Shared(100_000)
_TOLERATIONS = _Shared(10_000)
_AFFINITY_TERMS = _Shared(10_000)
_EMPTY: dict[str, str] = {}
# An absent field decodes to an empty Raw; `null` to b"null": both mean "not set".
NO_RAW = Raw()
_UNSET = (b"", b"null", b"{}", b"[]")
_intern = sys.intern


def _parse_time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def time(value: str | None) -> datetime | None:
    """An RFC 3339 timestamp as an aware datetime (naive ones are UTC); None when absent or not a time.
    Equal timestamps share one datetime (a cluster's objects are stamped in bursts)."""
    if not value:
        return None
    found = _TIMES.table.get(value)
    if found is not None:
        return found  # type: ignore[no-any-return]
    parsed = _parse_time(value)
    if parsed is not None:
        if len(_TIMES.table) >= _TIMES.limit:
            _TIMES.table.clear()
        _TIMES.table[value] = parsed
    return parsed


def quantity(parse: Callable[[str], int], value: Quantity | None) -> int | None:
    if value is None:
        return None
    try:
        return parse(value)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return None


def resources_from(raw: dict[str, Quantity] | None) -> Resources:
    if not raw:
        return _NO_RESOURCES
    return Resources(
        cpu_m=quantity(parse_cpu, raw.get("cpu")),
        memory=quantity(parse_memory, raw.get("memory")),
        pods=quantity(parse_memory, raw.get("pods")),
        ephemeral_storage=quantity(parse_memory, raw.get("ephemeral-storage")),
        gpu=quantity(parse_memory, raw.get("nvidia.com/gpu")),
    )


_NO_RESOURCES = Resources()
_RESOURCE_MAP = msgspec.json.Decoder(dict[str, Quantity] | None, strict=False)


def _shared_resources(raw: Raw) -> Resources:
    key = bytes(raw)
    if key in _UNSET:
        return _NO_RESOURCES
    return _RESOURCES.get(key, lambda: resources_from(_RESOURCE_MAP.decode(key)))


_LABEL_MAP = msgspec.json.Decoder(dict[str, str | int | float | bool | None] | None, strict=False)


def labels_from(raw: dict[str, Any] | None) -> dict[str, str]:
    return {str(k): "" if v is None else str(v) for k, v in raw.items()} if raw else _EMPTY


def _shared_labels(raw: Raw) -> dict[str, str]:
    """Labels (or a node selector, or annotations): equal maps share one dict."""
    key = bytes(raw)
    if key in _UNSET:
        return _EMPTY
    return _LABELS.get(key, lambda: labels_from(_LABEL_MAP.decode(key)))


# -- common wire shapes --------------------------------------------------------------------------------------


class _Wire(Struct, rename="camel", gc=False):
    """Base of the wire shapes: camelCase names on the wire, snake_case here, not tracked by the GC (no cycles)."""


class ObjectMeta(_Wire):
    name: str = ""
    namespace: str = ""
    uid: str = ""
    resource_version: str = ""
    generation: int | None = None
    labels: Raw = NO_RAW
    annotations: Raw = NO_RAW
    owner_references: list[OwnerWire] | None = None
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None


class OwnerWire(_Wire):
    kind: str = ""
    name: str = ""
    controller: bool | None = None


class ConditionWire(_Wire):
    type: str = ""
    status: str | None = None
    reason: str | None = None
    message: str | None = None
    last_heartbeat_time: str | None = None
    last_probe_time: str | None = None
    last_transition_time: str | None = None
    last_update_time: str | None = None


def conditions_from(raw: list[ConditionWire] | None) -> tuple[Condition, ...]:
    if not raw:
        return ()
    return tuple(
        _Condition(
            type=_intern(c.type or ""), status=_intern(c.status or "Unknown"), reason=c.reason or "",
            message=c.message or "", last_heartbeat=time(c.last_heartbeat_time or c.last_probe_time),
            last_transition=time(c.last_transition_time), last_update=time(c.last_update_time),
        )
        for c in raw
    )


class ListMeta(_Wire):
    resource_version: str = ""
    continue_: str | None = field(default=None, name="continue")


class ListOf(_Wire, Generic[W]):
    """One page of a list: `items` of the kind's wire shape."""

    metadata: ListMeta = field(default_factory=ListMeta)
    items: list[W] | None = None


class WatchEvent(_Wire):
    """One line of a watch stream; `object` is decoded by `type` (an object, a bookmark, or a Status)."""

    type: str = ""
    object: Raw = NO_RAW


class Status(_Wire):
    """A failure the API server reports (an ERROR watch event: 410 Expired when history was compacted)."""

    code: int = 0
    reason: str = ""
    message: str = ""


class Bookmark(_Wire):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)


# -- nodes ---------------------------------------------------------------------------------------------------


class TaintWire(_Wire):
    key: str = ""
    value: str | None = None
    effect: str = ""
    time_added: str | None = None


class NodeSpecWire(_Wire):
    taints: list[TaintWire] | None = None
    unschedulable: bool | None = None
    provider_id: str = field(default="", name="providerID")


class NodeInfoWire(_Wire):
    kubelet_version: str = ""
    os_image: str = ""
    kernel_version: str = ""
    container_runtime_version: str = ""
    architecture: str = ""
    operating_system: str = ""


class AddressWire(_Wire):
    type: str = ""
    address: str = ""


class NodeStatusWire(_Wire):
    capacity: Raw = NO_RAW
    allocatable: Raw = NO_RAW
    conditions: list[ConditionWire] | None = None
    node_info: NodeInfoWire | None = None
    addresses: list[AddressWire] | None = None


class NodeWire(_Wire):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: NodeSpecWire = field(default_factory=NodeSpecWire)
    status: NodeStatusWire = field(default_factory=NodeStatusWire)


_NO_NODE_INFO = NodeInfoWire()


def node_from_wire(w: NodeWire) -> Node:
    meta, spec, status = w.metadata, w.spec, w.status
    info = status.node_info or _NO_NODE_INFO
    internal = next((a.address for a in status.addresses or () if a.type == "InternalIP"), "")
    return _Node(
        name=meta.name, uid=meta.uid,
        labels=_shared_labels(meta.labels), annotations=_shared_labels(meta.annotations),
        taints=tuple(Taint(key=t.key, effect=t.effect, value=t.value or "", time_added=time(t.time_added))
                     for t in spec.taints or ()),
        unschedulable=bool(spec.unschedulable),
        conditions=conditions_from(status.conditions),
        capacity=_shared_resources(status.capacity), allocatable=_shared_resources(status.allocatable),
        node_info=NodeInfo(
            kubelet_version=_intern(info.kubelet_version), os_image=_intern(info.os_image),
            kernel_version=_intern(info.kernel_version), container_runtime=_intern(info.container_runtime_version),
            architecture=_intern(info.architecture), operating_system=_intern(info.operating_system),
        ),
        provider_id=spec.provider_id, created=time(meta.creation_timestamp),
        deleting=time(meta.deletion_timestamp), internal_ip=internal,
    )


# -- pods ----------------------------------------------------------------------------------------------------


class KeyRefWire(_Wire):
    name: str = ""
    key: str = ""


class FieldRefWire(_Wire):
    field_path: str = ""


class ResourceRefWire(_Wire):
    resource: str = ""


class EnvSourceWire(_Wire):
    secret_key_ref: KeyRefWire | None = None
    config_map_key_ref: KeyRefWire | None = None
    field_ref: FieldRefWire | None = None
    resource_field_ref: ResourceRefWire | None = None


class EnvWire(_Wire):
    name: str = ""
    value: str | None = None
    value_from: EnvSourceWire | None = None


class ResourcesWire(_Wire):
    requests: dict[str, Quantity] | None = None
    limits: dict[str, Quantity] | None = None


class PortWire(_Wire):
    container_port: int | None = None


class ContainerWire(_Wire):
    name: str = ""
    image: str = ""
    command: list[str] | None = None
    args: list[str] | None = None
    env: list[EnvWire] | None = None
    resources: ResourcesWire | None = None
    ports: list[PortWire] | None = None
    liveness_probe: Raw = NO_RAW
    readiness_probe: Raw = NO_RAW


def _env(raw: list[EnvWire] | None) -> tuple[EnvVar, ...]:
    out: list[EnvVar] = []
    for e in raw or ():
        source = e.value_from
        if source is None:
            out.append(EnvVar(name=e.name, value=e.value or ""))
        # Only where the value comes from, never the value itself (a Secret is never resolved).
        elif (ref := source.secret_key_ref) is not None:
            out.append(EnvVar(name=e.name, source=f"secret:{ref.name}/{ref.key}"))
        elif (ref := source.config_map_key_ref) is not None:
            out.append(EnvVar(name=e.name, source=f"configmap:{ref.name}/{ref.key}"))
        elif source.field_ref is not None:
            out.append(EnvVar(name=e.name, source=f"field:{source.field_ref.field_path}"))
        elif source.resource_field_ref is not None:
            out.append(EnvVar(name=e.name, source=f"resource:{source.resource_field_ref.resource}"))
        else:
            out.append(EnvVar(name=e.name, source="other"))
    return tuple(out)


def _probe(raw: Raw) -> bool:
    return bytes(raw) not in _UNSET


def container_from_wire(c: ContainerWire) -> Container:
    resources = c.resources or ResourcesWire()
    return Container(
        name=c.name, image=c.image, command=tuple(c.command or ()), args=tuple(c.args or ()), env=_env(c.env),
        requests=resources_from(resources.requests), limits=resources_from(resources.limits),
        ports=tuple(int(p.container_port) for p in c.ports or () if p.container_port),
        has_liveness_probe=_probe(c.liveness_probe), has_readiness_probe=_probe(c.readiness_probe),
    )


_CONTAINER_LIST = msgspec.json.Decoder(list[ContainerWire] | None, strict=False)


def _shared_containers(raw: Raw) -> tuple[Container, ...]:
    """A pod's container specs; the replicas of one template share one tuple."""
    key = bytes(raw)
    if key in _UNSET:
        return ()
    return _CONTAINERS.get(key, lambda: tuple(container_from_wire(c) for c in _CONTAINER_LIST.decode(key) or ()))


class TolerationWire(_Wire):
    key: str | None = None
    operator: str | None = None
    value: str | None = None
    effect: str | None = None
    toleration_seconds: int | None = None


_TOLERATION_LIST = msgspec.json.Decoder(list[TolerationWire] | None, strict=False)


def _shared_tolerations(raw: Raw) -> tuple[Toleration, ...]:
    key = bytes(raw)
    if key in _UNSET:
        return ()
    return _TOLERATIONS.get(key, lambda: tuple(
        Toleration(t.key or "", t.operator or "Equal", t.value or "", t.effect or "", t.toleration_seconds)
        for t in _TOLERATION_LIST.decode(key) or ()))


class ExpressionWire(_Wire):
    key: str = ""
    operator: str = ""
    values: list[str] | None = None


class NodeTermWire(_Wire):
    match_expressions: list[ExpressionWire] | None = None
    match_fields: list[ExpressionWire] | None = None


class RequiredNodeWire(_Wire):
    node_selector_terms: list[NodeTermWire] | None = None


class NodeAffinityWire(_Wire):
    required_during_scheduling_ignored_during_execution: RequiredNodeWire | None = None


class AffinityWire(_Wire):
    node_affinity: NodeAffinityWire | None = None  # pod (anti-)affinity is not read: it depends on other pods


_AFFINITY = msgspec.json.Decoder(AffinityWire | None, strict=False)


def _requirements(raw: list[ExpressionWire] | None) -> tuple[Requirement, ...]:
    return tuple(Requirement(e.key, e.operator, tuple(e.values or ())) for e in raw or ())


def _shared_node_affinity(raw: Raw) -> tuple[NodeTerm, ...]:
    """A pod's required node affinity terms; the replicas of one template share one tuple."""
    key = bytes(raw)
    if key in _UNSET:
        return ()

    def terms() -> tuple[NodeTerm, ...]:
        affinity = _AFFINITY.decode(key)
        node = affinity.node_affinity if affinity is not None else None
        required = node.required_during_scheduling_ignored_during_execution if node is not None else None
        return tuple(
            NodeTerm(_requirements(t.match_expressions), _requirements(t.match_fields))
            for t in (required.node_selector_terms or () if required is not None else ())
        )

    return _AFFINITY_TERMS.get(key, terms)


class PodSpecWire(_Wire):
    node_name: str = ""
    containers: Raw = NO_RAW
    init_containers: Raw = NO_RAW
    priority_class_name: str = ""
    priority: int | None = None
    service_account_name: str = ""
    tolerations: Raw = NO_RAW
    node_selector: Raw = NO_RAW
    affinity: Raw = NO_RAW


class StateDetailWire(_Wire):
    reason: str | None = None
    message: str | None = None
    exit_code: int | None = None
    signal: int | None = None
    started_at: str | None = None
    finished_at: str | None = None


class StateWire(_Wire):
    waiting: StateDetailWire | None = None
    running: StateDetailWire | None = None
    terminated: StateDetailWire | None = None


_UNKNOWN_STATE = ContainerState("unknown")


def _state(raw: StateWire | None) -> ContainerState | None:
    if raw is None:
        return None
    if (s := raw.terminated) is not None:
        return _ContainerState(kind="terminated", reason=_intern(s.reason or ""), message=s.message or "",
                              exit_code=s.exit_code, signal=s.signal, started=time(s.started_at),
                              finished=time(s.finished_at))
    if (s := raw.waiting) is not None:
        return _ContainerState(kind="waiting", reason=_intern(s.reason or ""), message=s.message or "")
    if (s := raw.running) is not None:
        return _ContainerState(kind="running", started=time(s.started_at))
    return None


class ContainerStatusWire(_Wire):
    name: str = ""
    ready: bool | None = None
    restart_count: int | None = None
    state: StateWire | None = None
    last_state: StateWire | None = None
    image: str = ""
    image_id: str = field(default="", name="imageID")
    container_id: str = field(default="", name="containerID")
    started: bool | None = None


def _statuses(raw: list[ContainerStatusWire] | None) -> tuple[ContainerStatus, ...]:
    if not raw:
        return ()
    return tuple(
        _ContainerStatus(
            name=s.name, ready=bool(s.ready), restart_count=s.restart_count or 0,
            state=_state(s.state) or _UNKNOWN_STATE, last_state=_state(s.last_state),
            image=s.image, image_id=s.image_id, container_id=s.container_id, started=s.started,
        )
        for s in raw
    )


class PodStatusWire(_Wire):
    phase: str | None = None
    reason: str | None = None
    message: str | None = None
    qos_class: str | None = None
    pod_ip: str = field(default="", name="podIP")
    start_time: str | None = None
    conditions: list[ConditionWire] | None = None
    container_statuses: list[ContainerStatusWire] | None = None
    init_container_statuses: list[ContainerStatusWire] | None = None


class PodWire(_Wire):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: PodSpecWire = field(default_factory=PodSpecWire)
    status: PodStatusWire = field(default_factory=PodStatusWire)


def _owner(refs: list[OwnerWire] | None) -> OwnerRef | None:
    if not refs:
        return None
    owner = next((o for o in refs if o.controller), refs[0])
    return _OwnerRef(kind=_intern(owner.kind), name=owner.name, controller=bool(owner.controller))


def pod_from_wire(w: PodWire) -> Pod:
    meta, spec, status = w.metadata, w.spec, w.status
    return _Pod(
        namespace=_intern(meta.namespace), name=meta.name, uid=meta.uid,
        node=_intern(spec.node_name), phase=_intern(status.phase or "Unknown"),
        reason=_intern(status.reason or ""), message=status.message or "", qos=_intern(status.qos_class or ""),
        owner=_owner(meta.owner_references),
        labels=_shared_labels(meta.labels),
        containers=_shared_containers(spec.containers),
        init_containers=_shared_containers(spec.init_containers),
        container_statuses=_statuses(status.container_statuses),
        init_container_statuses=_statuses(status.init_container_statuses),
        conditions=conditions_from(status.conditions), start_time=time(status.start_time),
        created=time(meta.creation_timestamp), deletion_timestamp=time(meta.deletion_timestamp),
        priority_class=_intern(spec.priority_class_name), priority=spec.priority,
        service_account=_intern(spec.service_account_name), tolerations=_shared_tolerations(spec.tolerations),
        node_selector=_shared_labels(spec.node_selector), pod_ip=status.pod_ip,
        node_affinity=_shared_node_affinity(spec.affinity),
    )


# -- events --------------------------------------------------------------------------------------------------


class InvolvedWire(_Wire):
    kind: str = ""
    name: str = ""
    namespace: str = ""
    uid: str = ""


class SourceWire(_Wire):
    component: str = ""


class SeriesWire(_Wire):
    count: int | None = None
    last_observed_time: str | None = None


class EventWire(_Wire):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    involved_object: InvolvedWire | None = None
    regarding: InvolvedWire | None = None
    source: SourceWire | None = None
    reporting_component: str = ""
    series: SeriesWire | None = None
    type: str = ""
    reason: str = ""
    message: str | None = None
    note: str | None = None
    count: int | None = None
    first_timestamp: str | None = None
    last_timestamp: str | None = None
    event_time: str | None = None


_NO_INVOLVED = InvolvedWire()
_NO_SERIES = SeriesWire()


def event_from_wire(w: EventWire) -> Event:
    meta = w.metadata
    involved = w.involved_object or w.regarding or _NO_INVOLVED
    source = (w.source.component if w.source else "") or w.reporting_component
    series = w.series or _NO_SERIES
    created = time(meta.creation_timestamp)
    last = time(w.last_timestamp) or time(series.last_observed_time) or time(w.event_time)
    return _Event(
        namespace=_intern(meta.namespace), name=meta.name, type=_intern(w.type), reason=_intern(w.reason),
        message=(w.message or w.note or "").strip(),
        involved=_ObjectRef(kind=_intern(involved.kind), name=involved.name, namespace=_intern(involved.namespace),
                           uid=involved.uid),
        count=w.count or series.count or 1,
        first_time=time(w.first_timestamp) or time(w.event_time) or created,
        last_time=last or created, source=_intern(source),
    )


# -- workloads -----------------------------------------------------------------------------------------------


class SelectorWire(_Wire):
    match_labels: dict[str, str] | None = None
    match_expressions: list[ExpressionWire] | None = None


def selector_from(raw: SelectorWire | None) -> tuple[dict[str, str], str, tuple[Requirement, ...]]:
    """(matchLabels, the whole selector as text, matchExpressions)."""
    if raw is None:
        return {}, "", ()
    labels = labels_from(raw.match_labels)
    parts = [f"{k}={v}" for k, v in sorted(labels.items())]
    requirements: list[Requirement] = []
    for expr in raw.match_expressions or ():
        key, op, values = expr.key, expr.operator, expr.values or []
        requirements.append(Requirement(key, op, tuple(values)))
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return dict(labels), ",".join(parts), tuple(requirements)


class RollingWire(_Wire):
    max_unavailable: str | int | None = None
    max_surge: str | int | None = None


class StrategyWire(_Wire):
    type: str | None = None
    rolling_update: RollingWire | None = None


class DeploymentSpecWire(_Wire):
    replicas: int | None = None
    selector: SelectorWire | None = None
    strategy: StrategyWire | None = None
    paused: bool | None = None


class DeploymentStatusWire(_Wire):
    ready_replicas: int | None = None
    updated_replicas: int | None = None
    available_replicas: int | None = None
    unavailable_replicas: int | None = None
    observed_generation: int | None = None
    conditions: list[ConditionWire] | None = None


class DeploymentWire(_Wire):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: DeploymentSpecWire = field(default_factory=DeploymentSpecWire)
    status: DeploymentStatusWire = field(default_factory=DeploymentStatusWire)


def deployment_from_wire(w: DeploymentWire) -> Deployment:
    meta, spec, status = w.metadata, w.spec, w.status
    strategy = spec.strategy or StrategyWire()
    rolling = strategy.rolling_update or RollingWire()
    labels, text, expressions = selector_from(spec.selector)
    return Deployment(
        namespace=_intern(meta.namespace), name=meta.name, uid=meta.uid,
        replicas=1 if spec.replicas is None else spec.replicas,
        ready=status.ready_replicas or 0, updated=status.updated_replicas or 0,
        available=status.available_replicas or 0, unavailable=status.unavailable_replicas or 0,
        conditions=conditions_from(status.conditions), selector=labels, selector_text=text,
        selector_expressions=expressions,
        strategy=strategy.type or "RollingUpdate",
        max_unavailable=str(rolling.max_unavailable or ""), max_surge=str(rolling.max_surge or ""),
        generation=meta.generation or 0, observed_generation=status.observed_generation or 0,
        labels=_shared_labels(meta.labels), annotations=_shared_labels(meta.annotations),
        created=time(meta.creation_timestamp), paused=bool(spec.paused),
    )


class PdbSpecWire(_Wire):
    min_available: str | int | None = None
    max_unavailable: str | int | None = None
    selector: SelectorWire | None = None


class PdbStatusWire(_Wire):
    disruptions_allowed: int | None = None
    current_healthy: int | None = None
    desired_healthy: int | None = None
    expected_pods: int | None = None


class PdbWire(_Wire):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: PdbSpecWire = field(default_factory=PdbSpecWire)
    status: PdbStatusWire = field(default_factory=PdbStatusWire)


def pdb_from_wire(w: PdbWire) -> PodDisruptionBudget:
    meta, spec, status = w.metadata, w.spec, w.status
    labels, text, expressions = selector_from(spec.selector)
    return PodDisruptionBudget(
        namespace=meta.namespace, name=meta.name,
        min_available=str(spec.min_available) if spec.min_available is not None else None,
        max_unavailable=str(spec.max_unavailable) if spec.max_unavailable is not None else None,
        selector=labels, selector_text=text, selector_expressions=expressions,
        disruptions_allowed=status.disruptions_allowed or 0,
        current_healthy=status.current_healthy or 0, desired_healthy=status.desired_healthy or 0,
        expected_pods=status.expected_pods or 0,
    )


class LeaseSpecWire(_Wire):
    holder_identity: str | None = None
    renew_time: str | None = None
    lease_duration_seconds: int | None = None


class LeaseWire(_Wire):
    metadata: ObjectMeta = field(default_factory=ObjectMeta)
    spec: LeaseSpecWire = field(default_factory=LeaseSpecWire)


def lease_from_wire(w: LeaseWire) -> Lease:
    spec = w.spec
    return _Lease(node=w.metadata.name, holder=spec.holder_identity or "", renew_time=time(spec.renew_time),
                 duration_seconds=spec.lease_duration_seconds or None)


# -- one kind's decoding, for lists, single objects and watch events -----------------------------------------


class Kind(Generic[W, M]):
    """How one kind travels: its wire shape, the model it becomes, and decoders for a page and an object."""

    def __init__(self, name: str, wire: type[W], convert: Callable[[W], M]) -> None:
        self.name = name
        self.wire = wire
        self.convert = convert
        self.page_decoder: msgspec.json.Decoder[ListOf[W]] = msgspec.json.Decoder(ListOf[wire], strict=False)  # type: ignore[valid-type]
        self.object_decoder: msgspec.json.Decoder[W] = msgspec.json.Decoder(wire, strict=False)

    def page(self, data: bytes) -> tuple[list[M], ListMeta]:
        """A list page: its items as models and its metadata (resourceVersion, continue)."""
        decoded = self.page_decoder.decode(data)
        convert = self.convert
        return [convert(item) for item in decoded.items or ()], decoded.metadata

    def one(self, data: bytes | Raw) -> tuple[M, str]:
        """One object and its resourceVersion."""
        wire = self.object_decoder.decode(data)
        return self.convert(wire), wire.metadata.resource_version  # type: ignore[attr-defined]

    def from_dict(self, obj: dict[str, Any]) -> M:
        """A model from already-parsed JSON (tests; objects that arrived inside other answers)."""
        return self.one(_ENCODER.encode(obj))[0]


NODES: Kind[NodeWire, Node] = Kind("nodes", NodeWire, node_from_wire)
PODS: Kind[PodWire, Pod] = Kind("pods", PodWire, pod_from_wire)
EVENTS: Kind[EventWire, Event] = Kind("events", EventWire, event_from_wire)
DEPLOYMENTS: Kind[DeploymentWire, Deployment] = Kind("deployments", DeploymentWire, deployment_from_wire)
PDBS: Kind[PdbWire, PodDisruptionBudget] = Kind("poddisruptionbudgets", PdbWire, pdb_from_wire)
LEASES: Kind[LeaseWire, Lease] = Kind("leases", LeaseWire, lease_from_wire)

_ENCODER = msgspec.json.Encoder()
WATCH_LINE = msgspec.json.Decoder(WatchEvent, strict=False)
STATUS = msgspec.json.Decoder(Status, strict=False)
BOOKMARK = msgspec.json.Decoder(Bookmark, strict=False)
DecodeError = msgspec.DecodeError
