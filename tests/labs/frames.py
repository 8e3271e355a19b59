"""Small laboratory frames for the storage tests, with the values that are hard to keep: -0.0, NaN, the smallest
subnormal, 0.1 + 0.2, text that is empty or not ASCII, missing dates, <NA> flags."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from service.labs.frame import LAB_COLUMNS, conform

NAT = np.datetime64("NaT")


def lab_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Records given by the columns they set; every other column missing."""
    return conform(pd.DataFrame(rows)).astype(LAB_COLUMNS)


def awkward_frame() -> pd.DataFrame:
    """Six records, each of its own (participant, parameter, visit), so that their stored order is known: by
    participant, parameter, visit number."""
    return lab_frame([
        {"subject_id": "T-02", "domain": "LB", "paramcd": "ALT", "param": "Alanine Aminotransferase (U/L)",
         "visit": "Week 4", "visitnum": 2.0, "adt": np.datetime64("2020-02-01"), "aval": -0.0, "base": 5e-324,
         "chg": 0.1 + 0.2, "anrlo": 7.0, "anrhi": 55.0, "anrind": "NORMAL", "ablfl": False, "anl01fl": True,
         "ontrtfl": True},
        {"subject_id": "T-01", "domain": "LB", "paramcd": "ALT", "param": "Alanine Aminotransferase (U/L)",
         "visit": "Week 4", "visitnum": 2.0, "adt": NAT, "aval": float("nan"), "avalc": "<5", "anrind": None,
         "ablfl": False, "anl01fl": None, "ontrtfl": None},
        {"subject_id": "T-01", "domain": "LB", "paramcd": "ALT", "param": "Alanine Aminotransferase (U/L)",
         "visit": "Screening", "visitnum": 1.0, "adt": np.datetime64("2020-01-02"), "aval": 1.7976931348623157e308,
         "anrind": "HIGH", "ablfl": True, "anl01fl": False, "ontrtfl": False, "atoxgr": 3.0},
        {"subject_id": "T-01", "domain": "VS", "paramcd": "SYSBP", "param": "Systolic Blood Pressure (mmHg)",
         "visit": "Screening", "visitnum": 1.0, "tpt": "5 min", "tptnum": 1.0, "position": "SUPINE",
         "adt": np.datetime64("2020-01-02"), "aval": 121.0, "ablfl": True, "dtype": ""},
        {"subject_id": "Tē-03 ✓", "domain": "LB", "paramcd": "ALT", "param": "", "visit": "Screening",
         "visitnum": 1.0, "adt": np.datetime64("1969-12-31"), "aval": -1e-300, "dtype": "LOCF"},
        {"subject_id": "T-02", "domain": "LB", "paramcd": "ALT", "param": "Alanine Aminotransferase (U/L)",
         "visit": "Screening", "visitnum": 1.0, "adt": np.datetime64("2020-01-01"), "aval": 12.5, "ablfl": True},
    ])  # fmt: skip


def in_stored_order(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["subject_id", "paramcd", "visitnum"], kind="stable").reset_index(drop=True)


def assert_same_records(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Equal column for column and dtype for dtype, floats bit for bit (assert_frame_equal takes -0.0 for 0.0)."""
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    for name, dtype in LAB_COLUMNS.items():
        if dtype == "float64":
            assert got[name].to_numpy().view(np.int64).tolist() == expected[name].to_numpy().view(np.int64).tolist()
