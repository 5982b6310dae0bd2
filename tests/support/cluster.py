"""A small AKS-looking cluster served by the sandbox API server, for the cluster tests.

Built here rather than from a sandbox scenario so each test knows exactly which objects exist; served over TLS
with per-user tokens so RBAC refusals go through the real client and the real HTTP status.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.cluster.kube import KubeClusterProvider
from bot.settings import Settings, from_mapping
from sandbox.kube import KubeServer

NOW = datetime.now(UTC).replace(microsecond=0)
TOKENS = {"admin": "token-admin", "carol": "token-carol"}


def ts(delta: timedelta = timedelta()) -> str:
    return (NOW - delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def node(name: str, pool: str, *, ready: str = "True", pressure: str | None = None, cordoned: bool = False,
         version: str = "v1.30.4") -> dict[str, Any]:
    conditions = [{"type": t, "status": "False", "reason": f"Kubelet Has No {t}", "lastHeartbeatTime": ts(),
                   "lastTransitionTime": ts(timedelta(days=3))}
                  for t in ("MemoryPressure", "DiskPressure", "PIDPressure")]
    if pressure:
        for c in conditions:
            if c["type"] == pressure:
                c.update(status="True", reason=f"KubeletHas{pressure}", message=f"kubelet has {pressure}")
    conditions.append({"type": "Ready", "status": ready,
                       "reason": "KubeletReady" if ready == "True" else "NodeStatusUnknown",
                       "message": "kubelet is posting ready status" if ready == "True"
                       else "Kubelet stopped posting node status.",
                       "lastHeartbeatTime": ts() if ready == "True" else ts(timedelta(minutes=12)),
                       "lastTransitionTime": ts(timedelta(minutes=10))})
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "creationTimestamp": ts(timedelta(days=3)),
                     "labels": {"kubernetes.azure.com/agentpool": pool, "agentpool": pool,
                                "kubernetes.io/hostname": name}},
        "spec": {"providerID": f"azure:///subscriptions/s/resourceGroups/mc/providers/Microsoft.Compute/"
                               f"virtualMachineScaleSets/aks-{pool}-vmss/virtualMachines/0",
                 **({"unschedulable": True, "taints": [{"key": "node.kubernetes.io/unschedulable",
                                                         "effect": "NoSchedule"}]} if cordoned else {})},
        "status": {"capacity": {"cpu": "4", "memory": "16384Mi", "pods": "110", "ephemeral-storage": "129886128Ki"},
                   "allocatable": {"cpu": "3860m", "memory": "12880Mi", "pods": "110",
                                   "ephemeral-storage": "119703055367"},
                   "conditions": conditions,
                   "nodeInfo": {"kubeletVersion": version, "osImage": "Ubuntu 22.04.4 LTS",
                                "kernelVersion": "5.15.0-1068-azure", "containerRuntimeVersion": "containerd://1.7.15",
                                "architecture": "amd64", "operatingSystem": "linux"}},
    }


def pod(ns: str, name: str, node_name: str, *, app: str = "web", phase: str = "Running", restarts: int = 0,
        waiting: str | None = None, containers: tuple[str, ...] = ("app",), owner: str | None = None,
        evicted: bool = False) -> dict[str, Any]:
    statuses = []
    for c in containers:
        state: dict[str, Any] = {"running": {"startedAt": ts(timedelta(hours=1))}}
        if waiting and c == containers[0]:
            state = {"waiting": {"reason": waiting, "message": "back-off 5m0s restarting failed container"}}
        status: dict[str, Any] = {"name": c, "ready": not waiting, "restartCount": restarts, "state": state,
                                  "image": "web:1", "imageID": "sha256:1", "started": not waiting}
        if restarts:
            status["lastState"] = {"terminated": {"reason": "OOMKilled", "exitCode": 137,
                                                  "startedAt": ts(timedelta(minutes=5)),
                                                  "finishedAt": ts(timedelta(minutes=4))}}
        statuses.append(status)
    meta: dict[str, Any] = {"name": name, "namespace": ns, "labels": {"app": app},
                            "creationTimestamp": ts(timedelta(hours=2))}
    if owner:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner, "uid": "u",
                                    "controller": True}]
    body: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Pod", "metadata": meta,
        "spec": {"nodeName": node_name, "containers": [
            {"name": c, "image": "web:1",
             "env": [{"name": "MODE", "value": "prod"},
                     {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
             "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}}
            for c in containers]},
        "status": {"phase": phase, "qosClass": "Burstable", "startTime": ts(timedelta(hours=2)),
                   "conditions": [{"type": "Ready", "status": "False" if waiting else "True"}],
                   "containerStatuses": statuses},
    }
    if evicted:
        body["status"] = {"phase": "Failed", "reason": "Evicted",
                          "message": "The node was low on resource: memory.", "qosClass": "BestEffort"}
    return body


def objects() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}
        for n in ("default", "shop", "kube-node-lease")
    ]
    out += [node("aks-nodepool1-12345678-vmss000000", "nodepool1"),
            node("aks-nodepool1-12345678-vmss000001", "nodepool1", pressure="MemoryPressure"),
            node("aks-nodepool1-12345678-vmss000002", "nodepool1", ready="Unknown"),
            node("aks-user-87654321-vmss000000", "user", cordoned=True, version="v1.29.7")]
    for i, n in enumerate(("aks-nodepool1-12345678-vmss000000", "aks-nodepool1-12345678-vmss000001",
                           "aks-user-87654321-vmss000000")):
        out.append({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": {"name": n, "namespace": "kube-node-lease"},
                    "spec": {"holderIdentity": n, "leaseDurationSeconds": 40, "renewTime": ts(timedelta(seconds=i))}})
    out.append({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": "aks-nodepool1-12345678-vmss000002", "namespace": "kube-node-lease"},
                "spec": {"holderIdentity": "aks-nodepool1-12345678-vmss000002", "leaseDurationSeconds": 40,
                         "renewTime": "2020-01-01T00:00:00.000000Z"}})
    n0, n1 = "aks-nodepool1-12345678-vmss000000", "aks-nodepool1-12345678-vmss000001"
    out += [pod("shop", "web-7d9f-abcde", n0, owner="web-7d9f"),
            pod("shop", "web-7d9f-fghij", n1, owner="web-7d9f", restarts=7, waiting="CrashLoopBackOff"),
            pod("shop", "api-5c6b-klmno", n0, app="api", containers=("api", "sidecar")),
            pod("shop", "old-batch", n1, app="batch", evicted=True),
            pod("default", "web-7d9f-abcde", n1, app="other")]
    out.append({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "shop", "generation": 3,
                             "annotations": {"aksbot.io/names": "商城前端, storefront"}},  # the team's names
                "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                         "template": {"metadata": {"labels": {"app": "web"}},
                                      "spec": {"containers": [{"name": "app", "image": "web:1"}]}}},
                "status": {"replicas": 2, "readyReplicas": 1, "updatedReplicas": 2, "availableReplicas": 1,
                           "unavailableReplicas": 1, "observedGeneration": 3}})
    out.append({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                "metadata": {"name": "web-pdb", "namespace": "shop"},
                "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
                "status": {"disruptionsAllowed": 0, "currentHealthy": 1, "desiredHealthy": 2, "expectedPods": 2}})
    out.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web-config", "namespace": "shop"},
                "data": {"LOG_LEVEL": "debug", "FEATURE_X": "on"}})
    out.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "shop"},
                "type": "Opaque", "data": {"password": base64.b64encode(b"hunter2").decode()}})
    for i, (reason, kind, name, typ) in enumerate((
            ("BackOff", "Pod", "web-7d9f-fghij", "Warning"), ("OOMKilling", "Node", n1, "Warning"),
            ("Scheduled", "Pod", "web-7d9f-abcde", "Normal"), ("NodeNotReady", "Node",
                                                                "aks-nodepool1-12345678-vmss000002", "Warning"))):
        out.append({"apiVersion": "v1", "kind": "Event",
                    "metadata": {"name": f"ev{i}", "namespace": "shop" if kind == "Pod" else "default"},
                    "involvedObject": {"kind": kind, "name": name, "namespace": "shop" if kind == "Pod" else ""},
                    "reason": reason, "message": f"{reason} happened", "type": typ, "count": i + 1,
                    "firstTimestamp": ts(timedelta(minutes=30)), "lastTimestamp": ts(timedelta(minutes=i)),
                    "source": {"component": "kubelet"}})
    return out


LOGS = {("shop", "web-7d9f-fghij", "app", False): "".join(f"line {i}\n" for i in range(200)),
        ("shop", "web-7d9f-fghij", "app", True): "panic: out of memory\n",
        ("shop", "api-5c6b-klmno", "api", False): "api ready\n",
        # An application that logs its secrets, as some do at start-up or on a failed call.
        ("shop", "api-5c6b-klmno", "sidecar", False): (
            "connecting to postgres://app:pg-pass-1@db:5432/orders password=hunter2-orders\n"
            "GET /v1/orders 401 Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhcGkifQ.c2lnbmF0dXJl\n"
            "upload failed: DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey=c2VjcmV0a2V5MTIzNDU2Nzg=\n"
        )}


@dataclass
class Cluster:
    server: KubeServer
    settings: Settings
    provider: KubeClusterProvider


def settings_for(folder: Path, url: str, ca: bytes | None, *, user: str = "admin",
                 name: str = "sandbox") -> Settings:
    cluster: dict[str, Any] = {"server": url}
    if ca is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca).decode()
    kubeconfig = {
        "apiVersion": "v1", "kind": "Config", "clusters": [{"name": "c", "cluster": cluster}],
        "users": [{"name": u, "user": {"token": t}} for u, t in TOKENS.items()],
        "contexts": [{"name": u, "context": {"cluster": "c", "user": u}} for u in TOKENS],
        "current-context": user,
    }
    path = folder / f"kubeconfig-{name}-{user}"
    path.write_text(yaml.safe_dump(kubeconfig))
    return from_mapping({"default_cluster": name, "clusters": [
        {"name": name, "kubeconfig": str(path), "context": user, "default_namespace": "shop"}]},
        source=str(folder / "aksbot.yaml"), environ={})


def team_settings(cluster: Cluster, folder: Path) -> Settings:
    """The sandbox cluster as a team configures it: carol a viewer, alice an operator, bob an approver."""
    return from_mapping(
        {
            "default_cluster": "sandbox",
            "clusters": [{"name": "sandbox", "kubeconfig": cluster.settings.clusters[0].kubeconfig,
                          "context": "admin", "default_namespace": "shop"}],
            "roles": {"viewer": ["carol"], "operator": ["alice"], "approver": ["bob"]},
        },
        source=str(folder / "aksbot.yaml"),
        environ={},
    )


def start(folder: Path) -> Iterator[Cluster]:
    server = KubeServer(objects(), logs=LOGS, tokens={t: u for u, t in TOKENS.items()},
                        node_usage={"aks-nodepool1-12345678-vmss000000": (1200, 6 * 2**30)},
                        pod_usage={("shop", "web-7d9f-abcde"): {"app": (180, 300 * 2**20)}},
                        dead_nodes=frozenset({"aks-nodepool1-12345678-vmss000002"})).start()
    try:
        settings = settings_for(folder, server.url, server.ca_pem)
        provider = KubeClusterProvider(settings)
        yield Cluster(server, settings, provider)
        provider.close()
    finally:
        server.stop()
