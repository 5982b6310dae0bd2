"""The cluster adapter over the official `kubernetes` client: `ClusterReader` and `ClusterWriter` for real.

One `ApiClient` per configured cluster, built lazily under a lock from the cluster's kubeconfig + context (or
the in-cluster service account). Every call carries a timeout, so a down cluster answers in seconds. Reads ask
for the raw response (`_preload_content=False`) and parse it with orjson straight into `bot.cluster.model`
dataclasses: the client's model deserialization costs more than the network on a big cluster. Lists are
paginated with `limit`/`continue`. Every SDK and transport exception is translated into `bot.errors` here,
so nothing above this module sees a `kubernetes` or `urllib3` type.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
import urllib3
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from bot.cluster.model import (
    Condition,
    ConfigMap,
    Container,
    ContainerState,
    ContainerStatus,
    ContainerUsage,
    Deployment,
    EnvVar,
    Event,
    Lease,
    Node,
    NodeInfo,
    NodeUsage,
    ObjectRef,
    OwnerRef,
    Pod,
    PodDisruptionBudget,
    PodUsage,
    Resources,
    SecretInfo,
    ServerVersion,
    Taint,
    Toleration,
    parse_cpu,
    parse_memory,
)
from bot.errors import AksbotError, Conflict, Forbidden, NotConfigured, NotFound, Refused, Upstream
from bot.settings import ClusterSettings, Settings

Json = dict[str, Any]
T = TypeVar("T")

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 10.0
LOG_READ_TIMEOUT_S = 20.0
# kubectl's chunk size; big enough that 50,000 pods is 100 round trips, small enough for the server's memory.
PAGE_SIZE = 500
METRICS_GROUP, METRICS_VERSION = "metrics.k8s.io", "v1beta1"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
LEASES_PATH = "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"


# -- parsing: API JSON → model ---------------------------------------------------------------------------------


def _time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _quantity(parse: Callable[[str], int], value: Any) -> int | None:
    if value is None:
        return None
    try:
        return parse(value)
    except ValueError:
        return None


def _resources(raw: Any) -> Resources:
    if not raw:
        return Resources()
    gpu = raw.get("nvidia.com/gpu")
    return Resources(
        cpu_m=_quantity(parse_cpu, raw.get("cpu")),
        memory=_quantity(parse_memory, raw.get("memory")),
        pods=_quantity(parse_memory, raw.get("pods")),
        ephemeral_storage=_quantity(parse_memory, raw.get("ephemeral-storage")),
        gpu=_quantity(parse_memory, gpu),
    )


def _conditions(raw: Any) -> tuple[Condition, ...]:
    return tuple(
        Condition(
            type=str(c.get("type") or ""), status=str(c.get("status") or "Unknown"),
            reason=str(c.get("reason") or ""), message=str(c.get("message") or ""),
            last_heartbeat=_time(c.get("lastHeartbeatTime") or c.get("lastProbeTime")),
            last_transition=_time(c.get("lastTransitionTime")), last_update=_time(c.get("lastUpdateTime")),
        )
        for c in raw or ()
    )


def _labels(raw: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (raw or {}).items()}


def node_from_json(obj: Json) -> Node:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    info = status.get("nodeInfo") or {}
    internal = next((a.get("address", "") for a in status.get("addresses") or () if a.get("type") == "InternalIP"), "")
    return Node(
        name=str(meta.get("name") or ""), uid=str(meta.get("uid") or ""),
        labels=_labels(meta.get("labels")), annotations=_labels(meta.get("annotations")),
        taints=tuple(Taint(key=str(t.get("key") or ""), effect=str(t.get("effect") or ""),
                           value=str(t.get("value") or ""), time_added=_time(t.get("timeAdded")))
                     for t in spec.get("taints") or ()),
        unschedulable=bool(spec.get("unschedulable")),
        conditions=_conditions(status.get("conditions")),
        capacity=_resources(status.get("capacity")), allocatable=_resources(status.get("allocatable")),
        node_info=NodeInfo(
            kubelet_version=str(info.get("kubeletVersion") or ""), os_image=str(info.get("osImage") or ""),
            kernel_version=str(info.get("kernelVersion") or ""),
            container_runtime=str(info.get("containerRuntimeVersion") or ""),
            architecture=str(info.get("architecture") or ""), operating_system=str(info.get("operatingSystem") or ""),
        ),
        provider_id=str(spec.get("providerID") or ""), created=_time(meta.get("creationTimestamp")),
        deleting=_time(meta.get("deletionTimestamp")), internal_ip=str(internal),
    )


def _env(raw: Any) -> tuple[EnvVar, ...]:
    out: list[EnvVar] = []
    for e in raw or ():
        name = str(e.get("name") or "")
        source = e.get("valueFrom")
        if not source:
            out.append(EnvVar(name=name, value=str(e.get("value") or "")))
            continue
        # Only where the value comes from, never the value itself (a Secret is never resolved).
        if (ref := source.get("secretKeyRef")) is not None:
            out.append(EnvVar(name=name, source=f"secret:{ref.get('name', '')}/{ref.get('key', '')}"))
        elif (ref := source.get("configMapKeyRef")) is not None:
            out.append(EnvVar(name=name, source=f"configmap:{ref.get('name', '')}/{ref.get('key', '')}"))
        elif (ref := source.get("fieldRef")) is not None:
            out.append(EnvVar(name=name, source=f"field:{ref.get('fieldPath', '')}"))
        elif (ref := source.get("resourceFieldRef")) is not None:
            out.append(EnvVar(name=name, source=f"resource:{ref.get('resource', '')}"))
        else:
            out.append(EnvVar(name=name, source="other"))
    return tuple(out)


def _container(c: Json) -> Container:
    resources = c.get("resources") or {}
    return Container(
        name=str(c.get("name") or ""), image=str(c.get("image") or ""),
        command=tuple(map(str, c.get("command") or ())), args=tuple(map(str, c.get("args") or ())),
        env=_env(c.get("env")), requests=_resources(resources.get("requests")),
        limits=_resources(resources.get("limits")),
        ports=tuple(int(p["containerPort"]) for p in c.get("ports") or () if p.get("containerPort")),
        has_liveness_probe=bool(c.get("livenessProbe")), has_readiness_probe=bool(c.get("readinessProbe")),
    )


def _state(raw: Any) -> ContainerState | None:
    if not raw:
        return None
    if (s := raw.get("terminated")) is not None:
        return ContainerState("terminated", reason=str(s.get("reason") or ""), message=str(s.get("message") or ""),
                              exit_code=s.get("exitCode"), signal=s.get("signal"), started=_time(s.get("startedAt")),
                              finished=_time(s.get("finishedAt")))
    if (s := raw.get("waiting")) is not None:
        return ContainerState("waiting", reason=str(s.get("reason") or ""), message=str(s.get("message") or ""))
    if (s := raw.get("running")) is not None:
        return ContainerState("running", started=_time(s.get("startedAt")))
    return None


def _statuses(raw: Any) -> tuple[ContainerStatus, ...]:
    return tuple(
        ContainerStatus(
            name=str(s.get("name") or ""), ready=bool(s.get("ready")), restart_count=int(s.get("restartCount") or 0),
            state=_state(s.get("state")) or ContainerState("unknown"), last_state=_state(s.get("lastState")),
            image=str(s.get("image") or ""), image_id=str(s.get("imageID") or ""),
            container_id=str(s.get("containerID") or ""), started=s.get("started"),
        )
        for s in raw or ()
    )


@functools.lru_cache(maxsize=1024)
def _toleration(key: str, operator: str, value: str, effect: str, seconds: int | None) -> Toleration:
    """One shared instance per distinct toleration: 50,000 pods mostly carry the same two defaults."""
    return Toleration(key, operator, value, effect, seconds)


def pod_from_json(obj: Json) -> Pod:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    owner = next((o for o in meta.get("ownerReferences") or () if o.get("controller")), None)
    owner = owner or next(iter(meta.get("ownerReferences") or ()), None)
    tolerations = tuple(
        _toleration(
            str(t.get("key") or ""),
            str(t.get("operator") or "Equal"),
            str(t.get("value") or ""),
            str(t.get("effect") or ""),
            int(t["tolerationSeconds"]) if t.get("tolerationSeconds") is not None else None,
        )
        for t in spec.get("tolerations") or ()
    )
    return Pod(
        namespace=str(meta.get("namespace") or ""), name=str(meta.get("name") or ""), uid=str(meta.get("uid") or ""),
        node=str(spec.get("nodeName") or ""), phase=str(status.get("phase") or "Unknown"),
        reason=str(status.get("reason") or ""), message=str(status.get("message") or ""),
        qos=str(status.get("qosClass") or ""),
        owner=OwnerRef(str(owner.get("kind") or ""), str(owner.get("name") or ""), bool(owner.get("controller")))
        if owner else None,
        labels=_labels(meta.get("labels")),
        containers=tuple(_container(c) for c in spec.get("containers") or ()),
        init_containers=tuple(_container(c) for c in spec.get("initContainers") or ()),
        container_statuses=_statuses(status.get("containerStatuses")),
        init_container_statuses=_statuses(status.get("initContainerStatuses")),
        conditions=_conditions(status.get("conditions")), start_time=_time(status.get("startTime")),
        created=_time(meta.get("creationTimestamp")), deletion_timestamp=_time(meta.get("deletionTimestamp")),
        priority_class=str(spec.get("priorityClassName") or ""), priority=spec.get("priority"),
        service_account=str(spec.get("serviceAccountName") or ""), tolerations=tolerations,
        node_selector=_labels(spec.get("nodeSelector")), pod_ip=str(status.get("podIP") or ""),
    )


def event_from_json(obj: Json) -> Event:
    meta = obj.get("metadata") or {}
    involved = obj.get("involvedObject") or obj.get("regarding") or {}
    source = (obj.get("source") or {}).get("component") or obj.get("reportingComponent") or ""
    series = obj.get("series") or {}
    last = _time(obj.get("lastTimestamp")) or _time(series.get("lastObservedTime")) or _time(obj.get("eventTime"))
    return Event(
        namespace=str(meta.get("namespace") or ""), name=str(meta.get("name") or ""),
        type=str(obj.get("type") or ""), reason=str(obj.get("reason") or ""),
        message=str(obj.get("message") or obj.get("note") or "").strip(),
        involved=ObjectRef(kind=str(involved.get("kind") or ""), name=str(involved.get("name") or ""),
                           namespace=str(involved.get("namespace") or ""), uid=str(involved.get("uid") or "")),
        count=int(obj.get("count") or series.get("count") or 1),
        first_time=_time(obj.get("firstTimestamp")) or _time(obj.get("eventTime"))
        or _time(meta.get("creationTimestamp")),
        last_time=last or _time(meta.get("creationTimestamp")), source=str(source),
    )


def _selector(raw: Any) -> tuple[dict[str, str], str]:
    """(matchLabels, the whole selector as text) — expressions are kept in the text."""
    raw = raw or {}
    labels = _labels(raw.get("matchLabels"))
    parts = [f"{k}={v}" for k, v in sorted(labels.items())]
    for expr in raw.get("matchExpressions") or ():
        key, op, values = expr.get("key", ""), expr.get("operator", ""), expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return labels, ",".join(parts)


def deployment_from_json(obj: Json) -> Deployment:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    strategy = spec.get("strategy") or {}
    rolling = strategy.get("rollingUpdate") or {}
    labels, text = _selector(spec.get("selector"))
    return Deployment(
        namespace=str(meta.get("namespace") or ""), name=str(meta.get("name") or ""), uid=str(meta.get("uid") or ""),
        replicas=1 if spec.get("replicas") is None else int(spec["replicas"]),
        ready=int(status.get("readyReplicas") or 0), updated=int(status.get("updatedReplicas") or 0),
        available=int(status.get("availableReplicas") or 0), unavailable=int(status.get("unavailableReplicas") or 0),
        conditions=_conditions(status.get("conditions")), selector=labels, selector_text=text,
        strategy=str(strategy.get("type") or "RollingUpdate"),
        max_unavailable=str(rolling.get("maxUnavailable") or ""), max_surge=str(rolling.get("maxSurge") or ""),
        generation=int(meta.get("generation") or 0), observed_generation=int(status.get("observedGeneration") or 0),
        labels=_labels(meta.get("labels")), annotations=_labels(meta.get("annotations")),
        created=_time(meta.get("creationTimestamp")), paused=bool(spec.get("paused")),
    )


def pdb_from_json(obj: Json) -> PodDisruptionBudget:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    labels, text = _selector(spec.get("selector"))
    return PodDisruptionBudget(
        namespace=str(meta.get("namespace") or ""), name=str(meta.get("name") or ""),
        min_available=str(spec["minAvailable"]) if spec.get("minAvailable") is not None else None,
        max_unavailable=str(spec["maxUnavailable"]) if spec.get("maxUnavailable") is not None else None,
        selector=labels, selector_text=text, disruptions_allowed=int(status.get("disruptionsAllowed") or 0),
        current_healthy=int(status.get("currentHealthy") or 0), desired_healthy=int(status.get("desiredHealthy") or 0),
        expected_pods=int(status.get("expectedPods") or 0),
    )


def lease_from_json(obj: Json) -> Lease:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    duration = spec.get("leaseDurationSeconds")
    return Lease(node=str(meta.get("name") or ""), holder=str(spec.get("holderIdentity") or ""),
                 renew_time=_time(spec.get("renewTime")), duration_seconds=int(duration) if duration else None)


# -- errors: SDK → bot.errors ----------------------------------------------------------------------------------


def _status_message(exc: ApiException) -> tuple[str, Json]:
    try:
        body = orjson.loads(exc.body or b"{}")
    except orjson.JSONDecodeError:
        return (str(exc.body or exc.reason or "").strip()[:300], {})
    if not isinstance(body, dict):
        return ("", {})
    return (str(body.get("message") or exc.reason or ""), body)


def translate(exc: BaseException, cluster: str, what: str) -> AksbotError:
    """The project error for an exception raised while asking `cluster` for `what` (e.g. "node aks-1")."""
    if isinstance(exc, ApiException):
        message, body = _status_message(exc)
        status = int(exc.status or 0)
        if status == 404:
            kind, _, name = what.partition(" ")
            return NotFound(f"{what} not found in cluster '{cluster}'", kind=kind, name=name)
        if status == 403:
            return Forbidden(f"cluster '{cluster}' refused the bot: {message or 'forbidden'}")
        if status == 401:
            return Forbidden(f"cluster '{cluster}' did not accept the bot's credentials ({message or 'Unauthorized'})")
        if status == 409:
            return Conflict(f"{what}: {message or 'conflict'}")
        if status == 429:
            causes = (body.get("details") or {}).get("causes") or []
            budget = [c.get("message", "") for c in causes if c.get("reason") == "DisruptionBudget"]
            if budget or "disruption budget" in message.lower():
                detail = "; ".join(m for m in budget if m)
                return Refused(f"{what}: {message}" + (f" ({detail})" if detail else ""))
            return Upstream(f"cluster '{cluster}' is throttling requests: {message}", temporary=True)
        if status in {400, 422}:
            return Refused(f"{what}: {message}")
        if status >= 500 or status == 0:
            return Upstream(f"cluster '{cluster}' failed on {what}: {message or exc.reason}", temporary=True)
        return Upstream(f"cluster '{cluster}' answered {status} on {what}: {message}", temporary=False)
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        return translate(exc.reason, cluster, what)
    # Checked before the timeouts: urllib3's NewConnectionError is a subclass of ConnectTimeoutError.
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return Upstream(f"cluster '{cluster}' is unreachable: connection refused or no route (asking for {what})",
                        temporary=True)
    if isinstance(exc, (urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.ConnectTimeoutError, TimeoutError)):
        return Upstream(f"cluster '{cluster}' did not answer within {READ_TIMEOUT_S:g} s (asking for {what})",
                        temporary=True)
    if isinstance(exc, urllib3.exceptions.SSLError):
        return Upstream(f"cluster '{cluster}': TLS handshake failed ({exc})", temporary=False)
    if isinstance(exc, (urllib3.exceptions.HTTPError, OSError)):
        return Upstream(f"cluster '{cluster}' connection failed while asking for {what}: {type(exc).__name__}",
                        temporary=True)
    return Upstream(f"cluster '{cluster}' failed on {what}: {type(exc).__name__}", temporary=False)


# -- the adapter -----------------------------------------------------------------------------------------------


class KubeCluster:
    """`ClusterReader` and `ClusterWriter` for one cluster over one `ApiClient` (thread-safe: urllib3 pools)."""

    def __init__(self, name: str, api: k8s.ApiClient, clock: Callable[[], datetime] | None = None) -> None:
        self.name = name
        self.api = api
        self.core = k8s.CoreV1Api(api)
        self.apps = k8s.AppsV1Api(api)
        self.policy = k8s.PolicyV1Api(api)
        self.coordination = k8s.CoordinationV1Api(api)
        self.custom = k8s.CustomObjectsApi(api)
        self.versions = k8s.VersionApi(api)
        self._now = clock or (lambda: datetime.now(UTC))

    # The one place every call goes through: timeout, raw bytes, error translation.
    def _call(self, what: str, method: Callable[..., Any], *args: Any, timeout: float = READ_TIMEOUT_S,
              **kwargs: Any) -> bytes:
        try:
            response = method(*args, _preload_content=False, _request_timeout=(CONNECT_TIMEOUT_S, timeout), **kwargs)
            data: bytes = response.data
            return data
        except AksbotError:
            raise
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise translate(exc, self.name, what) from exc

    def _json(self, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Json:
        data = self._call(what, method, *args, **kwargs)
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise Upstream(f"cluster '{self.name}' sent something that is not JSON for {what}") from exc
        if not isinstance(parsed, dict):
            raise Upstream(f"cluster '{self.name}' sent an unexpected answer for {what}")
        return parsed

    def _pages(self, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Iterator[Json]:
        """Every item of a list, page by page; only one page of raw JSON is alive at a time."""
        token: str | None = None
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        while True:
            extra = {"_continue": token} if token else {}
            page = self._json(what, method, *args, limit=PAGE_SIZE, **kwargs, **extra)
            items = page.get("items") or []
            yield from items
            token = (page.get("metadata") or {}).get("continue") or None
            del page, items
            if not token:
                return

    def _list(self, what: str, parse: Callable[[Json], T], namespaced: tuple[Callable[..., Any], Callable[..., Any]],
              namespace: str | None, **kwargs: Any) -> list[T]:
        everywhere, in_one = namespaced
        if namespace is None:
            return [parse(o) for o in self._pages(what, everywhere, **kwargs)]
        return [parse(o) for o in self._pages(what, in_one, namespace, **kwargs)]

    # -- reader ------------------------------------------------------------------------------------------------

    def version(self) -> ServerVersion:
        raw = self._json("version", self.versions.get_code)
        return ServerVersion(major=str(raw.get("major") or ""), minor=str(raw.get("minor") or ""),
                             git_version=str(raw.get("gitVersion") or ""), platform=str(raw.get("platform") or ""))

    def nodes(self, selector: str | None = None) -> list[Node]:
        return [node_from_json(o) for o in self._pages("nodes", self.core.list_node, label_selector=selector)]

    def node(self, name: str) -> Node:
        return node_from_json(self._json(f"node {name}", self.core.read_node, name))

    def namespaces(self) -> list[str]:
        return [str(o["metadata"]["name"]) for o in self._pages("namespaces", self.core.list_namespace)]

    def lease(self, node: str) -> Lease | None:
        try:
            return lease_from_json(self._json(f"lease {node}", self.coordination.read_namespaced_lease, node,
                                              "kube-node-lease"))
        except NotFound:
            return None

    def leases(self) -> dict[str, Lease]:
        out: dict[str, Lease] = {}
        for raw in self._pages("node leases", self.coordination.list_namespaced_lease, "kube-node-lease"):
            lease = lease_from_json(raw)
            out[lease.node] = lease
        return out

    def pods(self, namespace: str | None = None, selector: str | None = None, node: str | None = None,
             field_selector: str | None = None) -> list[Pod]:
        fields = [f for f in (field_selector, f"spec.nodeName={node}" if node else None) if f]
        return self._list("pods", pod_from_json, (self.core.list_pod_for_all_namespaces, self.core.list_namespaced_pod),
                          namespace, label_selector=selector, field_selector=",".join(fields) or None)

    def pod(self, namespace: str, name: str) -> Pod:
        return pod_from_json(self._json(f"pod {namespace}/{name}", self.core.read_namespaced_pod, name, namespace))

    def events(self, namespace: str | None = None, involved_name: str | None = None, kind: str | None = None,
               reason: str | None = None, type: str | None = None, limit: int = 500) -> list[Event]:
        fields = [f"involvedObject.name={involved_name}" if involved_name else "",
                  f"involvedObject.kind={kind}" if kind else "", f"reason={reason}" if reason else "",
                  f"type={type}" if type else ""]
        found = self._list("events", event_from_json,
                           (self.core.list_event_for_all_namespaces, self.core.list_namespaced_event), namespace,
                           field_selector=",".join(f for f in fields if f) or None)
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        found.sort(key=lambda e: e.when or epoch, reverse=True)
        return found[:limit]

    def logs(self, namespace: str, pod: str, container: str | None = None, previous: bool = False,
             tail: int = 50) -> str:
        kwargs: dict[str, Any] = {"tail_lines": tail, "previous": previous, "limit_bytes": 1 << 20}
        if container:
            kwargs["container"] = container
        data = self._call(f"pod {namespace}/{pod}", self.core.read_namespaced_pod_log, pod, namespace,
                          timeout=LOG_READ_TIMEOUT_S, **kwargs)
        return data.decode("utf-8", errors="replace")

    def deployments(self, namespace: str | None = None, selector: str | None = None) -> list[Deployment]:
        return self._list("deployments", deployment_from_json,
                          (self.apps.list_deployment_for_all_namespaces, self.apps.list_namespaced_deployment),
                          namespace, label_selector=selector)

    def deployment(self, namespace: str, name: str) -> Deployment:
        return deployment_from_json(self._json(f"deployment {namespace}/{name}",
                                               self.apps.read_namespaced_deployment, name, namespace))

    def pdbs(self, namespace: str | None = None) -> list[PodDisruptionBudget]:
        return self._list("poddisruptionbudgets", pdb_from_json,
                          (self.policy.list_pod_disruption_budget_for_all_namespaces,
                           self.policy.list_namespaced_pod_disruption_budget), namespace)

    def _metrics(self, plural: str, namespace: str | None) -> Json:
        try:
            if namespace is None:
                return self._json(f"{plural} metrics", self.custom.list_cluster_custom_object, METRICS_GROUP,
                                  METRICS_VERSION, plural)
            return self._json(f"{plural} metrics", self.custom.list_namespaced_custom_object, METRICS_GROUP,
                              METRICS_VERSION, namespace, plural)
        except NotFound as exc:
            raise NotConfigured(f"cluster '{self.name}' has no metrics API (metrics.k8s.io); is metrics-server "
                                "running?") from exc

    def node_metrics(self) -> list[NodeUsage]:
        raw = self._metrics("nodes", None)
        return [NodeUsage(name=str((i.get("metadata") or {}).get("name") or ""),
                          cpu_m=_quantity(parse_cpu, (i.get("usage") or {}).get("cpu")) or 0,
                          memory=_quantity(parse_memory, (i.get("usage") or {}).get("memory")) or 0,
                          timestamp=_time(i.get("timestamp")))
                for i in raw.get("items") or ()]

    def pod_metrics(self, namespace: str | None = None) -> list[PodUsage]:
        raw = self._metrics("pods", namespace)
        return [PodUsage(namespace=str((i.get("metadata") or {}).get("namespace") or ""),
                         name=str((i.get("metadata") or {}).get("name") or ""),
                         containers=tuple(ContainerUsage(name=str(c.get("name") or ""),
                                                         cpu_m=_quantity(parse_cpu, (c.get("usage") or {}).get("cpu"))
                                                         or 0,
                                                         memory=_quantity(parse_memory,
                                                                          (c.get("usage") or {}).get("memory")) or 0)
                                          for c in i.get("containers") or ()),
                         timestamp=_time(i.get("timestamp")))
                for i in raw.get("items") or ()]

    def configmap(self, namespace: str, name: str) -> ConfigMap:
        raw = self._json(f"configmap {namespace}/{name}", self.core.read_namespaced_config_map, name, namespace)
        meta = raw.get("metadata") or {}
        return ConfigMap(namespace=namespace, name=name, data=_labels(raw.get("data")),
                         binary_keys=tuple(sorted((raw.get("binaryData") or {}).keys())),
                         created=_time(meta.get("creationTimestamp")))

    def secrets(self, namespace: str | None = None) -> list[SecretInfo]:
        def info(raw: Json) -> SecretInfo:
            meta = raw.get("metadata") or {}
            # Keys only: the values are dropped here and never reach a handler.
            keys = tuple(sorted({*(raw.get("data") or {}).keys(), *(raw.get("stringData") or {}).keys()}))
            return SecretInfo(namespace=str(meta.get("namespace") or ""), name=str(meta.get("name") or ""),
                              type=str(raw.get("type") or "Opaque"), keys=keys,
                              created=_time(meta.get("creationTimestamp")))

        return self._list("secrets", info, (self.core.list_secret_for_all_namespaces, self.core.list_namespaced_secret),
                          namespace)

    # -- leases of the bot's own (leader election) --------------------------------------------------------------

    def lease_object(self, namespace: str, name: str, *, timeout: float = READ_TIMEOUT_S) -> Json | None:
        """A Lease as the API returns it (None: there is none), resourceVersion included."""
        try:
            return self._json(f"lease {namespace}/{name}", self.coordination.read_namespaced_lease, name, namespace,
                              timeout=timeout)
        except NotFound:
            return None

    def create_lease(self, namespace: str, body: Json, *, timeout: float = READ_TIMEOUT_S) -> Json:
        """Create a Lease; `Conflict` when it already exists."""
        name = str((body.get("metadata") or {}).get("name") or "")
        return self._send(f"lease {namespace}/{name}", "POST", LEASES_PATH, {"namespace": namespace}, body,
                          timeout)

    def replace_lease(self, namespace: str, name: str, body: Json, *, timeout: float = READ_TIMEOUT_S) -> Json:
        """Replace a Lease at the resourceVersion in `body`; `Conflict` when it changed since."""
        return self._send(f"lease {namespace}/{name}", "PUT", LEASES_PATH + "/{name}",
                          {"namespace": namespace, "name": name}, body, timeout)

    def _send(self, what: str, verb: str, path: str, path_params: dict[str, str], body: Json,
              timeout: float) -> Json:
        """A write whose JSON body goes out exactly as given. The typed methods validate a body into the client's
        models and write datetimes back with `isoformat()`, which drops a time's fractional seconds when they are
        zero — and the API server refuses a Lease's MicroTime without exactly six digits."""
        try:
            method, url, headers, data, post = self.api.param_serialize(
                method=verb, resource_path=path, path_params=path_params,
                header_params={"Accept": "application/json", "Content-Type": "application/json"}, body=body,
                auth_settings=["BearerToken"])
            response = self.api.call_api(method, url, header_params=headers, body=data, post_params=post,
                                         _request_timeout=(CONNECT_TIMEOUT_S, timeout))
            response.read()  # type: ignore[no-untyped-call]
            if not 200 <= response.status <= 299:
                raise ApiException.from_response(http_resp=response, body=None, data=None)
            raw = bytes(response.data or b"")
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise translate(exc, self.name, what) from exc
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise Upstream(f"cluster '{self.name}' sent something that is not JSON for {what}") from exc
        if not isinstance(parsed, dict):
            raise Upstream(f"cluster '{self.name}' sent an unexpected answer for {what}")
        return parsed

    # -- writer ------------------------------------------------------------------------------------------------

    def cordon(self, node: str, unschedulable: bool) -> Node:
        body = {"spec": {"unschedulable": unschedulable}}
        return node_from_json(self._json(f"node {node}", self.core.patch_node, node, body))

    def evict(self, namespace: str, pod: str) -> None:
        body = k8s.V1Eviction(metadata=k8s.V1ObjectMeta(name=pod, namespace=namespace))
        self._call(f"pod {namespace}/{pod}", self.core.create_namespaced_pod_eviction, pod, namespace, body)

    def delete_pod(self, namespace: str, name: str, grace_seconds: int | None = None) -> None:
        kwargs = {"grace_period_seconds": grace_seconds} if grace_seconds is not None else {}
        self._call(f"pod {namespace}/{name}", self.core.delete_namespaced_pod, name, namespace, **kwargs)

    def restart_deployment(self, namespace: str, name: str) -> Deployment:
        stamp = self._now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
        return deployment_from_json(self._json(f"deployment {namespace}/{name}",
                                               self.apps.patch_namespaced_deployment, name, namespace, body))

    def scale_deployment(self, namespace: str, name: str, replicas: int) -> Deployment:
        self._call(f"deployment {namespace}/{name}", self.apps.patch_namespaced_deployment_scale, name, namespace,
                   {"spec": {"replicas": replicas}})
        return self.deployment(namespace, name)


def api_client_for(cluster: ClusterSettings, settings: Settings) -> k8s.ApiClient:
    """An ApiClient for one cluster's settings; raises `NotConfigured` when its kubeconfig cannot be used."""
    configuration = k8s.Configuration()
    try:
        if cluster.in_cluster:
            k8s_config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
        else:
            path = settings.resolve_path(cluster.kubeconfig) if cluster.kubeconfig else None
            k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=str(path) if path else None, context=cluster.context,
                client_configuration=configuration, persist_config=False)
    except (ConfigException, OSError, ValueError) as exc:
        raise NotConfigured(f"cluster '{cluster.name}': cannot load its Kubernetes credentials ({exc})") from exc
    # One retry at most: urllib3's default of three turns a down cluster into a 40-second wait.
    configuration.retries = 1
    return k8s.ApiClient(configuration)


class KubeClusterProvider:
    """`ClusterProvider` over the settings' clusters: one `KubeCluster` per name, built on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._clusters: dict[str, KubeCluster] = {}
        self._lock = threading.Lock()

    def _get(self, name: str) -> KubeCluster:
        with self._lock:
            found = self._clusters.get(name)
            if found is not None:
                return found
            cluster = self.settings.cluster(name)
            if cluster is None:
                known = ", ".join(self.settings.cluster_names()) or "none"
                raise NotConfigured(f"no cluster named '{name}' is configured (known: {known})")
            found = KubeCluster(name, api_client_for(cluster, self.settings))
            self._clusters[name] = found
            return found

    def reader(self, cluster: str) -> KubeCluster:
        return self._get(cluster)

    def writer(self, cluster: str) -> KubeCluster:
        return self._get(cluster)

    def close(self) -> None:
        with self._lock:
            for cluster in self._clusters.values():
                cluster.api.close()  # type: ignore[no-untyped-call]
            self._clusters.clear()
