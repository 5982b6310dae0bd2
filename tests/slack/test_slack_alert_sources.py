"""Alerts as their senders really send them, end to end: the webhooks over HTTP beside the real Bolt app, the
outlet posting to the local Slack Web API double, and `/k8s alerts` asked as signed slash commands.

- a resolved Alertmanager alert's history row is dated by its `endsAt`, not by when the notice came;
- an Alertmanager group whose `groupKey` changes (its route's `group_by` changed, the alert moved to another
  group) keeps its one message, found by its alerts' fingerprints;
- an Azure activity log alert (stateless: Azure never sends its Resolved) is shown as an event, and ends by
  itself after `alerts.event_minutes`, its message and `/k8s alerts` saying so.

The outlet runs on a clock the test moves (the leader's work is not started), so "an hour later" takes no hour.
"""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.alerts.intake import AlertIntake
from bot.alerts.outlet import Outlet
from bot.alerts.store import AlertStore
from bot.approvals.store import SqlApprovalStore
from bot.approvals.workflow import open_approval_store
from bot.clock import ManualClock
from bot.settings import Settings, from_mapping
from bot.slack.alerts import SlackAlertPoster, alert_client
from bot.slack.serve import EVENTS_PATH, HttpServer, build_surface, wsgi_app
from tests.slack.conftest import ALICE, VIEWERS, ClusterBed
from tests.support.alerts import payload
from tests.support.slack import SIGNING_SECRET, ApiCall, WebApiServer, signed_post, slack_env, slash_body

TOKEN = "alert-sources-token"


@dataclass
class Bed:
    """One replica's front (Slack requests and the alert webhooks on one port), its store, and an outlet posting to
    `channel`; the webhooks and the outlet on a clock the test moves."""

    front: str
    api: WebApiServer
    store: AlertStore
    outlet: Outlet
    clock: ManualClock
    channel: str

    def push(self, source: str, raw: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(f"{self.front}/alerts/{source}", data=json.dumps(raw).encode(),
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {TOKEN}"}, method="POST")
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 200
            answered: dict[str, Any] = json.loads(answer.read())
            return answered

    def later(self, delta: timedelta) -> None:
        """Time passes for the outlet, which then does what is due."""
        self.clock.advance(delta)
        self.outlet.deliver()

    def ask(self, text: str) -> str:
        """A `/k8s` command as Slack sends it (signed) from an ops channel, and what the bot answered there."""
        ops = "D" + self.channel[1:]

        def answers() -> list[ApiCall]:
            return [c for c in self.api.of("chat.postMessage") if c.params.get("channel") == ops]

        before = len(answers())
        body = slash_body(text, user=ALICE, channel=ops, response_url=self.api.response_url())
        assert signed_post(f"{self.front}{EVENTS_PATH}", body) == 200
        self.api.wait_for(lambda s: len(answers()) > before, 20)
        answer = answers()[before]
        return json.dumps(answer.params.get("blocks") or [], ensure_ascii=False) + str(answer.params.get("text"))

    def messages(self) -> list[dict[str, Any]]:
        return self.api.top_level(self.channel)

    def posts(self) -> list[ApiCall]:
        return [c for c in self.api.of("chat.postMessage") if c.params.get("channel") == self.channel
                and not c.params.get("thread_ts")]

    def replies(self, ts: str) -> list[dict[str, Any]]:
        return self.api.thread(self.channel, ts)


def bed_settings(cluster_bed: ClusterBed, api_url: str, channel: str, **alerts: Any) -> Settings:
    data: dict[str, Any] = {
        "clusters": [{"name": "sandbox", "kubeconfig": str(cluster_bed.kubeconfig), "context": "sandbox"}],
        "roles": {"viewer": [VIEWERS], "operator": [ALICE]},
        "store": {"sqlite_path": f"sources-{channel}.sqlite3"},
        "alerts": {"default_channel": channel, "group_seconds": 0, "watcher": {"enabled": False}, **alerts},
    }
    env = {**slack_env(api_url), "AKSBOT_ALERTS_TOKEN": TOKEN}
    return from_mapping(data, source=str(cluster_bed.folder / "sources.yaml"), environ=env)


@pytest.fixture
def bed(slack_api: WebApiServer, cluster_bed: ClusterBed) -> Iterator[Bed]:
    channel = "C0" + uuid.uuid4().hex[:8].upper()
    settings = bed_settings(cluster_bed, slack_api.api_url, channel)
    surface = build_surface(settings, http=True, workers=4, alert_work=False)
    db = open_approval_store(settings)
    assert isinstance(db, SqlApprovalStore)
    store = AlertStore(db)
    # An hour ago: the test moves the clock on to now, so `/k8s alerts history` (on the real clock) lists it all.
    clock = ManualClock(datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1))
    front = wsgi_app(surface.app, lambda: (True, "ok"), signing_secret=SIGNING_SECRET,
                     alerts=AlertIntake(settings, store, clock=clock))
    server = HttpServer(front, host="127.0.0.1", port=0).start()
    outlet = Outlet(store, SlackAlertPoster(alert_client(settings)), settings.alerts, clock=clock, worker="leader")
    try:
        yield Bed(f"http://127.0.0.1:{server.port}", slack_api, store, outlet, clock, channel)
    finally:
        server.stop()
        surface.close()
        db.close()


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def longhorn(fired: datetime, *, group_key: str | None = None, resolved: dict[int, datetime] | None = None
             ) -> dict[str, Any]:
    """The published three-alert Longhorn group, fired at `fired` (recent, so `/k8s alerts history` lists it), under
    another `groupKey` when given; the alerts `resolved` names (index → endsAt) resolved."""
    raw = payload("alertmanager-longhorn-3-alerts.json")
    for alert in raw["alerts"]:
        alert["startsAt"] = rfc3339(fired)
    for index, ends in (resolved or {}).items():
        raw["alerts"][index].update(status="resolved", endsAt=rfc3339(ends))
    if resolved and len(resolved) == len(raw["alerts"]):
        raw["status"] = "resolved"
    if group_key is not None:
        raw["groupKey"] = group_key
    return raw


def test_a_resolved_alert_is_dated_in_the_history_by_when_it_ended_not_by_when_the_notice_came(bed: Bed) -> None:
    fired = bed.clock.now()
    bed.push("alertmanager", longhorn(fired))
    bed.outlet.deliver()
    ended = fired + timedelta(minutes=15)
    # Alertmanager says so a `group_interval` (5 min) after the alerts ended.
    bed.later(timedelta(minutes=20))
    bed.push("alertmanager", longhorn(fired, resolved={0: ended, 1: ended, 2: ended}))
    said = bed.ask("alerts history")
    assert re.search(rf"{fired:%m-%d %H:%M:%S} +\? +\w+ +🔥 fired ", said), said
    assert re.search(rf"{ended:%m-%d %H:%M:%S} +\? +\w+ +✅ resolved +LonghornVolumeStatusWarning +after 15 min",
                     said), said


def test_a_regrouped_alertmanager_group_keeps_its_one_message(bed: Bed) -> None:
    fired = bed.clock.now()
    bed.push("alertmanager", longhorn(fired))
    bed.outlet.deliver()
    (post,) = bed.posts()
    ts = post.result["ts"]
    # The route's group_by now has `volume` too: the same three alerts come in three new groups, never again in
    # the old one.
    regrouped = {i: f'{{}}:{{alertname="LonghornVolumeStatusWarning", volume="v{i}"}}' for i in range(3)}
    answered = bed.push("alertmanager", longhorn(fired, group_key=regrouped[0]))
    bed.later(timedelta(minutes=1))
    assert len(bed.posts()) == 1 and answered["outcome"] == "unchanged"
    assert "Firing now: 1" in bed.ask("alerts")  # one problem, not two

    # The first volume recovers, told under its new group: the old message says so.
    ended = fired + timedelta(minutes=3)
    bed.later(timedelta(minutes=2))
    bed.push("alertmanager", longhorn(fired, group_key=regrouped[0], resolved={0: ended}))
    bed.later(timedelta(seconds=1))
    assert len(bed.posts()) == 1
    edits = [c for c in bed.api.of("chat.update") if c.params.get("channel") == bed.channel]
    assert edits and edits[-1].params["ts"] == ts
    said = edits[-1].params["text"]
    assert said.startswith(f"Longhorn volume is Degraded (2 firing) — firing since {fired:%H:%M} UTC"), said

    # All of them resolved: the one message resolves, with its one reply.
    later = fired + timedelta(minutes=6)
    bed.later(timedelta(minutes=5))
    bed.push("alertmanager", longhorn(fired, group_key=regrouped[0], resolved={0: ended, 1: later, 2: later}))
    bed.later(timedelta(seconds=1))
    assert len(bed.posts()) == 1
    (message,) = bed.messages()
    assert message["text"].startswith("✅ ") and "resolved after 6 min" in message["text"], message["text"]
    assert [r["text"] for r in bed.replies(ts)] == ["✅ Resolved after 6 min."]
    assert "No alert is firing" in bed.ask("alerts")


def test_an_activity_log_alert_is_an_event_that_ends_by_itself(bed: Bed) -> None:
    # Microsoft's own sample: a VM restarted. Azure sends it Fired and never Resolved.
    arrived = bed.clock.now()
    answered = bed.push("azure-monitor", payload("azure-activity-log-alert.json"))
    assert answered["outcome"] == "created"
    bed.outlet.deliver()
    (post,) = bed.posts()
    ts, until = post.result["ts"], arrived + timedelta(minutes=60)
    card = json.dumps(post.params["blocks"], ensure_ascii=False)
    # An event: when it happened (Azure's firedDateTime) and when it ends by itself — never "firing for".
    assert f"its source never says it is over, so it ends by itself at {until:%H:%M} UTC" in post.params["text"]
    # (Each reader sees the times in their own time zone: Slack date tokens, with the UTC words as their fallback.)
    assert re.search(r"Event · event at <!date\^\d+\^\{date_short_pretty\} \{time\}\|04-15 11:26:21 UTC>", card), card
    assert "firing for" not in card
    assert "operation: Microsoft.Compute/virtualMachines/restart/action Succeeded" in card
    assert f"event, ends by itself at {until:%H:%M} UTC" in bed.ask("alerts")

    # Azure retries the same delivery: nothing changes, the end does not move.
    bed.later(timedelta(minutes=30))
    assert bed.push("azure-monitor", payload("azure-activity-log-alert.json"))["outcome"] == "unchanged"
    bed.later(timedelta(minutes=29))
    assert not bed.replies(ts) and "Firing now: 1" in bed.ask("alerts")

    # Its hour is up: the one message says it ended by itself, its thread says why, and nothing fires any more.
    bed.later(timedelta(minutes=1))
    (message,) = bed.messages()
    assert message["ts"] == ts and "edited" in message
    assert message["text"].startswith("✅ Alert rule description — event at 04-15 11:26:21 UTC; ended by itself at "
                                      f"{until:%H:%M} UTC"), message["text"]
    assert not [b for b in message["blocks"] if b["type"] == "actions"]
    assert [r["text"] for r in bed.replies(ts)] == [
        "⏱ Ended by itself after 60 min: its source never says it is over."]
    assert "No alert is firing" in bed.ask("alerts")
    history = bed.ask("alerts history")
    assert re.search(rf"{until:%m-%d %H:%M:%S} .+✅ resolved +test-activityLog\S+ +ended by itself after", history)

    # The same rule fires for the same VM later: a new event, a new message.
    bed.later(timedelta(hours=2))
    again = payload("azure-activity-log-alert.json")
    again["data"]["essentials"]["alertId"] += "-2"
    assert bed.push("azure-monitor", again)["outcome"] == "refired"
    bed.outlet.deliver()
    assert len(bed.posts()) == 2
