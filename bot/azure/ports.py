"""What handlers may ask of Azure. The adapter (`bot.azure.sdk`) implements it over the containerservice SDK.

Every method returns the typed views of `bot.azure.model` and raises only `bot.errors` (`NotFound`, `Forbidden`,
`Upstream`, `Refused`, `NotConfigured`, `Conflict`). Writes wait for Azure's long-running operation, up to
`timeout` seconds, reporting along the way through `progress`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bot.azure.model import AgentPool, ManagedCluster, PoolUpgradeProfile, SupportedMinor, UpgradeProfile

Progress = Callable[[str], None]

# Long enough for a scale or an image upgrade of a small pool; a longer one keeps running in Azure and the
# message says how to follow it.
DEFAULT_WRITE_TIMEOUT = 1800.0


class AksClient(Protocol):
    """The AKS resource provider for one cluster."""

    def cluster(self) -> ManagedCluster: ...

    def pools(self) -> tuple[AgentPool, ...]: ...

    def upgrade_profile(self) -> UpgradeProfile: ...

    def pool_upgrade_profile(self, pool: str) -> PoolUpgradeProfile: ...

    def supported_versions(self, location: str) -> tuple[SupportedMinor, ...]:
        """The minors AKS offers in the region, oldest first (the support window is judged against these)."""
        ...

    def scale_pool(
        self, pool: str, count: int, *, progress: Progress | None = None, timeout: float = DEFAULT_WRITE_TIMEOUT
    ) -> AgentPool: ...

    def reconcile(self, *, progress: Progress | None = None, timeout: float = DEFAULT_WRITE_TIMEOUT) -> ManagedCluster:
        """PUT the cluster's current model back (what `az aks update` with no arguments does)."""
        ...

    def upgrade_node_image(
        self, pool: str, *, progress: Progress | None = None, timeout: float = DEFAULT_WRITE_TIMEOUT
    ) -> AgentPool: ...


class AzureProvider(Protocol):
    """AKS clients by cluster name; raises `NotConfigured` when the cluster has no `azure:` settings."""

    def client(self, cluster: str) -> AksClient: ...
