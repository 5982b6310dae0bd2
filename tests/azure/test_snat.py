"""SNAT arithmetic (aks-facts §2) on the REST example and on hand-built clusters."""

from __future__ import annotations

from typing import Any

from bot.azure.model import ManagedCluster
from handlers.rules.snat import PoolNodes, SnatInputs, budget, cluster_budget, default_ports_per_node, scale_pool_impact
from tests.support.azure import example


def _cluster(network: dict[str, Any], pools: list[dict[str, Any]]) -> ManagedCluster:
    return ManagedCluster.from_arm({"name": "c", "properties": {"networkProfile": network, "agentPoolProfiles": pools}})


def _lb(ports: int, **extra: Any) -> dict[str, Any]:
    return {"outboundType": "loadBalancer", "loadBalancerProfile": {"allocatedOutboundPorts": ports, **extra}}


def test_example_cluster_two_ips_2000_ports_is_64_nodes() -> None:
    b = cluster_budget(ManagedCluster.from_arm(example("ManagedClustersGet.json")))
    assert (b.inputs.outbound_ips, b.ports_per_node, b.total_ports, b.max_nodes) == (2, 2000, 128_000, 64)
    assert b.inputs.ip_source == "effective outbound IPs"
    assert (b.current_nodes, b.peak_nodes, b.headroom) == (3, 4, 60)
    assert not b.pressure


def _inputs(ports: int, ips: int, nodes: int) -> SnatInputs:
    return SnatInputs("loadBalancer", ports, ips, "managed outbound IPs", (PoolNodes("p", nodes, nodes, 0),))


def test_documented_examples_round_down() -> None:
    assert budget(_inputs(1000, 2, 1)).max_nodes == 128
    assert budget(_inputs(4000, 7, 1)).max_nodes == 112
    assert budget(_inputs(3000, 1, 1)).max_nodes == 21  # 21.33 → 21, never 22


def test_peak_counts_autoscaler_maximum_and_surge() -> None:
    c = _cluster(
        _lb(8000, managedOutboundIPs={"count": 1}),
        [
            {"name": "sys", "count": 3},
            {
                "name": "user",
                "count": 2,
                "enableAutoScaling": True,
                "minCount": 2,
                "maxCount": 6,
                "upgradeSettings": {"maxSurge": "1"},
            },
        ],
    )
    b = cluster_budget(c)
    # sys: 3 + ceil(10% of 3) = 4; user: 6 + 1 = 7
    assert (b.current_nodes, b.peak_nodes, b.max_nodes) == (5, 11, 8)
    assert b.headroom == -3 and b.pressure
    assert any("InvalidLoadBalancerProfileAllocatedOutboundPorts" in f for f in b.findings)
    fix = [r.command for r in b.recommendations if r.command]
    # No resource id in this document: the group reads RG, the name is the cluster's.
    assert "az aks update -g RG -n c --load-balancer-outbound-ports 5816" in fix  # 64000 // 11 → multiple of 8


def test_suggested_commands_name_the_cluster_and_its_group() -> None:
    body = example("ManagedClustersGet.json")
    body["properties"]["agentPoolProfiles"][0]["count"] = 100  # past the 64 nodes its ports allow
    c = ManagedCluster.from_arm(body)
    b = cluster_budget(c)
    assert c.resource_group and c.name
    commands = [r.command for r in b.recommendations if r.command]
    assert commands and all(cmd.startswith(f"az aks update -g {c.resource_group} -n {c.name} ") for cmd in commands)


def test_what_if_scaling_past_the_maximum_fails() -> None:
    c = ManagedCluster.from_arm(example("ManagedClustersGet.json"))
    ok = cluster_budget(c, 64).what_if
    bad = cluster_budget(c, 65).what_if
    assert ok is not None and ok.fits
    assert bad is not None and not bad.fits and "InvalidLoadBalancerProfileAllocatedOutboundPorts" in bad.detail


def test_default_table_when_allocated_ports_is_zero() -> None:
    assert [default_ports_per_node(n) for n in (1, 50, 51, 100, 101, 400, 800, 1000, 1001)] == [
        1024,
        1024,
        512,
        512,
        256,
        128,
        64,
        32,
        None,
    ]
    c = _cluster(
        _lb(0, managedOutboundIPs={"count": 1}),
        [{"name": "p", "count": 48, "enableAutoScaling": True, "minCount": 3, "maxCount": 60}],
    )
    b = cluster_budget(c, 55)
    assert b.mode == "load-balancer-default"
    assert b.ports_per_node == 1024
    assert b.pressure  # the autoscaler maximum crosses into the 512 tier
    assert b.what_if is not None and b.what_if.ports_per_node == 512 and "drops from 1,024 to 512" in b.what_if.detail
    assert "explicit allocatedOutboundPorts" in b.recommendations[0].text


def test_own_ips_and_prefixes_when_no_effective_ips() -> None:
    own = _cluster(
        _lb(1024, outboundIPs={"publicIPs": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}), [{"name": "p", "count": 1}]
    )
    assert cluster_budget(own).inputs.outbound_ips == 3
    prefixes = _cluster(_lb(1024, outboundIPPrefixes={"publicIPPrefixes": [{"id": "p1"}]}), [{"name": "p", "count": 1}])
    b = cluster_budget(prefixes)
    assert b.inputs.outbound_ips == 1 and b.inputs.ips_are_a_floor
    assert any("prefixes" in f for f in b.findings)


def test_nat_gateway_is_on_demand_with_16_ips_at_most() -> None:
    c = _cluster(
        {"outboundType": "managedNATGateway", "natGatewayProfile": {"managedOutboundIPProfile": {"count": 2}}},
        [{"name": "p", "count": 200}],
    )
    b = cluster_budget(c, 300)
    assert b.mode == "nat-gateway" and b.total_ports == 2 * 64_512
    assert b.ports_per_node is None and b.max_nodes is None
    assert b.pressure  # 129,024 ports over 220 nodes at peak is under 1,024 each
    assert any("--nat-gateway-managed-outbound-ip-count 4" in (r.command or "") for r in b.recommendations)
    assert b.what_if is not None and b.what_if.fits


def test_user_defined_routing_is_outside_aks() -> None:
    b = cluster_budget(_cluster({"outboundType": "userDefinedRouting"}, [{"name": "p", "count": 3}]))
    assert b.mode == "user-defined" and b.max_nodes is None and not b.pressure


def test_scale_pool_impact_for_the_preview() -> None:
    c = ManagedCluster.from_arm(example("ManagedClustersGet.json"))
    b = scale_pool_impact(c, "nodepool1", 70)
    assert b.what_if is not None and not b.what_if.fits
    assert b.peak_nodes == 70 + 24  # 33% surge of 70 rounded up
