"""Disruptive AKS actions behind approval: `aks scale-pool`, `aks reconcile`, `aks upgrade-node-image`.

Each has a preview that reads the resource provider (the pool's count and state, the SNAT budget at the new
size, the node image versions) and states the facts the approval rests on; the workflow computes it again
before running and refuses if any changed. The handlers call `deps.azure.client(call.cluster)` and wait for
Azure's long-running operation, posting its progress in the request's thread.

Like the cluster actions, they speak the request's language (`ACTIONS` in `bot.i18n`) and keep the facts in one
form in both languages (the request stores them; the re-check compares them by name).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.azure.model import AgentPool, ManagedCluster
from bot.blocks import Block, Context, Fields, Level, Notice, View
from bot.deps import Deps
from bot.errors import AksbotError, NotFound, UserError
from bot.i18n import ACTIONS as A
from bot.i18n import Said, in_lang, said
from bot.preview import Preview
from bot.refs import Kind, ObjectRef
from bot.registry import ClusterCall, Lang, NoArgs, Risk, Scope, command
from handlers._format import joined
from handlers.aks import nodes_shown, registered_nodes
from handlers.args import PoolArgs, ScalePoolArgs
from handlers.rules.snat import scale_pool_impact

# Provisioning states in which Azure refuses another operation on the resource (OperationNotAllowed).
BUSY_STATES = frozenset(
    {
        "creating",
        "updating",
        "upgrading",
        "scaling",
        "deleting",
        "starting",
        "stopping",
        "migrating",
        "canceling",
        "upgradingnodeimageversion",
    }
)


def _cluster_name(call: ClusterCall[Any]) -> str:
    if call.cluster is None:
        raise UserError(said(A.needs_cluster))
    return call.cluster


def _pool(cluster: ManagedCluster, name: str) -> AgentPool:
    for pool in cluster.pools:
        if pool.name == name:
            return pool

    def missing(lang: Lang) -> str:
        names = joined([p.name for p in cluster.pools], lang) or A.none(lang)
        return A.no_pool(lang, cluster=cluster.name, pool=name, pools=names)

    raise NotFound(Said(missing("en"), missing("zh")), kind="AgentPool", name=name)


def _busy(state: str | None) -> bool:
    return (state or "").lower() in BUSY_STATES


def _cluster_busy(cluster: ManagedCluster, lang: Lang) -> str | None:
    """Why AKS refuses an operation on the cluster or one of its pools now: an operation on the cluster itself (an
    upgrade, an update) still runs (409 OperationNotAllowed, "Another operation (Updating) is in progress")."""
    if _busy(cluster.provisioning_state):
        return A.cluster_busy(lang, cluster=cluster.name, state=cluster.provisioning_state)
    return None


def _other_pools_busy(cluster: ManagedCluster, pool: str | None, lang: Lang) -> list[str]:
    """Operations still running on the cluster's other pools: AKS often refuses a new one meanwhile ("Another
    agentpool operation (system - Upgrading) is in progress"), so the approver should know before approving."""
    return [
        A.other_pool_busy(lang, cluster=cluster.name, pool=other.name, state=other.provisioning_state)
        for other in cluster.pools
        if other.name != pool and _busy(other.provisioning_state)
    ]


def _pool_ref(pool: AgentPool) -> ObjectRef:
    return ObjectRef(Kind.NODEPOOL, pool.name)


def _pool_facts(pool: AgentPool) -> tuple[tuple[str, str], ...]:
    return (
        (f"pool {pool.name} node count", str(pool.count)),
        (f"pool {pool.name} provisioning state", pool.provisioning_state or "unknown"),
    )


def _pool_fields(pool: AgentPool, lang: Lang, registered: Mapping[str, int] | None = None) -> Fields:
    autoscaler = (
        A.autoscaler_on(lang, min=pool.min_count, max=pool.max_count) if pool.autoscaling else A.autoscaler_off(lang)
    )
    return Fields(
        (
            (A.pool(lang), pool.name),
            (A.mode(lang), pool.mode or "-"),
            (A.vm_size(lang), pool.vm_size or "-"),
            (A.nodes(lang), nodes_shown(pool, registered, lang)),
            (A.autoscaler(lang), autoscaler),
            (A.node_image(lang), pool.node_image_version or "-"),
            (A.state(lang), pool.provisioning_state or "-"),
        )
    )


@dataclass(frozen=True)
class PoolChanged:
    """A pool after an approved operation finished."""

    cluster: str
    verb: str
    before: AgentPool
    after: AgentPool
    lang: Lang = "en"

    def view(self) -> View:
        a, b, lang = self.after, self.before, self.lang
        if self.verb == "scaled":
            summary = A.pool_scaled(lang, pool=a.name, cluster=self.cluster, before=b.count, after=a.count)
        else:
            summary = A.image_upgraded(
                lang,
                pool=a.name,
                cluster=self.cluster,
                before=b.node_image_version or "?",
                after=a.node_image_version or "?",
            )
        level = Level.OK if (a.provisioning_state or "").lower() == "succeeded" else Level.WARN
        state = a.provisioning_state or A.unknown(lang)
        return View(summary, (Notice(A.pool_state(lang, summary=summary, state=state), level), _pool_fields(a, lang)))


# -- aks scale-pool -----------------------------------------------------------------------------------------


def _autoscaler_bounds(cluster: ManagedCluster, pool: AgentPool, wanted: int) -> str:
    """The `az` command that moves an autoscaled pool's bounds so that `wanted` nodes lie inside them (a System pool
    keeps at least one node)."""
    floor = 1 if (pool.mode or "").lower() == "system" else 0
    low = max(min(pool.min_count if pool.min_count is not None else wanted, wanted), floor)
    high = max(pool.max_count if pool.max_count is not None else wanted, wanted, low)
    return (
        f"az aks nodepool update -g {cluster.resource_group or 'RG'} --cluster-name {cluster.name or 'NAME'} "
        f"-n {pool.name} --update-cluster-autoscaler --min-count {low} --max-count {high}"
    )


def _in_lang(call: ClusterCall[Any]) -> Callable[[str], None]:
    """The call's progress, each line Azure's adapter reports in both languages said in the request's."""
    return lambda line: call.progress(in_lang(line, call.lang))


def preview_scale_pool(call: ClusterCall[ScalePoolArgs], deps: Deps) -> Preview:
    cluster = deps.azure.client(_cluster_name(call)).cluster()
    lang = call.lang
    pool = _pool(cluster, call.args.pool)
    new = call.args.count
    action = said(A.scale_pool_action, pool=pool.name, cluster=call.cluster, before=pool.count, after=new)
    if pool.autoscaling:
        command = _autoscaler_bounds(cluster, pool, new)
        blocked = A.autoscaled(lang, pool=pool.name, min=pool.min_count, max=pool.max_count, command=command)
        high = max(pool.max_count if pool.max_count is not None else new, new)
        bounded = scale_pool_impact(cluster, pool.name, pool.count, peak=high)
        if high != pool.max_count and bounded.pressure and bounded.findings:
            # The command raises the maximum: what the pool may then grow to must fit the SNAT budget too.
            detail = in_lang(bounded.findings[0], lang)
            blocked += " " + A.bounds_snat(lang, max=high, peak=bounded.peak_nodes, detail=detail)
        return Preview(action, blocked=blocked)
    registered = registered_nodes(deps, call.cluster)
    have = registered.get(pool.name, 0) if registered is not None else pool.count
    if new == pool.count:
        if have != pool.count:
            state = pool.provisioning_state or A.unknown(lang)
            blocked = A.goal_not_met(lang, pool=pool.name, count=new, have=have, state=state)
            return Preview(action, (_pool_fields(pool, lang, registered),), _pool_facts(pool), blocked=blocked)
        return Preview(action, expect=_pool_facts(pool), blocked=A.already_nodes(lang, pool=pool.name, count=new),
                       done=True)
    if new == 0 and (pool.mode or "").lower() == "system":
        return Preview(action, blocked=A.system_pool_empty(lang, pool=pool.name))
    if _busy(pool.provisioning_state):
        return Preview(action, blocked=A.pool_busy(lang, pool=pool.name, state=pool.provisioning_state))
    busy = _cluster_busy(cluster, lang)
    if busy is not None:
        return Preview(action, blocked=busy)
    warnings: list[str] = _other_pools_busy(cluster, pool.name, lang)
    if pool.failed:
        warnings.append(A.pool_failed_warning(lang, pool=pool.name))
    blocks: list[Block] = [_pool_fields(pool, lang, registered)]
    impact = scale_pool_impact(cluster, pool.name, new)
    outcome = impact.what_if
    if outcome is not None:
        detail = in_lang(outcome.detail, lang)
        short: str | None = None
        if not outcome.fits:
            short = A.snat_warning(lang, detail=detail)
        elif impact.pressure and impact.findings:
            # It fits now, but not at the cluster's peak (every autoscaler at its maximum, plus upgrade surge): what
            # the SNAT health check warns of, said here too rather than "fits".
            short = A.snat_peak_warning(lang, peak=impact.peak_nodes, detail=in_lang(impact.findings[0], lang))
        if short is None:  # the verdict once: as information when it fits, as the warning when it does not
            blocks.append(Notice(A.snat_at(lang, nodes=outcome.nodes, mode=impact.mode, detail=detail), Level.INFO))
        else:
            # The remedies are sized for the peak, which the warning names when it is more than the new count.
            peak = [A.remedies_at_peak(lang, peak=impact.peak_nodes)] if impact.peak_nodes != outcome.nodes else []
            warnings += [short, *peak, *(in_lang(r.text, lang) for r in impact.recommendations[:2])]
    if have is not None and new < have:
        warnings.append(A.nodes_removed(lang, count=have - new))
    return Preview(action, tuple(blocks), _pool_facts(pool), tuple(warnings), target=_pool_ref(pool))


@command(
    "aks scale-pool",
    args=ScalePoolArgs,
    risk=Risk.DISRUPTIVE,
    preview=preview_scale_pool,
    scope=Scope.CLUSTER,
    aliases=("aks 扩缩", "aks 扩容", "aks 缩容"),
    examples=("/k8s aks scale-pool nodepool1 --count 5",),
)
def aks_scale_pool(call: ClusterCall[ScalePoolArgs], deps: Deps) -> PoolChanged:
    """Set a node pool's node count (after approval; the preview shows the SNAT impact)."""
    client = deps.azure.client(_cluster_name(call))
    before = _pool(client.cluster(), call.args.pool)
    call.progress(A.progress_scaling(call.lang, pool=before.name, before=before.count, after=call.args.count))
    after = client.scale_pool(call.args.pool, call.args.count, progress=_in_lang(call))
    return PoolChanged(_cluster_name(call), "scaled", before, after, call.lang)


# -- aks reconcile ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reconciled:
    cluster: str
    before: ManagedCluster
    after: ManagedCluster
    lang: Lang = "en"

    def view(self) -> View:
        a, lang = self.after, self.lang
        state = a.provisioning_state or A.unknown(lang)
        summary = A.reconciled(lang, cluster=self.cluster, before=self.before.provisioning_state, after=state)
        level = Level.OK if state.lower() == "succeeded" else Level.ERROR
        blocks: list[Block] = [Notice(summary, level)]
        if a.provisioning_error is not None:
            blocks.append(Notice(f"{a.provisioning_error.code}: {a.provisioning_error.message}", Level.ERROR))
        blocks.append(Context(A.reconcile_changes_nothing(lang)))
        return View(summary, tuple(blocks))


def preview_reconcile(call: ClusterCall[NoArgs], deps: Deps) -> Preview:
    cluster = deps.azure.client(_cluster_name(call)).cluster()
    lang = call.lang
    action = said(A.reconcile_action, cluster=cluster.name)
    state = cluster.provisioning_state or "unknown"  # a fact the approval rests on: the same in both languages
    shown = cluster.provisioning_state or A.unknown(lang)
    if _busy(state):
        return Preview(action, blocked=A.cluster_busy(lang, cluster=cluster.name, state=shown))
    blocks: list[Block] = [
        Fields(
            (
                (A.provisioning_state(lang), shown),
                ("Kubernetes", cluster.version or "-"),  # a name, the same in both languages
                (A.pools(lang), joined([f"{p.name} ({p.count})" for p in cluster.pools], lang) or "-"),
            )
        )
    ]
    if cluster.provisioning_error is not None:
        error = cluster.provisioning_error
        blocks.append(Notice(A.last_error(lang, code=error.code, message=error.message), Level.WARN))
    warnings: list[str] = _other_pools_busy(cluster, None, lang)
    if not cluster.failed:
        warnings.append(A.not_failed(lang, state=shown))
    expect = (
        ("cluster provisioning state", state),
        ("kubernetes version", cluster.version or "unknown"),
        ("node pools", ", ".join(f"{p.name}={p.count}" for p in cluster.pools)),
    )
    return Preview(action, tuple(blocks), expect, tuple(warnings), target=ObjectRef(Kind.CLUSTER, cluster.name))


@command(
    "aks reconcile",
    args=NoArgs,
    risk=Risk.DISRUPTIVE,
    preview=preview_reconcile,
    scope=Scope.CLUSTER,
    aliases=("aks 修复",),
    examples=("/k8s aks reconcile --cluster prod",),
)
def aks_reconcile(call: ClusterCall[NoArgs], deps: Deps) -> Reconciled:
    """Re-apply the cluster's current model (fixes a Failed provisioning state), after approval."""
    client = deps.azure.client(_cluster_name(call))
    before = client.cluster()
    call.progress(A.progress_reconciling(call.lang, cluster=before.name, state=before.provisioning_state))
    after = client.reconcile(progress=_in_lang(call))
    return Reconciled(_cluster_name(call), before, after, call.lang)


# -- aks upgrade-node-image ---------------------------------------------------------------------------------


def preview_upgrade_node_image(call: ClusterCall[PoolArgs], deps: Deps) -> Preview:
    client = deps.azure.client(_cluster_name(call))
    lang = call.lang
    cluster = client.cluster()
    pool = _pool(cluster, call.args.pool)
    profile = client.pool_upgrade_profile(pool.name)
    current, latest = pool.node_image_version, profile.latest_node_image_version
    action = said(
        A.upgrade_image_action, pool=pool.name, cluster=call.cluster, current=current or "?", latest=latest or "?"
    )
    expect = (*_pool_facts(pool), (f"pool {pool.name} node image", current or "unknown"))
    if latest is not None and current == latest:
        return Preview(action, expect=expect, blocked=A.latest_image(lang, pool=pool.name, image=latest), done=True)
    if _busy(pool.provisioning_state):
        return Preview(action, blocked=A.pool_busy(lang, pool=pool.name, state=pool.provisioning_state))
    busy = _cluster_busy(cluster, lang)
    if busy is not None:
        return Preview(action, blocked=busy)
    max_surge = pool.max_surge or A.surge_default(lang)
    blocks: list[Block] = [
        _pool_fields(pool, lang),
        Notice(A.reimaged(lang, surge=pool.surge(), max_surge=max_surge), Level.INFO),
    ]
    warnings = _other_pools_busy(cluster, pool.name, lang)
    if not latest:
        warnings.append(A.no_latest_image(lang))
    if pool.failed:
        warnings.append(A.pool_failed_warning(lang, pool=pool.name))
    warnings += _reimage_blockers(deps, call.cluster, pool.name, lang)
    return Preview(action, tuple(blocks), expect, tuple(warnings), target=_pool_ref(pool))


def _reimage_blockers(deps: Deps, cluster: str, pool: str, lang: Lang) -> list[str]:
    """What the cluster says will stop a reimage of `pool`, which drains each of its nodes: budgets that allow no
    disruption of pods running there, and nodes that are not Ready. Nothing when the cluster cannot be read (the
    preview then shows Azure's side alone)."""
    try:
        reader = deps.clusters.reader(cluster)
        nodes = [n for n in reader.nodes() if n.pool == pool]
        names = {n.name for n in nodes}
        pods = [p for p in reader.pods(None) if p.node in names and not p.finished]
        budgets = [b for b in reader.pdbs(None) if b.disruptions_allowed < 1]
    except AksbotError:
        return []
    out: list[str] = []
    for budget in budgets:
        guarded = [p.name for p in pods if p.namespace == budget.namespace and budget.selects(p.labels)]
        if guarded:
            name = f"{budget.namespace}/{budget.name}"
            out.append(A.reimage_budget_blocks(lang, budget=name, pool=pool, pods=joined(guarded, lang)))
    lost = sorted(n.name for n in nodes if n.ready != "True")
    if lost:
        out.append(A.reimage_nodes_not_ready(lang, pool=pool, nodes=joined(lost, lang), first=lost[0]))
    return out


@command(
    "aks upgrade-node-image",
    args=PoolArgs,
    risk=Risk.DISRUPTIVE,
    preview=preview_upgrade_node_image,
    scope=Scope.CLUSTER,
    aliases=("aks 升级节点镜像",),
    examples=("/k8s aks upgrade-node-image nodepool1",),
)
def aks_upgrade_node_image(call: ClusterCall[PoolArgs], deps: Deps) -> PoolChanged:
    """Upgrade a node pool to the latest node image (nodes are reimaged one surge at a time), after approval."""
    client = deps.azure.client(_cluster_name(call))
    before = _pool(client.cluster(), call.args.pool)
    call.progress(A.progress_upgrading(call.lang, pool=before.name, image=before.node_image_version))
    after = client.upgrade_node_image(call.args.pool, progress=_in_lang(call))
    return PoolChanged(_cluster_name(call), "upgraded", before, after, call.lang)
