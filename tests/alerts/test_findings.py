"""Watcher findings as alerts, end to end on the sandbox: the diagnosis rules read the cluster through the bot's
adapter, a node whose kubelet stops becomes one alert naming `node-notready`, its recovery resolves the same
alert (one message, updated); an OOMKilled container becomes an alert carrying the rule's runbook."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.alerts.findings import finding_object, from_finding, from_findings, watcher_key
from bot.alerts.lifecycle import Outcome
from bot.alerts.model import AlertObject, Source, Status
from bot.alerts.routing import Route
from bot.alerts.settings import RateLimit
from bot.alerts.store import AlertStore, Work
from bot.approvals.store import SqliteApprovalStore
from bot.cluster.kube import KubeCluster, KubeClusterProvider
from bot.refs import node_ref
from bot.severity import Severity
from handlers.rules.finding import Finding
from handlers.rules.finding import Severity as FindingSeverity
from handlers.rules.node_rules import node_findings
from handlers.rules.pod_rules import PodContext, pod_findings
from sandbox.kube import KubeServer
from tests.support import minicluster
from tests.support.cluster import TOKENS, settings_for

GRACE = 1.0
ALERTS = Route("default", "C0ALERTS", "en", 0, RateLimit(), None)
WINDOW = timedelta(minutes=30)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[KubeServer, KubeCluster]]:
    server = KubeServer(minicluster.objects(), dead_nodes=minicluster.DEAD_NODES,
                        tokens={t: u for u, t in TOKENS.items()}, termination_seconds=0.2,
                        node_monitor_grace_seconds=GRACE, lease_renew_seconds=0.2).start()
    server.controllers.settle()
    provider = KubeClusterProvider(settings_for(tmp_path, server.url, server.ca_pem))
    try:
        yield server, provider.reader("sandbox")
    finally:
        provider.close()
        server.stop()


def notready(cluster: KubeCluster, node: str) -> list[Finding]:
    found = cluster.node(node)
    return [f for f in node_findings(found, cluster.lease(node), cluster.events(involved_name=node), [],
                                     datetime.now(UTC)) if f.rule == "node.notready"]


def test_subjects_become_objects() -> None:
    assert finding_object("node/aks-1") == AlertObject("Node", "aks-1")
    assert finding_object("pod/payments/ledger-1") == AlertObject("Pod", "ledger-1", "payments")
    assert finding_object("cluster/prod") == AlertObject("ManagedCluster", "prod")
    assert finding_object("something odd") is None


def test_a_node_that_stops_heartbeating_is_one_alert_and_its_recovery_resolves_it(
        world: tuple[KubeServer, KubeCluster], tmp_path: Path) -> None:
    server, cluster = world
    store = AlertStore(SqliteApprovalStore(tmp_path / "alerts.sqlite3"))
    node = minicluster.SPARE
    assert notready(cluster, node) == []
    server.stop_heartbeat(node)
    deadline = time.monotonic() + GRACE + 5
    while not notready(cluster, node) and time.monotonic() < deadline:
        time.sleep(0.1)
    (finding,) = notready(cluster, node)
    since = datetime.now(UTC)
    group = from_finding("sandbox", finding, since=since)
    assert group.key == watcher_key("sandbox", "node.notready", f"node/{node}")
    assert group.source is Source.WATCHER and group.runbook == "node-notready"
    assert group.severity is Severity.CRITICAL and group.alerts[0].object == AlertObject("Node", node)
    first = store.record(group, [ALERTS], at=since, flap_window=WINDOW)
    assert first.outcome is Outcome.CREATED
    (post,) = store.due(since)
    assert post.kind is Work.POST
    store.posted(post, "1700000000.000001", since)
    # The next scan sees the same finding: the same problem, never a second message.
    (again,) = notready(cluster, node)
    second = store.record(from_finding("sandbox", again, since=since), [ALERTS], at=since + timedelta(seconds=5),
                          flap_window=WINDOW)
    assert second.outcome in (Outcome.UNCHANGED, Outcome.UPDATED) and second.state.id == first.state.id
    server.resume_heartbeat(node)
    assert notready(cluster, node) == []
    at = since + timedelta(minutes=3)
    resolved = store.record(from_finding("sandbox", again, since=since, status=Status.RESOLVED, resolved_at=at),
                            [ALERTS], at=at, flap_window=WINDOW)
    assert resolved.outcome is Outcome.RESOLVED and resolved.state.status is Status.RESOLVED
    assert [m.ts for m in store.messages(group.key)] == ["1700000000.000001"]
    assert {i.kind for i in store.due(at)} == {Work.UPDATE, Work.REPLY}


def test_an_oomkilled_container_is_an_alert_with_the_rules_runbook(world: tuple[KubeServer, KubeCluster]) -> None:
    server, cluster = world
    pod = next(p for p in cluster.pods("shop") if p.name.startswith("api") and p.node == minicluster.SPARE)
    server.oom_kill("shop", pod.name)
    killed = cluster.pod("shop", pod.name)
    findings = [f for f in pod_findings(killed, PodContext(node=cluster.node(killed.node)), datetime.now(UTC))
                if f.rule == "pod.oom"]
    assert findings, "the OOM rule sees the kill"
    group = from_finding("sandbox", findings[0], since=datetime.now(UTC))
    assert group.runbook == findings[0].kb and group.runbook in ("qos-oom-score", "java-oom-cgroupv2")
    assert group.namespace == "shop" and group.alerts[0].object == AlertObject("Pod", pod.name, "shop")



def test_a_stale_lease_that_turns_into_an_unknown_node_stays_one_message_and_its_thread_hears_of_it(
        tmp_path: Path) -> None:
    store = AlertStore(SqliteApprovalStore(tmp_path / "alerts.sqlite3"))
    node = node_ref("aks-userpool-1-vmss000000")
    stale = Finding("node.lease", FindingSeverity.WARNING, "Node aks-userpool-1-vmss000000 is still Ready but its "
                    "heartbeat lease is stale", node, ("Lease … last renewed 41s ago",), "node-notready",
                    ("node.lease:stale",))
    unknown = Finding("node.notready", FindingSeverity.CRITICAL, "Node aks-userpool-1-vmss000000 is Unknown", node,
                      ("condition Ready=Unknown",), "node-notready", ("node.condition:Ready=Unknown",))
    since = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    first, later = (from_finding("sandbox", f, since=since) for f in (stale, unknown))
    assert first.key == later.key == watcher_key("sandbox", "node.notready", "node/aks-userpool-1-vmss000000")

    created = store.record(first, [ALERTS], at=since, flap_window=WINDOW)
    assert created.state.severity is Severity.WARNING
    (post,) = store.due(since)
    store.posted(post, "1700000000.000001", since)
    store.done(post.id, since)
    at = since + timedelta(seconds=40)
    worse = store.record(later, [ALERTS], at=at, flap_window=WINDOW)
    assert worse.outcome is Outcome.UPDATED and worse.state.severity is Severity.CRITICAL
    assert worse.state.status is Status.FIRING and len(worse.state.group.firing) == 1
    assert sorted(i.kind for i in store.due(at)) == sorted([Work.UPDATE, Work.REPLY])  # the same message, a reply
    assert "warning → critical" in [h.detail for h in store.history(key=first.key)]
    assert [m.ts for m in store.messages(first.key)] == ["1700000000.000001"]


def test_the_pods_of_one_workload_with_one_problem_are_one_alert() -> None:
    """Two ledger pods OOMKilled were two identical cards paging separately: they are one problem of the
    Deployment, an alert per pod inside it, titled by the worst with how many more; a bare pod stands alone."""
    from bot.alerts.views import diagnose_ref
    from bot.alerts.watcher import by_workload
    from bot.refs import pod_ref
    from handlers.rules.finding import Finding as RuleFinding
    from tests.support.objects import pod

    pods = [pod("ledger-7d9f8b6c5d-x2x7q"), pod("ledger-7d9f8b6c5d-k9l2m"),
            replace(pod("debug-shell", namespace="payments"), owner=None, labels={})]
    findings = [RuleFinding("pod.oom", FindingSeverity.CRITICAL, f"{p.name} was OOMKilled",
                            pod_ref(p.namespace, p.name), ("exit 137",), "java-oom-cgroupv2", ("pod.reason:OOMKilled",))
                for p in pods]
    units = by_workload(findings, pods)
    assert [(subject, len(members)) for subject, members in units] == [
        ("deployment/payments/ledger", 2), ("pod/payments/debug-shell", 1)]
    now = datetime.now(UTC)
    group = from_findings("prod", *units[0], since=now, seen=now)
    assert group.key == watcher_key("prod", "pod.oom", "deployment/payments/ledger")
    assert [a.object.name for a in group.alerts if a.object] == ["ledger-7d9f8b6c5d-x2x7q", "ledger-7d9f8b6c5d-k9l2m"]
    assert str(group.title) == ("ledger-7d9f8b6c5d-x2x7q was OOMKilled (and 1 more pod(s) of "
                                "deployment/payments/ledger)")
    diagnose = diagnose_ref(group)
    assert diagnose is not None and diagnose.text() == "/k8s diagnose pod ledger -n payments --cluster prod"
    alone = from_findings("prod", *units[1], since=now, seen=now)
    assert alone == from_finding("prod", findings[2], since=now, seen=now)
