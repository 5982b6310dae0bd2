"""`deployments` and `pdbs`: rollouts that are not done first, and the budgets that block drains first.

`pdbs` shows what each budget guards by matching its selector against the namespace's pods (one list call,
matched here), so "0 allowed disruptions" comes with the pods that hold it there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.blocks import Block, Heading, Level, Notice, Table, View
from bot.cluster.model import Deployment, Pod, PodDisruptionBudget
from bot.deps import Deps
from bot.errors import NotFound
from bot.registry import ClusterCall, Scope, command
from bot.timefmt import age
from handlers._format import Page, closest, did_you_mean, page_of, shorten
from handlers._lookup import ensure_namespace
from handlers.args import DeploymentsArgs, PdbsArgs


def deployment_rank(d: Deployment) -> tuple[int, str]:
    if d.replicas and d.available == 0:
        return (0, f"{d.namespace}/{d.name}")
    if not d.rolled_out:
        return (1, f"{d.namespace}/{d.name}")
    return (2, f"{d.namespace}/{d.name}")


def deployment_note(d: Deployment) -> str:
    progressing = d.condition("Progressing")
    if progressing is not None and progressing.reason == "ProgressDeadlineExceeded":
        return "rollout stuck: progress deadline exceeded"
    if d.paused:
        return "paused"
    if d.observed_generation < d.generation:
        return "controller has not seen the latest change"
    if not d.rolled_out:
        return f"{d.replicas - d.available} unavailable" if d.available < d.replicas else "rolling out"
    return "-"


@dataclass(frozen=True)
class DeploymentsResult:
    scope: str
    deployments: tuple[Deployment, ...]
    page: Page[Deployment]  # unavailable first
    all_namespaces: bool
    now: datetime

    def view(self) -> View:
        total = len(self.deployments)
        if not total:
            return View(f"No deployments {self.scope}.", (Notice(f"No deployments {self.scope}.", Level.INFO),))
        down = sum(1 for d in self.deployments if deployment_rank(d)[0] == 0)
        rolling = sum(1 for d in self.deployments if deployment_rank(d)[0] == 1)
        summary = f"{total} deployment{'s' if total != 1 else ''} {self.scope}: {total - down - rolling} rolled out"
        if rolling:
            summary += f", {rolling} not fully available"
        if down:
            summary += f", {down} with no available replica"
        level = Level.ERROR if down else Level.WARN if rolling else Level.OK
        rows = tuple(
            (f"{d.namespace}/{d.name}" if self.all_namespaces else d.name, f"{d.ready}/{d.replicas}",
             str(d.updated), str(d.available), age(d.created, self.now), deployment_note(d))
            for d in self.page.items
        )
        blocks: list[Block] = [Heading(f"Deployments — {self.scope}"), Notice(summary, level),
                               Table(("Deployment", "Ready", "Up-to-date", "Available", "Age", "Note"), rows,
                                     total=total if self.page.cut else None, more=self.page.next,
                                     offset=self.page.offset)]
        return View(summary, tuple(blocks))


def find_deployment(deps: Deps, cluster: str, namespace: str, name: str) -> Deployment:
    """The deployment, or `NotFound` saying which namespace has one of that name, or which names are close."""
    reader = deps.clusters.reader(cluster)
    try:
        return reader.deployment(namespace, name)
    except NotFound as exc:
        # Only on this error path: list them all to say where it is (a typo'd -n is the usual cause).
        everywhere = reader.deployments(None)
        elsewhere = sorted(d.namespace for d in everywhere if d.name == name)
        if elsewhere:
            where = ", ".join(f"`{ns}`" for ns in elsewhere)
            raise NotFound(
                f"Deployment `{name}` not found in namespace `{namespace}`; one of that name is in namespace {where}: "
                "add `-n NAMESPACE`.",
                kind="deployment",
                name=name,
            ) from exc
        names = closest(name, (d.name for d in everywhere if d.namespace == namespace))
        raise NotFound(
            f"Deployment `{name}` not found in namespace `{namespace}`.{did_you_mean(names)} "
            "List them with `/k8s deployments -A`.",
            kind="deployment",
            name=name,
        ) from exc

@command("deployments", args=DeploymentsArgs, scope=Scope.NAMESPACED, aliases=("deploy", "get deployments"),
         examples=("/k8s deployments -n shop", "/k8s deployments -A"))
def deployments(call: ClusterCall[DeploymentsArgs], deps: Deps) -> DeploymentsResult:
    """List deployments, unavailable and unfinished rollouts first: ready, up-to-date, available."""
    namespace = None if call.all_namespaces else call.namespace
    found = deps.clusters.reader(call.cluster).deployments(namespace, selector=call.args.selector)
    if not found:
        ensure_namespace(deps, call.cluster, namespace)
    scope = "in all namespaces" if namespace is None else f"in {namespace}"
    page = page_of(sorted(found, key=deployment_rank), call)
    return DeploymentsResult(scope, tuple(found), page, namespace is None, deps.clock.now())


# -- pdbs ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuardedBudget:
    budget: PodDisruptionBudget
    pods: tuple[str, ...]


@dataclass(frozen=True)
class PdbsResult:
    scope: str
    budgets: tuple[GuardedBudget, ...]
    page: Page[GuardedBudget]  # blocking ones first
    all_namespaces: bool

    def view(self) -> View:
        total = len(self.budgets)
        if not total:
            return View(f"No PodDisruptionBudgets {self.scope}.",
                        (Notice(f"No PodDisruptionBudgets {self.scope}.", Level.INFO),))
        blocking = [g for g in self.budgets if g.budget.disruptions_allowed == 0]
        summary = f"{total} PodDisruptionBudget{'s' if total != 1 else ''} {self.scope}"
        summary += f", {len(blocking)} allowing no disruption (they block drains and evictions)" if blocking else ""
        rows = tuple(
            (f"{b.namespace}/{b.name}" if self.all_namespaces else b.name, b.rule, str(b.disruptions_allowed),
             f"{b.current_healthy} of {b.expected_pods} (needs {b.desired_healthy})",
             shorten(", ".join(g.pods), 80) or f"no running pod ({b.selector_text or 'all pods'})")
            for g in self.page.items for b in (g.budget,)
        )
        blocks: list[Block] = [
            Heading(f"PodDisruptionBudgets — {self.scope}"),
            Notice(summary, Level.WARN if blocking else Level.OK),
            Table(("Budget", "Rule", "Allowed", "Healthy", "Guards"), rows,
                  total=total if self.page.cut else None, more=self.page.next, offset=self.page.offset),
        ]
        return View(summary, tuple(blocks))


def _guarded(budget: PodDisruptionBudget, pods: list[Pod]) -> tuple[str, ...]:
    # Expressions (matchExpressions) are not evaluated here; `expected_pods` from the server stays exact.
    return tuple(sorted(p.name for p in pods if p.namespace == budget.namespace and budget.selects(p.labels)
                        and p.phase not in ("Succeeded", "Failed")))


@command("pdbs", args=PdbsArgs, scope=Scope.NAMESPACED, aliases=("pdb", "get pdb"),
         examples=("/k8s pdbs -n shop", "/k8s pdbs -A"))
def pdbs(call: ClusterCall[PdbsArgs], deps: Deps) -> PdbsResult:
    """List PodDisruptionBudgets, blocking ones first: rule, allowed disruptions, healthy pods, what they guard."""
    namespace = None if call.all_namespaces else call.namespace
    reader = deps.clusters.reader(call.cluster)
    budgets = reader.pdbs(namespace)
    if not budgets:
        ensure_namespace(deps, call.cluster, namespace)
    pods = reader.pods(namespace) if budgets else []
    scope = "in all namespaces" if namespace is None else f"in {namespace}"
    guarded = sorted((GuardedBudget(b, _guarded(b, pods)) for b in budgets),
                     key=lambda g: (g.budget.disruptions_allowed > 0, g.budget.namespace, g.budget.name))
    return PdbsResult(scope, tuple(guarded), page_of(guarded, call), namespace is None)
