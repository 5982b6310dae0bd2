"""The watch cache: one per cluster, kept current by list + watch, so read commands answer from memory.

For each kind the read commands list (nodes, pods, events, node leases, deployments, PodDisruptionBudgets) an
`Informer` lists once, then watches from the list's resourceVersion, as client-go's reflector does:

- the watch resumes from the last resourceVersion it saw (an event's or a bookmark's) when the server ends it
  (it does after `timeoutSeconds`, jittered 1–2× like client-go so replicas do not reconnect in step);
- 410 Gone (the server compacted its history past that version) means list again; the changes between the old
  and the new list are published as if watched, so nobody misses the node that went NotReady meanwhile;
- bookmarks are asked for, so a quiet kind still learns its current resourceVersion and proves the stream alive;
- the client's read timeout is a little over `timeoutSeconds`: a network that goes silent ends the watch
  instead of hanging it for ever; errors back off exponentially (0.5 s → 30 s, with jitter) and resume;
- objects are the slim frozen models of `bot.cluster.model`, decoded straight from the wire (`bot.cluster.wire`);
  events, the one kind without a natural bound, keep only the newest `max_events`.

Freshness: an informer is *synced* after its first list, and its *age* is the time since the server last said
anything on it (a list, an event, a bookmark). `CachedReader` (a `ClusterReader`) answers from a kind only when
it is synced and younger than `max_staleness_seconds`, and otherwise — or for what is not cached (logs,
metrics, secrets, one namespace's list of namespaces) — asks the cluster live; a cached get that misses asks
live too (the object may be seconds old). Every read is recorded in the request's `ReadLog` (`bot.cluster.reads`),
so the answer can say "as of 2 s ago". On a quiet real cluster the age can reach a minute while the watch is
healthy (kube-apiserver bookmarks about once a minute); a busy one hears about something every second.

Subscribers (the alert watcher) get each change as a `Change(kind, type, old, new)` on their own thread from a
bounded queue: a slow subscriber never stalls a watch; when its queue overflows it loses changes and then gets one
`RESYNC` per kind, meaning "re-read `snapshot(kind)`".

Writes, approval previews and their re-checks never read here: they use the live provider (`live_provider`).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.cluster import model, wire
from bot.cluster.kube import NODE_LEASE_NAMESPACE, Expired, KubeCluster, KubeClusterProvider, newest_events
from bot.cluster.ports import ClusterReader, ClusterWriter
from bot.cluster.reads import read_cached, read_live
from bot.cluster.selectors import field_requirements, label_matcher
from bot.cluster.settings import CacheSettings
from bot.errors import AksbotError, Forbidden, NotConfigured

log = logging.getLogger("aksbot.cache")

M = TypeVar("M")
Key = tuple[str, str]
KINDS = ("nodes", "pods", "events", "leases", "deployments", "pdbs")
BACKOFF_FIRST_S, BACKOFF_MAX_S = 0.5, 30.0
FORBIDDEN_RETRY_S = 300.0
FREEZE_AFTER = 10_000


# -- subscribers ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """One change in the cache: `type` ADDED (old None), MODIFIED, DELETED (new None), or RESYNC (both None:
    changes of `kind` were dropped for this subscriber; re-read the cache's snapshot)."""

    kind: str
    type: str
    old: Any
    new: Any


class Subscription:
    """A subscriber's bounded queue and the thread that hands its changes to its callback."""

    def __init__(self, callback: Callable[[Change], None], kinds: frozenset[str], max_pending: int,
                 on_close: Callable[[Subscription], None]) -> None:
        self.callback = callback
        self.kinds = kinds
        self._queue: queue.Queue[Change | None] = queue.Queue(maxsize=max_pending)
        self._dropped: set[str] = set()
        self._lock = threading.Lock()
        self._on_close = on_close
        self._thread = threading.Thread(target=self._deliver, name="aksbot-cache-subscriber", daemon=True)
        self._thread.start()

    def offer(self, change: Change) -> None:
        """Never blocks: a full queue drops the change and remembers its kind for a RESYNC."""
        if change.kind not in self.kinds:
            return
        try:
            self._queue.put_nowait(change)
        except queue.Full:
            with self._lock:
                self._dropped.add(change.kind)

    def _deliver(self) -> None:
        while True:
            change = self._queue.get()
            if change is None:
                return
            self._call(change)
            if self._queue.empty():
                with self._lock:
                    dropped, self._dropped = self._dropped, set()
                for kind in sorted(dropped):
                    self._call(Change(kind, "RESYNC", None, None))

    def _call(self, change: Change) -> None:
        try:
            self.callback(change)
        except Exception:
            log.exception("cache subscriber failed on a %s %s change", change.kind, change.type)

    def close(self) -> None:
        self._on_close(self)
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)


# -- one kind --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source(Generic[M]):
    """Where a kind comes from: its wire decoding, its list/watch method and arguments, and its cache key."""

    kind: wire.Kind[Any, M]
    method: Callable[..., Any]
    args: tuple[Any, ...]
    key: Callable[[M], Key]


def sources(cluster: KubeCluster) -> dict[str, Source[Any]]:
    def namespaced(o: Any) -> Key:
        return (o.namespace, o.name)

    return {
        "nodes": Source(wire.NODES, cluster.core.list_node, (), lambda n: ("", n.name)),
        "pods": Source(wire.PODS, cluster.core.list_pod_for_all_namespaces, (), namespaced),
        "events": Source(wire.EVENTS, cluster.core.list_event_for_all_namespaces, (), namespaced),
        "leases": Source(wire.LEASES, cluster.coordination.list_namespaced_lease, (NODE_LEASE_NAMESPACE,),
                         lambda lease: (NODE_LEASE_NAMESPACE, lease.node)),
        "deployments": Source(wire.DEPLOYMENTS, cluster.apps.list_deployment_for_all_namespaces, (), namespaced),
        "pdbs": Source(wire.PDBS, cluster.policy.list_pod_disruption_budget_for_all_namespaces, (), namespaced),
    }


class Informer(Generic[M]):
    """One kind of one cluster, listed then watched on a thread of its own (see the module docstring)."""

    def __init__(self, name: str, cluster: KubeCluster, source: Source[M], settings: CacheSettings,
                 publish: Callable[[Change], None], has_subscribers: Callable[[], bool],
                 limit: int | None = None) -> None:
        self.name = name
        self.cluster = cluster
        self.source = source
        self.settings = settings
        self.limit = limit
        self._publish = publish
        self._has_subscribers = has_subscribers
        self._objects: dict[Key, M] = {}
        self._lock = threading.Lock()
        self.resource_version = ""
        self.synced = False
        # Events beyond `limit` were dropped: a filtered query that finds fewer than it wants must ask live.
        self.complete = True
        self.last_heard: float | None = None  # monotonic time the server last said anything on this kind
        self.error: str | None = None
        self.relists = 0
        self._stop = threading.Event()
        self._abort: Callable[[], None] | None = None
        self._thread: threading.Thread | None = None

    # -- reading ------------------------------------------------------------------------------------------------

    def snapshot(self) -> list[M]:
        with self._lock:
            return list(self._objects.values())

    def get(self, key: Key) -> M | None:
        with self._lock:
            return self._objects.get(key)

    def age(self, now: float | None = None) -> float | None:
        """Seconds since the server last said anything on this kind; None before the first list."""
        if not self.synced or self.last_heard is None:
            return None
        return max(0.0, (time.monotonic() if now is None else now) - self.last_heard)

    def __len__(self) -> int:
        return len(self._objects)

    # -- running ------------------------------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"aksbot-watch-{self.cluster.name}-{self.name}",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        abort = self._abort
        if abort is not None:
            with contextlib.suppress(Exception):
                abort()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        delay = BACKOFF_FIRST_S
        while not self._stop.is_set():
            try:
                if not self.resource_version:
                    self._relist()
                progressed = self._watch()
                self.error = None
                if progressed:
                    delay = BACKOFF_FIRST_S
            except Expired as exc:
                log.info("%s/%s: %s; listing again", self.cluster.name, self.name, exc.message)
                self.resource_version = ""
                continue
            except AksbotError as exc:
                if self._stop.is_set():
                    return  # stop() cut the stream
                if isinstance(exc, Forbidden):
                    # RBAC changes by hand, not in seconds: ask again every few minutes; reads of this kind go
                    # live meanwhile (and answer without it where it is a side lookup).
                    delay = max(delay, FORBIDDEN_RETRY_S)
                repeated = exc.message == self.error
                self.error = exc.message
                (log.debug if repeated else log.warning)(
                    "%s/%s watch failed (retry in %.1f s): %s", self.cluster.name, self.name, delay, exc.message
                )
            except Exception as exc:  # a bug must not end the watch for good; it is logged and retried
                if self._stop.is_set():
                    return
                self.error = f"{type(exc).__name__}: {exc}"
                log.exception("%s/%s watch failed (retry in %.1f s)", self.cluster.name, self.name, delay)
            else:
                continue
            self._stop.wait(delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, BACKOFF_MAX_S)

    def _relist(self) -> None:
        source = self.source
        fresh: dict[Key, M] = {}
        version = ""
        complete = True
        for page in self.cluster._pages(source.kind, source.kind.name, source.method, *source.args):
            if page.restarted:
                fresh, complete = {}, True
            for item in page.items:
                fresh[source.key(item)] = item
            version = page.resource_version
            if self.limit is not None and len(fresh) > self.limit * 1.2:
                fresh, complete = self._newest(fresh), False
            if self._stop.is_set():
                return
        if self.limit is not None and len(fresh) > self.limit:
            fresh, complete = self._newest(fresh), False
        with self._lock:
            old, self._objects = self._objects, fresh
            self.complete = complete
        self.resource_version = version
        self.last_heard = time.monotonic()
        self.relists += 1
        self.synced = True
        if len(fresh) >= FREEZE_AFTER:
            # Tens of thousands of long-lived objects (a million for 50,000 pods) would otherwise be walked by
            # every full collection, a pause of a second in the middle of a command. They hold no cycles, so
            # reference counting still frees them when a watch replaces them.
            gc.freeze()
        if self._has_subscribers():
            self._publish_differences(old, fresh)

    def _newest(self, found: dict[Key, M]) -> dict[Key, M]:
        """The `limit` newest events (the only bounded kind)."""
        assert self.limit is not None
        events: list[Any] = list(found.values())
        newest: list[Any] = newest_events(events, self.limit)
        return {self.source.key(e): e for e in newest}

    def _publish_differences(self, old: dict[Key, M], new: dict[Key, M]) -> None:
        for key, obj in new.items():
            before = old.get(key)
            if before is None:
                self._publish(Change(self.name, "ADDED", None, obj))
            elif before is not obj and before != obj:
                self._publish(Change(self.name, "MODIFIED", before, obj))
        for key, obj in old.items():
            if key not in new:
                self._publish(Change(self.name, "DELETED", obj, None))

    def _watch(self) -> bool:
        """One watch, until the server ends it; True when it delivered anything."""
        source = self.source
        base = self.settings.watch_timeout_seconds
        timeout = int(base * random.uniform(1.0, 2.0))
        progressed = False
        stream = self.cluster.watch(source.kind, source.method, *source.args, resource_version=self.resource_version,
                                    timeout_seconds=timeout, on_open=self._opened)
        try:
            for item in stream:
                if self._stop.is_set():
                    return progressed
                progressed = True
                self.last_heard = time.monotonic()
                if item.resource_version:
                    self.resource_version = item.resource_version
                if item.obj is not None:
                    self._apply(item.type, item.obj)
        finally:
            self._abort = None
            stream.close()
        return progressed

    def _opened(self, abort: Callable[[], None]) -> None:
        self._abort = abort
        if self._stop.is_set():
            abort()

    def _apply(self, type_: str, obj: M) -> None:
        key = self.source.key(obj)
        with self._lock:
            if type_ == "DELETED":
                old = self._objects.pop(key, None)
            else:
                old = self._objects.get(key)
                self._objects[key] = obj
                if self.limit is not None and len(self._objects) > self.limit * 1.1:
                    self._objects, self.complete = self._newest(self._objects), False
        if type_ == "DELETED":
            self._publish(Change(self.name, "DELETED", old if old is not None else obj, None))
        else:
            self._publish(Change(self.name, "ADDED" if old is None else "MODIFIED", old, obj))


# -- one cluster -----------------------------------------------------------------------------------------------


class ClusterCache:
    """The informers of one cluster, their subscribers, start and stop."""

    def __init__(self, cluster: KubeCluster, settings: CacheSettings, kinds: Iterable[str] = KINDS) -> None:
        self.cluster = cluster
        self.name = cluster.name
        self.settings = settings
        self._subscribers: list[Subscription] = []
        self._lock = threading.Lock()
        found = sources(cluster)
        self.informers: dict[str, Informer[Any]] = {
            kind: Informer(kind, cluster, found[kind], settings, self._publish, self._any_subscriber,
                           limit=settings.max_events if kind == "events" else None)
            for kind in kinds
        }
        self.running = False

    def start(self) -> None:
        self.running = True
        for informer in self.informers.values():
            informer.start()

    def stop(self) -> None:
        """Stop watching and forget what was held (a follower gives the memory back)."""
        self.running = False
        for informer in self.informers.values():
            informer.stop()
        for kind, informer in list(self.informers.items()):
            self.informers[kind] = Informer(kind, self.cluster, informer.source, self.settings, self._publish,
                                            self._any_subscriber, informer.limit)

    def synced(self) -> bool:
        return all(i.synced for i in self.informers.values())

    def wait_synced(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.synced():
                return True
            time.sleep(0.05)
        return self.synced()

    def informer(self, kind: str) -> Informer[Any] | None:
        return self.informers.get(kind)

    def snapshot(self, kind: str) -> list[Any]:
        informer = self.informers.get(kind)
        return informer.snapshot() if informer is not None else []

    def subscribe(self, callback: Callable[[Change], None], kinds: Iterable[str] | None = None,
                  max_pending: int = 10_000) -> Subscription:
        """Call `callback(change)` for every change of `kinds` (all by default), on a thread of its own."""
        wanted = frozenset(kinds) if kinds is not None else frozenset(self.informers)
        subscription = Subscription(callback, wanted, max_pending, self._unsubscribe)
        with self._lock:
            self._subscribers = [*self._subscribers, subscription]
        return subscription

    def _unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscribers = [s for s in self._subscribers if s is not subscription]

    def _any_subscriber(self) -> bool:
        return bool(self._subscribers)

    def _publish(self, change: Change) -> None:
        for subscription in self._subscribers:
            subscription.offer(change)

    def status(self) -> dict[str, dict[str, Any]]:
        """Per kind: synced, objects held, age in seconds, resourceVersion, relists, last error."""
        return {kind: {"synced": i.synced, "objects": len(i), "age": i.age(), "resource_version":
                       i.resource_version, "relists": i.relists, "error": i.error}
                for kind, i in self.informers.items()}


# -- reading: ClusterReader over the cache, live when it cannot answer ----------------------------------------

_POD_FIELDS = frozenset({"metadata.name", "metadata.namespace", "spec.nodeName", "status.phase"})


def _pod_field(pod: model.Pod, name: str) -> str:
    if name == "metadata.name":
        return pod.name
    if name == "metadata.namespace":
        return pod.namespace
    if name == "spec.nodeName":
        return pod.node
    return pod.phase


class CachedReader:
    """`ClusterReader` over a `ClusterCache`, with the live adapter for everything the cache cannot answer."""

    def __init__(self, cache: ClusterCache, live: KubeCluster) -> None:
        self.cache = cache
        self.live = live
        self.name = live.name

    def _fresh(self, kind: str) -> Informer[Any] | None:
        """The kind's informer when it may answer (synced, not stale); records which way the read went."""
        informer = self.cache.informers.get(kind)
        age = informer.age() if informer is not None and self.cache.running else None
        if informer is None or age is None or age > self.cache.settings.max_staleness_seconds:
            read_live(kind)
            return None
        read_cached(kind, age)
        return informer

    def _one(self, kind: str, key: Key, live: Callable[[], M]) -> M:
        """One object by key: from the kind's informer when it may answer and holds it, else the live read (an
        object the watch has not delivered yet is still found)."""
        informer = self._fresh(kind)
        found = informer.get(key) if informer is not None else None
        return found if found is not None else live()

    # -- cached kinds --------------------------------------------------------------------------------------------

    def nodes(self, selector: str | None = None) -> list[model.Node]:
        match = label_matcher(selector)
        informer = self._fresh("nodes") if match is not None else None
        if informer is None or match is None:
            return self.live.nodes(selector)
        return sorted((n for n in informer.snapshot() if match(n.labels)), key=lambda n: n.name)

    def node(self, name: str) -> model.Node:
        return self._one("nodes", ("", name), lambda: self.live.node(name))

    def lease(self, node: str) -> model.Lease | None:
        return self._one("leases", (NODE_LEASE_NAMESPACE, node), lambda: self.live.lease(node))

    def leases(self) -> dict[str, model.Lease]:
        informer = self._fresh("leases")
        if informer is None:
            return self.live.leases()
        return {lease.node: lease for lease in informer.snapshot()}

    def pods(self, namespace: str | None = None, selector: str | None = None, node: str | None = None,
             field_selector: str | None = None) -> list[model.Pod]:
        match = label_matcher(selector)
        fields = field_requirements(field_selector, _POD_FIELDS)
        informer = self._fresh("pods") if match is not None and fields is not None else None
        if informer is None or match is None or fields is None:
            return self.live.pods(namespace, selector, node, field_selector)
        found = informer.snapshot()
        if node:
            found = [p for p in found if p.node == node]
        if namespace is not None:
            found = [p for p in found if p.namespace == namespace]
        if selector:
            found = [p for p in found if match(p.labels)]
        if fields:
            found = [p for p in found if all((_pod_field(p, f) == v) == equal for f, equal, v in fields)]
        found.sort(key=lambda p: (p.namespace, p.name))
        return found

    def pod(self, namespace: str, name: str) -> model.Pod:
        return self._one("pods", (namespace, name), lambda: self.live.pod(namespace, name))

    def events(self, namespace: str | None = None, involved_name: str | None = None, kind: str | None = None,
               reason: str | None = None, type: str | None = None, limit: int = 500) -> list[model.Event]:
        informer = self._fresh("events")
        if informer is None:
            return self.live.events(namespace, involved_name, kind, reason, type, limit)
        found = [e for e in informer.snapshot()
                 if (namespace is None or e.namespace == namespace)
                 and (involved_name is None or e.involved.name == involved_name)
                 and (kind is None or e.involved.kind == kind) and (reason is None or e.reason == reason)
                 and (type is None or e.type == type)]
        if len(found) < limit and not informer.complete:
            # Older events were dropped to bound memory; some of them may match.
            return self.live.events(namespace, involved_name, kind, reason, type, limit)
        return newest_events(found, limit)

    def deployments(self, namespace: str | None = None, selector: str | None = None) -> list[model.Deployment]:
        match = label_matcher(selector)
        informer = self._fresh("deployments") if match is not None else None
        if informer is None or match is None:
            return self.live.deployments(namespace, selector)
        found = [d for d in informer.snapshot()
                 if (namespace is None or d.namespace == namespace) and match(d.labels)]
        found.sort(key=lambda d: (d.namespace, d.name))
        return found

    def deployment(self, namespace: str, name: str) -> model.Deployment:
        return self._one("deployments", (namespace, name), lambda: self.live.deployment(namespace, name))

    def pdbs(self, namespace: str | None = None) -> list[model.PodDisruptionBudget]:
        informer = self._fresh("pdbs")
        if informer is None:
            return self.live.pdbs(namespace)
        found = [b for b in informer.snapshot() if namespace is None or b.namespace == namespace]
        found.sort(key=lambda b: (b.namespace, b.name))
        return found

    # -- always live -----------------------------------------------------------------------------------------------

    def version(self) -> model.ServerVersion:
        return self.live.version()

    def namespaces(self) -> list[str]:
        return self.live.namespaces()

    def logs(self, namespace: str, pod: str, container: str | None = None, previous: bool = False,
             tail: int = 50) -> str:
        return self.live.logs(namespace, pod, container, previous, tail)

    def node_metrics(self) -> list[model.NodeUsage]:
        return self.live.node_metrics()

    def pod_metrics(self, namespace: str | None = None) -> list[model.PodUsage]:
        return self.live.pod_metrics(namespace)


# -- the provider ----------------------------------------------------------------------------------------------


class CachedClusterProvider:
    """`ClusterProvider` whose readers answer from each cluster's watch cache; writers are always live.

    Nothing watches until `start()` (the leader replica, or every replica with `cache.followers: cache`;
    `on_leadership()` does exactly that); until then, and whenever a kind is not synced or stale, reads are live.
    `live` is the plain provider, for whatever must see the latest state (approval previews, re-checks)."""

    def __init__(self, live: KubeClusterProvider, settings: CacheSettings) -> None:
        self.live = live
        self.settings = settings
        self._caches: dict[str, ClusterCache] = {}
        self._lock = threading.Lock()
        self.started = False

    def cache(self, cluster: str) -> ClusterCache:
        """The cluster's cache (created, not started, on first use); raises `NotConfigured` for an unknown one."""
        with self._lock:
            found = self._caches.get(cluster)
            if found is None:
                found = ClusterCache(self.live.reader(cluster), self.settings)
                self._caches[cluster] = found
                if self.started:
                    found.start()
            return found

    def reader(self, cluster: str) -> ClusterReader:
        if not self.settings.enabled:
            return self.live.reader(cluster)
        return CachedReader(self.cache(cluster), self.live.reader(cluster))

    def writer(self, cluster: str) -> ClusterWriter:
        return self.live.writer(cluster)

    def start(self) -> None:
        """Start watching every configured cluster (one that cannot be reached keeps retrying on its own)."""
        if not self.settings.enabled:
            return
        with self._lock:
            self.started = True
        for name in self.live.settings.cluster_names():
            try:
                self.cache(name).start()
            except NotConfigured as exc:
                log.warning("not caching cluster %s: %s", name, exc.message)

    def stop(self) -> None:
        with self._lock:
            self.started = False
            caches = list(self._caches.values())
        for cache in caches:
            cache.stop()

    def on_leadership(self, leader: bool) -> None:
        """Follow leadership: the leader watches; a follower watches only with `cache.followers: cache`."""
        if leader or self.settings.followers == "cache":
            self.start()
        else:
            self.stop()

    def warm(self, cluster: str, kinds: tuple[str, ...]) -> bool:
        with self._lock:
            cache = self._caches.get(cluster)
        if not self.settings.enabled or cache is None or not cache.running:
            return False
        ages = [informer.age() if (informer := cache.informers.get(k)) is not None else None for k in kinds]
        return all(age is not None and age <= self.settings.max_staleness_seconds for age in ages)

    def wait_synced(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._lock:
            caches = list(self._caches.values())
        return all(c.wait_synced(max(0.0, deadline - time.monotonic())) for c in caches)

    def close(self) -> None:
        self.stop()
        self.live.close()

