"""Local stand-ins for Slack, speaking its real wire formats, for the end-to-end tests and the benchmark.

- `WebApiServer`: an HTTP server on 127.0.0.1 answering Web API methods (`auth.test`, `chat.postMessage`,
  `chat.update`, `chat.postEphemeral`, `views.open`, `usergroups.list`, `usergroups.users.list`,
  `apps.connections.open`) with Slack's response shapes (`{"ok": true, …}`, `{"ok": false, "error": …}`, 429
  with `Retry-After`), plus `response_url` endpoints; it records every call.
- `SocketModeServer`: a websocket server speaking Socket Mode's envelopes (`hello`, `envelope_id`, `payload`,
  `accepts_response_payload`) and recording the app's acks.
- Request builders and the v0 request signature, as Slack sends slash commands, events and interactions.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-1-test"
SIGNING_SECRET = "s"
BOT_USER = "U0AKSBOT"
RESPONSE_URL_USES = 5


@dataclass(frozen=True)
class ApiCall:
    method: str
    params: dict[str, Any]
    token: str | None
    result: dict[str, Any] = field(default_factory=dict)  # what the server answered (the posted message's ts)


@dataclass
class _Failure:
    status: int
    error: str | None
    retry_after: int | None
    times: int


@dataclass
class WebApiServer:
    """A local Slack Web API. `api_url` is what SLACK_API_URL points at."""

    usergroups: dict[str, list[str]] = field(default_factory=dict)
    refuse_channels: set[str] = field(default_factory=set)
    socket_url: str | None = None
    calls: list[ApiCall] = field(default_factory=list)
    responses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._failures: dict[str, list[_Failure]] = {}
        self._ts = itertools.count(1)
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> WebApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.base + "/api/"

    def response_url(self) -> str:
        return f"{self.base}/response/{uuid.uuid4().hex}"

    # -- test controls -----------------------------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` calls of `method` fail: a 429 with Retry-After, or `{"ok": false, "error": …}`."""
        with self._lock:
            self._failures.setdefault(method, []).append(_Failure(status, error, retry_after, times))

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.responses.clear()
            self._failures.clear()

    def of(self, method: str) -> list[ApiCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, predicate: Callable[[WebApiServer], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out; calls so far: {[c.method for c in self.calls]}")
                self._lock.wait(left)

    def wait_calls(self, method: str, count: int = 1, timeout: float = 10.0) -> list[ApiCall]:
        self.wait_for(lambda s: len([c for c in s.calls if c.method == method]) >= count, timeout)
        return self.of(method)

    # -- answering ---------------------------------------------------------------------------------------
    def _record(self, call: ApiCall) -> None:
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()

    def _failure(self, method: str) -> _Failure | None:
        with self._lock:
            queue = self._failures.get(method) or []
            if not queue:
                return None
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
            return failure

    def answer(
        self, method: str, params: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        failure = self._failure(method)
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            self._record(ApiCall(method + "!failed", params, token))
            return failure.status, headers, {"ok": False, "error": failure.error or "ratelimited"}
        status, headers, body = self._respond(method, params, token)
        self._record(ApiCall(method, params, token, body))
        return status, headers, body

    def _respond(
        self, method: str, params: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if method != "apps.connections.open" and token != BOT_TOKEN:
            return 200, {}, {"ok": False, "error": "invalid_auth" if token else "not_authed"}
        if method == "apps.connections.open" and token != APP_TOKEN:
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        channel = str(params.get("channel") or "")
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        match method:
            case "auth.test":
                return (
                    200,
                    {},
                    {
                        "ok": True,
                        "url": "https://aksbot-test.slack.com/",
                        "team": "aksbot test",
                        "user": "aksbot",
                        "team_id": "T0TEST",
                        "user_id": BOT_USER,
                        "bot_id": "B0AKSBOT",
                        "is_enterprise_install": False,
                    },
                )
            case "chat.postMessage":
                if channel in self.refuse_channels:
                    return 200, {}, {"ok": False, "error": "not_in_channel"}
                if channel.startswith(("U", "W")):
                    channel = "D" + channel[1:]  # a user ID: Slack posts in the app's direct message with them
                message = {"type": "message", "text": params.get("text"), "user": BOT_USER, "ts": ts}
                if params.get("thread_ts"):
                    message["thread_ts"] = params["thread_ts"]
                return 200, {}, {"ok": True, "channel": channel, "ts": ts, "message": message}
            case "chat.update":
                return 200, {}, {"ok": True, "channel": channel, "ts": params.get("ts"), "text": params.get("text")}
            case "chat.postEphemeral":
                return 200, {}, {"ok": True, "message_ts": ts}
            case "views.open":
                view = dict(params.get("view") or {})
                return 200, {}, {"ok": True, "view": {**view, "id": "V" + uuid.uuid4().hex[:10].upper()}}
            case "usergroups.list":
                groups = [{"id": g, "handle": g.lower(), "user_count": len(m)} for g, m in self.usergroups.items()]
                return 200, {}, {"ok": True, "usergroups": groups}
            case "usergroups.users.list":
                group = str(params.get("usergroup") or "")
                if group not in self.usergroups:
                    return 200, {}, {"ok": False, "error": "no_such_subteam"}
                return 200, {}, {"ok": True, "users": self.usergroups[group]}
            case "apps.connections.open":
                if self.socket_url is None:
                    return 200, {}, {"ok": False, "error": "socket_mode_not_enabled"}
                return 200, {}, {"ok": True, "url": self.socket_url}
        return 200, {}, {"ok": False, "error": "unknown_method"}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if self.path.startswith("/response/"):
                    body = json.loads(raw or "{}")
                    with server._lock:
                        # Slack takes a response_url up to five times (within 30 minutes), then refuses it.
                        used = sum(1 for p, _ in server.responses if p == self.path)
                        if used >= RESPONSE_URL_USES:
                            self._send(404, {}, b"used_url", "text/html")
                            return
                        server.responses.append((self.path, body))
                        server._lock.notify_all()
                    self._send(200, {}, b"ok", "text/html")
                    return
                if not self.path.startswith("/api/"):
                    self._send(404, {}, b"not found", "text/plain")
                    return
                method = self.path[len("/api/") :].split("?")[0]
                params = _params(raw, self.headers.get("Content-Type") or "")
                auth = self.headers.get("Authorization") or ""
                token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else params.pop("token", None)
                status, headers, body = server.answer(method, params, token)
                self._send(status, headers, json.dumps(body).encode(), "application/json; charset=utf-8")

            def _send(self, status: int, headers: dict[str, str], body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        return Handler


def _params(raw: str, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        return dict(json.loads(raw or "{}"))
    params: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw).items()}
    for key in ("blocks", "view", "attachments"):
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params


# -- Socket Mode -----------------------------------------------------------------------------------------------


class SocketModeServer:
    """Slack's Socket Mode endpoint: says hello, pushes envelopes, records the app's acks."""

    def __init__(self) -> None:
        self.acks: dict[str, dict[str, Any]] = {}
        self.connections: list[ServerConnection] = []
        self._cond = threading.Condition()
        self._server: Server = serve(self._session, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link/?ticket=test"

    def start(self) -> SocketModeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def _session(self, connection: ServerConnection) -> None:
        connection.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "applink-test", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": "A0AKSBOT"},
                }
            )
        )
        with self._cond:
            self.connections.append(connection)
            self._cond.notify_all()
        # A client that goes away without a close frame is what a restarting app looks like: not an error here.
        with contextlib.suppress(ConnectionClosed):
            for message in connection:
                ack = json.loads(message)
                with self._cond:
                    self.acks[str(ack.get("envelope_id"))] = ack
                    self._cond.notify_all()
        with self._cond:
            self.connections.remove(connection)

    def wait_connected(self, timeout: float = 10.0) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: bool(self.connections), timeout):
                raise AssertionError("the app did not connect over Socket Mode")

    def push(self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool) -> str:
        """Send one envelope (`events_api`, `slash_commands`, `interactive`); returns its envelope_id."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            envelope["retry_attempt"] = 0
            envelope["retry_reason"] = ""
        with self._cond:
            connection = self.connections[-1]
        connection.send(json.dumps(envelope))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        with self._cond:
            if not self._cond.wait_for(lambda: envelope_id in self.acks, timeout):
                raise AssertionError(f"no ack for envelope {envelope_id}")
            return self.acks[envelope_id]


# -- requests as Slack sends them ------------------------------------------------------------------------------


def signature_headers(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 request signature: HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def slash_command_fields(
    text: str, *, user: str, channel: str, response_url: str, command: str = "/k8s"
) -> dict[str, str]:
    return {
        "token": "verification-token-unused",
        "team_id": "T0TEST",
        "team_domain": "aksbot-test",
        "channel_id": channel,
        "channel_name": "ops",
        "user_id": user,
        "user_name": "someone",
        "command": command,
        "text": text,
        "api_app_id": "A0AKSBOT",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": f"{int(time.time())}.1234.{uuid.uuid4().hex[:8]}",
    }


def event_callback(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "token": "verification-token-unused",
        "team_id": "T0TEST",
        "api_app_id": "A0AKSBOT",
        "event": event,
        "type": "event_callback",
        "event_id": "Ev" + uuid.uuid4().hex[:10].upper(),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": "T0TEST",
                "user_id": BOT_USER,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def mention_event(text: str, *, user: str, channel: str, ts: str, thread_ts: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event_callback(event)


def dm_event(text: str, *, user: str, channel: str, ts: str) -> dict[str, Any]:
    return event_callback(
        {
            "type": "message",
            "user": user,
            "text": text,
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
            "channel_type": "im",
        }
    )


def block_actions(
    *, user: str, channel: str, message: dict[str, Any], action: dict[str, Any], response_url: str
) -> dict[str, Any]:
    """A `block_actions` payload for a click on a button of `message` (as posted by the bot)."""
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "someone", "name": "someone", "team_id": "T0TEST"},
        "api_app_id": "A0AKSBOT",
        "token": "verification-token-unused",
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel, "is_ephemeral": False},
        "trigger_id": f"{int(time.time())}.1234.{uuid.uuid4().hex[:8]}",
        "team": {"id": "T0TEST", "domain": "aksbot-test"},
        "channel": {"id": channel, "name": "ops"},
        "message": message,
        "response_url": response_url,
        "actions": [{**action, "type": "button", "block_id": "b1", "action_ts": f"{time.time():.6f}"}],
    }


def view_submission(*, user: str, view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": "T0TEST", "domain": "aksbot-test"},
        "user": {"id": user, "username": "someone", "name": "someone", "team_id": "T0TEST"},
        "api_app_id": "A0AKSBOT",
        "token": "verification-token-unused",
        "trigger_id": f"{int(time.time())}.1234.{uuid.uuid4().hex[:8]}",
        "view": {**view, "id": "V0DENY", "team_id": "T0TEST", "state": {"values": values}, "hash": "1.abc"},
        "response_urls": [],
        "is_enterprise_install": False,
    }


def form_body(fields: dict[str, str]) -> str:
    return urlencode(fields)


def interaction_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def post(url: str, body: str, headers: dict[str, str], content_type: str) -> tuple[int, bytes]:
    """POST as Slack does; returns status and body (also for 4xx)."""
    request = urllib.request.Request(
        url, data=body.encode(), method="POST", headers={**headers, "Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
