"""Which knowledge-base entry explains an alert: by its name where the name says it, else by searching.

The names are those of the common rule sets: kube-prometheus (kubernetes-mixin, node-exporter and CoreDNS
mixins) and the AKS recommended Prometheus alert rules (Microsoft Learn, "Monitor AKS": cluster, node and pod
level). A few are decided by a label (`KubeNodePressure{condition=…}`, `KubeContainerWaiting{reason=…}`), and
Azure metric alerts by their metric (the load balancer's SNAT metrics). Everything else — and a name whose label
points nowhere — is a knowledge-base search of the alert's name (split into words), summary and description; the
search abstains below its confidence threshold, and then the alert has no runbook rather than a wrong one.

OOMKilled alerts depend on the node: a container OOMKilled on a cgroup v2 node is most often a runtime that sizes
its heap from the node instead of the limit (`java-oom-cgroupv2`); elsewhere it is the container reaching its
memory limit (`container-oomkilled`, which also tells the node-level kill apart). No label says a node's cgroup
version, so it is inferred as the diagnosis rules do (`handlers.rules.runtimes.node_cgroup`): from the node's
kubelet version and OS image (Ubuntu 22.04+ and Azure Linux 3 are cgroup v2; Azure Linux moved at AKS 1.29). The
node is the alert's `node` label, else the node
the alert's pod (`namespace` + `pod` labels) runs on, read through `NodeFacts`. When neither can be found the
version is unknown and the alert gets `container-oomkilled`, with an evidence line saying why.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import replace
from typing import Protocol

from bot.alerts.model import Alert, AlertGroup, Source
from bot.cluster.ports import ClusterProvider
from bot.errors import AksbotError
from handlers.rules.finding import (
    KB_CONTAINER_OOM,
    KB_CRASHLOOP,
    KB_DISK_PRESSURE,
    KB_DNS_TIMEOUT,
    KB_IMAGE_PULL,
    KB_JAVA_OOM_CGROUPV2,
    KB_MEMORY_PRESSURE,
    KB_NODE_NOTREADY,
    KB_PID_PRESSURE,
    KB_POD_PENDING,
    KB_PVC_ATTACH,
    KB_SNAT,
)
from handlers.rules.runtimes import CgroupVerdict, node_cgroup
from knowledge import KnowledgeBase

KB_CERT_EXPIRED = "cert-expired"
KB_HPA = "hpa-not-scaling"
KB_UPGRADE_BLOCKED = "upgrade-blocked"

# Alert name → knowledge-base id. Names from kube-prometheus unless marked AKS (the AKS recommended rules).
BY_NAME: Mapping[str, str] = {
    "KubeNodeNotReady": KB_NODE_NOTREADY,
    "KubeNodeUnreachable": KB_NODE_NOTREADY,  # also AKS
    "KubeNodeReadinessFlapping": KB_NODE_NOTREADY,  # also AKS
    "KubeletDown": KB_NODE_NOTREADY,
    "KubeletPlegDurationHigh": KB_NODE_NOTREADY,  # PLEG is one of the entry's causes
    "KubePodCrashLooping": KB_CRASHLOOP,  # also AKS
    "KubePodContainerRestart": KB_CRASHLOOP,  # AKS
    "KubePodNotReady": KB_POD_PENDING,  # kube_pod_status_phase{phase=~"Pending|Unknown|Failed"}: mostly Pending
    "KubePersistentVolumeErrors": KB_PVC_ATTACH,  # also AKS
    "KubeHpaReplicasMismatch": KB_HPA,  # also AKS
    "KubeHpaMaxedOut": KB_HPA,  # also AKS
    "KubeVersionMismatch": KB_UPGRADE_BLOCKED,  # components left on two versions: an unfinished upgrade
    "KubeClientCertificateExpiration": KB_CERT_EXPIRED,
    "KubeletClientCertificateExpiration": KB_CERT_EXPIRED,
    "KubeletServerCertificateExpiration": KB_CERT_EXPIRED,
    "KubeletClientCertificateRenewalErrors": KB_CERT_EXPIRED,
    "KubeletServerCertificateRenewalErrors": KB_CERT_EXPIRED,
    "NodeFilesystemSpaceFillingUp": KB_DISK_PRESSURE,  # node-exporter
    "NodeFilesystemAlmostOutOfSpace": KB_DISK_PRESSURE,  # node-exporter
    "CoreDNSLatencyHigh": KB_DNS_TIMEOUT,  # CoreDNS mixin
    "CoreDNSErrorsHigh": KB_DNS_TIMEOUT,
    "CoreDNSForwardLatencyHigh": KB_DNS_TIMEOUT,
    "CoreDNSForwardErrorsHigh": KB_DNS_TIMEOUT,
}

# OOMKilled alerts: `KubeContainerOOMKilledCount` is AKS's; the others are the names teams give the usual
# `kube_pod_container_status_last_terminated_reason{reason="OOMKilled"}` rule.
OOM_NAMES = frozenset({"KubeContainerOOMKilled", "KubePodOOMKilled", "KubeContainerOOMKilledCount",
                       "ContainerOOMKilled"})

# Decided by a label: alert name → (label, value → id).
BY_LABEL: Mapping[str, tuple[str, Mapping[str, str]]] = {
    # kube-prometheus: one alert per node condition.
    "KubeNodePressure": ("condition", {"MemoryPressure": KB_MEMORY_PRESSURE, "DiskPressure": KB_DISK_PRESSURE,
                                       "PIDPressure": KB_PID_PRESSURE}),
    # kube-prometheus: the kubelet's eviction signal.
    "KubeNodeEviction": ("eviction_signal", {"memory.available": KB_MEMORY_PRESSURE,
                                             "nodefs.available": KB_DISK_PRESSURE,
                                             "nodefs.inodesFree": KB_DISK_PRESSURE,
                                             "imagefs.available": KB_DISK_PRESSURE,
                                             "imagefs.inodesFree": KB_DISK_PRESSURE,
                                             "pid.available": KB_PID_PRESSURE}),
    # kube-prometheus and AKS: a container waiting for a reason.
    "KubeContainerWaiting": ("reason", {"CrashLoopBackOff": KB_CRASHLOOP, "ImagePullBackOff": KB_IMAGE_PULL,
                                        "ErrImagePull": KB_IMAGE_PULL, "InvalidImageName": KB_IMAGE_PULL}),
}

# Azure platform metrics (metric alerts name the metric in their condition; the parser keeps it in evidence).
BY_AZURE_METRIC: Mapping[str, str] = {
    "snatconnectioncount": KB_SNAT,
    "usedsnatports": KB_SNAT,
    "allocatedsnatports": KB_SNAT,
}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def words(name: str) -> str:
    """`KubeDeploymentReplicasMismatch` → `Kube Deployment Replicas Mismatch` (the search reads words)."""
    return _CAMEL.sub(" ", name)


class NodeFacts(Protocol):
    """What the OOM mapping needs to know about a node: its cgroup version and how that was decided."""

    def cgroup_of_node(self, cluster: str, node: str) -> CgroupVerdict | None: ...

    def node_of_pod(self, cluster: str, namespace: str, pod: str) -> str | None: ...


class ClusterNodeFacts:
    """`NodeFacts` read from the cluster (one GET of the pod and one of the node); None when they cannot be read.

    A watch-fed cache answers the same questions without a request; this one is for where there is none."""

    def __init__(self, clusters: ClusterProvider) -> None:
        self.clusters = clusters

    def cgroup_of_node(self, cluster: str, node: str) -> CgroupVerdict | None:
        try:
            found = self.clusters.reader(cluster).node(node)
        except AksbotError:
            return None
        info = found.node_info
        verdict = node_cgroup(info.kubelet_version, info.os_image)
        return CgroupVerdict(verdict.version, f"node {node}: {verdict.reason}")

    def node_of_pod(self, cluster: str, namespace: str, pod: str) -> str | None:
        try:
            return self.clusters.reader(cluster).pod(namespace, pod).node or None
        except AksbotError:
            return None


class RunbookResolver:
    """Fills in each alert's runbook (and, for OOMKilled, the evidence line saying which cgroup version).

    Searches are remembered (the knowledge base does not change while the bot runs): the alerts of one group
    usually share their text, and a repeated notification asks the same questions again."""

    def __init__(self, knowledge: KnowledgeBase | None, nodes: NodeFacts | None = None,
                 remember: int = 4096) -> None:
        self.knowledge = knowledge
        self.nodes = nodes
        self._remember = remember
        self._searched: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def resolve(self, group: AlertGroup) -> AlertGroup:
        """The group with a runbook on every alert that can have one; watcher findings keep their rule's own."""
        if group.source is Source.WATCHER:
            return group
        return group.with_alerts(self.resolve_alert(a) for a in group.alerts)

    def resolve_alert(self, alert: Alert) -> Alert:
        if alert.runbook:
            return alert
        if alert.name in OOM_NAMES:
            runbook, why = self._oom(alert)
            return replace(alert, runbook=runbook, evidence=(*alert.evidence, why))
        return replace(alert, runbook=self.by_name(alert) or self.search(alert))

    @staticmethod
    def by_name(alert: Alert) -> str | None:
        if (found := BY_NAME.get(alert.name)) is not None:
            return found
        if (rule := BY_LABEL.get(alert.name)) is not None:
            label, values = rule
            return values.get(alert.labels.get(label, ""))
        if alert.source is Source.AZURE_MONITOR:
            for line in alert.evidence:
                metric = line.split(" ", 1)[0].lower()
                if metric in BY_AZURE_METRIC:
                    return BY_AZURE_METRIC[metric]
        return None

    def search(self, alert: Alert) -> str | None:
        if self.knowledge is None:
            return None
        query = " ".join(p for p in (words(alert.name), alert.summary, alert.description) if p)
        with self._lock:
            if query in self._searched:
                return self._searched[query]
        outcome = self.knowledge.search(query, limit=1)
        found = None if outcome.abstained or outcome.best is None else outcome.best.entry_id
        with self._lock:
            if len(self._searched) >= self._remember:
                self._searched.pop(next(iter(self._searched)))  # the oldest question
            self._searched[query] = found
        return found

    def _oom(self, alert: Alert) -> tuple[str, str]:
        verdict, unknown = self._cgroup(alert)
        if verdict is None or verdict.version is None:
            reason = verdict.reason if verdict is not None else f"cgroup version unknown: {unknown}"
            return KB_CONTAINER_OOM, f"{reason} → {KB_CONTAINER_OOM}"
        runbook = KB_JAVA_OOM_CGROUPV2 if verdict.version == 2 else KB_CONTAINER_OOM
        return runbook, f"{verdict.reason} → {runbook}"

    def _cgroup(self, alert: Alert) -> tuple[CgroupVerdict | None, str]:
        """The verdict on the alert's node, or None and why there is none."""
        if alert.cluster is None:
            return None, "the alert names no configured cluster"
        if self.nodes is None:
            return None, "no cluster reader to look the node up with"
        node = alert.labels.get("node")
        pod, namespace = alert.labels.get("pod"), alert.labels.get("namespace")
        if not node and pod and namespace:
            node = self.nodes.node_of_pod(alert.cluster, namespace, pod)
            if not node:
                return None, f"pod {namespace}/{pod} was not found on a node"
        if not node:
            return None, "the alert names no node or pod"
        verdict = self.nodes.cgroup_of_node(alert.cluster, node)
        return verdict, "" if verdict is not None else f"node {node} could not be read"
