"""Exactly once under races: 50 simultaneous approvals of one request, through two dispatchers (two bot
replicas) sharing one database — on SQLite and on PostgreSQL — run the action once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.approvals.model import AuditEvent, State
from bot.approvals.store import ApprovalStore, PostgresApprovalStore, SqliteApprovalStore
from bot.clock import ManualClock
from bot.surface import Incoming, InputKind, MessageRef, Reply
from tests.support.approvals import POSTGRES_URL, WORLD, make_dispatcher, make_workflow, unique_schema

CLICKS = 50


class Quiet:
    def send(self, reply: Reply) -> MessageRef | None:
        return MessageRef("C0OPS", "card")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[ApprovalStore, ApprovalStore]]:
    if request.param == "sqlite":
        path = tmp_path / "shared.sqlite3"
        a, b = SqliteApprovalStore(path), SqliteApprovalStore(path)
        yield a, b
        a.close()
        b.close()
    else:
        schema = unique_schema()
        pa, pb = PostgresApprovalStore(POSTGRES_URL, schema=schema), PostgresApprovalStore(POSTGRES_URL, schema=schema)
        yield pa, pb
        pa.drop()
        pa.close()
        pb.close()


@pytest.mark.parametrize("required", [1, 2])
def test_fifty_simultaneous_approvals_run_the_action_once(
    two_stores: tuple[ApprovalStore, ApprovalStore], required: int
) -> None:
    WORLD.reset()
    WORLD.delay = 0.05  # a second execution, if any could start, would overlap the first
    clock = ManualClock()
    cluster = "vault" if required == 2 else "home"
    replicas = [make_dispatcher(make_workflow(store, clock)) for store in two_stores]
    first = replicas[0].handle(
        Incoming(f"/k8s switch off hall --cluster {cluster}", "alice", InputKind.SLASH, "C0OPS"), Quiet()
    )
    rid = first.view.buttons()[0].ref.args.request_id

    approvers = ("bob", "dave", "erin")
    barrier = threading.Barrier(CLICKS)
    statuses: list[str] = []
    lock = threading.Lock()

    def click(i: int) -> None:
        dispatcher = replicas[i % 2]
        barrier.wait()
        out = dispatcher.handle(Incoming(f"/k8s approve {rid}", approvers[i % 3], InputKind.SLASH, "C0OPS"), Quiet())
        with lock:
            statuses.append(out.status)

    threads = [threading.Thread(target=click, args=(i,)) for i in range(CLICKS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert WORLD.executions == ["hall by alice"]
    assert statuses == ["ok"] * CLICKS  # every click got an answer, none an internal error
    final = two_stores[1].get(rid)
    assert final is not None and final.state is State.SUCCEEDED
    assert len(final.approvals) >= required and len({a.approver for a in final.approvals}) == len(final.approvals)
    events = Counter(e.event for e in two_stores[0].audit(request_id=rid, last=None))
    assert events[AuditEvent.APPROVED] == 1
    assert events[AuditEvent.RUNNING] == 1
    assert events[AuditEvent.SUCCEEDED] == 1
    assert events[AuditEvent.APPROVAL] == len(final.approvals) <= 3  # at most one per distinct approver
