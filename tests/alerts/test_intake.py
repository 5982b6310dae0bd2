"""The alert webhooks over real HTTP (waitress), with the published Alertmanager and Azure Monitor bodies."""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from waitress.server import create_server

from bot.alerts.intake import MAX_BODY, AlertIntake
from bot.alerts.lifecycle import Outcome
from bot.alerts.model import Status
from bot.alerts.runbooks import RunbookResolver
from bot.alerts.store import AlertStore, Recorded, Work
from bot.approvals.store import SqliteApprovalStore
from bot.clock import ManualClock
from bot.logs import redact
from bot.settings import Settings
from knowledge import load_knowledge_base
from tests.support.alerts import TOKEN, body, payload, settings


@dataclass
class Served:
    port: int
    store: AlertStore
    db: SqliteApprovalStore
    recorded: list[Recorded]

    def post(self, path: str, data: bytes, *, token: str | None = TOKEN, query: bool = False,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any], dict[str, str]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        target = path
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token is not None and query:
            target += f"?token={token}"
        elif token is not None:
            sent["Authorization"] = f"Bearer {token}"
        conn.request("POST", target, body=data, headers=sent)
        response = conn.getresponse()
        raw = response.read()
        conn.close()
        return response.status, json.loads(raw) if raw else {}, {k.lower(): v for k, v in response.getheaders()}

    def request(self, method: str, path: str) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request(method, path, headers={"Authorization": f"Bearer {TOKEN}"})
        status = conn.getresponse().status
        conn.close()
        return status


def serve(tmp: Path, config: Settings, *, max_request_body_size: int = 1 << 30) -> Iterator[Served]:
    db = SqliteApprovalStore(tmp / "store.sqlite3")
    store = AlertStore(db)
    recorded: list[Recorded] = []
    app = AlertIntake(config, store, runbooks=RunbookResolver(load_knowledge_base()), clock=ManualClock(),
                      on_recorded=recorded.append)
    server = create_server(app, host="127.0.0.1", port=0, threads=8, max_request_body_size=max_request_body_size)

    def run() -> None:
        with contextlib.suppress(OSError):  # the socket was closed under the loop by close()
            server.run()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield Served(int(server.effective_port), store, db, recorded)
    finally:
        with contextlib.suppress(OSError):
            server.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=5)
        db.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    yield from serve(tmp_path, settings())


def test_an_alertmanager_delivery_is_stored_and_answered(served: Served) -> None:
    status, answer, _ = served.post("/alerts/alertmanager", body("alertmanager-longhorn-3-alerts.json"))
    assert status == 200
    assert answer["outcome"] == "created" and answer["status"] == "firing" and answer["alerts"] == 3
    state = served.store.by_id(answer["id"])
    assert state is not None and state.key == answer["key"] and len(state.group.alerts) == 3
    (item,) = served.store.due(state.first_fired_at.replace(year=2030))
    assert item.kind is Work.POST and item.channel == "C0ALERTS"  # the default channel
    assert [r.outcome for r in served.recorded] == [Outcome.CREATED]


def test_100_identical_posts_make_one_problem_and_one_message(served: Served) -> None:
    data = body("alertmanager-cputhrottlinghigh.json")
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: served.post("/alerts/alertmanager", data), range(100)))
    assert {status for status, _, _ in results} == {200}
    outcomes = [answer["outcome"] for _, answer, _ in results]
    assert outcomes.count("created") == 1 and outcomes.count("unchanged") == 99
    assert len(served.store.firing()) == 1 and served.store.pending() == 1
    assert len(served.recorded) == 1


def test_an_azure_fired_and_resolved_pair_is_one_message_resolved(served: Served) -> None:
    fired = payload("azure-metric-alert-fired.json")
    resolved = payload("azure-metric-alert-fired.json")
    resolved["data"]["essentials"].update(monitorCondition="Resolved", resolvedDateTime="2025-04-15T18:27:12.851Z")
    status, first, _ = served.post("/alerts/azure-monitor", json.dumps(fired).encode(), query=True)
    assert status == 200 and first["outcome"] == "created"
    status, second, _ = served.post("/alerts/azure-monitor", json.dumps(resolved).encode(), query=True)
    assert status == 200 and second["outcome"] == "resolved" and second["id"] == first["id"]
    state = served.store.by_id(first["id"])
    assert state is not None and state.status is Status.RESOLVED
    assert len(served.store.messages(state.key)) == 1


@pytest.mark.parametrize("name", ["azure-log-alert-v2.json", "azure-prometheus-alert.json",
                                  "azure-metric-alert-resolved.json"])
def test_every_published_azure_sample_is_accepted(served: Served, name: str) -> None:
    status, answer, _ = served.post("/alerts/azure-monitor", body(name), query=True)
    assert status == 200 and answer["outcome"] in ("created", "unseen-resolved")


@pytest.mark.parametrize(("token", "query"), [(None, False), ("wrong", False), ("wrong", True), ("", True)])
def test_a_missing_or_wrong_token_is_401_and_nothing_is_stored(served: Served, token: str | None,
                                                                 query: bool) -> None:
    status, answer, headers = served.post("/alerts/alertmanager", body("alertmanager-cputhrottlinghigh.json"),
                                          token=token, query=query)
    assert status == 401 and "token" in answer["error"] and headers["www-authenticate"].startswith("Bearer")
    assert served.store.firing() == [] and served.store.history() == []


def test_the_401_log_line_reads_as_written_through_the_secret_masker(served: Served,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="aksbot.alerts"):
        served.post("/alerts/alertmanager", body("alertmanager-cputhrottlinghigh.json"), token="wrong")
    line = next(r.getMessage() for r in caplog.records if "status=401" in r.getMessage())
    assert "send it in the header Authorization: Bearer … or as ?token=… in the URL" in line
    assert redact(line) == line  # nothing in it looks like a secret, so the log shows it whole


def test_the_token_is_never_logged(served: Served, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        served.post("/alerts/azure-monitor", body("azure-metric-alert-fired.json"), query=True)
        served.post("/alerts/azure-monitor", body("azure-metric-alert-fired.json"), token="not-" + TOKEN, query=True)
        served.post("/alerts/alertmanager", body("alertmanager-cputhrottlinghigh.json"))
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "path=/alerts/azure-monitor" in text and TOKEN not in text and "?token=s" not in text


@pytest.mark.parametrize(("path", "data", "message"), [
    ("/alerts/alertmanager", b"{not json", "the body is not JSON"),
    ("/alerts/alertmanager", b"", "the body is empty"),
    ("/alerts/alertmanager", body("azure-metric-alert-fired.json"), "not an Alertmanager webhook payload"),
    ("/alerts/azure-monitor", body("alertmanager-cputhrottlinghigh.json"), "Enable the common alert schema"),
    ("/alerts/azure-monitor", b'{"schemaId": "Microsoft.Insights/activityLogs", "data": {}}',
     "schemaId 'Microsoft.Insights/activityLogs'"),
])
def test_bad_bodies_are_400_with_what_was_wrong(served: Served, path: str, data: bytes, message: str) -> None:
    status, answer, _ = served.post(path, data, query=True)
    assert status == 400 and message in answer["error"]
    assert served.store.history() == []


def test_a_body_over_256_kb_is_413(served: Served) -> None:
    raw = payload("alertmanager-cputhrottlinghigh.json")
    raw["commonAnnotations"]["padding"] = "x" * MAX_BODY
    status, answer, _ = served.post("/alerts/alertmanager", json.dumps(raw).encode())
    assert status == 413 and "262,144" in answer["error"]
    assert served.store.history() == []


def test_the_server_limit_refuses_a_huge_upload_before_buffering_it(tmp_path: Path) -> None:
    for s in serve(tmp_path, settings(), max_request_body_size=MAX_BODY):
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
        conn.putrequest("POST", "/alerts/alertmanager")
        conn.putheader("Authorization", f"Bearer {TOKEN}")
        conn.putheader("Content-Length", str(50 * 2**20))  # announced, never sent
        conn.endheaders()
        response = conn.getresponse()
        assert response.status == 413
        conn.close()


def test_other_methods_and_paths(served: Served) -> None:
    assert served.request("GET", "/alerts/alertmanager") == 405
    assert served.request("GET", "/alerts/grafana") == 404
    status, answer, _ = served.post("/alerts/pagerduty", b"{}")
    assert status == 404 and "/alerts/alertmanager" in answer["error"]


def test_without_a_configured_token_the_webhooks_are_off(tmp_path: Path) -> None:
    config = settings().model_copy(update={"alerts_token": None})
    for s in serve(tmp_path, config):
        status, answer, _ = s.post("/alerts/alertmanager", body("alertmanager-cputhrottlinghigh.json"))
        assert status == 403 and "AKSBOT_ALERTS_TOKEN" in answer["error"]


def test_a_failing_store_answers_503_so_the_sender_retries(served: Served) -> None:
    served.db.run(f"DROP TABLE {served.store.outbox_table}")
    status, answer, headers = served.post("/alerts/alertmanager", body("alertmanager-cputhrottlinghigh.json"))
    assert status == 503 and headers["retry-after"] == "5" and "retry later" in answer["error"]


def test_the_runbook_is_resolved_on_the_way_in(served: Served) -> None:
    raw = payload("alertmanager-cputhrottlinghigh.json")
    raw["alerts"][0]["labels"]["alertname"] = raw["commonLabels"]["alertname"] = "KubeNodeNotReady"
    raw["alerts"][0]["labels"]["node"] = "aks-nodepool1-0"
    status, answer, _ = served.post("/alerts/alertmanager", json.dumps(raw).encode())
    state = served.store.by_id(answer["id"])
    assert status == 200 and state is not None and state.group.runbook == "node-notready"
