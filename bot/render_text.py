"""Render a view as plain text for the local shell (and logs of what was sent).

Tables are aligned in columns; buttons are listed with the `:click` line that presses them. No limits apply
here: the shell shows everything the result holds.
"""

from __future__ import annotations

import unicodedata

from bot import blocks
from bot.i18n import READ, Lang

_MARK = {
    blocks.Level.OK: "[ok]",
    blocks.Level.INFO: "[i]",
    blocks.Level.WARN: "[warn]",
    blocks.Level.ERROR: "[error]",
}



def table_lang(columns: tuple[str, ...], title: str | None) -> Lang:
    """The language a table speaks, from its own column names and title (a view writes them in its reader's
    language): its footer says "rows 1–20 of 53" in the same one."""
    return "zh" if any(_is_han(c) for text in (*columns, title or "") for c in text) else "en"


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff"

def display_width(text: str) -> int:
    """Columns `text` takes in a monospace font: two for a wide character (Chinese, full-width forms), one for the
    others — as terminals and Slack's code blocks draw them (kubectl counts the same way)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """`text` followed by spaces up to `width` display columns (`str.ljust` counts characters, not columns)."""
    return text + " " * (width - display_width(text))


def clip_width(text: str, width: int) -> str:
    """`text` cut to at most `width` display columns, with "…" where it was cut."""
    if display_width(text) <= width:
        return text
    used, out = 1, []  # the ellipsis takes one column
    for ch in text:
        w = display_width(ch)
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def render_table(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> list[str]:
    widths = [display_width(c) for c in columns]
    for row in rows:
        for i, cell in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], display_width(cell))

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(pad(cell, widths[i]) for i, cell in enumerate(cells[: len(widths)])).rstrip()

    return [line(tuple(c.upper() for c in columns)), *(line(r) for r in rows)]


def render_block(block: blocks.Block) -> list[str]:
    match block:
        case blocks.Heading(text=text):
            return [text, "=" * min(display_width(text), 80)]
        case blocks.Text(text=text):
            return blocks.plain(text).splitlines() or [""]
        case blocks.Notice(text=text, level=level):
            return [f"{_MARK[level]} {blocks.plain(text)}"]
        case blocks.Fields(items=items):
            width = max((display_width(k) for k, _ in items), default=0)
            return [f"{pad(k, width)} : {blocks.plain(v)}" for k, v in items]
        case blocks.Table(columns=columns, rows=rows, total=total, more=more, title=title, offset=offset):
            out = [title] if title else []
            out += render_table(columns, rows)
            if total is not None and total > len(rows):
                lang = table_lang(columns, title)
                shown = READ.table_rows(lang, first=offset + 1, last=offset + len(rows), total=total)
                out.append(f"({shown}" + (f"; {READ.table_next(lang)}: {more.text()})" if more else ")"))
                if more is not None:
                    out.append(f"[{blocks.SHOW_MORE}]   (press with :click {blocks.SHOW_MORE})")
            return out
        case blocks.Code(text=text, title=title):
            head = [f"{title}:"] if title else []
            return head + ["    " + ln for ln in text.splitlines()]
        case blocks.Context(text=text):
            return [f"  ({blocks.plain(text)})"]
        case blocks.Divider():
            return ["-" * 40]
        case blocks.Actions(buttons=buttons, links=links):
            labels = "  ".join(f"[{b.label}]" for b in buttons)
            pressed = [f"{labels}   (press with :click LABEL)"] if buttons or not links else []
            return pressed + [f"  {link.label} {link.url}" for link in links]
        case blocks.Choice(placeholder=placeholder, options=options):
            return [f"{placeholder} (choose with :click OPTION):", *(f"  · {o.label}" for o in options)]
    return []


def render_text(view: blocks.View) -> str:
    lines: list[str] = []
    for block in view.blocks:
        lines.extend(render_block(block))
    if not lines:
        lines.append(view.summary)
    return "\n".join(lines)
