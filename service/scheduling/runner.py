"""One fire of a job, from claim to notification.

claim the fire (one row per job and scheduled time: exactly one instance gets it)
  -> take the job's lock (none: the previous run still runs; this fire is recorded as skipped)
  -> mark the job's runs left "running" by a dead process as failed, and remove their partial files
  -> the work (service.scheduling.work), retried with backoff when the failure is transient
  -> record how it ended; send the email when [smtp] asks for this outcome
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service.atomic import sweep_partial_files
from service.config import Config
from service.errors import ServiceError
from service.models import Artifact, JobRun, Snapshot
from service.redact import describe_error, redact_text
from service.scheduling.locks import JobLock, try_lock_job
from service.scheduling.notify import EmailNotSent, deadline_message, run_message, send_email
from service.scheduling.records import (
    ABANDONED,
    FAILED,
    SKIPPED,
    RunEnd,
    claim_fire,
    fail_interrupted_runs,
    finish_run,
    record_missed,
)
from service.scheduling.retry import backoff_seconds, is_transient
from service.scheduling.work import Abandoned, run_job_work

log = logging.getLogger("regsync.scheduler")
# How long a fire waits for its job's lock before taking the job to be running still (recovery holds it for
# milliseconds; a run for seconds or more).
LOCK_WAIT_SECONDS = 5.0
# A failed run's summary names its cause as the command line's exit code for that error does (service/cli.py).
FAILURE_KINDS = {2: "bad input or configuration", 3: "the output could not be produced"}


def instance_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class JobRunner:
    def __init__(self, engine: Engine, config: Config, *, stop: threading.Event | None = None) -> None:
        self.engine = engine
        self.config = config
        self.stop = stop or threading.Event()
        self.instance = instance_name()

    def fire(self, job_id: str, scheduled_at: datetime) -> JobRun | None:
        """Run the fire of `job_id` at `scheduled_at`, unless another instance claimed it (then None)."""
        job = self.config.jobs.get(job_id)
        if job is None:
            log.warning("job %s fired but is no longer in %s; ignored", job_id, self.config.path)
            return None
        run_id = claim_fire(self.engine, job_id, job.trial_id, scheduled_at, self.instance, now=_now())
        if run_id is None:
            log.info("%s at %s: claimed by another instance", job_id, _stamp(scheduled_at))
            return None
        lock = self._wait_for_lock(job_id)
        if lock is None:
            summary = "skipped: the previous run of this job is still running"
            log.info("%s at %s (run %d): %s", job_id, _stamp(scheduled_at), run_id, summary)
            return finish_run(self.engine, run_id, RunEnd(SKIPPED, summary), now=_now())
        try:
            self._recover(job_id, keep=run_id, at_start=False)
            log.info("%s at %s (run %d): executing on %s", job_id, _stamp(scheduled_at), run_id, self.instance)
            run = finish_run(self.engine, run_id, self._attempts(job_id, run_id), now=_now())
        finally:
            lock.release()
        log.info("%s at %s (run %d): %s", job_id, _stamp(scheduled_at), run_id, run.summary)
        self._notify(run)
        self._announce_deadlines(job.trial_id)
        return run

    def _wait_for_lock(self, job_id: str) -> JobLock | None:
        """The job's lock, waiting a few seconds for it: at start-up every instance takes each job's lock for a
        moment to recover cut-off runs, and a fire claimed in that moment (a catch-up fire) must still run. A
        previous run of the job that is really still running holds it for longer, and the fire is skipped."""
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while (lock := try_lock_job(self.engine, job_id)) is None:
            if time.monotonic() > deadline or self.stop.wait(0.1):
                return None
        return lock

    def record_missed(self, job_id: str, scheduled_at: datetime) -> None:
        job = self.config.jobs.get(job_id)
        grace = self.config.scheduler.misfire_grace_seconds
        if job is not None and record_missed(self.engine, job_id, job.trial_id, scheduled_at, self.instance,
                                             now=_now(), grace=grace) is not None:  # fmt: skip
            log.warning("%s at %s: missed (the service was down past the grace period)", job_id, _stamp(scheduled_at))

    def recover_all(self) -> None:
        """At start: every job's runs left running by a process that is gone are marked failed."""
        for job_id in self.config.jobs:
            lock = try_lock_job(self.engine, job_id)
            if lock is None:
                continue  # another live instance is running it
            try:
                self._recover(job_id, keep=None, at_start=True)
            finally:
                lock.release()

    def _recover(self, job_id: str, *, keep: int | None, at_start: bool) -> None:
        interrupted = fail_interrupted_runs(self.engine, job_id, keep=keep, instance=self.instance, now=_now())
        for run in interrupted:
            log.warning("%s: run %s (fire %s, on %s) was cut off; marked failed", job_id, run.id,
                        _stamp(run.scheduled_at), run.instance)  # fmt: skip
        job = self.config.jobs.get(job_id)
        if (interrupted or at_start) and job is not None:
            for path in sweep_partial_files(self.config.output_dir / job.trial_id, own_pid_is_stale=at_start):
                log.warning("%s: removed the partial file %s", job_id, path)

    def _attempts(self, job_id: str, run_id: int) -> RunEnd:
        job = self.config.jobs[job_id]
        settings = self.config.scheduler
        attempt = 0
        while True:
            attempt += 1
            try:
                return run_job_work(self.engine, self.config, job, run_id, self.stop, attempt=attempt)
            except Abandoned as stopped:
                done = f"; finished: {', '.join(stopped.done)}" if stopped.done else ""
                summary = f"abandoned: the service was stopping; not produced: {', '.join(stopped.pending)}{done}"
                return RunEnd(ABANDONED, summary, str(stopped), attempts=attempt)
            except Exception as exc:
                if self.stop.is_set():
                    return RunEnd(ABANDONED, "abandoned: the service was stopping", _message(exc), attempts=attempt)
                if not is_transient(exc) or attempt > settings.retries:
                    kind = FAILURE_KINDS.get(exc.exit_code, "error") if isinstance(exc, ServiceError) else "error"
                    tries = f" after {attempt} attempts" if attempt > 1 else ""
                    log.error("%s (run %d) failed%s: %s", job_id, run_id, tries, _message(exc))
                    if not isinstance(exc, ServiceError):
                        log.debug("%s", "".join(traceback.format_exception(exc)))
                    return RunEnd(FAILED, f"failed ({kind}){tries}", _message(exc), attempts=attempt)
                wait = backoff_seconds(settings.retry_backoff_seconds, attempt)
                log.warning("%s (run %d): transient failure (%s); retrying in %d s", job_id, run_id,
                            _message(exc), wait)  # fmt: skip
                if self.stop.wait(wait):
                    return RunEnd(ABANDONED, "abandoned: the service stopped while waiting to retry", _message(exc),
                                  attempts=attempt)  # fmt: skip

    def _notify(self, run: JobRun) -> None:
        smtp = self.config.smtp
        if smtp is None or run.status not in smtp.notify_on:
            return
        with Session(self.engine) as session:
            snapshot = session.get(Snapshot, run.snapshot_id) if run.snapshot_id else None
            artifacts = list(session.exec(select(Artifact).where(col(Artifact.id).in_(run.artifact_ids))))
        try:
            send_email(smtp, run_message(smtp, run, snapshot, artifacts))
            log.info("%s (run %s): email sent to %s", run.job_id, run.id, ", ".join(smtp.recipients))
        except Exception as exc:
            said = str(exc) if isinstance(exc, EmailNotSent) else describe_error(exc)
            log.error("%s (run %s): email not sent: %s", run.job_id, run.id, said)

    def _announce_deadlines(self, trial_id: str) -> None:
        """Registry duties that have reached a lead time: logged and emailed once (service.scheduling.
        deadline_notices). A failure here never changes the run's outcome."""
        from service.scheduling.deadline_notices import announce_deadlines

        today = _now().date()
        try:
            notices = announce_deadlines(self.engine, self.config, trial_id, today)
        except Exception as exc:
            log.error("%s: registry deadlines not checked: %s", trial_id, _message(exc))
            return
        for notice in notices:
            log.warning("registry deadline: %s", notice.line(today))
        smtp = self.config.smtp
        if notices and smtp is not None:
            try:
                send_email(smtp, deadline_message(smtp, trial_id, [n.line(today) for n in notices]))
            except Exception as exc:
                said = str(exc) if isinstance(exc, EmailNotSent) else describe_error(exc)
                log.error("%s: deadline email not sent: %s", trial_id, said)


def _message(exc: BaseException) -> str:
    """The error as the run record, the log and the email keep it: a ServiceError's own words, anything else as
    its type and first line (a database error without the statement's parameters), secrets redacted."""
    return redact_text(str(exc)) if isinstance(exc, ServiceError) else describe_error(exc)


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S%z}"


def run_fire(job_id: str, scheduled_at: datetime | None = None, runner: JobRunner | None = None) -> str | None:
    """The function every job in the job store names; FireExecutor supplies the fire's time and the runner (the
    defaults exist only because APScheduler checks a job's function can be called with the job's own args)."""
    if scheduled_at is None or runner is None:
        raise RuntimeError("run_fire is called by service.scheduling.executor.FireExecutor, which passes the fire")
    run = runner.fire(job_id, scheduled_at)
    return run.status if run is not None else None


RUN_FIRE = f"{__name__}:run_fire"


def failure_exit_code(run: JobRun) -> int:
    """The exit code `regsync run` gives a failed run: 2 for bad input or configuration, else 3."""
    return 2 if (run.summary or "").startswith(f"failed ({FAILURE_KINDS[2]})") else 3
