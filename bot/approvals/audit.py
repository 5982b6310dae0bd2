"""The audit trail as people and tools read it: a table in chat, JSON lines for export.

The trail itself is written by the workflow into the store's append-only table; this module only reads it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from bot.approvals.model import AuditEntry
from bot.approvals.store import ApprovalStore
from bot.blocks import Code, Heading, Level, Notice, Table, View
from bot.timefmt import day_time


def audit_line(entry: AuditEntry) -> str:
    """One entry as a JSON object (the export format: one per line)."""
    return json.dumps(
        {
            "seq": entry.seq,
            "at": entry.at.isoformat(),
            "request": entry.request_id,
            "event": entry.event.value,
            "actor": entry.actor,
            "cluster": entry.cluster,
            "command": entry.command,
            "detail": entry.detail,
            "data": json.loads(entry.data),
        },
        ensure_ascii=False,
        sort_keys=True,
    )


@dataclass(frozen=True)
class AuditLog:
    """Audit entries, oldest first, as a table or as JSON lines."""

    entries: tuple[AuditEntry, ...]
    filters: str
    jsonl: bool = False

    def view(self) -> View:
        if not self.entries:
            text = f"No audit entries{self.filters}."
            return View(text, (Notice(text, Level.INFO),))
        summary = f"{len(self.entries)} audit entries{self.filters}"
        if self.jsonl:
            return View(summary, (Code("\n".join(audit_line(e) for e in self.entries), "audit.jsonl"),))
        rows = tuple(
            (
                day_time(e.at),
                e.request_id,
                e.event.value,
                e.actor,
                e.cluster or "-",
                e.detail,
            )
            for e in self.entries
        )
        return View(
            summary,
            (
                Heading("Audit"),
                Table(("time (UTC)", "request", "event", "who", "cluster", "detail"), rows),
            ),
        )


def export_jsonl(store: ApprovalStore, out: TextIO, *, user: str | None = None, cluster: str | None = None) -> int:
    """Write the whole trail (or the entries of one user or cluster) as JSON lines, oldest first; how many."""
    entries: Iterable[AuditEntry] = store.audit(last=None, user=user, cluster=cluster)
    count = 0
    for entry in entries:
        out.write(audit_line(entry) + "\n")
        count += 1
    return count
