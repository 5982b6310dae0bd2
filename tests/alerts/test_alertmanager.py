"""The Alertmanager webhook (version 4) read into alert groups, from public example deliveries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.alerts import alertmanager
from bot.alerts.model import AlertObject, PayloadError, Source, Status
from bot.alerts.views import diagnose_ref
from bot.severity import Severity
from handlers.args import DiagnoseNodeArgs
from tests.support.alerts import directory, payload, rejection


def test_a_real_delivery_becomes_one_group_keyed_by_receiver_and_group_key() -> None:
    group = alertmanager.parse(payload("alertmanager-cputhrottlinghigh.json"), directory())
    assert group.source is Source.ALERTMANAGER
    assert group.key == 'alertmanager/test_py_receiver/{}:{alertname="CPUThrottlingHigh"}'
    assert group.title == "CPUThrottlingHigh"
    assert group.status is Status.FIRING and group.truncated == 0
    (alert,) = group.alerts
    assert alert.source_id == "b6b9b2301a63ba27"
    assert alert.starts_at == datetime(2022, 7, 27, 19, 48, 31, 978000, tzinfo=UTC)
    assert alert.ends_at is None  # 0001-01-01T00:00:00Z while firing
    assert alert.severity is Severity.INFO and alert.severity_label == "info"
    assert alert.summary == "Processes experience elevated CPU throttling."
    assert alert.description.startswith("71.24% throttling of CPU")
    assert alert.object == AlertObject("Pod", "rke2-coredns-rke2-coredns-autoscaler-7566b44b85-zmsvh", "kube-system")
    assert alert.namespace == "kube-system"
    assert "container=autoscaler" in alert.evidence and not any(e.startswith("prometheus=") for e in alert.evidence)
    labels = [link.label for link in alert.links]
    assert labels == ["runbook", "source"]
    # Go escapes & as \u0026 in JSON; the link is the URL Prometheus meant.
    assert alert.links[1].url.endswith("&g0.tab=1")


def test_every_alert_of_a_group_is_kept_and_counted() -> None:
    group = alertmanager.parse(payload("alertmanager-longhorn-3-alerts.json"), directory())
    assert len(group.alerts) == 3 and len({a.source_id for a in group.alerts}) == 3
    assert group.severity is Severity.WARNING
    assert group.summary == "Longhorn volume is Degraded (3 firing)"
    assert group.labels["alertname"] == "LonghornVolumeStatusWarning"


def test_truncated_alerts_are_counted_in_the_summary() -> None:
    raw = payload("alertmanager-longhorn-3-alerts.json")
    raw["truncatedAlerts"] = 9
    group = alertmanager.parse(raw, directory())
    assert group.truncated == 9 and group.summary == "Longhorn volume is Degraded (12 firing)"


def test_unknown_fields_are_ignored_and_a_missing_truncated_count_is_zero() -> None:
    raw = payload("alertmanager-cputhrottlinghigh.json")
    raw.update(notification_reason="repeat", routeLabels={"team": "sre"}, somethingNew=[1, 2])
    raw["alerts"][0]["newField"] = {"x": 1}
    del raw["truncatedAlerts"]
    group = alertmanager.parse(raw, directory())
    assert group.truncated == 0 and group.alerts[0].name == "CPUThrottlingHigh"


def test_a_resolved_alert_has_its_end_time() -> None:
    raw = payload("alertmanager-cputhrottlinghigh.json")
    raw["status"] = raw["alerts"][0]["status"] = "resolved"
    raw["alerts"][0]["endsAt"] = "2022-07-27T20:03:31.978Z"
    group = alertmanager.parse(raw, directory())
    assert group.status is Status.RESOLVED
    assert group.alerts[0].ends_at == datetime(2022, 7, 27, 20, 3, 31, 978000, tzinfo=UTC)


def test_the_cluster_label_names_a_configured_cluster_and_separates_group_keys() -> None:
    prod = payload("alertmanager-cputhrottlinghigh.json")
    test = payload("alertmanager-cputhrottlinghigh.json")
    for raw, name in ((prod, "aks-prod"), (test, "test")):
        raw["commonLabels"]["cluster"] = name
        raw["alerts"][0]["labels"]["cluster"] = name
    a, b = (alertmanager.parse(raw, directory()) for raw in (prod, test))
    assert (a.cluster, b.cluster) == ("prod", "test")  # aks-prod is prod's AKS name
    assert a.key != b.key and a.key.endswith("@aks-prod")


def test_an_unknown_cluster_label_is_kept_as_a_hint() -> None:
    raw = payload("alertmanager-cputhrottlinghigh.json")
    raw["alerts"][0]["labels"]["cluster"] = "staging-eu"
    alert = alertmanager.parse(raw, directory()).alerts[0]
    assert alert.cluster is None and alert.cluster_hint == "staging-eu"


# Label sets of real kube-prometheus-stack deliveries (github.com/AndreiGavriliu/homelab issues #5933, #7052).
_KUBE_NODE_NOT_READY = {
    "alertname": "KubeNodeNotReady", "condition": "Ready", "container": "kube-state-metrics", "endpoint": "http",
    "instance": "10.42.0.16:8080", "job": "kube-state-metrics", "namespace": "kube-prometheus-stack", "node": "hive-04",
    "pod": "kube-prometheus-stack-kube-state-metrics-5cc5cc8bf4-26845",
    "prometheus": "kube-prometheus-stack/kube-prometheus-stack-prometheus",
    "service": "kube-prometheus-stack-kube-state-metrics", "severity": "warning", "status": "true", "cluster": "test",
}
_KUBE_POD_NOT_READY = {
    "alertname": "KubePodNotReady", "job": "kube-state-metrics", "namespace": "kube-prometheus-stack",
    "pod": "kube-prometheus-stack-prometheus-node-exporter-f7xqh",
    "prometheus": "kube-prometheus-stack/kube-prometheus-stack-prometheus", "severity": "warning", "cluster": "test",
}


def _with_labels(labels: dict[str, str]) -> dict[str, object]:
    raw = payload("alertmanager-cputhrottlinghigh.json")
    raw["commonLabels"] = dict(labels)
    raw["alerts"][0]["labels"] = dict(labels)
    return raw


def test_a_node_alert_from_kube_state_metrics_is_about_the_node_not_the_exporter() -> None:
    group = alertmanager.parse(_with_labels(_KUBE_NODE_NOT_READY), directory())
    (alert,) = group.alerts
    assert alert.object == AlertObject("Node", "hive-04")
    assert alert.namespace is None  # not routed by the monitoring namespace
    ref = diagnose_ref(group)
    assert ref is not None and ref.command == "diagnose node" and ref.args == DiagnoseNodeArgs(name="hive-04")
    # The same from node-exporter's DaemonSet pod (its pod named after the scraped Service).
    labels = {**_KUBE_NODE_NOT_READY, "container": "node-exporter", "job": "node-exporter",
              "service": "kube-prometheus-stack-prometheus-node-exporter",
              "pod": "kube-prometheus-stack-prometheus-node-exporter-f7xqh"}
    assert alertmanager.parse(_with_labels(labels), directory()).alerts[0].object == AlertObject("Node", "hive-04")


def test_a_pod_alert_from_kube_state_metrics_stays_about_its_pod() -> None:
    # kube-state-metrics' series name their subject in `pod` (honorLabels), even when the pod is an exporter's.
    (alert,) = alertmanager.parse(_with_labels(_KUBE_POD_NOT_READY), directory()).alerts
    assert alert.object == AlertObject("Pod", "kube-prometheus-stack-prometheus-node-exporter-f7xqh",
                                       "kube-prometheus-stack")
    assert alert.namespace == "kube-prometheus-stack"
    crashloop = {"alertname": "KubePodCrashLooping", "container": "app", "endpoint": "http",
                 "job": "kube-state-metrics", "namespace": "shop", "pod": "app-7d4b9c8f6d-x2x9q",
                 "reason": "CrashLoopBackOff",
                 "service": "kube-prometheus-stack-kube-state-metrics", "severity": "warning"}
    (alert,) = alertmanager.parse(_with_labels(crashloop), directory()).alerts
    assert alert.object == AlertObject("Pod", "app-7d4b9c8f6d-x2x9q", "shop") and alert.namespace == "shop"


def test_a_longhorn_volume_alert_is_about_the_volume_not_longhorn_manager() -> None:
    group = alertmanager.parse(payload("alertmanager-longhorn-3-alerts.json"), directory())
    assert [a.object for a in group.alerts] == [
        AlertObject("PersistentVolume", a.labels["volume"]) for a in group.alerts]
    assert {a.namespace for a in group.alerts} == {None}
    raw = payload("alertmanager-longhorn-3-alerts.json")
    raw["alerts"][0]["labels"].update(pvc="data-postgres-0", pvc_namespace="db")
    alert = alertmanager.parse(raw, directory()).alerts[0]
    assert alert.object == AlertObject("PersistentVolumeClaim", "data-postgres-0", "db") and alert.namespace == "db"


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r.update(version="3"), "version is '3'"),
    (lambda r: r.pop("version"), "version is missing"),
    (lambda r: r.update(alerts=[]), "alerts must be a non-empty list"),
    (lambda r: r.update(groupKey=None), "groupKey must be a non-empty string"),
    (lambda r: r["alerts"][0].update(status="pending"), "alerts[0].status"),
    (lambda r: r["alerts"][0].update(startsAt="yesterday"), "alerts[0].startsAt"),
    (lambda r: r["alerts"][0].update(labels=["a"]), "alerts[0].labels"),
    (lambda r: r.update(truncatedAlerts=-1), "truncatedAlerts"),
])
def test_malformed_payloads_are_rejected_with_the_field_named(change: object, message: str) -> None:
    raw = payload("alertmanager-cputhrottlinghigh.json")
    change(raw)  # type: ignore[operator]
    assert message in rejection(alertmanager.parse, raw)


def test_a_json_array_is_not_a_payload() -> None:
    with pytest.raises(PayloadError):
        alertmanager.parse([1, 2], directory())
