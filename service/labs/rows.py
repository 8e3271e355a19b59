"""The rows of the laboratory abnormality tables (FDA Standard Safety Tables and Figures IG v2.0): normal-range
categories, shifts from baseline with their Cochran–Mantel–Haenszel test, liver tests beyond multiples of the upper
limit of normal, each participant's peak liver tests (the eDISH figure's points), and the listing of clinically
significant values. Each table's rows are one of these; the fields are its CSV's columns, in order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LabCategoryRow:
    """Participants of an arm with any low, any high, or only normal analysis values of a parameter (ANRIND)."""

    parameter: str  # PARAMCD
    parameter_label: str  # PARAM
    category: str  # "LOW": any low; "HIGH": any high; "NORMAL": every categorized value normal
    arm: str
    n: int
    n_analysed: int  # participants with an analysis record of the parameter with a category (N)
    percent: float | None  # 100 n / N; None when N = 0


@dataclass(frozen=True, slots=True)
class LabShiftRow:
    """Participants of an arm with a baseline category (BNRIND) whose most extreme on-treatment category in one
    direction (the worst low, or the worst high) is `category`."""

    parameter: str  # PARAMCD
    parameter_label: str  # PARAM
    direction: str  # "low" (shift to the worst low) or "high" (to the worst high)
    baseline: str  # BNRIND: LOW, NORMAL, HIGH, or MISSING (no baseline category)
    category: str  # ANRIND: LOW, NORMAL or HIGH
    arm: str
    n: int
    n_baseline: int  # participants of the arm with this baseline category and an on-treatment category
    percent: float | None  # 100 n / n_baseline


@dataclass(frozen=True, slots=True)
class LabShiftTestRow:
    """The Cochran–Mantel–Haenszel row-mean-scores test of a parameter's shift table: arms as rows, on-treatment
    categories as ordered columns (LOW 1, NORMAL 2, HIGH 3), stratified by baseline category."""

    parameter: str
    parameter_label: str
    direction: str  # "low" or "high"
    n: int  # participants in the test (every arm)
    statistic: float | None  # None when no stratum has both two arms and two categories
    df: int | None
    p_value: float | None


@dataclass(frozen=True, slots=True)
class LiverRow:
    """Participants of an arm whose peak analysis value (as a multiple of the upper limit of normal) meets a
    criterion; for potential Hy's law, both peaks."""

    test: str  # as printed: "ALT", "AST", "ALT or AST", "Total bilirubin", "ALP", "Potential Hy's law"
    parameter: str  # the PARAMCD(s): "ALT", "ALT or AST", "HYSLAW" (potential Hy's law, as admiral's ADLBHY)
    criterion: str  # "> 3×ULN", "≥ 3×ULN and ≥ 2×ULN"
    multiple: float | None  # the multiple of ULN (None for Hy's law)
    arm: str
    n: int
    n_analysed: int  # participants with an analysis value of the test(s) and its ULN
    percent: float | None


@dataclass(frozen=True, slots=True)
class LiverPeakRow:
    """One participant's peak analysis values of the liver tests, as multiples of the upper limit of normal."""

    subject_id: str
    arm: str
    alt: float | None  # peak ALT / ULN
    ast: float | None
    bilirubin: float | None
    alp: float | None


@dataclass(frozen=True, slots=True)
class LabSignificantRow:
    """An analysis value meeting one of trial.toml's [[labs.criteria]] (or CTCAE grade 3 or more by default)."""

    subject_id: str
    arm: str
    parameter: str  # PARAMCD
    parameter_label: str
    visit: str | None  # AVISIT
    study_day: int | None  # ADY
    value: float | None  # AVAL
    unit: str | None
    range_low: float | None  # ANRLO
    range_high: float | None  # ANRHI
    times_uln: float | None  # AVAL / ANRHI
    grade: int | None  # ATOXGR
    criterion: str  # every criterion the value meets, as printed: "> 3×ULN; grade ≥ 3"
