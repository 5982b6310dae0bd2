"""Where incidents and their timelines live: tables of their own in the approvals database.

The record and its timeline go through the approval store's connections (`SqlApprovalStore._run`: SQLite, one
connection per thread; PostgreSQL, the shared pool), so one database serves several replicas and any of them
can answer a command or a reaction event:

- every change of a record is one `UPDATE … WHERE id = ? AND version = ? AND state = ?` (or a state
  compare-and-set): of two replicas changing the same incident, one wins and the other reads again;
- a reservation looks for an open incident about the same (its title, its alert) in the transaction that inserts
  it, with the cluster's declarations serialised (SQLite's write lock; on PostgreSQL an advisory lock per cluster):
  two people clicking one alert's **Open incident** on two replicas open one incident;
- a timeline entry carries a key unique within its incident (`pin:C…:ts:U…`, `run:<correlation id>`), so a
  retried Slack event or a second replica adds it once;
- the timeline is append-only, enforced by the database (triggers), like the approval audit;
- the tables are created on start, idempotently; on PostgreSQL in one statement that takes the same advisory
  lock as the approval store's schema, so replicas starting together do not race.

Approval requests are not copied: `approval_trail(channel)` reads the requests made in a channel and their
append-only audit from the approval store's own tables. Database errors are `bot.errors.Upstream`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.approvals.model import ApprovalRequest, AuditEntry, parse_optional_utc, parse_utc, utc_text
from bot.approvals.store import PostgresApprovalStore, Row, Run, SqlApprovalStore
from bot.incidents.model import (
    EntryKind,
    Incident,
    IncidentState,
    Severity,
    TimelineEntry,
    channel_topic,
    same_title,
)

# A reservation older than this whose declaration never finished (its process was stopped half-way) no longer
# stands in the way of declaring the same incident again; a declaration takes seconds.
STALE_OPENING = timedelta(minutes=5)


@dataclass(frozen=True)
class Draft:
    """What a declaration knows before its channel exists."""

    title: str
    severity: Severity
    cluster: str
    commander: str
    declared_by: str
    declared_in: str | None
    lang: str
    alert_key: str | None
    runbook: str | None
    declared_at: datetime
    # The workload the title calls by one of its names, as the channel name says it (`ledger-api-5xx` for "支付接口
    # 5xx"): two titles that call it by different names are one incident's. None when the title calls none.
    topic: str | None = None


@dataclass(frozen=True)
class Duplicate:
    """What `reserve` answers instead of a new record: the open incident of the same cluster that is about the same
    — from the same alert (`by_alert`), or with a title that reads the same (`same_title`) or names the same
    workload and words (`Draft.topic`). It may still be
    `opening`: declared a moment ago, its channel not made yet."""

    incident: Incident
    by_alert: bool


class IncidentStore(Protocol):
    """Persistence of incidents. Every method is safe to call from many threads and processes."""

    def reserve(self, draft: Draft, *, alone: bool = True) -> Incident | Duplicate:
        """A new record in the `opening` state: its number is taken, nobody lists it yet. With `alone`, not when
        an open incident of the cluster is about the same (the `Duplicate` says which), checked and inserted
        atomically."""
        ...

    def covering(self, draft: Draft) -> Duplicate | None:
        """The open incident of the draft's cluster it would duplicate, as `reserve` checks it, read without
        reserving anything: a refusal before the declaration reads the cluster; `reserve` still decides."""
        ...

    def open(self, incident_id: int, channel: str, channel_name: str) -> bool:
        """`opening` → `open`, with its channel; False when it is no longer opening."""
        ...

    def discard(self, incident_id: int) -> bool:
        """Delete a record still `opening` (its declaration failed and was cleaned up)."""
        ...

    def get(self, incident_id: int) -> Incident | None: ...

    def in_channel(self, channel: str) -> Incident | None:
        """The incident whose channel this is (open or closed)."""
        ...

    def listing(self, *, include_closed: bool, clusters: Collection[str] | None, limit: int) -> list[Incident]:
        """Open incidents newest first, then (with `include_closed`) closed ones newest first; `clusters` limits
        them to those clusters (None: all)."""
        ...

    def change(self, incident: Incident, *, severity: Severity | None = None, commander: str | None = None) -> bool:
        """Change an open incident as read at `incident.version`; False when it changed (or closed) meanwhile."""
        ...

    def close(self, incident_id: int, *, at: datetime, by: str, summary: str) -> bool:
        """`open` → `closed`; True only for the one caller whose update took effect."""
        ...

    def mark_archived(self, incident_id: int) -> bool:
        """A closed incident's channel was archived; False when it already was (or it is not closed)."""
        ...

    def append(self, incident_id: int, entry: TimelineEntry, key: str) -> bool:
        """Add a timeline entry; False when an entry with `key` is already there (a retried event)."""
        ...

    def entries(self, incident_id: int) -> list[TimelineEntry]:
        """The incident's own timeline entries, in the order they were added."""
        ...

    def approval_trail(self, channel: str) -> list[tuple[ApprovalRequest, list[AuditEntry]]]:
        """The approval requests made in `channel`, oldest first, each with its audit entries."""
        ...


_COLUMNS = (
    "id, state, version, title, severity, cluster, commander, declared_by, declared_in, channel, channel_name, "
    "lang, alert_key, runbook, declared_at, closed_at, closed_by, summary, archived"
)


class SqlIncidentStore:
    """`IncidentStore` over an approval store's connections (SQLite or PostgreSQL)."""

    def __init__(self, db: SqlApprovalStore) -> None:
        self.db = db
        self._schema = db.schema if isinstance(db, PostgresApprovalStore) else None
        self._create_tables()

    def table(self, name: str) -> str:
        """Incident tables are named for themselves (no `approval_` prefix), in the store's PostgreSQL schema."""
        return f'"{self._schema}".{name}' if self._schema else name

    def _run(self, sql: str, params: Sequence[Any] = ()) -> tuple[int, list[Row]]:
        return self.db._run(sql, params)

    # -- schema ----------------------------------------------------------------------------------------------
    def _create_tables(self) -> None:
        incidents, timeline = self.table("incidents"), self.table("incident_timeline")
        states = ", ".join(f"'{s.value}'" for s in IncidentState)
        statements = [
            f"""CREATE TABLE IF NOT EXISTS {incidents} (
                id {self.db.serial_key},
                state TEXT NOT NULL CHECK (state IN ({states})),
                version INTEGER NOT NULL,
                title TEXT NOT NULL,
                severity TEXT NOT NULL,
                cluster TEXT NOT NULL,
                commander TEXT NOT NULL,
                declared_by TEXT NOT NULL,
                declared_in TEXT,
                channel TEXT,
                channel_name TEXT,
                lang TEXT NOT NULL,
                alert_key TEXT,
                runbook TEXT,
                declared_at TEXT NOT NULL,
                closed_at TEXT,
                closed_by TEXT,
                summary TEXT,
                archived INTEGER NOT NULL DEFAULT 0
            )""",
            f"CREATE UNIQUE INDEX IF NOT EXISTS incidents_channel ON {incidents} (channel)",
            f"CREATE INDEX IF NOT EXISTS incidents_state ON {incidents} (state)",
            f"""CREATE TABLE IF NOT EXISTS {timeline} (
                seq {self.db.serial_key},
                incident_id BIGINT NOT NULL REFERENCES {incidents} (id),
                entry_key TEXT NOT NULL,
                at TEXT NOT NULL,
                kind TEXT NOT NULL,
                actor TEXT,
                text TEXT NOT NULL,
                subject TEXT,
                data TEXT NOT NULL,
                UNIQUE (incident_id, entry_key)
            )""",
            # The approval trail is read by channel: an index on the approval store's requests for that.
            f"CREATE INDEX IF NOT EXISTS incident_requests_channel ON {self.db.table('requests')} (channel)",
        ]
        if self._schema is None:
            statements += [
                f"CREATE TRIGGER IF NOT EXISTS {timeline}_no_update BEFORE UPDATE ON {timeline} "
                "BEGIN SELECT RAISE(ABORT, 'the incident timeline is append-only'); END",
                f"CREATE TRIGGER IF NOT EXISTS {timeline}_no_delete BEFORE DELETE ON {timeline} "
                "BEGIN SELECT RAISE(ABORT, 'the incident timeline is append-only'); END",
            ]
            for statement in statements:
                self._run(statement)
            return
        function = f'"{self._schema}".incident_timeline_is_append_only'
        statements += [
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS "
            "$fn$ BEGIN RAISE EXCEPTION 'the incident timeline is append-only'; END $fn$",
            f"CREATE OR REPLACE TRIGGER incident_timeline_no_change BEFORE UPDATE OR DELETE ON {timeline} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
            f"CREATE OR REPLACE TRIGGER incident_timeline_no_truncate BEFORE TRUNCATE ON {timeline} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        ]
        # One statement is one transaction through the pool: the advisory lock (the approval store's own key)
        # is held while every table is created, so replicas starting together create them once.
        lock = f"PERFORM pg_advisory_xact_lock(hashtext('aksbot-schema:{self._schema}'));"
        body = " ".join(f"{statement};" for statement in statements)
        self._run(f"DO $do$ BEGIN {lock} {body} END $do$")

    # -- records ---------------------------------------------------------------------------------------------
    def reserve(self, draft: Draft, *, alone: bool = True) -> Incident | Duplicate:
        with self.db.transaction() as run:
            if alone:
                if self._schema is not None:
                    # Read committed would let two declarations each miss the other's row: they take turns.
                    lock = f"aksbot-incident:{self._schema}:{draft.cluster}"
                    run("SELECT pg_advisory_xact_lock(hashtext(?))", (lock,))
                duplicate = self._covering(run, draft)
                if duplicate is not None:
                    return duplicate
            _, rows = run(
                f"INSERT INTO {self.table('incidents')} (state, version, title, severity, cluster, commander, "
                "declared_by, declared_in, lang, alert_key, runbook, declared_at) "
                f"VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
                (
                    IncidentState.OPENING.value,
                    draft.title,
                    draft.severity.value,
                    draft.cluster,
                    draft.commander,
                    draft.declared_by,
                    draft.declared_in,
                    draft.lang,
                    draft.alert_key,
                    draft.runbook,
                    utc_text(draft.declared_at),
                ),
            )
        return self._incident(rows[0])

    def covering(self, draft: Draft) -> Duplicate | None:
        return self._covering(self._run, draft)

    def _covering(self, run: Run, draft: Draft) -> Duplicate | None:
        """The open (or opening) incident of the draft's cluster it would duplicate, read through `run`."""
        _, rows = run(
            f"SELECT {_COLUMNS} FROM {self.table('incidents')} WHERE cluster = ? AND state IN (?, ?) ORDER BY id",
            (draft.cluster, IncidentState.OPEN.value, IncidentState.OPENING.value),
        )
        return _duplicate(draft, [self._incident(row) for row in rows])

    def open(self, incident_id: int, channel: str, channel_name: str) -> bool:
        count, _ = self._run(
            f"UPDATE {self.table('incidents')} SET state = ?, channel = ?, channel_name = ?, version = version + 1 "
            "WHERE id = ? AND state = ?",
            (IncidentState.OPEN.value, channel, channel_name, incident_id, IncidentState.OPENING.value),
        )
        return count == 1

    def discard(self, incident_id: int) -> bool:
        count, _ = self._run(
            f"DELETE FROM {self.table('incidents')} WHERE id = ? AND state = ?",
            (incident_id, IncidentState.OPENING.value),
        )
        return count == 1

    def get(self, incident_id: int) -> Incident | None:
        _, rows = self._run(f"SELECT {_COLUMNS} FROM {self.table('incidents')} WHERE id = ?", (incident_id,))
        return self._incident(rows[0]) if rows else None

    def in_channel(self, channel: str) -> Incident | None:
        _, rows = self._run(
            f"SELECT {_COLUMNS} FROM {self.table('incidents')} WHERE channel = ? AND state <> ?",
            (channel, IncidentState.OPENING.value),
        )
        return self._incident(rows[0]) if rows else None

    def listing(self, *, include_closed: bool, clusters: Collection[str] | None, limit: int) -> list[Incident]:
        states = [IncidentState.OPEN.value] + ([IncidentState.CLOSED.value] if include_closed else [])
        conditions = [f"state IN ({', '.join('?' for _ in states)})"]
        params: list[Any] = list(states)
        if clusters is not None:
            allowed = sorted(clusters)
            conditions.append(f"cluster IN ({', '.join('?' for _ in allowed)})" if allowed else "1 = 0")
            params += allowed
        params.append(limit)
        _, rows = self._run(
            f"SELECT {_COLUMNS} FROM {self.table('incidents')} WHERE {' AND '.join(conditions)} "
            "ORDER BY CASE WHEN state = 'open' THEN 0 ELSE 1 END, id DESC LIMIT ?",
            params,
        )
        return [self._incident(row) for row in rows]

    def change(self, incident: Incident, *, severity: Severity | None = None, commander: str | None = None) -> bool:
        sets: list[tuple[str, Any]] = []
        if severity is not None:
            sets.append(("severity", severity.value))
        if commander is not None:
            sets.append(("commander", commander))
        if not sets:
            raise ValueError("a change needs something to change")
        assignments = ", ".join(f"{column} = ?" for column, _ in sets)
        count, _ = self._run(
            f"UPDATE {self.table('incidents')} SET {assignments}, version = version + 1 "
            "WHERE id = ? AND version = ? AND state = ?",
            [*(v for _, v in sets), incident.id, incident.version, IncidentState.OPEN.value],
        )
        return count == 1

    def close(self, incident_id: int, *, at: datetime, by: str, summary: str) -> bool:
        count, _ = self._run(
            f"UPDATE {self.table('incidents')} SET state = ?, closed_at = ?, closed_by = ?, summary = ?, "
            "version = version + 1 WHERE id = ? AND state = ?",
            (IncidentState.CLOSED.value, utc_text(at), by, summary, incident_id, IncidentState.OPEN.value),
        )
        return count == 1

    def mark_archived(self, incident_id: int) -> bool:
        count, _ = self._run(
            f"UPDATE {self.table('incidents')} SET archived = 1, version = version + 1 "
            "WHERE id = ? AND state = ? AND archived = 0",
            (incident_id, IncidentState.CLOSED.value),
        )
        return count == 1

    def _incident(self, row: Row) -> Incident:
        return Incident(
            id=int(row[0]),
            state=IncidentState(row[1]),
            version=int(row[2]),
            title=row[3],
            severity=Severity(row[4]),
            cluster=row[5],
            commander=row[6],
            declared_by=row[7],
            declared_in=row[8],
            channel=row[9],
            channel_name=row[10],
            lang=row[11],
            alert_key=row[12],
            runbook=row[13],
            declared_at=parse_utc(row[14]),
            closed_at=parse_optional_utc(row[15]),
            closed_by=row[16],
            summary=row[17],
            archived=bool(row[18]),
        )

    # -- timeline --------------------------------------------------------------------------------------------
    def append(self, incident_id: int, entry: TimelineEntry, key: str) -> bool:
        count, _ = self._run(
            f"INSERT INTO {self.table('incident_timeline')} "
            "(incident_id, entry_key, at, kind, actor, text, subject, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (incident_id, entry_key) DO NOTHING",
            (
                incident_id,
                key,
                utc_text(entry.at),
                entry.kind.value,
                entry.actor,
                entry.text,
                entry.subject,
                entry.data,
            ),
        )
        return count == 1

    def entries(self, incident_id: int) -> list[TimelineEntry]:
        _, rows = self._run(
            f"SELECT at, kind, actor, text, subject, data FROM {self.table('incident_timeline')} "
            "WHERE incident_id = ? ORDER BY seq",
            (incident_id,),
        )
        return [
            TimelineEntry(parse_utc(at), EntryKind(kind), actor, text, subject, data)
            for at, kind, actor, text, subject, data in rows
        ]

    def approval_trail(self, channel: str) -> list[tuple[ApprovalRequest, list[AuditEntry]]]:
        _, rows = self._run(
            f"SELECT id FROM {self.db.table('requests')} WHERE channel = ? ORDER BY created_at, id", (channel,)
        )
        trail = []
        for (request_id,) in rows:
            request = self.db.get(str(request_id))
            if request is not None:
                trail.append((request, self.db.audit(request_id=request.id, last=None)))
        return trail


def _duplicate(draft: Draft, others: Sequence[Incident]) -> Duplicate | None:
    """The first of the cluster's open incidents from the draft's alert, else the first whose title reads the same."""
    standing = [
        i for i in others if i.state is IncidentState.OPEN or draft.declared_at - i.declared_at < STALE_OPENING
    ]
    if draft.alert_key:
        for incident in standing:
            if incident.alert_key == draft.alert_key:
                return Duplicate(incident, by_alert=True)
    title = same_title(draft.title)
    for incident in standing:
        if same_title(incident.title) == title:
            return Duplicate(incident, by_alert=False)
    if draft.topic:
        for incident in standing:
            if channel_topic(incident.channel_name or "") == draft.topic:
                return Duplicate(incident, by_alert=False)
    return None
