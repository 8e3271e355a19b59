"""A fire of a job, in process, on SQLite and PostgreSQL: claim, change detection, outputs, retries, overlap,
interrupted runs."""

from __future__ import annotations

import hashlib
import itertools
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from service.errors import RenderError
from service.models import Artifact, JobRun
from service.scheduling import work
from service.scheduling.locks import try_lock_job
from service.scheduling.records import claim_fire
from service.scheduling.runner import JobRunner
from tests.scheduling.helpers import change_one_adverse_event, config_for, files_under, runs_of

AT = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)


def test_a_fire_is_claimed_once(engine: Engine) -> None:
    first = claim_fire(engine, "nightly", "tiny", AT, "a:1", now=AT)
    again = claim_fire(engine, "nightly", "tiny", AT, "b:2", now=AT)
    other_time = claim_fire(engine, "nightly", "tiny", AT + timedelta(seconds=1), "b:2", now=AT)
    assert first is not None and other_time is not None and again is None
    assert [run.instance for run in runs_of(engine)] == ["a:1", "b:2"]


def test_first_run_produces_then_unchanged_data_is_skipped_then_a_change_gives_new_artifacts(
    engine: Engine, db_url: str, tiny: Path, tmp_path: Path
) -> None:
    config = config_for(tmp_path, db_url, tiny, outputs=("tables", "ctgov"))
    runner = JobRunner(engine, config)

    first = runner.fire("nightly", AT)
    assert first is not None and first.status == "produced", first
    folder = tmp_path / "out" / "tiny" / f"snapshot-{first.snapshot_id}"
    assert (folder / "registry" / "ctgov-results.xml").is_file() and (
        folder / "closed" / "tables" / "ae_soc_pt.csv"
    ).is_file()
    assert (tmp_path / "out" / "tiny" / "latest").resolve() == folder.resolve()
    with Session(engine) as session:
        recorded = list(session.exec(select(Artifact).where(Artifact.snapshot_id == first.snapshot_id)))
    assert sorted(first.artifact_ids) == sorted(a.id for a in recorded)
    for artifact in recorded:
        assert hashlib.sha256(Path(artifact.path).read_bytes()).hexdigest() == artifact.sha256
    before = {p: p.stat().st_mtime_ns for p in files_under(folder)}

    second = runner.fire("nightly", AT + timedelta(days=1))
    assert second is not None and second.status == "skipped"
    assert second.summary is not None and second.summary.startswith("skipped: no change")
    assert (second.snapshot_id, second.artifact_ids) == (first.snapshot_id, [])
    assert {p: p.stat().st_mtime_ns for p in files_under(folder)} == before

    change_one_adverse_event(tiny)
    third = runner.fire("nightly", AT + timedelta(days=2))
    assert third is not None and third.status == "produced"
    assert third.snapshot_id is not None and third.snapshot_id != first.snapshot_id
    new_folder = tmp_path / "out" / "tiny" / f"snapshot-{third.snapshot_id}"
    assert (new_folder / "registry" / "ctgov-results.xml").is_file()
    assert set(third.artifact_ids).isdisjoint(first.artifact_ids)
    assert {p: p.stat().st_mtime_ns for p in files_under(folder)} == before  # the earlier night's files stay
    assert (tmp_path / "out" / "tiny" / "latest").resolve() == new_folder.resolve()


def test_an_output_deleted_since_is_made_again(engine: Engine, db_url: str, tiny: Path, tmp_path: Path) -> None:
    config = config_for(tmp_path, db_url, tiny, outputs=("tables", "ctgov"))
    runner = JobRunner(engine, config)
    first = runner.fire("nightly", AT)
    assert first is not None
    xml = tmp_path / "out" / "tiny" / f"snapshot-{first.snapshot_id}" / "registry" / "ctgov-results.xml"
    xml.write_text("damaged", encoding="utf-8")
    again = runner.fire("nightly", AT + timedelta(days=1))
    assert again is not None and again.status == "produced"
    assert again.summary is not None and "produced ctgov from" in again.summary  # tables were intact: not redone
    assert xml.read_bytes().startswith(b"<?xml")


def test_bad_input_fails_at_once_without_retrying(engine: Engine, db_url: str, tiny: Path, tmp_path: Path) -> None:
    participants = tiny / "participants.csv"
    participants.write_text(participants.read_text(encoding="utf-8").replace("2020-01-10", "2020-13-10"), "utf-8")
    config = config_for(tmp_path, db_url, tiny, extra="[scheduler]\nretries = 3\nretry_backoff_seconds = 60\n")
    run = JobRunner(engine, config).fire("nightly", AT)
    assert run is not None and (run.status, run.attempts) == ("failed", 1)
    assert run.summary == "failed (bad input or configuration)"
    assert run.error is not None and "participants.csv" in run.error and "row 2" in run.error
    assert not (tmp_path / "out").exists()


def test_transient_errors_are_retried_with_backoff(
    engine: Engine, db_url: str, tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = config_for(tmp_path, db_url, tiny, extra="[scheduler]\nretries = 3\nretry_backoff_seconds = 1\n")
    real = work.run_job_work
    calls: list[float] = []

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(datetime.now(UTC).timestamp())
        if len(calls) <= 2:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
        return real(*args, **kwargs)

    monkeypatch.setattr("service.scheduling.runner.run_job_work", flaky)
    run = JobRunner(engine, config).fire("nightly", AT)
    assert run is not None and (run.status, run.attempts) == ("produced", 3)
    gaps = [later - earlier for earlier, later in itertools.pairwise(calls)]
    assert gaps[0] >= 1.0 and gaps[1] >= 2.0  # 1 s, then doubled


def test_a_render_over_its_memory_cap_fails_at_once_as_not_produced_not_as_bad_input(
    run_cli,
    db_url: str,
    tiny: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    from tests.scheduling.helpers import write_config

    config = write_config(tmp_path / "cfg", db_url, tiny, extra="[scheduler]\nretries = 3\n")
    calls = []

    def over_cap(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        raise RenderError("the report render exceeded its memory cap of 1024 MB and was stopped")

    monkeypatch.setattr("service.scheduling.runner.run_job_work", over_cap)
    ran = run_cli("--config", str(config), "run", "nightly")
    assert ran.exit_code == 3 and len(calls) == 1
    assert "\tfailed\t" in ran.stdout and "failed (the output could not be produced)" in ran.stdout


def test_transient_errors_give_up_after_the_configured_retries(
    engine: Engine, db_url: str, tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = config_for(tmp_path, db_url, tiny, extra="[scheduler]\nretries = 1\nretry_backoff_seconds = 1\n")

    def down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr("service.scheduling.runner.run_job_work", down)
    run = JobRunner(engine, config).fire("nightly", AT)
    assert run is not None and (run.status, run.attempts, run.summary) == (
        "failed",
        2,
        "failed (error) after 2 attempts",
    )
    assert run.error == "ConnectionRefusedError: [Errno 111] Connection refused"


def test_a_job_never_overlaps_itself(engine: Engine, db_url: str, tiny: Path, tmp_path: Path) -> None:
    config = config_for(tmp_path, db_url, tiny)
    held = try_lock_job(engine, "nightly")  # as a run in progress elsewhere holds it
    assert held is not None
    try:
        run = JobRunner(engine, config).fire("nightly", AT)
    finally:
        held.release()
    assert run is not None and run.status == "skipped"
    assert run.summary == "skipped: the previous run of this job is still running"
    assert run.snapshot_id is None and not (tmp_path / "out").exists()


def test_a_run_left_running_by_a_dead_process_is_marked_failed(
    engine: Engine, db_url: str, tiny: Path, tmp_path: Path
) -> None:
    config = config_for(tmp_path, db_url, tiny)
    stale = claim_fire(engine, "nightly", "tiny", AT, "gone-host:4242", now=AT)
    folder = tmp_path / "out" / "tiny" / "snapshot-9"
    folder.mkdir(parents=True)
    host = socket.gethostname().replace(".", "_")
    leftover = folder / f".dsmb-closed.pdf.{host}-999999.tmp"  # a dead writer's half file
    leftover.write_bytes(b"%PDF-1.7 half")
    JobRunner(engine, config).recover_all()
    (run,) = runs_of(engine)
    assert (run.id, run.status) == (stale, "failed")
    assert run.error is not None and "gone-host:4242" in run.error and "cut off" in run.error
    assert not leftover.exists()


def test_a_running_run_whose_lock_is_held_is_left_alone(
    engine: Engine, db_url: str, tiny: Path, tmp_path: Path
) -> None:
    config = config_for(tmp_path, db_url, tiny)
    claim_fire(engine, "nightly", "tiny", AT, "alive:1", now=AT)
    held = try_lock_job(engine, "nightly")
    assert held is not None
    try:
        JobRunner(engine, config).recover_all()
    finally:
        held.release()
    assert [run.status for run in runs_of(engine)] == ["running"]


def test_run_status_and_runs_commands(run_cli, db_url: str, tiny: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.scheduling.helpers import write_config

    config = write_config(tmp_path / "cfg", db_url, tiny)
    ran = run_cli("--config", str(config), "run", "nightly")
    assert ran.exit_code == 0, ran.stderr
    assert "\tnightly\t" in ran.stdout and "\tproduced\t" in ran.stdout
    status = run_cli("--config", str(config), "status")
    assert status.exit_code == 0 and status.stdout.startswith("nightly\tproduced\t")
    listed = run_cli("--config", str(config), "runs")
    assert listed.exit_code == 0 and len(listed.stdout.splitlines()) == 1
    jobs = run_cli("--config", str(config), "jobs")
    assert jobs.stdout.startswith("nightly\ttiny\t0 2 * * * (UTC)\tnext: ")

    participants = tiny / "participants.csv"
    participants.write_text(participants.read_text(encoding="utf-8").replace("2020-01-10", "2020-13-10"), "utf-8")
    failed = run_cli("--config", str(config), "run", "nightly")
    assert failed.exit_code == 2 and "\tfailed\t" in failed.stdout and "participants.csv" in failed.stdout
    status = run_cli("--config", str(config), "status")
    assert status.exit_code == 1 and status.stdout.startswith("nightly\tfailed\t")
    assert "last run not successful: nightly" in status.stderr
    assert run_cli("--config", str(config), "run", "nope").exit_code == 2


def test_status_reports_a_run_whose_process_is_gone(run_cli, db_url: str, tiny: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from service.db import open_database
    from tests.scheduling.helpers import write_config

    config = write_config(tmp_path / "cfg", db_url, tiny)
    engine = open_database(db_url)
    claim_fire(engine, "nightly", "tiny", AT, "gone:1", now=AT)
    engine.dispose()
    status = run_cli("--config", str(config), "status")
    assert status.exit_code == 1 and status.stdout.startswith("nightly\tinterrupted\t")


def test_missed_fires_are_recorded_once(engine: Engine, db_url: str, tiny: Path, tmp_path: Path) -> None:
    config = config_for(tmp_path, db_url, tiny)
    runner = JobRunner(engine, config)
    runner.record_missed("nightly", AT)
    runner.record_missed("nightly", AT)
    (run,) = runs_of(engine)
    assert run.status == "missed" and run.summary is not None and "past the grace period of 6.0 h" in run.summary
    assert isinstance(run, JobRun)
