"""Registry benchmark: reading each vendored registry record into the registry view (median of 200 reads),
comparing the example trial with its record (derive_drift, median of 20, the analysis done once before), the
deadlines of the example, and the group-sequential boundaries with a β-spending futility boundary for 2 and 5
looks (the design drift solved each time), with the peak memory of the whole run.

    make bench
    python bench/bench_registry.py
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from registry.ctgov.read import read_ctgov_bytes
from service.analysis import build_analysis
from service.deadlines import derive_duties
from service.drift import derive_drift
from service.importing import load_source
from service.monitoring.futility import design_drift, futility_boundaries
from service.monitoring.spending import spending_boundaries
from service.resources import example_trial_dir

RECORDS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "registry"


def median_seconds(work: Callable[[], object], runs: int) -> float:
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def monitoring(fractions: list[float]) -> None:
    efficacy = [b.z for b in spending_boundaries(fractions, alpha=0.05, sides=2)]
    drift = design_drift(fractions, efficacy, beta=0.1, shape="hsd", gamma=-2)
    futility_boundaries(fractions, efficacy, beta=0.1, shape="hsd", gamma=-2, drift=drift)


def main() -> None:
    tracemalloc.start()
    for path in sorted(RECORDS.glob("*.*")):
        if path.suffix in (".json", ".xml"):
            content = path.read_bytes()
            took = median_seconds(lambda content=content, name=path.name: read_ctgov_bytes(content, name), 200)
            print(f"read {path.name:<22} {len(content):>7} bytes  {1000 * took:7.2f} ms")
    example = example_trial_dir()
    data = load_source(example, "msc-t1d")
    results = build_analysis(data)
    view = read_ctgov_bytes((example / "registry" / "ctgov-record.json").read_bytes(), "ctgov-record.json")
    took = median_seconds(lambda: derive_drift(view, data, results, "x"), 20)
    print(f"drift of the example          {1000 * took:7.2f} ms")
    took = median_seconds(lambda: derive_duties("msc-t1d", data.definition.raw), 200)
    print(f"deadlines of the example      {1000 * took:7.2f} ms")
    for looks in ([0.5, 1.0], [0.2, 0.4, 0.6, 0.8, 1.0]):
        took = median_seconds(lambda looks=looks: monitoring(looks), 3)
        print(f"boundaries with futility, {len(looks)} looks {took:7.2f} s")
    _, peak = tracemalloc.get_traced_memory()
    print(f"peak traced memory {peak / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
