"""Scenarios: what the sandbox serves, expanded from compact YAML into full Kubernetes objects and ARM state.

A scenario file (`sandbox/scenarios/<name>.yaml`) tells the story of a cluster at a glance: the AKS cluster
and its node pools, the workloads (deployments, daemonsets, statefulsets, budgets, services, config) and what
is wrong with which pod or node. This module expands it the way AKS and the Kubernetes controllers would have
left the cluster: pools become VMSS nodes (AKS labels, providerID, capacity and allocatable from the VM size
and AKS's reservations, node-problem-detector conditions) with their Leases; deployments become a ReplicaSet
and pods; daemonsets one pod per node; times written relative (`-3d`, `-5m`) become RFC 3339 against `now`.
`large` is generated from a few parameters rather than listed.

It produces plain JSON-shaped dicts (the API server's input) and never talks to a server itself. Names, IPs and
ids are derived from hashes of the scenario's own names, so two loads of a scenario agree on every name.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import yaml

from sandbox.kube.store import DAEMON_TOLERATIONS, DEFAULT_TOLERATIONS

Obj = dict[str, Any]

SCENARIOS = ("healthy", "incident", "large")

# The alphabet Kubernetes uses for generated name suffixes and pod-template hashes (no vowels, no 0/1/3).
_SAFE = "bcdfghjklmnpqrstvwxz2456789"
_RELATIVE = re.compile(r"^-(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_LOG_TIME = re.compile(r"\{(-[0-9dhms]+)\}")

# vCPUs and GiB of memory of the VM sizes the scenarios use.
VM_SIZES: dict[str, tuple[int, int]] = {
    "Standard_D2s_v5": (2, 8), "Standard_D4s_v5": (4, 16), "Standard_D8s_v5": (8, 32),
    "Standard_D16s_v5": (16, 64), "Standard_E4s_v5": (4, 32), "Standard_E8s_v5": (8, 64),
    "Standard_E16s_v5": (16, 128),
}
# AKS CPU kube-reserved by core count (aks-facts §7).
_CPU_RESERVED = {1: 60, 2: 100, 4: 140, 8: 180, 16: 260, 32: 420, 64: 740}
# A 128 GB managed OS disk as the kubelet reports it; allocatable keeps back the 10% nodefs eviction threshold.
_DISK_CAPACITY, _DISK_ALLOCATABLE = "129886128Ki", "119703055367"
_KERNEL, _OS_IMAGE, _CONTAINERD = "5.15.0-1074-azure", "Ubuntu 22.04.5 LTS", "containerd://1.7.22-1"
# node-problem-detector's conditions on AKS, as a healthy node reports them: (type, reason, message).
_NPD_CONDITIONS = (
    ("KernelDeadlock", "KernelHasNoDeadlock", "kernel has no deadlock"),
    ("FrequentContainerdRestart", "NoFrequentContainerdRestart", "containerd is functioning properly"),
    ("FrequentKubeletRestart", "NoFrequentKubeletRestart", "kubelet is functioning properly"),
    ("FrequentDockerRestart", "NoFrequentDockerRestart", "docker is functioning properly"),
    ("FilesystemCorruptionProblem", "FilesystemIsOK", "Filesystem is healthy"),
    ("ReadonlyFilesystem", "FilesystemIsNotReadOnly", "Filesystem is not read-only"),
    ("KubeletProblem", "KubeletIsUp", "kubelet service is up"),
    ("ContainerRuntimeProblem", "ContainerRuntimeIsUp", "container runtime service is up"),
    ("FrequentUnregisterNetDevice", "NoFrequentUnregisterNetDevice", "node is functioning properly"),
    ("VMEventScheduled", "NoVMEventScheduled", "VM has no scheduled event"),
)
# The kubelet's own conditions: (type, reason, message) when healthy. The node controller turns these Unknown.
_KUBELET_CONDITIONS = (
    ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "KubeletReady", "kubelet is posting ready status. AppArmor enabled"),
)


@dataclass(frozen=True)
class Scenario:
    """A loaded scenario: what the Kubernetes API server and the ARM server start from."""

    name: str
    objects: list[dict[str, Any]]
    logs: dict[tuple[str, str, str, bool], str]
    node_usage: dict[str, tuple[int, int]]
    pod_usage: dict[tuple[str, str], dict[str, tuple[int, int]]]
    dead_nodes: frozenset[str]
    azure: dict[str, Any]


def scenario_names() -> list[str]:
    return list(SCENARIOS)


def load_scenario(name: str, now: datetime | None = None) -> Scenario:
    """Expand scenario `name` with its times relative to `now` (default: the current time)."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; choose one of: {', '.join(SCENARIOS)}")
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    spec = _read(name)
    builder = _Builder(name, spec, moment)
    if spec.get("generate"):
        builder.generate(spec["generate"])
    builder.build()
    return builder.result()


# -- reading ----------------------------------------------------------------------------------------------------


def _read(name: str) -> Obj:
    text = resources.files("sandbox.scenarios").joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    spec = yaml.safe_load(text)
    if not isinstance(spec, dict):
        raise ValueError(f"scenario {name}: the file is not a mapping")
    base = spec.pop("extends", None)
    return _merge(_read(str(base)), spec) if base else spec


def _merge(base: Any, override: Any) -> Any:
    """Deep merge; lists of named items (workloads) merge item by item, an item `{name, remove: true}` drops one."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    if isinstance(base, list) and isinstance(override, list) and all(
            isinstance(i, dict) and "name" in i for i in [*base, *override]):
        merged = {(i.get("namespace"), i["name"]): i for i in base}
        for item in override:
            key = (item.get("namespace"), item["name"])
            if item.get("remove"):
                merged.pop(key, None)
            else:
                merged[key] = _merge(merged[key], item) if key in merged else item
        return list(merged.values())
    return override


# -- small deterministic helpers ----------------------------------------------------------------------------------


def _digest(*parts: object) -> bytes:
    return hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=32).digest()


def _safe(n: int, *parts: object) -> str:
    return "".join(_SAFE[b % len(_SAFE)] for b in _digest(*parts)[:n])


def _hex(n: int, *parts: object) -> str:
    return _digest(*parts).hex()[:n]


def _guid(*parts: object) -> str:
    h = _digest(*parts).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def _base36(n: int, width: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out.rjust(width, "0")


def _quantity_bytes(text: str) -> int:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6, "G": 10**9}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return int(float(text[: -len(suffix)]) * factor)
    return int(text)


def _millicores(text: str) -> int:
    return int(text[:-1]) if text.endswith("m") else int(float(text) * 1000)


def _version_tuple(version: str) -> tuple[int, int]:
    major, minor = version.lstrip("v").split(".")[:2]
    return int(major), int(minor)


def kube_reserved_memory_mib(memory_mib: int, max_pods: int, version: str) -> tuple[int, int]:
    """AKS's memory kube-reserved and hard eviction threshold in MiB (aks-facts §7): regressive before 1.29."""
    if _version_tuple(version) >= (1, 29):
        return min(20 * max_pods + 50, memory_mib // 4), 100
    reserved, left = 0.0, float(memory_mib)
    for size, rate in ((4096, 0.25), (4096, 0.20), (8192, 0.10), (114688, 0.06), (math.inf, 0.02)):
        part = min(left, size)
        reserved += part * rate
        left -= part
        if left <= 0:
            break
    return int(reserved), 750


# -- the builder -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Node:
    name: str
    pool: str
    index: int
    ip: str
    pod_cidr_octet: int
    version: str
    dead_since: datetime | None
    allocatable_memory: int
    allocatable_cpu: int


class _Builder:
    def __init__(self, name: str, spec: Obj, now: datetime) -> None:
        self.name, self.spec, self.now = name, spec, now
        self.cluster: Obj = spec["cluster"]
        self.objects: list[Obj] = []
        self.logs: dict[tuple[str, str, str, bool], str] = {}
        self.node_usage: dict[str, tuple[int, int]] = {}
        self.pod_usage: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}
        self.nodes: list[_Node] = []
        self.by_ref: dict[str, _Node] = {}
        self.requests: dict[str, list[int]] = {}  # node → [mcpu, bytes] requested by its pods
        self.pod_ips: dict[str, int] = {}
        self.pod_names: set[tuple[str, str]] = set()
        self.pending: list[tuple[Obj, str]] = []  # unschedulable pods, their messages computed at the end
        self.endpoints: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        self.service_ip = 0
        self.sub = str(self.cluster["subscriptionId"])
        self.rg = str(self.cluster["resourceGroup"])
        self.cluster_name = str(self.cluster["name"])
        self.location = str(self.cluster["location"])
        self.node_rg = f"MC_{self.rg}_{self.cluster_name}_{self.location}"
        self.registry = str(self.cluster.get("systemRegistry", "mcr.microsoft.com"))

    # times ---------------------------------------------------------------------------------------------------

    def at(self, relative: str | int | None, default: str = "-1d") -> datetime:
        text = str(relative if relative is not None else default)
        m = _RELATIVE.match(text)
        if m is None:
            raise ValueError(f"scenario {self.name}: {text!r} is not a relative time like -3d, -2h30m or -45s")
        d, h, mi, s = (int(g or 0) for g in m.groups())
        return self.now - timedelta(days=d, hours=h, minutes=mi, seconds=s)

    @staticmethod
    def ts(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def rel(self, relative: str | int | None, default: str = "-1d") -> str:
        return self.ts(self.at(relative, default))

    def text(self, template: str, **values: str) -> str:
        """A log or message with `{-5m}` times made absolute and `{pod}`-style names filled in."""
        out = _LOG_TIME.sub(lambda m: self.at(m.group(1)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z", template)
        for key, value in values.items():
            out = out.replace("{" + key + "}", value)
        return out

    def result(self) -> Scenario:
        return Scenario(
            name=self.name, objects=self.objects, logs=self.logs, node_usage=self.node_usage,
            pod_usage=self.pod_usage, dead_nodes=frozenset(n.name for n in self.nodes if n.dead_since is not None),
            azure=self.azure(),
        )

    # everything -----------------------------------------------------------------------------------------------

    def build(self) -> None:
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease", *self.spec.get("namespaces", [])]:
            self.objects.append({"apiVersion": "v1", "kind": "Namespace",
                                 "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns},
                                              "creationTimestamp": self.rel(self.cluster.get("created"))},
                                 "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
        self.build_nodes()
        for item in self.spec.get("configmaps", []):
            self.objects.append({"apiVersion": "v1", "kind": "ConfigMap",
                                 "metadata": self.meta(item), "data": dict(item["data"])})
        for item in self.spec.get("secrets", []):
            self.secret(item)
        for ds in self.spec.get("daemonsets", []):
            self.daemonset(ds)
        for deploy in self.spec.get("deployments", []):
            self.deployment(deploy)
        for sts in self.spec.get("statefulsets", []):
            self.statefulset(sts)
        for pdb in self.spec.get("pdbs", []):
            self.pdb(pdb)
        for svc in self.spec.get("services", []):
            self.service(svc)
        for ev in self.spec.get("events", []):
            self.event(ev)
        self.schedule_failures()
        self.usage()

    def meta(self, item: Obj, **extra: Any) -> Obj:
        meta: Obj = {"name": item["name"], "namespace": item.get("namespace", "default"),
                     "creationTimestamp": self.rel(item.get("created"), "-30d")}
        if item.get("labels"):
            meta["labels"] = dict(item["labels"])
        if item.get("annotations"):
            meta["annotations"] = dict(item["annotations"])
        meta.update(extra)
        return meta

    # nodes -----------------------------------------------------------------------------------------------------

    def pool_id(self, pool: str) -> str:
        return str(int(_hex(12, self.sub, self.cluster_name, pool), 16))[:8]

    def node_name(self, pool: str, index: int) -> str:
        return f"aks-{pool}-{self.pool_id(pool)}-vmss{_base36(index, 6)}"

    def build_nodes(self) -> None:
        overrides: Obj = self.spec.get("nodes") or {}
        ip = 4
        for pool_index, (pool, p) in enumerate(self.spec["pools"].items()):
            version = str(p.get("version", self.cluster["kubernetesVersion"]))
            for index in range(int(p["count"])):
                ref = f"{pool}/{index}"
                extra = overrides.get(ref) or {}
                name = self.node_name(pool, index)
                dead = self.at(extra["dead"]) if extra.get("dead") else None
                octet = len(self.nodes)
                node, alloc_cpu, alloc_mem = self.node(pool, p, index, name, f"10.224.{ip // 256}.{ip % 256}",
                                                       octet, version, dead, extra, pool_index)
                record = _Node(name, pool, index, f"10.224.{ip // 256}.{ip % 256}", octet, version, dead,
                               alloc_mem, alloc_cpu)
                ip += 1
                self.nodes.append(record)
                self.by_ref[ref] = record
                self.requests[name] = [0, 0]
                self.objects.append(node)
                renewed = dead if dead is not None else self.now - timedelta(seconds=int(_digest(name)[0]) % 9 + 1)
                self.objects.append({
                    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": {"name": name, "namespace": "kube-node-lease",
                                 "creationTimestamp": node["metadata"]["creationTimestamp"],
                                 "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": name, "uid": ""}]},
                    "spec": {"holderIdentity": name, "leaseDurationSeconds": 40,
                             "renewTime": renewed.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"},
                })

    def node(self, pool: str, p: Obj, index: int, name: str, ip: str, octet: int, version: str,
             dead: datetime | None, extra: Obj, pool_index: int) -> tuple[Obj, int, int]:
        vm = str(p["vmSize"])
        cores, gib = VM_SIZES[vm]
        max_pods = int(p.get("maxPods", 110))
        # The kernel keeps ~2.4% of the VM's memory for itself; the kubelet reports the rest as capacity.
        capacity_ki = gib * 1_048_576 * 9761 // 10000
        reserved_mib, eviction_mib = kube_reserved_memory_mib(gib * 1024, max_pods, version)
        allocatable_ki = capacity_ki - (reserved_mib + eviction_mib) * 1024
        allocatable_cpu = cores * 1000 - _CPU_RESERVED[cores]
        image = str(p.get("nodeImageVersion", self.cluster["nodeImageVersion"]))
        mode = str(p.get("mode", "User")).lower()
        zone = str(index % 3)
        labels = {
            "agentpool": pool, "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/instance-type": vm,
            "beta.kubernetes.io/os": "linux", "failure-domain.beta.kubernetes.io/region": self.location,
            "failure-domain.beta.kubernetes.io/zone": zone, "kubernetes.azure.com/agentpool": pool,
            "kubernetes.azure.com/cluster": self.node_rg,
            "kubernetes.azure.com/consolidated-additional-properties": _guid(self.cluster_name, pool, "props"),
            "kubernetes.azure.com/mode": mode, "kubernetes.azure.com/node-image-version": image,
            "kubernetes.azure.com/nodepool-type": "VirtualMachineScaleSets", "kubernetes.azure.com/os-sku": "Ubuntu",
            "kubernetes.azure.com/role": "agent", "kubernetes.azure.com/storageprofile": "managed",
            "kubernetes.azure.com/storagetier": "Premium_LRS", "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/role": "agent",
            "node-role.kubernetes.io/agent": "", "node.kubernetes.io/instance-type": vm,
            "storageprofile": "managed", "storagetier": "Premium_LRS", "topology.disk.csi.azure.com/zone": "",
            "topology.kubernetes.io/region": self.location, "topology.kubernetes.io/zone": zone,
        }
        if not self.cluster.get("servicePrincipal"):
            labels["kubernetes.azure.com/kubelet-identity-client-id"] = _guid(self.cluster_name, "kubelet-identity")
        labels.update({str(k): str(v) for k, v in (p.get("labels") or {}).items()})
        if extra.get("role"):
            labels["aksbot.io/sandbox-role"] = str(extra["role"])
        created = self.at(p.get("created"), "-30d") + timedelta(minutes=index % 7, seconds=pool_index * 11)
        heartbeat = dead if dead is not None else self.now - timedelta(seconds=int(_digest(name, "hb")[0]) % 50 + 5)
        conditions: list[Obj] = []
        for ctype, reason, message in _NPD_CONDITIONS:
            conditions.append({"type": ctype, "status": "False", "reason": reason, "message": message,
                               "lastHeartbeatTime": self.ts(heartbeat), "lastTransitionTime": self.ts(created)})
        conditions.append({"type": "NetworkUnavailable", "status": "False", "reason": "RouteCreated",
                           "message": "RouteController created a route", "lastHeartbeatTime": self.ts(created),
                           "lastTransitionTime": self.ts(created)})
        unknown_since = dead + timedelta(seconds=40) if dead is not None else None
        for ctype, reason, message in _KUBELET_CONDITIONS:
            if unknown_since is not None:
                conditions.append({"type": ctype, "status": "Unknown", "reason": "NodeStatusUnknown",
                                   "message": "Kubelet stopped posting node status.",
                                   "lastHeartbeatTime": self.ts(heartbeat),
                                   "lastTransitionTime": self.ts(unknown_since)})
            else:
                conditions.append({"type": ctype, "status": "True" if ctype == "Ready" else "False",
                                   "reason": reason, "message": message, "lastHeartbeatTime": self.ts(heartbeat),
                                   "lastTransitionTime": self.ts(created)})
        spec: Obj = {
            "providerID": f"azure:///subscriptions/{self.sub}/resourceGroups/{self.node_rg.lower()}/providers/"
                          f"Microsoft.Compute/virtualMachineScaleSets/aks-{pool}-{self.pool_id(pool)}-vmss/"
                          f"virtualMachines/{index}",
            "podCIDR": f"10.244.{octet}.0/24", "podCIDRs": [f"10.244.{octet}.0/24"],
        }
        taints = [dict(t) for t in p.get("taints") or []]
        if unknown_since is not None:
            taints += [{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule",
                        "timeAdded": self.ts(unknown_since)},
                       {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute",
                        "timeAdded": self.ts(unknown_since)}]
        if taints:
            spec["taints"] = taints
        node: Obj = {
            "apiVersion": "v1", "kind": "Node",
            "metadata": {
                "name": name, "labels": labels, "creationTimestamp": self.ts(created),
                "annotations": {
                    "csi.volume.kubernetes.io/nodeid": json.dumps({"disk.csi.azure.com": name,
                                                                   "file.csi.azure.com": name}, separators=(",", ":")),
                    "node.alpha.kubernetes.io/ttl": "0",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                },
            },
            "spec": spec,
            "status": {
                "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
                "allocatable": {"cpu": f"{allocatable_cpu}m", "ephemeral-storage": _DISK_ALLOCATABLE,
                                "hugepages-1Gi": "0", "hugepages-2Mi": "0", "memory": f"{allocatable_ki}Ki",
                                "pods": str(max_pods)},
                "capacity": {"cpu": str(cores), "ephemeral-storage": _DISK_CAPACITY, "hugepages-1Gi": "0",
                             "hugepages-2Mi": "0", "memory": f"{capacity_ki}Ki", "pods": str(max_pods)},
                "conditions": conditions,
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                "nodeInfo": {
                    "architecture": "amd64", "bootID": _guid(name, "boot"), "containerRuntimeVersion": _CONTAINERD,
                    "kernelVersion": _KERNEL, "kubeProxyVersion": f"v{version}", "kubeletVersion": f"v{version}",
                    "machineID": _hex(32, name, "machine"), "operatingSystem": "linux", "osImage": _OS_IMAGE,
                    "systemUUID": _guid(name, "system"),
                },
            },
        }
        return node, allocatable_cpu, allocatable_ki * 1024

    # pods ------------------------------------------------------------------------------------------------------

    def container(self, c: Obj, volume: str) -> Obj:
        image = str(c["image"]).replace("{registry}", self.registry)
        out: Obj = {"name": c["name"], "image": image, "imagePullPolicy": c.get("imagePullPolicy", "IfNotPresent")}
        for key in ("command", "args"):
            if c.get(key):
                out[key] = [str(a) for a in c[key]]
        if c.get("ports"):
            out["ports"] = [{"containerPort": int(port), "name": name, "protocol": "TCP"}
                            for name, port in c["ports"].items()]
        if c.get("env"):
            out["env"] = [{"name": str(k), "value": str(v)} for k, v in c["env"].items()]
        resources_: Obj = {}
        if c.get("requests"):
            resources_["requests"] = {k: str(v) for k, v in c["requests"].items()}
        if c.get("limits"):
            resources_["limits"] = {k: str(v) for k, v in c["limits"].items()}
        out["resources"] = resources_
        if c.get("probe"):
            out["livenessProbe"] = {"httpGet": {"path": c["probe"], "port": int(next(iter(c["ports"].values()))),
                                                "scheme": "HTTP"}, "failureThreshold": 3, "periodSeconds": 10,
                                    "successThreshold": 1, "timeoutSeconds": 1, "initialDelaySeconds": 30}
            out["readinessProbe"] = {**out["livenessProbe"], "initialDelaySeconds": 5}
        if c.get("securityContext"):
            out["securityContext"] = dict(c["securityContext"])
        out["terminationMessagePath"] = "/dev/termination-log"
        out["terminationMessagePolicy"] = "File"
        mounts = [dict(m) for m in c.get("volumeMounts") or []]
        mounts.append({"name": volume, "readOnly": True, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"})
        out["volumeMounts"] = mounts
        return out

    def template(self, w: Obj, labels: Obj) -> Obj:
        """The pod template of a workload, as the API server defaults it."""
        volume = f"kube-api-access-{_safe(5, w.get('namespace'), w['name'])}"
        spec: Obj = {
            "containers": [self.container(c, volume) for c in w["containers"]],
            "dnsPolicy": "ClusterFirst", "enableServiceLinks": True, "restartPolicy": "Always",
            "schedulerName": "default-scheduler", "securityContext": {}, "terminationGracePeriodSeconds": 30,
            "serviceAccount": w.get("serviceAccount", "default"),
            "serviceAccountName": w.get("serviceAccount", "default"),
        }
        if w.get("hostNetwork"):
            spec["hostNetwork"] = True
            spec["dnsPolicy"] = "ClusterFirstWithHostNet"
        if w.get("priorityClassName"):
            spec["priorityClassName"] = w["priorityClassName"]
        if w.get("nodeSelector"):
            spec["nodeSelector"] = dict(w["nodeSelector"])
        if w.get("imagePullSecrets"):
            spec["imagePullSecrets"] = [{"name": s} for s in w["imagePullSecrets"]]
        volumes = [dict(v) for v in w.get("volumes") or []]
        volumes.append({"name": volume, "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1",
                                                                          "fieldPath": "metadata.namespace"}}]}},
        ]}})
        spec["volumes"] = volumes
        meta: Obj = {"labels": dict(labels)}
        if w.get("podAnnotations"):
            meta["annotations"] = dict(w["podAnnotations"])
        return {"metadata": meta, "spec": spec}

    def pod_name(self, ns: str, base: str, *parts: object) -> str:
        """`base-xxxxx` with a 5-letter suffix; like the API server's generateName, a taken name is retried."""
        for attempt in range(100):
            name = f"{base}-{_safe(5, ns, base, *parts, *((attempt,) if attempt else ()))}"
            if (ns, name) not in self.pod_names:
                self.pod_names.add((ns, name))
                return name
        raise ValueError(f"scenario {self.name}: no free pod name for {ns}/{base}")

    def pod_ip(self, node: _Node) -> str:
        count = self.pod_ips.get(node.name, 0) + 1
        self.pod_ips[node.name] = count
        return f"10.244.{node.pod_cidr_octet}.{count + 1}"

    def pod(self, w: Obj, template: Obj, name: str, labels: Obj, owner: Obj, node: _Node | None,
            state: Obj, started: datetime, tolerations: list[Obj], extra_spec: Obj | None = None) -> Obj:
        """One pod of a workload in `state` (running, oomKilled, crashLoop, imagePull, unschedulable)."""
        ns = str(w.get("namespace", "default"))
        spec: Obj = dict(template["spec"])
        spec["tolerations"] = tolerations
        spec["preemptionPolicy"] = "PreemptLowerPriority"
        spec["priority"] = 2000001000 if w.get("priorityClassName") == "system-node-critical" else (
            2000000000 if w.get("priorityClassName") == "system-cluster-critical" else 0)
        if extra_spec:
            spec.update(extra_spec)
        kind = str(state.get("state", "running"))
        if node is not None:
            spec["nodeName"] = node.name
        meta: Obj = {"name": name, "namespace": ns, "labels": labels, "ownerReferences": [owner],
                     "creationTimestamp": self.ts(started - timedelta(seconds=2))}
        if template["metadata"].get("annotations"):
            meta["annotations"] = template["metadata"]["annotations"]
        qos = _qos(spec["containers"])
        if kind == "unschedulable" or node is None:
            status: Obj = {"phase": "Pending", "qosClass": qos, "conditions": [
                {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "",
                 "lastProbeTime": None, "lastTransitionTime": self.ts(started)}]}
            pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}
            self.pending.append((pod, ns))
            return pod
        host_ip = node.ip
        pod_ip = host_ip if spec.get("hostNetwork") else self.pod_ip(node)
        statuses: list[Obj] = []
        usage: dict[str, tuple[int, int]] = {}
        ready_all = True
        for c in spec["containers"]:
            cstatus, ready, use = self.container_status(ns, name, c, kind, state, started, node)
            statuses.append(cstatus)
            ready_all = ready_all and ready
            if use is not None:
                usage[c["name"]] = use
        if node.dead_since is not None:
            ready_all = False  # the node lifecycle controller marks every pod of an unreachable node NotReady
        waiting_image = kind == "imagePull"
        t_start = self.ts(started)
        ready_at = self.at(state["at"]) if "at" in state and not ready_all else started + timedelta(seconds=9)
        ready_time = self.ts(ready_at)
        if node.dead_since is not None:
            ready_time = self.ts(node.dead_since + timedelta(seconds=40))
        conditions: list[Obj] = []
        if _version_tuple(node.version) >= (1, 29):
            conditions.append({"type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": None,
                               "lastTransitionTime": self.ts(started + timedelta(seconds=2))})
        ready_status = "True" if ready_all else "False"
        not_ready_reason: Obj = {} if ready_all else {"reason": "ContainersNotReady", "message":
                                                       "containers with unready status: [" + " ".join(
                                                           s["name"] for s in statuses if not s["ready"]) + "]"}
        if node.dead_since is not None:
            not_ready_reason = {}
        conditions += [
            {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": t_start},
            {"type": "Ready", "status": ready_status, "lastProbeTime": None, "lastTransitionTime": ready_time,
             **not_ready_reason},
            {"type": "ContainersReady", "status": "True" if ready_all or node.dead_since else "False",
             "lastProbeTime": None, "lastTransitionTime": ready_time if node.dead_since is None else
             self.ts(started + timedelta(seconds=9)), **not_ready_reason},
            {"type": "PodScheduled", "status": "True", "lastProbeTime": None,
             "lastTransitionTime": self.ts(started - timedelta(seconds=1))},
        ]
        status = {
            "phase": "Pending" if waiting_image else "Running", "conditions": conditions,
            "hostIP": host_ip, "hostIPs": [{"ip": host_ip}], "podIP": pod_ip, "podIPs": [{"ip": pod_ip}],
            "qosClass": qos, "startTime": t_start, "containerStatuses": statuses,
        }
        if usage and node.dead_since is None:
            self.pod_usage[(ns, name)] = usage
        cpu, mem = _requests(spec["containers"])
        self.requests[node.name][0] += cpu
        self.requests[node.name][1] += mem
        for svc_key in w.get("_services", ()):
            self.endpoints.setdefault(svc_key, []).append((pod_ip, name, node.name) if ready_all else
                                                          ("!" + pod_ip, name, node.name))
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}

    def container_status(self, ns: str, pod: str, c: Obj, kind: str, state: Obj, started: datetime,
                         node: _Node) -> tuple[Obj, bool, tuple[int, int] | None]:
        image = str(c["image"])
        repo = image.split("@", maxsplit=1)[0].rsplit(":", 1)[0] if ":" in image.rsplit("/", maxsplit=1)[-1] else image
        image_id = f"{repo}@sha256:{_hex(64, image)}"
        cid = f"containerd://{_hex(64, ns, pod, c['name'], state.get('restarts', 0))}"
        mem_limit = _quantity_bytes(str((c["resources"].get("limits") or {}).get("memory", "0")))
        mem_request = _quantity_bytes(str((c["resources"].get("requests") or {}).get("memory", "64Mi")))
        cpu_request = _millicores(str((c["resources"].get("requests") or {}).get("cpu", "10m")))
        share = 0.35 + (_digest(pod, c["name"])[0] % 50) / 100  # 35%–85% of the request
        use: tuple[int, int] | None = (max(1, int(cpu_request * share * 0.6)), int(mem_request * share))
        base: Obj = {"name": c["name"], "image": image, "imageID": image_id, "containerID": cid}
        since = self.ts(started + timedelta(seconds=3))
        log_values = {"pod": pod, "node": node.name, "namespace": ns, "ip": node.ip}
        previous_log = state.get("previousLog")
        if kind == "imagePull":
            status = {"name": c["name"], "image": image, "imageID": "", "lastState": {}, "ready": False,
                      "restartCount": 0, "started": False,
                      "state": {"waiting": {"reason": "ImagePullBackOff",
                                            "message": f'Back-off pulling image "{image}"'}}}
            return status, False, None
        if kind in ("oomKilled", "crashLoop"):
            restarts = int(state.get("restarts", 5))
            last = self.at(state.get("at"), "-2m")
            oom = kind == "oomKilled"
            terminated = {"containerID": f"containerd://{_hex(64, ns, pod, c['name'], restarts - 1)}",
                          "exitCode": 137 if oom else int(state.get("exitCode", 1)),
                          "reason": "OOMKilled" if oom else "Error",
                          "startedAt": self.ts(last - timedelta(seconds=int(state.get("ranFor", 95)))),
                          "finishedAt": self.ts(last)}
            if previous_log:
                self.logs[(ns, pod, c["name"], True)] = self.text(str(previous_log), **log_values)
            if state.get("waiting", True):
                status = {**base, "lastState": {"terminated": terminated}, "ready": False, "restartCount": restarts,
                          "started": False, "state": {"waiting": {
                              "reason": "CrashLoopBackOff",
                              "message": f"back-off 5m0s restarting failed container={c['name']} pod={pod}_{ns}"}}}
                status.pop("containerID")
                status["containerID"] = terminated["containerID"]
                # Waiting to be restarted, the container's last run is its current one: the kubelet serves that run's
                # log without --previous too (and with it, the run before, which the scenario does not tell apart).
                if previous_log or state.get("log"):
                    self.logs[(ns, pod, c["name"], False)] = self.text(str(previous_log or state["log"]), **log_values)
                return status, False, None
            since = self.ts(last + timedelta(seconds=10))
            if oom and mem_limit:
                use = (use[0] if use else 1, int(mem_limit * 0.93))
            status = {**base, "lastState": {"terminated": terminated}, "ready": True, "restartCount": restarts,
                      "started": True, "state": {"running": {"startedAt": since}}}
            if state.get("log"):
                self.logs[(ns, pod, c["name"], False)] = self.text(str(state["log"]), **log_values)
            return status, True, use
        if c.get("_log"):
            self.logs[(ns, pod, c["name"], False)] = self.text(str(c["_log"]), **log_values)
        status = {**base, "lastState": {}, "ready": True, "restartCount": 0, "started": True,
                  "state": {"running": {"startedAt": since}}}
        return status, True, use

    # workloads ---------------------------------------------------------------------------------------------------

    def owner(self, kind: str, name: str) -> Obj:
        return {"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": "", "controller": True,
                "blockOwnerDeletion": True}

    def prepare(self, w: Obj) -> Obj:
        """Attach each container's log template and the services that select the workload."""
        w = dict(w)
        w["containers"] = [dict(c) for c in w["containers"]]
        for c in w["containers"]:
            c["_log"] = c.pop("log", None) or w.get("log")
            c.pop("_log") if c["_log"] is None else None
        labels = w.get("selector") or {"app": w["name"]}
        w["_services"] = tuple(
            (s.get("namespace", "default"), s["name"]) for s in self.spec.get("services", [])
            if s.get("namespace", "default") == w.get("namespace", "default") and s.get("selector")
            and all(labels.get(k) == v for k, v in s["selector"].items()))
        return w

    def placement(self, w: Obj, replicas: int) -> list[_Node | None]:
        refs = w.get("nodes")
        if refs:
            return [self.by_ref[str(refs[i % len(refs)])] if refs[i % len(refs)] else None for i in range(replicas)]
        pool_nodes = [n for n in self.nodes if n.dead_since is None
                      and (not w.get("pool") or n.pool == w["pool"])]
        offset = _digest(w["name"])[0]
        return [pool_nodes[(offset + i) % len(pool_nodes)] for i in range(replicas)]

    def deployment(self, d: Obj) -> None:
        d = self.prepare(d)
        ns, name = str(d.get("namespace", "default")), str(d["name"])
        replicas = int(d.get("replicas", 1))
        selector = dict(d.get("selector") or {"app": name})
        labels = {**selector, **(d.get("labels") or {})}
        template = self.template(d, labels)
        pod_hash = _safe(10, ns, name, json.dumps(template, sort_keys=True))
        created = self.at(d.get("created"), "-30d")
        rolled = self.at(d.get("rolled"), "-30d") if d.get("rolled") else created
        revision = str(d.get("revision", 1))
        rs_name = f"{name}-{pod_hash}"
        pod_labels = {**labels, "pod-template-hash": pod_hash}
        rs_template = copy.deepcopy(template)
        rs_template["metadata"]["labels"] = pod_labels
        overrides = d.get("pods") or []
        nodes = self.placement(d, replicas)
        pods: list[Obj] = []
        tolerations = [*(dict(t) for t in d.get("tolerations") or []), *(dict(t) for t in DEFAULT_TOLERATIONS)]
        for i in range(replicas):
            state = overrides[i] if i < len(overrides) and overrides[i] else {}
            pod_name = self.pod_name(ns, rs_name, i)
            node = nodes[i] if state.get("state") != "unschedulable" else None
            started = rolled + timedelta(seconds=20 + 3 * i)
            pods.append(self.pod(d, rs_template, pod_name, pod_labels, self.owner("ReplicaSet", rs_name),
                                 node, state, started, tolerations))
            if state.get("events"):
                for ev in state["events"]:
                    self.event({**ev, "namespace": ns, "object": f"Pod/{pod_name}",
                                "host": node.name if node else ""})
        ready = sum(1 for p in pods if _pod_ready(p))
        annotations = {"deployment.kubernetes.io/revision": revision, **(d.get("annotations") or {})}
        deploy: Obj = {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns, "labels": dict(d.get("labels") or selector),
                         "annotations": annotations, "creationTimestamp": self.ts(created)},
            "spec": {"replicas": replicas, "selector": {"matchLabels": selector}, "template": template,
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%",
                                                                             "maxUnavailable": "25%"}},
                     "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
            "status": self.deployment_status(replicas, ready, rs_name, created, rolled),
        }
        rs: Obj = {
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": rs_name, "namespace": ns, "labels": pod_labels,
                         "annotations": {"deployment.kubernetes.io/desired-replicas": str(replicas),
                                         "deployment.kubernetes.io/max-replicas": str(replicas + math.ceil(
                                             replicas * 0.25)),
                                         "deployment.kubernetes.io/revision": revision},
                         "ownerReferences": [self.owner("Deployment", name)],
                         "creationTimestamp": self.ts(rolled)},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {**selector, "pod-template-hash": pod_hash}},
                     "template": rs_template},
            "status": {"replicas": replicas, "fullyLabeledReplicas": replicas, "observedGeneration": 1,
                       **({"readyReplicas": ready, "availableReplicas": ready} if ready else {})},
        }
        self.objects += [deploy, rs, *pods]

    def deployment_status(self, replicas: int, ready: int, rs_name: str, created: datetime,
                          rolled: datetime) -> Obj:
        available = ready >= replicas - math.floor(replicas * 0.25)
        t_avail = self.ts(rolled + timedelta(seconds=30))
        status: Obj = {"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
                       "conditions": [
                           {"type": "Available", "status": "True" if available else "False",
                            "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                            "message": "Deployment has minimum availability." if available else
                            "Deployment does not have minimum availability.",
                            "lastUpdateTime": t_avail, "lastTransitionTime": t_avail},
                           {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                            "message": f'ReplicaSet "{rs_name}" has successfully progressed.',
                            "lastUpdateTime": t_avail, "lastTransitionTime": self.ts(created)}]}
        if ready:
            status["readyReplicas"] = ready
            status["availableReplicas"] = ready
        if replicas - ready:
            status["unavailableReplicas"] = replicas - ready
        return status

    def daemonset(self, ds: Obj) -> None:
        ds = self.prepare(ds)
        ns, name = str(ds.get("namespace", "kube-system")), str(ds["name"])
        selector = dict(ds.get("selector") or {"k8s-app": name})
        labels = {**selector, **(ds.get("labels") or {})}
        template = self.template(ds, labels)
        revision_hash = _safe(10, ns, name, json.dumps(template, sort_keys=True))
        pod_labels = {**labels, "controller-revision-hash": revision_hash, "pod-template-generation": "1"}
        created = self.at(ds.get("created"), "-30d")
        tolerations = [*(dict(t) for t in ds.get("tolerations") or []), *(dict(t) for t in DAEMON_TOLERATIONS)]
        selector_nodes = ds.get("nodeSelector") or {}
        count = 0
        for node in self.nodes:
            if selector_nodes and any(selector_nodes.get("agentpool", node.pool) != node.pool for _ in (0,)):
                continue
            pod_name = self.pod_name(ns, name, node.name)
            affinity = {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                                        "values": [node.name]}]}]}}}}
            started = max(created, self.at(self.spec["pools"][node.pool].get("created"), "-30d")) + timedelta(
                minutes=1, seconds=node.index)
            self.objects.append(self.pod(ds, template, pod_name, pod_labels, self.owner("DaemonSet", name), node,
                                         {}, started, tolerations, affinity))
            count += 1
        ready = count - sum(1 for n in self.nodes if n.dead_since is not None)
        status: Obj = {"currentNumberScheduled": count, "desiredNumberScheduled": count, "numberMisscheduled": 0,
                       "numberReady": ready, "observedGeneration": 1, "updatedNumberScheduled": count,
                       "numberAvailable": ready}
        if count - ready:
            status["numberUnavailable"] = count - ready
        self.objects.append({
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": name, "namespace": ns, "labels": dict(ds.get("labels") or selector),
                         "annotations": {"deprecated.daemonset.template.generation": "1"},
                         "creationTimestamp": self.ts(created)},
            "spec": {"selector": {"matchLabels": selector}, "template": template, "revisionHistoryLimit": 10,
                     "updateStrategy": {"type": "RollingUpdate",
                                        "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}},
            "status": status,
        })

    def statefulset(self, sts: Obj) -> None:
        sts = self.prepare(sts)
        ns, name = str(sts.get("namespace", "default")), str(sts["name"])
        replicas = int(sts.get("replicas", 1))
        selector = dict(sts.get("selector") or {"app": name})
        labels = {**selector, **(sts.get("labels") or {})}
        claim = sts.get("volumeClaim") or {}
        if claim:
            sts["containers"][0] = {**sts["containers"][0], "volumeMounts": [
                {"name": "data", "mountPath": claim.get("mountPath", "/data")}]}
        template = self.template(sts, labels)
        revision = f"{name}-{_safe(10, ns, name, json.dumps(template, sort_keys=True))}"
        created = self.at(sts.get("created"), "-30d")
        nodes = self.placement(sts, replicas)
        tolerations = [dict(t) for t in DEFAULT_TOLERATIONS]
        for i in range(replicas):
            pod_name = f"{name}-{i}"
            pod_labels = {**labels, "apps.kubernetes.io/pod-index": str(i), "controller-revision-hash": revision,
                          "statefulset.kubernetes.io/pod-name": pod_name}
            extra: Obj = {"hostname": pod_name, "subdomain": str(sts.get("serviceName", name))}
            if claim:
                pvc = f"data-{pod_name}"
                pod_template = {"metadata": template["metadata"], "spec": {
                    **template["spec"], "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": pvc}},
                                                    *template["spec"]["volumes"]]}}
                self.objects.append(self.claim(ns, pvc, labels, claim, created))
            else:
                pod_template = template
            self.objects.append(self.pod(sts, pod_template, pod_name, pod_labels, self.owner("StatefulSet", name),
                                         nodes[i], {}, created + timedelta(seconds=40 * i), tolerations, extra))
        ready = replicas - sum(1 for n in nodes if n is None or n.dead_since is not None)
        spec: Obj = {"replicas": replicas, "selector": {"matchLabels": selector}, "template": template,
                     "serviceName": str(sts.get("serviceName", name)), "podManagementPolicy": "OrderedReady",
                     "revisionHistoryLimit": 10, "updateStrategy": {"type": "RollingUpdate",
                                                                    "rollingUpdate": {"partition": 0}},
                     "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"}}
        if claim:
            spec["volumeClaimTemplates"] = [{"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                             "metadata": {"name": "data"},
                                             "spec": {"accessModes": ["ReadWriteOnce"],
                                                      "storageClassName": claim.get("storageClass", "managed-csi"),
                                                      "volumeMode": "Filesystem",
                                                      "resources": {"requests": {"storage": claim["size"]}}},
                                             "status": {"phase": "Pending"}}]
        self.objects.append({
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": name, "namespace": ns, "labels": dict(sts.get("labels") or selector),
                         "creationTimestamp": self.ts(created)},
            "spec": spec,
            "status": {"observedGeneration": 1, "replicas": replicas, "readyReplicas": ready,
                       "availableReplicas": ready, "currentReplicas": replicas, "updatedReplicas": replicas,
                       "currentRevision": revision, "updateRevision": revision, "collisionCount": 0},
        })

    def claim(self, ns: str, name: str, labels: Obj, claim: Obj, created: datetime) -> Obj:
        storage_class = str(claim.get("storageClass", "managed-csi"))
        return {
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": ns, "labels": dict(labels), "creationTimestamp": self.ts(created),
                         "finalizers": ["kubernetes.io/pvc-protection"],
                         "annotations": {"pv.kubernetes.io/bind-completed": "yes",
                                         "pv.kubernetes.io/bound-by-controller": "yes",
                                         "volume.beta.kubernetes.io/storage-provisioner": "disk.csi.azure.com",
                                         "volume.kubernetes.io/selected-node": self.nodes[0].name,
                                         "volume.kubernetes.io/storage-provisioner": "disk.csi.azure.com"}},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": storage_class, "volumeMode": "Filesystem",
                     "resources": {"requests": {"storage": claim["size"]}},
                     "volumeName": f"pvc-{_guid(ns, name, 'pv')}"},
            "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": claim["size"]}},
        }

    # other objects ---------------------------------------------------------------------------------------------

    def secret(self, item: Obj) -> None:
        data = {str(k): base64.b64encode(
            (json.dumps(v, separators=(",", ":")) if isinstance(v, dict) else str(v)).encode()).decode()
            for k, v in item["data"].items()}
        self.objects.append({"apiVersion": "v1", "kind": "Secret", "metadata": self.meta(item),
                             "type": item.get("type", "Opaque"), "data": data})

    def pdb(self, item: Obj) -> None:
        ns = str(item.get("namespace", "default"))
        selector = dict(item["selector"])
        spec: Obj = {"selector": {"matchLabels": selector}}
        for key in ("minAvailable", "maxUnavailable"):
            if key in item:
                spec[key] = item[key]
        pods = [o for o in self.objects if o["kind"] == "Pod" and o["metadata"]["namespace"] == ns
                and all(o["metadata"]["labels"].get(k) == v for k, v in selector.items())]
        expected = len(pods)
        healthy = sum(1 for p in pods if _pod_ready(p))
        if "minAvailable" in item:
            desired = _int_or_percent(item["minAvailable"], expected)
        else:
            desired = max(0, expected - _int_or_percent(item.get("maxUnavailable", 0), expected))
        allowed = max(0, healthy - desired)
        created = self.rel(item.get("created"), "-30d")
        self.objects.append({
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": self.meta(item), "spec": spec,
            "status": {"currentHealthy": healthy, "desiredHealthy": desired, "disruptionsAllowed": allowed,
                       "expectedPods": expected, "observedGeneration": 1, "conditions": [
                           {"type": "DisruptionAllowed", "status": "True" if allowed else "False",
                            "reason": "SufficientPods" if allowed else "InsufficientPods", "message": "",
                            "observedGeneration": 1, "lastTransitionTime": created}]},
        })

    def service(self, item: Obj) -> None:
        ns = str(item.get("namespace", "default"))
        self.service_ip += 1
        generated_ip = f"10.0.{(self.service_ip * 37) % 250 + 1}.{self.service_ip * 11 % 250 + 2}"
        cluster_ip = str(item.get("clusterIP") or generated_ip)
        ports = [{"name": str(name), "port": int(p["port"]), "protocol": p.get("protocol", "TCP"),
                  "targetPort": p.get("targetPort", p["port"])} for name, p in item["ports"].items()]
        spec: Obj = {"type": item.get("type", "ClusterIP"), "clusterIP": cluster_ip, "clusterIPs": [cluster_ip],
                     "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "sessionAffinity": "None",
                     "internalTrafficPolicy": "Cluster", "ports": ports}
        if item.get("selector"):
            spec["selector"] = dict(item["selector"])
        status: Obj = {"loadBalancer": {}}
        if spec["type"] == "LoadBalancer":
            spec["externalTrafficPolicy"] = "Cluster"
            spec["allocateLoadBalancerNodePorts"] = True
            for n, port in enumerate(ports):
                port["nodePort"] = 30000 + (self.service_ip * 97 + n * 13) % 2767
            status = {"loadBalancer": {"ingress": [{"ip": str(item["externalIP"]), "ipMode": "VIP"}]}}
        self.objects.append({"apiVersion": "v1", "kind": "Service", "metadata": self.meta(item), "spec": spec,
                             "status": status})
        backends = self.endpoints.get((ns, str(item["name"])), [])
        subset: Obj = {"ports": [{"name": p["name"], "port": int(p["targetPort"]) if str(p["targetPort"]).isdigit()
                                  else int(p["port"]), "protocol": p["protocol"]} for p in ports]}
        ready = [b for b in backends if not b[0].startswith("!")]
        not_ready = [b for b in backends if b[0].startswith("!")]
        if ready:
            subset["addresses"] = [self.address(ip, pod, node, ns) for ip, pod, node in ready]
        if not_ready:
            subset["notReadyAddresses"] = [self.address(ip[1:], pod, node, ns) for ip, pod, node in not_ready]
        self.objects.append({"apiVersion": "v1", "kind": "Endpoints",
                             "metadata": {"name": item["name"], "namespace": ns,
                                          "labels": dict(item.get("labels") or {}) or {
                                              "endpoints.kubernetes.io/managed-by": "endpoint-controller"},
                                          "creationTimestamp": self.rel(item.get("created"), "-30d")},
                             "subsets": [subset] if backends else []})

    @staticmethod
    def address(ip: str, pod: str, node: str, ns: str) -> Obj:
        return {"ip": ip, "nodeName": node, "targetRef": {"kind": "Pod", "name": pod, "namespace": ns, "uid": ""}}

    def event(self, ev: Obj) -> None:
        """A core/v1 Event; `object` is `Kind/name` or a node reference `pool/index`."""
        kind, _, name = str(ev["object"]).partition("/")
        ns = str(ev.get("namespace", "default"))
        if kind in self.spec["pools"]:
            node = self.by_ref[str(ev["object"])]
            kind, name, ns = "Node", node.name, "default"
        involved: Obj = {"kind": kind, "name": name, "apiVersion": "apps/v1" if kind in (
            "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet") else "v1"}
        if kind != "Node":
            involved["namespace"] = ns
        if ev.get("fieldPath"):
            involved["fieldPath"] = ev["fieldPath"]
        first = self.rel(ev.get("first", ev.get("last")), "-5m")
        last = self.rel(ev.get("last"), "-5m")
        host = str(ev.get("host", "")) or (name if kind == "Node" else "")
        values = {"name": name, "node": host, "namespace": ns}
        self.objects.append({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{name}.{_hex(16, ns, name, ev['reason'], last, ev['message'])}", "namespace": ns,
                         "creationTimestamp": first},
            "involvedObject": involved, "reason": ev["reason"], "message": self.text(str(ev["message"]), **values),
            "source": {"component": ev.get("component", "kubelet"), **({"host": host} if host else {})},
            "firstTimestamp": first, "lastTimestamp": last, "count": int(ev.get("count", 1)),
            "type": ev.get("type", "Normal"), "reportingComponent": ev.get("component", "kubelet"),
            "reportingInstance": host,
        })

    # the scheduler's verdict on pending pods, and metrics -------------------------------------------------------

    def schedule_failures(self) -> None:
        """Write the scheduler's FailedScheduling message for each unschedulable pod, from the real nodes."""
        for pod, ns in self.pending:
            cpu, mem = _requests(pod["spec"]["containers"])
            reasons: dict[str, int] = {}
            preemption: dict[str, int] = {}
            tolerations = pod["spec"].get("tolerations") or []
            for node in self.nodes:
                used_cpu, used_mem = self.requests[node.name]
                if node.dead_since is not None and not any(
                        t.get("key") == "node.kubernetes.io/unreachable" and t.get("effect") in (None, "NoSchedule")
                        for t in tolerations):
                    key = "node(s) had untolerated taint {node.kubernetes.io/unreachable: }"
                    reasons[key] = reasons.get(key, 0) + 1
                    preemption["Preemption is not helpful for scheduling"] = preemption.get(
                        "Preemption is not helpful for scheduling", 0) + 1
                    continue
                if used_mem + mem > node.allocatable_memory:
                    reasons["Insufficient memory"] = reasons.get("Insufficient memory", 0) + 1
                elif used_cpu + cpu > node.allocatable_cpu:
                    reasons["Insufficient cpu"] = reasons.get("Insufficient cpu", 0) + 1
                else:
                    continue
                # Evicting every lower-priority pod would not make room when the request exceeds the node.
                key = ("No preemption victims found for incoming pod" if mem <= node.allocatable_memory
                       else "Preemption is not helpful for scheduling")
                preemption[key] = preemption.get(key, 0) + 1
            total = len(self.nodes)
            message = (f"0/{total} nodes are available: " + ", ".join(f"{n} {r}" for r, n in sorted(reasons.items()))
                       + f". preemption: 0/{total} nodes are available: "
                       + ", ".join(f"{n} {r}" for r, n in sorted(preemption.items())) + ".")
            pod["status"]["conditions"][0]["message"] = message
            self.event({"object": f"Pod/{pod['metadata']['name']}", "namespace": ns, "reason": "FailedScheduling",
                        "type": "Warning", "component": "default-scheduler", "message": message,
                        "first": "-" + _ago(self.now, pod["status"]["conditions"][0]["lastTransitionTime"]),
                        "last": "-40s", "count": 7})

    def usage(self) -> None:
        """metrics-server's view: each live node's pods plus the system's own use (kubelet, containerd, kernel)."""
        per_node: dict[str, list[int]] = {n.name: [0, 0] for n in self.nodes if n.dead_since is None}
        pod_nodes = {(o["metadata"]["namespace"], o["metadata"]["name"]): o["spec"].get("nodeName")
                     for o in self.objects if o["kind"] == "Pod"}
        for key, containers in self.pod_usage.items():
            node = pod_nodes.get(key)
            if node in per_node:
                per_node[node][0] += sum(c[0] for c in containers.values())
                per_node[node][1] += sum(c[1] for c in containers.values())
        for n in self.nodes:
            if n.dead_since is None:
                cpu, mem = per_node[n.name]
                self.node_usage[n.name] = (cpu + 180 + _digest(n.name)[1] % 90,
                                           mem + (1100 + _digest(n.name)[2] % 300) * 2**20)

    # ARM -------------------------------------------------------------------------------------------------------

    def pool_properties(self, pool: str, p: Obj) -> Obj:
        version = str(p.get("version", self.cluster["kubernetesVersion"]))
        props: Obj = {
            "count": int(p["count"]), "vmSize": p["vmSize"], "osDiskSizeGB": 128, "osDiskType": "Managed",
            "kubeletDiskType": "OS", "maxPods": int(p.get("maxPods", 110)), "type": "VirtualMachineScaleSets",
            "enableAutoScaling": bool(p.get("autoscale")), "provisioningState": "Succeeded",
            "powerState": {"code": "Running"}, "orchestratorVersion": version,
            "currentOrchestratorVersion": version, "enableNodePublicIP": False, "mode": p.get("mode", "User"),
            "enableEncryptionAtHost": False, "enableUltraSSD": False, "osType": "Linux", "osSKU": "Ubuntu",
            "nodeImageVersion": p.get("nodeImageVersion", self.cluster["nodeImageVersion"]),
            "upgradeSettings": {"maxSurge": str(p.get("maxSurge", "10%"))}, "enableFIPS": False,
            "securityProfile": {"enableVTPM": False, "enableSecureBoot": False},
            "eTag": _guid(self.cluster_name, pool, "etag"),
        }
        if p.get("autoscale"):
            props["minCount"], props["maxCount"] = (int(x) for x in p["autoscale"])
        if p.get("labels"):
            props["nodeLabels"] = {str(k): str(v) for k, v in p["labels"].items()}
        if p.get("taints"):
            props["nodeTaints"] = [f"{t['key']}={t.get('value', '')}:{t['effect']}" for t in p["taints"]]
        return props

    def azure(self) -> Obj:
        c = self.cluster
        cluster_id = (f"/subscriptions/{self.sub}/resourcegroups/{self.rg}/providers/"
                      "Microsoft.ContainerService/managedClusters/" + self.cluster_name)
        suffix = "cx.prod.service.azk8s.cn" if self.location.startswith("china") else "azmk8s.io"
        prefix = f"{self.cluster_name}-dns-{_hex(8, self.cluster_name, 'dns')}"
        pools = [{"name": name, **self.pool_properties(name, p)} for name, p in self.spec["pools"].items()]
        net = dict(c.get("network") or {})
        ips = int(net.pop("managedOutboundIPs", 1))
        ports = int(net.pop("allocatedOutboundPorts", 0))
        idle = int(net.pop("idleTimeoutInMinutes", 30))
        network: Obj = {
            "networkPlugin": net.get("networkPlugin", "kubenet"), "loadBalancerSku": "standard",
            "outboundType": net.get("outboundType", "loadBalancer"), "podCidr": "10.244.0.0/16",
            "serviceCidr": "10.0.0.0/16", "dnsServiceIP": "10.0.0.10", "podCidrs": ["10.244.0.0/16"],
            "serviceCidrs": ["10.0.0.0/16"], "ipFamilies": ["IPv4"],
        }
        if net.get("networkPluginMode"):
            network["networkPluginMode"] = net["networkPluginMode"]
        effective = [{"id": f"/subscriptions/{self.sub}/resourceGroups/{self.node_rg}/providers/"
                            f"Microsoft.Network/publicIPAddresses/{_guid(self.cluster_name, 'outbound', i)}"}
                     for i in range(ips)]
        if network["outboundType"] == "loadBalancer":
            network["loadBalancerProfile"] = {"managedOutboundIPs": {"count": ips}, "effectiveOutboundIPs": effective,
                                              "allocatedOutboundPorts": ports, "idleTimeoutInMinutes": idle,
                                              "backendPoolType": "nodeIPConfiguration"}
        else:
            network["natGatewayProfile"] = {"managedOutboundIPProfile": {"count": ips},
                                            "effectiveOutboundIPs": effective, "idleTimeoutInMinutes": idle}
        props: Obj = {
            "provisioningState": "Succeeded", "powerState": {"code": "Running"},
            "kubernetesVersion": c["kubernetesVersion"], "currentKubernetesVersion": c["kubernetesVersion"],
            "dnsPrefix": f"{self.cluster_name}-dns", "fqdn": f"{prefix}.hcp.{self.location}.{suffix}",
            "azurePortalFQDN": f"{prefix}.portal.hcp.{self.location}.{suffix}",
            "agentPoolProfiles": pools,
            "linuxProfile": {"adminUsername": "azureuser", "ssh": {"publicKeys": [{"keyData": (
                "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ" + base64.b64encode(_digest(self.cluster_name, "ssh")).decode()
                + " azureuser@ops")}]}},
            "servicePrincipalProfile": {"clientId": str(c.get("servicePrincipal") or "msi")},
            "nodeResourceGroup": self.node_rg, "enableRBAC": True, "supportPlan": "KubernetesOfficial",
            "networkProfile": network, "maxAgentPools": 100,
            "autoUpgradeProfile": {"upgradeChannel": c.get("upgradeChannel", "none"),
                                   "nodeOSUpgradeChannel": c.get("nodeOSUpgradeChannel", "NodeImage")},
            "disableLocalAccounts": False, "securityProfile": {},
            "storageProfile": {"diskCSIDriver": {"enabled": True}, "fileCSIDriver": {"enabled": True},
                               "snapshotController": {"enabled": True}},
            "oidcIssuerProfile": {"enabled": False}, "resourceUID": _hex(24, self.cluster_name, "uid"),
        }
        cluster: Obj = {
            "id": cluster_id, "location": self.location, "name": self.cluster_name,
            "type": "Microsoft.ContainerService/ManagedClusters", "tags": dict(c.get("tags") or {}),
            "sku": {"name": "Base", "tier": str(c.get("tier", "Standard"))}, "properties": props,
        }
        if c.get("servicePrincipal"):
            # A service-principal cluster has no managed identity of its own.
            pass
        else:
            cluster["identity"] = {"type": "SystemAssigned", "principalId": _guid(self.cluster_name, "principal"),
                                   "tenantId": _guid(self.sub, "tenant")}
            props["identityProfile"] = {"kubeletidentity": {
                "resourceId": f"/subscriptions/{self.sub}/resourcegroups/{self.node_rg}/providers/"
                              f"Microsoft.ManagedIdentity/userAssignedIdentities/{self.cluster_name}-agentpool",
                "clientId": _guid(self.cluster_name, "kubelet-identity"),
                "objectId": _guid(self.cluster_name, "kubelet-object")}}
        upgrades = [{"kubernetesVersion": str(v)} for v in c.get("upgrades") or []]
        agent_pools = [{"id": f"{cluster_id}/agentPools/{p['name']}", "name": p["name"],
                        "type": "Microsoft.ContainerService/managedClusters/agentPools",
                        "properties": {k: v for k, v in p.items() if k != "name"}} for p in pools]
        upgrade_profile = {
            "id": f"{cluster_id}/upgradeprofiles/default", "name": "default",
            "type": "Microsoft.ContainerService/managedClusters/upgradeprofiles",
            "properties": {
                "controlPlaneProfile": {"kubernetesVersion": c["kubernetesVersion"], "name": "master",
                                        "osType": "Linux", "upgrades": upgrades},
                "agentPoolProfiles": [{"kubernetesVersion": p["orchestratorVersion"], "name": p["name"],
                                       "osType": "Linux", "upgrades": upgrades} for p in pools],
            },
        }
        pool_profiles = {p["name"]: {
            "id": f"{cluster_id}/agentPools/{p['name']}/upgradeprofiles/default", "name": "default",
            "type": "Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles",
            "properties": {"kubernetesVersion": p["orchestratorVersion"], "osType": "Linux", "upgrades": upgrades,
                           "latestNodeImageVersion": c.get("latestNodeImageVersion", p["nodeImageVersion"])},
        } for p in pools}
        return {"subscriptionId": self.sub, "resourceGroup": self.rg, "managedCluster": cluster,
                "agentPools": agent_pools, "upgradeProfile": upgrade_profile, "poolUpgradeProfiles": pool_profiles,
                "kubernetesVersions": self._region_versions(c)}

    @staticmethod
    def _region_versions(c: Obj) -> dict[str, Any]:
        """`regionVersions` as `locations/{region}/kubernetesVersions` answers it: each minor with its patches, each
        patch listing the versions it may go to (its newer patches and the next minor's)."""
        region = c.get("regionVersions") or {}
        preview = {str(m) for m in region.get("preview") or []}
        lts = {str(m) for m in region.get("longTermSupport") or []}
        minors = {str(m): [str(v) for v in vs] for m, vs in (region.get("minors") or {}).items()}
        order = sorted(minors, key=lambda m: int(m.split(".")[1]))
        default = str(region.get("default") or "")
        values = []
        for i, minor in enumerate(order):
            following = minors[order[i + 1]] if i + 1 < len(order) else []
            patches = minors[minor]
            values.append({
                "version": minor,
                "capabilities": {"supportPlan": ["KubernetesOfficial", "AKSLongTermSupport"] if minor in lts
                                 else ["KubernetesOfficial"]},
                "isDefault": minor == default or None,
                "isPreview": minor in preview or None,
                "patchVersions": {p: {"upgrades": patches[j + 1:] + following} for j, p in enumerate(patches)},
            })
        return {"values": [{k: v for k, v in item.items() if v is not None} for item in values]}

    # the large scenario ----------------------------------------------------------------------------------------

    def generate(self, g: Obj) -> None:
        """Fill `pools` and `deployments` of a generated scenario: many pools and workloads from a few numbers."""
        pools: Obj = dict(self.spec.get("pools") or {})
        for i in range(int(g["userPools"])):
            pools[f"user{i:02d}"] = {**g["userPool"], "count": int(g["nodesPerPool"])}
        self.spec["pools"] = pools
        deployments = list(self.spec.get("deployments") or [])
        namespaces = list(self.spec.get("namespaces") or [])
        pool_names = [p for p in pools if p.startswith("user")]
        apps = g["apps"]
        for i in range(int(g["deployments"])):
            ns = f"team-{i % int(g['namespaces']):03d}"
            if ns not in namespaces:
                namespaces.append(ns)
            app = apps[i % len(apps)]
            deployments.append({**app, "name": f"{app['name']}-{i:04d}", "namespace": ns,
                                "replicas": int(g["replicas"]), "pool": pool_names[i % len(pool_names)],
                                "created": f"-{3 + i % 40}d"})
        self.spec["deployments"] = deployments
        self.spec["namespaces"] = namespaces


def _ago(now: datetime, timestamp: str) -> str:
    seconds = int((now - datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)).total_seconds())
    return f"{max(seconds, 0)}s"


def _int_or_percent(value: Any, total: int) -> int:
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(float(value[:-1]) * total / 100)
    return int(value)


def _pod_ready(pod: Obj) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions") or [])


def _requests(containers: list[Obj]) -> tuple[int, int]:
    cpu = mem = 0
    for c in containers:
        requests = (c.get("resources") or {}).get("requests") or {}
        cpu += _millicores(str(requests.get("cpu", "0")))
        mem += _quantity_bytes(str(requests.get("memory", "0")))
    return cpu, mem


def _qos(containers: list[Obj]) -> str:
    res = [c.get("resources") or {} for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in res):
        return "BestEffort"
    if all(r.get("limits") and all((r.get("requests") or r["limits"]).get(k) == r["limits"].get(k)
                                   and r["limits"].get(k) for k in ("cpu", "memory")) for r in res):
        return "Guaranteed"
    return "Burstable"
