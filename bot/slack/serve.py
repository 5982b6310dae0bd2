"""`aksbot serve`: run the Slack app in Socket Mode (when SLACK_APP_TOKEN is set) or over HTTP at /slack/events.

HTTP is served by waitress (a maintained, pure-Python, multi-threaded WSGI server) through Bolt's WSGI adapter,
not by Bolt's development server, which handles one request at a time. Both modes expose `GET /healthz` for
Kubernetes liveness: in HTTP mode on the same port, in Socket Mode on `--health-port`; in Socket Mode it
answers 503 while the websocket is down, so a wedged pod gets restarted.

Two processes: the one Slack talks to verifies, acks and forwards each payload over a queue; a worker process
(lower OS priority) runs the commands and answers through the Web API. Acks then never wait for an interpreter
busy listing a cluster or rendering an answer, which under load on a small node costs more than Slack's patience.
If the worker dies, `/healthz` says so (503) and Kubernetes restarts the pod. `--in-process` keeps everything in
one process (debugging).

This module wires settings → Web API client → notifier, group directory → dispatcher → Bolt app → server. It
never reads the environment itself: `bot.settings.load` does.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.incidents.alerts import AlertDesk, TimelineSource
from bot.logs import setup_logging
from bot.settings import Settings, SettingsError
from bot.slack.groups import SlackGroupDirectory, group_ids_in
from bot.slack.listeners import Forward, SlackAppOptions, SlackSurface
from bot.slack.web import SlackNotifier, web_client

log = logging.getLogger("aksbot.slack")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

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
) -> SlackSurface:
    """The Bolt app wired to a dispatcher whose approval cards, progress, groups and incident channels go through
    Slack; approved actions run on their own bounded executor, never on the thread that received the click.
    `alerts` and `alert_timeline` are the alerts side's seams (`bot.incidents.alerts`)."""
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
    ).start()
    secret = settings.slack.signing_secret.get_secret_value() if settings.slack.signing_secret else ""
    options = SlackAppOptions(signing_secret=secret, http=http, workers=workers, verify_token=verify_token)
    surface = SlackSurface(client, assembly.dispatcher, options, on_reaction=assembly.incidents.on_reaction)
    surface.on_close(assembly.stop)
    surface.on_close(actions.shutdown)
    groups.check()
    return surface


def build_front(settings: Settings, *, http: bool, forward: Forward, verify_token: bool = True) -> SlackSurface:
    """A Bolt app that only verifies, acks and forwards each payload (the worker process answers it)."""
    secret = settings.slack.signing_secret.get_secret_value() if settings.slack.signing_secret else ""
    options = SlackAppOptions(signing_secret=secret, http=http, workers=4, verify_token=verify_token)
    return SlackSurface(web_client(settings), None, options, forward=forward)


class WorkerProcess:
    """The commands run in a process of their own, at a lower priority: the acking process never waits for the
    interpreter while commands list clusters and render answers, so acks stay prompt under load."""

    def __init__(self, config: str | None, *, http: bool, workers: int, log_level: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.queue: multiprocessing.Queue[tuple[str, dict[str, Any]] | None] = context.Queue()
        self.process = context.Process(
            target=_worker_main, args=(config, http, workers, log_level, self.queue), name="aksbot-worker", daemon=True
        )

    def start(self) -> WorkerProcess:
        self.process.start()
        return self

    def forward(self, kind: str, body: dict[str, Any]) -> None:
        self.queue.put((kind, body))

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


def _worker_main(
    config: str | None, http: bool, workers: int, log_level: str, queue: multiprocessing.Queue[Any]
) -> None:
    setup_logging(log_level)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the front process decides when to stop
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(5)
    from bot import settings as settings_module

    surface = build_surface(settings_module.load(config), http=http, workers=workers)
    while True:
        item = queue.get()
        if item is None:
            break
        kind, body = item
        surface.executor.submit(surface.handle, kind, body)
    surface.executor.shutdown(wait=True)


def wsgi_app(app: App | None, health: Health) -> WsgiApp:
    """Bolt's WSGI handler at /slack/events (HTTP mode), plus the health endpoint.

    In Socket Mode `app` is None: its requests are not signed (the websocket is trusted), so they must never be
    accepted over HTTP.
    """
    slack = SlackRequestHandler(app, path=EVENTS_PATH) if app is not None else None

    def application(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            healthy, state = health()
            body = json.dumps({"status": state}).encode()
            start_response(
                "200 OK" if healthy else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        if slack is None:
            start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
            return [b"Not Found"]
        result: Iterable[bytes] = slack(environ, start_response)
        return result

    return application


class HttpServer:
    """A waitress server on a thread (`port=0` picks a free port; see `.port`)."""

    def __init__(self, application: WsgiApp, *, host: str = "0.0.0.0", port: int = 3000, threads: int = 16) -> None:
        from waitress.server import create_server

        # channel_timeout: idle keep-alive connections from Slack are closed after a minute.
        self.server = create_server(
            application, host=host, port=port, threads=threads, ident="aksbot", channel_timeout=60
        )
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
    parser.add_argument("--workers", type=int, default=16, help="commands run at once (default: 16)")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run commands in the acking process instead of a worker process (debugging)",
    )
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def _problem(settings: Settings, http: bool) -> str | None:
    if settings.slack.bot_token is None:
        return "SLACK_BOT_TOKEN is not set (the bot token, xoxb-…, from the app's OAuth & Permissions page)"
    if http and settings.slack.signing_secret is None:
        return (
            "SLACK_SIGNING_SECRET is not set (from the app's Basic Information page); "
            "HTTP mode verifies every request with it"
        )
    return None


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
    problem = _problem(settings, http)
    if problem:
        print(f"aksbot: {problem}", file=sys.stderr)
        return 2
    worker: WorkerProcess | None = None
    try:
        if args.in_process:
            surface = build_surface(settings, http=http, workers=args.workers)
        else:
            worker = WorkerProcess(args.config, http=http, workers=args.workers, log_level=str(args.log_level))
            surface = build_front(settings, http=http, forward=worker.forward)
            worker.start()
    except Exception as exc:  # a wrong token or an unreachable Slack: say so in one line
        print(f"aksbot: cannot start the Slack app: {exc}", file=sys.stderr)
        return 1

    def workers_alive() -> bool:
        return worker is None or worker.alive()

    # Acks share the interpreter with the workers running commands; with the default 5 ms GIL switch interval an
    # ack waits behind several CPU-bound workers. A shorter interval keeps acks prompt under load.
    sys.setswitchinterval(0.001)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if http:
        def http_health() -> tuple[bool, str]:
            return (True, "ok") if workers_alive() else (False, "worker process stopped")

        server = HttpServer(wsgi_app(surface.app, http_health), host=args.host, port=args.port).start()
        log.info("serving Slack over HTTP at http://%s:%d%s", args.host, server.port, EVENTS_PATH)
        stop.wait()
        server.stop()
    else:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        assert settings.slack.app_token is not None
        handler = SocketModeHandler(
            surface.app, app_token=settings.slack.app_token.get_secret_value(), concurrency=args.workers
        )
        handler.connect()  # type: ignore[no-untyped-call]
        health_server = None
        if args.health_port:

            def health() -> tuple[bool, str]:
                connected = handler.client.is_connected()
                if not workers_alive():
                    return False, "worker process stopped"
                return connected, "ok" if connected else "disconnected"

            health_server = HttpServer(wsgi_app(None, health), host=args.host, port=args.health_port, threads=2).start()
        log.info("connected to Slack in Socket Mode")
        stop.wait()
        handler.close()  # type: ignore[no-untyped-call]
        if health_server is not None:
            health_server.stop()
    if worker is not None:
        worker.stop()
    surface.close()
    return 0
