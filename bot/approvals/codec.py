"""Previews and views to JSON and back, so a stored request shows the same card after a restart.

Only the neutral blocks of `bot.blocks` are encoded; an unknown block type is an error, never silently dropped
(a card that omits part of what was approved would mislead the approver). Buttons keep their command reference
in the codec's one form (`bot.refs`).
"""

from __future__ import annotations

import json
from typing import Any

from bot import blocks
from bot.approvals.model import parse_utc, utc_text
from bot.i18n import Said, in_lang
from bot.preview import Preview
from bot.refs import Kind, ObjectRef, decode, encode


def _pairs(items: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in items)


def rich_to_json(text: blocks.Rich) -> Any:
    """A plain string stays a string; rich text is a list of strings, `{"person": id}`, `{"channel": id}` and
    `{"moment": ISO 8601 UTC, "text": words}`."""
    if isinstance(text, str):
        return text
    return [_part_to_json(part) for part in text]


def _part_to_json(part: blocks.Part) -> Any:
    if isinstance(part, str):
        return part
    if isinstance(part, blocks.Person):
        return {"person": part.id}
    if isinstance(part, blocks.Moment):
        return {"moment": utc_text(part.at), "text": part.text}
    return {"channel": part.id}


def rich_from_json(data: Any) -> blocks.Rich:
    if isinstance(data, str):
        return data
    parts: list[blocks.Part] = []
    for part in data:
        if isinstance(part, str):
            parts.append(part)
        elif "person" in part:
            parts.append(blocks.Person(str(part["person"])))
        elif "moment" in part:
            parts.append(blocks.Moment(parse_utc(str(part["moment"])), str(part["text"])))
        else:
            parts.append(blocks.Channel(str(part["channel"])))
    return tuple(parts)


def block_to_json(block: blocks.Block) -> dict[str, Any]:
    match block:
        case blocks.Heading(text):
            return {"type": "heading", "text": text}
        case blocks.Text(text):
            return {"type": "text", "text": rich_to_json(text)}
        case blocks.Notice(text, level):
            return {"type": "notice", "text": rich_to_json(text), "level": level.value}
        case blocks.Fields(items):
            return {"type": "fields", "items": [[k, rich_to_json(v)] for k, v in items]}
        case blocks.Table(columns, rows, total, more, title, offset):
            return {
                "type": "table",
                "columns": list(columns),
                "rows": [list(r) for r in rows],
                "total": total,
                "more": encode(more) if more is not None else None,
                "title": title,
                "offset": offset,
            }
        case blocks.Code(text, title):
            return {"type": "code", "text": text, "title": title}
        case blocks.Context(text):
            return {"type": "context", "text": rich_to_json(text)}
        case blocks.Divider():
            return {"type": "divider"}
        case blocks.Actions(buttons):
            return {
                "type": "actions",
                "buttons": [{"label": b.label, "ref": encode(b.ref), "style": b.style} for b in buttons],
            }
    raise TypeError(f"cannot encode block {block!r}")


def block_from_json(data: dict[str, Any]) -> blocks.Block:
    kind = data["type"]
    if kind == "heading":
        return blocks.Heading(data["text"])
    if kind == "text":
        return blocks.Text(rich_from_json(data["text"]))
    if kind == "notice":
        return blocks.Notice(rich_from_json(data["text"]), blocks.Level(data["level"]))
    if kind == "fields":
        return blocks.Fields(tuple((str(k), rich_from_json(v)) for k, v in data["items"]))
    if kind == "table":
        return blocks.Table(
            tuple(data["columns"]),
            tuple(tuple(str(c) for c in r) for r in data["rows"]),
            data.get("total"),
            decode(data["more"])[1] if data.get("more") else None,
            data.get("title"),
            int(data.get("offset") or 0),
        )
    if kind == "code":
        return blocks.Code(data["text"], data.get("title"))
    if kind == "context":
        return blocks.Context(rich_from_json(data["text"]))
    if kind == "divider":
        return blocks.Divider()
    if kind == "actions":
        buttons = tuple(blocks.Button(b["label"], decode(b["ref"])[1], b.get("style")) for b in data["buttons"])
        return blocks.Actions(buttons)
    raise ValueError(f"unknown block type {kind!r}")


def target_to_json(target: ObjectRef | None) -> dict[str, str] | None:
    if target is None:
        return None
    return {"kind": target.kind.value, "name": target.name, "namespace": target.namespace}


def target_from_json(data: Any) -> ObjectRef | None:
    """The object a stored preview names; None for one stored before previews named it."""
    if not data:
        return None
    return ObjectRef(Kind(data["kind"]), str(data["name"]), str(data.get("namespace") or ""))


def preview_to_json(preview: Preview) -> str:
    return json.dumps(
        {
            "action": str(preview.action),
            "action_zh": in_lang(preview.action, "zh"),
            "blocks": [block_to_json(b) for b in preview.blocks],
            "expect": [list(p) for p in preview.expect],
            "warnings": list(preview.warnings),
            "blocked": preview.blocked,
            "target": target_to_json(preview.target),
        },
        ensure_ascii=False,
    )


def preview_from_json(text: str) -> Preview:
    data = json.loads(text)
    return Preview(
        action=Said(data["action"], data.get("action_zh") or data["action"]),
        blocks=tuple(block_from_json(b) for b in data["blocks"]),
        expect=_pairs(data["expect"]),
        warnings=tuple(data["warnings"]),
        blocked=data.get("blocked"),
        target=target_from_json(data.get("target")),
    )


def view_to_json(view: blocks.View) -> str:
    return json.dumps({"summary": view.summary, "blocks": [block_to_json(b) for b in view.blocks]}, ensure_ascii=False)


def view_from_json(text: str) -> blocks.View:
    data = json.loads(text)
    return blocks.View(data["summary"], tuple(block_from_json(b) for b in data["blocks"]))
