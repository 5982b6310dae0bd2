"""What incidents look like: the snapshot pinned in the channel, the answers, the timeline, the summary, the export.

Pure functions of records (`Incident`, `TimelineEntry`), so any replica draws the same thing. People are `Person`s
(mentions in Slack, `@name` in the shell), never IDs in text; the bot's own words come from `bot.i18n.INCIDENT`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot import blocks
from bot.i18n import INCIDENT as W
from bot.i18n import in_lang, people_in, severity_word
from bot.incidents.alerts import FiringAlert, NotEvaluated
from bot.incidents.model import EntryKind, Incident, IncidentState, TimelineEntry
from bot.incidents.timeline import ACTIONS, runbooks_used
from bot.refs import CommandRef
from bot.timefmt import ago_said, day_time, lasted
from handlers.args import IncidentIdArgs, IncidentWhichArgs

_ICON = {
    EntryKind.DECLARED: "🚨",
    EntryKind.NOTE: "📝",
    EntryKind.PIN: "📌",
    EntryKind.SEVERITY: "⚠️",
    EntryKind.COMMANDER: "🧭",
    EntryKind.DIAGNOSIS: "🔍",
    EntryKind.RUNBOOK: "📖",
    EntryKind.CLOSED: "✅",
    EntryKind.ARCHIVED: "🗄️",
    EntryKind.APPROVAL_REQUESTED: "🙋",
    EntryKind.APPROVED: "👍",
    EntryKind.DENIED: "⛔",
    EntryKind.CANCELLED: "↩️",
    EntryKind.EXPIRED: "⌛",
    EntryKind.ACTION_SUCCEEDED: "⚙️",
    EntryKind.ACTION_FAILED: "❌",
    EntryKind.ALERT_FIRING: "🔥",
    EntryKind.ALERT_RESOLVED: "💚",
    EntryKind.ALERT_ACKNOWLEDGED: "👀",
    EntryKind.ALERT_ESCALATED: "⬆️",
}
# A line of the timeline quotes at most this much of a note or a pinned message.
MAX_QUOTE = 300
CARD_ENTRIES = 10


def _label(kind: EntryKind, lang: str) -> str:
    message = getattr(W, f"kind_{kind.value}")
    return str(message(lang))


def _clip(text: str, limit: int = MAX_QUOTE) -> str:
    words = " ".join(text.split())
    return words if len(words) <= limit else words[: limit - 1] + "…"


def entry_line(entry: TimelineEntry, lang: str) -> tuple[str | blocks.Person | blocks.ChannelLink, ...]:
    """`11-22 09:14:05 📌 pinned · @bob — "the ledger pod is OOMKilled again"`; a line that happened after the close
    says so next to what it is (`⚙️ action ran (after close)`)."""
    head = f"`{day_time(entry.at)}` {_ICON[entry.kind]} *{_label(entry.kind, lang)}*{_late(entry, lang)}"
    parts: list[str | blocks.Person | blocks.ChannelLink] = [head]
    if entry.actor:
        parts += [" · ", blocks.Person(entry.actor)]
    if entry.text:
        parts.append(" — " + _clip(in_lang(entry.text, lang)))
    if entry.subject:
        parts += [" → " if entry.text else " — ", blocks.Person(entry.subject)]
    return tuple(parts)


def _late(entry: TimelineEntry, lang: str) -> str:
    return f" _({W.after_close(lang)})_" if entry.after_close else ""


def lines(rows: Sequence[tuple[str | blocks.Person | blocks.ChannelLink, ...]]) -> blocks.Rich:
    """Rich lines joined by newlines, as one rich text."""
    out: list[str | blocks.Person | blocks.ChannelLink] = []
    for i, row in enumerate(rows):
        if i:
            out.append("\n")
        out.extend(row)
    return tuple(out) if out else ""


def state_text(incident: Incident, lang: str) -> str:
    if incident.state is IncidentState.OPEN:
        return str(W.open(lang))
    return str(W.archived_state(lang) if incident.archived else W.closed(lang))


def _channel(incident: Incident) -> str:
    return f"#{incident.channel_name}" if incident.channel_name else "—"


def heading(incident: Incident) -> blocks.Heading:
    return blocks.Heading(f"{incident.label} · {incident.severity.label} · {incident.title}")


def incident_fields(incident: Incident, lang: str) -> blocks.Fields:
    items: list[tuple[str, blocks.Rich]] = [
        (W.severity(lang), incident.severity.label),
        (W.cluster(lang), incident.cluster),
        (W.commander(lang), (blocks.Person(incident.commander),)),
        (W.declared_by(lang), (blocks.Person(incident.declared_by),)),
        (W.declared_at(lang), f"{day_time(incident.declared_at)} UTC"),
        (W.state(lang), state_text(incident, lang)),
        (W.channel(lang), _channel(incident)),
    ]
    if incident.closed_at is not None:
        items.append((W.duration(lang), lasted((incident.closed_at - incident.declared_at).total_seconds(), lang)))
    if incident.alert_key:
        items.append((W.alert(lang), f"`{incident.alert_key}`"))
    return blocks.Fields(tuple(items))


def timeline_ref(incident: Incident) -> CommandRef:
    return CommandRef("incident timeline", IncidentWhichArgs(incident=incident.id))


def archive_ref(incident: Incident) -> CommandRef:
    return CommandRef("incident archive", IncidentIdArgs(incident=incident.id))


@dataclass(frozen=True)
class FiringState:
    """What the alerts side said is firing on the cluster (or why it could not say), and whether it has evaluated
    the cluster's alerts lately: when not, an empty list is no news, and the snapshot must not call it good news."""

    alerts: tuple[FiringAlert, ...] = ()
    error: str | None = None
    not_evaluated: NotEvaluated | None = None


@dataclass(frozen=True)
class IncidentSnapshot:
    """The first message of an incident channel, pinned: the incident, how to use the channel, the cluster's
    health and its firing alerts when it was declared."""

    incident: Incident
    health: blocks.View
    firing: FiringState

    def view(self) -> blocks.View:
        i, lang = self.incident, self.incident.lang
        body: list[blocks.Block] = [
            heading(i), incident_fields(i, lang), blocks.Context(W.how_to(lang)), blocks.Divider()
        ]
        body.append(blocks.Text(f"*{W.snapshot(lang)}*"))
        body.extend(self.health.blocks)
        body.append(blocks.Divider())
        body += self._alerts()
        return blocks.View(f"{i.label} · {i.severity.label} · {i.title}", tuple(body))

    def _alerts(self) -> list[blocks.Block]:
        i, lang, firing = self.incident, self.incident.lang, self.firing
        if firing.error is not None:
            reason = in_lang(firing.error, lang)
            return [blocks.Notice(W.alerts_unavailable(lang, reason=reason), blocks.Level.WARN)]
        out: list[blocks.Block] = []
        if firing.not_evaluated is not None:  # an empty list is then no news: never "no alert is firing"
            last = firing.not_evaluated.last_scan
            unseen = W.not_evaluated(lang, cluster=i.cluster) if last is None else W.evaluated_long_ago(
                lang, cluster=i.cluster, ago=in_lang(ago_said(last, i.declared_at), lang))
            out.append(blocks.Notice(unseen, blocks.Level.WARN))
        elif not firing.alerts:
            return [blocks.Notice(W.no_firing(lang, cluster=i.cluster), blocks.Level.OK)]
        if firing.alerts:  # alerts pushed to the bot are current however long ago the last scan was
            rows = [
                f"🔥 *{in_lang(a.title, lang)}* "
                + (W.firing_when(lang, severity=severity_word(a.severity, lang),
                                 ago=in_lang(ago_said(a.since, i.declared_at), lang)))
                + (f" — {_clip(in_lang(a.summary, lang), 200)}" if a.summary else "")
                + (W.firing_runbook(lang, id=a.runbook) if a.runbook else "")
                for a in firing.alerts[:15]
            ]
            more = len(firing.alerts) - len(rows)
            if more > 0:
                rows.append(f"… +{more}")
            out.append(blocks.Text(f"*{W.firing(lang, cluster=i.cluster)}*\n" + "\n".join(rows)))
        return out


@dataclass(frozen=True)
class Declared:
    """The answer to `incident start` where it was asked: the channel, who is in it, anything that went half-way."""

    incident: Incident
    invited: tuple[str, ...]
    warnings: tuple[blocks.Rich, ...] = ()
    lang: str = "en"

    def view(self) -> blocks.View:
        i, lang = self.incident, self.lang
        where: str | blocks.ChannelLink = blocks.ChannelLink(i.channel) if i.channel else f"#{i.channel_name or '?'}"
        text = W.declared(lang, label=i.label) + (f"#{i.channel_name}" if i.channel_name else "?")
        body: list[blocks.Block] = [
            blocks.Notice((W.declared(lang, label=i.label), where), blocks.Level.OK),
            blocks.Fields(
                (
                    (W.title(lang), i.title),
                    (W.severity(lang), i.severity.label),
                    (W.cluster(lang), i.cluster),
                    (W.commander(lang), (blocks.Person(i.commander),)),
                    (W.invited(lang), people_in(lang, *self.invited, none=W.none(lang))),
                )
            ),
        ]
        body += [blocks.Notice(w, blocks.Level.WARN) for w in self.warnings]
        body.append(blocks.Actions((blocks.Button(W.timeline_button(lang), timeline_ref(i)),)))
        return blocks.View(text, tuple(body))


@dataclass(frozen=True)
class IncidentNotice:
    """A short answer about one incident (a note added, the severity changed, the channel archived)."""

    text: blocks.Rich
    level: blocks.Level = blocks.Level.OK
    buttons: tuple[blocks.Button, ...] = ()

    def view(self) -> blocks.View:
        body: list[blocks.Block] = [blocks.Notice(self.text, self.level)]
        if self.buttons:
            body.append(blocks.Actions(self.buttons))
        return blocks.View(blocks.plain(self.text), tuple(body))


@dataclass(frozen=True)
class IncidentTimeline:
    incident: Incident
    entries: tuple[TimelineEntry, ...]
    lang: str = "en"

    def view(self) -> blocks.View:
        i, lang = self.incident, self.lang
        title = W.timeline(lang, label=i.label)
        body: list[blocks.Block] = [
            blocks.Heading(title),
            blocks.Context(f"{i.title} · {i.severity.label} · `{i.cluster}` · {state_text(i, lang)} · {_channel(i)}"),
            blocks.Text(lines([entry_line(e, lang) for e in self.entries])),
        ]
        return blocks.View(W.timeline_summary(lang, title=title, count=len(self.entries)), tuple(body))


@dataclass(frozen=True)
class IncidentCard:
    """`incident show`: the record and its latest timeline entries."""

    incident: Incident
    entries: tuple[TimelineEntry, ...]
    lang: str = "en"

    def view(self) -> blocks.View:
        i, lang = self.incident, self.lang
        body: list[blocks.Block] = [heading(i), incident_fields(i, lang)]
        if i.summary:
            body.append(blocks.Text(f"*{W.impact(lang)}*\n{i.summary}"))
        latest = self.entries[-CARD_ENTRIES:]
        body.append(blocks.Text(lines([entry_line(e, lang) for e in latest])))
        earlier = len(self.entries) - len(latest)
        if earlier:
            body.append(blocks.Context(W.earlier(lang, count=earlier, id=i.id)))
        buttons = [blocks.Button(W.timeline_button(lang), timeline_ref(i))]
        if i.state is IncidentState.CLOSED and not i.archived and i.channel:
            buttons.append(blocks.Button(W.archive_button(lang), archive_ref(i)))
        body.append(blocks.Actions(tuple(buttons)))
        return blocks.View(f"{i.label} · {i.severity.label} · {i.title} ({state_text(i, lang)})", tuple(body))


def action_lines(
    entries: Sequence[TimelineEntry], lang: str
) -> list[tuple[str | blocks.Person | blocks.ChannelLink, ...]]:
    """What approved actions did, with who asked and who approved (the summary's "actions taken")."""
    out: list[tuple[str | blocks.Person | blocks.ChannelLink, ...]] = []
    for e in entries:
        if e.kind not in ACTIONS:
            continue
        data = e.details()
        mark = "✅" if e.kind is EntryKind.ACTION_SUCCEEDED else "❌"
        row: list[str | blocks.Person | blocks.ChannelLink] = [f"{mark} {_clip(e.text)}{_late(e, lang)}"]
        requester = data.get("requester")
        if isinstance(requester, str):
            row += [f" · {W.requested_by(lang)} ", blocks.Person(requester)]
        approvers = [str(a) for a in data.get("approvers") or []]
        if approvers:
            row += [f", {W.approved_by(lang)} ", *people_in(lang, *approvers)]
        out.append(tuple(row))
    return out


@dataclass(frozen=True)
class IncidentSummary:
    """The close: how long, the impact as the closer wrote it, the timeline, what ran, which runbooks."""

    incident: Incident
    entries: tuple[TimelineEntry, ...]
    lang: str = "en"
    warnings: tuple[blocks.Rich, ...] = field(default=())
    waiting: tuple[tuple[str, str], ...] = ()  # (request id, its action): made here, still waiting for approval

    def view(self) -> blocks.View:
        i, lang = self.incident, self.lang
        title = W.summary(lang, label=i.label, title=i.title)
        spent = lasted(((i.closed_at or i.declared_at) - i.declared_at).total_seconds(), lang)
        body: list[blocks.Block] = [
            blocks.Heading(title),
            blocks.Fields(
                (
                    (W.duration(lang), spent),
                    (W.severity(lang), i.severity.label),
                    (W.cluster(lang), i.cluster),
                    (W.commander(lang), (blocks.Person(i.commander),)),
                    (W.declared_by(lang), (blocks.Person(i.declared_by),)),
                    (W.closed_by(lang), (blocks.Person(i.closed_by),) if i.closed_by else "—"),
                )
            ),
            blocks.Text(f"*{W.impact(lang)}*\n{i.summary or '—'}"),
            blocks.Text(f"*{W.timeline(lang, label=i.label)}*"),
            blocks.Text(lines([entry_line(e, lang) for e in self.entries])),
        ]
        actions = action_lines(self.entries, lang)
        body.append(blocks.Text(f"*{W.actions_taken(lang)}*"))
        body.append(blocks.Text(lines(actions)) if actions else blocks.Text(W.no_actions(lang)))
        if self.waiting:  # closing does not stop them: an approver may still run one
            listed = "\n".join(f"• `{rid}` {action}" for rid, action in self.waiting)
            body.append(blocks.Notice(W.still_waiting(lang, count=len(self.waiting)), blocks.Level.WARN))
            body.append(blocks.Text(listed))
        runbooks = runbooks_used(i.runbook, self.entries)
        used = ", ".join(f"`{r}` (`/k8s kb show {r}`)" for r in runbooks) or W.none(lang)
        body.append(blocks.Text(f"*{W.runbooks_used(lang)}*\n{used}"))
        body += [blocks.Notice(w, blocks.Level.WARN) for w in self.warnings]
        if not i.archived and i.channel:
            body.append(blocks.Actions((blocks.Button(W.archive_button(lang), archive_ref(i), "danger"),)))
        return blocks.View(f"{title} ({spent})", tuple(body))


@dataclass(frozen=True)
class IncidentList:
    incidents: tuple[Incident, ...]
    include_closed: bool
    lang: str = "en"

    def view(self) -> blocks.View:
        lang = self.lang
        if not self.incidents:
            text = W.none_yet(lang) if self.include_closed else W.no_open(lang)
            return blocks.View(text, (blocks.Notice(text, blocks.Level.INFO),))
        rows = [
            (
                f"*{i.label}* {i.severity.label} · {i.title} · `{i.cluster}` · {state_text(i, lang)} · "
                f"{_channel(i)} · {W.commander(lang)} ",
                blocks.Person(i.commander),
            )
            for i in self.incidents
        ]
        open_count = sum(1 for i in self.incidents if i.is_open)
        body: list[blocks.Block] = [blocks.Heading(W.incidents(lang)), blocks.Text(lines(rows))]
        return blocks.View(W.list_summary(lang, count=len(self.incidents), open=open_count), tuple(body))


def export_markdown(incident: Incident, entries: Sequence[TimelineEntry], lang: str) -> str:
    """The incident as a Markdown document (a postmortem's starting point). People are `@` their IDs here: a file
    outside Slack has no mentions."""
    i = incident

    def who(rich: blocks.Rich) -> str:
        return blocks.plain(rich)

    out = [f"# {i.label}: {i.title}", ""]
    for key, value in incident_fields(i, lang).items:
        out.append(f"- **{key}**: {who(value)}")
    out += ["", f"## {W.impact(lang)}", "", i.summary or "—", "", f"## {W.timeline(lang, label=i.label)}", ""]
    out += [f"- {who(entry_line(e, lang))}" for e in entries]
    actions = action_lines(entries, lang)
    out += ["", f"## {W.actions_taken(lang)}", ""]
    out += [f"- {who(a)}" for a in actions] or [W.no_actions(lang)]
    runbooks = runbooks_used(i.runbook, entries)
    out += ["", f"## {W.runbooks_used(lang)}", ""]
    out += [f"- `{r}`" for r in runbooks] or [W.none(lang)]
    return "\n".join(out) + "\n"


def export_jsonl(incident: Incident, entries: Sequence[TimelineEntry]) -> str:
    """One JSON object per timeline entry, oldest first (as `audit --jsonl`)."""
    return "\n".join(
        json.dumps(
            {
                "incident": incident.id,
                "at": e.at.isoformat(),
                "kind": e.kind.value,
                "actor": e.actor,
                "text": e.text,
                "subject": e.subject,
                "data": e.details(),
                "after_close": e.after_close,
            },
            ensure_ascii=False,
            sort_keys=True,
        )
        for e in entries
    )


@dataclass(frozen=True)
class IncidentExport:
    incident: Incident
    entries: tuple[TimelineEntry, ...]
    jsonl: bool
    lang: str = "en"

    def view(self) -> blocks.View:
        i = self.incident
        if self.jsonl:
            text, name = export_jsonl(i, self.entries), f"{i.label}.jsonl"
        else:
            text, name = export_markdown(i, self.entries, self.lang), f"{i.label}.md"
        summary = W.export_summary(self.lang, label=i.label, count=len(self.entries))
        return blocks.View(summary, (blocks.Code(text, name),))
