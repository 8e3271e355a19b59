"""Each render in a worker process of its own, with a memory cap.

A report that grows without bound (a pathological table, a huge listing) stops in its worker with a clear
RenderError instead of taking the service down; the parent writes the file only after a render succeeded.
"""

from __future__ import annotations

import atexit
import ctypes
import gc
import importlib
import multiprocessing
import os
import resource
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date

from service.errors import RenderError
from service.reports.render import render_pdf

DEFAULT_MEMORY_MB = 1024
_PAGE = resource.getpagesize()
_PR_SET_PDEATHSIG = 1
_HINT = "  Raise [reports] render_memory_mb in config.toml if the report is legitimately this large."


class RenderWorker:
    """One capped worker process, started on creation: spawning Python and importing WeasyPrint in it (about a
    second) overlaps whatever the parent does before it asks for the render, such as reading and analysing the
    snapshot. Use as a context manager; `render` once."""

    def __init__(self, memory_mb: int = DEFAULT_MEMORY_MB) -> None:
        self.memory_mb = memory_mb
        # spawn, not fork: a forked worker inherits the parent's heap, freed-but-mapped memory included, and could
        # render inside it without growing, so the cap would depend on the parent's history. A fresh process makes
        # the cap measure the render alone.
        self._pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_prepare_worker,
            initargs=(memory_mb,),
        )
        self._ready = self._pool.submit(_import_renderer)

    def render(self, html: str, *, dated: date, attachments: dict[str, bytes] | None = None) -> bytes:
        try:
            self._ready.result()
            return self._pool.submit(render_pdf, html, dated=dated, attachments=attachments).result()
        except MemoryError as exc:
            raise RenderError(
                f"the report render exceeded its memory cap of {self.memory_mb} MB and was stopped\n{_HINT}"
            ) from exc
        except BrokenProcessPool as exc:
            raise RenderError(
                "the report render stopped: its worker process ended abruptly (most likely it exceeded its memory "
                f"cap of {self.memory_mb} MB)\n{_HINT}"
            ) from exc

    def __enter__(self) -> RenderWorker:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        # After a failure in the parent, don't wait for a start-up nobody needs; the worker ends on its own.
        self._pool.shutdown(wait=kind is None, cancel_futures=True)


def render_pdf_in_worker(
    html: str, *, dated: date, attachments: dict[str, bytes] | None = None, memory_mb: int = DEFAULT_MEMORY_MB
) -> bytes:
    with RenderWorker(memory_mb) as worker:
        return worker.render(html, dated=dated, attachments=attachments)


def _import_renderer() -> None:
    importlib.import_module("weasyprint")


def _prepare_worker(memory_mb: int) -> None:
    _end_with_parent()
    # Ctrl-C reaches the whole process group; the parent decides whether to stop, and a render it keeps finishes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _cap_memory(memory_mb)
    # A worker renders once and exits. The cyclic collector's passes over the growing layout tree took a fifth
    # of a long render (bench/bench_dsmb.py), and the cycles it would free are few (under 10 MB at 10,000
    # participants); the memory cap still bounds the worker.
    gc.disable()
    atexit.register(_exit_without_teardown)


def _exit_without_teardown() -> None:
    """The last step of the worker's exit, after multiprocessing has sent its last message and flushed the
    standard streams: end the process without freeing the finished render's heap object by object, which took
    over a second that the parent spent waiting for its worker to end. (A pool worker that ends while a render
    is pending is reported by the pool as broken, whatever its exit status.)"""
    os._exit(0)


def _end_with_parent() -> None:
    """Ask Linux to kill this worker when its parent dies (kill -9 included), so no orphan renders on."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the worker ends when it finds its pipe closed


def _cap_memory(memory_mb: int) -> None:
    """Limit the worker's address space to what it has now plus `memory_mb`."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        current = int(statm.read().split()[0]) * _PAGE
    limit = current + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
