"""Typed views of the AKS resource provider's documents: a managed cluster, an agent pool, upgrade profiles.

Every view is built from a JSON mapping in one of the two shapes people have at hand: an ARM body (the resource
with its fields under `properties`, as the REST API and the SDK's `as_dict()` return it) or `az aks show -o json`
output (the same fields flattened to the top). Parsing is lenient about absent fields (older API versions and
trimmed documents leave many out) and strict about nothing else: a view records what Azure said, and the
arithmetic (`handlers.rules.snat`, `handlers.rules.upgrade`) decides what it means.

This module imports no SDK; the adapter (`bot.azure.sdk`) hands it plain mappings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

IdentityKind = Literal["service-principal", "system-assigned", "user-assigned", "unknown"]

# When `upgradeSettings.maxSurge` is unset the API reference says AKS surges by 10% (the rolling-upgrade page says
# one node; aks-facts §6 records the conflict). We compute with 10% and say the value was not set.
DEFAULT_MAX_SURGE = "10%"


def _flatten(body: Mapping[str, Any]) -> dict[str, Any]:
    """The resource's fields at one level, whether they came nested under `properties` or not."""
    props = body.get("properties")
    flat = {k: v for k, v in body.items() if k != "properties"}
    if isinstance(props, Mapping):
        flat.update(props)
    return flat


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list) else ()


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _ids(items: Any) -> tuple[str, ...]:
    return tuple(str(i["id"]) for i in _list(items) if isinstance(i, Mapping) and i.get("id"))


def resource_group_of(resource_id: str | None) -> str | None:
    """The resource group named in an ARM id (`/subscriptions/…/resourceGroups/RG/…`)."""
    if not resource_id:
        return None
    parts = resource_id.split("/")
    for i, part in enumerate(parts[:-1]):
        if part.lower() == "resourcegroups":
            return parts[i + 1]
    return None


def surge_nodes(max_surge: str | None, count: int) -> int:
    """Extra nodes a rolling upgrade adds to a pool of `count` nodes (AKS rounds a percentage up)."""
    text = (max_surge or DEFAULT_MAX_SURGE).strip()
    try:
        if text.endswith("%"):
            return math.ceil(count * float(text[:-1]) / 100)
        return int(text)
    except ValueError:
        return 1


@dataclass(frozen=True)
class ProvisioningError:
    """Why Azure put a resource in the Failed state, when it says so."""

    code: str
    message: str


@dataclass(frozen=True)
class AgentPool:
    """One node pool as the resource provider describes it."""

    name: str
    mode: str | None
    vm_size: str | None
    count: int
    autoscaling: bool
    min_count: int | None
    max_count: int | None
    orchestrator_version: str | None
    current_orchestrator_version: str | None
    node_image_version: str | None
    os_type: str | None
    os_sku: str | None
    max_pods: int | None
    max_surge: str | None
    provisioning_state: str | None
    power_state: str | None
    vnet_subnet_id: str | None = None
    availability_zones: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        """Whether the pool's last operation left it Failed (its goal may not be what the cluster has)."""
        return (self.provisioning_state or "").lower() == "failed"

    @classmethod
    def from_arm(cls, body: Mapping[str, Any]) -> AgentPool:
        p = _flatten(body)
        return cls(
            name=str(p.get("name") or ""),
            mode=_str(p.get("mode")),
            vm_size=_str(p.get("vmSize")),
            count=_int(p.get("count")) or 0,
            autoscaling=bool(p.get("enableAutoScaling")),
            min_count=_int(p.get("minCount")),
            max_count=_int(p.get("maxCount")),
            orchestrator_version=_str(p.get("orchestratorVersion")),
            current_orchestrator_version=_str(p.get("currentOrchestratorVersion")),
            node_image_version=_str(p.get("nodeImageVersion")),
            os_type=_str(p.get("osType")),
            os_sku=_str(p.get("osSKU")) or _str(p.get("osSku")),
            max_pods=_int(p.get("maxPods")),
            max_surge=_str(_map(p.get("upgradeSettings")).get("maxSurge")),
            provisioning_state=_str(p.get("provisioningState")),
            power_state=_str(_map(p.get("powerState")).get("code")),
            vnet_subnet_id=_str(p.get("vnetSubnetID")),
            availability_zones=tuple(str(z) for z in _list(p.get("availabilityZones"))),
        )

    @property
    def version(self) -> str | None:
        return self.current_orchestrator_version or self.orchestrator_version

    @property
    def peak_count(self) -> int:
        """The most nodes the pool may reach by itself: the autoscaler's maximum when it is on."""
        if self.autoscaling and self.max_count is not None:
            return max(self.count, self.max_count)
        return self.count

    def surge(self, count: int | None = None) -> int:
        return surge_nodes(self.max_surge, self.count if count is None else count)


@dataclass(frozen=True)
class LoadBalancerProfile:
    """`networkProfile.loadBalancerProfile`: how a `loadBalancer` outbound type gets its SNAT ports."""

    allocated_outbound_ports: int
    managed_outbound_ip_count: int | None
    outbound_ip_ids: tuple[str, ...]
    outbound_prefix_ids: tuple[str, ...]
    effective_outbound_ip_ids: tuple[str, ...]
    idle_timeout_minutes: int | None

    @classmethod
    def from_arm(cls, body: Mapping[str, Any]) -> LoadBalancerProfile:
        return cls(
            allocated_outbound_ports=_int(body.get("allocatedOutboundPorts")) or 0,
            managed_outbound_ip_count=_int(_map(body.get("managedOutboundIPs")).get("count")),
            outbound_ip_ids=_ids(_map(body.get("outboundIPs")).get("publicIPs")),
            outbound_prefix_ids=_ids(_map(body.get("outboundIPPrefixes")).get("publicIPPrefixes")),
            effective_outbound_ip_ids=_ids(body.get("effectiveOutboundIPs")),
            idle_timeout_minutes=_int(body.get("idleTimeoutInMinutes")),
        )


@dataclass(frozen=True)
class NatGatewayProfile:
    """`networkProfile.natGatewayProfile` (managed NAT gateway)."""

    managed_outbound_ip_count: int | None
    effective_outbound_ip_ids: tuple[str, ...]
    idle_timeout_minutes: int | None

    @classmethod
    def from_arm(cls, body: Mapping[str, Any]) -> NatGatewayProfile:
        return cls(
            managed_outbound_ip_count=_int(_map(body.get("managedOutboundIPProfile")).get("count")),
            effective_outbound_ip_ids=_ids(body.get("effectiveOutboundIPs")),
            idle_timeout_minutes=_int(body.get("idleTimeoutInMinutes")),
        )


@dataclass(frozen=True)
class NetworkProfile:
    plugin: str | None
    plugin_mode: str | None
    policy: str | None
    dataplane: str | None
    outbound_type: str
    load_balancer_sku: str | None
    pod_cidr: str | None
    service_cidr: str | None
    load_balancer: LoadBalancerProfile | None
    nat_gateway: NatGatewayProfile | None

    @classmethod
    def from_arm(cls, body: Mapping[str, Any]) -> NetworkProfile:
        lb = body.get("loadBalancerProfile")
        nat = body.get("natGatewayProfile")
        return cls(
            plugin=_str(body.get("networkPlugin")),
            plugin_mode=_str(body.get("networkPluginMode")),
            policy=_str(body.get("networkPolicy")),
            dataplane=_str(body.get("networkDataplane")),
            # The API's default when the field is absent.
            outbound_type=_str(body.get("outboundType")) or "loadBalancer",
            load_balancer_sku=_str(body.get("loadBalancerSku")),
            pod_cidr=_str(body.get("podCidr")),
            service_cidr=_str(body.get("serviceCidr")),
            load_balancer=LoadBalancerProfile.from_arm(lb) if isinstance(lb, Mapping) else None,
            nat_gateway=NatGatewayProfile.from_arm(nat) if isinstance(nat, Mapping) else None,
        )

    @property
    def pod_ips_from_subnet(self) -> bool:
        """Azure CNI without overlay gives every pod an IP of the node subnet (upgrades need room for surge)."""
        return (self.plugin or "").lower() == "azure" and (self.plugin_mode or "").lower() != "overlay"


@dataclass(frozen=True)
class ClusterIdentity:
    """How the cluster reaches Azure: a service principal (secret that expires) or a managed identity."""

    kind: IdentityKind
    service_principal_client_id: str | None

    @classmethod
    def from_arm(cls, flat: Mapping[str, Any]) -> ClusterIdentity:
        client_id = _str(_map(flat.get("servicePrincipalProfile")).get("clientId"))
        identity_type = (_str(_map(flat.get("identity")).get("type")) or "").lower()
        # `clientId: msi` is how the API marks a cluster that uses its managed identity.
        if client_id and client_id.lower() != "msi":
            return cls("service-principal", client_id)
        if identity_type == "systemassigned":
            return cls("system-assigned", None)
        if identity_type == "userassigned":
            return cls("user-assigned", None)
        return cls("unknown", None)


def _istio_revisions(mesh: Mapping[str, Any]) -> tuple[str, ...]:
    """The revisions of the Istio add-on when `serviceMeshProfile.mode` is Istio, else none; oldest first (the API
    does not promise an order for the two of a canary upgrade)."""
    if (_str(mesh.get("mode")) or "").lower() != "istio":
        return ()
    revisions = [r for r in _list(_map(mesh.get("istio")).get("revisions")) if isinstance(r, str)]
    return tuple(sorted(revisions, key=lambda r: [int(n) for n in re.findall(r"\d+", r)]))


@dataclass(frozen=True)
class ManagedCluster:
    """A managed cluster as the resource provider describes it."""

    name: str
    resource_id: str | None
    location: str | None
    kubernetes_version: str | None
    current_kubernetes_version: str | None
    provisioning_state: str | None
    power_state: str | None
    provisioning_error: ProvisioningError | None
    fqdn: str | None
    node_resource_group: str | None
    network: NetworkProfile
    identity: ClusterIdentity
    auto_upgrade_channel: str | None
    node_os_upgrade_channel: str | None
    sku_tier: str | None
    pools: tuple[AgentPool, ...]
    # "Auto" when node auto-provisioning (managed Karpenter) makes the nodes; "Manual" or absent otherwise.
    node_provisioning_mode: str | None = None
    # The Istio add-on's control-plane revisions ("asm-1-24"); two while a canary upgrade is in progress, none when
    # the add-on is off.
    istio_revisions: tuple[str, ...] = ()
    container_insights: bool = False  # the monitoring add-on (`addonProfiles.omsagent`) is on

    @classmethod
    def from_arm(cls, body: Mapping[str, Any]) -> ManagedCluster:
        p = _flatten(body)
        status_error = _map(_map(p.get("status")).get("provisioningError"))
        error = None
        if status_error.get("code") or status_error.get("message"):
            error = ProvisioningError(str(status_error.get("code") or ""), str(status_error.get("message") or ""))
        auto = _map(p.get("autoUpgradeProfile"))
        return cls(
            name=str(p.get("name") or ""),
            resource_id=_str(p.get("id")),
            location=_str(p.get("location")),
            kubernetes_version=_str(p.get("kubernetesVersion")),
            current_kubernetes_version=_str(p.get("currentKubernetesVersion")),
            provisioning_state=_str(p.get("provisioningState")),
            power_state=_str(_map(p.get("powerState")).get("code")),
            provisioning_error=error,
            fqdn=_str(p.get("fqdn")) or _str(p.get("privateFQDN")),
            node_resource_group=_str(p.get("nodeResourceGroup")),
            network=NetworkProfile.from_arm(_map(p.get("networkProfile"))),
            identity=ClusterIdentity.from_arm(p),
            auto_upgrade_channel=_str(auto.get("upgradeChannel")),
            node_os_upgrade_channel=_str(auto.get("nodeOSUpgradeChannel")),
            sku_tier=_str(_map(p.get("sku")).get("tier")),
            pools=tuple(AgentPool.from_arm(a) for a in _list(p.get("agentPoolProfiles")) if isinstance(a, Mapping)),
            node_provisioning_mode=_str(_map(p.get("nodeProvisioningProfile")).get("mode")),
            istio_revisions=_istio_revisions(_map(p.get("serviceMeshProfile"))),
            container_insights=_map(_map(p.get("addonProfiles")).get("omsagent")).get("enabled") is True,
        )

    @property
    def auto_provisioned(self) -> bool:
        """Node auto-provisioning is on: Karpenter creates and removes nodes from its NodePools."""
        return (self.node_provisioning_mode or "").lower() == "auto"

    @property
    def version(self) -> str | None:
        return self.current_kubernetes_version or self.kubernetes_version

    @property
    def resource_group(self) -> str | None:
        return resource_group_of(self.resource_id)

    @property
    def az_target(self) -> str:
        """`-g <group> -n <name>` for `az aks …` commands, RG or NAME standing in where the document did not say."""
        return f"-g {self.resource_group or 'RG'} -n {self.name or 'NAME'}"

    @property
    def failed(self) -> bool:
        return (self.provisioning_state or "").lower() == "failed"


@dataclass(frozen=True)
class UpgradeOption:
    version: str
    is_preview: bool


def _upgrades(items: Any) -> tuple[UpgradeOption, ...]:
    return tuple(
        UpgradeOption(str(u["kubernetesVersion"]), bool(u.get("isPreview")))
        for u in _list(items)
        if isinstance(u, Mapping) and u.get("kubernetesVersion")
    )


@dataclass(frozen=True)
class PoolVersions:
    """One pool's entry in the cluster upgrade profile."""

    name: str
    version: str | None
    upgrades: tuple[UpgradeOption, ...]


@dataclass(frozen=True)
class UpgradeProfile:
    """`managedClusters/{name}/upgradeProfiles/default`: where the control plane and each pool may go."""

    control_plane_version: str | None
    control_plane_upgrades: tuple[UpgradeOption, ...]
    pools: tuple[PoolVersions, ...]

    @classmethod
    def from_arm(cls, body: Mapping[str, Any]) -> UpgradeProfile:
        p = _flatten(body)
        cp = _map(p.get("controlPlaneProfile"))
        return cls(
            control_plane_version=_str(cp.get("kubernetesVersion")),
            control_plane_upgrades=_upgrades(cp.get("upgrades")),
            pools=tuple(
                PoolVersions(str(a.get("name") or ""), _str(a.get("kubernetesVersion")), _upgrades(a.get("upgrades")))
                for a in _list(p.get("agentPoolProfiles"))
                if isinstance(a, Mapping)
            ),
        )


@dataclass(frozen=True)
class PoolUpgradeProfile:
    """`agentPools/{pool}/upgradeProfiles/default`: the pool's versions and the newest node image."""

    pool: str
    kubernetes_version: str | None
    upgrades: tuple[UpgradeOption, ...]
    latest_node_image_version: str | None

    @classmethod
    def from_arm(cls, body: Mapping[str, Any], pool: str | None = None) -> PoolUpgradeProfile:
        p = _flatten(body)
        name = pool
        if name is None:
            # The id ends in `/agentPools/{pool}/upgradeprofiles/default`.
            parts = str(p.get("id") or "").split("/")
            name = parts[-3] if len(parts) >= 3 else ""
        return cls(
            pool=name,
            kubernetes_version=_str(p.get("kubernetesVersion")),
            upgrades=_upgrades(p.get("upgrades")),
            latest_node_image_version=_str(p.get("latestNodeImageVersion")),
        )


@dataclass(frozen=True)
class SupportedMinor:
    """One minor version a region offers (`locations/{region}/kubernetesVersions`, what `az aks get-versions` lists).

    `support_plans` holds `KubernetesOfficial` (community support, N-2) and/or `AKSLongTermSupport` (LTS, Premium
    tier only); `patches` are the patch versions that can be created or upgraded to.
    """

    minor: int
    version: str
    is_preview: bool
    is_default: bool
    support_plans: tuple[str, ...]
    patches: tuple[str, ...]

    @property
    def community(self) -> bool:
        """Supported under the standard plan (not only as long-term support)."""
        return not self.support_plans or "KubernetesOfficial" in self.support_plans


def supported_minors(body: Mapping[str, Any]) -> tuple[SupportedMinor, ...]:
    """The region's minors, oldest first, from the list body (`{"values": [...]}`) or the bare list."""
    items = body.get("values") if isinstance(body, Mapping) else body
    out = []
    for v in _list(items):
        if not isinstance(v, Mapping):
            continue
        parsed = parse_version(_str(v.get("version")))
        if parsed is None:
            continue
        patches = sorted(
            (str(k) for k in _map(v.get("patchVersions"))), key=lambda x: parse_version(x) or (0, 0, 0)
        )
        out.append(
            SupportedMinor(
                minor=parsed[1],
                version=f"{parsed[0]}.{parsed[1]}",
                is_preview=bool(v.get("isPreview")),
                is_default=bool(v.get("isDefault")),
                support_plans=tuple(str(x) for x in _list(_map(v.get("capabilities")).get("supportPlan"))),
                patches=tuple(patches),
            )
        )
    return tuple(sorted(out, key=lambda m: m.minor))


# The name the approvals helper was promised.
Pool = AgentPool


def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """`1.29.4` → (1, 29, 4); a missing patch is 0; anything else is None."""
    if not text:
        return None
    parts = text.strip().lstrip("v").split(".")
    try:
        nums = [int(p) for p in parts[:3]]
    except ValueError:
        return None
    if len(nums) < 2:
        return None
    while len(nums) < 3:
        nums.append(0)
    return nums[0], nums[1], nums[2]
