"""A small AKS-looking cluster built in code, for the API server's own tests (independent of scenario files).

Three nodes in pool `nodepool1`: vmss000000 carries the `web` deployment whose PDB allows no disruption
(label `aksbot.io/sandbox-role: pdb-guarded`), vmss000001 is healthy and empty, vmss000002 is dead.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

Obj = dict[str, Any]
POOL = "aks-nodepool1-31415926-vmss"
GUARDED, SPARE, DEAD = f"{POOL}000000", f"{POOL}000001", f"{POOL}000002"


def _ts(delta: timedelta) -> str:
    return (datetime.now(UTC) - delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def node(name: str, index: int, *, ready: bool = True, role: str | None = None) -> Obj:
    labels = {
        "agentpool": "nodepool1", "kubernetes.azure.com/agentpool": "nodepool1", "kubernetes.io/os": "linux",
        "kubernetes.io/hostname": name, "kubernetes.io/role": "agent", "node.kubernetes.io/instance-type":
        "Standard_D4s_v5", "topology.kubernetes.io/region": "chinaeast2",
    }
    if role:
        labels["aksbot.io/sandbox-role"] = role
    heartbeat = _ts(timedelta(seconds=20) if ready else timedelta(minutes=14))
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": labels, "creationTimestamp": _ts(timedelta(days=12))},
        "spec": {"providerID": f"azure:///subscriptions/0000/resourceGroups/mc_rg/providers/Microsoft.Compute/"
                               f"virtualMachineScaleSets/{POOL}/virtualMachines/{index}",
                 "podCIDR": f"10.244.{index}.0/24"},
        "status": {
            "capacity": {"cpu": "4", "memory": "16375692Ki", "pods": "110", "ephemeral-storage": "129886128Ki"},
            "allocatable": {"cpu": "3860m", "memory": "12880780Ki", "pods": "110",
                            "ephemeral-storage": "119703055367"},
            "conditions": [
                {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory",
                 "message": "kubelet has sufficient memory available", "lastHeartbeatTime": heartbeat,
                 "lastTransitionTime": _ts(timedelta(days=12))},
                {"type": "Ready", "status": "True", "reason": "KubeletReady",
                 "message": "kubelet is posting ready status", "lastHeartbeatTime": heartbeat,
                 "lastTransitionTime": _ts(timedelta(days=12))},
            ],
            "addresses": [{"type": "InternalIP", "address": f"10.224.0.{4 + index}"},
                          {"type": "Hostname", "address": name}],
            "nodeInfo": {"kubeletVersion": "v1.30.6", "kubeProxyVersion": "v1.30.6", "osImage": "Ubuntu 22.04.5 LTS",
                         "kernelVersion": "5.15.0-1074-azure", "containerRuntimeVersion": "containerd://1.7.23-1",
                         "operatingSystem": "linux", "architecture": "amd64", "machineID": f"{index:032x}",
                         "systemUUID": f"{index:08x}-0000-0000-0000-000000000000", "bootID": f"{index:036x}"},
        },
    }


def lease(name: str, age: timedelta) -> Obj:
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": name, "namespace": "kube-node-lease"},
            "spec": {"holderIdentity": name, "leaseDurationSeconds": 40,
                     "renewTime": (datetime.now(UTC) - age).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}}


def container(name: str, image: str, cpu: str = "100m", memory: str = "128Mi") -> Obj:
    return {"name": name, "image": image, "resources": {"requests": {"cpu": cpu, "memory": memory}}}


def objects() -> list[Obj]:
    web_template = {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [container("web", "nginx:1.27")]}}
    out: list[Obj] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}, "status": {"phase": "Active"}}
        for name in ("default", "kube-system", "kube-node-lease", "shop")
    ]
    out += [node(GUARDED, 0, role="pdb-guarded"), node(SPARE, 1), node(DEAD, 2)]
    out += [lease(GUARDED, timedelta(seconds=3)), lease(SPARE, timedelta(seconds=3)),
            lease(DEAD, timedelta(minutes=14))]
    out.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
                "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": web_template,
                         "strategy": {"type": "RollingUpdate",
                                      "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}}})
    out.append({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                "metadata": {"name": "web", "namespace": "shop"},
                "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}})
    out.append({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "kube-proxy",
                                                                           "namespace": "kube-system"},
                "spec": {"selector": {"matchLabels": {"component": "kube-proxy"}},
                         "template": {"metadata": {"labels": {"component": "kube-proxy"}},
                                      "spec": {"containers": [container("kube-proxy", "mcr.microsoft.com/oss/"
                                                                        "kubernetes/kube-proxy:v1.30.6")]}}}})
    # A crash-looping pod with previous logs, scheduled on the spare node.
    out.append({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "billing-7d4b9c-x2x9z", "namespace": "shop", "labels": {"app": "billing"},
                             "creationTimestamp": _ts(timedelta(hours=3))},
                "spec": {"nodeName": SPARE, "containers": [container("billing", "shop/billing:2.1", memory="512Mi")]},
                "status": {"phase": "Running", "podIP": "10.244.1.20", "hostIP": "10.224.0.5",
                           "startTime": _ts(timedelta(hours=3)),
                           "conditions": [{"type": "Ready", "status": "False",
                                           "lastTransitionTime": _ts(timedelta(minutes=2))}],
                           "containerStatuses": [{
                               "name": "billing", "image": "shop/billing:2.1", "imageID": "", "ready": False,
                               "restartCount": 7, "started": False,
                               "state": {"waiting": {"reason": "CrashLoopBackOff",
                                                     "message": "back-off 5m0s restarting failed container"}},
                               "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                                                            "startedAt": _ts(timedelta(minutes=3)),
                                                            "finishedAt": _ts(timedelta(minutes=2))}}}]}})
    # A deployment described the way scenario files describe one: replicaset and running pods given, owner
    # references by kind and name only (uids are the server's), pod-template-hash chosen by the author.
    api_labels = {"app": "api"}
    api_template = {"metadata": {"labels": api_labels}, "spec": {"containers": [container("api", "shop/api:3.4")]}}
    out.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api", "namespace": "shop"},
                "spec": {"replicas": 2, "selector": {"matchLabels": api_labels}, "template": api_template}})
    hashed = {"app": "api", "pod-template-hash": "6f7c9d8b5"}
    out.append({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": "api-6f7c9d8b5", "namespace": "shop", "labels": hashed,
                             "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "api",
                                                  "controller": True, "blockOwnerDeletion": True}]},
                "spec": {"replicas": 2, "selector": {"matchLabels": hashed},
                         "template": {"metadata": {"labels": hashed}, "spec": api_template["spec"]}}})
    for suffix in ("k2x7p", "q9z4m"):
        out.append({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": f"api-6f7c9d8b5-{suffix}", "namespace": "shop", "labels": hashed,
                                 "creationTimestamp": _ts(timedelta(days=2)),
                                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                                      "name": "api-6f7c9d8b5", "controller": True,
                                                      "blockOwnerDeletion": True}]},
                    "spec": {"nodeName": SPARE, "containers": api_template["spec"]["containers"]},
                    "status": {"phase": "Running", "podIP": "10.244.1.30", "hostIP": "10.224.0.5",
                               "startTime": _ts(timedelta(days=2)),
                               "conditions": [{"type": "Ready", "status": "True",
                                               "lastTransitionTime": _ts(timedelta(days=2))}],
                               "containerStatuses": [{"name": "api", "image": "shop/api:3.4", "imageID": "",
                                                      "ready": True, "restartCount": 0, "started": True,
                                                      "state": {"running": {"startedAt": _ts(timedelta(days=2))}}}]}})
    return out


LOGS = {
    ("shop", "billing-7d4b9c-x2x9z", "billing", False): "starting billing 2.1\nlistening on :8080\n",
    ("shop", "billing-7d4b9c-x2x9z", "billing", True):
        "starting billing 2.1\njava.lang.OutOfMemoryError: Java heap space\n\tat Billing.main(Billing.java:42)\n",
}
NODE_USAGE = {GUARDED: (850, 6 * 2**30), SPARE: (400, 3 * 2**30)}
DEAD_NODES = frozenset({DEAD})
