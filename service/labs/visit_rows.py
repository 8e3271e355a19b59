"""The rows of the laboratory and vital-sign displays over time: value and change by visit, missing laboratory data
by visit, clinically notable vital signs and weight change (service.labs.by_visit, .missing, .vitals).

Each row is one cell of its table: one arm (or Total) of one parameter, timepoint and visit or category.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VisitSummaryRow:
    """n, mean, SD, median, min and max of the value (AVAL) or of the change from baseline (CHG) at one visit."""

    domain: str  # "LB" or "VS"
    paramcd: str
    param: str  # PARAM, with its unit as the data write it
    timepoint: str  # vital signs: the position and timepoint shown apart (ATPT); "" for laboratory values
    visit: str  # AVISIT
    visit_number: float | None  # AVISITN, the visits' order
    statistic: str  # "value" or "change"
    arm: str
    n: int
    mean: float | None
    sd: float | None  # None for n < 2
    median: float | None
    minimum: float | None
    maximum: float | None


@dataclass(frozen=True, slots=True)
class MissingRow:
    """Participants expected at a visit (in the safety population, still on study by it) and of them, how many
    have no value of the parameter there (not collected)."""

    paramcd: str
    param: str
    visit: str
    visit_number: float | None
    arm: str
    n_expected: int
    n_missing: int
    percent: float | None  # of n_expected; None when no one was expected


@dataclass(frozen=True, slots=True)
class NotableRow:
    """Participants with at least one post-baseline value meeting a clinically notable criterion, of those with a
    baseline and a post-baseline value of the parameter at the timepoint."""

    paramcd: str
    param: str
    timepoint: str
    criterion: str  # as printed: "> 140", "< 90", "Increase ≥ 20 from baseline"
    kind: str  # "above", "below", "increase", "decrease"
    arm: str
    n: int
    n_evaluable: int
    percent: float | None  # of n_evaluable


@dataclass(frozen=True, slots=True)
class WeightRow:
    """Participants by the percent change of their weight from baseline to their last on-treatment value."""

    paramcd: str
    category: str  # as printed: "Decrease ≥ 5%"
    kind: str  # "decrease" or "increase"
    arm: str
    n: int
    n_evaluable: int
    percent: float | None
