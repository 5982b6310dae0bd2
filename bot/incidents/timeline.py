"""One timeline, in order, from three places that each keep their own record:

- the incident's own entries (declaration, notes, 📌 pins, severity and commander changes, diagnoses and runbooks
  run in its channel, the close);
- the approval requests made in its channel, read from the approval store's requests and append-only audit
  (who requested, who approved or denied, how the action ended) — never copied;
- the alert events of its cluster from the alerts side (`TimelineSource`).

Entries are ordered by time; entries at the same moment keep the order above. Pure functions of records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

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


def approval_entries(request: ApprovalRequest, audit: Iterable[AuditEntry]) -> list[TimelineEntry]:
    """The lines one approval request puts on the timeline: requested, each approver's approval, denied,
    cancelled or expired, and how the action ended. Running and refused clicks are left to the audit."""
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
        out.append(TimelineEntry(entry.at, kind, actor, text, data=json.dumps(data, ensure_ascii=False)))
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
