"""The audit trail as people and tools read it: a table in chat, JSON lines for export.

The trail itself is written by the workflow into the store's append-only table; this module only reads it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from bot.approvals.model import AuditEntry, AuditEvent
from bot.approvals.store import ApprovalStore
from bot.blocks import Code, Heading, Level, Notice, Table, View
from bot.i18n import APPROVAL as W
from bot.i18n import Lang
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
    """Audit entries, oldest first, as a table or as JSON lines. The frame speaks the asker's language (`lang`); the
    entries are the record as written (their details in English, one record for every admin), the JSON lines too."""

    entries: tuple[AuditEntry, ...]
    request: str | None = None  # the filters asked for
    user: str | None = None
    cluster: str | None = None
    jsonl: bool = False
    lang: Lang = "en"

    def _filters(self) -> str:
        lang = self.lang
        parts = [
            W.audit_of_request(lang, id=self.request) if self.request else "",
            W.audit_by(lang, user=self.user) if self.user else "",
            W.audit_on(lang, cluster=self.cluster) if self.cluster else "",
        ]
        return "".join(p for p in parts if p)

    def view(self) -> View:
        lang = self.lang
        if not self.entries:
            text = W.audit_none(lang, filters=self._filters())
            return View(text, (Notice(text, Level.INFO),))
        summary = W.audit_count(lang, count=len(self.entries), filters=self._filters())
        if self.jsonl:
            return View(summary, (Code("\n".join(audit_line(e) for e in self.entries), "audit.jsonl"),))
        rows = tuple(
            (
                day_time(e.at),
                e.request_id,
                _event(e, lang),
                e.actor,
                e.cluster or "-",
                e.detail,
            )
            for e in self.entries
        )
        columns = tuple(
            m(lang) for m in (W.col_time, W.col_request, W.col_event, W.col_who, W.col_cluster, W.col_detail)
        )
        return View(summary, (Heading(W.audit_heading(lang)), Table(columns, rows)))


def _event(entry: AuditEntry, lang: Lang) -> str:
    """An audit event's name as the language says it (the stored value is the English word). An action that ran to
    its end but whose own answer warns (a drain that stopped short; its data says `"warning": true`) is not just
    "succeeded"."""
    if entry.event is AuditEvent.SUCCEEDED and json.loads(entry.data).get("warning"):
        return W.event_succeeded_warning(lang)
    if lang != "zh":
        return entry.event.value
    return getattr(W, f"event_{entry.event.value}")(lang)  # type: ignore[no-any-return]


def export_jsonl(store: ApprovalStore, out: TextIO, *, user: str | None = None, cluster: str | None = None) -> int:
    """Write the whole trail (or the entries of one user or cluster) as JSON lines, oldest first; how many."""
    entries: Iterable[AuditEntry] = store.audit(last=None, user=user, cluster=cluster)
    count = 0
    for entry in entries:
        out.write(audit_line(entry) + "\n")
        count += 1
    return count
