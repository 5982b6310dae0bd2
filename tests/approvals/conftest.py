"""The approval workflow on a private registry (`tests.support.approvals`): its store, clock, notifier and
workflow, shared by the modules that drive it through the dispatcher."""

from __future__ import annotations

import pytest

from bot.approvals.store import SqliteApprovalStore
from bot.approvals.workflow import ApprovalWorkflow
from bot.clock import ManualClock
from tests.support.approvals import RecordingNotifier, make_workflow


@pytest.fixture
def store(sqlite_store: SqliteApprovalStore) -> SqliteApprovalStore:
    return sqlite_store


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def workflow(store: SqliteApprovalStore, clock: ManualClock, notifier: RecordingNotifier) -> ApprovalWorkflow:
    return make_workflow(store, clock, notifier)
