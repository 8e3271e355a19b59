"""Each render in a worker process of its own, with a memory cap.

A report that grows without bound (a pathological table, a huge listing) stops in its worker with a clear
RenderError instead of taking the service down; the parent writes the file only after a render succeeded.

The worker is a fresh interpreter running `service.reports.render_process`, not a multiprocessing child: those
re-import the parent's main module, which for the `regsync` command is the whole CLI (4.5 s and 220 MB against
WeasyPrint's 1.2 s and 55 MB). A fresh process also makes the cap measure the render alone, not a copy of the
parent's heap.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path
from types import TracebackType

from service.atomic import process_alive
from service.errors import RenderError

DEFAULT_MEMORY_MB = 1024
_ROOT = Path(__file__).resolve().parents[2]  # the folder holding the `service` package
_SCRATCH = "regsync-render-"  # then the parent's pid
_HINT = "  Raise [reports] render_memory_mb in config.toml if the report is legitimately this large."


class RenderWorker:
    """One capped worker process, started on creation: starting Python and importing WeasyPrint in it (about a
    second) overlaps whatever the parent does before it asks for the render, such as reading and analysing the
    snapshot. Use as a context manager; `render` once. After it, `peak_mb` is the worker's peak resident memory
    and `render_seconds` the render's own time."""

    def __init__(self, memory_mb: int = DEFAULT_MEMORY_MB) -> None:
        self.memory_mb = memory_mb
        self.peak_mb: float | None = None
        self.render_seconds: float | None = None  # HTML to PDF, in the worker, start-up not included
        # The worker's temporary files (WeasyPrint writes the report's fonts to a folder of its own) go in a
        # folder the parent removes, however the worker ended: killed at its cap, or exiting without cleaning up.
        # One left by a parent that was itself killed is removed by the next worker's parent.
        _sweep_scratch_of_dead_parents()
        self._scratch = Path(tempfile.mkdtemp(prefix=f"{_SCRATCH}{os.getpid()}-"))
        path = os.environ.get("PYTHONPATH")
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(_ROOT), *([path] if path else [])]),
            "TMPDIR": str(self._scratch),
        }
        self._process = subprocess.Popen(
            [sys.executable, "-m", "service.reports.render_process", str(memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=environment,
        )

    def render(self, html: str, *, dated: date, attachments: dict[str, bytes] | None = None) -> bytes:
        request = pickle.dumps((html, dated, attachments), protocol=pickle.HIGHEST_PROTOCOL)
        reply, _ = self._process.communicate(request)  # a worker that died early leaves a short or empty reply
        try:
            kind, value, peak_kb, self.render_seconds = pickle.loads(reply)  # our own worker's, over our own pipe
        except Exception as exc:  # no whole reply: the worker was killed or crashed
            raise RenderError(
                "the report render stopped: its worker process ended abruptly (most likely it exceeded its memory "
                f"cap of {self.memory_mb} MB)\n{_HINT}"
            ) from exc
        self.peak_mb = peak_kb / 1024
        if kind == "memory":
            raise RenderError(
                f"the report render exceeded its memory cap of {self.memory_mb} MB and was stopped\n{_HINT}"
            )
        if kind == "error":
            raise value
        return bytes(value)

    def __enter__(self) -> RenderWorker:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._process.poll() is None:  # not asked to render (the parent failed first), or interrupted
            self._process.kill()
        self._process.wait()
        for pipe in (self._process.stdin, self._process.stdout):
            if pipe is not None:
                pipe.close()
        shutil.rmtree(self._scratch, ignore_errors=True)


def _sweep_scratch_of_dead_parents() -> None:
    for folder in Path(tempfile.gettempdir()).glob(f"{_SCRATCH}*-*"):
        pid = folder.name[len(_SCRATCH) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def render_pdf_in_worker(
    html: str, *, dated: date, attachments: dict[str, bytes] | None = None, memory_mb: int = DEFAULT_MEMORY_MB
) -> bytes:
    with RenderWorker(memory_mb) as worker:
        return worker.render(html, dated=dated, attachments=attachments)
