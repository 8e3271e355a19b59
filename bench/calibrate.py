"""A fixed CPU-bound loop, printed beside benchmark figures: this VM's speed varies by tens of percent between
runs, so a figure means more next to the calibration measured with it (lower is a faster moment)."""

from __future__ import annotations

import time


def calibration_seconds(repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        total = 0
        for i in range(5_000_000):
            total += i
        best = min(best, time.perf_counter() - start)
    return best
