"""The sandbox API server's object store: one global resourceVersion, serialized bytes per object, watch history.

Objects are kept as their JSON bytes (what lists and watches send) plus the few fields selectors and
controllers index on, so a 50,000-pod cluster costs its JSON size rather than a tree of Python dicts.
Every write goes through `Store`, which keeps uid/resourceVersion/generation/timestamps the way
kube-apiserver does and records the change for watchers. It knows nothing about HTTP.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from sandbox.kube import errors
from sandbox.kube.errors import ApiError
from sandbox.kube.resources import BY_KEY, ResourceType
from sandbox.kube.selectors import FieldRequirement, Requirement, fields_match, labels_match

Obj = dict[str, Any]
Key = tuple[str, str]  # (namespace, name); namespace "" for cluster-scoped objects

_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
# Kinds whose spec changes bump metadata.generation (objects without a spec keep generation unset).
_NO_GENERATION = {"Event", "ConfigMap", "Secret", "Endpoints", "Lease", "ServiceAccount", "ControllerRevision"}


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored version of an object: its bytes and what lists, selectors and controllers index on."""

    storage: str
    namespace: str
    name: str
    uid: str
    rv: int
    raw: bytes
    labels: dict[str, str]
    fields: dict[str, str]
    owners: tuple[str, ...]

    def obj(self) -> Obj:
        loaded: Obj = orjson.loads(self.raw)
        return loaded


@dataclass(frozen=True, slots=True)
class Change:
    rv: int
    type: str  # ADDED, MODIFIED, DELETED
    entry: Entry


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    rv: int
    continue_token: str | None
    remaining: int | None


class Store:
    def __init__(self, history: int = 50_000) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.rv = 1
        self._objects: dict[str, dict[Key, Entry]] = {t.storage_key: {} for t in BY_KEY.values() if not t.virtual}
        self._sorted: dict[str, list[Key] | None] = {}
        self._history: deque[Change] = deque(maxlen=history)
        # Changes at or below this resourceVersion are no longer in `_history` (as after etcd compaction).
        self.compacted_rv = 1
        self._by_uid: dict[str, tuple[str, Key]] = {}
        self.listeners: list[Callable[[Change], None]] = []

    # -- reads ------------------------------------------------------------------------------------------------

    def entry(self, rtype: ResourceType, namespace: str, name: str) -> Entry:
        found = self._objects[rtype.storage_key].get((namespace if rtype.namespaced else "", name))
        if found is None:
            raise errors.not_found(rtype.group, rtype.plural, name)
        return found

    def get(self, rtype: ResourceType, namespace: str, name: str) -> Obj:
        return self.entry(rtype, namespace, name).obj()

    def find(self, rtype: ResourceType, namespace: str, name: str) -> Obj | None:
        found = self._objects[rtype.storage_key].get((namespace if rtype.namespaced else "", name))
        return found.obj() if found else None

    def entries(self, rtype: ResourceType, namespace: str | None = None) -> list[Entry]:
        """A snapshot of the entries of a type (in a namespace), sorted by namespace and name."""
        with self.lock:
            table = self._objects[rtype.storage_key]
            keys = self._keys(rtype.storage_key)
            if namespace is None or not rtype.namespaced:
                return [table[k] for k in keys]
            lo = bisect.bisect_left(keys, (namespace, ""))
            hi = bisect.bisect_left(keys, (namespace + "\x00", ""))
            return [table[k] for k in keys[lo:hi]]

    def by_uid(self, uid: str) -> Entry | None:
        found = self._by_uid.get(uid)
        if found is None:
            return None
        return self._objects[found[0]].get(found[1])

    def count(self, rtype: ResourceType) -> int:
        return len(self._objects[rtype.storage_key])

    def _keys(self, storage: str) -> list[Key]:
        keys = self._sorted.get(storage)
        if keys is None:
            keys = sorted(self._objects[storage])
            self._sorted[storage] = keys
        return keys

    def page(
        self,
        rtype: ResourceType,
        namespace: str | None,
        labels: tuple[Requirement, ...] = (),
        fields: tuple[FieldRequirement, ...] = (),
        limit: int = 0,
        continue_token: str | None = None,
    ) -> Page:
        with self.lock:
            table = self._objects[rtype.storage_key]
            keys = self._keys(rtype.storage_key)
            lo, hi = 0, len(keys)
            if namespace and rtype.namespaced:
                lo = bisect.bisect_left(keys, (namespace, ""))
                hi = bisect.bisect_left(keys, (namespace + "\x00", ""))
            list_rv = self.rv
            if continue_token:
                token_rv, start = self._decode_continue(continue_token)
                lo = max(lo, bisect.bisect_right(keys, start))
                list_rv = token_rv
            out: list[Entry] = []
            index = lo
            while index < hi:
                entry = table[keys[index]]
                index += 1
                if labels and not labels_match(labels, entry.labels):
                    continue
                if fields and not fields_match(fields, entry.fields):
                    continue
                out.append(entry)
                if limit and len(out) >= limit:
                    break
            token: str | None = None
            remaining: int | None = None
            if limit and len(out) >= limit and index < hi:
                if labels or fields:
                    more = any(
                        labels_match(labels, table[k].labels) and fields_match(fields, table[k].fields)
                        for k in keys[index:hi]
                    )
                else:
                    more = True
                    remaining = hi - index
                if more:
                    last = out[-1]
                    token = self._encode_continue(list_rv, (last.namespace, last.name))
            return Page(out, list_rv, token, remaining)

    @staticmethod
    def _encode_continue(rv: int, start: Key) -> str:
        return base64.urlsafe_b64encode(orjson.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": list(start)})).decode()

    def _decode_continue(self, token: str) -> tuple[int, Key]:
        try:
            data = orjson.loads(base64.urlsafe_b64decode(token.encode()))
            rv, start = int(data["rv"]), (str(data["start"][0]), str(data["start"][1]))
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise errors.bad_request(f"continue key is not valid: {exc}") from exc
        if rv < self.compacted_rv:
            raise errors.expired(
                "The provided continue parameter is too old to display a consistent list result. You can start a new "
                "list without the continue parameter, or use the continue token in this response to retrieve the "
                "remainder of the results. Continuing with the provided token results in an inconsistent list - "
                "objects that were created, modified, or deleted between the time the first chunk was returned and "
                "now may show up in the list."
            )
        return rv, start

    # -- watch history ----------------------------------------------------------------------------------------

    def changes_since(self, rv: int) -> list[Change]:
        """Changes after `rv`; raises 410 Expired when the history no longer reaches back that far."""
        with self.lock:
            if rv < self.compacted_rv:
                raise errors.expired(f"too old resource version: {rv} ({self.compacted_rv})")
            if not self._history or self._history[-1].rv <= rv:
                return []
            # History is ordered by rv; walk back from the newest, usually only a few steps.
            out: list[Change] = []
            for change in reversed(self._history):
                if change.rv <= rv:
                    break
                out.append(change)
            out.reverse()
            return out

    def compact(self) -> None:
        """Forget all history up to now (as etcd compaction does): every continue token and watch
        resourceVersion issued so far gets 410 Expired."""
        with self.lock:
            self._history.clear()
            self.rv += 1
            self.compacted_rv = self.rv

    def _record(self, kind: str, entry: Entry) -> None:
        if self._history.maxlen is not None and len(self._history) == self._history.maxlen:
            self.compacted_rv = self._history[0].rv
        change = Change(entry.rv, kind, entry)
        self._history.append(change)
        self.changed.notify_all()
        for listener in self.listeners:
            listener(change)

    # -- writes -----------------------------------------------------------------------------------------------

    def _entry_for(self, rtype: ResourceType, obj: Obj, rv: int) -> Entry:
        meta = obj["metadata"]
        return Entry(
            storage=rtype.storage_key,
            namespace=str(meta.get("namespace") or "") if rtype.namespaced else "",
            name=str(meta["name"]),
            uid=str(meta["uid"]),
            rv=rv,
            # orjson's result keeps its growth buffer (~4 KiB over); an exact copy makes 50,000 pods ~250 MB lighter.
            raw=bytes(memoryview(orjson.dumps(obj))),
            labels={str(k): str(v) for k, v in (meta.get("labels") or {}).items()},
            fields=rtype.selectable(obj),
            owners=tuple(str(o.get("uid") or "") for o in meta.get("ownerReferences") or []),
        )

    def _put(self, rtype: ResourceType, obj: Obj, kind: str) -> Obj:
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)
        entry = self._entry_for(rtype, obj, self.rv)
        table = self._objects[rtype.storage_key]
        key = (entry.namespace, entry.name)
        if key not in table:
            self._sorted[rtype.storage_key] = None
        table[key] = entry
        self._by_uid[entry.uid] = (rtype.storage_key, key)
        self._record(kind, entry)
        return obj

    @staticmethod
    def _convert(rtype: ResourceType, obj: Obj) -> None:
        """What the API server's conversion does on every write: a Secret's write-only `stringData` is merged
        into `data` (base64, overwriting a key of the same name) and never stored; `data` must be base64."""
        if rtype.kind != "Secret":
            return
        data = obj.get("data")
        if data is not None and not isinstance(data, dict):
            raise errors.bad_request("Secret.data must be an object of base64 strings")
        merged = dict(data or {})
        for key, value in merged.items():
            try:
                # Go's decoder skips line breaks; anything else outside the alphabet is an error.
                base64.b64decode(str(value).replace("\r", "").replace("\n", ""), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise errors.bad_request(f"Secret in version \"v1\" cannot be handled as a Secret: illegal base64 "
                                         f"data in data[{key!r}]: {exc}") from exc
        string_data = obj.pop("stringData", None)
        if string_data is not None and not isinstance(string_data, dict):
            raise errors.bad_request("Secret.stringData must be an object of strings")
        for key, value in (string_data or {}).items():
            merged[str(key)] = base64.b64encode(str(value).encode()).decode()
        if merged or data is not None:
            obj["data"] = merged

    def _validate(self, rtype: ResourceType, obj: Obj) -> None:
        meta = obj.get("metadata") or {}
        name = str(meta.get("name") or "")
        causes: list[tuple[str, str, str]] = []
        if not name:
            causes.append(("metadata.name", "FieldValueRequired", "Required value: name or generateName is required"))
        elif len(name) > 253 or not _NAME.match(name):
            causes.append((
                "metadata.name", "FieldValueInvalid",
                f'Invalid value: "{name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric '
                "characters, '-' or '.', and must start and end with an alphanumeric character",
            ))
        if rtype.kind == "Pod" and not ((obj.get("spec") or {}).get("containers")):
            causes.append(("spec.containers", "FieldValueRequired", "Required value"))
        if rtype.kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"):
            spec = obj.get("spec") or {}
            replicas = spec.get("replicas")
            if isinstance(replicas, int) and replicas < 0:
                causes.append(("spec.replicas", "FieldValueInvalid",
                               f"Invalid value: {replicas}: must be greater than or equal to 0"))
            if not spec.get("selector"):
                causes.append(("spec.selector", "FieldValueRequired", "Required value"))
        if causes:
            raise errors.invalid(rtype.group, rtype.kind, name, causes)

    def create(self, rtype: ResourceType, obj: Obj, namespace: str | None = None, *, load: bool = False) -> Obj:
        """Create `obj`; `load=True` is for scenario loading (timestamps kept, no watch history)."""
        with self.lock:
            obj = dict(obj)
            meta = dict(obj.get("metadata") or {})
            obj["metadata"] = meta
            obj["apiVersion"] = rtype.api_version
            obj["kind"] = rtype.kind
            if rtype.namespaced:
                meta["namespace"] = namespace or meta.get("namespace") or "default"
            else:
                meta.pop("namespace", None)
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = str(meta["generateName"]) + uuid.uuid4().hex[:5]
            self._convert(rtype, obj)
            self._validate(rtype, obj)
            if rtype.kind == "Pod" and not load:
                _default_toleration_seconds(obj)
            if rtype.namespaced and not load and ("", meta["namespace"]) not in self._objects["namespaces"]:
                raise errors.ApiError(404, "NotFound", f'namespaces "{meta["namespace"]}" not found',
                                      name=str(meta["namespace"]), kind="namespaces")
            key = (str(meta.get("namespace") or "") if rtype.namespaced else "", str(meta["name"]))
            if key in self._objects[rtype.storage_key]:
                raise errors.already_exists(rtype.group, rtype.plural, key[1])
            meta["uid"] = str(uuid.uuid4())
            if not load or not meta.get("creationTimestamp"):
                meta["creationTimestamp"] = now_rfc3339()
            meta.pop("resourceVersion", None)
            meta.pop("deletionTimestamp", None)
            if "spec" in obj and rtype.kind not in _NO_GENERATION:
                meta["generation"] = 1
            if load:
                self.rv += 1
                meta["resourceVersion"] = str(self.rv)
                entry = self._entry_for(rtype, obj, self.rv)
                self._objects[rtype.storage_key][key] = entry
                self._sorted[rtype.storage_key] = None
                self._by_uid[entry.uid] = (rtype.storage_key, key)
                return obj
            return self._put(rtype, obj, "ADDED")

    def finish_loading(self) -> None:
        """Resolve owner references given by kind and name (scenario files cannot know uids) and start
        the watch history after the loaded state."""
        with self.lock:
            by_name: dict[tuple[str, str, str], str] = {}
            for storage, table in self._objects.items():
                kind = BY_KEY[storage].kind
                for (namespace, name), entry in table.items():
                    by_name[(kind, namespace, name)] = entry.uid
            for storage, table in self._objects.items():
                rtype = BY_KEY[storage]
                for key, entry in list(table.items()):
                    if b'"ownerReferences"' not in entry.raw or "" not in entry.owners:
                        continue
                    obj = entry.obj()
                    for ref in obj["metadata"]["ownerReferences"]:
                        if not ref.get("uid"):
                            owner_ns = "" if ref.get("kind") in ("Node", "Namespace") else entry.namespace
                            ref["uid"] = by_name.get((str(ref.get("kind")), owner_ns, str(ref.get("name"))), "")
                    table[key] = self._entry_for(rtype, obj, entry.rv)
            self.compacted_rv = self.rv

    def update(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        obj: Obj,
        *,
        subresource: str = "",
        check_rv: bool = True,
    ) -> Obj:
        """Replace an object (PUT semantics): optimistic concurrency on metadata.resourceVersion, status kept
        apart from the main resource, generation bumped when the spec changes."""
        with self.lock:
            current = self.get(rtype, namespace, name)
            meta = dict(obj.get("metadata") or {})
            sent_rv = meta.get("resourceVersion")
            if check_rv and sent_rv and str(sent_rv) != current["metadata"]["resourceVersion"]:
                raise errors.conflict(rtype.group, rtype.plural, name)
            if meta.get("name") and meta["name"] != name:
                raise errors.bad_request(
                    f"the name of the object ({meta['name']}) does not match the name on the URL ({name})")
            cur_meta = current["metadata"]
            if subresource == "status":
                new = dict(current)
                if "status" in obj:
                    new["status"] = obj["status"]
            else:
                new = dict(obj)
                new["apiVersion"], new["kind"] = rtype.api_version, rtype.kind
                for immutable in ("uid", "creationTimestamp", "namespace", "deletionTimestamp",
                                  "deletionGracePeriodSeconds", "generation"):
                    if immutable in cur_meta:
                        meta[immutable] = cur_meta[immutable]
                    else:
                        meta.pop(immutable, None)
                meta["name"] = name
                new["metadata"] = meta
                # The main resource cannot change status where a status subresource exists.
                if "status" in rtype.subresources and "status" in current:
                    new["status"] = current["status"]
                if "generation" in meta and new.get("spec") != current.get("spec"):
                    meta["generation"] = int(meta["generation"]) + 1
                self._convert(rtype, new)
            self._validate(rtype, new)
            if new == current:
                return current
            if cur_meta.get("deletionTimestamp") and not new["metadata"].get("finalizers"):
                return self._remove(rtype, namespace, name, new)
            return self._put(rtype, new, "MODIFIED")

    def mutate(self, rtype: ResourceType, namespace: str, name: str, change: Callable[[Obj], None]) -> Obj | None:
        """Read-modify-write under the lock (for controllers); None when the object is gone."""
        with self.lock:
            current = self.find(rtype, namespace, name)
            if current is None:
                return None
            before = orjson.dumps(current)
            change(current)
            if orjson.dumps(current) == before:
                return current
            return self._put(rtype, current, "MODIFIED")

    def delete(
        self,
        rtype: ResourceType,
        namespace: str,
        name: str,
        *,
        propagation: str = "Background",
        uid_precondition: str | None = None,
        rv_precondition: str | None = None,
        grace_seconds: int | None = None,
        graceful: Callable[[Obj], bool] | None = None,
    ) -> Obj:
        """Delete an object. Finalizers (and `graceful` for pods) keep it with a deletionTimestamp; dependents
        are deleted (Background/Foreground) or orphaned by owner reference."""
        with self.lock:
            current = self.get(rtype, namespace, name)
            meta = current["metadata"]
            if uid_precondition and uid_precondition != meta["uid"]:
                raise ApiError(409, "Conflict", f"Precondition failed: UID in precondition: {uid_precondition}, "
                               f"UID in object meta: {meta['uid']}", name=name, group=rtype.group, kind=rtype.plural)
            if rv_precondition and rv_precondition != meta["resourceVersion"]:
                raise errors.conflict(rtype.group, rtype.plural, name)
            keep = bool(meta.get("finalizers")) or (grace_seconds != 0 and graceful is not None and graceful(current))
            if keep:
                if not meta.get("deletionTimestamp"):
                    meta["deletionTimestamp"] = now_rfc3339()
                    meta["deletionGracePeriodSeconds"] = 30 if grace_seconds is None else grace_seconds
                    self._put(rtype, current, "MODIFIED")
                self._propagate(meta["uid"], propagation)
                return current
            removed = self._remove(rtype, namespace, name, current)
            self._propagate(meta["uid"], propagation)
            return removed

    def _remove(self, rtype: ResourceType, namespace: str, name: str, obj: Obj) -> Obj:
        key = (namespace if rtype.namespaced else "", name)
        table = self._objects[rtype.storage_key]
        table.pop(key, None)
        self._sorted[rtype.storage_key] = None
        self._by_uid.pop(str(obj["metadata"]["uid"]), None)
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)
        self._record("DELETED", self._entry_for(rtype, obj, self.rv))
        return obj

    def dependents(self, uid: str) -> Iterator[tuple[ResourceType, Entry]]:
        for storage, table in self._objects.items():
            rtype = BY_KEY[storage]
            for entry in list(table.values()):
                if uid in entry.owners:
                    yield rtype, entry

    def _propagate(self, uid: str, propagation: str) -> None:
        for rtype, entry in list(self.dependents(uid)):
            if propagation == "Orphan":
                def orphan(obj: Obj) -> None:
                    refs = [r for r in obj["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
                    obj["metadata"]["ownerReferences"] = refs
                self.mutate(rtype, entry.namespace, entry.name, orphan)
            else:
                try:
                    self.delete(rtype, entry.namespace, entry.name, propagation=propagation, grace_seconds=0)
                except ApiError:
                    continue


# What the API server adds to every new pod (the DefaultTolerationSeconds admission plugin).
DEFAULT_TOLERATIONS: tuple[Obj, ...] = (
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
)
# What the DaemonSet controller adds to its pods: node trouble is tolerated for good.
DAEMON_TOLERATIONS: tuple[Obj, ...] = (
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
)


def _default_toleration_seconds(pod: Obj) -> None:
    """The DefaultTolerationSeconds admission plugin: a new pod that does not already tolerate a not-ready or
    unreachable node's NoExecute taint tolerates it for 300 s."""
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return
    tolerations = list(spec.get("tolerations") or [])
    for default in DEFAULT_TOLERATIONS:
        covered = any(
            (t.get("key") == default["key"] or (not t.get("key") and t.get("operator") == "Exists"))
            and t.get("effect") in (None, "", "NoExecute")
            for t in tolerations
        )
        if not covered:
            tolerations.append(dict(default))
    spec["tolerations"] = tolerations
