"""The SNAT port budget of a cluster: pure arithmetic over the outbound settings and the node counts.

Numbers (aks-facts §2): a load balancer frontend IP gives 64,000 SNAT ports; with `allocatedOutboundPorts` set,
every node gets that many and `max_nodes = floor(64,000 × IPs / ports)` (round down: one node more and Azure
refuses with `InvalidLoadBalancerProfileAllocatedOutboundPorts`); with 0 Azure pre-allocates from a table by
backend pool size, and crossing a tier cuts the ports of the nodes already running. A NAT gateway has up to 16
IPs × 64,512 ports, handed out on demand. Peak node counts include the autoscaler maximums and the upgrade surge.

No I/O here: the handler, the diagnosis rules and the scale-pool preview all call these functions.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Literal

from bot.azure.model import AgentPool, ManagedCluster
from bot.i18n import FINDING, SNAT, said

LB_PORTS_PER_IP = 64_000
NAT_PORTS_PER_IP = 64_512
NAT_MAX_IPS = 16
MAX_ALLOCATED_PORTS = 64_000
# Azure's default pre-allocation when `allocatedOutboundPorts` is 0: (largest backend pool size, ports per node).
DEFAULT_PORT_TABLE: tuple[tuple[int, int], ...] = (
    (50, 1024),
    (100, 512),
    (200, 256),
    (400, 128),
    (800, 64),
    (1000, 32),
)
# Below this many ports per node a busy node (many connections to one API, say) runs out; it is the table's top
# tier, which Azure itself considers the comfortable default.
COMFORTABLE_PORTS_PER_NODE = 1024

OutboundMode = Literal["load-balancer", "load-balancer-default", "nat-gateway", "user-defined"]


@dataclass(frozen=True)
class PoolNodes:
    """One pool's node counts: now, at the autoscaler's maximum, and the surge an upgrade adds at that size."""

    name: str
    count: int
    peak: int
    surge: int


@dataclass(frozen=True)
class SnatInputs:
    """What the budget is computed from. `ip_source` says where the IPs come from, as a `Said` when the cluster's
    settings gave it (a view shows it in its reader's language)."""

    outbound_type: str
    allocated_outbound_ports: int
    outbound_ips: int
    ip_source: str
    pools: tuple[PoolNodes, ...]
    # Prefixes are counted as one IP each: ARM's id does not say the prefix length, so the figure is a floor.
    ips_are_a_floor: bool = False
    # What the suggested `az aks update` commands name the cluster by.
    az_target: str = "-g RG -n NAME"


@dataclass(frozen=True)
class ScaleOutcome:
    """What running `nodes` nodes would mean for SNAT; `detail` is a `Said`."""

    nodes: int
    ports_per_node: int | None
    fits: bool
    detail: str


@dataclass(frozen=True)
class Recommendation:
    text: str  # a `Said`: a SNAT finding's next step reads it in the diagnosis's language
    command: str | None = None


@dataclass(frozen=True)
class SnatBudget:
    mode: OutboundMode
    inputs: SnatInputs
    total_ports: int | None
    ports_per_node: int | None
    current_nodes: int
    peak_nodes: int
    max_nodes: int | None
    headroom: int | None
    pressure: bool
    findings: tuple[str, ...]  # `Said`s: `aks snat` shows them in its reader's language, a diagnosis quotes them
    recommendations: tuple[Recommendation, ...]
    what_if: ScaleOutcome | None = None


def default_ports_per_node(pool_size: int) -> int | None:
    """Azure's default pre-allocation for a backend pool of `pool_size` nodes (None beyond the table)."""
    for largest, ports in DEFAULT_PORT_TABLE:
        if pool_size <= largest:
            return ports
    return None


def inputs_from_cluster(cluster: ManagedCluster) -> SnatInputs:
    """Outbound settings and node counts of a cluster; effective IPs win over the configured ones when present."""
    return dataclasses.replace(_inputs(cluster), az_target=cluster.az_target)


def _inputs(cluster: ManagedCluster) -> SnatInputs:
    net = cluster.network
    pools = tuple(PoolNodes(p.name, p.count, p.peak_count, p.surge(p.peak_count)) for p in cluster.pools)
    outbound = net.outbound_type
    if outbound.lower() == "loadbalancer":
        lb = net.load_balancer
        if lb is None:
            return SnatInputs(outbound, 0, 1, said(SNAT.ips_default), pools)
        ports = lb.allocated_outbound_ports
        if lb.effective_outbound_ip_ids:
            return SnatInputs(outbound, ports, len(lb.effective_outbound_ip_ids), said(SNAT.ips_effective), pools)
        if lb.outbound_ip_ids:
            return SnatInputs(outbound, ports, len(lb.outbound_ip_ids), said(SNAT.ips_own), pools)
        if lb.outbound_prefix_ids:
            n = len(lb.outbound_prefix_ids)
            return SnatInputs(outbound, ports, n, said(SNAT.ips_prefixes, count=n), pools, True)
        count = lb.managed_outbound_ip_count or 1
        return SnatInputs(outbound, ports, count, said(SNAT.ips_managed), pools)
    if outbound.lower() in ("managednatgateway", "userassignednatgateway"):
        nat = net.nat_gateway
        if nat is not None and nat.effective_outbound_ip_ids:
            return SnatInputs(outbound, 0, len(nat.effective_outbound_ip_ids), said(SNAT.nat_ips_effective), pools)
        if outbound.lower() == "userassignednatgateway":
            # The gateway is the customer's own resource; AKS does not report its IPs.
            return SnatInputs(outbound, 0, 1, said(SNAT.nat_own), pools, True)
        count = nat.managed_outbound_ip_count if nat and nat.managed_outbound_ip_count else 1
        return SnatInputs(outbound, 0, count, said(SNAT.nat_ips_managed), pools)
    return SnatInputs(outbound, 0, 0, said(SNAT.own_route), pools)


def _round_down_to_8(ports: int) -> int:
    return max(0, ports - ports % 8)


def budget(inputs: SnatInputs, nodes: int | None = None) -> SnatBudget:
    """The SNAT budget; with `nodes`, also what scaling the whole cluster to that many nodes would do."""
    current = sum(p.count for p in inputs.pools)
    peak = sum(p.peak + p.surge for p in inputs.pools)
    kind = inputs.outbound_type.lower()
    if kind == "loadbalancer" and inputs.allocated_outbound_ports > 0:
        return _explicit(inputs, current, peak, nodes)
    if kind == "loadbalancer":
        return _default_table(inputs, current, peak, nodes)
    if kind in ("managednatgateway", "userassignednatgateway"):
        return _nat(inputs, current, peak, nodes)
    findings = (said(SNAT.user_defined, type=inputs.outbound_type),)
    what = ScaleOutcome(nodes, None, True, said(SNAT.device_limits)) if nodes else None
    return SnatBudget("user-defined", inputs, None, None, current, peak, None, None, False, findings, (), what)


def _explicit(inputs: SnatInputs, current: int, peak: int, nodes: int | None) -> SnatBudget:
    ports = inputs.allocated_outbound_ports
    total = LB_PORTS_PER_IP * inputs.outbound_ips
    max_nodes = total // ports
    headroom = max_nodes - peak
    findings = [
        said(
            SNAT.explicit_ports,
            ips=inputs.outbound_ips,
            per_ip=LB_PORTS_PER_IP,
            total=total,
            ports=ports,
            max=max_nodes,
        ),
        said(SNAT.nodes_now_and_peak, current=current, peak=peak),
    ]
    if inputs.ips_are_a_floor:
        findings.append(said(SNAT.prefixes_floor))
    if ports % 8:
        findings.append(said(SNAT.not_multiple_of_8, ports=ports))
    pressure = headroom < 0 or headroom < max(1, peak // 10)
    if headroom < 0:
        findings.append(said(SNAT.over_budget, needed=peak * ports, total=total, max=max_nodes))
    recs = _lb_recommendations(inputs, peak, ports)
    what = _explicit_what_if(nodes, ports, max_nodes) if nodes is not None else None
    return SnatBudget(
        "load-balancer", inputs, total, ports, current, peak, max_nodes, headroom, pressure, tuple(findings), recs, what
    )


def _explicit_what_if(nodes: int, ports: int, max_nodes: int) -> ScaleOutcome:
    if nodes <= max_nodes:
        return ScaleOutcome(nodes, ports, True, said(SNAT.fits, nodes=nodes, ports=ports, spare=max_nodes - nodes))
    fails = said(
        SNAT.fails, nodes=nodes, ports=ports, needed=nodes * ports, available=max_nodes * ports, max=max_nodes
    )
    return ScaleOutcome(nodes, ports, False, fails)


def _lb_recommendations(inputs: SnatInputs, peak: int, ports: int) -> tuple[Recommendation, ...]:
    """Settings that fit the peak; `ports` 0 means the default table is in use (size for 50% growth then)."""
    recs: list[Recommendation] = []
    target = max(peak, 1)
    total = LB_PORTS_PER_IP * max(inputs.outbound_ips, 1)
    if ports == 0 or target * ports > total:
        sized_for = max(math.ceil(target * 1.5), target + 1) if ports == 0 else target
        fitting = min(MAX_ALLOCATED_PORTS, _round_down_to_8(total // sized_for))
        if fitting >= 8:
            recs.append(
                Recommendation(
                    said(FINDING.ports_fit, ips=inputs.outbound_ips, ports=fitting, nodes=sized_for),
                    f"az aks update {inputs.az_target} --load-balancer-outbound-ports {fitting}",
                )
            )
        keep = max(ports, COMFORTABLE_PORTS_PER_NODE)
        ips_needed = math.ceil(sized_for * keep / LB_PORTS_PER_IP)
        if ips_needed > inputs.outbound_ips:
            recs.append(
                Recommendation(
                    said(FINDING.more_ips, ports=keep, nodes=sized_for, ips=ips_needed),
                    f"az aks update {inputs.az_target} --load-balancer-managed-outbound-ip-count {ips_needed} "
                    f"--load-balancer-outbound-ports {keep}",
                )
            )
    recs.append(
        Recommendation(said(FINDING.pool_connections))
    )
    return tuple(recs)


def _default_table(inputs: SnatInputs, current: int, peak: int, nodes: int | None) -> SnatBudget:
    now = default_ports_per_node(max(current, 1))
    at_peak = default_ports_per_node(max(peak, 1))
    max_nodes = DEFAULT_PORT_TABLE[-1][0]
    findings = [
        said(SNAT.default_table, ports=now, current=current)
        if now is not None
        else said(SNAT.default_table_none, current=current),
        said(SNAT.nodes_now_and_peak, current=current, peak=peak),
    ]
    pressure = False
    if at_peak is None:
        findings.append(said(SNAT.beyond_table, peak=peak))
        pressure = True
    elif at_peak != now:
        findings.append(said(SNAT.tier_drop, peak=peak, ports=at_peak))
        pressure = True
    recs = [
        Recommendation(said(FINDING.explicit_ports)),
        *_lb_recommendations(inputs, peak, 0),
    ]
    what = None
    if nodes is not None:
        ports = default_ports_per_node(max(nodes, 1))
        if ports is None:
            what = ScaleOutcome(nodes, None, False, said(SNAT.beyond_table_at, nodes=nodes))
        elif now is not None and ports < now:
            what = ScaleOutcome(nodes, ports, True, said(SNAT.ports_drop, now=now, ports=ports))
        else:
            what = ScaleOutcome(nodes, ports, True, said(SNAT.ports_as_now, ports=ports))
    return SnatBudget(
        "load-balancer-default",
        inputs,
        LB_PORTS_PER_IP * inputs.outbound_ips,
        now,
        current,
        peak,
        max_nodes,
        max_nodes - peak,
        pressure,
        tuple(findings),
        tuple(recs),
        what,
    )


def _nat(inputs: SnatInputs, current: int, peak: int, nodes: int | None) -> SnatBudget:
    ips = min(inputs.outbound_ips, NAT_MAX_IPS)
    total = NAT_PORTS_PER_IP * ips
    share = total // max(peak, 1)
    findings = [
        said(SNAT.nat_ports, ips=ips, per_ip=NAT_PORTS_PER_IP, total=total),
        said(SNAT.nat_share, peak=peak, share=share),
    ]
    if inputs.ips_are_a_floor:
        findings.append(said(SNAT.nat_floor))
    pressure = share < COMFORTABLE_PORTS_PER_NODE
    recs: list[Recommendation] = []
    if pressure and ips < NAT_MAX_IPS:
        needed = min(NAT_MAX_IPS, math.ceil(peak * COMFORTABLE_PORTS_PER_NODE / NAT_PORTS_PER_IP))
        recs.append(
            Recommendation(
                said(FINDING.nat_ips, ips=needed, ports=COMFORTABLE_PORTS_PER_NODE),
                f"az aks update {inputs.az_target} --nat-gateway-managed-outbound-ip-count {needed}",
            )
        )
    recs.append(Recommendation(said(FINDING.reuse_connections)))
    what = None
    if nodes is not None:
        avg = total // max(nodes, 1)
        what = ScaleOutcome(nodes, avg, True, said(SNAT.nat_average, ports=avg))
    return SnatBudget(
        "nat-gateway", inputs, total, None, current, peak, None, None, pressure, tuple(findings), tuple(recs), what
    )


def cluster_budget(cluster: ManagedCluster, nodes: int | None = None) -> SnatBudget:
    return budget(inputs_from_cluster(cluster), nodes)


def scale_pool_impact(cluster: ManagedCluster, pool: str, count: int, peak: int | None = None) -> SnatBudget:
    """The budget after pool `pool` is set to `count` nodes (the scale-pool preview's SNAT line); `peak` the most it
    may then grow to (an autoscaled pool's new maximum), when not its present peak."""
    inputs = inputs_from_cluster(cluster)

    def nodes(p: AgentPool) -> PoolNodes:
        if p.name != pool:
            return PoolNodes(p.name, p.count, p.peak_count, p.surge(p.peak_count))
        most = max(count, peak if peak is not None else p.peak_count)
        return PoolNodes(p.name, count, most, p.surge(most))

    pools = tuple(nodes(p) for p in cluster.pools)
    changed = SnatInputs(
        inputs.outbound_type,
        inputs.allocated_outbound_ports,
        inputs.outbound_ips,
        inputs.ip_source,
        pools,
        inputs.ips_are_a_floor,
    )
    return budget(changed, sum(p.count for p in pools))
