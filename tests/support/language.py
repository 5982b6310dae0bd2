"""What a Chinese answer must not contain: the bot's own English prose, taken from the catalog groups that speak in
that answer. Values (names, statuses, commands, Kubernetes terms) are fine; a sentence of the bot's is not."""

from __future__ import annotations

import re
import string
from dataclasses import fields

from bot.blocks import Actions, Code, Fields, Heading, Table, View
from bot.i18n import Msg

# What separates a message's English into phrases: punctuation, arrows and operators (and, by `string.Formatter`,
# the `{name}` fields).
_SEPARATORS = re.compile(r"[`()\[\];:,.→×=+/—•*]")


def english_prose(*groups: object) -> set[str]:
    """Every stretch of English the bot writes in these catalog groups: the text between `{name}` fields and
    punctuation, two words or more, that the Chinese of the same message does not use too (`Pod IP`, `cgroup v2`,
    `NAT gateway` and the commands stay in both)."""
    prose: set[str] = set()
    for words in groups:
        for f in fields(words):  # type: ignore[arg-type]
            msg = getattr(words, f.name)
            if not isinstance(msg, Msg):
                continue
            for literal, *_ in string.Formatter().parse(msg.en):
                for piece in _SEPARATORS.split(literal):
                    piece = piece.strip()
                    if len(re.findall(r"[A-Za-z]+", piece)) >= 2 and piece not in msg.zh:
                        prose.add(piece)
    return prose


def view_labels(view: View) -> list[str]:
    """The labels a view prints — headings, column and field names, table and code titles, buttons — where a word
    the language says otherwise would be a word left untranslated."""
    out: list[str] = []
    for b in view.blocks:
        if isinstance(b, Heading):
            out.append(b.text)
        elif isinstance(b, Table):
            out += [*b.columns, b.title or ""]
        elif isinstance(b, Fields):
            out += [k for k, _ in b.items]
        elif isinstance(b, Code):
            out.append(b.title or "")
        elif isinstance(b, Actions):
            out += [button.label for button in b.buttons]
    return out


def english_left(text: str, prose: set[str]) -> list[str]:
    """The stretches of the bot's English prose still in `text` (a Chinese answer should have none), sorted."""
    return sorted(p for p in prose if p in text)
