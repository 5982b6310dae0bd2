"""The alert store as the incidents side sees it: the seams of `bot.incidents.alerts`, implemented.

- `firing(cluster)`: what fires now on a cluster, for the snapshot a new incident channel starts with;
- `not_evaluated(cluster)`: the watcher has not recorded a whole look at the cluster (`AlertStore.scans`) yet, or
  not within `LOOK_OVERDUE` — the same judgement `/k8s alerts` makes — so the snapshot does not call an empty
  list "nothing is firing";
- `link_incident(alert_key, incident)`: the incident opened from an alert's **Open incident** button (or with
  `incident start --alert ID`) is recorded in the alert's history, and a reply naming its channel is queued in the
  alert message's thread, with an update of the message so it shows the incident too. Not in the thread the
  declaration was answered in (a click on the card's button): that answer names the channel and who opened it,
  and one link there is enough. It goes out through the
  store's outbox because only the leader posts: whichever replica served the click, the leader's outlet sends it,
  and a failed send is retried from the store like any other;
- `timeline(scope)`: the alert events of the incident's cluster while it is open, and every event of the alert it
  was opened from (its firing came first), read from `alert_history` each time, never copied.

The alert an incident names is the short id its message shows (`AlertState.id`), which fits in a button; the whole
group key is accepted too. Nothing here talks to Slack.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence

from bot.alerts.model import short_id
from bot.alerts.store import LOOK_OVERDUE, AlertState, AlertStore, Event, HistoryEntry, history_words
from bot.clock import Clock
from bot.errors import NotFound
from bot.i18n import ALERT, Said, said
from bot.incidents.alerts import FiringAlert, IncidentLink, IncidentScope, NotEvaluated
from bot.incidents.model import EntryKind, TimelineEntry
from bot.surface import MessageRef

# A timeline reads at most this many alert events of a cluster (a flapping alert on a long incident).
TIMELINE_EVENTS = 2000

_KINDS = {
    Event.FIRED: EntryKind.ALERT_FIRING,
    Event.REOPENED: EntryKind.ALERT_FIRING,
    Event.RESOLVED: EntryKind.ALERT_RESOLVED,
    Event.ACKNOWLEDGED: EntryKind.ALERT_ACKNOWLEDGED,
    Event.UPDATED: EntryKind.ALERT_ESCALATED,  # only a severity change ("warning → critical"), see `_escalated`
}
# How the store words a severity change in an UPDATED row (a change of how many alerts fire is worded otherwise).
_SEVERITY_CHANGE = re.compile(r"^\w+ → \w+$")


def incident_detail(incident: IncidentLink) -> str:
    """The history `detail` of an incident link (JSON: everything the card and the reply show)."""
    return json.dumps(
        {"incident": incident.incident_id, "label": incident.label, "title": incident.title,
         "cluster": incident.cluster, "channel": incident.channel, "channel_name": incident.channel_name,
         **({"closed": True} if incident.closed else {})},
        ensure_ascii=False, sort_keys=True)


def incident_from_detail(detail: str) -> IncidentLink | None:
    """The incident a LINKED history entry names; None for a detail that does not (never raises)."""
    try:
        raw = json.loads(detail)
        return IncidentLink(int(raw["incident"]), str(raw["label"]), str(raw.get("title", "")),
                            str(raw.get("cluster", "")), str(raw["channel"]), str(raw.get("channel_name", "")),
                            bool(raw.get("closed", False)))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def linked_incident(history: Sequence[HistoryEntry], episode: int) -> IncidentLink | None:
    """The latest incident linked to this episode of a problem (what the card shows), from its history."""
    for entry in reversed(history):
        if entry.event is Event.LINKED and entry.episode == episode:
            found = incident_from_detail(entry.detail)
            if found is not None:
                return found
    return None


def incident_of(store: AlertStore, state: AlertState) -> IncidentLink | None:
    """The incident opened for this episode of the problem, as its history records it (`link_incident`)."""
    return linked_incident(store.history(key=state.key), state.episode)


def find_alert(store: AlertStore, alert: str) -> AlertState | None:
    """The problem an incident names: its short id, or its whole key."""
    return store.by_id(alert) or store.get(alert)


class StoredAlertDesk:
    """`AlertDesk` and `TimelineSource` over the alert store. `watched`: the bot's own watcher scans the clusters
    (`alerts.watcher.enabled`); without it only pushed alerts arrive, and there is no scan to wait for."""

    def __init__(self, store: AlertStore, clock: Clock, *, watched: bool = True) -> None:
        self.store = store
        self.clock = clock
        self.watched = watched

    def firing(self, cluster: str) -> Sequence[FiringAlert]:
        return [
            FiringAlert(key=s.id, title=s.group.title, severity=s.severity.label, since=s.first_fired_at,
                        summary=s.summary if s.summary != s.group.title else "", runbook=s.group.runbook)
            # A group on several clusters (recorded under none) is on each of its clusters' incidents' snapshots.
            for s in self.store.firing() if cluster in (s.group.clusters if s.cluster is None else (s.cluster,))
        ]

    def not_evaluated(self, cluster: str) -> NotEvaluated | None:
        if not self.watched:
            return None
        last = self.store.scans().get(cluster)
        if last is not None and self.clock.now() - last <= LOOK_OVERDUE:
            return None
        return NotEvaluated(last)

    def link_incident(self, alert_key: str, incident: IncidentLink, *, answered_in: MessageRef | None = None
                      ) -> None:
        state = find_alert(self.store, alert_key)
        # The incident channel gets the alert's card too, updated until it resolves: its responders hear of it there.
        # The message whose thread the declaration was answered in (a click on its Open incident) gets no reply of
        # ours: that answer already links the channel, and says who opened it.
        if state is None or not self.store.link_incident(state.key, incident_detail(incident), self.clock.now(),
                                                         mirror=incident.channel or None, answered_in=answered_in):
            raise NotFound(f"no alert `{alert_key}` is known, so its thread could not be linked to #"
                           f"{incident.channel_name or incident.channel}", kind="Alert", name=alert_key)

    def incident_closed(self, alert_key: str, incident: IncidentLink) -> None:
        state = find_alert(self.store, alert_key)
        if state is None:
            return  # the alert is gone from the store: nothing shows the incident any more
        closed = dataclasses.replace(incident, closed=True)
        self.store.link_incident(state.key, incident_detail(closed), self.clock.now(), reply=False,
                                 unmirror=incident.channel or None)

    def incident_of(self, state: AlertState) -> IncidentLink | None:
        """The incident linked to the problem's current episode, if any (for `alert_card(…, incident=…)`)."""
        return incident_of(self.store, state)

    def timeline(self, scope: IncidentScope) -> Sequence[TimelineEntry]:
        entries = {e.seq: e for e in self.store.history(since=scope.since, clusters=[scope.cluster],
                                                        limit=TIMELINE_EVENTS)}
        origin = find_alert(self.store, scope.alert_key) if scope.alert_key else None
        if origin is not None:
            entries.update((e.seq, e) for e in self.store.history(key=origin.key, limit=TIMELINE_EVENTS))
        states: dict[str, AlertState | None] = {}
        out: list[TimelineEntry] = []
        for entry in sorted(entries.values(), key=lambda e: e.seq):
            kind = _KINDS.get(entry.event)
            if kind is None or (scope.until is not None and entry.at > scope.until):
                continue
            if entry.event is Event.UPDATED and not _SEVERITY_CHANGE.match(entry.detail):
                continue  # "2 → 3 firing": the alert's own thread says it; the timeline keeps the escalations
            if entry.key not in states:
                states[entry.key] = self.store.get(entry.key)
            out.append(_entry(entry, kind, states[entry.key]))
        return out


def _entry(entry: HistoryEntry, kind: EntryKind, state: AlertState | None) -> TimelineEntry:
    # The title as it was at that moment ("heartbeat lease is stale" before "is Unknown"), when the row kept it.
    title: str | Said = entry.title or (state.group.title if state is not None else entry.key)
    data: dict[str, str] = {"alert": short_id(entry.key)}
    runbook = state.group.runbook if state is not None else None
    if runbook:
        data["runbook"] = runbook
    # Read live, never stored: the words can be in both languages, and the timeline shows its reader's.
    detail = Said(entry.detail, history_words(entry.detail, "zh"))
    text = title
    if entry.event in (Event.RESOLVED, Event.UPDATED) and entry.detail:
        text = said(ALERT.timeline_detail, title=title, detail=detail)
    elif entry.event is Event.REOPENED:
        text = said(ALERT.timeline_again_detail, title=title, detail=detail) if entry.detail else said(
            ALERT.timeline_again, title=title)
    return TimelineEntry(entry.at, kind, entry.actor or None, text, data=json.dumps(data, ensure_ascii=False))
