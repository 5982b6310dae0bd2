from __future__ import annotations

import json
from typing import Any

from bot.blocks import (
    Actions,
    Button,
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
)
from bot.render_slack import render_slack


def assert_within_slack_limits(message: Any) -> None:
    blocks = message.blocks
    assert 1 <= len(blocks) <= 50
    assert len(message.text) <= 3000
    action_ids: list[str] = []
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            assert len(block["text"]["text"]) <= 150
        if kind == "section":
            if "text" in block:
                assert len(block["text"]["text"]) <= 3000
            assert len(block.get("fields", [])) <= 10
            for f in block.get("fields", []):
                assert len(f["text"]) <= 2000
        if kind == "context":
            assert len(block["elements"]) <= 10
        if kind == "actions":
            assert len(block["elements"]) <= 25
            for e in block["elements"]:
                assert len(e["text"]["text"]) <= 75 and len(e["value"]) <= 2000
                action_ids.append(e["action_id"])
    assert len(action_ids) == len(set(action_ids))
    json.dumps(blocks)


def big_table(n: int) -> Table:
    rows = tuple(
        (f"aks-userpool-12345678-vmss{i:06d}", "Ready" if i % 7 else "NotReady", "1.29.4", f"{i % 90}d")
        for i in range(n)
    )
    return Table(("name", "status", "version", "age"), rows, total=n, more="/k8s nodes --all")


def test_a_2000_row_table_becomes_a_message_slack_accepts() -> None:
    view = View(
        "2000 nodes", (Heading("Nodes"), Notice("1 node NotReady", Level.ERROR), big_table(2000), Context("sandbox"))
    )
    message = render_slack(view)
    assert_within_slack_limits(message)
    dumped = json.dumps(message.blocks)
    assert "Showing" in dumped and "of 2,000 rows" in dumped
    assert any(b["type"] == "actions" for b in message.blocks), "a way to see more is offered"


def test_many_big_blocks_are_cut_with_a_note_not_rejected() -> None:
    view = View(
        "lots", (*(big_table(300) for _ in range(30)), Actions((Button("Approve", "/k8s approve ab12"),)))
    )
    message = render_slack(view)
    assert_within_slack_limits(message)
    assert "did not fit" in json.dumps(message.blocks)
    assert message.blocks[-1]["type"] == "actions", "buttons survive truncation"


def test_long_text_fields_and_labels_are_clipped_or_split() -> None:
    view = View(
        "x" * 50_000,
        (
            Heading("h" * 400),
            Text("word " * 2000),
            Fields(tuple((f"k{i}", "v" * 3000) for i in range(25))),
            Code("line\n" * 3000),
            Context("c" * 5000),
            Divider(),
            Actions(tuple(Button("b" * 100, "/k8s node x" * 400) for _ in range(30))),
        ),
    )
    assert_within_slack_limits(render_slack(view))


def test_approval_buttons_carry_only_the_request_id() -> None:
    message = render_slack(
        View(
            "card",
            (
                Actions(
                    (
                        Button("Approve", "/k8s approve 7KQ2MX4A", "primary"),
                        Button("Deny", "/k8s deny 7KQ2MX4A", "danger"),
                        Button("Show more", "/k8s pods -A"),
                    )
                ),
            ),
        )
    )
    elements = message.blocks[0]["elements"]
    assert elements[0]["value"] == "7KQ2MX4A" and elements[0]["action_id"].startswith("aksbot_approve")
    assert elements[1]["value"] == "7KQ2MX4A" and elements[1]["style"] == "danger"
    assert elements[2]["value"] == "/k8s pods -A" and elements[2]["action_id"].startswith("aksbot_run")


def test_user_text_cannot_become_a_mention_or_link() -> None:
    message = render_slack(View("<!channel>", (Text("pod <!channel> & <@U1>"),)))
    assert message.blocks[0]["text"]["text"] == "pod &lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert message.text == "&lt;!channel&gt;"
