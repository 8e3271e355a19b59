"""The SQLite database file's protection (service.dbfile): created 0600 in a folder created 0700, whatever the
umask; refused, by every command, when another user may open it, with the chmod that fixes it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from service.db import create_db_engine, open_database
from service.dbfile import sqlite_file
from tests.conftest import database_fingerprint


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask under which SQLite would make its file readable by everyone (0644)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_folder_are_their_users_alone(tmp_path: Path, usual_umask: None) -> None:
    file = tmp_path / "var" / "regsync.db"
    engine = open_database(f"sqlite:///{file}")
    with engine.begin() as connection:  # a write, so that the write-ahead log and its index exist
        connection.execute(text("INSERT INTO trial (id, title, public_title, created_at, updated_at) "
                                "VALUES ('t', '', '', '2026-01-01', '2026-01-01')"))  # fmt: skip
        companions = [file.with_name(file.name + suffix) for suffix in ("-wal", "-shm")]
        assert all(path.exists() for path in companions)
        assert [_mode(path) for path in companions] == [0o600, 0o600]  # SQLite gives them the file's mode
    assert (_mode(file.parent), _mode(file)) == (0o700, 0o600)
    engine.dispose()


@pytest.mark.parametrize(
    ("what", "mode", "first_line"),
    [
        ("file", 0o644, "{path}: the database file can be read by other users (mode 0644)"),
        ("file", 0o640, "{path}: the database file can be read by other users (mode 0640)"),
        ("file", 0o620, "{path}: the database file can be changed by other users (mode 0620)"),
        ("folder", 0o755, "{path}: the database folder can be read by other users (mode 0755)"),
        ("-wal", 0o644, "{path}: the database file can be read by other users (mode 0644)"),
    ],
)
@pytest.mark.parametrize("command", [("trials",), ("snapshots", "tiny"), ("artifacts", "tiny")])
def test_a_database_other_users_may_open_is_refused_with_the_fix(  # type: ignore[no-untyped-def]
    run_cli, tmp_path: Path, tiny: Path, what: str, mode: int, first_line: str, command: tuple[str, ...]
) -> None:
    """`trials` and `snapshots` read through the quick driver (service.quickdb), `artifacts` through SQLAlchemy."""
    folder = tmp_path / "db"
    url = f"sqlite:///{folder / 'regsync.db'}"
    assert run_cli("import", "tiny", "--source", str(tiny), db_url=url).exit_code == 0
    file = sqlite_file(url)
    assert file is not None
    engine = create_db_engine(url)
    before = database_fingerprint(engine)
    path = {"file": file, "folder": folder, "-wal": file.with_name(file.name + "-wal")}[what]
    path.touch()
    path.chmod(mode)

    result = run_cli(*command, db_url=url)

    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.splitlines()[0] == "error: " + first_line.format(path=path)
    fix = 700 if what == "folder" else 600
    assert result.stderr.splitlines()[1].endswith(f"Run: chmod {fix} '{path}'")
    after = database_fingerprint(engine)
    assert {table for table in after if after[table] != before[table]} == {"audit_log"}
    (entry,) = [row for row in after["audit_log"] if row not in before["audit_log"]]
    assert "'refused: database exposed'" in entry
    path.chmod(0o700 if what == "folder" else 0o600)
    assert run_cli(*command, db_url=url).exit_code == 0  # fixed as the message says
    engine.dispose()


def test_postgresql_is_left_to_its_roles(postgres_url: str) -> None:
    assert sqlite_file(postgres_url) is None
    open_database(postgres_url).dispose()
