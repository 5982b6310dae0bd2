"""The resource types the sandbox API server serves: names, scope, verbs and selectable fields of each.

This is the discovery source of truth; the store, the router and the tables all look types up here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]

def parse_quantity(value: Any) -> float:
    """A Kubernetes quantity as a float in base units (cores, bytes)."""
    if value is None:
        return 0.0
    text = str(value)
    for suffix, factor in _SUFFIXES:
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


_SUFFIXES = sorted(
    {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60, "n": 1e-9, "u": 1e-6, "m": 1e-3,
     "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}.items(),
    key=lambda item: -len(item[0]),
)

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
READ_VERBS = ("get", "list")


def _pod_fields(obj: Obj) -> dict[str, str]:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    cpu = memory = 0.0
    for container in spec.get("containers") or []:
        requests = (container.get("resources") or {}).get("requests") or {}
        cpu += parse_quantity(requests.get("cpu"))
        memory += parse_quantity(requests.get("memory"))
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
    return {
        # Not selectable (leading "_"): what the controllers index on without decoding the pod.
        "_ready": "true" if ready else "false",
        "_requests": f"{cpu} {memory}",
        "_started": "true" if status.get("containerStatuses") else "false",
        "spec.nodeName": str(spec.get("nodeName") or ""),
        "spec.restartPolicy": str(spec.get("restartPolicy") or "Always"),
        "spec.schedulerName": str(spec.get("schedulerName") or "default-scheduler"),
        "spec.serviceAccountName": str(spec.get("serviceAccountName") or "default"),
        "spec.hostNetwork": "true" if spec.get("hostNetwork") else "false",
        "status.phase": str(status.get("phase") or ""),
        "status.podIP": str(status.get("podIP") or ""),
        "status.nominatedNodeName": str(status.get("nominatedNodeName") or ""),
    }


def _event_fields(obj: Obj) -> dict[str, str]:
    involved = obj.get("involvedObject") or {}
    source = obj.get("source") or {}
    out = {f"involvedObject.{k}": str(involved.get(k) or "") for k in (
        "kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")}
    out.update({
        "reason": str(obj.get("reason") or ""),
        "reportingComponent": str(obj.get("reportingComponent") or ""),
        "source": str(source.get("component") or ""),
        "type": str(obj.get("type") or ""),
    })
    return out


def _node_fields(obj: Obj) -> dict[str, str]:
    return {"spec.unschedulable": "true" if (obj.get("spec") or {}).get("unschedulable") else "false"}


def _secret_fields(obj: Obj) -> dict[str, str]:
    return {"type": str(obj.get("type") or "Opaque")}


def _namespace_fields(obj: Obj) -> dict[str, str]:
    return {"status.phase": str((obj.get("status") or {}).get("phase") or "Active")}


def _replicas_fields(obj: Obj) -> dict[str, str]:
    return {"status.replicas": str((obj.get("status") or {}).get("replicas") or 0)}


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[str, ...] = ()
    fields: Callable[[Obj], dict[str, str]] | None = None
    # Types whose objects live in another type's storage (events.k8s.io events are core events).
    stored_as: str | None = None
    # Computed on request (metrics), never stored.
    virtual: bool = False
    singular: str = field(default="")

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        return f"{self.group}/{self.plural}" if self.group else self.plural

    @property
    def storage_key(self) -> str:
        return self.stored_as or self.key

    def selectable(self, obj: Obj) -> dict[str, str]:
        meta = obj.get("metadata") or {}
        out = {"metadata.name": str(meta.get("name") or "")}
        if self.namespaced:
            out["metadata.namespace"] = str(meta.get("namespace") or "")
        if self.fields is not None:
            out.update(self.fields(obj))
        return out

    def field_selectors(self) -> set[str]:
        return {k for k in self.selectable({"metadata": {}}) if not k.startswith("_")}


TYPES: tuple[ResourceType, ...] = (
    ResourceType("", "v1", "namespaces", "Namespace", False, ("ns",), fields=_namespace_fields,
                 verbs=("create", "delete", "get", "list", "patch", "update", "watch"), subresources=("status",)),
    ResourceType("", "v1", "nodes", "Node", False, ("no",), subresources=("status",), fields=_node_fields),
    ResourceType("", "v1", "pods", "Pod", True, ("po",), ("all",), subresources=("log", "eviction", "status"),
                 fields=_pod_fields),
    ResourceType("", "v1", "events", "Event", True, ("ev",), fields=_event_fields),
    ResourceType("", "v1", "services", "Service", True, ("svc",), ("all",), subresources=("status",),
                 verbs=("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")),
    ResourceType("", "v1", "endpoints", "Endpoints", True, ("ep",)),
    ResourceType("", "v1", "configmaps", "ConfigMap", True, ("cm",)),
    ResourceType("", "v1", "secrets", "Secret", True, fields=_secret_fields),
    ResourceType("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, ("pvc",),
                 subresources=("status",)),
    ResourceType("", "v1", "serviceaccounts", "ServiceAccount", True, ("sa",)),
    ResourceType("apps", "v1", "deployments", "Deployment", True, ("deploy",), ("all",),
                 subresources=("scale", "status")),
    ResourceType("apps", "v1", "replicasets", "ReplicaSet", True, ("rs",), ("all",),
                 subresources=("scale", "status"), fields=_replicas_fields),
    ResourceType("apps", "v1", "daemonsets", "DaemonSet", True, ("ds",), ("all",), subresources=("status",)),
    ResourceType("apps", "v1", "statefulsets", "StatefulSet", True, ("sts",), ("all",),
                 subresources=("scale", "status")),
    ResourceType("apps", "v1", "controllerrevisions", "ControllerRevision", True),
    ResourceType("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True, ("pdb",),
                 subresources=("status",)),
    ResourceType("coordination.k8s.io", "v1", "leases", "Lease", True),
    ResourceType("events.k8s.io", "v1", "events", "Event", True, ("ev",), stored_as="events", fields=_event_fields),
    ResourceType("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", False,
                 verbs=("create",), virtual=True),
    ResourceType("metrics.k8s.io", "v1beta1", "nodes", "NodeMetrics", False, verbs=READ_VERBS, virtual=True),
    ResourceType("metrics.k8s.io", "v1beta1", "pods", "PodMetrics", True, verbs=READ_VERBS, virtual=True),
)

BY_KEY: dict[str, ResourceType] = {t.key: t for t in TYPES}
BY_PATH: dict[tuple[str, str, str], ResourceType] = {(t.group, t.version, t.plural): t for t in TYPES}
# The storage type of each kind (for creating objects from scenario files by apiVersion/kind).
BY_KIND: dict[tuple[str, str], ResourceType] = {(t.api_version, t.kind): t for t in TYPES if not t.virtual}


def group_versions() -> dict[str, list[str]]:
    """Group name → its versions, in the order discovery lists them."""
    out: dict[str, list[str]] = {}
    for t in TYPES:
        versions = out.setdefault(t.group, [])
        if t.version not in versions:
            versions.append(t.version)
    return out


def type_for(api_version: str, kind: str) -> ResourceType:
    return BY_KIND[(api_version, kind)]
