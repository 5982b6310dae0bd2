"""Render a view as plain text for the local shell (and logs of what was sent).

Tables are aligned in columns; buttons are listed with the `:click` line that presses them. No limits apply
here: the shell shows everything the result holds.
"""

from __future__ import annotations

from bot import blocks

_MARK = {
    blocks.Level.OK: "[ok]",
    blocks.Level.INFO: "[i]",
    blocks.Level.WARN: "[warn]",
    blocks.Level.ERROR: "[error]",
}


def render_table(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> list[str]:
    widths = [len(c) for c in columns]
    for row in rows:
        for i, cell in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], len(cell))

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(cells[: len(widths)])).rstrip()

    return [line(tuple(c.upper() for c in columns)), *(line(r) for r in rows)]


def render_block(block: blocks.Block) -> list[str]:
    match block:
        case blocks.Heading(text=text):
            return [text, "=" * min(len(text), 80)]
        case blocks.Text(text=text):
            return blocks.plain(text).splitlines() or [""]
        case blocks.Notice(text=text, level=level):
            return [f"{_MARK[level]} {blocks.plain(text)}"]
        case blocks.Fields(items=items):
            width = max((len(k) for k, _ in items), default=0)
            return [f"{k.ljust(width)} : {blocks.plain(v)}" for k, v in items]
        case blocks.Table(columns=columns, rows=rows, total=total, more=more, title=title, offset=offset):
            out = [title] if title else []
            out += render_table(columns, rows)
            if total is not None and total > len(rows):
                shown = f"rows {offset + 1}–{offset + len(rows)} of {total}"
                out.append(f"({shown}" + (f"; next: {more.text()})" if more else ")"))
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
        case blocks.Actions(buttons=buttons):
            labels = "  ".join(f"[{b.label}]" for b in buttons)
            return [f"{labels}   (press with :click LABEL)"]
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
