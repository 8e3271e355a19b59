"""The render worker process: replies, errors, a worker that dies, and a parent that dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date

import pytest

from service.errors import RenderError
from service.reports.worker import RenderWorker
from tests.conftest import REPO

PAGE = "<html><body><p>Hello</p></body></html>"


def test_a_render_returns_the_pdf_and_the_workers_peak_memory() -> None:
    with RenderWorker(memory_mb=512) as worker:
        pdf = worker.render(PAGE, dated=date(2020, 1, 2))
    assert pdf.startswith(b"%PDF-")
    assert worker.peak_mb is not None and 10 < worker.peak_mb < 512
    assert worker._process.returncode == 0


def test_an_error_in_the_worker_is_raised_in_the_parent_as_itself() -> None:
    with RenderWorker() as worker, pytest.raises(TypeError):
        worker.render(PAGE, dated=date(2020, 1, 2), attachments={"t.csv": 12})  # type: ignore[dict-item]


def test_a_worker_that_dies_is_reported_not_waited_for() -> None:
    with RenderWorker() as worker:
        os.kill(worker._process.pid, signal.SIGKILL)
        with pytest.raises(RenderError, match="ended abruptly"):
            worker.render(PAGE, dated=date(2020, 1, 2))


def test_a_worker_not_asked_to_render_is_stopped_when_the_parent_fails() -> None:
    with pytest.raises(ValueError), RenderWorker() as worker:
        raise ValueError("the snapshot could not be read")
    assert worker._process.returncode == -signal.SIGKILL


LONG_RENDER = (
    "import pickle, time\nfrom datetime import date\nfrom service.reports.worker import RenderWorker\n"
    "worker = RenderWorker()\n"
    "rows = ''.join(f'<tr><td>{n}</td><td>a</td><td>b</td><td>c</td><td>d</td></tr>' for n in range(4000))\n"
    "worker._process.stdin.write(pickle.dumps((f'<table>{rows}</table>', date(2020, 1, 2), None)))\n"
    "worker._process.stdin.close()\n"
    "print(worker._process.pid, flush=True)\ntime.sleep(120)"
)


def test_the_worker_ends_mid_render_when_its_parent_is_killed() -> None:
    """kill -9 of the parent: the worker, busy with a render of about half a minute, ends at once."""
    parent = subprocess.Popen([sys.executable, "-c", LONG_RENDER], stdout=subprocess.PIPE, text=True, cwd=REPO)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    time.sleep(3)  # past WeasyPrint's import: rendering
    assert _running(child)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 3
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert not _running(child)
    finally:
        if _running(child):
            os.kill(child, signal.SIGKILL)


def _running(pid: int) -> bool:
    """Alive and not a zombie (a killed worker whose parent died is reaped by init, or lingers as a zombie)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
