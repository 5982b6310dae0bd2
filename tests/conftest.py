"""Fixtures every test package may use: `database` (SQLite and PostgreSQL, parametrised), `db` (a store on it) and
`sqlite_store` (a SQLite store of the test's own).

The session keeps the knowledge base's analysis cache (`knowledge.analysis_cache`) in a directory of its own, for
every process it starts too: tests never read or write the user's `~/.cache`.
"""

import os
import shutil
import tempfile

import pytest

from tests.support.databases import Database, database, db, sqlite_store

__all__ = ["Database", "database", "db", "sqlite_store"]

_CACHE_DIR = "AKSBOT_CACHE_DIR"


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_cache_key] = (os.environ.get(_CACHE_DIR), tempfile.mkdtemp(prefix="aksbot-test-cache-"))
    os.environ[_CACHE_DIR] = config.stash[_cache_key][1]


def pytest_unconfigure(config: pytest.Config) -> None:
    before, made = config.stash[_cache_key]
    shutil.rmtree(made, ignore_errors=True)
    if before is None:
        os.environ.pop(_CACHE_DIR, None)
    else:
        os.environ[_CACHE_DIR] = before


_cache_key = pytest.StashKey[tuple[str | None, str]]()
