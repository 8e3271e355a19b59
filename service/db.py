"""Engine creation and schema migration. regsync brings the schema up to date itself on every start, after
checking that a SQLite file is its user's alone (service.dbfile)."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from service.dbfile import DatabaseExposed, check_private, create_private, sqlite_file
from service.resources import migration_head, migrations_dir

# Any constant will do: it only has to be the same for every regsync instance sharing the database.
_MIGRATION_LOCK_KEY = 7_235_001


def create_db_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        file = sqlite_file(url)
        if file is not None:
            create_private(file)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest revision (a no-op when it already is: checked without Alembic, whose import
    costs every command a few tenths of a second)."""
    if current_revision(engine) == migration_head():
        return
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def open_database(url: str) -> Engine:
    guard_database_file(url)
    engine = create_db_engine(url)
    migrate(engine)
    return engine


def guard_database_file(url: str) -> None:
    """A SQLite file created private, and refused (exit 2, noted in its audit log) if other users may open it."""
    file = sqlite_file(url)
    if file is None:
        return
    create_private(file)
    try:
        check_private(file)
    except DatabaseExposed as exc:
        from service.audit import current_command, record_refused_start

        engine = create_db_engine(url)
        try:
            record_refused_start(engine, str(exc).splitlines()[0], *current_command())
        except SQLAlchemyError as failed:  # a file that cannot be written (0444): the refusal stands, unnoted
            from service.redact import describe_error

            raise DatabaseExposed(f"{exc}\n  (Not noted in the audit log: {describe_error(failed)[:200]}.)") from exc
        finally:
            engine.dispose()
        raise
