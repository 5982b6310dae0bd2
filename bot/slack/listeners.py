"""The Bolt app: every Slack payload acked at once, then turned into an `Incoming` for the dispatcher in a worker.

- `/k8s …` slash commands; `app_mention` events (answered in the mention's thread); direct messages
  (`message` events in an `im`);
- button clicks (`block_actions`): approve / cancel / "show more" / a diagnosis' suggested action run as the
  clicking user's command (its Slack user ID, never a display name), answered under the clicked message;
  Deny opens a modal for the reason, whose `view_submission` runs `/k8s deny <id> <reason>`.

The app runs with `process_before_response=True`. In one process, lazy listeners ack from the request's own
thread and run the dispatcher on the bounded `listener_executor`. Behind `aksbot serve`, the app only acks and
forwards each payload (`forward`) to a worker process whose own surface runs `handle(kind, body)`. The same app
serves HTTP (behind waitress) and Socket Mode.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackClientError
from slack_sdk.web import WebClient

from bot.dispatch import Dispatcher, Incoming
from bot.parser import Surface
from bot.slack.web import ReplyContext, SlackResponder
from bot.surface import MessageRef

log = logging.getLogger("aksbot.slack")

ACTION_ID = re.compile(r"^aksbot_(approve|deny|cancel|run)_\d+$")
DENY_MODAL = "aksbot_deny"
_REASON_BLOCK = "reason"
_REASON_INPUT = "reason"

Body = Mapping[str, Any]
Forward = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class SlackAppOptions:
    """How the Bolt app is built: `http` verifies request signatures; `workers` bounds concurrent commands."""

    signing_secret: str = ""
    http: bool = True
    workers: int = 16
    # auth.test at start: fails fast on a wrong token. Tests of the bare protocol may turn it off.
    verify_token: bool = True


class SlackSurface:
    """The Bolt app wired to a dispatcher; `app` is what the HTTP handler or the Socket Mode client drives."""

    def __init__(
        self,
        client: WebClient,
        dispatcher: Dispatcher | None,
        options: SlackAppOptions,
        *,
        forward: Forward | None = None,
    ) -> None:
        """With `forward`, this app only acks: each payload goes to `forward(kind, body)` (a worker process runs
        `handle(kind, body)` on its own surface); without it, the payloads are handled here on the worker pool."""
        if dispatcher is None and forward is None:
            raise ValueError("a SlackSurface needs a dispatcher, or somewhere to forward payloads to")
        self.client = client
        self._dispatcher = dispatcher
        self.forward = forward
        self.executor = ThreadPoolExecutor(
            max_workers=options.workers, thread_name_prefix="aksbot-slack", initializer=_lower_priority
        )
        self.app = App(
            client=client,
            signing_secret=options.signing_secret,
            request_verification_enabled=options.http,
            token_verification_enabled=options.verify_token,
            process_before_response=True,
            listener_executor=self.executor,
            # Bolt's own "unhandled request" warnings would log the whole payload; ours are quiet acks.
            raise_error_for_unhandled_request=False,
        )
        self._register()

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=False)

    # -- wiring -------------------------------------------------------------------------------------------
    def _register(self) -> None:
        app = self.app
        listen = (
            (app.command(re.compile(r"^/.+")), "slash"),
            (app.event("app_mention"), "mention"),
            (app.event("message"), "message"),
            (app.action(ACTION_ID), "click"),
            (app.view(DENY_MODAL), "deny_reason"),
        )
        for register, kind in listen:
            if self.forward is None:
                register(ack=_ack, lazy=[self._handlers()[kind]])
            else:
                register(self._ack_and_forward(self.forward, kind))

    @staticmethod
    def _ack_and_forward(forward: Forward, kind: str) -> Callable[[Ack, Body], None]:
        """Ack, then hand the payload to the worker process (a queue put: it does not wait for the worker)."""

        def listener(ack: Ack, body: Body) -> None:  # Bolt passes arguments by name
            ack()
            forward(kind, dict(body))

        return listener

    def _handlers(self) -> dict[str, Callable[[Body], None]]:
        return {
            "slash": self._on_slash,
            "mention": self._on_mention,
            "message": self._on_message,
            "click": self._on_click,
            "deny_reason": self._on_deny_reason,
        }

    def handle(self, kind: str, body: Body) -> None:
        """Handle one acked payload of `kind` (what a worker process does with what the front forwarded)."""
        handler = self._handlers().get(kind)
        if handler is None:
            log.warning("unknown forwarded payload kind %r", kind)
            return
        handler(body)

    @property
    def dispatcher(self) -> Dispatcher:
        if self._dispatcher is None:
            raise RuntimeError("this Slack surface only acks and forwards; it has no dispatcher")
        return self._dispatcher

    # -- listeners (run on the worker pool, after the ack) ------------------------------------------------
    def _on_slash(self, body: Body) -> None:
        text = str(body.get("text") or "").strip()
        context = ReplyContext(
            channel=str(body.get("channel_id") or ""),
            user=str(body.get("user_id") or ""),
            response_url=body.get("response_url") or None,
        )
        self._dispatch(Incoming(f"/k8s {text}".strip(), context.user, Surface.SLASH, context.channel), context)

    def _on_mention(self, body: Body) -> None:
        event = body.get("event") or {}
        if event.get("bot_id"):
            return
        channel = str(event.get("channel") or "")
        thread_ts = str(event.get("thread_ts") or event.get("ts") or "") or None
        context = ReplyContext(channel=channel, user=str(event.get("user") or ""), thread_ts=thread_ts)
        thread = MessageRef(channel, thread_ts) if thread_ts else None
        self._dispatch(Incoming(str(event.get("text") or ""), context.user, Surface.MENTION, channel, thread), context)

    def _on_message(self, body: Body) -> None:
        event = body.get("event") or {}
        # Only what a person typed in a DM with the bot: no edits, joins or other bots (the bot's own are
        # already filtered by Bolt).
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        channel = str(event.get("channel") or "")
        thread_ts = event.get("thread_ts")
        context = ReplyContext(channel=channel, user=str(event.get("user") or ""), thread_ts=thread_ts)
        thread = MessageRef(channel, str(thread_ts)) if thread_ts else None
        self._dispatch(Incoming(str(event.get("text") or ""), context.user, Surface.DM, channel, thread), context)

    def _on_click(self, body: Body) -> None:
        action = (body.get("actions") or [{}])[0]
        match = ACTION_ID.match(str(action.get("action_id") or ""))
        value = str(action.get("value") or "").strip()
        if match is None or not value:
            return
        verb = match.group(1)
        user = str((body.get("user") or {}).get("id") or "")
        channel = str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")
        message = body.get("message") or {}
        message_ts = str(message.get("ts") or (body.get("container") or {}).get("message_ts") or "")
        # Answers go under the clicked message: in its thread if it is itself a reply.
        thread_ts = str(message.get("thread_ts") or message_ts) or None
        if verb == "deny":
            self._open_deny_modal(body, value, channel, message_ts, thread_ts)
            return
        command = f"/k8s {verb} {value}" if verb in ("approve", "cancel") else value
        context = ReplyContext(channel, user, body.get("response_url") or None, thread_ts)
        ref = MessageRef(channel, message_ts) if message_ts else None
        self._dispatch(Incoming(command, user, Surface.SLASH, channel, thread=ref), context)

    def _on_deny_reason(self, body: Body) -> None:
        view = body.get("view") or {}
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            log.warning("deny modal with unreadable private_metadata")
            return
        values = ((view.get("state") or {}).get("values") or {}).get(_REASON_BLOCK) or {}
        reason = " ".join(str((values.get(_REASON_INPUT) or {}).get("value") or "").split())
        user = str((body.get("user") or {}).get("id") or "")
        channel, message_ts = str(meta.get("channel") or ""), str(meta.get("ts") or "")
        context = ReplyContext(channel, user, None, str(meta.get("thread_ts") or message_ts) or None)
        ref = MessageRef(channel, message_ts) if message_ts else None
        command = f"/k8s deny {meta.get('request_id', '')} {reason}".strip()
        self._dispatch(Incoming(command, user, Surface.SLASH, channel, thread=ref), context)

    # -- helpers ------------------------------------------------------------------------------------------
    def _open_deny_modal(self, body: Body, request_id: str, channel: str, ts: str, thread_ts: str | None) -> None:
        meta = json.dumps({"request_id": request_id, "channel": channel, "ts": ts, "thread_ts": thread_ts})
        try:
            self.client.views_open(trigger_id=str(body.get("trigger_id") or ""), view=deny_modal(request_id, meta))
        except SlackClientError as exc:
            # The trigger expires after 3 s; without the modal, say how to deny by typing instead.
            log.warning("views.open for deny of %s failed: %s", request_id, exc)
            user = str((body.get("user") or {}).get("id") or "")
            responder = SlackResponder(self.client, ReplyContext(channel, user, body.get("response_url"), thread_ts))
            responder.tell_user(f"Could not open the reason dialog. Type `/k8s deny {request_id} <reason>` instead.")

    def _dispatch(self, incoming: Incoming, context: ReplyContext) -> None:
        responder = SlackResponder(self.client, context)
        try:
            outcome = self.dispatcher.handle(incoming, responder)
        except Exception:  # the dispatcher answers every error itself; this is a bug, keep the worker alive
            log.exception("dispatch failed for a %s from %s", incoming.surface.value, incoming.user)
            return
        for failure in responder.failures:
            log.error(
                json.dumps(
                    {
                        "event": "reply_failed",
                        "correlation_id": outcome.correlation_id,
                        "user": incoming.user,
                        "channel": context.channel,
                        "visibility": failure.visibility.value,
                        "summary": failure.summary[:200],
                        "error": failure.error,
                    },
                    ensure_ascii=False,
                )
            )


def _lower_priority() -> None:
    """Run command workers at a lower OS priority than the threads that ack, so acks stay prompt under load.

    Linux schedules threads as tasks of their own, so a thread's nice value is its own. Where that is not
    allowed, workers simply keep the default priority.
    """
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


def _ack(ack: Ack) -> None:
    ack()


def deny_modal(request_id: str, private_metadata: str) -> dict[str, Any]:
    """The reason dialog of a Deny click; `private_metadata` carries the request and the card's message."""
    return {
        "type": "modal",
        "callback_id": DENY_MODAL,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Deny request"},
        "submit": {"type": "plain_text", "text": "Deny"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": _REASON_BLOCK,
                "label": {"type": "plain_text", "text": f"Why deny {request_id[:60]}?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": _REASON_INPUT,
                    "multiline": True,
                    "min_length": 3,
                    "max_length": 500,
                },
            }
        ],
    }
