"""Alert webhook fixtures (public example bodies, `tests/fixtures/alerts/`) and settings with two clusters."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from bot.alerts.clusters import ClusterDirectory
from bot.settings import Settings, from_mapping

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
