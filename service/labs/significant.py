"""The listing of clinically significant laboratory values (FDA Standard Safety Tables and Figures IG v2.0).

Rules, in order:
1. The criteria are trial.toml's [[labs.criteria]]: per parameter, a value beyond a multiple of the upper limit of
   normal (AVAL > above_uln × ANRHI) or of the lower (AVAL < below_lln × ANRLO), beyond an absolute limit in the
   parameter's unit (AVAL > above, AVAL < below), or of a CTCAE grade at least `grade` (ATOXGR).
2. Without declared criteria: CTCAE grade ≥ 3 for every parameter some analysis record grades, and the liver tests'
   thresholds of the FDA's drug-induced liver injury guidance, ALT and AST > 3×ULN and total bilirubin > 2×ULN
   (`[labs] liver` codes), where the data hold them with a normal range; without either, nothing is listed, and
   the page and the footnote say why.
3. Every analysis record (service.labs.abnormal, rule 2) meeting a criterion is listed once, with every criterion it
   meets, by participant, parameter and study day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from service.labs.abnormal import LabAnalysis
from service.labs.abnormal_rules import Criterion
from service.labs.rows import LabSignificantRow

DEFAULT_GRADE = 3
NO_CRITERIA = ("No value is listed: trial.toml declares no clinically significant criteria ([[labs.criteria]]) and "
               "no analysis record has a CTCAE grade.")  # fmt: skip


LIVER_LIMITS = {"alt": 3.0, "ast": 3.0, "bilirubin": 2.0}  # × ULN (FDA DILI guidance, 2009)


def significant_criteria(labs: LabAnalysis) -> tuple[Criterion, ...]:
    """Rules 1 and 2: the criteria in use."""
    if labs.rules.criteria:
        return labs.rules.criteria
    if labs.frame is None or not labs.collected:
        return ()
    grade = labs.frame["atoxgr"].to_numpy(dtype=float, na_value=np.nan)[labs.rows]
    high = labs.frame["anrhi"].to_numpy(dtype=float, na_value=np.nan)[labs.rows]
    graded = set(np.unique(labs.parameter[labs.analysis & ~np.isnan(grade)]).tolist())
    ranged = set(np.unique(labs.parameter[labs.analysis & ~np.isnan(high)]).tolist())
    liver = {labs.rules.liver.get(test): limit for test, limit in LIVER_LIMITS.items()}
    found = []
    for position, parameter in enumerate(labs.parameters):
        uln = liver.get(parameter.code) if position in ranged else None
        if uln is not None or position in graded:
            found.append(Criterion(parameter.code, above_uln=uln,
                                   grade=DEFAULT_GRADE if position in graded else None))  # fmt: skip
    return tuple(found)


def list_significant_values(labs: LabAnalysis) -> tuple[LabSignificantRow, ...]:
    """Rule 3."""
    frame = labs.frame
    if frame is None or not labs.collected:
        return ()
    positions = {p.code: i for i, p in enumerate(labs.parameters)}
    value = frame["aval"].to_numpy(dtype=float, na_value=np.nan)
    low = frame["anrlo"].to_numpy(dtype=float, na_value=np.nan)
    high = frame["anrhi"].to_numpy(dtype=float, na_value=np.nan)
    grade = frame["atoxgr"].to_numpy(dtype=float, na_value=np.nan)
    met: list[tuple[np.ndarray, str]] = []
    for criterion in significant_criteria(labs):
        position = positions.get(criterion.parameter)
        if position is None:
            continue
        rows = labs.rows[labs.analysis & (labs.parameter == position)]
        v, lo, hi, g = value[rows], low[rows], high[rows], grade[rows]
        unit = f" {labs.parameters[position].unit}" if labs.parameters[position].unit else ""
        for limit, phrase, suffix in _limits(criterion, unit):
            with np.errstate(invalid="ignore"):
                hit = _meets(phrase, limit, v, lo, hi, g)
            met.append((rows[hit], phrase.format(limit) + suffix))
    if not met:
        return ()
    records = np.concatenate([rows for rows, _ in met])
    words = np.concatenate([np.full(len(rows), text, dtype=object) for rows, text in met])
    order = np.argsort(records, kind="stable")  # by record, criteria in the order declared
    records, words = records[order], words[order]
    listed, start = np.unique(records, return_index=True)
    ends = np.append(start[1:], len(records))
    texts = words[start].copy()
    for i in np.flatnonzero(ends - start > 1):  # records meeting more than one criterion: few
        texts[i] = "; ".join(dict.fromkeys(words[start[i] : ends[i]]))
    return _rows(labs, listed, texts, value, low, high, grade)


def _limits(criterion: Criterion, unit: str) -> list[tuple[float, str, str]]:
    """The criterion's limits that are set, each with its words (a format for the limit) and a unit suffix."""
    limits = [(criterion.above_uln, "> {:g}×ULN", ""), (criterion.below_lln, "< {:g}×LLN", ""),
              (criterion.above, "> {:g}", unit), (criterion.below, "< {:g}", unit),
              (criterion.grade, "grade ≥ {:g}", "")]  # fmt: skip
    return [(float(limit), words, suffix) for limit, words, suffix in limits if limit is not None]


def _meets(words: str, limit: float, value: np.ndarray, low: np.ndarray, high: np.ndarray, grade: np.ndarray
           ) -> np.ndarray:  # fmt: skip
    """Rule 1's test of one limit, named by its words."""
    if words.endswith("ULN"):
        return value > limit * high
    if words.endswith("LLN"):
        return value < limit * low
    if words.startswith("grade"):
        return grade >= limit
    return value > limit if words.startswith(">") else value < limit


def _rows(labs: LabAnalysis, rows: np.ndarray, texts: np.ndarray, value: np.ndarray, low: np.ndarray,
          high: np.ndarray, grade: np.ndarray) -> tuple[LabSignificantRow, ...]:  # fmt: skip
    frame = labs.frame
    assert frame is not None
    where = np.searchsorted(labs.rows, rows)  # positions among the safety population's laboratory records
    subject = labs.subjects[labs.subject[where]].astype(str)
    day = frame["ady"].to_numpy(dtype=float, na_value=np.nan)[rows]
    order = np.lexsort((np.nan_to_num(day, nan=np.inf), labs.parameter[where], subject))
    visit = frame["visit"].to_numpy()[rows]
    listed = []
    for i in order:
        parameter = labs.parameters[labs.parameter[where[i]]]
        times = value[rows[i]] / high[rows[i]] if high[rows[i]] > 0 else np.nan
        listed.append(LabSignificantRow(
            str(subject[i]), labs.arms[labs.arm[where[i]]], parameter.code, parameter.label, _text(visit[i]),
            _whole(day[i]), _number(value[rows[i]]), parameter.unit, _number(low[rows[i]]), _number(high[rows[i]]),
            _number(times), _whole(grade[rows[i]]), str(texts[i]),
        ))  # fmt: skip
    return tuple(listed)


def significant_notes(labs: LabAnalysis) -> tuple[str, ...]:
    criteria = significant_criteria(labs)
    if not criteria:
        return (NO_CRITERIA,) if labs.collected else ()
    source = (
        "as trial.toml's [[labs.criteria]] declare them"
        if labs.rules.criteria
        else f"none declared in trial.toml ([[labs.criteria]]), so CTCAE grade ≥ {DEFAULT_GRADE} where graded, and "
        "ALT and AST > 3×ULN and total bilirubin > 2×ULN (FDA drug-induced liver injury guidance, 2009)"
    )
    stated = "; ".join(c.words() for c in criteria)
    return (f"Clinically significant ({source}): {stated}. Limits are strict (> and <); ULN = ANRHI, LLN = ANRLO; "
            "xULN = AVAL / ANRHI; study day 1 is the first dose.",)  # fmt: skip


def _number(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _whole(value: float) -> int | None:
    return None if np.isnan(value) else int(value)


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)
