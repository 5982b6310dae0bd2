"""Shared Slack test bed: one local Slack Web API server and one sandbox cluster (the minicluster behind the real
Kubernetes API server) for the whole session; settings that name Slack user IDs and a Slack user group."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings, from_mapping
from sandbox.kube import KubeServer
from tests.support.kubectl import start_minicluster, write_kubeconfig
from tests.support.slack import WebApiServer, slack_env

ALICE = "U0ALICE"  # operator: may request actions
BOB = "U0BOB"  # approver
CAROL = "U0CAROL"  # viewer through the S0VIEWERS user group only
MALLORY = "U0MALLORY"  # no role at all
VIEWERS = "S0VIEWERS"


@dataclass(frozen=True)
class ClusterBed:
    kube: KubeServer
    folder: Path
    kubeconfig: Path


@pytest.fixture(scope="session")
def slack_api() -> Iterator[WebApiServer]:
    server = WebApiServer(usergroups={VIEWERS: [CAROL]}).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def cluster_bed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterBed]:
    folder = tmp_path_factory.mktemp("slack-cluster")
    kube = start_minicluster()
    try:
        yield ClusterBed(kube, folder, write_kubeconfig(folder, kube))
    finally:
        kube.stop()


def slack_settings(bed: ClusterBed, api_url: str, *, name: str, extra_env: dict[str, str] | None = None) -> Settings:
    """A configuration as an admin would write it for Slack: roles by Slack user ID and user-group ID."""
    data: dict[str, Any] = {
        "clusters": [{"name": "sandbox", "kubeconfig": str(bed.kubeconfig), "context": "sandbox"}],
        "roles": {"viewer": [VIEWERS], "operator": [ALICE], "approver": [BOB]},
        "approvals": {"expiry_minutes": 15},
        "store": {"sqlite_path": f"{name}.sqlite3"},
    }
    env = {**slack_env(api_url), **(extra_env or {})}
    return from_mapping(data, source=str(bed.folder / "aksbot.yaml"), environ=env)
