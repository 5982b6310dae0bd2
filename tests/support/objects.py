"""Plain cluster objects for the diagnosis rule tests, shaped like what an AKS cluster returns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.cluster import model

NOW = datetime(2026, 11, 23, 9, 20, 0, tzinfo=UTC)
GI = 1024**3
MI = 1024**2
HEALTHY_NODE_CONDITIONS = (
    model.Condition("KernelDeadlock", "False", "KernelHasNoDeadlock", "kernel has no deadlock"),
    model.Condition("FrequentKubeletRestart", "False", "NoFrequentKubeletRestart", "kubelet is functioning properly"),
    model.Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    model.Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    model.Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def node(
    name: str = "aks-userpool-12345678-vmss000003",
    ready: str = "True",
    *,
    reason: str = "",
    message: str = "",
    extra: tuple[model.Condition, ...] = (),
    taints: tuple[model.Taint, ...] = (),
    version: str = "v1.27.9",
    os_image: str = "Ubuntu 22.04.5 LTS",
    unschedulable: bool = False,
    since: float = 372,
) -> model.Node:
    ready_condition = model.Condition(
        "Ready",
        ready,
        reason or {"True": "KubeletReady", "False": "KubeletNotReady", "Unknown": "NodeStatusUnknown"}[ready],
        message or {"True": "kubelet is posting ready status", "False": "", "Unknown": ""}[ready],
        last_heartbeat=ago(since + 30),
        last_transition=ago(since),
    )
    conditions = tuple(c for c in HEALTHY_NODE_CONDITIONS if c.type not in {e.type for e in extra})
    return model.Node(
        name=name,
        labels={
            "kubernetes.azure.com/agentpool": "userpool",
            "kubernetes.azure.com/os-sku": "Ubuntu",
        },
        taints=taints,
        unschedulable=unschedulable,
        conditions=(*conditions, *extra, ready_condition),
        node_info=model.NodeInfo(kubelet_version=version, os_image=os_image),
        capacity=model.Resources(cpu_m=4000, memory=16 * GI, pods=110),
        allocatable=model.Resources(cpu_m=3860, memory=13 * GI, pods=110),
    )


def unreachable_taints(since: float) -> tuple[model.Taint, ...]:
    return (
        model.Taint("node.kubernetes.io/unreachable", "NoSchedule", time_added=ago(since)),
        model.Taint("node.kubernetes.io/unreachable", "NoExecute", time_added=ago(since)),
    )


def lease(node_name: str = "aks-userpool-12345678-vmss000003", renewed: float = 4) -> model.Lease:
    return model.Lease(node_name, node_name, ago(renewed), 40)


def event(
    reason: str,
    message: str,
    *,
    kind: str = "Pod",
    name: str = "",
    namespace: str = "default",
    source: str = "",
    seconds_ago: float = 60,
    count: int = 1,
    type_: str = "Warning",
) -> model.Event:
    return model.Event(
        namespace=namespace if kind == "Pod" else "default",
        name=f"{name}.{reason.lower()}",
        type=type_,
        reason=reason,
        message=message,
        involved=model.ObjectRef(kind, name, namespace if kind == "Pod" else ""),
        count=count,
        first_time=ago(seconds_ago + 600),
        last_time=ago(seconds_ago),
        source=source,
    )


def java_container(
    image: str = "contoso.azurecr.cn/payments/ledger:2.3.1-jdk11.0.14", env: tuple[model.EnvVar, ...] = ()
) -> model.Container:
    return model.Container(
        name="ledger",
        image=image,
        command=("java",),
        args=("-jar", "/app/ledger.jar"),
        env=env or (model.EnvVar("JAVA_OPTS", "-Dspring.profiles.active=prod"),),
        requests=model.Resources(cpu_m=500, memory=GI),
        limits=model.Resources(cpu_m=1000, memory=GI),
    )


def terminated(reason: str, code: int, seconds_ago: float = 95) -> model.ContainerState:
    return model.ContainerState(
        "terminated", reason=reason, exit_code=code, started=ago(seconds_ago + 300), finished=ago(seconds_ago)
    )


def pod(
    name: str = "ledger-7d9f8b6c5d-x2x7q",
    namespace: str = "payments",
    *,
    containers: tuple[model.Container, ...] | None = None,
    statuses: tuple[model.ContainerStatus, ...] | None = None,
    init_containers: tuple[model.Container, ...] = (),
    init_statuses: tuple[model.ContainerStatus, ...] = (),
    phase: str = "Running",
    node_name: str = "aks-userpool-12345678-vmss000001",
    reason: str = "",
    message: str = "",
    conditions: tuple[model.Condition, ...] = (),
    labels: dict[str, str] | None = None,
) -> model.Pod:
    containers = containers if containers is not None else (java_container(),)
    if statuses is None:
        statuses = tuple(
            model.ContainerStatus(c.name, ready=True, state=model.ContainerState("running", started=ago(3600)))
            for c in containers
        )
    return model.Pod(
        namespace=namespace,
        name=name,
        node=node_name,
        phase=phase,
        reason=reason,
        message=message,
        qos="Burstable",
        owner=model.OwnerRef("ReplicaSet", "ledger-7d9f8b6c5d", True),
        labels=labels if labels is not None else {"app": "ledger", "pod-template-hash": "7d9f8b6c5d"},
        containers=containers,
        init_containers=init_containers,
        container_statuses=statuses,
        init_container_statuses=init_statuses,
        conditions=conditions,
        created=ago(7200),
    )
