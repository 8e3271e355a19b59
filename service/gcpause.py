"""Pausing Python's cyclic garbage collector around bulk loads.

Reading a million-row snapshot allocates a million tuples, none of them in reference cycles; with the collector
running, each young-generation pass rescans an ever larger heap, which measured as half the load time
(bench/bench_tables.py). Reference counting still frees everything as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
