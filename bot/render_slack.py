"""Render a view as a Slack message (Block Kit built with `slack_sdk.models.blocks`).

This is the one place that knows Slack's limits, and it enforces all of them, so any result — a 2,000-row
table included — becomes a message Slack accepts:

- at most 50 blocks a message, and a table at most 4 sections, so a channel is never flooded;
- a section's text at most 3,000 characters; at most 10 fields a section, each at most 2,000;
- a header at most 150 characters; a context element at most 2,000 (10 elements);
- a button's text at most 75, its action_id at most 255 and unique in the message; at most 25 buttons an
  actions block; its value is the command reference's one encoding (`bot.refs`), which a `Button` already
  refuses to hold when it would pass Slack's 2,000 characters;
- a menu (`blocks.Choice`) at most 100 options, each its text at most 75 and its value at most 150 (the `Choice`
  refuses more), its placeholder at most 150;
- the notification `text` kept short (Slack truncates past 40,000).

A table that does not fit is cut at a row boundary and says so ("showing 180 of 2,000 rows"), offering its
`more` command as a button. User-controlled text is escaped (`&`, `<`, `>`) so a pod name can never become a
mention or a link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.blocks import (
    Block as SlackBlock,
)

from bot import blocks
from bot.i18n import READ
from bot.refs import encode
from bot.render_text import clip_width, display_width, render_table, table_lang

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_HEADER = 150
MAX_CONTEXT = 2000
MAX_BUTTON_TEXT = 75
MAX_PLACEHOLDER = 150
MAX_BUTTONS = 25
MAX_FALLBACK = 3000
MAX_CELL = 60
# A code block wider than this wraps in Slack's message pane (a table then reads as noise): tables are fitted.
MAX_CODE_WIDTH = 100
# A table gets at most this many sections (~12,000 characters): enough for a screenful, never a wall of text.
MAX_TABLE_SECTIONS = 4
# Blocks kept free for the truncation notice and the buttons at the end of a message.
_RESERVED = 3

_EMOJI = {
    blocks.Level.OK: ":white_check_mark:",
    blocks.Level.INFO: ":information_source:",
    blocks.Level.WARN: ":warning:",
    blocks.Level.ERROR: ":x:",
}
# Every button of the bot carries this action_id prefix; the value is the command reference (`bot.refs.encode`).
ACTION_PREFIX = "aksbot_"


@dataclass(frozen=True)
class SlackMessage:
    """What `chat.postMessage` / `chat.update` / `response_url` take: fallback text and block dicts."""

    text: str
    blocks: list[dict[str, Any]]


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")


def mention(person: blocks.Person) -> str:
    """A person as Slack shows (and notifies) them; a name that is not a Slack ID stays plain, escaped text."""
    if _USER_ID.match(person.id):
        return f"<@{person.id}>"
    if _GROUP_ID.match(person.id):
        return f"<!subteam^{person.id}>"
    return "everyone" if person.id == "*" else escape(person.id)


_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


def channel_link(channel: blocks.Channel) -> str:
    return f"<#{channel.id}>" if _CHANNEL_ID.match(channel.id) else escape(f"#{channel.id}")


# How Slack words a moment for each reader, in their own time zone and language: "Today at 09:14", "Nov 21 at
# 09:14" ("{date_short_pretty}" is today, yesterday or tomorrow when it is one of them, else the short date).
MOMENT_FORMAT = "{date_short_pretty} {time}"


def moment(when: blocks.Moment) -> str:
    """A moment as Slack's date token (`<!date^UNIX^FORMAT|fallback>`): each reader sees it in their own time zone;
    a client that cannot format it shows the fallback, the moment's own text."""
    fallback = escape(when.text).replace("|", "/")
    return f"<!date^{int(when.at.timestamp())}^{MOMENT_FORMAT}|{fallback}>"


def inline(text: blocks.Rich) -> str:
    """Rich text as mrkdwn: the words escaped (so no text can become a mention or a link), people as mentions,
    channels as links, moments as date tokens."""
    if isinstance(text, str):
        return escape(text)
    return "".join(_inline_part(part) for part in text)


def _inline_part(part: blocks.Part) -> str:
    if isinstance(part, str):
        return escape(part)
    if isinstance(part, blocks.Person):
        return mention(part)
    return moment(part) if isinstance(part, blocks.Moment) else channel_link(part)


def _md(text: blocks.Rich, limit: int = MAX_SECTION) -> MarkdownTextObject:
    return MarkdownTextObject(text=clip(inline(text), limit))


def code_safe(text: str) -> str:
    """Text that cannot end the code block it sits in: a backtick (from an Event message, a pull error, a log line)
    becomes the look-alike ˋ, so three of them never close the block early."""
    return escape(text).replace("`", "\u02cb")


def fit_columns(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...], width: int) -> tuple[tuple[str, ...], ...]:
    """The rows with their cells clipped so the table is at most `width` columns wide (a Chinese character takes two).

    The widest columns give way first, to a common width (narrow ones keep theirs), so a long message and a long
    object name share what is left; the first column, the object's own name, keeps up to 40 characters."""
    n = len(columns)
    if not rows or n == 0:
        return rows
    widths = [display_width(c) for c in columns]
    for row in rows:
        for i, cell in enumerate(row[:n]):
            widths[i] = max(widths[i], display_width(cell))
    room = width - 2 * (n - 1)
    if sum(widths) <= room:
        return rows
    caps = list(widths)
    caps[0] = min(widths[0], 40)
    free = room - caps[0]
    others = sorted(range(1, n), key=lambda i: widths[i])
    for k, i in enumerate(others):
        share = free // (len(others) - k)
        caps[i] = max(min(widths[i], share), min(display_width(columns[i]), 4))
        free -= caps[i]
    return tuple(tuple(clip_width(cell, caps[i]) for i, cell in enumerate(row[:n])) for row in rows)


def wrap_lines(lines: list[str], width: int) -> list[str]:
    """Long lines (a log line, a command) broken at `width`, each continuation indented by two spaces."""
    out: list[str] = []
    for line in lines:
        first, rest = line[:width], line[width:]
        out.append(first)
        while rest:
            out.append("  " + rest[: width - 2])
            rest = rest[width - 2 :]
    return out


def _code_sections(lines: list[str], budget: int) -> tuple[list[SlackBlock], int]:
    """Pack lines into ``` sections within the text limit; returns the blocks and how many lines fit."""
    sections: list[SlackBlock] = []
    chunk: list[str] = []
    size = 8  # the two fences and their newlines
    used = 0
    for line in lines:
        line = clip(code_safe(line), MAX_SECTION - 16)
        if size + len(line) + 1 > MAX_SECTION:
            if len(sections) + 1 >= budget:
                break
            sections.append(SectionBlock(text=MarkdownTextObject(text="```" + "\n".join(chunk) + "```")))
            chunk, size = [], 8
        chunk.append(line)
        size += len(line) + 1
        used += 1
    if chunk and len(sections) < budget:
        sections.append(SectionBlock(text=MarkdownTextObject(text="```" + "\n".join(chunk) + "```")))
    elif chunk:
        used -= len(chunk)
    return sections, used


def _text_sections(text: blocks.Rich, budget: int) -> list[SlackBlock]:
    """Long prose split at line boundaries into as many sections as it needs (within the budget)."""
    chunks: list[str] = []
    current = ""
    for line in inline(text).splitlines() or [""]:
        while len(line) > MAX_SECTION:
            if current:
                chunks.append(current)
            current = ""
            chunks.append(line[:MAX_SECTION])
            line = line[MAX_SECTION:]
        if len(current) + len(line) + 1 > MAX_SECTION:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current or not chunks:
        chunks.append(current or " ")
    if len(chunks) > budget:
        chunks = chunks[: max(budget, 1)]
        chunks[-1] = clip(chunks[-1], MAX_SECTION - 2) + "…"
    return [SectionBlock(text=MarkdownTextObject(text=c)) for c in chunks]


class _Buttons:
    """Collects buttons across the message so action_ids stay unique and values within limits."""

    def __init__(self) -> None:
        self.count = 0

    def element(self, button: blocks.Button | blocks.LinkButton) -> ButtonElement:
        self.count += 1
        if isinstance(button, blocks.LinkButton):  # no value: a click on it is acknowledged and runs nothing
            return ButtonElement(text=PlainTextObject(text=clip(button.label, MAX_BUTTON_TEXT), emoji=True),
                                 action_id=f"{ACTION_PREFIX}{self.count}", url=button.url)
        action_id, value = f"{ACTION_PREFIX}{self.count}", encode(button.ref)
        style = button.style if button.style in ("primary", "danger") else None
        return ButtonElement(
            text=PlainTextObject(text=clip(button.label, MAX_BUTTON_TEXT), emoji=True),
            action_id=action_id,
            value=value,
            style=style,
        )

    def menu(self, choice: blocks.Choice) -> StaticSelectElement:
        self.count += 1
        options = [
            Option(value=encode(o.ref), text=PlainTextObject(text=clip(o.label, MAX_BUTTON_TEXT), emoji=True))
            for o in choice.options
        ]
        return StaticSelectElement(
            action_id=f"{ACTION_PREFIX}{self.count}",
            placeholder=PlainTextObject(text=clip(choice.placeholder, MAX_PLACEHOLDER), emoji=True),
            options=options,
        )


def _render_block(block: blocks.Block, budget: int, buttons: _Buttons
                  ) -> tuple[list[SlackBlock], list[blocks.Button | blocks.LinkButton]]:
    """Slack blocks for one neutral block within `budget` blocks; also returns buttons to add at the end."""
    extra: list[blocks.Button | blocks.LinkButton] = []
    match block:
        case blocks.Heading(text=text):
            return [HeaderBlock(text=PlainTextObject(text=clip(text, MAX_HEADER), emoji=True))], extra
        case blocks.Text(text=text):
            return _text_sections(text, budget), extra
        case blocks.Notice(text=text, level=level):
            line = clip(f"{_EMOJI[level]} {inline(text)}", MAX_SECTION)
            return [SectionBlock(text=MarkdownTextObject(text=line))], extra
        case blocks.Fields(items=items):
            out: list[SlackBlock] = []
            for start in range(0, len(items), MAX_FIELDS):
                if len(out) >= budget:
                    break
                group = items[start : start + MAX_FIELDS]
                out.append(
                    SectionBlock(
                        fields=[
                            MarkdownTextObject(text=clip(f"*{escape(k)}*\n{inline(v)}", MAX_FIELD)) for k, v in group
                        ]
                    )
                )
            return out, extra
        case blocks.Table(columns=columns, rows=rows, total=total, more=more, title=title, offset=offset):
            head: list[SlackBlock] = [SectionBlock(text=_md(f"*{title}*"))] if title else []
            cells = fit_columns(columns, tuple(tuple(clip(c, MAX_CELL) for c in r) for r in rows), MAX_CODE_WIDTH)
            # Past what the columns can give, the lines themselves are cut (the shell shows the whole table).
            lines = [clip_width(line, MAX_CODE_WIDTH) for line in render_table(columns, cells)]
            body, fitted = _code_sections(lines, min(max(budget - len(head) - 1, 1), MAX_TABLE_SECTIONS))
            shown_rows = max(fitted - 1, 0)
            real_total = total if total is not None else len(rows)
            out = head + body
            if shown_rows < real_total:
                lang = table_lang(columns, title)
                rows_said = READ.table_rows(lang, first=f"{offset + 1:,}", last=f"{offset + shown_rows:,}",
                                            total=f"{real_total:,}")
                note = rows_said[0].upper() + rows_said[1:] + "."
                if more is not None:
                    note += f" {READ.table_next(lang).capitalize()}: `{more.text()}`"
                    extra.append(blocks.Button(blocks.SHOW_MORE, more))
                out.append(ContextBlock(elements=[_md(note, MAX_CONTEXT)]))
            return out, extra
        case blocks.Code(text=text, title=title):
            head = [SectionBlock(text=_md(f"*{title}*"))] if title else []
            body, _ = _code_sections(wrap_lines(text.splitlines() or [""], MAX_CODE_WIDTH), max(budget - len(head), 1))
            return head + body, extra
        case blocks.Context(text=text):
            return [ContextBlock(elements=[_md(text, MAX_CONTEXT)])], extra
        case blocks.Divider():
            return [DividerBlock()], extra
        case blocks.Actions(buttons=bs, links=links):
            return [], [*bs, *links]
        case blocks.Choice():
            return [ActionsBlock(elements=[buttons.menu(block)])], extra
    return [], extra


def render_slack(view: blocks.View) -> SlackMessage:
    buttons = _Buttons()
    out: list[SlackBlock] = []
    pending_buttons: list[blocks.Button | blocks.LinkButton] = []
    omitted = 0
    for i, block in enumerate(view.blocks):
        budget = MAX_BLOCKS - _RESERVED - len(out)
        if budget <= 0:
            omitted = len(view.blocks) - i
            for blk in view.blocks[i:]:
                if isinstance(blk, blocks.Actions):
                    pending_buttons += [*blk.buttons, *blk.links]
            break
        rendered, extra = _render_block(block, budget, buttons)
        out.extend(rendered[:budget])
        pending_buttons.extend(extra)
    if omitted:
        out.append(
            ContextBlock(
                elements=[
                    _md(
                        f"{omitted} more part(s) of this answer did not fit in one Slack "
                        "message; narrow the question (-n, -l, a name) to see them."
                    )
                ]
            )
        )
    for start in range(0, min(len(pending_buttons), MAX_BUTTONS * 2), MAX_BUTTONS):
        if len(out) >= MAX_BLOCKS:
            break
        group = pending_buttons[start : start + MAX_BUTTONS]
        out.append(ActionsBlock(elements=[buttons.element(b) for b in group]))
    fallback = clip(escape(view.summary) or "aksbot", MAX_FALLBACK)
    return SlackMessage(text=fallback, blocks=[b.to_dict() for b in out[:MAX_BLOCKS]])
