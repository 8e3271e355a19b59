"""The render worker process: replies, errors, a worker that dies, and a parent that dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

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
    assert worker.render_seconds is not None and 0 < worker.render_seconds < 60
    assert worker._process.returncode == 0


STYLED = '<html><head><link rel="stylesheet" href="regsync-asset:style.css"></head><body><p>x</p></body></html>'


@pytest.fixture
def temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where this process and its workers put temporary files, empty at the start."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    return tmp_path


def test_a_render_leaves_no_temporary_files(temporary_folder: Path) -> None:
    # The report's stylesheet declares its fonts with @font-face, which WeasyPrint copies to a temporary folder.
    with RenderWorker() as worker:
        assert worker.render(STYLED, dated=date(2020, 1, 2)).startswith(b"%PDF-")
    assert list(temporary_folder.iterdir()) == []


def test_a_killed_worker_leaves_no_temporary_files(temporary_folder: Path) -> None:
    with RenderWorker() as worker:
        time.sleep(2)  # past WeasyPrint's import
        os.kill(worker._process.pid, signal.SIGKILL)
        with pytest.raises(RenderError):
            worker.render(STYLED, dated=date(2020, 1, 2))
    assert list(temporary_folder.iterdir()) == []


def test_a_killed_parents_temporary_folder_is_removed_by_the_next(temporary_folder: Path) -> None:
    dead = temporary_folder / "regsync-render-4194305-abc"  # above Linux's largest pid: no such process
    live = temporary_folder / f"regsync-render-{os.getppid()}-abc"
    for folder in (dead, live):
        folder.mkdir()
        (folder / "font").write_bytes(b"x")
    with RenderWorker():
        pass
    assert list(temporary_folder.iterdir()) == [live]


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


def test_the_worker_ends_mid_render_when_its_parent_is_killed(temporary_folder: Path) -> None:
    """kill -9 of the parent: the worker, busy with a render of about half a minute, ends at once; the next
    render's parent removes the temporary folder the killed one left."""
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
    assert [folder.name.split("-")[2] for folder in temporary_folder.iterdir()] == [str(parent.pid)]
    with RenderWorker():
        pass
    assert list(temporary_folder.iterdir()) == []


def _running(pid: int) -> bool:
    """Alive and not a zombie (a killed worker whose parent died is reaped by init, or lingers as a zombie)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_the_workers_peak_is_its_own_not_its_large_parents() -> None:
    ballast = bytearray(700 * 1024 * 1024)  # this process's peak now exceeds 700 MB
    for index in range(0, len(ballast), 4096):
        ballast[index] = 1
    with RenderWorker(memory_mb=1024) as worker:
        worker.render(PAGE, dated=date(2020, 1, 2))
    del ballast
    assert worker.peak_mb is not None and 10 < worker.peak_mb < 400, worker.peak_mb
