"""An APScheduler executor that tells the job which fire it is running.

APScheduler 3 calls a job's function without its scheduled time, but the time is what identifies a fire across
instances (the claim is on job + scheduled time). This executor runs the job's function in a thread pool, as
the stock ThreadPoolExecutor does, passing `scheduled_at` and the service's JobRunner; a fire later than the
job's misfire grace time is recorded as missed instead of run.
"""

from __future__ import annotations

import logging
import sys
import traceback
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job

from service.scheduling.runner import JobRunner


class FireExecutor(ThreadPoolExecutor):  # type: ignore[misc]
    def __init__(self, runner: JobRunner, max_workers: int = 4) -> None:
        super().__init__(max_workers)
        self._runner = runner

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        def done(future: Future[list[JobExecutionEvent]]) -> None:
            exc = future.exception()
            if exc is not None:
                self._run_job_error(job.id, exc, exc.__traceback__)
            else:
                self._run_job_success(job.id, future.result())

        self._pool.submit(run_fires, job, run_times, self._runner, self._logger.name).add_done_callback(done)


def run_fires(job: Job, run_times: list[datetime], runner: JobRunner, logger_name: str) -> list[JobExecutionEvent]:
    """What apscheduler.executors.base.run_job does, with the scheduled time passed on."""
    logger = logging.getLogger(logger_name)
    events = []
    for run_time in run_times:
        alias = job._jobstore_alias
        late = datetime.now(UTC) - run_time
        if job.misfire_grace_time is not None and late > timedelta(seconds=job.misfire_grace_time):
            runner.record_missed(job.id, run_time)
            events.append(JobExecutionEvent(EVENT_JOB_MISSED, job.id, alias, run_time))
            continue
        try:
            retval: Any = job.func(*job.args, scheduled_at=run_time, runner=runner, **job.kwargs)
        except BaseException:
            exc, tb = sys.exc_info()[1:]
            formatted = "".join(traceback.format_tb(tb))
            events.append(JobExecutionEvent(EVENT_JOB_ERROR, job.id, alias, run_time, exception=exc,
                                            traceback=formatted))  # fmt: skip
            logger.exception('job "%s" raised an exception', job.id)
        else:
            events.append(JobExecutionEvent(EVENT_JOB_EXECUTED, job.id, alias, run_time, retval=retval))
    return events
