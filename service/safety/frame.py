"""The treatment-emergent AEs of the safety set as one columnar frame, built once per analysis.

The counting tables group this frame instead of looping over records in Python: at a million AEs that is the
difference between seconds and minutes (bench/bench_tables.py). Subject, arm, SOC and PT are categoricals; each
classification (related, leading to discontinuation, fatal) is decided once per distinct text by the rules in
service.safety.categories.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from service.importing.records import AdverseEventRecord, field_names
from service.safety.categories import discontinuation_action, fatal_outcome, related_text

SERIOUS_FLAGS = (
    "serious_death",
    "serious_life_threatening",
    "serious_hospitalization",
    "serious_disability",
    "serious_congenital_anomaly",
    "serious_other",
)
SEVERITY_RANKS = {"MILD": 0, "MODERATE": 1, "SEVERE": 2}
MISSING_RANK = -1


def build_event_frame(events: tuple[AdverseEventRecord, ...], arm_of: dict[str, str]) -> pd.DataFrame:
    names = field_names(AdverseEventRecord)
    columns: dict[str, Any] = (
        dict(zip(names, zip(*events, strict=True), strict=True)) if events else {name: () for name in names}
    )
    subjects = pd.Categorical(columns["subject_id"])
    per_subject = np.array([arm_of[s] for s in subjects.categories], dtype=object)
    arms = pd.Categorical(per_subject[subjects.codes] if events else [], categories=sorted(set(arm_of.values())))
    grades = np.array([g if g is not None else 0 for g in columns["ctcae_grade"]], dtype=int)
    frame = pd.DataFrame(
        {
            "subject": subjects,
            "arm": arms,
            "soc": pd.Categorical(columns["soc_name"]),
            "pt": pd.Categorical(columns["pt_name"]),
            "serious": np.asarray(columns["serious"], dtype=bool),
            **{flag: np.asarray(columns[flag], dtype=bool) for flag in SERIOUS_FLAGS},
            "related": _classify(columns["relationship"], related_text),
            "discontinuation": _classify(columns["action_taken"], discontinuation_action),
            "grade_3_or_more": grades >= 3,
            "grade_rank": grades - 1,  # grade 1..5 → rank 0..4; missing → -1
            "severity_rank": _classify(columns["severity"], lambda v: SEVERITY_RANKS.get(v or "", MISSING_RANK), int),
            "start": pd.to_datetime(pd.Series(columns["start_date"], dtype=object)),
        }
    )
    frame["fatal"] = _classify(columns["outcome"], fatal_outcome) | (grades == 5) | frame["serious_death"].to_numpy()
    return frame


def _classify(values: tuple[Any, ...], rule: Callable[[Any], Any], dtype: type = bool) -> np.ndarray:
    if not values:
        return np.zeros(0, dtype=dtype)
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    lookup: np.ndarray = np.array(
        [rule(None if u is None or (isinstance(u, float) and np.isnan(u)) else u) for u in uniques], dtype=dtype
    )
    return lookup[codes]
