"""Render a view as plain text for the local shell (and logs of what was sent).

Tables are aligned in columns; buttons are listed with the `:click` line that presses them. No limits apply
here: the shell shows everything the result holds.
"""

from __future__ import annotations

from bot.blocks import (
    SHOW_MORE,
    Actions,
    Block,
    Code,
    Context,
    Divider,
    Fields,
    Heading,
    Level,
    Notice,
    Table,
    Text,
    View,
    plain,
)

_MARK = {Level.OK: "[ok]", Level.INFO: "[i]", Level.WARN: "[warn]", Level.ERROR: "[error]"}


def render_table(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> list[str]:
    widths = [len(c) for c in columns]
    for row in rows:
        for i, cell in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], len(cell))

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(cells[: len(widths)])).rstrip()

    return [line(tuple(c.upper() for c in columns)), *(line(r) for r in rows)]


def render_block(block: Block) -> list[str]:
    match block:
        case Heading(text=text):
            return [text, "=" * min(len(text), 80)]
        case Text(text=text):
            return plain(text).splitlines() or [""]
        case Notice(text=text, level=level):
            return [f"{_MARK[level]} {plain(text)}"]
        case Fields(items=items):
            width = max((len(k) for k, _ in items), default=0)
            return [f"{k.ljust(width)} : {plain(v)}" for k, v in items]
        case Table(columns=columns, rows=rows, total=total, more=more, title=title, offset=offset):
            out = [title] if title else []
            out += render_table(columns, rows)
            if total is not None and total > len(rows):
                shown = f"rows {offset + 1}–{offset + len(rows)} of {total}"
                out.append(f"({shown}" + (f"; next: {more.text()})" if more else ")"))
                if more is not None:
                    out.append(f"[{SHOW_MORE}]   (press with :click {SHOW_MORE})")
            return out
        case Code(text=text, title=title):
            head = [f"{title}:"] if title else []
            return head + ["    " + ln for ln in text.splitlines()]
        case Context(text=text):
            return [f"  ({plain(text)})"]
        case Divider():
            return ["-" * 40]
        case Actions(buttons=buttons):
            labels = "  ".join(f"[{b.label}]" for b in buttons)
            return [f"{labels}   (press with :click LABEL)"]
    return []


def render_text(view: View) -> str:
    lines: list[str] = []
    for block in view.blocks:
        lines.extend(render_block(block))
    if not lines:
        lines.append(view.summary)
    return "\n".join(lines)
