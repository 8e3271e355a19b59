"""Each render in a worker process of its own, with a memory cap.

A report that grows without bound (a pathological table, a huge listing) stops in its worker with a clear
RenderError instead of taking the service down; the parent writes the file only after a render succeeded.
"""

from __future__ import annotations

import ctypes
import multiprocessing
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


def render_pdf_in_worker(
    html: str, *, dated: date, attachments: dict[str, bytes] | None = None, memory_mb: int = DEFAULT_MEMORY_MB
) -> bytes:
    # spawn, not fork: a forked worker inherits the parent's heap, freed-but-mapped memory included, and could
    # render inside it without growing, so the cap would depend on the parent's history. A fresh process makes
    # the cap measure the render alone.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=_prepare_worker, initargs=(memory_mb,)
    ) as pool:
        try:
            return pool.submit(render_pdf, html, dated=dated, attachments=attachments).result()
        except MemoryError as exc:
            raise RenderError(
                f"the report render exceeded its memory cap of {memory_mb} MB and was stopped\n{_HINT}"
            ) from exc
        except BrokenProcessPool as exc:
            raise RenderError(
                "the report render stopped: its worker process ended abruptly (most likely it exceeded its memory "
                f"cap of {memory_mb} MB)\n{_HINT}"
            ) from exc


def _prepare_worker(memory_mb: int) -> None:
    _end_with_parent()
    # Ctrl-C reaches the whole process group; the parent decides whether to stop, and a render it keeps finishes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _cap_memory(memory_mb)


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
