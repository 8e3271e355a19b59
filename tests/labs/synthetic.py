"""A synthetic laboratory frame of any size, for trials of k arms and for timing the abnormality tables.

SYNTHETIC: normal values from a fixed seed around each parameter's range, a few participants' liver tests raised;
the same arguments give the same frame. Built with numpy, column by column, so 3.6 million records take seconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from service.labs.frame import conform

# code, label, unit, category, low, high
LIVER = [
    ("ALT", "Alanine Aminotransferase (U/L)", "U/L", "CHEMISTRY", 7.0, 40.0),
    ("AST", "Aspartate Aminotransferase (U/L)", "U/L", "CHEMISTRY", 8.0, 40.0),
    ("BILI", "Bilirubin (umol/L)", "umol/L", "CHEMISTRY", 3.0, 21.0),
    ("ALP", "Alkaline Phosphatase (U/L)", "U/L", "CHEMISTRY", 40.0, 130.0),
]
OTHERS = [
    ("HGB", "Hemoglobin (g/L)", "g/L", "HEMATOLOGY", 120.0, 160.0),
    ("WBC", "Leukocytes (10^9/L)", "10^9/L", "HEMATOLOGY", 4.0, 11.0),
    ("PLAT", "Platelets (10^9/L)", "10^9/L", "HEMATOLOGY", 150.0, 400.0),
    ("CREAT", "Creatinine (umol/L)", "umol/L", "CHEMISTRY", 60.0, 110.0),
    ("K", "Potassium (mmol/L)", "mmol/L", "CHEMISTRY", 3.5, 5.1),
    ("SODIUM", "Sodium (mmol/L)", "mmol/L", "CHEMISTRY", 135.0, 145.0),
    ("GLUC", "Glucose (mmol/L)", "mmol/L", "CHEMISTRY", 3.9, 5.6),
]


def parameters(count: int) -> list[tuple[str, str, str, str, float, float]]:
    """The liver tests, then others, then numbered chemistry tests up to `count`."""
    found = [*LIVER, *OTHERS][:count]
    found += [(f"CH{i:02d}", f"Chemistry test {i} (U/L)", "U/L", "CHEMISTRY", 10.0, 50.0)
              for i in range(count - len(found))]  # fmt: skip
    return found


def synthetic_lab_frame(subjects: Sequence[str], *, parameter_count: int = 30, visits: int = 12,
                        seed: int = 11, raised: float = 0.02) -> pd.DataFrame:  # fmt: skip
    """Every participant × parameter × visit (visit 0 the baseline record, then every 14 days); `raised`: the share
    of participants whose liver tests run high (ALT and AST up to 12×ULN, bilirubin up to 4×ULN)."""
    rng = np.random.default_rng(seed)
    specs = parameters(parameter_count)
    n, p, v = len(subjects), len(specs), visits
    size = n * p * v
    subject = np.repeat(np.arange(n), p * v)
    parameter = np.tile(np.repeat(np.arange(p), v), n)
    visit = np.tile(np.arange(v), n * p)
    low = np.array([s[4] for s in specs])[parameter]
    high = np.array([s[5] for s in specs])[parameter]
    middle, spread = (low + high) / 2, (high - low) / 2
    value = middle + spread * rng.normal(0, 0.7, size)
    liver = parameter < min(len(LIVER), p)
    lifted = np.isin(subject, np.flatnonzero(rng.random(n) < raised)) & liver & (visit > 0)
    value[lifted] = high[lifted] * rng.uniform(1.0, np.where(parameter[lifted] == 2, 4.0, 12.0))
    value = np.round(np.maximum(value, 0.0), 1)
    category = np.where(value < low, "LOW", np.where(value > high, "HIGH", "NORMAL")).astype(object)
    baseline_of = category.reshape(n * p, v)[:, 0]
    grade = np.where(value > 5 * high, 3.0, np.where(value > 3 * high, 2.0, np.nan))
    codes = np.array([s[0] for s in specs], dtype=object)
    frame = pd.DataFrame({
        "subject_id": np.asarray(subjects, dtype=object)[subject],
        "domain": np.full(size, "LB", dtype=object),
        "dataset": np.full(size, "ADLBC", dtype=object),
        "paramcd": codes[parameter],
        "param": np.array([s[1] for s in specs], dtype=object)[parameter],
        "parcat1": np.array([s[3] for s in specs], dtype=object)[parameter],
        "unit": np.array([s[2] for s in specs], dtype=object)[parameter],
        "visit": np.array(["Baseline"] + [f"Week {2 * i}" for i in range(1, v)], dtype=object)[visit],
        "visitnum": visit.astype(float),
        "ady": np.where(visit == 0, 1.0, 14.0 * visit + 1),
        "aval": value, "anrlo": low, "anrhi": high,
        "anrind": category, "bnrind": np.repeat(baseline_of, v), "atoxgr": grade,
        "ablfl": visit == 0, "anl01fl": np.ones(size, dtype=bool), "ontrtfl": visit > 0,
    })  # fmt: skip
    return conform(frame)
