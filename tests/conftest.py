"""Fixtures every test package may use: `database` (SQLite and PostgreSQL, parametrised) and `db` (a store on it)."""

from tests.support.databases import Database, database, db

__all__ = ["Database", "database", "db"]
