"""Fixtures for the sandbox API server tests: a running server and a kubectl wired to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.kube import KubeServer
from tests.support.kubectl import Kubectl, start_minicluster, write_kubeconfig


@pytest.fixture(scope="module")
def kube() -> Iterator[KubeServer]:
    server = start_minicluster()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def kubectl(kube: KubeServer, tmp_path_factory: pytest.TempPathFactory) -> Kubectl:
    return Kubectl(write_kubeconfig(tmp_path_factory.mktemp("kubeconfig"), kube))
