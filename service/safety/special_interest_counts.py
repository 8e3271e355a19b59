"""Participants with an AE of special interest, per group and arm (FDA Standard Safety Tables and Figures IG v2.0,
"Adverse events of special interest"): any, serious, leading to discontinuation of study treatment, and each
preferred term of the group; the risk differences between arms for the closed edition."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from service.results import NOT_COLLECTED, TOTAL
from service.safety.population import SafetySet
from service.safety.special_interest import SpecialInterestGroup, in_group
from service.safety.special_interest_rows import SpecialInterestComparisonRow, SpecialInterestRow
from service.stats import fisher_p, percent, risk_difference

# (category, the frame's flag that selects its events, the AE item it needs collected)
CATEGORIES = (("any", None, ""), ("serious", "serious", ""), ("discontinuation", "discontinuation", "action"))
CATEGORY_NAMES = {"any": "Any event", "serious": "Serious", "discontinuation": "Leading to discontinuation"}
COUNTING_RULE = ("Treatment-emergent AEs of the safety population. n: participants with at least one event (counted "
                 "once per row); E: events (records); %: of the arm's participants at risk (N).")  # fmt: skip
COMPARISON_RULE = ("Risk difference in percentage points, the arm's proportion minus its comparator's, against the "
                   "control arm ({control}), with its 95% Newcombe hybrid-score confidence interval; p: Fisher's "
                   "exact test, two-sided.")  # fmt: skip
PAIR_RULE = (
    "Risk difference in percentage points for every pair of arms, the earlier letter's proportion minus the "
    "later's, with its 95% Newcombe hybrid-score confidence interval; p: Fisher's exact test, two-sided."
)


def summarise_special_interest(
    groups: Sequence[SpecialInterestGroup], safety: SafetySet
) -> tuple[SpecialInterestRow, ...]:
    frame = safety.frame
    rows: list[SpecialInterestRow] = []
    for group in groups:
        events = frame[in_group(group, frame)]
        for category, flag, item in CATEGORIES:
            if item and item not in safety.collected:
                rows.extend(SpecialInterestRow(group.name, group.variable, category, "", arm, NOT_COLLECTED,
                                               NOT_COLLECTED, safety.at_risk[arm], NOT_COLLECTED)
                            for arm in safety.columns)  # fmt: skip
                continue
            chosen = events if flag is None else events[events[flag].to_numpy()]
            rows.extend(_rows(group, category, "", chosen, safety))
        for term in _terms_by_frequency(events):
            rows.extend(_rows(group, "term", term, events[events["pt"].to_numpy() == term], safety))
    return tuple(rows)


def compare_special_interest(
    rows: Sequence[SpecialInterestRow], safety: SafetySet, pair_order: Sequence[str] | None
) -> tuple[SpecialInterestComparisonRow, ...]:
    """Each arm against the control, or, given `pair_order` (a masked edition of three arms or more), every pair
    of arms in that order, the earlier minus the later; none without a control."""
    if pair_order is not None:
        pairs = [(a, b) for i, a in enumerate(pair_order) for b in pair_order[i + 1 :]]
    elif safety.control is not None:
        pairs = [(arm, safety.control) for arm in safety.arms if arm != safety.control]
    else:
        return ()
    counts = {(r.group, r.category, r.arm): r.n_subjects for r in rows if r.category != "term"}
    found = []
    keys = list(dict.fromkeys((r.group, r.variable, r.category) for r in rows if r.category != "term"))
    for group, variable, category in keys:
        for arm, control in pairs:
            n1, n2 = counts[(group, category, arm)], counts[(group, category, control)]
            total1, total2 = safety.at_risk[arm], safety.at_risk[control]
            if n1 is NOT_COLLECTED or n2 is NOT_COLLECTED or not total1 or not total2:
                continue  # not collected (the counts table says so), or an arm with no one at risk
            assert isinstance(n1, int) and isinstance(n2, int)
            diff = risk_difference(n1, total1, n2, total2)
            found.append(SpecialInterestComparisonRow(group, variable, category, arm, control, diff.value, diff.low,
                                                      diff.high, fisher_p(n1, total1, n2, total2)))  # fmt: skip
    return tuple(found)


def comparisons_by_letter(
    rows: Sequence[SpecialInterestComparisonRow], names: Mapping[str, str]
) -> list[SpecialInterestComparisonRow]:
    """The masked edition's comparisons, each the earlier letter's arm minus the later's: a difference always
    against the same letter would say which letter is the control."""
    turned = []
    for r in rows:
        if names.get(r.arm, r.arm) > names.get(r.control, r.control):
            r = replace(r, arm=r.control, control=r.arm, risk_diff=_neg(r.risk_diff),
                        risk_diff_low=_neg(r.risk_diff_high), risk_diff_high=_neg(r.risk_diff_low))  # fmt: skip
        turned.append(r)
    return turned


def _rows(
    group: SpecialInterestGroup, category: str, term: str, events: pd.DataFrame, safety: SafetySet
) -> list[SpecialInterestRow]:
    subjects = events.drop_duplicates("subject").groupby("arm", observed=True).size()
    records = events.groupby("arm", observed=True).size()
    n = {arm: int(subjects.get(arm, 0)) for arm in safety.arms}
    e = {arm: int(records.get(arm, 0)) for arm in safety.arms}
    n[TOTAL], e[TOTAL] = sum(n.values()), sum(e.values())
    return [SpecialInterestRow(group.name, group.variable, category, term, arm, n[arm], e[arm], safety.at_risk[arm],
                               percent(n[arm], safety.at_risk[arm])) for arm in safety.columns]  # fmt: skip


def _terms_by_frequency(events: pd.DataFrame) -> list[str]:
    """The group's preferred terms by decreasing number of participants (all arms), ties by name."""
    if events.empty:
        return []
    pts = events.drop_duplicates(["subject", "pt"])["pt"].astype(str).to_numpy()
    names, counts = np.unique(pts, return_counts=True)
    return [str(name) for name, _ in sorted(zip(names, counts, strict=True), key=lambda x: (-x[1], x[0].casefold()))]


def _neg(value: float | None) -> float | None:
    return 0.0 - value if value is not None else None  # 0.0 - 0.0 is 0.0, where -0.0 would print "-0.0"
