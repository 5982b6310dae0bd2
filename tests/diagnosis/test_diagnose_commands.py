"""`diagnose node|pod|cluster` and `health` end to end: text in, the official client against the sandbox's
incident scenario, the local ARM server for the SNAT story, text out."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import yaml

import handlers.diagnose  # noqa: F401  (registers the commands)
from bot.azure.sdk import AzureSdkProvider
from bot.blocks import Text
from bot.clock import SystemClock
from bot.cluster.kube import KubeClusterProvider
from bot.cluster.model import Node, Pod
from bot.deps import Deps
from bot.dispatch import Dispatcher
from bot.refs import pod_ref
from bot.settings import from_mapping
from bot.severity import Severity
from handlers.diagnose import finding_blocks
from handlers.rules.finding import Finding, LogLine
from knowledge import load_knowledge_base
from sandbox import Sandbox
from tests.support.foundation import ok_text, run_slash


@dataclass(frozen=True)
class World:
    dispatcher: Dispatcher
    without_azure: Dispatcher
    nodes: tuple[Node, ...]
    pods: tuple[Pod, ...]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("diagnose")
    with Sandbox("incident") as sandbox:
        config = yaml.safe_load(sandbox.write_config(folder).read_text())
        config["roles"] = {"viewer": ["*"]}
        assert sandbox.arm is not None
        environ = sandbox.arm.environment()
        settings = from_mapping(config, source=str(folder / "aksbot.yaml"), environ=environ)
        clusters = KubeClusterProvider(settings)
        deps = Deps(settings, SystemClock(), clusters, AzureSdkProvider(settings), load_knowledge_base())
        plain = {**config, "clusters": [{k: v for k, v in c.items() if k != "azure"} for c in config["clusters"]]}
        plain_settings = from_mapping(plain, source=str(folder / "aksbot.yaml"), environ=environ)
        plain_deps = Deps(
            plain_settings,
            SystemClock(),
            KubeClusterProvider(plain_settings),
            AzureSdkProvider(plain_settings),
            load_knowledge_base(),
        )
        reader = clusters.reader("sandbox")
        yield World(Dispatcher(deps), Dispatcher(plain_deps), tuple(reader.nodes()), tuple(reader.pods(None)))


def _dead_node(world: World) -> Node:
    (dead,) = [n for n in world.nodes if n.ready != "True"]
    return dead


def _java_pod(world: World) -> Pod:
    found = [
        p
        for p in world.pods
        if any(s.last_state is not None and s.last_state.reason == "OOMKilled" for s in p.container_statuses)
    ]
    assert found, "the incident scenario has an OOMKilled Java pod"
    return found[0]


def test_diagnose_node_names_the_stale_lease_and_the_runbook(world: World) -> None:
    dead = _dead_node(world)
    text = ok_text(world.dispatcher, f"/k8s diagnose node {dead.name}")
    assert f"Lease kube-node-lease/{dead.name} last renewed" in text
    assert "lease stale" in text
    assert "node-notready" in text and "/k8s kb show node-notready" in text
    assert "Kubelet stopped posting node status." in text
    assert "300 s" in text  # what happens next: eviction after the default toleration


def test_diagnose_healthy_node_finds_nothing(world: World) -> None:
    healthy = next(n for n in world.nodes if n.ready == "True" and not n.unschedulable and not n.problems)
    text = ok_text(world.dispatcher, f"/k8s diagnose node {healthy.name}")
    assert "no problem found" in text


def test_diagnose_unknown_node_suggests_close_names(world: World) -> None:
    dead = _dead_node(world)
    outcome, text = run_slash(world.dispatcher, f"/k8s diagnose node {dead.name[:-1]}9")
    assert outcome.status != "ok"
    assert "not found" in text and dead.name[:-2] in text


def test_diagnose_java_pod_names_oom_cgroup_v2_jdk_and_runbook(world: World) -> None:
    java = _java_pod(world)
    text = ok_text(world.dispatcher, f"/k8s diagnose pod {java.name} -n {java.namespace}")
    assert "OOMKilled" in text
    assert "cgroup v2" in text
    assert "JDK " in text
    assert "java-oom-cgroupv2" in text
    assert "-Xmx" in text
    assert "previous log:" in text


def test_diagnose_pod_in_the_wrong_namespace_says_where_it_is(world: World) -> None:
    java = _java_pod(world)
    outcome, text = run_slash(world.dispatcher, f"/k8s diagnose pod {java.name} -n default")
    assert outcome.status != "ok"
    assert f"`{java.namespace}`" in text


def test_diagnose_pod_by_its_workloads_name_picks_the_worst_pod(world: World) -> None:
    """People type `ledger-api`, not `ledger-api-7c9d…-x2x7q`: the deployment's worst pod is diagnosed."""
    java = _java_pod(world)
    assert java.owner is not None and java.owner.kind == "ReplicaSet"
    deployment = java.owner.name.rsplit("-", 1)[0]
    text = ok_text(world.dispatcher, f"/k8s diagnose pod {deployment} -n {java.namespace}")
    assert f"`{deployment}` is a workload, not a pod: diagnosing the worst of its" in text
    assert "java-oom-cgroupv2" in text


def test_a_workloads_name_means_its_worst_pod_in_pod_logs_and_diagnose_anywhere_with_all_namespaces(
    world: World,
) -> None:
    """`-A` looks in every namespace (it used to be accepted and ignored), a workload's name means its worst pod for
    `pod` and `logs` as for `diagnose pod`, kubectl's `deploy/NAME` is the workload's name, and a name that is not
    where it was looked for says where it is, or that the namespace does not exist."""
    d = world.dispatcher
    assert "Diagnosis: pod payments/ledger-api-" in ok_text(d, "/k8s diagnose pod ledger-api -A")
    logs = ok_text(d, "/k8s logs ledger-api -A --tail 3")
    assert "`ledger-api` is a workload, not a pod: its worst of 3 pod(s), `ledger-api-" in logs
    described = ok_text(d, "/k8s pod deploy/checkout-worker -n shop")
    assert "`checkout-worker` is a workload, not a pod: its worst of 2 pod(s)" in described
    assert "Pod shop/checkout-worker-" in described
    for typed, said in (
        ("/k8s pod ledger-api -n shop",
         "Pod `ledger-api` not found in namespace `shop`; a workload of that name runs in namespace `payments`"),
        ("/k8s diagnose pod ledger-api -n payment", "Namespace `payment` does not exist in sandbox. Did you mean "
         "`payments`?"),
        ("/k8s logs nosuch -A", "No pod or workload `nosuch` in any namespace of sandbox."),
        ("/k8s pod payments/ledger-api-1", "`payments/ledger-api-1` is NAMESPACE/NAME, as the bot writes pods: "
         "commands take the name and the namespace apart, `ledger-api-1 -n payments`."),
        ("/k8s pod nosuch -n shop", "Search everywhere with `/k8s pods -A --cluster sandbox`."),
    ):
        outcome, text = run_slash(d, typed)
        assert outcome.status != "ok" and said in text, typed


def test_health_shows_every_problem_of_the_incident_on_one_screen(world: World) -> None:
    text = ok_text(world.dispatcher, "/k8s health")
    for expected in (
        "node-notready",
        "java-oom-cgroupv2",
        "crashloop",
        "pod-pending",
        "image-pull",
        "pdb-blocking-drain",
        "snat-exhaustion",
    ):
        assert expected in text, f"{expected} missing from health:\n{text}"


def test_diagnose_cluster_without_azure_settings_says_azure_was_skipped(world: World) -> None:
    text = ok_text(world.without_azure, "/k8s diagnose cluster")
    assert "Azure checks skipped: no azure settings for this cluster" in text
    assert "node-notready" in text and "snat-exhaustion" not in text


def test_diagnose_node_warns_that_a_pdb_will_block_its_drain(world: World) -> None:
    (guarded,) = [n for n in world.nodes if n.labels.get("aksbot.io/sandbox-role") == "pdb-guarded"]
    text = ok_text(world.dispatcher, f"/k8s diagnose node {guarded.name}")
    assert "allows 0 disruptions" in text and "pdb-blocking-drain" in text


def test_diagnose_crash_loop_matches_its_log_line_to_the_dns_runbook(world: World) -> None:
    looping = next(p for p in world.pods if p.name.startswith("checkout-worker-"))
    text = ok_text(world.dispatcher, f"/k8s diagnose pod {looping.name} -n {looping.namespace}")
    assert "crashloop" in text and "dns-timeout" in text
    assert "EAI_AGAIN" in text


def test_a_pod_bigger_than_every_node_is_told_no_node_can_ever_run_it(world: World) -> None:
    """shop/recommendations asks 40Gi of memory; the biggest node has less allocatable: more nodes of the same size
    (or the autoscaler) can never help, and the diagnosis says so instead of "add nodes"."""
    assert max(n.allocatable.memory or 0 for n in world.nodes) < 40 * 1024**3
    text = ok_text(world.dispatcher, "/k8s diagnose pod recommendations -n shop")
    assert "0 of 9 nodes fit: no node is big enough for its 40Gi memory request (" in text
    assert (
        "no node can ever run it: it requests 40Gi memory, more than the largest allocatable memory of the 9 nodes"
    ) in text
    assert "add a node pool with a bigger VM size" in text and "nor the autoscaler can help" in text
    assert "add nodes (or let the autoscaler)" not in text
    # The same in the cluster's diagnosis, which reads the nodes anyway.
    assert "no node is big enough for its 40Gi memory request" in ok_text(world.dispatcher, "/k8s diagnose cluster")


def test_a_failed_pull_shows_the_registrys_status_every_time(world: World) -> None:
    """The kubelet's events of one pull share their second; the one with the registry's answer is always shown, and
    its status survives the cut."""
    for _ in range(3):
        text = ok_text(world.dispatcher, "/k8s diagnose pod log-shipper -n monitoring")
        assert 'Failed to pull image "acrprodcn.azurecr.cn/platform/log-shipper:2.3.1"' in text
        assert "401 Unauthorized" in text
        assert "Error: ErrImagePull" not in text
        assert "likely cause: the registry refused the node's credentials" in text


def test_an_oom_kill_keeps_its_newest_log_lines_and_the_advice(world: World) -> None:
    """Eight lines of the rule's own and five of the log do not fit twelve: the oldest log line goes, not the newest
    (the heap warning just before the kill)."""
    text = ok_text(world.dispatcher, "/k8s diagnose pod ledger-api -n payments")
    assert "• advice: -Xmx768m" in text
    assert "• … 1 earlier log line(s)\n• previous log: " in text
    assert "heap usage 1402 MiB, reconciling in memory" in text
    assert "more line(s)" not in text
    assert "The following 1 profile is active" not in text  # the oldest of the five


def test_long_evidence_drops_the_oldest_log_lines_first_and_cuts_the_rest_at_the_end() -> None:
    said_lines = tuple(f"line {i}" for i in range(8))
    logs = tuple(LogLine(f"previous log: {i}", f"上次运行的日志：{i}") for i in range(5))
    lines = _evidence_text(_finding((*said_lines, *logs)), "en")
    assert lines == [*said_lines, "… 1 earlier log line(s)", *(f"previous log: {i}" for i in range(1, 5))]
    assert _evidence_text(_finding((*said_lines, *logs)), "zh")[8:10] == ["… 另有 1 行更早的日志", "上次运行的日志：1"]
    # Logs in the middle (a crash loop's events follow them) go the same way; what comes after them stays.
    middle = _evidence_text(_finding((*said_lines[:6], *logs, "event BackOff ×3", "event BackOff ×4")), "en")
    assert middle[6:8] == ["… 1 earlier log line(s)", "previous log: 1"] and middle[-2:] == [
        "event BackOff ×3", "event BackOff ×4",
    ]
    # Without enough log lines to drop, the last lines go, as they always did.
    plain = tuple(f"line {i}" for i in range(14))
    assert _evidence_text(_finding(plain), "en") == [*plain[:12], "… 2 more line(s)"]


def _finding(evidence: tuple[str, ...]) -> Finding:
    return Finding(
        rule="pod.oom", severity=Severity.CRITICAL, title="t", subject=pod_ref("shop", "p"), evidence=evidence,
        kb=None, signals=("pod.reason:OOMKilled",),
    )


def _evidence_text(f: Finding, lang: str) -> list[str]:
    (text,) = [b for b in finding_blocks(f, "sandbox", lang=lang) if isinstance(b, Text) and b.text.startswith("• ")]
    return [line.removeprefix("• ") for line in text.text.split("\n")]


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Dispatcher]]:
    folder = tmp_path_factory.mktemp("diagnose-healthy")
    with Sandbox("healthy", arm=False) as sandbox:
        config = yaml.safe_load(sandbox.write_config(folder).read_text())
        config["roles"] = {"viewer": ["*"]}
        settings = from_mapping(config, source=str(folder / "aksbot.yaml"), environ={})
        clusters = KubeClusterProvider(settings)
        deps = Deps(settings, SystemClock(), clusters, AzureSdkProvider(settings), load_knowledge_base())
        yield sandbox, Dispatcher(deps)


def test_an_oom_killed_dotnet_8_is_advised_on_dotnets_own_heap_settings(
    healthy: tuple[Sandbox, Dispatcher],
) -> None:
    sandbox, dispatcher = healthy
    assert sandbox.kube is not None
    (orders,) = [p for p in sandbox.kube.objects("pods") if p["metadata"]["name"].startswith("orders-api-")][:1]
    sandbox.kube.oom_kill("shop", orders["metadata"]["name"])
    text = ok_text(dispatcher, f"/k8s diagnose pod {orders['metadata']['name']} -n shop")
    assert ".NET 8.0.10 ≥ 5.0 (cgroup v2 aware)" in text
    assert "no DOTNET_GCHeapHardLimit or DOTNET_GCHeapHardLimitPercent in the env" in text
    assert "advice: DOTNET_GCHeapHardLimitPercent=0x3c (60 % of the 512 MiB limit" in text
    assert "JAVA_OPTS" not in text and "move to .NET 5+" not in text
