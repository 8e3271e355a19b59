"""The Alembic revisions build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from service.db import migrate


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_migrating_twice_is_harmless(engine: Engine) -> None:
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    assert {
        "trial",
        "snapshot",
        "arm",
        "participant",
        "adverse_event",
        "measurement",
        "exposure",
        "artifact",
        "job_run",
        "audit_log",
        "alembic_version",
    } <= tables


def test_the_head_read_from_file_names_is_alembics_head(engine: Engine) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from service.db import current_revision
    from service.resources import migration_head, migrations_dir

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    assert migration_head() == ScriptDirectory.from_config(config).get_current_head()
    assert current_revision(engine) == migration_head()
