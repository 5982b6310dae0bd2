"""Who runs the alert work, and when: the leader's watcher and outlet, started and stopped with leadership.

Every replica accepts alert webhooks and Slack requests; the work that must happen once — the bot's own watcher
(`bot.alerts.watcher`) and the outlet that posts and updates alert messages (`bot.alerts.ports.AlertOutlet`) —
runs only where this replica leads:

- on SQLite (one replica; the shell, `aksbot demo`) the process is its own leader: no Lease;
- on PostgreSQL (replicas) a `LeaderElector` (`bot.cluster.leader`, client-go's semantics) stands for the Lease
  the `leader:` settings name. Leading starts the watch caches, the outlet and the watcher; stepping down (a lost
  renewal, a stop) stops the watcher and the outlet and waits for them, and only then is the Lease released.

`wake()` is what a producer calls after recording (the webhook intake's `on_recorded`, the watcher): it reaches
the outlet when this replica leads and does nothing otherwise (the leader's outlet polls the store, so work
recorded on a follower is delivered all the same, a poll later).

The outlet comes from a factory the surface passes in (the Slack poster for `aksbot serve`, the shell's printer
for `aksbot demo`), so this module knows nothing of Slack.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.alerts.ports import AlertOutlet
from bot.alerts.store import AlertStore
from bot.alerts.watcher import AksReader
from bot.clock import Clock
from bot.cluster.leader import ElectionConfig, LeaderElector, LeaseClient, default_identity, pod_namespace
from bot.deps import Deps
from bot.settings import Settings

log = logging.getLogger("aksbot.alerts.runtime")

OutletFactory = Callable[[], AlertOutlet]


class Startable(Protocol):
    """The watcher as the leader's work sees it (`bot.alerts.watcher.AlertWatcher`)."""

    def start(self) -> object: ...

    def stop(self) -> None: ...


class LeaderWork:
    """What the leader does while it leads: watch the clusters, deliver alerts. `run(stopping)` returns soon after
    `stopping` is set, with everything it started stopped."""

    def __init__(
        self,
        outlet: OutletFactory,
        *,
        watcher: Callable[[Callable[[], None]], Startable | None] = lambda wake: None,
        watch: Callable[[bool], None] = lambda leading: None,
        join_timeout: float = 8.0,
    ) -> None:
        self.make_outlet = outlet
        self.make_watcher = watcher
        self.watch = watch
        self.join_timeout = join_timeout
        self._outlet: AlertOutlet | None = None
        self._lock = threading.Lock()
        self.leading = threading.Event()

    def run(self, stopping: threading.Event) -> None:
        self.watch(True)
        ending = threading.Event()  # the outlet stops with the work, however the work ends
        delivering: threading.Thread | None = None
        watcher: Startable | None = None
        try:
            outlet = self.make_outlet()
            with self._lock:
                self._outlet = outlet
            delivering = threading.Thread(target=outlet.run, args=(ending,), name="aksbot-alert-outlet", daemon=True)
            delivering.start()
            watcher = self.make_watcher(self.wake)
            if watcher is not None:
                watcher.start()
            self.leading.set()
            log.info("alert work started: this replica posts alerts%s", " and watches" if watcher else "")
            while not stopping.wait(0.5):
                if not delivering.is_alive():
                    log.error("the alert outlet stopped by itself; giving up the alert work")
                    return
        finally:
            self.leading.clear()
            ending.set()
            if watcher is not None:
                watcher.stop()
            if delivering is not None:
                delivering.join(self.join_timeout)
            with self._lock:
                self._outlet = None
            self.watch(False)
            log.info("alert work stopped")

    def wake(self) -> None:
        with self._lock:
            outlet = self._outlet
        if outlet is not None:
            outlet.wake()


@dataclass(frozen=True)
class Election:
    client: LeaseClient
    config: ElectionConfig


def election_config(settings: Settings, identity: str | None = None) -> ElectionConfig:
    """The Lease the replicas elect on, from the `leader:` settings; `identity` is the replica's own name (default:
    a new `<hostname>_<uuid>`, as client-go builds it)."""
    leader = settings.leader
    return ElectionConfig(
        namespace=leader.namespace or pod_namespace(),
        name=leader.name,
        identity=identity or default_identity(),
        lease_duration=leader.lease_duration_seconds,
        renew_deadline=leader.renew_deadline_seconds,
        retry_period=leader.retry_period_seconds,
    )


def problem_recorder(store: AlertStore, config: ElectionConfig, clock: Clock) -> Callable[[str | None], None]:
    """What an elector calls with why it cannot stand for the Lease (None: it can again): kept in the shared
    store, so `/k8s alerts` on any replica says why nobody leads, not only that nobody has looked."""
    lease = f"{config.namespace}/{config.name}"

    def record(problem: str | None) -> None:
        store.record_leader_problem(lease, problem, clock.now())

    return record


def lease_cluster(settings: Settings) -> str | None:
    """The cluster whose API server holds the Lease: `leader.cluster`, else the default cluster, else the first."""
    names = settings.cluster_names()
    return settings.leader.cluster or settings.default_cluster or (names[0] if names else None)


class AlertRuntime:
    """Leadership over the `LeaderWork`: elected on a Lease when `election` is given, else always leading.
    `on_problem(reason)` hears why this replica cannot stand for the Lease (None: it can again)."""

    def __init__(self, work: LeaderWork, election: Election | None = None, *,
                 on_problem: Callable[[str | None], None] | None = None) -> None:
        self.work = work
        self.election = election
        self.on_problem = on_problem
        self._elector: LeaderElector | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_leader(self) -> bool:
        return self.work.leading.is_set()

    @property
    def problem(self) -> str | None:
        """Why this replica cannot stand for the Lease now (None: it can, or it needs none)."""
        return self._elector.problem if self._elector is not None else None

    def start(self) -> AlertRuntime:
        if self.election is None:
            self._thread = threading.Thread(target=self.work.run, args=(self._stop,), name="aksbot-alert-work",
                                            daemon=True)
            self._thread.start()
        else:
            self._elector = LeaderElector(self.election.client, self.election.config,
                                          on_started_leading=self.work.run, on_problem=self.on_problem).start()
        return self

    def wake(self) -> None:
        self.work.wake()

    def stop(self, *, release: bool = True) -> None:
        """Stop the work, wait for it, then (elected) release the Lease."""
        if self._elector is not None:
            self._elector.stop(release=release)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.work.join_timeout + 2)


def watcher_factory(settings: Settings, deps: Deps,
                    store: AlertStore) -> Callable[[Callable[[], None]], Startable | None]:
    """How the leader builds its watcher over the bot's own watch caches (None: `alerts.watcher.enabled` is off, or
    the clusters are not read through a cache)."""
    from bot.alerts.watcher import AlertWatcher
    from bot.cluster.cache import CachedClusterProvider

    clusters = deps.clusters
    if not settings.alerts.watcher.enabled or not isinstance(clusters, CachedClusterProvider):
        return lambda wake: None

    def aks(name: str) -> AksReader | None:
        cluster = settings.cluster(name)
        if cluster is None or cluster.azure is None:
            return None
        return lambda: deps.azure.client(name).cluster()

    def build(wake: Callable[[], None]) -> Startable:
        return AlertWatcher(settings.cluster_names(), clusters.cache, store, settings.alerts, deps.clock, wake=wake,
                            aks=aks)

    return build
