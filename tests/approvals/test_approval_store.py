"""The approval store's guarantees, identical on SQLite and PostgreSQL: compare-and-set transitions, one
approval per approver, expiry enforced by the update itself, an append-only audit, idempotent schema."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from bot.approvals.model import AuditEntry, AuditEvent, NewRequest, State, new_request_id
from bot.approvals.store import (
    ApprovalStore,
    PostgresApprovalStore,
    SqlApprovalStore,
    SqliteApprovalStore,
    open_store,
)
from bot.blocks import Fields, Notice, Table, View
from bot.errors import NotConfigured, Upstream
from bot.preview import Preview
from bot.surface import MessageRef
from tests.support.approvals import unique_schema
from tests.support.databases import Database

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(db: SqlApprovalStore) -> ApprovalStore:
    return db


def new(request_id: str | None = None, *, cluster: str = "prod", requester: str = "alice") -> NewRequest:
    preview = Preview(
        "Drain aks-nodepool1-0",
        blocks=(Table(("pod", "blocked by"), (("web-1", "web-pdb"),)), Notice("web-1 is blocked")),
        expect=(("node uid", "1234"), ("node unschedulable", "false")),
        warnings=("one pod has no controller",),
    )
    return NewRequest(
        id=request_id or new_request_id(),
        command="drain",
        text="/k8s drain aks-nodepool1-0",
        args_json='{"node": "aks-nodepool1-0", "timeout": 120}',
        cluster=cluster,
        namespace="default",
        all_namespaces=False,
        requester=requester,
        requester_groups=("S0SRE",),
        channel="C0OPS",
        lang="en",
        correlation_id="abcd1234",
        preview=preview,
        required_approvals=2,
        created_at=T0,
        expires_at=T0 + timedelta(minutes=15),
    )


def audit(request_id: str, event: AuditEvent, actor: str, cluster: str = "prod", at: datetime = T0) -> AuditEntry:
    return AuditEntry(at, request_id, event, actor, cluster, "drain", f"{event.value} by {actor}", '{"n": 1}')


def test_a_request_round_trips_with_its_preview(store: ApprovalStore) -> None:
    request = new()
    assert store.create(request)
    got = store.get(request.id)
    assert got is not None
    assert got.state is State.PENDING and got.preview == request.preview
    assert got.requester_groups == ("S0SRE",) and got.expires_at == request.expires_at
    assert store.get("nosuchid") is None


def test_ids_are_never_reused(store: ApprovalStore) -> None:
    request = new("aaaaaaaa")
    assert store.create(request)
    assert not store.create(new("aaaaaaaa", requester="mallory"))
    got = store.get("aaaaaaaa")
    assert got is not None and got.requester == "alice"


def test_a_transition_happens_once(store: ApprovalStore) -> None:
    request = new()
    store.create(request)
    at = T0 + timedelta(minutes=1)
    assert store.transition(request.id, (State.PENDING,), State.APPROVED, at=at, not_expired_at=at, decided_by="bob")
    assert not store.transition(request.id, (State.PENDING,), State.APPROVED, at=at, decided_by="dave")
    assert not store.transition(request.id, (State.PENDING,), State.DENIED, at=at, decided_by="dave", reason="no")
    assert store.transition(request.id, (State.APPROVED,), State.RUNNING, at=at)
    result = View("drained", (Fields((("evicted", "3"),)),))
    assert store.transition(request.id, (State.RUNNING,), State.SUCCEEDED, at=at, outcome="drained", result=result)
    got = store.get(request.id)
    assert got is not None
    assert (got.state, got.decided_by, got.outcome, got.result) == (State.SUCCEEDED, "bob", "drained", result)
    assert got.started_at == at and got.finished_at == at


def test_an_expired_request_cannot_be_approved(store: ApprovalStore) -> None:
    request = new()
    store.create(request)
    late = request.expires_at
    assert not store.transition(request.id, (State.PENDING,), State.APPROVED, at=late, not_expired_at=late)
    assert store.transition(request.id, (State.PENDING,), State.EXPIRED, at=late, decided_by="aksbot")
    assert [r.id for r in store.pending()] == []


def test_each_approver_counts_once(store: ApprovalStore) -> None:
    request = new()
    store.create(request)
    assert store.add_approval(request.id, "bob", T0)
    assert not store.add_approval(request.id, "bob", T0 + timedelta(seconds=1))
    assert store.add_approval(request.id, "dave", T0 + timedelta(seconds=2))
    got = store.get(request.id)
    assert got is not None and [a.approver for a in got.approvals] == ["bob", "dave"]
    store.transition(request.id, (State.PENDING,), State.CANCELLED, at=T0, decided_by="alice")
    assert not store.add_approval(request.id, "erin", T0)  # too late: only pending requests collect approvals


def test_cards_keep_the_requesters_card_first(store: ApprovalStore) -> None:
    request = new()
    store.create(request)
    store.add_card(request.id, MessageRef("C0APPROVALS", "2.0"), origin=False)
    store.add_card(request.id, MessageRef("C0OPS", "1.0"), origin=True)
    store.add_card(request.id, MessageRef("C0OPS", "1.0"), origin=True)  # a retried post is not a second card
    got = store.get(request.id)
    assert got is not None and got.cards == (MessageRef("C0OPS", "1.0"), MessageRef("C0APPROVALS", "2.0"))


def test_a_card_posted_as_a_reply_keeps_its_thread(store: ApprovalStore) -> None:
    """A card posted under the message whose button asked for it: the requester's notice and the progress lines
    go to that thread, which only the store remembers after a restart."""
    request = new()
    store.create(request)
    store.add_card(request.id, MessageRef("C0OPS", "1700.0002", thread="1700.0001"), origin=True)
    store.add_card(request.id, MessageRef("C0APPROVALS", "2.0"), origin=False)
    got = store.get(request.id)
    assert got is not None
    assert [(c.ts, c.thread, c.thread_root) for c in got.cards] == [
        ("1700.0002", "1700.0001", "1700.0001"),
        ("2.0", None, "2.0"),
    ]


def test_the_audit_is_append_only(store: ApprovalStore) -> None:
    request = new()
    store.create(request)
    store.append_audit(audit(request.id, AuditEvent.REQUESTED, "alice"))
    assert isinstance(store, SqliteApprovalStore | PostgresApprovalStore)
    for statement in (f"UPDATE {store.table('audit')} SET actor = 'mallory'", f"DELETE FROM {store.table('audit')}"):
        with pytest.raises((Upstream, sqlite3.IntegrityError, psycopg.Error)) as caught:
            store._run(statement)
        assert "append-only" in str(caught.value)
    [entry] = store.audit()
    assert entry.actor == "alice"


def test_audit_filters_and_order(store: ApprovalStore) -> None:
    a, b = new(), new(cluster="test")
    store.create(a)
    store.create(b)
    for i, (rid, event, actor, cluster) in enumerate(
        [
            (a.id, AuditEvent.REQUESTED, "alice", "prod"),
            (b.id, AuditEvent.REQUESTED, "alice", "test"),
            (a.id, AuditEvent.APPROVED, "bob", "prod"),
            (b.id, AuditEvent.CANCELLED, "alice", "test"),
        ]
    ):
        store.append_audit(audit(rid, event, actor, cluster, T0 + timedelta(seconds=i)))
    assert [e.event for e in store.audit()] == [
        AuditEvent.REQUESTED,
        AuditEvent.REQUESTED,
        AuditEvent.APPROVED,
        AuditEvent.CANCELLED,
    ]
    assert [e.event for e in store.audit(last=2)] == [AuditEvent.APPROVED, AuditEvent.CANCELLED]
    assert {e.actor for e in store.audit(user="bob")} == {"bob"}
    assert {e.request_id for e in store.audit(cluster="test")} == {b.id}
    assert len(store.audit(request_id=a.id, last=None)) == 2
    seqs = [e.seq for e in store.audit(last=None)]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4
    # Limited to the clusters a caller may see; `last` counts within them.
    assert [e.event for e in store.audit(last=1, clusters={"prod"})] == [AuditEvent.APPROVED]
    assert {e.cluster for e in store.audit(clusters={"prod", "test"})} == {"prod", "test"}
    assert store.audit(clusters=set()) == []


def test_the_schema_is_created_once_and_pending_requests_survive_a_reopen(
    store: ApprovalStore, database: Database
) -> None:
    request = new()
    store.create(request)
    again = database.open()  # a second start (or replica) over the same database
    try:
        [pending] = again.pending()
        assert pending.id == request.id and pending.preview == request.preview
    finally:
        again.close()


def test_an_unreachable_postgres_is_an_upstream_error() -> None:
    with pytest.raises(Upstream) as caught:
        PostgresApprovalStore("postgresql://postgres:Pw0rd@127.0.0.1:1/test", schema=unique_schema())
    message = str(caught.value.message)
    assert "cannot be reached" in message and "postgres@" not in message and "Pw0rd" not in message
    assert "AKSBOT_DATABASE_URL" in message and "port 1 failed" in message  # libpq's reason, not a class name


@pytest.mark.postgres
def test_a_postgres_mistake_says_which_and_never_the_password() -> None:
    """A database that does not exist and a URL that is no PostgreSQL URL were both "cannot be reached:
    OperationalError" / "ProgrammingError": the operator could not tell them apart."""
    with pytest.raises(Upstream, match='database "nosuchdb_aksbot" does not exist'):
        PostgresApprovalStore("postgresql://postgres:Pw0rd@127.0.0.1:5432/nosuchdb_aksbot", schema=unique_schema())
    for url in ("mysql://u:Pw0rd@127.0.0.1/test", "postgres//u:Pw0rd@127.0.0.1/test"):
        with pytest.raises(NotConfigured) as caught:
            open_store(url, Path("unused.sqlite3"))
        assert "must be a PostgreSQL URL" in str(caught.value.message) and "Pw0rd" not in str(caught.value.message)
