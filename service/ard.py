"""The analysis results data (DESIGN.md, 'Analysis results data'): every statistic a table prints, one row each,
in the long format of CDISC's ARD as the pharmaverse `cards` package writes it.

Each row type of service.results has one converter here, which says what its columns are in ARD terms: the
groupings (the arm, then SOC, parameter, visit, ...), the variable summarised and its level, the method
(`context`) and each statistic's cards name. Listings (one record per row, no statistic) have none. A statistic
that was not collected is a row without a value (`stat` empty), its label saying so, never a zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from service.labs.rows import LabCategoryRow, LabShiftRow, LabShiftTestRow, LiverRow
from service.labs.visit_rows import MissingRow, NotableRow, VisitSummaryRow, WeightRow
from service.results import (
    NOT_COLLECTED,
    OVERALL,
    TOTAL,
    AECountRow,
    AnalysisResults,
    ArmEstimateRow,
    ComparisonRow,
    DispositionRow,
    EnrollmentRow,
    ExposureRow,
    FlowRow,
    KaplanMeierRow,
    MaximumRow,
    MonitoringRow,
    MortalityRow,
    OutcomeSummaryRow,
    OverviewRow,
    PopulationRow,
    RateRow,
    RegistryAERow,
    RegistryGroupRow,
    SiteRow,
    SummaryRow,
    Table,
)
from service.safety.deaths import DeathSummaryRow
from service.safety.kaplan_meier import median_time
from service.safety.special_interest_rows import (
    SpecialInterestComparisonRow,
    SpecialInterestRow,
    SpecialInterestTimeRow,
)
from service.safety.subgroups import SubgroupRow

ARD_COLUMNS = (
    "analysis", "population", "group1", "group1_level", "group2", "group2_level", "group3", "group3_level",
    "group4", "group4_level", "variable", "variable_level", "comparator", "context", "stat_name", "stat_label", "stat",
)  # fmt: skip
STAT_LABELS = {
    "n": "n",
    "N": "N",
    "p": "%",
    "n_events": "Number of events",
    "N_obs": "Participants in the group",
    "mean": "Mean",
    "sd": "SD",
    "median": "Median",
    "p25": "Q1",
    "p75": "Q3",
    "min": "Min",
    "max": "Max",
    "sum": "Sum",
    "estimate": "Estimate",
    "conf.low": "CI lower bound",
    "conf.high": "CI upper bound",
    "conf.level": "CI level",
    "std.error": "Standard error",
    "n_censored": "Number censored",
    "p.value": "p-value",
    "p.value.adjusted": "p-value adjusted for multiplicity",
    "statistic": "Test statistic",
    "tot_person_time": "Person-years at risk",
    "n_cum": "Cumulative n",
    "n_target_cum": "Planned cumulative n",
    "information": "Information fraction",
    "boundary": "Efficacy boundary (z)",
    "p.boundary": "Nominal p at the boundary",
    "alpha": "The comparison's share of alpha at this look",
    "alpha_spent": "Cumulative alpha spent",
    "futility": "Non-binding futility boundary (z)",
    "cp_trend": "Conditional power, current trend",
    "cp_design": "Conditional power, design effect",
    "rci.low": "Repeated CI lower bound",
    "rci.high": "Repeated CI upper bound",
    "wald_z": "Estimate over its standard error, signed so that positive favours the experimental arm",
    "p_stagewise": "Final p-value adjusted for the group-sequential design (stagewise ordering)",
    "median_unbiased": "Median-unbiased estimate (stagewise ordering)",
    "stagewise_low": "CI lower bound adjusted for the group-sequential design (stagewise ordering)",
    "stagewise_high": "CI upper bound adjusted for the group-sequential design (stagewise ordering)",
    "n.risk": "Number at risk",
}
Stat = Any  # a number, an ISO date, or None (or NOT_COLLECTED before it is written)


@dataclass(frozen=True, slots=True)
class ArdRow:
    analysis: str
    population: str
    group1: str
    group1_level: str
    group2: str
    group2_level: str
    group3: str
    group3_level: str
    variable: str
    variable_level: str
    comparator: str
    context: str
    stat_name: str
    stat_label: str
    stat: Stat
    # Last here, so that a row is made as before; ARD_COLUMNS writes them after group3_level.
    group4: str = ""
    group4_level: str = ""


@dataclass(frozen=True)
class Where:
    """One cell of a table in ARD terms: its groupings, variable, comparator and method."""

    table: Table[Any]
    arm: str
    groups: tuple[tuple[str, str], ...] = ()
    variable: str = ""
    level: str = ""
    comparator: str = ""
    context: str = "tabulate"
    population: str | None = None  # the table's population flag unless the row has its own
    estimate_label: str = ""  # what `estimate` estimates, where its name alone does not say
    statistic_label: str = ""  # what `statistic` is, where "Test statistic" alone does not say

    def stats(self, **values: Stat) -> Iterator[ArdRow]:
        """One row per statistic; a keyword with a dot in its cards name is written with '_' (p_value)."""
        groups = [(self.table.arm_variable or "ARM", self.arm), *self.groups, ("", ""), ("", ""), ("", "")][:4]
        for key, value in values.items():
            name = CARDS_NAMES.get(key, key)
            label = STAT_LABELS.get(name, name)
            if name == "estimate" and self.estimate_label:
                label = self.estimate_label
            elif name == "statistic" and self.statistic_label:
                label = self.statistic_label
            if value is NOT_COLLECTED:
                value, label = None, f"{label} (not collected)"
            elif value is None:
                continue
            population = self.table.population_flag if self.population is None else self.population
            yield ArdRow(self.table.name, population, groups[0][0], groups[0][1], groups[1][0],
                         groups[1][1], groups[2][0], groups[2][1], self.variable, self.level, self.comparator,
                         self.context, name, label, value, groups[3][0], groups[3][1])  # fmt: skip


CARDS_NAMES = {"p_value": "p.value", "conf_low": "conf.low", "conf_high": "conf.high", "p_boundary": "p.boundary",
               "std_error": "std.error", "conf_level": "conf.level", "rci_low": "rci.low",
               "rci_high": "rci.high", "p_value_adjusted": "p.value.adjusted", "n_risk": "n.risk"}  # fmt: skip


def proportion(n: Any, total: int) -> Stat:
    if n is NOT_COLLECTED:
        return NOT_COLLECTED
    return n / total if total else None


def _ae_groups(level: str, soc: str, pt: str) -> tuple[tuple[tuple[str, str], ...], str, str]:
    """An AE row's groupings and variable by its level: overall, SOC, or PT within SOC."""
    if level == "pt":
        return (("AEBODSYS", soc),), "AEDECOD", pt
    if level == "soc":
        return (), "AEBODSYS", soc
    return (), "TRTEMFL", "Y"


def ae_counts(table: Table[AECountRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        groups, variable, level = _ae_groups(r.level, r.soc, r.pt)
        cell = Where(table, r.arm, groups, variable, level)
        yield from cell.stats(n=r.n_subjects, N=r.n_at_risk, p=proportion(r.n_subjects, r.n_at_risk),
                              n_events=r.n_events)  # fmt: skip
        if control and r.arm not in (control, TOTAL):
            yield from Where(table, r.arm, groups, variable, level, control, "fisher").stats(p_value=r.p_value)
            yield from Where(table, r.arm, groups, variable, level, control, "newcombe").stats(
                estimate=r.risk_diff, conf_low=r.risk_diff_low, conf_high=r.risk_diff_high
            )


OVERVIEW_VARIABLES = (
    ("Any serious TEAE", "AESER"),
    ("Serious TEAE", "AESER"),
    ("Any related TEAE", "AEREL"),
    ("Any TEAE of CTCAE grade", "AETOXGR"),
    ("TEAE leading to discontinuation", "AEACN"),
    ("TEAE leading to death", "AEOUT"),
    ("Discontinued the study because of an adverse event", "DCSREAS"),
    ("Deaths", "DTHFL"),
)


def overview(table: Table[OverviewRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        variable = next((v for prefix, v in OVERVIEW_VARIABLES if r.category.startswith(prefix)), "TRTEMFL")
        yield from Where(table, r.arm, (), variable, r.category).stats(
            n=r.n_subjects, N=r.n_at_risk, p=proportion(r.n_subjects, r.n_at_risk), n_events=r.n_events
        )


def maximum(table: Table[MaximumRow], control: str | None) -> Iterator[ArdRow]:
    variable = "AETOXGR" if table.name.endswith("grade") else "AESEV"
    for r in table.rows:
        groups = {"pt": (("AEBODSYS", r.soc), ("AEDECOD", r.pt)), "soc": (("AEBODSYS", r.soc),)}.get(r.level, ())
        yield from Where(table, r.arm, groups, variable, r.category).stats(
            n=r.n_subjects, N=r.n_at_risk, p=proportion(r.n_subjects, r.n_at_risk)
        )


def registry_terms(table: Table[RegistryAERow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        yield from Where(table, r.arm, (("AEBODSYS", r.soc),), "AEDECOD", r.pt).stats(
            n=r.n_affected, N=r.n_at_risk, p=proportion(r.n_affected, r.n_at_risk), n_events=r.n_events
        )


def mortality(table: Table[MortalityRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        yield from Where(table, r.arm, (), "DTHFL", "Y").stats(n=r.n_deaths, N=r.n_at_risk)


def registry_groups(table: Table[RegistryGroupRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        yield from Where(table, r.arm, (), "SAFFL", "Y").stats(N=r.n_at_risk)
        yield from Where(table, r.arm, (), "AESER", "Y").stats(n=r.n_serious_affected)
        yield from Where(table, r.arm, (), "AEDECOD", "Other (non-serious) terms listed").stats(n=r.n_other_affected)
        yield from Where(table, r.arm, (), "DTHFL", "Y").stats(n=r.n_deaths)


def rates(table: Table[RateRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        groups, variable, level = _ae_groups(r.level, r.soc, r.pt)
        yield from Where(table, r.arm, groups, variable, level, context="incidence-rate").stats(
            n=r.n_subjects, tot_person_time=r.person_years, estimate=r.rate_per_100py, conf_low=r.rate_low,
            conf_high=r.rate_high,
        )  # fmt: skip


def exposure(table: Table[ExposureRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        yield from Where(table, r.arm, (), "SAFFL", "Y").stats(n=r.n_treated)
        doses = Where(table, r.arm, (("PARAMCD", "DOSENUM"),), "AVAL", context="summary")
        yield from doses.stats(sum=r.n_administrations, mean=r.administrations_mean, min=r.administrations_min,
                               max=r.administrations_max)  # fmt: skip
        duration = Where(table, r.arm, (("PARAMCD", "TRTDURD"),), "AVAL", context="summary")
        yield from duration.stats(median=r.duration_days_median, min=r.duration_days_min, max=r.duration_days_max)
        follow_up = Where(table, r.arm, (("PARAMCD", "FUPYRS"),), "AVAL", context="summary")
        yield from follow_up.stats(tot_person_time=r.follow_up_years)


def disposition(table: Table[DispositionRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        cell = Where(table, r.arm, (), r.variable or "EOSSTT", r.category)
        if r.n_arm is None:
            yield from cell.stats(n=r.n)
        else:
            yield from cell.stats(n=r.n, N=r.n_arm, p=proportion(r.n, r.n_arm))
        if r.p_value is not None:
            # Fisher's exact test over all arms: no one arm, no comparator (as cards' ard_stats_fisher_test).
            yield from Where(table, "", (), r.variable, "", context="fisher").stats(p_value=r.p_value)


def populations(table: Table[PopulationRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        yield from Where(table, r.arm, (), r.variable, "Y").stats(n=r.n, N=r.n_arm, p=proportion(r.n, r.n_arm))


def baseline(table: Table[SummaryRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        groups = (("PARAMCD", r.parameter),) if r.parameter else ()
        variable = r.variable or r.characteristic
        if r.category:
            yield from Where(table, r.arm, groups, variable, r.category).stats(
                n=r.n, N=r.n_analysed, p=proportion(r.n, r.n_analysed)
            )
        else:
            yield from Where(table, r.arm, groups, variable, context="summary").stats(
                N=r.n, N_obs=r.n_analysed, mean=r.mean, sd=r.sd, median=r.median, p25=r.q1, p75=r.q3,
                min=r.minimum, max=r.maximum,
            )  # fmt: skip


def outcome_summaries(table: Table[OutcomeSummaryRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        variable = "CHG" if r.statistic == "change" else "AVAL"
        yield from Where(table, r.arm, (("PARAMCD", r.parameter), ("AVISIT", r.visit)), variable,
                         context="summary").stats(N=r.n, mean=r.mean, sd=r.sd, median=r.median, p25=r.q1, p75=r.q3,
                                                  min=r.minimum, max=r.maximum)  # fmt: skip


def method_context(method: str) -> str:
    """A comparison's method as an ARD context: the first known name in its description."""
    text = method.casefold()
    for token, context in (("ancova", "ancova"), ("welch", "welch"), ("newcombe", "newcombe"),
                           ("fisher", "fisher"), ("mann", "wilcoxon"), ("wilcoxon", "wilcoxon"),
                           ("cox", "cox"), ("log-rank", "logrank"), ("logrank", "logrank"),
                           ("kaplan", "kaplan-meier"), ("mixed", "mmrm"), ("logistic", "logistic"),
                           ("t-test", "ttest"), ("t test", "ttest")):  # fmt: skip
        if token in text:
            return context
    return "comparison"


def outcome_groups(parameter: str, visit: str) -> tuple[tuple[str, str], ...]:
    """PARAMCD, and AVISIT unless the outcome has no visit (a time to event)."""
    return (("PARAMCD", parameter),) + ((("AVISIT", visit),) if visit != OVERALL else ())


def outcome_estimates(table: Table[ArmEstimateRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        where = Where(table, r.arm, outcome_groups(r.parameter, r.visit), r.variable, context=r.context or "summary",
                      population=r.population or None, estimate_label=r.estimate_type)  # fmt: skip
        responders = r.estimate_type == "Responders"
        yield from where.stats(
            N=r.n, estimate=r.estimate, std_error=r.std_error, conf_low=r.ci_low, conf_high=r.ci_high,
            conf_level=r.ci_level, n_events=r.n_events, n_censored=r.n_censored,
            n=r.n_events if responders else None, p=proportion(r.n_events or 0, r.n) if responders else None,
            sd=r.sd, p25=r.q1, p75=r.q3, min=r.minimum, max=r.maximum,
        )  # fmt: skip


def comparisons(table: Table[ComparisonRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        context = r.context or method_context(r.method)
        groups = outcome_groups(r.parameter, r.visit)
        population = r.population or None
        yield from Where(table, r.arm, groups, r.variable, r.estimate_type, r.control, context, population).stats(
            estimate=r.estimate, std_error=r.std_error, conf_low=r.ci_low, conf_high=r.ci_high,
            conf_level=r.ci_level, p_value=r.p_value,
        )  # fmt: skip
        if r.p_adjusted is not None:  # its own row, the adjustment's method as its context (README, ard.csv)
            adjusted = Where(table, r.arm, groups, r.variable, r.estimate_type, r.control, r.adjustment, population)
            yield from adjusted.stats(p_value_adjusted=r.p_adjusted)
        yield from Where(table, r.arm, groups, r.variable, "", "", context, population).stats(N=r.n_arm)
        if r.control:
            yield from Where(table, r.control, groups, r.variable, "", "", context, population).stats(N=r.n_control)


OBSERVED_Z = "z from the test's p (two-sided, signed by the estimate)"


def monitoring(table: Table[MonitoringRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        # The comparison monitored: its arm and comparator (group1_level Total and no comparator for the trend).
        look = Where(table, r.arm, (("LOOK", str(r.look)), ("STATUS", r.status)), "AVAL", "", r.control,
                     "group-sequential", statistic_label=OBSERVED_Z)  # fmt: skip
        yield from look.stats(information=r.information_fraction, boundary=r.boundary_z, p_boundary=r.nominal_p,
                              alpha=r.alpha_level, alpha_spent=r.alpha_spent, futility=r.futility_z,
                              statistic=r.observed_z, estimate=r.estimate,
                              cp_trend=r.conditional_power_trend,
                              cp_design=r.conditional_power_design, rci_low=r.rci_low, rci_high=r.rci_high,
                              wald_z=r.wald_z, p_stagewise=r.adjusted_p, median_unbiased=r.median_unbiased,
                              stagewise_low=r.adjusted_ci_low, stagewise_high=r.adjusted_ci_high)  # fmt: skip


def participant_flow(table: Table[FlowRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        yield from Where(table, r.arm, (("PERIOD", r.period_title),), "DSDECOD", r.category).stats(n=r.n)


def enrollment(table: Table[EnrollmentRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        yield from Where(table, r.arm, (), "RANDDT", r.month).stats(n=r.n_randomized, n_cum=r.cumulative,
                                                                     n_target_cum=r.target_cumulative)  # fmt: skip


def sites(table: Table[SiteRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        site = (("SITEID", r.site),)
        yield from Where(table, r.arm, site, "USUBJID").stats(n=r.n_screened)
        yield from Where(table, r.arm, site, "RANDDT", context="summary").stats(
            N=r.n_randomized, min=_iso(r.first_randomization), max=_iso(r.last_randomization)
        )


# AEs of special interest: the group under its ADAE grouping variable (CQ01NAM, SMQ01NAM) or, for a group trial.toml
# declares by terms, AESI; the group's name as its level. Each category as the ADAE variable it is read from.
SPECIAL_INTEREST_VARIABLES = {"any": ("AESIFL", "Y"), "serious": ("AESER", "Y"),
                              "discontinuation": ("AEACN", "DRUG WITHDRAWN")}  # fmt: skip


def special_interest(table: Table[SpecialInterestRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        variable, level = ("AEDECOD", r.term) if r.category == "term" else SPECIAL_INTEREST_VARIABLES[r.category]
        yield from Where(table, r.arm, ((r.variable, r.group),), variable, level).stats(
            n=r.n_subjects, N=r.n_at_risk, p=proportion(r.n_subjects, r.n_at_risk), n_events=r.n_events
        )


def special_interest_comparisons(table: Table[SpecialInterestComparisonRow], control: str | None
                                 ) -> Iterator[ArdRow]:  # fmt: skip
    for r in table.rows:
        variable, level = SPECIAL_INTEREST_VARIABLES[r.category]
        groups = ((r.variable, r.group),)
        yield from Where(table, r.arm, groups, variable, level, r.control, "fisher").stats(p_value=r.p_value)
        yield from Where(table, r.arm, groups, variable, level, r.control, "newcombe",
                         estimate_label="Risk difference, percentage points").stats(
            estimate=r.risk_diff, conf_low=r.risk_diff_low, conf_high=r.risk_diff_high
        )  # fmt: skip


def special_interest_time(table: Table[SpecialInterestTimeRow], control: str | None) -> Iterator[ArdRow]:
    """Per arm, the participants, events, censored and the median time (variable AVAL, days from the first dose);
    at each day (variable `time`, as cardx's ard_survival_survfit), the number at risk and the percentage with an
    event."""
    done: set[tuple[str, str]] = set()
    for r in table.rows:
        groups = ((r.variable, r.group),)
        if (r.group, r.arm) not in done:
            done.add((r.group, r.arm))
            yield from Where(table, r.arm, groups, "AVAL", context="kaplan-meier").stats(
                N=r.n, n_events=r.n_events, n_censored=r.n_censored, median=r.median
            )
        # At the day: N at risk, p the proportion with an event (1 − S), and the estimate with its interval in percent.
        by_day = Where(table, r.arm, groups, "time", str(r.day), context="kaplan-meier",
                       estimate_label="Percentage with an event by the day (Kaplan–Meier, 100 × (1 − S))")  # fmt: skip
        p = r.percent / 100 if r.percent is not None else None
        yield from by_day.stats(N=r.n_at_risk, p=p, estimate=r.percent, conf_low=r.ci_low, conf_high=r.ci_high)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def subgroups(table: Table[SubgroupRow], control: str | None) -> Iterator[ArdRow]:
    """The AE overview within a subgroup: group2 is the subgroup variable (SEX, AGEGR1, AGE for the declared age
    groups), its level the subgroup."""
    for r in table.rows:
        variable = next((v for prefix, v in OVERVIEW_VARIABLES if r.category.startswith(prefix)), "TRTEMFL")
        yield from Where(table, r.arm, ((r.variable, r.subgroup),), variable, r.category).stats(
            n=r.n_subjects, N=r.n_at_risk, p=proportion(r.n_subjects, r.n_at_risk), n_events=r.n_events
        )


def deaths(table: Table[DeathSummaryRow], control: str | None) -> Iterator[ArdRow]:
    """Deaths as ADSL holds them: DTHFL = Y for all, LDDTHGR1 (the timing against the last dose), DTHCAUS."""
    for r in table.rows:
        level = "Y" if r.section == "all" else r.category
        yield from Where(table, r.arm, (), r.variable, level).stats(
            n=r.n, N=r.n_at_risk, p=proportion(r.n, r.n_at_risk)
        )


def _curve_groups(row: KaplanMeierRow) -> tuple[tuple[str, str], ...]:
    """A curve of a parameter under PARAMCD; a curve of a grouping (AEs of special interest) under the grouping's
    variable with the group's name as its level, as that grouping's other tables have it."""
    if row.group_variable:
        return ((row.group_variable, row.curve),)
    return (("PARAMCD", row.variable or row.curve),)


def kaplan_meier(table: Table[KaplanMeierRow], control: str | None) -> Iterator[ArdRow]:
    """Each step of each curve as cardx's ard_survival_survfit writes one: variable `time`, its level the day,
    n.risk, estimate, conf.low, conf.high (and, as the outcome estimates name them, n_events and n_censored);
    group2 PARAMCD (the curve's parameter, else its title) or the grouping's variable
    (_curve_groups); then the median as variable `prob`, level 0.5."""
    by_curve: dict[tuple[str, str], list[KaplanMeierRow]] = {}
    for r in table.rows:
        by_curve.setdefault((r.curve, r.arm), []).append(r)
        groups = _curve_groups(r)
        yield from Where(table, r.arm, groups, "time", f"{r.time:g}", context="kaplan-meier").stats(
            n_risk=r.n_at_risk, n_events=r.n_events, n_censored=r.n_censored, estimate=r.survival,
            conf_low=r.survival_low, conf_high=r.survival_high,
        )  # fmt: skip
    for (_, arm), rows in by_curve.items():
        groups = _curve_groups(rows[0])
        yield from Where(table, arm, groups, "prob", "0.5", context="kaplan-meier",
                         estimate_label="Median time (days)").stats(estimate=median_time(rows))  # fmt: skip


def lab_categories(table: Table[LabCategoryRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        yield from Where(table, r.arm, (("PARAMCD", r.parameter),), "ANRIND", r.category).stats(
            n=r.n, N=r.n_analysed, p=proportion(r.n, r.n_analysed)
        )


def lab_shifts(table: Table[LabShiftRow], control: str | None) -> Iterator[ArdRow]:
    """DESIGN.md: the on-treatment category (ANRIND) within the baseline category (BNRIND)."""
    for r in table.rows:
        groups = (("PARAMCD", r.parameter), ("BNRIND", r.baseline))
        yield from Where(table, r.arm, groups, "ANRIND", r.category).stats(
            n=r.n, N=r.n_baseline, p=proportion(r.n, r.n_baseline)
        )


CMH_LABEL = "CMH row mean scores statistic, stratified by baseline category (BNRIND)"


def lab_shift_tests(table: Table[LabShiftTestRow], control: str | None) -> Iterator[ArdRow]:
    """Over every arm (no one arm, no comparator): the shift tested is the variable's level (ANRIND's worst low or
    worst high category during treatment)."""
    for r in table.rows:
        yield from Where(table, "", (("PARAMCD", r.parameter),), "ANRIND", f"worst {r.direction}", context="cmh",
                         statistic_label=CMH_LABEL).stats(N=r.n, statistic=r.statistic, df=r.df,
                                                          p_value=r.p_value)  # fmt: skip


def lab_liver(table: Table[LiverRow], control: str | None) -> Iterator[ArdRow]:
    """Peaks as multiples of ULN: ADaM's ratio to ANRHI (R2ANRHI), the criterion as its level."""
    for r in table.rows:
        yield from Where(table, r.arm, (("PARAMCD", r.parameter),), "R2ANRHI", r.criterion).stats(
            n=r.n, N=r.n_analysed, p=proportion(r.n, r.n_analysed)
        )


# converters of the laboratory and vital-sign displays over time (service.labs.visit_rows)


def visit_summaries(table: Table[VisitSummaryRow], control: str | None) -> Iterator[ArdRow]:
    """Grouped by PARAMCD and AVISIT, and for vital signs by ATPT (the position and timepoint) after them."""
    for r in table.rows:
        groups = (("PARAMCD", r.paramcd), ("AVISIT", r.visit), *((("ATPT", r.timepoint),) if r.timepoint else ()))
        variable = "CHG" if r.statistic == "change" else "AVAL"
        yield from Where(table, r.arm, groups, variable, context="summary").stats(
            N=r.n, mean=r.mean, sd=r.sd, median=r.median, min=r.minimum, max=r.maximum
        )


def missing_by_visit(table: Table[MissingRow], control: str | None) -> Iterator[ArdRow]:
    """n: participants expected at the visit without a result; N: those expected."""
    for r in table.rows:
        yield from Where(table, r.arm, (("PARAMCD", r.paramcd), ("AVISIT", r.visit)), "AVAL", "not collected",
                         context="missing").stats(n=r.n_missing, N=r.n_expected,
                                                  p=proportion(r.n_missing, r.n_expected))  # fmt: skip


def notable_vitals(table: Table[NotableRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        groups = (("PARAMCD", r.paramcd), *((("ATPT", r.timepoint),) if r.timepoint else ()))
        variable = "AVAL" if r.kind in ("above", "below") else "CHG"
        yield from Where(table, r.arm, groups, variable, r.criterion).stats(
            n=r.n, N=r.n_evaluable, p=proportion(r.n, r.n_evaluable)
        )


def weight_change(table: Table[WeightRow], control: str | None) -> Iterator[ArdRow]:
    for r in table.rows:
        yield from Where(table, r.arm, (("PARAMCD", r.paramcd),), "PCHG", r.category).stats(
            n=r.n, N=r.n_evaluable, p=proportion(r.n, r.n_evaluable)
        )


Converter = Callable[[Table[Any], str | None], Iterator[ArdRow]]
CONVERTERS: dict[type, Converter] = {
    AECountRow: ae_counts,
    OverviewRow: overview,
    MaximumRow: maximum,
    RegistryAERow: registry_terms,
    MortalityRow: mortality,
    RegistryGroupRow: registry_groups,
    RateRow: rates,
    ExposureRow: exposure,
    DispositionRow: disposition,
    PopulationRow: populations,
    SummaryRow: baseline,
    OutcomeSummaryRow: outcome_summaries,
    ArmEstimateRow: outcome_estimates,
    ComparisonRow: comparisons,
    MonitoringRow: monitoring,
    EnrollmentRow: enrollment,
    FlowRow: participant_flow,
    SiteRow: sites,
    # converters: common AEs, subgroups
    # (common AEs are AECountRow rows: ae_counts above)
    SubgroupRow: subgroups,
    # converters: AEs of special interest
    SpecialInterestRow: special_interest,
    SpecialInterestComparisonRow: special_interest_comparisons,
    SpecialInterestTimeRow: special_interest_time,
    # converters: deaths, time to treatment discontinuation
    DeathSummaryRow: deaths,
    KaplanMeierRow: kaplan_meier,
    # converters: laboratory values
    LabCategoryRow: lab_categories,
    LabShiftRow: lab_shifts,
    LabShiftTestRow: lab_shift_tests,
    LiverRow: lab_liver,
    # converters: vital signs
    VisitSummaryRow: visit_summaries,
    MissingRow: missing_by_visit,
    NotableRow: notable_vitals,
    WeightRow: weight_change,
}


def build_ard(results: AnalysisResults) -> list[ArdRow]:
    """Every statistic of every table that has statistics (listings have none), in the tables' order."""
    rows: list[ArdRow] = []
    for table in results.tables.values():
        converter = CONVERTERS.get(table.row_type)
        if converter is not None:
            rows.extend(converter(table, results.control))
    return rows
