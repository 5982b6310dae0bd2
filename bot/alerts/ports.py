"""The seam between the alert store and whatever shows alerts to people (Slack, the shell).

The store (`bot.alerts.store`) keeps, for every problem, the Slack work still to do: posts, updates and thread
replies, each written in the same transaction as the state change that needs it. An `AlertOutlet` delivers that
work: it takes due items (`AlertStore.due` → `claim`), renders the problem from its stored state, sends it, and
records the outcome (`posted` / `done` / `retry`). Exactly one outlet runs at a time across replicas: the
leader's (`bot.cluster.leader`); a single process is its own leader.

Producers — the webhook intake (`AlertIntake(on_recorded=…)`) and the bot's own watcher — call `wake()` after
recording a change, so the outlet does not wait for its next poll; the outlet must also poll, since work falls
due later (grouping windows, quiet hours, Retry-After) and another replica may have recorded it.

`AlertBook` is what the `alerts` commands need from the store (`deps.alerts`), so handlers never import it.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.alerts.store import AlertState, HistoryEntry


class AlertOutlet(Protocol):
    def run(self, stop: threading.Event) -> None:
        """Deliver due work until `stop` is set (then return promptly: a leader stepping down waits for this)."""
        ...

    def wake(self) -> None:
        """New work may be due now."""
        ...


class AlertBook(Protocol):
    """What the `/k8s alerts …` commands reach through `deps.alerts`: the alert store's reads and the three
    things people do to a problem (`bot.alerts.store.AlertStore` is one, as it is)."""

    def get(self, key: str) -> AlertState | None: ...

    def by_id(self, alert_id: str) -> AlertState | None: ...

    def firing(self, clusters: Collection[str | None] | None = None) -> list[AlertState]: ...

    def history(self, *, since: datetime | None = None, key: str | None = None,
                clusters: Collection[str | None] | None = None, limit: int = 500) -> list[HistoryEntry]: ...

    def acknowledge(self, key: str, user: str, at: datetime) -> bool: ...

    def snooze(self, key: str, user: str, at: datetime, until: datetime | None) -> bool: ...

    def unsnooze(self, key: str, user: str, at: datetime) -> bool: ...
