"""Which configured cluster an external alert is about.

External alerts do not know the bot's cluster names. They say which cluster in one of three ways:

- a label: Prometheus setups put the cluster's name in an external label (`cluster` by convention, as
  kube-prometheus and Azure's managed Prometheus do; `alerts.cluster_label` in the settings names another);
- an Azure resource id: a metric or log alert on the AKS resource lists
  `/subscriptions/…/resourceGroups/…/providers/Microsoft.ContainerService/managedClusters/NAME` (or a node
  pool below it) in `alertTargetIDs`;
- a configuration item: managed Prometheus alerts target the Azure Monitor workspace, not the cluster, and name
  the cluster in `configurationItems` (and in their `cluster` label).

A name matches a configured cluster by the bot's own name for it or, where the cluster has `azure` settings, by
its AKS name; a resource id matches the managed cluster's id (subscription, resource group, name), case-insensitive
as ARM is. Pure lookups over the settings; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bot.settings import Settings

_MANAGED_CLUSTER = re.compile(
    r"^/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/microsoft\.containerservice/managedclusters/([^/]+)",
    re.IGNORECASE,
)


def managed_cluster_id(subscription: str, resource_group: str, name: str) -> str:
    """The normalised (lowercase) ARM id of an AKS cluster."""
    return (f"/subscriptions/{subscription}/resourcegroups/{resource_group}/providers/"
            f"microsoft.containerservice/managedclusters/{name}").lower()


@dataclass(frozen=True)
class ClusterDirectory:
    """The configured clusters, indexed by every name and resource id an alert may use for them."""

    names: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)
    resource_ids: Mapping[str, str] = field(default_factory=dict)
    label: str = "cluster"

    @classmethod
    def from_settings(cls, settings: Settings) -> ClusterDirectory:
        aliases: dict[str, str] = {}
        ids: dict[str, str] = {}
        # The bot's own names win over AKS names when one cluster's AKS name is another's bot name.
        for c in settings.clusters:
            if c.azure is not None:
                aliases.setdefault(c.azure.cluster_name.lower(), c.name)
                ids[managed_cluster_id(c.azure.subscription_id, c.azure.resource_group, c.azure.cluster_name)] = c.name
        for c in settings.clusters:
            aliases[c.name.lower()] = c.name
        return cls(tuple(settings.cluster_names()), aliases, ids, settings.alerts.cluster_label)

    def by_name(self, name: str) -> str | None:
        return self.aliases.get(name.strip().lower())

    def by_resource_id(self, resource_id: str) -> str | None:
        match = _MANAGED_CLUSTER.match(resource_id.strip())
        if match is None:
            return None
        return self.resource_ids.get(managed_cluster_id(*match.groups()))

    def resolve(self, *, labels: Mapping[str, str] | None = None, resource_ids: Iterable[str] = (),
                names: Iterable[str] = ()) -> tuple[str | None, str]:
        """(the configured cluster, what the alert called it). The cluster is None when nothing matched; the
        hint is then the first cluster-ish thing the alert named (shown so people see what it meant), or ""."""
        hints: list[str] = []
        value = (labels or {}).get(self.label, "")
        if value:
            hints.append(value)
            if (found := self.by_name(value)) is not None:
                return found, value
        for resource_id in resource_ids:
            match = _MANAGED_CLUSTER.match(resource_id.strip())
            if match is None:
                continue
            hints.append(match.group(3))
            if (found := self.by_resource_id(resource_id)) is not None:
                return found, match.group(3)
        for name in names:
            if (found := self.by_name(name)) is not None:
                return found, name
        return None, hints[0] if hints else ""
