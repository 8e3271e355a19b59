"""`regsync serve` as real processes: schedules fire on time, unchanged data is skipped, a change gives new
artifacts, kill -9 leaves no partial artifact and a failed record, SIGTERM stops between steps, missed fires
are coalesced, and three instances on PostgreSQL run each fire exactly once."""

from __future__ import annotations

import hashlib
import itertools
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from service.db import open_database
from service.models import Artifact, JobRun
from tests.conftest import REPO
from tests.scheduling.helpers import change_one_adverse_event, files_under, runs_of, write_config
from tests.scheduling.service_process import ServeProcess, wait_for

pytestmark = pytest.mark.slow  # real regsync processes: make test-quick leaves them out


@pytest.fixture
def services() -> Iterator[list[ServeProcess]]:
    started: list[ServeProcess] = []
    yield started
    for service in started:
        service.ensure_stopped()


def finished(engine: Engine, count: int) -> list[JobRun] | None:
    runs = [run for run in runs_of(engine) if run.status != "running"]
    return runs if len(runs) >= count else None


def tables_made(engine: Engine) -> bool:
    """The run's first output is recorded: it is now past its import, into the reports."""
    with Session(engine) as session:
        return session.exec(select(Artifact).where(Artifact.kind == "tables")).first() is not None


def outputs_made(engine: Engine) -> int:
    """How many of the run's outputs are recorded."""
    with Session(engine) as session:
        return len(set(session.exec(select(Artifact.kind)).all()))


# A run with five outputs, produced two at a time in the job's order: once two are recorded, two more are under
# way and the last, dsmb-closed, is not yet begun (each takes far longer than the test takes to send a signal).
FIVE_OUTPUTS = ("tables", "ctgov", "irct", "dsmb-open", "dsmb-closed")


def whole_files_only(engine: Engine, folder: Path) -> None:
    """Every file under `folder` is a recorded artifact with its recorded sha256; no temporary file is left."""
    with Session(engine) as session:
        recorded = {Path(a.path): a.sha256 for a in session.exec(select(Artifact))}
    for path in files_under(folder):
        assert not path.name.endswith(".tmp"), f"partial file left: {path}"
        assert path.resolve() in recorded, f"unrecorded file: {path}"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == recorded[path.resolve()], f"damaged: {path}"


def test_a_schedule_fires_on_time_skips_unchanged_data_and_picks_up_a_change(
    db_url: str, tiny: Path, tmp_path: Path, services: list[ServeProcess]
) -> None:
    config = write_config(tmp_path, db_url, tiny, cron="*/2 * * * * *", outputs=("tables",))
    engine = open_database(db_url)
    service = ServeProcess(config, tmp_path / "serve.log")
    services.append(service)
    first, second = wait_for("two runs", lambda: finished(engine, 2), timeout=60)[:2]
    for run in (first, second):
        assert run.scheduled_at.second % 2 == 0 and run.scheduled_at.microsecond == 0
        assert run.started_at is not None and timedelta(0) <= run.started_at - run.scheduled_at < timedelta(seconds=2)
    assert second.scheduled_at - first.scheduled_at == timedelta(seconds=2)
    assert (first.status, second.status) == ("produced", "skipped"), service.text()
    assert second.summary is not None and second.summary.startswith("skipped: no change")

    change_one_adverse_event(tiny)
    changed = wait_for(
        "a run on the changed data",
        lambda: next(
            (r for r in runs_of(engine) if r.snapshot_id not in (None, first.snapshot_id) and r.status != "running"),
            None,
        ),
    )
    assert changed.status == "produced" and changed.artifact_ids
    folder = tmp_path / "out" / "tiny" / f"snapshot-{changed.snapshot_id}"
    assert (folder / "closed" / "tables" / "ae_soc_pt.csv").is_file()
    assert service.terminate() == 0
    whole_files_only(engine, tmp_path / "out")
    engine.dispose()


def test_kill_9_mid_run_leaves_no_partial_artifact_and_a_failed_record(
    db_url: str, tiny: Path, tmp_path: Path, services: list[ServeProcess]
) -> None:
    config = write_config(tmp_path, db_url, tiny, cron="*/5 * * * * *", outputs=("tables", "dsmb-open", "dsmb-closed"))
    engine = open_database(db_url)
    service = ServeProcess(config, tmp_path / "serve-1.log")
    services.append(service)

    def rendering() -> JobRun | None:
        runs = runs_of(engine)
        return runs[0] if runs and runs[0].status == "running" and tables_made(engine) else None

    victim = wait_for("a run past its tables, rendering", rendering, timeout=60, every=0.02)
    service.kill()
    assert [run.status for run in runs_of(engine)] == ["running"]
    status = subprocess.run([sys.executable, "-m", "service", "--config", str(config), "status"],
                            capture_output=True, text=True, cwd=REPO, timeout=60)  # fmt: skip
    assert status.returncode == 1 and status.stdout.startswith("nightly\tinterrupted\t"), status

    restarted = ServeProcess(config, tmp_path / "serve-2.log")
    services.append(restarted)
    wait_for("the cut-off run marked failed", lambda: runs_of(engine)[0].status == "failed", timeout=60)
    killed = runs_of(engine)[0]
    assert killed.id == victim.id and killed.error is not None and "cut off" in killed.error
    completing = wait_for(
        "a later run producing what the killed one did not",
        lambda: next((r for r in runs_of(engine)[1:] if r.status == "produced"), None),
        timeout=90,
    )
    assert completing.summary is not None and "dsmb-closed" in completing.summary
    assert "tables" not in completing.summary.split(" from ")[0]  # the whole tables of the killed run were kept
    assert restarted.terminate() == 0
    whole_files_only(engine, tmp_path / "out")
    folder = tmp_path / "out" / "tiny" / f"snapshot-{completing.snapshot_id}"
    assert {p.relative_to(folder).as_posix() for p in folder.glob("*/*")} >= {
        "closed/tables",
        "open/dsmb-open.pdf",
        "closed/dsmb-closed.pdf",
    }
    engine.dispose()


def test_sigterm_finishes_the_outputs_under_way_and_abandons_the_rest(
    db_url: str, tiny: Path, tmp_path: Path, services: list[ServeProcess]
) -> None:
    config = write_config(tmp_path, db_url, tiny, cron="*/5 * * * * *", outputs=FIVE_OUTPUTS)
    engine = open_database(db_url)
    service = ServeProcess(config, tmp_path / "serve.log")
    services.append(service)

    wait_for("two outputs of the first run", lambda: outputs_made(engine) >= 2, timeout=60, every=0.02)
    assert service.terminate() == 0, service.text()
    (run,) = runs_of(engine)
    assert run.status == "abandoned", service.text()
    assert run.summary is not None and "not produced: dsmb-closed" in run.summary
    folder = tmp_path / "out" / "tiny" / f"snapshot-{run.snapshot_id}"
    assert not (folder / "closed" / "dsmb-closed.pdf").exists()
    # What was under way was finished: every output the summary does not list as not produced is whole on disk.
    not_produced = run.summary.split("not produced: ")[1].split(";")[0].split(", ")
    assert outputs_made(engine) == len([kind for kind in FIVE_OUTPUTS if kind not in not_produced])
    whole_files_only(engine, tmp_path / "out")
    assert "SIGTERM received: finishing what is under way" in service.text()
    engine.dispose()


def missed_while_down(db_url: str, tiny: Path, tmp_path: Path, services: list[ServeProcess], *, grace: int,
                      down_after_last: float, instances: int = 1) -> tuple[list[JobRun], list[datetime]]:  # fmt: skip
    """Start serve so it schedules three fires 1 s apart some seconds ahead, stop it before the first, start it
    again (`instances` of it at once) `down_after_last` seconds after the last; returns the runs and the three fire
    times."""
    start = datetime.now(UTC).replace(microsecond=0)
    fires = [start + timedelta(seconds=offset) for offset in (12, 13, 14)]
    seconds = ",".join(str(moment.second) for moment in fires)
    config = write_config(tmp_path, db_url, tiny, cron=f"{seconds} * * * * *", outputs=("tables",),
                          extra=f"[scheduler]\nmisfire_grace_seconds = {grace}\n")  # fmt: skip
    engine = open_database(db_url)
    first = ServeProcess(config, tmp_path / "serve-1.log")
    services.append(first)
    wait_for("the job scheduled", lambda: "regsync serve:" in first.text(), timeout=30)
    assert first.terminate() == 0
    assert datetime.now(UTC) < fires[0], "the first instance took too long to start and stop; no fire was missed"
    assert runs_of(engine) == []
    time.sleep(max(0.0, (fires[-1] - datetime.now(UTC)).total_seconds() + down_after_last))
    restarted = [ServeProcess(config, tmp_path / f"serve-2-{index}.log") for index in range(instances)]
    services.extend(restarted)
    wait_for("the missed fires dealt with", lambda: finished(engine, 1), timeout=60)
    wait_for("every instance serving", lambda: all("regsync serve:" in s.text() for s in restarted), timeout=60)
    time.sleep(2.0)  # time for any wrongly repeated fire to show up
    for service in restarted:
        assert service.terminate() == 0
    runs = runs_of(engine)
    engine.dispose()
    return runs, fires


def test_fires_missed_while_down_are_coalesced_into_one_run_within_the_grace_period(
    db_url: str, tiny: Path, tmp_path: Path, services: list[ServeProcess]
) -> None:
    runs, fires = missed_while_down(db_url, tiny, tmp_path, services, grace=300, down_after_last=1.0)
    assert [(run.scheduled_at, run.status) for run in runs] == [(fires[-1], "produced")]  # the latest, once


@pytest.mark.postgres
def test_a_fire_missed_while_down_runs_once_when_three_instances_start_together(
    postgres_url: str, tiny: Path, tmp_path: Path, services: list[ServeProcess]
) -> None:
    """At start-up each instance takes each job's lock to recover cut-off runs while the others' schedulers claim
    the catch-up fire: the instance that claims it must run it, not record it as overlapping a run."""
    runs, fires = missed_while_down(postgres_url, tiny, tmp_path, services, grace=300, down_after_last=1.0,
                                    instances=3)  # fmt: skip
    assert [(run.scheduled_at, run.status, run.summary is not None and run.summary.startswith("produced"))
            for run in runs] == [(fires[-1], "produced", True)]  # fmt: skip


def test_fires_missed_past_the_grace_period_are_recorded_as_missed(
    db_url: str, tiny: Path, tmp_path: Path, services: list[ServeProcess]
) -> None:
    runs, fires = missed_while_down(db_url, tiny, tmp_path, services, grace=2, down_after_last=5.0)
    assert [(run.scheduled_at, run.status) for run in runs] == [(fires[-1], "missed")]
    assert runs[0].summary is not None and "past the grace period of 2 s" in runs[0].summary
    assert runs[0].snapshot_id is None


@pytest.mark.postgres
def test_three_instances_on_postgresql_run_each_of_20_fires_exactly_once(
    postgres_url: str, tiny: Path, tmp_path: Path, services: list[ServeProcess]
) -> None:
    config = write_config(tmp_path, postgres_url, tiny, cron="* * * * * *", outputs=("tables",))
    engine = open_database(postgres_url)
    for index in range(3):
        services.append(ServeProcess(config, tmp_path / f"serve-{index}.log"))
    wait_for("three instances serving", lambda: all("regsync serve:" in s.text() for s in services), timeout=90)
    all_up = datetime.now(UTC)
    wait_for("20 fires after all three started",
             lambda: len([r for r in runs_of(engine) if r.scheduled_at > all_up and r.status != "running"]) >= 21,
             timeout=120)  # fmt: skip
    for service in services:
        assert service.terminate() == 0

    runs = [r for r in runs_of(engine) if r.scheduled_at > all_up][:20]
    times = [r.scheduled_at for r in runs]
    assert [b - a for a, b in itertools.pairwise(times)] == [timedelta(seconds=1)] * 19, times  # none lost
    assert all(r.status in ("produced", "skipped") for r in runs), [(r.status, r.summary) for r in runs]
    assert all(r.summary != "skipped: the previous run of this job is still running" for r in runs)

    logs = "\n".join(s.text() for s in services)
    executed = Counter(re.findall(r"nightly at (\S+ \S+) \(run \d+\): executing", logs))
    for moment in times:
        assert executed[f"{moment:%Y-%m-%d %H:%M:%S%z}"] == 1, moment
    claimed_elsewhere = len(re.findall(r"nightly at \S+ \S+: claimed by another instance", logs))
    assert claimed_elsewhere > 0  # the instances really did race for fires, and the claim settled it
    assert len({r.instance for r in runs}) >= 2, Counter(r.instance for r in runs)
    engine.dispose()


def test_ctrl_c_during_run_job_finishes_the_outputs_under_way_and_records_the_run_abandoned(
    db_url: str, tiny: Path, tmp_path: Path
) -> None:
    config = write_config(tmp_path, db_url, tiny, outputs=FIVE_OUTPUTS)
    engine = open_database(db_url)
    process = subprocess.Popen([sys.executable, "-m", "service", "--config", str(config), "run", "nightly"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)  # fmt: skip
    try:
        wait_for("two outputs", lambda: outputs_made(engine) >= 2, timeout=60, every=0.02)
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130 and "\tabandoned\t" in out
    (run,) = runs_of(engine)
    assert run.status == "abandoned" and run.summary is not None and "not produced: dsmb-closed" in run.summary
    whole_files_only(engine, tmp_path / "out")
    engine.dispose()
