"""Azure-side diagnosis rules over ARM bodies: SNAT pressure, Failed state, service principal."""

from __future__ import annotations

from typing import Any

from bot.azure.model import ManagedCluster
from bot.severity import Severity
from handlers.rules.azure_rules import azure_findings, identity_rule, provisioning_rule, snat_rule


def _cluster(
    *,
    ports: int = 8000,
    ips: int = 1,
    count: int = 7,
    max_surge: str = "1",
    state: str = "Succeeded",
    client_id: str = "msi",
    error: dict[str, str] | None = None,
) -> ManagedCluster:
    body: dict[str, Any] = {
        "id": "/subscriptions/s/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod",
        "name": "aks-prod",
        "location": "chinaeast2",
        "identity": {"type": "SystemAssigned"},
        "properties": {
            "provisioningState": state,
            "kubernetesVersion": "1.27.9",
            "servicePrincipalProfile": {"clientId": client_id},
            "networkProfile": {
                "outboundType": "loadBalancer",
                "loadBalancerProfile": {"allocatedOutboundPorts": ports, "managedOutboundIPs": {"count": ips}},
            },
            "agentPoolProfiles": [
                {"name": "userpool", "count": count, "mode": "User", "upgradeSettings": {"maxSurge": max_surge}},
            ],
        },
    }
    if error:
        body["properties"]["status"] = {"provisioningError": error}
    return ManagedCluster.from_arm(body)


def test_snat_over_budget_at_peak_is_a_warning_with_the_arithmetic() -> None:
    # 1 IP × 64,000 / 8,000 = 8 nodes; 7 nodes + 1 surge = 8 fits exactly, so 8 nodes + surge does not. Nothing
    # fails until the surge node is added: a risk to fix, not an outage to page for.
    findings = snat_rule(_cluster(count=8))
    assert len(findings) == 1
    f = findings[0]
    assert f.severity is Severity.WARNING
    assert f.title == "SNAT ports: at peak 9 nodes need more than the 8 the outbound IPs can serve"
    assert f.kb == "snat-exhaustion" and f.signals == ("azure.snat:pressure",)
    assert any("at most 8 nodes" in e for e in f.evidence)
    assert f.actions[0].ref.text() == "/k8s aks snat"  # the cluster is added by whoever shows it


def test_snat_short_for_the_nodes_there_now_is_critical() -> None:
    # Nine nodes on a budget of eight: the newest node has no outbound ports now.
    (f,) = snat_rule(_cluster(count=9))
    assert f.severity is Severity.CRITICAL
    assert f.title == "SNAT ports: 9 nodes already need more than the 8 the outbound IPs can serve"


def test_snat_close_to_the_limit_is_a_warning_and_plenty_is_silent() -> None:
    near = snat_rule(_cluster(count=7))
    assert [f.severity for f in near] == [Severity.WARNING]
    assert snat_rule(_cluster(ports=1024, ips=2, count=7)) == []


def test_failed_state_cites_reconcile_and_the_error_code() -> None:
    findings = provisioning_rule(
        _cluster(state="Failed", error={"code": "VMExtensionProvisioningError", "message": "vmssCSE failed"})
    )
    assert findings[0].kb == "reconcile-failed-state"
    assert findings[0].signals == ("azure.provisioning:Failed", "error:VMExtensionProvisioningError")
    assert findings[0].actions[0].danger
    assert provisioning_rule(_cluster()) == []


def test_service_principal_is_flagged_managed_identity_is_not() -> None:
    sp = identity_rule(_cluster(client_id="5a9a1f0e-9c0d-4c6c-9d8e-0f1a2b3c4d5e"))
    assert sp[0].kb == "sp-expired" and sp[0].signals == ("azure.identity:service-principal",)
    assert "az ad app credential list --id 5a9a1f0e" in sp[0].evidence[1]
    assert identity_rule(_cluster()) == []
    assert [f.rule for f in azure_findings(_cluster(count=8))] == ["azure.snat"]
