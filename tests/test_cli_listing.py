"""The listing commands read through the database's own driver (service.quickdb); they must list what the
ORM holds, on SQLite and PostgreSQL, and bring a new or old database's schema up to date first."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from service.db import open_database
from service.importing import load_source
from service.resources import migration_head, migrations_dir
from service.scheduling.locks import try_lock_job
from service.scheduling.records import claim_fire
from service.snapshots import list_snapshots, list_trials, store_snapshot
from tests.scheduling.helpers import change_one_adverse_event, write_config

AT = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)


def test_the_quick_reader_knows_the_newest_migration() -> None:
    assert ScriptDirectory(str(migrations_dir())).get_current_head() == migration_head()


def _two_snapshots(engine: Engine, tiny: Path) -> None:
    store_snapshot(engine, load_source(tiny, "tiny"), now=AT)
    change_one_adverse_event(tiny)
    store_snapshot(engine, load_source(tiny, "tiny"), now=AT)


def test_trials_and_snapshots_list_what_the_orm_holds(engine: Engine, db_url: str, tiny: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    _two_snapshots(engine, tiny)
    ((trial, count),) = list_trials(engine)
    ids = ", ".join(i for i in (trial.nct_id, trial.irct_id) if i)
    assert run_cli("trials", db_url=db_url).stdout == f"tiny\t{count} snapshot(s)\t{ids}\t{trial.title}\n"
    expected = "".join(
        f"{s.id}\t{s.content_hash}\t{s.created_at:%Y-%m-%d %H:%M:%S}Z\t{s.source_format}\tcut-off "
        f"{s.data_cutoff or '-'}\t{s.counts['participants']} participants\t{s.counts['adverse_events']} AEs\t"
        f"{s.counts['lab_records']} lab records\n"
        for s in list_snapshots(engine, "tiny")
    )
    assert count == 2 and run_cli("snapshots", "tiny", db_url=db_url).stdout == expected
    missing = run_cli("snapshots", "other", db_url=db_url)
    assert missing.exit_code == 2 and "no snapshots for trial 'other'" in missing.stderr


def test_status_tells_a_live_run_from_one_whose_process_is_gone(
    engine: Engine, db_url: str, tiny: Path, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "cfg", db_url, tiny)
    claim_fire(engine, "nightly", "tiny", AT, "elsewhere:1", now=AT)

    def status() -> subprocess.CompletedProcess[str]:
        regsync = Path(sys.executable).parent / "regsync"
        return subprocess.run([str(regsync), "--config", str(config), "status"], capture_output=True, text=True,
                              check=False)  # fmt: skip

    lock = try_lock_job(engine, "nightly")  # as the running process would hold it
    assert lock is not None
    try:
        live = status()
        assert live.returncode == 0 and live.stdout.startswith("nightly\trunning\t2026-11-25 01:30:00Z"), live
    finally:
        lock.release()
    gone = status()
    assert gone.returncode == 1 and gone.stdout.startswith("nightly\tinterrupted\t2026-11-25 01:30:00Z"), gone


def test_a_new_database_is_migrated_before_it_is_listed(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'fresh' / 'new.db'}"
    assert run_cli("trials", db_url=url).stdout.startswith("no trials yet")
    assert run_cli("jobs", db_url=url).exit_code == 0
    open_database(url).dispose()  # already at the head: nothing to do
