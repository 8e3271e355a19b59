"""Laboratory and vital-sign records for a generated trial (tests/trialgen.py), built here because the generated
trials carry none yet: chemistry and haematology, and blood pressure and pulse supine and standing, and weight, at
the trial's visits up to each participant's end. SYNTHETIC: random values from a fixed seed."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pandas as pd

from service.importing.records import ImportedTrial
from service.labs.frame import conform
from tests.trialgen import DATA_CUTOFF, VISITS, GeneratedTrial

LABS = (("ALT", "Alanine Aminotransferase (U/L)", 25, 8, 0), ("AST", "Aspartate Aminotransferase (U/L)", 24, 7, 0),
        ("CREAT", "Creatinine (umol/L)", 80, 12, 0), ("HGB", "Hemoglobin (g/dL)", 13.5, 1.2, 1))  # fmt: skip
VITALS = (("SYSBP", "Systolic Blood Pressure (mmHg)", 122, 14), ("DIABP", "Diastolic Blood Pressure (mmHg)", 78, 9),
          ("PULSE", "Pulse Rate (beats/min)", 72, 10))  # fmt: skip


def with_labs(data: ImportedTrial, trial: GeneratedTrial, seed: int = 2) -> ImportedTrial:
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    for person in trial.people:
        if person.arm is None or person.first_dose is None:
            continue
        stop = min(person.end or DATA_CUTOFF, DATA_CUTOFF)
        base: dict[tuple[str, str], float] = {}
        for visit, number, day in VISITS:
            on = person.first_dose + timedelta(days=day)
            if on > stop:
                break
            at = {"subject_id": person.subject_id, "visit": visit, "visitnum": float(number), "adt": pd.Timestamp(on),
                  "ady": float(day + 1), "ablfl": day == 0, "ontrtfl": day > 0}  # fmt: skip
            for code, name, mean, sd, decimals in LABS:
                if rng.random() > 0.1 or day == 0:  # some results not collected
                    records.append(_record(at, base, "LB", code, name, round(rng.gauss(mean, sd), decimals)))
            for code, name, mean, sd in VITALS:
                for position in ("SUPINE", "STANDING"):
                    value = float(round(rng.gauss(mean + (8 if position == "STANDING" else 0), sd)))
                    records.append(_record(at, base, "VS", code, name, value, position))
            weight = rng.gauss(75, 6) if day == 0 else base[("WEIGHT", "")] * rng.uniform(0.85, 1.15)
            records.append(_record(at, base, "VS", "WEIGHT", "Weight (kg)", round(weight, 1)))
    return replace(data, labs=conform(pd.DataFrame(records)))


def _record(at: dict[str, Any], base: dict[tuple[str, str], float], domain: str, code: str, name: str, value: float,
            position: str | None = None) -> dict[str, Any]:  # fmt: skip
    key = (code, position or "")
    if at["ablfl"]:
        base[key] = value
    return {**at, "domain": domain, "dataset": "ADLB" if domain == "LB" else "ADVS", "paramcd": code, "param": name,
            "position": position, "tpt": position, "aval": value, "base": base.get(key),
            "chg": None if at["ablfl"] else round(value - base[key], 3)}  # fmt: skip
