"""Server-side `meta.k8s.io/v1` Tables with the columns kube-apiserver's printers produce.

kubectl prints exactly these cells, so scripts that parse `kubectl get` output see what a real cluster gives.
The logic follows `pkg/printers/internalversion/printers.go` for the kinds the sandbox serves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Obj = dict[str, Any]
Column = tuple[str, str, int]  # (name, type, priority)


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def human_duration(seconds: float) -> str:
    """`k8s.io/apimachinery/pkg/util/duration.HumanDuration`."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    m = s // 60
    if m < 10:
        rem = s % 60
        return f"{m}m{rem}s" if rem else f"{m}m"
    if m < 180:
        return f"{m}m"
    h = s // 3600
    if h < 8:
        rem = m % 60
        return f"{h}h{rem}m" if rem else f"{h}h"
    if h < 48:
        return f"{h}h"
    if h < 24 * 8:
        rem = h % 24
        return f"{h // 24}d{rem}h" if rem else f"{h // 24}d"
    if h < 24 * 365 * 2:
        return f"{h // 24}d"
    if h < 24 * 365 * 8:
        days = (h // 24) % 365
        return f"{h // 24 // 365}y{days}d" if days else f"{h // 24 // 365}y"
    return f"{h // 24 // 365}y"


def since(value: Any) -> str:
    when = parse_time(value)
    if when is None:
        return "<unknown>"
    return human_duration((datetime.now(UTC) - when).total_seconds())


def _age(obj: Obj) -> str:
    return since(obj["metadata"].get("creationTimestamp"))


def _none(value: Any) -> str:
    return str(value) if value not in (None, "", []) else "<none>"


def _selector(sel: Obj | None) -> str:
    if not sel:
        return "<none>"
    parts = [f"{k}={v}" for k, v in (sel.get("matchLabels") or sel).items() if isinstance(v, str)]
    for expr in sel.get("matchExpressions") or []:
        values = ",".join(expr.get("values") or [])
        op = {"In": "in", "NotIn": "notin"}.get(expr["operator"])
        parts.append(f"{expr['key']} {op} ({values})" if op else
                     (expr["key"] if expr["operator"] == "Exists" else f"!{expr['key']}"))
    return ",".join(parts) or "<none>"


def _containers(template: Obj | None) -> tuple[str, str]:
    containers = ((template or {}).get("spec") or {}).get("containers") or []
    return ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)


# -- per kind ---------------------------------------------------------------------------------------------------

def node_status(obj: Obj) -> str:
    """The STATUS column as the API server's node printer writes it: `Ready` when the Ready condition is True,
    `NotReady` when it is False *or Unknown* (a silent kubelet), `Unknown` only when there is no Ready
    condition at all; `,SchedulingDisabled` for a cordoned node."""
    conditions = (obj.get("status") or {}).get("conditions") or []
    ready = next((c for c in conditions if c.get("type") == "Ready"), None)
    statuses = []
    if ready is None:
        statuses.append("Unknown")
    elif ready.get("status") == "True":
        statuses.append("Ready")
    else:
        statuses.append("NotReady")
    if (obj.get("spec") or {}).get("unschedulable"):
        statuses.append("SchedulingDisabled")
    return ",".join(statuses)


def _node(obj: Obj) -> list[Any]:
    labels = obj["metadata"].get("labels") or {}
    roles = sorted(
        {k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/") and "/" in k}
        | ({labels["kubernetes.io/role"]} if labels.get("kubernetes.io/role") else set())
    )
    status = obj.get("status") or {}
    info = status.get("nodeInfo") or {}
    addresses = {a.get("type"): a.get("address") for a in status.get("addresses") or []}
    return [
        obj["metadata"]["name"], node_status(obj), ",".join(roles) or "<none>", _age(obj),
        info.get("kubeletVersion", ""), _none(addresses.get("InternalIP")), _none(addresses.get("ExternalIP")),
        _none(info.get("osImage")), _none(info.get("kernelVersion")), _none(info.get("containerRuntimeVersion")),
    ]


def pod_reason(obj: Obj) -> str:
    status = obj.get("status") or {}
    reason = status.get("reason") or status.get("phase") or "Unknown"
    initializing = False
    inits = (obj.get("spec") or {}).get("initContainers") or []
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        state = cs.get("state") or {}
        term, wait = state.get("terminated"), state.get("waiting")
        if term and term.get("exitCode") == 0:
            continue
        if term:
            reason = "Init:" + (term.get("reason") or f"ExitCode:{term.get('exitCode')}")
        elif wait and wait.get("reason") and wait["reason"] != "PodInitializing":
            reason = "Init:" + wait["reason"]
        else:
            reason = f"Init:{i}/{len(inits)}"
        initializing = True
        break
    if not initializing:
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            state = cs.get("state") or {}
            wait, term = state.get("waiting"), state.get("terminated")
            if wait and wait.get("reason"):
                reason = wait["reason"]
            elif term and term.get("reason"):
                reason = term["reason"]
            elif term:
                reason = f"Signal:{term['signal']}" if term.get("signal") else f"ExitCode:{term.get('exitCode')}"
            elif state.get("running") and cs.get("ready"):
                has_running = True
        if reason == "Completed" and has_running:
            ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
            reason = "Running" if ready else "NotReady"
    if obj["metadata"].get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    return str(reason)


def _pod(obj: Obj) -> list[Any]:
    status = obj.get("status") or {}
    spec = obj.get("spec") or {}
    statuses = status.get("containerStatuses") or []
    total = len(spec.get("containers") or [])
    ready = sum(1 for c in statuses if c.get("ready"))
    restarts = sum(int(c.get("restartCount") or 0) for c in statuses)
    last: datetime | None = None
    for c in statuses:
        finished = parse_time(((c.get("lastState") or {}).get("terminated") or {}).get("finishedAt"))
        if finished and (last is None or finished > last):
            last = finished
    restart_text = str(restarts)
    if restarts and last is not None:
        restart_text = f"{restarts} ({human_duration((datetime.now(UTC) - last).total_seconds())} ago)"
    gates = spec.get("readinessGates") or []
    gates_text = "<none>"
    if gates:
        conds = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
        gates_text = f"{sum(1 for g in gates if conds.get(g.get('conditionType')) == 'True')}/{len(gates)}"
    return [
        obj["metadata"]["name"], f"{ready}/{total}", pod_reason(obj), restart_text, _age(obj),
        _none(status.get("podIP")), _none(spec.get("nodeName")), _none(status.get("nominatedNodeName")), gates_text,
    ]


def _deployment(obj: Obj) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _containers(spec.get("template"))
    return [
        obj["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
        status.get("updatedReplicas", 0), status.get("availableReplicas", 0), _age(obj),
        names, images, _selector(spec.get("selector")),
    ]


def _replicaset(obj: Obj) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _containers(spec.get("template"))
    return [
        obj["metadata"]["name"], spec.get("replicas", 1), status.get("replicas", 0), status.get("readyReplicas", 0),
        _age(obj), names, images, _selector(spec.get("selector")),
    ]


def _daemonset(obj: Obj) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _containers(spec.get("template"))
    node_selector = ((spec.get("template") or {}).get("spec") or {}).get("nodeSelector") or {}
    return [
        obj["metadata"]["name"], status.get("desiredNumberScheduled", 0), status.get("currentNumberScheduled", 0),
        status.get("numberReady", 0), status.get("updatedNumberScheduled", 0), status.get("numberAvailable", 0),
        ",".join(f"{k}={v}" for k, v in node_selector.items()) or "<none>", _age(obj),
        names, images, _selector(spec.get("selector")),
    ]


def _statefulset(obj: Obj) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _containers(spec.get("template"))
    return [obj["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}", _age(obj),
            names, images]


def _event(obj: Obj) -> list[Any]:
    involved = obj.get("involvedObject") or {}
    source = obj.get("source") or {}
    last = obj.get("lastTimestamp") or obj.get("eventTime") or obj["metadata"].get("creationTimestamp")
    first = obj.get("firstTimestamp") or obj.get("eventTime") or obj["metadata"].get("creationTimestamp")
    count = obj.get("count") or 1
    last_seen = since(last)
    if count > 1:
        last_seen = f"{last_seen} (x{count} over {since(first)})"
    kind = str(involved.get("kind") or "").lower()
    source_text = source.get("component") or obj.get("reportingComponent") or ""
    if source.get("host"):
        source_text = f"{source_text}, {source['host']}"
    return [
        last_seen, obj.get("type", ""), obj.get("reason", ""), f"{kind}/{involved.get('name', '')}",
        involved.get("fieldPath", ""), source_text, obj.get("message", ""), since(first), count,
        obj["metadata"]["name"],
    ]


def _pdb(obj: Obj) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [obj["metadata"]["name"], _na(spec.get("minAvailable")), _na(spec.get("maxUnavailable")),
            status.get("disruptionsAllowed", 0), _age(obj)]


def _na(value: Any) -> str:
    return "N/A" if value is None else str(value)


def _namespace(obj: Obj) -> list[Any]:
    return [obj["metadata"]["name"], (obj.get("status") or {}).get("phase", "Active"), _age(obj)]


def _service(obj: Obj) -> list[Any]:
    spec = obj.get("spec") or {}
    ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    external = [i.get("ip") or i.get("hostname") for i in ingress] + list(spec.get("externalIPs") or [])
    svc_type = spec.get("type", "ClusterIP")
    if external:
        external_text = ",".join(str(e) for e in external)
    elif svc_type == "LoadBalancer":
        external_text = "<pending>"
    elif svc_type == "ExternalName":
        external_text = spec.get("externalName", "")
    else:
        external_text = "<none>"
    ports = []
    for p in spec.get("ports") or []:
        text = f"{p.get('port')}"
        if p.get("nodePort"):
            text += f":{p['nodePort']}"
        ports.append(f"{text}/{p.get('protocol', 'TCP')}")
    return [obj["metadata"]["name"], svc_type, spec.get("clusterIP") or "<none>", external_text,
            ",".join(ports) or "<none>", _age(obj), _selector(spec.get("selector"))]


def _endpoints(obj: Obj) -> list[Any]:
    found = []
    for subset in obj.get("subsets") or []:
        for addr in subset.get("addresses") or []:
            for port in subset.get("ports") or [{}]:
                found.append(f"{addr.get('ip')}:{port.get('port')}" if port else str(addr.get("ip")))
    text = ",".join(found[:3]) + (f" + {len(found) - 3} more..." if len(found) > 3 else "")
    return [obj["metadata"]["name"], text or "<none>", _age(obj)]


def _configmap(obj: Obj) -> list[Any]:
    return [obj["metadata"]["name"], len(obj.get("data") or {}) + len(obj.get("binaryData") or {}), _age(obj)]


def _secret(obj: Obj) -> list[Any]:
    return [obj["metadata"]["name"], obj.get("type", "Opaque"), len(obj.get("data") or {}), _age(obj)]


def _pvc(obj: Obj) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    phase = "Terminating" if obj["metadata"].get("deletionTimestamp") else status.get("phase", "Pending")
    capacity = ((status.get("capacity") or {}).get("storage")) or ""
    modes = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}
    access = ",".join(modes.get(m, m) for m in status.get("accessModes") or [])
    return [obj["metadata"]["name"], phase, spec.get("volumeName", ""), capacity, access,
            _none(spec.get("storageClassName")), _none(spec.get("volumeAttributesClassName")), _age(obj),
            spec.get("volumeMode", "Filesystem")]


def _lease(obj: Obj) -> list[Any]:
    return [obj["metadata"]["name"], (obj.get("spec") or {}).get("holderIdentity", ""), _age(obj)]


def _serviceaccount(obj: Obj) -> list[Any]:
    return [obj["metadata"]["name"], len(obj.get("secrets") or []), _age(obj)]


def _default(obj: Obj) -> list[Any]:
    return [obj["metadata"]["name"], _age(obj)]


S, N = "string", "integer"
PRINTERS: dict[str, tuple[list[Column], Callable[[Obj], list[Any]]]] = {
    "Node": ([("Name", S, 0), ("Status", S, 0), ("Roles", S, 0), ("Age", S, 0), ("Version", S, 0),
              ("Internal-IP", S, 1), ("External-IP", S, 1), ("OS-Image", S, 1), ("Kernel-Version", S, 1),
              ("Container-Runtime", S, 1)], _node),
    "Pod": ([("Name", S, 0), ("Ready", S, 0), ("Status", S, 0), ("Restarts", S, 0), ("Age", S, 0), ("IP", S, 1),
             ("Node", S, 1), ("Nominated Node", S, 1), ("Readiness Gates", S, 1)], _pod),
    "Deployment": ([("Name", S, 0), ("Ready", S, 0), ("Up-to-date", N, 0), ("Available", N, 0), ("Age", S, 0),
                    ("Containers", S, 1), ("Images", S, 1), ("Selector", S, 1)], _deployment),
    "ReplicaSet": ([("Name", S, 0), ("Desired", N, 0), ("Current", N, 0), ("Ready", N, 0), ("Age", S, 0),
                    ("Containers", S, 1), ("Images", S, 1), ("Selector", S, 1)], _replicaset),
    "DaemonSet": ([("Name", S, 0), ("Desired", N, 0), ("Current", N, 0), ("Ready", N, 0), ("Up-to-date", N, 0),
                   ("Available", N, 0), ("Node Selector", S, 0), ("Age", S, 0), ("Containers", S, 1),
                   ("Images", S, 1), ("Selector", S, 1)], _daemonset),
    "StatefulSet": ([("Name", S, 0), ("Ready", S, 0), ("Age", S, 0), ("Containers", S, 1), ("Images", S, 1)],
                    _statefulset),
    "Event": ([("Last Seen", S, 0), ("Type", S, 0), ("Reason", S, 0), ("Object", S, 0), ("Subobject", S, 1),
               ("Source", S, 1), ("Message", S, 0), ("First Seen", S, 1), ("Count", S, 1), ("Name", S, 1)], _event),
    "PodDisruptionBudget": ([("Name", S, 0), ("Min Available", S, 0), ("Max Unavailable", S, 0),
                             ("Allowed Disruptions", N, 0), ("Age", S, 0)], _pdb),
    "Namespace": ([("Name", S, 0), ("Status", S, 0), ("Age", S, 0)], _namespace),
    "Service": ([("Name", S, 0), ("Type", S, 0), ("Cluster-IP", S, 0), ("External-IP", S, 0), ("Port(s)", S, 0),
                 ("Age", S, 0), ("Selector", S, 1)], _service),
    "Endpoints": ([("Name", S, 0), ("Endpoints", S, 0), ("Age", S, 0)], _endpoints),
    "ConfigMap": ([("Name", S, 0), ("Data", N, 0), ("Age", S, 0)], _configmap),
    "Secret": ([("Name", S, 0), ("Type", S, 0), ("Data", N, 0), ("Age", S, 0)], _secret),
    "PersistentVolumeClaim": ([("Name", S, 0), ("Status", S, 0), ("Volume", S, 0), ("Capacity", S, 0),
                               ("Access Modes", S, 0), ("StorageClass", S, 0), ("VolumeAttributesClass", S, 0),
                               ("Age", S, 0), ("VolumeMode", S, 1)], _pvc),
    "Lease": ([("Name", S, 0), ("Holder", S, 0), ("Age", S, 0)], _lease),
    "ServiceAccount": ([("Name", S, 0), ("Secrets", N, 0), ("Age", S, 0)], _serviceaccount),
}
DEFAULT: tuple[list[Column], Callable[[Obj], list[Any]]] = ([("Name", S, 0), ("Age", S, 0)], _default)


def column_definitions(kind: str) -> list[Obj]:
    columns, _ = PRINTERS.get(kind, DEFAULT)
    return [
        {"name": name, "type": ctype, "format": "name" if name == "Name" else "", "description": name,
         "priority": priority}
        for name, ctype, priority in columns
    ]


def row(kind: str, obj: Obj, include: str) -> Obj:
    _, cells = PRINTERS.get(kind, DEFAULT)
    out: Obj = {"cells": cells(obj)}
    if include == "Object":
        out["object"] = obj
    elif include != "None":
        out["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}
    return out
