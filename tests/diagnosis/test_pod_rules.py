"""Pod rules with plain objects: OOM and the cgroup v2 runtime check, crash loops, pulls, Pending, Evicted."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta

from bot.cluster.model import (
    Condition,
    Container,
    ContainerState,
    ContainerStatus,
    EnvVar,
    Node,
    NodeTerm,
    Pod,
    Requirement,
    Resources,
)
from bot.i18n import Said
from bot.severity import Severity
from handlers.rules.finding import Finding
from handlers.rules.pod_rules import PENDING_PATIENCE, PodContext, is_quiet, oom_rule, pod_findings
from handlers.rules.scheduling import NodeSizes
from tests.support.objects import GI, MI, NOW, event, java_container, node, pod, terminated

PENDING_MESSAGE = (
    "0/7 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, "
    "6 Insufficient memory. preemption: 0/7 nodes are available: 1 Preemption is not helpful for scheduling, "
    "6 No preemption victims found for incoming pod."
)


def _oom_status(name: str = "ledger", waiting: str = "CrashLoopBackOff", restarts: int = 7) -> ContainerStatus:
    return ContainerStatus(
        name,
        ready=False,
        restart_count=restarts,
        state=ContainerState("waiting", reason=waiting, message="back-off 5m0s restarting failed container"),
        last_state=terminated("OOMKilled", 137),
    )


def test_java_oom_on_cgroup_v2_names_jdk_version_and_runbook() -> None:
    p = pod(statuses=(_oom_status(),))
    ctx = PodContext(
        node=node("aks-userpool-12345678-vmss000001"),
        previous_logs={"ledger": "Starting LedgerApplication\nHeap grows\njava.lang.OutOfMemoryError? no: killed\n"},
    )
    (f,) = oom_rule(p, ctx)
    assert f.kb == "java-oom-cgroupv2"
    assert f.signals == ("runtime:jvm-pre-cgroupv2", "pod.reason:OOMKilled", "pod.exit:137")
    assert f.severity is Severity.CRITICAL and f.confidence == "high"
    assert "JDK 11.0.14 predates cgroup v2 support on a cgroup v2 node" in f.title
    text = "\n".join(f.evidence)
    assert "container ledger: last state Terminated reason=OOMKilled exitCode=137 at 09:18:25Z, restarts 7" in text
    assert "JDK 11.0.14 < 11.0.16" in text and "11.0.18" in text
    assert "node aks-userpool-12345678-vmss000001: Kubernetes 1.27.9 on Ubuntu 22.04.5 LTS → cgroup v2" in text
    assert "memory limit 1Gi" in text
    assert "-Xmx768m" in text
    assert "previous log: Heap grows" in text
    commands = [a.ref.text() for a in f.actions]
    assert "/k8s logs ledger-7d9f8b6c5d-x2x7q -c ledger -p -n payments" in commands
    assert "/k8s restart deployment ledger -n payments" in commands


def test_an_old_oom_kill_of_a_container_running_since_is_over_for_a_cluster_scan_not_for_the_pod() -> None:
    def recovered(killed_seconds_ago: float) -> ContainerStatus:
        return ContainerStatus("ledger", ready=True, restart_count=1, state=ContainerState("running"),
                               last_state=terminated("OOMKilled", 137, seconds_ago=killed_seconds_ago))

    scan = PodContext(node=node(), oom_settles_after=timedelta(minutes=30))
    assert oom_rule(pod(statuses=(recovered(3600),)), scan, NOW) == []  # an hour ago, fine since: over
    assert len(oom_rule(pod(statuses=(recovered(600),)), scan, NOW)) == 1  # ten minutes ago: still news
    # Not ready again, or killed now: whatever the age of the last kill, it is a problem.
    flapping = ContainerStatus("ledger", ready=False, restart_count=2, state=ContainerState("running"),
                               last_state=terminated("OOMKilled", 137, seconds_ago=3600))
    assert len(oom_rule(pod(statuses=(flapping,)), scan, NOW)) == 1
    # A pod's own diagnosis tells its history, however old.
    assert len(oom_rule(pod(statuses=(recovered(86400),)), PodContext(node=node()), NOW)) == 1


def test_oom_of_a_modern_jvm_is_a_plain_limit_problem() -> None:
    c = java_container("eclipse-temurin:17.0.9_9-jre")
    (f,) = oom_rule(pod(containers=(c,), statuses=(_oom_status(),)), PodContext(node=node()))
    assert f.kb == "container-oomkilled"
    assert f.signals[0] == "pod.reason:OOMKilled"
    assert "MaxRAMPercentage=75" in "\n".join(f.evidence)


def test_old_jdk_on_a_cgroup_v1_node_is_not_blamed_on_cgroup_v2() -> None:
    v1 = node(version="v1.24.10", os_image="Ubuntu 18.04.6 LTS")
    (f,) = oom_rule(pod(statuses=(_oom_status(),)), PodContext(node=v1))
    assert f.kb == "container-oomkilled"
    assert any("cgroup v1" in e for e in f.evidence)


def test_unknown_jdk_version_lowers_confidence_rather_than_guessing() -> None:
    c = java_container("contoso.azurecr.cn/payments/ledger:2.3.1")
    (f,) = oom_rule(pod(containers=(c,), statuses=(_oom_status(),)), PodContext(node=node()))
    assert f.kb == "java-oom-cgroupv2" and f.confidence == "low"
    assert "JDK of unknown version" in f.title


def test_jdk_version_from_env_and_explicit_heap_larger_than_limit() -> None:
    c = Container(
        name="ledger",
        image="contoso.azurecr.cn/payments/ledger:2.3.1",
        env=(EnvVar("JAVA_VERSION", "8u312"), EnvVar("JAVA_TOOL_OPTIONS", "-Xmx2g -XX:+UseG1GC")),
        limits=Resources(memory=GI),
    )
    (f,) = oom_rule(pod(containers=(c,), statuses=(_oom_status(),)), PodContext(node=node()))
    text = "\n".join(f.evidence)
    assert "JDK 8u312 < 8u372" in text and "env JAVA_VERSION 8u312" in text
    assert "heap flags set: -Xmx2g" in text and "-Xmx2g is at least the 1 GiB limit" in text


def test_node_and_dotnet_runtimes() -> None:
    node_c = Container(
        name="web", image="node:18.17-alpine", command=("node",), args=("server.js",), limits=Resources(memory=512 * MI)
    )
    (f,) = oom_rule(pod(containers=(node_c,), statuses=(_oom_status("web"),)), PodContext(node=node()))
    assert f.signals[0] == "runtime:node-pre-cgroupv2" and "--max-old-space-size=384" in "\n".join(f.evidence)
    net = Container(name="api", image="mcr.microsoft.com/dotnet/core/aspnet:3.1", limits=Resources(memory=GI))
    (g,) = oom_rule(pod(containers=(net,), statuses=(_oom_status("api"),)), PodContext(node=node()))
    assert g.signals[0] == "runtime:dotnet-pre-cgroupv2" and ".NET 3.1 < 5.0" in "\n".join(g.evidence)


def test_oom_in_current_state_and_in_an_init_container() -> None:
    init = Container(name="migrate", image="contoso.azurecr.cn/tools/migrate:1.0", limits=Resources(memory=128 * MI))
    init_status = ContainerStatus("migrate", restart_count=2, state=terminated("OOMKilled", 137, 5))
    p = pod(init_containers=(init,), init_statuses=(init_status,), phase="Pending", statuses=())
    (f,) = oom_rule(p, PodContext())
    assert f.title.startswith("Init container migrate")
    assert "init container migrate: state Terminated reason=OOMKilled" in f.evidence[0]
    assert f.kb == "container-oomkilled"


def test_crashloop_with_previous_logs_and_oom_reported_once() -> None:
    status = ContainerStatus(
        "ledger",
        restart_count=12,
        state=ContainerState("waiting", reason="CrashLoopBackOff"),
        last_state=terminated("Error", 1),
    )
    logs = {"ledger": "INFO starting\nERROR config key 'DB_URL' is missing\n"}
    events = [
        event(
            "BackOff",
            "Back-off restarting failed container",
            name="ledger-7d9f8b6c5d-x2x7q",
            namespace="payments",
            count=40,
        )
    ]
    findings = pod_findings(pod(statuses=(status,)), PodContext(events=events, previous_logs=logs), NOW)
    assert [f.rule for f in findings] == ["pod.crashloop"]
    f = findings[0]
    assert f.kb == "crashloop" and f.signals[:2] == ("pod.reason:CrashLoopBackOff", "pod.exit:1")
    assert "pod.event:BackOff" in f.signals
    assert "previous log: ERROR config key 'DB_URL' is missing" in f.evidence
    assert "(exit 1)" in f.title
    both = pod_findings(pod(statuses=(_oom_status(),)), PodContext(node=node()), NOW)
    assert [f.rule for f in both] == ["pod.oom"]


def test_image_pull_with_acr_401() -> None:
    msg = (
        'Failed to pull image "contoso.azurecr.cn/payments/ledger:2.3.2": failed to authorize: failed to fetch '
        "anonymous token: unexpected status from GET request to https://contoso.azurecr.cn/oauth2/token: "
        "401 Unauthorized"
    )
    status = ContainerStatus(
        "ledger", state=ContainerState("waiting", reason="ImagePullBackOff", message="Back-off pulling image")
    )
    events = [event("Failed", msg, name="ledger-7d9f8b6c5d-x2x7q", namespace="payments")]
    (f,) = pod_findings(pod(statuses=(status,), phase="Pending"), PodContext(events=events), NOW)
    assert f.kb == "image-pull" and f.signals[0] == "pod.reason:ImagePullBackOff"
    assert any("--attach-acr" in e for e in f.evidence)


def test_pending_parses_the_scheduler_message() -> None:
    p = pod(
        name="report-5c6d7-abcde",
        node_name="",
        phase="Pending",
        statuses=(),
        conditions=(Condition("PodScheduled", "False", "Unschedulable", PENDING_MESSAGE),),
    )
    events = [event("FailedScheduling", PENDING_MESSAGE, name="report-5c6d7-abcde", namespace="payments")]
    (f,) = pod_findings(p, PodContext(events=events), NOW)
    assert f.kb == "pod-pending" and f.signals[0] == "pod.event:FailedScheduling"
    assert "0 of 7 nodes fit" in f.title
    assert any(e.startswith("6 node(s) lack free memory") for e in f.evidence)
    assert any(e.startswith("1 node(s) are unreachable") for e in f.evidence)
    assert any("pod requests 500m CPU, 1Gi memory" in e for e in f.evidence)


def test_a_pod_that_only_waits_for_room_is_given_time_before_it_is_an_alert() -> None:
    """"3 Insufficient memory" is how every scale-up starts: the finding is there at once (a diagnosis shows it),
    but asks the watcher to wait `PENDING_PATIENCE`; a taint, or the autoscaler saying it will not help, does not."""
    full = "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption " \
           "victims found for incoming pod."

    def finding(message: str, *reasons: str) -> Finding:
        p = pod(name="batch-5c6d7-abcde", node_name="", phase="Pending", statuses=(),
                conditions=(Condition("PodScheduled", "False", "Unschedulable", message),))
        events = [event(r, m, name="batch-5c6d7-abcde", namespace="payments")
                  for r, m in (("FailedScheduling", message), *((r, "max node group size reached") for r in reasons))]
        (f,) = pod_findings(p, PodContext(events=events), NOW)
        return f

    assert finding(full).patience == PENDING_PATIENCE
    assert finding(full, "NotTriggerScaleUp").patience is None
    assert finding(PENDING_MESSAGE).patience is None  # an unreachable node's taint is among the reasons


def test_evicted_memory_vs_disk() -> None:
    mem = pod(
        phase="Failed", reason="Evicted", message="The node was low on resource: memory. Threshold quantity: 100Mi"
    )
    (f,) = pod_findings(mem, PodContext(), NOW)
    assert f.kb == "memory-pressure-eviction" and f.signals == ("pod.reason:Evicted",)
    disk = pod(phase="Failed", reason="Evicted", message="The node was low on resource: ephemeral-storage.")
    assert pod_findings(disk, PodContext(), NOW)[0].kb == "disk-pressure"


def test_quiet_pods_are_skipped_and_troubled_ones_are_not() -> None:
    assert is_quiet(pod())
    assert not is_quiet(pod(statuses=(_oom_status(),)))
    running_after_oom = ContainerStatus(
        "ledger", ready=True, restart_count=1, state=ContainerState("running"), last_state=terminated("OOMKilled", 137)
    )
    assert not is_quiet(pod(statuses=(running_after_oom,)))
    assert not is_quiet(pod(phase="Pending", statuses=()))
    assert pod_findings(pod(), PodContext(node=node()), NOW) == []


def test_oom_without_a_limit_is_a_node_level_oom_whatever_the_runtime() -> None:
    c = Container(name="billing", image="contoso.azurecr.cn/shop/billing:2.1", requests=Resources(memory=512 * MI))
    logs = {"billing": "java.lang.OutOfMemoryError: Java heap space\n\tat Billing.main(Billing.java:42)"}
    (f,) = oom_rule(
        pod(containers=(c,), statuses=(_oom_status("billing"),)), PodContext(node=node(), previous_logs=logs)
    )
    assert f.kb == "qos-oom-score"
    assert "no memory limit" in "\n".join(f.evidence)
    assert f.next is not None and "node ran out of memory" in f.next


# -- a request no node can ever hold ---------------------------------------------------------------------------


def _too_big_pod(memory: int, node_selector: dict[str, str] | None = None) -> Pod:
    asked = Resources(cpu_m=2000, memory=memory)
    c = Container(name="model", image="contoso.azurecr.cn/shop/model:0.9", requests=asked)
    p = pod(
        name="report-5c6d7-abcde",
        node_name="",
        phase="Pending",
        containers=(c,),
        statuses=(),
        conditions=(Condition("PodScheduled", "False", "Unschedulable", PENDING_MESSAGE),),
    )
    return replace(p, node_selector=node_selector or {})


def _sized(name: str, pool: str, memory: int) -> Node:
    n = node(name)
    labels = {**n.labels, "kubernetes.azure.com/agentpool": pool}
    return replace(n, labels=labels, allocatable=replace(n.allocatable, memory=memory))


USERPOOL = tuple(_sized(f"aks-userpool-12345678-vmss00000{i}", "userpool", 13 * GI) for i in range(3))
BIGPOOL = tuple(_sized(f"aks-bigpool-87654321-vmss00000{i}", "bigpool", 60 * GI) for i in range(2))


def _pending(p: Pod, nodes: tuple[Node, ...]) -> Finding:
    events = [event("FailedScheduling", PENDING_MESSAGE, name=p.name, namespace=p.namespace)]
    (f,) = pod_findings(p, PodContext(events=events, node_sizes=NodeSizes(nodes)), NOW)
    return f


def test_a_request_bigger_than_every_node_says_no_node_can_ever_run_it() -> None:
    f = _pending(_too_big_pod(40 * GI), USERPOOL)
    assert f.title == (
        "Pod report-5c6d7-abcde cannot be scheduled: 0 of 7 nodes fit: no node is big enough for its 40Gi memory "
        "request (13Gi allocatable at most)"
    )
    assert (
        "no node can ever run it: it requests 40Gi memory, more than the largest allocatable memory of the 3 nodes, "
        "13Gi (aks-userpool-12345678-vmss000000, pool userpool)"
    ) in f.evidence
    (memory,) = [e for e in f.evidence if e.startswith("6 node(s) lack free memory")]
    assert "add a node pool with a bigger VM size" in memory and "nor the autoscaler can help" in memory
    assert "add nodes (or let the autoscaler)" not in "\n".join(f.evidence)
    # The taint's advice is the scheduler's as before.
    assert any(e.startswith("1 node(s) are unreachable") and "wait for or fix those nodes" in e for e in f.evidence)
    assert isinstance(f.title, Said) and "没有节点装得下（可分配量最多 13Gi）" in f.title.zh


def test_a_request_only_a_pool_outside_the_node_selector_could_hold_never_fits_either() -> None:
    # Without a nodeSelector the big pool could take it: the nodes are full, and more of them would help.
    anywhere = _pending(_too_big_pod(40 * GI), USERPOOL + BIGPOOL)
    assert "0 of 7 nodes fit: 6 node(s) lack free memory" in anywhere.title
    assert any("add nodes (or let the autoscaler)" in e for e in anywhere.evidence)
    assert not any(e.startswith("no node can ever run it") for e in anywhere.evidence)
    pinned = _pending(_too_big_pod(40 * GI, {"kubernetes.azure.com/agentpool": "userpool"}), USERPOOL + BIGPOOL)
    assert "no node is big enough for its 40Gi memory request (13Gi allocatable at most)" in pinned.title
    assert any("of the 3 nodes its nodeSelector/affinity allows, 13Gi" in e for e in pinned.evidence)


def test_required_node_affinity_narrows_the_nodes_a_request_must_fit_as_a_node_selector_does() -> None:
    # How AKS teams usually pin a workload to a pool: required node affinity on the agentpool label, not a selector.
    pool = Requirement("kubernetes.azure.com/agentpool", "In", ("userpool",))
    pinned = replace(_too_big_pod(40 * GI), node_affinity=(NodeTerm(expressions=(pool,)),))
    f = _pending(pinned, USERPOOL + BIGPOOL)
    assert "no node is big enough for its 40Gi memory request (13Gi allocatable at most)" in f.title
    assert any("of the 3 nodes its nodeSelector/affinity allows, 13Gi" in e for e in f.evidence)
    # Terms are ORed: a second term that admits the big pool means a node exists that can hold it.
    big = Requirement("kubernetes.azure.com/agentpool", "In", ("bigpool",))
    either = replace(pinned, node_affinity=(NodeTerm(expressions=(pool,)), NodeTerm(expressions=(big,))))
    assert not any(e.startswith("no node can ever run it") for e in _pending(either, USERPOOL + BIGPOOL).evidence)
    # NotIn keeps the pod off the big pool just as well.
    elsewhere = replace(pinned, node_affinity=(NodeTerm(expressions=(replace(big, operator="NotIn"),)),))
    assert "no node is big enough" in _pending(elsewhere, USERPOOL + BIGPOOL).title


def test_a_request_that_fits_an_empty_node_keeps_the_add_nodes_advice() -> None:
    f = _pending(_too_big_pod(8 * GI), USERPOOL)
    assert "0 of 7 nodes fit: 6 node(s) lack free memory" in f.title
    assert any("add nodes (or let the autoscaler), free memory" in e for e in f.evidence)
    assert not any("no node" in e for e in f.evidence)
    # Nodes that were not read: nothing is concluded about their size.
    p = _too_big_pod(40 * GI)
    failed = event("FailedScheduling", PENDING_MESSAGE, name=p.name, namespace=p.namespace)
    (unread,) = pod_findings(p, PodContext(events=[failed]), NOW)
    assert "no node is big enough" not in unread.title


def test_a_request_no_node_holds_is_said_even_before_the_scheduler_has_spoken() -> None:
    p = replace(_too_big_pod(40 * GI), conditions=(Condition("PodScheduled", "False", "Unschedulable", ""),))
    (f,) = pod_findings(p, PodContext(node_sizes=NodeSizes(USERPOOL)), NOW)
    assert f.title == (
        "Pod report-5c6d7-abcde cannot be scheduled: no node is big enough for its 40Gi memory request "
        "(13Gi allocatable at most)"
    )
    (line,) = [e for e in f.evidence if e.startswith("no node can ever run it")]
    assert line.endswith("→ lower the pod's memory request or add a node pool with a bigger VM size: no node is big "
                         "enough, and neither more nodes nor the autoscaler can help (it adds nodes of the sizes the "
                         "pools already have)")


# -- image pulls: the registry's answer, in the same order every time ------------------------------------------

PULL_401 = (
    'Failed to pull image "acrprodcn.azurecr.cn/platform/log-shipper:2.3.1": failed to pull and unpack image '
    '"acrprodcn.azurecr.cn/platform/log-shipper:2.3.1": failed to resolve reference '
    '"acrprodcn.azurecr.cn/platform/log-shipper:2.3.1": failed to authorize: failed to fetch oauth token: '
    "unexpected status from POST request to https://acrprodcn.azurecr.cn/oauth2/token: 401 Unauthorized"
)


def _shipper(status: ContainerStatus) -> Pod:
    c = Container(name="fluent-bit", image="acrprodcn.azurecr.cn/platform/log-shipper:2.3.1")
    name = "log-shipper-r8p7kjvbt2-75hjf"
    return pod(name=name, namespace="monitoring", containers=(c,), statuses=(status,), phase="Pending")


def test_a_failed_pull_shows_the_registrys_answer_whatever_order_the_events_came_in() -> None:
    status = ContainerStatus(
        "fluent-bit",
        state=ContainerState("waiting", reason="ImagePullBackOff", message='Back-off pulling image "log-shipper"'),
    )
    p = _shipper(status)
    # The kubelet posts the pull's failure and the state it leaves at the same second.
    same_second = [
        event("Failed", PULL_401, name=p.name, namespace=p.namespace, count=9),
        event("Failed", "Error: ErrImagePull", name=p.name, namespace=p.namespace, count=9),
        event("Failed", "Error: ImagePullBackOff", name=p.name, namespace=p.namespace, count=97),
    ]
    read = [
        pod_findings(p, PodContext(events=order), NOW)[0].evidence for order in itertools.permutations(same_second)
    ]
    assert all(evidence == read[0] for evidence in read)
    evidence = read[0]
    (told,) = [e for e in evidence if "Failed to pull image" in e]
    assert told.startswith('event Failed ×9: Failed to pull image "acrprodcn.azurecr.cn/platform/log-shipper:2.3.1"')
    assert told.endswith("oauth2/token: 401 Unauthorized") and " … " in told and len(told) < len(PULL_401)
    assert not any(e.endswith("Error: ErrImagePull") for e in evidence)
    assert evidence[-1].startswith("likely cause: the registry refused the node's credentials")


def test_the_likely_cause_of_a_pull_reads_the_whole_message_even_when_its_line_is_cut() -> None:
    long_401 = PULL_401.replace("failed to authorize", "failed to authorize " + "(retrying) " * 60)
    status = ContainerStatus("fluent-bit", state=ContainerState("waiting", reason="ErrImagePull", message=long_401))
    (f,) = pod_findings(_shipper(status), PodContext(), NOW)
    assert f.evidence[1].endswith("401 Unauthorized") and len(f.evidence[1]) <= 300
    assert f.evidence[-1].startswith("likely cause: the registry refused the node's credentials")


# -- .NET: its own heap settings and advice ------------------------------------------------------------------------


def _dotnet(version: str, *env: EnvVar) -> Finding:
    c = Container(
        name="orders-api",
        image="acrshop.azurecr.io/shop/orders-api:2.19.4",
        env=(EnvVar("DOTNET_VERSION", version), *env),
        requests=Resources(memory=256 * MI),
        limits=Resources(memory=512 * MI),
    )
    (f,) = oom_rule(pod(containers=(c,), statuses=(_oom_status("orders-api"),)), PodContext(node=node()))
    return f


def test_a_cgroup_v2_aware_dotnet_is_told_its_own_heap_settings_not_the_jvms() -> None:
    f = _dotnet("8.0.10")
    text = "\n".join(f.evidence)
    assert ".NET 8.0.10 ≥ 5.0 (cgroup v2 aware)" in text and f.kb == "container-oomkilled"
    assert (
        "no DOTNET_GCHeapHardLimit or DOTNET_GCHeapHardLimitPercent in the env (a limit set in runtimeconfig.json "
        "cannot be seen from here)"
    ) in f.evidence
    assert "JAVA_OPTS" not in text and "NODE_OPTIONS" not in text
    assert (
        "advice: DOTNET_GCHeapHardLimitPercent=0x3c (60 % of the 512 MiB limit, ~307 MiB; env values are "
        "hexadecimal) to leave more room outside the GC heap, which takes up to 75 % (~384 MiB) when nothing is set; "
        "or raise the limit"
    ) in f.evidence
    assert "move to .NET 5+" not in text


def test_dotnet_heap_settings_in_the_env_are_read_and_checked_against_the_limit() -> None:
    node_flag = EnvVar("NODE_OPTIONS", "--max-old-space-size=64")
    f = _dotnet("8.0.10", EnvVar("DOTNET_GCHeapHardLimit", "0x20000000"), node_flag)
    assert "heap flags set: DOTNET_GCHeapHardLimit=0x20000000" in f.evidence
    assert "DOTNET_GCHeapHardLimit=0x20000000 is at least the 512 MiB limit: the heap alone can exceed it" in f.evidence
    assert not any("max-old-space-size" in e for e in f.evidence)  # another runtime's flag means nothing to .NET
    # .NET 5 reads only the COMPlus_ names; an old .NET still hears that .NET 5+ reads the limit.
    assert any(e.startswith("advice: COMPlus_GCHeapHardLimitPercent=0x3c") for e in _dotnet("5.0.17").evidence)
    old = _dotnet("3.1.32", EnvVar("COMPlus_GCHeapHardLimitPercent", "0x4b"))
    assert "heap flags set: COMPlus_GCHeapHardLimitPercent=0x4b" in old.evidence
    assert any(e.startswith("advice: COMPlus_GCHeapHardLimit=") and e.endswith("or move to .NET 5+")
               for e in old.evidence)


def test_each_runtime_is_checked_for_its_own_heap_flags() -> None:
    jvm = java_container(env=(EnvVar("NODE_OPTIONS", "--max-old-space-size=4096"),))
    (f,) = oom_rule(pod(containers=(jvm,), statuses=(_oom_status(),)), PodContext(node=node()))
    assert "no heap flags in the command or JAVA_OPTS/JAVA_TOOL_OPTIONS/JDK_JAVA_OPTIONS" in f.evidence
    web = Container(
        name="web", image="node:18.17-alpine", command=("node",), args=("server.js",),
        env=(EnvVar("NODE_OPTIONS", "--max-old-space-size=384"),), limits=Resources(memory=512 * MI),
    )
    (g,) = oom_rule(pod(containers=(web,), statuses=(_oom_status("web"),)), PodContext(node=node()))
    assert "heap flags set: --max-old-space-size=384" in g.evidence
    bare = replace(web, env=())
    (h,) = oom_rule(pod(containers=(bare,), statuses=(_oom_status("web"),)), PodContext(node=node()))
    assert "no heap flags in the command or NODE_OPTIONS" in h.evidence


def test_a_pod_on_a_node_that_fell_silent_says_its_state_is_stale_and_when_it_is_evicted() -> None:
    """The pod still shows Running and ready, as the kubelet last said: the diagnosis says that is stale, and what
    happens next is the unreachable taint's eviction after the toleration (300 s from the API server's defaults)."""
    from bot.cluster.model import Taint, Toleration
    from handlers.rules.pod_rules import lost_node_rule

    added = NOW - timedelta(seconds=60)
    lost = node("aks-userpool-12345678-vmss000001", "Unknown",
                taints=(Taint("node.kubernetes.io/unreachable", "NoExecute", time_added=added),))
    defaults = (Toleration("node.kubernetes.io/unreachable", "Exists", "", "NoExecute", 300),)
    p = replace(pod(), tolerations=defaults)
    (f,) = pod_findings(p, PodContext(node=lost), NOW)
    assert f.rule == "pod.lost-node" and f.kb == "node-notready" and f.severity is Severity.CRITICAL
    assert "runs on node aks-userpool-12345678-vmss000001, which is Unknown" in f.title
    assert f.next is not None and "evicts it at" in f.next and "(in 4m00s)" in f.next
    # A scan of the whole cluster tells the node once, not pod by pod; a Ready node says nothing.
    assert lost_node_rule(p, PodContext(node=lost, node_reported=True), NOW) == []
    assert lost_node_rule(p, PodContext(node=node("aks-userpool-12345678-vmss000001")), NOW) == []
    forever = replace(p, tolerations=(Toleration("node.kubernetes.io/unreachable", "Exists", "", "NoExecute"),))
    (stays,) = lost_node_rule(forever, PodContext(node=lost), NOW)
    assert stays.next is not None and "for ever" in stays.next and isinstance(stays.next, Said)
    (overdue,) = lost_node_rule(p, PodContext(node=lost), NOW + timedelta(minutes=10))
    assert overdue.next is not None and "ran out at" in overdue.next
