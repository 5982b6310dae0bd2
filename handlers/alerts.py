"""`alerts`, `alerts history`, `alerts show|ack|snooze|unsnooze ID`: what fires now, and people acting on it.

The alert messages' buttons run these (`bot.alerts.views`), so a click and a typed command do the same thing.
They reach the alert store through `deps.alerts` (`bot.alerts.ports.AlertBook`) and only record: the store queues
the message's update in the same transaction, and the leader's outlet redraws it.

Who may do what — the roles of the alert's own cluster (an alert of no configured cluster: the global roles):

- listing, history and `show`: a viewer; the lists hold only clusters the caller has a role on, as `approvals`
  and `audit` do;
- `ack`: a viewer. Acknowledging says "I am looking at it"; it changes nothing in the cluster and nothing anyone
  else receives, and the people woken at night are not always operators;
- `snooze` / `unsnooze`: an operator. A snooze stops the message's updates for the whole channel, which is a
  decision about everyone's attention, taken by the people who may also act on the cluster.

A group whose alerts are on several clusters (a central Alertmanager grouping by `alertname`) is one message,
routed by each configured cluster it involves: a viewer of any of them sees, shows and acknowledges it; a snooze
needs an operator of each, since it silences the message for all of them.

An alert is named by the short id its message shows; a unique prefix of a firing alert's id (4 characters or
more) or the whole group key works too. An unknown or ambiguous name gets an answer saying which.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import blocks
from bot.alerts.desk import incident_from_detail, linked_incident
from bot.alerts.model import Status, short_id
from bot.alerts.ports import AlertBook
from bot.alerts.store import (
    LEADER_PROBLEM_KEPT,
    LOOK_OVERDUE,
    AlertState,
    Elsewhere,
    Event,
    HistoryEntry,
    history_words,
)
from bot.alerts.views import alert_card, snooze_words
from bot.deps import Deps
from bot.errors import NotAuthorized, NotConfigured, UserError
from bot.i18n import ALERT as W
from bot.i18n import Msg, Said, in_lang, said
from bot.refs import CommandRef
from bot.registry import Call, Caller, Lang, Role, Scope, command
from bot.settings import Settings, role_name
from bot.timefmt import age, day_time, short_time
from handlers.args import AlertIdArgs, AlertsArgs, AlertsHistoryArgs, AlertSnoozeArgs, window_seconds
from knowledge import KnowledgeBase

# Prefixes shorter than this are too likely to name several alerts to be worth trying.
MIN_PREFIX = 4
# Alerts listed with a Show button each; the rest are listed without.
LIST_BUTTONS = 20
# Lines of a listing or of the history before "and N more".
MAX_LINES = 100
SNOOZES = {"1h": timedelta(hours=1), "4h": timedelta(hours=4), "resolved": None}
_MARK = {"critical": "🔴", "warning": "🟠", "info": "🔵"}


def _book(deps: Deps) -> AlertBook:
    if deps.alerts is None:
        raise NotConfigured("Alerts are not available here: no alert store is wired into this bot.")
    return deps.alerts


def visible_clusters(settings: Settings, caller: Caller) -> list[str | None]:
    """The clusters whose alerts the caller may see (None: alerts of no configured cluster, for global roles)."""
    seen: list[str | None] = [n for n in settings.cluster_names()
                              if settings.role_of(caller.id, caller.groups, n) is not None]
    if settings.role_of(caller.id, caller.groups, None) is not None:
        seen.append(None)
    return seen


def _scope(call: Call[AlertsArgs] | Call[AlertsHistoryArgs], deps: Deps) -> list[str | None]:
    visible = visible_clusters(deps.settings, call.caller)
    asked = call.args.cluster
    if asked is None:
        return visible
    # The dispatcher has refused a cluster that is not configured.
    if asked not in visible:
        raise NotAuthorized(f"You have no role on cluster `{asked}`, so its alerts are not shown to you.")
    return [asked]


def involved(state: AlertState) -> tuple[str | None, ...]:
    """The clusters an alert is on: its own, or each of a group that mixes clusters (None: no configured one)."""
    return (state.group.clusters or (None,)) if state.cluster is None else (state.cluster,)


def _sees(state: AlertState, clusters: Collection[str | None]) -> bool:
    """A role on one of the clusters an alert involves shows it."""
    return any(c in clusters for c in involved(state))


def _sees_key(state: AlertState | None, clusters: Collection[str | None]) -> bool:
    return state is not None and _sees(state, clusters)


def _require(deps: Deps, caller: Caller, state: AlertState, role: Role, what: str) -> None:
    roles = [deps.settings.role_of(caller.id, caller.groups, c) for c in involved(state)]
    if role is Role.VIEWER:  # seeing one of its clusters' problems is enough to look at and acknowledge it
        held = max((r for r in roles if r is not None), default=None)
    else:  # a snooze silences it for every cluster it involves: the role is needed on each
        held = None if None in roles else min(r for r in roles if r is not None)
    if held is None or held < role:
        where = said(W.on_cluster_of, cluster=state.cluster) if state.cluster else ""
        doing: Msg = getattr(W, f"what_{what}")
        raise NotAuthorized(said(W.may_not, what=said(doing), where=where, role=role_name(role), have=role_name(held)))


def _named(call: Call[AlertIdArgs] | Call[AlertSnoozeArgs], deps: Deps, role: Role, what: str
           ) -> tuple[AlertBook, AlertState]:
    """The store and the alert the call names, once the caller is known to hold `role` on its cluster."""
    book = _book(deps)
    state = find(book, call.args.alert)
    _require(deps, call.caller, state, role, what)
    return book, state


def find(book: AlertBook, name: str) -> AlertState:
    """The alert `name` means: its short id, its whole key, or a unique prefix of a firing alert's id."""
    text = name.strip()
    found = book.by_id(text) or book.get(text)
    if found is not None:
        return found
    wanted = text.lower()
    matches = [s for s in book.firing() if s.id.startswith(wanted)] if len(wanted) >= MIN_PREFIX else []
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = Said(*(", ".join(f"`{s.id}` ({in_lang(s.group.title, lang)})" for s in matches[:5])
                        for lang in ("en", "zh")))
        more = said(W.and_more, count=len(matches) - 5) if len(matches) > 5 else ""
        raise UserError(said(W.could_be, text=text, count=len(matches), listed=listed, more=more))
    raise UserError(said(W.no_such_alert, text=text))


# -- results ----------------------------------------------------------------------------------------------------


def _state_line(state: AlertState, now: datetime, lang: str) -> blocks.Rich:
    """One alert in a list: severity, id, title, where, age, and who acknowledged or snoozed it."""
    first = state.group.firing[0] if state.group.firing else None
    what = str(first.object) if first is not None and first.object is not None else (state.namespace or "")
    parts: list[str | blocks.Person] = [
        f"{_MARK.get(state.severity.label, '•')} `{state.id}` *{in_lang(state.group.title, lang)}*"
        + (f" · {what}" if what else "") + f" · {age(state.first_fired_at, now)}"
    ]
    if (ends := state.group.expires_at) is not None:  # an event nobody will resolve: when it ends by itself
        parts.append(f" · ⏱ {W.event_line(lang, until=short_time(ends))}")
    if state.ack_by:
        parts += [" · 👀 ", blocks.Person(state.ack_by)]
    if state.snoozed(now):
        until = (W.until_resolved(lang) if state.snoozed_until_resolved or state.snooze_until is None
                 else W.until_time(lang, time=short_time(state.snooze_until)))
        parts.append(f" · 💤 {until}")
    return tuple(parts)


def _lines(lines: Sequence[blocks.Rich]) -> blocks.Rich:
    """Rich lines joined by newlines into one rich text."""
    out: list[blocks.Part] = []
    for i, line in enumerate(lines):
        if i:
            out.append("\n")
        if isinstance(line, str):
            out.append(line)
        else:
            out.extend(line)
    return tuple(out)


def show_ref(state: AlertState) -> CommandRef:
    return CommandRef("alerts show", AlertIdArgs(alert=state.id))


def _section(state: AlertState, clusters: Sequence[str | None]) -> str | None:
    """The cluster an alert is listed under: the first listed one it involves."""
    return next((c for c in clusters if c in involved(state)), state.cluster)


@dataclass(frozen=True)
class FiringList:
    states: tuple[AlertState, ...]
    clusters: tuple[str | None, ...]
    asked: str | None
    now: datetime
    lang: Lang = "en"
    # When the bot's own watcher last finished a look at each cluster (None: it does not watch); a cluster it has
    # not looked at yet, or not for a while, may have problems this list cannot show.
    looked: Mapping[str, datetime] | None = None
    # Why no replica can take the leader Lease, as the replicas last saw it (None: one can, or none said so).
    cannot_lead: str | None = None

    def _unseen(self) -> tuple[list[str], list[tuple[str, datetime]]]:
        if self.looked is None:
            return [], []
        named = [c for c in self.clusters if c is not None]
        never = [c for c in named if c not in self.looked]
        overdue = [(c, self.looked[c]) for c in named if c in self.looked and self.now - self.looked[c] > LOOK_OVERDUE]
        return never, overdue

    def _unseen_notices(self, never: list[str], overdue: list[tuple[str, datetime]]) -> list[blocks.Block]:
        lang = self.lang
        notices: list[blocks.Block] = []
        if never:
            text = W.not_looked_yet(lang, clusters=", ".join(f"`{c}`" for c in never))
            notices.append(blocks.Notice(text, blocks.Level.WARN))
        for cluster, at in overdue:
            text = W.looked_long_ago(lang, cluster=cluster, age=age(at, self.now))
            notices.append(blocks.Notice(text, blocks.Level.WARN))
        return notices

    def view(self) -> blocks.View:
        lang = self.lang
        where = W.on_cluster(lang, cluster=self.asked) if self.asked else ""
        never, overdue = self._unseen()
        unseen = self._unseen_notices(never, overdue)
        if self.cannot_lead is not None:
            unseen.insert(0, blocks.Notice(W.nobody_leads(lang, reason=self.cannot_lead), blocks.Level.ERROR))
        if not self.states:
            if unseen:  # not "nothing is firing": nobody has looked
                text = W.none_fired_yet(lang, where=where)
                return blocks.View(text, (blocks.Notice(text, blocks.Level.INFO), *unseen))
            text = W.none_firing(lang, where=where)
            return blocks.View(text, (blocks.Notice(text, blocks.Level.OK),))
        title = W.firing_heading(lang, where=where, count=len(self.states))
        body: list[blocks.Block] = [blocks.Heading(title), *unseen]
        shown = 0
        for cluster in self.clusters:
            mine = [s for s in self.states if _section(s, self.clusters) == cluster]
            if not mine:
                continue
            room = max(MAX_LINES - shown, 0)
            lines: list[blocks.Rich] = [f"*{cluster or W.no_cluster(lang)}* ({len(mine)})"]
            lines += [_state_line(s, self.now, lang) for s in mine[:room]]
            if len(mine) > room:
                lines.append(W.more_on_cluster(lang, count=len(mine) - room, cluster=cluster))
            shown += min(len(mine), room)
            body.append(blocks.Text(_lines(lines)))
        buttons = tuple(
            blocks.Button(f"{s.id} · {in_lang(s.group.title, lang)}", show_ref(s)) for s in self.states[:LIST_BUTTONS]
        )
        usage = "`/k8s alerts show ID` · `/k8s alerts ack ID` · `/k8s alerts snooze ID 1h|4h|resolved`"
        body.append(blocks.Context(usage))
        body.append(blocks.Actions(buttons))
        return blocks.View(title, tuple(body))


_EVENT_WORDS: Mapping[Event, Msg] = {
    Event.FIRED: W.event_fired, Event.UPDATED: W.event_updated, Event.RESOLVED: W.event_resolved,
    Event.REOPENED: W.event_reopened, Event.ACKNOWLEDGED: W.event_acknowledged, Event.SNOOZED: W.event_snoozed,
    Event.UNSNOOZED: W.event_unsnoozed, Event.POSTED: W.event_posted, Event.LINKED: W.event_linked,
}


@dataclass(frozen=True)
class AlertHistory:
    entries: tuple[HistoryEntry, ...]
    titles: dict[str, str]
    since: datetime
    lang: Lang = "en"

    def view(self) -> blocks.View:
        lang = self.lang
        since = day_time(self.since)
        if not self.entries:
            text = W.no_history(lang, since=since)
            return blocks.View(text, (blocks.Notice(text, blocks.Level.INFO),))
        shown = self.entries[-MAX_LINES:]
        # A table cell cannot mention anyone: a row names who acted by a number, the line under it by mention.
        actors = sorted({e.actor for e in shown if e.actor and e.event in _PEOPLE_EVENTS})
        numbers = {who: _number(i) for i, who in enumerate(actors)}
        rows = tuple(
            (day_time(e.at), e.cluster or "?", short_id(e.key),
             word(lang) if (word := _EVENT_WORDS.get(e.event)) else e.event.value,
             in_lang(e.title or self.titles.get(e.key, ""), lang), _detail(e, lang, numbers))
            for e in shown
        )
        title = W.history_heading(lang, since=since)
        body: list[blocks.Block] = [
            blocks.Heading(title),
            blocks.Table(tuple(W.history_columns(lang).split("|")), rows, total=len(self.entries),
                         offset=len(self.entries) - len(shown)),
        ]
        if actors:
            parts: list[str | blocks.Person] = [W.people(lang)]
            for i, who in enumerate(actors):
                parts += ([", "] if i else []) + [f"{numbers[who]} ", blocks.Person(who)]
            body.append(blocks.Context(tuple(parts)))
        return blocks.View(W.changes(lang, title=title, count=len(self.entries)), tuple(body))


_PEOPLE_EVENTS = frozenset({Event.ACKNOWLEDGED, Event.SNOOZED, Event.UNSNOOZED, Event.LINKED})


def _number(index: int) -> str:
    """①, ②, … ⑳, then #21: how a history row points at a person of the line under the table."""
    return chr(0x2460 + index) if index < 20 else f"#{index + 1}"


def _detail(entry: HistoryEntry, lang: Lang, numbers: Mapping[str, str]) -> str:
    if entry.event is Event.POSTED:  # a channel id and a message ts: nothing a reader of a table can use
        return ""
    if entry.event is Event.LINKED:
        linked = incident_from_detail(entry.detail)
        return f"{linked.label} #{linked.channel_name or linked.channel}" if linked else ""
    acted = entry.actor and entry.event in _PEOPLE_EVENTS
    who = W.by_person(lang, who=numbers.get(entry.actor, entry.actor)) if acted else ""
    detail = snooze_words(entry.detail, lang) if entry.event is Event.SNOOZED else history_words(entry.detail, lang)
    return " ".join(p for p in (detail, who) if p)[:80]


@dataclass(frozen=True)
class AlertCard:
    """`alerts show ID`: the alert's message as it is now, with its buttons."""

    state: AlertState
    now: datetime
    knowledge: KnowledgeBase | None
    history: tuple[HistoryEntry, ...]
    lang: Lang = "en"
    elsewhere: tuple[Elsewhere, ...] = ()  # the other sources' reports of the same problem

    def view(self) -> blocks.View:
        incident = linked_incident(self.history, self.state.episode)
        return alert_card(self.state, now=self.now, lang=self.lang, incident=incident, knowledge=self.knowledge,
                          elsewhere=self.elsewhere)


@dataclass(frozen=True)
class AlertAction:
    """What `ack`, `snooze` or `unsnooze` did (or why nothing changed), naming who."""

    text: blocks.Rich
    level: blocks.Level
    summary: str

    def view(self) -> blocks.View:
        return blocks.View(self.summary, (blocks.Notice(self.text, self.level),))


def _done(caller: Caller, words: str) -> AlertAction:
    text: blocks.Rich = (blocks.Person(caller.id), " " + words)
    return AlertAction(text, blocks.Level.OK, f"@{caller.id} {words}")


def _unchanged(text: blocks.Rich) -> AlertAction:
    return AlertAction(text, blocks.Level.INFO, blocks.plain(text))


def _not_firing(state: AlertState, lang: str, what: str) -> AlertAction:
    return _unchanged(W.not_firing(lang, id=state.id, title=state.group.title, what=what))


# -- commands -----------------------------------------------------------------------------------------------------


@command(
    "alerts",
    args=AlertsArgs,
    scope=Scope.NONE,
    requires=Role.VIEWER,
    aliases=("告警",),
    examples=("/k8s alerts", "/k8s alerts --cluster prod", "/k8s 告警"),
)
def alerts(call: Call[AlertsArgs], deps: Deps) -> FiringList:
    """What is firing now, per cluster: age, severity, who acknowledged or snoozed it, a button to each."""
    clusters = _scope(call, deps)
    states = [s for s in _book(deps).firing() if _sees(s, clusters)]
    order = {c: i for i, c in enumerate(clusters)}
    states.sort(key=lambda s: (order.get(_section(s, clusters), len(order)), -int(s.severity), s.first_fired_at))
    looked = _book(deps).scans() if deps.settings.alerts.watcher.enabled else None
    now = deps.clock.now()
    cannot_lead = _book(deps).leader_problem(now - LEADER_PROBLEM_KEPT)
    return FiringList(tuple(states), tuple(clusters), call.args.cluster, now, call.lang, looked, cannot_lead)


@command(
    "alerts history",
    aliases=("告警 历史",),
    args=AlertsHistoryArgs,
    scope=Scope.NONE,
    requires=Role.VIEWER,
    examples=("/k8s alerts history", "/k8s alerts history --since 7d --cluster prod"),
)
def alerts_history(call: Call[AlertsHistoryArgs], deps: Deps) -> AlertHistory:
    """What alerts did lately (default the last day): fired, resolved, fired again, acknowledged, snoozed."""
    book = _book(deps)
    since = deps.clock.now() - timedelta(seconds=window_seconds(call.args.since))
    scope = _scope(call, deps)
    # A group mixing clusters is recorded under no cluster: its rows are shown to the people of its clusters.
    entries = book.history(since=since, clusters=[*scope, None], limit=1000)
    titles: dict[str, str] = {}
    states = {key: book.get(key) for key in {e.key for e in entries}}
    for key, state in states.items():
        titles[key] = state.group.title if state is not None else ""
    if None not in scope:
        entries = [e for e in entries if e.cluster is not None or _sees_key(states.get(e.key), scope)]
    return AlertHistory(tuple(entries), titles, since, call.lang)


@command(
    "alerts show",
    aliases=("告警 详情",),
    args=AlertIdArgs,
    scope=Scope.NONE,
    requires=None,
    who="a viewer of the alert's cluster",
    examples=("/k8s alerts show k3j9x2abqd",),
)
def alerts_show(call: Call[AlertIdArgs], deps: Deps) -> AlertCard:
    """One alert's message as it is now: evidence, runbook, who acknowledged it, and its buttons."""
    book, state = _named(call, deps, Role.VIEWER, "see")
    return AlertCard(state, deps.clock.now(), deps.knowledge, tuple(book.history(key=state.key)), call.lang,
                     tuple(book.same_problem(state.group)))


@command(
    "alerts ack",
    args=AlertIdArgs,
    scope=Scope.NONE,
    requires=None,
    aliases=("alerts acknowledge", "告警 确认"),
    who="a viewer of the alert's cluster",
    examples=("/k8s alerts ack k3j9x2abqd",),
)
def alerts_ack(call: Call[AlertIdArgs], deps: Deps) -> AlertAction:
    """Acknowledge a firing alert: its message says who is on it, and since when."""
    book, state = _named(call, deps, Role.VIEWER, "acknowledge")
    lang = call.lang
    if state.status is not Status.FIRING:
        return _not_firing(state, lang, "acknowledge" if lang == "en" else "确认")
    if book.acknowledge(state.key, call.caller.id, deps.clock.now()):
        return _done(call.caller, W.acked_now(lang, id=state.id, title=state.group.title))
    now = book.get(state.key) or state
    if now.status is not Status.FIRING:
        return _not_firing(now, lang, "acknowledge" if lang == "en" else "确认")
    by = now.ack_by or "?"
    return _unchanged((W.already_acked(lang, id=state.id), blocks.Person(by), "."))


@command(
    "alerts snooze",
    aliases=("告警 静默",),
    args=AlertSnoozeArgs,
    scope=Scope.NONE,
    requires=None,
    who="an operator of the alert's cluster",
    examples=("/k8s alerts snooze k3j9x2abqd 1h", "/k8s alerts snooze k3j9x2abqd resolved"),
)
def alerts_snooze(call: Call[AlertSnoozeArgs], deps: Deps) -> AlertAction:
    """Snooze a firing alert for 1h, 4h or until it resolves: repeats stop updating its message; new alerts do not."""
    book, state = _named(call, deps, Role.OPERATOR, "snooze")
    lang = call.lang
    now = deps.clock.now()
    span = SNOOZES[call.args.length]
    until = None if span is None else now + span
    if state.status is Status.FIRING and book.snooze(state.key, call.caller.id, now, until):
        words = W.snoozed_until_resolved(lang) if until is None else W.snoozed_until(lang, time=short_time(until))
        return _done(call.caller, W.snoozed_now(lang, id=state.id, title=state.group.title, until=words))
    return _not_firing(book.get(state.key) or state, lang, "snooze" if lang == "en" else "静默")


@command(
    "alerts unsnooze",
    aliases=("告警 取消静默",),
    args=AlertIdArgs,
    scope=Scope.NONE,
    requires=None,
    who="an operator of the alert's cluster",
    examples=("/k8s alerts unsnooze k3j9x2abqd",),
)
def alerts_unsnooze(call: Call[AlertIdArgs], deps: Deps) -> AlertAction:
    """End an alert's snooze: its message is updated again."""
    book, state = _named(call, deps, Role.OPERATOR, "unsnooze")
    lang = call.lang
    if state.status is not Status.FIRING:
        return _not_firing(state, lang, "unsnooze" if lang == "en" else "取消静默")
    if book.unsnooze(state.key, call.caller.id, deps.clock.now()):
        return _done(call.caller, W.unsnoozed_now(lang, id=state.id, title=state.group.title))
    return _unchanged(W.not_snoozed(lang, id=state.id))

