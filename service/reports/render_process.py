"""The render worker's own process (service/reports/worker.py starts it): `python -m
service.reports.render_process MEMORY_MB`.

It caps its memory, imports the renderer, then reads one pickled request (html, date, attachments) from
standard input and writes one pickled reply to standard output: ("pdf", bytes, peak KB, render seconds),
("memory", None, …) when the cap stopped it, or ("error", exception, …). It imports nothing heavy before the cap is set.
"""

from __future__ import annotations

import ctypes
import gc
import os
import pickle
import resource
import signal
import sys
import time
from typing import Any

_PAGE = resource.getpagesize()
_PR_SET_PDEATHSIG = 1


def main() -> None:
    memory_mb = int(sys.argv[1])
    _end_with_parent()
    # Ctrl-C reaches the whole process group; the parent decides whether to stop, and a render it keeps finishes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _cap_memory(memory_mb)
    # One render, then exit. The cyclic collector's passes over the growing layout tree took a fifth of a long
    # render (bench/bench_dsmb.py), and the cycles it would free are few (under 10 MB at 10,000 participants);
    # the memory cap still bounds the process.
    gc.disable()
    replies = sys.stdout.buffer
    sys.stdout = sys.stderr  # whatever else is printed goes to the log, not into the reply
    reply: tuple[str, Any]
    started = None
    try:
        from service.reports.pdf import render_pdf

        html, dated, attachments = pickle.load(sys.stdin.buffer)  # our parent's request
        started = time.perf_counter()
        reply = ("pdf", render_pdf(html, dated=dated, attachments=attachments))
    except MemoryError:
        reply = ("memory", None)
    except BaseException as exc:  # handed to the parent, which raises it
        reply = ("error", exc)
    _send(replies, reply, None if started is None else time.perf_counter() - started)
    # Exit without freeing the finished render's heap object by object: that took over a second, during which
    # the parent waited for its worker to end.
    os._exit(0)


def peak_resident_kb() -> int:
    """This process's own peak resident memory. Not getrusage's ru_maxrss: Linux carries it over exec from the
    process that forked us, so a worker started by a large parent reported the parent's peak (a test saw 517 MB
    for a one-page render); /proc/self/status VmHWM belongs to this program's memory alone."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _send(replies: Any, reply: tuple[str, Any], seconds: float | None) -> None:
    peak_kb = peak_resident_kb()
    try:
        data = pickle.dumps((*reply, peak_kb, seconds), protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("memory", None, peak_kb, seconds))
    except Exception as exc:  # an exception that does not pickle
        unpicklable = RuntimeError(f"in the render worker: {reply[1]!r} (not sent as itself: {exc})")
        data = pickle.dumps(("error", unpicklable, peak_kb, seconds))
    replies.write(data)
    replies.flush()


def _end_with_parent() -> None:
    """Ask Linux to kill this worker when its parent dies (kill -9 included), so no orphan renders on."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the worker ends when it finds its standard input closed


def _cap_memory(memory_mb: int) -> None:
    """Limit the worker's address space to what it has now plus `memory_mb`."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        current = int(statm.read().split()[0]) * _PAGE
    limit = current + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


if __name__ == "__main__":
    main()
