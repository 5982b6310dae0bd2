"""Slack deliveries handled once, across replicas: a retried or replayed payload is acked and not run again.

Slack retries an event it thinks was not received (no 2xx within 3 s, or an error): the same `event_id`, with
`X-Slack-Retry-Num` 1, 2, 3 over about five minutes, and to whichever replica the load balancer picks. Behind
`aksbot serve` the ack comes first and the answer later, so a retry can arrive while — or after — the first
delivery is answered. A signed request can also be sent twice by anyone who saw it, within the five minutes the
signature check allows. Each payload kind carries an id that is the same across those copies and different for
every real action of a person:

- Events API callbacks (mentions, direct messages, reactions): `event_id`;
- slash commands, button clicks and dialog submissions: `trigger_id`, which Slack mints for each invocation
  (clicks also carry their `action_ts`).

`SqlDeliveries` remembers those ids in the approvals database (SQLite alone, PostgreSQL shared by replicas), one
`INSERT … ON CONFLICT DO NOTHING` per delivery: the database decides which copy is first. Ids older than
`KEEP` are forgotten (Slack stops retrying after minutes; the signature check refuses a replay older than five).
When the database cannot be reached the delivery is handled anyway: answering twice is better than never.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any, Protocol

from bot.approvals.store import SqlApprovalStore
from bot.errors import Upstream

log = logging.getLogger("aksbot.slack")

KEEP_SECONDS = 3600
PRUNE_EVERY = 500  # deliveries between two prunes of old ids
TABLE = "slack_deliveries"


class Deliveries(Protocol):
    def first(self, key: str) -> bool:
        """True exactly once per key: for the first copy of a delivery seen by any replica."""
        ...


def delivery_key(kind: str, body: Mapping[str, Any]) -> str | None:
    """The id shared by every copy of this payload (None: it has none, handle it every time)."""
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


class SqlDeliveries:
    """`Deliveries` in the approval store's database (see the module docstring)."""

    def __init__(self, store: SqlApprovalStore, *, keep_seconds: int = KEEP_SECONDS) -> None:
        self.store = store
        self.keep_seconds = keep_seconds
        self.table = store.qualify(TABLE)
        store.create_tables(
            [
                f"CREATE TABLE IF NOT EXISTS {self.table} (key TEXT PRIMARY KEY, seen_at DOUBLE PRECISION NOT NULL)",
            ]
        )
        self._lock = threading.Lock()
        self._since_prune = 0

    def first(self, key: str) -> bool:
        now = time.time()
        try:
            inserted, _ = self.store.run(
                f"INSERT INTO {self.table} (key, seen_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", (key, now)
            )
        except Upstream as exc:
            log.warning("delivery log unavailable, handling %s without the duplicate check (%s)", key[:64], exc)
            return True
        self._maybe_prune(now)
        return inserted == 1

    def _maybe_prune(self, now: float) -> None:
        with self._lock:
            self._since_prune += 1
            if self._since_prune < PRUNE_EVERY:
                return
            self._since_prune = 0
        try:
            self.store.run(f"DELETE FROM {self.table} WHERE seen_at < ?", (now - self.keep_seconds,))
        except Upstream as exc:
            log.warning("could not forget old Slack deliveries (%s)", exc)
