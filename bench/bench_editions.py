"""Both DSMB editions of one snapshot: one after the other, and two at a time (Production.produce_all), each in a
fresh process, wall-clock from the snapshot's read to the last PDF written; and the closed edition alone.

    python bench/bench_editions.py                    # 10,000 participants × 20 AEs
    python bench/bench_editions.py --participants 2000

Target (issue #25): the closed report of 10,000 participants in at most 20 s end to end on the 2-core machine,
using both cores (the editions rendered in parallel worker processes).
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

RUN = """
import json, sys, time
from pathlib import Path
from service.config import load_config
from service.db import open_database
from service.outputs import OUTPUTS
from service.outputs.base import Production
from service.trialdata import resolve_snapshot

url, out, mode = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
engine = open_database(url)
snapshot = resolve_snapshot(engine, "bench")
production = Production(engine, load_config(None, required=False), snapshot, out)
kinds = {"closed": ["dsmb-closed"], "serial": ["dsmb-open", "dsmb-closed"], "parallel": ["dsmb-open", "dsmb-closed"]}
outputs = [OUTPUTS[k] for k in kinds[mode]]
start = time.perf_counter()
if mode == "parallel":
    production.produce_all(outputs)
else:
    for output in outputs:
        output.produce_from(production)
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def measure(url: str, out: Path, mode: str) -> float:
    result = subprocess.run([sys.executable, "-c", RUN, url, str(out), mode], capture_output=True, text=True,
                            check=True, cwd=HERE.parent)  # fmt: skip
    return float(json.loads(result.stdout.strip().splitlines()[-1])["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        source = generate(root / "source", args.participants, 20, "bundle")
        url = f"sqlite:///{root / 'bench.db'}"
        import_in_fresh_process(source, url)
        print(f"calibration loop: {calibration_seconds():.2f} s")
        print(f"{'participants':>12}  {'mode':>8}  {'seconds':>8}")
        for _ in range(args.repeat):
            for mode in ("closed", "serial", "parallel"):
                seconds = measure(url, root / f"out-{mode}", mode)
                print(f"{args.participants:>12,}  {mode:>8}  {seconds:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
