"""What every surface (Slack, the shell) offers the dispatcher and the approval workflow.

`Responder` answers one request in the conversation it came from; `Notifier` posts or edits messages anywhere
(approval cards in an approvals channel, progress in a card's thread, a card updated after a click). Both take
views; the surface renders them. Only `bot/slack` and `bot/shell` implement these.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.blocks import View


class Visibility(StrEnum):
    CHANNEL = "channel"  # everyone in the conversation sees it
    EPHEMERAL = "ephemeral"  # only the person who asked (errors, help)
    THREAD = "thread"  # in the thread of the message that asked (mentions)


@dataclass(frozen=True)
class MessageRef:
    """A posted message: its channel and Slack timestamp (the shell numbers its messages)."""

    channel: str
    ts: str


@dataclass(frozen=True)
class Reply:
    view: View
    visibility: Visibility = Visibility.CHANNEL


class Responder(Protocol):
    def send(self, reply: Reply) -> MessageRef | None:
        """Answer in the conversation the request came from; returns where, when the surface can tell."""
        ...


class Notifier(Protocol):
    def post(self, channel: str, view: View, thread: MessageRef | None = None) -> MessageRef | None: ...

    def update(self, ref: MessageRef, view: View) -> None: ...
