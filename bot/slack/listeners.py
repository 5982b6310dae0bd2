"""The Bolt app: every Slack payload acked at once, then turned into an `Incoming` for the dispatcher in a worker.

- `/k8s …` slash commands; `app_mention` events (answered in the mention's thread); direct messages
  (`message` events in an `im`);
- `reaction_added` events: a 📌 on a message in an incident channel goes on its timeline (`on_reaction`);
- button clicks (`block_actions`): every button's value is a typed command reference (`bot.refs`); it runs as the
  clicking user's command (its Slack user ID, never a display name), answered under the clicked message. A
  reference that leaves out an argument its command asks for (Deny's reason) first opens a dialog for it, whose
  `view_submission` runs the completed reference.

The app runs with `process_before_response=True`: each listener keeps the delivery in the inbox
(`bot.slack.inbox`: a retry or replay of one already kept is acked and dropped), acks, and hands it on — to this
surface's bounded executor in one process, or behind `aksbot serve` (`forward`) to a worker process whose own
surface runs `handle(delivery)`. The surface that answers also answers deliveries whose process died before it
could (`recover`). The same app serves HTTP (behind waitress) and Socket Mode.
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

from pydantic import ValidationError
from slack_bolt import Ack, App
from slack_sdk.web import WebClient

from bot.approvals.commands import approve_ref, cancel_ref, deny_ref
from bot.dispatch import Dispatcher
from bot.i18n import SLACK, param_help
from bot.incidents.ports import Reaction
from bot.parser import read_lang
from bot.refs import CommandRef, RefError, decode
from bot.registry import Lang
from bot.slack.dialogs import ASK_BLOCK, ASK_INPUT, ASK_MODAL
from bot.slack.inbox import Delivery, Inbox
from bot.slack.web import ReplyContext, SlackResponder
from bot.surface import Incoming, InputKind, MessageRef

log = logging.getLogger("aksbot.slack")


class _ClientOverEnvironmentToken(logging.Filter):
    """Drops one warning of Bolt's: given no `token`, `App` reads SLACK_BOT_TOKEN from the environment itself, and
    then warns that the `client` it was given (made by `bot.settings` from that same variable) wins over it. It
    would be logged at every start by both processes, with nothing to act on; every other Bolt warning passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

        return record.getMessage() != warning_client_prioritized_and_token_skipped()


logging.getLogger("slack_bolt.App").addFilter(_ClientOverEnvironmentToken())

# `aksbot_<n>`, whose value is a command reference; the older `aksbot_<verb>_<n>` forms are still answered, so
# cards posted before an upgrade keep working.
ACTION_ID = re.compile(r"^aksbot_(?:(approve|deny|cancel|run)_)?\d+$")
_LEGACY = {"approve": approve_ref, "deny": deny_ref, "cancel": cancel_ref}

Body = Mapping[str, Any]
Forward = Callable[[Delivery], None]
RECOVER_EVERY_S = 5.0


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
        on_reaction: Callable[[Reaction], object] | None = None,
        inbox: Inbox | None = None,
    ) -> None:
        """With `forward`, this app only keeps and acks: each delivery goes to `forward(delivery)` (a worker
        process runs `handle(delivery)` on its own surface); without it, deliveries are handled here on the
        worker pool. `on_reaction` receives the emoji reactions people add (the incident timeline's 📌).
        `inbox` keeps every delivery until it is answered, and answers each once (`bot.slack.inbox`)."""
        if dispatcher is None and forward is None:
            raise ValueError("a SlackSurface needs a dispatcher, or somewhere to forward payloads to")
        self.client = client
        self._dispatcher = dispatcher
        self.forward = forward
        self.on_reaction = on_reaction
        self.inbox = inbox
        self._closers: list[Callable[[], None]] = []
        self._closed = threading.Event()
        self._recovering: threading.Thread | None = None
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

    def on_close(self, closer: Callable[[], None]) -> None:
        """Run `closer` when the surface closes (the sweeper, the approved actions' executor)."""
        self._closers.append(closer)

    def recover(self) -> None:
        """Answer, every `RECOVER_EVERY_S`, the deliveries a process that died kept and did not answer (a
        thread until `close()`); only a surface that answers (one with a dispatcher) does this."""
        if self.inbox is None or self._dispatcher is None or self._recovering is not None:
            return
        inbox = self.inbox

        def loop() -> None:
            while not self._closed.wait(RECOVER_EVERY_S):
                for delivery in inbox.orphans():
                    self.executor.submit(self._answer, delivery)

        self._recovering = threading.Thread(target=loop, name="aksbot-slack-recover", daemon=True)
        self._recovering.start()

    def close(self) -> None:
        self._closed.set()
        self.executor.shutdown(wait=False, cancel_futures=False)
        if self.inbox is not None:
            self.inbox.close()
        for closer in self._closers:
            closer()

    # -- wiring -------------------------------------------------------------------------------------------
    def _register(self) -> None:
        app = self.app
        listen = (
            (app.command(re.compile(r"^/.+")), "slash"),
            (app.event("app_mention"), "mention"),
            (app.event("message"), "message"),
            (app.action(ACTION_ID), "click"),
            (app.view(ASK_MODAL), "asked"),
            (app.event("reaction_added"), "reaction"),
        )
        for register, kind in listen:
            register(self._keep_ack_and_forward(kind))

    def _keep_ack_and_forward(self, kind: str) -> Callable[[Ack, Body], None]:
        """Keep the delivery (before the ack: a process that dies after acking loses nothing), ack, and hand it
        on: a queue put to the worker process, or a task on this surface's executor; neither waits for it."""
        forward = self.forward or self._submit

        def listener(ack: Ack, body: Body) -> None:  # Bolt passes arguments by name
            delivery = self.inbox.accept(kind, body) if self.inbox is not None else Delivery(kind, dict(body))
            ack()
            if delivery is not None:
                forward(delivery)

        return listener

    def _submit(self, delivery: Delivery) -> None:
        self.executor.submit(self.handle, delivery)

    def _handlers(self) -> dict[str, Callable[[Body], None]]:
        listeners: dict[str, Callable[[Body], None]] = {
            "slash": self._on_slash,
            "mention": self._on_mention,
            "message": self._on_message,
            "click": self._on_click,
            "asked": self._on_asked,
            "reaction": self._on_reaction,
        }
        return listeners

    def handle(self, delivery: Delivery) -> None:
        """Answer one kept and acked delivery (what a worker process does with what the front forwarded), unless
        another process is answering it or has."""
        held = delivery.claimed or delivery.key is None or self.inbox is None
        if not held and self.inbox is not None and delivery.key is not None and not self.inbox.claim(delivery.key):
            return
        self._answer(delivery)

    def _answer(self, delivery: Delivery) -> None:
        handler = self._handlers().get(delivery.kind)
        try:
            if handler is None:
                log.warning("unknown forwarded payload kind %r", delivery.kind)
                return
            handler(delivery.body)
        except Exception:  # a listener answers its own errors; this is a bug, keep the worker alive
            log.exception("answering a %s failed", delivery.kind)
        finally:
            if delivery.key is not None and self.inbox is not None:
                self.inbox.done(delivery.key)

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
        self._dispatch(Incoming(f"/k8s {text}".strip(), context.user, InputKind.SLASH, context.channel), context)

    def _on_mention(self, body: Body) -> None:
        event = body.get("event") or {}
        if event.get("bot_id"):
            return
        channel = str(event.get("channel") or "")
        thread_ts = str(event.get("thread_ts") or event.get("ts") or "") or None
        context = ReplyContext(channel=channel, user=str(event.get("user") or ""))
        thread = MessageRef(channel, thread_ts) if thread_ts else None
        self._dispatch(
            Incoming(str(event.get("text") or ""), context.user, InputKind.MENTION, channel, thread), context
        )

    def _on_message(self, body: Body) -> None:
        event = body.get("event") or {}
        # Only what a person typed in a DM with the bot: no edits, joins or other bots (the bot's own are
        # already filtered by Bolt).
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        channel = str(event.get("channel") or "")
        thread_ts = event.get("thread_ts")
        context = ReplyContext(channel=channel, user=str(event.get("user") or ""))
        thread = MessageRef(channel, str(thread_ts)) if thread_ts else None
        self._dispatch(
            Incoming(str(event.get("text") or ""), context.user, InputKind.MESSAGE, channel, thread), context
        )

    def _on_click(self, body: Body) -> None:
        actions = body.get("actions")
        action = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
        match = ACTION_ID.match(str(action.get("action_id") or ""))
        # A button carries its value; a menu, the value of the option chosen.
        value = str(action.get("value") or _mapping(action.get("selected_option")).get("value") or "").strip()
        if match is None or not value:
            return
        user = str(_mapping(body.get("user")).get("id") or "")
        container = _mapping(body.get("container"))
        channel = str(_mapping(body.get("channel")).get("id") or container.get("channel_id") or "")
        message = _mapping(body.get("message"))
        message_ts = str(message.get("ts") or container.get("message_ts") or "")
        # Answers go under the clicked message: in its thread if it is itself a reply.
        thread_ts = str(message.get("thread_ts") or message_ts) or None
        trigger = str(body.get("trigger_id") or "") or None
        lang = message_lang(message)
        context = ReplyContext(channel, user, body.get("response_url") or None, trigger, lang)
        anchor = MessageRef(channel, thread_ts) if thread_ts else None
        verb = match.group(1)
        if verb == "run":  # an older button whose value is the command as typed: the same as typing it
            self._dispatch(Incoming(value, user, InputKind.SLASH, channel, anchor), context)
            return
        try:
            ref = _LEGACY[verb](value) if verb else decode(value)[1]
        except (RefError, ValueError, ValidationError) as exc:
            log.warning("a click on a button that runs nothing known (%s)", exc)
            SlackResponder(self.client, context).tell_user(SLACK.old_button(lang))
            return
        # A command that needs an argument the button leaves out (Deny's reason) says so when it runs, and the
        # responder then opens a dialog for it (`SlackResponder.ask`).
        self._dispatch(Incoming.click(ref, user, channel, anchor, lang), context)

    def _on_asked(self, body: Body) -> None:
        """The dialog a click opened was submitted: run its reference with the value filled in."""
        view = _mapping(body.get("view"))
        try:
            meta = json.loads(str(view.get("private_metadata") or "{}"))
            spec, ref = decode(str(meta["ref"]))
            param = next(p for p in spec.params if p.name == meta["param"])
        except (ValueError, KeyError, TypeError, StopIteration, RefError) as exc:
            log.warning("a dialog submission that names no command this bot knows (%s)", exc)
            return
        values = _mapping(_mapping(_mapping(view.get("state")).get("values")).get(ASK_BLOCK))
        answer = " ".join(str(_mapping(values.get(ASK_INPUT)).get("value") or "").split())
        user = str(_mapping(body.get("user")).get("id") or "")
        channel, thread_ts = str(meta.get("channel") or ""), str(meta.get("thread_ts") or "")
        lang: Lang = "zh" if meta.get("lang") == "zh" else "en"
        context = ReplyContext(channel, user, None, lang=lang)
        anchor = MessageRef(channel, thread_ts) if thread_ts else None
        try:
            args = spec.args.model_validate({**ref.args.model_dump(), param.name: answer})
            completed = CommandRef(ref.command, args, ref.cluster, ref.namespace, ref.all_namespaces)
        except (ValidationError, ValueError):
            SlackResponder(self.client, context).tell_user(SLACK.not_accepted(lang, what=param_help(param.help, lang)))
            return
        self._dispatch(Incoming.click(completed, user, channel, anchor, lang), context)

    def _on_reaction(self, body: Body) -> None:
        """`reaction_added` on a message: handed to `on_reaction` (reactions to files and the like are not)."""
        event = _mapping(body.get("event"))
        item = _mapping(event.get("item"))
        if self.on_reaction is None or item.get("type") != "message":
            return
        reaction = Reaction(
            user=str(event.get("user") or ""),
            name=str(event.get("reaction") or ""),
            message=MessageRef(str(item.get("channel") or ""), str(item.get("ts") or "")),
        )
        try:
            self.on_reaction(reaction)
        except Exception:  # a reaction nobody asked an answer for: log it, keep the worker alive
            log.exception("handling a %s reaction in %s failed", reaction.name, reaction.message.channel)

    # -- helpers ------------------------------------------------------------------------------------------
    def _dispatch(self, incoming: Incoming, context: ReplyContext) -> None:
        responder = SlackResponder(self.client, context, incoming.anchor)
        try:
            outcome = self.dispatcher.handle(incoming, responder)
        except Exception:  # the dispatcher answers every error itself; this is a bug, keep the worker alive
            log.exception("dispatch failed for a %s from %s", incoming.kind.value, incoming.user)
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


def message_lang(message: Mapping[str, Any]) -> Lang:
    """The language of a message as people read it (its text and every text in its blocks): a click on a Chinese
    card is answered in Chinese (`read_lang`: the language most of its words are in). An ephemeral message comes
    without its content; that reads as English."""
    texts: list[str] = [str(message.get("text") or "")]

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    texts.append(value)
                elif key not in ("value", "action_id", "block_id", "url"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks"))
    return read_lang(" ".join(texts))


def _mapping(value: Any) -> Mapping[str, Any]:
    """`value` when it is a JSON object, else an empty one: a malformed payload reads as missing fields."""
    return value if isinstance(value, Mapping) else {}
