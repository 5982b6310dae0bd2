"""One timeline, in order, from three places that each keep their own record:

- the incident's own entries (declaration, notes, 📌 pins, severity and commander changes, diagnoses and runbooks
  run in its channel, the close);
- the approval requests made in its channel while it was open, read from the approval store's requests and
  append-only audit (who requested, who approved or denied, how the action ended) — never copied;
- the alert events of its cluster from the alerts side (`TimelineSource`).

Entries are ordered by time; entries at the same moment keep the order above. Pure functions of records.

The record ends at the close: the summary posted then is the incident's account, and the export must not later
tell a different story. A closed incident's channel is still a channel, though, where people may ask for an action;
such a request is an ordinary request of that channel, not the incident's, and stays off its timeline (its own
audit keeps it). A request made while the incident was open may be approved, denied, expire or run after the close:
that is still the incident's (it was asked for it), so it stays on the timeline and in the export, each such line
marked `after_close`, and so does the export's "actions taken" (the summary posted at the close stays as posted).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.approvals.model import ApprovalRequest, AuditEntry, AuditEvent
from bot.i18n import Said
from bot.incidents.model import EntryKind, TimelineEntry

_EVENTS = {
    AuditEvent.REQUESTED: EntryKind.APPROVAL_REQUESTED,
    AuditEvent.APPROVAL: EntryKind.APPROVED,
    AuditEvent.DENIED: EntryKind.DENIED,
    AuditEvent.CANCELLED: EntryKind.CANCELLED,
    AuditEvent.EXPIRED: EntryKind.EXPIRED,
    AuditEvent.SUCCEEDED: EntryKind.ACTION_SUCCEEDED,
    AuditEvent.FAILED: EntryKind.ACTION_FAILED,
}
# Kinds whose line says what an approved action did: the summary's "actions taken".
ACTIONS = frozenset({EntryKind.ACTION_SUCCEEDED, EntryKind.ACTION_FAILED})


def made_while_open(request: ApprovalRequest, closed_at: datetime | None) -> bool:
    """Whether a request made in an incident's channel is the incident's: made before it closed (or still open)."""
    return closed_at is None or request.created_at <= closed_at


def incident_approvals(
    trail: Iterable[tuple[ApprovalRequest, Iterable[AuditEntry]]], closed_at: datetime | None
) -> list[TimelineEntry]:
    """The lines of the requests made in an incident's channel that are the incident's (see the module docstring):
    those made while it was open, with what happened to them after the close marked so."""
    out: list[TimelineEntry] = []
    for request, audit in trail:
        if made_while_open(request, closed_at):
            out += approval_entries(request, audit, closed_at)
    return out


def approval_entries(
    request: ApprovalRequest, audit: Iterable[AuditEntry], closed_at: datetime | None = None
) -> list[TimelineEntry]:
    """The lines one approval request puts on the timeline: requested, each approver's approval, denied,
    cancelled or expired, and how the action ended. Running and refused clicks are left to the audit. A line later
    than `closed_at` (the incident's close) is marked `after_close`."""
    out: list[TimelineEntry] = []
    for entry in audit:
        kind = _EVENTS.get(entry.event)
        if kind is None:
            continue
        actor = None if entry.actor == "aksbot" else entry.actor
        data: dict[str, object] = {"request": request.id, "command": request.text, "requester": request.requester}
        text: str
        if kind is EntryKind.APPROVAL_REQUESTED:
            text = Said(*(f"`{request.text}` — {request.preview.action_in(lang)}" for lang in ("en", "zh")))
        elif kind is EntryKind.APPROVED and request.required_approvals > 1:
            text = f"`{request.text}` ({entry.detail})"
        elif kind is EntryKind.DENIED:
            text = f"`{request.text}`: {request.reason or entry.detail}"
        elif kind in ACTIONS:
            text = f"`{request.text}` — {entry.detail}"
            data["approvers"] = [a.approver for a in request.approvals] or (
                [request.decided_by] if request.decided_by else []
            )
        else:
            text = f"`{request.text}`"
        late = closed_at is not None and entry.at > closed_at
        out.append(TimelineEntry(entry.at, kind, actor, text, data=json.dumps(data, ensure_ascii=False),
                                 after_close=late))
    return out


def merged(*sources: Sequence[TimelineEntry]) -> list[TimelineEntry]:
    """Every source's entries by time; at the same moment, the earlier source's first (a stable sort)."""
    everything = [entry for source in sources for entry in source]
    return sorted(everything, key=lambda e: e.at)


def runbooks_used(first: str | None, entries: Iterable[TimelineEntry]) -> list[str]:
    """The runbooks the incident started with and those read in its channel or named by its alerts, in order."""
    seen: list[str] = [first] if first else []
    for entry in entries:
        runbook = entry.details().get("runbook")
        if isinstance(runbook, str) and runbook and runbook not in seen:
            seen.append(runbook)
    return seen
