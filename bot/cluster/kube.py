"""The cluster adapter over the official `kubernetes` client: `ClusterReader` and `ClusterWriter` for real.

One `ApiClient` per configured cluster, built lazily under a lock from the cluster's kubeconfig + context (or the
in-cluster service account). Every call has a total bound (`CALL_BOUND_S`; logs `LOG_CALL_BOUND_S`) that holds
whatever the server does: urllib3's total timeout covers connecting, the TLS handshake and the answer's headers, the
body is read against the same deadline, and a timed-out request is never retried (only a fast failure — refused,
reset, a dropped keep-alive connection — is, once). Reads ask for the raw response (`_preload_content=False`) and
decode it with msgspec straight into `bot.cluster.model` dataclasses (`bot.cluster.wire`): the client's model
deserialization costs far more than the network on a big cluster. Lists are paginated with `limit`/`continue`, one
page decoded while the next one is on its way. Watches (`watch()`, for the watch cache) stream the same decoded
models. Every SDK and transport exception is translated into `bot.errors` here, so nothing above this module sees a
`kubernetes` or `urllib3` type.
"""

from __future__ import annotations

import contextlib
import contextvars
import gc
import re
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import orjson
import urllib3
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from bot.cluster import wire
from bot.cluster.model import (
    ContainerUsage,
    Deployment,
    Event,
    Lease,
    Node,
    NodeUsage,
    Pod,
    PodDisruptionBudget,
    PodUsage,
    ServerVersion,
    parse_cpu,
    parse_memory,
)
from bot.deadline import call_bound
from bot.errors import AksbotError, Conflict, Forbidden, NotConfigured, NotFound, Refused, Upstream
from bot.i18n import ERRORS, said
from bot.settings import ClusterSettings, Settings, kubeconfig_problem

Json = dict[str, Any]
M = TypeVar("M")

# The total time one call to the API server may take, connection and TLS handshake included.
CALL_BOUND_S = 10.0
LOG_CALL_BOUND_S = 15.0
_READ_CHUNK = 1 << 20
# kubectl's chunk size; big enough that 50,000 pods is 100 round trips, small enough for the server's memory.
PAGE_SIZE = 500
# A watch's read timeout is the server's timeoutSeconds plus this: the server ends a healthy watch first.
WATCH_READ_SLACK_S = 15
NODE_LEASE_NAMESPACE = "kube-node-lease"
METRICS_GROUP, METRICS_VERSION = "metrics.k8s.io", "v1beta1"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
LEASES_PATH = "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"


# -- parsing: API JSON → model ---------------------------------------------------------------------------------
# The models are built from the wire in `bot.cluster.wire`; already-parsed JSON (an object that came inside another
# answer, tests) goes through the kind's own `wire.<KIND>.from_dict`.


def _time(value: Any) -> datetime | None:
    return wire.time(value) if isinstance(value, str) else None


def _quantity(parse: Callable[[str], int], value: Any) -> int | None:
    return wire.quantity(parse, value)


def _labels(raw: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (raw or {}).items()}


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a big list is decoded.

    Decoding 50,000 pods allocates a few million objects, none of them garbage and none in a cycle, yet each
    allocation burst triggers collections that walk everything allocated so far: with the collector running,
    the list takes twice as long. Nested and concurrent pauses count; the collector is enabled again when the
    last one ends (and only if it was enabled before the first)."""
    with _GC.lock:
        if _GC.pauses == 0:
            _GC.was_enabled = gc.isenabled()
            gc.disable()
        _GC.pauses += 1
    try:
        yield
    finally:
        with _GC.lock:
            _GC.pauses -= 1
            if _GC.pauses == 0 and _GC.was_enabled:
                gc.enable()


class _GcPauses:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pauses = 0
        self.was_enabled = True


_GC = _GcPauses()


# -- errors: SDK → bot.errors ----------------------------------------------------------------------------------


def _status_message(exc: ApiException) -> tuple[str, Json]:
    try:
        body = orjson.loads(exc.body or b"{}")
    except orjson.JSONDecodeError:
        return (str(exc.body or exc.reason or "").strip()[:300], {})
    if not isinstance(body, dict):
        return ("", {})
    return (str(body.get("message") or exc.reason or ""), body)


_CANNOT = re.compile(
    r'cannot (?P<verb>\S+) resource "(?P<resource>[^"]+)"(?: in API group "(?P<group>[^"]*)")?'
    r'(?: in the namespace "(?P<namespace>[^"]+)")?'
)
_USER = re.compile(r'User "(?P<user>[^"]+)"')


def _forbidden(cluster: str, what: str, message: str) -> Forbidden:
    """403, naming the verb and the resource the bot's identity lacks (kube-apiserver's RBAC message has them)."""
    m = _CANNOT.search(message)
    if m is None:
        return Forbidden(said(ERRORS.kube_forbidden, cluster=cluster, what=what, detail=message))
    resource = f"{m['resource']}.{m['group']}" if m["group"] else m["resource"]
    where = said(ERRORS.kube_in_namespace, namespace=m["namespace"]) if m["namespace"] else \
        said(ERRORS.kube_cluster_wide)
    user = _USER.search(message)
    who = said(ERRORS.kube_its_identity, user=user["user"]) if user else said(ERRORS.kube_an_identity)
    return Forbidden(
        said(ERRORS.kube_may_not, cluster=cluster, who=who, verb=m["verb"], resource=resource, where=where),
        permission=f"{f'`{user[1]}`' if user else 'the bot'} may not `{m['verb']}` `{resource}` {where}",
    )


def translate(exc: BaseException, cluster: str, what: str, bound: float = CALL_BOUND_S) -> AksbotError:
    """The project error for an exception raised while asking `cluster` for `what` (e.g. "node aks-1")."""
    if isinstance(exc, ApiException):
        message, body = _status_message(exc)
        status = int(exc.status or 0)
        if status == 404:
            kind, _, name = what.partition(" ")
            return NotFound(said(ERRORS.not_in_cluster, what=what, cluster=cluster), kind=kind, name=name)
        if status == 403:
            return _forbidden(cluster, what, message)
        if status == 401:
            return Forbidden(said(ERRORS.kube_unauthorized, cluster=cluster, detail=message or "Unauthorized"))
        if status == 410:
            return Expired(f"{what}: {message or 'the resource version is too old (410 Gone)'}")
        if status == 409:
            return Conflict(f"{what}: {message or 'conflict'}")
        if status == 429:
            causes = (body.get("details") or {}).get("causes") or []
            budget = [c.get("message", "") for c in causes if c.get("reason") == "DisruptionBudget"]
            if budget or "disruption budget" in message.lower():
                detail = "; ".join(m for m in budget if m)
                return Refused(f"{what}: {message}" + (f" ({detail})" if detail else ""))
            return Upstream(said(ERRORS.kube_throttled, cluster=cluster, detail=message), temporary=True)
        if status in {400, 422}:
            return Refused(f"{what}: {message}")
        if status >= 500 or status == 0:
            detail = message or exc.reason
            return Upstream(said(ERRORS.kube_failed, cluster=cluster, what=what, detail=detail), temporary=True)
        return Upstream(said(ERRORS.kube_answered, cluster=cluster, status=status, what=what, detail=message),
                        temporary=False)
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        return translate(exc.reason, cluster, what, bound)
    # Checked before the timeouts: urllib3's NewConnectionError is a subclass of ConnectTimeoutError.
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return Upstream(said(ERRORS.refused_connection, cluster=cluster, what=what), temporary=True)
    if isinstance(exc, urllib3.exceptions.ConnectTimeoutError) or _handshake_timeout(exc):
        return Upstream(said(ERRORS.no_connection, cluster=cluster, seconds=f"{bound:g}", what=what), temporary=True)
    if isinstance(exc, (urllib3.exceptions.ReadTimeoutError, TimeoutError)):
        return Upstream(said(ERRORS.no_answer, cluster=cluster, seconds=f"{bound:g}", what=what), temporary=True)
    if isinstance(exc, urllib3.exceptions.SSLError):
        return Upstream(said(ERRORS.kube_tls, cluster=cluster, detail=exc), temporary=False)
    if isinstance(exc, (urllib3.exceptions.HTTPError, OSError)):
        detail = type(exc).__name__
        return Upstream(said(ERRORS.kube_connection_failed, cluster=cluster, what=what, detail=detail), temporary=True)
    return Upstream(said(ERRORS.kube_failed, cluster=cluster, what=what, detail=type(exc).__name__), temporary=False)


def _handshake_timeout(exc: BaseException) -> bool:
    """A TCP connection that was accepted but whose TLS handshake got no answer (a frozen server)."""
    return isinstance(exc, urllib3.exceptions.SSLError) and "timed out" in str(exc)


class _RetryFastFailuresOnce(urllib3.Retry):
    """One retry for a failure that cost nothing (refused, reset, a keep-alive connection the server dropped),
    none for a timeout: retrying a silent server would double the wait the message promises."""

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> _RetryFastFailuresOnce:
        connect_or_read = (urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.ConnectTimeoutError)
        refused = isinstance(error, urllib3.exceptions.NewConnectionError)
        if error is not None and ((isinstance(error, connect_or_read) and not refused) or _handshake_timeout(error)):
            raise urllib3.exceptions.MaxRetryError(_pool, url or "", error)
        return super().increment(method, url, response, error, _pool, _stacktrace)


def _read_within(response: Any, deadline: float) -> bytes:
    """The whole body, or a timeout at `deadline`: each read may wait only for the time that is left."""
    sock = getattr(getattr(response, "connection", None), "sock", None)
    parts: list[bytes] = []
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the answer did not finish in time")
            if sock is not None:
                sock.settimeout(remaining)
            chunk = response.read1(_READ_CHUNK)
            if not chunk:
                break
            parts.append(chunk)
    except BaseException:
        response.close()
        raise
    response.release_conn()
    return b"".join(parts)


class Expired(Upstream):
    """410 Gone: the resourceVersion or continue token is older than the server's history (it was compacted).
    A watch resumes by listing again."""


def _is_expired(exc: Upstream) -> bool:
    cause = exc.__cause__
    return isinstance(exc, Expired) or (isinstance(cause, ApiException) and cause.status == 410)


@dataclass(frozen=True, slots=True)
class ListPage(Generic[M]):
    """One page of a list; `restarted`: the list began again here (what came before it is void)."""

    items: list[M]
    resource_version: str
    restarted: bool = False


@dataclass(frozen=True, slots=True)
class WatchItem(Generic[M]):
    """One change from a watch: ADDED, MODIFIED or DELETED with the object as it is now (as it was last, for
    DELETED), or BOOKMARK (no object) — and the resourceVersion the watch has reached."""

    type: str
    obj: M | None
    resource_version: str


def _lines(response: Any) -> Iterator[bytes]:
    """The lines of a streamed (chunked) response, as they arrive."""
    buffer = b""
    for chunk in response.stream(amt=None, decode_content=False):
        buffer = buffer + chunk if buffer else chunk
        if b"\n" not in chunk:
            continue
        *complete, buffer = buffer.split(b"\n")
        for line in complete:
            if line.strip():
                yield line
    if buffer.strip():
        yield buffer


def _continue_of(page: bytes) -> str | None:
    """The continue token from a list page's head, without decoding the page.

    The API server writes `metadata` before `items`; when a page does not look like that, None makes the
    caller wait for the decoder's answer instead (no prefetch, same result)."""
    end = page.find(b'"items"', 0, 4096)
    if end < 0:
        return None
    head = page[:end]
    at = head.find(b'"continue":"')
    if at < 0:
        return None
    start = at + len(b'"continue":"')
    stop = head.find(b'"', start)
    return head[start:stop].decode() if stop > start else None


def newest_events(found: list[Event], limit: int) -> list[Event]:
    """Events newest first, at most `limit`."""
    found.sort(key=lambda e: e.when or _EPOCH, reverse=True)
    return found[:limit]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Fetches the next page of a list while the current one is decoded (I/O: the GIL is released while waiting).
_PREFETCH = ThreadPoolExecutor(max_workers=8, thread_name_prefix="aksbot-list-prefetch")


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
    def _call(self, what: str, method: Callable[..., Any], *args: Any, timeout: float = CALL_BOUND_S,
              **kwargs: Any) -> bytes:
        timeout = call_bound(timeout, f"{what} on cluster '{self.name}'")
        deadline = time.monotonic() + timeout
        try:
            # A number is urllib3's total timeout: connect, TLS handshake and the answer's headers together.
            response = method(*args, _preload_content=False, _request_timeout=timeout, **kwargs)
            return _read_within(response, deadline)
        except AksbotError:
            raise
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise translate(exc, self.name, what, timeout) from exc

    def _json(self, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Json:
        return self._object(self._call(what, method, *args, **kwargs), what)

    def _object(self, data: bytes, what: str) -> Json:
        """The JSON object an answer holds; `Upstream` when it holds something else (a proxy's error page)."""
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise Upstream(f"cluster '{self.name}' sent something that is not JSON for {what}") from exc
        if not isinstance(parsed, dict):
            raise Upstream(f"cluster '{self.name}' sent an unexpected answer for {what}")
        return parsed

    def _one(self, kind: wire.Kind[Any, M], what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> M:
        data = self._call(what, method, *args, **kwargs)
        try:
            return kind.one(data)[0]
        except wire.DecodeError as exc:
            raise Upstream(f"cluster '{self.name}' sent an unexpected answer for {what} ({exc})") from exc

    def _pages(self, kind: wire.Kind[Any, M], what: str, method: Callable[..., Any], *args: Any,
               **kwargs: Any) -> Iterator[ListPage[M]]:
        """Every page of a list as models, with the list's resourceVersion; the next page is fetched while this
        one is decoded, and only one page of raw JSON waits at a time.

        A continue token that expired (410: the server compacted its history mid-list) restarts the list once
        from the beginning, as client-go's pager does; the first page after the restart says so (`restarted`),
        and the caller drops what it kept of the pages before it (they belong to a list that no longer exists)."""
        kwargs = {k: v for k, v in kwargs.items() if v is not None}

        def fetch(token: str | None) -> bytes:
            extra: dict[str, Any] = {"_continue": token} if token else {}
            return self._call(what, method, *args, limit=PAGE_SIZE, **kwargs, **extra)

        restarted = fresh_start = False
        token: str | None = None
        pending: Future[bytes] | None = None
        while True:
            try:
                data = pending.result() if pending is not None else fetch(token)
            except Upstream as exc:
                if token and not restarted and _is_expired(exc):
                    restarted = fresh_start = True
                    token, pending = None, None
                    continue
                raise
            pending = None
            token = _continue_of(data)
            if token:
                # The next page counts against this command's time too (`bot.deadline`).
                pending = _PREFETCH.submit(contextvars.copy_context().run, fetch, token)
            try:
                with gc_paused():
                    items, meta = kind.page(data)
            except wire.DecodeError as exc:
                if pending is not None:
                    pending.cancel()
                raise Upstream(f"cluster '{self.name}' sent an unexpected answer for {what} ({exc})") from exc
            del data
            yield ListPage(items, meta.resource_version, fresh_start)
            fresh_start = False
            if meta.continue_ != token:  # the quick look at the page's head disagreed with the decoder
                token = meta.continue_
                if pending is not None:
                    pending.cancel()
                    pending = _PREFETCH.submit(contextvars.copy_context().run, fetch, token) if token else None
            if not token:
                return

    def _json_items(self, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Iterator[Json]:
        """Every item of a list as plain JSON, page by page (the few kinds no model is decoded for)."""
        token: str | None = None
        while True:
            extra = {"_continue": token} if token else {}
            page = self._json(what, method, *args, limit=PAGE_SIZE, **kwargs, **extra)
            yield from page.get("items") or ()
            token = (page.get("metadata") or {}).get("continue") or None
            if not token:
                return

    def list_all(self, kind: wire.Kind[Any, M], what: str, method: Callable[..., Any], *args: Any,
                 **kwargs: Any) -> tuple[list[M], str]:
        """The whole list and the resourceVersion it is consistent with (the last page's)."""
        out: list[M] = []
        version = ""
        for page in self._pages(kind, what, method, *args, **kwargs):
            if page.restarted:
                out.clear()
            out.extend(page.items)
            version = page.resource_version
        return out, version

    def _list(self, kind: wire.Kind[Any, M], namespaced: tuple[Callable[..., Any], Callable[..., Any]],
              namespace: str | None, **kwargs: Any) -> list[M]:
        everywhere, in_one = namespaced
        if namespace is None:
            return self.list_all(kind, kind.name, everywhere, **kwargs)[0]
        return self.list_all(kind, kind.name, in_one, namespace, **kwargs)[0]

    # -- watch -------------------------------------------------------------------------------------------------

    def watch(self, kind: wire.Kind[Any, M], method: Callable[..., Any], *args: Any, resource_version: str,
              timeout_seconds: int, on_open: Callable[[Callable[[], None]], None] | None = None,
              ) -> Generator[WatchItem[M], None, None]:
        """The changes after `resource_version`, until the server ends the watch after `timeout_seconds`.

        Asks for bookmarks (the server's periodic "you are current up to resourceVersion N", sent as a
        `WatchItem` without an object). The client's read timeout is a little longer than `timeout_seconds`,
        so a connection that goes silent (a dead network that never says so) ends the watch with `Upstream`
        instead of hanging it for ever. A resourceVersion the server no longer has raises `Expired`.
        `on_open` receives a function that aborts the stream from another thread (to stop a watch at once)."""
        what = f"{kind.name} watch"
        try:
            response = method(*args, watch=True, resource_version=resource_version, allow_watch_bookmarks=True,
                              timeout_seconds=timeout_seconds, _preload_content=False,
                              _request_timeout=(CALL_BOUND_S, timeout_seconds + WATCH_READ_SLACK_S))
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise translate(exc, self.name, what) from exc
        if on_open is not None:
            on_open(response.shutdown)
        try:
            for line in _lines(response):
                try:
                    event = wire.WATCH_LINE.decode(line)
                    if event.type == "BOOKMARK":
                        yield WatchItem("BOOKMARK", None, wire.BOOKMARK.decode(event.object).metadata.resource_version)
                    elif event.type == "ERROR":
                        status = wire.STATUS.decode(event.object)
                        if status.code == 410:
                            raise Expired(f"cluster '{self.name}': {kind.name} watch: {status.message or 'Gone'}")
                        raise Upstream(f"cluster '{self.name}' ended the {kind.name} watch: "
                                       f"{status.code} {status.reason} {status.message}".rstrip())
                    else:
                        model, version = kind.one(event.object)
                        yield WatchItem(event.type, model, version)
                except wire.DecodeError as exc:
                    raise Upstream(f"cluster '{self.name}' sent an unexpected {kind.name} watch event ({exc})") from exc
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise translate(exc, self.name, what, timeout_seconds + WATCH_READ_SLACK_S) from exc
        finally:
            response.close()

    # -- reader ------------------------------------------------------------------------------------------------

    def version(self) -> ServerVersion:
        raw = self._json("version", self.versions.get_code)
        return ServerVersion(major=str(raw.get("major") or ""), minor=str(raw.get("minor") or ""),
                             git_version=str(raw.get("gitVersion") or ""), platform=str(raw.get("platform") or ""))

    def nodes(self, selector: str | None = None) -> list[Node]:
        return self.list_all(wire.NODES, "nodes", self.core.list_node, label_selector=selector)[0]

    def node(self, name: str) -> Node:
        return self._one(wire.NODES, f"node {name}", self.core.read_node, name)

    def namespaces(self) -> list[str]:
        return [str(o["metadata"]["name"]) for o in self._json_items("namespaces", self.core.list_namespace)]

    def lease(self, node: str) -> Lease | None:
        try:
            return self._one(wire.LEASES, f"lease {node}", self.coordination.read_namespaced_lease, node,
                             NODE_LEASE_NAMESPACE)
        except NotFound:
            return None

    def leases(self) -> dict[str, Lease]:
        found, _ = self.list_all(wire.LEASES, "node leases", self.coordination.list_namespaced_lease,
                                 NODE_LEASE_NAMESPACE)
        return {lease.node: lease for lease in found}

    def pods(self, namespace: str | None = None, selector: str | None = None, node: str | None = None,
             field_selector: str | None = None) -> list[Pod]:
        fields = [f for f in (field_selector, f"spec.nodeName={node}" if node else None) if f]
        return self._list(wire.PODS, (self.core.list_pod_for_all_namespaces, self.core.list_namespaced_pod),
                          namespace, label_selector=selector, field_selector=",".join(fields) or None)

    def pod(self, namespace: str, name: str) -> Pod:
        return self._one(wire.PODS, f"pod {namespace}/{name}", self.core.read_namespaced_pod, name, namespace)

    def events(self, namespace: str | None = None, involved_name: str | None = None, kind: str | None = None,
               reason: str | None = None, type: str | None = None, limit: int = 500) -> list[Event]:
        fields = [f"involvedObject.name={involved_name}" if involved_name else "",
                  f"involvedObject.kind={kind}" if kind else "", f"reason={reason}" if reason else "",
                  f"type={type}" if type else ""]
        found = self._list(wire.EVENTS, (self.core.list_event_for_all_namespaces, self.core.list_namespaced_event),
                           namespace, field_selector=",".join(f for f in fields if f) or None)
        return newest_events(found, limit)

    def logs(self, namespace: str, pod: str, container: str | None = None, previous: bool = False,
             tail: int = 50) -> str:
        kwargs: dict[str, Any] = {"tail_lines": tail, "previous": previous, "limit_bytes": 1 << 20}
        if container:
            kwargs["container"] = container
        data = self._call(f"pod {namespace}/{pod}", self.core.read_namespaced_pod_log, pod, namespace,
                          timeout=LOG_CALL_BOUND_S, **kwargs)
        return data.decode("utf-8", errors="replace")

    def deployments(self, namespace: str | None = None, selector: str | None = None) -> list[Deployment]:
        return self._list(wire.DEPLOYMENTS,
                          (self.apps.list_deployment_for_all_namespaces, self.apps.list_namespaced_deployment),
                          namespace, label_selector=selector)

    def deployment(self, namespace: str, name: str) -> Deployment:
        return self._one(wire.DEPLOYMENTS, f"deployment {namespace}/{name}", self.apps.read_namespaced_deployment,
                         name, namespace)

    def pdbs(self, namespace: str | None = None) -> list[PodDisruptionBudget]:
        return self._list(wire.PDBS, (self.policy.list_pod_disruption_budget_for_all_namespaces,
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

    # -- leases of the bot's own (leader election) --------------------------------------------------------------

    def lease_object(self, namespace: str, name: str, *, timeout: float = CALL_BOUND_S) -> Json | None:
        """A Lease as the API returns it (None: there is none), resourceVersion included."""
        try:
            return self._json(f"lease {namespace}/{name}", self.coordination.read_namespaced_lease, name, namespace,
                              timeout=timeout)
        except NotFound:
            return None

    def create_lease(self, namespace: str, body: Json, *, timeout: float = CALL_BOUND_S) -> Json:
        """Create a Lease; `Conflict` when it already exists, `NotFound` (kind "namespace") when its namespace
        does not exist — the only 404 a create into a served collection gets."""
        name = str((body.get("metadata") or {}).get("name") or "")
        try:
            return self._send(f"lease {namespace}/{name}", "POST", LEASES_PATH, {"namespace": namespace}, body,
                              timeout)
        except NotFound as exc:
            raise NotFound(f"namespace {namespace} does not exist in cluster '{self.name}'", kind="namespace",
                           name=namespace) from exc

    def replace_lease(self, namespace: str, name: str, body: Json, *, timeout: float = CALL_BOUND_S) -> Json:
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
                                         _request_timeout=timeout)
            response.read()  # type: ignore[no-untyped-call]
            if not 200 <= response.status <= 299:
                raise ApiException.from_response(http_resp=response, body=None, data=None)
            raw = bytes(response.data or b"")
        except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise translate(exc, self.name, what, timeout) from exc
        return self._object(raw, what)

    # -- writer ------------------------------------------------------------------------------------------------

    def cordon(self, node: str, unschedulable: bool, annotations: Mapping[str, str | None] | None = None) -> Node:
        body: dict[str, Any] = {"spec": {"unschedulable": unschedulable}}
        if annotations:
            body["metadata"] = {"annotations": dict(annotations)}
        return self._one(wire.NODES, f"node {node}", self.core.patch_node, node, body)

    def evict(self, namespace: str, pod: str) -> None:
        body = k8s.V1Eviction(metadata=k8s.V1ObjectMeta(name=pod, namespace=namespace))
        self._call(f"pod {namespace}/{pod}", self.core.create_namespaced_pod_eviction, pod, namespace, body)

    def delete_pod(self, namespace: str, name: str, grace_seconds: int | None = None) -> None:
        kwargs = {"grace_period_seconds": grace_seconds} if grace_seconds is not None else {}
        self._call(f"pod {namespace}/{name}", self.core.delete_namespaced_pod, name, namespace, **kwargs)

    def restart_deployment(self, namespace: str, name: str) -> Deployment:
        stamp = self._now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
        return self._one(wire.DEPLOYMENTS, f"deployment {namespace}/{name}", self.apps.patch_namespaced_deployment,
                         name, namespace, body)

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
            # The client's own words ("Invalid kube-config file. No configuration found.") name no file: say which
            # file and what is wrong with it, as `aksbot config check` does.
            problem = kubeconfig_problem(settings, cluster)
            if problem is not None:
                key, what = problem
                raise NotConfigured(f"cluster '{cluster.name}': cannot load its Kubernetes credentials: {key}: {what}"
                                    f"{f' (in {settings.source})' if settings.source else ''}")
            path = settings.resolve_path(cluster.kubeconfig) if cluster.kubeconfig else None
            k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=str(path) if path else None, context=cluster.context,
                client_configuration=configuration, persist_config=False)
    except (ConfigException, OSError, ValueError) as exc:
        raise NotConfigured(f"cluster '{cluster.name}': cannot load its Kubernetes credentials ({exc})") from exc
    # urllib3's default of three retries turns a down cluster into a 40-second wait; see _RetryFastFailuresOnce.
    configuration.retries = _RetryFastFailuresOnce(total=1, redirect=0, status=0)
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
