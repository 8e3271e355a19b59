"""Read-only queries for the listing commands (trials, snapshots, jobs, status) through the database's own
DB-API driver, so that they start in a fraction of a second: SQLAlchemy alone takes 0.3–0.4 s to import on this
machine, and SQLModel with pydantic more.

The queries read the tables service.models defines (tests/test_cli_listing.py checks they list what the ORM
does). A database whose schema is not at HEAD_REVISION (new, or older than this software) is first brought up to
date the usual way (service.db.open_database), which does import SQLAlchemy: that happens once.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from service.dbfile import DatabaseExposed, check_private, create_private, sqlite_file

# The newest Alembic revision (service/migrations/versions); tests/test_migrations.py checks it is the head.
HEAD_REVISION = "0008"
_SQLITE = "sqlite:///"


@dataclass
class QuickDatabase:
    connection: Any
    dialect: str  # "sqlite" or "postgresql"
    url: str

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """`sql` with ? placeholders, on either database."""
        if self.dialect == "postgresql":
            sql = sql.replace("?", "%s")
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql, tuple(parameters))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    @property
    def sqlite_file(self) -> str | None:
        return self.url[len(_SQLITE) :] if self.dialect == "sqlite" else None


@contextmanager
def quick_database(url: str) -> Iterator[QuickDatabase]:
    """The database at `url`, its schema up to date, for reading."""
    database = _connect(url)
    try:
        if not _at_head(database):
            database.connection.close()
            from service.db import open_database

            open_database(url).dispose()
            database = _connect(url)
        yield database
    finally:
        database.connection.close()


def _connect(url: str) -> QuickDatabase:
    if url.startswith(_SQLITE):
        file = url[len(_SQLITE) :]
        path = sqlite_file(url)
        if path is not None:
            create_private(path)
            try:
                check_private(path)
            except DatabaseExposed:
                from service.db import guard_database_file

                guard_database_file(url)  # refuses again, and notes the refusal in the audit log
                raise
        return QuickDatabase(sqlite3.connect(file, timeout=30), "sqlite", url)
    scheme, _, rest = url.partition("://")
    if scheme.split("+")[0] not in ("postgresql", "postgres"):
        raise ValueError(f"unsupported database URL scheme '{scheme}'")
    import psycopg

    return QuickDatabase(psycopg.connect(f"postgresql://{rest}", autocommit=True), "postgresql", url)


def _at_head(database: QuickDatabase) -> bool:
    try:
        found = database.rows("SELECT version_num FROM alembic_version")
    except Exception:  # no such table: a new database (PostgreSQL's connection is in autocommit)
        return False
    return [row[0] for row in found] == [HEAD_REVISION]


def as_datetime(value: Any) -> datetime | None:
    """A stored timestamp (naive UTC: SQLite keeps text, PostgreSQL a timestamp)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def as_epoch(value: Any) -> datetime | None:
    """APScheduler's next_run_time: seconds since the epoch, or NULL when paused."""
    return datetime.fromtimestamp(float(value), UTC) if value is not None else None
