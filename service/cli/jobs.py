"""The scheduler's commands: serve, runs, run (jobs and status are in service.cli.listing)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import UTC, datetime

import click

from service.cli.context import AppContext
from service.errors import ConfigError
from service.models import JobRun
from service.scheduling.records import ABANDONED, FAILED, recent_runs
from service.scheduling.runner import JobRunner, failure_exit_code
from service.scheduling.serve import serve, set_from_signal_handler


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )
    for quiet in ("apscheduler", "alembic"):
        logging.getLogger(quiet).setLevel(logging.WARNING)


@click.command("serve")
@click.pass_obj
def serve_command(app: AppContext) -> None:
    """Run the scheduled jobs until stopped (SIGTERM or Ctrl-C finish the current step first)."""
    configure_logging()
    if not app.config.jobs:
        logging.getLogger("regsync.scheduler").warning("no [jobs] in %s: nothing will run", app.config.path)
    serve(app.engine, app.config)


@click.command("runs")
@click.option("--job", "job_id", default=None, help="Only this job's runs.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True, help="How many, newest first.")
@click.pass_obj
def runs_command(app: AppContext, job_id: str | None, limit: int) -> None:
    """List recent runs, newest first: id, job, fire time, status, snapshot, files, summary."""
    runs = recent_runs(app.engine, job_id, limit)
    if not runs:
        click.echo("no runs yet")
    for run in runs:
        click.echo(_run_line(run))


def _run_line(run: JobRun) -> str:
    took = f"{(run.finished_at - run.started_at).total_seconds():.1f} s" if run.finished_at and run.started_at else "-"
    error = f"\terror: {run.error.splitlines()[0]}" if run.error else ""
    return (
        f"{run.id}\t{run.job_id}\t{run.scheduled_at:%Y-%m-%d %H:%M:%S}Z\t{run.status}\t{took}\t"
        f"snapshot {run.snapshot_id or '-'}\t{len(run.artifact_ids)} file(s)\t{run.summary or ''}{error}"
    )


@click.command("run")
@click.argument("job_id", metavar="JOB")
@click.pass_obj
def run_command(app: AppContext, job_id: str) -> None:
    """Fire JOB once now, in this process, as the scheduler would."""
    if job_id not in app.config.jobs:
        known = ", ".join(app.config.jobs) or "none"
        raise ConfigError(f"no job '{job_id}' in {app.config.path or 'the configuration'}\n  Jobs: {known}.")
    configure_logging()
    stop = threading.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = [
        signal.signal(s, lambda *_: set_from_signal_handler(stop)) for s in signals
    ]  # finish the step, record "abandoned"
    try:
        run = JobRunner(app.engine, app.config, stop=stop).fire(job_id, datetime.now(UTC))
    finally:
        for stopping, handler in zip(signals, previous, strict=True):
            signal.signal(stopping, handler)
    if run is None:  # only if another instance inserted the same microsecond
        raise click.ClickException("the fire was claimed by another instance")
    click.echo(_run_line(run))
    if run.status == FAILED:
        raise click.exceptions.Exit(failure_exit_code(run))
    if run.status == ABANDONED:
        raise click.exceptions.Exit(130)
