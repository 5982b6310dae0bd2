"""What incidents need of the chat workspace, and what the incident commands call.

- `Workspace`: a chat workspace beyond answering a request — create a channel, invite people, set its topic,
  post, pin, bookmark, archive, join, and read a message's text. `bot.slack.workspace.SlackWorkspace` implements
  it over the Web API (translating Slack's errors: a missing scope or a workspace setting becomes a
  `NotConfigured` naming it), the shell over its printed channels. Every method raises only the project's errors.
- `Incidents`: what `handlers/incident.py` calls through `Deps.incidents`; `bot.incidents.service.IncidentDesk`
  implements it. Permissions beyond the registry's role check (closing is the commander's or an approver's) are
  enforced behind it, never by a caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.blocks import Rich, View
from bot.errors import Conflict, NotConfigured, Refused
from bot.i18n import INCIDENT as W
from bot.i18n import said
from bot.incidents.model import Severity
from bot.refs import CommandRef
from bot.registry import Caller, Lang
from bot.surface import MessageRef

if TYPE_CHECKING:
    from bot.incidents.views import (
        Declared,
        IncidentCard,
        IncidentExport,
        IncidentList,
        IncidentNotice,
        IncidentSummary,
        IncidentTimeline,
    )


@dataclass(frozen=True)
class Channel:
    """A conversation the workspace made: its id (what the API takes) and its name (what people read)."""

    id: str
    name: str


@dataclass(frozen=True)
class Invited:
    """Who was invited, and who could not be (user id, why) — a partial invite is not a failed one."""

    users: tuple[str, ...]
    refused: tuple[tuple[str, str], ...] = ()


# What Slack answers an invite of a person it does not know (a mention typed by hand, a deactivated account).
NO_SUCH_USER = frozenset({"user_not_found", "users_not_found", "user_disabled"})


class NameTaken(Conflict):
    """A channel with that name exists (or existed: archived channels keep their names)."""


class NotInChannel(Refused):
    """The bot is not a member of the channel (it may `join` a public one)."""


class Workspace(Protocol):
    def create_channel(self, name: str, *, private: bool) -> Channel:
        """Create a channel (the bot is its first member); raises `NameTaken` when the name is in use."""
        ...

    def invite(self, channel: str, users: Sequence[str]) -> Invited: ...

    def set_topic(self, channel: str, topic: Rich) -> None: ...

    def post(self, channel: str, view: View, thread: MessageRef | None = None) -> MessageRef: ...

    def pin(self, message: MessageRef) -> None: ...

    def bookmark(self, channel: str, title: str, link: str) -> None: ...

    def archive(self, channel: str) -> None: ...

    def join(self, channel: str) -> None:
        """Become a member of a public channel (to post a summary where an incident was declared)."""
        ...

    def message_text(self, message: MessageRef) -> str | None:
        """The text of a message (None when it is gone)."""
        ...


class NoWorkspace:
    """Where no chat workspace is wired (one-shot tools, tests of other parts): incidents can be read, not made."""

    def _refuse(self) -> NotConfigured:
        return NotConfigured(said(W.no_workspace))

    def create_channel(self, name: str, *, private: bool) -> Channel:
        raise self._refuse()

    def invite(self, channel: str, users: Sequence[str]) -> Invited:
        raise self._refuse()

    def set_topic(self, channel: str, topic: Rich) -> None:
        raise self._refuse()

    def post(self, channel: str, view: View, thread: MessageRef | None = None) -> MessageRef:
        raise self._refuse()

    def pin(self, message: MessageRef) -> None:
        raise self._refuse()

    def bookmark(self, channel: str, title: str, link: str) -> None:
        raise self._refuse()

    def archive(self, channel: str) -> None:
        raise self._refuse()

    def join(self, channel: str) -> None:
        raise self._refuse()

    def message_text(self, message: MessageRef) -> str | None:
        raise self._refuse()


@dataclass(frozen=True)
class Reaction:
    """Somebody added an emoji reaction to a message (Slack's `reaction_added`, the shell's `:react`)."""

    user: str
    name: str  # the emoji's name without colons: `pushpin`
    message: MessageRef


@dataclass(frozen=True)
class Runbook:
    """The knowledge-base entry an incident starts with: pinned in its channel, bookmarked."""

    id: str
    title: str
    view: View
    link: str | None


@dataclass(frozen=True)
class Declaration:
    """`incident start` as the handler prepared it: the snapshot and runbook are computed before the channel."""

    title: str
    severity: Severity
    cluster: str
    caller: Caller
    channel: str | None
    lang: Lang
    snapshot: View
    runbook: Runbook | None = None
    alert_key: str | None = None
    # Where the answer goes (a click on the alert's card: its thread), so the alert's message does not get a second
    # link to the channel there.
    answered_in: MessageRef | None = None
    # The knowledge base's closest entries when it is unsure which runbook the title is about, or the cluster's
    # findings that name words of the title when they point to several: posted, never pinned.
    suggestion: View | None = None
    suggestion_intro: str | None = None  # what the suggestion is (default: the knowledge base is unsure)
    # What the channel is named by when not the title: a Chinese title's workloads by name ("ledger-api 5xx").
    channel_words: str | None = None
    # Declared even when an open incident of the cluster is about the same (`--new`); otherwise that one is named.
    new: bool = False
    # The command as it was asked: offered again with `--new` beside the open incident it would duplicate.
    asked: CommandRef | None = None


@dataclass(frozen=True)
class Asker:
    """Who asks, from where, in which language (for the incident commands other than `start`)."""

    caller: Caller
    channel: str | None
    lang: Lang
    correlation_id: str = "-"


class Incidents(Protocol):
    def refuse_covered(self, caller: Caller, title: str, cluster: str, alert_key: str | None,
                       asked: CommandRef | None, channel_words: str | None = None) -> None:
        """Refuse at once a declaration an open incident of the cluster already covers (the same title, alert or
        workload named in the title, `channel_words`): before the snapshot is read; `start` checks again."""
        ...

    def refuse_same_subject(self, title: str, cluster: str, asked: CommandRef | None,
                            subjects: Callable[[str], frozenset[str]]) -> None:
        """Refuse a declaration whose title names a workload or node an open incident's title names too."""
        ...

    def start(self, declaration: Declaration) -> Declared: ...

    def cluster_of(self, channel: str) -> str | None:
        """The cluster of the incident whose channel this is (open or closed), else None: what a command typed in
        an incident's channel is about when it names no cluster."""
        ...

    def lang_of(self, channel: str) -> Lang | None:
        """The language of the incident whose channel this is (the one it was declared in), else None: what a line
        with no Chinese in it typed in an incident's channel is answered in."""
        ...

    def note(self, asker: Asker, incident_id: int | None, text: str) -> IncidentNotice: ...

    def set_severity(self, asker: Asker, incident_id: int | None, severity: Severity) -> IncidentNotice: ...

    def set_commander(self, asker: Asker, incident_id: int | None, commander: str) -> IncidentNotice: ...

    def close(self, asker: Asker, incident_id: int | None, summary: str) -> IncidentSummary: ...

    def archive(self, asker: Asker, incident_id: int | None) -> IncidentNotice: ...

    def timeline(self, asker: Asker, incident_id: int | None) -> IncidentTimeline: ...

    def show(self, asker: Asker, incident_id: int | None) -> IncidentCard: ...

    def listing(self, asker: Asker, *, include_closed: bool) -> IncidentList: ...

    def export(self, asker: Asker, incident_id: int | None, *, jsonl: bool) -> IncidentExport: ...
