"""The kubernetes-client adapter against the sandbox API server: parsing, paging, errors, writes."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import settings
from bot.cluster import kube, wire
from bot.cluster.kube import KubeClusterProvider
from bot.errors import Forbidden, NotConfigured, NotFound, Refused, Upstream
from sandbox.kube.server import AccessRule
from tests.support.cluster import Cluster, settings_for, start

N0, N1, N2 = (f"aks-nodepool1-12345678-vmss00000{i}" for i in range(3))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    yield from start(tmp_path_factory.mktemp("adapter"))


@pytest.fixture
def writable(tmp_path: Path) -> Iterator[Cluster]:
    yield from start(tmp_path)


def test_nodes_parse_status_pool_conditions_and_quantities(cluster: Cluster) -> None:
    nodes = {n.name: n for n in cluster.provider.reader("sandbox").nodes()}
    assert nodes[N0].ready == "True" and nodes[N0].pool == "nodepool1"
    assert nodes[N0].allocatable.cpu_m == 3860 and nodes[N0].allocatable.memory == 12880 * 2**20
    assert nodes[N0].capacity.ephemeral_storage == 129886128 * 1024
    assert [c.type for c in nodes[N1].problems] == ["MemoryPressure"]
    assert nodes[N2].ready == "Unknown"
    assert nodes["aks-user-87654321-vmss000000"].status_text == "Ready,SchedulingDisabled"
    assert nodes[N0].node_info.container_runtime == "containerd://1.7.15"


def test_label_selector_is_applied_by_the_server(cluster: Cluster) -> None:
    nodes = cluster.provider.reader("sandbox").nodes(selector="agentpool=user")
    assert [n.name for n in nodes] == ["aks-user-87654321-vmss000000"]


def test_lists_are_paged_and_nothing_is_lost(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    reader = cluster.provider.reader("sandbox")
    whole = sorted(p.key for p in reader.pods())
    before = next(cluster.server.requests)
    monkeypatch.setattr(kube, "PAGE_SIZE", 2)
    paged = sorted(p.key for p in reader.pods())
    requests = next(cluster.server.requests) - before - 1
    assert paged == whole
    assert requests == -(-len(whole) // 2)


def test_pod_details_keep_secret_references_but_never_values(cluster: Cluster) -> None:
    pod = cluster.provider.reader("sandbox").pod("shop", "web-7d9f-fghij")
    env = {e.name: e for e in pod.containers[0].env}
    assert env["MODE"].value == "prod"
    assert env["DB_PASSWORD"].value is None and env["DB_PASSWORD"].source == "secret:db/password"
    assert pod.status_text == "CrashLoopBackOff" and pod.restarts == 7
    assert pod.last_termination is not None and pod.last_termination.reason == "OOMKilled"
    assert pod.owner is not None and pod.owner.kind == "ReplicaSet"
    assert pod.requests.cpu_m == 250 and pod.limits.memory == 512 * 2**20
    assert "hunter2" not in repr(pod) and "aHVudGVyMg" not in repr(pod)


def test_node_field_selector_and_leases(cluster: Cluster) -> None:
    reader = cluster.provider.reader("sandbox")
    assert {p.node for p in reader.pods(None, node=N0)} == {N0}
    leases = reader.leases()
    assert set(leases) >= {N0, N1, N2}
    lease = reader.lease(N2)
    assert lease is not None and lease.renew_time is not None and lease.renew_time.year == 2020
    assert reader.lease("no-such-node") is None


def test_events_filtered_by_the_server_newest_first(cluster: Cluster) -> None:
    reader = cluster.provider.reader("sandbox")
    warnings = reader.events(None, type="Warning")
    assert [e.reason for e in warnings] == ["BackOff", "OOMKilling", "NodeNotReady"]
    about = reader.events(None, involved_name=N1, kind="Node")
    assert [e.reason for e in about] == ["OOMKilling"]
    scheduled = reader.events("shop", reason="Scheduled")
    assert "web-7d9f-abcde" in {e.involved.name for e in scheduled}
    assert {e.reason for e in scheduled} == {"Scheduled"}


def test_logs_tail_previous_and_missing_container(cluster: Cluster) -> None:
    reader = cluster.provider.reader("sandbox")
    assert reader.logs("shop", "web-7d9f-fghij", "app", tail=2) == "line 198\nline 199\n"
    assert "out of memory" in reader.logs("shop", "web-7d9f-fghij", "app", previous=True)
    with pytest.raises(Refused, match="choose one of"):
        reader.logs("shop", "api-5c6b-klmno")


def test_metrics_from_the_metrics_api(cluster: Cluster) -> None:
    reader = cluster.provider.reader("sandbox")
    usage = {u.name: u for u in reader.node_metrics()}
    assert usage[N0].cpu_m == 1200 and usage[N0].memory == 6 * 2**30
    assert N2 not in usage  # the dead node reports nothing
    pods = {(u.namespace, u.name): u for u in reader.pod_metrics("shop")}
    assert pods[("shop", "web-7d9f-abcde")].cpu_m == 180


def test_workloads_and_budgets(cluster: Cluster) -> None:
    reader = cluster.provider.reader("sandbox")
    web = reader.deployment("shop", "web")
    assert web.replicas == 2 and web.selector == {"app": "web"} and web.strategy == "RollingUpdate"
    pdb = next(p for p in reader.pdbs("shop") if p.name == "web-pdb")
    assert pdb.min_available == "2" and pdb.selector_text == "app=web"


def test_not_found_names_kind_and_name(cluster: Cluster) -> None:
    with pytest.raises(NotFound) as caught:
        cluster.provider.reader("sandbox").node("aks-ghost")
    assert caught.value.kind == "node" and caught.value.name == "aks-ghost"


def test_forbidden_quotes_the_servers_reason(cluster: Cluster, tmp_path: Path) -> None:
    cluster.server.set_access("carol", AccessRule(allow=frozenset({("list", "nodes")})))
    try:
        provider = KubeClusterProvider(settings_for(tmp_path, cluster.server.url, cluster.server.ca_pem, user="carol"))
        assert provider.reader("sandbox").nodes()
        with pytest.raises(Forbidden, match="carol") as caught:
            provider.reader("sandbox").pods("shop")
        assert "pods" in caught.value.message and "refused the bot" in caught.value.message
    finally:
        cluster.server.set_access("carol", None)


def test_down_cluster_is_upstream_not_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    provider = KubeClusterProvider(settings_for(tmp_path, f"http://127.0.0.1:{port}", None, name="prod"))
    with pytest.raises(Upstream, match="cluster 'prod' is unreachable") as caught:
        provider.reader("prod").nodes()
    assert caught.value.temporary


def test_unknown_cluster_is_not_configured(cluster: Cluster) -> None:
    with pytest.raises(NotConfigured, match="known: sandbox"):
        cluster.provider.reader("prod")


def test_writes_cordon_scale_restart_delete(writable: Cluster) -> None:
    writer = writable.provider.writer("sandbox")
    assert writer.cordon(N0, True).unschedulable
    assert not writer.cordon(N0, False).unschedulable
    assert writer.scale_deployment("shop", "web", 3).replicas == 3
    restarted = writer.restart_deployment("shop", "web")
    raw = writable.server.get("apps/deployments", "web", "shop")
    assert kube.RESTARTED_AT in raw["spec"]["template"]["metadata"]["annotations"]
    assert restarted.name == "web"
    writer.delete_pod("shop", "old-batch", grace_seconds=0)
    with pytest.raises(NotFound):
        writer.delete_pod("shop", "old-batch")


def test_eviction_blocked_by_a_budget_is_refused_naming_it(writable: Cluster) -> None:
    writable.server.apply({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                           "metadata": {"name": "api-pdb", "namespace": "shop"},
                           "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "api"}}}})
    with pytest.raises(Refused, match="api-pdb"):
        writable.provider.writer("sandbox").evict("shop", "api-5c6b-klmno")
    writable.provider.writer("sandbox").evict("shop", "web-7d9f-abcde")


def test_a_running_pod_that_is_not_ready_says_so() -> None:
    """kubectl prints plain Running for a pod the node controller marked not Ready (its node went silent)."""
    body = {
        "metadata": {"name": "orders-1", "namespace": "shop", "uid": "u1"},
        "spec": {"nodeName": "n3", "containers": [{"name": "app", "image": "shop/orders:1"}],
                 "tolerations": [{"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                  "effect": "NoExecute", "tolerationSeconds": 300}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
                   "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0,
                                          "state": {"running": {"startedAt": "2026-12-01T09:00:00Z"}}}]},
    }
    pod = wire.PODS.from_dict(body)
    assert pod.status_text == "Running" and pod.shown_status == "Running (not ready)"
    (toleration,) = pod.tolerations
    assert (toleration.key, toleration.effect, toleration.seconds) == (
        "node.kubernetes.io/unreachable", "NoExecute", 300
    )
    ready_status = {**body["status"], "conditions": [{"type": "Ready", "status": "True"}]}
    ready = wire.PODS.from_dict({**body, "status": ready_status})
    assert ready.shown_status == "Running"


def test_credentials_that_cannot_load_name_the_kubeconfig_and_what_is_wrong(tmp_path: Path) -> None:
    """What a Slack user reads when a cluster's kubeconfig is missing or lacks the context: the file, and why."""
    (tmp_path / "kc").write_text("contexts: [{name: sandbox}]\ncurrent-context: sandbox\n")
    config = tmp_path / "aksbot.yaml"
    config.write_text("clusters: [{name: prod, kubeconfig: nokc}, {name: test, kubeconfig: kc, context: aks-test}]\n")
    provider = KubeClusterProvider(settings.load(str(config), environ={}))
    with pytest.raises(NotConfigured) as missing:
        provider.reader("prod")
    assert str(missing.value) == (f"cluster 'prod': cannot load its Kubernetes credentials: kubeconfig: "
                                  f"{tmp_path / 'nokc'} does not exist (in {config})")
    with pytest.raises(NotConfigured) as context:
        provider.reader("test")
    assert str(context.value) == (f"cluster 'test': cannot load its Kubernetes credentials: context: 'aks-test' is "
                                  f"not in {tmp_path / 'kc'} (it has: sandbox) (in {config})")
