"""Analysis benchmark: every table for a stored snapshot, from reading it out of SQLite to the written files.

    python bench/bench_tables.py                          # 10,000 × 20 AEs and 50,000 × 20 AEs (1,000,000 rows)
    python bench/bench_tables.py --sizes 10000 --aes 20

The trial is generated and imported first (not timed); then, in a fresh process, the whole snapshot is read
as records once (in brackets, for information: regsync itself reads the AEs as columns), and then it is read,
analysed and written as CSV exactly as `regsync tables` does; "total" is that second read + analysis + write.
Peak resident memory is the process's.
The write includes the analysis results data (ard.csv, ard.json, ars.json) beside the tables.
Targets (issue #3): all tables for 10,000 participants and 200,000 AEs in at most 5 s; for 1,000,000 AE rows
in at most 20 s (issue #15: tables plus ard.csv for 1,000,000 AE rows within 20 s and 2.5 GB).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.calibrate import calibration_seconds  # noqa: E402
from bench.generate import generate, import_in_fresh_process  # noqa: E402

TABLES = """
import json, resource, sys, time
from pathlib import Path
from service.db import open_database
from service.gcpause import paused_gc
from service.tables_export import write_tables
from service.trialdata import read_and_analyse, read_snapshot, resolve_snapshot
engine = open_database(sys.argv[1])
t0 = time.perf_counter()
snapshot = resolve_snapshot(engine, "bench")
with paused_gc():  # only to time the read on its own; read_and_analyse reads it again, as regsync does
    data, _ = read_snapshot(engine, snapshot, listed_only=False)
t1 = time.perf_counter()
results = read_and_analyse(engine, snapshot)[1]
t2 = time.perf_counter()
write_tables(results, Path(sys.argv[2]))
t3 = time.perf_counter()
ard_rows = sum(1 for _ in open(Path(sys.argv[2]) / "ard.csv", encoding="utf-8")) - 1
print(json.dumps({"participants": len(data.participants), "aes": len(data.adverse_events), "load_s": t1 - t0,
                  "ard_rows": ard_rows,
                  "analyse_s": t2 - t1, "write_s": t3 - t2, "total_s": t3 - t1,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(url: str, out: Path, repeats: int) -> dict[str, float]:
    """Best of `repeats` fresh processes (the least disturbed run), per column."""
    runs = []
    for _ in range(repeats):
        result = subprocess.run(
            [sys.executable, "-c", TABLES, url, str(out)], capture_output=True, text=True, check=True, cwd=HERE.parent
        )
        runs.append(json.loads(result.stdout))
    return {key: min(run[key] for run in runs) for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 50000])
    parser.add_argument("--aes", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"calibration loop: {calibration_seconds():.2f} s (best of 3; lower = faster machine at this moment)")
    print(
        f"{'participants':>12} {'AE rows':>10} {'(full read s)':>14} {'read+analyse s':>15} {'write s':>8} "
        f"{'total s':>8} {'peak MB':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            source = generate(Path(tmp) / f"t{size}", size, args.aes, "bundle")
            url = f"sqlite:///{Path(tmp) / f't{size}.db'}"
            import_in_fresh_process(source, url)
            r = measure(url, Path(tmp) / f"tables{size}", args.repeats)
            print(
                f"{r['participants']:>12,.0f} {r['aes']:>10,.0f} {r['load_s']:>14.2f} {r['analyse_s']:>15.2f} "
                f"{r['write_s']:>8.2f} {r['total_s']:>8.2f} {r['peak_mb']:>8.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
