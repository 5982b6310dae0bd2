"""Platform-neutral building blocks of a reply.

A handler returns a result (a frozen dataclass with its data); the result describes itself as a `View`: a
one-line summary plus a sequence of these blocks. The renderers (`bot.render_text`, `bot.render_slack`) turn a
view into terminal text or Block Kit. Nothing here knows about Slack or its limits: those are enforced once, in
the Slack renderer.

Inline markup in `Text`, `Notice` and `Context` is Slack's mrkdwn subset (`*bold*`, `_italic_`, `` `code` ``),
which also reads well as plain text. Where a person is named, the text is `Rich`: strings and `Person`s (and
`Channel`s, and `Moment`s that each reader sees in their own time zone), and only
the renderer turns a `Person` into a mention (`<@U…>` in Slack) — a mention is never built from text a user
typed, which the renderer escapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeAlias

from bot.refs import MAX_CHOICE_VALUE, MAX_VALUE, CommandRef


class Level(StrEnum):
    """How a notice or finding should be read at a glance."""

    OK = "ok"
    INFO = "info"
    WARN = "warn"
    ERROR = "error"


@dataclass(frozen=True)
class Person:
    """Somebody named in an answer: a Slack user ID (`U…`), a user-group ID (`S…`), or a shell name.

    Slack shows it as a mention (which notifies them when the message is posted); the shell as `@name`."""

    id: str


@dataclass(frozen=True)
class Channel:
    """A conversation named in an answer (a Slack channel ID): a link to it in Slack, `#id` in the shell."""

    id: str


# The name other modules use where `Channel` means something else (a created channel).
ChannelLink = Channel


@dataclass(frozen=True)
class Moment:
    """A moment named in an answer (`at`, aware): Slack shows it in each reader's own time zone and words ("Today
    at 09:14"), so a message redrawn long after says nothing that has gone stale; elsewhere it reads as `text`
    (the time formatter's words for it, in UTC)."""

    at: datetime
    text: str


# One piece of rich text; and text that may name people, channels or moments: a plain string, or pieces in
# reading order.
Part: TypeAlias = str | Person | Channel | Moment
Rich: TypeAlias = str | tuple[Part, ...]


def plain(text: Rich) -> str:
    """The words of a rich text, people as `@id`, channels as `#id`, moments as their text (for logs, summaries,
    the shell and tests)."""
    if isinstance(text, str):
        return text
    return "".join(_plain_part(part) for part in text)


def _plain_part(part: Part) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, Person):
        return f"@{part.id}"
    return part.text if isinstance(part, Moment) else f"#{part.id}"


def people(*ids: str, none: str = "nobody", and_: str = " and ", comma: str = ", ") -> Rich:
    """`a`, `a and b`, `a, b and c` as people (`none` when there are none; another language gives its own words)."""
    if not ids:
        return none
    parts: list[Part] = []
    for i, who in enumerate(ids):
        if i:
            parts.append(and_ if i == len(ids) - 1 else comma)
        parts.append(Person(who))
    return tuple(parts)


# The label of the button that shows a table's next page (the renderers add it; tests and the shell press it).
SHOW_MORE = "Show more"


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Text:
    text: Rich


@dataclass(frozen=True)
class Notice:
    """A one-paragraph statement with a level (an error, a warning, a success)."""

    text: Rich
    level: Level = Level.INFO


@dataclass(frozen=True)
class Fields:
    """Label/value pairs, shown side by side where the surface allows."""

    items: tuple[tuple[str, Rich], ...]


@dataclass(frozen=True)
class Table:
    """Rows of cells under column names.

    `total` is the number of rows that exist when `rows` holds only some of them (one page of a longer list);
    `offset` how many come before this page; `more` the command that shows the next page (the same list, the same
    filters), offered as a button — None when there is no next page.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: int | None = None
    more: CommandRef | None = None
    title: str | None = None
    offset: int = 0

    def __post_init__(self) -> None:
        if self.more is not None and not self.more.fits_a_button():
            raise ValueError(f"the 'more' command of table {self.title!r} does not fit in a button")


@dataclass(frozen=True)
class Code:
    """Preformatted text: log lines, YAML, a command to copy."""

    text: str
    title: str | None = None


@dataclass(frozen=True)
class Context:
    """Small print: sources, correlation ids, timestamps."""

    text: Rich


@dataclass(frozen=True)
class Divider:
    pass


@dataclass(frozen=True)
class Button:
    """A button that runs the command `ref` names, as whoever clicks it.

    A disruptive command run from a button becomes an approval request like any other; authorization is always
    checked against the clicking user. A reference too long for a button's value is refused here, when the
    button is built, so it can never be clipped into another command.
    """

    label: str
    ref: CommandRef
    style: str | None = None  # "primary" | "danger" | None

    def __post_init__(self) -> None:
        if not self.ref.fits_a_button():
            raise ValueError(
                f"button {self.label!r}: its command encodes to {len(self.ref.value)} characters, "
                f"more than a button holds ({MAX_VALUE})"
            )


@dataclass(frozen=True)
class Actions:
    buttons: tuple[Button, ...]
    links: tuple[LinkButton, ...] = ()  # after the buttons


MAX_URL = 3000  # Slack: a link button's url


@dataclass(frozen=True)
class LinkButton:
    """A button that opens a web page (an alert's own runbook). It runs no command: a click on it is acknowledged
    and nothing else. A URL Slack would refuse is refused here, when the button is built."""

    label: str
    url: str

    def __post_init__(self) -> None:
        if not self.url.startswith(("https://", "http://")) or len(self.url) > MAX_URL:
            raise ValueError(f"link button {self.label!r}: not an http(s) URL of at most {MAX_URL} characters")


MAX_CHOICES = 100  # Slack: the options of one menu


@dataclass(frozen=True)
class Choice:
    """A menu of commands: choosing an option runs its command, as a click on a button with its label would. For
    a list too long for buttons (every knowledge-base entry). Slack's limits on a menu are checked when it is built."""

    placeholder: str
    options: tuple[Button, ...]

    def __post_init__(self) -> None:
        if not 0 < len(self.options) <= MAX_CHOICES:
            raise ValueError(f"menu {self.placeholder!r}: {len(self.options)} options (1 to {MAX_CHOICES})")
        for option in self.options:
            if not option.ref.fits_a_choice():
                raise ValueError(
                    f"menu {self.placeholder!r}, option {option.label!r}: its command encodes to "
                    f"{len(option.ref.value)} characters, more than an option holds ({MAX_CHOICE_VALUE})"
                )


Block: TypeAlias = Heading | Text | Notice | Fields | Table | Code | Context | Divider | Actions | Choice


@dataclass(frozen=True)
class View:
    """What a result looks like, independent of where it is shown.

    `private`: for the asker's eyes only (help, the answer to a click on a request that was already decided).
    """

    summary: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    private: bool = False

    def buttons(self) -> tuple[Button, ...]:
        """Every button the view offers: its actions, the options of its menus, and "Show more" for each table with
        a next page."""
        out: list[Button] = []
        for block in self.blocks:
            if isinstance(block, Actions):
                out.extend(block.buttons)
            elif isinstance(block, Choice):
                out.extend(block.options)
            elif isinstance(block, Table) and block.more is not None:
                out.append(Button(SHOW_MORE, block.more))
        return tuple(out)


class Result(Protocol):
    """Anything a handler returns: data that knows how it looks."""

    def view(self) -> View: ...


@dataclass(frozen=True)
class Message:
    """A plain result: a view built by the caller (help, errors, notices)."""

    summary: str
    blocks: Sequence[Block] = ()

    def view(self) -> View:
        return View(self.summary, tuple(self.blocks))


def notice(text: str, level: Level = Level.INFO) -> Message:
    return Message(text, (Notice(text, level),))
