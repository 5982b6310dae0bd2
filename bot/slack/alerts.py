"""Alert messages through Slack's Web API: the `Poster` the alert outlet sends with in `aksbot serve`.

`chat.postMessage` makes a problem's message (or a reply in its thread), `chat.update` edits it in place,
`chat.delete` withdraws a duplicate. Views are rendered by `bot.render_slack` (Slack's block limits) with the
summary as the notification `text`; links are not unfurled (a Grafana or runbook link would push the card
off-screen).

Its client retries a fast connection failure once and never sleeps on a 429: the outlet learns of the rate limit
(`SendError.retry_after`) and schedules the work in the store, so a rate-limited channel holds no thread and a
restart keeps the wait. Slack's refusals become `SendError`s:

    HTTP 429 / ratelimited                       retry_after = Retry-After (seconds; 1 when Slack gave none)
    channel_not_found, not_in_channel,           permanent: nothing changes until an admin acts (the outlet
    is_archived, invalid_blocks, missing_scope,  keeps the work, retries slowly, logs the channel and the fix)
    restricted_action, msg_too_long, …
    message_not_found, cant_update_message       gone: the message was deleted; nothing left to update
    timeouts, dropped connections, HTTP 5xx,     temporary, and the message may exist all the same
    fatal_error, internal_error, …               (`maybe_delivered`): backed off and retried, looked for first
    anything else                                temporary: backed off and retried

Every post carries Slack message metadata (`event_type` "aksbot_alert", the marks of the outbox items it is for:
`OutboxItem.mark`), invisible in
the channel; `find` reads the channel's history with that metadata (`conversations.history`,
`include_all_metadata`) to learn whether an attempt whose answer was lost made the message after all. That read
needs `channels:history` (and `groups:history` for a private alert channel).

The token never reaches an error or a log line: codes only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web import WebClient

from bot.alerts.ports import SendError
from bot.blocks import View
from bot.render_slack import render_slack
from bot.settings import Settings
from bot.slack.web import SLACK_CALL_BOUND_S, SLACK_REQUEST_TIMEOUT_S, FastFailureRetryHandler, api_url

# Slack's error codes after which only a person can make the message go through.
PERMANENT = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "invalid_blocks", "invalid_blocks_format",
    "missing_scope", "restricted_action", "msg_too_long", "too_many_attachments", "no_text", "invalid_auth",
    "account_inactive", "token_revoked", "not_authed", "edit_window_closed", "channel_is_archived",
    "team_access_not_granted", "ekm_access_denied",
})
# chat.update's words for a message that is no longer there to edit (deleted in Slack).
GONE = frozenset({"message_not_found", "cant_update_message"})
# Slack's words for a failure on its side, after which the request may or may not have been carried out.
UNSURE = frozenset({"fatal_error", "internal_error", "service_unavailable", "request_timeout"})
EVENT_TYPE = "aksbot_alert"
HISTORY_PAGES = 5  # of 200 messages: how far back `find` reads a busy channel


def alert_client(settings: Settings, *, timeout: int = SLACK_REQUEST_TIMEOUT_S) -> WebClient:
    """A Web API client for alert messages: bounded like every Slack call, but a 429 is the answer, not a sleep."""
    token = settings.slack.bot_token.get_secret_value() if settings.slack.bot_token else None
    return WebClient(token=token, base_url=api_url(settings), timeout=timeout,
                     retry_handlers=[FastFailureRetryHandler(timeout, SLACK_CALL_BOUND_S)])


def _retry_after(error: SlackApiError) -> float:
    headers = error.response.headers or {}
    for key, value in headers.items():
        if key.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return max(float(raw), 0.0)
            except (TypeError, ValueError):
                break
    return 1.0


def send_error(exc: BaseException) -> SendError:
    """What a slack_sdk failure means for the outlet (see the module docstring)."""
    if isinstance(exc, SlackApiError):
        code = str(exc.response.get("error") or f"http_{exc.response.status_code}")
        if exc.response.status_code == 429 or code == "ratelimited":
            return SendError("ratelimited", retry_after=_retry_after(exc))
        unsure = exc.response.status_code >= 500 or code in UNSURE
        return SendError(code, permanent=code in PERMANENT, gone=code in GONE, maybe_delivered=unsure)
    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return SendError("timeout", maybe_delivered=True)
    return SendError(f"unreachable: {type(exc).__name__}", maybe_delivered=True)


class SlackAlertPoster:
    """Posts, updates and withdraws alert messages (`bot.alerts.ports.Poster`)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> SlackAlertPoster:
        return cls(alert_client(settings))

    def post(self, channel: str, view: View, *, thread_ts: str | None = None, marks: Sequence[str] = ()) -> str:
        message = render_slack(view)
        metadata = {"event_type": EVENT_TYPE, "event_payload": {"items": list(marks)}} if marks else None
        try:
            response = self.client.chat_postMessage(channel=channel, text=message.text, blocks=message.blocks,
                                                    thread_ts=thread_ts, unfurl_links=False, unfurl_media=False,
                                                    metadata=metadata)
        except (SlackClientError, OSError) as exc:
            raise send_error(exc) from None
        return str(response["ts"])

    def update(self, channel: str, ts: str, view: View) -> None:
        message = render_slack(view)
        try:
            self.client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)
        except (SlackClientError, OSError) as exc:
            raise send_error(exc) from None

    def delete(self, channel: str, ts: str) -> None:
        try:
            self.client.chat_delete(channel=channel, ts=ts)
        except (SlackClientError, OSError) as exc:
            raise send_error(exc) from None

    def find(self, channel: str, marks: Sequence[str], since: datetime, *, thread_ts: str | None = None
             ) -> tuple[str, frozenset[str]] | None:
        wanted = set(marks)
        cursor: str | None = None
        oldest = f"{since.timestamp() - 1:.6f}"
        for _ in range(HISTORY_PAGES):
            try:
                if thread_ts is None:
                    page = self.client.conversations_history(channel=channel, oldest=oldest, include_all_metadata=True,
                                                             limit=200, cursor=cursor)
                else:
                    page = self.client.conversations_replies(channel=channel, ts=thread_ts, oldest=oldest,
                                                             include_all_metadata=True, limit=200, cursor=cursor)
            except (SlackClientError, OSError) as exc:
                raise send_error(exc) from None
            for message in page.get("messages") or ():
                made = _marks_of(message)
                if made & wanted:
                    return str(message["ts"]), made
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None


def _marks_of(message: Mapping[str, Any]) -> frozenset[str]:
    """The outbox items a message says it was posted for (its aksbot metadata), none for any other message."""
    metadata = message.get("metadata")
    if not isinstance(metadata, Mapping) or metadata.get("event_type") != EVENT_TYPE:
        return frozenset()
    items = (metadata.get("event_payload") or {}).get("items")
    return frozenset(i for i in items if isinstance(i, str)) if isinstance(items, list) else frozenset()
