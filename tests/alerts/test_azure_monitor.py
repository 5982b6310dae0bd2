"""Azure Monitor's common alert schema read into alert groups, from Microsoft's published samples."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.alerts import azure_monitor
from bot.alerts.model import Source, Status
from bot.severity import Severity
from tests.support.alerts import SUBSCRIPTION, directory, payload, rejection


def test_a_fired_metric_alert() -> None:
    group = azure_monitor.parse(payload("azure-metric-alert-fired.json"), directory())
    assert group.source is Source.AZURE_MONITOR and group.status is Status.FIRING
    (alert,) = group.alerts
    assert alert.name == "test-metricAlertRule"
    assert alert.source_id.endswith("/alerts/eeeeeeee-4444-5555-6666-ffffffffffff")
    assert alert.severity is Severity.INFO and alert.severity_label == "Sev4"
    assert alert.starts_at == datetime(2025, 4, 15, 18, 17, 12, 851000, tzinfo=UTC)
    assert alert.value == "100"
    assert alert.evidence[0] == "Transactions GreaterThan 0 (Total over PT5M): 100"
    assert "ApiName=GetBlob" in alert.evidence
    assert alert.cluster is None  # a storage account is no cluster


def test_a_resolved_metric_alert_has_its_resolution_time() -> None:
    group = azure_monitor.parse(payload("azure-metric-alert-resolved.json"), directory())
    assert group.status is Status.RESOLVED
    alert = group.alerts[0]
    assert alert.severity is Severity.INFO and alert.severity_label == "Sev3"
    assert alert.ends_at == datetime(2019, 3, 22, 14, 3, 16, 224631, tzinfo=UTC)  # 7 digits, truncated
    assert alert.evidence[0] == "Percentage CPU GreaterThan 25 (Average over PT5M): 7.727"


def test_a_log_search_alert_links_its_results() -> None:
    alert = azure_monitor.parse(payload("azure-log-alert-v2.json"), directory()).alerts[0]
    assert alert.evidence[0] == "Heartbeat GreaterThan 0 (Count over PT1H): 3"
    assert alert.value == "3" and alert.labels == {"Computer": "test-computer"}
    assert alert.links[0].label == "search results" and "LogsBlade" in alert.links[0].url
    assert alert.summary == "Alert rule description"


def test_a_managed_prometheus_alert_names_its_cluster_by_label() -> None:
    # The published sample's cluster is aks0001: configured under that name, it resolves.
    clusters = directory(clusters=[{"name": "aks0001", "kubeconfig": "kubeconfig"}])
    group = azure_monitor.parse(payload("azure-prometheus-alert.json"), clusters)
    alert = group.alerts[0]
    assert group.cluster == "aks0001"
    assert alert.name == "Average node CPU utilization is greater than 80%"
    assert alert.value == "12.7m"
    assert alert.evidence[0].startswith("expression: (  (1 - rate(node_cpu_seconds_total")
    assert "value: 12.7m" in alert.evidence and "instance=aks-agentpool-27465642-vmss000000" in alert.evidence


def test_the_aks_resource_id_in_the_targets_names_the_cluster() -> None:
    raw = payload("azure-metric-alert-fired.json")
    raw["data"]["essentials"]["alertTargetIDs"] = [
        f"/subscriptions/{SUBSCRIPTION}/resourcegroups/RG-AKS-PROD/providers/Microsoft.ContainerService/"
        "managedClusters/aks-prod"]
    assert azure_monitor.parse(raw, directory()).cluster == "prod"


def test_a_resolved_notice_has_the_same_key_as_its_fired_one() -> None:
    fired = payload("azure-metric-alert-fired.json")
    resolved = payload("azure-metric-alert-fired.json")
    resolved["data"]["essentials"].update(monitorCondition="Resolved", resolvedDateTime="2025-04-15T18:27:12.851Z")
    a, b = (azure_monitor.parse(raw, directory()) for raw in (fired, resolved))
    assert a.key == b.key and a.alerts[0].source_id == b.alerts[0].source_id
    assert b.status is Status.RESOLVED


def test_the_key_differs_by_dimension() -> None:
    other = payload("azure-metric-alert-fired.json")
    other["data"]["alertContext"]["condition"]["allOf"][0]["dimensions"][0]["value"] = "PutBlob"
    a = azure_monitor.parse(payload("azure-metric-alert-fired.json"), directory())
    assert a.key != azure_monitor.parse(other, directory()).key


@pytest.mark.parametrize("schema", [None, "Microsoft.Insights/activityLogs", "AzureMonitorMetricAlert"])
def test_other_schemas_are_rejected_with_how_to_turn_the_common_schema_on(schema: str | None) -> None:
    raw = payload("azure-metric-alert-fired.json")
    if schema is None:
        del raw["schemaId"]
    else:
        raw["schemaId"] = schema
    assert "Enable the common alert schema" in rejection(azure_monitor.parse, raw)


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r["data"].pop("essentials"), "data.essentials"),
    (lambda r: r["data"]["essentials"].pop("alertId"), "alertId"),
    (lambda r: r["data"]["essentials"].update(monitorCondition="Acknowledged"), "monitorCondition"),
    (lambda r: r["data"]["essentials"].update(firedDateTime=None), "firedDateTime"),
])
def test_malformed_common_schema_payloads_name_the_field(change: object, message: str) -> None:
    raw = payload("azure-metric-alert-fired.json")
    change(raw)  # type: ignore[operator]
    assert message in rejection(azure_monitor.parse, raw)


def test_a_managed_prometheus_alert_names_its_cluster_in_the_configuration_items() -> None:
    raw = payload("azure-prometheus-alert.json")
    del raw["data"]["alertContext"]["labels"]["cluster"]
    clusters = directory(clusters=[{"name": "prod", "kubeconfig": "k", "azure": {
        "subscription_id": "s", "resource_group": "rg", "cluster_name": "aks0001"}}])
    alert = azure_monitor.parse(raw, clusters).alerts[0]
    # The target is the Azure Monitor workspace; the configuration item is the AKS cluster's name.
    assert alert.cluster == "prod" and alert.cluster_hint == "aks0001"


def test_an_activity_log_alert_is_stateless_and_says_what_happened() -> None:
    alert = azure_monitor.parse(payload("azure-activity-log-alert.json"), directory()).alerts[0]
    assert alert.stateless and alert.status is Status.FIRING and alert.expires_at is None  # the intake sets it
    assert alert.evidence == ("operation: Microsoft.Compute/virtualMachines/restart/action Succeeded",
                              "caller: user@contoso.com")
    assert not azure_monitor.parse(payload("azure-metric-alert-fired.json"), directory()).alerts[0].stateless


def _health(service: str, context: dict[str, object]) -> dict[str, object]:
    raw = payload("azure-activity-log-alert.json")
    raw["data"]["essentials"]["monitoringService"] = service
    raw["data"]["alertContext"] = context
    return raw


# The alert contexts Microsoft Learn publishes for these services ("Common alert schema"), the status changed.
RESOURCE_HEALTH = {
    "channels": "Admin, Operation", "eventSource": "ResourceHealth", "eventTimestamp": "2025-04-15T11:42:54.074+00:00",
    "level": "Informational", "operationName": "Microsoft.Resourcehealth/healthevent/Resolved/action",
    "properties": {"title": "This virtual machine is starting as requested by an authorized user or process",
                   "details": None, "currentHealthStatus": "Available", "previousHealthStatus": "Unavailable",
                   "type": "Downtime", "cause": "UserInitiated"},
    "status": "Resolved", "submissionTimestamp": "2025-04-15T11:45:20.4488186+00:00",
}


def test_a_health_event_that_says_it_is_over_resolves_its_alert() -> None:
    alert = azure_monitor.parse(_health("Resource Health", RESOURCE_HEALTH), directory()).alerts[0]
    assert alert.stateless and alert.status is Status.RESOLVED
    assert alert.ends_at == datetime(2025, 4, 15, 11, 42, 54, 74000, tzinfo=UTC)
    assert "health: Unavailable → Available" in alert.evidence
    unavailable = {**RESOURCE_HEALTH, "properties": {**RESOURCE_HEALTH["properties"],  # type: ignore[dict-item]
                                                     "currentHealthStatus": "Unavailable"}}
    assert azure_monitor.parse(_health("ResourceHealth", unavailable), directory()).status is Status.FIRING
