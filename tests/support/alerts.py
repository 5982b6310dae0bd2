"""Alert webhook fixtures (public example bodies, `tests/fixtures/alerts/`), settings with two clusters, and
watcher-shaped problems recorded as the intake and the watcher record them."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.alerts.clusters import ClusterDirectory
from bot.alerts.model import Alert, AlertGroup, AlertObject, PayloadError, Source, Status
from bot.alerts.routing import pick_routes
from bot.alerts.settings import AlertSettings
from bot.alerts.store import AlertStore, Recorded
from bot.settings import Settings, from_mapping
from bot.severity import Severity

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "alerts"
SUBSCRIPTION = "8c3e6d41-27a9-4b6f-b0d2-1f7e5a9c3d88"
TOKEN = "s3cret-alerts-token"


def body(name: str) -> bytes:
    """A fixture's bytes, exactly as published."""
    return (FIXTURES / name).read_bytes()


def payload(name: str) -> dict[str, Any]:
    """A fixture parsed (a fresh copy each time, so a test may change it)."""
    loaded: dict[str, Any] = json.loads(body(name))
    return copy.deepcopy(loaded)


def rejection(parse: Callable[[dict[str, Any], ClusterDirectory], object], raw: dict[str, Any]) -> str:
    """Why `parse` refused `raw`: its PayloadError's message (a parse that accepts it fails the test)."""
    with pytest.raises(PayloadError) as caught:
        parse(raw, directory())
    return str(caught.value)


CLUSTERS: list[dict[str, Any]] = [
    {"name": "prod", "kubeconfig": "kubeconfig", "azure": {
        "subscription_id": SUBSCRIPTION, "resource_group": "rg-aks-prod", "cluster_name": "aks-prod"}},
    {"name": "test", "kubeconfig": "kubeconfig"},
]


def settings(alerts: dict[str, Any] | None = None, clusters: list[dict[str, Any]] | None = None,
             **extra: Any) -> Settings:
    """By default prod (an AKS cluster `aks-prod` in Azure) and test (no Azure), with the alerts token set."""
    config: dict[str, Any] = {"clusters": CLUSTERS if clusters is None else clusters, **extra}
    if alerts is not None:
        config["alerts"] = alerts
    return from_mapping(config, source=None, environ={"AKSBOT_ALERTS_TOKEN": TOKEN})


def directory(**kwargs: Any) -> ClusterDirectory:
    return ClusterDirectory.from_settings(settings(**kwargs))


def crashloop(pod: str, at: datetime, *, cluster: str = "prod", namespace: str = "shop",
              severity: Severity = Severity.WARNING, status: Status = Status.FIRING, restarts: int = 5) -> AlertGroup:
    """A watcher finding: pod `pod` crash-looping (one problem per pod; `restarts` changes its evidence)."""
    alert = Alert(
        source=Source.WATCHER, name="crashloop", status=status, severity=severity, severity_label=severity.label,
        summary=f"Pod {pod} is crash-looping", starts_at=at, ends_at=None if status is Status.FIRING else at,
        cluster=cluster, cluster_hint=cluster, namespace=namespace, object=AlertObject("Pod", pod, namespace),
        evidence=(f"container app restarted {restarts} times", "last state: Terminated (Error), exit code 1"),
        runbook="crashloop",
    )
    return AlertGroup(Source.WATCHER, f"watcher/{cluster}/crashloop/pod/{namespace}/{pod}",
                      f"Pod {pod} is crash-looping", (alert,))


def resolved(group: AlertGroup, at: datetime) -> AlertGroup:
    return group.with_alerts(replace(a, status=Status.RESOLVED, ends_at=at) for a in group.alerts)


def record(store: AlertStore, config: AlertSettings, group: AlertGroup, at: datetime) -> Recorded:
    """What the intake and the watcher do with a notification: route it, store it."""
    return store.record(group, pick_routes(config, group), at=at, flap_window=timedelta(minutes=config.flap_minutes))


def node_notready_webhook(nodes: list[tuple[str, str]], *, status: str = "firing",
                          group_key: str = '{}:{alertname="KubeNodeNotReady"}') -> dict[str, Any]:
    """What a central Alertmanager grouping by `alertname` sends about KubeNodeNotReady (kube-prometheus' rule, as
    kube-state-metrics exports it) for each (cluster, node) of `nodes`: one group, the clusters mixed in it."""
    alerts = []
    for cluster, node in nodes:
        labels = {"alertname": "KubeNodeNotReady", "severity": "warning", "cluster": cluster, "node": node,
                  "condition": "Ready", "status": "true", "job": "kube-state-metrics",
                  "container": "kube-state-metrics", "namespace": "monitoring",
                  "pod": "kube-state-metrics-6d4c9b7f5-x2x7q"}
        alerts.append({
            "status": status, "labels": labels,
            "annotations": {"summary": "Node is not ready.",
                            "description": f"{node} has been unready for more than 15 minutes."},
            "startsAt": "2026-11-22T02:40:00Z",
            "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-11-22T03:40:00Z",
            "generatorURL": "http://prometheus:9090/graph", "fingerprint": hashlib.sha256(
                f"{cluster}/{node}".encode()).hexdigest()[:16]})
    common = {"alertname": "KubeNodeNotReady", "severity": "warning"}
    if len({c for c, _ in nodes}) == 1:
        common["cluster"] = nodes[0][0]
    if len(nodes) == 1:
        common.update(alerts[0]["labels"])  # type: ignore[arg-type]
    return {"receiver": "aksbot", "status": status, "alerts": alerts, "groupLabels": {"alertname": "KubeNodeNotReady"},
            "commonLabels": common, "commonAnnotations": {"summary": "Node is not ready."},
            "externalURL": "http://alertmanager:9093", "version": "4", "groupKey": group_key, "truncatedAlerts": 0}
