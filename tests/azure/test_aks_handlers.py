"""`aks show|pools|upgrades|snat` end to end: the dispatcher, the real SDK, the local ARM server, the text renderer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import handlers.aks  # noqa: F401  (registers the commands)
from bot.azure.sdk import AzureSdkProvider
from bot.clock import ManualClock
from bot.deps import Deps
from bot.dispatch import Dispatcher
from bot.errors import NotConfigured
from bot.render_text import render_text
from bot.settings import from_mapping
from knowledge import load_knowledge_base
from sandbox.arm import ArmServer
from tests.support.azure import arm_state
from tests.support.foundation import ok_text, run_slash


class NoCluster:
    """The Kubernetes side is not part of these tests: the checklist must say what it could not check."""

    def reader(self, cluster: str) -> Any:
        raise NotConfigured(f"cluster `{cluster}` has no Kubernetes access in this test")

    def writer(self, cluster: str) -> Any:
        raise NotConfigured(f"cluster `{cluster}` has no Kubernetes access in this test")


@pytest.fixture(scope="module")
def arm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ArmServer, Dispatcher]]:
    srv = ArmServer(arm_state()).start()
    settings = from_mapping(
        {
            "default_cluster": "sandbox",
            "clusters": [
                {"name": "sandbox", "azure": srv.settings_fragment(tmp_path_factory.mktemp("arm"))},
                {"name": "onprem"},
            ],
            "roles": {"viewer": ["*"]},
        },
        source=None,
        environ=srv.environment(),
    )
    deps = Deps(
        settings=settings,
        clock=ManualClock(),
        clusters=NoCluster(),
        azure=AzureSdkProvider(settings),
        knowledge=load_knowledge_base(),
    )
    yield srv, Dispatcher(deps)
    srv.stop()


def test_aks_show_explains_the_service_principal(arm: tuple[ArmServer, Dispatcher]) -> None:
    _, d = arm
    text = ok_text(d, "aks show")
    for fact in ("1.9.6", "Succeeded", "kubenet", "loadBalancer", "MC_rg1_clustername1_location1"):
        assert fact in text
    assert "service principal `clientid`" in text
    assert "az ad app credential list --id clientid" in text and "--enable-managed-identity" in text
    assert "/k8s kb show sp-expired" in text
    assert "Node provisioning" not in text  # no nodeProvisioningProfile: the pools are all there is
    assert "Service mesh" not in text and "Container Insights" not in text


def _aks_show(srv: ArmServer, tmp_path: Path) -> str:
    """`aks show` on a cluster `s` whose ARM server is `srv`, through a dispatcher of its own."""
    settings = from_mapping(
        {"clusters": [{"name": "s", "azure": srv.settings_fragment(tmp_path)}], "roles": {"viewer": ["*"]}},
        source=None,
        environ=srv.environment(),
    )
    deps = Deps(settings, ManualClock(), NoCluster(), AzureSdkProvider(settings), load_knowledge_base())
    outcome, text = run_slash(Dispatcher(deps), "aks show")
    assert outcome.status == "ok", text
    return text


def test_aks_show_says_when_node_auto_provisioning_makes_the_nodes(tmp_path: Path) -> None:
    """A cluster with `nodeProvisioningProfile.mode: Auto` (the examples predate the field; it is added here as the
    resource provider returns it) gets nodes from Karpenter's NodePools, not from the listed pools' autoscaler."""
    state = arm_state()
    state["managedCluster"]["properties"]["nodeProvisioningProfile"] = {"mode": "Auto", "defaultNodePools": "Auto"}
    srv = ArmServer(state).start()
    try:
        text = _aks_show(srv, tmp_path)
        assert "Node provisioning" in text and "Auto" in text
        assert "Karpenter" in text and "kubectl get nodepools,nodeclaims" in text
        assert "/k8s kb show node-autoprovision" in text
    finally:
        srv.stop()


def test_aks_show_names_the_istio_add_on_and_its_label_and_container_insights(tmp_path: Path) -> None:
    """`serviceMeshProfile` with two revisions (a canary upgrade; the API gives no order) and the monitoring add-on
    (`addonProfiles.omsagent`), as the resource provider returns them; the examples predate both."""
    state = arm_state()
    props = state["managedCluster"]["properties"]
    props["serviceMeshProfile"] = {"mode": "Istio", "istio": {"revisions": ["asm-1-25", "asm-1-24"]}}
    props.setdefault("addonProfiles", {})["omsagent"] = {"enabled": True, "config": {}}
    srv = ArmServer(state).start()
    try:
        text = _aks_show(srv, tmp_path)
        assert "canary upgrade asm-1-24 → asm-1-25 in progress" in text
        assert "`istio.io/rev=asm-1-24` / `istio.io/rev=asm-1-25`" in text and "istio-injection=enabled" in text
        assert "/k8s kb show istio-sidecar" in text
        assert "Container Insights" in text
    finally:
        srv.stop()


def test_aks_show_explains_a_failed_cluster(tmp_path: Path) -> None:
    srv = ArmServer(arm_state()).start()
    try:
        srv.set_cluster_state("Failed", ("OperationNotAllowed", "The last operation was interrupted."))
        text = _aks_show(srv, tmp_path)
        assert "*Failed*" in text and "OperationNotAllowed" in text and "az aks update" in text
        assert "`/k8s aks reconcile --cluster s`" in text and "[Reconcile]" in text
    finally:
        srv.stop()


def test_aks_pools_shows_the_newer_node_image(arm: tuple[ArmServer, Dispatcher]) -> None:
    _, d = arm
    text = ok_text(d, "aks pools")
    assert "nodepool1" in text and "Standard_DS1_v2" in text and "33%" in text
    assert "AKSUbuntu:1604:2020.04.01" in text
    assert "/k8s aks upgrade-node-image nodepool1" in text


def test_aks_upgrades_checklist_without_cluster_access(arm: tuple[ArmServer, Dispatcher]) -> None:
    _, d = arm
    text = ok_text(d, "aks upgrades")
    assert "1.9.6 → 1.7.11" not in text  # the example profile is for another cluster; no downgrade is offered
    assert "1.7.11" in text
    assert "Could not read the cluster's PDBs" in text
    assert "has no Kubernetes access in this test" in text


def test_aks_snat_budget_and_what_if(arm: tuple[ArmServer, Dispatcher]) -> None:
    _, d = arm
    text = ok_text(d, "aks snat --nodes 80")
    assert "2,000 allocated per node → at most 64 nodes" in text
    assert "With 80 nodes: fails" in text


def test_cluster_without_azure_settings_is_explained(arm: tuple[ArmServer, Dispatcher]) -> None:
    _, d = arm
    outcome, text = run_slash(d, "aks show --cluster onprem")
    assert outcome.status != "ok"
    assert "no `azure:` settings" in text


def test_upgrades_without_access_to_the_region_version_list_still_answer(arm: tuple[ArmServer, Dispatcher]) -> None:
    """The version list is a subscription-level call; a role on the cluster alone is refused there."""
    from sandbox.arm import Fault

    srv, d = arm
    srv.inject(Fault(403, "AuthorizationFailed", "no access at subscription scope", path_contains="kubernetesVersions"))
    text = ok_text(d, "aks upgrades")
    assert "version list could not be read, so the window is unknown" in text


def test_throttling_reaches_the_user_as_a_clear_answer(arm: tuple[ArmServer, Dispatcher]) -> None:
    from sandbox.arm import Fault

    srv, d = arm
    srv.inject(Fault(429, "TooManyRequests", "throttled", retry_after=300))
    outcome, text = run_slash(d, "aks snat")
    assert outcome.status != "ok"
    assert "throttling" in text and "300 s" in text and "Traceback" not in text


def test_throttling_says_once_when_to_try_again(arm: tuple[ArmServer, Dispatcher]) -> None:
    """Azure's Retry-After is the answer's one retry advice: not followed by "try again in a minute", which would
    contradict it, nor said twice when Azure gave none."""
    from sandbox.arm import Fault

    srv, d = arm
    srv.inject(Fault(429, "TooManyRequests", "throttled", retry_after=30, path_contains="/agentPools"))
    _, text = run_slash(d, "aks pools")
    assert "Azure asks to wait 30 s before trying again." in text and "in a minute" not in text
    srv.inject(Fault(429, "TooManyRequests", "throttled", path_contains="/agentPools", times=3))
    _, text = run_slash(d, "aks pools")
    assert text.count("in a minute") == 1
    srv.inject(Fault(429, "TooManyRequests", "throttled", retry_after=30, path_contains="/agentPools"))
    _, text = run_slash(d, "aks 节点池")
    assert "Azure 要求等待 30 秒后再试。" in text and "一分钟" not in text


def test_answers_in_chinese_when_asked_in_chinese(arm: tuple[ArmServer, Dispatcher]) -> None:
    from bot.registry import Caller, ClusterCall, NoArgs
    from handlers.aks import aks_show

    _, d = arm
    result = aks_show(
        ClusterCall(command="aks show", args=NoArgs(), caller=Caller("alice"), cluster="sandbox", lang="zh"), d.deps
    )
    text = render_text(result.view())
    assert "AKS 集群 clustername1" in text and "服务主体 `clientid`" in text
    assert "az ad app credential list --id clientid" in text


def test_aks_upgrades_reads_pdbs_and_nodes_from_the_cluster(tmp_path: Path) -> None:
    """Both sandboxes at once: ARM through the Azure SDK, the API server through the Kubernetes client."""
    from bot.cluster.kube import KubeClusterProvider
    from tests.support.cluster import start

    kube = start(tmp_path)
    cluster = next(kube)
    srv = ArmServer(arm_state()).start()
    try:
        kube_entry = cluster.settings.clusters[0]
        settings = from_mapping(
            {
                "clusters": [
                    {
                        "name": "sandbox",
                        "kubeconfig": kube_entry.kubeconfig,
                        "context": kube_entry.context,
                        "azure": srv.settings_fragment(tmp_path),
                    }
                ],
                "roles": {"viewer": ["*"]},
            },
            source=None,
            environ=srv.environment(),
        )
        provider = KubeClusterProvider(settings)
        deps = Deps(settings, ManualClock(), provider, AzureSdkProvider(settings), load_knowledge_base())
        outcome, text = run_slash(Dispatcher(deps), "aks upgrades")
        provider.close()
        assert outcome.status == "ok", text
        # The sandbox's controllers keep web's replicas up, so its PDB allows a disruption.
        assert "1 PDB(s), none at 0 allowed disruptions" in text
        assert "The other nodes can take a drained node's pods" in text and "Could not read" not in text
        assert "can upgrade, read the warnings" in text
    finally:
        srv.stop()
        next(kube, None)


def test_aks_pools_says_how_many_of_a_pools_nodes_are_not_ready(tmp_path: Path) -> None:
    """Azure still counts a node whose kubelet stopped: the incident's userpool reads "6" in Azure, and the answer says
    one of them is not Ready, where to look, in both languages."""
    import yaml

    from bot.cluster.kube import KubeClusterProvider
    from sandbox import Sandbox

    with Sandbox("incident") as sandbox:
        config = yaml.safe_load(sandbox.write_config(tmp_path).read_text())
        config["roles"] = {"viewer": ["*"]}
        assert sandbox.arm is not None
        settings = from_mapping(config, source=str(tmp_path / "aksbot.yaml"), environ=sandbox.arm.environment())
        provider = KubeClusterProvider(settings)
        try:
            d = Dispatcher(Deps(settings, ManualClock(), provider, AzureSdkProvider(settings), load_knowledge_base()))
            english = ok_text(d, "aks pools")
            chinese = ok_text(d, "aks 节点池")
        finally:
            provider.close()
    assert "Nodes       : 6 (autoscaling 3–12), 1 not Ready (`/k8s nodes`)" in english, english
    assert "Nodes       : 3\n" in english  # the healthy system pool says nothing more
    assert "6（自动缩放 3–12），其中 1 个未就绪（`/k8s nodes`）" in chinese, chinese
