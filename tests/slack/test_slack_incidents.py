"""Incident channels over the real Slack protocol: the real Bolt app behind waitress receives signed slash
commands, clicks and `reaction_added` events, and makes its Web API calls to the local Slack double, against the
sandbox cluster. The alerts side is the test fake behind the incident seams, but for the snapshot's alerts, which
`watched_bot` reads from the real alert store (fed by the real Alertmanager webhook)."""

from __future__ import annotations

import json
import re
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.alerts.intake import AlertIntake
from bot.alerts.store import AlertStore
from bot.approvals.store import SqlApprovalStore
from bot.approvals.workflow import open_approval_store
from bot.settings import Settings, from_mapping
from bot.slack.serve import EVENTS_PATH, HttpServer, build_surface, wsgi_app
from tests.slack.conftest import ALICE, BOB, CAROL, VIEWERS, ClusterBed
from tests.support.alerts import payload
from tests.support.incidents import FakeAlerts
from tests.support.slack import (
    ALL_SCOPES,
    BOT_USER,
    SIGNING_SECRET,
    ApiCall,
    WebApiServer,
    block_actions,
    interaction_body,
    reaction_event,
    signed_post,
    slack_env,
    slash_body,
)
from tests.support.slackbot import spare_node
from tests.support.waiting import eventually

DAVE = "U0DAVE"  # on call for the sandbox cluster
ONCALL = "S0ONCALL"
INCIDENT_METHODS = (
    "conversations.create",
    "conversations.invite",
    "conversations.setTopic",
    "chat.postMessage",
    "pins.add",
    "bookmarks.add",
    "conversations.archive",
)


@dataclass
class Front:
    """Where a bot receives Slack's requests, and the Slack double it calls."""

    url: str
    api: WebApiServer

    def slash(self, text: str, *, user: str, channel: str) -> str:
        response_url = self.api.response_url()
        assert signed_post(self.url, slash_body(text, user=user, channel=channel, response_url=response_url)) == 200
        return response_url

    def event(self, payload: dict[str, Any]) -> None:
        assert signed_post(self.url, json.dumps(payload), "application/json") == 200

    def click(self, user: str, channel: str, call: ApiCall, label: str) -> str:
        button = next(
            e
            for b in call.params.get("blocks") or []
            for e in b.get("elements") or []
            if e.get("type") == "button" and e["text"]["text"] == label
        )
        message = {"type": "message", "user": BOT_USER, "ts": call.result["ts"], "text": call.params.get("text")}
        url = self.api.response_url()
        payload = block_actions(user=user, channel=channel, message=message, action=button, response_url=url)
        assert signed_post(self.url, interaction_body(payload)) == 200
        return url

    def answer_at(self, response_url: str) -> dict[str, Any]:
        path = response_url[len(self.api.base) :]
        self.api.wait_for(lambda s: any(p == path for p, _ in s.responses))
        return next(body for p, body in self.api.responses if p == path)

    def posts_in(self, channel: str, count: int = 1, timeout: float = 20) -> list[ApiCall]:
        self.api.wait_for(lambda s: len(_in(s.of("chat.postMessage"), channel)) >= count, timeout)
        return _in(self.api.of("chat.postMessage"), channel)


@dataclass
class Bot(Front):
    kube: Any
    alerts: FakeAlerts


def _in(calls: list[ApiCall], channel: str) -> list[ApiCall]:
    return [c for c in calls if (c.params.get("channel") or c.params.get("channel_id")) == channel]


def _text(call: ApiCall) -> str:
    return json.dumps(call.params.get("blocks") or [], ensure_ascii=False) + str(call.params.get("text") or "")


def _channel() -> str:
    return "C" + uuid.uuid4().hex[:9].upper()


def _title(words: str) -> str:
    """A title no other test uses (the double keeps every channel made in the session)."""
    return f"{words} {uuid.uuid4().hex[:6]}"


def _name(title: str) -> str:
    slug = "-".join(title.lower().split())
    return f"inc-{datetime.now(UTC):%Y%m%d}-{slug}"


def incident_settings(bed: ClusterBed, api_url: str, database: str = "incidents.sqlite3",
                      **environ: str) -> Settings:
    data: dict[str, Any] = {
        "clusters": [{"name": "sandbox", "kubeconfig": str(bed.kubeconfig), "context": "sandbox", "oncall": [ONCALL]}],
        "roles": {"viewer": [VIEWERS], "operator": [ALICE], "approver": [BOB]},
        "approvals": {"expiry_minutes": 15},
        "store": {"sqlite_path": database},
    }
    env = {**slack_env(api_url), **environ}
    return from_mapping(data, source=str(bed.folder / "incidents.yaml"), environ=env)


@pytest.fixture(scope="module")
def bot(slack_api: WebApiServer, cluster_bed: ClusterBed) -> Iterator[Bot]:
    slack_api.usergroups[ONCALL] = [BOB, DAVE]
    alerts = FakeAlerts()
    settings = incident_settings(cluster_bed, slack_api.api_url)
    surface = build_surface(settings, http=True, workers=8, alerts=alerts, alert_timeline=alerts)
    front = wsgi_app(surface.app, lambda: (True, "ok"), signing_secret=SIGNING_SECRET)
    server = HttpServer(front, host="127.0.0.1", port=0).start()
    yield Bot(f"http://127.0.0.1:{server.port}{EVENTS_PATH}", slack_api, cluster_bed.kube, alerts)
    server.stop()
    surface.close()


@pytest.fixture
def workspace_as_set(slack_api: WebApiServer) -> Iterator[WebApiServer]:
    """The double's scopes and workspace settings back to "everything allowed" after a test that changes them."""
    yield slack_api
    slack_api.scopes = None
    slack_api.restricted.clear()


def _declared_calls(bot: Bot, since: int) -> list[ApiCall]:
    return [c for c in bot.api.calls[since:] if c.method in INCIDENT_METHODS]


def test_declaring_makes_exactly_these_web_api_calls(bot: Bot) -> None:
    ops = _channel()
    # A title the knowledge base answers with room to spare (0.97 against 0.89): its runbook is pinned whatever the
    # random suffix _title adds (a borderline one turns into a suggestion, which is posted and not pinned).
    title = _title("java pods OOMKilled after AKS upgrade to cgroup v2")
    name = _name(title)
    since = len(bot.api.calls)
    bot.slash(f"incident start {title} --severity sev2", user=ALICE, channel=ops)
    (answer,) = bot.posts_in(ops)
    made = bot.api.by_name(name)
    assert made is not None
    calls = [c for c in _declared_calls(bot, since) if c is not answer]
    assert [c.method for c in calls] == [
        "conversations.create",
        "conversations.invite",
        "conversations.setTopic",
        "chat.postMessage",
        "pins.add",
        "chat.postMessage",
        "pins.add",
        "bookmarks.add",
    ]
    create, invite, topic, snapshot, pin_snapshot, runbook, pin_runbook, bookmark = calls
    assert create.params["name"] == name and create.params.get("is_private") in (False, "0", "false")
    assert create.result["channel"]["id"] == made.id
    assert invite.params == {"channel": made.id, "users": f"{ALICE},{BOB},{DAVE}"}
    assert topic.params == {"channel": made.id, "topic": f"🚨 SEV2 · {title} · cluster sandbox · commander <@{ALICE}>"}
    assert snapshot.params["channel"] == made.id and "Health: sandbox" in _text(snapshot)
    assert f"<@{ALICE}>" in _text(snapshot) and ALICE not in _text(snapshot).replace(f"<@{ALICE}>", "")
    assert pin_snapshot.params == {"channel": made.id, "timestamp": snapshot.result["ts"]}
    assert runbook.params["channel"] == made.id and "java-oom-cgroupv2" in _text(runbook)
    assert pin_runbook.params == {"channel": made.id, "timestamp": runbook.result["ts"]}
    assert bookmark.params["channel_id"] == made.id and bookmark.params["type"] == "link"
    assert bookmark.params["title"] == "Runbook: java-oom-cgroupv2" and bookmark.params["link"].startswith("https://")
    # The workspace as Slack now holds it.
    assert made.members == [BOT_USER, ALICE, BOB, DAVE] and made.pins == [snapshot.result["ts"], runbook.result["ts"]]
    assert f"declared: #{name}" in _text(answer) and f"<@{DAVE}>" in _text(answer)
    assert any(c.params.get("usergroup") == ONCALL for c in bot.api.of("usergroups.users.list"))


def test_a_taken_name_is_retried_with_a_suffix(bot: Bot) -> None:
    ops = _channel()
    title = _title("dns timeouts in shop")
    bot.api.taken_names.add(_name(title))
    since = len(bot.api.calls)
    bot.slash(f"incident start {title}", user=ALICE, channel=ops)
    (answer,) = bot.posts_in(ops)
    creates = [c for c in bot.api.calls[since:] if c.method == "conversations.create"]
    assert [c.params["name"] for c in creates] == [_name(title), _name(title) + "-2"]
    assert [c.result.get("error") for c in creates] == ["name_taken", None]
    assert f"declared: #{_name(title)}-2" in _text(answer)


def _no_incident_in(bot: Bot, name: str) -> None:
    """`incident list --all` does not know the channel: no half-made incident is left."""
    ops = _channel()
    bot.slash("incident list --all", user=CAROL, channel=ops)
    (listed,) = bot.posts_in(ops)
    assert name not in _text(listed)


def _start(bot: Bot, title: str) -> str:
    """`incident start TITLE` typed in a channel of its own; the answer it got, as text."""
    url = bot.slash(f"incident start {title}", user=ALICE, channel=_channel())
    return json.dumps(bot.answer_at(url), ensure_ascii=False)


def test_a_missing_scope_is_named_and_nothing_is_made(bot: Bot, workspace_as_set: WebApiServer) -> None:
    title = _title("payments 5xx")
    workspace_as_set.scopes = set(ALL_SCOPES - {"channels:manage"})
    since = len(bot.api.calls)
    answer = _start(bot, title)
    assert "creating the channel failed" in answer and "lacks the `channels:manage` scope" in answer
    assert "OAuth &amp; Permissions" in answer and "Nothing was left behind" in answer
    assert [c.method for c in _declared_calls(bot, since)] == ["conversations.create"]
    assert bot.api.by_name(_name(title)) is None
    _no_incident_in(bot, _name(title))


def test_a_scope_missing_half_way_archives_what_was_made(bot: Bot, workspace_as_set: WebApiServer) -> None:
    title = _title("checkout crashloop")
    workspace_as_set.scopes = set(ALL_SCOPES - {"pins:write"})
    since = len(bot.api.calls)
    answer = _start(bot, title)
    made = bot.api.by_name(_name(title))
    assert made is not None and made.archived
    assert "pinning the snapshot failed" in answer and "lacks the `pins:write` scope" in answer
    assert f"Cleaned up: the channel #{_name(title)} it had created was archived" in answer
    methods = [c.method for c in _declared_calls(bot, since)]
    assert methods[-2:] == ["pins.add", "conversations.archive"]
    assert bot.api.of("conversations.archive")[-1].params == {"channel": made.id}
    _no_incident_in(bot, _name(title))


def test_a_bot_not_allowed_to_create_channels_is_told_which_setting(bot: Bot, workspace_as_set: WebApiServer) -> None:
    title = _title("ingress 502")
    workspace_as_set.restricted.add("conversations.create")
    answer = _start(bot, title)
    assert "restricted_action" in answer and "who may create channels" in answer
    assert "Channel Management" in answer and bot.api.by_name(_name(title)) is None



def test_a_commander_slack_does_not_know_is_refused_and_nothing_changes(bot: Bot) -> None:
    ops = _channel()
    title = _title("checkout latency after the node pool upgrade")
    bot.slash(f"incident start {title}", user=ALICE, channel=ops)
    bot.posts_in(ops)
    made = bot.api.by_name(_name(title))
    assert made is not None
    topic = made.topic
    bot.api.known_users = {ALICE, BOB, CAROL, DAVE, BOT_USER}
    try:
        # Someone Slack does not know (a deactivated account, a mention typed by hand): refused, nothing changed.
        ghost = bot.slash("incident commander <@U0GHOST|ghost>", user=ALICE, channel=made.id)
        assert "Slack knows no person @U0GHOST: nothing changed." in json.dumps(bot.answer_at(ghost))
        # A bare word is not a person.
        bare = bot.slash("incident commander carol", user=ALICE, channel=made.id)
        assert "Name the new commander with a mention" in json.dumps(bot.answer_at(bare))
        assert made.topic == topic and f"commander <@{ALICE}>" in made.topic and "U0GHOST" not in made.members
        # A person it knows becomes the commander and is invited.
        bot.slash(f"incident commander <@{CAROL}|carol>", user=ALICE, channel=made.id)
        eventually(lambda: f"commander <@{CAROL}>" in made.topic and CAROL in made.members)
    finally:
        bot.api.known_users = None


def test_the_timeline_and_summary_list_everything_in_order(bot: Bot) -> None:
    ops = _channel()
    title = _title("userpool node drained badly")
    node = spare_node(bot.kube)
    bot.alerts.fire("sandbox", "k1", f"KubeNodeNotReady {node}", datetime.now(UTC) - timedelta(minutes=2))
    bot.slash(f"incident start {title} --severity sev2 --alert k1", user=ALICE, channel=ops)
    bot.posts_in(ops)
    made = bot.api.by_name(_name(title))
    assert made is not None
    inc = made.id
    assert bot.alerts.links[-1][1].channel == inc  # the alert's thread gets the link

    # An approval requested in the incident channel, approved by BOB: the card is there.
    before = len(bot.posts_in(inc))
    bot.slash(f"cordon {node}", user=ALICE, channel=inc)
    card = bot.posts_in(inc, before + 1)[-1]
    assert "Approval request" in _text(card)
    bot.click(BOB, inc, card, "Approve")
    eventually(lambda: bot.kube.get("nodes", node)["spec"].get("unschedulable") is True)
    eventually(
        lambda: any(
            "succeeded" in _text(c) for c in bot.api.of("chat.update") if c.params.get("ts") == card.result["ts"]
        )
    )

    bot.slash("incident note cordoned the flapping node; pods rescheduling", user=ALICE, channel=inc)
    bot.posts_in(inc, before + 3)
    # Someone writes in the channel; BOB pins it with 📌.
    said = bot.api.say(inc, CAROL, "error rate is back to baseline on checkout")
    bot.event(reaction_event(user=BOB, channel=inc, ts=said))
    bot.api.wait_for(lambda s: any(c.params.get("latest") == said for c in s.of("conversations.history")))
    history = next(c for c in bot.api.of("conversations.history") if c.params.get("latest") == said)
    assert history.params["channel"] == inc and history.params["oldest"] == said
    assert history.params["limit"] == "1" and history.params["inclusive"] in ("1", "true")
    bot.event(reaction_event(user=BOB, channel=inc, ts=said))  # a retried event adds nothing
    time.sleep(0.5)
    bot.alerts.resolve("sandbox", "k1", datetime.now(UTC))
    time.sleep(0.01)

    bot.slash("incident close 12 min of degraded checkout; node cordoned, pods moved", user=ALICE, channel=inc)
    bot.api.wait_for(
        lambda s: any(c.params.get("channel") == inc and "*closed*" in _text(c) for c in s.of("chat.postMessage"))
    )
    summary = next(
        c for c in bot.api.of("chat.postMessage") if c.params.get("channel") == inc and "*closed*" in _text(c)
    )
    text = _text(summary)
    order = [
        "*alert firing* — KubeNodeNotReady",
        f"*declared* · <@{ALICE}>",
        f"*requested approval* · <@{ALICE}> — `/k8s cordon {node}`",
        f"*approved* · <@{BOB}>",
        "*action ran* —",
        f"*note* · <@{ALICE}> — cordoned the flapping node",
        f"*pinned* · <@{BOB}> — “error rate is back to baseline on checkout”",
        "*alert resolved*",
        f"*closed* · <@{ALICE}> — 12 min of degraded checkout",
    ]
    positions = [text.find(part) for part in order]
    assert -1 not in positions, [p for p, i in zip(order, positions, strict=True) if i < 0]
    assert positions == sorted(positions)
    assert text.count("“error rate is back to baseline on checkout”") == 1
    assert f"requested by <@{ALICE}>, approved by <@{BOB}>" in text  # actions taken
    assert "Runbooks used" in text
    # The summary also reaches the channel it was declared from.
    assert any("closed" in _text(c) for c in bot.posts_in(ops, 2))

    # Offered: archive the channel. Only the commander or an approver may; BOB (approver) does.
    since = len(bot.api.calls)
    bot.click(BOB, inc, summary, "Archive channel")
    bot.api.wait_for(lambda s: any(c.method == "conversations.archive" for c in s.calls[since:]))
    assert made.archived

    # Put the node back as it was, approved the same way (outside the incident).
    bot.slash(f"uncordon {node}", user=ALICE, channel=ops)
    uncordon = [c for c in bot.posts_in(ops, 3) if "Approval request" in _text(c)][-1]
    bot.click(BOB, ops, uncordon, "Approve")
    eventually(lambda: not bot.kube.get("nodes", node)["spec"].get("unschedulable"))


def test_after_the_close_a_new_request_is_not_the_incidents_and_a_late_run_is_marked(bot: Bot) -> None:
    """A cordon asked for while the incident was open and approved after its close stays on its record, marked
    "after close"; the uncordon asked for in the closed incident's channel is an ordinary request: it runs, and
    neither the timeline nor the export (the postmortem) takes it in."""
    ops = _channel()
    title = _title("spare node misbehaving")
    node = spare_node(bot.kube)
    bot.slash(f"incident start {title}", user=ALICE, channel=ops)
    bot.posts_in(ops)
    made = bot.api.by_name(_name(title))
    assert made is not None
    inc = made.id
    before = len(bot.posts_in(inc))
    bot.slash(f"cordon {node}", user=ALICE, channel=inc)
    cordon = bot.posts_in(inc, before + 1)[-1]
    assert "Approval request" in _text(cordon)
    time.sleep(0.01)
    bot.slash("incident close nothing was wrong with the node", user=ALICE, channel=inc)
    bot.api.wait_for(
        lambda s: any(c.params.get("channel") == inc and "*closed*" in _text(c) for c in s.of("chat.postMessage"))
    )
    summary = next(c for c in bot.posts_in(inc) if "*closed*" in _text(c))
    assert "No approved action ran." in _text(summary)
    bot.click(BOB, inc, cordon, "Approve")
    eventually(lambda: bot.kube.get("nodes", node)["spec"].get("unschedulable") is True)
    bot.slash(f"uncordon {node}", user=ALICE, channel=inc)

    def uncordon_card() -> list[ApiCall]:
        return [c for c in bot.posts_in(inc) if "Approval request" in _text(c) and f"uncordon {node}" in _text(c)]

    eventually(lambda: bool(uncordon_card()))
    uncordon = uncordon_card()[-1]
    bot.click(BOB, inc, uncordon, "Approve")
    eventually(lambda: not bot.kube.get("nodes", node)["spec"].get("unschedulable"))
    eventually(lambda: any("succeeded" in _text(c) for c in bot.api.of("chat.update")
                           if c.params.get("ts") == uncordon.result["ts"]))

    def answer(command: str) -> str:
        since = len(bot.posts_in(inc))
        bot.slash(command, user=ALICE, channel=inc)
        return _text(bot.posts_in(inc, since + 1)[since])

    timeline = answer("incident timeline")
    assert f"*approved* _(after close)_ · <@{BOB}> — `/k8s cordon {node}`" in timeline, timeline
    assert f"*action ran* _(after close)_ — `/k8s cordon {node}`" in timeline
    assert "uncordon" not in timeline
    export = answer("incident export")
    # The Markdown in a code block (its backticks and long lines as Slack's code blocks need them).
    assert f"*approved* _(after close)_ · @{BOB}" in export and "*action ran* _(after close)_" in export, export
    assert "uncordon" not in export and "5 timeline entries" in export


ALERTS_TOKEN = "incident-alerts-token"


@dataclass
class WatchedBot(Front):
    """A replica with the real alerts side: the alert store in its own database, the Alertmanager webhook beside
    /slack/events, and its alert work not started (the watcher of a replica that has not led yet)."""

    store: AlertStore
    webhooks: str

    def push(self, raw: dict[str, Any]) -> int:
        request = urllib.request.Request(f"{self.webhooks}/alerts/alertmanager", data=json.dumps(raw).encode(),
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Bearer {ALERTS_TOKEN}"}, method="POST")
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)

    def declare(self, words: str) -> str:
        """The pinned snapshot of a new incident declared from an ops channel, as its blocks say it."""
        title = _title(words)
        ops = _channel()
        self.slash(f"incident start {title}", user=ALICE, channel=ops)
        self.posts_in(ops)
        made = self.api.by_name(_name(title))
        assert made is not None, self.posts_in(ops)
        return _text(self.posts_in(made.id)[0])


@pytest.fixture(scope="module")
def watched_bot(slack_api: WebApiServer, cluster_bed: ClusterBed) -> Iterator[WatchedBot]:
    slack_api.usergroups[ONCALL] = [BOB, DAVE]
    settings = incident_settings(cluster_bed, slack_api.api_url, "watched.sqlite3", AKSBOT_ALERTS_TOKEN=ALERTS_TOKEN)
    surface = build_surface(settings, http=True, workers=4, alert_work=False)
    db = open_approval_store(settings)
    assert isinstance(db, SqlApprovalStore)
    store = AlertStore(db)
    front = wsgi_app(surface.app, lambda: (True, "ok"), signing_secret=SIGNING_SECRET,
                     alerts=AlertIntake(settings, store))
    server = HttpServer(front, host="127.0.0.1", port=0).start()
    base = f"http://127.0.0.1:{server.port}"
    yield WatchedBot(f"{base}{EVENTS_PATH}", slack_api, store, base)
    server.stop()
    surface.close()
    db.close()


def test_a_snapshot_before_the_watchers_look_says_the_alerts_are_not_evaluated(watched_bot: WatchedBot) -> None:
    """Declared moments after a start, a deploy or a leader change, before the watcher has looked at the cluster:
    an empty list of alerts is no news, so the pinned snapshot says they are not evaluated yet, never a green "no
    alert is firing". An alert Alertmanager pushed is listed all the same; once the watcher has looked, the list
    stands alone."""
    snapshot = watched_bot.declare("latency up")
    assert "Alerts on sandbox have not been evaluated yet (the watcher starts within a minute); the health snapshot" \
        " above is current." in snapshot, snapshot
    assert "No alert is firing" not in snapshot
    raw = payload("alertmanager-cputhrottlinghigh.json")
    for labels in [raw["commonLabels"], *(a["labels"] for a in raw["alerts"])]:
        labels["cluster"] = "sandbox"
    assert watched_bot.push(raw) == 200
    # The leader died ten minutes ago: its last look is too old to stand for now.
    watched_bot.store.record_scan("sandbox", datetime.now(UTC) - timedelta(minutes=10))
    snapshot = watched_bot.declare("errors up")
    assert re.search(r"Alerts on sandbox were last evaluated 10m\d\ds ago \(is a replica leading\?\)", snapshot)
    assert "Firing alerts on sandbox" in snapshot and "CPUThrottlingHigh" in snapshot, snapshot
    watched_bot.store.record_scan("sandbox", datetime.now(UTC))
    snapshot = watched_bot.declare("queue backlog")
    assert "Firing alerts on sandbox" in snapshot and "CPUThrottlingHigh" in snapshot
    assert "evaluated" not in snapshot and "No alert is firing" not in snapshot
