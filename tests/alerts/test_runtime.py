"""The alert work follows leadership: two runtimes elect one leader on a Lease in the sandbox API server (through
the real client), only the leader's outlet posts and only its watcher watches; stopping it stops both, then
releases the Lease, and the other takes over at once. On SQLite a runtime leads without a Lease."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.alerts import alertmanager
from bot.alerts.outlet import Outlet
from bot.alerts.routing import pick_routes
from bot.alerts.runtime import AlertRuntime, Election, LeaderWork, Startable, problem_recorder
from bot.alerts.settings import AlertSettings, WatcherSettings
from bot.alerts.store import AlertStore
from bot.alerts.text_outlet import PrintedBoard, TextPoster
from bot.alerts.watcher import AlertWatcher
from bot.approvals.store import SqlApprovalStore
from bot.clock import SystemClock
from bot.cluster.cache import CachedClusterProvider
from bot.cluster.kube import KubeClusterProvider
from bot.cluster.leader import ElectionConfig
from bot.cluster.settings import CacheSettings
from sandbox.kube import KubeServer
from tests.support import minicluster
from tests.support.alerts import directory, payload
from tests.support.cluster import TOKENS, settings_for
from tests.support.waiting import eventually

ALERTS = AlertSettings(group_seconds=0, watcher=WatcherSettings(debounce_seconds=0.05, rescan_seconds=0.3))


@pytest.fixture
def server() -> Iterator[KubeServer]:
    started = KubeServer(minicluster.objects(), logs=minicluster.LOGS, dead_nodes=minicluster.DEAD_NODES,
                         tokens={t: u for u, t in TOKENS.items()}).start()
    started.controllers.settle()
    yield started
    started.stop()


@pytest.fixture
def clusters(server: KubeServer, tmp_path: Path) -> Iterator[CachedClusterProvider]:
    provider = CachedClusterProvider(KubeClusterProvider(settings_for(tmp_path, server.url, server.ca_pem)),
                                     CacheSettings(watch_timeout_seconds=2))
    yield provider
    provider.close()


@dataclass
class Replica:
    runtime: AlertRuntime
    printed: io.StringIO
    watchers: list[AlertWatcher]

    @property
    def lines(self) -> str:
        return self.printed.getvalue()


def replica(name: str, store: AlertStore, clusters: CachedClusterProvider, election: Election | None) -> Replica:
    printed = io.StringIO()
    watchers: list[AlertWatcher] = []

    def watcher(wake: Callable[[], None]) -> Startable:
        made = AlertWatcher(["sandbox"], clusters.cache, store, ALERTS, SystemClock(), wake=wake)
        watchers.append(made)
        return made

    work = LeaderWork(lambda: Outlet(store, TextPoster(PrintedBoard(printed)), ALERTS, worker=name,
                                     poll_seconds=0.2),
                      watcher=watcher, watch=clusters.on_leadership, join_timeout=5)
    return Replica(AlertRuntime(work, election), printed, watchers)


def election(clusters: CachedClusterProvider, lease: str, identity: str) -> Election:
    client = clusters.live.reader("sandbox")
    return Election(client, ElectionConfig(namespace="default", name=lease, identity=identity, lease_duration=4,
                                           renew_deadline=3, retry_period=0.5))


def holder(clusters: CachedClusterProvider, lease: str) -> str:
    found = clusters.live.reader("sandbox").lease_object("default", lease)
    return str(((found or {}).get("spec") or {}).get("holderIdentity") or "")


def top_level(printed: str) -> list[str]:
    """The new messages a text poster printed (not its updates, not its thread replies)."""
    return [line for line in printed.splitlines() if re.match(r"^\[#\S+\] (?!\(updated|\s*↳|\(message)", line)]


def record(store: AlertStore, name: str) -> None:
    body = payload("alertmanager-cputhrottlinghigh.json")
    body["groupKey"] = f'{{}}:{{alertname="{name}"}}'
    for alert in body["alerts"]:
        alert["labels"]["alertname"] = name
        alert["fingerprint"] = uuid.uuid4().hex[:16]
    group = alertmanager.parse(body, directory())
    store.record(group, pick_routes(ALERTS, group), at=datetime.now(UTC), flap_window=timedelta(minutes=30))


def test_only_the_leader_works_and_a_stopped_leader_hands_over_at_once(
        db: SqlApprovalStore, clusters: CachedClusterProvider) -> None:
    store = AlertStore(db)
    lease = f"aksbot-test-{uuid.uuid4().hex[:8]}"
    a = replica("a", store, clusters, election(clusters, lease, "replica-a"))
    b = replica("b", store, clusters, election(clusters, lease, "replica-b"))
    a.runtime.start()
    eventually(lambda: a.runtime.is_leader)
    b.runtime.start()
    try:
        eventually(lambda: bool(a.watchers) and a.watchers[0].watchers[0].scans > 0)  # the leader watches
        eventually(lambda: "node" in a.lines.lower())  # … and posts the findings of the minicluster's dead node
        record(store, "FirstWhileALeads")
        eventually(lambda: "FirstWhileALeads" in a.lines)
        assert not b.runtime.is_leader and b.lines == "" and b.watchers == []

        a.runtime.stop()  # SIGTERM: the work stops, then the Lease is released
        assert not a.runtime.is_leader and not a.runtime.work.leading.is_set()
        assert not any(w.running for watcher in a.watchers for w in watcher.watchers)
        took = eventually(lambda: b.runtime.is_leader, timeout=10)
        assert took < 3  # released: no waiting out the 4 s lease
        assert holder(clusters, lease) == "replica-b"
        record(store, "SecondWhileBLeads")
        eventually(lambda: "SecondWhileBLeads" in b.lines)
        assert "SecondWhileBLeads" not in a.lines
        # b adopted what a's watcher had raised: its only new message is the alert recorded since.
        assert len(top_level(b.lines)) == 1, top_level(b.lines)
    finally:
        b.runtime.stop()
        a.runtime.stop()


def test_without_an_election_the_runtime_leads_at_once_and_stops_its_work(
        db: SqlApprovalStore, clusters: CachedClusterProvider) -> None:
    store = AlertStore(db)
    alone = replica("alone", store, clusters, None).runtime.start()
    try:
        eventually(lambda: alone.is_leader)
        record(store, "AloneFiring")
    finally:
        alone.stop()
    assert not alone.is_leader and not alone.work.leading.is_set()


def test_replicas_that_cannot_take_the_lease_say_why_in_the_shared_store(
        db: SqlApprovalStore, clusters: CachedClusterProvider, server: KubeServer) -> None:
    """A Lease in a namespace that does not exist: nobody leads, and the store (which `/k8s alerts` reads on any
    replica) holds the reason until the Lease works."""
    store = AlertStore(db)
    config = ElectionConfig(namespace="aksbot-nowhere", name="aksbot-leader", identity="replica-a",
                            lease_duration=4, renew_deadline=3, retry_period=0.5)
    a = replica("a", store, clusters, None)
    runtime = AlertRuntime(a.runtime.work, Election(clusters.live.reader("sandbox"), config),
                           on_problem=problem_recorder(store, config, SystemClock())).start()
    try:
        since = datetime.now(UTC) - timedelta(minutes=1)
        eventually(lambda: store.leader_problem(since) is not None)
        problem = store.leader_problem(since) or ""
        assert "namespace aksbot-nowhere does not exist in cluster 'sandbox'" in problem
        assert not runtime.is_leader and runtime.problem == problem and a.lines == ""
        server.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "aksbot-nowhere"}})
        eventually(lambda: runtime.is_leader, timeout=10)
        assert store.leader_problem(since) is None and runtime.problem is None
    finally:
        runtime.stop()
