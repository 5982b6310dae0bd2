"""What incidents look like: the snapshot pinned in the channel, the answers, the timeline, the summary, the export.

Pure functions of records (`Incident`, `TimelineEntry`), so any replica draws the same thing. People are `Person`s
(mentions in Slack, `@name` in the shell), never IDs in text; the bot's own words come from `bot.i18n.INCIDENT`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.blocks import (
    Actions,
    Block,
    Button,
    ChannelLink,
    Code,
    Context,
    Divider,
    Fields,
    Heading,
    Level,
    Notice,
    Person,
    Rich,
    Text,
    View,
    people,
    plain,
)
from bot.i18n import INCIDENT as W
from bot.incidents.alerts import FiringAlert
from bot.incidents.model import EntryKind, Incident, IncidentState, TimelineEntry
from bot.incidents.timeline import ACTIONS, runbooks_used
from bot.refs import CommandRef
from bot.timefmt import ago, day_time, duration
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


def entry_line(entry: TimelineEntry, lang: str) -> tuple[str | Person | ChannelLink, ...]:
    """`11-22 09:14:05 📌 pinned · @bob — "the ledger pod is OOMKilled again"`."""
    head = f"`{day_time(entry.at)}` {_ICON[entry.kind]} *{_label(entry.kind, lang)}*"
    parts: list[str | Person | ChannelLink] = [head]
    if entry.actor:
        parts += [" · ", Person(entry.actor)]
    if entry.text:
        parts.append(" — " + _clip(entry.text))
    if entry.subject:
        parts += [" → " if entry.text else " — ", Person(entry.subject)]
    return tuple(parts)


def lines(rows: Sequence[tuple[str | Person | ChannelLink, ...]]) -> Rich:
    """Rich lines joined by newlines, as one rich text."""
    out: list[str | Person | ChannelLink] = []
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


def heading(incident: Incident) -> Heading:
    return Heading(f"{incident.label} · {incident.severity.label} · {incident.title}")


def incident_fields(incident: Incident, lang: str) -> Fields:
    items: list[tuple[str, Rich]] = [
        (W.severity(lang), incident.severity.label),
        (W.cluster(lang), incident.cluster),
        (W.commander(lang), (Person(incident.commander),)),
        (W.declared_by(lang), (Person(incident.declared_by),)),
        (W.declared_at(lang), f"{day_time(incident.declared_at)} UTC"),
        (W.state(lang), state_text(incident, lang)),
        (W.channel(lang), _channel(incident)),
    ]
    if incident.closed_at is not None:
        items.append((W.duration(lang), duration((incident.closed_at - incident.declared_at).total_seconds())))
    if incident.alert_key:
        items.append((W.alert(lang), f"`{incident.alert_key}`"))
    return Fields(tuple(items))


def timeline_ref(incident: Incident) -> CommandRef:
    return CommandRef("incident timeline", IncidentWhichArgs(incident=incident.id))


def archive_ref(incident: Incident) -> CommandRef:
    return CommandRef("incident archive", IncidentIdArgs(incident=incident.id))


@dataclass(frozen=True)
class FiringState:
    """What the alerts side said is firing on the cluster (or why it could not say)."""

    alerts: tuple[FiringAlert, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class IncidentSnapshot:
    """The first message of an incident channel, pinned: the incident, how to use the channel, the cluster's
    health and its firing alerts when it was declared."""

    incident: Incident
    health: View
    firing: FiringState

    def view(self) -> View:
        i, lang = self.incident, self.incident.lang
        blocks: list[Block] = [heading(i), incident_fields(i, lang), Context(W.how_to(lang)), Divider()]
        blocks.append(Text(f"*{W.snapshot(lang)}*"))
        blocks.extend(self.health.blocks)
        blocks.append(Divider())
        if self.firing.error is not None:
            blocks.append(Notice(W.alerts_unavailable(lang, reason=self.firing.error), Level.WARN))
        elif not self.firing.alerts:
            blocks.append(Notice(W.no_firing(lang, cluster=i.cluster), Level.OK))
        else:
            rows = [
                f"🔥 *{a.title}* ({a.severity}, {ago(a.since, i.declared_at)})"
                + (f" — {_clip(a.summary, 200)}" if a.summary else "")
                + (f" · runbook `{a.runbook}`" if a.runbook else "")
                for a in self.firing.alerts[:15]
            ]
            more = len(self.firing.alerts) - len(rows)
            if more > 0:
                rows.append(f"… +{more}")
            blocks.append(Text(f"*{W.firing(lang, cluster=i.cluster)}*\n" + "\n".join(rows)))
        return View(f"{i.label} · {i.severity.label} · {i.title}", tuple(blocks))


@dataclass(frozen=True)
class Declared:
    """The answer to `incident start` where it was asked: the channel, who is in it, anything that went half-way."""

    incident: Incident
    invited: tuple[str, ...]
    warnings: tuple[Rich, ...] = ()
    lang: str = "en"

    def view(self) -> View:
        i, lang = self.incident, self.lang
        where: str | ChannelLink = ChannelLink(i.channel) if i.channel else f"#{i.channel_name or '?'}"
        text = W.declared(lang, label=i.label) + (f"#{i.channel_name}" if i.channel_name else "?")
        blocks: list[Block] = [
            Notice((W.declared(lang, label=i.label), where), Level.OK),
            Fields(
                (
                    (W.title(lang), i.title),
                    (W.severity(lang), i.severity.label),
                    (W.cluster(lang), i.cluster),
                    (W.commander(lang), (Person(i.commander),)),
                    (W.invited(lang), people(*self.invited, none=W.none(lang))),
                )
            ),
        ]
        blocks += [Notice(w, Level.WARN) for w in self.warnings]
        blocks.append(Actions((Button(W.timeline_button(lang), timeline_ref(i)),)))
        return View(text, tuple(blocks))


@dataclass(frozen=True)
class IncidentNotice:
    """A short answer about one incident (a note added, the severity changed, the channel archived)."""

    text: Rich
    level: Level = Level.OK
    buttons: tuple[Button, ...] = ()

    def view(self) -> View:
        blocks: list[Block] = [Notice(self.text, self.level)]
        if self.buttons:
            blocks.append(Actions(self.buttons))
        return View(plain(self.text), tuple(blocks))


@dataclass(frozen=True)
class IncidentTimeline:
    incident: Incident
    entries: tuple[TimelineEntry, ...]
    lang: str = "en"

    def view(self) -> View:
        i, lang = self.incident, self.lang
        title = W.timeline(lang, label=i.label)
        blocks: list[Block] = [
            Heading(title),
            Context(f"{i.title} · {i.severity.label} · `{i.cluster}` · {state_text(i, lang)} · {_channel(i)}"),
            Text(lines([entry_line(e, lang) for e in self.entries])),
        ]
        return View(f"{title}: {len(self.entries)} entries", tuple(blocks))


@dataclass(frozen=True)
class IncidentCard:
    """`incident show`: the record and its latest timeline entries."""

    incident: Incident
    entries: tuple[TimelineEntry, ...]
    lang: str = "en"

    def view(self) -> View:
        i, lang = self.incident, self.lang
        blocks: list[Block] = [heading(i), incident_fields(i, lang)]
        if i.summary:
            blocks.append(Text(f"*{W.impact(lang)}*\n{i.summary}"))
        latest = self.entries[-CARD_ENTRIES:]
        blocks.append(Text(lines([entry_line(e, lang) for e in latest])))
        earlier = len(self.entries) - len(latest)
        if earlier:
            blocks.append(Context(W.earlier(lang, count=earlier, id=i.id)))
        buttons = [Button(W.timeline_button(lang), timeline_ref(i))]
        if i.state is IncidentState.CLOSED and not i.archived and i.channel:
            buttons.append(Button(W.archive_button(lang), archive_ref(i)))
        blocks.append(Actions(tuple(buttons)))
        return View(f"{i.label} · {i.severity.label} · {i.title} ({state_text(i, lang)})", tuple(blocks))


def action_lines(entries: Sequence[TimelineEntry], lang: str) -> list[tuple[str | Person | ChannelLink, ...]]:
    """What approved actions did, with who asked and who approved (the summary's "actions taken")."""
    out: list[tuple[str | Person | ChannelLink, ...]] = []
    for e in entries:
        if e.kind not in ACTIONS:
            continue
        data = e.details()
        mark = "✅" if e.kind is EntryKind.ACTION_SUCCEEDED else "❌"
        row: list[str | Person | ChannelLink] = [f"{mark} {_clip(e.text)}"]
        requester = data.get("requester")
        if isinstance(requester, str):
            row += [f" · {W.requested_by(lang)} ", Person(requester)]
        approvers = [str(a) for a in data.get("approvers") or []]
        if approvers:
            row += [f", {W.approved_by(lang)} ", *people(*approvers)]
        out.append(tuple(row))
    return out


@dataclass(frozen=True)
class IncidentSummary:
    """The close: how long, the impact as the closer wrote it, the timeline, what ran, which runbooks."""

    incident: Incident
    entries: tuple[TimelineEntry, ...]
    lang: str = "en"
    warnings: tuple[Rich, ...] = field(default=())

    def view(self) -> View:
        i, lang = self.incident, self.lang
        title = W.summary(lang, label=i.label, title=i.title)
        spent = duration(((i.closed_at or i.declared_at) - i.declared_at).total_seconds())
        blocks: list[Block] = [
            Heading(title),
            Fields(
                (
                    (W.duration(lang), spent),
                    (W.severity(lang), i.severity.label),
                    (W.cluster(lang), i.cluster),
                    (W.commander(lang), (Person(i.commander),)),
                    (W.declared_by(lang), (Person(i.declared_by),)),
                    (W.closed_by(lang), (Person(i.closed_by),) if i.closed_by else "—"),
                )
            ),
            Text(f"*{W.impact(lang)}*\n{i.summary or '—'}"),
            Text(f"*{W.timeline(lang, label=i.label)}*"),
            Text(lines([entry_line(e, lang) for e in self.entries])),
        ]
        actions = action_lines(self.entries, lang)
        blocks.append(Text(f"*{W.actions_taken(lang)}*"))
        blocks.append(Text(lines(actions)) if actions else Text(W.no_actions(lang)))
        runbooks = runbooks_used(i.runbook, self.entries)
        used = ", ".join(f"`{r}` (`/k8s kb show {r}`)" for r in runbooks) or W.none(lang)
        blocks.append(Text(f"*{W.runbooks_used(lang)}*\n{used}"))
        blocks += [Notice(w, Level.WARN) for w in self.warnings]
        if not i.archived and i.channel:
            blocks.append(Actions((Button(W.archive_button(lang), archive_ref(i), "danger"),)))
        return View(f"{title} ({spent})", tuple(blocks))


@dataclass(frozen=True)
class IncidentList:
    incidents: tuple[Incident, ...]
    include_closed: bool
    lang: str = "en"

    def view(self) -> View:
        lang = self.lang
        if not self.incidents:
            text = W.none_yet(lang) if self.include_closed else W.no_open(lang)
            return View(text, (Notice(text, Level.INFO),))
        rows = [
            (
                f"*{i.label}* {i.severity.label} · {i.title} · `{i.cluster}` · {state_text(i, lang)} · "
                f"{_channel(i)} · {W.commander(lang)} ",
                Person(i.commander),
            )
            for i in self.incidents
        ]
        open_count = sum(1 for i in self.incidents if i.is_open)
        blocks: list[Block] = [Heading(W.incidents(lang)), Text(lines(rows))]
        return View(f"{len(self.incidents)} incident(s), {open_count} open", tuple(blocks))


def export_markdown(incident: Incident, entries: Sequence[TimelineEntry], lang: str) -> str:
    """The incident as a Markdown document (a postmortem's starting point). People are `@` their IDs here: a file
    outside Slack has no mentions."""
    i = incident

    def who(rich: Rich) -> str:
        return plain(rich)

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

    def view(self) -> View:
        i = self.incident
        if self.jsonl:
            text, name = export_jsonl(i, self.entries), f"{i.label}.jsonl"
        else:
            text, name = export_markdown(i, self.entries, self.lang), f"{i.label}.md"
        return View(f"{i.label}: {len(self.entries)} timeline entries", (Code(text, name),))
