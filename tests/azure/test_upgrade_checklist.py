"""The upgrade pre-flight rules (aks-facts §3, §6) on hand-built clusters and facts."""

from __future__ import annotations

from typing import Any

import pytest

from bot.azure import model
from handlers.rules.upgrade import (
    CheckItem,
    ClusterFacts,
    ContainerFact,
    NodeFact,
    PdbFact,
    cgroup_v2_risk,
    plan_upgrade,
    subnet_ips_needed,
    version_choices,
)
from tests.support.azure import example

GiB = 2**30


def _cluster(
    version: str,
    *,
    network: dict[str, Any] | None = None,
    state: str = "Succeeded",
    pools: list[dict[str, Any]] | None = None,
    identity: str = "msi",
) -> model.ManagedCluster:
    pools = (
        pools
        if pools is not None
        else [
            {
                "name": "sys",
                "count": 3,
                "orchestratorVersion": version,
                "osSKU": "Ubuntu",
                "osType": "Linux",
                "upgradeSettings": {"maxSurge": "33%"},
                "maxPods": 30,
                "nodeImageVersion": "img-1",
            }
        ]
    )
    return model.ManagedCluster.from_arm(
        {
            "name": "c",
            "identity": {"type": "SystemAssigned"},
            "properties": {
                "kubernetesVersion": version,
                "provisioningState": state,
                "servicePrincipalProfile": {"clientId": identity},
                "networkProfile": network or {"networkPlugin": "azure", "networkPluginMode": "overlay"},
                "agentPoolProfiles": pools,
            },
        }
    )


def _profile(current: str, *upgrades: str | tuple[str, bool]) -> model.UpgradeProfile:
    ups = [
        {"kubernetesVersion": u, "isPreview": False}
        if isinstance(u, str)
        else {"kubernetesVersion": u[0], "isPreview": u[1]}
        for u in upgrades
    ]
    return model.UpgradeProfile.from_arm(
        {"properties": {"controlPlaneProfile": {"kubernetesVersion": current, "upgrades": ups}}}
    )


def _node(name: str, cpu_req: int, mem_req: int, cpu: int = 2000, mem: int = 8 * GiB) -> NodeFact:
    return NodeFact(name, "sys", cpu, mem, cpu_req, mem_req)


CALM = ClusterFacts(
    pdbs=(PdbFact("web", "web", 1),),
    nodes=(_node("n1", 500, 2 * GiB), _node("n2", 500, 2 * GiB), _node("n3", 500, 2 * GiB)),
    containers=(ContainerFact("web", "web-1", "web", "nginx:1.27"),),
)


def _check(checks: tuple[CheckItem, ...], key: str) -> CheckItem:
    return next(c for c in checks if c.key == key)


def _plan(
    cluster: model.ManagedCluster, profile: model.UpgradeProfile, facts: ClusterFacts | None = CALM, **kw: Any
) -> Any:
    return plan_upgrade(cluster, cluster.pools, profile, {}, facts, **kw)


def test_example_profile_offers_patches_and_picks_the_ga_one() -> None:
    profile = model.UpgradeProfile.from_arm(example("ManagedClustersGetUpgradeProfile.json"))
    choices = version_choices("1.7.7", profile.control_plane_upgrades)
    assert [(c.version, c.allowed, c.note) for c in choices] == [("1.7.9", True, "preview"), ("1.7.11", True, "patch")]
    plan = _plan(_cluster("1.7.7"), profile)
    assert plan.target == "1.7.11"


def test_a_skip_azure_offers_is_allowed_and_said_and_a_target_is_checked_as_typed() -> None:
    """Azure's upgrade profile lists what it accepts (the exceptions to one minor at a time are Azure's to make): a
    skip it offers is allowed, with a note. `--to` is checked: not a version, the current one, a downgrade, one not
    offered; a minor alone means its newest offered patch."""
    profile = _profile("1.28.5", "1.29.2", "1.29.8", "1.30.1")
    plan = _plan(_cluster("1.28.5"), profile, target="1.30.1")
    assert plan.choices[-1].allowed and "skips 1.29; Azure offers it" in plan.choices[-1].note
    assert all(c.key != "version" for c in plan.checks)
    assert _plan(_cluster("1.28.5"), profile, target="1.29").target == "1.29.8"
    for typed, said_ in (
        ("banana", "`banana` is not a Kubernetes version: write it as 1.30 or 1.30.5."),
        ("1.28.5", "1.28.5 is the version the cluster runs now."),
        ("1.27.3", "1.27.3 is older than 1.28.5: AKS does not downgrade a cluster."),
        ("1.31", "1.31 is not offered from 1.28.5 (offered: 1.29.2, 1.29.8, 1.30.1)."),
    ):
        check = _check(_plan(_cluster("1.28.5"), profile, target=typed).checks, "version")
        assert check.status == "fail" and check.detail == said_, typed


def _region(*minors: str, preview: tuple[str, ...] = (), lts: tuple[str, ...] = ()) -> tuple[model.SupportedMinor, ...]:
    """A `locations/{region}/kubernetesVersions` answer with these minors."""
    return model.supported_minors(
        {
            "values": [
                {
                    "version": m,
                    "isPreview": m in preview,
                    "capabilities": {"supportPlan": ["AKSLongTermSupport"] if m in lts else ["KubernetesOfficial"]},
                    "patchVersions": {f"{m}.3": {"upgrades": []}, f"{m}.10": {"upgrades": []}},
                }
                for m in minors
            ]
        }
    )


def test_region_version_list_parses_like_az_aks_get_versions() -> None:
    (old, new) = _region("1.31", "1.30")
    assert (old.version, old.patches, old.community) == ("1.30", ("1.30.3", "1.30.10"), True)
    assert new.minor == 31


def test_support_window_against_the_regions_versions() -> None:
    region = _region("1.30", "1.31", "1.32", "1.33", preview=("1.33",))
    out = _plan(_cluster("1.26.0"), _profile("1.26.0", "1.27.1"), supported=region)
    support = _check(out.checks, "support")
    assert support.status == "fail" and "no longer supported at all" in support.detail
    assert "1.30, 1.31, 1.32" in support.detail
    n3 = _check(_plan(_cluster("1.29.2"), _profile("1.29.2", "1.30.1"), supported=region).checks, "support")
    assert n3.status == "fail" and "platform support only" in n3.detail
    edge = _check(_plan(_cluster("1.30.1"), _profile("1.30.1", "1.31.1"), supported=region).checks, "support")
    assert edge.status == "warn" and "oldest supported minor" in edge.detail
    fine = _check(_plan(_cluster("1.31.0"), _profile("1.31.0", "1.32.1"), supported=region).checks, "support")
    assert fine.status == "pass"
    lts = _region("1.27", "1.30", "1.31", "1.32", lts=("1.27",))
    only_lts = _check(_plan(_cluster("1.27.9"), _profile("1.27.9", "1.28.1"), supported=lts).checks, "support")
    assert only_lts.status == "warn" and "long-term support" in only_lts.detail


def test_an_unsupported_minor_may_jump_back_into_support_and_the_note_says_so() -> None:
    """learn.microsoft.com/azure/aks/upgrade-aks-cluster: multiple minors may be skipped only from an unsupported
    version back to a supported one, and such a jump has no SLA guarantee."""
    region = _region("1.30", "1.31", "1.32")
    profile = _profile("1.27.9", "1.28.15", "1.30.14")
    plan = _plan(_cluster("1.27.9"), profile, supported=region)
    notes = {c.version: (c.allowed, str(c.note)) for c in plan.choices}
    assert notes["1.28.15"] == (True, "next minor")
    assert notes["1.30.14"][0] and "unsupported minor into a supported one" in notes["1.30.14"][1]
    assert plan.target == "1.30.14"  # out of support by the shortest way back in


def test_support_window_without_the_regions_list_says_it_is_unknown() -> None:
    out = _plan(_cluster("1.26.0"), _profile("1.26.0", "1.27.1", "1.29.0"))
    assert _check(out.checks, "support").status == "fail"
    unknown = _check(_plan(_cluster("1.29.0"), _profile("1.29.0", "1.30.1")).checks, "support")
    assert unknown.status == "warn" and "could not be read" in unknown.detail


def test_pdb_allowing_no_disruption_fails_the_checklist() -> None:
    facts = ClusterFacts((PdbFact("pay", "pay-pdb", 0), PdbFact("web", "web", 1)), CALM.nodes, CALM.containers)
    plan = _plan(_cluster("1.29.0"), _profile("1.29.0", "1.30.1"), facts)
    pdb = _check(plan.checks, "pdb")
    assert pdb.status == "fail" and pdb.items == ("pay/pay-pdb",) and pdb.signal == "azure.upgrade:pdb"
    assert plan.status == "fail"


def test_unreadable_cluster_facts_warn_instead_of_guessing() -> None:
    plan = _plan(_cluster("1.29.0"), _profile("1.29.0", "1.30.1"), None)
    assert _check(plan.checks, "pdb").status == "warn"
    assert _check(plan.checks, "headroom").status == "warn"


def test_surge_unset_warns() -> None:
    pools = [{"name": "p", "count": 10, "orchestratorVersion": "1.29.0"}]
    plan = _plan(_cluster("1.29.0", pools=pools), _profile("1.29.0", "1.30.1"))
    surge = _check(plan.checks, "surge")
    assert surge.status == "warn" and "33%" in surge.detail and surge.items == ("p: maxSurge unset → 1 extra VM(s)",)


def test_subnet_ips_for_azure_cni_without_overlay() -> None:
    # The documented example: 50 nodes, surge 1, 30 pods each → 51 + 51 × 30 = 1,581.
    pool = model.AgentPool.from_arm({"name": "p", "count": 50, "maxPods": 30, "upgradeSettings": {"maxSurge": "1"}})
    assert subnet_ips_needed((pool,), pods_from_subnet=True) == 1581
    assert subnet_ips_needed((pool,), pods_from_subnet=False) == 51
    legacy = _cluster("1.29.0", network={"networkPlugin": "azure"})
    assert _check(_plan(legacy, _profile("1.29.0", "1.30.1")).checks, "subnet").status == "warn"
    overlay = _cluster("1.29.0")
    assert _check(_plan(overlay, _profile("1.29.0", "1.30.1")).checks, "subnet").status == "pass"


@pytest.mark.parametrize(
    ("image", "risky"),
    [
        ("openjdk:8u212-jre", True),
        ("eclipse-temurin:8u392-b08-jre", False),
        ("openjdk:11.0.14-jre", True),
        ("registry.example.com/base/openjdk:11.0.20", False),
        ("eclipse-temurin:17-jre", False),
        ("tomcat:latest", True),
        ("node:18-alpine", True),
        ("node:20.2.0", True),
        ("node:20.11", False),
        ("mcr.microsoft.com/dotnet/core/aspnet:3.1", True),
        ("mcr.microsoft.com/dotnet/aspnet:8.0", False),
        ("nginx:1.27", False),
    ],
)
def test_cgroup_v2_image_heuristics(image: str, risky: bool) -> None:
    assert (cgroup_v2_risk(image) is not None) is risky


def test_crossing_1_24_and_1_25_lists_affected_workloads() -> None:
    facts = ClusterFacts(
        CALM.pdbs,
        CALM.nodes,
        (ContainerFact("shop", "cart-1", "app", "openjdk:8u212-jre"), ContainerFact("web", "w", "w", "nginx:1")),
    )
    plan = _plan(_cluster("1.24.9"), _profile("1.24.9", "1.25.6"), facts)
    cg = _check(plan.checks, "cgroup-v2")
    assert cg.status == "warn" and cg.items[0].startswith("shop/cart-1 (openjdk:8u212-jre): JDK 8u212")
    before = _plan(_cluster("1.23.12"), _profile("1.23.12", "1.24.9"), facts)
    assert _check(before.checks, "sa-tokens").status == "warn"
    assert not any(c.key == "cgroup-v2" for c in before.checks)


def test_azure_linux_moves_to_cgroup_v2_at_1_29() -> None:
    pools = [{"name": "al", "count": 2, "osSKU": "AzureLinux", "osType": "Linux", "upgradeSettings": {"maxSurge": "1"}}]
    at_25 = _plan(_cluster("1.24.9", pools=pools), _profile("1.24.9", "1.25.6"))
    assert not any(c.key == "cgroup-v2" for c in at_25.checks)
    at_29 = _plan(_cluster("1.28.9", pools=pools), _profile("1.28.9", "1.29.2"))
    assert _check(at_29.checks, "cgroup-v2").status == "pass"


def test_1_35_refuses_cgroup_v1_nodes() -> None:
    facts = ClusterFacts(
        CALM.pdbs, CALM.nodes, (ContainerFact("kube-system", "revert-cgroup-v1-abcde", "c", "busybox"),)
    )
    plan = _plan(_cluster("1.34.2"), _profile("1.34.2", "1.35.0"), facts)
    item = _check(plan.checks, "cgroup-v1")
    assert item.status == "fail" and item.items == ("kube-system/revert-cgroup-v1-abcde",)


def test_node_headroom() -> None:
    tight = ClusterFacts((), (_node("n1", 1900, 7 * GiB), _node("n2", 1900, 7 * GiB)), ())
    no_surge = [{"name": "sys", "count": 2, "upgradeSettings": {"maxSurge": "0"}}]
    fail = _plan(_cluster("1.29.0", pools=no_surge), _profile("1.29.0", "1.30.1"), tight)
    assert _check(fail.checks, "headroom").status == "fail"
    with_surge = _plan(_cluster("1.29.0"), _profile("1.29.0", "1.30.1"), tight)
    assert _check(with_surge.checks, "headroom").status == "warn"
    assert _check(_plan(_cluster("1.29.0"), _profile("1.29.0", "1.30.1")).checks, "headroom").status == "pass"


def test_failed_cluster_and_service_principal() -> None:
    plan = _plan(_cluster("1.29.0", state="Failed", identity="abc-123"), _profile("1.29.0", "1.30.1"))
    state = _check(plan.checks, "state")
    assert state.status == "fail" and state.signal == "azure.provisioning:Failed" and "reconcile" in state.detail
    ident = _check(plan.checks, "identity")
    assert ident.status == "warn" and "az ad app credential list --id abc-123" in ident.detail


def test_newer_node_image_is_reported() -> None:
    cluster = _cluster("1.29.0")
    profiles = {"sys": model.PoolUpgradeProfile("sys", "1.29.0", (), "img-2")}
    plan = plan_upgrade(cluster, cluster.pools, _profile("1.29.0", "1.30.1"), profiles, CALM)
    assert _check(plan.checks, "node-image").items == ("sys: img-1 → img-2",)
