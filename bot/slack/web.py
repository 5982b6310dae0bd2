"""Replies through the Slack Web API: the per-request `SlackResponder`, the `SlackNotifier` the approval workflow
uses, and the `WebClient` they share.

Every Web API call (and every `response_url` post) ends within `SLACK_CALL_BOUND_S`: each HTTP attempt waits at
most `SLACK_REQUEST_TIMEOUT_S`, and slack_sdk's retry handlers retry only within what is left of the bound — a
fast connection failure (reset, refused) once, never a timeout (a silent Slack would double the wait), and a
429 after its `Retry-After` only when that wait still fits; otherwise the 429 is the answer. So a burst of
answers slows down within the bound instead of holding a worker. A reply is never dropped silently: when the
channel refuses the bot (not invited, archived) the answer goes back through the slash command's
`response_url`; when that fails too the failure is kept on the responder so the caller logs it with the
request's correlation id.

This module renders with `bot.render_slack` and does nothing else with views; it never decides visibility
(the dispatcher does) and never reads the environment (settings do).
"""

from __future__ import annotations

import json
import logging
import socket
from dataclasses import dataclass
from typing import Any
from urllib.error import URLError

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookClient

from bot.blocks import Channel, View
from bot.errors import NotDelivered
from bot.i18n import SLACK
from bot.refs import CommandRef
from bot.registry import REGISTRY, Lang
from bot.render_slack import render_slack
from bot.settings import Settings
from bot.slack.dialogs import ask_modal
from bot.surface import MessageRef, Reply, Visibility

log = logging.getLogger("aksbot.slack")

DEFAULT_API_URL = "https://slack.com/api/"
# Channel errors after which the slash command's response_url still reaches the user.
_CHANNEL_REFUSED = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "cannot_reply_to_message"}
)


# One Web API call, retries and waits included, ends within this; each HTTP attempt within the timeout.
SLACK_CALL_BOUND_S = 20
SLACK_REQUEST_TIMEOUT_S = 6


def _spent(state: RetryState, timeout: float) -> float:
    """An upper bound of the time the call has taken: every attempt at its timeout, plus the waits so far."""
    slept = float((state.custom_values or {}).get("slept", 0.0))
    return (state.current_attempt + 1) * timeout + slept


def _timed_out(error: Exception | None) -> bool:
    if isinstance(error, URLError):
        error = error.reason if isinstance(error.reason, Exception) else None
    return isinstance(error, (TimeoutError, socket.timeout))


class FastFailureRetryHandler(ConnectionErrorRetryHandler):
    """Retries a connection that failed at once (reset, refused, closed by the server), never one that timed out."""

    def __init__(self, timeout: float, bound: float) -> None:
        super().__init__(max_retry_count=1)
        self.timeout = timeout
        self.bound = bound

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _timed_out(error) or _spent(state, self.timeout) + self.timeout > self.bound:
            return False
        return bool(super()._can_retry(state=state, request=request, response=response, error=error))


class BoundedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Waits out a 429's `Retry-After` only when the wait and one more attempt fit in what is left of the bound."""

    def __init__(self, timeout: float, bound: float, max_retry_count: int = 3) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.timeout = timeout
        self.bound = bound

    @staticmethod
    def _retry_after(response: HttpResponse | None) -> float:
        if response is None:
            return 0.0
        for key, values in response.headers.items():
            if key.lower() == "retry-after" and values:
                try:
                    return float(values[0])
                except ValueError:
                    return 1.0
        return 1.0

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        # slack_sdk sleeps Retry-After plus up to one second of jitter.
        wait = self._retry_after(response) + 1.0
        return _spent(state, self.timeout) + wait + self.timeout <= self.bound

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        values: dict[str, Any] = state.custom_values if state.custom_values is not None else {}
        values["slept"] = float(values.get("slept", 0.0)) + self._retry_after(response) + 1.0
        state.custom_values = values
        super().prepare_for_next_attempt(state=state, request=request, response=response, error=error)


def retry_handlers(
    timeout: float = SLACK_REQUEST_TIMEOUT_S, bound: float = SLACK_CALL_BOUND_S
) -> list[RetryHandler]:
    """429s wait for Retry-After and a fast connection failure is retried once, all within `bound` seconds."""
    return [FastFailureRetryHandler(timeout, bound), BoundedRateLimitRetryHandler(timeout, bound)]


def api_url(settings: Settings) -> str:
    url = settings.slack.api_url or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


def web_client(settings: Settings, *, timeout: int = SLACK_REQUEST_TIMEOUT_S) -> WebClient:
    """The bot's Web API client: token and base URL from the settings, rate limits honoured within the bound."""
    token = settings.slack.bot_token.get_secret_value() if settings.slack.bot_token else None
    return WebClient(token=token, base_url=api_url(settings), timeout=timeout, retry_handlers=retry_handlers(timeout))


@dataclass(frozen=True)
class ReplyContext:
    """Where a request came from, so its answer goes back there.

    `response_url` is set for slash commands and clicks (ephemeral answers, and the fallback when the bot may not
    post in the channel). The thread an answer goes in is the reply's anchor, not the context's.
    """

    channel: str
    user: str
    response_url: str | None = None
    trigger_id: str | None = None  # a click's: opens a dialog within 3 s
    lang: Lang = "en"  # a click's: the language of the message clicked on, kept for the dialog it opens


@dataclass(frozen=True)
class FailedReply:
    """A reply that could not be delivered anywhere; logged with the request's correlation id."""

    summary: str
    visibility: Visibility
    error: str


class SlackResponder:
    """Answers one request in the conversation it came from (`bot.surface.Responder`)."""

    def __init__(self, client: WebClient, context: ReplyContext, thread: MessageRef | None = None) -> None:
        """`thread`: the request's anchor, where a dialog's answer will go."""
        self.client = client
        self.context = context
        self.thread = thread
        self.failures: list[FailedReply] = []
        self.sent: list[MessageRef | None] = []

    def send(self, reply: Reply) -> MessageRef | None:
        message = render_slack(reply.view)
        ctx = self.context
        try:
            if reply.visibility is Visibility.EPHEMERAL:
                self._ephemeral(message.text, message.blocks, reply.anchor)
                self.sent.append(None)
                return None
            thread = reply.anchor.ts if reply.anchor else None
            try:
                response = self.client.chat_postMessage(
                    channel=ctx.channel, text=message.text, blocks=message.blocks, thread_ts=thread
                )
            except SlackApiError as exc:
                error = str(exc.response.get("error", ""))
                if error not in _CHANNEL_REFUSED or not ctx.response_url:
                    raise
                # The bot is not in this channel: the slash command's response_url still reaches everyone there.
                # Such a message has no ts; its response_url is how it can be replaced later (a card's outcome).
                log.info("chat.postMessage refused (%s) in %s; answering through response_url", error, ctx.channel)
                self._webhook(message.text, message.blocks, "in_channel")
                fallback = MessageRef(ctx.channel, "", ctx.response_url)
                self.sent.append(fallback)
                return fallback
            ref = MessageRef(str(response["channel"]), str(response["ts"]), thread=thread)
            self.sent.append(ref)
            return ref
        except (SlackClientError, OSError) as exc:
            self.failures.append(FailedReply(reply.view.summary, reply.visibility, _describe(exc)))
            self._tell_user_it_failed(reply, exc)
            return None

    def ask(self, ref: CommandRef, param: str) -> bool:
        """Open the dialog asking for `param` of the clicked command (`bot.surface.Asker`); False when it cannot
        be opened (no click to open it from, or its trigger has expired)."""
        spec = REGISTRY.get(ref.command)
        wanted = next((p for p in spec.params if p.name == param), None) if spec is not None else None
        if wanted is None or not self.context.trigger_id:
            return False
        meta = json.dumps(
            {"ref": ref.value, "param": param, "channel": self.context.channel, "thread_ts": self._thread_ts,
             "lang": self.context.lang},
            separators=(",", ":"),
        )
        try:
            view = ask_modal(ref, wanted, meta, self.context.lang)
            self.client.views_open(trigger_id=self.context.trigger_id, view=view)
        except SlackClientError as exc:
            log.warning("views.open for %s failed: %s", ref.command, exc)
            return False
        return True

    @property
    def _thread_ts(self) -> str | None:
        return self.thread.ts if self.thread else None

    def _ephemeral(self, text: str, blocks: list[dict[str, object]], anchor: MessageRef | None) -> None:
        ctx = self.context
        if ctx.response_url:
            self._webhook(text, blocks, "ephemeral")
            return
        self.client.chat_postEphemeral(
            channel=ctx.channel, user=ctx.user, text=text, blocks=blocks, thread_ts=anchor.ts if anchor else None
        )

    def _webhook(self, text: str, blocks: list[dict[str, object]], response_type: str) -> None:
        assert self.context.response_url is not None
        hook = WebhookClient(
            self.context.response_url, timeout=SLACK_REQUEST_TIMEOUT_S, retry_handlers=retry_handlers()
        )
        response = hook.send(text=text, blocks=blocks, response_type=response_type, replace_original=False)
        if response.status_code != 200:
            raise SlackClientError(f"response_url answered {response.status_code}: {response.body[:200]}")

    def _tell_user_it_failed(self, reply: Reply, exc: Exception) -> None:
        self.tell_user(
            SLACK.could_not_post(self.context.lang, error=_describe(exc)),
            prefer_response_url=reply.visibility is not Visibility.EPHEMERAL,
        )

    def tell_user(self, text: str, *, prefer_response_url: bool = True) -> None:
        """Best effort, only to the asker: used when the real answer cannot be delivered."""
        ctx = self.context
        try:
            if ctx.response_url and prefer_response_url:
                self._webhook(text, [], "ephemeral")
            else:
                self.client.chat_postEphemeral(channel=ctx.channel, user=ctx.user, text=text)
        except (SlackClientError, OSError):
            log.debug("could not tell %s that a reply failed", ctx.user, exc_info=True)


class SlackNotifier:
    """Posts and edits messages anywhere (`bot.surface.Notifier`): approval cards, progress in a card's thread.

    Slack's refusals become `NotDelivered` with what to do about them (invite the bot, add a scope)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def post(self, channel: str, view: View, thread: MessageRef | None = None) -> MessageRef | None:
        message = render_slack(view)
        thread_ts = thread.thread_root if thread else None
        try:
            response = self.client.chat_postMessage(
                channel=channel, text=message.text, blocks=message.blocks, thread_ts=thread_ts
            )
        except (SlackClientError, OSError) as exc:
            raise not_delivered(exc, channel) from exc
        return MessageRef(str(response["channel"]), str(response["ts"]), thread=thread_ts)

    def update(self, ref: MessageRef, view: View) -> None:
        message = render_slack(view)
        try:
            if ref.ts:
                self.client.chat_update(channel=ref.channel, ts=ref.ts, text=message.text, blocks=message.blocks)
                return
            if not ref.response_url:
                raise NotDelivered(("The message in ", Channel(ref.channel), " cannot be edited (no timestamp)."))
            # A card posted through a slash command's response_url: replaced through it while Slack allows
            # (a few uses within 30 minutes).
            hook = WebhookClient(ref.response_url, timeout=15, retry_handlers=retry_handlers())
            response = hook.send(
                text=message.text, blocks=message.blocks, response_type="in_channel", replace_original=True
            )
            if response.status_code != 200:
                raise NotDelivered(
                    (
                        "The card in ",
                        Channel(ref.channel),
                        f" can no longer be replaced (its response_url answered {response.status_code}).",
                    ),
                    code=str(response.status_code),
                )
        except (SlackClientError, OSError) as exc:
            raise not_delivered(exc, ref.channel) from exc

    def tell(self, user: str, view: View) -> None:
        """A direct message from the bot to `user` (chat.postMessage to a user ID opens the bot's DM with them)."""
        self.post(user, view)


# What an admin does about a channel Slack refused a message in ({channel} is where the channel's link goes).
_HINTS = {
    "not_in_channel": "Invite the bot there: `/invite @aksbot` in {channel}.",
    "channel_not_found": "Check the channel ID in the configuration: {channel} does not exist, or is private and "
    "the bot is not in it.",
    "is_archived": "{channel} is archived: point the configuration at a live channel.",
    "restricted_action": "A workspace admin restricts who may post in {channel}.",
    "missing_scope": "The Slack app lacks the `{needed}` scope: add it under OAuth & Permissions and reinstall.",
}


def _with_channel(text: str, channel: str) -> tuple[str | Channel, ...]:
    before, _, after = text.partition("{channel}")
    return (before, Channel(channel), *_with_channel(after, channel)) if _ else (text,)


def not_delivered(exc: BaseException, channel: str) -> NotDelivered:
    """The project's error for a message Slack would not take, saying what to do."""
    if isinstance(exc, SlackApiError):
        code = str(exc.response.get("error") or exc.response.status_code)
        needed = str(exc.response.get("needed") or "the needed")
        hint = _HINTS.get(code, "").replace("{needed}", needed)
        return NotDelivered(
            ("Slack refused a message for ", Channel(channel), f" ({code}). ", *_with_channel(hint, channel)),
            code=code,
        )
    return NotDelivered(
        ("Slack could not be reached to post in ", Channel(channel), f" ({_describe(exc)})."), code="unreachable"
    )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or exc.response.status_code)
    return type(exc).__name__ + (f": {exc}" if str(exc) else "")
