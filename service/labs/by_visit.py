"""Value and change from baseline by visit (FDA ST&F IG, laboratory and vital-sign values over time; CDISC ADaM
BDS AVAL and CHG by PARAMCD, ATPT and AVISIT): n, mean, SD, median, minimum and maximum per parameter, timepoint,
visit and arm, and over all arms.

Rules, in order:
1. The records are the safety population's observed ones (service.labs.records); where a dataset flags its
   analysis records (ANL01FL), only those.
2. One value per participant per parameter, timepoint and visit: where a participant still has two (a repeat, an
   unscheduled test mapped to the visit), the later by date counts, and the footnote says how many were set aside.
3. The value at every visit; the change (CHG as the data give it: ADaM's, or value − baseline as derived for SDTM
   and the bundle) at every visit after baseline: the baseline record (ABLFL) has no change to show.
4. Visits in AVISITN order; vital signs keep each position and timepoint apart.

    # a parameter, one visit, two arms A (values 1, 3) and B (value 5):
    # A: n 2, mean 2, SD 1.414, median 2, min 1, max 3; B: n 1, mean 5, no SD; Total: n 3, mean 3, SD 2
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from service.labs.records import Records
from service.labs.visit_rows import VisitSummaryRow
from service.results import TOTAL

BY_VISIT_RULES = (
    "n, mean, SD, median, minimum and maximum of the value at each visit, and of the change from baseline (CHG) at "
    "each visit after baseline; the baseline visit shows the value only.",
    "n counts participants: one value each per parameter and visit (where the data flag analysis records, "
    "ANL01FL = Y, those; a participant with two records at a visit counts once, with the later one).",
)


def _keyed(records: Records, frame: pd.DataFrame) -> np.ndarray:
    """One int64 key per record: parameter, timepoint, visit and arm (the arm's place, or len(arms) for Total)."""
    t, v = max(len(records.timepoints), 1), max(len(records.visits), 1)
    return ((frame["param"].to_numpy(np.int64) * t + frame["timepoint"].to_numpy(np.int64)) * v
            + frame["visit"].to_numpy(np.int64))  # fmt: skip


def summarise_values(records: Records, frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """count, mean, std, median, min, max of `column` by (param, timepoint, visit, arm), arm = len(arms) the Total;
    indexed by those four codes."""
    values = frame[column].to_numpy(float)
    known = ~np.isnan(values)
    cell = _keyed(records, frame)[known]
    arm = frame["arm"].to_numpy(np.int64)[known]
    width = len(records.arms) + 1
    key = np.concatenate([cell * width + arm, cell * width + len(records.arms)])
    both = pd.Series(np.concatenate([values[known], values[known]]))
    stats = both.groupby(key).agg(["count", "mean", "std", "median", "min", "max"])
    t, v = max(len(records.timepoints), 1), max(len(records.visits), 1)
    codes = stats.index.to_numpy(np.int64)
    stats.index = pd.MultiIndex.from_arrays(
        [codes // width // v // t, codes // width // v % t, codes // width % v, codes % width],
        names=["param", "timepoint", "visit", "arm"],
    )
    return stats


def one_per_visit(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The frame with one record per participant, parameter, timepoint and visit (the latest by date, then the
    last given), and how many records were set aside."""
    keys = ["subject", "param", "timepoint", "visit"]
    twice = frame.duplicated(keys, keep=False).to_numpy()
    if not twice.any():
        return frame, 0
    kept = frame[twice].sort_values("adt", kind="stable", na_position="first").drop_duplicates(keys, keep="last")
    return pd.concat([frame[~twice], kept]), int(twice.sum() - len(kept))


def summarise_by_visit(records: Records, domain: str) -> tuple[tuple[VisitSummaryRow, ...], int]:
    """The rows (parameters by PARAM, then timepoint, visit in AVISITN order, value before change, arms then
    Total) and the number of repeat records set aside."""
    if records.empty:
        return (), 0
    frame = records.frame[records.frame["analysed"].to_numpy() & records.frame["aval"].notna().to_numpy()]
    frame, set_aside = one_per_visit(frame)
    value = summarise_values(records, frame, "aval")
    after = frame[~frame["ablfl"].to_numpy()]
    change = summarise_values(records, after, "chg")
    visitnum = frame.groupby("visit")["visitnum"].min()
    order = {code: place for place, code in enumerate(records.visit_order())}
    columns = (*records.arms, TOTAL)
    cells = sorted(value.index.droplevel("arm").unique(),
                   key=lambda c: (records.params[c[0]], records.paramcds[c[0]], records.timepoints[c[1]],
                                  order[c[2]]))  # fmt: skip
    by_cell = {"value": _by_key(value), "change": _by_key(change)}
    changed = {key[:3] for key in by_cell["change"]}
    rows: list[VisitSummaryRow] = []
    for param, timepoint, visit in cells:
        number = visitnum.get(visit)
        for statistic in ("value", "change"):
            if statistic == "change" and (param, timepoint, visit) not in changed:
                continue
            got = by_cell[statistic]
            rows.extend(_row(records, domain, param, timepoint, visit, number, statistic, arm,
                             got.get((param, timepoint, visit, place)))
                        for place, arm in enumerate(columns))  # fmt: skip
    return tuple(rows), set_aside


def _by_key(stats: pd.DataFrame) -> dict[tuple[int, ...], dict[str, float]]:
    return {key: dict(zip(stats.columns, values, strict=True)) for key, values in zip(stats.index, stats.to_numpy(),
                                                                                      strict=True)}  # fmt: skip


def _row(records: Records, domain: str, param: int, timepoint: int, visit: int, number: float | None,
         statistic: str, arm: str, stats: dict[str, float] | None) -> VisitSummaryRow:  # fmt: skip
    def value(name: str) -> float | None:
        got = None if stats is None else stats[name]
        return None if got is None or np.isnan(got) else float(got)

    return VisitSummaryRow(
        domain, records.paramcds[param], records.params[param], records.timepoints[timepoint], records.visits[visit],
        None if number is None or pd.isna(number) else float(number), statistic, arm,
        0 if stats is None else int(stats["count"]), value("mean"), value("std"), value("median"), value("min"),
        value("max"),
    )  # fmt: skip
