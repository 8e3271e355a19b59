"""Efficacy analysis benchmark: 10,000 participants × 10 visits × 5 parameters, every SAP method the example
trial uses and more, from the records to the outcome tables.

    python bench/bench_outcomes.py                      # 10,000 participants
    python bench/bench_outcomes.py --participants 2000

The trial is built in memory (not timed): two arms, a baseline and 9 post-baseline visits, 5 parameters, with a
site factor. Timed: the three outcome tables (summaries, estimates, comparisons) as `regsync tables` builds them,
in a fresh process:
  P1 ANCOVA at all 9 visits adjusted for baseline and site (LS means), P2 ANCOVA at all 9 visits adjusted for
  baseline, P3 Welch on the change from baseline, P4 responders by logistic regression adjusted for site, P5 a
  count by Poisson regression; and a time to event (log-rank, Cox, Kaplan–Meier) per participant.
Then, for information, P2 as a mixed model for repeated measures over the 9 visits alone (service.outcomes.mmrm,
one REML fit of 90,000 records), which is where the time of an MMRM goes.
Peak resident memory (VmHWM) is the process's. Target (issue #16): within 10 s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

RUN = """
import json, sys, time
import numpy as np
from service.analysis import AnalysisInputs
from service.importing.records import ArmRecord, ImportedTrial, MeasurementRecord, ParticipantRecord, TrialDefinition

n, which = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(16)
arms = (ArmRecord("PBO", "Placebo", is_control=True), ArmRecord("ACT", "Active"))
people, records = [], []
visits = [("Baseline", 0)] + [(f"Week {4 * k}", 4 * k) for k in range(1, 10)]
for i in range(n):
    subject, arm = f"S{i:06d}", ("PBO", "ACT")[i % 2]
    people.append(ParticipantRecord(subject, randomized=True, arm_code=arm, itt_population=True,
                                    variables={"SITEGR1": f"Site {(i // 2) % 12}"}))
    effect = 1.0 if arm == "ACT" else 0.0
    base = rng.normal(50, 10, 3)
    for visit, week in visits:
        noise = rng.normal(0, 3, 3)
        shift = effect * week / 36
        values = {"P1": base[0] + 2 * shift + noise[0], "P2": base[1] + shift + noise[1],
                  "P3": base[2] - shift + noise[2], "P4": float(rng.random() < 0.3 + 0.1 * effect),
                  "P5": float(rng.poisson(2 - 0.5 * effect))}
        for code, value in values.items():
            records.append(MeasurementRecord(subject, code, visit, visit_number=week, value=float(value),
                                             baseline=week == 0))
    records.append(MeasurementRecord(subject, "TTE", "", value=float(rng.integers(1, 365)),
                                     censored=bool(rng.random() < 0.6)))
post = [v for v, w in visits if w]
outcomes = [
    {"parameter": "P1", "method": "ancova", "adjust": ["baseline", "SITEGR1"], "timepoints": post},
    {"parameter": "P2", "method": "ancova", "timepoints": post},
    {"parameter": "P3", "method": "welch", "variable": "change", "timepoint": post[-1]},
    {"parameter": "P4", "variable": "responder", "responder": "AVAL == 1", "method": "logistic",
     "adjust": ["SITEGR1"], "timepoint": post[-1]},
    {"parameter": "P5", "method": "poisson", "timepoint": post[-1]},
    {"parameter": "TTE", "variable": "time-to-event", "method": "logrank"},
]
if which == "mmrm":  # the mixed model on its own: one REML fit over the 9 visits
    outcomes = [{"parameter": "P2", "method": "mmrm", "timepoints": post}]
data = ImportedTrial("bench", "bundle", "-", TrialDefinition(arms=arms, raw={"outcomes": outcomes}), arms,
                     tuple(people), (), tuple(records))
t0 = time.perf_counter()
tables = AnalysisInputs(data, None, "meddra", 5.0, None).outcomes
elapsed = time.perf_counter() - t0
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
print(json.dumps({"participants": n, "measurements": len(records), "seconds": elapsed, "peak_mb": peak,
                  "estimates": len(tables.estimates), "comparisons": len(tables.comparisons)}))
"""


def run(participants: int, which: str, repeats: int) -> str:
    runs = []
    for _ in range(repeats):
        result = subprocess.run([sys.executable, "-c", RUN, str(participants), which], capture_output=True, text=True,
                                check=True, cwd=HERE.parent)  # fmt: skip
        runs.append(json.loads(result.stdout))
    best = min(runs, key=lambda r: r["seconds"])
    each = ", ".join(f"{r['seconds']:.2f}" for r in runs)
    return (f"{which}: {best['participants']:,} participants, {best['measurements']:,} records, "
            f"{best['estimates']} estimates, {best['comparisons']} comparisons: {best['seconds']:.2f} s "
            f"(best of {len(runs)}: {each}), peak {best['peak_mb']:.0f} MB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(run(args.participants, "sap", args.repeats) + " (target: within 10 s)")
    print(run(args.participants, "mmrm", 1) + " (the mixed model, unstructured, Kenward–Roger; for information)")


if __name__ == "__main__":
    main()
