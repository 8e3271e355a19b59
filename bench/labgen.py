"""Synthetic laboratory data at any size, as the laboratory frame (service.labs.frame) and as a bundle `labs.csv`.

SYNTHETIC: random values from a fixed seed; the same arguments give the same records. Participants P000000...
(as bench/generate.py names them), each with every parameter at every visit: visit 1 is
screening (the baseline, the day before the first dose), visits 2... are four weeks apart, on treatment. About 1%
of the values are missing and 0.2% of the records have no date (they keep their visit).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from service.labs.frame import LAB_COLUMNS

START = np.datetime64("2020-01-06", "s")
CATEGORIES = ("CHEMISTRY", "HEMATOLOGY", "URINALYSIS")
# The bundle's labs.csv columns, in order (labsin's reader reads them).
LABS_CSV_COLUMNS = ("subject_id", "parameter", "parameter_label", "category", "unit", "visit", "visit_number",
                    "timepoint", "timepoint_number", "position", "date", "value", "value_text", "low", "high",
                    "baseline", "analysis", "toxicity_grade")  # fmt: skip


def generate_frame(participants: int, parameters: int = 30, visits: int = 12, seed: int = 20261201) -> pd.DataFrame:
    """participants x parameters x visits records of LAB_COLUMNS, sorted by participant, parameter and visit."""
    rng = np.random.default_rng(seed)
    n = participants * parameters * visits
    subject = np.repeat(np.arange(participants), parameters * visits)
    param = np.tile(np.repeat(np.arange(parameters), visits), participants)
    visit = np.tile(np.arange(visits), participants * parameters)
    codes = np.array([f"P{i:02d}" for i in range(parameters)], dtype=object)
    units = np.array([("U/L", "g/L", "mmol/L", "10^9/L")[i % 4] for i in range(parameters)], dtype=object)
    names = np.array([f"Parameter {i:02d} ({units[i]})" for i in range(parameters)], dtype=object)
    centre = rng.uniform(5, 150, parameters)
    spread = centre * rng.uniform(0.05, 0.2, parameters)
    low, high = np.round(centre - 2 * spread, 1), np.round(centre + 2 * spread, 1)
    # Each participant's own level, then visit-to-visit noise: values to the source's one decimal.
    level = centre[param] + rng.normal(0, 1, participants * parameters).repeat(visits) * spread[param] * 0.7
    aval = np.round(level + rng.normal(0, 0.5, n) * spread[param], 1)
    aval[rng.random(n) < 0.01] = np.nan
    first_dose = START + (rng.integers(0, 700, participants) * 86400).astype("timedelta64[s]")
    day = np.where(visit == 0, -1, visit * 28 + rng.integers(-3, 4, n))
    adt = first_dose[subject] + (day * 86400).astype("timedelta64[s]")
    adt[rng.random(n) < 0.002] = np.datetime64("NaT")
    base_index = np.arange(n) - visit  # the screening record of the same participant and parameter
    base = aval[base_index]
    category = np.where(aval < low[param], "LOW", np.where(aval > high[param], "HIGH", "NORMAL"))
    anrind = np.where(np.isnan(aval), None, category).astype(object)
    grade = np.where(anrind == "NORMAL", 0.0, rng.integers(1, 4, n).astype(float))
    grade[np.isnan(aval)] = np.nan
    on_treatment = visit > 0
    frame = pd.DataFrame(
        {
            "subject_id": np.array([f"P{i:06d}" for i in range(participants)], dtype=object)[subject],
            "domain": np.full(n, "LB", dtype=object),
            "dataset": np.full(n, "labs.csv", dtype=object),
            "paramcd": codes[param],
            "param": names[param],
            "parcat1": np.array([CATEGORIES[i % 2] for i in range(parameters)], dtype=object)[param],
            "unit": units[param],
            "visit": np.array(["Screening"] + [f"Week {4 * v}" for v in range(1, visits)], dtype=object)[visit],
            "visitnum": visit.astype(float) + 1,
            "tpt": np.full(n, None, dtype=object),
            "tptnum": np.full(n, np.nan),
            "position": np.full(n, None, dtype=object),
            "adt": adt,
            "ady": np.where(np.isnat(adt), np.nan, day + (day >= 0)).astype(float),
            "aval": aval,
            "avalc": np.full(n, None, dtype=object),
            "base": base,
            "chg": np.where(on_treatment, aval - base, np.nan),
            "anrlo": low[param],
            "anrhi": high[param],
            "anrind": anrind,
            "bnrind": anrind[base_index],
            "atoxgr": grade,
            "btoxgr": grade[base_index],
            "ablfl": pd.array(visit == 0, dtype="boolean"),
            "anl01fl": pd.array(np.full(n, None), dtype="boolean"),
            "ontrtfl": pd.array(on_treatment, dtype="boolean"),
            "dtype": np.full(n, None, dtype=object),
        }
    )
    assert list(frame.columns) == list(LAB_COLUMNS)
    return frame.astype(LAB_COLUMNS)


def write_labs_csv(frame: pd.DataFrame, path: Path) -> Path:
    """The frame as a bundle labs.csv (LABS_CSV_COLUMNS): dates ISO, flags Y or empty, missing values empty."""
    flags = {"baseline": "ablfl", "analysis": "anl01fl"}
    columns = {
        "subject_id": frame["subject_id"], "parameter": frame["paramcd"], "parameter_label": frame["param"],
        "category": frame["parcat1"], "unit": frame["unit"], "visit": frame["visit"],
        "visit_number": frame["visitnum"], "timepoint": frame["tpt"], "timepoint_number": frame["tptnum"],
        "position": frame["position"], "date": frame["adt"].dt.strftime("%Y-%m-%d"), "value": frame["aval"],
        "value_text": frame["avalc"], "low": frame["anrlo"], "high": frame["anrhi"],
        **{name: frame[flag].map({True: "Y", False: ""}) for name, flag in flags.items()},
        "toxicity_grade": frame["atoxgr"].astype("Int64"),
    }  # fmt: skip
    pd.DataFrame(columns)[list(LABS_CSV_COLUMNS)].to_csv(path, index=False)
    return path
