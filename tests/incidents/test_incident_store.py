"""The incident store's guarantees, the same on SQLite and PostgreSQL: a reservation nobody lists, changes by
compare-and-set, a timeline entry added once per key, an append-only timeline, tables created once by several
replicas, and the approval trail read from the approval store's own tables."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from bot.approvals.model import AuditEntry, AuditEvent, State
from bot.approvals.store import SqlApprovalStore
from bot.errors import Upstream
from bot.incidents.model import EntryKind, Incident, IncidentState, Severity, TimelineEntry, channel_name
from bot.incidents.store import STALE_OPENING, Draft, Duplicate, SqlIncidentStore
from tests.support.approvals import cordon_request
from tests.support.databases import Database, start_together

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(db: SqlApprovalStore) -> SqlIncidentStore:
    return SqlIncidentStore(db)


def draft(title: str = "payments 5xx", cluster: str = "prod", alert: str | None = None, at: datetime = T0) -> Draft:
    return Draft(title, Severity.SEV2, cluster, "U0ALICE", "U0ALICE", "C0OPS", "en", alert, None, at)


def test_a_reservation_is_invisible_until_opened_and_can_be_discarded(store: SqlIncidentStore) -> None:
    first = store.reserve(draft(alert="ab12"))
    second = store.reserve(draft("dns timeouts"))
    assert second.id > first.id and first.state is IncidentState.OPENING
    assert store.listing(include_closed=True, clusters=None, limit=10) == []
    assert store.in_channel("C0INC1") is None
    assert store.open(first.id, "C0INC1", "inc-20261122-payments-5xx")
    assert not store.open(first.id, "C0INC1", "inc-20261122-payments-5xx")  # once
    opened = store.in_channel("C0INC1")
    assert opened is not None and opened.is_open and opened.channel_name == "inc-20261122-payments-5xx"
    assert opened.alert_key == "ab12" and opened.declared_at == T0
    assert store.discard(second.id)
    assert store.get(second.id) is None
    assert not store.discard(first.id)  # an open incident is never discarded
    assert [i.id for i in store.listing(include_closed=False, clusters=None, limit=10)] == [first.id]


def test_a_reservation_about_what_an_open_incident_of_the_cluster_is_about_is_refused(
    store: SqlIncidentStore,
) -> None:
    first = store.reserve(draft("Payments 5xx", alert="ab12"))
    assert isinstance(first, Incident)
    same = store.reserve(draft("  payments   5XX "))  # still opening: being declared this moment
    assert isinstance(same, Duplicate) and same.incident.id == first.id and not same.by_alert
    assert store.open(first.id, "C0DUP", "inc-payments-5xx")
    by_alert = store.reserve(draft("ledger errors", alert="ab12"))
    assert isinstance(by_alert, Duplicate) and by_alert.by_alert and by_alert.incident.is_open
    assert isinstance(store.reserve(draft("payments 5xx", cluster="test")), Incident)  # another cluster's
    insisted = store.reserve(draft("payments 5xx"), alone=False)
    assert isinstance(insisted, Incident) and insisted.id != first.id
    store.discard(insisted.id)
    store.close(first.id, at=T0, by="U0ALICE", summary="done")
    assert isinstance(store.reserve(draft("payments 5xx", alert="ab12")), Incident)  # the first one is closed


def test_a_reservation_left_opening_by_a_stopped_process_stands_in_the_way_only_a_while(
    store: SqlIncidentStore,
) -> None:
    stopped = store.reserve(draft("dns timeouts"))
    assert isinstance(store.reserve(draft("dns timeouts", at=T0 + timedelta(minutes=1))), Duplicate)
    later = store.reserve(draft("dns timeouts", at=T0 + STALE_OPENING + timedelta(seconds=1)))
    assert isinstance(later, Incident) and later.id != stopped.id


def test_of_declarations_racing_on_several_replicas_one_is_reserved(
    database: Database, store: SqlIncidentStore
) -> None:
    replicas = [SqlIncidentStore(database.open()) for _ in range(4)]
    results: list[object] = []
    lock = threading.Lock()
    start = threading.Barrier(len(replicas) * 2)

    def declare(replica: SqlIncidentStore) -> None:
        start.wait()
        reserved = replica.reserve(draft("checkout down", alert="f00d"))
        with lock:
            results.append(reserved)

    threads = [threading.Thread(target=declare, args=(r,)) for r in replicas * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reserved = [r for r in results if isinstance(r, Incident)]
    assert len(results) == 8 and len(reserved) == 1
    assert all(isinstance(r, Duplicate) and r.incident.id == reserved[0].id for r in results if r is not reserved[0])
    for replica in replicas:
        replica.db.close()


def test_changes_are_compare_and_set(store: SqlIncidentStore) -> None:
    incident = store.reserve(draft())
    store.open(incident.id, "C0INC2", "inc-x")
    seen = store.get(incident.id)
    assert seen is not None
    assert store.change(seen, severity=Severity.SEV1)
    assert not store.change(seen, commander="U0BOB")  # read before the severity changed: refused
    fresh = store.get(incident.id)
    assert fresh is not None and fresh.severity is Severity.SEV1 and fresh.commander == "U0ALICE"
    assert store.change(fresh, commander="U0BOB")
    assert store.close(incident.id, at=T0 + timedelta(minutes=42), by="U0BOB", summary="fixed")
    assert not store.close(incident.id, at=T0, by="U0ALICE", summary="again")
    closed = store.get(incident.id)
    assert closed is not None and closed.state is IncidentState.CLOSED and closed.summary == "fixed"
    assert not store.change(closed, severity=Severity.SEV4)  # a closed incident no longer changes
    assert store.mark_archived(incident.id) and not store.mark_archived(incident.id)


def test_of_racing_changes_exactly_one_wins(database: Database, store: SqlIncidentStore) -> None:
    incident = store.reserve(draft())
    store.open(incident.id, "C0INC3", "inc-race")
    read = store.get(incident.id)
    assert read is not None
    replicas = [SqlIncidentStore(database.open()) for _ in range(4)]
    wins: list[bool] = []
    lock = threading.Lock()

    def change(replica: SqlIncidentStore, who: str) -> None:
        won = replica.change(read, commander=who)
        with lock:
            wins.append(won)

    threads = [threading.Thread(target=change, args=(r, f"U0R{i}")) for i, r in enumerate(replicas * 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1
    for replica in replicas:
        replica.db.close()


def test_an_entry_is_added_once_per_key_and_the_timeline_is_append_only(store: SqlIncidentStore) -> None:
    incident = store.reserve(draft())
    store.open(incident.id, "C0INC4", "inc-pins")
    pin = TimelineEntry(T0, EntryKind.PIN, "U0BOB", "“the ledger pod OOMs”", data='{"ts": "1.2"}')
    assert store.append(incident.id, pin, "pin:C0INC4:1.2:U0BOB")
    assert not store.append(incident.id, pin, "pin:C0INC4:1.2:U0BOB")  # a retried event
    store.append(incident.id, TimelineEntry(T0, EntryKind.COMMANDER, "U0ALICE", "", subject="U0BOB"), "commander:2")
    entries = store.entries(incident.id)
    assert [e.kind for e in entries] == [EntryKind.PIN, EntryKind.COMMANDER]
    assert entries[0].details() == {"ts": "1.2"} and entries[1].subject == "U0BOB"
    table = store.table("incident_timeline")
    for statement in (f"UPDATE {table} SET actor = 'U0MALLORY'", f"DELETE FROM {table}"):
        with pytest.raises((Upstream, sqlite3.IntegrityError, psycopg.Error)) as caught:
            store._run(statement)
        assert "append-only" in str(caught.value)
    assert store.entries(incident.id)[0].actor == "U0BOB"


def test_tables_are_created_once_by_replicas_starting_together(database: Database) -> None:
    dbs = start_together(database, SqlIncidentStore)
    store = SqlIncidentStore(dbs[0])
    incident = store.reserve(draft())
    assert SqlIncidentStore(dbs[1]).get(incident.id) is not None
    for db in dbs:
        db.close()


def test_listing_filters_by_cluster_and_puts_open_ones_first(store: SqlIncidentStore) -> None:
    a, b, c = store.reserve(draft("a")), store.reserve(draft("b", "test")), store.reserve(draft("c"))
    for n, i in enumerate((a, b, c)):
        store.open(i.id, f"C0L{n}", f"inc-l{n}")
    store.close(c.id, at=T0, by="U0ALICE", summary="done")
    assert [i.id for i in store.listing(include_closed=True, clusters=None, limit=10)] == [b.id, a.id, c.id]
    assert [i.id for i in store.listing(include_closed=False, clusters={"prod"}, limit=10)] == [a.id]
    assert store.listing(include_closed=True, clusters=set(), limit=10) == []


def test_the_approval_trail_is_read_from_the_approval_store(db: SqlApprovalStore, store: SqlIncidentStore) -> None:
    here, elsewhere = cordon_request("C0INC5", at=T0), cordon_request("C0OPS", at=T0)
    for r in (here, elsewhere):
        db.create(r)
        db.append_audit(AuditEntry(T0, r.id, AuditEvent.REQUESTED, "U0ALICE", "prod", "cordon", "requested"))
    db.transition(here.id, (State.PENDING,), State.DENIED, at=T0, decided_by="U0BOB", reason="not now")
    db.append_audit(AuditEntry(T0, here.id, AuditEvent.DENIED, "U0BOB", "prod", "cordon", "denied: not now"))
    [(found, audit)] = store.approval_trail("C0INC5")
    assert found.id == here.id and found.state is State.DENIED
    assert [e.event for e in audit] == [AuditEvent.REQUESTED, AuditEvent.DENIED]


def test_a_long_title_names_its_channel_up_to_a_whole_word() -> None:
    day = datetime(2026, 11, 22, tzinfo=UTC)
    title = "Node aks-userpool-11974196-vmss000000 is Unknown: the kubelet stopped posting node status (lease stale)"
    name = channel_name(title, day)
    assert name == "inc-20261122-node-aks-userpool-11974196-vmss000000-is-unknown-the-kubelet"
    assert channel_name(title, day, attempt=2) == name + "-2"
    assert channel_name("x" * 100, day) == "inc-20261122-" + "x" * 67  # one word longer than the room is cut
    assert channel_name("payments API returns 5xx", day) == "inc-20261122-payments-api-returns-5xx"
    assert channel_name("支付接口报错", day) == "inc-20261122-incident"
