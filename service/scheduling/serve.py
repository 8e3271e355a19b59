"""`regsync serve`: APScheduler with its job store in regsync's database, jobs kept in step with config.toml.

Every instance sharing the database runs this. The job store holds each job's next fire time, so a fire missed
while every instance was down is still due at the next start: it runs once (coalesced) if it is within the grace
period, and is recorded as missed otherwise. Which instance runs a fire is settled by the claim in job_run.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import FrameType

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from service.config import Config, JobConfig
from service.errors import ServiceError
from service.models import apscheduler_jobs
from service.outputs import OUTPUTS
from service.outputs.base import load_object
from service.redact import redact_url
from service.scheduling.executor import FireExecutor
from service.scheduling.locks import try_lock_job
from service.scheduling.runner import RUN_FIRE, JobRunner
from service.scheduling.triggers import cron_trigger

log = logging.getLogger("regsync.scheduler")
_SYNC_LOCK = "regsync:job-sync"
# A job may be fired while its previous run still runs; the runner records such a fire as skipped. This bound
# only stops a pile-up of those within one instance.
_MAX_CONCURRENT_FIRES = 4


def job_name(job: JobConfig) -> str:
    """What the job store keeps to tell whether config.toml changed the job's schedule."""
    return f"{job.trial_id} | {job.cron} | {job.timezone}"


def serve(engine: Engine, config: Config, stop: threading.Event | None = None) -> None:
    """Run until SIGTERM or SIGINT; then finish the current step of a running job, record it, and return."""
    stop = stop or threading.Event()
    _handle_stop_signals(stop)
    load_producers(config)
    runner = JobRunner(engine, config, stop=stop)
    runner.recover_all()
    scheduler = BackgroundScheduler(
        timezone=UTC,
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=apscheduler_jobs.name)},
        executors={"default": FireExecutor(runner, max_workers=max(4, len(config.jobs) + 2))},
    )
    scheduler.start(paused=True)
    try:
        with _sync_lock(engine):
            sync_jobs(scheduler, config)
        scheduler.resume()
        for job in scheduler.get_jobs():
            log.info("job %s: next fire %s", job.id, _stamp(job.next_run_time))
        log.info("regsync serve: %d job(s) on %s; instance %s", len(config.jobs), _safe_url(engine), runner.instance)
        while not stop.wait(1.0):
            pass
        log.info("stopping: a running job finishes its current step and is recorded")
    finally:
        scheduler.shutdown(wait=True)
    log.info("stopped")


def sync_jobs(scheduler: BackgroundScheduler, config: Config) -> None:
    """Make the job store hold exactly config.toml's jobs. A job whose schedule is unchanged is left alone, so its
    stored next fire time (perhaps a missed one) survives a restart."""
    grace = config.scheduler.misfire_grace_seconds
    for stored in scheduler.get_jobs():
        if stored.id not in config.jobs:
            scheduler.remove_job(stored.id)
            log.info("job %s: removed (no longer in the configuration)", stored.id)
    for job in config.jobs.values():
        stored = scheduler.get_job(job.job_id)
        if stored is not None and (stored.name, stored.func_ref) == (job_name(job), RUN_FIRE):
            if stored.misfire_grace_time != grace:  # the schedule stands, and with it a pending (missed) fire
                scheduler.modify_job(job.job_id, misfire_grace_time=grace)
            continue
        scheduler.add_job(
            RUN_FIRE,
            trigger=cron_trigger(job.cron, job.timezone),
            args=[job.job_id],
            id=job.job_id,
            name=job_name(job),
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=grace,
            max_instances=_MAX_CONCURRENT_FIRES,
        )
        log.info("job %s: %s (%s)", job.job_id, "changed" if stored else "added", job_name(job))


@contextmanager
def _sync_lock(engine: Engine, timeout: float = 60.0) -> Iterator[None]:
    """Instances starting together change the job store one at a time."""
    deadline = time.monotonic() + timeout
    while (lock := try_lock_job(engine, _SYNC_LOCK)) is None:
        if time.monotonic() > deadline:
            raise ServiceError("another instance held the job-sync lock for a minute; is one stuck starting?")
        time.sleep(0.2)
    try:
        yield
    finally:
        lock.release()


def load_producers(config: Config) -> None:
    """Import what the jobs' outputs are produced with now, before serving: the command line imports an output's
    code only when it is used, and seconds of imports (pandas, SciPy, the analysis) in a job's first fire would
    make a short-interval job's next fire find it still running."""
    for kind in sorted({kind for job in config.jobs.values() for kind in job.outputs}):
        load_object(OUTPUTS[kind].produce)


def set_from_signal_handler(event: threading.Event) -> None:
    """Set `event` from a signal handler. Not event.set() there: the handler runs in the main thread, which may be
    inside event.wait() holding the event's lock, and set() would then wait for that lock forever (seen: a
    SIGTERM that never stopped `regsync serve`). Another thread sets it as soon as the lock is free."""
    threading.Thread(target=event.set, name="regsync-stop", daemon=True).start()


def _handle_stop_signals(stop: threading.Event) -> None:
    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            log.warning("second %s: stopping now; a running job will be marked failed at the next start",
                        signal.Signals(signum).name)  # fmt: skip
            logging.shutdown()
            os._exit(1)
        log.info("%s received: finishing what is under way, then stopping", signal.Signals(signum).name)
        set_from_signal_handler(stop)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def _safe_url(engine: Engine) -> str:
    return redact_url(engine.url.render_as_string(hide_password=False))


def _stamp(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S %Z}" if moment else "none (paused)"
