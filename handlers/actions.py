"""Disruptive cluster actions behind approval: cordon, uncordon, drain, delete pod, restart and scale a deployment.

Each has a preview that reads the cluster and states exactly what will happen (the pods a drain will evict and
the PodDisruptionBudget that blocks each; current → new replicas) plus the facts the approval rests on (the
object's uid, the node's state, the replica count); the workflow computes the preview again just before running
and refuses if any fact changed. No kubectl passthrough: each action is one typed call on `ClusterWriter`.

A request made in Chinese is previewed, followed and answered in Chinese (`ACTIONS` in `bot.i18n`): the preview is
computed with the requester's call, the result carries the request's language. The facts keep one form in both
languages, since the request stores them and the re-check compares them by name.

A drain is what `kubectl drain` does, through the eviction API: cordon, skip DaemonSet and mirror pods, evict
the rest (a PodDisruptionBudget answers 429 and the eviction is retried every few seconds until the timeout),
then say plainly what was evicted, what is still there and which budget holds it, and that the node stays
cordoned. On a node whose kubelet is unreachable (Ready=Unknown) nothing confirms a deletion: the preview warns that
evicted pods will stay Terminating until the node comes back or is deleted through its pool, the drain does not wait
for them, and it ends as a warning naming them. A drain that fails half-way (the bot may not evict, the cluster
stops answering) fails with what it had done by then: the node left cordoned, how many of the pods were evicted,
and how to undo the cordon.
"""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from bot.blocks import Block, Context, Fields, Level, Notice, Table, View
from bot.cluster.model import CORDON_REQUEST, CORDONED_AT, Deployment, Node, Pod, PodDisruptionBudget
from bot.cluster.reads import SIDE_FAILURES
from bot.deps import Deps
from bot.errors import AksbotError, NotFound, Refused, UserError
from bot.i18n import ACTIONS as A
from bot.i18n import Said, in_lang, said
from bot.preview import Preview
from bot.refs import Kind, ObjectRef, node_ref, pod_ref
from bot.registry import ClusterCall, Lang, Risk, Scope, command
from handlers._format import joined
from handlers._lookup import find_node
from handlers.args import DeletePodArgs, DeploymentArgs, DrainArgs, NodeArgs, ScaleDeploymentArgs
from handlers.pods import find_pod
from handlers.rules.scheduling import room_for
from handlers.workloads import find_deployment

log = logging.getLogger(__name__)

EVICTION_RETRY_SECONDS = 5.0  # what kubectl drain waits between two evictions a PodDisruptionBudget refused
DEFAULT_DRAIN_TIMEOUT = 120


def _cluster(call: ClusterCall[Any]) -> str:
    if call.cluster is None:
        raise UserError(said(A.needs_cluster))
    return call.cluster


def _cordon_note(call: ClusterCall[Any], deps: Deps, cordon: bool) -> dict[str, str | None] | None:
    """The annotations the bot leaves on a node it cordons for an approved request (`bot.cluster.model.CORDON_REQUEST`),
    so whoever looks at the node sees why, and the watcher does not announce the bot's own work as a problem;
    uncordoning removes them. Nothing for a call that runs without a request."""
    if not cordon:
        return {CORDON_REQUEST: None, CORDONED_AT: None}
    if call.request is None:
        return None
    return {CORDON_REQUEST: call.request, CORDONED_AT: deps.clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def _ready(node: Node) -> str:
    return {"True": "Ready", "False": "NotReady"}.get(node.ready, "Unknown")


def _node_state(node: Node) -> str:
    return "cordoned" if node.unschedulable else "schedulable"


def _unreachable(node: Node) -> bool:
    """The control plane has stopped hearing from the node's kubelet (Ready=Unknown): nothing on the node acts on a
    deletion, so an evicted pod stays Terminating until the node comes back or is deleted."""
    return _ready(node) == "Unknown"


def _delete_machine(deps: Deps, cluster: str, node: Node) -> str:
    """The `az` command that deletes `node`'s machine through its node pool (the knowledge base's
    `node-delete-via-pool`: never `kubectl delete node` on AKS), with the cluster's Azure names when they are
    configured."""
    settings = deps.settings.cluster(cluster)
    azure = settings.azure if settings is not None else None
    group, name = (azure.resource_group, azure.cluster_name) if azure is not None else ("RG", "NAME")
    return (
        f"az aks nodepool delete-machines -g {group} --cluster-name {name} -n {node.pool or 'POOL'} "
        f"--machine-names {node.name}"
    )


def _node_facts(node: Node) -> tuple[tuple[str, str], ...]:
    return (("node uid", node.uid), ("node scheduling", _node_state(node)))


def _node_fields(node: Node, lang: Lang) -> Fields:
    return Fields(
        (
            (A.node(lang), node.name),
            (A.pool(lang), node.pool or "-"),
            (A.status(lang), _ready(node)),
            (A.scheduling(lang), "SchedulingDisabled" if node.unschedulable else A.scheduling_enabled(lang)),
        )
    )


# -- cordon / uncordon --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeScheduling:
    """A node after cordon or uncordon."""

    cluster: str
    node: Node
    lang: Lang = "en"

    def view(self) -> View:
        n, lang = self.node, self.lang
        if n.unschedulable:
            text = A.cordoned(lang, node=n.name)
            hint = A.cordoned_hint(lang, node=n.name)
        else:
            text = A.uncordoned(lang, node=n.name)
            hint = A.uncordoned_hint(lang)
        return View(text, (Notice(text, Level.OK), _node_fields(n, lang), Context(hint)))


def _scheduling_preview(call: ClusterCall[NodeArgs], deps: Deps, cordon: bool) -> Preview:
    reader = deps.clusters.reader(_cluster(call))
    node = find_node(deps, _cluster(call), call.args.node)
    lang = call.lang
    action = said(A.cordon_action if cordon else A.uncordon_action, node=node.name, cluster=call.cluster)
    target = node_ref(node.name)
    if node.unschedulable == cordon:
        already = A.already_cordoned if node.unschedulable else A.already_schedulable
        return Preview(action, expect=_node_facts(node), blocked=already(lang, node=node.name), done=True,
                       target=target)
    pods = reader.pods(None, node=node.name)
    effect = A.cordon_effect(lang, count=len(pods)) if cordon else A.uncordon_effect(lang)
    return Preview(action, (_node_fields(node, lang), Notice(effect, Level.INFO)), _node_facts(node), target=target)


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
    aliases=("封锁", "停止调度"),
    examples=("/k8s cordon aks-nodepool1-12345678-vmss000001",),
)
def cordon(call: ClusterCall[NodeArgs], deps: Deps) -> NodeScheduling:
    """Mark a node unschedulable (its pods keep running), after approval."""
    node = deps.clusters.writer(_cluster(call)).cordon(call.args.node, True, _cordon_note(call, deps, True))
    return NodeScheduling(_cluster(call), node, call.lang)


@command(
    "uncordon",
    args=NodeArgs,
    risk=Risk.DISRUPTIVE,
    preview=preview_uncordon,
    scope=Scope.CLUSTER,
    aliases=("解除封锁", "恢复调度"),
    examples=("/k8s uncordon aks-nodepool1-12345678-vmss000001",),
)
def uncordon(call: ClusterCall[NodeArgs], deps: Deps) -> NodeScheduling:
    """Make a cordoned node schedulable again, after approval."""
    node = deps.clusters.writer(_cluster(call)).cordon(call.args.node, False, _cordon_note(call, deps, False))
    return NodeScheduling(_cluster(call), node, call.lang)


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


def _budget_text(pdb: PodDisruptionBudget, lang: Lang) -> str:
    return A.budget(lang, namespace=pdb.namespace, name=pdb.name, allowed=pdb.disruptions_allowed)


def preview_drain(call: ClusterCall[DrainArgs], deps: Deps) -> Preview:
    plan = _read_plan(call, deps)
    node = plan.node
    lang = call.lang
    action = said(A.drain_action, node=node.name, cluster=call.cluster, count=len(plan.evict))
    rows = tuple(
        (
            f"{p.namespace}/{p.name}",
            f"{p.owner.kind}/{p.owner.name}" if p.owner else A.none(lang),
            _budget_text(pdb, lang) if (pdb := plan.guard_of(p)) else "-",
        )
        for p in plan.evict
    )
    blocks: list[Block] = [_node_fields(node, lang)]
    if rows:
        # The budget's column is named by its Kubernetes kind, the same in both languages.
        columns = (A.col_pod(lang), A.col_owner(lang), "PodDisruptionBudget")
        blocks.append(Table(columns, rows, title=A.pods_to_evict(lang)))
    blocks.append(Context(A.skipped(lang, daemonset=len(plan.daemonset), mirror=len(plan.mirror))))
    warnings: list[str] = []
    for budget in {pdb.name: pdb for _, pdb in plan.guards if pdb.disruptions_allowed < 1}.values():
        guarded = [p.name for p, b in plan.guards if b.name == budget.name and b.namespace == budget.namespace]
        warnings.append(
            A.budget_blocks(
                lang,
                budget=f"{budget.namespace}/{budget.name}",
                pods=joined(guarded, lang),
                timeout=call.args.timeout,
            )
        )
    if plan.unmanaged:
        names = joined([f"{p.namespace}/{p.name}" for p in plan.unmanaged], lang)
        warnings.append(A.unmanaged(lang, pods=names))
    if plan.evict and _ready(node) != "Ready":
        # The knowledge base's node-notready runbook: drain only if the kubelet is reachable.
        lost = A.drain_node_unknown if _unreachable(node) else A.drain_node_notready
        warnings.insert(0, lost(lang, node=node.name, command=_delete_machine(deps, _cluster(call), node)))
    expect = (("node uid", node.uid), ("node status", _ready(node)), ("pods to evict", str(len(plan.evict))))
    return Preview(action, tuple(blocks), expect, tuple(warnings), target=node_ref(node.name))


@dataclass(frozen=True)
class Kept:
    """A pod a drain could not evict, and what kept it: the budget that guards it, else the cluster's refusal."""

    pod: str
    budget: PodDisruptionBudget | None = None
    refusal: str | None = None  # what the API server answered (None: it refused without saying why)

    def reason(self, lang: Lang) -> str:
        if self.budget is not None:
            return f"PodDisruptionBudget {_budget_text(self.budget, lang)}"
        return self.refusal or A.refused(lang)


@dataclass(frozen=True)
class DrainResult:
    """How a drain ended: what left the node, what is still on it and why."""

    cluster: str
    node: str
    evicted: tuple[str, ...]
    blocked: tuple[Kept, ...]
    left_unmanaged: tuple[str, ...]
    still_terminating: tuple[str, ...]
    skipped: int
    timeout: int
    lang: Lang = "en"
    node_status: str = "Ready"  # Ready, NotReady or Unknown, as the drain found the node
    delete_machine: str = ""  # how to delete the node through its pool, for pods its kubelet cannot let go

    @property
    def complete(self) -> bool:
        return not self.blocked and not self.left_unmanaged

    @property
    def stuck(self) -> bool:
        """Evicted pods still Terminating on a node that is not Ready: its kubelet may never confirm they stopped."""
        return bool(self.still_terminating) and self.node_status != "Ready"

    def view(self) -> View:
        lang = self.lang
        if self.complete:
            if self.stuck:
                summary = A.drained_stuck(
                    lang, node=self.node, count=len(self.evicted), stuck=len(self.still_terminating)
                )
            else:
                summary = A.drained(lang, node=self.node, count=len(self.evicted))
            level = Level.WARN if self.stuck else Level.OK
            blocks: list[Block] = [Notice(A.stays_cordoned(lang, summary=summary), level)]
        else:
            summary = A.drain_stopped(
                lang,
                node=self.node,
                evicted=len(self.evicted),
                tried=len(self.evicted) + len(self.blocked),
                left=len(self.blocked) + len(self.left_unmanaged),
            )
            blocks = [Notice(A.drain_stopped_notice(lang, summary=summary), Level.WARN)]
        if self.blocked:
            rows = tuple((kept.pod, kept.reason(lang)) for kept in self.blocked)
            title = A.still_on_node(lang, timeout=self.timeout)
            blocks.append(Table((A.col_pod(lang), A.col_kept_by(lang)), rows, title=title))
        if self.left_unmanaged:
            blocks.append(Notice(A.not_evicted(lang, pods=joined(self.left_unmanaged, lang)), Level.WARN))
        if self.evicted:
            blocks.append(Fields(((A.evicted(lang), joined(self.evicted, lang)),)))
        if self.stuck:
            stuck = A.stuck_terminating(
                lang,
                pods=joined(self.still_terminating, lang),
                node=self.node,
                status=self.node_status,
                command=self.delete_machine,
            )
            blocks.append(Notice(stuck, Level.WARN))
        elif self.still_terminating:
            blocks.append(Context(A.still_terminating(lang, pods=joined(self.still_terminating, lang))))
        hint = A.drained_hint if self.complete else A.drain_stopped_hint
        blocks.append(Context(hint(lang, count=self.skipped, node=self.node)))
        return View(summary, tuple(blocks))


@command(
    "drain",
    args=DrainArgs,
    risk=Risk.DISRUPTIVE,
    preview=preview_drain,
    scope=Scope.CLUSTER,
    aliases=("排空",),
    examples=("/k8s drain aks-nodepool1-12345678-vmss000001", "/k8s drain NODE --timeout 300"),
)
def drain(call: ClusterCall[DrainArgs], deps: Deps) -> DrainResult:
    """Cordon a node and evict its pods through the eviction API, honouring PodDisruptionBudgets, after approval."""
    cluster = _cluster(call)
    reader, writer = deps.clusters.reader(cluster), deps.clusters.writer(cluster)
    node = reader.node(call.args.node)
    was_cordoned = node.unschedulable
    if not was_cordoned:
        writer.cordon(node.name, True, _cordon_note(call, deps, True))
        call.progress(A.progress_cordoned(call.lang, node=node.name))
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
    lang = call.lang
    call.progress(
        A.progress_evicting(
            lang,
            count=len(plan.evict),
            node=node.name,
            skipped=len(plan.daemonset) + len(plan.mirror),
            timeout=call.args.timeout,
        )
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
                    call.progress(A.progress_retrying(lang, refusal=exc.message, seconds=EVICTION_RETRY_SECONDS))
                refusals[key] = exc.message
                continue
            waiting.remove(pod)
            evicted.append(pod)
            refusals.pop(key, None)
            call.progress(A.progress_evicted(lang, pod=key))
        remaining = deadline - time.monotonic()
        if not waiting or remaining <= 0:
            break
        time.sleep(min(EVICTION_RETRY_SECONDS, remaining))
    if evicted and _unreachable(node):
        # Nothing on the node will confirm these deletions: waiting for them would only hold the drain (and, in the
        # shell, every other command) until the timeout.
        call.progress(A.progress_not_waiting(lang, node=node.name, count=len(evicted)))
        terminating = _still_on(deps, cluster, node.name, evicted)
    else:
        terminating = _wait_gone(deps, cluster, node.name, evicted, deadline)
    blocked = tuple(
        Kept(f"{p.namespace}/{p.name}", plan.guard_of(p), refusals.get(f"{p.namespace}/{p.name}")) for p in waiting
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
        lang=lang,
        node_status=_ready(node),
        delete_machine=_delete_machine(deps, cluster, node),
    )


def _stopped_half_way(
    exc: AksbotError, node: str, was_cordoned: bool, plan: DrainPlan | None, evicted: list[Pod]
) -> AksbotError:
    """The same error, its message followed by what the drain had changed by then and how to undo it (in both
    languages: the card shows the request's, the audit keeps the English)."""

    def done(lang: Lang) -> str:
        cordon = A.was_cordoned(lang) if was_cordoned else A.left_cordoned(lang, node=node)
        if plan is None:
            return A.stopped_before(lang, node=node, cordon=cordon)
        moved = {p.uid for p in evicted}
        left = [f"{p.namespace}/{p.name}" for p in plan.evict if p.uid not in moved]
        text = A.stopped_half_way(lang, node=node, cordon=cordon, evicted=len(evicted), planned=len(plan.evict))
        text += A.evicted_pods(lang, pods=joined([f"{p.namespace}/{p.name}" for p in evicted], lang)) if evicted else ""
        text += A.left_on_node(lang, pods=joined(left, lang)) if left else A.full_stop(lang)
        return text + A.not_put_back(lang) if evicted else text

    def after(lang: Lang) -> str:
        return A.failed_after(lang, error=in_lang(exc.message, lang).rstrip("."), done=done(lang))

    failed = copy.copy(exc)
    failed.message = Said(after("en"), after("zh"))
    failed.args = (failed.message,)
    return failed


def _still_on(deps: Deps, cluster: str, node: str, evicted: list[Pod]) -> tuple[str, ...]:
    """The evicted pods still on the node now."""
    uids = {p.uid for p in evicted}
    left = [p for p in deps.clusters.reader(cluster).pods(None, node=node) if p.uid in uids]
    return tuple(f"{p.namespace}/{p.name}" for p in left)


def _wait_gone(deps: Deps, cluster: str, node: str, evicted: list[Pod], deadline: float) -> tuple[str, ...]:
    """Wait (until the deadline) for evicted pods to leave the node; the ones still terminating."""
    while True:
        left = _still_on(deps, cluster, node, evicted)
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


# -- delete pod ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PodDeleted:
    cluster: str
    namespace: str
    pod: str
    owner: str | None
    lang: Lang = "en"
    lingering: str | None = None  # the unreachable node it stays Terminating on

    def view(self) -> View:
        lang = self.lang
        text = A.pod_deleted(lang, pod=f"{self.namespace}/{self.pod}")
        after = A.replacement(lang, owner=self.owner) if self.owner else A.not_recreated(lang)
        if self.lingering is not None:  # deleted in the API, not on the node: say so, not a green "deleted"
            text = A.pod_marked(lang, pod=f"{self.namespace}/{self.pod}", node=self.lingering)
            return View(text, (Notice(A.two_sentences(lang, first=text, second=after), Level.WARN),))
        return View(text, (Notice(A.two_sentences(lang, first=text, second=after), Level.OK),))


def preview_delete_pod(call: ClusterCall[DeletePodArgs], deps: Deps) -> Preview:
    lang = call.lang
    try:
        pod = find_pod(deps, _cluster(call), call.namespace, call.args.pod)
    except NotFound:
        if call.request is None:  # asked now: a name that is not there is a mistake, answered with the names near it
            raise
        # Checked again for a waiting or approved request: the pod went away since (a restart replaced it, someone
        # deleted it), which is what was asked: nothing is left to run.
        name = f"{call.namespace}/{call.args.pod}"
        action = said(A.delete_pod_action, pod=name, cluster=call.cluster)
        return Preview(action, blocked=A.pod_already_gone(lang, pod=name), done=True,
                       target=pod_ref(call.namespace or "", call.args.pod))
    owner = f"{pod.owner.kind}/{pod.owner.name}" if pod.owner else None
    action = said(A.delete_pod_action, pod=f"{pod.namespace}/{pod.name}", cluster=call.cluster)
    fields = (
        ("Pod", pod.name),  # a Kubernetes kind, the same in both languages
        (A.namespace(lang), pod.namespace),
        (A.node(lang), pod.node or "-"),
        (A.owner(lang), owner or A.none(lang)),
    )
    blocks: list[Block] = [Fields(fields)]
    warnings = [] if owner else [A.no_controller(lang)]
    node = _node_of(deps, _cluster(call), pod.node)
    if node is not None and _unreachable(node):
        # Nothing on the node acts on the deletion: the pod is marked and stays (the drain's warning, for one pod).
        command = _delete_machine(deps, _cluster(call), node)
        warnings.insert(0, A.delete_on_lost_node(lang, pod=pod.name, node=node.name, command=command))
    expect = (("pod uid", pod.uid), ("pod node", pod.node or "-"))
    return Preview(action, tuple(blocks), expect, tuple(warnings), target=pod_ref(pod.namespace, pod.name))


def _node_of(deps: Deps, cluster: str, name: str | None) -> Node | None:
    """The node a pod is bound to, for a preview's warning; None when unbound or unreadable (no warning then)."""
    if not name:
        return None
    try:
        return deps.clusters.reader(cluster).node(name)
    except SIDE_FAILURES as exc:
        log.info("no node check for a pod on %s: %s", name, exc.message)
        return None


@command(
    "delete pod",
    args=DeletePodArgs,
    risk=Risk.DISRUPTIVE,
    preview=preview_delete_pod,
    scope=Scope.NAMESPACED,
    aliases=("delete po", "删除 pod"),
    examples=("/k8s delete pod api-6d8f7b9c4-x2x4z -n prod",),
)
def delete_pod(call: ClusterCall[DeletePodArgs], deps: Deps) -> PodDeleted:
    """Delete one pod (its controller recreates it), after approval."""
    cluster = _cluster(call)
    reader = deps.clusters.reader(cluster)
    pod = reader.pod(call.namespace, call.args.pod)
    deps.clusters.writer(cluster).delete_pod(call.namespace, call.args.pod)
    owner = f"{pod.owner.kind}/{pod.owner.name}" if pod.owner else None
    node = _node_of(deps, cluster, pod.node)
    lingering = node.name if node is not None and _unreachable(node) else None
    return PodDeleted(cluster, pod.namespace, pod.name, owner, call.lang, lingering)


# -- restart / scale deployment -----------------------------------------------------------------------------


def _deployment_ref(d: Deployment) -> ObjectRef:
    return ObjectRef(Kind.DEPLOYMENT, d.name, d.namespace)


def _deployment_fields(d: Deployment, lang: Lang) -> Fields:
    return Fields(
        (
            ("Deployment", f"{d.namespace}/{d.name}"),  # a Kubernetes kind, the same in both languages
            (A.replicas(lang), str(d.replicas)),
            (A.ready(lang), str(d.ready)),
            (A.strategy(lang), d.strategy or "-"),
        )
    )


@dataclass(frozen=True)
class DeploymentChanged:
    cluster: str
    verb: str
    before: Deployment
    after: Deployment
    lang: Lang = "en"

    def view(self) -> View:
        d, lang = self.after, self.lang
        name = f"{d.namespace}/{d.name}"
        if self.verb == "restart":
            text = A.restarting(lang, deployment=name)
        else:
            text = A.scaled(lang, deployment=name, before=self.before.replicas, after=d.replicas)
        return View(text, (Notice(text, Level.OK), _deployment_fields(d, lang)))


def preview_restart_deployment(call: ClusterCall[DeploymentArgs], deps: Deps) -> Preview:
    d = find_deployment(deps, _cluster(call), call.namespace, call.args.name)
    lang = call.lang
    action = said(A.restart_action, deployment=f"{d.namespace}/{d.name}", cluster=call.cluster, count=d.replicas)
    warnings = (A.one_replica(lang),) if d.replicas == 1 else ()
    expect = (("deployment uid", d.uid), ("replicas", str(d.replicas)))
    return Preview(action, (_deployment_fields(d, lang),), expect, warnings, target=_deployment_ref(d))


@command(
    "restart deployment",
    args=DeploymentArgs,
    risk=Risk.DISRUPTIVE,
    preview=preview_restart_deployment,
    scope=Scope.NAMESPACED,
    aliases=("restart deploy", "rollout restart deployment", "rollout restart deploy", "重启"),
    examples=("/k8s restart deployment api -n prod",),
)
def restart_deployment(call: ClusterCall[DeploymentArgs], deps: Deps) -> DeploymentChanged:
    """Restart a deployment's pods with a rolling update (`kubectl rollout restart`), after approval."""
    cluster = _cluster(call)
    before = deps.clusters.reader(cluster).deployment(call.namespace, call.args.name)
    after = deps.clusters.writer(cluster).restart_deployment(call.namespace, call.args.name)
    return DeploymentChanged(cluster, "restart", before, after, call.lang)


def preview_scale_deployment(call: ClusterCall[ScaleDeploymentArgs], deps: Deps) -> Preview:
    d = find_deployment(deps, _cluster(call), call.namespace, call.args.name)
    new, lang = call.args.replicas, call.lang
    action = said(
        A.scale_action, deployment=f"{d.namespace}/{d.name}", cluster=call.cluster, before=d.replicas, after=new
    )
    expect = (("deployment uid", d.uid), ("replicas", str(d.replicas)))
    if new == d.replicas:
        blocked = A.already_replicas(lang, name=d.name, count=new)
        return Preview(action, expect=expect, blocked=blocked, done=True, target=_deployment_ref(d))
    warnings: list[str] = []
    if new == 0:
        warnings.append(A.scale_to_zero(lang))
    elif new < d.replicas:
        warnings.append(A.pods_terminated(lang, count=d.replicas - new))
        warnings += _budgets_left_without_room(deps, _cluster(call), d, d.replicas - new, lang)
    elif (crowded := _no_room(deps, _cluster(call), d, new - d.replicas, lang)) is not None:
        warnings.append(crowded)
    return Preview(action, (_deployment_fields(d, lang),), expect, tuple(warnings), target=_deployment_ref(d))


def _budgets_left_without_room(deps: Deps, cluster: str, d: Deployment, fewer: int, lang: Lang) -> list[str]:
    """The PodDisruptionBudgets guarding the deployment's pods that will allow no disruption once `fewer` of them
    are gone: a drain, or an AKS node-pool upgrade, then waits on every node that runs one (a scale-down is not held
    by a budget; what comes after it is). None said when it cannot be told (a read refused)."""
    reader = deps.clusters.reader(cluster)
    try:
        budgets = reader.pdbs(d.namespace)
        own = reader.pods(d.namespace, selector=d.selector_text or None) if budgets else []
    except SIDE_FAILURES as exc:
        log.info("no budget check for scaling %s/%s: %s", d.namespace, d.name, exc.message)
        return []
    return [
        A.scale_budget_blocks(lang, namespace=b.namespace, name=b.name, rule=b.rule, replicas=d.replicas - fewer)
        for b in budgets
        if any(b.selects(p.labels) for p in own) and b.allowed_with_fewer(fewer) < 1
    ]


def _no_room(deps: Deps, cluster: str, d: Deployment, more: int, lang: Lang) -> str | None:
    """What an approver should know before a scale-up the nodes cannot hold: how many more of its pods fit, by
    their requests, on the nodes they may run on, and that the rest stay Pending unless the autoscaler adds nodes;
    None when they fit, or when it cannot be told (no pod to take the shape from, a read refused)."""
    reader = deps.clusters.reader(cluster)
    try:
        own = reader.pods(d.namespace, selector=d.selector_text or None)
        shape = next((p for p in own if p.node), own[0] if own else None)  # a scheduled pod, else any
        if shape is None:
            return None
        room = room_for(shape, reader.nodes(), reader.pods(None))
    except SIDE_FAILURES as exc:
        log.info("no capacity check for scaling %s/%s: %s", d.namespace, d.name, exc.message)
        return None
    if room.fits is None or room.fits >= more:
        return None
    if not room.fits_empty:  # no node of these sizes can hold one: the autoscaler adding more of them cannot help
        return A.scale_no_node_big_enough(lang, more=more, nodes=room.nodes)
    return A.scale_no_room(lang, more=more, fits=room.fits, nodes=room.nodes, limit=room.limit or "?",
                           pending=more - room.fits)


@command(
    "scale deployment",
    args=ScaleDeploymentArgs,
    risk=Risk.DISRUPTIVE,
    preview=preview_scale_deployment,
    scope=Scope.NAMESPACED,
    aliases=("scale deploy", "扩缩", "扩容", "缩容"),
    examples=("/k8s scale deployment api --replicas 5 -n prod",),
)
def scale_deployment(call: ClusterCall[ScaleDeploymentArgs], deps: Deps) -> DeploymentChanged:
    """Set a deployment's replica count, after approval."""
    cluster = _cluster(call)
    before = deps.clusters.reader(cluster).deployment(call.namespace, call.args.name)
    after = deps.clusters.writer(cluster).scale_deployment(call.namespace, call.args.name, call.args.replicas)
    return DeploymentChanged(cluster, "scale", before, after, call.lang)
