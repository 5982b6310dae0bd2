"""What every surface (Slack, the shell) hands the dispatcher, and what it offers back.

- `Incoming`: one request — what was typed or the command reference a button carried, by whom, in which
  conversation, and the message a reply belongs under (its *anchor*: the mention's thread, the clicked card).
- `Responder` answers one request in the conversation it came from; `Notifier` posts or edits messages anywhere
  (approval cards in an approvals channel, progress in a card's thread, a card updated after a click). Both take
  views; the surface renders them. Only `bot/slack` and `bot/shell` implement these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from bot.blocks import View

if TYPE_CHECKING:
    from bot.refs import CommandRef
    from bot.registry import Lang


class InputKind(StrEnum):
    """How the words came in, which decides how they are read and where the answer goes."""

    SLASH = "slash"  # /k8s … : a command (free text only when it reads as a question)
    MENTION = "mention"  # @aksbot … : a command or a question; answered in the mention's thread
    MESSAGE = "message"  # a direct message, or a line typed in the shell: a command or a question
    CLICK = "click"  # a button: its command reference, no text to parse


class Visibility(StrEnum):
    CHANNEL = "channel"  # everyone in the conversation sees it
    EPHEMERAL = "ephemeral"  # only the person who asked (errors, help)
    THREAD = "thread"  # in the thread of the message that asked (mentions)


@dataclass(frozen=True)
class MessageRef:
    """A posted message: its channel and Slack timestamp (the shell numbers its messages).

    A message Slack let the bot post only through a slash command's `response_url` (the bot is not in that
    channel) has no timestamp: `ts` is empty and `response_url` is how it can still be replaced, for a while.
    A message posted as a reply knows its thread (`thread`, the parent's ts): a reply to it goes to that thread, as
    Slack asks (a reply's own ts is no thread to post in)."""

    channel: str
    ts: str
    response_url: str | None = field(default=None, compare=False, repr=False)
    thread: str | None = field(default=None, compare=False, repr=False)

    @property
    def thread_root(self) -> str:
        """The ts to reply to: the thread this message is in, else the message itself."""
        return self.thread or self.ts


@dataclass(frozen=True)
class Incoming:
    """One request from a surface.

    `text` is what was typed (any kind but CLICK); `ref` the command a clicked button carries (CLICK only).
    `anchor` is the thread the answer belongs in: the mention's, the clicked message's (the message itself when
    it is not a reply), a DM thread; None for a slash command, answered in the conversation itself.
    `lang` is, for a click, the language of the message clicked on: a button on a Chinese card answers in Chinese
    (typed text carries its own language, which the parser reads).
    """

    text: str
    user: str
    kind: InputKind
    channel: str | None = None
    anchor: MessageRef | None = None
    ref: CommandRef | None = None
    lang: Lang = "en"

    def __post_init__(self) -> None:
        if (self.kind is InputKind.CLICK) != (self.ref is not None):
            raise ValueError("a click carries a command reference, and only a click does")

    @classmethod
    def click(cls, ref: CommandRef, user: str, channel: str | None, anchor: MessageRef | None,
              lang: Lang = "en") -> Incoming:
        return cls("", user, InputKind.CLICK, channel, anchor, ref, lang)


@dataclass(frozen=True)
class Reply:
    """An answer: what it says, who sees it, and the thread it goes in (the request's anchor)."""

    view: View
    visibility: Visibility = Visibility.CHANNEL
    anchor: MessageRef | None = None


class Responder(Protocol):
    def send(self, reply: Reply) -> MessageRef | None:
        """Answer in the conversation the request came from. Returns where a visible answer went; None for an
        ephemeral one, or when it could not be delivered at all (the surface has told the asker so)."""
        ...


@runtime_checkable
class Asker(Protocol):
    """A responder that can ask the person who clicked for an argument (Slack opens a dialog)."""

    def ask(self, ref: CommandRef, param: str) -> bool:
        """Ask for `param` of the clicked command `ref`; False when it cannot (the caller answers in words)."""
        ...


class Notifier(Protocol):
    """Posts and edits messages anywhere; raises `bot.errors.NotDelivered` (saying what to do) when it cannot."""

    def post(self, channel: str, view: View, thread: MessageRef | None = None) -> MessageRef | None: ...

    def update(self, ref: MessageRef, view: View) -> None: ...

    def tell(self, user: str, view: View) -> None:
        """Tell one person directly (a direct message), e.g. when the card of their request cannot be updated."""
        ...
