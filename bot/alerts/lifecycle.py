"""What a new notification means for a problem the bot already knows: the transition, decided without I/O.

    (nothing) ──firing──▶ CREATED            a new problem: post it
    (nothing) ──resolved─▶ UNSEEN_RESOLVED   it ended before the bot saw it fire: keep it, post nothing
    firing ──firing, changed──▶ UPDATED      update the message
    firing ──resolved──▶ RESOLVED            update the message, reply in its thread (also when a stateless
                                             alert's time runs out: `AlertStore.expire` hands it over resolved)
    resolved ──firing within the flap window──▶ REOPENED   the same message again, a reply in its thread
    resolved ──firing after the window (or never posted)──▶ REFIRED   a new episode: a new message
    anything ──identical──▶ UNCHANGED        duplicates and repeats (Alertmanager HA delivers at least once)
    anything ──older than known──▶ STALE     a late delivery: an alert instance the bot already saw resolve

Staleness is decided per alert instance: an Alertmanager alert is the same instance while its `fingerprint`
and `startsAt` are (an alert that fires again gets a new `startsAt`); an Azure alert while its `alertId` is
(a new firing gets a new id). A firing notice of an instance already known resolved is late and keeps the
resolved version. Watcher findings carry no instance id: the watcher's view is always current.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.alerts.codec import evidence_hash
from bot.alerts.model import Alert, AlertGroup, Source, Status


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    REFIRED = "refired"
    UNCHANGED = "unchanged"
    STALE = "stale"
    UNSEEN_RESOLVED = "unseen-resolved"

    @property
    def changes_state(self) -> bool:
        return self not in (Outcome.UNCHANGED, Outcome.STALE)


@dataclass(frozen=True)
class Known:
    """What the store knows of a problem: enough to decide the next transition."""

    status: Status
    resolved_at: datetime | None
    group: AlertGroup
    evidence_hash: str
    posted: bool  # the current episode has (or is queued to have) a message


@dataclass(frozen=True)
class Transition:
    outcome: Outcome
    group: AlertGroup  # the incoming group, with late firing notices replaced by the resolved instances known
    evidence_hash: str


def _late(incoming: Alert, known: Alert) -> bool:
    """`incoming` is a firing notice of an instance `known` already reported resolved."""
    if not incoming.firing or known.firing or not incoming.source_id or incoming.source_id != known.source_id:
        return False
    if incoming.source is Source.AZURE_MONITOR:
        return True
    return incoming.starts_at <= known.starts_at


def merge(previous: AlertGroup | None, incoming: AlertGroup) -> tuple[AlertGroup, bool]:
    """The incoming group with late firing notices replaced by the resolved instances already known; and whether
    any was replaced."""
    if previous is None:
        return incoming, False
    known = {a.source_id: a for a in previous.alerts if a.source_id}
    replaced = False
    alerts: list[Alert] = []
    for alert in incoming.alerts:
        old = known.get(alert.source_id)
        if old is not None and _late(alert, old):
            alerts.append(old)
            replaced = True
        else:
            alerts.append(alert)
    return (incoming.with_alerts(alerts) if replaced else incoming), replaced


def decide(known: Known | None, incoming: AlertGroup, *, at: datetime, flap_window: timedelta) -> Transition:
    """The transition `incoming` makes from what is `known` (None: the problem is new)."""
    group, replaced = merge(known.group if known is not None else None, incoming)
    digest = evidence_hash(group)
    status = group.status
    if known is None:
        outcome = Outcome.CREATED if status is Status.FIRING else Outcome.UNSEEN_RESOLVED
        return Transition(outcome, group, digest)
    if digest == known.evidence_hash or (status is Status.RESOLVED and known.status is Status.RESOLVED):
        return Transition(Outcome.STALE if replaced else Outcome.UNCHANGED, group, digest)
    if known.status is Status.FIRING:
        outcome = Outcome.UPDATED if status is Status.FIRING else Outcome.RESOLVED
        return Transition(outcome, group, digest)
    # resolved → firing
    recent = known.resolved_at is not None and at - known.resolved_at <= flap_window
    return Transition(Outcome.REOPENED if recent and known.posted else Outcome.REFIRED, group, digest)
