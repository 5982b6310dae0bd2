"""The incident desk's bed (`tests.support.incidents`) on a SQLite store of the test's own (`sqlite_store`), shared
by the modules that drive it through the dispatcher; the store's own tests run on both databases (`db`)."""

from __future__ import annotations

import pytest

from bot.approvals.store import SqliteApprovalStore
from tests.support.approvals import WORLD
from tests.support.incidents import Bed, make_bed


@pytest.fixture
def bed(sqlite_store: SqliteApprovalStore) -> Bed:
    WORLD.reset()
    return make_bed(sqlite_store)
