"""Missing laboratory data by visit (FDA ST&F IG: subjects remaining in the trial at each visit, by whether the
laboratory result is available): per parameter, visit and arm, the participants expected at the visit and of them
how many have no result there.

Rules, in order:
1. A parameter's visits are the scheduled visits at which anyone has a result of it (an unscheduled visit,
   AVISIT "Unscheduled ...", is not expected of anyone and is left out).
2. A visit's study day is the median study day (ADY) of the laboratory records at it.
3. A participant of the safety population is expected at a visit when they were still on study by its day: first
   dose + (visit day − 1) is on or before the end of their observation (end of participation, else disposition,
   else death, else the data cut-off; service.safety.rates.end_of_observation); a baseline visit (day 1 or
   earlier) is expected of everyone; where the first dose or the visit's day is unknown, everyone is expected. A
   participant with a result at the visit was there, so is expected whatever the dates say.
4. Missing: expected, and no result of the parameter at the visit (AVAL, or AVALC for a character result):
   not collected. n and % of the expected.

    # Day 29 of the fixture: D2 ended on day 20 (not expected); D1 has a result, D3 none; P1, P2 none:
    # Drug expected 2, missing 1 (50%); Placebo expected 2, missing 2 (100%); Total 4, 3 (75%)
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from service.labs.records import Records
from service.labs.visit_rows import MissingRow
from service.results import TOTAL
from service.safety.population import SafetySet
from service.safety.rates import end_of_observation

MISSING_RULES = (
    "Expected: participants of the safety population still on study by the visit (first dose + the visit's study "
    "day − 1 on or before the end of their participation, else their death, else the data cut-off; the visit's day "
    "is the median study day of its laboratory records), and anyone with a result at it; every participant at "
    "baseline.",
    "Missing: expected, with no result of the parameter at the visit (not collected), n (% of expected). A "
    "parameter's visits are the scheduled visits at which anyone has a result of it.",
)


def unscheduled(name: str) -> bool:
    return "UNSCHED" in name.upper() or not name.strip()


def summarise_missing(records: Records, safety: SafetySet, data_cutoff: date | None) -> tuple[MissingRow, ...]:
    if records.empty:
        return ()
    frame = records.frame
    people = list(safety.participants)
    place = {subject: i for i, subject in enumerate(people)}
    record_person = np.array([place.get(s, -1) for s in records.subjects], dtype=np.int64)[frame["subject"].to_numpy()]
    visits = [v for v in records.visit_order() if not unscheduled(records.visits[v])]
    day = frame.groupby("visit")["ady"].median()
    expected = _expected(people, safety, [day.get(v, np.nan) for v in visits], data_cutoff)  # people x visits
    lookup = np.full(max(len(records.visits), 1), -1, dtype=np.int64)
    lookup[visits] = np.arange(len(visits))
    visit_index = lookup[frame["visit"].to_numpy()]
    kept = (visit_index >= 0) & frame["valued"].to_numpy()
    params = len(records.paramcds)
    have = np.zeros((len(people), params, len(visits)), dtype=bool)
    have[record_person[kept], frame["param"].to_numpy()[kept], visit_index[kept]] = True
    expected_at = expected[:, None, :] | have  # rule 3: a result means they were there
    missing = expected_at & ~have
    arm_place = {label: i for i, label in enumerate(safety.arms)}
    onehot = np.zeros((len(people), len(safety.arms) + 1))
    for i, subject in enumerate(people):
        onehot[i, arm_place[safety.arm_of[subject]]] = 1
    onehot[:, -1] = 1  # Total
    n_expected = onehot.T @ expected_at.reshape(len(people), -1)
    n_missing = onehot.T @ missing.reshape(len(people), -1)
    scheduled: np.ndarray = np.asarray(have.any(axis=0))  # rule 1: params x visits
    visitnum = frame.groupby("visit")["visitnum"].min()
    rows = []
    columns = (*safety.arms, TOTAL)
    order = sorted(range(params), key=lambda p: (records.params[p], records.paramcds[p]))
    for p in order:
        for j, v in enumerate(visits):
            if not scheduled[p, j]:
                continue
            number = visitnum.get(v)
            for a, arm in enumerate(columns):
                e, m = int(n_expected[a, p * len(visits) + j]), int(n_missing[a, p * len(visits) + j])
                rows.append(MissingRow(records.paramcds[p], records.params[p], records.visits[v],
                                       None if number is None or pd.isna(number) else float(number), arm, e, m,
                                       100.0 * m / e if e else None))  # fmt: skip
    return tuple(rows)


def _expected(people: list[str], safety: SafetySet, days: list[float], data_cutoff: date | None) -> np.ndarray:
    """people x visits: still on study by the visit's day (rule 3)."""
    expected = np.ones((len(people), len(days)), dtype=bool)
    for i, subject in enumerate(people):
        person = safety.participants[subject]
        end = end_of_observation(person, data_cutoff)
        if person.first_dose_date is None or end is None:
            continue
        on_study = (end - person.first_dose_date).days + 1  # the last study day observed
        for j, day in enumerate(days):
            if not np.isnan(day) and day > 1:
                expected[i, j] = day <= on_study
    return expected
