"""The masking key as stored (service.masking and migration 0006): sealed, so that the database holds no arm beside
its letter, and the same letters after the plain rows of revision 0005 are sealed."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, event, inspect, text

from service.db import create_db_engine, migrate, open_database
from service.importing import load_source
from service.masking import masking_key
from service.resources import migrations_dir
from service.snapshots import store_snapshot
from tests.conftest import FIXTURES

ARMS = ["Active", "Placebo"]


def _stored_tiny(engine: Engine) -> None:
    store_snapshot(engine, load_source(FIXTURES / "tiny", "tiny"), now=datetime(2026, 1, 1, tzinfo=UTC))


def test_the_database_file_alone_holds_no_arm_beside_its_letter(tmp_path: Path) -> None:
    file = tmp_path / "keys.db"
    engine = open_database(f"sqlite:///{file}")
    _stored_tiny(engine)
    key = masking_key(engine, "tiny", ARMS)
    assert sorted(key.values()) == ["A", "B"]
    engine.dispose()
    connection = sqlite3.connect(file)  # the file as anyone who can read it sees it, without regsync
    tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        for row in connection.execute(f'SELECT * FROM "{table}"'):
            values = {str(value) for value in row}
            for arm, letter in key.items():
                assert not (arm in values and {letter, f"Arm {letter}"} & values), (table, row)
            if table.startswith("masking_"):
                assert not values & {*ARMS, "A", "B", "Arm A", "Arm B"}, (table, row)
    connection.close()


def _alembic(engine: Engine, step: str, revision: str) -> None:
    config = AlembicConfig()
    config.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, step)(config, revision)


def test_plain_keys_are_sealed_by_the_migration_and_keep_their_letters(db_url: str) -> None:
    engine = create_db_engine(db_url)
    if db_url.startswith("sqlite"):  # as a SQLite built without SECURE_DELETE (Debian's has it on) would be
        event.listen(engine, "connect", lambda connection, _: connection.execute("PRAGMA secure_delete = OFF"))
    migrate(engine)
    _stored_tiny(engine)  # stored by today's models, then the schema taken back to 0005 around it
    _alembic(engine, "downgrade", "0005")
    with engine.begin() as connection:  # the key as revision 0005 stored it, with an arm no snapshot names any more
        connection.execute(text("INSERT INTO masking_key (trial_id, arm, letter, created_at) VALUES "
                                "('tiny', 'Active', 'B', :t), ('tiny', 'Placebo', 'C', :t), "
                                "('tiny', 'Retired arm ZQX', 'A', :t)"), {"t": datetime(2025, 1, 1)})  # fmt: skip
    migrate(engine)
    assert "masking_key" not in inspect(engine).get_table_names()
    assert masking_key(engine, "tiny", ["Active", "Placebo", "Retired arm ZQX"]) == {
        "Active": "B", "Placebo": "C", "Retired arm ZQX": "A"}  # fmt: skip
    if db_url.startswith("sqlite"):
        engine.dispose()  # the last connection closed: the write-ahead log is written back and removed
        file = Path(db_url.removeprefix("sqlite:///"))
        assert b"Retired arm ZQX" not in file.read_bytes()  # overwritten (secure_delete), not left in a free page
    # Back to 0005: the arms the snapshots name get their plain rows again; and forward, the same letters.
    _alembic(engine, "downgrade", "0005")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT arm, letter FROM masking_key ORDER BY arm")).all()
    assert [tuple(row) for row in rows] == [("Active", "B"), ("Placebo", "C")]
    migrate(engine)
    assert masking_key(engine, "tiny", ARMS) == {"Active": "B", "Placebo": "C"}
    engine.dispose()


def test_an_arm_added_later_gets_a_letter_left_and_the_others_keep_theirs(engine: Engine) -> None:
    _stored_tiny(engine)
    first = masking_key(engine, "tiny", ARMS)
    more = masking_key(engine, "tiny", [*ARMS, "High dose"])
    assert {arm: more[arm] for arm in ARMS} == first and more["High dose"] == "C"
