"""What handlers may ask of a cluster. Adapters (`bot.cluster.kube`) implement these over the official client.

Every method returns the typed views of `bot.cluster.model` and raises only `bot.errors` exceptions:
`NotFound` (naming kind and name), `Forbidden` (quoting which verb on which resource the server denied),
`Conflict`, `Refused` (a PodDisruptionBudget blocked an eviction), `Upstream` (down, slow, 5xx).
Selectors use Kubernetes' own syntax ("app=web,tier!=db"); `namespace=None` means all namespaces.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from bot.cluster import model


class ClusterReader(Protocol):
    """Read access to one cluster."""

    def version(self) -> model.ServerVersion: ...

    def nodes(self, selector: str | None = None) -> list[model.Node]: ...

    def node(self, name: str) -> model.Node: ...

    def namespaces(self) -> list[str]:
        """The namespaces' names."""
        ...

    def lease(self, node: str) -> model.Lease | None:
        """The node's heartbeat lease, or None when it has none."""
        ...

    def leases(self) -> dict[str, model.Lease]:
        """Every node lease, by node name."""
        ...

    def pods(self, namespace: str | None = None, selector: str | None = None, node: str | None = None,
             field_selector: str | None = None) -> list[model.Pod]: ...

    def pod(self, namespace: str, name: str) -> model.Pod: ...

    def events(self, namespace: str | None = None, involved_name: str | None = None, kind: str | None = None,
               reason: str | None = None, type: str | None = None, limit: int = 500) -> list[model.Event]:
        """Events newest first, at most `limit`."""
        ...

    def logs(self, namespace: str, pod: str, container: str | None = None, previous: bool = False,
             tail: int = 50) -> str: ...

    def deployments(self, namespace: str | None = None, selector: str | None = None) -> list[model.Deployment]: ...

    def deployment(self, namespace: str, name: str) -> model.Deployment: ...

    def pdbs(self, namespace: str | None = None) -> list[model.PodDisruptionBudget]: ...

    def node_metrics(self) -> list[model.NodeUsage]:
        """Usage from metrics.k8s.io; raises `NotConfigured` when metrics-server is not installed."""
        ...

    def pod_metrics(self, namespace: str | None = None) -> list[model.PodUsage]: ...



class ClusterWriter(Protocol):
    """Write access to one cluster (used only by approved actions)."""

    def cordon(
        self, node: str, unschedulable: bool, annotations: Mapping[str, str | None] | None = None
    ) -> model.Node:
        """Set `spec.unschedulable`, and the node's `annotations` in the same patch (None removes one)."""
        ...

    def evict(self, namespace: str, pod: str) -> None:
        """Evict through the Eviction API; raises `Refused` naming the PodDisruptionBudget that blocks it."""
        ...

    def delete_pod(self, namespace: str, name: str, grace_seconds: int | None = None) -> None: ...

    def restart_deployment(self, namespace: str, name: str) -> model.Deployment:
        """Set the restartedAt template annotation, as `kubectl rollout restart` does."""
        ...

    def scale_deployment(self, namespace: str, name: str, replicas: int) -> model.Deployment: ...


class ClusterProvider(Protocol):
    """Readers and writers by cluster name; raises `NotConfigured` for an unknown cluster."""

    def reader(self, cluster: str) -> ClusterReader: ...

    def writer(self, cluster: str) -> ClusterWriter: ...


@runtime_checkable
class CachingProvider(Protocol):
    """A provider whose readers may answer from a cache; `live` reads the cluster itself."""

    @property
    def live(self) -> ClusterProvider: ...

    def start(self) -> None:
        """Start watching (and caching) every configured cluster."""
        ...

    def stop(self) -> None:
        """Stop watching and drop what was cached."""
        ...

    def on_leadership(self, leader: bool) -> None:
        """Watch as the leader; as a follower, watch only when the settings ask every replica to."""
        ...

    def warm(self, cluster: str, kinds: tuple[str, ...]) -> bool:
        """Whether `cluster`'s readers answer `kinds` ("pods", "nodes" …) from the watch cache now: listing them
        costs no request, so an answer may look without being asked to."""
        ...


def live_provider(provider: ClusterProvider) -> ClusterProvider:
    """The provider that always reads the cluster itself, never a cache: for what must see the latest state
    (an approval's preview and its re-check before running, every write)."""
    return provider.live if isinstance(provider, CachingProvider) else provider
