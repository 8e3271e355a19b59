"""Vital signs: participants meeting clinically notable criteria after baseline, and weight change from baseline
to the last on-treatment value (FDA ST&F IG, vital signs; the criteria from trial.toml's [vitals], else its
defaults: service.labs.vitals_options).

Rules, in order, for each participant, parameter and timepoint (positions kept apart):
1. Baseline: the record flagged ABLFL (the later, if two); without one, the BASE the records carry.
2. Post-baseline: the observed records after it: a later visit (AVISITN), or where a visit number is missing, a
   later date; without an ABLFL record, those with a change from baseline (CHG).
3. Evaluable: a baseline and at least one post-baseline value; the denominator of each criterion.
4. A criterion is met when any post-baseline value meets it: above L, value > L; below L, value < L; increase D,
   change ≥ D; decrease D, change ≤ −D (change: CHG as given, else value − baseline).
5. Weight: the percent change from baseline to the last on-treatment (ONTRTFL) post-baseline value (the last
   post-baseline one where the data flag none), in cumulative categories: a decrease of 12% is counted in both
   "decrease ≥ 5%" and "decrease ≥ 10%".

    # SYSBP of three participants: baseline 120, later 150 and 118 (max 150, change −2 to +30);
    # baseline 130, later 125; baseline 100, no later value (not evaluable):
    # > 140: 1 of 2; increase ≥ 20: 1 of 2; decrease ≥ 20: 0 of 2
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from service.labs.records import Records
from service.labs.visit_rows import NotableRow, WeightRow
from service.labs.vitals_options import Criterion, VitalsOptions
from service.results import TOTAL

NOTABLE_RULES = (
    "Participants with at least one post-baseline value meeting the criterion (> or < the limit; a change from "
    "baseline at least the limit), n (%) of those with a baseline and a post-baseline value of the parameter at "
    "the position/timepoint; baseline: the record flagged ABLFL; post-baseline: any later observed record, "
    "on or off treatment.",
)
WEIGHT_RULES = (
    "Percent change from baseline to the last on-treatment value (ONTRTFL = Y), n (%) of participants with both; "
    "the categories are cumulative (a decrease of 12% is counted under ≥ 5% and ≥ 10%).",
)
KEYS = ["subject", "param", "timepoint"]


def per_participant(records: Records, params: list[int]) -> pd.DataFrame:
    """Per participant, parameter and timepoint of `params`: the arm, the baseline value, and over the
    post-baseline records the highest and lowest value and change, and the last on-treatment value (rules 1-3);
    only the evaluable ones."""
    frame = records.frame
    frame = frame[np.isin(frame["param"].to_numpy(), params) & frame["aval"].notna().to_numpy()]
    base_records = frame[frame["ablfl"].to_numpy()].sort_values("adt", kind="stable", na_position="first")
    baseline = base_records.drop_duplicates(KEYS, keep="last").set_index(KEYS)[["aval", "visitnum", "adt"]]
    baseline.columns = ["b_aval", "b_visitnum", "b_adt"]
    given = frame[frame["base"].notna().to_numpy()].drop_duplicates(KEYS).set_index(KEYS)["base"]
    others = frame[~frame["ablfl"].to_numpy()].join(baseline, on=KEYS)
    others["b_aval"] = others["b_aval"].fillna(others.join(given.rename("b_given"), on=KEYS)["b_given"])
    numbered = others["visitnum"].notna() & others["b_visitnum"].notna()
    dated = others["adt"].notna() & others["b_adt"].notna()
    # Without an ABLFL record, the post-baseline records are those with a change (ADaM leaves CHG empty before).
    later = np.where(numbered, others["visitnum"] > others["b_visitnum"],
                     np.where(dated, others["adt"] > others["b_adt"], others["chg"].notna()))  # fmt: skip
    post = others[later & others["b_aval"].notna().to_numpy()].copy()
    post["change"] = post["chg"].fillna(post["aval"] - post["b_aval"])
    ordered = post.sort_values(["adt", "visitnum"], kind="stable", na_position="first")
    treated = ordered[ordered["ontrtfl"].to_numpy()] if records.ontrtfl else ordered
    grouped = post.groupby(KEYS, sort=False)
    summary = pd.DataFrame({
        "arm": grouped["arm"].first(), "baseline": grouped["b_aval"].first(),
        "high": grouped["aval"].max(), "low": grouped["aval"].min(),
        "rise": grouped["change"].max(), "fall": grouped["change"].min(),
    })  # fmt: skip
    summary["last"] = treated.groupby(KEYS, sort=False)["aval"].last()
    return summary


def _count(summary: pd.DataFrame, met: np.ndarray, arms: int) -> tuple[np.ndarray, np.ndarray]:
    """Participants meeting, and evaluable, per arm place and Total (the last)."""
    arm = summary["arm"].to_numpy(np.int64)
    n = np.bincount(arm[met], minlength=arms).tolist()
    evaluable = np.bincount(arm, minlength=arms).tolist()
    return np.array([*n, sum(n)]), np.array([*evaluable, sum(evaluable)])


def summarise_notable(records: Records, options: VitalsOptions) -> tuple[tuple[NotableRow, ...], tuple[str, ...]]:
    """The rows, and the criteria's parameters the data have no record of."""
    wanted = {p: options.criteria_for(code) for p, code in enumerate(records.paramcds)}
    wanted = {p: found for p, found in wanted.items() if found}
    measured = {c.parameter for found in wanted.values() for c in found}
    absent = tuple(sorted({c.parameter for c in options.criteria} - measured))
    if not wanted:
        return (), absent
    summary = per_participant(records, list(wanted))
    columns = (*records.arms, TOTAL)
    rows: list[NotableRow] = []
    for (param, timepoint), part in _cells(records, summary):
        for criterion in wanted[param]:
            n, evaluable = _count(part, _met(part, criterion), len(records.arms))
            rows.extend(NotableRow(records.paramcds[param], records.params[param], records.timepoints[timepoint],
                                   criterion.label, criterion.kind, arm, int(n[a]),
                                   int(evaluable[a]), float(100.0 * n[a] / evaluable[a]) if evaluable[a] else None)
                        for a, arm in enumerate(columns))  # fmt: skip
    return tuple(rows), absent


def _cells(records: Records, summary: pd.DataFrame) -> list[tuple[tuple[int, int], pd.DataFrame]]:
    """The summary by parameter (PARAM order) and timepoint."""
    cells = dict(list(summary.groupby(level=["param", "timepoint"], sort=False)))
    return sorted(cells.items(), key=lambda item: (records.params[item[0][0]], records.timepoints[item[0][1]]))


def _met(part: pd.DataFrame, criterion: Criterion) -> np.ndarray:
    if criterion.kind == "above":
        return (part["high"] > criterion.limit).to_numpy()
    if criterion.kind == "below":
        return (part["low"] < criterion.limit).to_numpy()
    if criterion.kind == "increase":
        return (part["rise"] >= criterion.limit).to_numpy()
    return (part["fall"] <= -criterion.limit).to_numpy()


def summarise_weight(records: Records, options: VitalsOptions) -> tuple[WeightRow, ...]:
    if options.weight not in records.paramcds:
        return ()
    param = records.paramcds.index(options.weight)
    summary = per_participant(records, [param])
    summary = summary[summary["last"].notna().to_numpy() & (summary["baseline"] != 0).to_numpy()]
    percent = (100.0 * (summary["last"] - summary["baseline"]) / summary["baseline"]).to_numpy()
    categories = [("decrease", p) for p in options.weight_percent] + [("increase", p) for p in options.weight_percent]
    columns = (*records.arms, TOTAL)
    rows: list[WeightRow] = []
    for kind, limit in categories:
        met = percent <= -limit if kind == "decrease" else percent >= limit
        n, evaluable = _count(summary, met, len(records.arms))
        rows.extend(WeightRow(options.weight, f"{kind.capitalize()} ≥ {limit:g}%", kind, arm, int(n[a]),
                              int(evaluable[a]), float(100.0 * n[a] / evaluable[a]) if evaluable[a] else None)
                    for a, arm in enumerate(columns))  # fmt: skip
    return tuple(rows)
