"""Answers degrade instead of failing: under an identity that may only get and list nodes and pods (the sandbox's
`nodes-and-pods` role, enforced by the sandbox API server with real 403s), the read commands answer with what they
could read and say what is not shown and why; what was asked for itself still fails plainly.

Through the dispatcher, the official Kubernetes client and the sandbox API server (issue #15, point 5)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import handlers
from bot.clock import SystemClock
from bot.cluster.kube import KubeClusterProvider
from bot.deps import Deps
from bot.dispatch import Dispatcher, Outcome
from bot.render_text import render_text
from bot.settings import from_mapping
from bot.surface import Incoming, InputKind, MessageRef, Reply
from sandbox.kube import KubeServer
from sandbox.kube.access import role
from tests.support import minicluster
from tests.support.approvals import NoAzure
from tests.support.kubectl import start_minicluster, write_kubeconfig
from tests.support.network import HangingProxy


class Channel:
    def send(self, reply: Reply) -> MessageRef | None:
        return MessageRef("C0OPS", "m1")


@pytest.fixture(scope="module")
def bed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Dispatcher, KubeServer]]:
    handlers.load_all()
    server = start_minicluster()
    folder: Path = tmp_path_factory.mktemp("partial")
    try:
        server.set_access("carol", role("nodes-and-pods"))
        kubeconfig = write_kubeconfig(folder, server)
        settings = from_mapping(
            {
                "clusters": [{"name": "sandbox", "kubeconfig": str(kubeconfig), "context": "sandbox-carol"}],
                "roles": {"viewer": ["alice"]},
            },
            source=str(folder / "aksbot.yaml"),
            environ={},
        )
        clusters = KubeClusterProvider(settings)
        deps = Deps(settings, SystemClock(), clusters, NoAzure())
        yield Dispatcher(dataclasses.replace(deps)), server
        clusters.close()
    finally:
        server.stop()


def _say(dispatcher: Dispatcher, text: str) -> tuple[Outcome, str]:
    outcome = dispatcher.handle(Incoming(text, "alice", InputKind.SLASH, "C0OPS"), Channel())
    return outcome, " ".join(render_text(outcome.view).split())


def _pod_on(server: KubeServer, node: str) -> tuple[str, str]:
    pod = next(p for p in server.objects("pods") if p["spec"].get("nodeName") == node)
    return pod["metadata"]["namespace"], pod["metadata"]["name"]


@pytest.mark.parametrize(
    ("command", "left_out"),
    [
        ("/k8s node {dead}", ("heartbeat Lease", "events")),
        ("/k8s diagnose node {dead}", ("heartbeat Lease", "events", "PodDisruptionBudgets")),
        ("/k8s health", ("heartbeat Leases", "events", "PodDisruptionBudgets", "Deployments")),
        ("/k8s diagnose cluster", ("heartbeat Leases", "events", "PodDisruptionBudgets", "Deployments")),
        ("/k8s pod {pod} -n {ns}", ("events",)),
        ("/k8s diagnose pod {pod} -n {ns}", ("events", "PodDisruptionBudgets", "Deployments")),
    ],
)
def test_side_lookups_that_are_forbidden_leave_a_partial_answer(
    bed: tuple[Dispatcher, KubeServer], command: str, left_out: tuple[str, ...]
) -> None:
    dispatcher, server = bed
    ns, pod = _pod_on(server, minicluster.SPARE)
    outcome, text = _say(dispatcher, command.format(dead=minicluster.DEAD, pod=pod, ns=ns))
    assert outcome.status == "ok", text
    assert "Partial answer — not shown:" in text, text
    for what in left_out:
        assert f"• {what}: forbidden: `carol` may not" in text, (what, text)
    assert "Grant those to the bot's ServiceAccount or user" in text
    # Nothing is concluded from a Lease that was not read: "never registered a heartbeat" would be false.
    assert "never registered a heartbeat" not in text


def test_the_dead_node_is_still_diagnosed_from_its_conditions(bed: tuple[Dispatcher, KubeServer]) -> None:
    dispatcher, _ = bed
    _, text = _say(dispatcher, f"/k8s diagnose node {minicluster.DEAD}")
    assert "node-notready" in text and "not read: the heartbeat is unknown" in text, text


def test_what_was_asked_for_is_not_optional(bed: tuple[Dispatcher, KubeServer]) -> None:
    dispatcher, _ = bed
    outcome, text = _say(dispatcher, "/k8s events -A")
    assert outcome.status == "failed", text
    assert "may not `list` `events` cluster-wide" in text and "Partial answer" not in text, text


def test_a_command_answers_within_its_bound_when_side_lookups_hang(tmp_path: Path) -> None:
    """Leases and events hang (each call would wait its own 10 s); the command's bound (here 3 s) holds: the
    answer comes with what was read, and says which lookups did not answer and which were not even asked."""
    handlers.load_all()
    server = KubeServer(
        minicluster.objects(), dead_nodes=minicluster.DEAD_NODES, tokens={"hangs-token": "admin"}, tls=False
    ).start()
    proxy = HangingProxy(server.url, hang=("/leases", "/events")).start()
    try:
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(
            f"""apiVersion: v1
kind: Config
clusters: [{{name: hangs, cluster: {{server: "{proxy.url}"}}}}]
users: [{{name: admin, user: {{token: hangs-token}}}}]
contexts: [{{name: hangs, context: {{cluster: hangs, user: admin}}}}]
current-context: hangs
"""
        )
        settings = from_mapping(
            {"clusters": [{"name": "hangs", "kubeconfig": str(kubeconfig)}], "roles": {"viewer": ["alice"]}},
            source=str(tmp_path / "aksbot.yaml"),
            environ={},
        )
        clusters = KubeClusterProvider(settings)
        dispatcher = Dispatcher(Deps(settings, SystemClock(), clusters, NoAzure()), command_bound=3.0)
        outcome, text = _say(dispatcher, f"/k8s diagnose node {minicluster.DEAD}")
        clusters.close()
    finally:
        proxy.stop()
        server.stop()
    assert outcome.status == "ok", text
    assert "Partial answer — not shown:" in text and "node-notready" in text, text
    assert re.search(r"• heartbeat Lease: cluster 'hangs' did not answer within [0-9.]+ s", text), text
    assert "this command's 3 s were used up" in text, text
    assert proxy.hung == 1  # the events were never asked for: no time was left
