"""The two databases the bot's store runs on, for tests that must hold on both: a SQLite file, and a schema of its
own in the PostgreSQL server on 127.0.0.1:5432 (dropped afterwards).

`database` is the parametrised fixture (import it into a test module, or use `tests/conftest.py`'s); `open()`
opens another store over the same database, as a second replica or a restart would. `sqlite_store` is a SQLite store
of the test's own, for tests of what stands above the store (the workflow, the incident desk), which need not run
twice."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.approvals.store import PostgresApprovalStore, SqlApprovalStore, SqliteApprovalStore
from tests.support.approvals import POSTGRES_URL, unique_schema


@dataclass(frozen=True)
class Database:
    kind: str  # "sqlite" | "postgres"
    sqlite_path: Path | None = None
    schema: str | None = None

    def open(self) -> SqlApprovalStore:
        if self.sqlite_path is not None:
            return SqliteApprovalStore(self.sqlite_path)
        assert self.schema is not None
        return PostgresApprovalStore(POSTGRES_URL, schema=self.schema)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        yield Database("sqlite", sqlite_path=tmp_path / "store.sqlite3")
        return
    schema = unique_schema()
    yield Database("postgres", schema=schema)
    cleanup = PostgresApprovalStore(POSTGRES_URL, schema=schema)
    cleanup.drop()
    cleanup.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqliteApprovalStore]:
    store = SqliteApprovalStore(tmp_path / "approvals.sqlite3")
    yield store
    store.close()


@pytest.fixture
def db(database: Database) -> Iterator[SqlApprovalStore]:
    """A store over `database`, closed afterwards."""
    opened = database.open()
    yield opened
    opened.close()


def start_together(database: Database, create: Callable[[SqlApprovalStore], object], replicas: int = 4) -> list[
    SqlApprovalStore
]:
    """Open `replicas` stores over `database` and run `create` (a store's constructor: its tables are made on start)
    on each at once, as replicas starting together do; the opened stores (the caller closes them). Fails with the
    first error a start raised."""
    dbs = [database.open() for _ in range(replicas)]
    errors: list[BaseException] = []

    def start(db: SqlApprovalStore) -> None:
        try:
            create(db)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(db,)) for db in dbs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [], errors
    return dbs
