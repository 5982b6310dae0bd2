"""Plain fakes of the ports for tests that must not reach a cluster or Azure: every call says it is not there."""

from __future__ import annotations

from typing import Any

from bot.errors import NotConfigured


class NoClusters:
    def reader(self, cluster: str) -> Any:
        raise NotConfigured("no cluster adapter in this test")

    def writer(self, cluster: str) -> Any:
        raise NotConfigured("no cluster adapter in this test")


class NoAzure:
    def client(self, cluster: str) -> Any:
        raise NotConfigured("no azure in this test")
