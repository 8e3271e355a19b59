"""Import benchmark: time and peak memory of `regsync import` into a fresh SQLite database.

    make bench                     # 1,000 and 10,000 participants, ~20 AEs each, bundle and SDTM
    python bench/bench_import.py --sizes 10000 --forms bundle

Each import runs in a process of its own, so the peak resident memory reported is that import's alone.
Target (issue #2): 10,000 participants and 200,000 AEs into SQLite in at most 20 s, at most 1 GB peak.
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

from bench.generate import generate  # noqa: E402

CHILD = """
import json, resource, sys, time
from datetime import UTC, datetime
from pathlib import Path
from service.db import open_database
from service.importing import load_source
from service.snapshots import store_snapshot
source, url = Path(sys.argv[1]), sys.argv[2]
engine = open_database(url)
t0 = time.perf_counter()
data = load_source(source, "bench")
t1 = time.perf_counter()
outcome = store_snapshot(engine, data, now=datetime.now(UTC))
t2 = time.perf_counter()
again = store_snapshot(engine, load_source(source, "bench"), now=datetime.now(UTC))
t3 = time.perf_counter()
print(json.dumps({"participants": len(data.participants), "aes": len(data.adverse_events),
                  "read_s": t1 - t0, "store_s": t2 - t1, "total_s": t2 - t0, "unchanged_s": t3 - t2,
                  "created": outcome.created, "second_created": again.created,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(size: int, form: str, aes: int, work: Path) -> dict[str, float]:
    source = generate(work / f"{form}-{size}", size, aes, form)
    url = f"sqlite:///{work / f'{form}-{size}.db'}"
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(source), url], capture_output=True, text=True, check=True, cwd=HERE.parent
    )
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--forms", nargs="+", default=["bundle", "sdtm"], choices=["bundle", "sdtm"])
    parser.add_argument("--aes", type=int, default=20)
    args = parser.parse_args()
    print(
        f"{'form':<7} {'participants':>12} {'AEs':>8} {'read s':>7} {'store s':>8} {'import s':>9} "
        f"{'no-change s':>12} {'peak MB':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for form in args.forms:
            for size in args.sizes:
                r = run(size, form, args.aes, Path(tmp))
                assert r["created"] and not r["second_created"]
                print(
                    f"{form:<7} {r['participants']:>12,} {r['aes']:>8,} {r['read_s']:>7.2f} {r['store_s']:>8.2f} "
                    f"{r['total_s']:>9.2f} {r['unchanged_s']:>12.2f} {r['peak_mb']:>8.0f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
