"""Statistics every table uses, as thin, named wrappers over SciPy and statsmodels."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep


def percent(n: int, total: int) -> float | None:
    """100 × n / total to one decimal, rounding halves up (as printed tables do, not banker's rounding)."""
    if total == 0:
        return None
    return float((Decimal(100 * n) / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def percent_of_proportion(p: float) -> float:
    """100 × p to one decimal, rounding halves up as percent() does: for a proportion stored on its own (the ARD's
    `p`), read at its shortest decimal form so that 9/80 prints 11.3 as the tables do, not 11.2."""
    return float((Decimal(repr(p)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def fisher_p(n1: int, total1: int, n2: int, total2: int) -> float:
    """Two-sided Fisher's exact test of n1/total1 against n2/total2."""
    return float(stats.fisher_exact([[n1, total1 - n1], [n2, total2 - n2]]).pvalue)


EXACT_TABLE_LIMIT = 200_000  # tables with the observed margins enumerated exactly; beyond, a seeded Monte Carlo
MONTE_CARLO_RESAMPLES = 100_000


def fisher_p_table(table: Sequence[Sequence[int]]) -> float | None:
    """Two-sided Fisher's exact test of independence in an r × c table (Freeman–Halton beyond 2 × 2): the
    probability, under SciPy's multivariate hypergeometric (stats.random_table), of every table with the observed
    margins that is no more probable than the observed one. 2 × 2 goes to stats.fisher_exact; larger tables are
    enumerated exactly up to EXACT_TABLE_LIMIT tables, beyond which SciPy's Monte Carlo test (seeded, so the
    output is reproducible) is used. None where fewer than two rows or columns are non-empty."""
    kept = [list(row) for row in table if sum(row)]
    columns = [i for i, column in enumerate(zip(*kept, strict=True)) if sum(column)] if kept else []
    if len(kept) < 2 or len(columns) < 2:
        return None
    observed = [[row[i] for i in columns] for row in kept]
    if len(observed) == 2 and len(columns) == 2:
        return float(stats.fisher_exact(observed).pvalue)
    rows = [sum(row) for row in observed]
    cols = [sum(column) for column in zip(*observed, strict=True)]
    tables = _tables_with_margins(rows, cols, EXACT_TABLE_LIMIT)
    if tables is None:
        method = stats.MonteCarloMethod(n_resamples=MONTE_CARLO_RESAMPLES, rng=np.random.default_rng(20260101))
        return float(np.asarray(stats.fisher_exact(observed, method=method).pvalue).item())
    distribution = stats.random_table(rows, cols)
    probabilities = distribution.pmf(np.array(tables))
    at_most = distribution.pmf(np.array(observed)) * (1 + 1e-7)  # ties, as R's fisher.test treats them
    return float(min(1.0, probabilities[probabilities <= at_most].sum()))


def _tables_with_margins(rows: list[int], cols: list[int], limit: int) -> list[list[list[int]]] | None:
    """Every non-negative integer table with these row and column sums (None when there are more than limit)."""
    found: list[list[list[int]]] = []

    def fill(column: int, remaining: list[int], built: list[list[int]]) -> bool:
        if column == len(cols) - 1:
            found.append([[*row, remaining[i]] for i, row in enumerate(built)])
            return len(found) <= limit
        for cells in _compositions(cols[column], remaining):
            if not fill(column + 1, [r - c for r, c in zip(remaining, cells, strict=True)],
                        [[*row, cells[i]] for i, row in enumerate(built)]):  # fmt: skip
                return False
        return True

    complete = fill(0, list(rows), [[] for _ in rows])
    return found if complete else None


def _compositions(total: int, caps: list[int]) -> list[list[int]]:
    """Ways to split `total` into len(caps) parts, part i at most caps[i]."""
    if len(caps) == 1:
        return [[total]] if total <= caps[0] else []
    ways = []
    for first in range(min(total, caps[0]) + 1):
        if total - first <= sum(caps[1:]):
            ways += [[first, *rest] for rest in _compositions(total - first, caps[1:])]
    return ways


@dataclass(frozen=True, slots=True)
class Estimate:
    value: float
    low: float
    high: float


def risk_difference(n1: int, total1: int, n2: int, total2: int) -> Estimate:
    """p1 − p2 in percentage points with the Newcombe hybrid-score 95% CI (Newcombe 1998, method 10),
    as statsmodels computes it."""
    low, high = confint_proportions_2indep(n1, total1, n2, total2, method="newcomb", compare="diff")
    return Estimate(100 * (n1 / total1 - n2 / total2), 100 * float(low), 100 * float(high))


def poisson_rate(events: int, person_years: float, per: float = 100.0) -> Estimate:
    """Events per `per` person-years with the exact (Garwood) Poisson 95% CI."""
    low = stats.chi2.ppf(0.025, 2 * events) / 2 if events else 0.0
    high = stats.chi2.ppf(0.975, 2 * (events + 1)) / 2
    scale = per / person_years
    return Estimate(events * scale, float(low) * scale, float(high) * scale)


@dataclass(frozen=True, slots=True)
class Summary:
    n: int
    mean: float | None
    sd: float | None
    median: float | None
    q1: float | None
    q3: float | None
    minimum: float | None
    maximum: float | None


def summarise(values: Sequence[float]) -> Summary:
    """n, mean, SD (n − 1), median and quartiles (linear interpolation, SAS/R type 7), min and max."""
    data = sorted(values)
    n = len(data)
    if n == 0:
        return Summary(0, None, None, None, None, None, None, None)
    mean = math.fsum(data) / n
    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in data) / (n - 1)) if n > 1 else None
    return Summary(n, mean, sd, _quantile(data, 0.5), _quantile(data, 0.25), _quantile(data, 0.75), data[0], data[-1])


def _quantile(data: Sequence[float], q: float) -> float:
    position = (len(data) - 1) * q
    below = math.floor(position)
    above = min(below + 1, len(data) - 1)
    return data[below] + (data[above] - data[below]) * (position - below)
