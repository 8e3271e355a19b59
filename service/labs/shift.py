"""Shift from the baseline category to the most extreme on-treatment category, and its Cochran–Mantel–Haenszel
test (FDA Standard Safety Tables and Figures IG v2.0, laboratory shift tables).

Rules, in order:
1. As the IG shows them, two shifts per parameter: to the worst low and to the worst high. A participant's worst low
   is LOW if any analysis record is low, else NORMAL if any is normal, else HIGH; the worst high is HIGH if any is
   high, else NORMAL if any is normal, else LOW. So a participant with both a low and a high value is LOW in the
   worst-low table and HIGH in the worst-high one, counted once in each.
2. Rows: the baseline category (BNRIND: LOW, NORMAL, HIGH, or MISSING), then the worst category; n (%) of the
   participants of the arm with that baseline category and an on-treatment category.
3. The test (closed edition only: it compares arms): the Cochran–Mantel–Haenszel "row mean scores differ"
   statistic (Landis, Heyman & Koch 1978; SAS PROC FREQ CMH2), arms as rows, the worst category as ordered columns
   with table scores LOW 1, NORMAL 2, HIGH 3, stratified by baseline category; df = arms − 1; p from the
   chi-square distribution. A stratum of one participant carries no information and is left out, as is an arm
   with no participant in the test.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from service.labs.abnormal import CATEGORIES, MISSING, LabAnalysis, percent
from service.labs.rows import LabShiftRow, LabShiftTestRow
from service.results import TOTAL

DIRECTIONS = ("low", "high")
BASELINES = (*CATEGORIES, MISSING)
SCORES = (1.0, 2.0, 3.0)
SHIFT_RULE = ("Worst low: LOW if any analysis value is low, else NORMAL if any is normal, else HIGH; worst high: HIGH "
              "if any is high, else NORMAL, else LOW (FDA Standard Safety Tables and Figures IG): a participant with "
              "both a low and a high value is LOW in the worst-low table and HIGH in the worst-high one. n/N (%): N "
              "is the arm's participants with that baseline category and an on-treatment category. Baseline "
              "category: BNRIND, else the baseline record's ANRIND; MISSING: neither.")  # fmt: skip
CMH_RULE = ("Test: Cochran–Mantel–Haenszel row mean scores statistic (Landis, Heyman & Koch 1978; SAS PROC FREQ "
            "CMH), arms as rows, the worst on-treatment category as ordered columns scored LOW 1, NORMAL 2, HIGH 3, "
            "stratified by baseline category; df = arms − 1; p from the chi-square distribution, two-sided by "
            "construction. Strata of one participant and arms with none are left out.")  # fmt: skip


def worst_categories(labs: LabAnalysis, direction: str) -> np.ndarray:
    """Rule 1 per (participant, parameter) key: the worst category's code, -1 where no analysis record has one."""
    counts = labs.counts
    low, normal, high = (counts[name] > 0 for name in CATEGORIES)
    first, last = (low, high) if direction == "low" else (high, low)
    worst = np.full(labs.key_count, -1, dtype=np.int64)
    worst[last] = 2 if direction == "low" else 0
    worst[normal] = 1
    worst[first] = 0 if direction == "low" else 2
    return worst


def shift_tables(labs: LabAnalysis, direction: str) -> np.ndarray:
    """Counts of participants by (parameter, arm, baseline category, worst category): baseline MISSING is index 3."""
    worst = worst_categories(labs, direction)
    keys = np.flatnonzero(worst >= 0)
    size = max(len(labs.parameters), 1)
    arm = labs.subject_arm[keys // size]
    baseline = labs.baseline[keys]
    baseline = np.where(baseline < 0, 3, baseline)
    cells = (((keys % size) * len(labs.arms) + arm) * 4 + baseline) * 3 + worst[keys]
    shape = (len(labs.parameters), len(labs.arms), 4, 3)
    return np.bincount(cells[arm >= 0], minlength=int(np.prod(shape))).reshape(shape)


def summarise_shifts(labs: LabAnalysis, direction: str) -> tuple[LabShiftRow, ...]:
    """Rule 2: per parameter in print order, each baseline category that some participant has, each worst
    category, each arm and the total."""
    tables = shift_tables(labs, direction)
    rows = []
    for p in labs.ordered_parameters():
        parameter = labs.parameters[p]
        with_total = np.concatenate([tables[p], tables[p].sum(axis=0, keepdims=True)])  # (arms + 1, 4, 3)
        for b, baseline in enumerate(BASELINES):
            if baseline == MISSING and not with_total[-1, b].any():
                continue  # a MISSING row only where some participant lacks a baseline category
            for c, category in enumerate(CATEGORIES):
                for a, arm in enumerate((*labs.arms, TOTAL)):
                    n, total = int(with_total[a, b, c]), int(with_total[a, b].sum())
                    rows.append(LabShiftRow(parameter.code, parameter.label, direction, baseline, category, arm, n,
                                            total, percent(n, total)))  # fmt: skip
    return tuple(rows)


def compare_shifts(labs: LabAnalysis) -> tuple[LabShiftTestRow, ...]:
    """Rule 3 for every parameter and both directions."""
    rows = []
    for direction in DIRECTIONS:
        tables = shift_tables(labs, direction)
        for p in labs.ordered_parameters():
            parameter = labs.parameters[p]
            strata = np.moveaxis(tables[p], 1, 0)  # (baseline, arm, worst)
            found = cmh_row_mean_scores(strata, SCORES)
            statistic, df, p_value = found if found is not None else (None, None, None)
            rows.append(LabShiftTestRow(parameter.code, parameter.label, direction, int(tables[p].sum()),
                                        statistic, df, p_value))  # fmt: skip
    return tuple(rows)


def cmh_row_mean_scores(tables: np.ndarray, scores: Sequence[float]) -> tuple[float, int, float] | None:
    """The CMH "row mean scores differ" statistic over strata of (rows × columns) counts, its df and p; None when
    there is nothing to test (fewer than two rows with participants, or no variation of the scores in any
    stratum). `tables` has shape (strata, rows, columns); `scores` are the columns' scores.

    Per stratum h with n_h participants, row totals n_hi, column totals n_hj and the mean score a_h = Σ a_j n_hj / n_h:
    f_hi = Σ_j a_j n_hij (a row's sum of scores), its expectation n_hi a_h, the scores' variance
    v_h = Σ_j (a_j − a_h)² n_hj / n_h, and Var(f_h) = n_h² v_h / (n_h − 1) (diag(p_h) − p_h p_hᵀ), p_h = n_hi / n_h.
    Q = Gᵀ V⁻ G over the first rows − 1 rows, G = Σ_h (f_h − E f_h), V = Σ_h Var(f_h)."""
    counts = np.asarray(tables, dtype=float)
    counts = counts[:, counts.sum(axis=(0, 2)) > 0, :]  # arms with no participant in the test
    counts = counts[counts.sum(axis=(1, 2)) > 1]  # strata of one participant or none
    if counts.shape[1] < 2 or counts.shape[0] == 0:
        return None
    a = np.asarray(scores, dtype=float)
    n = counts.sum(axis=(1, 2))
    row = counts.sum(axis=2)
    column = counts.sum(axis=1)
    mean = column @ a / n
    variance = (column * (a[None, :] - mean[:, None]) ** 2).sum(axis=1) / n
    g = (counts @ a - row * mean[:, None]).sum(axis=0)
    p = row / n[:, None]
    weight = n**2 * variance / (n - 1)
    v = np.diag(weight @ p) - (p * weight[:, None]).T @ p
    g, v = g[:-1], v[:-1, :-1]
    rank = int(np.linalg.matrix_rank(v, tol=1e-9 * max(1.0, float(np.abs(v).max()))))
    if rank == 0:
        return None
    statistic = float(g @ np.linalg.pinv(v) @ g)
    return statistic, rank, float(stats.chi2.sf(statistic, rank))
