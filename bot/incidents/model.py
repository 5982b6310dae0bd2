"""The incident as data: its severities and states, its timeline entries, and its channel's name.

    opening ──(channel ready, everything pinned)──▶ open ──close──▶ closed ──archive──▶ closed + archived
       └──(a step failed: cleaned up)──▶ (deleted)

An `opening` record only reserves the number while the channel is prepared; it is never listed and is deleted
when the declaration fails. Nothing here does I/O.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

# Slack's rule for channel names: lowercase letters, digits, hyphens and underscores, at most 80 characters.
MAX_CHANNEL_NAME = 80
_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]+")


class Severity(StrEnum):
    SEV1 = "sev1"
    SEV2 = "sev2"
    SEV3 = "sev3"
    SEV4 = "sev4"

    @property
    def label(self) -> str:
        return self.value.upper()


class IncidentState(StrEnum):
    OPENING = "opening"
    OPEN = "open"
    CLOSED = "closed"


class EntryKind(StrEnum):
    """What a timeline line records. The first group lives in the incident's own timeline; the approval lines
    are read from the approval store's audit trail; the alert lines come from the alerts side."""

    DECLARED = "declared"
    NOTE = "note"
    PIN = "pin"
    SEVERITY = "severity"
    COMMANDER = "commander"
    DIAGNOSIS = "diagnosis"
    RUNBOOK = "runbook"
    CLOSED = "closed"
    ARCHIVED = "archived"
    APPROVAL_REQUESTED = "approval_requested"
    APPROVED = "approved"
    DENIED = "denied"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    ACTION_SUCCEEDED = "action_succeeded"
    ACTION_FAILED = "action_failed"
    ALERT_FIRING = "alert_firing"
    ALERT_RESOLVED = "alert_resolved"
    ALERT_ACKNOWLEDGED = "alert_acknowledged"
    ALERT_ESCALATED = "alert_escalated"


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline: when, what, who (a user id; None for the bot or an alert source), the words.

    `subject` is a second person the line names (the new commander); `data` a JSON object for exports. The words of a
    line read live rather than stored (an alert's) may be a `Said`: the timeline shows its reader's language.
    `after_close`: the line happened after the incident was closed (a decision on, or the run of, a request made
    while it was open; see `bot.incidents.timeline`), so the summary posted at the close could not say it."""

    at: datetime
    kind: EntryKind
    actor: str | None
    text: str
    subject: str | None = None
    data: str = "{}"
    after_close: bool = False

    def details(self) -> dict[str, Any]:
        loaded = json.loads(self.data or "{}")
        return loaded if isinstance(loaded, dict) else {}


@dataclass(frozen=True)
class Incident:
    id: int
    state: IncidentState
    version: int
    title: str
    severity: Severity
    cluster: str
    commander: str
    declared_by: str
    declared_in: str | None  # the conversation it was declared from (None: unknown)
    channel: str | None  # the incident channel's id (None while opening)
    channel_name: str | None
    lang: str
    alert_key: str | None
    runbook: str | None
    declared_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None
    summary: str | None = None
    archived: bool = False

    @property
    def label(self) -> str:
        """How people name it: `INC-7`."""
        return f"INC-{self.id}"

    @property
    def is_open(self) -> bool:
        return self.state is IncidentState.OPEN


def parse_incident_id(value: Any) -> Any:
    """`7`, `INC-7`, `inc-7`, `#7` → 7 (anything else is left for the model's own validation to refuse)."""
    if isinstance(value, str):
        text = value.strip().lower().removeprefix("#").removeprefix("inc-").removeprefix("inc")
        if text.isdigit():
            return int(text)
    return value


# A particle that ends a Chinese sentence says nothing of what is down: "支付接口5XX了！！" is "支付接口 5xx".
_PARTICLES = "了啦吧呢啊呀咯"


def same_title(title: str) -> str:
    """What two titles are compared by: "Checkout  DOWN", "checkout down." and "支付接口5XX了！！" / "支付接口 5xx" are
    one incident's. Full-width forms (a Chinese input method) read as ASCII, case is folded, and spaces, punctuation,
    symbols and the particles that end a Chinese sentence do not count."""
    text = unicodedata.normalize("NFKC", title).casefold()
    kept = "".join(c for c in text if not c.isspace() and unicodedata.category(c)[0] not in "PS")
    return kept.rstrip(_PARTICLES) or kept


def channel_topic(name: str) -> str:
    """The words of an incident channel's name that say what it is about (its `channel_words`):
    `inc-20261207-ledger-api-5xx-2` → `ledger-api-5xx`."""
    return re.sub(r"-\d+$", "", re.sub(r"^inc-\d{8}-", "", name))


def slug(title: str) -> str:
    """The title as a channel-name word: ASCII lowercase, runs of anything else as one hyphen."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    return _NOT_ALLOWED.sub("-", ascii_text).strip("-_")


_PREFIX = len("inc-20261122-")


def channel_words(title: str, attempt: int = 1) -> str:
    """What an incident channel's name says of its title, between the date and the attempt: `payments-api-5xx`, cut
    to fit Slack's limit; `incident` for a title with no ASCII letters or digits (Chinese)."""
    suffix = len(f"-{attempt}") if attempt > 1 else 0
    room = MAX_CHANNEL_NAME - _PREFIX - suffix
    words = slug(title)
    if len(words) > room:
        # Cut on a word's end ("…-the-kubelet", never "…-the-kubelet-stoppe"), unless one word fills the room.
        cut = words[: room + 1].rfind("-")
        words = words[:cut] if cut > 0 else words[:room]
    return words.rstrip("-_") or "incident"


def channel_name(title: str, day: datetime, attempt: int = 1) -> str:
    """`inc-20261122-payments-api-5xx`; the `attempt`-th try after Slack said the name was taken ends `-2`, `-3`…"""
    suffix = f"-{attempt}" if attempt > 1 else ""
    return f"inc-{day:%Y%m%d}-{channel_words(title, attempt)}{suffix}"
