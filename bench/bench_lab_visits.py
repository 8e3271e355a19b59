"""Laboratory and vital-sign displays over time at scale: value and change by visit, missing laboratory data by
visit, clinically notable vital signs and weight change, from a frame built in memory (the import is the readers'
and the store's benchmark: bench/bench_labs.py).

    python bench/bench_lab_visits.py                  # 10,000 participants x 30 parameters x 12 visits (3.6 M)
    python bench/bench_lab_visits.py --participants 2000 --arms 5

The laboratory frame is 30 parameters x 12 visits per participant (3.6 million records at 10,000); beside it, vital
signs: systolic and diastolic blood pressure and pulse in three positions and weight, at the same 12 visits
(another 1.2 million). Target (issue #27): every laboratory and vital-sign table in at most 15 s, shared with the
abnormality displays; these are timed on their own, from the frame to the rows, as build_analysis runs them.
SYNTHETIC: random values from a fixed seed.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.importing.records import ArmRecord, ImportedTrial, ParticipantRecord, TrialDefinition
from service.labs.by_visit import summarise_by_visit
from service.labs.frame import conform
from service.labs.missing import summarise_missing
from service.labs.records import load_records
from service.labs.vitals import summarise_notable, summarise_weight
from service.labs.vitals_options import read_vitals_options
from service.safety.population import derive_safety_set

START = date(2022, 1, 3)


def build(participants: int, arms: int, parameters: int, visits: int) -> ImportedTrial:
    rng = np.random.default_rng(1)
    arm_records = tuple(ArmRecord(f"A{i}", f"Arm {i}", is_control=i == 0) for i in range(arms))
    people = tuple(
        ParticipantRecord(f"S{i:06d}", randomized=True, arm_code=f"A{i % arms}", actual_arm_code=f"A{i % arms}",
                          first_dose_date=START, safety_population=True,
                          study_end_date=START + timedelta(days=int(rng.integers(30, 400))))
        for i in range(participants)
    )  # fmt: skip
    subjects = np.array([p.subject_id for p in people], dtype=object)
    day = np.array([1 + 28 * v for v in range(visits)], dtype=float)

    def grid(domain: str, codes: list[str], positions: list[str]) -> pd.DataFrame:
        n = participants * len(codes) * len(positions) * visits
        s, c, p, v = np.unravel_index(np.arange(n), (participants, len(codes), len(positions), visits))
        aval = rng.normal(100, 15, n).round(1)
        base_index = np.ravel_multi_index((s, c, p, np.zeros_like(v)), (participants, len(codes), len(positions),
                                                                        visits))  # fmt: skip
        keep = rng.random(n) > 0.03  # some results not collected
        frame = pd.DataFrame({
            "subject_id": subjects[s], "domain": domain, "dataset": "ADLB" if domain == "LB" else "ADVS",
            "paramcd": np.array(codes, dtype=object)[c], "param": np.array(codes, dtype=object)[c],
            "visit": np.array([f"Week {4 * i}" for i in range(visits)], dtype=object)[v], "visitnum": v.astype(float),
            "position": np.array(positions, dtype=object)[p] if positions != [""] else None,
            "adt": pd.Timestamp(START) + pd.to_timedelta(day[v] - 1, unit="D"), "ady": day[v], "aval": aval,
            "base": aval[base_index], "chg": np.where(v > 0, aval - aval[base_index], np.nan), "ablfl": v == 0,
            "ontrtfl": v > 0,
        })  # fmt: skip
        return frame[keep]

    labs = grid("LB", [f"L{i:02d}" for i in range(parameters)], [""])
    vitals = pd.concat([grid("VS", ["SYSBP", "DIABP", "PULSE"], ["SUPINE", "STANDING", "SITTING"]),
                        grid("VS", ["WEIGHT"], [""])])  # fmt: skip
    frame = conform(pd.concat([labs, vitals], ignore_index=True))
    definition = TrialDefinition(title="bench", arms=arm_records, data_cutoff=START + timedelta(days=400))
    data = ImportedTrial("bench", "adam", "bench", definition, arm_records, people, ())
    return ImportedTrial(**{**data.__dict__, "labs": frame})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--arms", type=int, default=3)
    parser.add_argument("--parameters", type=int, default=30)
    parser.add_argument("--visits", type=int, default=12)
    args = parser.parse_args()
    data = build(args.participants, args.arms, args.parameters, args.visits)
    frame = data.labs
    print(f"records: {len(frame):,} ({int((frame['domain'] == 'LB').sum()):,} laboratory)")
    safety = derive_safety_set(data)
    options = read_vitals_options({})
    timings = {}
    t0 = time.perf_counter()
    labs = load_records(frame, safety, "LB")
    timings["laboratory records"] = time.perf_counter() - t0
    t = time.perf_counter()
    rows, _ = summarise_by_visit(labs, "LB")
    timings[f"laboratory by visit ({len(rows):,} rows)"] = time.perf_counter() - t
    t = time.perf_counter()
    missing = summarise_missing(labs, safety, data.definition.data_cutoff)
    timings[f"missing by visit ({len(missing):,} rows)"] = time.perf_counter() - t
    t = time.perf_counter()
    vitals = load_records(frame, safety, "VS", options)
    timings["vital-sign records"] = time.perf_counter() - t
    t = time.perf_counter()
    vs_rows, _ = summarise_by_visit(vitals, "VS")
    timings[f"vital signs by visit ({len(vs_rows):,} rows)"] = time.perf_counter() - t
    t = time.perf_counter()
    notable, _ = summarise_notable(vitals, options)
    weight = summarise_weight(vitals, options)
    timings[f"notable and weight ({len(notable) + len(weight):,} rows)"] = time.perf_counter() - t
    total = time.perf_counter() - t0
    for name, seconds in timings.items():
        print(f"  {name:45s} {seconds:6.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"total {total:.2f} s (target 15 s, shared with the abnormality displays); peak memory {peak:,.0f} MB")


if __name__ == "__main__":
    main()
