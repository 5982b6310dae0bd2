"""The bot's own watcher against the sandbox API server, through the real client and the watch cache, on SQLite and
PostgreSQL: a node whose kubelet stops is one alert naming `node-notready`, recovery resolves that same alert, and
scan after scan changes nothing in between; a new leader adopts what the last one left and reposts nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.alerts.findings import watcher_key
from bot.alerts.model import Status
from bot.alerts.settings import AlertSettings, WatcherSettings
from bot.alerts.store import AlertStore, Event, Work
from bot.alerts.watcher import ClusterWatcher, stuck_finding
from bot.approvals.store import SqlApprovalStore
from bot.azure.model import ManagedCluster
from bot.clock import SystemClock
from bot.cluster.cache import CachedClusterProvider
from bot.cluster.kube import KubeClusterProvider
from bot.cluster.model import CORDON_REQUEST, CORDONED_AT
from bot.cluster.settings import CacheSettings
from bot.severity import Severity
from handlers.rules.node_rules import BOT_CORDON_QUIET
from sandbox.kube import KubeServer
from tests.support import minicluster
from tests.support.cluster import TOKENS, settings_for
from tests.support.waiting import eventually

GRACE = 1.5
SPARE, DEAD = minicluster.SPARE, minicluster.DEAD
FAST = WatcherSettings(debounce_seconds=0.05, rescan_seconds=0.3)
ALERTS = AlertSettings(group_seconds=0, watcher=FAST)


@pytest.fixture
def server() -> Iterator[KubeServer]:
    started = KubeServer(minicluster.objects(), logs=minicluster.LOGS, dead_nodes=minicluster.DEAD_NODES,
                         tokens={t: u for u, t in TOKENS.items()}, termination_seconds=0.2,
                         node_monitor_grace_seconds=GRACE, lease_renew_seconds=0.2).start()
    started.controllers.settle()
    yield started
    started.stop()


@pytest.fixture
def clusters(server: KubeServer, tmp_path: Path) -> Iterator[CachedClusterProvider]:
    settings = settings_for(tmp_path, server.url, server.ca_pem)
    provider = CachedClusterProvider(KubeClusterProvider(settings), CacheSettings(watch_timeout_seconds=2))
    provider.start()
    assert provider.wait_synced(30)
    yield provider
    provider.close()


@pytest.fixture
def store(db: SqlApprovalStore) -> AlertStore:
    return AlertStore(db)


class Waker:
    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            self.calls += 1


def watcher(clusters: CachedClusterProvider, store: AlertStore, wake: Callable[[], None] = lambda: None,
            **kwargs: Any) -> ClusterWatcher:
    return ClusterWatcher("sandbox", clusters.cache("sandbox"), store, ALERTS, SystemClock(), wake=wake, **kwargs)


def notready(node: str) -> str:
    return watcher_key("sandbox", "node.notready", f"node/{node}")


def events(store: AlertStore, key: str) -> list[Event]:
    return [entry.event for entry in store.history(key=key)]


def test_a_node_that_stops_heartbeating_is_one_alert_naming_its_runbook_and_recovery_resolves_it(
        server: KubeServer, clusters: CachedClusterProvider, store: AlertStore) -> None:
    waker = Waker()
    running = watcher(clusters, store, waker).start()
    try:
        eventually(lambda: store.get(notready(DEAD)) is not None)  # the node that was dead from the start
        assert store.get(notready(SPARE)) is None
        eventually(lambda: "sandbox" in store.scans())  # any replica can tell that someone looked, and when
        woken = waker.calls

        server.stop_heartbeat(SPARE)
        eventually(lambda: store.get(notready(SPARE)) is not None)
        state = store.get(notready(SPARE))
        assert state is not None and state.status is Status.FIRING
        alert = state.group.alerts[0]
        assert alert.runbook == "node-notready" and alert.cluster == "sandbox"
        assert alert.object is not None and alert.object.name == SPARE
        assert waker.calls > woken

        scans, version = running.scans, state.version
        # Its evidence and title quote ages that change every scan ("renewed 3s ago"); the alert does not.
        eventually(lambda: running.scans >= scans + 5)
        again = store.get(notready(SPARE))
        assert again is not None and again.version == version
        assert events(store, notready(SPARE)) == [Event.FIRED]
        assert [m.channel for m in store.messages(notready(SPARE))] == ["C0ALERTS"]

        server.resume_heartbeat(SPARE)
        eventually(lambda: (s := store.get(notready(SPARE))) is not None and s.status is Status.RESOLVED)
        assert events(store, notready(SPARE)) == [Event.FIRED, Event.RESOLVED]
        assert len(store.messages(notready(SPARE))) == 1  # the same message, updated: never a second one
        assert events(store, notready(DEAD)) == [Event.FIRED]
    finally:
        running.stop()


def test_a_problem_first_seen_now_is_dated_from_its_evidence(
        server: KubeServer, clusters: CachedClusterProvider, store: AlertStore) -> None:
    """A node Unknown for two hours when the watcher first looks is not an alert "2 s" old: its age and the
    "resolved after" count from the Ready condition's lastTransitionTime."""
    two_hours_ago = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)

    def dated(node: dict[str, Any]) -> None:
        for condition in node["status"]["conditions"]:
            if condition["type"] == "Ready":
                condition["lastTransitionTime"] = two_hours_ago.strftime("%Y-%m-%dT%H:%M:%SZ")

    server.mutate("nodes", DEAD, dated)
    eventually(lambda: any(c.type == "Ready" and c.last_transition == two_hours_ago
                           for n in clusters.reader("sandbox").nodes() if n.name == DEAD for c in n.conditions))
    running = watcher(clusters, store).start()
    try:
        eventually(lambda: store.get(notready(DEAD)) is not None)
        state = store.get(notready(DEAD))
        assert state is not None and state.first_fired_at == two_hours_ago
        assert state.group.alerts[0].starts_at == two_hours_ago
    finally:
        running.stop()


def test_a_new_leader_adopts_firing_alerts_and_resolves_what_ended_while_nobody_watched(
        server: KubeServer, clusters: CachedClusterProvider, store: AlertStore) -> None:
    first = watcher(clusters, store)
    server.stop_heartbeat(SPARE)
    eventually(lambda: first.scan().findings > 0 and store.get(notready(SPARE)) is not None)
    since = store.get(notready(SPARE))
    assert since is not None
    posts = [item.kind for item in store.due(datetime.now(UTC) + timedelta(minutes=1))]

    server.resume_heartbeat(SPARE)  # recovers while no leader watches
    eventually(lambda: clusters.cache("sandbox").informer("nodes") is not None and all(
        n.ready == "True" for n in clusters.cache("sandbox").snapshot("nodes") if n.name == SPARE))
    second = watcher(clusters, store)
    result = second.scan()
    assert result.full and result.resolved == 1
    assert events(store, notready(SPARE)) == [Event.FIRED, Event.RESOLVED]
    assert events(store, notready(DEAD)) == [Event.FIRED]  # adopted: not fired again, not reposted
    assert [item.kind for item in store.due(datetime.now(UTC) + timedelta(minutes=1))].count(Work.POST) <= \
        posts.count(Work.POST)
    assert second.scan().recorded == 0


def test_memory_is_one_small_entry_per_current_finding(clusters: CachedClusterProvider, store: AlertStore) -> None:
    running = watcher(clusters, store)
    first = running.scan()
    assert running.tracked == first.findings > 0
    assert running.scan().recorded == 0 and running.tracked == first.findings


def test_a_provisioning_state_held_too_long_is_a_finding() -> None:
    aks = ManagedCluster.from_arm({"name": "aks-prod", "properties": {"provisioningState": "Upgrading"}})
    t0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    assert stuck_finding(aks, t0, t0 + timedelta(minutes=59), timedelta(hours=1)) is None
    found = stuck_finding(aks, t0, t0 + timedelta(minutes=61), timedelta(hours=1))
    assert found is not None and found.kb == "reconcile-failed-state" and "Upgrading" in found.title
    done = ManagedCluster.from_arm({"name": "aks-prod", "properties": {"provisioningState": "Succeeded"}})
    assert stuck_finding(done, t0, t0 + timedelta(days=1), timedelta(hours=1)) is None


def test_what_people_read_ignores_the_ages_and_counts_a_title_quotes() -> None:
    from bot.alerts.findings import from_finding
    from bot.alerts.watcher import material
    from bot.refs import Kind, ObjectRef
    from bot.severity import Severity
    from handlers.rules.finding import Finding

    def group(title: str, severity: Severity = Severity.CRITICAL) -> Any:
        finding = Finding("node.notready", severity, title, ObjectRef(Kind.NODE, SPARE), ("renewed 3 s ago",),
                          "node-notready", ("node.lease:stale",))
        return from_finding("sandbox", finding, since=datetime(2026, 12, 1, tzinfo=UTC))

    unknown = f"Node {SPARE} is Unknown: the kubelet stopped posting node status"
    assert material(group(f"{unknown} (lease stale for 55s)")) == material(group(f"{unknown} (lease stale for 1m05s)"))
    assert material(group(unknown)) != material(group(f"Node {SPARE} is NotReady"))
    assert material(group(unknown)) != material(group(unknown, Severity.WARNING))


def test_what_people_read_includes_the_pods_of_the_problem_and_its_buttons() -> None:
    """A second pod of the workload joining the problem, or a Cordon button that no longer applies, is news for the
    card even when the words stay the same."""
    from bot.alerts.findings import from_findings
    from bot.alerts.watcher import material
    from bot.refs import CommandRef, pod_ref
    from bot.severity import Severity
    from handlers.args import NodeArgs
    from handlers.rules.finding import Finding, SuggestedAction

    def oom(pod: str, *actions: SuggestedAction) -> Finding:
        return Finding("pod.oom", Severity.CRITICAL, "ledger was OOMKilled", pod_ref("payments", pod), ("exit 137",),
                       "java-oom-cgroupv2", ("pod.reason:OOMKilled",), actions=actions)

    since = datetime(2026, 12, 1, tzinfo=UTC)
    one = from_findings("sandbox", "deployment/payments/ledger", [oom("ledger-1")], since=since)
    two = from_findings("sandbox", "deployment/payments/ledger", [oom("ledger-1"), oom("ledger-2")], since=since)
    assert material(one) != material(two)
    cordon = SuggestedAction("Cordon", CommandRef("cordon", NodeArgs(node="aks-1")), danger=True)
    with_button = from_findings("sandbox", "deployment/payments/ledger", [oom("ledger-1", cordon)], since=since)
    assert material(one) != material(with_button)


def test_an_aks_cluster_in_the_failed_state_is_an_alert_until_it_is_reconciled(db: SqlApprovalStore,
                                                                                tmp_path: Path) -> None:
    """Against the sandbox's ARM server through the Azure SDK: the provisioning state is polled with the scans."""
    import os

    from bot.azure.sdk import AzureSdkProvider
    from bot.settings import load
    from sandbox import Sandbox

    store = AlertStore(db)
    with Sandbox("healthy") as sandbox:
        assert sandbox.arm is not None
        settings = load(str(sandbox.write_config(tmp_path)), environ={**os.environ, **sandbox.environment()})
        provider = CachedClusterProvider(KubeClusterProvider(settings), CacheSettings(watch_timeout_seconds=2))
        azure = AzureSdkProvider(settings)
        provider.start()
        try:
            assert provider.wait_synced(60)
            poll = WatcherSettings(azure_poll_seconds=5)
            running = ClusterWatcher("sandbox", provider.cache("sandbox"), store, ALERTS, SystemClock(),
                                     aks=lambda: azure.client("sandbox").cluster(), settings=poll)
            assert running.scan().full
            assert not [s for s in store.firing() if "/azure.provisioning/" in s.key]

            sandbox.arm.set_cluster_state("Failed", ("ReconcileVMSSAgentPoolFailed", "the VMSS could not scale"))
            time.sleep(poll.azure_poll_seconds)
            running.scan()
            (failed,) = [s for s in store.firing() if "/azure.provisioning/" in s.key]
            assert failed.group.alerts[0].runbook == "reconcile-failed-state"
            assert "ReconcileVMSSAgentPoolFailed" in " ".join(failed.group.alerts[0].evidence)

            sandbox.arm.set_cluster_state("Succeeded")
            time.sleep(poll.azure_poll_seconds)
            running.scan()
            state = store.get(failed.key)
            assert state is not None and state.status is Status.RESOLVED
        finally:
            provider.close()


def test_a_snat_budget_the_autoscalers_maximum_would_exceed_is_a_warning_that_does_not_page(
        db: SqlApprovalStore, tmp_path: Path) -> None:
    """The incident scenario through the Azure SDK against the sandbox's ARM server: 6 nodes now, 12 at the
    autoscaler's maximum plus surge, 16 at most on one IP of 4,000 ports per node. That is a risk to fix, not an
    outage: a warning in the ordinary channel, while the node that stopped is an outage on the page route."""
    import os

    from bot.azure.sdk import AzureSdkProvider
    from bot.settings import load
    from sandbox import Sandbox
    from tests.support.alerts import settings as alert_settings

    store = AlertStore(db)
    paging = alert_settings({"routes": [{"severities": ["critical"], "channel": "C0PAGE"}], "group_seconds": 0},
                            clusters=[{"name": "sandbox", "kubeconfig": "kubeconfig"}]).alerts
    with Sandbox("incident") as sandbox:
        settings = load(str(sandbox.write_config(tmp_path)), environ={**os.environ, **sandbox.environment()})
        provider = CachedClusterProvider(KubeClusterProvider(settings), CacheSettings(watch_timeout_seconds=2))
        azure = AzureSdkProvider(settings)
        provider.start()
        try:
            assert provider.wait_synced(60)
            running = ClusterWatcher("sandbox", provider.cache("sandbox"), store, paging, SystemClock(),
                                     aks=lambda: azure.client("sandbox").cluster())
            assert running.scan().full
            (snat,) = [s for s in store.firing() if "/azure.snat/" in s.key]
            assert snat.severity is Severity.WARNING and snat.group.runbook == "snat-exhaustion"
            assert [m.channel for m in store.messages(snat.key)] == ["C0ALERTS"]
            (node,) = [s for s in store.firing() if "/node.notready/" in s.key]
            assert node.severity is Severity.CRITICAL
            assert [m.channel for m in store.messages(node.key)] == ["C0PAGE"]
        finally:
            provider.close()


def test_a_cluster_the_bot_cannot_reach_as_configured_is_skipped_not_fatal(clusters: CachedClusterProvider,
                                                                          store: AlertStore) -> None:
    from bot.alerts.watcher import AlertWatcher

    both = AlertWatcher(["sandbox", "not-configured"], clusters.cache, store, ALERTS, SystemClock())
    assert [w.cluster for w in both.watchers] == ["sandbox"]


def firing_for(store: AlertStore, rule: str, name: str) -> list[Any]:
    """The firing problems the watcher recorded for `rule` on the object called `name`."""
    return [s for s in store.firing() if s.group.alerts[0].name == rule
            and s.group.alerts[0].object is not None and s.group.alerts[0].object.name == name]


def image_pull_pod(name: str) -> dict[str, Any]:
    """A pod whose image cannot be pulled, as the kubelet reports one (waiting, ImagePullBackOff)."""
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "shop", "labels": {"app": "checkout"}},
            "spec": {"nodeName": SPARE, "containers": [minicluster.container("checkout", "shop/checkout:9.9")]},
            "status": {"phase": "Pending", "hostIP": "10.224.0.5",
                       "conditions": [{"type": "Ready", "status": "False"}],
                       "containerStatuses": [{
                           "name": "checkout", "image": "shop/checkout:9.9", "imageID": "", "ready": False,
                           "restartCount": 0, "started": False,
                           "state": {"waiting": {"reason": "ImagePullBackOff", "message":
                                                 'Back-off pulling image "shop/checkout:9.9"'}}}]}}


def test_workload_problems_are_alerts_with_their_runbooks_and_end_when_mended(
        server: KubeServer, clusters: CachedClusterProvider, store: AlertStore) -> None:
    """Crash-looping containers, images that cannot be pulled and a PodDisruptionBudget that allows no disruption
    are each one alert naming the runbook people need, and each resolves once the world is mended."""
    running = watcher(clusters, store).start()
    try:
        # The scenario starts with a crash-looping, OOMKilled pod and a PDB that allows 0 disruptions.
        eventually(lambda: bool(firing_for(store, "pdb.blocking", "web")), what="the PDB alert")
        (pdb,) = firing_for(store, "pdb.blocking", "web")
        assert pdb.group.alerts[0].runbook == "pdb-blocking-drain"
        billing = "billing-7d4b9c-x2x9z"
        eventually(lambda: bool(firing_for(store, "pod.oom", billing) or firing_for(store, "pod.crashloop", billing)),
                   what="the crash-loop alert")
        crashing = (firing_for(store, "pod.oom", billing) or firing_for(store, "pod.crashloop", billing))[0]
        assert crashing.group.alerts[0].runbook in ("java-oom-cgroupv2", "qos-oom-score", "crashloop")

        server.apply(image_pull_pod("checkout-5f6d7-abcde"))
        eventually(lambda: bool(firing_for(store, "pod.image-pull", "checkout-5f6d7-abcde")),
                   what="the image-pull alert")
        (pull,) = firing_for(store, "pod.image-pull", "checkout-5f6d7-abcde")
        assert pull.group.alerts[0].runbook == "image-pull" and pull.group.alerts[0].namespace == "shop"

        # Mended: the image is there after all, the PDB leaves room for one disruption, and the OOMKilled
        # container runs again — its kill stays in its last state, an hour old: over, for a cluster scan.
        server.recover_pod("shop", "checkout-5f6d7-abcde")
        server.recover_pod("shop", billing)
        hour_ago = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        server.mutate("pods", billing, lambda p: p["status"]["containerStatuses"][0]["lastState"]["terminated"]
                      .update(finishedAt=hour_ago), namespace="shop")
        server.mutate("policy/poddisruptionbudgets", "web", lambda pdb: pdb["spec"].update(minAvailable=1),
                      namespace="shop")
        for key in (pull.key, crashing.key, pdb.key):
            eventually(lambda key=key: (s := store.get(key)) is not None and s.status is Status.RESOLVED,
                       what=f"{key} resolved")
        assert [e for e in events(store, pull.key)] == [Event.FIRED, Event.RESOLVED]
    finally:
        running.stop()


def test_the_bots_own_cordon_is_no_alert_until_it_looks_forgotten(
        server: KubeServer, clusters: CachedClusterProvider, store: AlertStore) -> None:
    """A node the bot cordoned for an approved request carries the request on it: people asked for that and were
    told, so the watcher stays quiet — until it has stayed cordoned past `BOT_CORDON_QUIET`. A cordon by hand is
    announced as before."""
    writer = clusters.writer("sandbox")
    key = watcher_key("sandbox", "node.cordoned", f"node/{SPARE}")
    scanner = watcher(clusters, store)

    def cordoned_with(at: datetime) -> None:
        stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        writer.cordon(SPARE, True, {CORDON_REQUEST: "k3j9x2ab", CORDONED_AT: stamp})
        eventually(lambda: any(n.annotations.get(CORDONED_AT) == stamp
                               for n in clusters.cache("sandbox").snapshot("nodes") if n.name == SPARE))

    try:
        cordoned_with(datetime.now(UTC))
        assert scanner.scan().full
        assert store.get(key) is None

        cordoned_with(datetime.now(UTC) - BOT_CORDON_QUIET - timedelta(hours=1))
        scanner.scan()
        state = store.get(key)
        assert state is not None and state.status is Status.FIRING
        assert state.group.title == f"Node {SPARE} has stayed cordoned for 13 h since aksbot request `k3j9x2ab`"

        writer.cordon(SPARE, False, {CORDON_REQUEST: None, CORDONED_AT: None})
        writer.cordon(SPARE, True)  # by hand: no request on it
        eventually(lambda: any(n.unschedulable and not n.annotations.get(CORDONED_AT)
                               for n in clusters.cache("sandbox").snapshot("nodes") if n.name == SPARE))
        scanner.scan()
        by_hand = store.get(key)
        assert by_hand is not None and by_hand.group.title == f"Node {SPARE} is cordoned (SchedulingDisabled)"
    finally:
        writer.cordon(SPARE, False)
