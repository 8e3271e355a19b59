"""Times the laboratory abnormality tables on a synthetic frame (issue 27's scale: 10,000 participants × 30
parameters × 12 visits = 3.6 million records; the laboratory and vital-sign tables together have 15 s).

    python -m tests.labs.time_abnormal [participants] [parameters] [visits]
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace

from service.analysis import TABLES, AnalysisInputs
from service.importing.records import ArmRecord, ImportedTrial, ParticipantRecord, TrialDefinition
from service.safety.population import derive_safety_set
from tests.labs.synthetic import synthetic_lab_frame

LAB_TABLES = ("lab_categories", "lab_shift_low", "lab_shift_high", "lab_shift_test", "lab_liver", "lab_liver_peaks",
              "listing_lab_significant")  # fmt: skip
ARMS = (ArmRecord("PBO", "Placebo", is_control=True), ArmRecord("LOW", "Low dose"), ArmRecord("HIGH", "High dose"))


def synthetic_trial(participants: int, parameters: int, visits: int) -> ImportedTrial:
    people = tuple(ParticipantRecord(f"S{i:06d}", randomized=True, arm_code=ARMS[i % 3].code,
                                     actual_arm_code=ARMS[i % 3].code, safety_population=True)
                   for i in range(participants))  # fmt: skip
    trial = ImportedTrial("timing", "adam", "-", TrialDefinition(arms=ARMS), ARMS, people, ())
    frame = synthetic_lab_frame([p.subject_id for p in people], parameter_count=parameters, visits=visits)
    return replace(trial, labs=frame)


def time_lab_tables(data: ImportedTrial) -> dict[str, float]:
    """Seconds per table, in order (the first pays for the shared reduction of the frame)."""
    inputs = AnalysisInputs(data, derive_safety_set(data), "meddra", 5.0, None)
    seconds = {}
    for spec in TABLES:
        if spec.name in LAB_TABLES:
            start = time.perf_counter()
            table = spec.build(inputs)
            seconds[f"{spec.name} ({len(table.rows)} rows)"] = time.perf_counter() - start
    return seconds


def main() -> None:
    participants, parameters, visits = (int(a) for a in (sys.argv[1:] + ["10000", "30", "12"][len(sys.argv) - 1 :]))
    start = time.perf_counter()
    data = synthetic_trial(participants, parameters, visits)
    print(f"{len(data.labs):,} records built in {time.perf_counter() - start:.1f} s")
    seconds = time_lab_tables(data)
    for name, taken in seconds.items():
        print(f"  {name}: {taken:.2f} s")
    print(f"all laboratory abnormality tables: {sum(seconds.values()):.2f} s")


if __name__ == "__main__":
    main()
