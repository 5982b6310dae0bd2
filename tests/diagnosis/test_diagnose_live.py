"""The diagnosis commands through the official client against the sandbox API server, on a small incident built
here (independent of the scenario files): a dead node, a Java pod OOMKilled on cgroup v2, a crash loop, an
unschedulable pod, an image that cannot be pulled, a PodDisruptionBudget at 0."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

import handlers.diagnose  # noqa: F401  (registers the commands)
from bot.azure.sdk import AzureSdkProvider
from bot.clock import SystemClock
from bot.cluster.kube import KubeClusterProvider
from bot.deps import Deps
from bot.dispatch import Dispatcher
from bot.settings import from_mapping
from knowledge import load_knowledge_base
from sandbox.kube import KubeServer
from tests.support.foundation import ok_text, run_slash

Obj = dict[str, Any]
POOL = "aks-userpool-27182818-vmss"
DEAD, JAVA_NODE, GUARDED = f"{POOL}000003", f"{POOL}000001", f"{POOL}000002"
JAVA_POD = "ledger-5d8f7c9b6-q7w2e"
PENDING_MESSAGE = (
    "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, "
    "2 Insufficient memory. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
    "2 No preemption victims found for incoming pod."
)


def _ts(delta: timedelta) -> str:
    return (datetime.now(UTC) - delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def _node(name: str, index: int, labels: dict[str, str] | None = None) -> Obj:
    conditions = [
        {
            "type": t,
            "status": "False",
            "reason": r,
            "message": m,
            "lastHeartbeatTime": _ts(timedelta(seconds=20)),
            "lastTransitionTime": _ts(timedelta(days=3)),
        }
        for t, r, m in (
            ("KernelDeadlock", "KernelHasNoDeadlock", "kernel has no deadlock"),
            ("FrequentContainerdRestart", "NoFrequentContainerdRestart", "containerd is functioning properly"),
            ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        )
    ] + [
        {
            "type": "Ready",
            "status": "True",
            "reason": "KubeletReady",
            "message": "kubelet is posting ready status",
            "lastHeartbeatTime": _ts(timedelta(seconds=20)),
            "lastTransitionTime": _ts(timedelta(days=3)),
        }
    ]
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.azure.com/agentpool": "userpool",
                "kubernetes.azure.com/os-sku": "Ubuntu",
                "kubernetes.io/hostname": name,
                **(labels or {}),
            },
            "creationTimestamp": _ts(timedelta(days=3)),
        },
        "spec": {
            "providerID": f"azure:///subscriptions/0/resourceGroups/mc_rg/providers/Microsoft.Compute/"
            f"virtualMachineScaleSets/{POOL}/virtualMachines/{index}"
        },
        "status": {
            "capacity": {"cpu": "4", "memory": "16375692Ki", "pods": "110"},
            "allocatable": {"cpu": "3860m", "memory": "12880780Ki", "pods": "110"},
            "conditions": conditions,
            "nodeInfo": {
                "kubeletVersion": "v1.27.9",
                "osImage": "Ubuntu 22.04.5 LTS",
                "operatingSystem": "linux",
                "kernelVersion": "5.15.0-1074-azure",
                "containerRuntimeVersion": "containerd://1.7.15-1",
                "architecture": "amd64",
                "kubeProxyVersion": "v1.27.9",
                "machineID": f"{index:032x}",
                "systemUUID": f"{index:032x}",
                "bootID": f"{index:032x}",
            },
        },
    }


def _lease(name: str, age: timedelta) -> Obj:
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": name, "namespace": "kube-node-lease"},
        "spec": {
            "holderIdentity": name,
            "leaseDurationSeconds": 40,
            "renewTime": (datetime.now(UTC) - age).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        },
    }


def _pod(name: str, node: str, container: Obj, status: Obj, labels: dict[str, str], phase: str = "Running") -> Obj:
    spec: Obj = {"containers": [container]}
    if node:
        spec["nodeName"] = node
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "payments",
            "labels": labels,
            "creationTimestamp": _ts(timedelta(hours=2)),
        },
        "spec": spec,
        "status": {
            "phase": phase,
            "qosClass": "Burstable",
            "startTime": _ts(timedelta(hours=2)),
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if status.get("ready") else "False",
                    "lastTransitionTime": _ts(timedelta(hours=1)),
                }
            ],
            "containerStatuses": [status] if status else [],
        },
    }


def _event(pod: str, reason: str, message: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{pod}.{reason.lower()}", "namespace": "payments"},
        "involvedObject": {"kind": "Pod", "name": pod, "namespace": "payments"},
        "reason": reason,
        "message": message,
        "type": "Warning",
        "count": 12,
        "firstTimestamp": _ts(timedelta(minutes=30)),
        "lastTimestamp": _ts(timedelta(seconds=40)),
        "source": {"component": "default-scheduler"},
    }


def _status(container: Obj, restarts: int, state: Obj, *, ready: bool = False, **more: Any) -> Obj:
    """The status of `container` as the kubelet reports it: its name and image again, then how it runs."""
    return {"name": container["name"], "image": container["image"], "imageID": "", "ready": ready,
            "restartCount": restarts, "state": state, **more}


def objects() -> list[Obj]:
    out: list[Obj] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}, "status": {"phase": "Active"}}
        for n in ("default", "kube-node-lease", "payments")
    ]
    out += [
        _node(f"{POOL}000000", 0),
        _node(JAVA_NODE, 1),
        _node(GUARDED, 2, {"aksbot.io/sandbox-role": "pdb-guarded"}),
    ]
    out.append(_node(DEAD, 3))
    out += [_lease(n, timedelta(seconds=3)) for n in (f"{POOL}000000", JAVA_NODE, GUARDED)]
    out.append(_lease(DEAD, timedelta(minutes=6, seconds=12)))
    java = {
        "name": "ledger",
        "image": "contoso.azurecr.cn/payments/ledger:2.3.1-jdk11.0.14",
        "command": ["java"],
        "args": ["-jar", "/app/ledger.jar"],
        "env": [{"name": "JAVA_OPTS", "value": "-Dspring.profiles.active=prod"}],
        "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
    }
    oom = _status(
        java,
        7,
        {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}},
        started=False,
        lastState={
            "terminated": {
                "exitCode": 137,
                "reason": "OOMKilled",
                "startedAt": _ts(timedelta(minutes=4)),
                "finishedAt": _ts(timedelta(minutes=2)),
            }
        },
    )
    out.append(_pod(JAVA_POD, JAVA_NODE, java, oom, {"app": "ledger"}))
    crash = {"name": "worker", "image": "contoso.azurecr.cn/payments/worker:1.0"}
    crashing = _status(
        crash,
        14,
        {"waiting": {"reason": "CrashLoopBackOff"}},
        lastState={"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": _ts(timedelta(minutes=1))}},
    )
    out.append(_pod("worker-7f6d5c4b3-abcde", JAVA_NODE, crash, crashing, {"app": "worker"}))
    pull = {"name": "api", "image": "contoso.azurecr.cn/payments/api:9.9"}
    pulling = _status(pull, 0, {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}})
    out.append(_pod("api-6c5b4a3d2-fghij", JAVA_NODE, pull, pulling, {"app": "api"}, phase="Pending"))
    big = {
        "name": "report",
        "image": "contoso.azurecr.cn/payments/report:1.2",
        "resources": {"requests": {"memory": "24Gi"}},
    }
    out.append(_pod("report-0", "", big, {}, {"app": "report"}, phase="Pending"))
    for i in range(2):
        web = {"name": "web", "image": "nginx:1.27"}
        running = _status(web, 0, {"running": {"startedAt": _ts(timedelta(hours=2))}}, ready=True)
        out.append(_pod(f"web-{i}", GUARDED, web, running, {"app": "web"}))
    out.append(
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "web", "namespace": "payments"},
            "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
        }
    )
    out.append(_event("report-0", "FailedScheduling", PENDING_MESSAGE))
    out.append(
        _event(
            "api-6c5b4a3d2-fghij",
            "Failed",
            'Failed to pull image "contoso.azurecr.cn/payments/api:9.9": '
            "failed to authorize: failed to fetch anonymous token: 401 Unauthorized",
        )
    )
    return out


LOGS = {
    ("payments", JAVA_POD, "ledger", True): "Started LedgerApplication in 9.1 seconds\nprocessing batch 4711\n",
    ("payments", "worker-7f6d5c4b3-abcde", "worker", True): "loading config\nERROR missing key DB_URL\n",
}


@pytest.fixture(scope="module")
def dispatcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dispatcher]:
    server = KubeServer(objects(), logs=LOGS, dead_nodes=frozenset({DEAD}), tokens={"t-carol": "carol"}).start()
    server.controllers.settle()
    folder: Path = tmp_path_factory.mktemp("diagnose-live")
    cluster: dict[str, str] = {"server": server.url}
    if server.ca_pem is not None:
        cluster["certificate-authority-data"] = base64.b64encode(server.ca_pem).decode()
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "live",
        "clusters": [{"name": "live", "cluster": cluster}],
        "users": [{"name": "carol", "user": {"token": "t-carol"}}],
        "contexts": [{"name": "live", "context": {"cluster": "live", "user": "carol"}}],
    }
    (folder / "kubeconfig").write_text(yaml.safe_dump(kubeconfig))
    settings = from_mapping(
        {
            "default_cluster": "live",
            "clusters": [{"name": "live", "kubeconfig": str(folder / "kubeconfig")}],
            "roles": {"viewer": ["*"]},
        },
        source=None,
        environ={},
    )
    clusters = KubeClusterProvider(settings)
    deps = Deps(settings, SystemClock(), clusters, AzureSdkProvider(settings), load_knowledge_base())
    yield Dispatcher(deps)
    clusters.close()
    server.stop()


def test_dead_node_names_the_stale_lease_and_node_notready(dispatcher: Dispatcher) -> None:
    text = ok_text(dispatcher, f"/k8s diagnose node {DEAD}")
    assert f"Lease kube-node-lease/{DEAD} last renewed 6m1" in text
    assert "duration 40 s" in text and "lease stale" in text
    assert "node-notready" in text and "Kubelet stopped posting node status." in text
    assert f"/k8s cordon {DEAD}" not in text or "[Cordon]" in text
    assert "300 s" in text


def test_healthy_node_with_false_npd_conditions_is_clean(dispatcher: Dispatcher) -> None:
    text = ok_text(dispatcher, f"/k8s diagnose node {POOL}000000")
    assert "no problem found" in text


def test_guarded_node_warns_its_drain_will_block(dispatcher: Dispatcher) -> None:
    text = ok_text(dispatcher, f"/k8s diagnose node {GUARDED}")
    assert "allows 0 disruptions" in text and "pdb-blocking-drain" in text
    assert "minAvailable 2, 2 healthy of 2 expected" in text


def test_unknown_node_suggests_the_close_names(dispatcher: Dispatcher) -> None:
    outcome, text = run_slash(dispatcher, f"/k8s diagnose node {POOL}000009")
    assert outcome.status != "ok"
    assert "not found" in text and f"{POOL}000003" in text


def test_java_pod_oomkilled_on_cgroup_v2(dispatcher: Dispatcher) -> None:
    text = ok_text(dispatcher, f"/k8s diagnose pod {JAVA_POD} -n payments")
    for expected in (
        "OOMKilled",
        "cgroup v2",
        "JDK 11.0.14",
        "11.0.16",
        "java-oom-cgroupv2",
        "-Xmx768m",
        "previous log: processing batch 4711",
    ):
        assert expected in text, f"{expected!r} missing:\n{text}"


def test_crashloop_shows_the_previous_logs(dispatcher: Dispatcher) -> None:
    text = ok_text(dispatcher, "/k8s diagnose pod worker-7f6d5c4b3-abcde -n payments")
    assert "crash-looping" in text and "previous log: ERROR missing key DB_URL" in text and "crashloop" in text


def test_pod_in_the_wrong_namespace(dispatcher: Dispatcher) -> None:
    outcome, text = run_slash(dispatcher, f"/k8s diagnose pod {JAVA_POD}")
    assert outcome.status != "ok"
    assert "`payments`" in text


def test_health_one_screen_with_every_problem(dispatcher: Dispatcher) -> None:
    text = ok_text(dispatcher, "/k8s health")
    for kb in ("node-notready", "java-oom-cgroupv2", "crashloop", "pod-pending", "image-pull", "pdb-blocking-drain"):
        assert kb in text, f"{kb} missing:\n{text}"
    assert "Azure checks skipped: no azure settings for this cluster" in text
    assert "Nodes ready : 3/4" in text


def test_diagnose_cluster_explains_the_pending_pod(dispatcher: Dispatcher) -> None:
    text = ok_text(dispatcher, "/k8s diagnose cluster")
    # The sandbox's scheduler reports its own FailedScheduling over the whole cluster.
    assert "Pod report-0 cannot be scheduled: 0 of 4 nodes fit" in text
    assert "node(s) lack free memory for the pod's requests" in text
    assert "pod requests 24Gi memory" in text
