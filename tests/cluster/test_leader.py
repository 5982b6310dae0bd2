"""Leader election over a Lease on the sandbox API server, through the real client: one leader among replicas,
take-over only after the lease ran out unchanged, release after the work stopped, a 409 means lost, and the RBAC
rules of the shipped manifests are enough. Durations are scaled down (3 s lease, 2 s renew deadline, 0.4 s retry)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cluster.kube import KubeCluster, KubeClusterProvider
from bot.cluster.leader import ElectionConfig, LeaderElector, LeaderRecord
from sandbox.kube import AccessRule
from tests.support import cluster as sandbox_cluster
from tests.support.waiting import holds_within

NS = "aksbot"
LEASE, DEADLINE, RETRY = 3.0, 2.0, 0.4
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sandbox_cluster.Cluster]:
    for running in sandbox_cluster.start(Path(tmp_path_factory.mktemp("leader"))):
        running.server.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
        yield running


class Replica:
    """One bot process's elector, with a piece of work that records when it ran."""

    def __init__(self, live: sandbox_cluster.Cluster, lease: str, name: str, *, user: str = "admin",
                 work: Callable[[threading.Event], None] | None = None, namespace: str = NS,
                 report_every: float = 300.0) -> None:
        settings = live.settings if user == "admin" else sandbox_cluster.settings_for(
            Path(live.settings.source or ".").parent, live.server.url, live.server.ca_pem, user=user)
        self.provider = KubeClusterProvider(settings)
        self.client: KubeCluster = self.provider.reader("sandbox")
        self.started: list[float] = []
        self.work_ended: list[datetime] = []
        self.stopped: list[float] = []
        self.new_leaders: list[str] = []
        self.problems: list[str | None] = []
        self._work = work
        config = ElectionConfig(namespace=namespace, name=lease, identity=name, lease_duration=LEASE,
                                renew_deadline=DEADLINE, retry_period=RETRY, stop_timeout=3, report_every=report_every)
        self.elector = LeaderElector(self.client, config, on_started_leading=self.work,
                                     on_stopped_leading=lambda: self.stopped.append(time.monotonic()),
                                     on_new_leader=self.new_leaders.append, on_problem=self.problems.append)

    def work(self, stopping: threading.Event) -> None:
        self.started.append(time.monotonic())
        try:
            if self._work is not None:
                self._work(stopping)
            else:
                stopping.wait()
        finally:
            self.work_ended.append(datetime.now(UTC))

    def close(self) -> None:
        self.elector.stop(release=False, timeout=10)
        self.provider.close()


def lease_of(live: sandbox_cluster.Cluster, name: str) -> dict[str, Any]:
    found: dict[str, Any] = live.server.get("coordination.k8s.io/leases", name, NS)
    return found


@pytest.fixture
def replicas(live: sandbox_cluster.Cluster, request: pytest.FixtureRequest) -> Iterator[list[Replica]]:
    made: list[Replica] = []
    yield made
    for replica in made:
        replica.close()


def leading(replicas: list[Replica], replica: Replica) -> Replica:
    """`replica` standing alone for its lease and leading (the `replicas` fixture closes it after the test)."""
    replicas.append(replica)
    replica.elector.start()
    assert replica.elector.wait_for_leadership(5)
    return replica


def test_config_follows_client_go_rules() -> None:
    with pytest.raises(ValueError, match="lease_duration"):
        ElectionConfig(namespace=NS, lease_duration=10, renew_deadline=10)
    with pytest.raises(ValueError, match="jitter"):
        ElectionConfig(namespace=NS, renew_deadline=2, retry_period=2)
    assert (ElectionConfig(namespace=NS).lease_duration, ElectionConfig(namespace=NS).renew_deadline,
            ElectionConfig(namespace=NS).retry_period) == (15.0, 10.0, 2.0)


def test_one_of_two_replicas_leads_and_the_lease_says_so(live: sandbox_cluster.Cluster,
                                                          replicas: list[Replica]) -> None:
    replicas += [Replica(live, "one-leader", "replica-a"), Replica(live, "one-leader", "replica-b")]
    for r in replicas:
        r.elector.start()
    assert holds_within(lambda: any(r.elector.is_leader for r in replicas), 5)
    time.sleep(2 * RETRY)
    leaders = [r for r in replicas if r.elector.is_leader]
    assert len(leaders) == 1 and len(leaders[0].started) == 1
    lease = lease_of(live, "one-leader")
    spec = lease["spec"]
    assert spec["holderIdentity"] == leaders[0].elector.identity and spec["leaseDurationSeconds"] == 3
    assert spec["leaseTransitions"] == 0 and spec["acquireTime"].endswith("Z") and len(spec["renewTime"]) == 27
    first = LeaderRecord.from_lease(lease)
    time.sleep(3 * RETRY)
    later = LeaderRecord.from_lease(lease_of(live, "one-leader"))
    assert later.acquire_time == first.acquire_time and later.renew_time is not None
    assert first.renew_time is not None and later.renew_time > first.renew_time
    follower = next(r for r in replicas if r is not leaders[0])
    assert follower.elector.leader == leaders[0].elector.identity and follower.started == []


def test_a_crashed_leader_is_replaced_once_the_lease_ran_out(live: sandbox_cluster.Cluster,
                                                              replicas: list[Replica]) -> None:
    a, b = Replica(live, "crash", "replica-a"), Replica(live, "crash", "replica-b")
    replicas += [a, b]
    a.elector.start()
    assert a.elector.wait_for_leadership(5)
    b.elector.start()
    time.sleep(3 * RETRY)
    assert not b.elector.is_leader
    a.elector.stop(release=False)  # as if the process died: no release, no more renewals
    died = time.monotonic()
    assert b.elector.wait_for_leadership(LEASE + 4 * RETRY * 2.2 + 2) and holds_within(lambda: bool(b.started), 1)
    took = b.started[0] - died
    # Not before the lease ran out unchanged (counted from b's last sight of a renewal, at most one retry earlier).
    assert took >= LEASE - RETRY - 0.1, took
    spec = lease_of(live, "crash")["spec"]
    assert spec["holderIdentity"] == "replica-b" and spec["leaseTransitions"] == 1
    assert datetime.fromisoformat(spec["acquireTime"]) > datetime.now(UTC) - timedelta(seconds=5)


def test_a_stopping_leader_stops_its_work_releases_and_the_other_takes_over_at_once(
        live: sandbox_cluster.Cluster, replicas: list[Replica]) -> None:
    def slow_to_stop(stopping: threading.Event) -> None:
        stopping.wait()
        time.sleep(0.5)  # finishing what it was doing

    a, b = Replica(live, "handover", "replica-a", work=slow_to_stop), Replica(live, "handover", "replica-b")
    replicas += [a, b]
    a.elector.start()
    assert a.elector.wait_for_leadership(5)
    b.elector.start()
    time.sleep(2 * RETRY)
    stopping = time.monotonic()
    a.elector.stop()
    assert a.work_ended and a.stopped and not a.elector.is_leader
    assert b.elector.wait_for_leadership(LEASE) and holds_within(lambda: bool(b.started), 1)
    assert b.started[0] - stopping < LEASE - 0.5  # did not wait the lease out
    # The release came after the work had ended: b acquired after that moment.
    acquired = datetime.fromisoformat(lease_of(live, "handover")["spec"]["acquireTime"])
    assert acquired >= a.work_ended[0]
    assert lease_of(live, "handover")["spec"]["leaseTransitions"] == 1


def test_release_empties_the_holder(live: sandbox_cluster.Cluster, replicas: list[Replica]) -> None:
    alone = leading(replicas, Replica(live, "released", "replica-a"))
    alone.elector.stop()
    spec = lease_of(live, "released")["spec"]
    assert spec["holderIdentity"] == "" and spec["leaseDurationSeconds"] == 1 and spec["leaseTransitions"] == 0


def test_when_the_work_dies_leadership_is_given_up(live: sandbox_cluster.Cluster, replicas: list[Replica]) -> None:
    runs: list[int] = []

    def fails_once(stopping: threading.Event) -> None:
        runs.append(1)
        if len(runs) == 1:
            raise RuntimeError("the watcher crashed")
        stopping.wait()

    a = Replica(live, "dies", "replica-a", work=fails_once)
    replicas.append(a)
    a.elector.start()
    assert holds_within(lambda: len(a.started) == 2, 10)
    assert len(a.stopped) == 1  # it stopped leading, released, and stood again
    assert lease_of(live, "dies")["spec"]["leaseTransitions"] == 1


def test_a_409_means_lost(live: sandbox_cluster.Cluster, replicas: list[Replica]) -> None:
    a = leading(replicas, Replica(live, "usurped", "replica-a"))
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def usurp(lease: dict[str, Any]) -> None:
        lease["spec"].update(holderIdentity="someone-else", renewTime=now, acquireTime=now, leaseDurationSeconds=60)

    live.server.mutate("coordination.k8s.io/leases", "usurped", usurp, NS)
    assert holds_within(lambda: not a.elector.is_leader, DEADLINE + 1)
    assert a.stopped and a.new_leaders == ["someone-else"]
    time.sleep(LEASE * 0.8)
    assert not a.elector.is_leader and lease_of(live, "usurped")["spec"]["holderIdentity"] == "someone-else"


def test_the_shipped_role_is_enough(live: sandbox_cluster.Cluster, replicas: list[Replica]) -> None:
    docs = list(yaml.safe_load_all((ROOT / "deploy" / "kubernetes" / "rbac.yaml").read_text()))
    (role,) = [d for d in docs if d and d["kind"] == "Role" and d["metadata"]["name"] == "aksbot-leader-election"]
    allowed = frozenset((verb, resource) for rule in role["rules"] for resource in rule["resources"]
                        for verb in rule["verbs"])
    live.server.set_access("carol", AccessRule(allow=allowed))
    try:
        a = leading(replicas, Replica(live, "rbac", "replica-a", user="carol"))
        time.sleep(3 * RETRY)
        assert a.elector.is_leader
        a.elector.stop()
        assert lease_of(live, "rbac")["spec"]["holderIdentity"] == ""
    finally:
        live.server.set_access("carol", None)


def _leader_log(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "aksbot.leader" and r.levelno >= logging.WARNING]


def test_a_lease_whose_namespace_is_missing_is_an_error_said_once_with_what_to_do(
        live: sandbox_cluster.Cluster, replicas: list[Replica], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="aksbot.leader")
    a = Replica(live, "homeless", "replica-a", namespace="aksbot-missing")
    replicas.append(a)
    a.elector.start()
    time.sleep(8 * RETRY)  # several attempts
    assert not a.elector.is_leader and a.started == []
    (said,) = _leader_log(caplog)  # once, not once an attempt
    assert said.levelno == logging.ERROR
    assert "namespace aksbot-missing does not exist in cluster 'sandbox'" in said.getMessage()
    assert "`leader.namespace`" in said.getMessage() and "not found" not in said.getMessage()
    assert a.elector.problem is not None and a.problems == [a.elector.problem]
    live.server.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "aksbot-missing"}})
    assert a.elector.wait_for_leadership(5)
    assert a.elector.problem is None and a.problems[-1] is None
    assert "works again" in caplog.text


def test_a_forbidden_create_names_the_verb_and_the_role_and_is_said_again_while_it_lasts(
        live: sandbox_cluster.Cluster, replicas: list[Replica], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="aksbot.leader")
    live.server.set_access("carol", AccessRule(allow=frozenset({("get", "leases")})))
    try:
        a = Replica(live, "unbound", "replica-a", user="carol", report_every=1.0)
        replicas.append(a)
        a.elector.start()
        time.sleep(2.6)
        assert not a.elector.is_leader
        said = _leader_log(caplog)
        assert 2 <= len(said) <= 4 and all(r.levelno == logging.ERROR for r in said)  # first, then every second
        first = said[0].getMessage()
        assert "forbidden to create lease aksbot/unbound" in first and "may not `create` `leases" in first
        assert "aksbot-leader-election" in first
        assert "still (" in said[1].getMessage() and "failed attempts" in said[1].getMessage()
        live.server.set_access("carol", AccessRule(allow=frozenset(
            {("get", "leases"), ("create", "leases"), ("update", "leases")})))
        assert a.elector.wait_for_leadership(5) and a.elector.problem is None
    finally:
        live.server.set_access("carol", None)
