"""`events`: what the cluster said recently, newest first, filtered by type, reason or object.

Filtering is done by the API server (field selectors), so a busy namespace is not pulled whole. `--for` takes
KIND/NAME; when no event is about it, the object itself is looked up, so a typo is not answered "no events".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from rapidfuzz.distance import OSA

from bot.blocks import Block, Heading, Level, Notice, View
from bot.cluster.model import Event
from bot.deps import Deps
from bot.errors import Forbidden, NotConfigured, NotFound, Upstream, UserError
from bot.i18n import ERRORS, said
from bot.i18n import READ as W
from bot.registry import REGISTRY, ClusterCall, Lang, Scope, command
from bot.timefmt import age
from handlers._format import Page, Where, closest, counted, did_you_mean, filters, joined, page_of, shorten
from handlers._lookup import ensure_namespace, find_node
from handlers.args import EventsArgs
from handlers.pods import find_pod
from handlers.workloads import find_deployment

# kubectl's short names for the kinds people ask about; the API wants the Kind.
KINDS = {"pod": "Pod", "po": "Pod", "node": "Node", "no": "Node", "deployment": "Deployment", "deploy": "Deployment",
         "replicaset": "ReplicaSet", "rs": "ReplicaSet", "statefulset": "StatefulSet", "sts": "StatefulSet",
         "daemonset": "DaemonSet", "ds": "DaemonSet", "job": "Job", "cronjob": "CronJob", "service": "Service",
         "svc": "Service", "pvc": "PersistentVolumeClaim", "persistentvolumeclaim": "PersistentVolumeClaim",
         "hpa": "HorizontalPodAutoscaler", "horizontalpodautoscaler": "HorizontalPodAutoscaler",
         "ingress": "Ingress", "pdb": "PodDisruptionBudget", "poddisruptionbudget": "PodDisruptionBudget"}
EVENT_LIMIT = 500


def parse_for(text: str) -> tuple[str, str]:
    """`--for pod/web-1` → ("Pod", "web-1"). A bare name is refused with the form: it could be any kind, so an empty
    answer could not say whether the object exists — and `--for banana` reading "no events" looked like all clear."""
    kind, sep, name = text.partition("/")
    if not sep or not kind or not name or "/" in name:
        example = f"pod/{text}" if not sep and text else "pod/web-1"
        raise UserError(said(ERRORS.for_not_kind_name, value=text, example=example), _usage())
    found = KINDS.get(kind.lower())
    if found is None:
        # "pdo/web-1": one letter off a short name (a swap counts as one), not a Kind nobody has ("secret" is no
        # typo of "service"); a Kind written as the API spells it passes through.
        typo = [k for k in KINDS if len(kind) >= 3 and kind.islower() and OSA.distance(kind, k) == 1]
        if typo:
            raise UserError(said(ERRORS.for_unknown_kind, kind=kind, close=f"{typo[0]}/{name}"), _usage())
        # Already a Kind (e.g. "VolumeAttachment"): pass through with its capital.
        found = kind[:1].upper() + kind[1:]
    return found, name


def _usage() -> str | None:
    spec = REGISTRY.get("events")
    return spec.usage() if spec is not None else None


def ensure_object(deps: Deps, cluster: str, namespace: str | None, kind: str, name: str) -> None:
    """Raise `NotFound` when the object `--for` names does not exist, with the names that are close; call it only when
    no event was found (events outlive a deleted object, so events about one that is gone are still shown). Only the
    kinds the bot reads anyway are checked (pods, nodes, deployments); for the others, and when the bot may not read
    the kind, the empty answer stands."""
    reader = deps.clusters.reader(cluster)
    try:
        if kind == "Node":
            find_node(deps, cluster, name)
        elif kind == "Pod" and namespace is not None:
            find_pod(deps, cluster, namespace, name)
        elif kind == "Pod":
            if not reader.pods(None, field_selector=f"metadata.name={name}"):
                _nowhere(cluster, kind, name, (p.name for p in reader.pods(None)))
        elif kind == "Deployment" and namespace is not None:
            find_deployment(deps, cluster, namespace, name)
        elif kind == "Deployment":
            everywhere = reader.deployments(None)
            if not any(d.name == name for d in everywhere):
                _nowhere(cluster, kind, name, (d.name for d in everywhere))
    except (Forbidden, Upstream, NotConfigured):
        return


def _nowhere(cluster: str, kind: str, name: str, names: Iterable[str]) -> NoReturn:
    hint = did_you_mean(closest(name, names))
    raise NotFound(said(ERRORS.object_nowhere, kind=kind, name=name, cluster=cluster, hint=hint), kind=kind, name=name)


@dataclass(frozen=True)
class EventsResult:
    where: Where
    events: tuple[Event, ...]
    page: Page[Event]
    all_namespaces: bool
    now: datetime
    lang: Lang = "en"

    def view(self) -> View:
        lang = self.lang
        total = len(self.events)
        where = self.where.text(lang)
        if not total:
            none = W.no_events(lang, where=where)
            return View(none, (Notice(none, Level.INFO),))
        types = Counter(e.type for e in self.events)
        reasons = Counter(e.reason for e in self.events if e.type == "Warning")
        summary = W.events_summary(lang, counted=counted(lang, total, W.one_event, W.many_events), where=where,
                                   types=joined([f"{n} {t}" for t, n in types.most_common()], lang))
        if reasons:
            summary += W.top_warnings(lang, reasons=joined([f"{r} ×{n}" for r, n in reasons.most_common(3)], lang))
        blocks: list[Block] = [Heading(W.events_heading(lang, where=self.where.title(lang))),
                               Notice(summary, Level.WARN if types.get("Warning") else Level.INFO)]
        rows = tuple(
            (age(e.when, self.now), e.type, e.reason,
             (f"{e.namespace}/" if self.all_namespaces and e.namespace else "") + str(e.involved),
             str(e.count), shorten(e.message, 100))
            for e in self.page.items
        )
        columns = (W.col_last_seen(lang), W.col_type(lang), W.col_reason(lang), W.col_object(lang), W.col_count(lang),
                   W.col_message(lang))
        blocks.extend(self.page.table(columns, rows, lang))
        return View(summary, tuple(blocks))


@command("events", args=EventsArgs, scope=Scope.NAMESPACED, aliases=("get events", "get event", "get ev", "事件"),
         examples=("/k8s events -n shop", "/k8s events -A --type Warning", "/k8s events --for pod/web-1",
                   "/k8s events -A --reason FailedScheduling"))
def events(call: ClusterCall[EventsArgs], deps: Deps) -> EventsResult:
    """List recent events, newest first, with counts by type and the commonest warnings."""
    namespace = None if call.all_namespaces else call.namespace
    kind, name = parse_for(call.args.object) if call.args.object else (None, None)
    found = deps.clusters.reader(call.cluster).events(
        namespace, involved_name=name, kind=kind, reason=call.args.reason, type=call.args.type, limit=EVENT_LIMIT)
    if not found:
        ensure_namespace(deps, call.cluster, namespace)
        if kind is not None and name is not None:
            ensure_object(deps, call.cluster, namespace, kind, name)
    where = Where(namespace, filters((W.of_type, call.args.type), (W.with_reason, call.args.reason),
                                     (W.about_object, call.args.object)))
    return EventsResult(where, tuple(found), page_of(found, call), namespace is None, deps.clock.now(), call.lang)
