"""Adverse events as one columnar frame: what every counting table groups.

At a million AEs, grouping a frame instead of looping over records in Python is the difference between
seconds and minutes (bench/bench_tables.py). The frame is built from columns, so that a stored snapshot can
be read straight into it (service.trialdata) and records need exist only for the events a listing shows.
Subject, SOC and PT are categoricals; each classification (related, leading to discontinuation, fatal) is
decided once per distinct text by the rules in service.safety.categories; seriousness and relatedness as the
trial's [safety] rules say (apply_safety_rules).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from service.importing.records import AdverseEventRecord, field_names
from service.safety.categories import discontinuation_action, fatal_outcome
from service.safety.rules import SafetyRules

DEFAULT_RULES = SafetyRules()

SERIOUS_FLAGS = (
    "serious_death",
    "serious_life_threatening",
    "serious_hospitalization",
    "serious_disability",
    "serious_congenital_anomaly",
    "serious_other",
)
# The AE fields the frame is built from (names of AdverseEventRecord and of the adverse_event table).
FRAME_FIELDS = (
    "subject_id",
    "soc_name",
    "pt_name",
    "serious",
    *SERIOUS_FLAGS,
    "relationship",
    "action_taken",
    "ctcae_grade",
    "severity",
    "start_date",
    "outcome",
    "treatment_emergent",
    "llt_name",
    "groups",
)
SEVERITY_RANKS = {"MILD": 0, "MODERATE": 1, "SEVERE": 2}
MISSING_RANK = -1


def build_event_frame(events: Sequence[AdverseEventRecord]) -> pd.DataFrame:
    names = field_names(AdverseEventRecord)
    columns = dict(zip(names, zip(*events, strict=True), strict=True)) if events else {}
    return frame_from_columns({name: columns.get(name, ()) for name in FRAME_FIELDS})


def frame_from_columns(columns: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """One row per AE, from its FRAME_FIELDS given column by column."""
    grades = np.array([g if g is not None else 0 for g in columns["ctcae_grade"]], dtype=int)
    frame = pd.DataFrame(
        {
            "subject": pd.Categorical(columns["subject_id"]),
            "soc": pd.Categorical(columns["soc_name"]),
            "pt": pd.Categorical(columns["pt_name"]),
            "serious": np.asarray(columns["serious"], dtype=bool),  # as [safety] seriousness says: apply_safety_rules
            "aeser": np.asarray(columns["serious"], dtype=bool),  # as the data give it
            **{flag: np.asarray(columns[flag], dtype=bool) for flag in SERIOUS_FLAGS},
            "relationship": pd.Categorical(columns["relationship"]),
            "related": _classify(columns["relationship"], DEFAULT_RULES.is_related),
            "relationship_known": _classify(columns["relationship"], _given),
            "discontinuation": _classify(columns["action_taken"], discontinuation_action),
            "action_known": _classify(columns["action_taken"], _given),
            "grade_3_or_more": grades >= 3,
            "grade_rank": grades - 1,  # grade 1..5 → rank 0..4; missing → -1
            "severity_rank": _classify(columns["severity"], lambda v: SEVERITY_RANKS.get(v or "", MISSING_RANK), int),
            "start": pd.to_datetime(pd.Series(columns["start_date"], dtype=object)),
            "treatment_emergent": np.asarray(columns["treatment_emergent"], dtype=bool),
            # For AEs of special interest (service.safety.special_interest): the LLT, and the groupings as given.
            "llt": pd.Categorical(columns["llt_name"]),
            "groups": pd.Series(columns["groups"], dtype=object),
        }
    )
    frame["fatal"] = _classify(columns["outcome"], fatal_outcome) | (grades == 5) | frame["serious_death"].to_numpy()
    return frame


def apply_safety_rules(frame: pd.DataFrame, rules: SafetyRules) -> pd.DataFrame:
    """The frame with `serious` and `related` as the trial's [safety] rules decide them (service.safety.rules)."""
    if frame.empty:
        return frame
    frame = frame.copy()
    criteria = frame[list(SERIOUS_FLAGS)].to_numpy().any(axis=1)
    frame["serious"] = frame["aeser"].to_numpy() | (criteria if rules.seriousness == "criteria" else False)
    relationship = frame["relationship"].cat
    lookup = np.array([rules.is_related(str(value)) for value in relationship.categories] + [True], dtype=bool)
    frame["related"] = lookup[relationship.codes.to_numpy()]  # code -1 (missing) takes the last entry: related
    return frame


def listed(frame: pd.DataFrame) -> np.ndarray:
    """The AEs some listing shows, whatever the seriousness rule: flagged serious or meeting a seriousness
    criterion, leading to discontinuation, or fatal (service.safety.listings)."""
    criteria = frame[list(SERIOUS_FLAGS)].to_numpy().any(axis=1) if len(frame) else np.zeros(0, dtype=bool)
    return (frame["aeser"] | frame["discontinuation"] | frame["fatal"]).to_numpy() | criteria


def with_arms(frame: pd.DataFrame, arm_of: Mapping[str, str], arms: Sequence[str]) -> pd.DataFrame:
    """The frame's AEs of the participants in `arm_of`, with their arm as a categorical column."""
    subjects = frame["subject"].cat
    per_subject = np.array([arm_of.get(s) for s in subjects.categories], dtype=object)
    kept = frame[pd.notna(per_subject[subjects.codes.to_numpy()]) & (subjects.codes.to_numpy() >= 0)].copy()
    codes = kept["subject"].cat.codes.to_numpy()
    kept["arm"] = pd.Categorical(per_subject[codes] if len(kept) else [], categories=list(arms))
    return kept


def _given(value: Any) -> bool:
    return value is not None and value != ""


def _classify(values: Sequence[Any], rule: Callable[[Any], Any], dtype: type = bool) -> np.ndarray:
    if not len(values):
        return np.zeros(0, dtype=dtype)
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    lookup: np.ndarray = np.array(
        [rule(None if u is None or (isinstance(u, float) and np.isnan(u)) else u) for u in uniques], dtype=dtype
    )
    return lookup[codes]
