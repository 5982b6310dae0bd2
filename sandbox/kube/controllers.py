"""The control loops of the sandbox cluster: what kube-controller-manager, the scheduler and kubelets would do.

One background thread reconciles after every write made by a client (and every few seconds for leases and
pod termination), reading and writing only through the `Store`, so everything it does is observable through
the API like on a real cluster: deployments make replicasets, replicasets make pods, the scheduler binds
pods to schedulable Ready nodes, "kubelets" start pods and renew node leases (except on dead nodes, whose
Ready condition turns Unknown), PodDisruptionBudget status follows the pods, and events are recorded.

A test or a demo changes the world through the same loops: `stop_heartbeat` silences a node's kubelet (its lease
stops being renewed; the node lifecycle controller marks it Unknown once the lease is older than the node
monitor grace period, and its pods not ready), `resume_heartbeat` brings it back, `oom_kill` makes a container's
kernel kill it for memory and the kubelet restart it (or back off), `recover_pod` lets a pod's containers run.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import orjson

from sandbox.kube import errors
from sandbox.kube.errors import ApiError
from sandbox.kube.resources import BY_KEY, ResourceType, parse_quantity
from sandbox.kube.selectors import Requirement, labels_match, selector_from_label_selector
from sandbox.kube.store import DAEMON_TOLERATIONS, Change, Entry, Store, now_rfc3339
from sandbox.kube.tables import parse_time

Obj = dict[str, Any]

NODES, PODS, EVENTS = BY_KEY["nodes"], BY_KEY["pods"], BY_KEY["events"]
DEPLOYMENTS, REPLICASETS = BY_KEY["apps/deployments"], BY_KEY["apps/replicasets"]
DAEMONSETS, PDBS = BY_KEY["apps/daemonsets"], BY_KEY["policy/poddisruptionbudgets"]
LEASES = BY_KEY["coordination.k8s.io/leases"]
STATEFULSETS = BY_KEY["apps/statefulsets"]

_SAFE = "bcdfghjklmnpqrstvwxz2456789"
LEASE_SECONDS = 40
# kube-controller-manager's --node-monitor-grace-period: 50 s since Kubernetes 1.32 (40 s before).
NODE_MONITOR_GRACE_SECONDS = 50.0
UNREACHABLE = "node.kubernetes.io/unreachable"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
# What a kubelet posts for its own conditions when it is healthy.
KUBELET_CONDITIONS = {
    "MemoryPressure": ("False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    "DiskPressure": ("False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    "PIDPressure": ("False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    "Ready": ("True", "KubeletReady", "kubelet is posting ready status"),
}


def random_suffix(n: int = 5) -> str:
    return "".join(secrets.choice(_SAFE) for _ in range(n))


def template_hash(template: Obj) -> str:
    digest = hashlib.sha256(orjson.dumps(template, option=orjson.OPT_SORT_KEYS)).digest()
    return "".join(_SAFE[b % len(_SAFE)] for b in digest[:10])


def pod_ready(obj: Obj) -> bool:
    conditions = (obj.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _condition(conditions: list[Obj], ctype: str, status: str, reason: str = "", message: str = "") -> list[Obj]:
    """Set one condition, keeping lastTransitionTime when the status does not change."""
    now = now_rfc3339()
    out = [c for c in conditions if c.get("type") != ctype]
    old = next((c for c in conditions if c.get("type") == ctype), None)
    new: Obj = {"type": ctype, "status": status}
    if reason:
        new["reason"] = reason
    if message:
        new["message"] = message
    new["lastTransitionTime"] = old["lastTransitionTime"] if old and old.get("status") == status and \
        old.get("lastTransitionTime") else now
    if old is not None and "lastProbeTime" in old:
        new["lastProbeTime"] = old["lastProbeTime"]
    if old is not None:
        out.insert(next(i for i, c in enumerate(conditions) if c.get("type") == ctype), new)
    else:
        out.append(new)
    return out


def tolerates(tolerations: list[Obj], taint: Obj) -> bool:
    for t in tolerations:
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        if t.get("operator") == "Exists":
            if not t.get("key") or t.get("key") == taint.get("key"):
                return True
        elif t.get("key") == taint.get("key") and (t.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def _term_holds(requirement: Obj, values: dict[str, str]) -> bool:
    """One node selector requirement against a node's labels or fields: In, NotIn, Exists and DoesNotExist as a label
    selector's expressions (`selectors`), Gt and Lt as integers."""
    op = requirement.get("operator")
    if op in ("Gt", "Lt"):
        try:
            have, bound = int(values.get(requirement.get("key") or "") or ""), int((requirement.get("values") or [])[0])
        except (ValueError, IndexError):
            return False
        return have > bound if op == "Gt" else have < bound
    if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
        return False
    return labels_match(selector_from_label_selector({"matchExpressions": [requirement]}) or (), values)


def node_affinity_allows(spec: Obj, node: Obj) -> bool:
    """Whether a pod's required node affinity lets it run on `node`: any term whose requirements all hold (labels by
    matchExpressions, `metadata.name` by matchFields); a term with none matches nothing, as in the scheduler."""
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution"))
    if not required:
        return True
    labels = node["metadata"].get("labels") or {}
    fields = {"metadata.name": node["metadata"]["name"]}
    for term in required.get("nodeSelectorTerms") or []:
        expressions, by_field = term.get("matchExpressions") or [], term.get("matchFields") or []
        if (expressions or by_field) and all(_term_holds(r, labels) for r in expressions) and all(
            _term_holds(r, fields) for r in by_field
        ):
            return True
    return False


def _int_or_percent(value: Any, total: int, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        raw = float(value[:-1]) * total / 100
        return math.ceil(raw) if round_up else math.floor(raw)
    return int(value)


def _controller_ref(obj: Obj) -> Obj | None:
    return next((r for r in obj["metadata"].get("ownerReferences") or () if r.get("controller")), None)


def pdb_status(pdb: Obj, pods: Iterable[Obj], scale: Callable[[list[Obj]], int] | None = None) -> Obj:
    """The status kube-controller-manager's disruption controller computes for a PodDisruptionBudget. As there
    (getExpectedPodCount), an integer minAvailable expects the pods that exist, terminating ones included; a
    percentage or maxUnavailable expects the scale of the pods' controllers (`scale`: a Deployment's replicas), so a
    scale-down counts at once, before its pods are gone."""
    spec = pdb.get("spec") or {}
    matching = list(pods)
    by_count = spec.get("minAvailable") is not None and not str(spec["minAvailable"]).endswith("%")
    expected = len(matching) if by_count or scale is None else scale(matching)
    healthy = sum(1 for p in matching if pod_ready(p) and not p["metadata"].get("deletionTimestamp"))
    if spec.get("minAvailable") is not None:
        desired = _int_or_percent(spec["minAvailable"], expected, round_up=True)
    elif spec.get("maxUnavailable") is not None:
        desired = max(0, expected - _int_or_percent(spec["maxUnavailable"], expected, round_up=True))
    else:
        desired = expected
    allowed = max(0, healthy - desired)
    old = pdb.get("status") or {}
    conditions = _condition(
        list(old.get("conditions") or []), "DisruptionAllowed", "True" if allowed > 0 else "False",
        "SufficientPods" if allowed > 0 else "InsufficientPods",
    )
    for cond in conditions:
        # metav1.Condition requires message and observedGeneration (the disruption controller sends "").
        cond.setdefault("message", "")
        cond["observedGeneration"] = pdb["metadata"].get("generation", 1)
    return {
        "observedGeneration": pdb["metadata"].get("generation", 1),
        "disruptionsAllowed": allowed,
        "currentHealthy": healthy,
        "desiredHealthy": desired,
        "expectedPods": expected,
        "conditions": conditions,
    }


class Controllers:
    def __init__(
        self,
        store: Store,
        dead_nodes: frozenset[str] = frozenset(),
        *,
        termination_seconds: float = 0.5,
        lease_renew_seconds: float = 10.0,
        node_monitor_grace_seconds: float = NODE_MONITOR_GRACE_SECONDS,
    ) -> None:
        self.store = store
        self.dead_nodes = set(dead_nodes)
        self.node_monitor_grace_seconds = node_monitor_grace_seconds
        # Nodes whose kubelet stopped (→ when), the conditions they had then, and the pods marked not ready
        # because their node was lost (they become ready again when it comes back).
        self.silent: dict[str, datetime] = {}
        self._saved_conditions: dict[str, list[Obj]] = {}
        self._lost_ready: dict[str, set[str]] = defaultdict(set)
        self._next_grace: float | None = None
        self.termination_seconds = termination_seconds
        self.lease_renew_seconds = lease_renew_seconds
        self._dirty = threading.Event()
        # One pass at a time: `settle()` from a test and the background thread must not both create pods.
        self._pass_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ips = itertools.count(10)
        self._unschedulable: dict[str, bool] = {}
        self._failed_scheduling: set[str] = set()
        self._last_lease = 0.0
        self._pod_seen_deleting: dict[str, float] = {}
        self._next_eviction: float | None = None  # monotonic time of the next toleration running out
        self.passes = 0
        store.listeners.append(self._on_change)

    # -- lifecycle --------------------------------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        if threading.current_thread() is not self._thread:
            self._dirty.set()

    def wake(self) -> None:
        """Ask for a pass now (a client changed something the controllers react to)."""
        self._dirty.set()

    def start(self) -> None:
        for entry in self.store.entries(NODES):
            self._unschedulable[entry.name] = entry.fields.get("spec.unschedulable") == "true"
        self.reconcile()
        self._thread = threading.Thread(target=self._run, name="sandbox-controllers", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._dirty.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            # Between client writes a pass is due only for pods finishing termination and for lease renewals.
            due = self._last_lease + self.lease_renew_seconds - time.monotonic()
            if self._pod_seen_deleting:
                due = min(due, self.termination_seconds / 2)
            if self._next_eviction is not None:
                due = min(due, self._next_eviction - time.monotonic())
            if self._next_grace is not None:
                due = min(due, self._next_grace - time.monotonic())
            self._dirty.wait(timeout=max(0.01, due))
            if self._stop.is_set():
                return
            self._dirty.clear()
            try:
                self.reconcile()
            except ApiError:
                # A client changed something under us; the next pass sees the new state.
                self._dirty.set()

    def settle(self, passes: int = 3) -> None:
        """Run reconcile passes in the caller's thread (tests and start-up), until nothing changes."""
        for _ in range(passes):
            before = self.store.rv
            self.reconcile()
            if self.store.rv == before:
                return

    # -- one pass ---------------------------------------------------------------------------------------------

    def reconcile(self) -> None:
        """One pass of every loop. Each store operation locks on its own, so clients are served meanwhile;
        a pass that acted on a stale read is corrected by the next one, as with real controllers."""
        with self._pass_lock:
            self._pass()

    def _pass(self) -> None:
        self.passes += 1
        self._nodes()
        self._taint_evictions()
        self._deployments()
        self._replicasets()
        self._statefulsets()
        self._daemonsets()
        self._schedule()
        self._kubelets()
        self._pdbs()
        self._workload_status()

    def record_event(self, involved: Obj, reason: str, message: str, *, event_type: str = "Normal",
                     component: str = "", host: str = "") -> None:
        meta = involved["metadata"]
        namespace = meta.get("namespace") or "default"
        now = now_rfc3339()
        source: Obj = {"component": component}
        if host:
            source["host"] = host
        event: Obj = {
            "metadata": {"name": f"{meta['name']}.{secrets.token_hex(8)}", "namespace": namespace},
            "involvedObject": {"kind": involved["kind"], "namespace": meta.get("namespace", ""),
                               "name": meta["name"], "uid": meta["uid"], "apiVersion": involved["apiVersion"],
                               "resourceVersion": meta.get("resourceVersion", "")},
            "reason": reason, "message": message, "source": source,
            "firstTimestamp": now, "lastTimestamp": now, "count": 1, "type": event_type,
            "eventTime": None, "reportingComponent": component, "reportingInstance": host,
        }
        if not meta.get("namespace"):
            event["involvedObject"].pop("namespace")
        try:
            self.store.create(EVENTS, event, namespace)
        except ApiError:
            return

    # -- nodes and leases -------------------------------------------------------------------------------------

    def _nodes(self) -> None:
        renew = time.monotonic() - self._last_lease >= self.lease_renew_seconds
        if renew:
            self._last_lease = time.monotonic()
        self._next_grace = None
        for entry in self.store.entries(NODES):
            name = entry.name
            if name in self.silent and name not in self.dead_nodes:
                self._check_grace(name)
            if name in self.dead_nodes:
                self.store.mutate(NODES, "", name, self._mark_unreachable)
            elif renew and name not in self.silent:
                self._renew_lease(name)
            unschedulable = entry.fields.get("spec.unschedulable") == "true"
            if self._unschedulable.get(name) != unschedulable:
                # The node lifecycle controller keeps the cordon as a taint too (TaintNodesByCondition, GA in 1.17):
                # `kubectl describe node` shows it; a NoSchedule taint carries no timeAdded.
                self.store.mutate(NODES, "", name, partial(_cordon_taint, unschedulable=unschedulable))
            if self._unschedulable.get(name, unschedulable) != unschedulable:
                node = entry.obj()
                node["metadata"].setdefault("namespace", "")
                reason = "NodeNotSchedulable" if unschedulable else "NodeSchedulable"
                self.record_event(node, reason, f"Node {name} status is now: {reason}", component="kubelet",
                                  host=name)
            self._unschedulable[name] = unschedulable

    def _check_grace(self, name: str) -> None:
        """The node lifecycle controller: a node whose lease has not been renewed for the grace period is lost."""
        lease = self.store.find(LEASES, "kube-node-lease", name)
        renewed = parse_time(((lease or {}).get("spec") or {}).get("renewTime")) or self.silent[name]
        due = renewed + timedelta(seconds=self.node_monitor_grace_seconds)
        wait = (due - datetime.now(UTC)).total_seconds()
        if wait > 0:
            at = time.monotonic() + wait
            self._next_grace = at if self._next_grace is None else min(self._next_grace, at)
            return
        self.dead_nodes.add(name)
        node = self.store.find(NODES, "", name)
        if node is not None:
            node["metadata"].setdefault("namespace", "")
            self.record_event(node, "NodeNotReady", f"Node {name} status is now: NodeNotReady",
                              component="node-controller")

    # -- changing the world (tests, demos) --------------------------------------------------------------------

    def stop_heartbeat(self, name: str) -> None:
        """The node's kubelet stops: no more lease renewals or status; the node goes Unknown after the grace
        period, as on a real cluster. Idempotent."""
        node = self.store.get(NODES, "", name)
        with self._pass_lock:
            if name in self.silent or name in self.dead_nodes:
                return
            self._saved_conditions[name] = list((node.get("status") or {}).get("conditions") or [])
            self.silent[name] = datetime.now(UTC)
        self.wake()

    def resume_heartbeat(self, name: str) -> None:
        """The node's kubelet is back: it renews its lease and posts Ready; the node lifecycle controller lifts the
        unreachable taints, and the pods that went not ready with the node are ready again."""
        self.store.get(NODES, "", name)
        with self._pass_lock:
            self.silent.pop(name, None)
            was_lost = name in self.dead_nodes
            self.dead_nodes.discard(name)
            saved = {c.get("type"): c for c in self._saved_conditions.pop(name, [])}
            now = now_rfc3339()

            def healthy(node: Obj) -> None:
                status = node.setdefault("status", {})
                conditions = list(status.get("conditions") or [])
                for cond in list(conditions):
                    before = saved.get(cond["type"])
                    if before is not None and before.get("status") != "Unknown":
                        posted = (before["status"], before.get("reason", ""), before.get("message", ""))
                    else:
                        posted = KUBELET_CONDITIONS.get(cond["type"], ("False", cond["type"], ""))
                    conditions = _condition(conditions, cond["type"], *posted)
                for cond in conditions:
                    cond["lastHeartbeatTime"] = now
                status["conditions"] = conditions
                spec = node.setdefault("spec", {})
                spec["taints"] = [t for t in spec.get("taints") or [] if t.get("key") != UNREACHABLE]
                if not spec["taints"]:
                    del spec["taints"]

            node = self.store.mutate(NODES, "", name, healthy)
            self._renew_lease(name)
            for uid in self._lost_ready.pop(name, set()):
                entry = self.store.by_uid(uid)
                if entry is not None and not _deleting(entry):
                    self.store.mutate(PODS, entry.namespace, entry.name, _mark_ready)
        if node is not None and was_lost:
            node["metadata"].setdefault("namespace", "")
            self.record_event(node, "NodeReady", f"Node {name} status is now: NodeReady", component="kubelet",
                              host=name)
        self.wake()

    def oom_kill(self, namespace: str, name: str, container: str | None = None, *, back_off: bool = False) -> Obj:
        """The kernel kills a container for exceeding its memory limit (exit 137, OOMKilled); the kubelet restarts
        it at once, or with `back_off` waits in CrashLoopBackOff (as after repeated kills)."""
        pod = self.store.get(PODS, namespace, name)
        target = self._container(pod, container)
        now = now_rfc3339()
        node = str((pod.get("spec") or {}).get("nodeName") or "")

        def kill(p: Obj) -> None:
            for s in p["status"]["containerStatuses"]:
                if s["name"] != target:
                    continue
                running = (s.get("state") or {}).get("running") or {}
                s["lastState"] = {"terminated": {
                    "exitCode": 137, "reason": "OOMKilled", "startedAt": running.get("startedAt") or now,
                    "finishedAt": now, "containerID": s.get("containerID", "")}}
                s["restartCount"] = int(s.get("restartCount") or 0) + 1
                s["containerID"] = f"containerd://{secrets.token_hex(32)}"
                if back_off:
                    s["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message": (
                        f"back-off 10s restarting failed container={target} pod={name}_{namespace}"
                        f"({p['metadata']['uid']})")}}
                    s["ready"], s["started"] = False, False
                else:
                    s["state"] = {"running": {"startedAt": now}}
                    s["ready"], s["started"] = True, True
            _set_pod_readiness(p)

        updated = self.store.mutate(PODS, namespace, name, kill) or pod
        if back_off:
            self.record_event(updated, "BackOff", f"Back-off restarting failed container {target} in pod "
                              f"{name}_{namespace}({updated['metadata']['uid']})", event_type="Warning",
                              component="kubelet", host=node)
        else:
            self._restarted_events(updated, target, node)
        return updated

    def recover_pod(self, namespace: str, name: str) -> Obj:
        """Every container of the pod runs and is ready (a crash-looping one starts and stays up)."""
        pod = self.store.get(PODS, namespace, name)
        if not (pod.get("status") or {}).get("containerStatuses"):
            raise ApiError(409, "Conflict", f"pod {namespace}/{name} has not started: nothing to recover")
        now = now_rfc3339()
        node = str((pod.get("spec") or {}).get("nodeName") or "")
        restarted: list[str] = []

        def recover(p: Obj) -> None:
            for s in p["status"]["containerStatuses"]:
                if "running" not in (s.get("state") or {}):
                    s["state"] = {"running": {"startedAt": now}}
                    restarted.append(s["name"])
                s["ready"], s["started"] = True, True
            p["status"]["phase"] = "Running"
            _set_pod_readiness(p)

        updated = self.store.mutate(PODS, namespace, name, recover) or pod
        for container in restarted:
            self._restarted_events(updated, container, node)
        return updated

    @staticmethod
    def _container(pod: Obj, container: str | None) -> str:
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        names = [s["name"] for s in statuses]
        if not names:
            raise ApiError(409, "Conflict", f"pod {pod['metadata']['namespace']}/{pod['metadata']['name']} has not "
                           "started: no container to kill")
        if container is None:
            return str(names[0])
        if container not in names:
            raise errors.bad_request(f"container {container} is not valid for pod {pod['metadata']['name']}")
        return container

    def _restarted_events(self, pod: Obj, container: str, node: str) -> None:
        image = next((c.get("image", "") for c in (pod.get("spec") or {}).get("containers") or []
                      if c.get("name") == container), "")
        self.record_event(pod, "Pulled", f'Container image "{image}" already present on machine',
                          component="kubelet", host=node)
        self.record_event(pod, "Created", f"Created container {container}", component="kubelet", host=node)
        self.record_event(pod, "Started", f"Started container {container}", component="kubelet", host=node)

    @staticmethod
    def _mark_unreachable(node: Obj) -> None:
        status = node.setdefault("status", {})
        conditions = list(status.get("conditions") or [])
        for cond in list(conditions):
            if cond.get("status") != "Unknown":
                conditions = _condition(conditions, cond["type"], "Unknown", "NodeStatusUnknown",
                                        "Kubelet stopped posting node status.")
                # The heartbeat is the kubelet's last report; it stays where it stopped.
                for c in conditions:
                    if c["type"] == cond["type"] and cond.get("lastHeartbeatTime"):
                        c["lastHeartbeatTime"] = cond["lastHeartbeatTime"]
        status["conditions"] = conditions
        spec = node.setdefault("spec", {})
        taints = list(spec.get("taints") or [])
        for effect in ("NoSchedule", "NoExecute"):
            if not any(t.get("key") == UNREACHABLE and t.get("effect") == effect for t in taints):
                taint: Obj = {"key": UNREACHABLE, "effect": effect}
                if effect == "NoExecute":
                    taint["timeAdded"] = now_rfc3339()
                taints.append(taint)
        spec["taints"] = taints

    def _taint_evictions(self) -> None:
        """The taint eviction controller (kube-controller-manager): a pod on a node with a NoExecute taint is
        deleted when its toleration of that taint runs out, counted from the taint's `timeAdded` (the shortest
        `tolerationSeconds` of the matching tolerations); at once when nothing tolerates the taint; never when a
        toleration has no limit (DaemonSet pods). The API server adds 300 s for not-ready and unreachable to
        every pod (DefaultTolerationSeconds), so pods leave a dead node five minutes after its taint. There the
        deleted pod stays Terminating, since no kubelet confirms it, and its controller replaces it elsewhere."""
        self._next_eviction = None
        wall = datetime.now(UTC)
        tainted: dict[str, list[tuple[Obj, datetime]]] = {}
        for entry in self.store.entries(NODES):
            if b'"NoExecute"' not in entry.raw:
                continue
            taints = [t for t in (entry.obj().get("spec") or {}).get("taints") or [] if t.get("effect") == "NoExecute"]
            if taints:
                tainted[entry.name] = [(t, parse_time(t.get("timeAdded")) or wall) for t in taints]
        if not tainted:
            return
        for entry in self.store.entries(PODS):
            node = entry.fields.get("spec.nodeName") or ""
            if node not in tainted or _deleting(entry) or entry.fields.get("status.phase") in ("Succeeded", "Failed"):
                continue
            pod = entry.obj()
            due = _eviction_time(pod.get("spec", {}).get("tolerations") or [], tainted[node])
            if due is None:
                continue
            wait = (due - wall).total_seconds()
            if wait > 0:
                at = time.monotonic() + wait
                self._next_eviction = at if self._next_eviction is None else min(self._next_eviction, at)
                continue
            self.record_event(pod, "TaintManagerEviction", f"Marking for deletion Pod {entry.namespace}/{entry.name}",
                              component="taint-eviction-controller")
            self._delete_pod(entry)

    def _renew_lease(self, node: str) -> None:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

        def renew(lease: Obj) -> None:
            lease.setdefault("spec", {})["renewTime"] = now

        if self.store.mutate(LEASES, "kube-node-lease", node, renew) is None:
            owner = self.store.entry(NODES, "", node)
            self.store.create(LEASES, {
                "metadata": {"name": node, "namespace": "kube-node-lease", "ownerReferences": [
                    {"apiVersion": "v1", "kind": "Node", "name": node, "uid": owner.uid}]},
                "spec": {"holderIdentity": node, "leaseDurationSeconds": LEASE_SECONDS, "renewTime": now},
            }, "kube-node-lease", load=False)

    # -- workloads --------------------------------------------------------------------------------------------

    def _by_owner(self, rtype: ResourceType) -> dict[str, list[Entry]]:
        index: dict[str, list[Entry]] = defaultdict(list)
        for entry in self.store.entries(rtype):
            for owner in entry.owners:
                index[owner].append(entry)
        return index

    def _deployments(self) -> None:
        replicasets = self._by_owner(REPLICASETS)
        for entry in self.store.entries(DEPLOYMENTS):
            deploy = entry.obj()
            meta, spec = deploy["metadata"], deploy.get("spec") or {}
            if meta.get("deletionTimestamp"):
                continue
            desired = int(spec.get("replicas", 1))
            template = spec.get("template") or {}
            pod_hash = template_hash(template)
            owned = [e.obj() for e in replicasets.get(entry.uid, [])]
            # The current replicaset has the deployment's pod template, ignoring the hash label
            # (the deployment controller's EqualIgnoreHash), so replicasets from a scenario are adopted as-is.
            current = next((rs for rs in owned if _equal_ignore_hash((rs.get("spec") or {}).get("template"),
                                                                     template)), None)
            revisions = [int(rs["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision", 0))
                         for rs in owned]
            if spec.get("paused"):
                continue
            if current is None:
                revision = max(revisions, default=0) + 1
                labels = dict((template.get("metadata") or {}).get("labels") or {})
                labels["pod-template-hash"] = pod_hash
                rs_template = orjson.loads(orjson.dumps(template))
                rs_template.setdefault("metadata", {})["labels"] = labels
                selector = orjson.loads(orjson.dumps(spec.get("selector") or {}))
                selector.setdefault("matchLabels", {})["pod-template-hash"] = pod_hash
                name = f"{meta['name']}-{pod_hash}"
                self.store.create(REPLICASETS, {
                    "metadata": {
                        "name": name, "namespace": entry.namespace, "labels": labels,
                        "annotations": {"deployment.kubernetes.io/desired-replicas": str(desired),
                                        "deployment.kubernetes.io/max-replicas": str(desired + 1),
                                        "deployment.kubernetes.io/revision": str(revision)},
                        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": meta["name"],
                                             "uid": entry.uid, "controller": True, "blockOwnerDeletion": True}],
                    },
                    "spec": {"replicas": desired, "selector": selector, "template": rs_template,
                             "minReadySeconds": spec.get("minReadySeconds", 0)},
                }, entry.namespace)
                self.record_event(deploy, "ScalingReplicaSet", f"Scaled up replica set {name} from 0 to {desired}",
                                  component="deployment-controller")

                def set_revision(d: Obj, revision: int = revision) -> None:
                    d["metadata"].setdefault("annotations", {})["deployment.kubernetes.io/revision"] = str(revision)
                self.store.mutate(DEPLOYMENTS, entry.namespace, meta["name"], set_revision)
            elif int((current.get("spec") or {}).get("replicas", 1)) != desired:
                old = int(current["spec"].get("replicas", 1))
                self._scale_rs(current, desired)
                verb = "up" if desired > old else "down"
                self.record_event(deploy, "ScalingReplicaSet",
                                  f"Scaled {verb} replica set {current['metadata']['name']} from {old} to {desired}",
                                  component="deployment-controller")
            for rs in owned:
                if current is not None and rs["metadata"]["uid"] == current["metadata"]["uid"]:
                    continue
                old = int((rs.get("spec") or {}).get("replicas", 0))
                if old:
                    self._scale_rs(rs, 0)
                    self.record_event(deploy, "ScalingReplicaSet",
                                      f"Scaled down replica set {rs['metadata']['name']} from {old} to 0",
                                      component="deployment-controller")

    def _scale_rs(self, rs: Obj, replicas: int) -> None:
        def scale(obj: Obj) -> None:
            obj["spec"]["replicas"] = replicas
            obj["metadata"].setdefault("annotations", {})["deployment.kubernetes.io/desired-replicas"] = str(replicas)
            if "generation" in obj["metadata"]:
                obj["metadata"]["generation"] = int(obj["metadata"]["generation"]) + 1
        self.store.mutate(REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"], scale)

    def _new_pod(self, owner: Obj, template: Obj, name: str, node: str | None = None) -> Obj:
        tmeta = template.get("metadata") or {}
        spec = orjson.loads(orjson.dumps(template.get("spec") or {}))
        spec.setdefault("restartPolicy", "Always")
        spec.setdefault("schedulerName", "default-scheduler")
        spec.setdefault("dnsPolicy", "ClusterFirst")
        spec.setdefault("terminationGracePeriodSeconds", 30)
        spec.setdefault("serviceAccountName", "default")
        if node:
            spec["nodeName"] = node
        meta: Obj = {
            "name": name, "namespace": owner["metadata"]["namespace"], "labels": dict(tmeta.get("labels") or {}),
            "ownerReferences": [{"apiVersion": owner["apiVersion"], "kind": owner["kind"],
                                 "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
                                 "controller": True, "blockOwnerDeletion": True}],
        }
        if tmeta.get("annotations"):
            meta["annotations"] = dict(tmeta["annotations"])
        return {"metadata": meta, "spec": spec, "status": {"phase": "Pending", "qosClass": _qos(spec)}}

    def _replicasets(self) -> None:
        pods_by_owner: dict[str, list[Entry]] = defaultdict(list)
        for pod in self.store.entries(PODS):
            for owner in pod.owners:
                pods_by_owner[owner].append(pod)
        orphans = _Orphans(self.store.entries(PODS))
        for entry in self.store.entries(REPLICASETS):
            rs = entry.obj()
            if rs["metadata"].get("deletionTimestamp"):
                continue
            self._adopt(rs, orphans, pods_by_owner)
            desired = int((rs.get("spec") or {}).get("replicas", 1))
            live = [p for p in pods_by_owner.get(entry.uid, []) if p.fields.get("status.phase") not in
                    ("Succeeded", "Failed") and not _deleting(p)]
            if len(live) < desired:
                for _ in range(desired - len(live)):
                    name = f"{entry.name}-{random_suffix()}"
                    template = (rs.get("spec") or {}).get("template") or {}
                    self.store.create(PODS, self._new_pod(rs, template, name), entry.namespace)
                    self.record_event(rs, "SuccessfulCreate", f"Created pod: {name}",
                                      component="replicaset-controller")
            elif len(live) > desired:
                # Unscheduled, then not ready, then newest pods go first, as the ReplicaSet controller ranks them.
                ranked = sorted(live, key=lambda p: (bool(p.fields.get("spec.nodeName")),
                                                     p.fields.get("status.phase") == "Running", -p.rv))
                for victim in ranked[: len(live) - desired]:
                    self._delete_pod(victim)
                    self.record_event(rs, "SuccessfulDelete", f"Deleted pod: {victim.name}",
                                      component="replicaset-controller")

    def _adopt(self, owner: Obj, orphans: _Orphans, pods_by_owner: dict[str, list[Entry]]) -> None:
        """Take ownership of pods without a controller that match the selector, as controllers do."""
        requirements = selector_from_label_selector((owner.get("spec") or {}).get("selector"))
        if not requirements:
            return
        meta = owner["metadata"]
        ref = {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"], "uid": meta["uid"],
               "controller": True, "blockOwnerDeletion": True}
        for pod in orphans.take(str(meta.get("namespace") or ""), requirements):

            def adopt(obj: Obj) -> None:
                obj["metadata"]["ownerReferences"] = [ref]
            if self.store.mutate(PODS, pod.namespace, pod.name, adopt) is not None:
                pods_by_owner[meta["uid"]].append(self.store.entry(PODS, pod.namespace, pod.name))

    def _delete_pod(self, pod: Entry) -> None:
        try:
            self.store.delete(PODS, pod.namespace, pod.name, graceful=self.graceful)
        except ApiError:
            return

    def graceful(self, pod: Obj) -> bool:
        """Pods bound to a node are deleted gracefully: their kubelet stops them first."""
        return bool((pod.get("spec") or {}).get("nodeName"))

    def _statefulsets(self) -> None:
        """Pod `<name>-<ordinal>` for each ordinal below `replicas`, as the StatefulSet controller keeps them: a
        deleted pod comes back under the same name (with its claim) once the old one is gone; with `OrderedReady`
        one at a time, lowest first, each only after every lower ordinal is ready; surplus ordinals go from the
        top."""
        for entry in self.store.entries(STATEFULSETS):
            sts = entry.obj()
            if sts["metadata"].get("deletionTimestamp"):
                continue
            spec = sts.get("spec") or {}
            desired = int(spec.get("replicas", 1))
            ordered = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
            owned = {p.name: p for p in self.store.entries(PODS, entry.namespace) if entry.uid in p.owners}
            for ordinal in range(desired):
                name = f"{entry.name}-{ordinal}"
                pod = owned.get(name)
                if pod is None:
                    if self.store.find(PODS, entry.namespace, name) is not None:
                        break  # another owner's pod holds the name: the real controller waits too
                    self.store.create(PODS, self._stateful_pod(sts, name, ordinal), entry.namespace)
                    self.record_event(sts, "SuccessfulCreate", f"create Pod {name} in StatefulSet {entry.name} "
                                      "successful", component="statefulset-controller")
                    if ordered:
                        break
                elif ordered and (_deleting(pod) or pod.fields.get("_ready") != "true"):
                    break
            surplus = sorted((p for n, p in owned.items() if not _deleting(p) and _ordinal(entry.name, n) >= desired),
                             key=lambda p: -_ordinal(entry.name, p.name))
            for victim in surplus[:1] if ordered else surplus:
                self._delete_pod(victim)
                self.record_event(sts, "SuccessfulDelete", f"delete Pod {victim.name} in StatefulSet {entry.name} "
                                  "successful", component="statefulset-controller")

    def _stateful_pod(self, sts: Obj, name: str, ordinal: int) -> Obj:
        spec = sts.get("spec") or {}
        template = orjson.loads(orjson.dumps(spec.get("template") or {}))
        tspec = template.setdefault("spec", {})
        names = [str(c["metadata"]["name"]) for c in spec.get("volumeClaimTemplates") or ()]
        claims = [{"name": n, "persistentVolumeClaim": {"claimName": f"{n}-{name}"}} for n in names]
        tspec["volumes"] = [*claims, *(v for v in tspec.get("volumes") or () if v.get("name") not in
                                       {c["name"] for c in claims})]
        tspec.update(hostname=name, subdomain=str(spec.get("serviceName") or sts["metadata"]["name"]))
        labels = template.setdefault("metadata", {}).setdefault("labels", {})
        labels.update({"apps.kubernetes.io/pod-index": str(ordinal), "statefulset.kubernetes.io/pod-name": name})
        revision = (sts.get("status") or {}).get("updateRevision")
        if revision:
            labels["controller-revision-hash"] = revision
        return self._new_pod(sts, template, name)

    def _daemonsets(self) -> None:
        daemonsets = self.store.entries(DAEMONSETS)
        if not daemonsets:
            return
        nodes = [e.obj() for e in self.store.entries(NODES)]
        pods = self._by_owner(PODS)
        orphans = _Orphans(self.store.entries(PODS))
        for entry in daemonsets:
            ds = entry.obj()
            if ds["metadata"].get("deletionTimestamp"):
                continue
            template = (ds.get("spec") or {}).get("template") or {}
            tspec = template.get("spec") or {}
            selector = tspec.get("nodeSelector") or {}
            # DaemonSet pods tolerate these taints automatically: the DaemonSet controller adds them to each pod.
            own = list(tspec.get("tolerations") or [])
            present = {(t.get("key"), t.get("effect")) for t in own}
            tolerations = own + [dict(t) for t in DAEMON_TOLERATIONS if (t["key"], t["effect"]) not in present]
            template = {**template, "spec": {**tspec, "tolerations": tolerations}}
            self._adopt(ds, orphans, pods)
            owned = pods.get(entry.uid, [])
            by_node = {p.fields.get("spec.nodeName"): p for p in owned if not _deleting(p)}
            for node in nodes:
                name = node["metadata"]["name"]
                labels = node["metadata"].get("labels") or {}
                if any(labels.get(k) != v for k, v in selector.items()) or not node_affinity_allows(tspec, node):
                    continue
                taints = (node.get("spec") or {}).get("taints") or []
                if any(t.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(tolerations, t)
                       for t in taints):
                    continue
                if name in by_node:
                    continue
                pod_name = f"{entry.name}-{random_suffix()}"
                self.store.create(PODS, self._new_pod(ds, template, pod_name, node=name), entry.namespace)
                self.record_event(ds, "SuccessfulCreate", f"Created pod: {pod_name}", component="daemonset-controller")

    # -- scheduler --------------------------------------------------------------------------------------------

    def _schedule(self) -> None:
        pending = [e for e in self.store.entries(PODS) if not e.fields.get("spec.nodeName") and not _deleting(e)
                   and e.fields.get("status.phase") in ("Pending", "")]
        if not pending:
            return
        nodes = [e.obj() for e in self.store.entries(NODES)]
        requested: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        for pod_entry in self.store.entries(PODS):
            node = pod_entry.fields.get("spec.nodeName")
            if node and pod_entry.fields.get("status.phase") not in ("Succeeded", "Failed"):
                cpu, mem = (float(x) for x in pod_entry.fields["_requests"].split())
                used = requested[node]
                used[0] += cpu
                used[1] += mem
                used[2] += 1
        for entry in pending:
            pod = entry.obj()
            conditions = (pod.get("status") or {}).get("conditions") or []
            scheduled = next((c for c in conditions if c.get("type") == "PodScheduled"), None)
            # Pods the scenario describes as unschedulable stay as described; ours are retried.
            if scheduled is not None and entry.uid not in self._failed_scheduling:
                continue
            chosen, reasons = self._pick_node(pod, nodes, requested)
            if chosen is None:
                message = f"0/{len(nodes)} nodes are available: " + ", ".join(
                    f"{count} {reason}" for reason, count in sorted(reasons.items())) + "."
                if entry.uid not in self._failed_scheduling or (scheduled or {}).get("message") != message:
                    self._failed_scheduling.add(entry.uid)

                    def unschedulable(p: Obj, message: str = message) -> None:
                        status = p.setdefault("status", {})
                        status["phase"] = "Pending"
                        status["conditions"] = _condition(list(status.get("conditions") or []), "PodScheduled",
                                                          "False", "Unschedulable", message)
                    self.store.mutate(PODS, entry.namespace, entry.name, unschedulable)
                    self.record_event(pod, "FailedScheduling", message, event_type="Warning",
                                      component="default-scheduler")
                continue
            self._failed_scheduling.discard(entry.uid)
            cpu, mem = _requests(pod)
            used = requested[chosen]
            used[0] += cpu
            used[1] += mem
            used[2] += 1

            def bind(p: Obj, node: str = chosen) -> None:
                p["spec"]["nodeName"] = node
                status = p.setdefault("status", {})
                status["conditions"] = _condition(list(status.get("conditions") or []), "PodScheduled", "True")
            self.store.mutate(PODS, entry.namespace, entry.name, bind)
            self.record_event(pod, "Scheduled", f"Successfully assigned {entry.namespace}/{entry.name} to {chosen}",
                              component="default-scheduler")

    def _pick_node(self, pod: Obj, nodes: list[Obj], requested: dict[str, list[float]]) -> tuple[str | None,
                                                                                                dict[str, int]]:
        spec = pod.get("spec") or {}
        tolerations = spec.get("tolerations") or []
        selector = spec.get("nodeSelector") or {}
        cpu, mem = _requests(pod)
        reasons: dict[str, int] = defaultdict(int)
        best: tuple[float, str] | None = None
        for node in nodes:
            name = node["metadata"]["name"]
            nspec, status = node.get("spec") or {}, node.get("status") or {}
            labels = node["metadata"].get("labels") or {}
            if nspec.get("unschedulable"):
                reasons["node(s) were unschedulable"] += 1
                continue
            untolerated = [t for t in nspec.get("taints") or [] if t.get("effect") in ("NoSchedule", "NoExecute")
                           and not tolerates(tolerations, t)]
            if untolerated:
                t = untolerated[0]
                value = f"{t['key']}: {t['value']}" if t.get("value") else t["key"]
                reasons[f"node(s) had untolerated taint {{{value}}}"] += 1
                continue
            ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
            if not ready:
                reasons["node(s) were not ready"] += 1
                continue
            if any(labels.get(k) != v for k, v in selector.items()) or not node_affinity_allows(spec, node):
                reasons["node(s) didn't match Pod's node affinity/selector"] += 1
                continue
            alloc = status.get("allocatable") or status.get("capacity") or {}
            used = requested[name]
            if alloc.get("cpu") is not None and used[0] + cpu > parse_quantity(alloc["cpu"]) + 1e-9:
                reasons["Insufficient cpu"] += 1
                continue
            if alloc.get("memory") is not None and used[1] + mem > parse_quantity(alloc["memory"]):
                reasons["Insufficient memory"] += 1
                continue
            if alloc.get("pods") is not None and used[2] + 1 > parse_quantity(alloc["pods"]):
                reasons["Too many pods"] += 1
                continue
            score = used[2]
            if best is None or (score, name) < best:
                best = (score, name)
        return (best[1] if best else None), reasons

    # -- kubelets ---------------------------------------------------------------------------------------------

    def _kubelets(self) -> None:
        now = time.monotonic()
        node_ips: dict[str, Entry] = {}
        for node_entry in self.store.entries(NODES):
            # The address is needed only for pods about to start; decode lazily.
            node_ips[node_entry.name] = node_entry
        for entry in self.store.entries(PODS):
            node = entry.fields.get("spec.nodeName") or ""
            if not node:
                continue
            if node not in node_ips:
                # The pod garbage collector removes pods bound to nodes that no longer exist.
                self.store.delete(PODS, entry.namespace, entry.name, grace_seconds=0)
                continue
            dead = node in self.dead_nodes
            if _deleting(entry):
                if dead:
                    continue
                first = self._pod_seen_deleting.setdefault(entry.uid, now)
                if first == now:
                    pod = entry.obj()
                    for container in pod["spec"].get("containers") or []:
                        self.record_event(pod, "Killing", f"Stopping container {container['name']}",
                                          component="kubelet", host=node)
                elif now - first >= self.termination_seconds:
                    self._pod_seen_deleting.pop(entry.uid, None)
                    self._finish_termination(entry)
                continue
            if dead:
                if entry.fields.get("status.phase") == "Running" and entry.fields.get("_ready") == "true":
                    marked = self.store.mutate(PODS, entry.namespace, entry.name, _mark_not_ready)
                    self._lost_ready[node].add(entry.uid)
                    if marked is not None:
                        self.record_event(marked, "NodeNotReady", "Node is not ready", event_type="Warning",
                                          component="node-controller")
                continue
            if entry.fields.get("status.phase") in ("", "Pending") and entry.fields.get("_started") != "true":
                addresses = (node_ips[node].obj().get("status") or {}).get("addresses") or []
                host_ip = next((a["address"] for a in addresses if a.get("type") == "InternalIP"), "")
                self._start(entry, host_ip, node)

    def _finish_termination(self, entry: Entry) -> None:
        def drop_grace(p: Obj) -> None:
            p["metadata"]["deletionGracePeriodSeconds"] = 0
        try:
            pod = self.store.get(PODS, entry.namespace, entry.name)
            if pod["metadata"].get("finalizers"):
                self.store.mutate(PODS, entry.namespace, entry.name, drop_grace)
            else:
                self.store.delete(PODS, entry.namespace, entry.name, grace_seconds=0)
        except ApiError:
            return

    def _start(self, entry: Entry, host_ip: str, node: str) -> None:
        ip_index = next(self._ips)
        pod_ip = f"10.244.{(ip_index // 250) % 250}.{ip_index % 250 + 2}"
        now = now_rfc3339()

        def start(p: Obj) -> None:
            spec = p["spec"]
            status = p.setdefault("status", {})
            conditions = list(status.get("conditions") or [])
            for ctype in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"):
                conditions = _condition(conditions, ctype, "True")
            status.update({
                "phase": "Running", "hostIP": host_ip, "hostIPs": [{"ip": host_ip}] if host_ip else [],
                "podIP": pod_ip, "podIPs": [{"ip": pod_ip}], "startTime": now, "conditions": conditions,
                "qosClass": status.get("qosClass") or _qos(spec),
                "containerStatuses": [
                    {"name": c["name"], "image": c.get("image", ""), "imageID": "", "ready": True,
                     "restartCount": 0, "started": True, "state": {"running": {"startedAt": now}},
                     "containerID": f"containerd://{secrets.token_hex(32)}"}
                    for c in spec.get("containers") or []
                ],
            })
            if not host_ip:
                status.pop("hostIPs")
        pod = self.store.mutate(PODS, entry.namespace, entry.name, start)
        if pod is not None:
            for container in pod["spec"].get("containers") or []:
                self.record_event(pod, "Pulled", f'Container image "{container.get("image", "")}" already present '
                                  "on machine", component="kubelet", host=node)
                self.record_event(pod, "Created", f"Created container {container['name']}", component="kubelet",
                                  host=node)
                self.record_event(pod, "Started", f"Started container {container['name']}", component="kubelet",
                                  host=node)

    # -- status -----------------------------------------------------------------------------------------------

    def _pdbs(self) -> None:
        for entry in self.store.entries(PDBS):
            self.refresh_pdb(entry.namespace, entry.name)

    def matching_pods(self, pdb: Obj) -> list[Obj]:
        requirements = selector_from_label_selector((pdb.get("spec") or {}).get("selector"))
        if requirements is None:
            return []
        return [e.obj() for e in self.store.entries(PODS, pdb["metadata"]["namespace"])
                if labels_match(requirements, e.labels)]

    def expected_scale(self, pods: list[Obj]) -> int:
        """The replicas the pods' controllers ask for, each controller once (the disruption controller's
        getExpectedScale): a ReplicaSet a Deployment owns counts as the Deployment. Pods without a controller are
        not counted."""
        scales: dict[str, int] = {}
        for pod in pods:
            namespace = pod["metadata"].get("namespace") or ""
            ref = _controller_ref(pod)
            if ref is None:
                continue
            owner = None
            if ref.get("kind") == "ReplicaSet":
                owner = self.store.find(REPLICASETS, namespace, str(ref.get("name")))
                parent = _controller_ref(owner) if owner is not None else None
                if parent is not None and parent.get("kind") == "Deployment":
                    owner = self.store.find(DEPLOYMENTS, namespace, str(parent.get("name")))
            elif ref.get("kind") == "StatefulSet":
                owner = self.store.find(STATEFULSETS, namespace, str(ref.get("name")))
            if owner is not None:
                scales[owner["metadata"]["uid"]] = int((owner.get("spec") or {}).get("replicas", 1))
        return sum(scales.values())

    def refresh_pdb(self, namespace: str, name: str) -> Obj | None:
        with self.store.lock:
            pdb = self.store.find(PDBS, namespace, name)
            if pdb is None:
                return None
            status = pdb_status(pdb, self.matching_pods(pdb), self.expected_scale)

            def update(obj: Obj) -> None:
                # Keep disruptedPods the eviction handler recorded; they expire when the pods are gone.
                disrupted = (obj.get("status") or {}).get("disruptedPods")
                obj["status"] = dict(status)
                if disrupted:
                    obj["status"]["disruptedPods"] = disrupted
            return self.store.mutate(PDBS, namespace, name, update)

    def _workload_status(self) -> None:
        pods_by_owner: dict[str, list[Entry]] = defaultdict(list)
        for pod in self.store.entries(PODS):
            for owner in pod.owners:
                pods_by_owner[owner].append(pod)

        def ready(p: Entry) -> bool:
            return p.fields.get("_ready") == "true" and not _deleting(p)

        rs_counts: dict[str, tuple[int, int]] = {}
        for entry in self.store.entries(REPLICASETS):
            pods = [p for p in pods_by_owner.get(entry.uid, []) if p.fields.get("status.phase") not in
                    ("Succeeded", "Failed")]
            total, ready_count = len(pods), sum(1 for p in pods if ready(p))
            rs_counts[entry.uid] = (total, ready_count)

            def rs_status(rs: Obj, total: int = total, ready_count: int = ready_count) -> None:
                rs["status"] = {"replicas": total, "fullyLabeledReplicas": total, "readyReplicas": ready_count,
                                "availableReplicas": ready_count,
                                "observedGeneration": rs["metadata"].get("generation", 1)}
                if not ready_count:
                    del rs["status"]["readyReplicas"], rs["status"]["availableReplicas"]
            self.store.mutate(REPLICASETS, entry.namespace, entry.name, rs_status)
        rs_by_owner: dict[str, list[Entry]] = defaultdict(list)
        for rs_entry in self.store.entries(REPLICASETS):
            for owner in rs_entry.owners:
                rs_by_owner[owner].append(rs_entry)
        for entry in self.store.entries(DEPLOYMENTS):
            deploy = entry.obj()
            spec = deploy.get("spec") or {}
            owned = rs_by_owner.get(entry.uid, [])
            if not owned:
                continue
            current_entry = next((r for r in owned if _equal_ignore_hash(
                (r.obj().get("spec") or {}).get("template"), spec.get("template") or {})), None)
            pod_hash = current_entry.labels.get("pod-template-hash", "") if current_entry else ""
            total = sum(rs_counts.get(r.uid, (0, 0))[0] for r in owned)
            ready_total = sum(rs_counts.get(r.uid, (0, 0))[1] for r in owned)
            updated = sum(rs_counts.get(r.uid, (0, 0))[0] for r in owned if r.labels.get("pod-template-hash") ==
                          pod_hash)
            desired = int(spec.get("replicas", 1))
            current_rs = next((r.name for r in owned if r.labels.get("pod-template-hash") == pod_hash), "")
            max_unavailable = _int_or_percent(
                ((spec.get("strategy") or {}).get("rollingUpdate") or {}).get("maxUnavailable", "25%"), desired,
                round_up=False)

            def deploy_status(d: Obj, total: int = total, ready_total: int = ready_total, updated: int = updated,
                              desired: int = desired, current_rs: str = current_rs, mu: int = max_unavailable) -> None:
                old = d.get("status") or {}
                conditions = list(old.get("conditions") or [])
                available = ready_total >= desired - mu
                conditions = _condition(conditions, "Available", "True" if available else "False",
                                        "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                                        "Deployment has minimum availability." if available else
                                        "Deployment does not have minimum availability.")
                complete = updated == desired and ready_total >= desired and total == desired
                conditions = _condition(conditions, "Progressing", "True",
                                        "NewReplicaSetAvailable" if complete else "ReplicaSetUpdated",
                                        f'ReplicaSet "{current_rs}" has successfully progressed.' if complete else
                                        f'ReplicaSet "{current_rs}" is progressing.')
                for c in conditions:
                    c.setdefault("lastUpdateTime", c["lastTransitionTime"])
                status: Obj = {"observedGeneration": d["metadata"].get("generation", 1), "replicas": total,
                               "updatedReplicas": updated, "readyReplicas": ready_total,
                               "availableReplicas": ready_total, "conditions": conditions}
                if total - ready_total > 0:
                    status["unavailableReplicas"] = total - ready_total
                for key in ("readyReplicas", "availableReplicas", "updatedReplicas", "replicas"):
                    if not status[key]:
                        del status[key]
                d["status"] = status
            self.store.mutate(DEPLOYMENTS, entry.namespace, entry.name, deploy_status)
        for entry in self.store.entries(STATEFULSETS):
            pods = [p for p in pods_by_owner.get(entry.uid, []) if not _deleting(p)]
            total, ready_count = len(pods), sum(1 for p in pods if ready(p))

            def sts_status(sts: Obj, total: int = total, ready_count: int = ready_count) -> None:
                status = dict(sts.get("status") or {})
                status.update(replicas=total, readyReplicas=ready_count, availableReplicas=ready_count,
                              currentReplicas=total, updatedReplicas=total,
                              observedGeneration=sts["metadata"].get("generation", 1))
                sts["status"] = status
            self.store.mutate(STATEFULSETS, entry.namespace, entry.name, sts_status)
        for entry in self.store.entries(DAEMONSETS):
            pods = [p for p in pods_by_owner.get(entry.uid, []) if not _deleting(p)]
            scheduled, ready_count = len(pods), sum(1 for p in pods if ready(p))

            def ds_status(ds: Obj, scheduled: int = scheduled, ready_count: int = ready_count) -> None:
                status: Obj = {"currentNumberScheduled": scheduled, "desiredNumberScheduled": scheduled,
                               "numberMisscheduled": 0, "numberReady": ready_count,
                               "updatedNumberScheduled": scheduled, "numberAvailable": ready_count,
                               "observedGeneration": ds["metadata"].get("generation", 1)}
                if scheduled - ready_count:
                    status["numberUnavailable"] = scheduled - ready_count
                if not ready_count:
                    del status["numberAvailable"]
                ds["status"] = status
            self.store.mutate(DAEMONSETS, entry.namespace, entry.name, ds_status)


class _Orphans:
    """Pods without an owner, indexed by namespace and label pair so adoption does not scan every pod for
    every controller."""

    def __init__(self, pods: list[Entry]) -> None:
        self._by_label: dict[tuple[str, str, str], list[Entry]] = defaultdict(list)
        self._by_namespace: dict[str, list[Entry]] = defaultdict(list)
        self._taken: set[str] = set()
        for pod in pods:
            if pod.owners or _deleting(pod):
                continue
            self._by_namespace[pod.namespace].append(pod)
            for key, value in pod.labels.items():
                self._by_label[(pod.namespace, key, value)].append(pod)

    def take(self, namespace: str, requirements: tuple[Requirement, ...]) -> list[Entry]:
        first = next((r for r in requirements if r.op == "=" and len(r.values) == 1), None)
        if first is not None:
            candidates = self._by_label.get((namespace, first.key, next(iter(first.values))), [])
        else:
            candidates = self._by_namespace.get(namespace, [])
        out = [p for p in candidates if p.uid not in self._taken and labels_match(requirements, p.labels)]
        self._taken.update(p.uid for p in out)
        return out


def _equal_ignore_hash(rs_template: Obj | None, template: Obj) -> bool:
    if rs_template is None:
        return False
    stripped = orjson.loads(orjson.dumps(rs_template))
    labels = (stripped.get("metadata") or {}).get("labels") or {}
    labels.pop("pod-template-hash", None)
    wanted = orjson.loads(orjson.dumps(template))
    for candidate in (stripped, wanted):
        meta = candidate.setdefault("metadata", {})
        if not meta.get("labels"):
            meta.pop("labels", None)
        if not meta:
            candidate.pop("metadata")
    return bool(stripped == wanted)


def _cordon_taint(node: Obj, unschedulable: bool) -> None:
    """`node.kubernetes.io/unschedulable:NoSchedule` on a cordoned node, and none on a schedulable one."""
    spec = node.setdefault("spec", {})
    taints = [t for t in spec.get("taints") or [] if t.get("key") != UNSCHEDULABLE]
    if unschedulable:
        taints.append({"key": UNSCHEDULABLE, "effect": "NoSchedule"})
    if taints:
        spec["taints"] = taints
    else:
        spec.pop("taints", None)


def _eviction_time(tolerations: list[Obj], taints: list[tuple[Obj, datetime]]) -> datetime | None:
    """When the taints evict a pod with these tolerations: the earliest over the taints (None: never)."""
    times = []
    for taint, added in taints:
        matching = [t for t in tolerations if tolerates([t], taint)]
        if not matching:
            return added  # not tolerated: evicted as soon as the taint is there
        limits = [t.get("tolerationSeconds") for t in matching]
        if any(limit is None for limit in limits):
            continue  # tolerated for ever
        times.append(added + timedelta(seconds=max(0, min(int(x) for x in limits if x is not None))))
    return min(times) if times else None


def _ordinal(owner: str, pod: str) -> int:
    """A StatefulSet pod's ordinal (its name's number after the owner's name); -1 when the name has none."""
    rest = pod[len(owner) + 1:] if pod.startswith(f"{owner}-") else ""
    return int(rest) if rest.isdigit() else -1


def _deleting(entry: Entry) -> bool:
    return b'"deletionTimestamp"' in entry.raw


def _mark_not_ready(pod: Obj) -> None:
    """What the node lifecycle controller does to pods on a node whose kubelet stopped reporting."""
    status = pod.setdefault("status", {})
    status["conditions"] = _condition(list(status.get("conditions") or []), "Ready", "False")


def _mark_ready(pod: Obj) -> None:
    """The kubelet is back: the pod is ready again if its containers are."""
    _set_pod_readiness(pod)


def _set_pod_readiness(pod: Obj) -> None:
    """Ready and ContainersReady follow the containers' readiness, as the kubelet's status manager sets them."""
    status = pod.setdefault("status", {})
    ready = all(s.get("ready") for s in status.get("containerStatuses") or [])
    value = "True" if ready else "False"
    reason = "" if ready else "ContainersNotReady"
    conditions = list(status.get("conditions") or [])
    for ctype in ("ContainersReady", "Ready"):
        conditions = _condition(conditions, ctype, value, reason)
    status["conditions"] = conditions


def _requests(pod: Obj) -> tuple[float, float]:
    cpu = mem = 0.0
    for c in (pod.get("spec") or {}).get("containers") or []:
        requests = (c.get("resources") or {}).get("requests") or {}
        cpu += parse_quantity(requests.get("cpu"))
        mem += parse_quantity(requests.get("memory"))
    return cpu, mem


def _qos(spec: Obj) -> str:
    containers = spec.get("containers") or []
    if not any((c.get("resources") or {}).get("requests") or (c.get("resources") or {}).get("limits")
               for c in containers):
        return "BestEffort"
    guaranteed = all(
        (c.get("resources") or {}).get("limits")
        and all(((c.get("resources") or {}).get("requests") or (c.get("resources") or {}).get("limits") or {}).get(k)
                == ((c.get("resources") or {}).get("limits") or {}).get(k) for k in ("cpu", "memory"))
        for c in containers
    )
    return "Guaranteed" if guaranteed else "Burstable"
