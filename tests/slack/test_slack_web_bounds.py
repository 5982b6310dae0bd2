"""The Slack Web API client's bound, through slack_sdk against the local Web API double and a silent listener:
a silent Slack costs one attempt (a timeout is not retried), a 429 whose Retry-After does not fit in the bound is
the answer at once (the reply is reported as failed, not waited on for minutes), one that fits is waited out."""

from __future__ import annotations

from bot.blocks import View
from bot.settings import from_mapping
from bot.slack.web import SLACK_CALL_BOUND_S, ReplyContext, SlackResponder, web_client
from bot.surface import Reply, Visibility
from tests.support.network import SilentListener
from tests.support.slack import BOT_TOKEN, WebApiServer


def _client(api_url: str, timeout: int) -> SlackResponder:
    settings = from_mapping({"clusters": []}, source="bounds.yaml",
                            environ={"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": api_url})
    return SlackResponder(web_client(settings, timeout=timeout), ReplyContext(channel="C0BOUNDS", user="U0ALICE"))


def _reply(text: str) -> Reply:
    return Reply(View(text, ()), Visibility.CHANNEL)


def test_a_silent_slack_costs_one_attempt_per_call() -> None:
    with SilentListener() as silent:
        responder = _client(f"http://127.0.0.1:{silent.port}/api/", timeout=1)
        assert responder.send(_reply("nodes")) is None
        # chat.postMessage timed out once; the note to the user (chat.postEphemeral) timed out once.
        assert silent.accepted == 2
    (failure,) = responder.failures
    assert "timed out" in failure.error


def test_a_retry_after_longer_than_the_bound_is_not_waited_on(slack_api: WebApiServer) -> None:
    slack_api.reset()
    slack_api.fail_next("chat.postMessage", status=429, retry_after=int(SLACK_CALL_BOUND_S) * 3)
    responder = _client(slack_api.api_url, timeout=6)
    assert responder.send(_reply("nodes")) is None
    assert [c.method for c in slack_api.calls][:1] == ["chat.postMessage!failed"]
    assert not slack_api.of("chat.postMessage")
    assert responder.failures and responder.failures[0].error == "ratelimited"


def test_a_short_retry_after_is_waited_out(slack_api: WebApiServer) -> None:
    slack_api.reset()
    slack_api.fail_next("chat.postMessage", status=429, retry_after=0)
    responder = _client(slack_api.api_url, timeout=6)
    assert responder.send(_reply("nodes")) is not None
    assert [c.method for c in slack_api.calls] == ["chat.postMessage!failed", "chat.postMessage"]
