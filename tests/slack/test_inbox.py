"""The Slack inbox on both stores: a copy of a kept delivery is dropped, a claim is exclusive, and a delivery
whose process died (its claim ran out, or it was never claimed) is handed to another process once."""

from __future__ import annotations

import time

import pytest

from bot.approvals.store import SqlApprovalStore
from bot.slack.inbox import SqlInbox

MENTION = {"event_id": "Ev0INBOX", "event": {"type": "app_mention", "text": "nodes"}}


@pytest.fixture
def store(db: SqlApprovalStore) -> SqlApprovalStore:
    return db


def test_a_copy_of_a_kept_delivery_is_dropped(store: SqlApprovalStore) -> None:
    a, b = SqlInbox(store, identity="a"), SqlInbox(store, identity="b")
    kept = a.accept("mention", MENTION)
    assert kept is not None and kept.key == "event:Ev0INBOX" and kept.body == MENTION
    assert b.accept("mention", MENTION) is None  # the retry, at the other replica


def test_the_accepting_replica_holds_the_claim_and_done_is_final(store: SqlApprovalStore) -> None:
    a, b = SqlInbox(store, identity="a"), SqlInbox(store, identity="b")
    kept = a.accept("slash", {"trigger_id": "1.2.abc", "text": "nodes"})
    assert kept is not None and kept.key is not None and kept.claimed
    assert not b.claim(kept.key) and a.claim(kept.key)  # its worker process shares the replica's identity
    a.done(kept.key)
    a.close()  # done marks are written in batches; close writes what is left
    assert not b.claim(kept.key) and not a.claim(kept.key)
    assert b.orphans() == []


def test_a_claim_that_ran_out_is_answered_by_another_replica_once(store: SqlApprovalStore) -> None:
    dead, alive = SqlInbox(store, identity="dead", lease_seconds=1), SqlInbox(store, identity="alive")
    kept = dead.accept("mention", MENTION)
    assert kept is not None and kept.key is not None
    assert alive.orphans() == []  # still within its lease
    time.sleep(1.1)
    found = alive.orphans()
    assert [(d.key, d.kind, d.body, d.claimed) for d in found] == [(kept.key, "mention", MENTION, True)]
    assert alive.orphans() == []  # claimed now, by the one that took it
    assert not dead.claim(kept.key)


def test_many_answers_are_marked_done_together(store: SqlApprovalStore) -> None:
    inbox = SqlInbox(store, identity="a", lease_seconds=1)
    keys = []
    for i in range(30):
        kept = inbox.accept("slash", {"trigger_id": f"1.2.{i}"})
        assert kept is not None and kept.key is not None
        keys.append(kept.key)
        inbox.done(kept.key)
    time.sleep(1.2)  # past the lease: anything not marked done would be an orphan now
    assert SqlInbox(store, identity="b").orphans() == []
    inbox.close()


def test_payloads_without_an_id_are_each_kept(store: SqlApprovalStore) -> None:
    inbox = SqlInbox(store)
    first, second = inbox.accept("slash", {"text": "nodes"}), inbox.accept("slash", {"text": "nodes"})
    assert first is not None and second is not None and first.key != second.key
