"""cordon, uncordon, drain, delete pod, restart and scale deployment through the approval workflow, the official
Kubernetes client and the sandbox API server — including a drain a PodDisruptionBudget blocks, the re-check
refusal, and `kubectl get nodes` seeing what the bot did."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import handlers.actions
import handlers.approvals
import handlers.diagnose  # noqa: F401
from bot.approvals.store import SqliteApprovalStore
from bot.blocks import Level, Notice
from bot.clock import SystemClock
from bot.cluster.kube import KubeClusterProvider
from bot.cluster.model import Node
from bot.cluster.ports import ClusterReader, ClusterWriter
from bot.deps import Deps
from bot.dispatch import Dispatcher, Outcome
from bot.render_text import render_text
from bot.settings import from_mapping
from bot.surface import Incoming, InputKind
from tests.support.approvals import NoAzure, RecordingNotifier, approval_dispatcher, notices, request_id_of
from tests.support.foundation import Conversation
from tests.support.kubectl import start_minicluster, write_kubeconfig
from tests.support.waiting import eventually

GUARDED_ROLE = "aksbot.io/sandbox-role"


@dataclass
class Cluster:
    dispatcher: Dispatcher
    reader: ClusterReader
    writer: ClusterWriter
    notifier: RecordingNotifier
    kubeconfig: Path


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The sandbox API server over the minicluster: a node whose `web` pods a PodDisruptionBudget pins, a spare
    node with ReplicaSet, bare and DaemonSet pods, and a dead node."""
    folder = tmp_path_factory.mktemp("actions")
    server = start_minicluster()
    try:
        kubeconfig = write_kubeconfig(folder, server)
        settings = from_mapping(
            {
                "clusters": [{"name": "sandbox", "kubeconfig": str(kubeconfig), "context": "sandbox"}],
                "roles": {"viewer": ["carol"], "operator": ["alice"], "approver": ["bob"]},
            },
            source=str(folder / "aksbot.yaml"),
            environ={},
        )
        clusters = KubeClusterProvider(settings)
        deps = Deps(settings, SystemClock(), clusters, NoAzure())
        store = SqliteApprovalStore(folder / "approvals.sqlite3")
        notifier = RecordingNotifier()
        dispatcher = approval_dispatcher(deps, store, notifier)
        yield Cluster(dispatcher, clusters.reader("sandbox"), clusters.writer("sandbox"), notifier, kubeconfig)
        store.close()
    finally:
        server.stop()


def say(c: Cluster, user: str, text: str) -> Outcome:
    return c.dispatcher.handle(Incoming(text, user, InputKind.SLASH, "C0OPS"), Conversation())


def approve(c: Cluster, requested: Outcome) -> Outcome:
    return say(c, "bob", f"/k8s approve {request_id_of(requested)}")


def guarded_node(c: Cluster) -> Node:
    (node,) = c.reader.nodes(selector=f"{GUARDED_ROLE}=pdb-guarded")
    return node


def spare_node(c: Cluster) -> Node:
    """A Ready, schedulable node that no PodDisruptionBudget pins."""
    candidates = [
        n for n in c.reader.nodes() if n.ready == "True" and not n.unschedulable and GUARDED_ROLE not in n.labels
    ]
    assert candidates, "the scenario has no spare Ready node"
    return sorted(candidates, key=lambda n: n.name)[0]


def kubectl(c: Cluster, *args: str) -> str:
    env = dict(os.environ, KUBECONFIG=str(c.kubeconfig))
    done = subprocess.run(
        ["/usr/bin/kubectl", "--request-timeout=10s", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.kubectl
def test_cordon_after_approval_shows_in_kubectl(cluster: Cluster) -> None:
    node = spare_node(cluster)
    requested = say(cluster, "alice", f"/k8s cordon {node.name}")
    assert f"Cordon node {node.name}" in render_text(requested.view)
    assert not cluster.reader.node(node.name).unschedulable  # nothing happens before approval
    done = approve(cluster, requested)
    assert "is cordoned (SchedulingDisabled)" in notices(done.view)
    line = next(x for x in kubectl(cluster, "get", "nodes").splitlines() if x.startswith(node.name))
    assert "SchedulingDisabled" in line
    # The node says which request cordoned it, to kubectl as to the bot's own diagnosis.
    rid = request_id_of(requested)
    described = kubectl(cluster, "describe", "node", node.name)
    assert f"aksbot.io/cordon-request: {rid}" in described and "aksbot.io/cordoned-at:" in described
    # The node lifecycle controller keeps the cordon as a taint as well, as on a real cluster (in its own time).
    eventually(lambda: "node.kubernetes.io/unschedulable:NoSchedule" in kubectl(cluster, "describe", "node", node.name))
    diagnosis = render_text(say(cluster, "bob", f"/k8s diagnose node {node.name}").view)
    assert f"cordoned by aksbot (request `{rid}`)" in diagnosis and f"/k8s request {rid}" in diagnosis
    again = say(cluster, "alice", f"/k8s cordon {node.name}")
    assert again.status == "failed" and "already cordoned" in notices(again.view)
    undone = approve(cluster, say(cluster, "alice", f"/k8s uncordon {node.name}"))
    assert "schedulable again" in notices(undone.view)
    assert not cluster.reader.node(node.name).unschedulable
    assert "aksbot.io/" not in kubectl(cluster, "describe", "node", node.name)  # uncordoning took the note away
    eventually(lambda: "node.kubernetes.io/unschedulable" not in kubectl(cluster, "describe", "node", node.name))


def test_a_node_cordoned_meanwhile_is_refused_at_execution(cluster: Cluster) -> None:
    node = spare_node(cluster)
    requested = say(cluster, "alice", f"/k8s cordon {node.name}")
    cluster.writer.cordon(node.name, True)  # someone did it by hand in the meantime
    try:
        done = approve(cluster, requested)
        # What changed, and that it need not run now (so no advice to ask again): done, not failed, since what it
        # was to do already holds.
        assert (
            f"Node `{node.name}` is already cordoned; nothing to do. Since it was requested, node scheduling was "
            "schedulable, now cordoned: there was nothing left to run."
        ) in notices(done.view)
        assert "[error]" not in render_text(done.view)
    finally:
        cluster.writer.cordon(node.name, False)


def test_a_drain_blocked_by_a_pdb_names_it_and_leaves_the_node_cordoned(cluster: Cluster) -> None:
    node = guarded_node(cluster)
    pods_before = {p.uid for p in cluster.reader.pods(None, node=node.name)}
    requested = say(cluster, "alice", f"/k8s drain {node.name} --timeout 2")
    card = render_text(requested.view)
    [pdb] = [b for b in cluster.reader.pdbs(None) if b.disruptions_allowed == 0 and b.expected_pods > 0][:1]
    assert pdb.name in card and "allows no disruption now" in card
    try:
        done = approve(cluster, requested)
        text = render_text(done.view)
        assert f"Drain of {node.name} stopped" in text
        assert done.view.blocks[0] == Notice(notices(done.view).split(" [")[0], Level.WARN) or any(
            isinstance(b, Notice) and b.level is Level.WARN for b in done.view.blocks
        )
        assert f"PodDisruptionBudget {pdb.namespace}/{pdb.name}" in text
        assert "stays cordoned" in text and f"/k8s uncordon {node.name}" in text
        assert cluster.reader.node(node.name).unschedulable
        guarded_left = {p.uid for p in cluster.reader.pods(pdb.namespace, node=node.name)}
        assert guarded_left and guarded_left <= pods_before  # the guarded pods are still there, untouched
        progress = [v.summary for _, v, _ in cluster.notifier.posts]
        assert any("Cordoned" in line for line in progress)
        assert any("disruption budget" in line.lower() for line in progress)
    finally:
        cluster.writer.cordon(node.name, False)


def test_a_drain_evicts_every_movable_pod_and_leaves_daemonset_pods(cluster: Cluster) -> None:
    node = spare_node(cluster)
    movable = [
        p
        for p in cluster.reader.pods(None, node=node.name)
        if p.owner is None or p.owner.kind not in ("DaemonSet", "Node")
    ]
    requested = say(cluster, "alice", f"/k8s drain {node.name} --timeout 20 --force")
    try:
        done = approve(cluster, requested)
        text = render_text(done.view)
        assert f"Node {node.name} drained: {len(movable)} pod(s) evicted" in text, text
        left = [p for p in cluster.reader.pods(None, node=node.name) if p.uid in {m.uid for m in movable}]
        assert left == []
        kept = [p for p in cluster.reader.pods(None, node=node.name) if p.owner and p.owner.kind == "DaemonSet"]
        assert kept, "DaemonSet pods stay on a drained node"
        assert cluster.reader.node(node.name).unschedulable
    finally:
        cluster.writer.cordon(node.name, False)


def test_scale_deployment_checks_the_count_it_was_approved_for(cluster: Cluster) -> None:
    deployment = sorted(cluster.reader.deployments(None), key=lambda d: (d.namespace, d.name))[0]
    ns, name, replicas = deployment.namespace, deployment.name, deployment.replicas
    requested = say(cluster, "alice", f"/k8s scale deployment {name} --replicas {replicas + 1} -n {ns}")
    assert f"from {replicas} to {replicas + 1} replicas" in render_text(requested.view)
    done = approve(cluster, requested)
    assert f"scaled from {replicas} to {replicas + 1} replicas" in notices(done.view)
    assert cluster.reader.deployment(ns, name).replicas == replicas + 1

    stale = say(cluster, "alice", f"/k8s scale deployment {name} --replicas {replicas} -n {ns}")
    cluster.writer.scale_deployment(ns, name, replicas + 2)  # changed by hand after the request
    refused = approve(cluster, stale)
    assert (
        f"not run: deployment {ns}/{name} changed since it was requested (replicas was {replicas + 1}, now "
        f"{replicas + 2}). If it is still needed, request it again: "
        f"`/k8s scale deployment {name} --replicas {replicas} -n {ns}`"
    ) in notices(refused.view)
    cluster.writer.scale_deployment(ns, name, replicas)


def test_a_scale_up_the_nodes_cannot_hold_is_said_on_the_card_before_anyone_approves(cluster: Cluster) -> None:
    """By the pods' requests and what the nodes they may go to have left: the approver reads how many would stay
    Pending. A scale-up that fits says nothing of it."""
    deployment = sorted(cluster.reader.deployments(None), key=lambda d: (d.namespace, d.name))[0]
    ns, name, replicas = deployment.namespace, deployment.name, deployment.replicas
    huge = render_text(say(cluster, "alice", f"/k8s scale deployment {name} --replicas 10000 -n {ns}").view)
    assert re.search(r"The \d+ node\(s\) its pods may run on have room for \d+ more of them by their requests "
                     r"\(\S+ runs out first\): the other \d+ of the \d+ new pod\(s\) stay Pending", huge), huge
    modest = render_text(say(cluster, "alice", f"/k8s scale deployment {name} --replicas {replicas + 1} -n {ns}").view)
    assert "stay Pending" not in modest


def test_restart_deployment_and_delete_pod(cluster: Cluster) -> None:
    deployment = sorted(cluster.reader.deployments(None), key=lambda d: (d.namespace, d.name))[0]
    ns, name = deployment.namespace, deployment.name
    done = approve(cluster, say(cluster, "alice", f"/k8s restart deployment {name} -n {ns}"))
    assert f"Deployment {ns}/{name} restarting" in notices(done.view)

    # A pod of another deployment: the restart above is still replacing the restarted one's pods.
    pod = next(
        p for p in cluster.reader.pods(ns)
        if p.owner is not None and p.owner.kind == "ReplicaSet" and not p.owner.name.startswith(f"{name}-")
    )
    requested = say(cluster, "alice", f"/k8s delete pod {pod.name} -n {ns}")
    assert f"Delete pod {ns}/{pod.name}" in render_text(requested.view)
    deleted = approve(cluster, requested)
    assert f"Pod {ns}/{pod.name} deleted" in notices(deleted.view)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and pod.uid in {p.uid for p in cluster.reader.pods(ns)}:
        time.sleep(0.2)
    assert pod.uid not in {p.uid for p in cluster.reader.pods(ns)}


@pytest.mark.kubectl
def test_the_demo_script_in_the_shell(cluster: Cluster, tmp_path: Path) -> None:
    """alice asks, alice and carol are refused, bob approves once, kubectl sees it, a second click runs nothing,
    the audit shows it all — wired exactly as `aksbot demo` wires it (`bot.app.build_dispatcher`)."""
    import io

    from bot.app import build_dispatcher
    from bot.shell import Shell, ShellSurface

    settings = from_mapping(
        {
            "clusters": [{"name": "sandbox", "kubeconfig": str(cluster.kubeconfig), "context": "sandbox"}],
            "roles": {"viewer": ["carol"], "operator": ["alice"], "approver": ["bob"]},
            "store": {"sqlite_path": "demo.sqlite3"},
        },
        source=str(tmp_path / "aksbot.yaml"),
        environ={},
    )
    out = io.StringIO()
    surface = ShellSurface(out)
    shell = Shell(build_dispatcher(settings, surface), surface, "alice")
    node = spare_node(cluster)
    try:
        for line in (f"/k8s cordon {node.name}", ":click Approve", ":as carol", ":click Approve", ":as bob"):
            shell.run_line(line)
        text = out.getvalue()
        assert f"Cordon node {node.name}" in text and "Waiting for an approver" in text
        assert "Refused: you requested this yourself" in text
        assert "Refused: you are not an approver" in text
        assert not cluster.reader.node(node.name).unschedulable

        shell.run_line(":click Approve")
        assert "SchedulingDisabled" in next(x for x in kubectl(cluster, "get", "nodes").splitlines() if node.name in x)
        assert "[message #1 updated]" in out.getvalue() and f"Node {node.name} is cordoned" in out.getvalue()

        # The finished card has no Approve button any more; a stale approval (typed, or an old client's click) is
        # answered to its sender alone and runs nothing.
        before = out.getvalue()
        shell.run_line(":click Approve")
        assert "no message has a button labelled 'Approve'" in out.getvalue()[len(before) :]
        rid = next(line for line in out.getvalue().splitlines() if "Approval request " in line).split()[2].rstrip(":")
        shell.run_line(f"/k8s approve {rid}")
        late = out.getvalue()[len(before) :]
        assert "Already approved by @bob" in late and "Nothing more will run" in late

        shell.run_line("/k8s audit")
        audit = out.getvalue()[out.getvalue().rindex("Audit") :]
        for event in ("requested", "refused", "approval", "approved", "running", "succeeded"):
            assert event in audit
        assert "carol" in audit and "alice" in audit and "bob" in audit
    finally:
        cluster.writer.cordon(node.name, False)


def test_a_request_naming_something_that_is_not_there_is_answered_like_the_read_commands(cluster: Cluster) -> None:
    """A mistyped name never becomes a request: the requester hears which names are close or where it lives."""
    node = spare_node(cluster)
    typo = node.name[:-1] + ("9" if not node.name.endswith("9") else "8")
    drain = say(cluster, "alice", f"/k8s drain {typo}")
    assert drain.status != "requested"
    assert f"Node `{typo}` not found" in render_text(drain.view) and f"`{node.name}`" in render_text(drain.view)

    deployment = sorted(cluster.reader.deployments(None), key=lambda d: (d.namespace, d.name))[0]
    wrong_ns = say(cluster, "alice", f"/k8s restart deployment {deployment.name} -n no-such-namespace")
    assert wrong_ns.status != "requested"
    assert f"one of that name is in namespace `{deployment.namespace}`" in render_text(wrong_ns.view)

    pod = next(p for p in cluster.reader.pods(deployment.namespace) if p.owner is not None)
    by_deployment = say(cluster, "alice", f"/k8s delete pod {deployment.name} -n {deployment.namespace}")
    assert by_deployment.status != "requested"
    assert "Did you mean" in render_text(by_deployment.view) and pod.name.startswith(deployment.name)
