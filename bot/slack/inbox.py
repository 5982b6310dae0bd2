"""Every Slack delivery is kept until it is answered, and answered once, across replicas and crashes.

Slack retries an event it thinks was not received (no 2xx within 3 s, or an error): the same `event_id`, with
`X-Slack-Retry-Num` 1, 2, 3 over about five minutes, and to whichever replica the load balancer picks. A signed
request can also be sent twice by anyone who saw it, within the five minutes the signature check allows. And a
replica can die after acking a request and before answering it: Slack will not send that one again.

So the acking process writes each delivery to the inbox (a table in the approvals database: SQLite alone,
PostgreSQL shared by replicas) *before* it acks, keyed by the id every copy of it shares:

- Events API callbacks (mentions, direct messages, reactions): `event_id`;
- slash commands, button clicks and dialog submissions: `trigger_id`, which Slack mints for each invocation
  (clicks also carry their `action_ts`).

A copy whose key is already there is acked and dropped (`accept` returns None): the database decides which copy
is first. The accepting replica claims it in the same statement, for `lease_seconds` (its front and its worker
process share the replica's `identity`), answers, and marks it `done` — in batches, a fraction of a second
later, so that each delivery costs the database one write on the ack's path and a share of one after it. Every
replica's answering process looks for `orphans` every few seconds — deliveries whose claim ran out (the replica
died, or never handed them on) — claims and answers them; a slash command's `response_url` stays valid for 30
minutes, so an orphan is answered late rather than never. Deliveries older than `keep_seconds` are forgotten.
When the database cannot be reached a delivery is handled anyway, without the duplicate check: answering twice
is better than never.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.approvals.store import SqlApprovalStore
from bot.errors import Upstream

log = logging.getLogger("aksbot.slack")

TABLE = "slack_inbox"
LEASE_SECONDS = 60.0  # a command's 20 s, its answer's 20 s, and room to spare
KEEP_SECONDS = 3600.0
ANSWERABLE_SECONDS = 25 * 60.0  # a slash command's response_url lasts 30 minutes
PRUNE_EVERY = 500  # accepted deliveries between two prunes of old ones
DONE_EVERY_S = 0.2  # answered deliveries are marked done together, this often


@dataclass(frozen=True)
class Delivery:
    """One payload to answer: its kind (`slash`, `mention` …), its body, and its key (None: not in the inbox).
    `claimed`: this replica holds it already (it accepted it, or took it over as an orphan)."""

    kind: str
    body: dict[str, Any] = field(repr=False)
    key: str | None = None
    claimed: bool = False


class Inbox(Protocol):
    def accept(self, kind: str, body: Mapping[str, Any]) -> Delivery | None:
        """Keep the delivery; None when a copy of it was accepted before (by any replica)."""
        ...

    def claim(self, key: str) -> bool:
        """Take the delivery to answer it; False when another replica has it or it was answered."""
        ...

    def done(self, key: str) -> None: ...

    def close(self) -> None:
        """Write what is still to be written (the `done` marks)."""
        ...

    def orphans(self) -> list[Delivery]:
        """Deliveries nobody is answering (their process died), claimed for this process."""
        ...


def delivery_key(kind: str, body: Mapping[str, Any]) -> str | None:
    """The id shared by every copy of this payload (None: it has none)."""
    event_id = body.get("event_id")
    if kind in ("mention", "message", "reaction") and isinstance(event_id, str) and event_id:
        return f"event:{event_id}"
    trigger = body.get("trigger_id")
    if not isinstance(trigger, str) or not trigger:
        return None
    if kind == "click":
        actions = body.get("actions")
        first = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
        return f"click:{trigger}:{first.get('action_ts') or ''}"
    return f"{kind}:{trigger}"


def replica_identity() -> str:
    """This replica (pod): its front and worker processes pass the same one to their inboxes."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class SqlInbox:
    """`Inbox` in the approval store's database (see the module docstring)."""

    def __init__(
        self,
        store: SqlApprovalStore,
        *,
        lease_seconds: float = LEASE_SECONDS,
        keep_seconds: float = KEEP_SECONDS,
        identity: str | None = None,
    ) -> None:
        self.store = store
        self.lease_seconds = lease_seconds
        self.keep_seconds = keep_seconds
        self.identity = identity or replica_identity()
        self.table = store.qualify(TABLE)
        store.create_tables(
            [
                f"""CREATE TABLE IF NOT EXISTS {self.table} (
                    key TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    body TEXT NOT NULL,
                    received_at DOUBLE PRECISION NOT NULL,
                    claimed_by TEXT,
                    claimed_until DOUBLE PRECISION,
                    done_at DOUBLE PRECISION
                )""",
                f"CREATE INDEX IF NOT EXISTS {TABLE}_open ON {self.table} (done_at, received_at)",
            ]
        )
        self._lock = threading.Lock()
        self._since_prune = 0
        self._answered: list[str] = []
        self._flushing: threading.Thread | None = None
        self._closed = threading.Event()

    def accept(self, kind: str, body: Mapping[str, Any]) -> Delivery | None:
        key = delivery_key(kind, body) or f"{kind}:{uuid.uuid4().hex}"
        now = time.time()
        try:
            inserted, _ = self.store.run(
                f"INSERT INTO {self.table} (key, kind, body, received_at, claimed_by, claimed_until) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                (key, kind, json.dumps(dict(body), ensure_ascii=False), now, self.identity, now + self.lease_seconds),
            )
        except Upstream as exc:
            log.warning("the Slack inbox is unavailable; handling a %s without keeping it (%s)", kind, exc)
            return Delivery(kind, dict(body))
        self._maybe_prune(now)
        if inserted != 1:
            log.info("a %s delivered again (%s) was acked and not run again", kind, key.split(":")[0])
            return None
        return Delivery(kind, dict(body), key, claimed=True)

    def claim(self, key: str) -> bool:
        now = time.time()
        try:
            claimed, _ = self.store.run(
                f"UPDATE {self.table} SET claimed_by = ?, claimed_until = ? WHERE key = ? AND done_at IS NULL "
                "AND (claimed_until IS NULL OR claimed_until < ? OR claimed_by = ?)",
                (self.identity, now + self.lease_seconds, key, now, self.identity),
            )
        except Upstream as exc:
            log.warning("the Slack inbox is unavailable; answering %s without claiming it (%s)", key[:64], exc)
            return True
        return claimed == 1

    def done(self, key: str) -> None:
        """Mark the delivery answered, with the others answered in the next `DONE_EVERY_S`."""
        with self._lock:
            self._answered.append(key)
            if self._flushing is None:
                self._flushing = threading.Thread(target=self._flush_loop, name="aksbot-inbox-done", daemon=True)
                self._flushing.start()

    def _flush_loop(self) -> None:
        while not self._closed.wait(DONE_EVERY_S):
            self._flush()

    def _flush(self) -> None:
        with self._lock:
            keys, self._answered = self._answered, []
        if not keys:
            return
        marks = ", ".join("?" for _ in keys)
        try:
            self.store.run(f"UPDATE {self.table} SET done_at = ? WHERE key IN ({marks})", (time.time(), *keys))
        except Upstream as exc:
            log.warning("could not mark %d deliveries answered (%s); they may be answered again", len(keys), exc)

    def close(self) -> None:
        self._closed.set()
        self._flush()

    def orphans(self) -> list[Delivery]:
        now = time.time()
        try:
            _, rows = self.store.run(
                f"UPDATE {self.table} SET claimed_by = ?, claimed_until = ? "
                "WHERE done_at IS NULL AND received_at > ? AND claimed_until < ? "
                "RETURNING key, kind, body",
                (self.identity, now + self.lease_seconds, now - ANSWERABLE_SECONDS, now),
            )
        except Upstream as exc:
            log.warning("could not look for unanswered Slack deliveries (%s)", exc)
            return []
        found = [Delivery(str(kind), json.loads(str(body)), str(key), claimed=True) for key, kind, body in rows]
        if found:
            log.warning("answering %d Slack deliveries another process accepted and did not answer", len(found))
        return found

    def _maybe_prune(self, now: float) -> None:
        with self._lock:
            self._since_prune += 1
            if self._since_prune < PRUNE_EVERY:
                return
            self._since_prune = 0
        try:
            self.store.run(f"DELETE FROM {self.table} WHERE received_at < ?", (now - self.keep_seconds,))
        except Upstream as exc:
            log.warning("could not forget old Slack deliveries (%s)", exc)
