"""Disruptive AKS actions behind approval: `aks scale-pool`, `aks reconcile`, `aks upgrade-node-image`.

Each has a preview that reads the resource provider (the pool's count and state, the SNAT budget at the new
size, the node image versions) and states the facts the approval rests on; the workflow computes it again
before running and refuses if any changed. The handlers call `deps.azure.client(call.cluster)` and wait for
Azure's long-running operation, posting its progress in the request's thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.azure.model import AgentPool, ManagedCluster
from bot.blocks import Block, Context, Fields, Level, Notice, View
from bot.deps import Deps
from bot.errors import NotFound, UserError
from bot.preview import Preview
from bot.registry import ClusterCall, NoArgs, Risk, Scope, command
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
        raise UserError("This command needs a cluster.")
    return call.cluster


def _pool(cluster: ManagedCluster, name: str) -> AgentPool:
    for pool in cluster.pools:
        if pool.name == name:
            return pool
    names = ", ".join(p.name for p in cluster.pools) or "none"
    raise NotFound(f"Cluster `{cluster.name}` has no node pool `{name}` (pools: {names}).", kind="AgentPool", name=name)


def _busy(state: str | None) -> bool:
    return (state or "").lower() in BUSY_STATES


def _pool_facts(pool: AgentPool) -> tuple[tuple[str, str], ...]:
    return (
        (f"pool {pool.name} node count", str(pool.count)),
        (f"pool {pool.name} provisioning state", pool.provisioning_state or "unknown"),
    )


def _pool_fields(pool: AgentPool) -> Fields:
    return Fields(
        (
            ("Pool", pool.name),
            ("Mode", pool.mode or "-"),
            ("VM size", pool.vm_size or "-"),
            ("Nodes", str(pool.count)),
            ("Autoscaler", f"on ({pool.min_count}–{pool.max_count})" if pool.autoscaling else "off"),
            ("Node image", pool.node_image_version or "-"),
            ("State", pool.provisioning_state or "-"),
        )
    )


@dataclass(frozen=True)
class PoolChanged:
    """A pool after an approved operation finished."""

    cluster: str
    verb: str
    before: AgentPool
    after: AgentPool

    def view(self) -> View:
        a, b = self.after, self.before
        if self.verb == "scaled":
            summary = f"Pool {a.name} on {self.cluster} scaled from {b.count} to {a.count} nodes"
        else:
            summary = (
                f"Pool {a.name} on {self.cluster}: node image {b.node_image_version or '?'} → "
                f"{a.node_image_version or '?'}"
            )
        level = Level.OK if (a.provisioning_state or "").lower() == "succeeded" else Level.WARN
        return View(
            summary, (Notice(f"{summary} (state {a.provisioning_state or 'unknown'}).", level), _pool_fields(a))
        )


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


def preview_scale_pool(call: ClusterCall[ScalePoolArgs], deps: Deps) -> Preview:
    cluster = deps.azure.client(_cluster_name(call)).cluster()
    pool = _pool(cluster, call.args.pool)
    new = call.args.count
    action = f"Scale pool {pool.name} of {call.cluster} from {pool.count} to {new} nodes"
    if pool.autoscaling:
        return Preview(
            action,
            blocked=f"The cluster autoscaler manages pool `{pool.name}` ({pool.min_count}–{pool.max_count} nodes); "
            "change its minimum and maximum instead of its count: "
            f"`{_autoscaler_bounds(cluster, pool, new)}` "
            f"(or `--disable-cluster-autoscaler` to set the count by hand).",
        )
    if new == pool.count:
        return Preview(
            action, expect=_pool_facts(pool), blocked=f"Pool `{pool.name}` already has {new} nodes; nothing to do."
        )
    if new == 0 and (pool.mode or "").lower() == "system":
        return Preview(action, blocked=f"Pool `{pool.name}` is a System pool; AKS does not scale it to 0 nodes.")
    if _busy(pool.provisioning_state):
        return Preview(
            action, blocked=f"Pool `{pool.name}` is {pool.provisioning_state}; wait for that operation to finish."
        )
    warnings: list[str] = []
    blocks: list[Block] = [_pool_fields(pool)]
    impact = scale_pool_impact(cluster, pool.name, new)
    outcome = impact.what_if
    if outcome is not None:
        blocks.append(Notice(f"SNAT at {outcome.nodes} nodes ({impact.mode}): {outcome.detail}", Level.INFO))
        if not outcome.fits:
            warnings.append(f"SNAT: {outcome.detail}. Azure may refuse the scale, or nodes may run out of ports.")
            warnings += [r.text for r in impact.recommendations[:2]]
    if new < pool.count:
        warnings.append(
            f"{pool.count - new} node(s) will be removed; AKS cordons and drains them, honouring PodDisruptionBudgets."
        )
    return Preview(action, tuple(blocks), _pool_facts(pool), tuple(warnings))


@command(
    "aks scale-pool",
    args=ScalePoolArgs,
    risk=Risk.DISRUPTIVE,
    preview=preview_scale_pool,
    scope=Scope.CLUSTER,
    examples=("/k8s aks scale-pool nodepool1 --count 5",),
)
def aks_scale_pool(call: ClusterCall[ScalePoolArgs], deps: Deps) -> PoolChanged:
    """Set a node pool's node count (after approval; the preview shows the SNAT impact)."""
    client = deps.azure.client(_cluster_name(call))
    before = _pool(client.cluster(), call.args.pool)
    call.progress(f"Scaling pool {before.name} from {before.count} to {call.args.count} nodes…")
    after = client.scale_pool(call.args.pool, call.args.count, progress=call.progress)
    return PoolChanged(_cluster_name(call), "scaled", before, after)


# -- aks reconcile ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reconciled:
    cluster: str
    before: ManagedCluster
    after: ManagedCluster

    def view(self) -> View:
        a = self.after
        state = a.provisioning_state or "unknown"
        summary = f"Cluster {self.cluster} reconciled: provisioning state {self.before.provisioning_state} → {state}"
        level = Level.OK if state.lower() == "succeeded" else Level.ERROR
        blocks: list[Block] = [Notice(summary, level)]
        if a.provisioning_error is not None:
            blocks.append(Notice(f"{a.provisioning_error.code}: {a.provisioning_error.message}", Level.ERROR))
        blocks.append(Context("A reconcile re-applies the cluster's model; it does not change versions or sizes."))
        return View(summary, tuple(blocks))


def preview_reconcile(call: ClusterCall[NoArgs], deps: Deps) -> Preview:
    cluster = deps.azure.client(_cluster_name(call)).cluster()
    action = f"Reconcile cluster {cluster.name} (a PUT of its current model, as `az aks update` with no arguments)"
    state = cluster.provisioning_state or "unknown"
    if _busy(state):
        return Preview(action, blocked=f"Cluster `{cluster.name}` is {state}; wait for that operation to finish.")
    blocks: list[Block] = [
        Fields(
            (
                ("Provisioning state", state),
                ("Kubernetes", cluster.version or "-"),
                ("Pools", ", ".join(f"{p.name} ({p.count})" for p in cluster.pools) or "-"),
            )
        )
    ]
    if cluster.provisioning_error is not None:
        blocks.append(
            Notice(f"Last error: {cluster.provisioning_error.code}: {cluster.provisioning_error.message}", Level.WARN)
        )
    warnings: list[str] = []
    if not cluster.failed:
        warnings.append(f"The cluster is {state}, not Failed: a reconcile is usually needed only after a failure.")
    expect = (
        ("cluster provisioning state", state),
        ("kubernetes version", cluster.version or "unknown"),
        ("node pools", ", ".join(f"{p.name}={p.count}" for p in cluster.pools)),
    )
    return Preview(action, tuple(blocks), expect, tuple(warnings))


@command(
    "aks reconcile",
    args=NoArgs,
    risk=Risk.DISRUPTIVE,
    preview=preview_reconcile,
    scope=Scope.CLUSTER,
    examples=("/k8s aks reconcile --cluster prod",),
)
def aks_reconcile(call: ClusterCall[NoArgs], deps: Deps) -> Reconciled:
    """Re-apply the cluster's current model (fixes a Failed provisioning state), after approval."""
    client = deps.azure.client(_cluster_name(call))
    before = client.cluster()
    call.progress(f"Reconciling cluster {before.name} (state {before.provisioning_state})…")
    after = client.reconcile(progress=call.progress)
    return Reconciled(_cluster_name(call), before, after)


# -- aks upgrade-node-image ---------------------------------------------------------------------------------


def preview_upgrade_node_image(call: ClusterCall[PoolArgs], deps: Deps) -> Preview:
    client = deps.azure.client(_cluster_name(call))
    pool = _pool(client.cluster(), call.args.pool)
    profile = client.pool_upgrade_profile(pool.name)
    current, latest = pool.node_image_version, profile.latest_node_image_version
    action = f"Upgrade the node image of pool {pool.name} on {call.cluster} from {current or '?'} to {latest or '?'}"
    expect = (*_pool_facts(pool), (f"pool {pool.name} node image", current or "unknown"))
    if latest is not None and current == latest:
        return Preview(
            action, expect=expect, blocked=f"Pool `{pool.name}` already runs the latest node image ({latest})."
        )
    if _busy(pool.provisioning_state):
        return Preview(
            action, blocked=f"Pool `{pool.name}` is {pool.provisioning_state}; wait for that operation to finish."
        )
    surge = pool.surge()
    blocks: list[Block] = [
        _pool_fields(pool),
        Notice(
            f"Nodes are reimaged {surge} at a time (max surge {pool.max_surge or 'default'}): each is cordoned and "
            "drained first, honouring PodDisruptionBudgets.",
            Level.INFO,
        ),
    ]
    warnings = () if latest else ("Azure did not report the latest node image; the upgrade takes whatever is newest.",)
    return Preview(action, tuple(blocks), expect, warnings)


@command(
    "aks upgrade-node-image",
    args=PoolArgs,
    risk=Risk.DISRUPTIVE,
    preview=preview_upgrade_node_image,
    scope=Scope.CLUSTER,
    examples=("/k8s aks upgrade-node-image nodepool1",),
)
def aks_upgrade_node_image(call: ClusterCall[PoolArgs], deps: Deps) -> PoolChanged:
    """Upgrade a node pool to the latest node image (nodes are reimaged one surge at a time), after approval."""
    client = deps.azure.client(_cluster_name(call))
    before = _pool(client.cluster(), call.args.pool)
    call.progress(f"Upgrading the node image of pool {before.name} ({before.node_image_version})…")
    after = client.upgrade_node_image(call.args.pool, progress=call.progress)
    return PoolChanged(_cluster_name(call), "upgraded", before, after)
