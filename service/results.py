"""The analysis results data: one typed model, computed once per snapshot, that every output reads.

A Table carries its rows and what a reader needs to trust them: the population, its denominators per arm,
and the counting rules, which reports print as footnotes and the export writes beside the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

TOTAL = "Total"
OVERALL = "Overall"  # the timepoint of an outcome without visits (a time to event)


class NotCollected:
    """A statistic the data cannot give because its item was not collected (no grade anywhere, AEACN blank
    throughout, no exposure records): distinct from zero, and printed as "not collected" wherever it appears."""

    _instance: NotCollected | None = None
    TEXT = "not collected"

    def __new__(cls) -> NotCollected:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_COLLECTED"

    def __str__(self) -> str:
        return self.TEXT

    def __format__(self, spec: str) -> str:
        return self.TEXT

    def __reduce__(self) -> str:
        return "NOT_COLLECTED"


NOT_COLLECTED = NotCollected()

R = TypeVar("R")


@dataclass(frozen=True)
class Table(Generic[R]):
    name: str
    row_type: type[R]
    title: str
    population: str
    denominators: dict[str, int]
    footnotes: tuple[str, ...]
    rows: tuple[R, ...]
    comparative: bool = False  # compares arms: never in the open DSMB edition
    arm_variable: str = ""  # the CDISC variable its arms come from: TRT01A, TRT01P, ACTARM, ARM (DESIGN.md, ARD)
    population_flag: str = ""  # the population's CDISC flag (SAFFL, ITTFL, ...); empty for all participants


@dataclass(frozen=True, slots=True)
class AECountRow:
    """One row of an AE-by-SOC/PT table; the fields are the columns of ae_soc_pt.csv, in order (DESIGN.md)."""

    level: str  # "any", "soc" or "pt"
    soc: str
    pt: str
    arm: str
    n_subjects: int | NotCollected
    n_events: int | NotCollected
    n_at_risk: int
    percent: float | NotCollected | None
    p_value: float | None
    risk_diff: float | None
    risk_diff_low: float | None
    risk_diff_high: float | None


@dataclass(frozen=True, slots=True)
class OverviewRow:
    category: str
    arm: str
    n_subjects: int | NotCollected
    n_events: int | NotCollected
    n_at_risk: int
    percent: float | NotCollected | None


@dataclass(frozen=True, slots=True)
class MaximumRow:
    """Participants counted once, at the highest severity or grade of their events in the SOC/PT."""

    level: str
    soc: str
    pt: str
    arm: str
    category: str
    n_subjects: int
    n_at_risk: int
    percent: float | None


@dataclass(frozen=True, slots=True)
class RegistryAERow:
    """A term of the registry AE tables (ClinicalTrials.gov reportedEvents, IRCT summary)."""

    soc: str
    pt: str
    arm: str
    n_affected: int
    n_at_risk: int
    n_events: int


@dataclass(frozen=True, slots=True)
class MortalityRow:
    arm: str
    n_deaths: int
    n_at_risk: int


@dataclass(frozen=True, slots=True)
class RegistryGroupRow:
    """An arm's totals for the registry AE tables: participants at risk, affected by any serious term, affected
    by any of the other (non-serious) terms listed, and deaths from any cause."""

    arm: str
    n_at_risk: int
    n_serious_affected: int
    n_other_affected: int
    n_deaths: int


@dataclass(frozen=True, slots=True)
class RateRow:
    level: str
    soc: str
    pt: str
    arm: str
    n_subjects: int
    person_years: float
    rate_per_100py: float | None
    rate_low: float | None
    rate_high: float | None


@dataclass(frozen=True, slots=True)
class ListingRow:
    subject_id: str
    arm: str
    seq: int
    soc: str
    pt: str
    verbatim: str
    start_date: date | None
    start_date_imputation: str | None
    end_date: date | None
    study_day: int | None
    ctcae_grade: int | None
    severity: str | None
    serious: bool
    serious_criteria: str
    relationship: str | None
    action_taken: str | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class DeathRow:
    subject_id: str
    arm: str
    death_date: date | None
    study_day: int | None
    cause: str | None
    age: float | None = None
    sex: str | None = None
    days_after_last_dose: int | None = None  # death date minus the last dose date; 0 on the day of the last dose
    timing: str = ""  # the deaths summary's timing category (service.safety.deaths)


@dataclass(frozen=True, slots=True)
class DispositionRow:
    period: str
    kind: str  # "milestone", "completion" (a completion flag such as COMP24FL) or "reason"
    category: str
    arm: str
    n: int | NotCollected  # NOT_COLLECTED for the screening rows where the data hold no screen failures
    n_arm: int | None = None  # the denominator: the arm's randomized participants (None for screening rows)
    percent: float | None = None
    p_value: float | None = None  # Fisher's exact test over arms, on the first row of its comparison
    variable: str = ""  # the CDISC variable the row counts (RANDFL, EOSSTT, COMP24FL, DCSREAS, ...)


@dataclass(frozen=True, slots=True)
class PopulationRow:
    """An analysis population (a CDISC population flag) per randomized arm: its size, of the arm's participants."""

    variable: str  # the flag: SAFFL, ITTFL, EFFFL, PPROTFL, COMP24FL, ...
    population: str
    arm: str
    n: int
    n_arm: int
    percent: float | None


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """A characteristic per arm: categorical (n, percent) or continuous (n and the summary statistics)."""

    characteristic: str
    category: str
    arm: str
    n: int
    n_analysed: int
    percent: float | None
    mean: float | None
    sd: float | None
    median: float | None
    q1: float | None
    q3: float | None
    minimum: float | None
    maximum: float | None
    unit: str
    variable: str = ""  # the CDISC variable summarised: AGE, SEX, BMIBL, ...; AVAL for a measured parameter
    parameter: str = ""  # the measured parameter (PARAMCD) whose baseline value is summarised


@dataclass(frozen=True, slots=True)
class OutcomeSummaryRow:
    parameter: str
    title: str
    visit: str
    visit_number: float | None
    arm: str
    statistic: str  # "value" or "change"
    n: int
    mean: float | None
    sd: float | None
    median: float | None
    q1: float | None
    q3: float | None
    minimum: float | None
    maximum: float | None
    unit: str


@dataclass(frozen=True, slots=True)
class FlowRow:
    """One count of the participant flow by period: STARTED, COMPLETED, a milestone, or a reason not completed."""

    period: int
    period_title: str
    kind: str  # started, completed, milestone, reason
    category: str
    arm: str
    n: int


@dataclass(frozen=True, slots=True)
class ArmEstimateRow:
    """One arm's estimate at one timepoint, as the SAP's analysis gives it: an LS mean with its SE and CI, a
    Kaplan–Meier median with events and censored, responders with their proportion, a mean or median."""

    parameter: str
    title: str
    outcome_type: str
    visit: str
    arm: str
    estimate_type: str  # one of ESTIMATE_TYPES
    n: int  # participants analysed
    estimate: float | None
    std_error: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float = 0.95
    n_events: int | None = None  # events (time to event), responders (binary), the total count (counts)
    n_censored: int | None = None
    sd: float | None = None
    q1: float | None = None
    q3: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    method: str = ""
    unit: str = ""
    source: str = "computed"  # or "supplied: FILE (sha256 …)"
    note: str = ""
    context: str = ""  # the ARD context: ancova, mmrm, kaplan-meier, proportion, count, summary
    variable: str = "AVAL"  # the CDISC variable analysed: AVAL, CHG, PCHG
    population: str = ""  # the outcome's population flag


# What an arm's estimate is: the registry's measure type follows from it.
ESTIMATE_TYPES = ("LS mean", "Mean", "Median", "Geometric mean", "Geometric LS mean", "Kaplan–Meier median",
                  "Responders", "Count")  # fmt: skip


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    parameter: str
    title: str
    outcome_type: str  # primary / secondary
    visit: str
    arm: str  # the arm compared; "" for a trend over all arms
    control: str  # the arm it is compared with; "" for a trend
    method: str
    estimate_type: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    n_arm: int
    n_control: int
    note: str
    std_error: float | None = None
    ci_level: float = 0.95
    sides: int = 2
    test: str = "superiority"
    margin: float | None = None
    context: str = ""  # the ARD context: ancova, mmrm, cox, logrank, newcombe, ...
    estimate_kind: str = ""  # one of COMPARISON_KINDS
    source: str = "computed"
    key_timepoint: bool = True  # the SAP's timepoint for this outcome (the one a monitoring plan looks at)
    variable: str = "AVAL"
    population: str = ""
    p_adjusted: float | None = None  # adjusted for multiplicity within its [[multiplicity]] family
    adjustment: str = ""  # that family's method (service.multiplicity.family.METHODS); "" when in none
    family: str = ""  # that family's name

    @property
    def is_ratio(self) -> bool:
        """An odds, hazard, rate or geometric-mean ratio: tested, inverted and its SE kept on the log scale."""
        return self.estimate_kind in RATIO_KINDS


COMPARISON_KINDS = ("mean-difference", "ls-mean-difference", "median-difference", "risk-difference", "odds-ratio",
                    "hazard-ratio", "rate-ratio", "geometric-mean-ratio", "slope")  # fmt: skip
RATIO_KINDS = ("odds-ratio", "hazard-ratio", "rate-ratio", "geometric-mean-ratio")


@dataclass(frozen=True, slots=True)
class ExposureRow:
    """Study treatment received, per arm of the safety population."""

    arm: str
    n_treated: int
    n_administrations: int | NotCollected  # NOT_COLLECTED when the data hold no exposure records at all
    administrations_mean: float | None
    administrations_min: int | None
    administrations_max: int | None
    duration_days_median: float | None  # first to last dose, inclusive
    duration_days_min: int | None
    duration_days_max: int | None
    follow_up_years: float  # first dose to end of observation, summed


@dataclass(frozen=True, slots=True)
class EnrollmentRow:
    """Randomizations per calendar month, with the running total and, for the total, the planned path."""

    month: str  # YYYY-MM
    arm: str
    n_randomized: int
    cumulative: int
    target_cumulative: float | None


@dataclass(frozen=True, slots=True)
class SiteRow:
    site: str
    arm: str
    n_screened: int | NotCollected | None  # only the Total row has it (screening precedes the arm)
    n_randomized: int
    first_randomization: date | None
    last_randomization: date | None


@dataclass(frozen=True, slots=True)
class MonitoringRow:
    """One look of the group-sequential monitoring plan (service.monitoring)."""

    look: int
    status: str  # "done", "current" (a declared look reached), "between looks" (no test), "skipped" or "planned"
    analysis_date: date | None
    information_fraction: float
    boundary_z: float | None  # None between looks: no boundary, no α spent
    nominal_p: float | None
    alpha_spent: float | None  # cumulative
    observed_z: float | None  # the test's two-sided p as a z, signed so that positive favours the experimental arm
    crossed: str  # "yes", "no", "futility" (at or below the futility boundary), "not tested" (between looks), or ""
    conditional_power_trend: float | None = None  # this snapshot's: under the current trend
    conditional_power_design: float | None = None  # under the effect the trial was designed to detect
    rci_low: float | None = None  # the repeated confidence interval of the comparison, at a declared look
    rci_high: float | None = None
    futility: str = ""  # the non-binding futility rule's verdict, where the plan declares one
    futility_z: float | None = None  # the non-binding β-spending futility boundary at this look
    arm: str = ""  # the comparison monitored: the arm compared (TOTAL for the dose-response trend) …
    control: str = ""  # … and its comparator ("" for the trend); both "" when no comparison is known
    alpha_level: float | None = None  # the comparison's share of α at this look (Bonferroni α/m; Holm's as it grows)
    estimate: float | None = None  # the comparison's estimate at this snapshot, beside its repeated interval
    ratio: bool = False  # the estimate is a ratio (its interval on the log scale)
    wald_z: float | None = None  # the estimate over its SE (log scale for a ratio), signed as observed_z
    # Where a boundary is crossed (or at the final look): adjusted for the design by the stagewise ordering.
    adjusted_p: float | None = None
    median_unbiased: float | None = None  # in the estimate's scale and direction
    adjusted_ci_low: float | None = None
    adjusted_ci_high: float | None = None


@dataclass(frozen=True)
class AnalysisResults:
    trial_id: str
    snapshot_id: int | None
    content_hash: str | None
    data_cutoff: date | None
    arms: tuple[str, ...]
    control: str | None
    tables: dict[str, Table[Any]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Table[Any]:
        return self.tables[name]


@dataclass(frozen=True, slots=True)
class KaplanMeierRow:
    """One step of a Kaplan–Meier curve (service.safety.kaplan_meier): at `time`, of `n_at_risk` participants,
    `n_events` had the event and `n_censored` were censored; `survival` is the estimate just after `time`, with its
    pointwise confidence interval (Greenwood's variance, on the log scale: R survival's conf.type = "log")."""

    curve: str  # what the time is to: "Any reason", "Adverse event", an AE-of-special-interest group, …
    arm: str
    time: float  # days from the time origin
    n_at_risk: int
    n_events: int
    n_censored: int
    survival: float
    survival_low: float | None  # the estimate's pointwise confidence interval
    survival_high: float | None
    variable: str = ""  # the CDISC parameter the curve is of (PARAMCD of an ADTTE-like parameter: TTDISC, …)
    # The variable whose value the curve is, where it is a grouping rather than a parameter (AESI, CQ01NAM: the
    # curve is the group's name); empty for a parameter.
    group_variable: str = ""
