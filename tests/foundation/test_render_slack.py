from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.approvals.codec import view_from_json, view_to_json
from bot.approvals.commands import approve_ref
from bot.blocks import (
    Actions,
    Button,
    Choice,
    Code,
    Context,
    Divider,
    Fields,
    Heading,
    Level,
    Moment,
    Notice,
    Person,
    Table,
    Text,
    View,
)
from bot.refs import MAX_VALUE, CommandRef, decode
from bot.render_slack import render_slack
from bot.render_text import render_text
from tests.support.foundation import AskArgs, NodeArgs, PodsArgs, registry

NODES = CommandRef("nodes", PodsArgs())


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
                if e["type"] == "static_select":
                    assert len(e["placeholder"]["text"]) <= 150 and 1 <= len(e["options"]) <= 100
                    assert all(len(o["text"]["text"]) <= 75 and len(o["value"]) <= 150 for o in e["options"])
                elif "url" in e:  # a link button: no value, a URL of at most 3000 characters
                    assert len(e["text"]["text"]) <= 75 and len(e["url"]) <= 3000 and "value" not in e
                else:
                    assert len(e["text"]["text"]) <= 75 and len(e["value"]) <= 2000
                action_ids.append(e["action_id"])
    assert len(action_ids) == len(set(action_ids))
    json.dumps(blocks)


def big_table(n: int) -> Table:
    rows = tuple(
        (f"aks-userpool-12345678-vmss{i:06d}", "Ready" if i % 7 else "NotReady", "1.29.4", f"{i % 90}d")
        for i in range(n)
    )
    return Table(("name", "status", "version", "age"), rows, total=n, more=NODES)


def test_a_2000_row_table_becomes_a_message_slack_accepts() -> None:
    view = View(
        "2000 nodes", (Heading("Nodes"), Notice("1 node NotReady", Level.ERROR), big_table(2000), Context("sandbox"))
    )
    message = render_slack(view)
    assert_within_slack_limits(message)
    dumped = json.dumps(message.blocks)
    assert "Rows 1" in dumped and "of 2,000." in dumped
    assert any(b["type"] == "actions" for b in message.blocks), "a way to see more is offered"


def test_many_big_blocks_are_cut_with_a_note_not_rejected() -> None:
    view = View(
        "lots", (*(big_table(300) for _ in range(30)), Actions((Button("Approve", approve_ref("ab12")),)))
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
            Actions(tuple(Button("b" * 100, CommandRef("node", NodeArgs(node="x" * 1900))) for _ in range(30))),
        ),
    )
    assert_within_slack_limits(render_slack(view))


def test_a_button_carries_its_command_reference_and_gives_it_back() -> None:
    pods = CommandRef("pods", PodsArgs(selector="app=web"), cluster="prod", all_namespaces=True)
    message = render_slack(
        View(
            "card",
            (Actions((Button("Approve", approve_ref("7kq2mx4a"), "primary"), Button("Pods", pods))),),
        )
    )
    elements = message.blocks[0]["elements"]
    assert elements[0]["style"] == "primary" and elements[0]["action_id"] != elements[1]["action_id"]
    assert decode(elements[1]["value"], registry)[1] == pods
    assert pods.text() == "/k8s pods -l app=web -A --cluster prod"


def test_a_reference_too_long_for_a_button_is_refused_when_the_button_is_built() -> None:
    long_question = CommandRef("kb", AskArgs(question="why " * 600))
    assert len(long_question.value) > MAX_VALUE
    # An over-long reference must never reach a button (Slack would clip it).
    with pytest.raises(ValueError, match="more than a button holds"):
        Button("Ask", long_question)


def test_a_menu_carries_a_command_per_option_within_slacks_limits() -> None:
    options = tuple(Button(f"node aks-userpool-{i:03d} " + "with a long description " * 4, CommandRef(
        "node", NodeArgs(node=f"aks-{i}"))) for i in range(100))
    message = render_slack(View("menu", (Text("pick"), Choice("Which node? " + "x" * 200, options),
                                         Actions((Button("Pods", NODES),)))))
    assert_within_slack_limits(message)
    menu = next(e for b in message.blocks if b["type"] == "actions" for e in b["elements"]
                if e["type"] == "static_select")
    assert [decode(o["value"], registry)[1] for o in menu["options"]] == [o.ref for o in options]
    assert menu["options"][0]["text"]["text"].endswith("…")
    for bad in ((), options + options[:1]):
        with pytest.raises(ValueError, match=re.escape("options (1 to 100)")):  # a menu Slack would refuse
            Choice("Which node?", bad)
    with pytest.raises(ValueError, match=re.escape("more than an option holds (150)")):  # Slack's 150 characters
        Choice("Ask?", (Button("Ask", CommandRef("kb", AskArgs(question="why " * 40))),))


def test_user_text_cannot_become_a_mention_or_link() -> None:
    message = render_slack(View("<!channel>", (Text("pod <!channel> & <@U1>"),)))
    assert message.blocks[0]["text"]["text"] == "pod &lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert message.text == "&lt;!channel&gt;"


def test_people_become_mentions_and_typed_text_never_does() -> None:
    from bot.blocks import Person, people, plain

    view = View(
        "approved",
        (
            Notice(("Approved by ", Person("U0BOB"), " for ", Person("U0ALICE"), " <@U0EVE>"), Level.OK),
            Fields((("May approve", people("S0SRE", "U0LEAD")),)),
            Context(("shell user ", Person("alice"), " and ", Person("*"))),
        ),
    )
    blocks = render_slack(view).blocks
    assert blocks[0]["text"]["text"] == ":white_check_mark: Approved by <@U0BOB> for <@U0ALICE> &lt;@U0EVE&gt;"
    assert blocks[1]["fields"][0]["text"] == "*May approve*\n<!subteam^S0SRE> and <@U0LEAD>"
    assert blocks[2]["elements"][0]["text"] == "shell user alice and everyone"
    assert plain(people("U0BOB", "U0DAVE", "U0ERIN")) == "@U0BOB, @U0DAVE and @U0ERIN"


def test_a_moment_is_a_date_token_each_reader_sees_in_their_time_zone_and_the_shell_reads_its_text() -> None:
    at = datetime(2026, 11, 22, 3, 14, tzinfo=UTC)
    view = View("acked", (Context(("Acknowledged by ", Person("U0ALICE"), " at ", Moment(at, "03:14 UTC <|>"))),))
    (block,) = render_slack(view).blocks
    # The fallback is escaped and cannot end the token early: no text ever becomes markup.
    token = f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|03:14 UTC &lt;/&gt;>"
    assert block["elements"][0]["text"] == f"Acknowledged by <@U0ALICE> at {token}"
    assert render_text(view) == "  (Acknowledged by @U0ALICE at 03:14 UTC <|>)"
    assert view_from_json(view_to_json(view)) == view  # an approval's stored answer keeps its moments
