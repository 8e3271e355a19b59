"""Statistics every table uses, as thin, named wrappers over SciPy and statsmodels."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep


def percent(n: int, total: int) -> float | None:
    """100 × n / total to one decimal, rounding halves up (as printed tables do, not banker's rounding)."""
    if total == 0:
        return None
    return float((Decimal(100 * n) / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def fisher_p(n1: int, total1: int, n2: int, total2: int) -> float:
    """Two-sided Fisher's exact test of n1/total1 against n2/total2."""
    return float(stats.fisher_exact([[n1, total1 - n1], [n2, total2 - n2]]).pvalue)


def fisher_p_table(table: Sequence[Sequence[int]]) -> float | None:
    """Two-sided Fisher's exact test of independence in an r × c table (SciPy: the exact conditional test,
    Freeman–Halton for more than two rows or columns); None where a row or column is empty throughout."""
    kept = [list(row) for row in table if sum(row)]
    if len(kept) < 2 or sum(1 for column in zip(*kept, strict=True) if sum(column)) < 2:
        return None
    columns = [i for i, column in enumerate(zip(*kept, strict=True)) if sum(column)]
    return float(stats.fisher_exact([[row[i] for i in columns] for row in kept]).pvalue)


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
