"""The seam between the alert store and whatever shows alerts to people (Slack, the shell).

The store (`bot.alerts.store`) keeps, for every problem, the Slack work still to do: posts, updates and thread
replies, each written in the same transaction as the state change that needs it. An `AlertOutlet` delivers that
work: it takes due items (`AlertStore.due` → `claim`), renders the problem from its stored state, sends it, and
records the outcome (`posted` / `done` / `retry`). Exactly one outlet runs at a time across replicas: the
leader's (`bot.cluster.leader`); a single process is its own leader.

Producers — the webhook intake (`AlertIntake(on_recorded=…)`) and the bot's own watcher — call `wake()` after
recording a change, so the outlet does not wait for its next poll; the outlet must also poll, since work falls
due later (grouping windows, quiet hours, Retry-After) and another replica may have recorded it.

An outlet sends through a `Poster`: the one place that knows a platform (`bot.slack.alerts` over Slack's Web
API, `bot.alerts.text_outlet` for the shell). A poster takes views, renders them itself, and reports every
failure as a `SendError` saying what the outlet should do about it: wait for `retry_after` (a rate limit), try
again slowly (`permanent`: the channel refuses the bot until an admin acts), or back off and try again.

`AlertBook` is what the `alerts` commands need from the store (`deps.alerts`), so handlers never import it.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.blocks import View

if TYPE_CHECKING:
    from bot.alerts.model import AlertGroup
    from bot.alerts.store import AlertState, Elsewhere, HistoryEntry


class AlertOutlet(Protocol):
    def run(self, stop: threading.Event) -> None:
        """Deliver due work until `stop` is set (then return promptly: a leader stepping down waits for this)."""
        ...

    def wake(self) -> None:
        """New work may be due now."""
        ...


@dataclass(eq=False)
class SendError(Exception):
    """A message the platform did not take. `code` is the platform's own word for why (`ratelimited`,
    `channel_not_found`, `timeout`), safe to log and to keep in the outbox: it never holds a token or a payload.

    `retry_after`: the platform said when to come back (Slack's 429 `Retry-After`, in seconds).
    `permanent`: nothing changes until a person acts (the bot is not in the channel, the channel is archived, the
    blocks were refused): the work is kept and retried slowly, and the failure is logged where an admin sees it.
    `gone`: the message to update no longer exists (someone deleted it): there is nothing left to update.
    `maybe_delivered`: the answer was lost, not a refusal (a timeout, a dropped connection, a server error): the
    platform may have made the message all the same, so the next attempt looks for it before posting again."""

    code: str
    _: KW_ONLY
    retry_after: float | None = None
    permanent: bool = False
    gone: bool = False
    maybe_delivered: bool = False

    def __post_init__(self) -> None:
        super().__init__(self.code)


class Poster(Protocol):
    """Where alert messages are shown. Every method raises `SendError` when the platform did not take it."""

    def post(self, channel: str, view: View, *, thread_ts: str | None = None, marks: Sequence[str] = ()) -> str:
        """Post a message (in the thread of `thread_ts` when given); returns its `ts`. `marks` (the outbox items the
        message is for) travel with it, unseen by people, so that `find` can tell it was made."""
        ...

    def find(self, channel: str, marks: Sequence[str], since: datetime, *, thread_ts: str | None = None
             ) -> tuple[str, frozenset[str]] | None:
        """A message posted in `channel` (in the thread of `thread_ts` when given) since `since` carrying any of
        `marks`: its `ts` and all the marks it carries; None when there is none. Whether an attempt whose answer was
        lost made the message after all."""
        ...

    def update(self, channel: str, ts: str, view: View) -> None:
        """Replace the message `ts` in place."""
        ...

    def delete(self, channel: str, ts: str) -> None:
        """Remove a message this poster made (a duplicate another leader beat us to)."""
        ...

class AlertBook(Protocol):
    """What the `/k8s alerts …` commands reach through `deps.alerts`: the alert store's reads and the three
    things people do to a problem (`bot.alerts.store.AlertStore` is one, as it is)."""

    def get(self, key: str) -> AlertState | None: ...

    def by_id(self, alert_id: str) -> AlertState | None: ...

    def firing(self, clusters: Collection[str | None] | None = None) -> list[AlertState]: ...

    def scans(self) -> dict[str, datetime]: ...

    def leader_problem(self, since: datetime) -> str | None: ...

    def history(self, *, since: datetime | None = None, key: str | None = None,
                clusters: Collection[str | None] | None = None, limit: int = 500) -> list[HistoryEntry]: ...

    def same_problem(self, group: AlertGroup, *, resolved_since: datetime | None = None) -> list[Elsewhere]: ...

    def acknowledge(self, key: str, user: str, at: datetime) -> bool: ...

    def snooze(self, key: str, user: str, at: datetime, until: datetime | None) -> bool: ...

    def unsnooze(self, key: str, user: str, at: datetime) -> bool: ...
