"""The real Bolt app behind waitress, receiving signed slash commands, events and interactions over HTTP exactly as
Slack sends them, answering through the local Slack Web API server, against the sandbox cluster."""

from __future__ import annotations

import json
import logging
import time
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from bot.refs import CommandRef, decode
from bot.slack.serve import EVENTS_PATH, HttpServer, build_surface, wsgi_app
from handlers.kb import KbShowArgs
from tests.slack.conftest import ALICE, BOB, CAROL, MALLORY, ClusterBed, slack_settings
from tests.support.slack import (
    SIGNING_SECRET,
    ApiCall,
    WebApiServer,
    block_actions,
    dm_event,
    mention_event,
    view_submission,
)
from tests.support.slackbot import Bot, in_channel, new_channel, spare_node, text_of


@pytest.fixture(scope="module")
def bot(slack_api: WebApiServer, cluster_bed: ClusterBed) -> Iterator[Bot]:
    settings = slack_settings(cluster_bed, slack_api.api_url, name="http")
    surface = build_surface(settings, http=True, workers=8)
    front = wsgi_app(surface.app, lambda: (True, "ok"), signing_secret=SIGNING_SECRET)
    server = HttpServer(front, host="127.0.0.1", port=0).start()
    yield Bot(f"http://127.0.0.1:{server.port}{EVENTS_PATH}", slack_api, cluster_bed.kube)
    server.stop()
    surface.close()


def test_health_endpoint(bot: Bot) -> None:
    with urllib.request.urlopen(bot.url.replace(EVENTS_PATH, "/healthz"), timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"status": "ok"}


def test_signed_slash_command_acks_then_posts_the_node_list(bot: Bot) -> None:
    channel = new_channel()
    started = time.monotonic()
    status, _ = bot.slash("nodes", user=CAROL, channel=channel)
    assert status == 200
    assert time.monotonic() - started < 3
    (answer,) = bot.posts_in(channel)
    names = [n["metadata"]["name"] for n in bot.kube.objects("nodes")]
    assert names and all(name in text_of(answer.params) for name in names)
    assert answer.token == "xoxb-test"


def test_forged_signature_is_refused_without_side_effect(bot: Bot) -> None:
    channel = new_channel()
    status, response_url = bot.slash("nodes", user=ALICE, channel=channel, secret="not-the-secret")
    assert status == 401
    time.sleep(0.3)
    assert not in_channel(bot.api.of("chat.postMessage"), channel)
    assert all(p != response_url[len(bot.api.base) :] for p, _ in bot.api.responses)


def test_six_minute_old_timestamp_is_refused(bot: Bot) -> None:
    channel = new_channel()
    status, _ = bot.slash("nodes", user=ALICE, channel=channel, timestamp=int(time.time()) - 6 * 60)
    assert status == 401
    time.sleep(0.3)
    assert not in_channel(bot.api.of("chat.postMessage"), channel)


def test_help_and_errors_are_ephemeral(bot: Bot) -> None:
    channel = new_channel()
    _, help_url = bot.slash("help", user=CAROL, channel=channel)
    answer = bot.answer_at(help_url)
    assert answer["response_type"] == "ephemeral"
    assert "nodes" in json.dumps(answer["blocks"])
    _, typo_url = bot.slash("nodez", user=CAROL, channel=channel)
    typo = bot.answer_at(typo_url)
    assert typo["response_type"] == "ephemeral"
    assert "Did you mean" in json.dumps(typo["blocks"])
    assert not in_channel(bot.api.of("chat.postMessage"), channel)


def test_user_group_membership_from_slack_grants_its_role(bot: Bot) -> None:
    channel = new_channel()
    bot.slash("nodes", user=CAROL, channel=channel)
    bot.posts_in(channel)
    assert any(c.params.get("usergroup") == "S0VIEWERS" for c in bot.api.of("usergroups.users.list"))
    _, url = bot.slash("nodes", user=MALLORY, channel=channel)
    refused = bot.answer_at(url)
    assert refused["response_type"] == "ephemeral"
    assert "role" in json.dumps(refused["blocks"])


def test_mention_is_answered_in_its_thread(bot: Bot) -> None:
    channel = new_channel()
    assert bot.event(mention_event("nodes", user=CAROL, channel=channel, ts="1700000000.000100")) == 200
    (answer,) = bot.posts_in(channel)
    assert answer.params["thread_ts"] == "1700000000.000100"
    assert "Ready" in text_of(answer.params)


def test_direct_message_is_answered_in_the_dm(bot: Bot) -> None:
    channel = "D" + uuid.uuid4().hex[:9].upper()
    assert bot.event(dm_event("nodes", user=CAROL, channel=channel, ts="1700000000.000200")) == 200
    (answer,) = bot.posts_in(channel)
    assert not answer.params.get("thread_ts")
    assert "Ready" in text_of(answer.params)


def test_channel_without_the_bot_gets_the_answer_through_response_url(bot: Bot) -> None:
    channel = new_channel()
    bot.api.refuse_channels.add(channel)
    _, url = bot.slash("nodes", user=CAROL, channel=channel)
    answer = bot.answer_at(url)
    assert answer["response_type"] == "in_channel"
    assert "Ready" in json.dumps(answer["blocks"])


def test_rate_limited_reply_waits_for_retry_after_and_is_delivered(bot: Bot) -> None:
    channel = new_channel()
    bot.api.fail_next("chat.postMessage", status=429, retry_after=1, channel=channel)
    bot.slash("nodes", user=CAROL, channel=channel)
    (answer,) = bot.posts_in(channel)
    assert "Ready" in text_of(answer.params)
    assert bot.api.of("chat.postMessage!failed")


def test_a_reply_that_cannot_be_delivered_is_logged_with_its_correlation_id(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    channel = new_channel()
    bot.api.fail_next("chat.postMessage", error="channel_not_found", channel=channel)
    bot.api.fail_next("chat.postEphemeral", error="channel_not_found", channel=channel)
    with caplog.at_level(logging.INFO):
        bot.event(mention_event("nodes", user=CAROL, channel=channel, ts="1700000000.000300"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any("reply_failed" in r.getMessage() for r in caplog.records):
            time.sleep(0.05)
    failed = [json.loads(r.getMessage()) for r in caplog.records if "reply_failed" in r.getMessage()]
    assert failed and failed[0]["error"] == "channel_not_found"
    commands = [json.loads(r.getMessage()) for r in caplog.records if r.name == "aksbot.command"]
    assert failed[0]["correlation_id"] in {c["correlation_id"] for c in commands}


# -- buttons and the approval flow, entirely through Slack payloads ------------------------------------------------


def _buttons(params: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Label (Approve, Deny, …) → the button element, from posted blocks."""
    out: dict[str, dict[str, Any]] = {}
    for block in params.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("type") == "button":
                out[element["text"]["text"]] = element
    return out


def _message(call: ApiCall) -> dict[str, Any]:
    """The posted message as a block_actions payload carries it."""
    return {
        "type": "message",
        "user": "U0AKSBOT",
        "ts": call.result["ts"],
        "text": call.params.get("text"),
        "blocks": call.params.get("blocks"),
    }



def _cards(bot: Bot, channel: str) -> list[ApiCall]:
    return [c for c in in_channel(bot.api.of("chat.postMessage"), channel) if not c.params.get("thread_ts")]


def _request_card(bot: Bot, channel: str, text: str) -> ApiCall:
    before = len(_cards(bot, channel))
    bot.slash(text, user=ALICE, channel=channel)
    bot.api.wait_for(lambda s: len(_cards(bot, channel)) > before)
    return _cards(bot, channel)[-1]


def test_approval_through_buttons_runs_the_action_and_updates_the_card(bot: Bot) -> None:
    channel = new_channel()
    node = spare_node(bot.kube)
    card_call = _request_card(bot, channel, f"cordon {node}")
    buttons = _buttons(card_call.params)
    assert {"Approve", "Deny", "Cancel"} <= set(buttons)
    # The value is the command reference itself (no text to parse); it names the request.
    spec, approve = decode(buttons["Approve"]["value"])
    assert spec.name == "approve" and approve.text().startswith("/k8s approve ")
    card = _message(card_call)
    card_ts = card["ts"]

    # The requester cannot approve their own request: told privately, nothing runs.
    own = bot.api.response_url()
    bot.interact(
        block_actions(user=ALICE, channel=channel, message=card, action=buttons["Approve"], response_url=own)
    )
    refusal = bot.answer_at(own)
    assert refusal["response_type"] == "ephemeral" and "yourself" in json.dumps(refusal["blocks"])
    assert not bot.kube.get("nodes", node)["spec"].get("unschedulable")

    # The approver's click: authorization by the clicking user's Slack ID; the card is updated in place.
    assert (
        bot.interact(
            block_actions(
                user=BOB,
                channel=channel,
                message=card,
                action=buttons["Approve"],
                response_url=bot.api.response_url(),
            )
        )
        == 200
    )
    bot.api.wait_for(lambda s: any(c.params.get("ts") == card_ts for c in s.of("chat.update")))
    deadline = time.monotonic() + 10
    while not bot.kube.get("nodes", node)["spec"].get("unschedulable") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert bot.kube.get("nodes", node)["spec"].get("unschedulable") is True
    thread = [c for c in bot.posts_in(channel, 2) if c.params.get("thread_ts") == card_ts]
    assert thread, "the decision is answered under the card"

    # Uncordon again, approved the same way, so other tests see the node as it was.
    uncordon_card = _request_card(bot, channel, f"uncordon {node}")
    approve = _buttons(uncordon_card.params)["Approve"]
    bot.interact(
        block_actions(
            user=BOB,
            channel=channel,
            message=_message(uncordon_card),
            action=approve,
            response_url=bot.api.response_url(),
        )
    )
    deadline = time.monotonic() + 10
    while bot.kube.get("nodes", node)["spec"].get("unschedulable") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not bot.kube.get("nodes", node)["spec"].get("unschedulable")


def test_deny_asks_for_a_reason_in_a_modal_and_nothing_runs(bot: Bot) -> None:
    channel = new_channel()
    node = spare_node(bot.kube)
    card_call = _request_card(bot, channel, f"cordon {node}")
    deny = _buttons(card_call.params)["Deny"]
    card_ts = card_call.result["ts"]
    opened_before = len(bot.api.of("views.open"))
    bot.interact(
        block_actions(
            user=BOB, channel=channel, message=_message(card_call), action=deny, response_url=bot.api.response_url()
        )
    )
    opened = bot.api.wait_calls("views.open", opened_before + 1)[-1]
    view = opened.params["view"]
    assert view["callback_id"] == "aksbot_ask" and view["title"]["text"].startswith("Deny ")
    assert "why it is denied" in json.dumps(view["blocks"]).lower()
    values = {"asked": {"value": {"type": "plain_text_input", "value": "not during the release freeze"}}}
    assert bot.interact(view_submission(user=BOB, view=view, values=values)) == 200
    bot.api.wait_for(lambda s: any(c.params.get("ts") == card_ts for c in s.of("chat.update")))
    updated = [c for c in bot.api.of("chat.update") if c.params.get("ts") == card_ts][-1]
    assert "release freeze" in text_of(updated.params)
    assert not bot.kube.get("nodes", node)["spec"].get("unschedulable")


def test_a_run_button_runs_its_command_as_the_clicking_user(bot: Bot) -> None:
    channel = new_channel()
    message = {"type": "message", "user": "U0AKSBOT", "ts": "1700000003.000001", "text": "x", "blocks": []}
    action = {"action_id": "aksbot_run_1", "value": "/k8s nodes", "text": {"type": "plain_text", "text": "Nodes"}}
    bot.interact(
        block_actions(user=CAROL, channel=channel, message=message, action=action, response_url=bot.api.response_url())
    )
    (answer,) = bot.posts_in(channel)
    assert answer.params["thread_ts"] == "1700000003.000001"
    assert "Ready" in text_of(answer.params)
    refused_url = bot.api.response_url()
    bot.interact(block_actions(user=MALLORY, channel=channel, message=message, action=action, response_url=refused_url))
    assert bot.answer_at(refused_url)["response_type"] == "ephemeral"


def test_a_forged_button_value_runs_nothing_and_says_so(bot: Bot) -> None:
    channel = new_channel()
    message = {"type": "message", "user": "U0AKSBOT", "ts": "1700000004.000001", "text": "x", "blocks": []}
    forged = ('{"c":"drain","a":{"node":"x","timeout":"soon"}}', '{"c":"rm -rf"}', "not json", '{"c":"nodes","n":"x"}')
    for value in forged:
        action = {"action_id": "aksbot_7", "value": value, "text": {"type": "plain_text", "text": "?"}}
        url = bot.api.response_url()
        payload = block_actions(user=BOB, channel=channel, message=message, action=action, response_url=url)
        assert bot.interact(payload) == 200
        answer = bot.answer_at(url)
        assert answer["response_type"] == "ephemeral" and "no longer runs anything" in json.dumps(answer)
    assert bot.posts_in(channel, 0) == []


def test_a_button_on_a_chinese_card_answers_in_chinese(bot: Bot) -> None:
    channel = new_channel()
    action = {"action_id": "aksbot_1", "value": CommandRef("kb show", KbShowArgs(entry="node-notready")).value,
              "text": {"type": "plain_text", "text": "查看"}}
    said = {"zh": "节点 NotReady 怎么办：最可能是这一条。", "en": "Node NotReady: this is the most likely entry."}
    answers = {}
    for lang, text in said.items():
        message = {"type": "message", "user": "U0AKSBOT", "ts": f"170000001{len(answers)}.000001", "text": text,
                   "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
        bot.interact(block_actions(user=CAROL, channel=channel, message=message, action=action,
                                   response_url=bot.api.response_url()))
        answers[lang] = text_of(bot.posts_in(channel, len(answers) + 1)[-1].params)
    assert "节点" in answers["zh"] and "节点" not in answers["en"] and "node" in answers["en"].lower()


def test_a_click_on_an_english_runbook_that_cites_chinese_notes_is_answered_in_english(bot: Bot) -> None:
    """The runbook's sources name the team's notes by their Chinese headings ("Node状态"); the card is English, and
    so is what a click on it answers."""
    channel = new_channel()
    assert bot.event(mention_event("node went NotReady, kubelet stopped posting node status", user=CAROL,
                                   channel=channel, ts="1700000007.000001")) == 200
    (reply,) = bot.posts_in(channel)
    assert "Node状态" in json.dumps(reply.params, ensure_ascii=False)
    buttons = {e["text"]["text"]: e for b in reply.params["blocks"] if b["type"] == "actions" for e in b["elements"]}
    message = {"type": "message", "user": "U0AKSBOT", "ts": reply.result["ts"], "text": "",
               "blocks": reply.params["blocks"]}
    url = bot.api.response_url()
    assert bot.interact(block_actions(user=CAROL, channel=channel, message=message, action=buttons["None of these"],
                                      response_url=url)) == 200
    assert "Noted" in json.dumps(bot.answer_at(url))


def test_a_verdict_on_a_knowledge_base_reply_reaches_the_question_log(bot: Bot) -> None:
    """A mention's reply carries the kept question on its buttons: "None of these" (a signed click) is told to the
    clicker alone, and opening an entry answers in the channel's thread as before."""
    channel = new_channel()
    assert bot.event(mention_event("node NotReady and pods pending", user=CAROL, channel=channel,
                                   ts="1700000006.000001")) == 200
    (reply,) = bot.posts_in(channel)
    buttons = {e["text"]["text"]: e for b in reply.params["blocks"] if b["type"] == "actions" for e in b["elements"]}
    message = {"type": "message", "user": "U0AKSBOT", "ts": reply.result["ts"], "text": "",
               "blocks": reply.params["blocks"]}
    _, missed = decode(buttons["None of these"]["value"])
    assert missed.command == "kb missed"
    url = bot.api.response_url()
    assert bot.interact(block_actions(user=CAROL, channel=channel, message=message, action=buttons["None of these"],
                                      response_url=url)) == 200
    noted = bot.answer_at(url)
    assert noted["response_type"] == "ephemeral" and "Noted" in json.dumps(noted)
    # Its menu of every entry: the option chosen arrives as a `static_select` action and opens that entry.
    menu = next(e for b in noted["blocks"] if b["type"] == "actions" for e in b["elements"]
                if e["type"] == "static_select")
    option = next(o for o in menu["options"] if o["text"]["text"].startswith("Node NotReady"))
    chosen = {"type": "static_select", "action_id": menu["action_id"], "block_id": "b1", "selected_option": option,
              "action_ts": "1700000006.000100"}
    ephemeral = {"type": "message", "ts": "1700000006.000002", "text": "", "blocks": []}
    assert bot.interact(block_actions(user=CAROL, channel=channel, message=ephemeral, action=chosen,
                                      response_url=bot.api.response_url())) == 200
    assert "Node NotReady or Unknown" in text_of(bot.posts_in(channel, 2)[-1].params)
    _, opened = decode(buttons["Open this entry"]["value"])
    assert opened.args.model_dump()["asked"] == missed.args.model_dump()["asked"]
    assert bot.interact(block_actions(user=BOB, channel=channel, message=message, action=buttons["Open this entry"],
                                      response_url=bot.api.response_url())) == 200
    assert "Sources" in text_of(bot.posts_in(channel, 3)[-1].params)
