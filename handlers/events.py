"""`events`: what the cluster said recently, newest first, filtered by type, reason or object.

Filtering is done by the API server (field selectors), so a busy namespace is not pulled whole.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from bot.blocks import Block, Heading, Level, Notice, View
from bot.cluster.model import Event
from bot.deps import Deps
from bot.errors import UserError
from bot.i18n import READ as W
from bot.registry import ClusterCall, Lang, Scope, command
from bot.timefmt import age
from handlers._format import Page, Where, counted, filters, joined, page_of, shorten
from handlers._lookup import ensure_namespace
from handlers.args import EventsArgs

# kubectl's short names for the kinds people ask about; the API wants the Kind.
KINDS = {"pod": "Pod", "po": "Pod", "node": "Node", "no": "Node", "deployment": "Deployment", "deploy": "Deployment",
         "replicaset": "ReplicaSet", "rs": "ReplicaSet", "statefulset": "StatefulSet", "sts": "StatefulSet",
         "daemonset": "DaemonSet", "ds": "DaemonSet", "job": "Job", "cronjob": "CronJob", "service": "Service",
         "svc": "Service", "pvc": "PersistentVolumeClaim", "persistentvolumeclaim": "PersistentVolumeClaim",
         "hpa": "HorizontalPodAutoscaler", "horizontalpodautoscaler": "HorizontalPodAutoscaler",
         "ingress": "Ingress", "pdb": "PodDisruptionBudget", "poddisruptionbudget": "PodDisruptionBudget"}
EVENT_LIMIT = 500


def parse_for(text: str) -> tuple[str | None, str]:
    """`--for pod/web-1` → ("Pod", "web-1"); a bare name matches any kind."""
    kind, sep, name = text.partition("/")
    if not sep:
        return None, text
    if not name:
        raise UserError(f"`--for {text}` names no object: write it as KIND/NAME, e.g. `--for pod/web-1`.")
    found = KINDS.get(kind.lower())
    if found is None:
        # Already a Kind (e.g. "VolumeAttachment"): pass through with its capital.
        found = kind[:1].upper() + kind[1:]
    return found, name


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
    where = Where(namespace, filters((W.of_type, call.args.type), (W.with_reason, call.args.reason),
                                     (W.about_object, call.args.object)))
    return EventsResult(where, tuple(found), page_of(found, call), namespace is None, deps.clock.now(), call.lang)
