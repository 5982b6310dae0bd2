"""Node rules with plain objects: every polarity case, the NotReady causes, timings and what happens next."""

from __future__ import annotations

import dataclasses

import pytest

from bot.cluster.model import Condition, Taint, Toleration
from bot.severity import Severity
from handlers.rules.node_rules import grace_period_seconds, lease_state, node_findings, notready_rule
from tests.support.objects import NOW, ago, event, lease, node, pod, unreachable_taints


def _rules(n: object, *, renewed: float = 4) -> list[str]:
    assert hasattr(n, "name")
    return [f.rule for f in node_findings(n, lease(n.name, renewed), (), (), NOW)]  # type: ignore[arg-type]


@pytest.mark.parametrize(("status", "fires"), [("True", False), ("False", True), ("Unknown", True)])
def test_ready_is_a_fault_unless_true(status: str, fires: bool) -> None:
    renewed = 4 if status == "True" else 372
    assert ("node.notready" in _rules(node(ready=status), renewed=renewed)) is fires


@pytest.mark.parametrize(("status", "fires"), [("True", True), ("False", False), ("Unknown", False)])
def test_memory_pressure_only_when_true(status: str, fires: bool) -> None:
    n = node(extra=(Condition("MemoryPressure", status, "KubeletHasInsufficientMemory", ""),))
    assert ("node.MemoryPressure" in _rules(n)) is fires


@pytest.mark.parametrize("kind", ["DiskPressure", "PIDPressure"])
def test_other_pressure_conditions_cite_their_entries(kind: str) -> None:
    n = node(extra=(Condition(kind, "True", "", ""),), taints=())
    (f,) = [f for f in node_findings(n, lease(), (), (), NOW) if f.rule == f"node.{kind}"]
    assert f.kb == {"DiskPressure": "disk-pressure", "PIDPressure": "pid-pressure"}[kind]
    assert f.signals[0] == f"node.condition:{kind}=True"
    assert f.severity is Severity.WARNING


@pytest.mark.parametrize(("status", "fires"), [("True", True), ("False", False), ("Unknown", False)])
def test_unknown_condition_type_only_when_true(status: str, fires: bool) -> None:
    n = node(extra=(Condition("ContosoGpuDriverProblem", status, "DriverCrashed", "nvidia driver crashed"),))
    found = [f for f in node_findings(n, lease(), (), (), NOW) if f.rule == "node.condition.ContosoGpuDriverProblem"]
    assert bool(found) is fires
    if found:
        assert found[0].confidence == "low" and found[0].kb is None


@pytest.mark.parametrize(
    ("kind", "status", "fires"),
    [
        ("KernelDeadlock", "True", True),
        ("KernelDeadlock", "False", False),
        ("ReadonlyFilesystem", "True", True),
        ("ReadonlyFilesystem", "Unknown", False),
        ("FrequentKubeletRestart", "True", True),
        ("KubeletProblem", "True", True),
        ("KubeletProblem", "False", False),
        ("ContainerRuntimeProblem", "True", True),
    ],
)
def test_node_problem_detector_conditions_only_when_true(kind: str, status: str, fires: bool) -> None:
    n = node(extra=(Condition(kind, status, "", ""),))
    assert (f"node.condition.{kind}" in _rules(n)) is fires


def test_healthy_aks_node_has_no_findings_despite_many_conditions() -> None:
    # The false alarm users complain about: NPD's False conditions are not faults.
    assert node_findings(node(), lease(), (), (), NOW) == []


def test_unknown_node_names_the_stale_lease_and_the_runbook() -> None:
    n = node(ready="Unknown", message="Kubelet stopped posting node status.", taints=unreachable_taints(300))
    (f,) = notready_rule(n, lease(n.name, renewed=372), (), (), NOW)
    assert f.kb == "node-notready"
    assert f.severity is Severity.CRITICAL
    assert f.signals[:2] == ("node.condition:Ready=Unknown", "node.lease:stale")
    assert "node.taint:node.kubernetes.io/unreachable" in f.signals
    assert f.title.endswith("(lease not renewed since 09:13:48Z)")  # a time, not an age: an alert keeps its title
    assert any(
        "Lease kube-node-lease/aks-userpool-12345678-vmss000003 last renewed 6m12s ago" in e and "duration 40 s" in e
        for e in f.evidence
    )
    assert any('"Kubelet stopped posting node status."' in e for e in f.evidence)
    assert any("kubelet stopped heartbeating" in e and "40 s grace period" in e for e in f.evidence)
    commands = [a.ref.text() for a in f.actions]
    assert "/k8s cordon aks-userpool-12345678-vmss000003" in commands


def test_eviction_timing_after_the_noexecute_taint() -> None:
    n = node(ready="Unknown", taints=unreachable_taints(120))
    pods = [pod(node_name=n.name), pod(name="web-1", node_name=n.name)]
    (f,) = notready_rule(n, lease(n.name, 160), (), pods, NOW)
    assert f.next is not None
    # Taint at 09:18:00Z + 300 s → 09:23:00Z, 3 minutes from now.
    assert "since 09:18:00Z" in f.next and "evicted at 09:23:00Z (in 3m00s)" in f.next
    assert "2 pod(s)" in f.next
    late = notready_rule(node(ready="Unknown", taints=unreachable_taints(900)), lease(renewed=950), (), pods, NOW)[0]
    assert late.next is not None and "eviction was due at 09:10:00Z (10m00s ago)" in late.next
    assert "Terminating" in late.next


def test_eviction_follows_each_pods_own_tolerations() -> None:
    """An hour's toleration, an unlimited one (DaemonSet) and an evicted pod that stays Terminating."""
    n = node(ready="Unknown", taints=unreachable_taints(120))
    unreachable = "node.kubernetes.io/unreachable"
    patient = dataclasses.replace(
        pod(name="cache-0", node_name=n.name), tolerations=(Toleration(unreachable, "Exists", "", "NoExecute", 3600),)
    )
    daemon = dataclasses.replace(
        pod(name="kube-proxy-x", node_name=n.name), tolerations=(Toleration(unreachable, "Exists", "", "NoExecute"),)
    )
    gone = dataclasses.replace(pod(name="web-0", node_name=n.name), deletion_timestamp=ago(30))
    default = pod(name="web-1", node_name=n.name)
    (f,) = notready_rule(n, lease(n.name, 160), (), [patient, daemon, gone, default], NOW)
    assert f.next is not None
    assert "1 pod(s) are evicted at 09:23:00Z (in 3m00s), when their 300 s toleration runs out" in f.next
    assert "1 pod(s) are evicted at 10:18:00Z (in 58m00s), when their 3600 s toleration runs out" in f.next
    assert "1 pod(s) were evicted and stay Terminating" in f.next
    assert "1 pod(s) tolerate it without a limit" in f.next


def test_grace_period_by_version() -> None:
    assert grace_period_seconds("v1.31.4") == 40
    assert grace_period_seconds("v1.32.0") == 50
    assert grace_period_seconds(None) == 40
    n = node(ready="Unknown", version="v1.32.2")
    (f,) = notready_rule(n, lease(renewed=400), (), (), NOW)
    assert any("50 s grace period" in e for e in f.evidence)


def test_ready_false_causes_from_the_kubelet_message() -> None:
    pleg = node(ready="False", message="PLEG is not healthy: pleg was last seen active 3m12s ago; threshold is 3m0s")
    (f,) = notready_rule(pleg, lease(), (), (), NOW)
    assert f.signals[0] == "node.condition:Ready=False"
    assert "node.event:PLEGUnhealthy" in f.signals
    assert any("PLEG not healthy" in e for e in f.evidence)
    runtime = node(ready="False", message="container runtime is down")
    assert any("container runtime down" in e for e in notready_rule(runtime, lease(), (), (), NOW)[0].evidence)
    cni = node(
        ready="False",
        message="container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
        "message:Network plugin returns error: cni plugin not initialized",
    )
    assert any("CNI" in e for e in notready_rule(cni, lease(), (), (), NOW)[0].evidence)


def test_npd_kubelet_problem_is_folded_into_notready_as_the_cause() -> None:
    n = node(
        ready="Unknown",
        extra=(Condition("KubeletProblem", "True", "KubeletIsDown", "kubelet service is not running"),),
    )
    findings = node_findings(n, lease(renewed=400), (), (), NOW)
    assert [f.rule for f in findings] == ["node.notready"]
    assert "node.condition:KubeletProblem=True" in findings[0].signals
    assert "node.event:KubeletIsDown" in findings[0].signals
    assert any("node-problem-detector says the kubelet is down" in e for e in findings[0].evidence)


def test_shutdown_taint_means_vm_stopped_and_no_auto_repair() -> None:
    n = node(
        ready="Unknown",
        taints=(*unreachable_taints(600), Taint("node.cloudprovider.kubernetes.io/shutdown", "NoSchedule")),
    )
    (f,) = notready_rule(n, lease(renewed=700), (), (), NOW)
    assert "node.taint:node.cloudprovider.kubernetes.io/shutdown" in f.signals
    assert any("stopped or deallocated" in e for e in f.evidence)
    assert f.next is not None and "auto-repair skips this node" in f.next


def test_auto_repair_events_say_what_aks_is_doing() -> None:
    n = node(ready="Unknown", taints=unreachable_taints(700))
    events = [
        event("NodeNotReady", "Node is not ready", kind="Node", name=n.name, source="node-controller", seconds_ago=700),
        event(
            "NodeRebootStart",
            "Node reboot started",
            kind="Node",
            name=n.name,
            source="aks-auto-repair",
            seconds_ago=120,
            type_="Normal",
        ),
    ]
    (f,) = notready_rule(n, lease(renewed=760), events, (), NOW)
    assert any(e.startswith("event NodeRebootStart (aks-auto-repair) 2m00s ago") for e in f.evidence)
    assert f.next is not None and "auto-repair is acting: last event NodeRebootStart" in f.next
    quiet = notready_rule(n, lease(renewed=760), (), (), NOW)[0]
    assert quiet.next is not None and "reboots a node that stays unhealthy for 5 minutes" in quiet.next


def test_stale_lease_on_a_ready_node_and_a_missing_lease() -> None:
    assert "node.lease" in _rules(node(), renewed=90)
    assert "node.lease" not in _rules(node(), renewed=12)
    state = lease_state("n1", None, NOW)
    assert state.stale and "no Lease" in state.line
    (f,) = notready_rule(node(ready="Unknown"), None, (), (), NOW)
    assert "node.lease:stale" in f.signals


def test_cordoned_node_is_information_and_not_offered_cordon_again() -> None:
    n = node(unschedulable=True)
    assert _rules(n) == ["node.cordoned"]
    broken = node(ready="Unknown", unschedulable=True)
    (f,) = notready_rule(broken, lease(renewed=500), (), (), NOW)
    assert not any(a.label == "Cordon" for a in f.actions)
    assert ago(0) == NOW
