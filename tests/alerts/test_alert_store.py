"""Alert state on SQLite and on the real PostgreSQL: transitions by compare-and-set, duplicates that change nothing,
an append-only history, and an outbox that never loses a post — also across two stores ("replicas") at once."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from bot.alerts import alertmanager, azure_monitor
from bot.alerts.lifecycle import Outcome
from bot.alerts.model import AlertGroup, Status
from bot.alerts.routing import Route
from bot.alerts.settings import RateLimit
from bot.alerts.store import AlertStore, Event, Work, history_words
from bot.approvals.store import SqlApprovalStore
from bot.errors import Upstream
from bot.i18n import Said, in_lang
from bot.severity import Severity
from tests.support.alerts import directory, payload
from tests.support.databases import Database

T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=30)
ALERTS = Route("default", "C0ALERTS", "en", 0, RateLimit(), None)
SHOP = Route("shop", "C0SHOP", "zh", 30, RateLimit(), None)
AM = Route("am", "C0AM", "en", 0, RateLimit(), None)


@pytest.fixture
def store(db: SqlApprovalStore) -> AlertStore:
    return AlertStore(db)


def longhorn() -> AlertGroup:
    return alertmanager.parse(payload("alertmanager-longhorn-3-alerts.json"), directory())


def all_resolved(group: AlertGroup, at: datetime) -> AlertGroup:
    return group.with_alerts(replace(a, status=Status.RESOLVED, ends_at=at) for a in group.alerts)


def refire(group: AlertGroup, at: datetime) -> AlertGroup:
    return group.with_alerts(replace(a, starts_at=at) for a in group.alerts)


def post_everything(store: AlertStore, at: datetime) -> list[str]:
    """What a poster would do: take every due item and pretend Slack accepted it; the kinds done, in order."""
    done = []
    for item in store.due(at):
        assert store.claim(item.id, "leader", at, timedelta(seconds=30))
        if item.kind is Work.POST:
            store.posted(item, f"1700000000.{item.id:06d}", at)
        else:
            store.done(item.id, at)
        done.append(f"{item.kind.value} {item.channel}")
    return done


def test_a_new_problem_is_stored_with_its_history_and_its_posts(store: AlertStore) -> None:
    recorded = store.record(longhorn(), [ALERTS, SHOP], at=T0, flap_window=WINDOW)
    assert recorded.outcome is Outcome.CREATED
    state = recorded.state
    assert state.status is Status.FIRING and state.episode == 1 and state.version == 1
    assert state.first_fired_at == datetime(2022, 8, 18, 13, 13, 16, 160000, tzinfo=UTC)  # the alerts' own start
    assert state.summary == "Longhorn volume is Degraded (3 firing)"
    assert store.by_id(state.id) == state and len(state.id) == 10
    assert [(h.event, h.detail) for h in store.history(key=state.key)] == [(Event.FIRED, "")]
    assert [(m.channel, m.ts) for m in store.messages(state.key)] == [("C0ALERTS", None), ("C0SHOP", None)]
    # The shop route waits 30 s to gather a burst into one summary; the default route posts at once.
    assert [(i.kind, i.channel) for i in store.due(T0)] == [(Work.POST, "C0ALERTS")]
    assert [i.channel for i in store.due(T0 + timedelta(seconds=30))] == ["C0ALERTS", "C0SHOP"]


def test_identical_deliveries_change_nothing(store: AlertStore, db: SqlApprovalStore) -> None:
    first = store.record(longhorn(), [ALERTS], at=T0, flap_window=WINDOW).state
    outcomes = [store.record(longhorn(), [ALERTS], at=T0 + timedelta(seconds=i), flap_window=WINDOW).outcome
                for i in range(1, 100)]
    assert set(outcomes) == {Outcome.UNCHANGED}
    assert store.get(first.key) == first  # not even updated_at moved
    assert len(store.due(T0 + timedelta(minutes=1))) == 1 and len(store.history()) == 1


def test_100_identical_deliveries_at_once_from_two_replicas_make_one_problem_and_one_post(
        database: Database) -> None:
    dbs = [database.open(), database.open()]
    stores = [AlertStore(d) for d in dbs]
    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            outcomes = list(pool.map(
                lambda i: stores[i % 2].record(longhorn(), [ALERTS], at=T0, flap_window=WINDOW).outcome,
                range(100)))
        assert outcomes.count(Outcome.CREATED) == 1 and outcomes.count(Outcome.UNCHANGED) == 99
        assert len(stores[0].due(T0)) == 1 and len(stores[1].history()) == 1
        assert stores[1].firing()[0].version == 1
    finally:
        for d in dbs:
            d.close()


def test_a_change_queues_one_update_however_many_changes_come(store: AlertStore) -> None:
    key = store.record(longhorn(), [ALERTS], at=T0, flap_window=WINDOW).state.key
    assert post_everything(store, T0) == ["post C0ALERTS"]
    two = longhorn().with_alerts(longhorn().alerts[:2])
    one = longhorn().with_alerts(longhorn().alerts[:1])
    assert store.record(two, [ALERTS], at=T0 + timedelta(minutes=1), flap_window=WINDOW).outcome is Outcome.UPDATED
    assert store.record(one, [ALERTS], at=T0 + timedelta(minutes=2), flap_window=WINDOW).outcome is Outcome.UPDATED
    assert post_everything(store, T0 + timedelta(minutes=2)) == ["update C0ALERTS"]
    assert [h.detail for h in store.history(key=key) if h.event is Event.UPDATED] == ["3 → 2 firing", "2 → 1 firing"]


def test_an_update_waits_for_the_post_it_would_update(store: AlertStore) -> None:
    store.record(longhorn(), [SHOP], at=T0, flap_window=WINDOW)
    fewer = longhorn().with_alerts(longhorn().alerts[:2])
    store.record(fewer, [SHOP], at=T0 + timedelta(seconds=5), flap_window=WINDOW)
    # The post is still waiting out its grouping window: it will show the newest state, no update is queued.
    assert store.pending() == 1
    assert post_everything(store, T0 + timedelta(seconds=30)) == ["post C0SHOP"]


def test_resolution_updates_the_message_and_replies_in_its_thread(store: AlertStore) -> None:
    state = store.record(longhorn(), [ALERTS], at=T0, flap_window=WINDOW).state
    post_everything(store, T0)
    at = datetime(2022, 8, 18, 13, 27, 16, 160000, tzinfo=UTC)
    recorded = store.record(all_resolved(longhorn(), at), [ALERTS], at=at, flap_window=WINDOW)
    assert recorded.outcome is Outcome.RESOLVED
    assert recorded.state.status is Status.RESOLVED and recorded.state.resolved_at == at
    items = store.due(at)
    assert [i.kind for i in items] == [Work.UPDATE, Work.REPLY]
    assert all(i.ts == "1700000000.000001" for i in items)  # the posted message's ts
    reply = store.history(key=state.key)[-1]
    assert reply.event is Event.RESOLVED and reply.detail == "after 14 min" and items[1].history_seq == reply.seq
    assert store.firing() == []


def test_a_problem_that_resolves_before_its_post_went_out_is_not_posted(store: AlertStore) -> None:
    store.record(longhorn(), [SHOP], at=T0, flap_window=WINDOW)  # waits 30 s to post
    store.record(all_resolved(longhorn(), T0), [SHOP], at=T0 + timedelta(seconds=10), flap_window=WINDOW)
    assert store.due(T0 + timedelta(minutes=5)) == [] and store.pending() == 0
    assert [h.event for h in store.history()] == [Event.FIRED, Event.RESOLVED]


def test_flapping_reopens_the_same_message_and_later_firing_is_a_new_one(store: AlertStore) -> None:
    key = store.record(longhorn(), [ALERTS], at=T0, flap_window=WINDOW).state.key
    post_everything(store, T0)
    store.record(all_resolved(longhorn(), T0), [ALERTS], at=T0 + timedelta(minutes=1), flap_window=WINDOW)
    post_everything(store, T0 + timedelta(minutes=1))
    again = refire(longhorn(), T0 + timedelta(minutes=3))
    reopened = store.record(again, [ALERTS], at=T0 + timedelta(minutes=3), flap_window=WINDOW)
    assert reopened.outcome is Outcome.REOPENED
    assert reopened.state.episode == 1 and reopened.state.flap_count == 1 and reopened.state.resolved_at is None
    assert post_everything(store, T0 + timedelta(minutes=3)) == ["update C0ALERTS", "reply C0ALERTS"]
    # Acknowledged, resolved, fired again: the new occurrence needs its own acknowledgement, and lasts from when it
    # fired again (not from the first occurrence).
    assert store.acknowledge(key, "U0ALICE", T0 + timedelta(minutes=4))
    store.record(all_resolved(again, T0), [ALERTS], at=T0 + timedelta(minutes=5), flap_window=WINDOW)
    twice = store.record(refire(longhorn(), T0 + timedelta(minutes=6)), [ALERTS], at=T0 + timedelta(minutes=6),
                         flap_window=WINDOW).state
    assert twice.flap_count == 2 and twice.ack_by is None
    ended = T0 + timedelta(minutes=6, seconds=30)
    store.record(all_resolved(again, ended), [ALERTS], at=ended, flap_window=WINDOW)
    assert store.history(key=key)[-1].detail == "after 30 s"
    later = T0 + timedelta(hours=3)
    store.record(all_resolved(again, later), [ALERTS], at=later, flap_window=WINDOW)
    post_everything(store, later)
    new = store.record(refire(longhorn(), later + timedelta(hours=1)), [ALERTS], at=later + timedelta(hours=1),
                       flap_window=WINDOW)
    assert new.outcome is Outcome.REFIRED and new.state.episode == 2 and new.state.flap_count == 0
    assert post_everything(store, later + timedelta(hours=1)) == ["post C0ALERTS"]
    assert [m.episode for m in store.messages(key)] == [1, 2]


def test_an_azure_fired_and_resolved_pair_is_one_problem_and_a_late_fired_changes_nothing(
        store: AlertStore) -> None:
    fired_raw = payload("azure-metric-alert-fired.json")
    resolved_raw = payload("azure-metric-alert-fired.json")
    resolved_raw["data"]["essentials"].update(monitorCondition="Resolved", resolvedDateTime="2025-04-15T18:27:12Z")
    fired, resolved = (azure_monitor.parse(raw, directory()) for raw in (fired_raw, resolved_raw))
    at = datetime(2025, 4, 15, 18, 18, tzinfo=UTC)
    assert store.record(fired, [ALERTS], at=at, flap_window=WINDOW).outcome is Outcome.CREATED
    post_everything(store, at)
    assert store.record(resolved, [ALERTS], at=at + timedelta(minutes=9), flap_window=WINDOW).outcome \
        is Outcome.RESOLVED
    # Azure retries: the Fired notice arrives once more, after the Resolved one.
    late = store.record(fired, [ALERTS], at=at + timedelta(minutes=10), flap_window=WINDOW)
    assert late.outcome is Outcome.STALE and late.state.status is Status.RESOLVED
    assert len(store.messages(fired.key)) == 1


def test_a_resolved_notice_for_a_problem_never_seen_firing_is_kept_without_a_post(store: AlertStore) -> None:
    group = azure_monitor.parse(payload("azure-metric-alert-resolved.json"), directory())
    recorded = store.record(group, [ALERTS], at=T0, flap_window=WINDOW)
    assert recorded.outcome is Outcome.UNSEEN_RESOLVED and recorded.state.status is Status.RESOLVED
    assert store.pending() == 0 and store.messages(group.key) == []


def test_acknowledge_is_recorded_once_and_shown_on_the_message(store: AlertStore) -> None:
    key = store.record(longhorn(), [ALERTS], at=T0, flap_window=WINDOW).state.key
    post_everything(store, T0)
    assert store.acknowledge(key, "U0BOB", T0 + timedelta(minutes=2))
    assert not store.acknowledge(key, "U0CAROL", T0 + timedelta(minutes=3))
    state = store.get(key)
    assert state is not None and state.ack_by == "U0BOB" and state.ack_at == T0 + timedelta(minutes=2)
    assert post_everything(store, T0 + timedelta(minutes=3)) == ["update C0ALERTS"]
    assert store.history(key=key)[-1].event is Event.ACKNOWLEDGED and store.history(key=key)[-1].actor == "U0BOB"
    assert not store.acknowledge("alertmanager/nothing/{}:{}", "U0BOB", T0)


def test_a_snoozed_problem_is_not_updated_until_it_resolves(store: AlertStore) -> None:
    key = store.record(longhorn(), [ALERTS], at=T0, flap_window=WINDOW).state.key
    post_everything(store, T0)
    assert store.snooze(key, "U0BOB", T0 + timedelta(minutes=1), None)
    post_everything(store, T0 + timedelta(minutes=1))  # the message shows the snooze
    store.record(longhorn().with_alerts(longhorn().alerts[:1]), [ALERTS], at=T0 + timedelta(minutes=2),
                 flap_window=WINDOW)
    assert store.due(T0 + timedelta(minutes=2)) == []
    resolved = store.record(all_resolved(longhorn(), T0), [ALERTS], at=T0 + timedelta(minutes=5), flap_window=WINDOW)
    assert not resolved.state.snoozed(T0 + timedelta(minutes=5))
    assert post_everything(store, T0 + timedelta(minutes=5)) == ["update C0ALERTS", "reply C0ALERTS"]


def test_a_timed_snooze_ends_by_itself(store: AlertStore) -> None:
    key = store.record(longhorn(), [ALERTS], at=T0, flap_window=WINDOW).state.key
    post_everything(store, T0)
    with pytest.raises(ValueError):
        store.snooze(key, "U0BOB", T0, T0)
    assert store.snooze(key, "U0BOB", T0, T0 + timedelta(hours=1))
    post_everything(store, T0)
    store.record(longhorn().with_alerts(longhorn().alerts[:1]), [ALERTS], at=T0 + timedelta(minutes=30),
                 flap_window=WINDOW)
    assert store.due(T0 + timedelta(minutes=30)) == []
    store.record(longhorn().with_alerts(longhorn().alerts[:2]), [ALERTS], at=T0 + timedelta(minutes=61),
                 flap_window=WINDOW)
    assert post_everything(store, T0 + timedelta(minutes=61)) == ["update C0ALERTS"]
    assert store.unsnooze(key, "U0BOB", T0 + timedelta(minutes=62)) is True
    assert store.unsnooze(key, "U0BOB", T0 + timedelta(minutes=63)) is False


def test_a_failed_post_is_kept_for_its_retry_never_dropped(store: AlertStore) -> None:
    store.record(longhorn(), [ALERTS], at=T0, flap_window=WINDOW)
    (item,) = store.due(T0)
    assert store.claim(item.id, "leader", T0, timedelta(seconds=30))
    store.retry(item.id, "ratelimited (429), Retry-After 30 s", T0 + timedelta(seconds=30))
    assert store.due(T0 + timedelta(seconds=10)) == []
    (again,) = store.due(T0 + timedelta(seconds=30))
    assert again.id == item.id and again.attempts == 1 and again.last_error.startswith("ratelimited")


def test_a_claim_is_taken_once_and_falls_due_again_when_its_worker_dies(store: AlertStore) -> None:
    store.record(longhorn(), [ALERTS], at=T0, flap_window=WINDOW)
    (item,) = store.due(T0)
    assert store.claim(item.id, "replica-a", T0, timedelta(seconds=30))
    assert not store.claim(item.id, "replica-b", T0 + timedelta(seconds=1), timedelta(seconds=30))
    assert store.due(T0 + timedelta(seconds=10)) == []
    assert store.claim(item.id, "replica-b", T0 + timedelta(seconds=31), timedelta(seconds=30))


def test_a_new_leader_updates_the_existing_message_and_never_posts_twice(database: Database) -> None:
    first_db, second_db = database.open(), database.open()
    try:
        old, new = AlertStore(first_db), AlertStore(second_db)
        key = old.record(longhorn(), [ALERTS], at=T0, flap_window=WINDOW).state.key
        (item,) = old.due(T0)
        assert old.claim(item.id, "old-leader", T0, timedelta(seconds=30))
        assert old.posted(item, "1700000000.000100", T0)
        # The old leader is gone; the new one receives the resolution and finds the message.
        new.record(all_resolved(longhorn(), T0), [ALERTS], at=T0 + timedelta(minutes=1), flap_window=WINDOW)
        items = new.due(T0 + timedelta(minutes=1))
        assert [(i.kind, i.ts) for i in items] == [(Work.UPDATE, "1700000000.000100"), (Work.REPLY,
                                                                                       "1700000000.000100")]
        # Had both posted, the second would learn its message is a duplicate.
        assert not new.posted(item, "1700000000.000999", T0 + timedelta(minutes=1))
        assert [m.ts for m in new.messages(key)] == ["1700000000.000100"]
    finally:
        first_db.close()
        second_db.close()


def test_the_history_is_append_only(store: AlertStore, db: SqlApprovalStore) -> None:
    store.record(longhorn(), [ALERTS], at=T0, flap_window=WINDOW)
    errors = (sqlite3.IntegrityError, sqlite3.DatabaseError, psycopg.Error, Exception)
    with pytest.raises(errors) as caught:
        db.run(f"UPDATE {store.history_table} SET actor = 'mallory'")
    assert "append-only" in str(caught.value)
    with pytest.raises(errors):
        db.run(f"DELETE FROM {store.history_table}")


def test_history_and_firing_lists_filter_by_cluster(store: AlertStore) -> None:
    prod = payload("alertmanager-cputhrottlinghigh.json")
    prod["commonLabels"]["cluster"] = prod["alerts"][0]["labels"]["cluster"] = "prod"
    store.record(alertmanager.parse(prod, directory()), [ALERTS], at=T0, flap_window=WINDOW)
    store.record(longhorn(), [ALERTS], at=T0, flap_window=WINDOW)
    assert [s.cluster for s in store.firing(clusters={"prod"})] == ["prod"]
    assert len(store.firing()) == 2 and [h.cluster for h in store.history(clusters={None})] == [None]
    assert store.history(since=T0 + timedelta(seconds=1)) == []


def test_many_threads_acknowledging_at_once_make_one_acknowledgement(store: AlertStore) -> None:
    key = store.record(longhorn(), [ALERTS], at=T0, flap_window=WINDOW).state.key
    barrier = threading.Barrier(8)

    def ack(i: int) -> bool:
        barrier.wait()
        return store.acknowledge(key, f"U{i}", T0)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(ack, range(8)))
    assert results.count(True) == 1
    assert [h.event for h in store.history(key=key)].count(Event.ACKNOWLEDGED) == 1


def test_a_new_episode_keeps_the_old_messages_pending_updates(store: AlertStore) -> None:
    store.record(longhorn(), [ALERTS], at=T0, flap_window=WINDOW)
    post_everything(store, T0)
    store.record(all_resolved(longhorn(), T0), [ALERTS], at=T0 + timedelta(minutes=1), flap_window=WINDOW)
    # Slack is down for an hour: the resolution's update and reply wait; then the problem fires again.
    later = T0 + timedelta(hours=1)
    store.record(refire(longhorn(), later), [ALERTS], at=later, flap_window=WINDOW)
    due = [(i.episode, i.kind) for i in store.due(later)]
    assert due == [(1, Work.UPDATE), (1, Work.REPLY), (2, Work.POST)]


def test_a_resolved_azure_notice_finds_its_fired_one_by_alert_id(store: AlertStore) -> None:
    fired = azure_monitor.parse(payload("azure-metric-alert-fired.json"), directory())
    raw = payload("azure-metric-alert-fired.json")
    raw["data"]["essentials"].update(monitorCondition="Resolved", resolvedDateTime="2025-04-15T18:27:12Z")
    # The Resolved notice names its target differently (a sub-resource): its key differs from the Fired one's.
    essentials = raw["data"]["essentials"]
    essentials["alertTargetIDs"] = [t + "/blobServices/default" for t in essentials["alertTargetIDs"]]
    resolved = azure_monitor.parse(raw, directory())
    assert resolved.key != fired.key
    at = datetime(2025, 4, 15, 18, 18, tzinfo=UTC)
    store.record(fired, [ALERTS], at=at, flap_window=WINDOW)
    recorded = store.record(resolved, [ALERTS], at=at + timedelta(minutes=9), flap_window=WINDOW)
    assert recorded.outcome is Outcome.RESOLVED and recorded.state.key == fired.key
    assert store.get(resolved.key) is None


def _narrow_history(store: AlertStore, db: SqlApprovalStore) -> None:
    """Make the history table as a version before `linked` existed made it: its CHECK lists no `linked`."""
    h = store.history_table
    if db.dialect == "sqlite":
        create = next(s for s in store._schema() if s.startswith(f"CREATE TABLE IF NOT EXISTS {h} ("))
        with db.transaction() as run:
            run(f"ALTER TABLE {h} RENAME TO {h}_copy", ())
            run(create.replace("'linked', ", "").replace(", 'linked'", ""), ())
            run(f"INSERT INTO {h} SELECT * FROM {h}_copy", ())
            run(f"DROP TABLE {h}_copy", ())
        db.create_tables(store._schema())
    else:
        listed = ", ".join(f"'{e.value}'" for e in Event if e is not Event.LINKED)
        db.create_tables([f"ALTER TABLE {h} DROP CONSTRAINT alert_history_event_check",
                          f"ALTER TABLE {h} ADD CONSTRAINT alert_history_event_check CHECK (event IN ({listed}))"])


def test_a_database_made_before_incident_links_takes_them_after_an_upgrade(store: AlertStore,
                                                                          db: SqlApprovalStore) -> None:
    recorded = store.record(longhorn(), [ALERTS], at=T0, flap_window=WINDOW)
    key = recorded.state.key
    _narrow_history(store, db)
    with pytest.raises((sqlite3.IntegrityError, Upstream)):  # PostgreSQL's CheckViolation comes as Upstream
        store.link_incident(key, "incident 7", T0 + timedelta(minutes=1))

    upgraded = AlertStore(db)  # what the next version does when it starts on that database
    assert upgraded.link_incident(key, "incident 7", T0 + timedelta(minutes=2))
    events = [e.event for e in upgraded.history(key=key)]
    assert events[0] is Event.FIRED and Event.LINKED in events  # the older rows kept, the new event taken
    AlertStore(db)  # a second start changes nothing
    assert [e.event for e in upgraded.history(key=key)] == events
    with pytest.raises((sqlite3.IntegrityError, sqlite3.DatabaseError, psycopg.Error, Exception)) as caught:
        db.run(f"DELETE FROM {upgraded.history_table}")
    assert "append-only" in str(caught.value)  # the rebuilt table is still append-only


def test_history_keeps_what_the_alert_said_at_each_moment(store: AlertStore, db: SqlApprovalStore) -> None:
    """A node first "still Ready, lease stale", then "Unknown since 13:06": the older rows keep the older title, in
    both languages; a database made before titles were kept gains the column and its old rows read None."""
    first = longhorn()
    key = store.record(first, [ALERTS], at=T0, flap_window=WINDOW).state.key
    assert store.acknowledge(key, "U0ALICE", T0 + timedelta(minutes=1))
    worse = first.with_alerts(replace(a, summary="worse now") for a in first.alerts)
    worse = replace(worse, title=Said("Worse now", "现在更糟"))
    store.record(worse, [ALERTS], at=T0 + timedelta(minutes=2), flap_window=WINDOW)
    store.record(all_resolved(worse, T0), [ALERTS], at=T0 + timedelta(minutes=3), flap_window=WINDOW)
    rows = store.history(key=key)
    assert [str(r.title) for r in rows[:2]] == [first.title, first.title]
    assert str(rows[-1].title) == "Worse now" and in_lang(rows[-1].title or "", "zh") == "现在更糟"

    h = store.history_table
    if db.dialect == "sqlite":  # as an older version made it: no title column
        create = next(s for s in store._schema() if s.startswith(f"CREATE TABLE IF NOT EXISTS {h} ("))
        with db.transaction() as run:
            run(f"ALTER TABLE {h} RENAME TO {h}_copy", ())
            run(create.replace(",\n                title TEXT", ""), ())
            run(f"INSERT INTO {h} SELECT seq, key, episode, at, event, actor, status, cluster, detail FROM {h}_copy",
                ())
            run(f"DROP TABLE {h}_copy", ())
        db.create_tables(store._schema())
        upgraded = AlertStore(db)
        assert all(r.title is None for r in upgraded.history(key=key))
        upgraded.link_incident(key, "incident 8", T0 + timedelta(minutes=4))
        assert str(upgraded.history(key=key)[-1].title) == "Worse now"


def test_a_stored_detail_reads_in_the_readers_language() -> None:
    from bot.alerts.store import history_words

    assert history_words("after 2 h 5 min", "zh") == "持续 2 小时 5 分钟"
    assert history_words("after 45 s", "en") == "after 45 s"
    assert history_words("flap 1", "zh") == "第 1 次反复"
    assert history_words("3 → 2 firing", "zh") == "3 → 2 条触发中"
    assert history_words("first seen resolved", "zh") == "首次收到时已恢复"
    assert history_words("warning → critical", "zh") == "warning → critical"


def test_a_severity_that_rises_into_another_route_adds_a_message_there_and_falling_keeps_it(
        store: AlertStore) -> None:
    page = Route("page", "C0PAGE", "en", 0, RateLimit(), None)
    group = longhorn()
    warning = group.with_alerts(replace(a, severity=Severity.WARNING) for a in group.alerts)
    critical = group.with_alerts(replace(a, severity=Severity.CRITICAL, summary="worse") for a in group.alerts)
    store.record(warning, [ALERTS], at=T0, flap_window=WINDOW)
    assert post_everything(store, T0) == ["post C0ALERTS"]
    store.record(critical, [page], at=T0 + timedelta(minutes=1), flap_window=WINDOW)
    assert sorted(post_everything(store, T0 + timedelta(minutes=1))) == ["post C0PAGE", "reply C0ALERTS",
                                                                         "update C0ALERTS"]
    store.record(warning, [ALERTS], at=T0 + timedelta(minutes=2), flap_window=WINDOW)
    assert sorted(post_everything(store, T0 + timedelta(minutes=2))) == ["update C0ALERTS", "update C0PAGE"]
    assert sorted(m.channel for m in store.messages(group.key)) == ["C0ALERTS", "C0PAGE"]


def test_resolved_after_is_measured_to_the_end_the_source_reports_not_to_when_the_notice_came(
        store: AlertStore) -> None:
    raw = payload("alertmanager-cputhrottlinghigh.json")  # fired 2022-07-27T19:48:31.978Z
    fired = alertmanager.parse(raw, directory())
    raw["status"] = "resolved"
    for alert in raw["alerts"]:
        alert.update(status="resolved", endsAt="2022-07-27T20:10:00Z")
    ended = alertmanager.parse(raw, directory())
    store.record(fired, [ALERTS], at=T0, flap_window=WINDOW)
    state = store.record(ended, [ALERTS], at=T0 + timedelta(minutes=5), flap_window=WINDOW).state
    assert state.resolved_at == datetime(2022, 7, 27, 20, 10, tzinfo=UTC)
    assert store.history(key=state.key)[-1].detail == "after 21 min"  # not "after 1579 d"

    # Azure Monitor: resolvedDateTime, 2 min after firedDateTime; the notice came 9 min after it fired.
    fired_raw = payload("azure-metric-alert-fired.json")
    resolved_raw = payload("azure-metric-alert-fired.json")
    resolved_raw["data"]["essentials"].update(monitorCondition="Resolved", resolvedDateTime="2025-04-15T18:20:00Z")
    fired, resolved = (azure_monitor.parse(r, directory()) for r in (fired_raw, resolved_raw))
    at = datetime(2025, 4, 15, 18, 18, tzinfo=UTC)
    store.record(fired, [ALERTS], at=at, flap_window=WINDOW)
    state = store.record(resolved, [ALERTS], at=at + timedelta(minutes=9), flap_window=WINDOW).state
    assert state.resolved_at == datetime(2025, 4, 15, 18, 20, tzinfo=UTC)


def test_an_end_the_source_reports_is_never_after_receipt_nor_before_the_start(store: AlertStore) -> None:
    group = longhorn()  # fired 2022-08-18T13:13:16.16Z
    start = datetime(2022, 8, 18, 13, 13, 16, 160000, tzinfo=UTC)
    store.record(group, [ALERTS], at=T0, flap_window=WINDOW)
    early = store.record(all_resolved(group, start - timedelta(hours=1)), [ALERTS], at=T0 + timedelta(minutes=1),
                         flap_window=WINDOW).state
    assert early.resolved_at == start
    # Other problems: other groups of other alerts (the same alerts under another key are the same problem).
    def another(suffix: str) -> AlertGroup:
        return replace(group, key=group.key + suffix).with_alerts(
            replace(a, source_id=a.source_id + suffix) for a in group.alerts)

    other = another("-2")
    store.record(other, [ALERTS], at=T0, flap_window=WINDOW)
    ahead = store.record(all_resolved(other, T0 + timedelta(days=1)), [ALERTS], at=T0 + timedelta(minutes=1),
                         flap_window=WINDOW).state
    assert ahead.resolved_at == T0 + timedelta(minutes=1)  # a clock that runs ahead: receipt
    third = another("-3")
    store.record(third, [ALERTS], at=T0, flap_window=WINDOW)
    unsaid = third.with_alerts(replace(a, status=Status.RESOLVED, ends_at=None) for a in third.alerts)
    assert store.record(unsaid, [ALERTS], at=T0 + timedelta(minutes=2), flap_window=WINDOW).state.resolved_at \
        == T0 + timedelta(minutes=2)  # none said: receipt


def test_a_change_stored_while_snoozed_names_what_is_new_in_the_readers_language() -> None:
    detail = "1 → 2 firing (new: node/aks-system-2)"
    assert history_words(detail, "en") == "1 → 2 firing (new: node/aks-system-2)"
    assert history_words(detail, "zh") == "1 → 2 条触发中（新增：node/aks-system-2）"


def test_the_watcher_and_alertmanager_reporting_one_node_name_each_other_until_one_ends(store: AlertStore) -> None:
    """The watcher's NotReady node and Alertmanager's KubeNodeNotReady for the same node of the same cluster are one
    problem reported twice: each report keeps its own card, and each card names the other while that one fires —
    redrawn when the other begins and when it ends, whichever ends first."""
    from bot.alerts.findings import from_finding
    from bot.alerts.runbooks import RunbookResolver
    from bot.alerts.views import alert_card
    from bot.refs import node_ref
    from bot.render_text import render_text
    from handlers.rules.finding import Finding
    from knowledge import load_knowledge_base
    from tests.support.alerts import node_notready_webhook

    node = "aks-nodepool1-0"
    finding = Finding("node.notready", Severity.CRITICAL, f"Node {node} is NotReady", node_ref(node),
                      ("Ready=Unknown",), "node-notready", ("node.lease:stale",))
    watched = from_finding("prod", finding, since=T0)
    resolver = RunbookResolver(load_knowledge_base())
    pushed = resolver.resolve(alertmanager.parse(node_notready_webhook([("prod", node)]), directory()))
    elsewhere = resolver.resolve(alertmanager.parse(node_notready_webhook([("test", node)], group_key="test"),
                                                    directory()))
    seen = store.record(watched, [ALERTS], at=T0, flap_window=WINDOW).state
    post_everything(store, T0)
    assert store.same_problem(watched) == []

    am = store.record(pushed, [AM], at=T0, flap_window=WINDOW).state
    store.record(elsewhere, [AM], at=T0, flap_window=WINDOW)  # the same node name on another cluster: unrelated
    # The watcher's card, already posted, is redrawn to say Alertmanager reports it too.
    assert [(i.kind, i.channel) for i in store.due(T0) if i.key == seen.key] == [(Work.UPDATE, "C0ALERTS")]
    post_everything(store, T0)
    (other,) = store.same_problem(watched)
    assert other.state.key == am.key and other.message is not None and other.message.channel == "C0AM"
    assert [e.state.key for e in store.same_problem(pushed)] == [seen.key]
    card = alert_card(seen, now=T0, elsewhere=store.same_problem(watched))
    assert f"🔗 Alertmanager reports this too: *KubeNodeNotReady* (`{am.id}`, `/k8s alerts show {am.id}`) #C0AM" \
        in render_text(card)
    assert {b.label: b.ref.text() for b in card.buttons()}["Show Alertmanager alert"] == f"/k8s alerts show {am.id}"

    # Alertmanager's alert ends first: the watcher's card drops it; Alertmanager's resolved card says what still fires.
    later = T0 + timedelta(minutes=5)
    store.record(all_resolved(pushed, later), [AM], at=later, flap_window=WINDOW)
    assert (Work.UPDATE, "C0ALERTS") in [(i.kind, i.channel) for i in store.due(later) if i.key == seen.key]
    post_everything(store, later)
    assert [e.state.status for e in store.same_problem(watched)] == []
    ended = store.get(am.key)
    assert ended is not None and ended.status is Status.RESOLVED
    text = render_text(alert_card(ended, now=later, elsewhere=store.same_problem(ended.group)))
    assert f"🔗 Still firing as The bot's watcher reports it: *Node {node} is NotReady* (`{seen.id}`" in text
    assert render_text(alert_card(seen, now=later, elsewhere=store.same_problem(watched))).count("🔗") == 0

    # Then the watcher's ends too: Alertmanager's resolved card is redrawn without the line.
    last = later + timedelta(minutes=5)
    store.record(all_resolved(watched, last), [ALERTS], at=last, flap_window=WINDOW)
    assert [(i.kind, i.channel) for i in store.due(last) if i.key == am.key] == [(Work.UPDATE, "C0AM")]
    post_everything(store, last)
    ended = store.get(am.key)
    assert ended is not None
    assert "🔗" not in render_text(alert_card(ended, now=last, elsewhere=store.same_problem(ended.group)))


def test_a_regrouped_group_is_the_same_problem_for_its_receiver_only(store: AlertStore) -> None:
    first = store.record(longhorn(), [ALERTS], at=T0, flap_window=WINDOW).state
    regrouped = replace(longhorn(), key=longhorn().key.replace("{}:", "{}/{severity=\"warning\"}:"))
    again = store.record(regrouped, [ALERTS], at=T0 + timedelta(minutes=1), flap_window=WINDOW)
    assert again.outcome is Outcome.UNCHANGED and again.state.key == first.key
    # The same alerts sent to another receiver (another route, another audience) are a problem of their own.
    elsewhere = replace(longhorn(), key="alertmanager/pager/{}:{}", receiver="pager")
    other = store.record(elsewhere, [ALERTS], at=T0 + timedelta(minutes=2), flap_window=WINDOW)
    assert other.outcome is Outcome.CREATED and other.state.key != first.key
    # Resolved, then firing again under the new key within the flap window: the first message reopens.
    end = T0 + timedelta(minutes=3)
    assert store.record(all_resolved(regrouped, end), [ALERTS], at=end, flap_window=WINDOW).state.key == first.key
    back = store.record(refire(regrouped, end + timedelta(minutes=5)), [ALERTS], at=end + timedelta(minutes=5),
                        flap_window=WINDOW)
    assert back.outcome is Outcome.REOPENED and back.state.key == first.key


def test_a_stateless_alert_ends_by_itself_when_its_time_runs_out_unless_a_new_event_came(store: AlertStore) -> None:
    def event(alert_id: str, at: datetime) -> AlertGroup:
        raw = payload("azure-activity-log-alert.json")
        raw["data"]["essentials"]["alertId"] += alert_id
        return azure_monitor.parse(raw, directory()).expiring(at + timedelta(minutes=60))

    key = store.record(event("", T0), [ALERTS], at=T0, flap_window=WINDOW).state.key
    assert store.expire(T0 + timedelta(minutes=59)) == []
    # Another event of the same rule on the same VM 40 minutes in: its hour starts again.
    store.record(event("-2", T0 + timedelta(minutes=40)), [ALERTS], at=T0 + timedelta(minutes=40), flap_window=WINDOW)
    assert store.expire(T0 + timedelta(minutes=61)) == []
    assert store.expire(T0 + timedelta(minutes=101)) == [key]
    state = store.get(key)
    assert state is not None and state.status is Status.RESOLVED and state.group.ran_out
    assert state.resolved_at == T0 + timedelta(minutes=100)
    resolved = store.history(key=key)[-1]
    assert (resolved.event, resolved.at, resolved.detail) == (Event.RESOLVED, T0 + timedelta(minutes=100),
                                                             "ended by itself after 100 min")
    assert history_words(resolved.detail, "zh") == "100 分钟后自动结束"
    assert store.expire(T0 + timedelta(minutes=200)) == []  # once
