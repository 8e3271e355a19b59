"""Laboratory records for the hand-checked trial (tests/analysis_fixture.py), built as the readers would give them
(service.labs.frame.conform), for checking the abnormality tables by hand.

Safety arms: Drug A1–A4, Low dose Z1–Z2, Placebo P1–P3 (A5 never treated: not in the safety population). Ranges:
HGB 120–160 g/L, ALT and AST ULN 40 U/L, BILI ULN 20 umol/L, ALP ULN 120 U/L. Day 0 is the baseline record
(ABLFL = Y); later days are on treatment (ONTRTFL = Y) unless marked; no ANL01FL, so the tables count the
on-treatment records. The expected numbers in the tests are worked out from these rows in their comments.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from service.importing.records import ImportedTrial
from service.labs.frame import conform
from tests.analysis_fixture import hand_trial

RANGES = {"HGB": (120.0, 160.0, "g/L"), "ALT": (None, 40.0, "U/L"), "AST": (None, 40.0, "U/L"),
          "BILI": (None, 20.0, "umol/L"), "ALP": (None, 120.0, "U/L")}  # fmt: skip
NAMES = {"HGB": "Hemoglobin (g/L)", "ALT": "Alanine Aminotransferase (U/L)", "AST": "Aspartate Aminotransferase (U/L)",
         "BILI": "Bilirubin (umol/L)", "ALP": "Alkaline Phosphatase (U/L)"}  # fmt: skip
CATEGORY = {"HGB": "HEMATOLOGY"}


def category(value: float, low: float | None, high: float | None) -> str:
    if low is not None and value < low:
        return "LOW"
    return "HIGH" if high is not None and value > high else "NORMAL"


def record(subject: str, parameter: str, day: int, value: float, **extra: Any) -> dict[str, Any]:
    low, high, unit = RANGES[parameter]
    if extra.pop("no_range", False):
        low = high = None
    row = {
        "subject_id": subject, "domain": "LB", "dataset": "labs.csv", "paramcd": parameter, "param": NAMES[parameter],
        "parcat1": CATEGORY.get(parameter, "CHEMISTRY"), "unit": unit,
        "visit": "Baseline" if day == 0 else f"Day {day}",
        "ady": float(day), "aval": value, "anrlo": low, "anrhi": high,
        "anrind": category(value, low, high) if high is not None else None,
        "ablfl": day == 0, "ontrtfl": day >= 1,
    }  # fmt: skip
    row.update(extra)
    return row


RECORDS = [
    # HGB: categories and shifts
    record("A1", "HGB", 0, 130), record("A1", "HGB", 8, 110), record("A1", "HGB", 15, 170),
    record("A2", "HGB", 0, 110), record("A2", "HGB", 8, 115), record("A2", "HGB", 15, 125),
    record("A3", "HGB", -3, 100, ontrtfl=False),  # before the first dose, not the baseline record
    record("A3", "HGB", 0, 150), record("A3", "HGB", 8, 140), record("A3", "HGB", 15, 145),
    record("A3", "HGB", 22, 90, dtype="LOCF"),  # a derived record: not counted without ANL01FL
    record("A4", "HGB", 0, 165), record("A4", "HGB", 8, 170),
    record("Z1", "HGB", 8, 100),  # no baseline record
    record("P1", "HGB", 0, 130), record("P1", "HGB", 8, 135),
    record("P2", "HGB", 0, 130), record("P2", "HGB", 8, 100, atoxgr=2.0),
    record("P3", "HGB", 0, 125), record("P3", "HGB", 8, 100, no_range=True),  # no range: no category
    record("A5", "HGB", 8, 50),  # never treated: not in the safety population
    # liver tests
    record("A1", "ALT", 0, 20), record("A1", "ALT", 8, 130), record("A1", "ALT", 15, 60),
    record("A1", "AST", 8, 100), record("A1", "BILI", 29, 50), record("A1", "ALP", 8, 150),
    record("A2", "ALT", 8, 250), record("A2", "AST", 8, 450), record("A2", "BILI", 8, 30),
    record("A2", "ALP", 8, 250),
    record("A3", "ALT", 8, 40), record("A3", "AST", 8, 30), record("A3", "BILI", 8, 10), record("A3", "ALP", 8, 100),
    record("A4", "ALT", 8, 120), record("A4", "BILI", 8, 40),
    record("Z1", "ALT", 8, 61),
    record("P1", "ALT", 8, 20), record("P1", "AST", 8, 20), record("P1", "BILI", 8, 45),
    record("P2", "ALT", 8, 500, no_range=True), record("P2", "AST", 8, 130), record("P2", "BILI", 8, 10),
    record("A5", "ALT", 8, 500), record("A5", "BILI", 8, 100),
]  # fmt: skip


def lab_frame(rows: list[dict[str, Any]] | None = None) -> pd.DataFrame:
    """The records as one laboratory frame; each participant's BNRIND is their baseline record's ANRIND."""
    frame = pd.DataFrame(RECORDS if rows is None else rows)
    base = frame[frame["ablfl"]].set_index(["subject_id", "paramcd"])["anrind"]
    frame["bnrind"] = [base.get((s, p)) for s, p in zip(frame["subject_id"], frame["paramcd"], strict=True)]
    return conform(frame)


def lab_trial(**definition: Any) -> ImportedTrial:
    return replace(hand_trial(**definition), labs=lab_frame())
