"""The listing commands: trials, snapshots, jobs, status. They only read, through service.quickdb, so that they
start at once (README, 'Commands')."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import click

from service.cli.context import AppContext
from service.config import JobConfig
from service.errors import ConfigError, DataError
from service.quickdb import QuickDatabase, as_date, as_datetime, as_epoch, as_json, quick_database
from service.scheduling.statuses import RUNNING, UNSUCCESSFUL


@click.command("trials")
@click.pass_obj
def trials_command(app: AppContext) -> None:
    """List the trials in the database."""
    with quick_database(app.listing_config.database_url) as database:
        rows = database.rows(
            "SELECT t.id, t.nct_id, t.irct_id, t.title, COUNT(s.id) FROM trial t "
            "LEFT JOIN snapshot s ON s.trial_id = t.id GROUP BY t.id, t.nct_id, t.irct_id, t.title ORDER BY t.id"
        )
    if not rows:
        click.echo("no trials yet: run `regsync import TRIAL --source PATH` or `regsync demo`")
    for trial_id, nct_id, irct_id, title, count in rows:
        ids = ", ".join(i for i in (nct_id, irct_id) if i)
        click.echo(f"{trial_id}\t{count} snapshot(s)\t{ids}\t{title}")


@click.command("snapshots")
@click.argument("trial")
@click.pass_obj
def snapshots_command(app: AppContext, trial: str) -> None:
    """List a trial's snapshots, oldest first."""
    with quick_database(app.listing_config.database_url) as database:
        rows = database.rows(
            "SELECT id, content_hash, created_at, source_format, data_cutoff, counts FROM snapshot "
            "WHERE trial_id = ? ORDER BY id",
            (trial,),
        )
    if not rows:
        raise DataError(
            f"no snapshots for trial '{trial}'", hint="Import it first: regsync import TRIAL --source PATH."
        )
    for snapshot_id, content_hash, created_at, source_format, data_cutoff, counts in rows:
        counts = as_json(counts)
        click.echo(
            f"{snapshot_id}\t{content_hash}\t{as_datetime(created_at):%Y-%m-%d %H:%M:%S}Z\t{source_format}\t"
            f"cut-off {as_date(data_cutoff) or '-'}\t{counts['participants']} participants\t"
            f"{counts['adverse_events']} AEs\t{counts.get('lab_records', 0)} lab records"
        )


@click.command("jobs")
@click.pass_obj
def jobs_command(app: AppContext) -> None:
    """List the configured jobs, one a line, id first, with the next fire time."""
    with quick_database(app.listing_config.database_url) as database:
        stored = {job_id: as_epoch(when) for job_id, when in database.rows(
            "SELECT id, next_run_time FROM apscheduler_jobs")}  # fmt: skip
    now = datetime.now(UTC)
    for job in app.listing_config.jobs.values():
        click.echo(f"{job.job_id}\t{job.trial_id}\t{job.cron} ({job.timezone})\t{_next_fire(job, stored, now)}\t"
                   f"{','.join(job.outputs)}")  # fmt: skip
    if not app.listing_config.jobs:
        click.echo(f"no jobs: add a [jobs.ID] section to {app.listing_config.path or 'config.toml'}")


def _next_fire(job: JobConfig, stored: dict[str, datetime | None], now: datetime) -> str:
    zone = ZoneInfo(job.timezone)
    if job.job_id in stored:
        when = stored[job.job_id]
        if when is None:
            return "next: paused"
        overdue = " (overdue: runs when regsync serve starts, if within the grace period)" if when < now else ""
        return f"next: {_local(when, zone)}{overdue}"
    from service.scheduling.triggers import cron_trigger

    try:
        when = cron_trigger(job.cron, job.timezone).get_next_fire_time(None, now)
    except ValueError as exc:
        raise ConfigError(f"[jobs.{job.job_id}]: cron '{job.cron}': {exc}") from exc
    return f"next: {_local(when, zone)} (not yet scheduled: regsync serve has not run with this job)"


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M:%S %Z}"


@click.command("status")
@click.pass_obj
def status_command(app: AppContext) -> None:
    """Each job's last run; exits 1 when any job's last run failed (for monitoring)."""
    bad = []
    with quick_database(app.listing_config.database_url) as database:
        latest = _last_runs(database)
        for job_id in app.listing_config.jobs:
            run = latest.get(job_id)
            if run is None:
                click.echo(f"{job_id}\tnever run")
                continue
            status, scheduled_at, summary, error = run
            if status == RUNNING and not _locked(database, job_id):
                status = "interrupted"  # recorded as running, but nothing holds its lock: its process is gone
            if status in (*UNSUCCESSFUL, "interrupted"):
                bad.append(job_id)
            detail = f"\terror: {error.splitlines()[0]}" if error and status != RUNNING else ""
            click.echo(f"{job_id}\t{status}\t{as_datetime(scheduled_at):%Y-%m-%d %H:%M:%S}Z\t{summary or ''}{detail}")
    if bad:
        click.echo(f"last run not successful: {', '.join(bad)}", err=True)
        raise click.exceptions.Exit(1)


def _last_runs(database: QuickDatabase) -> dict[str, tuple[Any, ...]]:
    """Each job's latest run by fire time, missed fires included."""
    rows = database.rows(
        "SELECT r.job_id, r.status, r.scheduled_at, r.summary, r.error FROM job_run r JOIN "
        "(SELECT job_id, MAX(scheduled_at) AS at FROM job_run GROUP BY job_id) l "
        "ON r.job_id = l.job_id AND r.scheduled_at = l.at"
    )
    return {row[0]: row[1:] for row in rows}


def _locked(database: QuickDatabase, job_id: str) -> bool:
    """Whether a live process holds the job's lock (service.scheduling.locks), taken and released at once."""
    from service.scheduling.locks import ADVISORY_CLASS, advisory_key, file_lock_is_held, lock_file

    if database.dialect == "sqlite":
        return file_lock_is_held(lock_file(database.sqlite_file, job_id))
    key = advisory_key(job_id)
    (taken,) = database.rows("SELECT pg_try_advisory_lock(?, ?)", (ADVISORY_CLASS, key))[0]
    if taken:
        database.rows("SELECT pg_advisory_unlock(?, ?)", (ADVISORY_CLASS, key))
    return not taken
