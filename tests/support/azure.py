"""Shared inputs for the Azure tests: the public AKS REST API examples in `tests/fixtures/azure`, read unchanged."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "azure"


def example(name: str, status: str = "200") -> dict[str, Any]:
    """The response body of one example file (`ManagedClustersGet.json` …)."""
    doc = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    body: dict[str, Any] = doc["responses"][status]["body"]
    return body


def flattened(body: dict[str, Any]) -> dict[str, Any]:
    """What `az aks show -o json` prints for an ARM body: the properties lifted to the top."""
    flat = {k: v for k, v in body.items() if k != "properties"}
    flat.update(body["properties"])
    return flat


def arm_state() -> dict[str, Any]:
    """A `Scenario.azure` state built from the examples: the cluster, its pool, and both upgrade profiles.

    The examples disagree on versions and pool names (they were written separately); the pool profile is
    re-keyed to the cluster's pool and given a newer node image so a node-image upgrade has something to do.
    """
    cluster = example("ManagedClustersGet.json")
    pool_profile = copy.deepcopy(example("AgentPoolsGetUpgradeProfile.json"))
    pool_profile["properties"]["latestNodeImageVersion"] = "AKSUbuntu:1604:2020.04.01"
    return {
        "subscriptionId": "00000000-0000-0000-0000-000000000000",
        "resourceGroup": "rg1",
        "managedCluster": cluster,
        "upgradeProfile": example("ManagedClustersGetUpgradeProfile.json"),
        "poolUpgradeProfiles": {"nodepool1": pool_profile},
    }
