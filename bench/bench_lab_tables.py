"""Every laboratory and vital-sign table at scale, as build_analysis makes them, from a frame built in memory (the
import is bench_labs.py's): the abnormality displays (categories, shifts with their CMH tests, liver tests, the
eDISH points, the listing of clinically significant values), value and change by visit, missing laboratory data,
clinically notable vital signs and weight change.

    python bench/bench_lab_tables.py                  # 10,000 participants x 30 parameters x 12 visits (3.6 M)
    python bench/bench_lab_tables.py --participants 2000 --arms 5

Target (issue #27): all of them in at most 15 s. Laboratory records: tests/labs/synthetic.py (ranges, categories,
a few participants' liver tests raised); vital signs as bench_lab_visits.py makes them (blood pressure and pulse in
three positions, and weight, at the same visits: another 1.2 million records). SYNTHETIC: fixed seeds.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_lab_visits import build

from service.analysis import TABLES, AnalysisInputs
from service.labs.frame import conform
from service.safety.population import derive_safety_set
from tests.labs.synthetic import synthetic_lab_frame


def is_laboratory_table(name: str) -> bool:
    return name.startswith(("lab_", "vitals_", "listing_lab_", "listing_liver_"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--arms", type=int, default=3)
    parser.add_argument("--parameters", type=int, default=30)
    parser.add_argument("--visits", type=int, default=12)
    args = parser.parse_args()
    data = build(args.participants, args.arms, 1, args.visits)
    vitals = data.labs[data.labs["domain"] == "VS"]
    labs = synthetic_lab_frame([p.subject_id for p in data.participants], parameter_count=args.parameters,
                               visits=args.visits)  # fmt: skip
    data = replace(data, labs=conform(pd.concat([labs, vitals], ignore_index=True)))
    print(f"records: {len(data.labs):,} ({len(labs):,} laboratory, {len(vitals):,} vital signs), {args.arms} arms")
    inputs = AnalysisInputs(data, derive_safety_set(data), "meddra", 5.0, data.definition.data_cutoff)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    cpu = time.process_time()
    for spec in TABLES:
        if is_laboratory_table(spec.name) and spec.applies(inputs):
            start = time.perf_counter()
            table = spec.build(inputs)
            seconds[f"{spec.name} ({len(table.rows):,} rows)"] = time.perf_counter() - start
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    for name, taken in seconds.items():
        print(f"  {name:48s} {taken:6.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"all laboratory and vital-sign tables: {total:.2f} s ({cpu:.2f} s CPU; target 15 s); "
          f"peak memory {peak:,.0f} MB (the frames built in memory included)")  # fmt: skip


if __name__ == "__main__":
    main()
