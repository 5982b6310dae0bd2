"""`deployments` and `pdbs`: rollouts that are not done first, and the budgets that block drains first.

`pdbs` shows what each budget guards by matching its selector against the namespace's pods (one list call,
matched here), so "0 allowed disruptions" comes with the pods that hold it there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.blocks import Block, Heading, Level, Notice, View
from bot.cluster.model import Deployment, Pod, PodDisruptionBudget
from bot.deps import Deps
from bot.errors import NotFound
from bot.i18n import ERRORS, said
from bot.i18n import READ as W
from bot.registry import ClusterCall, Lang, Scope, command
from bot.timefmt import age
from handlers._format import Page, Where, closest, counted, did_you_mean, joined, page_of, shorten
from handlers._lookup import ensure_namespace
from handlers.args import DeploymentsArgs, PdbsArgs


def deployment_rank(d: Deployment) -> tuple[int, str]:
    if d.replicas and d.available == 0:
        return (0, f"{d.namespace}/{d.name}")
    if not d.rolled_out:
        return (1, f"{d.namespace}/{d.name}")
    return (2, f"{d.namespace}/{d.name}")


def deployment_note(d: Deployment, lang: Lang = "en") -> str:
    progressing = d.condition("Progressing")
    if progressing is not None and progressing.reason == "ProgressDeadlineExceeded":
        return W.rollout_stuck(lang)
    if d.paused:
        return W.paused(lang)
    if d.observed_generation < d.generation:
        return W.change_not_seen(lang)
    if not d.rolled_out:
        return W.unavailable(lang, count=d.replicas - d.available) if d.available < d.replicas else W.rolling_out(lang)
    return "-"


@dataclass(frozen=True)
class DeploymentsResult:
    where: Where
    deployments: tuple[Deployment, ...]
    page: Page[Deployment]  # unavailable first
    all_namespaces: bool
    now: datetime
    lang: Lang = "en"

    def view(self) -> View:
        lang = self.lang
        total = len(self.deployments)
        where = self.where.text(lang)
        if not total:
            none = W.no_deployments(lang, where=where)
            return View(none, (Notice(none, Level.INFO),))
        down = sum(1 for d in self.deployments if deployment_rank(d)[0] == 0)
        rolling = sum(1 for d in self.deployments if deployment_rank(d)[0] == 1)
        summary = W.deployments_summary(lang, counted=counted(lang, total, W.one_deployment, W.many_deployments),
                                        where=where, rolled_out=total - down - rolling)
        if rolling:
            summary += W.not_fully_available(lang, count=rolling)
        if down:
            summary += W.no_available_replica(lang, count=down)
        level = Level.ERROR if down else Level.WARN if rolling else Level.OK
        rows = tuple(
            (f"{d.namespace}/{d.name}" if self.all_namespaces else d.name, f"{d.ready}/{d.replicas}",
             str(d.updated), str(d.available), age(d.created, self.now), deployment_note(d, lang))
            for d in self.page.items
        )
        columns = (W.col_deployment(lang), W.col_ready(lang), W.col_up_to_date(lang), W.col_available(lang),
                   W.col_age(lang), W.col_note(lang))
        blocks: list[Block] = [Heading(W.deployments_heading(lang, where=self.where.title(lang))),
                               Notice(summary, level), *self.page.table(columns, rows, lang)]
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
                said(ERRORS.deployment_elsewhere, name=name, namespace=namespace, where=where),
                kind="deployment",
                name=name,
            ) from exc
        names = closest(name, (d.name for d in everywhere if d.namespace == namespace))
        raise NotFound(
            said(ERRORS.deployment_not_found, name=name, namespace=namespace, cluster=cluster,
                 hint=did_you_mean(names)),
            kind="deployment",
            name=name,
        ) from exc

@command("deployments", args=DeploymentsArgs, scope=Scope.NAMESPACED,
         aliases=("deploy", "get deployments", "get deployment", "get deploy"),
         examples=("/k8s deployments -n shop", "/k8s deployments -A"))
def deployments(call: ClusterCall[DeploymentsArgs], deps: Deps) -> DeploymentsResult:
    """List deployments, unavailable and unfinished rollouts first: ready, up-to-date, available."""
    namespace = None if call.all_namespaces else call.namespace
    found = deps.clusters.reader(call.cluster).deployments(namespace, selector=call.args.selector)
    if not found:
        ensure_namespace(deps, call.cluster, namespace)
    page = page_of(sorted(found, key=deployment_rank), call)
    return DeploymentsResult(Where(namespace), tuple(found), page, namespace is None, deps.clock.now(), call.lang)


# -- pdbs ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuardedBudget:
    budget: PodDisruptionBudget
    pods: tuple[str, ...]


@dataclass(frozen=True)
class PdbsResult:
    where: Where
    budgets: tuple[GuardedBudget, ...]
    page: Page[GuardedBudget]  # blocking ones first
    all_namespaces: bool
    lang: Lang = "en"

    def view(self) -> View:
        lang = self.lang
        total = len(self.budgets)
        where = self.where.text(lang)
        if not total:
            none = W.no_pdbs(lang, where=where)
            return View(none, (Notice(none, Level.INFO),))
        blocking = [g for g in self.budgets if g.budget.disruptions_allowed == 0]
        summary = W.pdbs_summary(lang, counted=counted(lang, total, W.one_pdb, W.many_pdbs), where=where)
        summary += W.pdbs_blocking(lang, count=len(blocking)) if blocking else ""
        rows = tuple(
            (f"{b.namespace}/{b.name}" if self.all_namespaces else b.name, b.rule, str(b.disruptions_allowed),
             W.healthy_of(lang, healthy=b.current_healthy, expected=b.expected_pods, desired=b.desired_healthy),
             shorten(joined(g.pods, lang), 80)
             or W.no_running_pod(lang, selector=b.selector_text or W.all_pods(lang)))
            for g in self.page.items for b in (g.budget,)
        )
        columns = (W.col_budget(lang), W.col_rule(lang), W.col_allowed(lang), W.col_healthy(lang), W.col_guards(lang))
        blocks: list[Block] = [
            Heading(W.pdbs_heading(lang, where=self.where.title(lang))),
            Notice(summary, Level.WARN if blocking else Level.OK),
            *self.page.table(columns, rows, lang),
        ]
        return View(summary, tuple(blocks))


def _guarded(budget: PodDisruptionBudget, pods: list[Pod]) -> tuple[str, ...]:
    # Expressions (matchExpressions) are not evaluated here; `expected_pods` from the server stays exact.
    return tuple(sorted(p.name for p in pods if p.namespace == budget.namespace and budget.selects(p.labels)
                        and p.phase not in ("Succeeded", "Failed")))


@command("pdbs", args=PdbsArgs, scope=Scope.NAMESPACED, aliases=("pdb", "get pdb", "get pdbs"),
         examples=("/k8s pdbs -n shop", "/k8s pdbs -A"))
def pdbs(call: ClusterCall[PdbsArgs], deps: Deps) -> PdbsResult:
    """List PodDisruptionBudgets, blocking ones first: rule, allowed disruptions, healthy pods, what they guard."""
    namespace = None if call.all_namespaces else call.namespace
    reader = deps.clusters.reader(call.cluster)
    budgets = reader.pdbs(namespace)
    if not budgets:
        ensure_namespace(deps, call.cluster, namespace)
    pods = reader.pods(namespace) if budgets else []
    guarded = sorted((GuardedBudget(b, _guarded(b, pods)) for b in budgets),
                     key=lambda g: (g.budget.disruptions_allowed > 0, g.budget.namespace, g.budget.name))
    return PdbsResult(Where(namespace), tuple(guarded), page_of(guarded, call), namespace is None, call.lang)
