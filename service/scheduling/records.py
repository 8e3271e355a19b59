"""The job_run table: one row per fire of a job, claimed by inserting it.

The row's (job_id, scheduled_at) is unique, so when several instances fire the same job at the same time the
database lets exactly one insert succeed; the others see that the fire is taken and do nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.models import JobRun
from service.scheduling.statuses import (  # noqa: F401 (the statuses, where the records are)
    ABANDONED,
    FAILED,
    MISSED,
    PRODUCED,
    RUNNING,
    SKIPPED,
    UNSUCCESSFUL,
)


@dataclass(frozen=True)
class RunEnd:
    status: str
    summary: str
    error: str | None = None
    snapshot_id: int | None = None
    artifact_ids: Sequence[int] = ()
    attempts: int = 0


def claim_fire(
    engine: Engine, job_id: str, trial_id: str, scheduled_at: datetime, instance: str, *, now: datetime
) -> int | None:
    """Insert the fire's row as running; None when another instance (or an earlier try) already has it."""
    run = JobRun(
        job_id=job_id,
        trial_id=trial_id,
        scheduled_at=scheduled_at,
        started_at=now,
        status=RUNNING,
        instance=instance,
    )
    try:
        with Session(engine) as session, session.begin():
            session.add(run)
            session.flush()
            return run.id
    except IntegrityError:
        return None


def record_missed(
    engine: Engine, job_id: str, trial_id: str, scheduled_at: datetime, instance: str, *, now: datetime, grace: int
) -> int | None:
    late = now - scheduled_at
    run_id = claim_fire(engine, job_id, trial_id, scheduled_at, instance, now=now)
    if run_id is not None:
        summary = (
            f"missed: the service was not running at the fire time; it came back {_duration(late.total_seconds())} "
            f"late, past the grace period of {_duration(grace)}"
        )
        finish_run(engine, run_id, RunEnd(MISSED, summary), now=now)
    return run_id


def note_snapshot(engine: Engine, run_id: int, snapshot_id: int) -> None:
    with Session(engine) as session, session.begin():
        run = session.get_one(JobRun, run_id)
        run.snapshot_id = snapshot_id


def finish_run(engine: Engine, run_id: int, end: RunEnd, *, now: datetime) -> JobRun:
    with Session(engine, expire_on_commit=False) as session, session.begin():
        run = session.get_one(JobRun, run_id)
        run.status = end.status
        run.summary = end.summary
        run.error = end.error
        run.finished_at = now
        run.attempts = end.attempts
        if end.snapshot_id is not None:
            run.snapshot_id = end.snapshot_id
        run.artifact_ids = list(end.artifact_ids)
        return run


def fail_interrupted_runs(
    engine: Engine, job_id: str, *, keep: int | None, instance: str, now: datetime
) -> list[JobRun]:
    """Mark the job's runs still recorded as running as failed. Call only while holding the job's lock: then
    none of them can be running, so each was cut off (its process killed or its machine stopped)."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        query = select(JobRun).where(JobRun.job_id == job_id, JobRun.status == RUNNING)
        if keep is not None:
            query = query.where(JobRun.id != keep)
        runs = list(session.exec(query))
        for run in runs:
            run.status = FAILED
            run.finished_at = now
            run.summary = "failed: interrupted; the process running it stopped before it finished"
            run.error = (
                f"the run on {run.instance} was cut off (killed, or its machine stopped) and was found by {instance}; "
                "whole outputs it wrote are kept, partial files were removed"
            )
        return runs


def jobs_with_running_runs(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(JobRun.job_id).where(JobRun.status == RUNNING).distinct()))


def recent_runs(engine: Engine, job_id: str | None = None, limit: int = 20) -> list[JobRun]:
    with Session(engine) as session:
        query = select(JobRun).order_by(col(JobRun.scheduled_at).desc(), col(JobRun.id).desc()).limit(limit)
        if job_id is not None:
            query = query.where(JobRun.job_id == job_id)
        return list(session.exec(query))


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds / 3600:.1f} h"
