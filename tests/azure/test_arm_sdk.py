"""The real azure-identity and azure-mgmt-containerservice against the local ARM server, through the adapter.

Covers the token flows (client secret, workload identity with AZURE_AUTHORITY_HOST, Azure China's scope), reads,
long-running writes with Azure-AsyncOperation polling, and every error the adapter must explain.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.mgmt.containerservice import ContainerServiceClient

from bot.azure.sdk import AzureSdkProvider, SdkAksClient, build_client
from bot.azure.settings import AzureSettings
from bot.errors import Forbidden, NotConfigured, NotFound, Refused, Upstream
from bot.settings import from_mapping
from sandbox.arm import ArmServer, Fault
from tests.support.azure import arm_state


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ArmServer, AzureSettings]]:
    srv = ArmServer(arm_state()).start()
    az = AzureSettings(**srv.settings_fragment(tmp_path_factory.mktemp("arm")))
    yield srv, az
    srv.stop()


@pytest.fixture(scope="module")
def aks(server: tuple[ArmServer, AzureSettings]) -> SdkAksClient:
    srv, az = server
    return SdkAksClient(az, build_client(az, srv.environment()))


@pytest.fixture()
def fresh(tmp_path: Path) -> Iterator[tuple[ArmServer, SdkAksClient, list[tuple[str, dict[str, Any]]]]]:
    """A server of its own, for tests that change state."""
    changes: list[tuple[str, dict[str, Any]]] = []
    srv = ArmServer(arm_state(), lambda kind, body: changes.append((kind, body))).start()
    az = AzureSettings(**srv.settings_fragment(tmp_path))
    yield srv, SdkAksClient(az, build_client(az, srv.environment())), changes
    srv.stop()


def test_client_secret_flow_reads_the_cluster(server: tuple[ArmServer, AzureSettings], aks: SdkAksClient) -> None:
    srv, _ = server
    cluster = aks.cluster()
    assert cluster.name == "clustername1" and cluster.network.load_balancer is not None
    # MSAL found the token endpoint through the authority's OpenID configuration, as it does with Entra ID.
    paths = [p for _, p in srv.requests]
    assert any(p.endswith("/v2.0/.well-known/openid-configuration") for p in paths)
    assert any(p.endswith("/oauth2/v2.0/token") for p in paths)


def test_pools_and_upgrade_profiles(aks: SdkAksClient) -> None:
    (pool,) = aks.pools()
    assert (pool.name, pool.count, pool.max_surge) == ("nodepool1", 3, "33%")
    assert aks.upgrade_profile().control_plane_version == "1.7.7"
    profile = aks.pool_upgrade_profile("nodepool1")
    assert profile.latest_node_image_version == "AKSUbuntu:1604:2020.04.01"


def test_sdk_list_operations_page_through_the_server(server: tuple[ArmServer, AzureSettings]) -> None:
    srv, az = server
    client: ContainerServiceClient = build_client(az, srv.environment())
    assert [c.name for c in client.managed_clusters.list()] == ["clustername1"]
    assert [c.name for c in client.managed_clusters.list_by_resource_group("rg1")] == ["clustername1"]


def test_scale_pool_is_a_long_running_operation(fresh: tuple[ArmServer, SdkAksClient, list[Any]]) -> None:
    srv, aks, changes = fresh
    progress: list[str] = []
    pool = aks.scale_pool("nodepool1", 5, progress=progress.append, timeout=30)
    assert pool.count == 5 and pool.provisioning_state == "Succeeded"
    assert progress and progress[0].startswith("Azure accepted: scale pool `nodepool1` to 5")
    assert [(k, b["properties"]["count"]) for k, b in changes] == [("agentPool", 5)]
    assert any("/operations/" in p for _, p in srv.requests)  # polled through Azure-AsyncOperation
    assert aks.cluster().pools[0].count == 5  # the cluster document follows its pools


def test_scale_beyond_the_snat_budget_is_refused_with_azures_code(
    fresh: tuple[ArmServer, SdkAksClient, list[Any]],
) -> None:
    _, aks, changes = fresh
    with pytest.raises(Refused, match="InvalidLoadBalancerProfileAllocatedOutboundPorts"):
        aks.scale_pool("nodepool1", 65, timeout=30)
    assert changes == []


def test_node_image_upgrade_reaches_the_latest_image(fresh: tuple[ArmServer, SdkAksClient, list[Any]]) -> None:
    _, aks, changes = fresh
    pool = aks.upgrade_node_image("nodepool1", timeout=30)
    assert pool.node_image_version == "AKSUbuntu:1604:2020.04.01"
    assert changes and changes[0][1]["properties"]["nodeImageVersion"] == "AKSUbuntu:1604:2020.04.01"


def test_reconcile_brings_a_failed_cluster_back(fresh: tuple[ArmServer, SdkAksClient, list[Any]]) -> None:
    srv, aks, _ = fresh
    srv.set_cluster_state("Failed", ("VMExtensionProvisioningError", "extension failed on one instance"))
    failed = aks.cluster()
    assert failed.failed and failed.provisioning_error is not None
    assert failed.provisioning_error.code == "VMExtensionProvisioningError"
    healed = aks.reconcile(timeout=30)
    assert healed.provisioning_state == "Succeeded" and healed.provisioning_error is None
    # Read-only fields the SDK leaves out of the PUT are still there.
    assert healed.network.load_balancer is not None and len(healed.network.load_balancer.effective_outbound_ip_ids) == 2


def test_failed_operation_is_refused_with_its_error(fresh: tuple[ArmServer, SdkAksClient, list[Any]]) -> None:
    srv, aks, changes = fresh
    srv.fail_next_operation("QuotaExceeded", "Operation could not be completed as it results in exceeding quota.")
    with pytest.raises(Refused, match="QuotaExceeded"):
        aks.scale_pool("nodepool1", 4, timeout=30)
    assert changes == []
    assert aks.pools()[0].provisioning_state == "Failed"


def test_write_timeout_is_bounded_and_says_the_operation_goes_on(tmp_path: Path) -> None:
    srv = ArmServer(arm_state(), lro_polls=10_000).start()
    try:
        az = AzureSettings(**srv.settings_fragment(tmp_path))
        aks = SdkAksClient(az, build_client(az, srv.environment()))
        with pytest.raises(Upstream, match="still working on it"):
            aks.scale_pool("nodepool1", 4, timeout=0.5)
    finally:
        srv.stop()


def test_throttling_with_a_long_retry_after_answers_at_once(
    server: tuple[ArmServer, AzureSettings], aks: SdkAksClient
) -> None:
    srv, _ = server
    srv.inject(Fault(429, "TooManyRequests", "The request is being throttled.", retry_after=120))
    with pytest.raises(Upstream, match=r"throttling .*\(429\).*wait 120 s") as info:
        aks.cluster()
    assert info.value.temporary


def test_throttling_with_a_short_retry_after_is_retried(
    server: tuple[ArmServer, AzureSettings], aks: SdkAksClient
) -> None:
    srv, _ = server
    srv.inject(
        Fault(429, "TooManyRequests", "The request is being throttled.", retry_after=0, path_contains="/agentPools")
    )
    assert aks.pools()[0].name == "nodepool1"


def test_forbidden_names_the_action_scope_and_role(server: tuple[ArmServer, AzureSettings], aks: SdkAksClient) -> None:
    srv, _ = server
    scope = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1"
    srv.inject(
        Fault(
            403,
            "AuthorizationFailed",
            "The client 'abc' with object id 'abc' does not have authorization to perform action "
            f"'Microsoft.ContainerService/managedClusters/read' over scope '{scope}' or the scope is invalid.",
        )
    )
    with pytest.raises(Forbidden) as info:
        aks.cluster()
    assert "Microsoft.ContainerService/managedClusters/read" in info.value.message
    assert scope in info.value.message and "*Reader*" in info.value.message


def test_missing_cluster_is_not_found(server: tuple[ArmServer, AzureSettings]) -> None:
    srv, az = server
    other = az.model_copy(update={"cluster_name": "nope"})
    with pytest.raises(NotFound, match="nope"):
        SdkAksClient(other, build_client(other, srv.environment())).cluster()


def test_slow_answer_times_out_within_bounds(server: tuple[ArmServer, AzureSettings]) -> None:
    srv, az = server
    aks = SdkAksClient(az, build_client(az, srv.environment(), read_timeout=0.2))
    aks.cluster()  # token first, so the delay hits ARM
    srv.inject(Fault(0, delay_seconds=0.5, times=3))
    with pytest.raises(Upstream, match=r"did not answer within 0.2 s"):
        aks.cluster()


def test_wrong_secret_is_a_sign_in_failure(server: tuple[ArmServer, AzureSettings]) -> None:
    srv, az = server
    with pytest.raises(Forbidden, match=r"sign-in .*failed"):
        SdkAksClient(az, build_client(az, {srv.secret_env: "wrong"})).cluster()


def test_missing_secret_variable_is_not_configured(server: tuple[ArmServer, AzureSettings]) -> None:
    srv, az = server
    with pytest.raises(NotConfigured, match=srv.secret_env):
        build_client(az, {})


def test_no_credential_at_all_is_a_missing_setting_that_says_which(server: tuple[ArmServer, AzureSettings]) -> None:
    """No secret configured, no workload identity, no managed identity, no `az login`: not 'Azure refused the bot'
    but a setting to add, named."""
    _, az = server
    bare = az.model_copy(update={"client_secret_env": None})
    with pytest.raises(NotConfigured, match="no Azure credential for `") as missing:
        SdkAksClient(bare, build_client(bare, {})).cluster()
    assert "`azure.client_secret_env`" in missing.value.message and "workload identity" in missing.value.message


def test_workload_identity_honours_azure_authority_host(
    server: tuple[ArmServer, AzureSettings], tmp_path: Path
) -> None:
    """No secret configured: the federated token file and AZURE_AUTHORITY_HOST from the pod's environment."""
    srv, az = server
    token_file = tmp_path / "azure-identity-token"
    token_file.write_text(srv.federated_assertion, encoding="utf-8")
    workload = az.model_copy(
        update={"client_secret_env": None, "authority_host": None, "tenant_id": None, "client_id": None}
    )
    environ = {
        "AZURE_FEDERATED_TOKEN_FILE": str(token_file),
        "AZURE_AUTHORITY_HOST": srv.base_url,
        "AZURE_TENANT_ID": srv.tenant_id,
        "AZURE_CLIENT_ID": srv.client_id,
    }
    assert SdkAksClient(workload, build_client(workload, environ)).cluster().name == "clustername1"


def test_azure_china_uses_its_own_token_scope(tmp_path: Path) -> None:
    state = arm_state()
    state["managedCluster"]["location"] = "chinaeast2"  # the region decides the cloud
    china = ArmServer(state).start()
    try:
        az = AzureSettings(**china.settings_fragment(tmp_path))
        assert az.cloud == "AzureChinaCloud"
        assert SdkAksClient(az, build_client(az, china.environment())).cluster().name == "clustername1"
        # Workload identity in a China pod: the webhook sets AZURE_AUTHORITY_HOST, the settings name no secret.
        token_file = tmp_path / "token"
        token_file.write_text(china.federated_assertion, encoding="utf-8")
        pod = az.model_copy(update={"client_secret_env": None, "authority_host": None})
        environ = {"AZURE_FEDERATED_TOKEN_FILE": str(token_file), "AZURE_AUTHORITY_HOST": china.base_url}
        assert SdkAksClient(pod, build_client(pod, environ)).cluster().name == "clustername1"
        # A client that asked for the public cloud's scope is refused by the China authority.
        public = az.model_copy(update={"cloud": "AzureCloud"})
        with pytest.raises(Forbidden, match="AADSTS70011"):
            SdkAksClient(public, build_client(public, china.environment())).cluster()
    finally:
        china.stop()


def test_provider_builds_clients_from_settings(server: tuple[ArmServer, AzureSettings], tmp_path: Path) -> None:
    srv, _ = server
    settings = from_mapping(
        {"clusters": [{"name": "sandbox", "azure": srv.settings_fragment(tmp_path)}, {"name": "bare"}]},
        source=None,
        environ=srv.environment(),
    )
    provider = AzureSdkProvider(settings)
    assert provider.client("sandbox").cluster().name == "clustername1"
    assert provider.client("sandbox") is provider.client("sandbox")
    with pytest.raises(NotConfigured, match="no `azure:` settings"):
        provider.client("bare")
    with pytest.raises(NotConfigured, match="No cluster named"):
        provider.client("missing")
