"""The Slack HTTP endpoint as strangers meet it: `aksbot serve --http` in its own process (the Slack Web API double
behind it), hit over real HTTP by oversized, unsigned, forged and malformed requests — signed and unsigned.

What must hold: a body over the cap gets 413 before it is read; ten 5 MB unsigned POSTs write under 10 KB of log;
an unauthenticated request's body and headers never reach the log; every malformed request gets a 4xx and one
log line without a traceback; a good request is still answered. A hypothesis fuzz drives the same front and the
real Bolt app in-process with signed payloads of every shape: no 500, and Bolt never logs an error.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.settings import from_mapping
from bot.slack.serve import EVENTS_PATH, MAX_BODY_BYTES, build_front, wsgi_app
from tests.slack.conftest import CAROL, ClusterBed
from tests.support.network import raw_http
from tests.support.serving import free_port, serve_http, stop, wait_healthy
from tests.support.slack import (
    BOT_TOKEN,
    FORM,
    WebApiServer,
    http_serve_env,
    slash_body,
)

SECRET = "5e1c0a7d9b3f4e2a8c6d0b1f3a5c7e9d"
CANARY = "canary-7f3a9c"  # put in bodies and headers of unauthenticated requests; must never reach the log


def _sign(raw: bytes, secret: str = SECRET, timestamp: str | None = None) -> dict[str, str]:
    ts = timestamp or str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Served:
    """`aksbot serve --http` and everything it has written to stderr (its log) so far."""

    process: subprocess.Popen[bytes]
    port: int
    log: bytearray = field(default_factory=bytearray)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{EVENTS_PATH}"

    def text(self) -> str:
        return self.log.decode("utf-8", "replace")

    def post(self, raw: bytes, headers: dict[str, str], content_type: str = FORM) -> int:
        request = urllib.request.Request(self.url, data=raw, method="POST",
                                         headers={**headers, "Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    def settle(self) -> None:
        """Wait until the log stops growing (the lines of the requests just answered are written)."""
        size = -1
        while size != len(self.log):
            size = len(self.log)
            time.sleep(0.3)


@pytest.fixture(scope="module")
def served(slack_api: WebApiServer, cluster_bed: ClusterBed) -> Iterator[Served]:
    config = cluster_bed.folder / "front.yaml"
    config.write_text(yaml.safe_dump({
        "clusters": [{"name": "sandbox", "kubeconfig": str(cluster_bed.kubeconfig), "context": "sandbox"}],
        "roles": {"viewer": ["*"]}, "store": {"sqlite_path": "front.sqlite3"},
    }))
    port = free_port()
    env = http_serve_env(slack_api.api_url, secret=SECRET)
    process = subprocess.Popen(serve_http(port, config, "--log-level", "INFO"), env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    served = Served(process, port)

    def drain() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            served.log.extend(line)

    threading.Thread(target=drain, daemon=True).start()
    wait_healthy(port, process, why=served.text)
    try:
        yield served
    finally:
        stop(process)



def test_a_body_over_the_cap_is_refused_before_it_is_read(served: Served) -> None:
    # Headers announcing 5 MB, and no body at all: the answer comes anyway, so the body was never waited for.
    head = (f"POST {EVENTS_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\n"
            f"Content-Length: {5 << 20}\r\nX-Slack-Signature: v0={CANARY}\r\n")
    served.settle()
    before = len(served.log)
    assert raw_http(served.port, head).startswith(b"HTTP/1.1 413 ")
    assert MAX_BODY_BYTES == 1 << 20
    # waitress refuses it before the front sees it; the refusal still gets its one log line, without the headers.
    served.settle()
    lines = [line for line in served.log[before:].decode().splitlines() if "refused a request" in line]
    assert len(lines) == 1 and f"to {EVENTS_PATH} from 127.0.0.1 with 413" in lines[0], lines
    assert f"({5 << 20} bytes declared)" in lines[0] and CANARY not in lines[0]


def test_ten_5_mb_unsigned_posts_write_under_10_kb_of_log(served: Served) -> None:
    served.settle()
    before = len(served.log)
    body = (CANARY * ((5 << 20) // len(CANARY))).encode()
    head = (f"POST {EVENTS_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM}\r\n"
            f"Content-Length: {len(body)}\r\nX-Slack-Request-Timestamp: {int(time.time())}\r\n"
            f"X-Slack-Signature: v0={CANARY}\r\n")
    answers = [raw_http(served.port, head, body) for _ in range(10)]
    assert all(a.startswith(b"HTTP/1.1 413 ") for a in answers), answers
    served.settle()
    written = len(served.log) - before
    print(f"\n10 x 5 MB unsigned POSTs: {written} bytes of log")
    assert written < 10_000
    # Just under the cap, the body is read and the signature checked: 401 and one line each, no body, no header.
    small = (CANARY * ((MAX_BODY_BYTES - 100) // len(CANARY))).encode()
    before = len(served.log)
    for _ in range(10):
        assert served.post(small, {"X-Slack-Request-Timestamp": str(int(time.time())),
                                   "X-Slack-Signature": f"v0={CANARY}"}) == 401
    served.settle()
    lines = [line for line in served.log[before:].decode().splitlines() if "refused a request" in line]
    assert len(lines) == 10 and all("with 401" in line for line in lines), lines
    assert CANARY not in served.text()


MALFORMED: list[tuple[str, bytes, str]] = [
    ("payload that is not JSON", b"payload={not json", FORM),
    ("payload=null", b"payload=null", FORM),
    ("payload=[1,2]", b"payload=[1,2]", FORM),
    ("actions: 5", urlencode({"payload": json.dumps({"type": "block_actions", "actions": 5,
                                                     "user": {"id": CAROL}})}).encode(), FORM),
    ("actions: [5]", urlencode({"payload": json.dumps({"type": "block_actions", "actions": [5],
                                                       "user": {"id": CAROL}})}).encode(), FORM),
    ("not UTF-8", b"command=/k8s&text=\xff\xfe nodes", FORM),
    ("a form body labelled JSON", b"command=/k8s&text=nodes", "application/json"),
    ("a JSON array", b"[1, 2]", "application/json"),
    ("an event that is a number", json.dumps({"type": "event_callback", "event": 5}).encode(), "application/json"),
    ("a view that is a number", urlencode({"payload": json.dumps({"type": "view_submission", "view": 5,
                                                                  "user": {"id": CAROL}})}).encode(), FORM),
    ("a user that is a list", urlencode({"payload": json.dumps({"type": "block_actions", "user": [1],
                                                                "actions": [{"action_id": "a"}]})}).encode(), FORM),
    ("deeply nested JSON", b"[" * 100_000, "application/json"),
]


@pytest.mark.parametrize(("name", "raw", "content_type"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_request_gets_a_4xx_and_one_line_signed_or_not(
    served: Served, name: str, raw: bytes, content_type: str
) -> None:
    served.settle()
    before = len(served.log)
    unsigned = served.post(raw, {"X-Slack-Request-Timestamp": "xxxx", "X-Slack-Signature": f"v0={CANARY}"},
                           content_type)
    forged = served.post(raw, _sign(raw, secret="not-the-secret"), content_type)
    signed = served.post(raw, _sign(raw), content_type)
    served.settle()
    written = served.log[before:].decode("utf-8", "replace")
    assert (unsigned, forged, signed) == (401, 401, 400), name
    refusals = [line for line in written.splitlines() if "refused a request" in line]
    assert len(refusals) == 3 and " ERROR " not in written and "Traceback" not in served.text(), written
    assert CANARY not in served.text()


def test_a_good_request_is_still_answered(served: Served, slack_api: WebApiServer) -> None:
    channel = "C0FRONTOK"
    body = slash_body("nodes", user=CAROL, channel=channel, response_url=slack_api.response_url()).encode()
    assert served.post(body, _sign(body)) == 200
    slack_api.wait_for(lambda s: any(c.params.get("channel") == channel for c in s.of("chat.postMessage")), timeout=45)
    assert "Traceback" not in served.text()


# -- fuzz: signed payloads of every shape, in-process through the front and the real Bolt app ------------------

_json: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
_KEYS = ("type", "command", "text", "user_id", "channel_id", "team_id", "response_url", "trigger_id", "event",
         "authorizations", "actions", "view", "user", "team", "channel", "enterprise", "message", "container",
         "state", "response_urls", "is_enterprise_install", "enterprise_id", "challenge", "ssl_check", "token")
_TYPES = st.sampled_from(["block_actions", "view_submission", "event_callback", "url_verification", "shortcut",
                          "message_action", "view_closed", "block_suggestion"])
_action = st.fixed_dictionaries({}, optional={"action_id": st.sampled_from(["aksbot_approve_1", "x"]) | _json,
                                             "value": _json, "block_id": _json, "type": _json})
_event = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["app_mention", "message", "reaction_added"]) | _json, "user": _json,
    "channel": _json, "subtype": _json, "bot_id": _json, "text": _json, "ts": _json, "thread_ts": _json,
    "channel_type": st.just("im") | _json, "message": _json, "authorizations": _json,
})
_view = st.fixed_dictionaries({}, optional={"callback_id": st.just("aksbot_deny") | _json,
                                           "private_metadata": _json, "state": _json, "id": _json})
_payload = st.fixed_dictionaries({}, optional={
    **{key: _json for key in _KEYS},
    "type": _TYPES | _json,
    "actions": st.lists(_action, max_size=2) | _json,
    "event": _event | _json,
    "view": _view | _json,
    "user": st.fixed_dictionaries({"id": st.text(max_size=4) | _json}) | _json,
    "authorizations": st.lists(st.fixed_dictionaries({}, optional={"team_id": _json, "user_id": _json,
                                                                 "is_enterprise_install": _json}), max_size=2),
})


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def front(
    slack_api: WebApiServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, list[tuple[str, dict[str, Any]]]]]:
    folder = tmp_path_factory.mktemp("front")
    settings_ = from_mapping({"clusters": []}, source=str(folder / "fuzz.yaml"), environ={
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack_api.api_url})
    forwarded: list[tuple[str, dict[str, Any]]] = []
    surface = build_front(settings_, http=True, forward=lambda d: forwarded.append((d.kind, d.body)),
                          verify_token=False)
    yield wsgi_app(surface.app, lambda: (True, "ok"), signing_secret=SECRET), forwarded
    surface.close()


def _call(app: Any, raw: bytes, content_type: str) -> int:
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": EVENTS_PATH, "QUERY_STRING": "", "SERVER_NAME": "x",
               "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": io.BytesIO(raw),
               "CONTENT_LENGTH": str(len(raw)), "CONTENT_TYPE": content_type, "REMOTE_ADDR": "127.0.0.1",
               **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in _sign(raw).items()}}
    status: list[str] = []
    b"".join(app(environ, lambda s, headers, exc_info=None: status.append(s)))
    return int(status[0].split()[0])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=_payload | _json, as_form=st.booleans())
@example(payload={"response_urls": [{}, {}]}, as_form=False)  # Bolt read the second URL before it had a logger
@example(payload={"event": {"authorizations": [None]}}, as_form=False)  # Bolt walks into the event's first one
def test_no_signed_payload_makes_the_front_or_bolt_fail(
    front: tuple[Any, list[tuple[str, dict[str, Any]]]], payload: Any, as_form: bool
) -> None:
    app, _ = front
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    try:
        if as_form:
            status = _call(app, urlencode({"payload": json.dumps(payload)}).encode(), FORM)
        else:
            status = _call(app, json.dumps(payload).encode(), "application/json")
    finally:
        logging.getLogger().removeHandler(errors)
    assert status < 500, payload
    assert not errors.records, [r.getMessage() for r in errors.records]
