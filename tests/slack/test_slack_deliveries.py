"""A Slack delivery is handled once: retries (same `event_id`, `X-Slack-Retry-Num`) and replays of a signed request
(same `trigger_id`) are acked and not run again — in one process, and across two replicas on one PostgreSQL.

Through the real protocol: the app `aksbot serve` builds (`build_surface`), signed HTTP POSTs, the Slack Web API
double, the sandbox cluster."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.settings import Settings, from_mapping
from bot.slack.inbox import delivery_key
from bot.slack.serve import EVENTS_PATH, HttpServer, build_surface, wsgi_app
from tests.slack.conftest import ALICE, ClusterBed
from tests.support.approvals import POSTGRES_URL, unique_schema
from tests.support.slack import (
    FORM,
    SIGNING_SECRET,
    WebApiServer,
    mention_event,
    signed_post,
    slack_env,
    slash_body,
)
from tests.support.slackbot import in_channel, new_channel


def _settings(bed: ClusterBed, api_url: str, *, name: str, database: str | None = None, schema: str = "") -> Settings:
    data: dict[str, Any] = {
        "clusters": [{"name": "sandbox", "kubeconfig": str(bed.kubeconfig), "context": "sandbox"}],
        "roles": {"operator": [ALICE], "approver": ["U0BOB"]},
        "approvals": {"channel": "C0APPROVALSDELIV"},
        "store": {"sqlite_path": f"{name}.sqlite3", **({"postgres_schema": schema} if schema else {})},
    }
    env = slack_env(api_url)
    if database:
        env["AKSBOT_DATABASE_URL"] = database
    return from_mapping(data, source=str(bed.folder / f"{name}.yaml"), environ=env)


class Replica:
    """One `aksbot serve --http` app (Bolt behind the front) on a port of its own."""

    def __init__(self, settings: Settings) -> None:
        self.surface = build_surface(settings, http=True, workers=4, verify_token=False)
        front = wsgi_app(self.surface.app, lambda: (True, "ok"), signing_secret=SIGNING_SECRET)
        self.server = HttpServer(front, host="127.0.0.1", port=0).start()
        self.url = f"http://127.0.0.1:{self.server.port}{EVENTS_PATH}"

    def close(self) -> None:
        self.server.stop()
        self.surface.close()


def _send(url: str, body: str, content_type: str, retry: int = 0) -> int:
    headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
    return signed_post(url, body, content_type, headers=headers)


@pytest.fixture(scope="module")
def replica(slack_api: WebApiServer, cluster_bed: ClusterBed) -> Iterator[Replica]:
    one = Replica(_settings(cluster_bed, slack_api.api_url, name="deliveries"))
    yield one
    one.close()


@pytest.fixture(scope="module")
def two_replicas(slack_api: WebApiServer, cluster_bed: ClusterBed) -> Iterator[tuple[Replica, Replica]]:
    schema = unique_schema()
    a = Replica(_settings(cluster_bed, slack_api.api_url, name="a", database=POSTGRES_URL, schema=schema))
    b = Replica(_settings(cluster_bed, slack_api.api_url, name="b", database=POSTGRES_URL, schema=schema))
    yield a, b
    a.close()
    b.close()
    from bot.approvals.store import PostgresApprovalStore

    PostgresApprovalStore(POSTGRES_URL, schema=schema).drop()


def _answers(api: WebApiServer, channel: str, settle: float = 1.5) -> int:
    """How many answers were posted in `channel`, once no more arrive for `settle` seconds."""
    api.wait_for(lambda s: bool(in_channel(s.of("chat.postMessage"), channel)), timeout=30)
    seen, quiet_since = -1, time.monotonic()
    while time.monotonic() - quiet_since < settle:
        now = len(in_channel(api.of("chat.postMessage"), channel))
        if now != seen:
            seen, quiet_since = now, time.monotonic()
        time.sleep(0.1)
    return seen


def test_a_mention_slack_retries_is_answered_once(replica: Replica, slack_api: WebApiServer) -> None:
    channel = new_channel()
    body = json.dumps(mention_event("nodes", user=ALICE, channel=channel, ts=f"{time.time():.6f}"))
    assert [_send(replica.url, body, "application/json", retry) for retry in (0, 1, 2)] == [200, 200, 200]
    assert _answers(slack_api, channel) == 1


def test_a_retry_that_reaches_the_other_replica_is_not_answered_again(
    two_replicas: tuple[Replica, Replica], slack_api: WebApiServer
) -> None:
    a, b = two_replicas
    channel = new_channel()
    body = json.dumps(mention_event("pods -n shop", user=ALICE, channel=channel, ts=f"{time.time():.6f}"))
    assert _send(a.url, body, "application/json") == 200
    assert _send(b.url, body, "application/json", retry=1) == 200
    assert _send(a.url, body, "application/json", retry=2) == 200
    assert _answers(slack_api, channel) == 1


def test_a_replayed_slash_command_runs_once(
    two_replicas: tuple[Replica, Replica], slack_api: WebApiServer, cluster_bed: ClusterBed
) -> None:
    a, b = two_replicas
    channel = new_channel()
    node = sorted(n["metadata"]["name"] for n in cluster_bed.kube.objects("nodes"))[-1]
    response_url = slack_api.response_url()
    body = slash_body(f"cordon {node}", user=ALICE, channel=channel, response_url=response_url)
    assert _send(a.url, body, FORM) == 200
    assert _send(b.url, body, FORM) == 200  # the same signed request again, to the other replica
    assert _answers(slack_api, channel) == 1  # "waiting for approval", once
    cards = in_channel(slack_api.of("chat.postMessage"), "C0APPROVALSDELIV")
    assert sum(node in json.dumps(c.params.get("blocks")) for c in cards) == 1


def test_two_people_typing_the_same_command_are_both_answered(replica: Replica, slack_api: WebApiServer) -> None:
    """Only copies of one delivery are dropped: the same text from two invocations has two trigger ids."""
    channel = new_channel()
    for _ in range(2):
        body = slash_body("nodes", user=ALICE, channel=channel, response_url=slack_api.response_url())
        assert _send(replica.url, body, FORM) == 200
    slack_api.wait_for(lambda s: len(in_channel(s.of("chat.postMessage"), channel)) >= 2, timeout=30)
    assert _answers(slack_api, channel) == 2


def test_delivery_keys() -> None:
    assert delivery_key("mention", {"event_id": "Ev1", "trigger_id": "t"}) == "event:Ev1"
    assert delivery_key("slash", {"trigger_id": "123.456.abc"}) == "slash:123.456.abc"
    click = {"trigger_id": "9.9.z", "actions": [{"action_ts": "1.5"}]}
    assert delivery_key("click", click) == "click:9.9.z:1.5"
    assert delivery_key("slash", {}) is None
    assert delivery_key("mention", {"event_id": ""}) is None
