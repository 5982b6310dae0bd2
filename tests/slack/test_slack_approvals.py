"""The approver's side through the real Slack protocol: signed slash commands and button clicks to the Bolt app,
answers read back from the local Slack Web API double.

- A card in a terminal state has no Approve/Deny/Cancel (only its audit trail), at every terminal state, expiry by
  the sweeper included; a click that still arrives for a finished request is answered to the clicker only, and
  Deny on it opens no dialog.
- The requester is mentioned (`<@U…>`) in the card's thread on every outcome.
- A request whose card cannot be posted (the approvals channel does not have the bot) is refused, with what to do,
  and leaves no pending request; a card that went out only through `response_url` is replaced through it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot.app import Assembly, assemble
from bot.approvals.model import State
from bot.approvals.workflow import ActionExecutor
from bot.clock import ManualClock
from bot.refs import CommandRef
from bot.slack.groups import SlackGroupDirectory, group_ids_in
from bot.slack.listeners import SlackAppOptions, SlackSurface
from bot.slack.serve import EVENTS_PATH, HttpServer, wsgi_app
from bot.slack.web import SlackNotifier, web_client
from handlers.args import NodeArgs
from tests.slack.conftest import ALICE, BOB, ClusterBed, slack_settings
from tests.support.slack import SIGNING_SECRET, ApiCall, WebApiServer, block_actions, view_submission
from tests.support.slackbot import Bot, new_channel, spare_node, text_of

APPROVALS = "C0APPROVALSNOBOT"


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def assembly(slack_api: WebApiServer, cluster_bed: ClusterBed, clock: ManualClock) -> Iterator[Assembly]:
    settings = slack_settings(cluster_bed, slack_api.api_url, name="approver-side")
    client = web_client(settings)
    actions = ActionExecutor(workers=2)
    built = assemble(
        settings,
        SlackNotifier(client),
        groups=SlackGroupDirectory(client, group_ids_in(settings)),
        executor=actions,
        clock=clock,
    )
    yield built
    actions.shutdown()


@pytest.fixture(scope="module")
def bot(slack_api: WebApiServer, cluster_bed: ClusterBed, assembly: Assembly) -> Iterator[Bot]:
    options = SlackAppOptions(signing_secret=SIGNING_SECRET, http=True, workers=8, verify_token=False)
    surface = SlackSurface(web_client(slack_settings(cluster_bed, slack_api.api_url, name="x")), assembly.dispatcher,
                           options)
    front = wsgi_app(surface.app, lambda: (True, "ok"), signing_secret=SIGNING_SECRET)
    server = HttpServer(front, host="127.0.0.1", port=0).start()
    yield Bot(f"http://127.0.0.1:{server.port}{EVENTS_PATH}", slack_api, cluster_bed.kube)
    server.stop()
    surface.close()



def _cards(bot: Bot, channel: str) -> list[ApiCall]:
    posts = [c for c in bot.api.of("chat.postMessage") if c.params.get("channel") == channel]
    return [c for c in posts if not c.params.get("thread_ts") and "Approval request" in c.params["text"]]


def _card(bot: Bot, channel: str, text: str, assembly: Assembly | None = None) -> ApiCall:
    """Ask for `text` as alice; the card Slack got. With `assembly`, also wait until the bot has recorded where the
    card is (a person's click comes seconds later; a test's comes at once)."""
    before = len(_cards(bot, channel))
    bot.slash(text, user=ALICE, channel=channel)
    bot.api.wait_for(lambda s: len(_cards(bot, channel)) > before)
    card = _cards(bot, channel)[before]
    if assembly is not None:
        deadline = time.monotonic() + 10
        while not any(c.ts == card.result["ts"] for r in assembly.approvals.store.pending() for c in r.cards):
            assert time.monotonic() < deadline, "the card was never recorded"
            time.sleep(0.02)
    return card


def _buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["text"]["text"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


def _message(call: ApiCall) -> dict[str, Any]:
    return {"type": "message", "user": "U0AKSBOT", "ts": call.result["ts"], "text": "", "blocks": call.params["blocks"]}


def _click(bot: Bot, user: str, channel: str, card: ApiCall, label: str) -> str:
    url = bot.api.response_url()
    action = _buttons(card.params["blocks"])[label]
    assert bot.interact(block_actions(user=user, channel=channel, message=_message(card), action=action,
                                      response_url=url)) == 200
    return url


def _last_update(bot: Bot, ts: str, pred: Any = lambda blocks: True) -> list[dict[str, Any]]:
    bot.api.wait_for(lambda s: any(c.params.get("ts") == ts and pred(c.params["blocks"]) for c in s.of("chat.update")))
    return [c.params["blocks"] for c in bot.api.of("chat.update") if c.params.get("ts") == ts][-1]


def _finished(blocks: list[dict[str, Any]]) -> bool:
    return set(_buttons(blocks)) == {"Audit trail"}


def _thread(bot: Bot, channel: str, ts: str, needle: str) -> str:
    bot.api.wait_for(
        lambda s: any(c.params.get("thread_ts") == ts and needle in text_of(c.params) for c in s.of("chat.postMessage"))
    )
    return next(text_of(c.params) for c in bot.api.of("chat.postMessage")
                if c.params.get("thread_ts") == ts and needle in text_of(c.params))


def test_an_approved_card_loses_its_buttons_and_the_requester_is_mentioned(bot: Bot, assembly: Assembly) -> None:
    channel, node = new_channel(), spare_node(bot.kube)
    card = _card(bot, channel, f"cordon {node}", assembly)
    assert set(_buttons(card.params["blocks"])) == {"Approve", "Deny", "Cancel"}
    assert "<@U0ALICE>" in text_of(card.params), "people are mentions on the card"
    _click(bot, BOB, channel, card, "Approve")
    final = _last_update(bot, card.result["ts"], lambda b: _finished(b) and "finished at" in json.dumps(b))
    assert "<@U0BOB>" in json.dumps(final)
    told = _thread(bot, channel, card.result["ts"], "finished at")
    assert "<@U0ALICE>: your request" in told
    # A click that still arrives (an old client) is answered to the clicker alone, and runs nothing more.
    late = _click(bot, BOB, channel, card, "Approve")
    answer = bot.answer_at(late)
    assert answer["response_type"] == "ephemeral" and "Already approved by" in json.dumps(answer)
    # Deny on the finished card opens no dialog.
    dialogs = len(bot.api.of("views.open"))
    denied_late = _click(bot, BOB, channel, card, "Deny")
    assert "Already approved" in json.dumps(bot.answer_at(denied_late))
    assert len(bot.api.of("views.open")) == dialogs
    request = next(r for r in assembly.approvals.store.in_states((State.SUCCEEDED,)) if node in r.text)
    assert request.state is State.SUCCEEDED
    bot.kube.apply({**bot.kube.get("nodes", node), "spec": {**bot.kube.get("nodes", node)["spec"],
                                                            "unschedulable": False}})


def test_deny_cancel_and_expiry_each_end_the_card_and_tell_the_requester(
    bot: Bot, assembly: Assembly, clock: ManualClock
) -> None:
    channel, node = new_channel(), spare_node(bot.kube)
    denied = _card(bot, channel, f"cordon {node}", assembly)
    _click(bot, BOB, channel, denied, "Deny")
    view = bot.api.wait_calls("views.open")[-1].params["view"]
    values = {"asked": {"value": {"type": "plain_text_input", "value": "not during the freeze"}}}
    assert bot.interact(view_submission(user=BOB, view=view, values=values)) == 200
    assert "not during the freeze" in json.dumps(_last_update(bot, denied.result["ts"], _finished))
    assert "<@U0ALICE>" in _thread(bot, channel, denied.result["ts"], "not during the freeze")

    cancelled = _card(bot, channel, f"cordon {node}", assembly)
    _click(bot, ALICE, channel, cancelled, "Cancel")
    assert "Cancelled by" in json.dumps(_last_update(bot, cancelled.result["ts"], _finished))

    expiring = _card(bot, channel, f"drain {node}", assembly)
    clock.advance(timedelta(minutes=16))
    assert assembly.approvals.expire_due() >= 1  # what the sweeper does every 30 s
    assert "Expired at" in json.dumps(_last_update(bot, expiring.result["ts"], _finished))
    assert "<@U0ALICE>" in _thread(bot, channel, expiring.result["ts"], "Expired at")
    assert not bot.kube.get("nodes", node)["spec"].get("unschedulable")


def test_a_cordon_clicked_under_a_chinese_answer_is_a_chinese_card_and_a_chinese_deny_dialog(
    bot: Bot, assembly: Assembly
) -> None:
    channel, node = new_channel(), spare_node(bot.kube)
    # The Cordon button under a Chinese diagnosis, as the bot posted it.
    button = {"action_id": "aksbot_1", "value": CommandRef("cordon", NodeArgs(node=node)).value,
              "text": {"type": "plain_text", "text": "隔离节点"}}
    headline = f"*节点 {node} 状态为 Unknown：kubelet 已停止上报节点状态*"
    diagnosis = {"type": "message", "user": "U0AKSBOT", "ts": "1700000000.000100", "text": f"诊断：节点 {node}",
                 "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": headline}},
                            {"type": "actions", "elements": [button]}]}
    before = len(bot.api.of("chat.postMessage"))
    assert bot.interact(block_actions(user=ALICE, channel=channel, message=diagnosis, action=button,
                                      response_url=bot.api.response_url())) == 200
    bot.api.wait_for(lambda s: any("审批请求" in c.params.get("text", "") for c in s.of("chat.postMessage")[before:]))
    card = next(c for c in bot.api.of("chat.postMessage")[before:] if "审批请求" in c.params.get("text", ""))
    assert set(_buttons(card.params["blocks"])) == {"批准", "拒绝", "撤回"}
    shown = json.dumps(card.params["blocks"], ensure_ascii=False)
    assert "等待一位审批人批准" in shown and "<@U0ALICE>" in shown
    deadline = time.monotonic() + 10
    while not any(c.ts == card.result["ts"] for r in assembly.approvals.store.pending() for c in r.cards):
        assert time.monotonic() < deadline, "the card was never recorded"
        time.sleep(0.02)
    # Deny asks for the reason in a dialog in the card's language, and the card ends in Chinese.
    dialogs = len(bot.api.of("views.open"))
    _click(bot, BOB, channel, card, "拒绝")
    bot.api.wait_for(lambda s: len(s.of("views.open")) > dialogs)
    view = bot.api.of("views.open")[-1].params["view"]
    assert view["close"]["text"] == "取消" and "拒绝的理由" in view["blocks"][0]["label"]["text"]
    values = {"asked": {"value": {"type": "plain_text_input", "value": "封网期间不做变更"}}}
    assert bot.interact(view_submission(user=BOB, view=view, values=values)) == 200
    final = json.dumps(_last_update(bot, card.result["ts"], lambda b: set(_buttons(b)) == {"审计记录"}),
                       ensure_ascii=False)
    assert "拒绝：封网期间不做变更。未执行任何操作。" in final
    # The card answered the click in the diagnosis's thread; the requester is told in that thread.
    told = _thread(bot, channel, card.params["thread_ts"], "封网期间不做变更")
    assert "<@U0ALICE>：你的请求" in told
    assert not bot.kube.get("nodes", node)["spec"].get("unschedulable")


def test_a_card_that_cannot_be_posted_is_refused_and_leaves_nothing_pending(
    slack_api: WebApiServer, cluster_bed: ClusterBed, bot: Bot
) -> None:
    settings = slack_settings(cluster_bed, slack_api.api_url, name="approvals-channel")
    settings = settings.model_copy(update={"approvals": settings.approvals.model_copy(update={"channel": APPROVALS})})
    slack_api.refuse_channels.add(APPROVALS)
    client = web_client(settings)
    built = assemble(settings, SlackNotifier(client), groups=SlackGroupDirectory(client, group_ids_in(settings)))
    options = SlackAppOptions(signing_secret=SIGNING_SECRET, http=True, workers=4, verify_token=False)
    surface = SlackSurface(client, built.dispatcher, options)
    front = wsgi_app(surface.app, lambda: (True, "ok"), signing_secret=SIGNING_SECRET)
    server = HttpServer(front, host="127.0.0.1", port=0).start()
    try:
        other = Bot(f"http://127.0.0.1:{server.port}{EVENTS_PATH}", slack_api, cluster_bed.kube)
        channel = new_channel()
        status, url = other.slash(f"cordon {spare_node(bot.kube)}", user=ALICE, channel=channel)
        assert status == 200
        answer = json.dumps(other.answer_at(url))
        assert "Nothing was requested" in answer and "/invite @aksbot" in answer and f"<#{APPROVALS}>" in answer
        assert built.approvals.store.pending() == []
        (failed,) = [r for r in built.approvals.store.in_states((State.FAILED,))]
        assert "approvals channel" in (failed.reason or "")
        time.sleep(0.2)
        assert not [c for c in slack_api.of("chat.postMessage") if c.params.get("channel") == channel]
    finally:
        server.stop()
        surface.close()
        slack_api.refuse_channels.discard(APPROVALS)


def test_a_card_posted_through_response_url_ends_in_its_final_state(bot: Bot, slack_api: WebApiServer) -> None:
    channel, node = new_channel(), spare_node(bot.kube)
    slack_api.refuse_channels.add(channel)  # the bot is not in the requester's channel
    try:
        _, url = bot.slash(f"cordon {node}", user=ALICE, channel=channel)
        card = bot.answer_at(url)
        assert card["response_type"] == "in_channel" and "Approve" in json.dumps(card["blocks"])
        action = _buttons(card["blocks"])["Approve"]
        message = {"type": "message", "ts": "1700000099.000001", "blocks": card["blocks"], "text": ""}
        click_url = bot.api.response_url()
        bot.interact(block_actions(user=BOB, channel=channel, message=message, action=action, response_url=click_url))
        path = url[len(slack_api.base):]
        slack_api.wait_for(lambda s: any(p == path and b.get("replace_original") and _finished(b["blocks"])
                                         and "finished at" in json.dumps(b["blocks"]) for p, b in s.responses))
        uses = [b for p, b in slack_api.responses if p == path]
        assert len(uses) <= 5, "Slack takes a response_url at most five times"
        # The requester hears the outcome directly (the card has no thread to reply in).
        slack_api.wait_for(lambda s: any(c.params.get("channel") == ALICE and "finished at" in text_of(c.params)
                                         for c in s.of("chat.postMessage")))
    finally:
        slack_api.refuse_channels.discard(channel)
        bot.kube.apply({**bot.kube.get("nodes", node), "spec": {**bot.kube.get("nodes", node)["spec"],
                                                                "unschedulable": False}})
