"""What an alert looks like to people: its message, the short replies in its thread, the summary of a burst.

One message per problem (issue #12): `alert_card` draws it from the stored state every time it is posted or
updated, so the message always shows the newest state — what broke, since when, where, the evidence, the
runbook, who acknowledged or snoozed it, the incident opened for it — and, while it fires, its buttons. Every
button is a typed `CommandRef` to a registered command, run as whoever clicks it: `alerts ack|snooze|unsnooze`,
the matching `diagnose`, `kb show` of the runbook, `incident start --alert ID`, and the finding's own suggested
actions (a disruptive one becomes an approval request, like any click). A resolved problem keeps its words and
loses its buttons.

`alert_reply` is the one short line a transition adds to the message's thread (`HistoryEntry` → text);
`alert_summary` is the one message that stands for a burst ("12 pods: KubePodCrashLooping in shop").

These are views (`bot.blocks`): platform-neutral. The Slack renderer enforces Slack's limits; what can grow
without bound here (labels, annotations, evidence, the number of alerts in a group) is bounded first, so the
message stays readable, not merely accepted. People are `Person`s, never mentions built from text. Nothing here
does I/O except reading the shipped knowledge base for a runbook's title when the caller passes none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot import blocks
from bot.alerts.desk import incident_from_detail
from bot.alerts.findings import finding_object
from bot.alerts.model import Alert, AlertGroup, Source, Status, short_id
from bot.alerts.store import AlertState, Elsewhere, Event, HistoryEntry, ended_by_itself, history_words
from bot.approvals.model import parse_utc
from bot.i18n import ALERT as W
from bot.i18n import in_lang, severity_word
from bot.incidents.alerts import IncidentLink, open_incident_ref
from bot.refs import CommandRef, RefError, decode
from bot.registry import NoArgs
from bot.severity import Severity
from bot.timefmt import clock, day_time, lasted, short_time, table_time
from handlers.args import (
    AlertIdArgs,
    AlertsArgs,
    AlertSnoozeArgs,
    DiagnoseNodeArgs,
    DiagnosePodArgs,
    KbShowArgs,
)
from knowledge import KnowledgeBase

# Bounds that keep a card readable whatever the source sent (Slack's own limits are the renderer's business).
ALERTS_SHOWN = 10  # alerts of a group listed one line each; the rest is "+N more"
EVIDENCE_LINES = 12  # evidence lines of the group's first alert
LINE_CHARS = 300  # one evidence line or label value
LABEL_CHARS = 1500  # the common labels' context line
SUMMARY_ROWS = 40  # alerts listed in a burst's summary
ACTION_BUTTONS = 3  # the finding's own suggested actions shown as buttons
ELSEWHERE_SHOWN = 2  # other sources' reports of the same problem named on a card (there are three sources)
DIAGNOSE_CLUSTERS = 5  # a group on more clusters offers a Diagnose button for these; the rest can be typed

_SEVERITY_MARK = {Severity.CRITICAL: "🔴", Severity.WARNING: "🟠", Severity.INFO: "🔵"}
_SEVERITY_LEVEL = {
    Severity.CRITICAL: blocks.Level.ERROR,
    Severity.WARNING: blocks.Level.WARN,
    Severity.INFO: blocks.Level.INFO,
}
# Labels a card shows elsewhere (heading, fields) or that say nothing to a person.
_SHOWN_ELSEWHERE = frozenset({"alertname", "severity", "namespace", "rule", "subject", "confidence"})
# Annotations shown as the summary and description, not again as annotations.
_TEXT_ANNOTATIONS = frozenset({"summary", "description", "message", "runbook_url"})


def _clip(text: str, limit: int) -> str:
    """One line of at most `limit` characters (a line break from a label or an annotation would break the list)."""
    text = text.replace("\r", " ").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- references the buttons run ----------------------------------------------------------------------------------


def ack_ref(state: AlertState) -> CommandRef:
    return CommandRef("alerts ack", AlertIdArgs(alert=state.id))


def snooze_ref(state: AlertState, length: str) -> CommandRef:
    return CommandRef("alerts snooze", AlertSnoozeArgs(alert=state.id, length=length))


def unsnooze_ref(state: AlertState) -> CommandRef:
    return CommandRef("alerts unsnooze", AlertIdArgs(alert=state.id))


def list_ref(cluster: str | None) -> CommandRef:
    return CommandRef("alerts", AlertsArgs(cluster=cluster))


def runbook_ref(entry_id: str) -> CommandRef:
    return CommandRef("kb show", KbShowArgs(entry=entry_id))


def diagnose_ref(group: AlertGroup) -> CommandRef | None:
    """The diagnosis of what the alert is about, on its cluster: the node, the pod (or the workload's worst pod),
    else the whole cluster. None when the alert names no configured cluster: there is nothing to point it at."""
    cluster = group.cluster
    if cluster is None:
        return None
    objects = {a.object for a in group.alerts if a.object is not None}
    obj = objects.pop() if len(objects) == 1 else None
    workload = finding_object(group.labels.get("subject", "")) if group.source is Source.WATCHER else None
    if obj is None and workload is not None and workload.kind != "Node" and workload.namespace:
        obj = workload  # the pods of one workload with one problem: its worst pod is diagnosed
    if obj is not None and obj.kind == "Node":
        return CommandRef("diagnose node", DiagnoseNodeArgs(name=obj.name), cluster=cluster)
    workloads = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "Job")
    if obj is not None and obj.kind in workloads and obj.namespace:
        return CommandRef("diagnose pod", DiagnosePodArgs(name=obj.name), cluster=cluster, namespace=obj.namespace)
    return CommandRef("diagnose cluster", NoArgs(), cluster=cluster)


def diagnose_refs(group: AlertGroup) -> tuple[tuple[str, CommandRef], ...]:
    """For a group on several configured clusters (a central Alertmanager grouping by `alertname`): the diagnosis
    of what its alerts on each cluster are about, on that cluster, by cluster name — at most `DIAGNOSE_CLUSTERS`
    of them, the clusters of its firing alerts first. Alerts on no configured cluster get none."""
    pool = group.firing or group.alerts
    ordered = [*dict.fromkeys(a.cluster for a in pool if a.cluster is not None),
               *(c for c in group.clusters if c is not None)]
    out: list[tuple[str, CommandRef]] = []
    for cluster in dict.fromkeys(ordered):
        ref = diagnose_ref(group.with_alerts(a for a in group.alerts if a.cluster == cluster))
        if ref is not None:
            out.append((cluster, ref))
    return tuple(out[:DIAGNOSE_CLUSTERS])


def incident_cluster(group: AlertGroup) -> str | None:
    """The cluster an incident for the group is declared on (whose on-call is paged, whose health is pinned): its
    own, or for a group on several, the cluster of its worst firing alert, the first by name among equals. The
    incident links the whole group, so its timeline and its copy of the card show every cluster's alerts."""
    pool = [a for a in (group.firing or group.alerts) if a.cluster is not None]
    if not pool:
        return None
    worst = max(a.severity for a in pool)
    return min(a.cluster for a in pool if a.severity == worst and a.cluster is not None)


def suggested_actions(group: AlertGroup, lang: str = "en") -> tuple[blocks.Button, ...]:
    """The finding's own suggested actions (watcher alerts carry them encoded), pointed at the alert's cluster and
    labelled in `lang`. One that no longer decodes to a registered command (the bot was upgraded since) is left out."""
    cluster = group.cluster
    if cluster is None:
        return ()
    out: list[blocks.Button] = []
    for alert in group.firing[:1]:
        for action in alert.actions:
            try:
                _, ref = decode(action.ref)
            except RefError:
                continue
            ref = ref.on(cluster)
            if ref.fits_a_button():
                out.append(blocks.Button(in_lang(action.label, lang), ref, "danger" if action.danger else None))
    return tuple(out[:ACTION_BUTTONS])


# -- the card ------------------------------------------------------------------------------------------------------


def _first(group: AlertGroup) -> Alert | None:
    return next(iter(group.firing or group.alerts), None)


def _where(state: AlertState, lang: str) -> list[tuple[str, blocks.Rich]]:
    group = state.group
    first = _first(group)
    hint = first.cluster_hint if first is not None else ""
    # Each alert by its configured cluster, else by what it named: a configured one is never called "unknown".
    names = sorted({a.cluster or a.cluster_hint or "?" for a in group.alerts})
    if state.cluster:
        cluster = state.cluster
    elif len(names) > 1:
        cluster = W.several_clusters(lang, names=", ".join(names))
    else:
        cluster = W.unknown_cluster(lang, hint=hint) if hint else "—"
    items: list[tuple[str, blocks.Rich]] = [(W.cluster(lang), cluster)]
    if state.namespace:
        items.append((W.namespace(lang), state.namespace))
    objects = sorted({str(a.object) for a in group.alerts if a.object is not None})
    if objects:
        shown = ", ".join(objects[:3]) + (f" {W.more_alerts(lang, count=len(objects) - 3)}" if len(objects) > 3 else "")
        items.append((W.object(lang), _clip(shown, LINE_CHARS)))
    return items


def _evidence(group: AlertGroup, lang: str) -> list[blocks.Block]:
    """The evidence: the first alert's lines in full (a watcher rule's own, or an external alert's labels, value
    and expression), and what happens next while it fires; then one line for each other alert of the group, what
    tells it apart; then "+N more". A watcher's evidence says when it was read: its ages are as of then."""
    alerts = list(group.firing or group.alerts)
    if not alerts:
        return []
    first = alerts[0]
    # A watcher finding's own reading of its evidence is a `Said`: the store keeps both languages.
    lines = [f"• {_clip(in_lang(line, lang), LINE_CHARS)}" for line in first.evidence[:EVIDENCE_LINES]]
    if len(first.evidence) > EVIDENCE_LINES:
        lines.append(W.more_lines(lang, count=len(first.evidence) - EVIDENCE_LINES))
    if first.next and group.status is Status.FIRING:  # a resolved problem has no "next"
        lines.append(f"• {_clip(W.next_line(lang, next=in_lang(first.next, lang)), LINE_CHARS)}")
    if first.value and not any(first.value in line for line in first.evidence):
        lines.append(f"• value: {_clip(first.value, LINE_CHARS)}")
    common = dict(group.labels)
    for alert in alerts[1:ALERTS_SHOWN]:
        own = [f"{k}={v}" for k, v in sorted(alert.labels.items())
               if v and common.get(k) != v and k not in _SHOWN_ELSEWHERE]
        what = str(alert.object) if alert.object is not None else alert.name
        extra = f" · value {alert.value}" if alert.value else ""
        lines.append(f"• *{_clip(what, 120)}*: {_clip(' '.join(own) or alert.summary, LINE_CHARS)}{extra}")
    more = max(len(alerts) - ALERTS_SHOWN, 0) + (group.truncated if group.status is Status.FIRING else 0)
    if more:
        lines.append(W.more_alerts(lang, count=more))
    body: list[blocks.Block] = []
    if lines:
        heading = W.evidence(lang) if first.seen_at is None else W.evidence_seen(lang, at=clock(first.seen_at))
        body.append(blocks.Text(f"*{heading}*\n" + "\n".join(lines)))
    small: list[str] = []
    shown = [f"{k}={v}" for k, v in sorted(common.items()) if v and k not in _SHOWN_ELSEWHERE]
    if shown and len(alerts) > 1:
        small.append(f"{W.labels(lang)}: " + _clip(", ".join(shown), LABEL_CHARS))
    annotations = {**group.annotations, **first.annotations}
    for k, v in sorted(annotations.items()):
        if v and k not in _TEXT_ANNOTATIONS:
            small.append(f"{k}: {_clip(v, LINE_CHARS)}")
    for link in first.links:
        small.append(f"{link.label}: {_clip(link.url, LINE_CHARS)}")
    if small:
        body.append(blocks.Context(_clip(" · ".join(small), LABEL_CHARS)))
    return body


def own_runbook(group: AlertGroup, lang: str) -> blocks.LinkButton | None:
    """The runbook the alert itself links (Alertmanager's `runbook_url` annotation) as a link button, when it is a
    URL Slack takes."""
    links = [link for a in (*group.firing, *group.alerts) for link in a.links if link.label == "runbook"]
    urls = [link.url for link in links] + [group.annotations.get("runbook_url", "")]
    for url in urls:
        try:
            return blocks.LinkButton(W.runbook_link(lang), url)
        except ValueError:
            continue
    return None


def _runbook(
    group: AlertGroup, lang: str, knowledge: KnowledgeBase | None
) -> tuple[list[blocks.Block], blocks.Button | None]:
    entry_id = group.runbook
    if not entry_id:  # the alert's own runbook, if it links one, is a button of its own
        return ([] if own_runbook(group, lang) is not None else [blocks.Context(W.no_runbook(lang))]), None
    ref = runbook_ref(entry_id)
    entry = knowledge.get(entry_id) if knowledge is not None else None
    if entry is not None:
        text = W.runbook_line(lang, title=entry.title.in_lang("zh" if lang == "zh" else "en"), id=entry_id,
                              command=ref.text())
    else:
        text = W.runbook_id_only(lang, id=entry_id, command=ref.text())
    return [blocks.Text(f"📖 {text}")], blocks.Button(W.runbook_button(lang, id=entry_id), ref)


def _people(state: AlertState, now: datetime, lang: str) -> list[blocks.Block]:
    """Who acknowledged it and who snoozed it: people, never text that could become a mention."""
    body: list[blocks.Block] = []
    if state.ack_by and state.ack_at is not None:
        when = W.at_time.rich(lang, time=_moment(state.ack_at, now))
        body.append(blocks.Context(_joined(W.acknowledged_by(lang), (blocks.Person(state.ack_by),), when)))
    if state.snoozed(now) and state.snoozed_by:
        body.append(blocks.Context(_joined(W.snoozed_by(lang), (blocks.Person(state.snoozed_by),),
                                           _snoozed_until(state, lang, now))))
    elif state.snooze_until is not None and state.status is Status.FIRING:
        body.append(blocks.Context(W.snooze_over.rich(lang, time=_moment(state.snooze_until, now))))
    return body


def _when(at: datetime, now: datetime) -> str:
    """A time of day when it was today (`09:14 UTC`), with its day when it was longer ago (`11-21 09:14:05`)."""
    return short_time(at) if abs(now - at) < timedelta(hours=20) else f"{day_time(at)} UTC"


def _moment(at: datetime, now: datetime) -> blocks.Moment:
    """A time on a card: Slack shows it in each reader's time zone; the shell and the text outlet as `_when` says."""
    return blocks.Moment(at, _when(at, now))


def _joined(*texts: blocks.Rich) -> blocks.Rich:
    """Rich texts one after the other, as one."""
    parts: list[blocks.Part] = []
    for text in texts:
        parts.extend((text,) if isinstance(text, str) else text)
    return tuple(parts)


def source_name(source: Source, lang: str, *, short: bool = False) -> str:
    """A source as people call it (`short`: on a button)."""
    names = {Source.ALERTMANAGER: "Alertmanager", Source.AZURE_MONITOR: "Azure Monitor"}
    return names.get(source) or (W.watcher_short(lang) if short else W.source_watcher(lang))


def show_ref(state: AlertState) -> CommandRef:
    return CommandRef("alerts show", AlertIdArgs(alert=state.id))


def _elsewhere(state: AlertState, elsewhere: Sequence[Elsewhere], lang: str) -> list[blocks.Block]:
    """One line for each other source's report of the same problem that still fires: what it says, its id, and
    where its message is. A card that resolved says what still fires; one that fires, who reports it too."""
    said = W.also_reported if state.status is Status.FIRING else W.still_reported
    lines: list[blocks.Block] = []
    for other in [e for e in elsewhere if e.state.status is Status.FIRING][:ELSEWHERE_SHOWN]:
        text = said(lang, source=source_name(other.state.group.source, lang), id=other.state.id,
                    title=_clip(in_lang(other.state.group.title, lang), 120))
        where: blocks.Rich = (text, blocks.Channel(other.message.channel)) if other.message is not None else text
        lines.append(blocks.Context(where))
    return lines


def _buttons(state: AlertState, lang: str, runbook: blocks.Button | None, incident: IncidentLink | None, now: datetime,
             elsewhere: Sequence[Elsewhere] = ()) -> list[blocks.Button]:
    group = state.group
    buttons: list[blocks.Button] = []
    if not state.ack_by:
        buttons.append(blocks.Button(W.acknowledge(lang), ack_ref(state), "primary"))
    if state.snoozed(now):  # a timed snooze that is over offers the snoozes again
        buttons.append(blocks.Button(W.unsnooze(lang), unsnooze_ref(state)))
    else:
        buttons += [blocks.Button(W.snooze_1h(lang), snooze_ref(state, "1h")),
                    blocks.Button(W.snooze_4h(lang), snooze_ref(state, "4h")),
                    blocks.Button(W.snooze_resolved(lang), snooze_ref(state, "resolved"))]
    diagnose = diagnose_ref(group)
    if diagnose is not None and diagnose.fits_a_button():  # a name from a label can be any length
        buttons.append(blocks.Button(W.diagnose(lang), diagnose))
    elif diagnose is None and len(group.clusters) > 1:  # one per cluster, each pointed at its own alerts
        buttons += [blocks.Button(W.diagnose_on(lang, cluster=cluster), ref)
                    for cluster, ref in diagnose_refs(group) if ref.fits_a_button()]
    if runbook is not None:
        buttons.append(runbook)
    lead = incident_cluster(group)
    if (incident is None or incident.closed) and lead is not None:  # still firing after its incident
        try:
            ref = open_incident_ref(title=group.title, cluster=lead, severity=group.severity.label,
                                    alert_key=state.id, runbook=group.runbook)
            # On a group of several clusters the button says where the incident is declared.
            label = W.open_incident(lang) if group.cluster is not None else W.open_incident_on(lang, cluster=lead)
            buttons.append(blocks.Button(label, ref))
        except ValueError:  # a title or runbook id that cannot fit: the command can still be typed
            pass
    buttons.extend(suggested_actions(group, lang))
    # The other sources' cards of the same problem, shown here (with their own buttons) at a click.
    others = [e.state for e in elsewhere if e.state.status is Status.FIRING][:ELSEWHERE_SHOWN]
    buttons += [blocks.Button(W.show_elsewhere(lang, source=source_name(o.group.source, lang, short=True)),
                              show_ref(o)) for o in others]
    return buttons


def alert_card(state: AlertState, *, now: datetime, lang: str = "en", incident: IncidentLink | None = None,
               knowledge: KnowledgeBase | None = None, elsewhere: Sequence[Elsewhere] = ()) -> blocks.View:
    """The problem's one message, as it is now. `knowledge` gives the runbook's title (the shipped knowledge base
    when None); `incident` is the incident opened for it, if one is open."""
    group = state.group
    knowledge = knowledge if knowledge is not None else _shipped_knowledge()
    firing = state.status is Status.FIRING
    first = _first(group)
    # A problem that fired again after resolving: since when this time, and since when in all. Times are moments
    # (each reader sees them in their own time zone), never "for 3 min": a card is redrawn only when the problem
    # changes, so a running duration would go stale. Only a duration that is over ("resolved after 14 min") is said.
    began = state.last_fired_at if state.flap_count else state.first_fired_at
    # A stateless alert (Azure never says it is over) is an event: when it happened and when it ends by itself.
    until = group.expires_at if firing else None
    status: blocks.Rich
    if firing:
        heading = f"{_SEVERITY_MARK[state.severity]} {in_lang(group.title, lang)}"
        if until is not None:
            status = W.event_until.rich(lang, time=_moment(began, now), until=_moment(until, now))
        else:
            status = W.firing_again_since.rich(lang, time=_moment(began, now)) if state.flap_count else ""
    else:
        heading = f"✅ {W.resolved_heading(lang, title=in_lang(group.title, lang))}"
        ended = state.resolved_at or state.updated_at
        took = lasted((ended - began).total_seconds(), lang)
        status = (W.event_ended.rich(lang, time=_moment(began, now), until=_moment(ended, now)) if group.ran_out
                  else W.resolved_after_at.rich(lang, duration=took, time=_moment(ended, now)))
        if state.flap_count:
            status = _joined(status, W.this_time.rich(lang, time=_moment(state.first_fired_at, now),
                                                      count=state.flap_count))
    body: list[blocks.Block] = [blocks.Heading(_clip(heading, 150))]
    if firing:
        if group.summary != group.title:  # a watcher finding's title is its summary: said once is enough
            body.append(blocks.Notice(f"*{_clip(in_lang(group.summary, lang), LINE_CHARS)}*",
                                      _SEVERITY_LEVEL[state.severity]))
    else:
        body.append(blocks.Notice(_joined(f"*{_clip(in_lang(group.summary, lang), LINE_CHARS)}* — ", status),
                                  blocks.Level.OK))
    if first is not None and first.description and first.description != first.summary:
        body.append(blocks.Text(_clip(first.description, 1000)))
    said_status = W.resolved(lang) if not firing else W.firing(lang) if until is None else W.event(lang)
    fields: list[tuple[str, blocks.Rich]] = [
        (W.status(lang), _joined(said_status, " · ", status) if status else said_status),
        (W.severity(lang), severity_word(
            first.severity_label or state.severity.label if first is not None else state.severity.label, lang)),
        (W.since(lang), (_moment(state.first_fired_at, now),)),
        *_where(state, lang),
        (W.source(lang), group.source.value + (f" · {first.name}" if first is not None else "")),
    ]
    body.append(blocks.Fields(tuple(fields)))
    body += _evidence(group, lang)
    runbook_blocks, runbook = _runbook(group, lang, knowledge)
    body += runbook_blocks
    if state.flap_count and firing:
        body.append(blocks.Context(W.flapped(lang, count=state.flap_count)))
    if incident is not None:
        said = W.incident_closed if incident.closed else W.incident
        body.append(blocks.Context((said(lang, label=incident.label), blocks.Channel(incident.channel))))
    body += _elsewhere(state, elsewhere, lang)
    body += _people(state, now, lang)
    if firing:
        body.append(blocks.Context(W.ref_line(lang, id=state.id)))
        own = own_runbook(group, lang)
        body.append(blocks.Actions(tuple(_buttons(state, lang, runbook, incident, now, elsewhere)),
                                   (own,) if own else ()))
    # The text Slack shows in notifications, the sidebar and search: in the channel's language, as the card is, its
    # times in UTC words (a notification cannot show a reader's own time zone).
    # (An event's status already reads so: its moments' words are `_when`'s.)
    if firing and until is None:
        since = W.firing_again_since if state.flap_count else W.firing_since
        status = since(lang, time=_when(began, now))
    summary = f"{'✅ ' if not firing else ''}{_clip(in_lang(group.summary, lang), 200)} — {blocks.plain(status)}"
    return blocks.View(summary, tuple(body))


def log_name(key: str, stored: Callable[[str], AlertState | None]) -> str:
    """An alert as a log line names it: its short id and title (`4rb34vbtiw "KubeNodeNotReady"`), what
    `/k8s alerts show` takes — not its key, whose first characters are the same for every Alertmanager group.
    `stored` reads its state (the store's `get`): only a failure is logged, so the read is rare."""
    state = stored(key)
    title = _clip(str(state.group.title), 60) if state is not None else ""
    return f'{short_id(key)} "{title}"' if title else short_id(key)


def _shipped_knowledge() -> KnowledgeBase | None:
    try:
        from knowledge import load_knowledge_base

        return load_knowledge_base()
    except Exception:  # a card without the runbook's title is better than no card
        return None


# -- a reply in the thread ----------------------------------------------------------------------------------------


def alert_reply(state: AlertState, entry: HistoryEntry, *, lang: str = "en") -> blocks.View:
    """One short reply in the message's thread about one transition."""
    text: blocks.Rich
    actor = entry.actor
    if entry.event is Event.RESOLVED and (duration := ended_by_itself(entry.detail, lang)) is not None:
        text = W.reply_ended_by_itself(lang, duration=duration)
    elif entry.event is Event.RESOLVED:
        text = W.reply_resolved(lang, detail=history_words(entry.detail, lang) or W.resolved(lang))
    elif entry.event is Event.REOPENED:
        text = W.reply_reopened(lang, detail=history_words(entry.detail, lang))
    elif entry.event is Event.FIRED:
        text = W.reply_fired(lang, summary=_clip(in_lang(state.summary, lang), LINE_CHARS))
    elif entry.event is Event.UPDATED:
        text = W.reply_updated(lang, detail=history_words(entry.detail, lang))
        if state.snoozed(entry.at) and state.snoozed_by:
            # Said while snoozed (new alerts joined, or it got worse): the rest stays snoozed, by whom, until when.
            stop = "。" if lang == "zh" else "."
            text = _joined(text, W.still_snoozed(lang), (blocks.Person(state.snoozed_by),),
                           _snoozed_until(state, lang, entry.at), stop)
    elif entry.event is Event.ACKNOWLEDGED:
        text = (W.reply_acknowledged(lang), blocks.Person(actor))
    elif entry.event is Event.SNOOZED:
        text = (W.reply_snoozed(lang, detail=snooze_words(entry.detail, lang)), blocks.Person(actor))
    elif entry.event is Event.UNSNOOZED:
        text = (W.reply_unsnoozed(lang), blocks.Person(actor))
    elif entry.event is Event.POSTED:
        text = (W.reply_posted(lang), blocks.Channel(entry.detail.split(" ", 1)[0]))
    else:
        linked = incident_from_detail(entry.detail) if entry.event is Event.LINKED else None
        text = ((W.reply_linked(lang, label=linked.label), blocks.Channel(linked.channel)) if linked is not None
                else f"{entry.event.value} {entry.detail}")
    return blocks.View(blocks.plain(text), (blocks.Text(text),))


def snooze_words(detail: str, lang: str) -> str:
    """A snooze's stored detail (`until resolved`, `until <UTC time>`) in words: `until it resolves`,
    `until 04:00 UTC`."""
    if detail == "until resolved":
        return W.snoozed_until_resolved(lang).lstrip(" ，,")
    if detail.startswith("until "):
        try:
            return W.snoozed_until(lang, time=short_time(parse_utc(detail[6:]))).lstrip(" ，,")
        except ValueError:
            return detail
    return detail


# -- a burst in one message ---------------------------------------------------------------------------------------

_KINDS = {"Pod": ("pods", "Pod"), "Node": ("nodes", "节点"), "Deployment": ("deployments", "Deployment"),
          "StatefulSet": ("statefulsets", "StatefulSet"), "DaemonSet": ("daemonsets", "DaemonSet"),
          "Job": ("jobs", "Job"), "PersistentVolumeClaim": ("volume claims", "PVC")}


def summary_title(states: Sequence[AlertState], lang: str = "en") -> str:
    """"12 pods: KubePodCrashLooping in shop": what the burst has in common, in one line."""
    names = {_name(s) for s in states}
    kinds = {a.object.kind for s in states for a in s.group.firing[:1] if a.object is not None}
    namespaces = {s.namespace for s in states}
    clusters = {s.cluster for s in states}
    where = ""
    if len(namespaces) == 1 and (namespace := next(iter(namespaces))):
        where = W.in_namespace(lang, namespace=namespace)
    elif len(clusters) == 1 and (cluster := next(iter(clusters))):
        where = W.on_cluster(lang, cluster=cluster)
    if len(names) == 1:
        kind = next(iter(kinds)) if len(kinds) == 1 else ""
        en, zh = _KINDS.get(kind, ("alerts", "告警"))
        return W.summary_same(lang, count=len(states), what=zh if lang == "zh" else en, name=next(iter(names)),
                              where=where)
    return W.summary_mixed(lang, count=len(states), where=where)


def alert_summary(states: Sequence[AlertState], *, now: datetime, lang: str = "en") -> blocks.View:
    """One message for a burst of problems that would not fit one each: what they share, then one row each (id,
    severity, age, what), and the command that lists them with their buttons."""
    # The message stands for what still fires: its count and title follow it, and a problem of the burst that
    # resolved is marked so (its own thread reply says so too), firing ones first.
    firing = [s for s in states if s.status is Status.FIRING]
    ended = [s for s in states if s.status is not Status.FIRING]
    if firing:
        title = summary_title(firing, lang)
        heading = f"{_SEVERITY_MARK[max(s.severity for s in firing)]} {title}"
    else:
        title = W.summary_all_resolved(lang, count=len(states))
        heading = f"✅ {title}"
    shown = [*firing, *ended][:SUMMARY_ROWS]
    # When each began, in UTC (its column says so): a table is a code block, which shows no moment in a reader's own
    # time zone, and an age ("3m") would be stale when the summary is next redrawn.
    rows = tuple(
        (s.id, _marked(severity_word(s.severity.label, lang), s, now) if s in firing else f"✅ {W.resolved(lang)}",
         table_time(s.first_fired_at, now), _clip(_what(s), 60), _clip(in_lang(s.group.summary, lang), 80))
        for s in shown
    )
    body: list[blocks.Block] = [
        blocks.Heading(_clip(heading, 150)),
        blocks.Table(tuple(W.summary_columns(lang).split("|")), rows, total=len(states)),
    ]
    if firing and ended:
        body.append(blocks.Context(W.summary_some_resolved(lang, count=len(ended), total=len(states))))
    body += _members_people([s for s in shown if s in firing], now, lang)
    clusters = {s.cluster for s in states}
    cluster = next(iter(clusters)) if len(clusters) == 1 else None
    body.append(blocks.Context("`/k8s alerts ack ID` · `/k8s alerts snooze ID 1h`"))
    body.append(blocks.Actions((blocks.Button(W.list_button(lang), list_ref(cluster)),)))
    return blocks.View(title, tuple(body))


def _marked(severity: str, state: AlertState, now: datetime) -> str:
    """A summary row's severity with the marks its card's people lines start with: 👀 acknowledged, 💤 snoozed."""
    marks = ("👀" if state.ack_by else "") + ("💤" if state.snoozed(now) and state.snoozed_by else "")
    return f"{severity} {marks}" if marks else severity


def _members_people(states: Sequence[AlertState], now: datetime, lang: str) -> list[blocks.Block]:
    """Who acknowledged and who snoozed the firing problems of a summary, as their cards say it, each person once
    with the ids of their problems: people, never text that could become a mention (a table cannot hold them)."""
    acked: dict[str, list[str]] = {}
    snoozed: dict[tuple[str, blocks.Rich], list[str]] = {}
    for state in states:
        if state.ack_by:
            acked.setdefault(state.ack_by, []).append(state.id)
        if state.snoozed(now) and state.snoozed_by:
            snoozed.setdefault((state.snoozed_by, _snoozed_until(state, lang, now)), []).append(state.id)
    out: list[blocks.Block] = []
    if acked:
        parts: list[blocks.Part] = [W.acknowledged_by(lang)]
        for n, (who, ids) in enumerate(acked.items()):
            parts += [W.summary_also(lang)] if n else []
            parts += [blocks.Person(who), W.summary_ids(lang, ids=_ids(ids))]
        out.append(blocks.Context(tuple(parts)))
    if snoozed:
        parts = [W.snoozed_by(lang)]
        for n, ((who, until), ids) in enumerate(snoozed.items()):
            parts += [W.summary_also(lang)] if n else []
            parts += [blocks.Person(who), *_joined(until), W.summary_ids(lang, ids=_ids(ids))]
        out.append(blocks.Context(tuple(parts)))
    return out


def _ids(ids: Sequence[str]) -> str:
    return ", ".join(f"`{i}`" for i in ids)


def _snoozed_until(state: AlertState, lang: str, now: datetime) -> blocks.Rich:
    if state.snoozed_until_resolved or state.snooze_until is None:
        return W.snoozed_until_resolved(lang)
    return W.snoozed_until.rich(lang, time=_moment(state.snooze_until, now))


def _name(state: AlertState) -> str:
    first = _first(state.group)
    return first.name if first is not None else state.group.title


def _what(state: AlertState) -> str:
    first = _first(state.group)
    if first is not None and first.object is not None:
        return str(first.object)
    return first.name if first is not None else state.group.title
