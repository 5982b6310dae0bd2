"""Where approval requests, approvals, card references and the audit trail live: SQLite or PostgreSQL.

One interface (`ApprovalStore`), one SQL text for both databases, and the guarantees the workflow builds on:

- every state change is one `UPDATE … WHERE id = ? AND state IN (…)` whose row count says whether *this* caller
  made the transition: two replicas, a double click or a Slack retry racing for the same change → one winner;
- an approval is a row keyed by (request, approver): the same person cannot count twice;
- the audit table is append-only, enforced by the database itself (triggers refuse UPDATE, DELETE, TRUNCATE);
- the schema is created on start, idempotently (PostgreSQL serialises concurrent starts with an advisory lock).

SQLite (the stdlib driver, one connection per thread, WAL) is the default for one bot process; PostgreSQL
(psycopg 3, a small connection pool) when `AKSBOT_DATABASE_URL` is set, for several replicas. Database errors
become `bot.errors.Upstream`; nothing else leaves this module.

Other stores keep their tables in the same database through the same connections (`bot.alerts.store`): `run`,
`transaction`, `qualify` and `create_tables` are that seam, with `dialect` for the few words that differ.
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import psycopg

from bot.approvals.codec import preview_from_json, preview_to_json, view_from_json, view_to_json
from bot.approvals.model import (
    Approval,
    ApprovalRequest,
    AuditEntry,
    AuditEvent,
    NewRequest,
    State,
    parse_optional_utc,
    parse_utc,
    utc_text,
)
from bot.blocks import View
from bot.errors import NotConfigured, Upstream
from bot.surface import MessageRef

Row = tuple[Any, ...]


class ApprovalStore(Protocol):
    """Persistence of approval requests. Every method is safe to call from many threads and processes."""

    def create(self, request: NewRequest) -> bool:
        """Insert a new pending request; False when its id is already taken (ids are never reused)."""
        ...

    def get(self, request_id: str) -> ApprovalRequest | None: ...

    def pending(self) -> list[ApprovalRequest]: ...

    def in_states(self, states: Collection[State]) -> list[ApprovalRequest]:
        """The requests in any of `states`, oldest first."""
        ...

    def add_approval(self, request_id: str, approver: str, at: datetime) -> bool:
        """Record one approver's approval of a pending request; False when that approver had already approved or
        the request is no longer pending."""
        ...

    def add_card(self, request_id: str, ref: MessageRef, *, origin: bool) -> None: ...

    def transition(
        self,
        request_id: str,
        expected: Collection[State],
        to: State,
        *,
        at: datetime,
        not_expired_at: datetime | None = None,
        decided_by: str | None = None,
        reason: str | None = None,
        outcome: str | None = None,
        result: View | None = None,
    ) -> bool:
        """Move the request to `to` if it is in one of `expected` (and, with `not_expired_at`, not yet expired
        at that time). True only for the one caller whose update took effect."""
        ...

    def append_audit(self, entry: AuditEntry) -> None: ...

    def audit(
        self,
        *,
        last: int | None = 20,
        user: str | None = None,
        cluster: str | None = None,
        request_id: str | None = None,
        clusters: Collection[str] | None = None,
    ) -> list[AuditEntry]:
        """Audit entries, oldest first: the `last` most recent matching ones (None: all); `clusters` limits them to
        those clusters (None: every cluster)."""
        ...

    def close(self) -> None: ...


_DECISIONS = {State.APPROVED, State.DENIED, State.CANCELLED, State.EXPIRED}
_ENDINGS = {State.SUCCEEDED, State.FAILED}

_REQUEST_COLUMNS = (
    "id, command, text, args_json, cluster, namespace, all_namespaces, requester, requester_groups, channel, lang, "
    "correlation_id, preview_json, required_approvals, created_at, expires_at, state, decided_by, decided_at, "
    "reason, outcome, result_json, started_at, finished_at"
)


Run = Callable[[str, Sequence[Any]], tuple[int, list[Row]]]


class SqlApprovalStore(ABC):
    """The SQL both databases share; subclasses provide connections, the dialect's few words, and errors."""

    # Dialect words, set by subclasses.
    serial_key = ""
    dialect = ""

    @abstractmethod
    def table(self, name: str) -> str:
        """The qualified name of one of the store's tables."""

    @abstractmethod
    def qualify(self, name: str) -> str:
        """The qualified name of a table another store keeps in this database (no `approval_` prefix)."""

    @abstractmethod
    def _run(self, sql: str, params: Sequence[Any] = ()) -> tuple[int, list[Row]]:
        """Execute one statement in its own transaction; (row count, rows)."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Run]:
        """One transaction on one connection: statements run through the yielded function commit together when
        the block ends and roll back if it raises. `?` placeholders, errors as `_run`'s."""

    @abstractmethod
    def create_tables(self, statements: Sequence[str]) -> None:
        """Run idempotent schema statements (concurrent starts of several replicas are serialised)."""

    def run(self, sql: str, params: Sequence[Any] = ()) -> tuple[int, list[Row]]:
        """Execute one statement in its own transaction; (row count, rows)."""
        return self._run(sql, params)

    # -- schema ----------------------------------------------------------------------------------------------
    def _schema(self) -> list[str]:
        states = ", ".join(f"'{s.value}'" for s in State)
        r, a, c, au, u, t = (
            self.table(n) for n in ("requests", "approvals", "cards", "audit", "card_urls", "card_threads")
        )
        return [
            f"""CREATE TABLE IF NOT EXISTS {r} (
                id TEXT PRIMARY KEY,
                command TEXT NOT NULL,
                text TEXT NOT NULL,
                args_json TEXT NOT NULL,
                cluster TEXT,
                namespace TEXT NOT NULL,
                all_namespaces INTEGER NOT NULL,
                requester TEXT NOT NULL,
                requester_groups TEXT NOT NULL,
                channel TEXT,
                lang TEXT NOT NULL,
                correlation_id TEXT NOT NULL,
                preview_json TEXT NOT NULL,
                required_approvals INTEGER NOT NULL CHECK (required_approvals >= 1),
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ({states})),
                decided_by TEXT,
                decided_at TEXT,
                reason TEXT,
                outcome TEXT,
                result_json TEXT,
                started_at TEXT,
                finished_at TEXT
            )""",
            f"CREATE INDEX IF NOT EXISTS {self._index('requests_state')} ON {r} (state)",
            f"""CREATE TABLE IF NOT EXISTS {a} (
                request_id TEXT NOT NULL REFERENCES {r} (id),
                approver TEXT NOT NULL,
                at TEXT NOT NULL,
                PRIMARY KEY (request_id, approver)
            )""",
            f"""CREATE TABLE IF NOT EXISTS {c} (
                request_id TEXT NOT NULL REFERENCES {r} (id),
                channel TEXT NOT NULL,
                ts TEXT NOT NULL,
                origin INTEGER NOT NULL,
                PRIMARY KEY (request_id, channel, ts)
            )""",
            f"""CREATE TABLE IF NOT EXISTS {au} (
                seq {self.serial_key},
                at TEXT NOT NULL,
                request_id TEXT NOT NULL,
                event TEXT NOT NULL,
                actor TEXT NOT NULL,
                cluster TEXT,
                command TEXT NOT NULL,
                detail TEXT NOT NULL,
                data TEXT NOT NULL
            )""",
            f"CREATE INDEX IF NOT EXISTS {self._index('audit_request')} ON {au} (request_id)",
            # A card posted only through a slash command's response_url (the bot is not in that channel) has no ts;
            # its URL is how it can still be replaced (Slack allows a few uses within 30 minutes).
            f"""CREATE TABLE IF NOT EXISTS {u} (
                request_id TEXT NOT NULL REFERENCES {r} (id),
                channel TEXT NOT NULL,
                response_url TEXT NOT NULL,
                PRIMARY KEY (request_id, channel)
            )""",
            # A card posted as a reply (under the message whose button asked for it) and its thread: the
            # requester's notice and the action's progress go to that thread.
            f"""CREATE TABLE IF NOT EXISTS {t} (
                request_id TEXT NOT NULL REFERENCES {r} (id),
                channel TEXT NOT NULL,
                ts TEXT NOT NULL,
                thread_ts TEXT NOT NULL,
                PRIMARY KEY (request_id, channel, ts)
            )""",
            *self._append_only(au),
        ]

    def _index(self, name: str) -> str:
        return name

    @abstractmethod
    def _append_only(self, audit_table: str) -> list[str]:
        """Statements that make the database refuse changes to existing audit rows."""

    # -- requests --------------------------------------------------------------------------------------------
    def create(self, request: NewRequest) -> bool:
        params = (
            request.id,
            request.command,
            request.text,
            request.args_json,
            request.cluster,
            request.namespace,
            int(request.all_namespaces),
            request.requester,
            json.dumps(list(request.requester_groups)),
            request.channel,
            request.lang,
            request.correlation_id,
            preview_to_json(request.preview),
            request.required_approvals,
            utc_text(request.created_at),
            utc_text(request.expires_at),
            State.PENDING.value,
        )
        marks = ", ".join("?" for _ in params)
        count, _ = self._run(
            f"INSERT INTO {self.table('requests')} (id, command, text, args_json, cluster, namespace, "
            "all_namespaces, requester, requester_groups, channel, lang, correlation_id, preview_json, "
            f"required_approvals, created_at, expires_at, state) VALUES ({marks}) ON CONFLICT (id) DO NOTHING",
            params,
        )
        return count == 1

    def get(self, request_id: str) -> ApprovalRequest | None:
        _, rows = self._run(f"SELECT {_REQUEST_COLUMNS} FROM {self.table('requests')} WHERE id = ?", (request_id,))
        return self._request(rows[0]) if rows else None

    def pending(self) -> list[ApprovalRequest]:
        return self.in_states((State.PENDING,))

    def in_states(self, states: Collection[State]) -> list[ApprovalRequest]:
        marks = ", ".join("?" for _ in states)
        _, rows = self._run(
            f"SELECT {_REQUEST_COLUMNS} FROM {self.table('requests')} WHERE state IN ({marks}) ORDER BY created_at",
            tuple(s.value for s in states),
        )
        return [self._request(row) for row in rows]

    def _request(self, row: Row) -> ApprovalRequest:
        request_id = str(row[0])
        _, approvals = self._run(
            f"SELECT approver, at FROM {self.table('approvals')} WHERE request_id = ? ORDER BY at, approver",
            (request_id,),
        )
        _, cards = self._run(
            f"SELECT c.channel, c.ts, u.response_url, t.thread_ts FROM {self.table('cards')} c "
            f"LEFT JOIN {self.table('card_urls')} u "
            "ON u.request_id = c.request_id AND u.channel = c.channel AND c.ts = '' "
            f"LEFT JOIN {self.table('card_threads')} t "
            "ON t.request_id = c.request_id AND t.channel = c.channel AND t.ts = c.ts "
            "WHERE c.request_id = ? ORDER BY c.origin DESC, c.ts",
            (request_id,),
        )
        return ApprovalRequest(
            id=request_id,
            command=row[1],
            text=row[2],
            args_json=row[3],
            cluster=row[4],
            namespace=row[5],
            all_namespaces=bool(row[6]),
            requester=row[7],
            requester_groups=tuple(json.loads(row[8])),
            channel=row[9],
            lang=row[10],
            correlation_id=row[11],
            preview=preview_from_json(row[12]),
            required_approvals=int(row[13]),
            created_at=parse_utc(row[14]),
            expires_at=parse_utc(row[15]),
            state=State(row[16]),
            decided_by=row[17],
            decided_at=parse_optional_utc(row[18]),
            reason=row[19],
            outcome=row[20],
            result=view_from_json(row[21]) if row[21] else None,
            started_at=parse_optional_utc(row[22]),
            finished_at=parse_optional_utc(row[23]),
            approvals=tuple(Approval(str(a), parse_utc(t)) for a, t in approvals),
            cards=tuple(
                MessageRef(str(ch), str(ts), url, str(thread) if thread else None) for ch, ts, url, thread in cards
            ),
        )

    def add_approval(self, request_id: str, approver: str, at: datetime) -> bool:
        # Counted only while the request is pending, in the same statement: a click that lands after the decision
        # leaves no approval behind.
        count, _ = self._run(
            f"INSERT INTO {self.table('approvals')} (request_id, approver, at) SELECT ?, ?, ? "
            f"WHERE EXISTS (SELECT 1 FROM {self.table('requests')} WHERE id = ? AND state = ?) "
            "ON CONFLICT (request_id, approver) DO NOTHING",
            (request_id, approver, utc_text(at), request_id, State.PENDING.value),
        )
        return count == 1

    def add_card(self, request_id: str, ref: MessageRef, *, origin: bool) -> None:
        self._run(
            f"INSERT INTO {self.table('cards')} (request_id, channel, ts, origin) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (request_id, channel, ts) DO NOTHING",
            (request_id, ref.channel, ref.ts, int(origin)),
        )
        if not ref.ts and ref.response_url:
            self._run(
                f"INSERT INTO {self.table('card_urls')} (request_id, channel, response_url) VALUES (?, ?, ?) "
                "ON CONFLICT (request_id, channel) DO NOTHING",
                (request_id, ref.channel, ref.response_url),
            )
        if ref.ts and ref.thread and ref.thread != ref.ts:
            self._run(
                f"INSERT INTO {self.table('card_threads')} (request_id, channel, ts, thread_ts) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (request_id, channel, ts) DO NOTHING",
                (request_id, ref.channel, ref.ts, ref.thread),
            )

    def transition(
        self,
        request_id: str,
        expected: Collection[State],
        to: State,
        *,
        at: datetime,
        not_expired_at: datetime | None = None,
        decided_by: str | None = None,
        reason: str | None = None,
        outcome: str | None = None,
        result: View | None = None,
    ) -> bool:
        if not expected:
            raise ValueError("a transition needs at least one state to move from")
        sets: list[tuple[str, Any]] = [("state", to.value)]
        if to in _DECISIONS:
            sets += [("decided_by", decided_by), ("decided_at", utc_text(at))]
        elif to is State.RUNNING:
            sets.append(("started_at", utc_text(at)))
        elif to in _ENDINGS:
            sets.append(("finished_at", utc_text(at)))
        if reason is not None:
            sets.append(("reason", reason))
        if outcome is not None:
            sets.append(("outcome", outcome))
        if result is not None:
            sets.append(("result_json", view_to_json(result)))
        states = sorted(s.value for s in expected)
        where = f"id = ? AND state IN ({', '.join('?' for _ in states)})"
        params: list[Any] = [v for _, v in sets] + [request_id, *states]
        if not_expired_at is not None:
            where += " AND expires_at > ?"
            params.append(utc_text(not_expired_at))
        assignments = ", ".join(f"{column} = ?" for column, _ in sets)
        count, _ = self._run(f"UPDATE {self.table('requests')} SET {assignments} WHERE {where}", params)
        return count == 1

    # -- audit -----------------------------------------------------------------------------------------------
    def append_audit(self, entry: AuditEntry) -> None:
        self._run(
            f"INSERT INTO {self.table('audit')} (at, request_id, event, actor, cluster, command, detail, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                utc_text(entry.at),
                entry.request_id,
                entry.event.value,
                entry.actor,
                entry.cluster,
                entry.command,
                entry.detail,
                entry.data,
            ),
        )

    def audit(
        self,
        *,
        last: int | None = 20,
        user: str | None = None,
        cluster: str | None = None,
        request_id: str | None = None,
        clusters: Collection[str] | None = None,
    ) -> list[AuditEntry]:
        conditions: list[str] = []
        params: list[Any] = []
        for column, value in (("actor", user), ("cluster", cluster), ("request_id", request_id)):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        if clusters is not None:
            allowed = sorted(clusters)
            marks = ", ".join("?" for _ in allowed)
            conditions.append(f"cluster IN ({marks})" if allowed else "1 = 0")
            params.extend(allowed)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        limit = ""
        if last is not None:
            limit = " LIMIT ?"
            params.append(last)
        _, rows = self._run(
            f"SELECT seq, at, request_id, event, actor, cluster, command, detail, data FROM {self.table('audit')}"
            f"{where} ORDER BY seq DESC{limit}",
            params,
        )
        entries = [
            AuditEntry(
                seq=int(row[0]),
                at=parse_utc(row[1]),
                request_id=row[2],
                event=AuditEvent(row[3]),
                actor=row[4],
                cluster=row[5],
                command=row[6],
                detail=row[7],
                data=row[8],
            )
            for row in rows
        ]
        entries.reverse()
        return entries


class SqliteApprovalStore(SqlApprovalStore):
    """The embedded store: one file, one connection per thread, write-ahead log for concurrent readers."""

    serial_key = "INTEGER PRIMARY KEY AUTOINCREMENT"
    dialect = "sqlite"

    def __init__(self, path: str | Path, *, busy_timeout: float = 30.0) -> None:
        self.path = str(path)
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._writer = threading.RLock()  # re-entered by a write through `run` inside a `transaction` block
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        for statement in self._schema():
            self._run(statement)

    def table(self, name: str) -> str:
        return f"approval_{name}"

    def qualify(self, name: str) -> str:
        return name

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                # Autocommit: every statement is its own transaction, so a compare-and-set is one atomic UPDATE.
                conn = sqlite3.connect(
                    self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
                )
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA foreign_keys=ON")
            except sqlite3.Error as exc:
                raise Upstream(f"the approval store {self.path} cannot be opened: {exc}", temporary=False) from exc
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _run(self, sql: str, params: Sequence[Any] = ()) -> tuple[int, list[Row]]:
        conn = self._connection()
        # A write waits for this process's other writers here, not in SQLite's busy handler (see `transaction`);
        # reads never wait (WAL).
        writer = contextlib.nullcontext() if sql.lstrip()[:6].upper() == "SELECT" else self._writer
        try:
            with writer:
                cursor = conn.execute(sql, tuple(params))
                rows = cursor.fetchall()
            return cursor.rowcount, rows
        except sqlite3.IntegrityError:
            raise
        except sqlite3.Error as exc:
            raise Upstream(f"the approval store {self.path} failed: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[Run]:
        conn = self._connection()

        def run(sql: str, params: Sequence[Any] = ()) -> tuple[int, list[Row]]:
            try:
                cursor = conn.execute(sql, tuple(params))
                return cursor.rowcount, cursor.fetchall()
            except sqlite3.IntegrityError:
                raise
            except sqlite3.Error as exc:
                raise Upstream(f"the approval store {self.path} failed: {exc}") from exc

        # Threads of this process queue here rather than in SQLite's busy handler, which sleeps in steps of up
        # to 100 ms; IMMEDIATE then takes the database's write lock at once (another process may still hold it),
        # so a read-then-write inside cannot deadlock with another writer.
        with self._writer:
            run("BEGIN IMMEDIATE")
            try:
                yield run
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            run("COMMIT")

    def create_tables(self, statements: Sequence[str]) -> None:
        for statement in statements:
            self._run(statement)

    def _append_only(self, audit_table: str) -> list[str]:
        return [
            f"CREATE TRIGGER IF NOT EXISTS {audit_table}_no_update BEFORE UPDATE ON {audit_table} "
            "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
            f"CREATE TRIGGER IF NOT EXISTS {audit_table}_no_delete BEFORE DELETE ON {audit_table} "
            "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
        ]

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class _Pool:
    """A few autocommit connections shared by threads (PostgreSQL allows ~100 connections in all)."""

    def __init__(self, url: str, size: int) -> None:
        self.url = url
        self.size = size
        self._idle: queue.LifoQueue[psycopg.Connection[Any]] = queue.LifoQueue()
        self._opened = 0
        self._lock = threading.Lock()
        self._all: list[psycopg.Connection[Any]] = []

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        conn = self._take()
        try:
            yield conn
        finally:
            if conn.closed or conn.broken:
                with self._lock:
                    self._opened -= 1
                    self._all.remove(conn)
            else:
                self._idle.put(conn)

    def _take(self) -> psycopg.Connection[Any]:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            may_open = self._opened < self.size
            if may_open:
                self._opened += 1
        if not may_open:
            try:
                return self._idle.get(timeout=30)
            except queue.Empty:
                raise Upstream("the approval store (PostgreSQL) has no free connection") from None
        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            with self._lock:
                self._opened -= 1
            raise Upstream("the approval store (PostgreSQL, AKSBOT_DATABASE_URL) cannot be reached: "
                           f"{postgres_reason(exc, self.url)}") from None
        with self._lock:
            self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
            self._opened = 0


class PostgresApprovalStore(SqlApprovalStore):
    """The shared store for several bot replicas, in its own schema (default `aksbot`)."""

    serial_key = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
    dialect = "postgresql"

    def __init__(self, url: str, *, schema: str = "aksbot", pool_size: int = 8) -> None:
        if not _SCHEMA_NAME.match(schema):
            raise ValueError(f"not a plain PostgreSQL schema name: {schema!r}")
        self.schema = schema
        self._pool = _Pool(url, pool_size)
        self._create_schema()

    def table(self, name: str) -> str:
        return f'"{self.schema}".{name}'

    def qualify(self, name: str) -> str:
        return f'"{self.schema}".{name}'

    def _index(self, name: str) -> str:
        return name  # PostgreSQL puts an index in its table's schema

    def _create_schema(self) -> None:
        self.create_tables([f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"', *self._schema()])

    def create_tables(self, statements: Sequence[str]) -> None:
        try:
            with self._pool.connection() as conn, conn.transaction():
                # Two replicas starting together would race on CREATE … IF NOT EXISTS; the lock orders them.
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"aksbot-schema:{self.schema}",))
                for statement in statements:
                    conn.execute(statement.encode())
        except psycopg.Error as exc:
            raise Upstream(f"the approval store (PostgreSQL) could not create its tables: {exc}") from exc

    def _append_only(self, audit_table: str) -> list[str]:
        function = f'"{self.schema}".audit_is_append_only'
        return [
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$",
            f"CREATE OR REPLACE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON {audit_table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
            f"CREATE OR REPLACE TRIGGER audit_no_truncate BEFORE TRUNCATE ON {audit_table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        ]

    def _run(self, sql: str, params: Sequence[Any] = ()) -> tuple[int, list[Row]]:
        text = sql.replace("?", "%s")
        try:
            with self._pool.connection() as conn:
                cursor = conn.execute(text.encode(), tuple(params))
                rows = cursor.fetchall() if cursor.description is not None else []
                return cursor.rowcount, rows
        except psycopg.errors.IntegrityError:
            raise
        except psycopg.Error as exc:
            raise Upstream(f"the approval store (PostgreSQL) failed: {type(exc).__name__}: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[Run]:
        with self._pool.connection() as conn:

            def run(sql: str, params: Sequence[Any] = ()) -> tuple[int, list[Row]]:
                try:
                    cursor = conn.execute(sql.replace("?", "%s").encode(), tuple(params))
                    rows = cursor.fetchall() if cursor.description is not None else []
                    return cursor.rowcount, rows
                except psycopg.errors.IntegrityError:
                    raise
                except psycopg.Error as exc:
                    raise Upstream(f"the approval store (PostgreSQL) failed: {type(exc).__name__}: {exc}") from exc

            try:
                with conn.transaction():
                    yield run
            except psycopg.Error as exc:  # the COMMIT itself failed (a serialisation failure, a lost connection)
                raise Upstream(f"the approval store (PostgreSQL) failed: {type(exc).__name__}: {exc}") from exc

    def drop(self) -> None:
        """Remove the schema and everything in it (tests; never called by the bot)."""
        with self._pool.connection() as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'.encode())

    def close(self) -> None:
        self._pool.close()


def postgres_reason(exc: Exception, url: str) -> str:
    """What libpq said, on one line, without the URL or its password (a connection error may quote either): "connection
    to server at "127.0.0.1", port 5433 failed: Connection refused", "database "x" does not exist"."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    hidden = [url]
    with contextlib.suppress(ValueError):
        if (password := urlsplit(url).password) is not None:
            hidden.append(password)
    for secret in sorted(filter(None, hidden), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text[:300]


def _postgres_url(database_url: str) -> str:
    if not database_url.startswith(("postgresql://", "postgres://")):
        # Anything else would reach libpq as a key=value string, whose error may quote the password.
        raise NotConfigured("AKSBOT_DATABASE_URL must be a PostgreSQL URL: postgresql://USER:PASSWORD@HOST:5432/DB "
                            "(its value is not shown)")
    return database_url


def check_postgres(database_url: str) -> None:
    """Connect once and leave (`aksbot config check`): nothing is created, unlike the store's own start."""
    try:
        psycopg.connect(_postgres_url(database_url), connect_timeout=10).close()
    except psycopg.Error as exc:
        raise Upstream("the approval store (PostgreSQL, AKSBOT_DATABASE_URL) cannot be reached: "
                       f"{postgres_reason(exc, database_url)}") from None


def open_store(database_url: str | None, sqlite_path: Path, *, schema: str = "aksbot") -> ApprovalStore:
    """PostgreSQL (in `schema`) when a database URL is configured (several replicas), else the SQLite file."""
    if database_url:
        return PostgresApprovalStore(_postgres_url(database_url), schema=schema)
    return SqliteApprovalStore(sqlite_path)
