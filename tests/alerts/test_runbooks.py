"""The runbook for an alert: by name, by label, by Azure metric, by the node's cgroup version for OOMKilled (read
from a cluster through the real client), else a knowledge-base search that may abstain."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.alerts import alertmanager, azure_monitor
from bot.alerts.model import Alert, Source, Status
from bot.alerts.runbooks import BY_AZURE_METRIC, BY_LABEL, BY_NAME, ClusterNodeFacts, RunbookResolver, words
from bot.severity import Severity
from knowledge import load_knowledge_base
from tests.support import cluster as sandbox_cluster
from tests.support.alerts import directory, payload

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
KB = load_knowledge_base()


def alert(name: str, *, cluster: str | None = "sandbox", summary: str = "", description: str = "",
          **labels: str) -> Alert:
    return Alert(source=Source.ALERTMANAGER, name=name, status=Status.FIRING, severity=Severity.WARNING,
                 summary=summary or name, description=description, starts_at=T0, cluster=cluster,
                 labels={"alertname": name, **labels})


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sandbox_cluster.Cluster]:
    yield from sandbox_cluster.start(Path(tmp_path_factory.mktemp("runbooks")))


def test_every_mapped_id_is_a_knowledge_base_entry() -> None:
    ids = {*BY_NAME.values(), *BY_AZURE_METRIC.values(), *(v for _, m in BY_LABEL.values() for v in m.values())}
    assert {i for i in ids if KB.get(i) is None} == set()


@pytest.mark.parametrize(("name", "expected"), [
    ("KubeNodeNotReady", "node-notready"),
    ("KubeNodeUnreachable", "node-notready"),
    ("KubePodCrashLooping", "crashloop"),
    ("KubePodContainerRestart", "crashloop"),
    ("KubeHpaMaxedOut", "hpa-not-scaling"),
    ("KubePersistentVolumeErrors", "pvc-attach"),
    ("KubeletClientCertificateExpiration", "cert-expired"),
    ("CoreDNSForwardLatencyHigh", "dns-timeout"),
])
def test_names_map_to_entries(name: str, expected: str) -> None:
    assert RunbookResolver(KB).resolve_alert(alert(name)).runbook == expected


@pytest.mark.parametrize(("name", "labels", "expected"), [
    ("KubeNodePressure", {"condition": "DiskPressure"}, "disk-pressure"),
    ("KubeNodeEviction", {"eviction_signal": "memory.available"}, "memory-pressure-eviction"),
    ("KubeContainerWaiting", {"reason": "ImagePullBackOff"}, "image-pull"),
    ("KubeContainerWaiting", {"reason": "CrashLoopBackOff"}, "crashloop"),
])
def test_some_names_are_decided_by_a_label(name: str, labels: dict[str, str], expected: str) -> None:
    assert RunbookResolver(KB).resolve_alert(alert(name, **labels)).runbook == expected


def test_an_azure_snat_metric_alert_maps_to_snat_exhaustion() -> None:
    raw = payload("azure-metric-alert-fired.json")
    raw["data"]["alertContext"]["condition"]["allOf"][0]["metricName"] = "UsedSnatPorts"
    group = azure_monitor.parse(raw, directory())
    assert RunbookResolver(KB).resolve(group).runbook == "snat-exhaustion"


def test_other_names_are_searched_in_the_knowledge_base() -> None:
    found = RunbookResolver(KB).resolve_alert(alert(
        "KubePodStuckPending", summary="Pod has been Pending for more than 15 minutes",
        description="FailedScheduling: 0/3 nodes are available: insufficient cpu"))
    assert found.runbook == "pod-pending"


def test_the_search_abstains_rather_than_guess() -> None:
    group = alertmanager.parse(payload("alertmanager-longhorn-3-alerts.json"), directory())
    assert RunbookResolver(KB).resolve(group).runbook is None


def test_camel_case_names_become_words() -> None:
    assert words("KubeDeploymentReplicasMismatch") == "Kube Deployment Replicas Mismatch"
    assert words("KubeAPIDown") == "Kube API Down"


def test_oomkilled_on_a_cgroup_v2_node_is_the_java_heap_entry(live: sandbox_cluster.Cluster) -> None:
    resolver = RunbookResolver(KB, ClusterNodeFacts(live.provider))
    # The pod runs on aks-nodepool1-12345678-vmss000001: Kubernetes 1.30.4 on Ubuntu 22.04.
    found = resolver.resolve_alert(alert("KubePodOOMKilled", namespace="shop", pod="web-7d9f-fghij"))
    assert found.runbook == "java-oom-cgroupv2"
    assert found.evidence[-1] == ("node aks-nodepool1-12345678-vmss000001: Kubernetes 1.30.4 on Ubuntu 22.04.4 LTS "
                                  "→ cgroup v2 → java-oom-cgroupv2")


def test_oomkilled_on_a_cgroup_v1_node_is_the_container_limit_entry(live: sandbox_cluster.Cluster) -> None:
    old = copy.deepcopy(live.server.get("nodes", "aks-user-87654321-vmss000000"))
    old["metadata"] = {"name": "aks-legacy-11111111-vmss000000"}
    old["status"]["nodeInfo"].update(osImage="Ubuntu 18.04.6 LTS", kubeletVersion="v1.24.9")
    live.server.apply(old)
    resolver = RunbookResolver(KB, ClusterNodeFacts(live.provider))
    found = resolver.resolve_alert(alert("KubeContainerOOMKilled", node="aks-legacy-11111111-vmss000000"))
    assert found.runbook == "container-oomkilled" and "→ cgroup v1" in found.evidence[-1]


def test_oomkilled_without_a_node_to_look_at_says_why(live: sandbox_cluster.Cluster) -> None:
    resolver = RunbookResolver(KB, ClusterNodeFacts(live.provider))
    aks_style = resolver.resolve_alert(alert("KubeContainerOOMKilledCount", namespace="shop", controller="web"))
    assert aks_style.runbook == "container-oomkilled"
    assert aks_style.evidence[-1] == "cgroup version unknown: the alert names no node or pod → container-oomkilled"
    gone = resolver.resolve_alert(alert("KubePodOOMKilled", namespace="shop", pod="no-such-pod"))
    assert "pod shop/no-such-pod was not found on a node" in gone.evidence[-1]
    elsewhere = resolver.resolve_alert(alert("KubePodOOMKilled", cluster=None, namespace="shop", pod="x"))
    assert "names no configured cluster" in elsewhere.evidence[-1]


def test_a_runbook_already_set_is_kept() -> None:
    kept = RunbookResolver(KB).resolve_alert(replace(alert("KubePodCrashLooping"), runbook="image-pull"))
    assert kept.runbook == "image-pull"
