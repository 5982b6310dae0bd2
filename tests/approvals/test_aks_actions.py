"""`aks scale-pool`, `aks reconcile`, `aks upgrade-node-image` through the approval workflow, the real Azure SDK
and the local ARM server: the preview, the approval, the change in Azure, the re-check and Azure's refusals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import handlers.aks_actions
import handlers.approvals  # noqa: F401
from bot.approvals.store import SqliteApprovalStore
from bot.azure.sdk import AzureSdkProvider
from bot.clock import ManualClock
from bot.deps import Deps
from bot.dispatch import Dispatcher, Outcome
from bot.render_text import render_text
from bot.settings import from_mapping
from bot.surface import Incoming, InputKind, MessageRef, Reply
from sandbox.arm import ArmServer, Fault
from tests.support.approvals import NoClusters, RecordingNotifier, approval_dispatcher, notices, request_id_of
from tests.support.azure import arm_state


class Channel:
    def send(self, reply: Reply) -> MessageRef | None:
        return MessageRef("C0OPS", "card")


@contextmanager
def serving(state: dict[str, Any], folder: Path) -> Iterator[tuple[ArmServer, Dispatcher, RecordingNotifier]]:
    """The local ARM server with `state`, and the approval dispatcher of a bot whose cluster `sandbox` it is."""
    srv = ArmServer(state).start()
    settings = from_mapping(
        {
            "default_cluster": "sandbox",
            "clusters": [{"name": "sandbox", "azure": srv.settings_fragment(folder)}],
            "roles": {"viewer": ["*"], "operator": ["alice"], "approver": ["bob"]},
        },
        source=None,
        environ=srv.environment(),
    )
    deps = Deps(settings=settings, clock=ManualClock(), clusters=NoClusters(), azure=AzureSdkProvider(settings))
    store = SqliteApprovalStore(folder / "approvals.sqlite3")
    notifier = RecordingNotifier()
    try:
        yield srv, approval_dispatcher(deps, store, notifier), notifier
    finally:
        store.close()
        srv.stop()


@pytest.fixture
def arm(tmp_path: Path) -> Iterator[tuple[ArmServer, Dispatcher, RecordingNotifier]]:
    with serving(arm_state(), tmp_path) as served:
        yield served


def say(d: Dispatcher, user: str, text: str) -> Outcome:
    return d.handle(Incoming(text, user, InputKind.SLASH, "C0OPS"), Channel())


def approve(d: Dispatcher, requested: Outcome) -> Outcome:
    return say(d, "bob", f"/k8s approve {request_id_of(requested)}")


def test_scale_pool_previews_snat_and_changes_the_count(arm: tuple[ArmServer, Dispatcher, RecordingNotifier]) -> None:
    srv, d, notifier = arm
    requested = say(d, "alice", "/k8s aks scale-pool nodepool1 --count 5")
    card = render_text(requested.view)
    assert "Scale pool nodepool1 of sandbox from 3 to 5 nodes" in card
    assert "SNAT at 5 nodes" in card
    assert srv.pool_body("nodepool1")["properties"]["count"] == 3  # nothing happens before approval
    done = approve(d, requested)
    assert "scaled from 3 to 5 nodes" in notices(done.view)
    assert srv.pool_body("nodepool1")["properties"]["count"] == 5
    assert any("Scaling pool nodepool1" in v.summary for _, v, _ in notifier.posts)  # progress in the thread


def test_scale_pool_past_the_snat_budget_is_warned_then_refused_by_azure(
    arm: tuple[ArmServer, Dispatcher, RecordingNotifier],
) -> None:
    srv, d, _ = arm
    requested = say(d, "alice", "/k8s aks scale-pool nodepool1 --count 70")
    assert "SNAT:" in render_text(requested.view)  # the warning is on the card the approver reads
    done = approve(d, requested)
    assert "failed" in notices(done.view) and "InvalidLoadBalancerProfileAllocatedOutboundPorts" in notices(done.view)
    assert srv.pool_body("nodepool1")["properties"]["count"] == 3


def test_scale_pool_to_its_current_count_is_not_requested(arm: tuple[ArmServer, Dispatcher, RecordingNotifier]) -> None:
    _, d, _ = arm
    out = say(d, "alice", "/k8s aks scale-pool nodepool1 --count 3")
    assert out.status == "failed" and "already has 3 nodes" in notices(out.view)


def test_a_pool_scaled_meanwhile_is_refused_at_execution(arm: tuple[ArmServer, Dispatcher, RecordingNotifier]) -> None:
    srv, d, _ = arm
    requested = say(d, "alice", "/k8s aks scale-pool nodepool1 --count 5")
    d.deps.azure.client("sandbox").scale_pool("nodepool1", 4)  # someone else scaled it after the request
    done = approve(d, requested)
    assert (
        "not run: node pool nodepool1 changed since it was requested (pool nodepool1 node count was 3, now 4). "
        "If it is still needed, request it again: `/k8s aks scale-pool nodepool1 --count 5`"
    ) in notices(done.view)
    assert srv.pool_body("nodepool1")["properties"]["count"] == 4


@pytest.mark.parametrize(
    ("fault", "why"),
    [
        (Fault(429, "TooManyRequests", "throttled", retry_after=60, path_contains="/operations/", times=5),
         "(429) while trying to read the operation's status"),
        (Fault(500, "InternalServerError", "status store down", path_contains="/operations/", times=5),
         "(InternalServerError): status store down"),
    ],
)
def test_an_accepted_scale_whose_status_cannot_be_read_is_not_said_to_have_failed_in_azure(
    arm: tuple[ArmServer, Dispatcher, RecordingNotifier], fault: Fault, why: str
) -> None:
    """Azure took the PUT; only following it failed. The pool is changing in Azure, so the card must say so and point
    to where to follow it — not "throttled, wait 60 s before trying again", which invites a second scale that AKS
    refuses (OperationNotAllowed) while the first runs."""
    srv, d, _ = arm
    requested = say(d, "alice", "/k8s aks scale-pool nodepool1 --count 5")
    srv.inject(fault)
    text = notices(approve(d, requested).view)
    assert "Azure accepted the request to scale pool `nodepool1` to 5 node(s), but the bot could not follow it" in text
    assert why in text
    assert "may still be running in Azure: check `/k8s aks pools`" in text
    assert "before trying again" not in text and "in a minute" not in text
    assert srv.pool_body("nodepool1")["properties"]["count"] == 5  # it did reach Azure


def test_a_scale_that_ended_failed_in_azure_still_says_so(arm: tuple[ArmServer, Dispatcher, RecordingNotifier]) -> None:
    srv, d, _ = arm
    requested = say(d, "alice", "/k8s aks scale-pool nodepool1 --count 5")
    srv.fail_next_operation("AllocationFailed", "We do not have sufficient capacity for the requested VM size.")
    text = notices(approve(d, requested).view)
    assert "failed: Azure could not scale pool `nodepool1` to 5 node(s) (AllocationFailed)" in text
    assert "could not follow" not in text


def test_a_scale_while_another_pool_is_upgrading_is_warned_and_azures_refusal_is_one_sentence(tmp_path: Path) -> None:
    """AKS refuses a pool operation while another runs on the cluster (409 OperationNotAllowed): the approver reads
    it on the card before approving, and an approval anyway ends with Azure's reason, nothing changed."""
    state = arm_state()
    profiles = state["managedCluster"]["properties"]["agentPoolProfiles"]
    profiles.append({**profiles[0], "name": "syspool", "mode": "System", "provisioningState": "Upgrading"})
    with serving(state, tmp_path) as (srv, d, _):
        requested = say(d, "alice", "/k8s aks scale-pool nodepool1 --count 5")
        assert "Pool `syspool` of `clustername1` is Upgrading: while that operation runs, AKS may refuse this one" \
            in render_text(requested.view)
        text = notices(approve(d, requested).view)
        assert "failed: Azure could not scale pool `nodepool1` to 5 node(s) now (OperationNotAllowed): Operation is " \
               "not allowed: Another agentpool operation (syspool - Upgrading) is in progress" in text
        assert srv.pool_body("nodepool1")["properties"]["count"] == 3


def test_a_write_refused_by_role_after_the_read_names_the_write_action(
    arm: tuple[ArmServer, Dispatcher, RecordingNotifier],
) -> None:
    """Reader on the cluster (the preview reads fine), no write: the card names the action and the role to grant."""
    srv, d, _ = arm
    requested = say(d, "alice", "/k8s aks scale-pool nodepool1 --count 5")
    scope = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1"
    srv.inject(Fault(403, "AuthorizationFailed", "The client 'c' with object id 'o' does not have authorization to "
                     "perform action 'Microsoft.ContainerService/managedClusters/agentPools/write' over scope "
                     f"'{scope}' or the scope is invalid.", method="PUT"))
    text = notices(approve(d, requested).view)
    assert "Azure refused to scale pool `nodepool1` to 5 node(s): the bot's identity may not perform " \
           "`Microsoft.ContainerService/managedClusters/agentPools/write`" in text
    assert "*Azure Kubernetes Service Contributor Role*" in text
    assert srv.pool_body("nodepool1")["properties"]["count"] == 3


def test_the_bots_expired_client_secret_says_whose_it_is_and_where_the_new_one_goes(
    arm: tuple[ArmServer, Dispatcher, RecordingNotifier],
) -> None:
    """Entra refuses an expired secret with AADSTS7000222: the answer names the bot's app and the variable to put a
    new secret in (its name, never a value), in both languages, and nothing is requested."""
    srv, d, _ = arm
    srv.expire_client_secret()
    out = say(d, "alice", "/k8s aks scale-pool nodepool1 --count 5")
    text = render_text(out.view)
    assert out.status == "failed" and "Traceback" not in text
    assert f"the bot's own client secret (app `{srv.client_id}`) has expired (AADSTS7000222)" in text
    reset = f"`az ad app credential reset --id {srv.client_id}`)"
    assert f"{reset}, put it in `{srv.secret_env}` where the bot runs" in text
    assert srv.client_secret not in text
    zh = render_text(say(d, "alice", "/k8s aks 节点池").view)
    assert f"放进机器人运行环境中的 `{srv.secret_env}`，然后重启机器人" in zh and srv.client_secret not in zh


def test_reconcile_brings_a_failed_cluster_back(arm: tuple[ArmServer, Dispatcher, RecordingNotifier]) -> None:
    srv, d, _ = arm
    srv.set_cluster_state("Failed", ("VMExtensionProvisioningError", "the CSE failed on one node"))
    requested = say(d, "alice", "/k8s aks reconcile")
    card = render_text(requested.view)
    assert "PUT of its current model" in card and "VMExtensionProvisioningError" in card
    done = approve(d, requested)
    assert "provisioning state Failed → Succeeded" in notices(done.view)
    assert srv.cluster_body()["properties"]["provisioningState"] == "Succeeded"


def test_upgrade_node_image_moves_to_the_latest(arm: tuple[ArmServer, Dispatcher, RecordingNotifier]) -> None:
    srv, d, _ = arm
    requested = say(d, "alice", "/k8s aks upgrade-node-image nodepool1")
    assert "from AKSUbuntu:1604:2020.03.11 to AKSUbuntu:1604:2020.04.01" in render_text(requested.view)
    done = approve(d, requested)
    assert "AKSUbuntu:1604:2020.03.11 → AKSUbuntu:1604:2020.04.01" in notices(done.view)
    assert srv.pool_body("nodepool1")["properties"]["nodeImageVersion"] == "AKSUbuntu:1604:2020.04.01"
    again = say(d, "alice", "/k8s aks upgrade-node-image nodepool1")
    assert again.status == "failed" and "already runs the latest node image" in notices(again.view)


def test_an_unknown_pool_names_the_pools(arm: tuple[ArmServer, Dispatcher, RecordingNotifier]) -> None:
    _, d, _ = arm
    out = say(d, "alice", "/k8s aks upgrade-node-image nosuchpool")
    assert out.status == "failed" and "pools: nodepool1" in notices(out.view)


def test_an_autoscaled_pool_gets_the_command_that_moves_its_bounds(tmp_path: Path) -> None:
    """The autoscaler would undo a hand-set count: the refusal says which `az` command does what was meant."""
    state = arm_state()
    for profile in state["managedCluster"]["properties"]["agentPoolProfiles"]:
        profile.update(enableAutoScaling=True, minCount=2, maxCount=4)
    with serving(state, tmp_path) as (srv, d, _):
        out = say(d, "alice", "/k8s aks scale-pool nodepool1 --count 6")
        text = notices(out.view)
        assert out.status == "failed" and "The cluster autoscaler manages pool `nodepool1` (2–4 nodes)" in text
        assert "`az aks nodepool update -g rg1 --cluster-name clustername1 -n nodepool1 --update-cluster-autoscaler " \
               "--min-count 2 --max-count 6`" in text
        down = notices(say(d, "alice", "/k8s aks scale-pool nodepool1 --count 0").view)
        assert "--min-count 0 --max-count 4" in down
        assert srv.pool_body("nodepool1")["properties"]["count"] == 3  # nothing was requested
