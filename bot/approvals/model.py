"""The approval request as data: its states, its approvals, its audit trail.

A request is a state machine; the store moves it between states only by atomic compare-and-set:

    pending ──approve (enough approvers)──▶ approved ──▶ running ──▶ succeeded | failed
       │ ├──deny──▶ denied
       │ ├──cancel (the requester)──▶ cancelled
       └──time──▶ expired

Nothing here does I/O; the store persists these records and the workflow decides the transitions.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from bot.blocks import View
from bot.preview import Preview
from bot.surface import MessageRef


class State(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DENIED = "denied"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


# States after which the action can never run (again).
FINAL_STATES = frozenset({State.SUCCEEDED, State.FAILED, State.DENIED, State.EXPIRED, State.CANCELLED})
# States in which somebody already approved it (a later click must say so and do nothing).
APPROVED_STATES = frozenset({State.APPROVED, State.RUNNING, State.SUCCEEDED, State.FAILED})


def new_request_id() -> str:
    """Eight base32 characters (40 random bits): short enough to type, too many to guess within an expiry."""
    return base64.b32encode(secrets.token_bytes(5)).decode("ascii").lower()


def utc_text(moment: datetime) -> str:
    """The one stored form of a time: UTC ISO 8601 with microseconds, so text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def parse_optional_utc(text: str | None) -> datetime | None:
    """A stored time that may be missing (NULL, or empty text)."""
    return parse_utc(text) if text else None


@dataclass(frozen=True)
class Approval:
    """One approver's click that counted."""

    approver: str
    at: datetime


@dataclass(frozen=True)
class NewRequest:
    """Everything needed to run the command later exactly as it was asked, and to show what was approved."""

    id: str
    command: str
    text: str
    args_json: str  # the argument model as JSON; validated again into the model at execution
    cluster: str
    namespace: str
    all_namespaces: bool
    requester: str
    requester_groups: tuple[str, ...]
    channel: str | None
    lang: str
    correlation_id: str
    preview: Preview
    required_approvals: int
    created_at: datetime
    expires_at: datetime

    @property
    def command_line(self) -> str:
        """The command as it was typed, with the cluster it runs on when the text left it implied (a channel bound
        to a cluster, the default one): copied into another channel it must reach the same cluster."""
        words = self.text.split()
        named = any(w == "--cluster" or w.startswith("--cluster=") for w in words)
        return self.text if named or not self.cluster else f"{self.text} --cluster {self.cluster}"


@dataclass(frozen=True)
class ApprovalRequest(NewRequest):
    """A stored request with where it stands now."""

    state: State = State.PENDING
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None
    outcome: str | None = None
    result: View | None = None  # the action's own answer, shown on the card once it ran
    started_at: datetime | None = None
    finished_at: datetime | None = None
    approvals: tuple[Approval, ...] = ()
    cards: tuple[MessageRef, ...] = ()  # the first one is the card in the requester's conversation

    def approved_by(self) -> str:
        names = [a.approver for a in self.approvals] or ([self.decided_by] if self.decided_by else [])
        return " and ".join(names) or "nobody"

    def is_due(self, now: datetime) -> bool:
        return self.state is State.PENDING and now >= self.expires_at


class AuditEvent(StrEnum):
    REQUESTED = "requested"
    APPROVAL = "approval"  # one approver's click counted (of `required`)
    REFUSED = "refused"  # a click that was not allowed: self-approval, not an approver, cancel by another
    APPROVED = "approved"
    DENIED = "denied"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class AuditEntry:
    """One line of the append-only audit trail. `data` is a JSON object (preview, result, counts)."""

    at: datetime
    request_id: str
    event: AuditEvent
    actor: str
    cluster: str | None
    command: str
    detail: str
    data: str = "{}"
    seq: int | None = None  # assigned by the store
