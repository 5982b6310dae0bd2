"""The real Bolt app in Socket Mode: `apps.connections.open` answered by the local Web API server, then Slack's
envelopes over a local websocket; every envelope acked with its envelope_id, answers through the Web API."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.slack.serve import build_surface
from tests.slack.conftest import CAROL, MALLORY, ClusterBed, slack_settings
from tests.support.slack import (
    APP_TOKEN,
    SocketModeServer,
    WebApiServer,
    block_actions,
    mention_event,
    slash_command_fields,
)


@dataclass
class SocketBot:
    ws: SocketModeServer
    api: WebApiServer


@pytest.fixture(scope="module")
def socket_bot(slack_api: WebApiServer, cluster_bed: ClusterBed) -> Iterator[SocketBot]:
    ws = SocketModeServer().start()
    slack_api.socket_url = ws.url
    settings = slack_settings(cluster_bed, slack_api.api_url, name="socket", extra_env={"SLACK_APP_TOKEN": APP_TOKEN})
    surface = build_surface(settings, http=False, workers=8)
    assert settings.slack.app_token is not None
    handler = SocketModeHandler(surface.app, app_token=settings.slack.app_token.get_secret_value())
    handler.connect()  # type: ignore[no-untyped-call]
    ws.wait_connected()
    yield SocketBot(ws, slack_api)
    handler.close()  # type: ignore[no-untyped-call]
    surface.close()
    ws.stop()
    slack_api.socket_url = None


def _channel() -> str:
    return "C" + uuid.uuid4().hex[:9].upper()


def test_the_app_token_opens_the_connection(socket_bot: SocketBot) -> None:
    opened = socket_bot.api.of("apps.connections.open")
    assert opened and opened[-1].token == APP_TOKEN


def test_slash_command_envelope_is_acked_then_answered(socket_bot: SocketBot) -> None:
    channel = _channel()
    fields = slash_command_fields("nodes", user=CAROL, channel=channel, response_url=socket_bot.api.response_url())
    started = time.monotonic()
    envelope_id = socket_bot.ws.push("slash_commands", dict(fields), accepts_response_payload=True)
    ack = socket_bot.ws.wait_ack(envelope_id)
    assert time.monotonic() - started < 3
    assert ack["envelope_id"] == envelope_id
    socket_bot.api.wait_for(lambda s: any(c.params.get("channel") == channel for c in s.of("chat.postMessage")))
    answer = next(c for c in socket_bot.api.of("chat.postMessage") if c.params.get("channel") == channel)
    assert "Ready" in json.dumps(answer.params["blocks"])


def test_mention_envelope_is_answered_in_thread(socket_bot: SocketBot) -> None:
    channel = _channel()
    payload = mention_event("nodes", user=CAROL, channel=channel, ts="1700000100.000001")
    envelope_id = socket_bot.ws.push("events_api", payload, accepts_response_payload=False)
    socket_bot.ws.wait_ack(envelope_id)
    socket_bot.api.wait_for(lambda s: any(c.params.get("channel") == channel for c in s.of("chat.postMessage")))
    answer = next(c for c in socket_bot.api.of("chat.postMessage") if c.params.get("channel") == channel)
    assert answer.params["thread_ts"] == "1700000100.000001"


def test_interactive_envelope_runs_as_the_clicking_user(socket_bot: SocketBot) -> None:
    channel = _channel()
    response_url = socket_bot.api.response_url()
    message = {"type": "message", "user": "U0AKSBOT", "ts": "1700000101.000001", "text": "x", "blocks": []}
    action = {"action_id": "aksbot_run_1", "value": "/k8s nodes", "text": {"type": "plain_text", "text": "Nodes"}}
    payload = block_actions(user=MALLORY, channel=channel, message=message, action=action, response_url=response_url)
    socket_bot.ws.wait_ack(socket_bot.ws.push("interactive", payload, accepts_response_payload=False))
    path = response_url[len(socket_bot.api.base) :]
    socket_bot.api.wait_for(lambda s: any(p == path for p, _ in s.responses))
    refused = next(body for p, body in socket_bot.api.responses if p == path)
    assert refused["response_type"] == "ephemeral"
    assert not [c for c in socket_bot.api.of("chat.postMessage") if c.params.get("channel") == channel]


def test_a_menu_choice_arrives_as_an_interactive_envelope_and_runs_its_option(socket_bot: SocketBot) -> None:
    """A `static_select` in a Socket Mode envelope: the chosen option's command runs, as a button's would."""
    channel = _channel()
    socket_bot.ws.wait_ack(socket_bot.ws.push(
        "events_api", mention_event("what is the best pizza in town", user=CAROL, channel=channel,
                                    ts="1700000102.000001"), accepts_response_payload=False))
    socket_bot.api.wait_for(lambda s: any(c.params.get("channel") == channel for c in s.of("chat.postMessage")))
    reply = next(c for c in socket_bot.api.of("chat.postMessage") if c.params.get("channel") == channel)
    menu = next(e for b in reply.params["blocks"] if b["type"] == "actions" for e in b["elements"]
                if e["type"] == "static_select")
    option = next(o for o in menu["options"] if o["text"]["text"].startswith("SNAT port exhaustion"))
    action = {"type": "static_select", "action_id": menu["action_id"], "block_id": "b1", "selected_option": option,
              "action_ts": "1700000102.000200"}
    message = {"type": "message", "user": "U0AKSBOT", "ts": reply.result["ts"], "text": "",
               "blocks": reply.params["blocks"]}
    payload = block_actions(user=CAROL, channel=channel, message=message, action=action,
                            response_url=socket_bot.api.response_url())
    socket_bot.ws.wait_ack(socket_bot.ws.push("interactive", payload, accepts_response_payload=False))
    socket_bot.api.wait_for(lambda s: sum(c.params.get("channel") == channel for c in s.of("chat.postMessage")) >= 2)
    opened = [c for c in socket_bot.api.of("chat.postMessage") if c.params.get("channel") == channel][-1]
    assert "SNAT port exhaustion" in json.dumps(opened.params["blocks"])
