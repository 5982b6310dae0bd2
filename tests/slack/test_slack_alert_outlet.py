"""Alert messages through slack_sdk's real WebClient against the local Slack Web API, on SQLite and PostgreSQL: one
message per problem edited in place and resolved with one thread reply, a 429's Retry-After honoured to the
second (no request before it, the channel's other work held too), a refusing channel kept and retried slowly, a
message deleted in Slack no longer updated, a silent Slack tried once and backed off, a failed post retried from
the store by a restarted outlet, a post (and a thread reply) whose answer was lost found in the channel instead of
posted twice, a post made by an outlet that died before writing it down kept by the next, an old leader's late
duplicate withdrawn, two outlets racing on one store posting each problem once, and cards and summaries of any
size within Slack's block limits."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.alerts.model import Alert, AlertGroup, AlertObject, Source, Status, short_id
from bot.alerts.outlet import PERMANENT_RETRY, Outlet
from bot.alerts.settings import AlertSettings
from bot.alerts.store import AlertStore, OutboxItem
from bot.approvals.store import SqlApprovalStore
from bot.clock import ManualClock
from bot.render_slack import MAX_BLOCKS, MAX_BUTTONS, MAX_FIELD, MAX_FIELDS, MAX_HEADER, MAX_SECTION
from bot.settings import Settings, from_mapping
from bot.severity import Severity
from bot.slack.alerts import SlackAlertPoster, alert_client
from tests.support.alerts import crashloop, record, resolved
from tests.support.databases import Database
from tests.support.network import SilentListener
from tests.support.slack import BOT_TOKEN, WebApiServer
from tests.support.waiting import eventually

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def slack(api: WebApiServer) -> Settings:
    return from_mapping({"clusters": []}, source="alerts.yaml",
                        environ={"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": api.api_url})


def channel() -> str:
    """A channel of the test's own (the Web API double lives for the whole session)."""
    return "C0" + uuid.uuid4().hex[:8].upper()


def alerts_to(where: str, **alerts: Any) -> AlertSettings:
    return AlertSettings.model_validate({"default_channel": where, "group_seconds": 0, **alerts})


class Bed:
    def __init__(self, api: WebApiServer, store: AlertStore, settings: AlertSettings, *, worker: str = "leader",
                 clock: ManualClock | None = None) -> None:
        self.api = api
        self.store = store
        self.settings = settings
        self.clock = clock or ManualClock(T0)
        self.outlet = Outlet(store, SlackAlertPoster(alert_client(slack(api))), settings, clock=self.clock,
                             worker=worker)

    def at(self, delta: timedelta) -> datetime:
        self.clock.advance(delta)
        return self.clock.now()

    def calls(self, method: str, where: str) -> list[Any]:
        return [c for c in self.api.calls if c.method == method and c.params.get("channel") == where]


@pytest.fixture
def store(db: SqlApprovalStore) -> AlertStore:
    return AlertStore(db)


def test_one_message_edited_in_place_and_resolved_with_one_thread_reply(slack_api: WebApiServer,
                                                                        store: AlertStore) -> None:
    where = channel()
    bed = Bed(slack_api, store, alerts_to(where))
    problem = crashloop("web-1", T0)
    record(store, bed.settings, problem, T0)
    assert bed.outlet.deliver().posted == 1
    (post,) = bed.calls("chat.postMessage", where)
    assert post.params["unfurl_links"] is False and post.params["text"].startswith("Pod web-1 is crash-looping")
    ts = post.result["ts"]

    record(store, bed.settings, crashloop("web-1", T0, restarts=40), bed.at(timedelta(minutes=2)))
    end = bed.at(timedelta(minutes=12))
    record(store, bed.settings, resolved(problem, end), end)
    done = bed.outlet.deliver()
    assert (done.posted, done.updated, done.replied) == (0, 1, 1)  # two changes waiting: one edit shows both

    (message,) = slack_api.top_level(where)
    assert message["ts"] == ts and "edited" in message
    assert message["text"] == "✅ Pod web-1 is crash-looping — resolved after 14 min, at 03:14 UTC"
    assert not [b for b in message["blocks"] if b["type"] == "actions"]  # buttons gone
    (reply,) = slack_api.thread(where, ts)
    assert reply["text"] == "✅ Resolved after 14 min."


def test_a_429_is_waited_out_exactly_and_holds_the_channels_other_work(slack_api: WebApiServer,
                                                                       store: AlertStore) -> None:
    where, elsewhere = channel(), channel()
    settings = alerts_to(where, routes=[{"namespaces": ["payments"], "channel": elsewhere}])
    bed = Bed(slack_api, store, settings)
    slack_api.fail_next("chat.postMessage", status=429, retry_after=2)
    record(store, settings, crashloop("web-1", T0), T0)
    record(store, settings, crashloop("web-2", T0), T0)
    record(store, settings, crashloop("pay-1", T0, namespace="payments"), T0)
    done = bed.outlet.deliver()
    assert (done.failed, done.held, done.posted) == (1, 1, 1)
    # slack_sdk did not sleep and retry by itself: one refused call, and the outlet put the work back.
    assert [c.method for c in slack_api.calls if c.params.get("channel") == where] == ["chat.postMessage!failed"]
    assert len(bed.calls("chat.postMessage", elsewhere)) == 1  # another channel is not held
    waiting = store.due(T0 + timedelta(seconds=2))
    assert [(i.attempts, i.last_error) for i in waiting] == [(1, "ratelimited: Retry-After 2 s"), (0, None)]

    bed.at(timedelta(seconds=1, milliseconds=999))
    assert bed.outlet.deliver().seen == 0
    assert not bed.calls("chat.postMessage", where)
    bed.at(timedelta(milliseconds=1))
    assert bed.outlet.deliver().posted == 2
    assert len(slack_api.top_level(where)) == 2


def test_a_channel_that_refuses_the_bot_keeps_its_work_and_says_so(slack_api: WebApiServer, store: AlertStore,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    where = channel()
    bed = Bed(slack_api, store, alerts_to(where))
    slack_api.fail_next("chat.postMessage", error="channel_not_found")
    record(store, bed.settings, crashloop("web-1", T0), T0)
    with caplog.at_level(logging.WARNING, logger="aksbot.alerts.outlet"):
        assert bed.outlet.deliver().failed == 1
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert where in warning.getMessage() and "channel_not_found" in warning.getMessage()
    assert "check the channel ID" in warning.getMessage() and BOT_TOKEN not in caplog.text
    # The line names the alert as `/k8s alerts show` takes it: its short id and its title, not its key.
    key = crashloop("web-1", T0).key
    assert f'post {short_id(key)} "Pod web-1 is crash-looping" ' in warning.getMessage() and key not in caplog.text
    assert store.pending() == 1 and store.due(T0 + PERMANENT_RETRY - timedelta(seconds=1)) == []
    (kept,) = store.due(T0 + PERMANENT_RETRY)
    assert kept.last_error == "channel_not_found"
    bed.at(PERMANENT_RETRY)  # an admin fixed the channel meanwhile
    assert bed.outlet.deliver().posted == 1 and store.pending() == 0


def test_an_update_of_a_message_deleted_in_slack_is_given_up_and_the_next_post_still_goes(
        slack_api: WebApiServer, store: AlertStore, caplog: pytest.LogCaptureFixture) -> None:
    where = channel()
    bed = Bed(slack_api, store, alerts_to(where))
    record(store, bed.settings, crashloop("web-1", T0), T0)
    bed.outlet.deliver()
    slack_api.fail_next("chat.update", error="message_not_found")
    record(store, bed.settings, crashloop("web-1", T0, restarts=9), bed.at(timedelta(minutes=1)))
    record(store, bed.settings, crashloop("web-2", T0), T0)
    with caplog.at_level(logging.WARNING, logger="aksbot.alerts.outlet"):
        done = bed.outlet.deliver()
    assert (done.posted, done.updated, done.skipped, done.failed) == (1, 0, 1, 0)
    assert store.pending() == 0 and f"in {where} is gone (message_not_found)" in caplog.text


def test_a_post_another_leader_made_first_is_withdrawn(slack_api: WebApiServer, database: Database) -> None:
    """An old leader whose claim lapsed while Slack was slow finds, when its post returns, that the new leader
    already posted the problem: it deletes its own copy, so the channel keeps one message."""
    slack_api.reset()
    where = channel()
    old_db, new_db = database.open(), database.open()
    try:
        old = Bed(slack_api, AlertStore(old_db), alerts_to(where), worker="old-leader")
        new = Bed(slack_api, AlertStore(new_db), alerts_to(where), worker="new-leader", clock=old.clock)
        record(old.store, old.settings, crashloop("web-1", T0), T0)
        release = slack_api.hold_next("chat.postMessage")
        stuck = threading.Thread(target=old.outlet.deliver)
        stuck.start()
        slack_api.wait_calls("chat.postMessage!held")
        new.at(timedelta(minutes=2))  # the old leader's claim lapsed: the new one takes the post over
        assert new.outlet.deliver().posted == 1
        release.set()
        stuck.join(timeout=30)
        (kept,) = slack_api.top_level(where)
        posts = [c.result["ts"] for c in new.calls("chat.postMessage", where)]
        (deleted,) = new.calls("chat.delete", where)
        assert len(posts) == 2 and deleted.params["ts"] == posts[1] and kept["ts"] == posts[0]
        (message,) = new.store.messages(crashloop("web-1", T0).key)
        assert message.ts == kept["ts"]
    finally:
        slack_api.reset()  # lets a held call go, so nothing still runs on the stores closed below
        old_db.close()
        new_db.close()


def test_a_silent_slack_costs_one_attempt_and_the_post_waits_for_its_backoff(store: AlertStore) -> None:
    where = channel()
    with SilentListener() as silent:
        settings = from_mapping({"clusters": []}, source="alerts.yaml", environ={
            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": f"http://127.0.0.1:{silent.port}/api/"})
        outlet = Outlet(store, SlackAlertPoster(alert_client(settings, timeout=1)), alerts_to(where),
                        clock=ManualClock(T0))
        record(store, outlet.settings, crashloop("web-1", T0), T0)
        assert outlet.deliver().failed == 1
        assert silent.accepted == 1  # a timeout is not retried by the client: the outlet decides
    assert store.due(T0 + timedelta(seconds=1)) == []
    (item,) = store.due(T0 + timedelta(seconds=2))
    assert (item.attempts, item.last_error) == (1, "timeout (may have arrived)") and item.unsure


def test_a_post_whose_answer_was_lost_is_found_in_the_channel_not_posted_twice(slack_api: WebApiServer,
                                                                               store: AlertStore) -> None:
    where = channel()
    bed = Bed(slack_api, store, alerts_to(where))
    record(store, bed.settings, crashloop("web-1", T0), T0)
    slack_api.lose_next_answer("chat.postMessage")  # Slack makes the message; its answer never arrives
    assert bed.outlet.deliver().failed == 1
    (made,) = slack_api.top_level(where)
    assert made["metadata"]["event_type"] == "aksbot_alert"  # invisible to people, there for this

    bed.at(timedelta(seconds=2))
    assert bed.outlet.deliver().posted == 1
    assert len(bed.calls("chat.postMessage", where)) == 1 and len(slack_api.top_level(where)) == 1
    history = [c for c in slack_api.calls if c.method == "conversations.history" and c.params["channel"] == where]
    assert history and history[-1].params["include_all_metadata"] in (True, "1", "true")
    # The message kept is brought up to date, in place.
    assert bed.outlet.deliver().updated == 1
    (update,) = bed.calls("chat.update", where)
    assert update.params["ts"] == made["ts"]
    later = bed.at(timedelta(minutes=1))
    record(store, bed.settings, resolved(crashloop("web-1", T0), later), later)
    slack_api.lose_next_answer("chat.postMessage")  # the resolution's thread reply is made, its answer lost
    bed.outlet.deliver()
    bed.at(timedelta(minutes=1))
    bed.outlet.deliver()
    assert len(slack_api.thread(where, made["ts"])) == 1  # the resolution, once, in the kept message's thread
    assert store.pending() == 0


def die_mid_post(api: WebApiServer, database: Database, where: str) -> OutboxItem:
    """A worker claims a problem's post (a lease of 60 s) and Slack takes the message; the process dies before
    the store hears of it. Returns the post's outbox item."""
    first = database.open()
    try:
        dying = Bed(api, AlertStore(first), alerts_to(where), worker="dying")
        record(dying.store, dying.settings, crashloop("web-1", T0), T0)
        (item,) = dying.store.due(T0)
        assert dying.store.claim(item.id, "dying", T0, timedelta(seconds=60))
        state = dying.store.get(item.key)
        assert state is not None
        dying.outlet.poster.post(where, dying.outlet.views.card(state, now=T0, lang="en"), marks=[item.mark])
        return item
    finally:
        first.close()


def test_a_post_made_by_an_outlet_that_died_before_writing_it_down_is_kept(slack_api: WebApiServer,
                                                                          database: Database) -> None:
    where = channel()
    item = die_mid_post(slack_api, database, where)

    second = database.open()
    try:
        after = Bed(slack_api, AlertStore(second), alerts_to(where), worker="next-leader")
        assert after.outlet.deliver().seen == 0  # the dead worker's claim has not lapsed yet
        after.at(timedelta(seconds=61))
        assert after.outlet.deliver().posted == 1
        assert len(slack_api.top_level(where)) == 1 and not after.calls("chat.delete", where)
        state = after.store.get(item.key)
        assert state is not None and [m.ts for m in after.store.messages(item.key)] == \
            [slack_api.top_level(where)[0]["ts"]]
    finally:
        second.close()


def test_a_new_leader_takes_over_what_the_dead_one_was_sending_at_once_not_after_its_lease(
        slack_api: WebApiServer, database: Database) -> None:
    where = channel()
    item = die_mid_post(slack_api, database, where)  # its claim has a lease a minute long …

    second = database.open()
    try:
        # … which the next leader's loop does not wait out: the clock does not move here.
        after = Bed(slack_api, AlertStore(second), alerts_to(where), worker="next-leader")
        stop = threading.Event()
        loop = threading.Thread(target=after.outlet.run, args=(stop,), daemon=True)
        loop.start()
        try:
            eventually(lambda: after.store.messages(item.key)[0].ts is not None, what="the post taken over")
        finally:
            stop.set()
            loop.join(10)
        assert len(slack_api.top_level(where)) == 1 and not after.calls("chat.delete", where)
        assert after.store.messages(item.key)[0].ts == slack_api.top_level(where)[0]["ts"]
    finally:
        second.close()


def test_a_failed_post_is_retried_from_the_store_by_a_restarted_outlet(slack_api: WebApiServer,
                                                                      database: Database) -> None:
    where = channel()
    first = database.open()
    try:
        before = Bed(slack_api, AlertStore(first), alerts_to(where))
        slack_api.fail_next("chat.postMessage", status=500, error="fatal_error")
        record(before.store, before.settings, crashloop("web-1", T0), T0)
        assert before.outlet.deliver().failed == 1
    finally:
        first.close()  # the process dies; the work is in the database

    second = database.open()
    try:
        after = Bed(slack_api, AlertStore(second), alerts_to(where), worker="restarted")
        assert after.outlet.deliver().seen == 0  # its backoff has not passed
        after.at(timedelta(seconds=2))
        assert after.outlet.deliver().posted == 1
        assert len(slack_api.top_level(where)) == 1
    finally:
        second.close()


def test_two_outlets_racing_on_one_store_post_each_problem_once(slack_api: WebApiServer, database: Database) -> None:
    channels = [channel() for _ in range(6)]
    routes = [{"namespaces": [f"ns-{n}"], "channel": where} for n, where in enumerate(channels)]
    settings = alerts_to(channels[0], routes=routes, rate_limit={"max_messages": 1000, "per_minutes": 1})
    stores = [database.open(), database.open()]
    try:
        clock = ManualClock(T0)
        beds = [Bed(slack_api, AlertStore(db), settings, worker=f"replica-{i}", clock=clock)
                for i, db in enumerate(stores)]
        for i in range(30):
            record(beds[0].store, settings, crashloop(f"web-{i}", T0, namespace=f"ns-{i % 6}"), T0)
        start = threading.Barrier(2)
        posted = [0, 0]

        def race(n: int) -> None:
            start.wait()
            while beds[n].store.pending():
                posted[n] += beds[n].outlet.deliver().posted

        threads = [threading.Thread(target=race, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sum(posted) == 30
        for where in channels:
            assert len(beds[0].calls("chat.postMessage", where)) == 5
            assert len(slack_api.top_level(where)) == 5
            assert not beds[0].calls("chat.delete", where)
    finally:
        for db in stores:
            db.close()


def huge(i: int, at: datetime) -> AlertGroup:
    """An Alertmanager group as noisy as they come: 300 alerts, the first with a 20,000-character description and
    200 lines of evidence, all with long labels, values and names, and 5,000 more the source left out."""
    labels = {f"label_{n}": "v" * 400 for n in range(40)}

    def alert(n: int) -> Alert:
        loud = n == 0
        return Alert(Source.ALERTMANAGER, f"KubeHugeAlert{i}", Status.FIRING, Severity.CRITICAL, "s" * 5000, at,
                     source_id=f"{i}-{n}", cluster="prod", namespace="shop",
                     object=AlertObject("Pod", "p" * 250, "shop"), description="d" * (20000 if loud else 500),
                     labels={**(labels if loud else {}), "pod": f"pod-{n}-{'q' * 200}"},
                     annotations={"summary": "x" * 5000}, value="1e9" * 500,
                     evidence=tuple("e" * 2000 for _ in range(200 if loud else 2)))

    return AlertGroup(Source.ALERTMANAGER, f"am/huge/{i}", "T" * 500, tuple(alert(n) for n in range(300)),
                      truncated=5000, labels=labels, annotations={"description": "d" * 20000})


def within_slack_limits(call: Any) -> None:
    blocks = call.params["blocks"]
    assert len(blocks) <= MAX_BLOCKS and len(call.params["text"]) <= 3000
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= MAX_HEADER
        elif block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= MAX_SECTION
            assert len(block.get("fields", [])) <= MAX_FIELDS
            assert all(len(f["text"]) <= MAX_FIELD for f in block.get("fields", []))
        elif block["type"] == "context":
            assert len(block["elements"]) <= 10 and all(len(e["text"]) <= 2000 for e in block["elements"])
        elif block["type"] == "actions":
            assert len(block["elements"]) <= MAX_BUTTONS
            assert all(len(e["value"]) <= 2000 and len(e["text"]["text"]) <= 75 for e in block["elements"])


def test_cards_and_summaries_of_any_size_stay_within_slack_limits(slack_api: WebApiServer, store: AlertStore) -> None:
    where, burst = channel(), channel()
    settings = alerts_to(where, routes=[{"namespaces": ["burst"], "channel": burst,
                                         "rate_limit": {"max_messages": 1, "per_minutes": 10}}])
    bed = Bed(slack_api, store, settings)
    record(store, settings, huge(0, T0), T0)
    for i in range(200):
        record(store, settings, crashloop(f"{'w' * 200}-{i}", T0, namespace="burst"), T0)
    done = bed.outlet.deliver()
    assert (done.posted, done.summarized, done.failed) == (2, 200, 0)
    (card,) = bed.calls("chat.postMessage", where)
    (summary,) = bed.calls("chat.postMessage", burst)
    within_slack_limits(card)
    within_slack_limits(summary)


def test_a_summary_shows_who_acknowledged_and_who_snoozed_its_problems_as_cards_do(slack_api: WebApiServer,
                                                                                   store: AlertStore) -> None:
    where = channel()
    bed = Bed(slack_api, store, alerts_to(where, rate_limit={"max_messages": 1, "per_minutes": 10}))
    pods = [crashloop(f"web-{i}", T0) for i in range(4)]
    for pod in pods:
        record(store, bed.settings, pod, T0)
    assert bed.outlet.deliver().summarized == 4
    ids = [s.id for p in pods if (s := store.get(p.key)) is not None]
    assert store.acknowledge(pods[0].key, "U0ALICE", bed.at(timedelta(minutes=1)))
    assert store.acknowledge(pods[1].key, "U0ALICE", bed.clock.now())
    assert store.snooze(pods[1].key, "U0BOB", bed.clock.now(), None)
    assert store.snooze(pods[2].key, "U0BOB", bed.clock.now(), T0 + timedelta(hours=1))
    assert bed.outlet.deliver().updated == 1

    (message,) = slack_api.top_level(where)
    table = next(b["text"]["text"] for b in message["blocks"] if b["type"] == "section" and "```" in b["text"]["text"])
    row = {line.split()[0]: line for line in table.strip("`").splitlines()[1:]}
    assert "warning 👀 " in row[ids[0]] and "warning 👀💤" in row[ids[1]] and "warning 💤" in row[ids[2]]
    assert "👀" not in row[ids[3]] and "💤" not in row[ids[3]]
    small = [e["text"] for b in message["blocks"] if b["type"] == "context" for e in b["elements"]]
    # People are mentions, each once, with the problems they acted on; a snooze says until when, as on a card.
    assert f"👀 Acknowledged by <@U0ALICE> (`{ids[0]}`, `{ids[1]}`)" in small
    until = f"<!date^{int((T0 + timedelta(hours=1)).timestamp())}^{{date_short_pretty}} {{time}}|04:00 UTC>"
    assert f"💤 Snoozed by <@U0BOB> until it resolves (`{ids[1]}`); <@U0BOB> until {until} (`{ids[2]}`)" in small


def test_another_bots_message_in_the_same_channel_is_never_taken_for_ours(slack_api: WebApiServer,
                                                                         store: AlertStore) -> None:
    where = channel()
    bed = Bed(slack_api, store, alerts_to(where))
    record(store, bed.settings, crashloop("web-1", T0), T0)
    (item,) = store.due(T0)
    # A second aksbot (another cluster's deployment) posts into this channel; its outbox has an item of the same id.
    other = SlackAlertPoster(alert_client(slack(slack_api)))
    other.post(where, bed.outlet.views.card(store.get(item.key), now=T0, lang="en"), marks=[f"{item.id}:0123456789ab"])
    # Ours is unsure (its worker died mid-send), so the outlet looks before posting: the other bot's is not ours.
    assert store.claim(item.id, "died", T0, timedelta(seconds=60))
    bed.at(timedelta(seconds=61))
    assert bed.outlet.deliver().posted == 1
    posts = bed.calls("chat.postMessage", where)
    ours = [c for c in posts if c.params["metadata"]["event_payload"]["items"] == [item.mark]]
    assert len(ours) == 1 and len(slack_api.top_level(where)) == 2


def finish(bed: Bed) -> None:
    """Let time pass, 30 s a step, until the outlet has done all the work there is (backoffs included)."""
    for _ in range(10):
        if not bed.store.pending():
            return
        bed.at(timedelta(seconds=30))
        bed.outlet.deliver()
    raise AssertionError(f"work left in the outbox: {bed.store.pending()}")


def test_a_problem_that_ends_while_its_post_is_unconfirmed_ends_in_that_post(slack_api: WebApiServer,
                                                                              store: AlertStore) -> None:
    where = channel()
    bed = Bed(slack_api, store, alerts_to(where))
    record(store, bed.settings, crashloop("web-1", T0), T0)
    slack_api.lose_next_answer("chat.postMessage")
    assert bed.outlet.deliver().failed == 1
    (made,) = slack_api.top_level(where)
    # Resolved before the outlet learns its post was made: the post is not cancelled, it is found and ends resolved.
    later = bed.at(timedelta(seconds=2))
    record(store, bed.settings, resolved(crashloop("web-1", T0), later), later)
    finish(bed)
    assert len(slack_api.top_level(where)) == 1
    (now,) = slack_api.top_level(where)
    assert now["ts"] == made["ts"] and "Resolved" in json.dumps(now["blocks"])
    assert len(slack_api.thread(where, made["ts"])) == 1


def test_a_problem_that_ends_while_its_post_is_unconfirmed_and_absent_is_not_posted(slack_api: WebApiServer,
                                                                                     store: AlertStore) -> None:
    where = channel()
    bed = Bed(slack_api, store, alerts_to(where))
    record(store, bed.settings, crashloop("web-1", T0), T0)
    slack_api.fail_next("chat.postMessage", status=503, error="service_unavailable", channel=where)  # not made
    assert bed.outlet.deliver().failed == 1
    later = bed.at(timedelta(seconds=2))
    record(store, bed.settings, resolved(crashloop("web-1", T0), later), later)
    finish(bed)
    assert slack_api.top_level(where) == []
