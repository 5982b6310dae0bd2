"""Local stand-ins for Slack, speaking its real wire formats, for the end-to-end tests and the benchmark.

- `WebApiServer`: an HTTP server on 127.0.0.1 answering Web API methods (`auth.test`, `chat.postMessage`,
  `chat.update` (which edits the message it keeps), `chat.delete`, `chat.postEphemeral`, `views.open`,
  `usergroups.list`, `usergroups.users.list`, `apps.connections.open`, and what incident channels use:
  `conversations.create`, `conversations.invite`,
  `conversations.setTopic`, `conversations.archive`, `conversations.join`, `conversations.history`,
  `conversations.replies` (GET), `pins.add`, `bookmarks.add`) with Slack's response shapes (`{"ok": true, …}`,
  `{"ok": false, "error": …}`, `missing_scope` with `needed` and `provided`, a partial `conversations.invite`
  with its `errors` list, 429 with `Retry-After`), plus `response_url` endpoints; it records every call. It keeps
  the channels it created (members, topic, pins, bookmarks, archived) and the messages posted, so history reads
  and pins behave as in a workspace; `scopes` and `restricted` make it refuse as a workspace would.
- `SocketModeServer`: a websocket server speaking Socket Mode's envelopes (`hello`, `envelope_id`, `payload`,
  `accepts_response_payload`) and recording the app's acks.
- Request builders and the v0 request signature, as Slack sends slash commands, events (mentions, DMs,
  `reaction_added`) and interactions.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import os
import re
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from tests.support.network import QuietHandler

BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-1-test"
SIGNING_SECRET = "s"
BOT_USER = "U0AKSBOT"
RESPONSE_URL_USES = 5
FORM = "application/x-www-form-urlencoded"  # the content type of slash commands and interactions


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
    channel: str | None = None  # only calls for this channel fail (None: any)


# The scope each method needs for (public, private) channels, as Slack's method pages list them for bot tokens.
NEEDS: dict[str, tuple[str, str]] = {
    "chat.postMessage": ("chat:write", "chat:write"),
    "conversations.create": ("channels:manage", "groups:write"),
    "conversations.invite": ("channels:manage", "groups:write"),
    "conversations.setTopic": ("channels:manage", "groups:write"),
    "conversations.archive": ("channels:manage", "groups:write"),
    "conversations.join": ("channels:join", "channels:join"),
    "conversations.history": ("channels:history", "groups:history"),
    "conversations.replies": ("channels:history", "groups:history"),
    "pins.add": ("pins:write", "pins:write"),
    "bookmarks.add": ("bookmarks:write", "bookmarks:write"),
}
ALL_SCOPES = frozenset(
    {"commands", "app_mentions:read", "im:history", "usergroups:read", "reactions:read", "groups:history"}
    | {scope for pair in NEEDS.values() for scope in pair}
)
_CHANNEL_NAME = re.compile(r"^[a-z0-9_-]+$")


@dataclass
class SlackChannel:
    """A channel as the double keeps it (those it created; any other channel id is one the bot is simply in)."""

    id: str
    name: str
    is_private: bool
    creator: str
    created: int
    members: list[str] = field(default_factory=list)
    topic: str = ""
    archived: bool = False
    pins: list[str] = field(default_factory=list)
    bookmarks: list[dict[str, Any]] = field(default_factory=list)

    def as_api(self) -> dict[str, Any]:
        """The channel object Slack's conversations.* methods return."""
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "created": self.created,
            "creator": self.creator,
            "is_archived": self.archived,
            "is_general": False,
            "unlinked": 0,
            "name_normalized": self.name,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "pending_shared": [],
            "is_pending_ext_shared": False,
            "is_member": BOT_USER in self.members,
            "topic": {"value": self.topic, "creator": self.creator if self.topic else "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
        }


@dataclass
class WebApiServer:
    """A local Slack Web API. `api_url` is what SLACK_API_URL points at.

    `scopes` None grants every scope; a set grants only those (a method needing another answers `missing_scope`).
    `restricted` names methods a workspace setting forbids the bot (`restricted_action`); `taken_names` channel
    names already in use; `known_users`, when set, the only users `conversations.invite` finds."""

    usergroups: dict[str, list[str]] = field(default_factory=dict)
    refuse_channels: set[str] = field(default_factory=set)
    socket_url: str | None = None
    calls: list[ApiCall] = field(default_factory=list)
    responses: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    scopes: set[str] | None = None
    restricted: set[str] = field(default_factory=set)
    taken_names: set[str] = field(default_factory=set)
    known_users: set[str] | None = None
    channels: dict[str, SlackChannel] = field(default_factory=dict)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._failures: dict[str, list[_Failure]] = {}
        self._lost: dict[str, int] = {}  # method -> how many of its next answers are lost after the work is done
        self._slow: dict[str, list[threading.Event]] = {}
        self._ts = itertools.count(1)
        self._http = _Server(("127.0.0.1", 0), self._handler_class())
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
        channel: str | None = None,
    ) -> None:
        """The next `times` calls of `method` (for `channel`, when given: a bot's other work, such as its alert
        posts, is not hit) fail: a 429 with Retry-After, or `{"ok": false, "error": …}`."""
        with self._lock:
            self._failures.setdefault(method, []).append(_Failure(status, error, retry_after, times, channel))

    def lose_next_answer(self, method: str, times: int = 1) -> None:
        """The next `times` calls of `method` are carried out, but their answer is lost: Slack's edge answers
        503 `service_unavailable` (the caller cannot tell the message was made)."""
        with self._lock:
            self._lost[method] = self._lost.get(method, 0) + times

    def hold_next(self, method: str) -> threading.Event:
        """The next call of `method` waits, before it is answered, until the returned event is set (a slow Slack
        a test can act during)."""
        release = threading.Event()
        with self._lock:
            self._slow.setdefault(method, []).append(release)
        return release

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.responses.clear()
            self._failures.clear()
            self._lost.clear()
            for release in (r for held in self._slow.values() for r in held):
                release.set()
            self._slow.clear()

    def by_name(self, name: str) -> SlackChannel | None:
        with self._lock:
            return next((c for c in self.channels.values() if c.name == name), None)

    def say(self, channel: str, user: str, text: str, *, thread_ts: str | None = None) -> str:
        """A person posts `text` in `channel` (what people write there, which the bot reads back); returns its ts."""
        with self._lock:
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            message: dict[str, Any] = {"type": "message", "user": user, "text": text, "ts": ts}
            if thread_ts:
                message["thread_ts"] = thread_ts
            self.messages.setdefault(channel, []).append(message)
            return ts

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

    def _failure(self, method: str, channel: str) -> _Failure | None:
        with self._lock:
            queue = self._failures.get(method) or []
            failure = next((f for f in queue if f.channel in (None, channel)), None)
            if failure is None:
                return None
            failure.times -= 1
            if failure.times <= 0:
                queue.remove(failure)
            return failure

    def answer(
        self, method: str, params: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            held = self._slow.get(method)
            release = held.pop(0) if held else None
            if release is not None:
                self.calls.append(ApiCall(method + "!held", params, token))
                self._lock.notify_all()
        if release is not None:
            release.wait(30)
        failure = self._failure(method, str(params.get("channel") or params.get("channel_id") or ""))
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            self._record(ApiCall(method + "!failed", params, token))
            return failure.status, headers, {"ok": False, "error": failure.error or "ratelimited"}
        status, headers, body = self._respond(method, params, token)
        self._record(ApiCall(method, params, token, body))
        with self._lock:
            lost = self._lost.get(method, 0)
            if lost:
                self._lost[method] = lost - 1
                return 503, {}, {"ok": False, "error": "service_unavailable"}
        return status, headers, body

    def _respond(
        self, method: str, params: dict[str, Any], token: str | None
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if method != "apps.connections.open" and token != BOT_TOKEN:
            return 200, {}, {"ok": False, "error": "invalid_auth" if token else "not_authed"}
        if method == "apps.connections.open" and token != APP_TOKEN:
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        channel = str(params.get("channel") or params.get("channel_id") or "")
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        refused = self._refused(method, params, channel)
        if refused is not None:
            return 200, {}, refused
        if method in _CHANNEL_METHODS:
            return 200, {}, self._channel_method(method, params, channel)
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
                made = self.channels.get(channel)
                if made is not None and made.archived:
                    return 200, {}, {"ok": False, "error": "is_archived"}
                if made is not None and BOT_USER not in made.members:
                    return 200, {}, {"ok": False, "error": "not_in_channel"}
                message = {"type": "message", "text": params.get("text"), "user": BOT_USER, "ts": ts}
                message["bot_id"] = "B0AKSBOT"
                if params.get("blocks"):
                    message["blocks"] = params["blocks"]
                if params.get("thread_ts"):
                    message["thread_ts"] = params["thread_ts"]
                metadata = params.get("metadata")
                if isinstance(metadata, str) and metadata:
                    metadata = json.loads(metadata)
                if metadata:
                    message["metadata"] = metadata  # returned by history only with include_all_metadata
                with self._lock:
                    self.messages.setdefault(channel, []).append(dict(message))
                return 200, {}, {"ok": True, "channel": channel, "ts": ts, "message": message}
            case "chat.update":
                with self._lock:
                    edited = self._find(channel, str(params.get("ts") or ""))
                    if edited is not None:  # a message the double never saw (an older test's) is edited blindly
                        edited.update(text=params.get("text"), blocks=params.get("blocks"),
                                      edited={"user": BOT_USER, "ts": ts})
                return 200, {}, {"ok": True, "channel": channel, "ts": params.get("ts"), "text": params.get("text")}
            case "chat.delete":
                with self._lock:
                    gone = self._find(channel, str(params.get("ts") or ""))
                    if gone is None:
                        return 200, {}, {"ok": False, "error": "message_not_found"}
                    self.messages[channel].remove(gone)
                return 200, {}, {"ok": True, "channel": channel, "ts": params.get("ts")}
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

    def _find(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)

    def top_level(self, channel: str) -> list[dict[str, Any]]:
        """The channel's own messages as they read now (edits applied, deleted ones gone), oldest first."""
        with self._lock:
            return [dict(m) for m in self.messages.get(channel, []) if m.get("thread_ts") in (None, m["ts"])]

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """The replies in the thread of `ts`, oldest first."""
        with self._lock:
            return [dict(m) for m in self.messages.get(channel, []) if m.get("thread_ts") == ts and m["ts"] != ts]

    # -- what incident channels use ----------------------------------------------------------------------
    def _refused(self, method: str, params: dict[str, Any], channel: str) -> dict[str, Any] | None:
        """`missing_scope` (with `needed`) when the token lacks the method's scope; `restricted_action` when a
        workspace setting forbids it."""
        if method in NEEDS and self.scopes is not None:
            made = self.channels.get(channel)
            private = bool(made.is_private) if made is not None else _truthy(params.get("is_private"))
            needed = NEEDS[method][1 if private else 0]
            if needed not in self.scopes:
                return {
                    "ok": False,
                    "error": "missing_scope",
                    "needed": needed,
                    "provided": ",".join(sorted(self.scopes)),
                }
        if method in self.restricted:
            return {"ok": False, "error": "restricted_action"}
        return None

    def _channel_method(self, method: str, params: dict[str, Any], channel: str) -> dict[str, Any]:
        with self._lock:
            if method == "conversations.create":
                return self._create(params)
            made = self.channels.get(channel)
            if method in ("conversations.history", "conversations.replies"):
                if made is None and channel not in self.messages:
                    return {"ok": False, "error": "channel_not_found"}
                return self._history(method, params, channel)
            if method == "conversations.join":
                if made is None:
                    return {"ok": True, "channel": {"id": channel, "name": channel.lower(), "is_member": True}}
                if made.archived:
                    return {"ok": False, "error": "is_archived"}
                if made.is_private:
                    return {"ok": False, "error": "method_not_supported_for_channel_type"}
                if BOT_USER not in made.members:
                    made.members.append(BOT_USER)
                return {"ok": True, "channel": made.as_api()}
            if made is None:
                return {"ok": False, "error": "channel_not_found"}
            if made.archived and method != "conversations.archive":
                return {"ok": False, "error": "is_archived"}
            if BOT_USER not in made.members and method != "bookmarks.add":
                return {"ok": False, "error": "not_in_channel"}
            if method == "conversations.invite":
                return self._invite(made, str(params.get("users") or ""))
            if method == "conversations.setTopic":
                topic = str(params.get("topic") or "")
                if len(topic) > 250:
                    return {"ok": False, "error": "too_long"}
                made.topic = topic
                return {"ok": True, "channel": made.as_api()}
            if method == "conversations.archive":
                if made.archived:
                    return {"ok": False, "error": "already_archived"}
                made.archived = True
                return {"ok": True}
            if method == "pins.add":
                stamp = str(params.get("timestamp") or "")
                if not stamp:
                    return {"ok": False, "error": "no_item_specified"}
                if not any(m["ts"] == stamp for m in self.messages.get(made.id, [])):
                    return {"ok": False, "error": "message_not_found"}
                if stamp in made.pins:
                    return {"ok": False, "error": "already_pinned"}
                made.pins.append(stamp)
                return {"ok": True}
            if method == "bookmarks.add":
                return self._bookmark(made, params)
        return {"ok": False, "error": "unknown_method"}

    def _create(self, params: dict[str, Any]) -> dict[str, Any]:
        name = str(params.get("name") or "")
        if not name:
            return {"ok": False, "error": "invalid_name_required"}
        if len(name) > 80:
            return {"ok": False, "error": "invalid_name_maxlength"}
        if not _CHANNEL_NAME.match(name):
            return {"ok": False, "error": "invalid_name_specials"}
        if not name.strip("-_"):
            return {"ok": False, "error": "invalid_name_punctuation"}
        if name in self.taken_names or any(c.name == name for c in self.channels.values()):
            return {"ok": False, "error": "name_taken"}
        channel_id = "C" + uuid.uuid4().hex[:10].upper()
        made = SlackChannel(channel_id, name, _truthy(params.get("is_private")), BOT_USER, int(time.time()), [BOT_USER])
        self.channels[channel_id] = made
        self.messages.setdefault(channel_id, [])
        return {"ok": True, "channel": made.as_api()}

    def _invite(self, made: SlackChannel, users: str) -> dict[str, Any]:
        wanted = [u.strip() for u in users.split(",") if u.strip()]
        if not wanted:
            return {"ok": False, "error": "no_user"}
        errors = []
        for user in wanted:
            if user == BOT_USER:
                error = "cant_invite_self"
            elif user in made.members:
                error = "already_in_channel"
            elif self.known_users is not None and user not in self.known_users:
                error = "user_not_found"
            else:
                made.members.append(user)
                continue
            errors.append({"user": user, "ok": False, "error": error})
        if errors:
            # Slack invites whom it can and answers with the first error and every user's.
            return {"ok": False, "error": errors[0]["error"], "errors": errors}
        return {"ok": True, "channel": made.as_api()}

    def _bookmark(self, made: SlackChannel, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("type") != "link":
            return {"ok": False, "error": "invalid_bookmark_type"}
        link = str(params.get("link") or "")
        if not link.startswith(("http://", "https://")):
            return {"ok": False, "error": "invalid_link"}
        bookmark = {
            "id": "Bk" + uuid.uuid4().hex[:10].upper(),
            "channel_id": made.id,
            "title": str(params.get("title") or ""),
            "link": link,
            "emoji": str(params.get("emoji") or ""),
            "icon_url": None,
            "type": "link",
            "entity_id": None,
            "date_created": int(time.time()),
            "date_updated": 0,
            "rank": "U",
            "last_updated_by_user_id": BOT_USER,
            "last_updated_by_team_id": "T0TEST",
            "shortcut_id": None,
            "app_id": "A0AKSBOT",
        }
        made.bookmarks.append(bookmark)
        return {"ok": True, "bookmark": bookmark}

    def _history(self, method: str, params: dict[str, Any], channel: str) -> dict[str, Any]:
        messages = self.messages.get(channel, [])
        inclusive = _truthy(params.get("inclusive"))
        latest, oldest = params.get("latest"), params.get("oldest")

        def within(ts: str) -> bool:
            value = float(ts)
            if latest is not None and (value > float(latest) or (value == float(latest) and not inclusive)):
                return False
            return not (oldest is not None and (value < float(oldest) or (value == float(oldest) and not inclusive)))

        if method == "conversations.history":
            # The channel's own messages (a thread's replies are not in its history), newest first.
            shown = [m for m in messages if m.get("thread_ts") in (None, m["ts"]) and within(m["ts"])]
            shown.sort(key=lambda m: float(m["ts"]), reverse=True)
        else:
            ts = str(params.get("ts") or "")
            target = next((m for m in messages if m["ts"] == ts), None)
            if target is None:
                return {"ok": False, "error": "thread_not_found"}
            parent = str(target.get("thread_ts") or ts)
            thread = [m for m in messages if m["ts"] == parent or m.get("thread_ts") == parent]
            shown = sorted((m for m in thread if within(m["ts"])), key=lambda m: float(m["ts"]))
        limit = int(params.get("limit") or 100)
        if not _truthy(params.get("include_all_metadata")):
            shown = [{k: v for k, v in m.items() if k != "metadata"} for m in shown]
        return {
            "ok": True,
            "messages": shown[:limit],
            "has_more": len(shown) > limit,
            "pin_count": len(self.channels[channel].pins) if channel in self.channels else 0,
            "response_metadata": {"next_cursor": ""},
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                # conversations.history and .replies are GET methods: arguments in the query string.
                url = urlsplit(self.path)
                if not url.path.startswith("/api/"):
                    self._send(404, {}, b"not found", "text/plain")
                    return
                method = url.path[len("/api/") :]
                params: dict[str, Any] = {k: v[0] for k, v in parse_qs(url.query).items()}
                auth = self.headers.get("Authorization") or ""
                token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else params.pop("token", None)
                status, headers, body = server.answer(method, params, token)
                self._send(status, headers, json.dumps(body).encode(), "application/json; charset=utf-8")

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


_CHANNEL_METHODS = frozenset(NEEDS) - {"chat.postMessage"}


class _Server(ThreadingHTTPServer):
    # Slack takes many connections at once; the stdlib's backlog of 5 would drop some (a 1 s SYN retry each).
    request_queue_size = 128


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true")


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


def reaction_event(
    *, user: str, channel: str, ts: str, reaction: str = "pushpin", item_user: str = BOT_USER
) -> dict[str, Any]:
    """`reaction_added`: `user` reacted with `reaction` to the message `ts` in `channel`."""
    return event_callback(
        {
            "type": "reaction_added",
            "user": user,
            "reaction": reaction,
            "item_user": item_user,
            "item": {"type": "message", "channel": channel, "ts": ts},
            "event_ts": f"{time.time():.6f}",
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


def slash_body(text: str, *, user: str, channel: str, response_url: str) -> str:
    """A `/k8s` slash command's form body, as Slack POSTs it."""
    return form_body(slash_command_fields(text, user=user, channel=channel, response_url=response_url))


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


def signed_post(url: str, body: str, content_type: str = FORM, *, headers: dict[str, str] | None = None,
                **sign: Any) -> int:
    """POST `body` signed as Slack signs it (`sign`: another `secret` or `timestamp`; `headers`: more of them, a
    retry's); the status."""
    status, _ = post(url, body, {**signature_headers(body, **sign), **(headers or {})}, content_type)
    return status


def slack_env(api_url: str, *, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """The Slack settings of an app talking to the Web API double at `api_url`: bot token, signing secret, URL."""
    return {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": secret, "SLACK_API_URL": api_url}


def http_serve_env(api_url: str, *, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """The environment of an `aksbot serve --http` process talking to the Web API double at `api_url`: this
    checkout on the path, the bot token and signing secret set, no app token (so not Socket Mode)."""
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root, **slack_env(api_url, secret=secret)}
    env.pop("SLACK_APP_TOKEN", None)
    return env
