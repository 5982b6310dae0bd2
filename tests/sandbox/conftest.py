"""Fixtures for the sandbox API server tests: a running server and a kubectl wired to it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sandbox_support import Kubectl, start_minicluster, write_kubeconfig

from bot.sandbox.kube import KubeServer


@pytest.fixture(scope="module")
def kube() -> Iterator[KubeServer]:
    server = start_minicluster()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def kubectl(kube: KubeServer, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    return Kubectl(write_kubeconfig(tmp_path_factory.mktemp("kubeconfig"), kube))
