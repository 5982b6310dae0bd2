"""`aksbot serve`: run the Slack app in Socket Mode (when SLACK_APP_TOKEN is set) or over HTTP at /slack/events.

HTTP is served by waitress (a maintained, pure-Python, multi-threaded WSGI server) through Bolt's WSGI adapter,
not by Bolt's development server, which handles one request at a time. Both modes expose `GET /healthz` for
Kubernetes liveness and readiness: in HTTP mode on the same port, in Socket Mode on `--health-port`. It fails
(503) only for what a restart cures — the worker process is gone — never for Slack being unreachable: the Socket
Mode client reconnects by itself, restarting would only lose the watch caches, and the alert webhooks must keep
being accepted (into the store's outbox) while Slack is down. A websocket that is down shows in the answer's text.

Two processes: the one Slack talks to verifies, acks and forwards each payload over a queue; a worker process
(lower OS priority) runs the commands and answers through the Web API. Acks then never wait for an interpreter
busy listing a cluster or rendering an answer, which under load on a small node costs more than Slack's patience.
If the worker dies, `/healthz` says so (503) and Kubernetes restarts the pod. `--in-process` keeps everything in
one process (debugging).

The HTTP endpoint faces the internet, so a front (`SlackFront`) stands before Bolt: waitress refuses a body
over `MAX_BODY_BYTES` with 413 before reading it; the front checks the request signature itself and refuses an
unsigned, forged or stale request with 401 and one log line that carries neither its body nor its headers (Bolt's
own check, `RequestVerification._debug_log_error`, logs the whole body at INFO, and its timestamp parsing raises
on a non-number: a 500 with a traceback); and a signed request that Bolt could not parse or match without
crashing (not UTF-8, not JSON where JSON is due, a payload of the wrong shape) gets 400 and one log line, never
a 500 with a traceback. Only then does Bolt see the request.

Alerts: the webhooks (`POST /alerts/alertmanager`, `POST /alerts/azure-monitor`, `bot.alerts.intake`) are
served by the front process — on the HTTP port beside `/slack/events`, or on `--alerts-port` in Socket Mode —
and wake the worker's outlet over its queue. The worker stands for the alert work (`bot.slack.alerting`): alone
on SQLite it leads at once; replicas on PostgreSQL elect a leader on a Lease, whose watcher and outlet are the
only ones running. On SIGTERM the worker stops that work and releases the Lease before it exits.

This module wires settings → Web API client → notifier, group directory → dispatcher → Bolt app → server. It
never reads the environment itself: `bot.settings.load` does.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import hashlib
import hmac
import io
import json
import logging
import multiprocessing
import os
import queue as queue_module
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from types import FrameType
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import parse_body

from bot.alerts.intake import AlertIntake
from bot.alerts.runtime import AlertRuntime
from bot.approvals.store import SqlApprovalStore
from bot.incidents.alerts import AlertDesk, TimelineSource
from bot.logs import add_log_level, redact, setup_logging
from bot.settings import Settings, SettingsError
from bot.slack.alerting import build_intake, slack_outlet, start_alert_runtime
from bot.slack.groups import SlackGroupDirectory, group_ids_in
from bot.slack.inbox import Delivery, SqlInbox, replica_identity
from bot.slack.listeners import Forward, SlackAppOptions, SlackSurface
from bot.slack.web import SlackNotifier, web_client

log = logging.getLogger("aksbot.slack")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
# Slack's largest payloads (a click on a 50-block message, a modal's submission) are some 100 KB: ten times
# that is plenty, and a thousand times less than waitress's default of 1 GiB.
MAX_BODY_BYTES = 1 << 20

Health = Callable[[], tuple[bool, str]]
StartResponse = Callable[..., Any]
Environ = dict[str, Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


def build_surface(
    settings: Settings,
    *,
    http: bool,
    workers: int = 16,
    verify_token: bool = True,
    alerts: AlertDesk | None = None,
    alert_timeline: TimelineSource | None = None,
    replica: str | None = None,
    on_alert_runtime: Callable[[AlertRuntime], None] | None = None,
    alert_work: bool = True,
) -> SlackSurface:
    """The Bolt app wired to a dispatcher whose approval cards, progress, groups and incident channels go through
    Slack; approved actions run on their own bounded executor, never on the thread that received the click.
    `replica` names this replica in the inbox (its front process passes the same; default: a new one).
    `alerts` and `alert_timeline` are the alerts side's seams (`bot.incidents.alerts`).
    With `alert_work`, this replica stands for the alert work (`bot.slack.alerting`: the watcher and the outlet,
    on the leader only; the watch caches follow leadership); `on_alert_runtime` receives its runtime (to wake it)."""
    from bot.app import assemble
    from bot.approvals.workflow import ActionExecutor
    from bot.slack.workspace import SlackWorkspace

    client = web_client(settings)
    groups = SlackGroupDirectory(client, group_ids_in(settings))
    actions = ActionExecutor()
    assembly = assemble(
        settings,
        SlackNotifier(client),
        groups=groups,
        executor=actions,
        workspace=SlackWorkspace(client),
        alerts=alerts,
        alert_timeline=alert_timeline,
    ).start(watch=not alert_work)
    secret = settings.slack.signing_secret.get_secret_value() if settings.slack.signing_secret else ""
    options = SlackAppOptions(signing_secret=secret, http=http, workers=workers, verify_token=verify_token)
    surface = SlackSurface(
        client,
        assembly.dispatcher,
        options,
        on_reaction=assembly.incidents.on_reaction,
        inbox=SqlInbox(assembly.store, lease_seconds=settings.store.delivery_lease_seconds, identity=replica),
    )
    surface.recover()
    if alert_work:
        runtime = start_alert_runtime(settings, assembly, lambda store, worker: slack_outlet(settings, store, worker),
                                      identity=replica)
        surface.on_close(runtime.stop)  # the alert work stops (and the Lease is released) before the caches do
        if on_alert_runtime is not None:
            on_alert_runtime(runtime)
    surface.on_close(assembly.stop)
    surface.on_close(actions.shutdown)
    groups.check()
    return surface


def build_front(
    settings: Settings, *, http: bool, forward: Forward, verify_token: bool = True, replica: str | None = None
) -> SlackSurface:
    """A Bolt app that only verifies, keeps in the inbox, acks and forwards each payload (the worker process
    answers it)."""
    from bot.approvals.workflow import open_approval_store

    secret = settings.slack.signing_secret.get_secret_value() if settings.slack.signing_secret else ""
    options = SlackAppOptions(signing_secret=secret, http=http, workers=4, verify_token=verify_token)
    store = open_approval_store(settings)
    assert isinstance(store, SqlApprovalStore)  # both stores the settings can name are
    inbox = SqlInbox(store, lease_seconds=settings.store.delivery_lease_seconds, identity=replica)
    surface = SlackSurface(web_client(settings), None, options, forward=forward, inbox=inbox)
    surface.on_close(store.close)
    return surface


WAKE_ALERTS = "wake-alerts"  # on the worker's queue: new alert work was recorded by the front process


class WorkerProcess:
    """The commands run in a process of their own, at a lower priority: the acking process never waits for the
    interpreter while commands list clusters and render answers, so acks stay prompt under load."""

    def __init__(self, config: str | None, *, http: bool, workers: int, log_level: str, replica: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.queue: multiprocessing.Queue[Delivery | str | None] = context.Queue()
        self.process = context.Process(
            target=_worker_main,
            args=(config, http, workers, log_level, replica, self.queue, os.getpid()),
            name="aksbot-worker",
            daemon=True,
        )

    def start(self) -> WorkerProcess:
        # glibc gives each thread that allocates an arena of its own, up to eight per CPU, and the worker's watch and
        # command threads leave them part-filled: two arenas hold the same heap in less memory (on the `large`
        # scenario, 412 → 395 MB resident for the worker). The worker inherits this at spawn; a value already set
        # (the image sets it for both processes) is kept.
        os.environ.setdefault("MALLOC_ARENA_MAX", "2")
        self.process.start()
        return self

    def forward(self, delivery: Delivery) -> None:
        self.queue.put(delivery)

    def wake_alerts(self) -> None:
        """The front process recorded alert work: tell the worker's outlet (if this replica leads)."""
        self.queue.put(WAKE_ALERTS)

    def alive(self) -> bool:
        return self.process.is_alive()

    def stop(self, timeout: float = 30) -> None:
        """Let the worker finish what it has (answers in flight are not dropped), then stop it."""
        if self.process.is_alive():
            self.queue.put(None)
            self.process.join(timeout)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)


PARENT_CHECK_S = 0.5  # how often the worker looks whether the front process still exists


def _parent_gone(parent: int) -> bool:
    """The front process died without stopping the worker (SIGKILL, the OOM killer, a supervisor killing only it):
    the worker was re-parented. Polling works everywhere, unlike PR_SET_PDEATHSIG, which is Linux-only and fires when
    the *thread* that spawned the worker ends."""
    return os.getppid() != parent


def _worker_main(
    config: str | None, http: bool, workers: int, log_level: str, replica: str, queue: multiprocessing.Queue[Any],
    parent: int,
) -> None:
    setup_logging(log_level)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the front process decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(5)
    from bot import settings as settings_module

    runtimes: list[AlertRuntime] = []
    surface = build_surface(settings_module.load(config), http=http, workers=workers, replica=replica,
                            on_alert_runtime=runtimes.append)
    while True:
        # An orphaned worker would go on leading (watcher, Azure polls, outlet) next to a restarted instance: two
        # alert leaders on one store. So it stops as soon as its parent is gone, as if told to.
        try:
            item = queue.get(timeout=PARENT_CHECK_S)
        except queue_module.Empty:
            if _parent_gone(parent):
                log.warning("the front process (pid %d) is gone: the worker stops its alert work and exits", parent)
                break
            continue
        if item is None:
            break
        if item == WAKE_ALERTS:
            for runtime in runtimes:
                runtime.wake()
            continue
        surface.executor.submit(surface.handle, item)
    for runtime in runtimes:  # the alert work stops and the Lease is released before the process ends
        runtime.stop()
    surface.executor.shutdown(wait=True)


_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
MAX_REQUEST_AGE_S = 5 * 60  # Slack's own rule: older (or newer) requests may be replays
# What Slack sends for each kind of interactive payload carries these as objects.
_INTERACTIVE = frozenset({"block_actions", "view_submission", "view_closed", "shortcut", "message_action",
                          "block_suggestion", "interactive_message", "dialog_submission"})
_JSON_TYPES = {type(None): "null", bool: "boolean", int: "number", float: "number", str: "string", list: "array"}
_TEXT_FIELDS = ("type", "command", "text", "user_id", "channel_id", "team_id", "enterprise_id", "api_app_id",
                "response_url", "trigger_id", "token", "callback_id", "challenge", "ssl_check", "event_id")


def _is_ref(value: object) -> bool:
    """A user, team, channel or enterprise: an object with a text `id`, or an ID as text."""
    return value is None or isinstance(value, str) or (
        isinstance(value, dict) and isinstance(value.get("id", ""), (str, type(None)))
    )


def _texts(obj: Mapping[str, Any], keys: Iterable[str]) -> str | None:
    for key in keys:
        if key in obj and not isinstance(obj[key], (str, type(None))):
            return f"`{key}` is not text"
    return None


def malformed(body: object) -> str | None:
    """Why a parsed Slack payload could not be handled by Bolt's matchers and our listeners; None when it can.

    Bolt reads these fields without checking their types; a payload that Slack would never send with another
    type is refused here instead of crashing there.
    """
    if not isinstance(body, dict):
        return f"the payload is a JSON {_JSON_TYPES.get(type(body), 'value')}, not an object"
    if (problem := _texts(body, _TEXT_FIELDS)) is not None:
        return problem
    for key in ("user", "team", "channel", "enterprise"):
        if key in body and not _is_ref(body[key]):
            return f"`{key}` is neither an ID nor an object with one"
    for key in ("message", "container", "state", "view", "event"):
        if key in body and not isinstance(body[key], dict):
            return f"`{key}` is not an object"
    for key in ("authorizations", "actions", "response_urls"):
        items = body.get(key)
        if key in body and not (isinstance(items, list) and all(isinstance(i, dict) for i in items)):
            return f"`{key}` is not a list of objects"
    # Bolt reads a second response URL before its context has a logger (a KeyError); this app's dialogs enable
    # no response URL, so Slack sends at most an empty list.
    if len(body.get("response_urls") or ()) > 1:
        return "more than one entry in `response_urls`"
    for item in body.get("response_urls") or ():
        if (problem := _texts(item, ("response_url", "channel_id", "block_id", "action_id"))) is not None:
            return f"a response URL's {problem}"
    kind = body.get("type")
    if kind in _INTERACTIVE and not isinstance(body.get("user"), dict):
        return f"a {kind} payload without a `user` object"
    if kind in _INTERACTIVE and any(not isinstance(body.get(k) or {}, dict) for k in ("channel", "team")):
        return f"a {kind} payload whose `channel` or `team` is not an object"
    if kind == "block_actions" and not body.get("actions"):
        return "a block_actions payload without actions"
    for action in body.get("actions") or ():
        if (problem := _texts(action, ("action_id", "block_id", "value", "type"))) is not None:
            return f"an action's {problem}"
    view = body.get("view") or {}
    if (problem := _texts(view, ("id", "callback_id", "private_metadata", "type", "hash"))) is not None:
        return f"the view's {problem}"
    if "state" in view and not isinstance(view["state"], dict):
        return "the view's `state` is not an object"
    if kind == "event_callback" and not isinstance(body.get("event"), dict):
        return "an event_callback without an `event` object"
    event = body.get("event") or {}
    if (problem := _texts(event, ("type", "subtype", "bot_id", "channel", "channel_type", "text", "ts",
                                  "thread_ts", "event_ts"))) is not None:
        return f"the event's {problem}"
    if "user" in event and not _is_ref(event["user"]):
        return "the event's `user` is neither an ID nor an object with one"
    for key in ("message", "previous_message", "bot_profile"):
        if key in event and not isinstance(event[key], (dict, type(None))):
            return f"the event's `{key}` is not an object"
    return None


class SlackFront:
    """The WSGI application: /healthz, and /slack/events guarded as the module docstring says, then Bolt."""

    def __init__(self, app: App | None, health: Health, signing_secret: str = "",
                 alerts: AlertIntake | None = None) -> None:
        if app is not None and not signing_secret:
            raise ValueError("the Slack HTTP front needs the signing secret to verify requests")
        self.slack = SlackRequestHandler(app, path=EVENTS_PATH) if app is not None else None
        self.health = health
        self.alerts = alerts
        self._secret = signing_secret.encode()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            healthy, state = self.health()
            return _answer(start_response, 200 if healthy else 503, {"status": state})
        if self.alerts is not None and self.alerts.handles(str(path or "")):
            return self.alerts(environ, start_response)  # its own token, size and body checks
        if self.slack is None or path != EVENTS_PATH:
            return _answer(start_response, 404, {"error": "not found"})
        if method != "POST":
            return _answer(start_response, 405, {"error": "POST only"}, [("Allow", "POST")])
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:  # waitress refuses a longer declared body before it reads it
            return self._refuse(environ, start_response, 413, "body too large or of unknown length", length)
        raw = environ["wsgi.input"].read(length) if length else b""
        why = self._unsigned(environ, raw)
        if why is not None:
            return self._refuse(environ, start_response, 401, why, length)
        why = self._unparsable(environ, raw)
        if why is not None:
            return self._refuse(environ, start_response, 400, why, length)
        environ["wsgi.input"] = io.BytesIO(raw)
        result: Iterable[bytes] = self.slack(environ, start_response)
        return result

    def _unsigned(self, environ: Environ, raw: bytes) -> str | None:
        """Why the request is not Slack's: the v0 signature is HMAC-SHA256 of `v0:{timestamp}:{body}` with the
        signing secret, over the body's bytes as sent, and the timestamp is within five minutes of now."""
        timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
        signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
        if not timestamp or not signature:
            return "no Slack signature"
        if not _TIMESTAMP.match(timestamp):
            return "a request timestamp that is not a number"
        if abs(time.time() - int(timestamp)) > MAX_REQUEST_AGE_S:
            return "a request timestamp more than five minutes away"
        digest = hmac.new(self._secret, b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(f"v0={digest}", signature):
            return "a signature that does not match"
        return None

    @staticmethod
    def _unparsable(environ: Environ, raw: bytes) -> str | None:
        """Why Bolt could not read this signed request; parsed exactly as Bolt parses it."""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return "a body that is not UTF-8"
        content_type = str(environ.get("CONTENT_TYPE") or "").split(";")[0] or None
        try:
            body = parse_body(text, content_type)
        except (ValueError, RecursionError):
            return f"a body that is not what its content type ({content_type or 'none'}) says"
        problem = malformed(body)
        if problem is not None:
            return problem
        # Bolt builds a request's context by walking the payload (the event, its message, the first of each
        # `authorizations` …) without checking what it finds; what `malformed` does not name, building the
        # request as Bolt will finds — before Bolt, so that it is a 400 and not a traceback.
        try:
            BoltRequest(body=text, headers={"content-type": [content_type or ""]})
        except Exception as exc:  # whatever Bolt trips on in a payload Slack would never send
            return f"a payload Bolt cannot read ({type(exc).__name__})"
        return None

    @staticmethod
    def _refuse(environ: Environ, start_response: StartResponse, status: int, why: str,
                length: int) -> Iterable[bytes]:
        # One line, and nothing the sender chose but its size: neither the body nor a header is logged.
        log.warning("refused a request to %s from %s with %d: %s (%d bytes)", EVENTS_PATH,
                    environ.get("REMOTE_ADDR", "?"), status, why, length)
        errors = {400: "malformed request", 401: "invalid request", 413: "request too large"}
        return _answer(start_response, status, {"error": errors.get(status, "refused")})


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
            413: "Content Too Large", 503: "Service Unavailable"}


def _answer(start_response: StartResponse, status: int, payload: dict[str, str],
            extra: list[tuple[str, str]] | None = None) -> list[bytes]:
    body = json.dumps(payload).encode()
    start_response(f"{status} {_REASONS[status]}",
                   [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *(extra or [])])
    return [body]


def wsgi_app(app: App | None, health: Health, *, signing_secret: str = "",
             alerts: AlertIntake | None = None) -> WsgiApp:
    """Bolt's WSGI handler at /slack/events behind the front (HTTP mode), plus the health endpoint and, with
    `alerts`, the alert webhooks (`/alerts/alertmanager`, `/alerts/azure-monitor`).

    In Socket Mode `app` is None: its requests are not signed (the websocket is trusted), so they must never be
    accepted over HTTP.
    """
    return SlackFront(app, health, signing_secret, alerts)


def _refused_by_waitress(task: Any) -> None:
    """One log line for a request waitress refuses before the application sees it (a body over the limit: 413;
    headers it cannot parse: 400), as the front logs its own refusals: nothing the sender chose but its size."""
    request, error = task.request, task.request.error
    log.warning("refused a request to %s from %s with %d: %s (%d bytes declared)", request.path or "?",
                task.channel.addr[0] if task.channel.addr else "?", error.code, error.reason.lower(),
                request.content_length)


def _logging_channel() -> type[Any]:
    """waitress's channel, whose error responses are also logged (`_refused_by_waitress`)."""
    from waitress.channel import HTTPChannel
    from waitress.task import ErrorTask

    class LoggedErrorTask(ErrorTask):  # type: ignore[misc]
        def execute(self) -> None:
            _refused_by_waitress(self)
            super().execute()

    class LoggingChannel(HTTPChannel):  # type: ignore[misc]
        error_task_class = LoggedErrorTask

    return LoggingChannel


class HttpServer:
    """A waitress server on a thread (`port=0` picks a free port; see `.port`)."""

    def __init__(self, application: WsgiApp, *, host: str = "0.0.0.0", port: int = 3000, threads: int = 16) -> None:
        from waitress.server import create_server

        # channel_timeout: idle keep-alive connections from Slack are closed after a minute.
        # max_request_body_size: a longer declared body gets 413 before a byte of it is read (waitress's default
        # is 1 GiB); it refuses at >=, hence the one byte more.
        self.server = create_server(
            application, host=host, port=port, threads=threads, ident="aksbot", channel_timeout=60,
            max_request_body_size=MAX_BODY_BYTES + 1,
        )
        self.server.channel_class = _logging_channel()
        self.port: int = int(self.server.effective_port)
        self._thread = threading.Thread(target=self._run, name="aksbot-http", daemon=True)

    def _run(self) -> None:
        with contextlib.suppress(OSError):  # the socket was closed by stop()
            self.server.run()

    def start(self) -> HttpServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.close()
        self.server.task_dispatcher.shutdown()
        self._thread.join(timeout=5)


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="aksbot serve",
        description="Run the Slack app: Socket Mode when SLACK_APP_TOKEN is set, else HTTP at /slack/events.",
    )
    parser.add_argument("--config", help="configuration file (default: $AKSBOT_CONFIG)")
    parser.add_argument("--http", action="store_true", help="serve HTTP even when SLACK_APP_TOKEN is set")
    parser.add_argument("--host", default="0.0.0.0", help="HTTP listen address (default: 0.0.0.0)")
    parser.add_argument("--port", type=int, default=3000, help="HTTP port for /slack/events (default: 3000)")
    parser.add_argument(
        "--health-port", type=int, default=8080, help="Socket Mode: port of GET /healthz (default: 8080; 0: none)"
    )
    parser.add_argument(
        "--alerts-port", type=int, default=8090,
        help="Socket Mode: port of POST /alerts/alertmanager and /alerts/azure-monitor (default: 8090; 0: none); "
             "in HTTP mode they share --port",
    )
    parser.add_argument("--workers", type=int, default=16, help="commands run at once (default: 16)")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run commands in the acking process instead of a worker process (debugging)",
    )
    add_log_level(parser, "INFO")
    return parser.parse_args(argv)


def _problem(settings: Settings, http: bool) -> str | None:
    if settings.slack.bot_token is None:
        return "SLACK_BOT_TOKEN is not set (the bot token, xoxb-…, from the app's OAuth & Permissions page)"
    if http and settings.slack.signing_secret is None:
        return (
            "SLACK_SIGNING_SECRET is not set (from the app's Basic Information page); "
            "HTTP mode verifies every request with it"
        )
    app_token = settings.slack.app_token.get_secret_value() if settings.slack.app_token is not None else ""
    if not http and not app_token.startswith("xapp-"):
        return ("SLACK_APP_TOKEN is not an app-level token (those start with xapp-; its value is not shown): "
                "generate one with connections:write on the app's Basic Information page")
    return None


class StartFailed(Exception):
    """`aksbot serve` cannot start; the message says what to change, in one line."""


def _listen(application: WsgiApp, host: str, port: int, flag: str, threads: int = 16) -> HttpServer:
    """An HTTP server on `port`, or `StartFailed` naming the flag that chose the port."""
    try:
        return HttpServer(application, host=host, port=port, threads=threads)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StartFailed(f"port {port} is in use ({flag}): stop what listens there or choose another port") \
                from None
        raise StartFailed(f"cannot listen on {host}:{port} ({flag}, --host): {exc.strerror or exc}") from None


def _connect(handler: Any) -> None:
    """Open the Socket Mode connection, or `StartFailed` saying why in one line."""
    from slack_sdk.errors import SlackApiError, SlackClientError

    try:
        handler.connect()
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else None
        raise StartFailed(f"SLACK_APP_TOKEN was refused by Slack ({error or 'no reason given'}): generate an "
                          "app-level token with connections:write on the app's Basic Information page") from None
    except (SlackClientError, OSError) as exc:
        raise StartFailed(f"cannot connect to Slack in Socket Mode: {redact(str(exc)) or type(exc).__name__}") \
            from None


def socket_mode_health(workers_alive: bool, connected: bool) -> tuple[bool, str]:
    """`/healthz` in Socket Mode (see the module docstring): unhealthy only when the worker process is gone."""
    if not workers_alive:
        return False, "worker process stopped"
    return True, "ok" if connected else "ok; Slack websocket disconnected, reconnecting"


def _wait_for(stop: threading.Event) -> None:
    """Wait for the signal handler; in short waits, because the kernel may deliver SIGTERM to another thread and
    a main thread blocked in an untimed wait would then never run the handler."""
    while not stop.wait(0.5):
        pass


def _wake_alerts(worker: WorkerProcess | None, runtimes: list[AlertRuntime]) -> None:
    """A webhook recorded alert work: wake the outlet, in the worker process or in this one."""
    if worker is not None:
        worker.wake_alerts()
    for runtime in runtimes:
        runtime.wake()


def main(argv: list[str]) -> int:
    args = _parse(list(argv))
    setup_logging(str(args.log_level))
    from bot import settings as settings_module

    try:
        settings = settings_module.load(args.config)
    except SettingsError as exc:
        print(f"aksbot: {exc}", file=sys.stderr)
        return 2
    http = args.http or settings.slack.app_token is None
    # What `aksbot config check` finds would otherwise be found out in Slack, by whoever asks first.
    problems = settings_module.check_ready(settings)
    problem = _problem(settings, http)
    if problem:
        problems.append(problem)
    for problem in problems:
        print(f"aksbot: {problem}", file=sys.stderr)
    if problems:
        return 2
    worker: WorkerProcess | None = None
    runtimes: list[AlertRuntime] = []
    closers: list[Callable[[], None]] = []
    failed: tuple[int, str] | None = None
    try:
        try:
            if args.in_process:
                surface = build_surface(settings, http=http, workers=args.workers, on_alert_runtime=runtimes.append)
            else:
                replica = replica_identity()
                worker = WorkerProcess(
                    args.config, http=http, workers=args.workers, log_level=str(args.log_level), replica=replica
                )
                surface = build_front(settings, http=http, forward=worker.forward, replica=replica)
                worker.start()
            closers.append(surface.close)
            intake, close_intake = build_intake(settings, lambda: _wake_alerts(worker, runtimes))
            closers.append(close_intake)
        except Exception as exc:  # a wrong token or an unreachable Slack: say so in one line
            failed = 1, f"cannot start the Slack app: {exc}"
        else:
            try:
                _serve(args, settings, surface, intake, http, lambda: worker is None or worker.alive())
            except StartFailed as exc:
                failed = 2, str(exc)
    finally:
        if worker is not None:
            worker.stop()
        for close in closers:
            close()
    if failed is not None:
        # Last, after what stopping logged: the line `kubectl logs` of a crash-looping pod ends with.
        print(f"aksbot: {failed[1]}", file=sys.stderr)
        return failed[0]
    return 0


def _serve(args: argparse.Namespace, settings: Settings, surface: SlackSurface, intake: AlertIntake | None,
           http: bool, workers_alive: Callable[[], bool]) -> None:
    """Listen (HTTP, or Socket Mode with its health and alerts ports) until SIGTERM or SIGINT."""
    # Acks share the interpreter with the workers running commands; with the default 5 ms GIL switch interval an
    # ack waits behind several CPU-bound workers. A shorter interval keeps acks prompt under load.
    sys.setswitchinterval(0.001)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with contextlib.ExitStack() as running:
        if http:
            def http_health() -> tuple[bool, str]:
                return (True, "ok") if workers_alive() else (False, "worker process stopped")

            secret = settings.slack.signing_secret.get_secret_value() if settings.slack.signing_secret else ""
            application = wsgi_app(surface.app, http_health, signing_secret=secret, alerts=intake)
            server = _listen(application, args.host, args.port, "--port").start()
            running.callback(server.stop)
            log.info("serving Slack over HTTP at http://%s:%d%s (alert webhooks at /alerts/…)", args.host,
                     server.port, EVENTS_PATH)
            _wait_for(stop)
            return
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        assert settings.slack.app_token is not None
        handler = SocketModeHandler(
            surface.app, app_token=settings.slack.app_token.get_secret_value(), concurrency=args.workers
        )
        _connect(handler)
        running.callback(handler.close)
        if args.health_port:

            def health() -> tuple[bool, str]:
                return socket_mode_health(workers_alive(), handler.client.is_connected())

            health_server = _listen(wsgi_app(None, health), args.host, args.health_port, "--health-port", 2)
            running.callback(health_server.start().stop)
        if args.alerts_port:
            alerts_server = _listen(wsgi_app(None, lambda: (True, "ok"), alerts=intake), args.host, args.alerts_port,
                                    "--alerts-port", 8)
            running.callback(alerts_server.start().stop)
            log.info("alert webhooks at http://%s:%d/alerts/…", args.host, alerts_server.port)
        log.info("connected to Slack in Socket Mode")
        _wait_for(stop)
