"""Parsing the public AKS REST examples (unchanged) and `az aks show` output into the typed views."""

from __future__ import annotations

from bot.azure.model import AgentPool, ManagedCluster, PoolUpgradeProfile, UpgradeProfile, parse_version, surge_nodes
from tests.support.azure import example, flattened


def test_managed_cluster_example_reads_every_field_the_commands_show() -> None:
    c = ManagedCluster.from_arm(example("ManagedClustersGet.json"))
    assert c.name == "clustername1"
    assert c.resource_group == "rg1"
    assert c.version == "1.9.6"
    assert c.provisioning_state == "Succeeded" and not c.failed
    assert c.node_resource_group == "MC_rg1_clustername1_location1"
    assert c.network.plugin == "kubenet" and c.network.outbound_type == "loadBalancer"
    assert not c.network.pod_ips_from_subnet
    lb = c.network.load_balancer
    assert lb is not None
    assert lb.allocated_outbound_ports == 2000
    assert len(lb.effective_outbound_ip_ids) == 2 and len(lb.outbound_ip_ids) == 2
    assert lb.idle_timeout_minutes == 10
    assert c.identity.kind == "service-principal" and c.identity.service_principal_client_id == "clientid"
    (pool,) = c.pools
    assert (pool.name, pool.count, pool.max_pods, pool.max_surge) == ("nodepool1", 3, 110, "33%")
    assert pool.surge() == 1  # 33% of 3, rounded up


def test_az_cli_output_with_properties_flattened_reads_the_same() -> None:
    body = example("ManagedClustersGet.json")
    assert ManagedCluster.from_arm(flattened(body)) == ManagedCluster.from_arm(body)


def test_agent_pool_examples_including_a_long_running_update_body() -> None:
    (listed,) = [AgentPool.from_arm(p) for p in example("AgentPoolsList.json")["value"]]
    assert (listed.name, listed.vm_size, listed.count, listed.version) == ("agentpool1", "Standard_DS1_v2", 3, "1.9.6")
    updating = AgentPool.from_arm(example("AgentPools_Update.json", "201"))
    assert updating.provisioning_state == "Updating"
    assert updating.autoscaling and (updating.min_count, updating.max_count) == (2, 2)
    assert updating.peak_count == 3  # never below the current count


def test_upgrade_profiles() -> None:
    profile = UpgradeProfile.from_arm(example("ManagedClustersGetUpgradeProfile.json"))
    assert profile.control_plane_version == "1.7.7"
    assert [(u.version, u.is_preview) for u in profile.control_plane_upgrades] == [("1.7.9", True), ("1.7.11", False)]
    assert profile.pools[0].name == "agent"
    pool = PoolUpgradeProfile.from_arm(example("AgentPoolsGetUpgradeProfile.json"))
    assert pool.pool == "agentpool1"  # from the id
    assert pool.latest_node_image_version == "AKSUbuntu:1604:2020.03.11"
    assert [u.version for u in pool.upgrades] == ["1.13.5"]


def test_identity_kinds() -> None:
    msi = ManagedCluster.from_arm(
        {
            "name": "x",
            "identity": {"type": "SystemAssigned"},
            "properties": {"servicePrincipalProfile": {"clientId": "msi"}},
        }
    )
    assert msi.identity.kind == "system-assigned"
    user = ManagedCluster.from_arm({"name": "x", "identity": {"type": "UserAssigned"}, "properties": {}})
    assert user.identity.kind == "user-assigned"


def test_failed_cluster_carries_azure_error() -> None:
    body = {
        "name": "x",
        "properties": {
            "provisioningState": "Failed",
            "status": {"provisioningError": {"code": "VMExtensionError", "message": "boom"}},
        },
    }
    c = ManagedCluster.from_arm(body)
    assert c.failed and c.provisioning_error is not None and c.provisioning_error.code == "VMExtensionError"


def test_surge_and_versions() -> None:
    assert surge_nodes(None, 20) == 2  # unset: 10%
    assert surge_nodes("33%", 10) == 4
    assert surge_nodes("3", 10) == 3
    assert parse_version("1.29") == (1, 29, 0)
    assert parse_version("v1.30.5") == (1, 30, 5)
    assert parse_version("latest") is None
