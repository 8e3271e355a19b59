"""A small trial for checking the laboratory and vital-sign displays over time by hand.

Arms: Drug (DRG) and Placebo (PBO, control). Participants, first dose, end of participation:
  D1 Drug     2020-01-01, completed 2020-07-01
  D2 Drug     2020-01-01, discontinued 2020-01-20 (before the day-29 visit)
  D3 Drug     2020-01-01, completed 2020-07-01
  P1 Placebo  2020-01-01, completed 2020-07-01
  P2 Placebo  2020-01-01, completed 2020-07-01
  X1 Placebo  never dosed: not in the safety population (its records are never counted)
Records are written in the tests beside the numbers they should give.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pandas as pd

from service.importing.records import ArmRecord, ImportedTrial, ParticipantRecord, TrialDefinition
from service.labs.frame import conform

START = date(2020, 1, 1)
ARMS = (ArmRecord("DRG", "Drug", arm_type="Experimental"),
        ArmRecord("PBO", "Placebo", arm_type="Placebo Comparator", is_control=True))  # fmt: skip


def person(subject: str, arm: str, end: date | None, status: str = "completed", dosed: bool = True
           ) -> ParticipantRecord:  # fmt: skip
    return ParticipantRecord(
        subject_id=subject, randomized=True, arm_code=arm, actual_arm_code=arm if dosed else None,
        randomization_date=START, first_dose_date=START if dosed else None, safety_population=dosed,
        itt_population=True, disposition=status, disposition_date=end, study_end_date=end,
    )  # fmt: skip


PARTICIPANTS = (
    person("D1", "DRG", date(2020, 7, 1)),
    person("D2", "DRG", date(2020, 1, 20), "discontinued"),
    person("D3", "DRG", date(2020, 7, 1)),
    person("P1", "PBO", date(2020, 7, 1)),
    person("P2", "PBO", date(2020, 7, 1)),
    person("X1", "PBO", None, "discontinued", dosed=False),
)
VISITS = {"Baseline": (0.0, 1), "Day 29": (1.0, 29), "Day 85": (2.0, 85)}


def record(subject: str, paramcd: str, visit: str, aval: float | None, *, base: float | None = None,
           domain: str = "LB", **more: Any) -> dict[str, Any]:  # fmt: skip
    """One record; day and date from the visit, ABLFL on the baseline visit, CHG = AVAL − BASE after it."""
    number, day = VISITS[visit]
    baseline = visit == "Baseline"
    row: dict[str, Any] = {
        "subject_id": subject, "domain": domain, "dataset": "ADLB" if domain == "LB" else "ADVS",
        "paramcd": paramcd, "param": more.pop("param", paramcd), "visit": visit, "visitnum": number,
        "adt": pd.Timestamp(START + timedelta(days=day - 1)), "ady": float(day), "aval": aval,
        "base": base if base is not None else (aval if baseline else None), "ablfl": baseline,
        "ontrtfl": not baseline,
    }  # fmt: skip
    if not baseline and aval is not None and base is not None:
        row["chg"] = aval - base
    row.update(more)
    return row


def trial(records: list[dict[str, Any]], arms: tuple[ArmRecord, ...] = ARMS,
          participants: tuple[ParticipantRecord, ...] = PARTICIPANTS, raw: dict[str, Any] | None = None,
          cutoff: date | None = date(2020, 12, 31)) -> ImportedTrial:  # fmt: skip
    frame = conform(pd.DataFrame(records)) if records else None
    definition = TrialDefinition(title="Lab fixture", arms=arms, data_cutoff=cutoff,
                                 raw={"trial": {"title": "Lab fixture"}, **(raw or {})})  # fmt: skip
    data = ImportedTrial("LABS", "adam", "fixture", definition, arms, participants, ())
    return replace(data, labs=frame)
