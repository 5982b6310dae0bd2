"""The alert webhooks as a WSGI application: `POST /alerts/alertmanager` and `POST /alerts/azure-monitor`.

    Alertmanager:   webhook_configs: [{url: https://aksbot.example/alerts/alertmanager,
                                       http_config: {authorization: {credentials: <AKSBOT_ALERTS_TOKEN>}}}]
    Azure Monitor:  action group → webhook → https://aksbot.example/alerts/azure-monitor?token=<AKSBOT_ALERTS_TOKEN>
                    with "Enable the common alert schema" on (an action group can only put a secret in the URL)

Each request is checked in the order that costs least: path and method, then the token (`Authorization: Bearer`
or `?token=`, compared in constant time; 401 without reading anything), then the declared size (over 256 KB: 413
before the body is read), then the body (not JSON, or not the payload the path expects: 400 with what was wrong).
A good notification is stored — state, history and the Slack work it needs, in one transaction — and answered
at once; posting happens elsewhere, from the store. Azure retries 408/429/503/504 and gives up for 15 minutes
after repeated failures, so nothing slow happens before the answer, and a store that is down answers 503 with
`Retry-After` (both senders retry) rather than losing the notification.

The token and the query string that may carry it are never logged: the log line names the path only. waitress
reads a request body before calling the application, so the server that mounts this should also be given a
body limit (`max_request_body_size`) so an oversized upload is refused before it is buffered.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import orjson

from bot.alerts import alertmanager, azure_monitor
from bot.alerts.clusters import ClusterDirectory
from bot.alerts.model import AlertGroup, PayloadError
from bot.alerts.routing import pick_routes
from bot.alerts.runbooks import RunbookResolver
from bot.alerts.store import AlertStore, Recorded
from bot.clock import Clock, SystemClock
from bot.errors import Upstream
from bot.settings import Settings

log = logging.getLogger("aksbot.alerts")

ALERTMANAGER_PATH = "/alerts/alertmanager"
AZURE_MONITOR_PATH = "/alerts/azure-monitor"
PATHS = (ALERTMANAGER_PATH, AZURE_MONITOR_PATH)
MAX_BODY = 256 * 1024
RETRY_AFTER_S = 5

StartResponse = Callable[..., Any]
Environ = dict[str, Any]
Parser = Callable[[Any, ClusterDirectory], AlertGroup]

_PARSERS: dict[str, tuple[str, Parser]] = {
    ALERTMANAGER_PATH: ("alertmanager", alertmanager.parse),
    AZURE_MONITOR_PATH: ("azure-monitor", azure_monitor.parse),
}
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 411: "Length Required", 413: "Content Too Large", 500: "Internal Server Error",
            503: "Service Unavailable"}


class _Refused(Exception):
    def __init__(self, status: int, message: str, headers: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = list(headers)


class AlertIntake:
    """The WSGI application for the two webhook paths (anything else: 404, so it can sit beside other apps)."""

    def __init__(self, settings: Settings, store: AlertStore, *, runbooks: RunbookResolver | None = None,
                 clock: Clock | None = None, on_recorded: Callable[[Recorded], None] | None = None,
                 max_body: int = MAX_BODY) -> None:
        self.settings = settings
        self.store = store
        self.clusters = ClusterDirectory.from_settings(settings)
        self.runbooks = runbooks
        self.clock = clock or SystemClock()
        self.on_recorded = on_recorded
        self.max_body = max_body
        token = settings.alerts_token.get_secret_value() if settings.alerts_token is not None else ""
        self._token = token.encode()

    @staticmethod
    def handles(path: str) -> bool:
        return path in PATHS

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.monotonic()
        path = str(environ.get("PATH_INFO") or "")
        source = _PARSERS.get(path, ("", alertmanager.parse))[0] or "unknown"
        try:
            status, body, headers, note = 200, *self._handle(path, environ)
        except _Refused as refused:
            status, body, headers, note = (refused.status, {"error": refused.message}, refused.headers,
                                           refused.message)
        except Exception:
            ref = secrets.token_hex(4)
            log.exception("alert intake failed (ref %s) on %s", ref, path)
            status, body, headers, note = 500, {"error": "internal error", "ref": ref}, [], f"internal error {ref}"
        data = orjson.dumps(body)
        start_response(f"{status} {_REASONS.get(status, '')}".strip(),
                       [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *headers])
        log.info("alert intake path=%s source=%s status=%d %s ms=%.1f", path, source, status, note,
                 (time.monotonic() - started) * 1000)
        return [data]

    # -- the steps -----------------------------------------------------------------------------------------------

    def _handle(self, path: str, environ: Environ) -> tuple[dict[str, Any], list[tuple[str, str]], str]:
        if path not in _PARSERS:
            raise _Refused(404, f"no alert endpoint at {path or '/'} (use {' or '.join(PATHS)})")
        if environ.get("REQUEST_METHOD") != "POST":
            raise _Refused(405, "alerts are sent with POST", [("Allow", "POST")])
        self._authenticate(environ)
        payload = self._json(environ)
        _, parse = _PARSERS[path]
        try:
            group = parse(payload, self.clusters)
        except PayloadError as exc:
            raise _Refused(400, str(exc)) from None
        if self.runbooks is not None:
            group = self.runbooks.resolve(group)
        alerts = self.settings.alerts
        now = self.clock.now()
        # A stateless alert is never resolved by its source: it ends by itself, counted from when it arrived (its
        # firedDateTime may be a replayed sample's, or an Azure clock's).
        group = group.expiring(now + timedelta(minutes=alerts.event_minutes))
        try:
            recorded = self.store.record(group, pick_routes(alerts, group), at=now,
                                         flap_window=timedelta(minutes=alerts.flap_minutes))
        except Upstream as exc:
            raise _Refused(503, f"the alert store is unavailable, retry later ({exc.message})",
                           [("Retry-After", str(RETRY_AFTER_S))]) from None
        if self.on_recorded is not None and recorded.outcome.changes_state:
            try:
                self.on_recorded(recorded)
            except Exception:  # the notification is stored; a failing listener must not make the sender retry
                log.exception("alert intake: the on_recorded listener failed for %s", recorded.state.id)
        state = recorded.state
        body = {"id": state.id, "key": state.key, "outcome": recorded.outcome.value, "status": state.status.value,
                "alerts": len(group.alerts)}
        return body, [], f"outcome={recorded.outcome.value} id={state.id} alerts={len(group.alerts)}"

    def _authenticate(self, environ: Environ) -> None:
        if not self._token:
            raise _Refused(403, "alert webhooks are off: AKSBOT_ALERTS_TOKEN is not set on the bot")
        given = ""
        scheme, _, credentials = str(environ.get("HTTP_AUTHORIZATION") or "").partition(" ")
        if scheme.lower() == "bearer":
            given = credentials.strip()
        if not given:
            given = (parse_qs(str(environ.get("QUERY_STRING") or "")).get("token") or [""])[-1]
        if not given or not hmac.compare_digest(given.encode(), self._token):
            # Worded so that the log's secret masker finds no `token: value` or `token=value` in it.
            raise _Refused(401, "the token is missing or wrong: send it in the header Authorization: Bearer … or as "
                                "?token=… in the URL",
                           [("WWW-Authenticate", 'Bearer realm="aksbot-alerts"')])

    def _json(self, environ: Environ) -> Any:
        declared = str(environ.get("CONTENT_LENGTH") or "").strip()
        stream = environ["wsgi.input"]
        if declared:
            try:
                length = int(declared)
            except ValueError:
                raise _Refused(400, f"Content-Length is not a number: {declared[:20]!r}") from None
            if length > self.max_body:
                raise _Refused(413, f"the body is {length:,} bytes; alerts are accepted up to {self.max_body:,}")
            raw = stream.read(length) if length > 0 else b""
        else:
            raw = stream.read(self.max_body + 1)
            if len(raw) > self.max_body:
                raise _Refused(413, f"the body is over {self.max_body:,} bytes, the most alerts are accepted with")
        if not raw:
            raise _Refused(400, "the body is empty; expected a JSON alert notification")
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise _Refused(400, f"the body is not JSON: {exc}") from None
