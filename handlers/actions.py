"""Disruptive cluster actions behind approval: cordon, uncordon, drain, delete pod, restart and scale a deployment.

Each has a preview that reads the cluster and states exactly what will happen (the pods a drain will evict and
the PodDisruptionBudget that blocks each; current → new replicas) plus the facts the approval rests on (the
object's uid, the node's state, the replica count); the workflow computes the preview again just before running
and refuses if any fact changed. No kubectl passthrough: each action is one typed call on `ClusterWriter`.

A drain is what `kubectl drain` does, through the eviction API: cordon, skip DaemonSet and mirror pods, evict
the rest (a PodDisruptionBudget answers 429 and the eviction is retried every few seconds until the timeout),
then say plainly what was evicted, what is still there and which budget holds it, and that the node stays
cordoned. A drain that fails half-way (the bot may not evict, the cluster stops answering) fails with what it
had done by then: the node left cordoned, how many of the pods were evicted, and how to undo the cordon.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any

from bot.blocks import Block, Context, Fields, Level, Notice, Table, View
from bot.cluster.model import Deployment, Node, Pod, PodDisruptionBudget
from bot.deps import Deps
from bot.errors import AksbotError, NotFound, Refused, UserError
from bot.preview import Preview
from bot.registry import ClusterCall, Risk, Scope, command
from handlers.args import DeletePodArgs, DeploymentArgs, DrainArgs, NodeArgs, ScaleDeploymentArgs
from handlers.nodes import find_node
from handlers.pods import find_pod
from handlers.workloads import find_deployment

EVICTION_RETRY_SECONDS = 5.0  # what kubectl drain waits between two evictions a PodDisruptionBudget refused
DEFAULT_DRAIN_TIMEOUT = 120


def _cluster(call: ClusterCall[Any]) -> str:
    if call.cluster is None:
        raise UserError("This command needs a cluster.")
    return call.cluster


def _ready(node: Node) -> str:
    return {"True": "Ready", "False": "NotReady"}.get(node.ready, "Unknown")


def _node_state(node: Node) -> str:
    return "cordoned" if node.unschedulable else "schedulable"


def _node_facts(node: Node) -> tuple[tuple[str, str], ...]:
    return (("node uid", node.uid), ("node scheduling", _node_state(node)))


def _node_fields(node: Node) -> Fields:
    return Fields(
        (
            ("Node", node.name),
            ("Pool", node.pool or "-"),
            ("Status", _ready(node)),
            ("Scheduling", "SchedulingDisabled" if node.unschedulable else "enabled"),
        )
    )


# -- cordon / uncordon --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeScheduling:
    """A node after cordon or uncordon."""

    cluster: str
    node: Node

    def view(self) -> View:
        n = self.node
        if n.unschedulable:
            text = f"Node {n.name} is cordoned (SchedulingDisabled): no new pods will be scheduled on it."
            hint = f"Undo with `/k8s uncordon {n.name}`; move its pods away with `/k8s drain {n.name}`."
        else:
            text = f"Node {n.name} is schedulable again."
            hint = "Pods already moved elsewhere stay where they are; new ones may land here."
        return View(text, (Notice(text, Level.OK), _node_fields(n), Context(hint)))


def _scheduling_preview(call: ClusterCall[NodeArgs], deps: Deps, cordon: bool) -> Preview:
    reader = deps.clusters.reader(_cluster(call))
    node = find_node(deps, _cluster(call), call.args.node)
    verb = "Cordon" if cordon else "Uncordon"
    action = f"{verb} node {node.name} on {call.cluster}"
    if node.unschedulable == cordon:
        return Preview(
            action,
            expect=_node_facts(node),
            blocked=f"Node `{node.name}` is already {_node_state(node)}; nothing to do.",
        )
    pods = reader.pods(None, node=node.name)
    effect = (
        f"New pods will not be scheduled on it; its {len(pods)} pod(s) keep running."
        if cordon
        else "New pods may be scheduled on it again."
    )
    return Preview(action, (_node_fields(node), Notice(effect, Level.INFO)), _node_facts(node))


def preview_cordon(call: ClusterCall[NodeArgs], deps: Deps) -> Preview:
    return _scheduling_preview(call, deps, cordon=True)


def preview_uncordon(call: ClusterCall[NodeArgs], deps: Deps) -> Preview:
    return _scheduling_preview(call, deps, cordon=False)


@command(
    "cordon",
    args=NodeArgs,
    risk=Risk.DISRUPTIVE,
    preview=preview_cordon,
    scope=Scope.CLUSTER,
    examples=("/k8s cordon aks-nodepool1-12345678-vmss000001",),
)
def cordon(call: ClusterCall[NodeArgs], deps: Deps) -> NodeScheduling:
    """Mark a node unschedulable (its pods keep running), after approval."""
    node = deps.clusters.writer(_cluster(call)).cordon(call.args.node, True)
    return NodeScheduling(_cluster(call), node)


@command(
    "uncordon",
    args=NodeArgs,
    risk=Risk.DISRUPTIVE,
    preview=preview_uncordon,
    scope=Scope.CLUSTER,
    examples=("/k8s uncordon aks-nodepool1-12345678-vmss000001",),
)
def uncordon(call: ClusterCall[NodeArgs], deps: Deps) -> NodeScheduling:
    """Make a cordoned node schedulable again, after approval."""
    node = deps.clusters.writer(_cluster(call)).cordon(call.args.node, False)
    return NodeScheduling(_cluster(call), node)


# -- drain --------------------------------------------------------------------------------------------------


def _is_mirror(pod: Pod) -> bool:
    # The kubelet makes the Node the owner of every mirror pod it creates; `Pod` does not carry annotations,
    # so the owner is how a static pod is recognised (the `kubernetes.io/config.mirror` annotation comes with it).
    return pod.owner is not None and pod.owner.kind == "Node"


def _finished(pod: Pod) -> bool:
    return pod.phase in ("Succeeded", "Failed")


@dataclass(frozen=True)
class DrainPlan:
    """Which pods on the node a drain evicts, skips or leaves, and the budget that guards each evictable pod."""

    node: Node
    evict: tuple[Pod, ...]
    daemonset: tuple[Pod, ...]
    mirror: tuple[Pod, ...]
    unmanaged: tuple[Pod, ...]  # no controller: left unless --force
    guards: tuple[tuple[Pod, PodDisruptionBudget], ...]

    def guard_of(self, pod: Pod) -> PodDisruptionBudget | None:
        return next((pdb for p, pdb in self.guards if p.uid == pod.uid), None)


def plan_drain(node: Node, pods: list[Pod], guarded: dict[str, PodDisruptionBudget], force: bool) -> DrainPlan:
    """`guarded`: the budget selecting each pod, by pod uid."""
    evict: list[Pod] = []
    daemonset: list[Pod] = []
    mirror: list[Pod] = []
    unmanaged: list[Pod] = []
    for pod in sorted(pods, key=lambda p: (p.namespace, p.name)):
        if _is_mirror(pod):
            mirror.append(pod)
        elif pod.owner is not None and pod.owner.kind == "DaemonSet":
            daemonset.append(pod)
        elif pod.owner is None and not _finished(pod) and not force:
            unmanaged.append(pod)
        else:
            evict.append(pod)
    guards = tuple((pod, guarded[pod.uid]) for pod in evict if pod.uid in guarded)
    return DrainPlan(node, tuple(evict), tuple(daemonset), tuple(mirror), tuple(unmanaged), guards)


def _read_plan(call: ClusterCall[DrainArgs], deps: Deps) -> DrainPlan:
    reader = deps.clusters.reader(_cluster(call))
    node = find_node(deps, _cluster(call), call.args.node)
    pods = reader.pods(None, node=node.name)
    on_node = {p.uid for p in pods}
    guarded: dict[str, PodDisruptionBudget] = {}
    for namespace in sorted({p.namespace for p in pods}):
        for pdb in reader.pdbs(namespace):
            # The API server applies the budget's own selector (expressions included), exactly as eviction does.
            for pod in reader.pods(namespace, selector=pdb.selector_text or None):
                if pod.uid in on_node:
                    guarded.setdefault(pod.uid, pdb)
    return plan_drain(node, pods, guarded, call.args.force)


def _budget_text(pdb: PodDisruptionBudget) -> str:
    return f"{pdb.namespace}/{pdb.name} ({pdb.disruptions_allowed} disruption(s) allowed now)"


def preview_drain(call: ClusterCall[DrainArgs], deps: Deps) -> Preview:
    plan = _read_plan(call, deps)
    node = plan.node
    action = f"Drain node {node.name} on {call.cluster}: cordon it and evict {len(plan.evict)} pod(s)"
    rows = tuple(
        (
            f"{p.namespace}/{p.name}",
            f"{p.owner.kind}/{p.owner.name}" if p.owner else "none",
            _budget_text(pdb) if (pdb := plan.guard_of(p)) else "-",
        )
        for p in plan.evict
    )
    blocks: list[Block] = [_node_fields(node)]
    if rows:
        blocks.append(Table(("pod", "owner", "PodDisruptionBudget"), rows, title="Pods to evict"))
    skipped = [f"{len(plan.daemonset)} DaemonSet pod(s)", f"{len(plan.mirror)} static (mirror) pod(s)"]
    blocks.append(Context("Skipped, as kubectl drain does: " + ", ".join(skipped) + "."))
    warnings: list[str] = []
    for budget in {pdb.name: pdb for _, pdb in plan.guards if pdb.disruptions_allowed < 1}.values():
        guarded = [p.name for p, b in plan.guards if b.name == budget.name and b.namespace == budget.namespace]
        warnings.append(
            f"PodDisruptionBudget {budget.namespace}/{budget.name} allows no disruption now and guards "
            f"{', '.join(guarded)}: the drain retries for up to {call.args.timeout} s, then stops and leaves the "
            "node cordoned with those pods on it."
        )
    if plan.unmanaged:
        names = ", ".join(f"{p.namespace}/{p.name}" for p in plan.unmanaged)
        warnings.append(f"Not evicted (no controller would recreate them; add --force to evict): {names}.")
    expect = (("node uid", node.uid), ("node status", _ready(node)), ("pods to evict", str(len(plan.evict))))
    return Preview(action, tuple(blocks), expect, tuple(warnings))


@dataclass(frozen=True)
class DrainResult:
    """How a drain ended: what left the node, what is still on it and why."""

    cluster: str
    node: str
    evicted: tuple[str, ...]
    blocked: tuple[tuple[str, str], ...]  # pod, the budget (or the refusal) that kept it
    left_unmanaged: tuple[str, ...]
    still_terminating: tuple[str, ...]
    skipped: int
    timeout: int

    @property
    def complete(self) -> bool:
        return not self.blocked and not self.left_unmanaged

    def view(self) -> View:
        if self.complete:
            summary = f"Node {self.node} drained: {len(self.evicted)} pod(s) evicted"
            blocks: list[Block] = [Notice(summary + "; it stays cordoned.", Level.OK)]
        else:
            summary = (
                f"Drain of {self.node} stopped: {len(self.evicted)} of {len(self.evicted) + len(self.blocked)} "
                f"pod(s) evicted, {len(self.blocked) + len(self.left_unmanaged)} still on the node"
            )
            blocks = [
                Notice(
                    f"{summary}. The node stays cordoned (no new pods), and the pods below keep running on it.",
                    Level.WARN,
                )
            ]
        if self.blocked:
            blocks.append(
                Table(("pod", "kept by"), self.blocked, title=f"Still on the node after {self.timeout} s of retries")
            )
        if self.left_unmanaged:
            blocks.append(Notice("Not evicted (no controller): " + ", ".join(self.left_unmanaged), Level.WARN))
        if self.evicted:
            blocks.append(Fields((("Evicted", ", ".join(self.evicted)),)))
        if self.still_terminating:
            blocks.append(Context("Still terminating: " + ", ".join(self.still_terminating)))
        hint = f"{self.skipped} DaemonSet/static pod(s) were left in place. Uncordon with `/k8s uncordon {self.node}`"
        if not self.complete:
            hint += f"; once the budget allows it, run `/k8s drain {self.node}` again"
        blocks.append(Context(hint + "."))
        return View(summary, tuple(blocks))


@command(
    "drain",
    args=DrainArgs,
    risk=Risk.DISRUPTIVE,
    preview=preview_drain,
    scope=Scope.CLUSTER,
    examples=("/k8s drain aks-nodepool1-12345678-vmss000001", "/k8s drain NODE --timeout 300"),
)
def drain(call: ClusterCall[DrainArgs], deps: Deps) -> DrainResult:
    """Cordon a node and evict its pods through the eviction API, honouring PodDisruptionBudgets, after approval."""
    cluster = _cluster(call)
    reader, writer = deps.clusters.reader(cluster), deps.clusters.writer(cluster)
    node = reader.node(call.args.node)
    was_cordoned = node.unschedulable
    if not was_cordoned:
        writer.cordon(node.name, True)
        call.progress(f"Cordoned {node.name}.")
    plan: DrainPlan | None = None
    evicted: list[Pod] = []
    try:
        plan = _read_plan(call, deps)
        return _evict_all(call, deps, cluster, plan, evicted)
    except AksbotError as exc:
        raise _stopped_half_way(exc, node.name, was_cordoned, plan, evicted) from exc


def _evict_all(
    call: ClusterCall[DrainArgs], deps: Deps, cluster: str, plan: DrainPlan, evicted: list[Pod]
) -> DrainResult:
    """Evict the plan's pods (appending each to `evicted` as it goes), retrying the ones a budget holds."""
    writer = deps.clusters.writer(cluster)
    node = plan.node
    call.progress(
        f"Evicting {len(plan.evict)} pod(s) from {node.name} (skipping "
        f"{len(plan.daemonset) + len(plan.mirror)} DaemonSet/static pod(s)); timeout {call.args.timeout} s."
    )
    deadline = time.monotonic() + call.args.timeout
    waiting = list(plan.evict)
    refusals: dict[str, str] = {}
    while waiting:
        for pod in list(waiting):
            key = f"{pod.namespace}/{pod.name}"
            try:
                writer.evict(pod.namespace, pod.name)
            except NotFound:
                pass  # gone already: nothing left to evict
            except Refused as exc:
                if key not in refusals:
                    call.progress(f"{exc.message} Retrying every {EVICTION_RETRY_SECONDS:g} s.")
                refusals[key] = exc.message
                continue
            waiting.remove(pod)
            evicted.append(pod)
            refusals.pop(key, None)
            call.progress(f"Evicted {key}.")
        remaining = deadline - time.monotonic()
        if not waiting or remaining <= 0:
            break
        time.sleep(min(EVICTION_RETRY_SECONDS, remaining))
    terminating = _wait_gone(deps, cluster, node.name, evicted, deadline)
    blocked = tuple(
        (
            f"{p.namespace}/{p.name}",
            f"PodDisruptionBudget {_budget_text(pdb)}"
            if (pdb := plan.guard_of(p))
            else refusals.get(f"{p.namespace}/{p.name}", "refused"),
        )
        for p in waiting
    )
    return DrainResult(
        cluster=cluster,
        node=node.name,
        evicted=tuple(f"{p.namespace}/{p.name}" for p in evicted),
        blocked=blocked,
        left_unmanaged=tuple(f"{p.namespace}/{p.name}" for p in plan.unmanaged),
        still_terminating=terminating,
        skipped=len(plan.daemonset) + len(plan.mirror),
        timeout=call.args.timeout,
    )


def _stopped_half_way(
    exc: AksbotError, node: str, was_cordoned: bool, plan: DrainPlan | None, evicted: list[Pod]
) -> AksbotError:
    """The same error, its message followed by what the drain had changed by then and how to undo it."""
    cordon = (
        "the node stays cordoned (it already was)"
        if was_cordoned
        else f"the node is left cordoned (undo with `/k8s uncordon {node}`)"
    )
    if plan is None:
        done = f"Drain of {node} stopped before evicting anything: {cordon}."
    else:
        moved = {p.uid for p in evicted}
        left = [f"{p.namespace}/{p.name}" for p in plan.evict if p.uid not in moved]
        done = f"Drain of {node} stopped half-way: {cordon}; {len(evicted)} of {len(plan.evict)} pod(s) evicted"
        done += f" ({', '.join(f'{p.namespace}/{p.name}' for p in evicted)})" if evicted else ""
        done += f", still on the node: {', '.join(left)}." if left else "."
        if evicted:
            done += " Evicted pods are not put back (their controllers, if any, recreate them on other nodes)."
    failed = copy.copy(exc)
    failed.message = f"{exc.message.rstrip('.')}. {done}"
    failed.args = (failed.message,)
    return failed


def _wait_gone(deps: Deps, cluster: str, node: str, evicted: list[Pod], deadline: float) -> tuple[str, ...]:
    """Wait (until the deadline) for evicted pods to leave the node; the ones still terminating."""
    uids = {p.uid for p in evicted}
    while True:
        left = [p for p in deps.clusters.reader(cluster).pods(None, node=node) if p.uid in uids]
        if not left or time.monotonic() >= deadline:
            return tuple(f"{p.namespace}/{p.name}" for p in left)
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


# -- delete pod ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PodDeleted:
    cluster: str
    namespace: str
    pod: str
    owner: str | None

    def view(self) -> View:
        text = f"Pod {self.namespace}/{self.pod} deleted."
        after = f"Its {self.owner} will create a replacement." if self.owner else "Nothing will recreate it."
        return View(text, (Notice(f"{text} {after}", Level.OK),))


def preview_delete_pod(call: ClusterCall[DeletePodArgs], deps: Deps) -> Preview:
    pod = find_pod(deps, _cluster(call), call.namespace, call.args.pod)
    owner = f"{pod.owner.kind}/{pod.owner.name}" if pod.owner else None
    action = f"Delete pod {pod.namespace}/{pod.name} on {call.cluster}"
    blocks: list[Block] = [
        Fields((("Pod", pod.name), ("Namespace", pod.namespace), ("Node", pod.node or "-"), ("Owner", owner or "none")))
    ]
    warnings = () if owner else ("This pod has no controller: once deleted, nothing recreates it.",)
    expect = (("pod uid", pod.uid), ("pod node", pod.node or "-"))
    return Preview(action, tuple(blocks), expect, warnings)


@command(
    "delete pod",
    args=DeletePodArgs,
    risk=Risk.DISRUPTIVE,
    preview=preview_delete_pod,
    scope=Scope.NAMESPACED,
    examples=("/k8s delete pod api-6d8f7b9c4-x2x4z -n prod",),
)
def delete_pod(call: ClusterCall[DeletePodArgs], deps: Deps) -> PodDeleted:
    """Delete one pod (its controller recreates it), after approval."""
    cluster = _cluster(call)
    pod = deps.clusters.reader(cluster).pod(call.namespace, call.args.pod)
    deps.clusters.writer(cluster).delete_pod(call.namespace, call.args.pod)
    return PodDeleted(cluster, pod.namespace, pod.name, f"{pod.owner.kind}/{pod.owner.name}" if pod.owner else None)


# -- restart / scale deployment -----------------------------------------------------------------------------


def _deployment_fields(d: Deployment) -> Fields:
    return Fields(
        (
            ("Deployment", f"{d.namespace}/{d.name}"),
            ("Replicas", str(d.replicas)),
            ("Ready", str(d.ready)),
            ("Strategy", d.strategy or "-"),
        )
    )


@dataclass(frozen=True)
class DeploymentChanged:
    cluster: str
    verb: str
    before: Deployment
    after: Deployment

    def view(self) -> View:
        d = self.after
        if self.verb == "restart":
            text = f"Deployment {d.namespace}/{d.name} restarting: its pods are replaced by a rolling update."
        else:
            text = f"Deployment {d.namespace}/{d.name} scaled from {self.before.replicas} to {d.replicas} replicas."
        return View(text, (Notice(text, Level.OK), _deployment_fields(d)))


def preview_restart_deployment(call: ClusterCall[DeploymentArgs], deps: Deps) -> Preview:
    d = find_deployment(deps, _cluster(call), call.namespace, call.args.name)
    action = f"Restart deployment {d.namespace}/{d.name} on {call.cluster} (rollout restart of {d.replicas} pod(s))"
    warnings = ("It has 1 replica: it is unavailable while the new pod starts.",) if d.replicas == 1 else ()
    expect = (("deployment uid", d.uid), ("replicas", str(d.replicas)))
    return Preview(action, (_deployment_fields(d),), expect, warnings)


@command(
    "restart deployment",
    args=DeploymentArgs,
    risk=Risk.DISRUPTIVE,
    preview=preview_restart_deployment,
    scope=Scope.NAMESPACED,
    examples=("/k8s restart deployment api -n prod",),
)
def restart_deployment(call: ClusterCall[DeploymentArgs], deps: Deps) -> DeploymentChanged:
    """Restart a deployment's pods with a rolling update (`kubectl rollout restart`), after approval."""
    cluster = _cluster(call)
    before = deps.clusters.reader(cluster).deployment(call.namespace, call.args.name)
    after = deps.clusters.writer(cluster).restart_deployment(call.namespace, call.args.name)
    return DeploymentChanged(cluster, "restart", before, after)


def preview_scale_deployment(call: ClusterCall[ScaleDeploymentArgs], deps: Deps) -> Preview:
    d = find_deployment(deps, _cluster(call), call.namespace, call.args.name)
    new = call.args.replicas
    action = f"Scale deployment {d.namespace}/{d.name} on {call.cluster} from {d.replicas} to {new} replicas"
    expect = (("deployment uid", d.uid), ("replicas", str(d.replicas)))
    if new == d.replicas:
        return Preview(
            action, expect=expect, blocked=f"Deployment `{d.name}` already has {new} replicas; nothing to do."
        )
    warnings: list[str] = []
    if new == 0:
        warnings.append("Scaling to 0 stops every pod of it: the service has no backend until scaled up again.")
    elif new < d.replicas:
        warnings.append(f"{d.replicas - new} pod(s) will be terminated.")
    return Preview(action, (_deployment_fields(d),), expect, tuple(warnings))


@command(
    "scale deployment",
    args=ScaleDeploymentArgs,
    risk=Risk.DISRUPTIVE,
    preview=preview_scale_deployment,
    scope=Scope.NAMESPACED,
    examples=("/k8s scale deployment api --replicas 5 -n prod",),
)
def scale_deployment(call: ClusterCall[ScaleDeploymentArgs], deps: Deps) -> DeploymentChanged:
    """Set a deployment's replica count, after approval."""
    cluster = _cluster(call)
    before = deps.clusters.reader(cluster).deployment(call.namespace, call.args.name)
    after = deps.clusters.writer(cluster).scale_deployment(call.namespace, call.args.name, call.args.replicas)
    return DeploymentChanged(cluster, "scale", before, after)
