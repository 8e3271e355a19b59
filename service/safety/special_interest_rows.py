"""The rows of the AEs-of-special-interest tables (service.safety.special_interest_counts, _time)."""

from __future__ import annotations

from dataclasses import dataclass

from service.results import NotCollected


@dataclass(frozen=True, slots=True)
class SpecialInterestRow:
    """Participants (n) and events in one group and arm: with any event of the group, a serious one, one leading
    to discontinuation of study treatment, or (category "term") one of the preferred term `term`."""

    group: str
    variable: str  # the ARD grouping the group is under: AESI (declared terms), CQ01NAM, SMQ01NAM, ...
    category: str  # "any", "serious", "discontinuation" or "term"
    term: str  # the preferred term of a "term" row; else empty
    arm: str
    n_subjects: int | NotCollected
    n_events: int | NotCollected
    n_at_risk: int
    percent: float | NotCollected | None


@dataclass(frozen=True, slots=True)
class SpecialInterestComparisonRow:
    """One arm against another in one group and category: the risk difference in percentage points (arm minus
    control) with its Newcombe interval, and Fisher's exact p."""

    group: str
    variable: str
    category: str  # "any", "serious" or "discontinuation"
    arm: str
    control: str
    risk_diff: float | None
    risk_diff_low: float | None
    risk_diff_high: float | None
    p_value: float | None


@dataclass(frozen=True, slots=True)
class SpecialInterestTimeRow:
    """Time to the first event of a group in one arm (Kaplan–Meier), at one day: the percentage with an event by
    then (100 × (1 − S)) and its interval, with the arm's totals and median time repeated on each day's row."""

    group: str
    variable: str
    arm: str
    day: int
    n: int  # participants analysed
    n_events: int  # participants with an event, at any time
    n_censored: int
    median: float | None  # days; None: not reached
    n_at_risk: int  # still at risk at `day` (time ≥ day)
    percent: float | None  # None: beyond the arm's last time observed
    ci_low: float | None
    ci_high: float | None
