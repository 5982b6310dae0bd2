"""The sandbox Kubernetes API server: kube-apiserver's REST protocol over plain HTTP on 127.0.0.1.

It answers what `kubectl` v1.32 and the official Python client send: discovery, CRUD with the three patch
types (bodies in JSON, YAML, or — for the Secrets and ConfigMaps `kubectl create` sends — protobuf), lists
with selectors and pagination, chunked watches, server-side Tables, pod logs, the scale and eviction
subresources, metrics.k8s.io, and Status errors with kube-apiserver's reasons. Bearer tokens map to users;
optional per-user rules produce real 403 Forbidden answers. Requests without a token act as `admin` (a local
development server, like `kubectl proxy`); an unknown token gets 401 Unauthorized.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
import trustme
import yaml

from sandbox.kube import errors, patch, protobuf, tables
from sandbox.kube.controllers import NODE_MONITOR_GRACE_SECONDS, PDBS, PODS, Controllers, pod_ready
from sandbox.kube.errors import ApiError
from sandbox.kube.resources import BY_KEY, BY_PATH, TYPES, ResourceType, group_versions, parse_quantity, type_for
from sandbox.kube.selectors import (
    labels_match,
    parse_field_selector,
    parse_label_selector,
    selector_from_label_selector,
)
from sandbox.kube.store import Change, Entry, Store, now_rfc3339

Obj = dict[str, Any]

KUBE_VERSION = {
    "major": "1", "minor": "32", "gitVersion": "v1.32.4", "gitCommit": "59526cd4867447956156ae3a602fcbac10a2c335",
    "gitTreeState": "clean", "buildDate": "2025-04-22T16:02:27Z", "goVersion": "go1.23.6", "compiler": "gc",
    "platform": "linux/amd64",
}
OPENAPI_HASH = "B1E3B5D1E0C6A6E4"
WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})


@dataclass(frozen=True)
class AccessRule:
    """What one user may do: verbs denied everywhere, or else only the listed (verb, resource) pairs.

    `resource` is the plural (with `/subresource`), e.g. ("patch", "nodes") or ("create", "pods/eviction").
    """

    deny_verbs: frozenset[str] = frozenset()
    allow: frozenset[tuple[str, str]] | None = None

    def permits(self, verb: str, resource: str) -> bool:
        if verb in self.deny_verbs:
            return False
        return self.allow is None or (verb, resource) in self.allow or ("*", resource) in self.allow


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    user: str


@dataclass
class Response:
    code: int
    body: bytes
    content_type: str = "application/json"
    stream: Callable[[Callable[[bytes], bool]], None] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _json(code: int, obj: Any) -> Response:
    return Response(code, orjson.dumps(obj))


class KubeServer:
    """The API server over one `Store`, with the controllers that keep the sandbox cluster alive."""

    def __init__(
        self,
        objects: Iterable[Obj] = (),
        *,
        logs: dict[tuple[str, str, str, bool], str] | None = None,
        node_usage: dict[str, tuple[int, int]] | None = None,
        pod_usage: dict[tuple[str, str], dict[str, tuple[int, int]]] | None = None,
        dead_nodes: frozenset[str] = frozenset(),
        tokens: dict[str, str] | None = None,
        port: int = 0,
        termination_seconds: float = 0.5,
        bookmark_seconds: float = 1.0,
        tls: bool = True,
        node_monitor_grace_seconds: float = NODE_MONITOR_GRACE_SECONDS,
        lease_renew_seconds: float = 10.0,
    ) -> None:
        self.store = Store()
        self.logs = dict(logs or {})
        self.node_usage = dict(node_usage or {})
        self.pod_usage = dict(pod_usage or {})
        self.tokens = dict(tokens or {})
        self.rules: dict[str, AccessRule] = {}
        self._used: dict[str, set[tuple[str, str, str]]] = {}  # (group, resource, verb) each user was allowed
        self.port = port
        self.bookmark_seconds = bookmark_seconds
        self.requests = itertools.count()
        self._load(objects)
        self.controllers = Controllers(self.store, dead_nodes, termination_seconds=termination_seconds,
                                       lease_renew_seconds=lease_renew_seconds,
                                       node_monitor_grace_seconds=node_monitor_grace_seconds)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        # kubectl sends bearer tokens only over HTTPS, so per-user access needs TLS: a throwaway CA signs the
        # server certificate and the kubeconfig carries the CA.
        self.ca: trustme.CA | None = trustme.CA() if tls else None

    def _load(self, objects: Iterable[Obj]) -> None:
        pending = list(objects)
        # Namespaces first, so the namespaced objects can find theirs.
        pending.sort(key=lambda o: 0 if o.get("kind") == "Namespace" else 1)
        known = set()
        for obj in pending:
            rtype = type_for(str(obj["apiVersion"]), str(obj["kind"]))
            if rtype.kind == "Namespace":
                known.add(obj["metadata"]["name"])
            elif rtype.namespaced:
                namespace = (obj.get("metadata") or {}).get("namespace") or "default"
                if namespace not in known:
                    self.store.create(BY_KEY["namespaces"], {"metadata": {"name": namespace},
                                                            "spec": {"finalizers": ["kubernetes"]},
                                                            "status": {"phase": "Active"}}, load=True)
                    known.add(namespace)
            self.store.create(rtype, obj, load=True)
        # Every namespace has a default service account, as the service account controller makes it.
        for namespace in known:
            with contextlib.suppress(ApiError):
                self.store.create(BY_KEY["serviceaccounts"], {"metadata": {"name": "default",
                                                                           "namespace": namespace}}, load=True)
        self.store.finish_loading()

    # -- lifecycle --------------------------------------------------------------------------------------------

    def start(self) -> KubeServer:
        self.controllers.start()
        server = self

        class Handler(_Handler):
            api = server

        self._httpd = _Server(("127.0.0.1", self.port), Handler)
        if self.ca is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
            # The handshake happens in the request thread, not in the accept loop.
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True,
                                                     do_handshake_on_connect=False)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="sandbox-kube", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.controllers.stop()
        # Open watches end with the server instead of waiting out their timeout.
        self._stopped.set()
        with self.store.lock:
            self.store.changed.notify_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def url(self) -> str:
        return f"{'https' if self.ca is not None else 'http'}://127.0.0.1:{self.port}"

    @property
    def ca_pem(self) -> bytes | None:
        """The CA certificate (PEM) clients must trust, or None for plain HTTP."""
        return self.ca.cert_pem.bytes() if self.ca is not None else None

    # -- helpers for tests and the sandbox --------------------------------------------------------------------

    def used(self, user: str) -> frozenset[tuple[str, str, str]]:
        """What `user` was allowed to do so far, as RBAC names it: (API group, resource, verb) — so a test can
        compare a Role with what a client really asks for."""
        return frozenset(self._used.get(user, ()))

    def forget_use(self, user: str) -> None:
        self._used.pop(user, None)

    def set_access(self, user: str, rule: AccessRule | None) -> None:
        """Give `user` a rule (None: unrestricted again)."""
        if rule is None:
            self.rules.pop(user, None)
        else:
            self.rules[user] = rule

    def get(self, resource: str, name: str, namespace: str = "") -> Obj:
        """Read an object by resource key (`pods`, `apps/deployments`, `policy/poddisruptionbudgets`)."""
        return self.store.get(BY_KEY[resource], namespace, name)

    def objects(self, resource: str, namespace: str | None = None) -> list[Obj]:
        return [e.obj() for e in self.store.entries(BY_KEY[resource], namespace)]

    def apply(self, obj: Obj) -> Obj:
        """Create or replace an object (status included), as a test fixture would."""
        rtype = type_for(str(obj["apiVersion"]), str(obj["kind"]))
        meta = obj.get("metadata") or {}
        namespace = str(meta.get("namespace") or ("default" if rtype.namespaced else ""))
        if self.store.find(rtype, namespace, meta["name"]) is None:
            return self.store.create(rtype, obj, namespace)
        updated = self.store.update(rtype, namespace, meta["name"], obj, check_rv=False)
        if "status" in obj:
            updated = self.store.update(rtype, namespace, meta["name"], obj, subresource="status", check_rv=False)
        return updated

    def delete(self, resource: str, name: str, namespace: str = "") -> Obj:
        return self.store.delete(BY_KEY[resource], namespace, name,
                                 graceful=self.controllers.graceful if resource == "pods" else None)

    def mutate(self, resource: str, name: str, change: Callable[[Obj], None], namespace: str = "") -> Obj | None:
        return self.store.mutate(BY_KEY[resource], namespace, name, change)

    # -- changing the world while a bot watches (also over HTTP: POST /sandbox/v1/…, admin only) ----------------

    def stop_heartbeat(self, node: str) -> None:
        """The node's kubelet stops; after the node monitor grace period the node is NotReady (Unknown)."""
        self.controllers.stop_heartbeat(node)

    def resume_heartbeat(self, node: str) -> None:
        """The node's kubelet is back: Ready again, taints lifted, its pods ready again."""
        self.controllers.resume_heartbeat(node)

    def oom_kill(self, namespace: str, pod: str, container: str | None = None, *, back_off: bool = False) -> Obj:
        """A container is OOMKilled (exit 137) and restarts, or waits in CrashLoopBackOff with `back_off`. As a
        kubelet does, the killed run's log becomes the container's previous log (`--previous`); the new run's starts
        empty — and while it waits in back-off there is no new run, so the killed run's log is the current one too."""
        killed = self.controllers.oom_kill(namespace, pod, container, back_off=back_off)
        statuses = (killed.get("status") or {}).get("containerStatuses") or []
        name = container or next((s["name"] for s in statuses
                                  if ((s.get("lastState") or {}).get("terminated") or {}).get("reason") == "OOMKilled"),
                                 None)
        if name is not None:
            killed_log = self.logs.get((namespace, pod, name, False), "")
            self.logs[(namespace, pod, name, True)] = killed_log
            self.logs[(namespace, pod, name, False)] = killed_log if back_off else ""
        return killed

    def recover_pod(self, namespace: str, pod: str) -> Obj:
        """Every container of the pod runs and is ready."""
        return self.controllers.recover_pod(namespace, pod)

    def _control(self, req: Request, parts: list[str]) -> Response:
        """`POST /sandbox/v1/nodes/NODE/{stop-heartbeat,resume-heartbeat}` and
        `POST /sandbox/v1/namespaces/NS/pods/POD/{oom-kill,recover}` (`?container=C&backOff=true`)."""
        if req.user != "admin":
            raise ApiError(403, "Forbidden", f'User "{req.user}" cannot change the sandbox world (admin only)')
        if req.method != "POST":
            raise errors.method_not_allowed(req.method)
        rest = parts[2:] if parts[:2] == ["sandbox", "v1"] else []
        if len(rest) == 3 and rest[0] == "nodes" and rest[2] in ("stop-heartbeat", "resume-heartbeat"):
            node, action = rest[1], rest[2]
            if action == "stop-heartbeat":
                self.stop_heartbeat(node)
                message = (f"node {node}: kubelet stopped; NotReady after "
                           f"{self.controllers.node_monitor_grace_seconds:g} s without a lease renewal")
            else:
                self.resume_heartbeat(node)
                message = f"node {node}: kubelet posting again"
            return _json(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                               "message": message})
        if len(rest) == 5 and rest[0] == "namespaces" and rest[2] == "pods" and rest[4] in ("oom-kill", "recover"):
            namespace, pod, action = rest[1], rest[3], rest[4]
            if action == "oom-kill":
                back_off = req.query.get("backOff", "").lower() in ("1", "true")
                obj = self.oom_kill(namespace, pod, req.query.get("container") or None, back_off=back_off)
            else:
                obj = self.recover_pod(namespace, pod)
            return _json(200, obj)
        raise ApiError(404, "NotFound", "the server could not find the requested resource")

    # -- request handling -------------------------------------------------------------------------------------

    def authenticate(self, authorization: str | None) -> str | None:
        if not authorization:
            return "admin"
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.tokens.get(token.strip())

    def handle(self, req: Request) -> Response:
        next(self.requests)
        try:
            return self._route(req)
        except (ApiError, ValueError, KeyError, TypeError) as exc:
            if not isinstance(exc, ApiError):
                # A malformed request body or parameter the handlers did not anticipate: the client's fault.
                exc = errors.bad_request(f"{type(exc).__name__}: {exc}")
            response = _json(exc.code, exc.status())
            if exc.retry_after is not None:
                response.headers["Retry-After"] = str(exc.retry_after)
            return response

    def _route(self, req: Request) -> Response:
        parts = [p for p in req.path.split("/") if p]
        if req.path in ("/healthz", "/livez", "/readyz"):
            return Response(200, b"ok", "text/plain")
        if req.path == "/version":
            return _json(200, KUBE_VERSION)
        if parts[:1] == ["sandbox"]:
            return self._control(req, parts)
        if req.path == "/api":
            return _json(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]})
        if req.path == "/apis":
            return _json(200, self._group_list())
        if parts[:1] == ["openapi"]:
            return self._openapi(parts)
        if parts[:1] == ["api"] and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        elif parts[:1] == ["apis"] and len(parts) == 2:
            return _json(200, self._group(parts[1]))
        else:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if version not in group_versions().get(group, []):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if not rest:
            return _json(200, self._resource_list(group, version))
        namespace: str | None = None
        if rest[0] == "namespaces" and len(rest) >= 3 and (group, version, rest[2]) in BY_PATH:
            namespace, rest = rest[1], rest[2:]
        rtype = BY_PATH.get((group, version, rest[0]))
        if rtype is None or len(rest) > 3:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        name = rest[1] if len(rest) >= 2 else None
        sub = rest[2] if len(rest) == 3 else ""
        if sub and sub not in rtype.subresources:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if rtype.namespaced and name is not None and namespace is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        verb = self._verb(req, name)
        self._authorize(req.user, verb, rtype, sub, namespace, name)
        if rtype.kind == "SelfSubjectAccessReview":
            if req.method != "POST":
                raise errors.method_not_allowed(req.method)
            return self._access_review(req)
        if rtype.virtual:
            if req.method != "GET":
                raise errors.method_not_allowed(req.method)
            return self._metrics(rtype, namespace, name, req)
        if sub == "log":
            return self._log(namespace or "", name or "", req)
        if sub == "eviction":
            if req.method != "POST":
                raise errors.method_not_allowed(req.method)
            return self._evict(namespace or "", name or "", req)
        if sub == "scale":
            return self._scale(rtype, namespace or "", name or "", req)
        ns = namespace or ""
        if verb == "list":
            return self._list(rtype, namespace, req)
        if verb == "watch":
            return self._watch(rtype, namespace, req, name)
        if verb == "get":
            return self._object(rtype, self.store.get(rtype, ns, name or ""), req)
        if verb == "create":
            if name is not None:
                raise errors.method_not_allowed(req.method)
            body = self._body(req)
            self._check_kind(rtype, body)
            _check_lease(rtype, body, (body.get("metadata") or {}).get("name") or "")
            if self._dry_run(req):
                return _json(201, body)
            created = self.store.create(rtype, self._to_storage(rtype, body), ns)
            return _json(201, self._view(rtype, created))
        if verb == "update":
            body = self._body(req)
            self._check_kind(rtype, body)
            if rtype.kind == "Lease":
                return self._update_lease(rtype, ns, name or "", body)
            return _json(200, self._view(rtype, self.store.update(
                rtype, ns, name or "", self._to_storage(rtype, body), subresource=sub)))
        if verb == "patch":
            return _json(200, self._view(rtype, self._patch(rtype, ns, name or "", sub, req)))
        if verb == "delete":
            return self._delete(rtype, ns, name or "", req)
        if verb == "deletecollection":
            return self._delete_collection(rtype, namespace, req)
        raise errors.method_not_allowed(req.method)

    @staticmethod
    def _verb(req: Request, name: str | None) -> str:
        watch = req.query.get("watch", "").lower() in ("1", "true")
        if req.method == "GET":
            if name is None:
                return "watch" if watch else "list"
            return "watch" if watch else "get"
        return {
            "POST": "create", "PUT": "update", "PATCH": "patch",
            "DELETE": "delete" if name is not None else "deletecollection",
        }.get(req.method, req.method.lower())

    def _authorize(self, user: str, verb: str, rtype: ResourceType, sub: str, namespace: str | None,
                   name: str | None) -> None:
        rule = self.rules.get(user)
        resource = f"{rtype.plural}/{sub}" if sub else rtype.plural
        if rule is None or rule.permits(verb, resource):
            self._used.setdefault(user, set()).add((rtype.group, resource, verb))
            return
        subject = f'{rtype.plural}.{rtype.group}' if rtype.group else rtype.plural
        subject = f'{subject} "{name}"' if name else subject
        scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
        raise ApiError(
            403, "Forbidden",
            f'{subject} is forbidden: User "{user}" cannot {verb} resource "{resource}" in API group '
            f'"{rtype.group}" {scope}',
            name=name or "", group=rtype.group, kind=rtype.plural,
        )

    @staticmethod
    def _body(req: Request) -> Obj:
        if not req.body:
            raise errors.bad_request("the request body is empty")
        content_type = req.headers.get("content-type", "")
        if content_type.split(";")[0].strip() == protobuf.MEDIA_TYPE:
            # kubectl's typed clients (`kubectl create secret|configmap`) send protobuf; see sandbox.kube.protobuf.
            return protobuf.decode(req.body)
        if "protobuf" in content_type:
            raise ApiError(415, "UnsupportedMediaType", 'the body of the request was in an unknown format - '
                           'accepted media types include: application/json, application/yaml, '
                           'application/vnd.kubernetes.protobuf')
        try:
            if "yaml" in req.headers.get("content-type", ""):
                loaded = yaml.safe_load(req.body)
            else:
                loaded = orjson.loads(req.body)
        except (orjson.JSONDecodeError, yaml.YAMLError) as exc:
            raise errors.bad_request(f"the body of the request was in an unknown format: {exc}") from exc
        if not isinstance(loaded, dict):
            raise errors.bad_request("the body of the request must be an object")
        return loaded

    @staticmethod
    def _dry_run(req: Request) -> bool:
        return req.query.get("dryRun") == "All"

    @staticmethod
    def _check_kind(rtype: ResourceType, body: Obj) -> None:
        kind = body.get("kind")
        if kind and kind != rtype.kind:
            raise errors.bad_request(f"the API version in the data ({body.get('apiVersion')}) does not match the "
                                     f"expected API version ({rtype.api_version})" if body.get("apiVersion") !=
                                     rtype.api_version else f"kind {kind} does not match {rtype.kind}")

    def _update_lease(self, rtype: ResourceType, namespace: str, name: str, body: Obj) -> Response:
        """PUT of a Lease as kube-apiserver's lease strategy has it: no unconditional update (a resourceVersion is
        required, a stale one is 409 Conflict: what leader election builds on), and create-on-update."""
        _check_lease(rtype, body, name)
        with self.store.lock:
            if self.store.find(rtype, namespace, name) is None:
                body = dict(body, metadata={**(body.get("metadata") or {}), "name": name})
                body["metadata"].pop("resourceVersion", None)
                return _json(201, self.store.create(rtype, body, namespace))
            if not (body.get("metadata") or {}).get("resourceVersion"):
                raise errors.invalid(rtype.group, rtype.plural, name, [(
                    "metadata.resourceVersion", "FieldValueInvalid",
                    "Invalid value: 0x0: must be specified for an update")])
            return _json(200, self.store.update(rtype, namespace, name, body))

    # -- views (events.k8s.io events are stored as core events) ----------------------------------------------

    @staticmethod
    def _view(rtype: ResourceType, obj: Obj) -> Obj:
        if rtype.stored_as != "events":
            return obj
        meta = obj["metadata"]
        source = obj.get("source") or {}
        out: Obj = {
            "kind": "Event", "apiVersion": "events.k8s.io/v1", "metadata": meta,
            "eventTime": obj.get("eventTime") or obj.get("firstTimestamp") or meta.get("creationTimestamp"),
            "reason": obj.get("reason"), "note": obj.get("message"), "type": obj.get("type"),
            "regarding": obj.get("involvedObject"),
            "reportingController": obj.get("reportingComponent") or source.get("component") or "",
            "reportingInstance": obj.get("reportingInstance") or source.get("host") or "",
            "action": obj.get("action") or obj.get("reason"),
            "deprecatedSource": source, "deprecatedFirstTimestamp": obj.get("firstTimestamp"),
            "deprecatedLastTimestamp": obj.get("lastTimestamp"), "deprecatedCount": obj.get("count"),
        }
        if obj.get("related"):
            out["related"] = obj["related"]
        return {k: v for k, v in out.items() if v not in (None, "", {})}

    @staticmethod
    def _to_storage(rtype: ResourceType, obj: Obj) -> Obj:
        if rtype.stored_as != "events":
            return obj
        return {
            "metadata": obj.get("metadata") or {}, "involvedObject": obj.get("regarding") or {},
            "reason": obj.get("reason"), "message": obj.get("note"), "type": obj.get("type"),
            "eventTime": obj.get("eventTime"), "reportingComponent": obj.get("reportingController"),
            "reportingInstance": obj.get("reportingInstance"), "action": obj.get("action"),
            "source": obj.get("deprecatedSource") or {}, "firstTimestamp": obj.get("deprecatedFirstTimestamp"),
            "lastTimestamp": obj.get("deprecatedLastTimestamp"), "count": obj.get("deprecatedCount"),
            "related": obj.get("related"),
        }

    def _raw(self, rtype: ResourceType, entry: Entry) -> bytes:
        if rtype.stored_as == "events":
            return orjson.dumps(self._view(rtype, entry.obj()))
        return entry.raw

    # -- reads ------------------------------------------------------------------------------------------------

    @staticmethod
    def _wants_table(req: Request) -> tuple[bool, str]:
        accept = req.headers.get("accept", "")
        first = accept.split(",")[0]
        return ("as=Table" in first and "g=meta.k8s.io" in first), req.query.get("includeObject", "Metadata")

    def _object(self, rtype: ResourceType, obj: Obj, req: Request) -> Response:
        table, include = self._wants_table(req)
        view = self._view(rtype, obj)
        if table:
            return _json(200, {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
                               "metadata": {"resourceVersion": obj["metadata"].get("resourceVersion", "")},
                               "columnDefinitions": tables.column_definitions(rtype.kind),
                               "rows": [tables.row(rtype.kind, view, include)]})
        return _json(200, view)

    def _selectors(self, rtype: ResourceType, req: Request) -> tuple[Any, Any]:
        labels = parse_label_selector(req.query.get("labelSelector"))
        supported = rtype.field_selectors()
        fields = parse_field_selector(req.query.get("fieldSelector"), supported, rtype.kind)
        return labels, fields

    def _list(self, rtype: ResourceType, namespace: str | None, req: Request) -> Response:
        labels, fields = self._selectors(rtype, req)
        try:
            limit = int(req.query.get("limit") or 0)
        except ValueError as exc:
            raise errors.bad_request(f"invalid limit: {exc}") from exc
        page = self.store.page(rtype, namespace, labels, fields, limit, req.query.get("continue"))
        meta: Obj = {"resourceVersion": str(page.rv)}
        if page.continue_token:
            meta["continue"] = page.continue_token
        if page.remaining is not None:
            meta["remainingItemCount"] = page.remaining
        table, include = self._wants_table(req)
        if table:
            return _json(200, {
                "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
                "columnDefinitions": tables.column_definitions(rtype.kind),
                "rows": [tables.row(rtype.kind, self._view(rtype, e.obj()), include) for e in page.entries],
            })
        # Stream the stored bytes: no object is decoded or re-encoded for a JSON list.
        head = orjson.dumps({"kind": f"{rtype.kind}List", "apiVersion": rtype.api_version, "metadata": meta})
        body = b"".join((head[:-1], b',"items":[', b",".join(self._raw(rtype, e) for e in page.entries), b"]}"))
        return Response(200, body)

    def _watch(self, rtype: ResourceType, namespace: str | None, req: Request, name: str | None) -> Response:
        labels, fields = self._selectors(rtype, req)
        if name is not None:
            fields = (*fields, *parse_field_selector(f"metadata.name={name}", {"metadata.name"}, rtype.kind))
        timeout = float(req.query.get("timeoutSeconds") or 1800)
        bookmarks = req.query.get("allowWatchBookmarks", "").lower() in ("1", "true")
        rv_text = req.query.get("resourceVersion") or ""
        storage = rtype.storage_key

        def wanted(entry: Entry) -> bool:
            if entry.storage != storage:
                return False
            if namespace and rtype.namespaced and entry.namespace != namespace:
                return False
            return (not labels or labels_match(labels, entry.labels)) and \
                (not fields or all((entry.fields.get(r.field, "") == r.value) == r.equal for r in fields))

        as_table, include = self._wants_table(req)
        headers_sent = [False]

        def event(kind: str, raw: bytes) -> bytes:
            return b'{"type":"' + kind.encode() + b'","object":' + raw + b"}\n"

        def encode(entry: Entry) -> bytes:
            if not as_table:
                return self._raw(rtype, entry)
            # `kubectl get -w` asks for Tables: one row an event, column definitions only in the first.
            table = {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
                     "metadata": {"resourceVersion": str(entry.rv)},
                     "columnDefinitions": [] if headers_sent[0] else tables.column_definitions(rtype.kind),
                     "rows": [tables.row(rtype.kind, self._view(rtype, entry.obj()), include)]}
            headers_sent[0] = True
            return orjson.dumps(table)

        def run(write: Callable[[bytes], bool]) -> None:
            deadline = time.monotonic() + timeout
            with self.store.lock:
                if rv_text in ("", "0"):
                    initial = [e for e in self.store.entries(rtype, namespace) if wanted(e)]
                    last = self.store.rv
                    backlog: list[Change] = []
                else:
                    initial = []
                    try:
                        last = int(rv_text)
                        backlog = self.store.changes_since(last)
                    except (ValueError, ApiError) as exc:
                        status = exc.status() if isinstance(exc, ApiError) else errors.bad_request(str(exc)).status()
                        write(event("ERROR", orjson.dumps(status)))
                        return
            for entry in initial:
                if not write(event("ADDED", encode(entry))):
                    return
            next_bookmark = time.monotonic() + self.bookmark_seconds
            while True:
                for change in backlog:
                    last = change.rv
                    if wanted(change.entry) and not write(event(change.type, encode(change.entry))):
                        return
                now = time.monotonic()
                if now >= deadline:
                    return
                if bookmarks and now >= next_bookmark:
                    mark = {"kind": rtype.kind, "apiVersion": rtype.api_version,
                            "metadata": {"resourceVersion": str(last)}}
                    if not write(event("BOOKMARK", orjson.dumps(mark))):
                        return
                    next_bookmark = now + self.bookmark_seconds
                if self._stopped.is_set():
                    return
                # Without bookmarks the next thing due is the deadline: waiting for a bookmark time that has
                # passed would spin this thread at full speed until the watch times out.
                wake = min(deadline, next_bookmark) if bookmarks else deadline
                with self.store.lock:
                    if self.store.rv == last:
                        self.store.changed.wait(timeout=max(0.0, wake - now))
                    try:
                        backlog = self.store.changes_since(last)
                    except ApiError as exc:
                        write(event("ERROR", orjson.dumps(exc.status())))
                        return
                    if not backlog and self.store.rv > last:
                        last = self.store.rv

        return Response(200, b"", stream=run)

    def _log(self, namespace: str, name: str, req: Request) -> Response:
        pod = self.store.get(PODS, namespace, name)
        containers = [c["name"] for c in (pod.get("spec") or {}).get("containers") or []]
        container = req.query.get("container") or ""
        if not container:
            if len(containers) != 1:
                raise errors.bad_request(f"a container name must be specified for pod {name}, choose one of: "
                                         f"[{' '.join(containers)}]")
            container = containers[0]
        if container not in containers:
            raise errors.bad_request(f"container {container} is not valid for pod {name}")
        previous = req.query.get("previous", "").lower() in ("1", "true")
        text = self.logs.get((namespace, name, container, previous))
        if text is None:
            if previous:
                raise errors.bad_request(f'previous terminated container "{container}" in pod "{name}" not found')
            waiting = next(((s.get("state") or {}).get("waiting") for s in
                            (pod.get("status") or {}).get("containerStatuses") or [] if s.get("name") == container),
                           None)
            if (pod.get("status") or {}).get("phase") == "Pending" or (waiting and waiting.get("reason") in (
                    "ContainerCreating", "ImagePullBackOff", "ErrImagePull")):
                raise errors.bad_request(f'container "{container}" in pod "{name}" is waiting to start: '
                                         f"{(waiting or {}).get('reason', 'ContainerCreating')}")
            text = ""
        lines = text.splitlines(keepends=True)
        tail = req.query.get("tailLines")
        if tail:
            count = int(tail)
            lines = lines[-count:] if count > 0 else []
        limit = req.query.get("limitBytes")
        body = "".join(lines).encode()
        if limit:
            body = body[: int(limit)]
        return Response(200, body, "text/plain")

    def _metrics(self, rtype: ResourceType, namespace: str | None, name: str | None, req: Request) -> Response:
        stamp = now_rfc3339()
        items: list[Obj] = []
        labels = parse_label_selector(req.query.get("labelSelector"))
        if rtype.kind == "NodeMetrics":
            per_node: dict[str, list[float]] = {}
            for entry in self.store.entries(PODS):
                node = entry.fields.get("spec.nodeName")
                if node and entry.fields.get("status.phase") == "Running":
                    usage = per_node.setdefault(node, [0.0, 0.0])
                    for cpu, mem in self._pod_usage(entry).values():
                        usage[0] += cpu
                        usage[1] += mem
            for entry in self.store.entries(BY_KEY["nodes"]):
                if entry.name in self.controllers.dead_nodes or (name and entry.name != name):
                    continue
                if labels and not labels_match(labels, entry.labels):
                    continue
                cpu, mem = self.node_usage.get(entry.name) or tuple(per_node.get(entry.name, [0.0, 0.0]))
                items.append({"metadata": {"name": entry.name, "creationTimestamp": stamp, "labels": entry.labels},
                              "timestamp": stamp, "window": "20.05s",
                              "usage": {"cpu": f"{int(cpu)}m", "memory": f"{int(mem) // 1024}Ki"}})
        else:
            for entry in self.store.entries(PODS, namespace):
                if entry.fields.get("status.phase") != "Running" or (name and entry.name != name):
                    continue
                if entry.fields.get("spec.nodeName") in self.controllers.dead_nodes:
                    continue
                if labels and not labels_match(labels, entry.labels):
                    continue
                containers = [{"name": c, "usage": {"cpu": f"{int(cpu)}m", "memory": f"{int(mem) // 1024}Ki"}}
                              for c, (cpu, mem) in self._pod_usage(entry).items()]
                items.append({"metadata": {"name": entry.name, "namespace": entry.namespace,
                                           "creationTimestamp": stamp, "labels": entry.labels},
                              "timestamp": stamp, "window": "18.5s", "containers": containers})
        if name is not None:
            if not items:
                raise errors.not_found(rtype.group, rtype.plural, name)
            return _json(200, {"kind": rtype.kind, "apiVersion": rtype.api_version, **items[0]})
        for item in items:
            item["kind"], item["apiVersion"] = rtype.kind, rtype.api_version
        return _json(200, {"kind": f"{rtype.kind}List", "apiVersion": rtype.api_version,
                           "metadata": {}, "items": items})

    def _access_review(self, req: Request) -> Response:
        """`kubectl auth can-i`: answer from the caller's access rule."""
        review = self._body(req)
        attrs = (review.get("spec") or {}).get("resourceAttributes") or {}
        resource = str(attrs.get("resource") or "")
        if attrs.get("subresource"):
            resource = f"{resource}/{attrs['subresource']}"
        rule = self.rules.get(req.user)
        allowed = rule is None or rule.permits(str(attrs.get("verb") or ""), resource)
        status: Obj = {"allowed": allowed}
        if not allowed:
            status["denied"] = True
            status["reason"] = f'user "{req.user}" is restricted by the sandbox access rules'
        return _json(201, {"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1",
                           "metadata": {"creationTimestamp": None}, "spec": review.get("spec") or {},
                           "status": status})

    def _pod_usage(self, entry: Entry) -> dict[str, tuple[float, float]]:
        known = self.pod_usage.get((entry.namespace, entry.name))
        if known is not None:
            return {c: (float(cpu), float(mem)) for c, (cpu, mem) in known.items()}
        # Pods the controllers started have no recorded usage; they use what they request.
        out: dict[str, tuple[float, float]] = {}
        for c in entry.obj()["spec"].get("containers") or []:
            requests = (c.get("resources") or {}).get("requests") or {}
            out[c["name"]] = (max(1.0, parse_quantity(requests.get("cpu")) * 1000),
                              max(float(2**20), parse_quantity(requests.get("memory"))))
        return out

    # -- writes -----------------------------------------------------------------------------------------------

    def _patch(self, rtype: ResourceType, namespace: str, name: str, sub: str, req: Request) -> Obj:
        content_type = req.headers.get("content-type", "").split(";")[0].strip()
        try:
            body = orjson.loads(req.body) if "yaml" not in content_type else yaml.safe_load(req.body)
        except (orjson.JSONDecodeError, yaml.YAMLError) as exc:
            raise errors.bad_request(f"error decoding patch: {exc}") from exc
        with self.store.lock:
            found = self.store.find(rtype, namespace, name)
            if found is None and content_type == "application/apply-patch+yaml" and isinstance(body, dict) and not sub:
                # Server-side apply creates what does not exist yet.
                body.setdefault("metadata", {})["name"] = name
                return self.store.create(rtype, self._to_storage(rtype, body), namespace)
            if found is None:
                raise errors.not_found(rtype.group, rtype.plural, name)
            current = self._view(rtype, found)
            if content_type == "application/strategic-merge-patch+json":
                if rtype.group.endswith("k8s.io") and rtype.group not in ("coordination.k8s.io", "events.k8s.io"):
                    raise ApiError(415, "UnsupportedMediaType", "strategic merge patch is not supported")
                result = patch.strategic_merge(current, body, patch.schema_for(rtype.group, rtype.version,
                                                                               rtype.kind))
            elif content_type == "application/merge-patch+json":
                result = patch.merge_patch(current, body)
            elif content_type == "application/json-patch+json":
                result = patch.json_patch(current, body)
            elif content_type == "application/apply-patch+yaml":
                result = patch.merge_patch(current, body)
            else:
                raise ApiError(415, "UnsupportedMediaType", f"the media type {content_type!r} is not supported")
            if not isinstance(result, dict):
                raise errors.bad_request("the patch did not produce an object")
            _check_lease(rtype, result, name)
            if self._dry_run(req):
                return result
            # A patch carries a resourceVersion only when the client wants the precondition.
            sent = ((body if isinstance(body, dict) else {}).get("metadata") or {}).get("resourceVersion")
            if not sent:
                result.setdefault("metadata", {}).pop("resourceVersion", None)
            return self.store.update(rtype, namespace, name, self._to_storage(rtype, result), subresource=sub)

    def _delete(self, rtype: ResourceType, namespace: str, name: str, req: Request) -> Response:
        options: Obj = {}
        if req.body:
            with contextlib.suppress(orjson.JSONDecodeError):
                loaded = orjson.loads(req.body)
                if isinstance(loaded, dict):
                    options = loaded
        grace = options.get("gracePeriodSeconds", req.query.get("gracePeriodSeconds"))
        propagation = options.get("propagationPolicy") or req.query.get("propagationPolicy") or "Background"
        if options.get("orphanDependents") is True:
            propagation = "Orphan"
        pre = options.get("preconditions") or {}
        if self._dry_run(req) or "All" in (options.get("dryRun") or []):
            return _json(200, self.store.get(rtype, namespace, name))
        obj = self.store.delete(
            rtype, namespace, name, propagation=str(propagation),
            uid_precondition=pre.get("uid"), rv_precondition=pre.get("resourceVersion"),
            grace_seconds=None if grace is None else int(grace),
            graceful=self.controllers.graceful if rtype.kind == "Pod" else None,
        )
        if rtype.kind == "Namespace":
            # The namespace controller removes everything the namespace held.
            for other in TYPES:
                if other.namespaced and not other.virtual and not other.stored_as:
                    for entry in self.store.entries(other, name):
                        with contextlib.suppress(ApiError):
                            self.store.delete(other, entry.namespace, entry.name, grace_seconds=0)
        if rtype.kind == "Pod":
            self.controllers.wake()
        if obj["metadata"].get("deletionTimestamp") and self.store.find(rtype, namespace, name) is not None:
            return _json(202 if rtype.kind != "Pod" else 200, self._view(rtype, obj))
        if rtype.kind in ("Pod", "Node", "Namespace") or rtype.group:
            return _json(200, self._view(rtype, obj))
        return _json(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                           "details": {"name": name, "group": rtype.group, "kind": rtype.plural,
                                       "uid": obj["metadata"]["uid"]}})

    def _delete_collection(self, rtype: ResourceType, namespace: str | None, req: Request) -> Response:
        labels, fields = self._selectors(rtype, req)
        page = self.store.page(rtype, namespace, labels, fields)
        deleted = []
        for entry in page.entries:
            with contextlib.suppress(ApiError):
                deleted.append(self.store.delete(
                    rtype, entry.namespace, entry.name,
                    graceful=self.controllers.graceful if rtype.kind == "Pod" else None))
        head = orjson.dumps({"kind": f"{rtype.kind}List", "apiVersion": rtype.api_version,
                             "metadata": {"resourceVersion": str(self.store.rv)}, "items": deleted})
        return Response(200, head)

    def _scale(self, rtype: ResourceType, namespace: str, name: str, req: Request) -> Response:
        def scale_of(obj: Obj) -> Obj:
            spec = obj.get("spec") or {}
            selector = selector_from_label_selector(spec.get("selector")) or ()
            return {
                "kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {k: obj["metadata"][k] for k in ("name", "namespace", "uid", "resourceVersion",
                                                              "creationTimestamp") if k in obj["metadata"]},
                "spec": {"replicas": int(spec.get("replicas", 1))},
                "status": {"replicas": int((obj.get("status") or {}).get("replicas", 0)),
                           "selector": ",".join(f"{r.key}={next(iter(r.values))}" for r in selector
                                                if r.op == "=")},
            }

        with self.store.lock:
            current = self.store.get(rtype, namespace, name)
            if req.method == "GET":
                return _json(200, scale_of(current))
            scale = scale_of(current)
            if req.method == "PUT":
                wanted = self._body(req)
            elif req.method == "PATCH":
                content_type = req.headers.get("content-type", "").split(";")[0].strip()
                body = orjson.loads(req.body)
                if content_type == "application/json-patch+json":
                    wanted = patch.json_patch(scale, body)
                elif content_type == "application/strategic-merge-patch+json":
                    wanted = patch.strategic_merge(scale, body, None)
                else:
                    wanted = patch.merge_patch(scale, body)
            else:
                raise errors.method_not_allowed(req.method)
            sent_rv = (wanted.get("metadata") or {}).get("resourceVersion")
            if sent_rv and req.method == "PUT" and str(sent_rv) != current["metadata"]["resourceVersion"]:
                raise errors.conflict(rtype.group, rtype.plural, name)
            replicas = (wanted.get("spec") or {}).get("replicas")
            if not isinstance(replicas, int) or replicas < 0:
                raise errors.invalid("autoscaling", "Scale", name, [(
                    "spec.replicas", "FieldValueInvalid",
                    f"Invalid value: {replicas}: must be greater than or equal to 0")])
            current.setdefault("spec", {})["replicas"] = replicas
            current["metadata"].pop("resourceVersion", None)
            updated = self.store.update(rtype, namespace, name, current)
            return _json(200, scale_of(updated))

    def _evict(self, namespace: str, name: str, req: Request) -> Response:
        body = self._body(req) if req.body else {}
        options = body.get("deleteOptions") or {}
        with self.store.lock:
            pod = self.store.get(PODS, namespace, name)
            meta = pod["metadata"]
            phase = (pod.get("status") or {}).get("phase")
            # Terminal, pending and already-terminating pods need no budget (eviction.go canIgnorePDB).
            if phase not in ("Succeeded", "Failed", "Pending") and not meta.get("deletionTimestamp"):
                pdbs = [e.obj() for e in self.store.entries(PDBS, namespace)]
                matching = [
                    p for p in pdbs
                    if (sel := selector_from_label_selector((p.get("spec") or {}).get("selector"))) is not None
                    and labels_match(sel, meta.get("labels") or {})
                ]
                if len(matching) > 1:
                    raise ApiError(500, "InternalError", "This pod has more than one PodDisruptionBudget, which the "
                                   "eviction subresource does not support.")
                if matching:
                    pdb = self.controllers.refresh_pdb(namespace, matching[0]["metadata"]["name"]) or matching[0]
                    status = pdb.get("status") or {}
                    unhealthy_ok = not pod_ready(pod) and status.get("currentHealthy", 0) >= \
                        status.get("desiredHealthy", 0)
                    if not unhealthy_ok and status.get("disruptionsAllowed", 0) <= 0:
                        raise ApiError(
                            429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.",
                            causes=[{"reason": "DisruptionBudget", "message":
                                     f"The disruption budget {pdb['metadata']['name']} needs "
                                     f"{status.get('desiredHealthy', 0)} healthy pods and has "
                                     f"{status.get('currentHealthy', 0)} currently"}],
                        )
                    if not self._dry_run(req):
                        def disrupted(obj: Obj) -> None:
                            st = obj.setdefault("status", {})
                            st["disruptionsAllowed"] = max(0, int(st.get("disruptionsAllowed", 0)) - 1)
                            st.setdefault("disruptedPods", {})[name] = now_rfc3339()
                        if not unhealthy_ok:
                            self.store.mutate(PDBS, namespace, pdb["metadata"]["name"], disrupted)
            if not self._dry_run(req):
                grace = options.get("gracePeriodSeconds")
                pre = options.get("preconditions") or {}
                self.store.delete(PODS, namespace, name, grace_seconds=None if grace is None else int(grace),
                                  uid_precondition=pre.get("uid"), graceful=self.controllers.graceful)
                self.controllers.wake()
        return _json(201, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201})

    # -- discovery --------------------------------------------------------------------------------------------

    def _group(self, group: str) -> Obj:
        versions = group_versions().get(group)
        if versions is None or group == "":
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": gvs, "preferredVersion": gvs[0]}

    def _group_list(self) -> Obj:
        return {"kind": "APIGroupList", "apiVersion": "v1",
                "groups": [self._group(g) for g in group_versions() if g]}

    @staticmethod
    def _resource_list(group: str, version: str) -> Obj:
        resources: list[Obj] = []
        for t in TYPES:
            if (t.group, t.version) != (group, version):
                continue
            item: Obj = {"name": t.plural, "singularName": t.kind.lower(), "namespaced": t.namespaced,
                         "kind": t.kind, "verbs": list(t.verbs)}
            if t.short_names:
                item["shortNames"] = list(t.short_names)
            if t.categories:
                item["categories"] = list(t.categories)
            resources.append(item)
            for sub in t.subresources:
                verbs = {"status": ["get", "patch", "update"], "scale": ["get", "patch", "update"],
                         "log": ["get"], "eviction": ["create"]}[sub]
                entry: Obj = {"name": f"{t.plural}/{sub}", "singularName": "", "namespaced": t.namespaced,
                              "kind": t.kind, "verbs": verbs}
                if sub == "scale":
                    entry.update({"group": "autoscaling", "version": "v1", "kind": "Scale"})
                elif sub == "eviction":
                    entry.update({"group": "policy", "version": "v1", "kind": "Eviction"})
                elif sub == "log":
                    entry["kind"] = "Pod"
                resources.append(entry)
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{version}" if group else
                version, "resources": resources}

    def _openapi(self, parts: list[str]) -> Response:
        if parts == ["openapi", "v3"]:
            paths = {("api/" if not g else f"apis/{g}/") + v: {"serverRelativeURL":
                     ("/openapi/v3/api/" if not g else f"/openapi/v3/apis/{g}/") + f"{v}?hash={OPENAPI_HASH}"}
                     for g, versions in group_versions().items() for v in versions}
            return _json(200, {"paths": paths})
        if len(parts) >= 4 and parts[:2] == ["openapi", "v3"]:
            group = "" if parts[2] == "api" else parts[3]
            version = parts[-1]
            return Response(200, patch.openapi_v3_document(_openapi_paths(group, version)),
                            headers={"Cache-Control": "public, immutable"})
        raise ApiError(404, "NotFound", "the server could not find the requested resource")


# metav1.MicroTime's wire form: RFC 3339 with exactly six fractional digits ("2006-01-02T15:04:05.000000Z07:00").
_MICRO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$")


def _check_lease(rtype: ResourceType, obj: Obj, name: str) -> None:
    """What kube-apiserver refuses in a Lease: a time that does not decode as a MicroTime (400, the body cannot be
    read: Go's parser wants exactly six fractional digits, which Python's `isoformat()` leaves out when they are
    zero), and the spec values ValidateLease rejects (422)."""
    if rtype.kind != "Lease":
        return
    spec = obj.get("spec") or {}
    for key in ("acquireTime", "renewTime"):
        value = spec.get(key)
        if value is not None and (not isinstance(value, str) or not _MICRO_TIME.match(value)):
            raise errors.bad_request(
                f'Lease in version "v1" cannot be handled as a Lease: parsing time "{value}" as '
                '"2006-01-02T15:04:05.000000Z07:00": cannot parse as RFC3339Micro')
    causes: list[tuple[str, str, str]] = []
    duration = spec.get("leaseDurationSeconds")
    if duration is not None and (not isinstance(duration, int) or duration <= 0):
        causes.append(("spec.leaseDurationSeconds", "FieldValueInvalid",
                       f"Invalid value: {duration}: must be greater than 0"))
    transitions = spec.get("leaseTransitions")
    if transitions is not None and (not isinstance(transitions, int) or transitions < 0):
        causes.append(("spec.leaseTransitions", "FieldValueInvalid",
                       f"Invalid value: {transitions}: must be greater than or equal to 0"))
    if causes:
        raise errors.invalid(rtype.group, rtype.kind, name, causes)


def _openapi_paths(group: str, version: str) -> str:
    """The resource paths of one group-version with the GVK and schema of each operation (what
    `kubectl explain` looks a resource up by)."""
    paths: dict[str, Obj] = {}
    prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
    for t in TYPES:
        if (t.group, t.version) != (group, version) or t.virtual:
            continue
        name = patch.schema_name(t.group, t.version, t.kind)
        if name is None:
            continue
        gvk = {"group": t.group, "version": t.version, "kind": t.kind}
        ref = {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
               "description": "OK"}
        # Advertising `fieldValidation` makes kubectl validate on the server instead of fetching /openapi/v2.
        params = [{"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
                  {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": True}}]
        item = {verb: {"x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk,
                       "responses": {"200": ref}, "parameters": params}
                for verb, action in (("get", "get"), ("put", "put"), ("patch", "patch"), ("delete", "delete"))}
        base = f"{prefix}/namespaces/{{namespace}}/{t.plural}" if t.namespaced else f"{prefix}/{t.plural}"
        paths[f"{base}/{{name}}"] = item
        paths[base] = {"get": {"x-kubernetes-action": "list", "x-kubernetes-group-version-kind": gvk,
                               "responses": {"200": {"description": "OK"}}},
                       "post": {"x-kubernetes-action": "post", "x-kubernetes-group-version-kind": gvk,
                                "responses": {"201": ref}, "parameters": params}}
    return json.dumps(paths)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-answer or failing the TLS handshake are not server faults worth a traceback.
        return


class _Handler(BaseHTTPRequestHandler):
    api: KubeServer
    protocol_version = "HTTP/1.1"
    server_version = "sandbox-kube-apiserver"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle and delayed ACKs add ~40 ms an answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        # Requests are counted, not logged: kubectl polls and watches would drown test output.
        return

    def _dispatch(self) -> None:
        split = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        user = self.api.authenticate(self.headers.get("Authorization"))
        if user is None:
            response = _json(401, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                   "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
        else:
            headers = {k.lower(): v for k, v in self.headers.items()}
            response = self.api.handle(Request(self.command, split.path, query, headers, body, user))
        self.send_response(response.code)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Audit-Id", f"{next(_AUDIT):08d}")
        self.send_header("Cache-Control", "no-cache, private")
        for key, value in response.headers.items():
            self.send_header(key, value)
        if response.stream is None:
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

        def write(chunk: bytes) -> bool:
            try:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
                return True
            except OSError:
                return False

        response.stream(write)
        with contextlib.suppress(OSError):
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch


_AUDIT = itertools.count(1)
