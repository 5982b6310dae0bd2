"""Alert state, its history and the Slack work still to do, in the approvals database (SQLite or PostgreSQL).

Five tables next to the approval tables, through the same connections (`bot.approvals.store`'s seam):

- `alert_state`: one row per problem (group key): status, episode, first/last fired, resolved at, ack (who,
  when), snooze (until a time, or until resolved), the evidence hash, the flap count, the last payload's summary
  and the last group itself (to render from), and a `version` for compare-and-set;
- `alert_messages`: the Slack message of each (problem, episode, channel): channel and `ts` once posted;
- `alert_history`: every transition (fired, updated, resolved, reopened, acknowledged, snoozed, unsnoozed,
  posted), append-only, for `/k8s alerts history` and incident timelines;
- `alert_outbox`: posts, updates and thread replies still to make. Work is written in the same transaction as
  the state change that needs it, so nothing is lost between them; a failed post stays queued with its error
  and the time of its next attempt, never dropped.
- `alert_watcher_scans`: when the bot's own watcher last finished a whole look at each cluster, so that any
  replica's `/k8s alerts` can tell "nothing is firing" from "nobody has looked yet".

Every change is a compare-and-set on `version` (or `ts IS NULL` for a message's first post), so two replicas, a
new leader after a failover, or 100 identical deliveries at once make exactly one change: the first caller wins,
the others re-read and find nothing left to do. An identical notification writes nothing at all.

Two sources' reports of one problem (the watcher's NotReady node, Alertmanager's KubeNodeNotReady for it) keep a row
and a message each — an Alertmanager group may span objects and clusters, so it cannot be folded into a watcher
finding's row — and `same_problem` finds the others; a report that begins, ends or changes what it is about queues
a redraw of theirs (after its own change is written: a crash in between leaves them one redraw behind).

An update is queued only when none is already waiting for that message (the poster renders the state as it is
when it sends, so one waiting update covers any number of changes). A problem that resolves before its first
post went out is not posted (its post is cancelled); its history keeps it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.alerts.codec import group_from_json, group_to_json
from bot.alerts.lifecycle import Known, Outcome, Transition, decide
from bot.alerts.model import Alert, AlertGroup, Source, Status, problem_marks, short_id
from bot.alerts.routing import Route, quiet_end
from bot.approvals.model import parse_optional_utc, parse_utc, utc_text
from bot.approvals.store import Row, Run, SqlApprovalStore
from bot.errors import Upstream
from bot.i18n import ALERT, Said, in_lang
from bot.severity import Severity
from bot.surface import MessageRef
from bot.timefmt import lasted, lasted_in

CAS_ATTEMPTS = 8
NEW_NAMED = 5  # a snoozed problem's thread names this many of the alerts that joined it, then counts the rest


class Event(StrEnum):
    FIRED = "fired"
    UPDATED = "updated"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    UNSNOOZED = "unsnoozed"
    POSTED = "posted"
    LINKED = "linked"  # an incident was opened for the problem; `detail` names it (JSON: incident, label, channel)


class Work(StrEnum):
    POST = "post"  # the top-level message of an episode in a channel
    UPDATE = "update"  # chat.update of that message, rendered from the current state
    REPLY = "reply"  # one reply in its thread about a transition (`history_seq` says which)


@dataclass(frozen=True)
class AlertState:
    key: str
    id: str
    status: Status
    episode: int
    severity: Severity
    cluster: str | None
    namespace: str | None
    first_fired_at: datetime
    last_fired_at: datetime
    resolved_at: datetime | None
    updated_at: datetime
    ack_by: str | None
    ack_at: datetime | None
    snooze_until: datetime | None
    snoozed_until_resolved: bool
    snoozed_by: str | None
    evidence_hash: str
    flap_count: int
    summary: str
    group: AlertGroup
    version: int

    def snoozed(self, at: datetime) -> bool:
        return self.snoozed_until_resolved or (self.snooze_until is not None and self.snooze_until > at)


@dataclass(frozen=True)
class Recorded:
    """What `record` did: the transition it made and the state after it."""

    outcome: Outcome
    state: AlertState


@dataclass(frozen=True)
class HistoryEntry:
    seq: int
    key: str
    episode: int
    at: datetime
    event: Event
    actor: str
    status: Status
    cluster: str | None
    detail: str
    # The problem's title when it happened (both languages): a row keeps what the alert said then, not what it says
    # now. None for rows written before titles were kept.
    title: str | None = None


# What `record` keeps of a transition, written in English (`ALERT.lasted_for("en", …)` and the like) and read back
# in the language of whoever reads it.
_LASTED = re.compile(r"after (.+)")
_FLAP = re.compile(r"flap (\d+)")
_FIRING_CHANGE = re.compile(r"(\d+) → (\d+) firing(?: \(new: (.+)\))?")
_FIRST_SEEN_RESOLVED = "first seen resolved"
_ENDED_BY_ITSELF = re.compile(r"ended by itself after (.+)")


def ended_by_itself(detail: str, lang: str) -> str | None:
    """How long a stateless problem lasted before it ended by itself (`alerts.event_minutes`), in the reader's
    language, when that is how it ended; else None."""
    m = _ENDED_BY_ITSELF.fullmatch(detail)
    return lasted_in(m.group(1), lang) if m is not None else None


def history_words(detail: str, lang: str) -> str:
    """A transition's stored detail (`after 14 min`, `flap 2`, `2 → 3 firing`, `1 → 2 firing (new: node/n2)`) in
    the reader's language; any other detail (`warning → critical`) as it is."""
    if (duration := ended_by_itself(detail, lang)) is not None:
        return ALERT.ended_by_itself(lang, duration=duration)
    if (m := _LASTED.fullmatch(detail)) is not None:
        return ALERT.lasted_for(lang, duration=lasted_in(m.group(1), lang))
    if detail == _FIRST_SEEN_RESOLVED:
        return ALERT.first_seen_resolved(lang)
    if (m := _FLAP.fullmatch(detail)) is not None:
        return ALERT.flap(lang, count=m.group(1))
    if (m := _FIRING_CHANGE.fullmatch(detail)) is not None:
        change = ALERT.firing_change(lang, before=m.group(1), after=m.group(2))
        return change if m.group(3) is None else ALERT.firing_new(lang, change=change, objects=m.group(3))
    return detail


@dataclass(frozen=True)
class AlertMessage:
    key: str
    episode: int
    channel: str
    ts: str | None
    posted_at: datetime | None

    @property
    def ref(self) -> MessageRef | None:
        return MessageRef(self.channel, self.ts) if self.ts else None


@dataclass(frozen=True)
class OutboxItem:
    id: int
    key: str
    episode: int
    channel: str
    kind: Work
    history_seq: int | None
    created_at: datetime
    due_at: datetime
    attempts: int
    last_error: str | None
    ts: str | None  # the message's ts when it has one (updates and replies need it)
    # Set on a due item when an earlier attempt may have made its message: its claim lapsed (the worker stopped
    # mid-send) or it was put back after a lost answer (`retry(unsure=True)` keeps the claimer, drops the lease).
    claimed_by: str | None = None

    @property
    def mark(self) -> str:
        """What a message made for this item carries to be known again (`Poster.find`): the item's id and a digest
        of its problem's key, so two bots posting into one channel never take each other's messages for their own."""
        return f"{self.id}:{hashlib.sha256(self.key.encode()).hexdigest()[:12]}"

    @property
    def unsure(self) -> bool:
        """An earlier attempt may have made the message although nothing recorded it: its worker stopped while
        sending, or the platform's answer was lost. Before posting again, look for it (`Poster.find`). Such an item
        is not cancelled when its problem ends first (`_cancel` takes only unclaimed work): the message may exist."""
        return self.claimed_by is not None


@dataclass(frozen=True)
class Elsewhere:
    """Another source's report of the same problem (`AlertStore.same_problem`) and its message, if posted."""

    state: AlertState
    message: MessageRef | None


class _Lost(Exception):
    """Another writer changed the row between our read and our write: read again."""


_STATE_COLUMNS = (
    "key, id, status, episode, severity, cluster, namespace, first_fired_at, last_fired_at, resolved_at, updated_at, "
    "ack_by, ack_at, snooze_until, snooze_until_resolved, snoozed_by, evidence_hash, flap_count, summary, group_json, "
    "version"
)

_ITEM_COLUMNS = (
    "o.id, o.key, o.episode, o.channel, o.kind, o.history_seq, o.created_at, o.due_at, o.attempts, o.last_error, m.ts, "
    "o.claimed_by"
)
# Said at the end of an outbox error whose send may have worked (its answer was lost, not refused), for people
# reading the outbox; the state itself is the claimer kept on the item (`OutboxItem.unsure`).
MAY_HAVE_ARRIVED = " (may have arrived)"
# Why a post that is not due yet waits (its `last_error`), when it waits for the end of the quiet hours: such a post
# falls due at once when its problem's severity rises (it may have reached the quiet hours' `min_severity`; the
# outlet decides again when it sends).
QUIET_HOURS_HOLD = "held for the end of the quiet hours"
# The watcher records its look at each cluster every half minute (`bot.alerts.watcher.SCAN_RECORD_EVERY`); a last look
# older than this means nobody is looking: `/k8s alerts` and a new incident's snapshot say so rather than "nothing
# is firing".
LOOK_OVERDUE = timedelta(minutes=2)
# A report of a problem another source still reports says so on its card; when the other ends too, a card resolved
# this long ago or less is redrawn without it (older messages are left as they are).
ELSEWHERE_KEPT = timedelta(days=1)
# A replica that cannot take the leader Lease records why every 5 minutes (`ElectionConfig.report_every`): a
# reason not seen again for this long is forgotten (its replicas are gone, or were fixed and then stopped).
LEADER_PROBLEM_KEPT = timedelta(minutes=15)


class AlertStore:
    """Alert state over a `SqlApprovalStore`'s database. Safe to call from many threads and processes."""

    def __init__(self, db: SqlApprovalStore) -> None:
        self.db = db
        self.state_table = db.qualify("alert_state")
        self.messages_table = db.qualify("alert_messages")
        self.history_table = db.qualify("alert_history")
        self.outbox_table = db.qualify("alert_outbox")
        self.scans_table = db.qualify("alert_watcher_scans")
        self.leader_table = db.qualify("alert_leader_problems")
        db.create_tables(self._schema())
        self._add_titles()  # first: a table rebuilt to widen its checks copies every column it has
        self._widen_checks()

    # -- schema ----------------------------------------------------------------------------------------------

    def _schema(self) -> list[str]:
        s, m, h, o = self.state_table, self.messages_table, self.history_table, self.outbox_table
        statuses = ", ".join(f"'{x.value}'" for x in Status)
        events = ", ".join(f"'{x.value}'" for x in Event)
        kinds = ", ".join(f"'{x.value}'" for x in Work)
        return [
            f"""CREATE TABLE IF NOT EXISTS {s} (
                key TEXT PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                status TEXT NOT NULL CHECK (status IN ({statuses})),
                episode INTEGER NOT NULL,
                severity TEXT NOT NULL,
                cluster TEXT,
                namespace TEXT,
                first_fired_at TEXT NOT NULL,
                last_fired_at TEXT NOT NULL,
                resolved_at TEXT,
                updated_at TEXT NOT NULL,
                ack_by TEXT,
                ack_at TEXT,
                snooze_until TEXT,
                snooze_until_resolved INTEGER NOT NULL DEFAULT 0,
                snoozed_by TEXT,
                evidence_hash TEXT NOT NULL,
                flap_count INTEGER NOT NULL DEFAULT 0,
                summary TEXT NOT NULL,
                group_json TEXT NOT NULL,
                version INTEGER NOT NULL,
                instance TEXT
            )""",
            f"CREATE INDEX IF NOT EXISTS alert_state_status ON {s} (status, cluster)",
            f"CREATE INDEX IF NOT EXISTS alert_state_instance ON {s} (instance)",
            f"""CREATE TABLE IF NOT EXISTS {m} (
                key TEXT NOT NULL REFERENCES {s} (key),
                episode INTEGER NOT NULL,
                channel TEXT NOT NULL,
                ts TEXT,
                posted_at TEXT,
                PRIMARY KEY (key, episode, channel)
            )""",
            f"""CREATE TABLE IF NOT EXISTS {h} (
                seq {self.db.serial_key},
                key TEXT NOT NULL,
                episode INTEGER NOT NULL,
                at TEXT NOT NULL,
                event TEXT NOT NULL CHECK (event IN ({events})),
                actor TEXT NOT NULL,
                status TEXT NOT NULL,
                cluster TEXT,
                detail TEXT NOT NULL,
                title TEXT
            )""",
            f"CREATE INDEX IF NOT EXISTS alert_history_at ON {h} (at)",
            f"CREATE INDEX IF NOT EXISTS alert_history_key ON {h} (key, seq)",
            f"""CREATE TABLE IF NOT EXISTS {o} (
                id {self.db.serial_key},
                key TEXT NOT NULL,
                episode INTEGER NOT NULL,
                channel TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ({kinds})),
                history_seq INTEGER,
                created_at TEXT NOT NULL,
                due_at TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                claimed_by TEXT,
                claimed_until TEXT,
                done_at TEXT
            )""",
            f"CREATE INDEX IF NOT EXISTS alert_outbox_due ON {o} (done_at, due_at)",
            # When the watcher (on the leader) last finished a whole look at each cluster: any replica can then tell
            # "nothing is firing" from "nobody has looked yet" or "nobody has looked for a while".
            f"""CREATE TABLE IF NOT EXISTS {self.scans_table} (
                cluster TEXT PRIMARY KEY,
                scanned_at TEXT NOT NULL
            )""",
            # Why no replica can take the leader Lease (its namespace is missing, RBAC refuses it), as the replicas
            # standing for it last saw: `/k8s alerts` on any replica says why nobody watches, not only that.
            f"""CREATE TABLE IF NOT EXISTS {self.leader_table} (
                lease TEXT PRIMARY KEY,
                problem TEXT NOT NULL,
                seen_at TEXT NOT NULL
            )""",
            *self._append_only(h),
        ]

    def _add_titles(self) -> None:
        """Give a history table made before titles were kept its `title` column (its rows keep NULL there)."""
        table = self.history_table
        # Start-up reads the table's columns; only an older table is altered (an ALTER would lock it every start).
        if self.db.dialect == "sqlite":
            _, rows = self.db.run(f"SELECT name FROM pragma_table_info('{table}')")
        else:
            _, rows = self.db.run("SELECT attname FROM pg_attribute WHERE attrelid = ?::regclass AND attnum > 0 "
                                  "AND NOT attisdropped", (table,))
        if "title" not in {r[0] for r in rows}:
            self.db.create_tables([f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS title TEXT"
                                   if self.db.dialect != "sqlite" else f"ALTER TABLE {table} ADD COLUMN title TEXT"])

    def _widen_checks(self) -> None:
        """Let a database made by an older version take the events and kinds of work this one writes.

        A CHECK lists the values a column takes when its table is created, so a table made before an event
        (`linked`) or a kind of work existed refuses it. PostgreSQL replaces the constraint in place (`NOT VALID`:
        the rows already there were valid under the narrower list). SQLite cannot alter a constraint: the table
        is rebuilt with its rows, once, in one transaction; its indexes and triggers are then made again.
        Nobody refers to these two tables, so a rebuild leaves no foreign key behind.
        """
        wanted = ((self.history_table, "alert_history", "event", Event),
                  (self.outbox_table, "alert_outbox", "kind", Work))
        rebuilt = False
        for table, name, column, values in wanted:
            # Start-up reads one definition per table; only an older one is changed.
            if self.db.dialect == "sqlite":
                _, rows = self.db.run("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
            else:
                _, rows = self.db.run("SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                                      "WHERE conrelid = ?::regclass AND conname = ?", (table, f"{name}_{column}_check"))
            if rows and all(f"'{x.value}'" in rows[0][0] for x in values):
                continue
            if self.db.dialect != "sqlite":
                listed = ", ".join(f"'{x.value}'" for x in values)
                self.db.create_tables([f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}_{column}_check",
                                       f"ALTER TABLE {table} ADD CONSTRAINT {name}_{column}_check "
                                       f"CHECK ({column} IN ({listed})) NOT VALID"])
                continue
            create = next(s for s in self._schema() if s.startswith(f"CREATE TABLE IF NOT EXISTS {table} ("))
            with self.db.transaction() as run:
                run(f"ALTER TABLE {table} RENAME TO {table}_narrow", ())
                run(create, ())
                run(f"INSERT INTO {table} SELECT * FROM {table}_narrow", ())
                run(f"DROP TABLE {table}_narrow", ())  # its triggers and indexes go with it
            rebuilt = True
        if rebuilt:
            self.db.create_tables(self._schema())

    def _append_only(self, table: str) -> list[str]:
        message = "the alert history is append-only"
        if self.db.dialect == "sqlite":
            return [
                f"CREATE TRIGGER IF NOT EXISTS alert_history_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
                f"CREATE TRIGGER IF NOT EXISTS alert_history_no_delete BEFORE DELETE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
            ]
        function = table.rsplit(".", 1)[0] + ".alert_history_is_append_only"
        return [
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$",
            f"CREATE OR REPLACE TRIGGER alert_history_no_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
            f"CREATE OR REPLACE TRIGGER alert_history_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        ]

    # -- reading ---------------------------------------------------------------------------------------------

    def _state(self, row: Row) -> AlertState:
        return AlertState(
            key=row[0], id=row[1], status=Status(row[2]), episode=int(row[3]), severity=Severity[row[4].upper()],
            cluster=row[5], namespace=row[6], first_fired_at=parse_utc(row[7]), last_fired_at=parse_utc(row[8]),
            resolved_at=parse_optional_utc(row[9]), updated_at=parse_utc(row[10]), ack_by=row[11],
            ack_at=parse_optional_utc(row[12]),
            snooze_until=parse_optional_utc(row[13]), snoozed_until_resolved=bool(row[14]), snoozed_by=row[15],
            evidence_hash=row[16], flap_count=int(row[17]), summary=row[18], group=group_from_json(row[19]),
            version=int(row[20]),
        )

    def get(self, key: str) -> AlertState | None:
        _, rows = self.db.run(f"SELECT {_STATE_COLUMNS} FROM {self.state_table} WHERE key = ?", (key,))
        return self._state(rows[0]) if rows else None

    def by_id(self, alert_id: str) -> AlertState | None:
        """The problem with this short id (as shown on its message and typed in `/k8s alerts ack <id>`)."""
        _, rows = self.db.run(f"SELECT {_STATE_COLUMNS} FROM {self.state_table} WHERE id = ?",
                              (alert_id.strip().lower(),))
        return self._state(rows[0]) if rows else None

    def record_scan(self, cluster: str, at: datetime) -> None:
        """The watcher finished a whole look at `cluster` at `at`."""
        self.db.run(f"INSERT INTO {self.scans_table} (cluster, scanned_at) VALUES (?, ?) ON CONFLICT (cluster) "
                    "DO UPDATE SET scanned_at = excluded.scanned_at", (cluster, utc_text(at)))

    def scans(self) -> dict[str, datetime]:
        """When the watcher last finished a whole look at each cluster it has looked at."""
        rows = self.db.run(f"SELECT cluster, scanned_at FROM {self.scans_table}")[1]
        return {row[0]: parse_utc(row[1]) for row in rows}

    def record_leader_problem(self, lease: str, problem: str | None, at: datetime) -> None:
        """Why no replica can stand for `lease` (namespace/name), seen at `at`; None: the Lease works again."""
        if problem is None:
            self.db.run(f"DELETE FROM {self.leader_table} WHERE lease = ?", (lease,))
            return
        self.db.run(f"INSERT INTO {self.leader_table} (lease, problem, seen_at) VALUES (?, ?, ?) ON CONFLICT (lease) "
                    "DO UPDATE SET problem = excluded.problem, seen_at = excluded.seen_at",
                    (lease, problem, utc_text(at)))

    def leader_problem(self, since: datetime) -> str | None:
        """The latest reason no replica can lead, if one was seen at or after `since` (older ones are forgotten:
        the replicas that saw them are gone or were fixed)."""
        rows = self.db.run(f"SELECT problem FROM {self.leader_table} WHERE seen_at >= ? ORDER BY seen_at DESC",
                           (utc_text(since),))[1]
        return str(rows[0][0]) if rows else None

    def firing(self, clusters: Collection[str | None] | None = None) -> list[AlertState]:
        """The problems firing now, oldest first; `clusters` limits them (None in it: alerts of no known cluster)."""
        rows = self.db.run(f"SELECT {_STATE_COLUMNS} FROM {self.state_table} WHERE status = ? "
                           "ORDER BY first_fired_at, key", (Status.FIRING.value,))[1]
        states = [self._state(row) for row in rows]
        return states if clusters is None else [s for s in states if s.cluster in clusters]

    def history(self, *, since: datetime | None = None, key: str | None = None,
                clusters: Collection[str | None] | None = None, limit: int = 500) -> list[HistoryEntry]:
        """Transitions oldest first: the `limit` most recent that match."""
        conditions: list[str] = []
        params: list[Any] = []
        if since is not None:
            conditions.append("at >= ?")
            params.append(utc_text(since))
        if key is not None:
            conditions.append("key = ?")
            params.append(key)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        limited = ""
        if clusters is None:  # filtered by cluster below, in Python (NULL is a cluster there); else limit here
            limited = " LIMIT ?"
            params.append(limit)
        rows = self.db.run(
            f"SELECT seq, key, episode, at, event, actor, status, cluster, detail, title FROM {self.history_table}"
            f"{where} ORDER BY seq DESC{limited}", params)[1]
        entries = [HistoryEntry(int(r[0]), r[1], int(r[2]), parse_utc(r[3]), Event(r[4]), r[5], Status(r[6]), r[7],
                                r[8], _title_from(r[9])) for r in rows if clusters is None or r[7] in clusters][:limit]
        entries.reverse()
        return entries

    def messages(self, key: str, episode: int | None = None) -> list[AlertMessage]:
        sql = f"SELECT key, episode, channel, ts, posted_at FROM {self.messages_table} WHERE key = ?"
        params: list[Any] = [key]
        if episode is not None:
            sql += " AND episode = ?"
            params.append(episode)
        rows = self.db.run(sql + " ORDER BY episode, channel", params)[1]
        return [AlertMessage(r[0], int(r[1]), r[2], r[3], parse_optional_utc(r[4])) for r in rows]

    # -- recording notifications -----------------------------------------------------------------------------

    def record(self, group: AlertGroup, routes: Sequence[Route], *, at: datetime,
               flap_window: timedelta) -> Recorded:
        """Apply one notification: decide the transition, store it with its history and Slack work, atomically.

        `routes` are where a new message goes (one per channel), each with its grouping window and quiet hours,
        which set when its post falls due."""
        for _ in range(CAS_ATTEMPTS):
            state = self.get(group.key)
            if state is None and (found := self._by_instance(group)
                                  or self._by_fingerprints(group, at - flap_window)) is not None:
                # A Resolved notice finds its Fired one by the source's own id (Azure's alertId), even if what
                # the key is made of (the rule's targets, dimensions) was reported differently; a regrouped
                # Alertmanager group finds the problem its alerts already are.
                state, group = found, replace(group, key=found.key)
            known = None if state is None else Known(
                state.status, state.resolved_at, state.group, state.evidence_hash,
                posted=bool(self.messages(state.key, state.episode)))
            transition = decide(known, group, at=at, flap_window=flap_window)
            if not transition.outcome.changes_state:
                assert state is not None
                return Recorded(transition.outcome, state)
            try:
                with self.db.transaction() as run:
                    self._apply(run, state, transition, routes, at)
            except _Lost:
                continue
            stored = self.get(group.key)
            assert stored is not None
            if state is None or state.status is not stored.status or \
                    problem_marks(state.group) != problem_marks(stored.group):
                self._tell_elsewhere(state, stored, at)
            return Recorded(transition.outcome, stored)
        raise Upstream(f"the alert state of {group.key!r} kept changing while it was being recorded")

    def same_problem(self, group: AlertGroup, *, resolved_since: datetime | None = None) -> list[Elsewhere]:
        """The other sources' reports of the problem `group` reports (`problem_marks` meet): the watcher's finding
        beside Alertmanager's alert about the same node. Firing ones, and with `resolved_since` those resolved since
        then too; each with its current episode's first message, where it has one. Each report keeps its own key,
        card and lifecycle (an Alertmanager group can span objects and clusters); its card names the others."""
        marks = problem_marks(group)
        if not marks:
            return []
        clusters = sorted({cluster for cluster, _, _ in marks})
        # Only another source's rows, on the clusters concerned (or on several, recorded under none).
        sql = (f"SELECT {_STATE_COLUMNS} FROM {self.state_table} WHERE key <> ? AND key NOT LIKE ? "
               f"AND (cluster IS NULL OR cluster IN ({', '.join('?' for _ in clusters)})) AND (status = ?")
        params: list[Any] = [group.key, f"{group.source.value}/%", *clusters, Status.FIRING.value]
        if resolved_since is not None:
            sql += " OR resolved_at >= ?"
            params.append(utc_text(resolved_since))
        rows = self.db.run(sql + ") ORDER BY first_fired_at, key", params)[1]
        out: list[Elsewhere] = []
        for row in rows:
            other = self._state(row)
            if other.group.source is not group.source and problem_marks(other.group) & marks:
                posted = [m for m in self.messages(other.key, other.episode) if m.ts]
                out.append(Elsewhere(other, posted[0].ref if posted else None))
        return out

    def _tell_elsewhere(self, before: AlertState | None, after: AlertState, at: datetime) -> None:
        """A problem began, ended or changed what it is about: the cards of the other sources' reports of it (what
        it was about and what it is now about), firing or lately resolved, are redrawn so they say so."""
        groups = [after.group] if before is None else [before.group, after.group]
        keys = {e.state.key for g in groups for e in self.same_problem(g, resolved_since=at - ELSEWHERE_KEPT)}
        for key in sorted(keys):
            self.refresh(key, at)

    def _by_instance(self, group: AlertGroup) -> AlertState | None:
        if group.status is not Status.RESOLVED or len(group.alerts) != 1 or not group.alerts[0].source_id:
            return None
        _, rows = self.db.run(f"SELECT {_STATE_COLUMNS} FROM {self.state_table} WHERE instance = ?",
                              (_instance(group),))
        return self._state(rows[0]) if rows else None

    def _by_fingerprints(self, group: AlertGroup, since: datetime) -> AlertState | None:
        """The problem an Alertmanager group under a `groupKey` the store has not seen already is: its alerts (by
        `fingerprint`) are that problem's, under the same receiver.

        Alertmanager keys a notification by its aggregation group, so a change of the route's `group_by`, or an alert
        moving to another route, sends the same alerts under a new `groupKey` — and never again under the old one.
        One problem keeps one message: the new key's notifications update the problem its alerts already make (one
        firing, or resolved within the flap window, so that firing again reopens its message), firing before
        resolved, the one sharing most alerts, the oldest. Groups that split share the old message until it has
        none of their alerts left; two that merge keep the older one's."""
        prints = {a.source_id for a in group.alerts if a.source_id}
        if group.source is not Source.ALERTMANAGER or not prints:
            return None
        prefix = f"{Source.ALERTMANAGER.value}/"
        rows = self.db.run(
            f"SELECT {_STATE_COLUMNS} FROM {self.state_table} WHERE substr(key, 1, ?) = ? "
            "AND (status = ? OR resolved_at >= ?)",
            (len(prefix), prefix, Status.FIRING.value, utc_text(since)))[1]
        candidates: list[tuple[bool, int, datetime, AlertState]] = []
        for row in rows:
            state = self._state(row)
            if state.group.receiver != group.receiver:
                continue  # another receiver is another audience: its own message, by design
            shared = len(prints & {a.source_id for a in state.group.alerts})
            if shared:
                candidates.append((state.status is Status.FIRING, shared, state.first_fired_at, state))
        if not candidates:
            return None
        return min(candidates, key=lambda c: (not c[0], -c[1], c[2], c[3].key))[3]

    def _apply(self, run: Run, state: AlertState | None, change: Transition, routes: Sequence[Route],
               at: datetime) -> None:
        group, outcome, now = change.group, change.outcome, utc_text(at)
        firing = group.status is Status.FIRING
        started = utc_text(_started(group, at))
        if state is None:
            episode = 1
            # It ended before the bot saw it fire: when its source says it ended, not when the notice came.
            ended = None if firing else _ended(group, at, _started(group, at))
            count, _ = run(
                f"INSERT INTO {self.state_table} ({_STATE_COLUMNS}, instance) VALUES "
                # No conflict target: a racing insert of the same key trips the `id` index too.
                f"({', '.join('?' for _ in range(22))}) ON CONFLICT DO NOTHING",
                (group.key, short_id(group.key), group.status.value, episode, group.severity.label, group.cluster,
                 group.namespace, started, now, None if ended is None else utc_text(ended), now, None, None, None, 0,
                 None,
                 change.evidence_hash, 0, group.summary, group_to_json(group), 1, _instance(group)))
            if count != 1:
                raise _Lost
            self._history(run, group.key, episode, at if ended is None else ended,
                          Event.FIRED if ended is None else Event.RESOLVED, group,
                          "" if ended is None else "first seen resolved")
            if firing:
                self._new_messages(run, group, episode, routes, at)
            return
        episode = state.episode + 1 if outcome is Outcome.REFIRED else state.episode
        sets: dict[str, Any] = {
            "status": group.status.value, "severity": group.severity.label, "cluster": group.cluster,
            "namespace": group.namespace, "updated_at": now, "evidence_hash": change.evidence_hash,
            "summary": group.summary, "group_json": group_to_json(group), "version": state.version + 1,
            "instance": _instance(group),
        }
        # How long this occurrence lasted: since it fired again, when it had resolved and fired again before.
        began = state.last_fired_at if state.flap_count else state.first_fired_at
        if group.ran_out:  # shown since it arrived (its firedDateTime may be a replayed sample's, or long past)
            began = state.last_fired_at
        ended = _ended(group, at, began)
        if outcome is Outcome.RESOLVED:
            sets.update(resolved_at=utc_text(ended), snooze_until_resolved=0)
        elif outcome is Outcome.REOPENED:
            # The same problem again: an acknowledgement of the last occurrence does not cover this one.
            sets.update(resolved_at=None, last_fired_at=now, flap_count=state.flap_count + 1, ack_by=None,
                        ack_at=None)
        elif outcome is Outcome.REFIRED:
            sets.update(episode=episode, resolved_at=None, first_fired_at=started, last_fired_at=now, flap_count=0,
                        ack_by=None, ack_at=None, snooze_until=None, snooze_until_resolved=0, snoozed_by=None)
        assignments = ", ".join(f"{column} = ?" for column in sets)
        count, _ = run(f"UPDATE {self.state_table} SET {assignments} WHERE key = ? AND version = ?",
                       (*sets.values(), state.key, state.version))
        if count != 1:
            raise _Lost
        snoozed = state.snoozed(at) and outcome is not Outcome.REFIRED
        if outcome is Outcome.REFIRED:
            # An older episode's message that never went out is not posted now; its updates and replies still go.
            self._cancel(run, state.key, at, "superseded: the problem fired again as a new episode", kind=Work.POST)
            self._history(run, state.key, episode, at, Event.FIRED, group, f"episode {episode}")
            self._new_messages(run, group, episode, routes, at)
        elif outcome is Outcome.RESOLVED:
            # Dated when its source says it ended, as "resolved after" is measured: a notice sent later (Alertmanager
            # waits for `group_interval`, a sender retries) does not move it.
            said = ALERT.ended_by_itself if group.ran_out else ALERT.lasted_for
            seq = self._history(run, state.key, episode, ended, Event.RESOLVED, group,
                                said("en", duration=lasted((ended - began).total_seconds())))
            self._cancel(run, state.key, at, "resolved before it was posted", kind=Work.POST)
            self._work(run, state.key, episode, at, Work.UPDATE)
            self._work(run, state.key, episode, at, Work.REPLY, seq)
        elif outcome is Outcome.REOPENED:
            flap = ALERT.flap("en", count=state.flap_count + 1)
            seq = self._history(run, state.key, episode, at, Event.REOPENED, group, flap)
            if not snoozed:
                self._work(run, state.key, episode, at, Work.UPDATE)
                self._work(run, state.key, episode, at, Work.REPLY, seq)
            if group.severity > state.severity:
                self._escalated(run, group, episode, routes, at)
        elif outcome is Outcome.UPDATED:
            # A snooze silences repeats of what was snoozed, not new instances: alerts that join the group, or a
            # severity that rises, update its message and are said in its thread (which says the rest stays
            # snoozed, by whom, until when).
            before, after = len(state.group.firing), len(group.firing)
            news = _new_instances(state.group, group)
            if before != after:
                counts = ALERT.firing_change("en", before=before, after=after)
                if snoozed and news:
                    more = f", +{len(news) - NEW_NAMED}" if len(news) > NEW_NAMED else ""
                    named = ", ".join(news[:NEW_NAMED]) + more
                    counts = ALERT.firing_new("en", change=counts, objects=named)
                seq = self._history(run, state.key, episode, at, Event.UPDATED, group, counts)
                if snoozed and news:
                    self._work(run, state.key, episode, at, Work.REPLY, seq)
            if group.severity > state.severity:
                # Worse: an edit notifies nobody, so the thread hears of it (a node gone from stale lease to Unknown).
                seq = self._history(run, state.key, episode, at, Event.UPDATED, group,
                                    f"{state.severity.label} → {group.severity.label}")
                self._work(run, state.key, episode, at, Work.REPLY, seq)
            if not snoozed or news or group.severity > state.severity:
                self._work(run, state.key, episode, at, Work.UPDATE)
            if group.severity > state.severity:
                self._escalated(run, group, episode, routes, at)

    def _escalated(self, run: Run, group: AlertGroup, episode: int, routes: Sequence[Route], at: datetime) -> None:
        """A firing problem got worse: a route it now matches and did not before (a `severities: [critical]` page
        channel) gets a message of its own, since an edit elsewhere notifies nobody there. The message it has stays
        and is kept up to date as well; a severity that falls later does not take the new one back. A post held for
        the quiet hours falls due now (the outlet lets it out if the severity reached their `min_severity`)."""
        have = {r[0] for r in run(f"SELECT channel FROM {self.messages_table} WHERE key = ? AND episode = ?",
                                  (group.key, episode))[1]}
        # Its posts held for the quiet hours may now be loud enough: due now, and the outlet decides again.
        run(f"UPDATE {self.outbox_table} SET due_at = ?, last_error = NULL WHERE key = ? AND episode = ? "
            "AND kind = ? AND done_at IS NULL AND claimed_by IS NULL AND last_error = ? AND due_at > ?",
            (utc_text(at), group.key, episode, Work.POST.value, QUIET_HOURS_HOLD, utc_text(at)))
        new = [route for route in routes if route.channel not in have]
        if new:
            self._new_messages(run, group, episode, new, at)

    def _history(self, run: Run, key: str, episode: int, at: datetime, event: Event, group: AlertGroup | None,
                 detail: str, *, actor: str = "", status: Status | None = None, cluster: str | None = None,
                 title: str | None = None) -> int:
        status = status or (group.status if group is not None else Status.FIRING)
        cluster = cluster if group is None else group.cluster
        title = title if group is None else group.title
        _, rows = run(
            f"INSERT INTO {self.history_table} (key, episode, at, event, actor, status, cluster, detail, title) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
            (key, episode, utc_text(at), event.value, actor, status.value, cluster, detail, _title_to(title)))
        return int(rows[0][0])

    def _new_messages(self, run: Run, group: AlertGroup, episode: int, routes: Sequence[Route],
                      at: datetime) -> None:
        for route in routes:
            run(f"INSERT INTO {self.messages_table} (key, episode, channel) VALUES (?, ?, ?) "
                "ON CONFLICT (key, episode, channel) DO NOTHING", (group.key, episode, route.channel))
            due, why = at + timedelta(seconds=route.group_seconds), None
            if route.held(group.severity, due) and route.quiet_hours is not None:
                due, why = quiet_end(route.quiet_hours, due), QUIET_HOURS_HOLD
            run(f"INSERT INTO {self.outbox_table} (key, episode, channel, kind, created_at, due_at, last_error) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (group.key, episode, route.channel, Work.POST.value, utc_text(at), utc_text(due), why))

    def _work(self, run: Run, key: str, episode: int, at: datetime, kind: Work, history_seq: int | None = None,
              *, skip: MessageRef | None = None) -> None:
        """Queue an update or a reply on every message of the episode but `skip`. An update is not queued where a
        post or an update for that message is already waiting unclaimed: that one will render the newest state
        anyway."""
        now = utc_text(at)
        # Only messages that exist or are about to: a post that was cancelled leaves nothing to update.
        messages = run(
            f"SELECT m.channel, m.ts FROM {self.messages_table} m WHERE m.key = ? AND m.episode = ? "
            f"AND (m.ts IS NOT NULL OR EXISTS (SELECT 1 FROM {self.outbox_table} o WHERE o.key = m.key "
            "AND o.episode = m.episode AND o.channel = m.channel AND o.kind = ? AND o.done_at IS NULL))",
            (key, episode, Work.POST.value))[1]
        for channel, ts in messages:
            if skip is not None and (channel, ts) == (skip.channel, skip.thread_root):
                continue
            if kind is Work.UPDATE:
                pending = run(f"SELECT 1 FROM {self.outbox_table} WHERE key = ? AND episode = ? AND channel = ? "
                              "AND kind IN (?, ?) AND done_at IS NULL AND claimed_by IS NULL",
                              (key, episode, channel, Work.POST.value, Work.UPDATE.value))[1]
                if pending:
                    continue
            run(f"INSERT INTO {self.outbox_table} (key, episode, channel, kind, history_seq, created_at, due_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", (key, episode, channel, kind.value, history_seq, now, now))

    def _cancel(self, run: Run, key: str, at: datetime, why: str, *, kind: Work | None = None) -> None:
        sql = (f"UPDATE {self.outbox_table} SET done_at = ?, last_error = ? WHERE key = ? AND done_at IS NULL "
               "AND claimed_by IS NULL")
        params: list[Any] = [utc_text(at), why, key]
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind.value)
        run(sql, params)

    # -- people acting on a problem --------------------------------------------------------------------------

    def acknowledge(self, key: str, user: str, at: datetime) -> bool:
        """Record who acknowledged the firing problem; False when it is not firing or someone already did."""
        return self._act(key, at, user, Event.ACKNOWLEDGED, "",
                         "ack_by = ?, ack_at = ?", (user, utc_text(at)), "ack_by IS NULL")

    def snooze(self, key: str, user: str, at: datetime, until: datetime | None) -> bool:
        """Stop updating the problem's message until `until` (None: until it resolves); False when not firing."""
        if until is not None and until <= at:
            raise ValueError("a snooze must end in the future")
        detail = "until resolved" if until is None else f"until {utc_text(until)}"
        return self._act(key, at, user, Event.SNOOZED, detail,
                         "snooze_until = ?, snooze_until_resolved = ?, snoozed_by = ?",
                         (None if until is None else utc_text(until), int(until is None), user), "1 = 1")

    def unsnooze(self, key: str, user: str, at: datetime) -> bool:
        return self._act(key, at, user, Event.UNSNOOZED, "",
                         "snooze_until = NULL, snooze_until_resolved = 0, snoozed_by = NULL", (),
                         "(snooze_until_resolved = 1 OR snooze_until IS NOT NULL)")

    def _act(self, key: str, at: datetime, user: str, event: Event, detail: str, assignments: str,
             values: Sequence[Any], condition: str) -> bool:
        for _ in range(CAS_ATTEMPTS):
            state = self.get(key)
            if state is None or state.status is not Status.FIRING:
                return False
            try:
                with self.db.transaction() as run:
                    count, _ = run(
                        f"UPDATE {self.state_table} SET {assignments}, version = version + 1, updated_at = ? "
                        f"WHERE key = ? AND version = ? AND status = ? AND {condition}",
                        (*values, utc_text(at), key, state.version, Status.FIRING.value))
                    if count != 1:
                        if self._version(run, key) == state.version:
                            return False  # the condition, not a race, refused it
                        raise _Lost
                    self._history(run, key, state.episode, at, event, None, detail, actor=user,
                                  status=Status.FIRING, cluster=state.cluster, title=state.group.title)
                    self._work(run, key, state.episode, at, Work.UPDATE)
                    return True
            except _Lost:
                continue
        raise Upstream(f"the alert state of {key!r} kept changing while {user} acted on it")

    def link_incident(self, key: str, detail: str, at: datetime, *, actor: str = "", reply: bool = True,
                      mirror: str | None = None, unmirror: str | None = None,
                      answered_in: MessageRef | None = None) -> bool:
        """Record that an incident was opened (or closed) for the problem (`detail` says which), queue a reply in
        the thread of its current episode's messages (`reply`; not under `answered_in`, the message whose thread
        already has the declaration's answer) and an update so the message shows it. `mirror`: a
        channel (the incident's) that gets the card too, as one more message of the episode, updated and replied
        to like the others; `unmirror`: that channel's copy is left as it is from now on (pending work on it is
        dropped). False for an unknown key. Only the leader posts, so all of it goes out through the outbox."""
        state = self.get(key)
        if state is None:
            return False
        with self.db.transaction() as run:
            seq = self._history(run, key, state.episode, at, Event.LINKED, None, detail, actor=actor,
                                status=state.status, cluster=state.cluster, title=state.group.title)
            if unmirror is not None:
                run(f"UPDATE {self.outbox_table} SET done_at = ?, last_error = ? WHERE key = ? AND channel = ? "
                    "AND done_at IS NULL AND claimed_by IS NULL", (utc_text(at), "incident closed", key, unmirror))
                run(f"DELETE FROM {self.messages_table} WHERE key = ? AND episode = ? AND channel = ?",
                    (key, state.episode, unmirror))
            if reply:
                self._work(run, key, state.episode, at, Work.REPLY, seq, skip=answered_in)
            self._work(run, key, state.episode, at, Work.UPDATE)
            if mirror is not None and state.status is Status.FIRING:
                run(f"INSERT INTO {self.messages_table} (key, episode, channel) VALUES (?, ?, ?) "
                    "ON CONFLICT (key, episode, channel) DO NOTHING", (key, state.episode, mirror))
                run(f"INSERT INTO {self.outbox_table} (key, episode, channel, kind, created_at, due_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)", (key, state.episode, mirror, Work.POST.value, utc_text(at),
                                                  utc_text(at)))
        return True

    def snoozes_ended(self, after: datetime, until: datetime) -> list[str]:
        """The firing problems whose timed snooze ran out in (`after`, `until`]: while snoozed their repeats queued
        no update, so their messages are behind (and still say "snoozed")."""
        rows = self.db.run(
            f"SELECT key FROM {self.state_table} WHERE status = ? AND snooze_until > ? AND snooze_until <= ? "
            "ORDER BY snooze_until", (Status.FIRING.value, utc_text(after), utc_text(until)))[1]
        return [r[0] for r in rows]

    def expire(self, at: datetime) -> list[str]:
        """End the stateless problems whose time ran out by `at` (their alerts' `expires_at`): Azure never sends the
        Resolved of an activity log alert, so without this it would fire forever. Each ends as a Resolved notice
        would end it — its message updated, a reply in its thread, its unsent post cancelled — dated when its time
        ran out. The keys ended; a problem that fired again meanwhile (a new event: a later `expires_at`) is left."""
        ended: list[str] = []
        # Only the rows that can be (the outlet asks every pass): a stateless alert is stored with `"stateless":true`.
        rows = self.db.run(f"SELECT {_STATE_COLUMNS} FROM {self.state_table} WHERE status = ? AND group_json LIKE ?",
                           (Status.FIRING.value, '%"stateless":true%'))[1]
        for state in map(self._state, rows):
            expires = state.group.expires_at
            if expires is not None and expires <= at and self._expire(state.key, at):
                ended.append(state.key)
        return ended

    def _expire(self, key: str, at: datetime) -> bool:
        for _ in range(CAS_ATTEMPTS):
            state = self.get(key)
            expires = state.group.expires_at if state is not None else None
            if state is None or state.status is not Status.FIRING or expires is None or expires > at:
                return False
            known = Known(state.status, state.resolved_at, state.group, state.evidence_hash, posted=True)
            transition = decide(known, state.group.expired(at), at=at, flap_window=timedelta(0))
            if transition.outcome is not Outcome.RESOLVED:
                return False
            try:
                with self.db.transaction() as run:
                    self._apply(run, state, transition, (), at)
            except _Lost:
                continue
            return True
        raise Upstream(f"the alert state of {key!r} kept changing while it was being ended")

    def refresh(self, key: str, at: datetime) -> None:
        """Queue an update of the problem's current messages for a change the store did not make itself (a snooze
        running out); like every update, rendered when it is sent, and not queued twice."""
        state = self.get(key)
        if state is None:
            return
        with self.db.transaction() as run:
            self._work(run, key, state.episode, at, Work.UPDATE)

    def _version(self, run: Run, key: str) -> int | None:
        rows = run(f"SELECT version FROM {self.state_table} WHERE key = ?", (key,))[1]
        return int(rows[0][0]) if rows else None

    # -- the outbox ------------------------------------------------------------------------------------------

    def _items(self, where: str, params: Sequence[Any]) -> list[OutboxItem]:
        rows = self.db.run(
            f"SELECT {_ITEM_COLUMNS} FROM {self.outbox_table} o JOIN {self.messages_table} m "
            f"ON m.key = o.key AND m.episode = o.episode AND m.channel = o.channel WHERE {where}", params)[1]
        return [OutboxItem(int(r[0]), r[1], int(r[2]), r[3], Work(r[4]), None if r[5] is None else int(r[5]),
                           parse_utc(r[6]), parse_utc(r[7]), int(r[8]), r[9], r[10], r[11]) for r in rows]

    def due(self, at: datetime, limit: int = 50) -> list[OutboxItem]:
        """Work due now, oldest first: posts, and updates and replies whose message has been posted."""
        now = utc_text(at)
        return self._items(
            "o.done_at IS NULL AND o.due_at <= ? AND (o.claimed_until IS NULL OR o.claimed_until < ?) "
            "AND (o.kind = ? OR m.ts IS NOT NULL) ORDER BY o.id LIMIT ?", (now, now, Work.POST.value, limit))

    def waiting_posts(self, channel: str, at: datetime, until: datetime) -> list[OutboxItem]:
        """The first posts waiting for `channel` that fall due by `until` (due already, or within their grouping
        window), unclaimed at `at`, oldest first: a burst the outlet may gather into one summary."""
        now = utc_text(at)
        return self._items(
            "o.done_at IS NULL AND o.kind = ? AND o.channel = ? AND o.due_at <= ? "
            "AND (o.claimed_until IS NULL OR o.claimed_until < ?) ORDER BY o.id",
            (Work.POST.value, channel, utc_text(until), now))

    def posted_since(self, channel: str, since: datetime) -> list[datetime]:
        """When each top-level message in `channel` went out after `since`, oldest first; a summary shared by
        several problems counts once (the route's rate limit counts messages people see, not problems)."""
        rows = self.db.run(
            f"SELECT MIN(posted_at) FROM {self.messages_table} WHERE channel = ? AND ts IS NOT NULL "
            "AND posted_at > ? GROUP BY ts ORDER BY 1", (channel, utc_text(since)))[1]
        return [parse_utc(r[0]) for r in rows]

    def sharing(self, channel: str, ts: str) -> list[AlertMessage]:
        """Every problem's message that is the message `ts` in `channel`: one, or the members of a summary."""
        rows = self.db.run(
            f"SELECT key, episode, channel, ts, posted_at FROM {self.messages_table} WHERE channel = ? AND ts = ? "
            "ORDER BY posted_at, key", (channel, ts))[1]
        return [AlertMessage(r[0], int(r[1]), r[2], r[3], parse_optional_utc(r[4])) for r in rows]

    def entry(self, seq: int) -> HistoryEntry | None:
        """One transition of the history (what a thread reply is about)."""
        rows = self.db.run(
            f"SELECT seq, key, episode, at, event, actor, status, cluster, detail FROM {self.history_table} "
            "WHERE seq = ?", (seq,))[1]
        if not rows:
            return None
        r = rows[0]
        return HistoryEntry(int(r[0]), r[1], int(r[2]), parse_utc(r[3]), Event(r[4]), r[5], Status(r[6]), r[7], r[8])

    def pending(self) -> int:
        """How much work is waiting (due or not)."""
        rows = self.db.run(f"SELECT COUNT(*) FROM {self.outbox_table} WHERE done_at IS NULL")[1]
        return int(rows[0][0])

    def claim(self, item_id: int, worker: str, at: datetime, lease: timedelta) -> bool:
        """Take one item for `lease` (a worker that dies lets it fall due again); False when another has it."""
        now = utc_text(at)
        count, _ = self.db.run(
            f"UPDATE {self.outbox_table} SET claimed_by = ?, claimed_until = ? WHERE id = ? AND done_at IS NULL "
            "AND (claimed_until IS NULL OR claimed_until < ?)", (worker, utc_text(at + lease), item_id, now))
        return count == 1

    def posted(self, item: OutboxItem, ts: str, at: datetime) -> bool:
        """Record the Slack `ts` of a post and finish the item. False when the message already had a `ts` (another
        leader posted it first): the caller should delete the duplicate it just made."""
        state = self.get(item.key)
        with self.db.transaction() as run:
            count, _ = run(
                f"UPDATE {self.messages_table} SET ts = ?, posted_at = ? WHERE key = ? AND episode = ? AND channel = ? "
                "AND ts IS NULL", (ts, utc_text(at), item.key, item.episode, item.channel))
            run(f"UPDATE {self.outbox_table} SET done_at = ? WHERE id = ?", (utc_text(at), item.id))
            if count == 1:
                self._history(run, item.key, item.episode, at, Event.POSTED, None, f"{item.channel} {ts}",
                              status=state.status if state else Status.FIRING,
                              cluster=state.cluster if state else None)
            return count == 1

    def done(self, item_id: int, at: datetime) -> None:
        self.db.run(f"UPDATE {self.outbox_table} SET done_at = ? WHERE id = ?", (utc_text(at), item_id))

    def take_over_claims(self, worker: str) -> int:
        """Make the unfinished work other workers claimed due now, keeping who claimed it (so it is unsure, and
        looked for before it is sent again). For a new leader: the old one's claims are a dead process's."""
        count, _ = self.db.run(
            f"UPDATE {self.outbox_table} SET claimed_until = NULL WHERE done_at IS NULL AND claimed_by IS NOT NULL "
            "AND claimed_by <> ? AND claimed_until IS NOT NULL", (worker,))
        return count

    def never_posted(self, item: OutboxItem, at: datetime, why: str) -> None:
        """Finish a post that will not go out after all (its problem ended while it was unconfirmed and the message
        is not there), with the updates and replies that were waiting for that message."""
        with self.db.transaction() as run:
            run(f"UPDATE {self.outbox_table} SET done_at = ?, last_error = ? WHERE done_at IS NULL AND (id = ? OR "
                "(key = ? AND episode = ? AND channel = ? AND kind <> ?))",
                (utc_text(at), why, item.id, item.key, item.episode, item.channel, Work.POST.value))

    def retry(self, item_id: int, error: str, retry_at: datetime, *, unsure: bool = False) -> None:
        """A send failed: keep the item, with why, for another attempt at `retry_at` (Slack's Retry-After).
        `unsure`: the answer was lost rather than a refusal, so the message may exist (`OutboxItem.unsure`)."""
        why = error[: 500 - len(MAY_HAVE_ARRIVED)] + MAY_HAVE_ARRIVED if unsure else error[:500]
        claimer = "claimed_by" if unsure else "NULL"
        self.db.run(
            f"UPDATE {self.outbox_table} SET attempts = attempts + 1, last_error = ?, due_at = ?, "
            f"claimed_by = {claimer}, claimed_until = NULL WHERE id = ? AND done_at IS NULL",
            (why, utc_text(retry_at), item_id))

    def postpone(self, item_id: int, until: datetime, why: str | None = None) -> None:
        """Put a claimed item back, due at `until`, without counting an attempt: it was held (quiet hours, the
        route's rate limit), not refused. `why` (`QUIET_HOURS_HOLD`) is kept with it."""
        self.db.run(
            f"UPDATE {self.outbox_table} SET due_at = ?, claimed_by = NULL, claimed_until = NULL, "
            "last_error = COALESCE(?, last_error) WHERE id = ? AND done_at IS NULL", (utc_text(until), why, item_id))

    def held_posts(self, at: datetime) -> list[OutboxItem]:
        """Posts nobody has tried yet that fall due after `at` (a grouping window, the quiet hours, a rate limit),
        unclaimed, oldest first: what a starting outlet decides again under the settings it runs with."""
        now = utc_text(at)
        return self._items(
            "o.done_at IS NULL AND o.kind = ? AND o.attempts = 0 AND o.due_at > ? "
            "AND (o.claimed_until IS NULL OR o.claimed_until < ?) ORDER BY o.id", (Work.POST.value, now, now))

    def bring_forward(self, item_id: int, due: datetime, why: str | None) -> bool:
        """Make an unclaimed item due earlier, at `due` (`why` it still waits, if it does); False when it was
        claimed, done or already due by then."""
        count, _ = self.db.run(
            f"UPDATE {self.outbox_table} SET due_at = ?, last_error = ? WHERE id = ? AND done_at IS NULL "
            "AND claimed_by IS NULL AND due_at > ?", (utc_text(due), why, item_id, utc_text(due)))
        return count == 1


def _instance(group: AlertGroup) -> str | None:
    """The source's own id of a one-alert group (Azure's alertId), by which a Resolved notice finds its problem."""
    if len(group.alerts) == 1 and group.alerts[0].source_id:
        return f"{group.source.value}:{group.alerts[0].source_id}"
    return None


def _title_to(title: str | None) -> str | None:
    """A title as a history row keeps it: both languages, as JSON."""
    return None if title is None else json.dumps({"en": str(title), "zh": in_lang(title, "zh")}, ensure_ascii=False)


def _title_from(text: str | None) -> str | None:
    if not text:
        return None
    said_in = json.loads(text)
    return Said(said_in["en"], said_in.get("zh") or said_in["en"])


def _started(group: AlertGroup, at: datetime) -> datetime:
    """When the problem started: its firing alerts' earliest start as the source reports it, never later than
    now (a source's clock may run ahead)."""
    starts = [a.starts_at for a in group.firing] or [a.starts_at for a in group.alerts]
    return min([*starts, at])


def _new_instances(before: AlertGroup, after: AlertGroup) -> list[str]:
    """What fires in `after` that did not in `before`, each named by its object (else its alert's name)."""
    def identity(alert: Alert) -> object:
        return alert.source_id or (alert.name, alert.object)
    known = {identity(a) for a in before.firing}
    return [str(a.object or a.name) for a in after.firing if identity(a) not in known]


def _ended(group: AlertGroup, at: datetime, began: datetime) -> datetime:
    """When a resolved problem ended: the latest end its source reports for its alerts (Alertmanager's `endsAt`,
    Azure Monitor's `resolvedDateTime`), which a notice sent later (Alertmanager waits up to `group_interval`, a
    sender may retry) does not move; receipt time when none says. Never after receipt (a source's clock may run
    ahead) nor before this occurrence began."""
    ends = [a.ends_at for a in group.alerts if not a.firing and a.ends_at is not None]
    return max(min(max(ends), at), began) if ends else at
