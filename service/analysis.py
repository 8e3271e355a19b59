"""One analysis of one snapshot: every table every output draws on (DESIGN.md, 'One analysis core').

The tables are a list of specifications (TABLES), read like a SAP's list of tables: each names its rows' type,
title, population, denominators and footnotes, and the small function that makes its rows from the analysis
inputs (AnalysisInputs: the snapshot, its safety set, the options). A table that compares arms says so
(`comparative`): the open DSMB edition, which must hold nothing comparative, leaves those out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import pandas as pd

from service.baseline import BASELINE_POPULATION, summarise_baseline
from service.disposition import (
    DISPOSITION_RULES,
    FISHER_RULE,
    UNKNOWN_RULE,
    screening_notes,
    summarise_disposition,
    unknown_at_cutoff,
    wants_fisher,
)
from service.enrollment import ENROLLMENT_RULES, summarise_enrollment, summarise_sites
from service.errors import DataError
from service.flow import FLOW_RULES, summarise_flow
from service.importing.definition import safety_arm_basis
from service.importing.records import ImportedTrial, MeasurementRecord
from service.importing.reference_dates import randomization_note
from service.labs import visit_tables as visits
from service.labs.abnormal import CATEGORY_RULE, lab_analysis, lab_notes, summarise_lab_categories
from service.labs.liver import LIVER_RULE, list_liver_peaks, liver_notes, summarise_liver
from service.labs.rows import LabCategoryRow, LabShiftRow, LabShiftTestRow, LabSignificantRow, LiverPeakRow, LiverRow
from service.labs.shift import CMH_RULE, SHIFT_RULE, compare_shifts, summarise_shifts
from service.labs.significant import list_significant_values, significant_notes
from service.labs.visit_rows import MissingRow, NotableRow, VisitSummaryRow, WeightRow
from service.monitoring.comparison import Target
from service.monitoring.plan import MonitoringPlan, parse_monitoring
from service.monitoring.rows import Evidence, monitoring_rows
from service.monitoring.targets import monitoring_targets
from service.multiplicity.apply import adjust_comparisons
from service.multiplicity.family import parse_multiplicity
from service.outcomes.compare import analyse_outcome, compare_every_pair
from service.outcomes.data import collect_outcome
from service.outcomes.definition import parse_outcomes
from service.outcomes.summary import CHANGE_RULE, OUTCOME_POPULATION, summarise_outcome
from service.outcomes.supplied import supplied_results
from service.outcomes.tables import OutcomeTables
from service.populations import POPULATIONS_RULES, summarise_populations
from service.results import (
    NOT_COLLECTED,
    TOTAL,
    AECountRow,
    AnalysisResults,
    ArmEstimateRow,
    ComparisonRow,
    DeathRow,
    DispositionRow,
    EnrollmentRow,
    ExposureRow,
    FlowRow,
    KaplanMeierRow,
    ListingRow,
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
from service.safety import special_interest_tables as aesi
from service.safety.categories import DISCONTINUATION_RULE, FATAL_RULE
from service.safety.common import common_ae_notes, common_ae_percent, summarise_common_aes
from service.safety.counts import COMPARISON_RULE, COUNTING_RULES, build_count_rows, count_by_soc_pt
from service.safety.deaths import DeathSummaryRow, death_window, deaths_notes, summarise_deaths
from service.safety.discontinuation_time import (
    discontinuation_time_notes,
    single_administration,
    summarise_discontinuation_time,
)
from service.safety.exposure import EXPOSURE_RULES, summarise_exposure
from service.safety.listings import list_deaths, list_discontinuation_events, list_serious_events
from service.safety.maximum import MAXIMUM_RULE, summarise_max_grade, summarise_max_severity
from service.safety.overview import DISCONTINUED_FOR_AE, summarise_ae_overview
from service.safety.population import (
    NOT_COLLECTED_RULE,
    RANDOMIZED_ARM_RULE,
    SAFETY_POPULATION,
    SafetySet,
    arm_differences_note,
    arm_rule,
    arm_variable,
    derive_safety_set,
)
from service.safety.rates import RATE_RULE, summarise_incidence_rates
from service.safety.registry import (
    sex_specific_terms,
    summarise_mortality_for_registry,
    summarise_other_for_registry,
    summarise_registry_groups,
    summarise_serious_for_registry,
)
from service.safety.seriousness import contradiction_footnote
from service.safety.soc_order import SOC_ORDERS
from service.safety.special_interest_rows import (
    SpecialInterestComparisonRow,
    SpecialInterestRow,
    SpecialInterestTimeRow,
)
from service.safety.subgroups import SubgroupRow, age_cuts, subgroup_names, subgroup_notes, summarise_subgroups

NO_CONTROL_NOTE = "No control arm is defined, so no comparison is made."
EXPOSURE_NOT_COLLECTED = (
    "Administrations: not collected (the data hold no exposure records: no SDTM EX, no exposure.csv; ADaM "
    "imports read no exposure dataset). Duration and follow-up come from the first and last dose dates."
)
TEAE_RULE = ("TEAE: treatment-emergent adverse event — as the data flag it, else one starting on or after the first "
             "dose (and, where the trial sets a window, within it after the last dose).")  # fmt: skip
DEFAULT_OTHER_THRESHOLD = 5.0
# Where a participant's reason for discontinuing comes from, by the data's format (README, the mappings).
DISCONTINUATION_REASON_SOURCES = {
    "adam": "ADSL's coded reason for discontinuation (DCSREAS, else DCREASCD or DCDECOD) = ADVERSE EVENT, or DSRAEFL "
    "= Y",
    "sdtm": "the last DS disposition event's DSDECOD = ADVERSE EVENT",
    "bundle": "participants.csv disposition_reason = adverse event",
}
SUPPLIED_NOT_PAIRED = ("{title}: its comparisons are supplied as the statistician computed them, not for every pair "
                       "of arms, so this edition shows none; the unmasked edition shows them.")  # fmt: skip


@dataclass(frozen=True)
class AnalysisInputs:
    """What the tables are made from: one snapshot's data, its safety set, and the analysis options."""

    data: ImportedTrial
    safety: SafetySet
    soc_order: str
    threshold: float  # the registry's other-AE frequency threshold, percent
    data_cutoff: date | None
    comparative: bool = True  # False for the open DSMB edition: no test between arms anywhere
    monitoring_looks: Mapping[int, Evidence] = field(default_factory=dict)  # done looks' data (monitoring.looks)
    pair_order: tuple[str, ...] | None = None  # a masked edition of 3 or more arms: every pair compared, in this order

    @cached_property
    def randomized(self) -> dict[str, int]:
        labels = self.data.arm_labels
        counts = Counter(labels[p.arm_code] for p in self.data.participants if p.randomized and p.arm_code)
        return {**{label: counts[label] for label in labels.values()}, TOTAL: sum(counts.values())}

    @cached_property
    def outcomes(self) -> OutcomeTables:
        """Every declared outcome's summaries by arm and visit, its estimates per arm and its comparisons; without
        `comparative` (the pooled open edition), the summaries only: no SAP analysis is run on pooled data."""
        by_parameter: dict[str, list[MeasurementRecord]] = defaultdict(list)
        for m in self.data.measurements:
            by_parameter[m.parameter].append(m)
        tables = OutcomeTables(every_pair=[] if self.pair_order is not None else None)
        for spec in parse_outcomes(self.data.definition.raw):
            outcome = collect_outcome(self.data, spec, by_parameter.get(spec.parameter, []),
                                      compared=self.comparative)  # fmt: skip
            tables.summaries.extend(summarise_outcome(outcome))
            tables.populations.append((spec.title, outcome.population_description()))
            if not self.comparative:
                continue
            analysed = supplied_results(self.data, outcome) if spec.supplied else analyse_outcome(outcome)
            tables.estimates.extend(analysed.estimates)
            tables.comparisons.extend(analysed.comparisons)
            tables.notes.extend(analysed.notes)
            if tables.every_pair is not None and self.pair_order is not None:
                if spec.supplied:
                    tables.notes.append(SUPPLIED_NOT_PAIRED.format(title=spec.title))
                else:
                    tables.every_pair.extend(compare_every_pair(outcome, self.pair_order).comparisons)
        families = parse_multiplicity(self.data.definition.raw, self.data.definition.arms)
        if families and self.comparative:
            # The families name the plan's comparisons: a masked edition comparing every pair of letters shows
            # other comparisons, so no adjusted p and no footnote there.
            tables.comparisons, notes = adjust_comparisons(families, tables.comparisons)
            if tables.every_pair is None:
                tables.notes.extend(notes)
        return tables

    @cached_property
    def sex_specific_terms(self) -> dict[str, str]:
        """[safety] sex_specific_terms, read once for the three registry AE tables."""
        return sex_specific_terms(self.data.definition.raw)

    @cached_property
    def monitoring_plan(self) -> MonitoringPlan | None:
        return parse_monitoring(self.data.definition.raw)

    @cached_property
    def monitoring_targets(self) -> tuple[Target, ...]:
        plan = self.monitoring_plan
        assert plan is not None
        return monitoring_targets(plan, self.data)

    @property
    def ae_notes(self) -> tuple[str, ...]:
        control = self.safety.control
        return (TEAE_RULE, *COUNTING_RULES, COMPARISON_RULE.format(control=control) if control
                else NO_CONTROL_NOTE)  # fmt: skip

    @property
    def seriousness_notes(self) -> tuple[str, ...]:
        """The data-quality footnote of every table or listing of serious AEs: records a seriousness criterion
        makes serious but AESER says are not."""
        found = self.safety.contradictions
        return (contradiction_footnote(found, self.safety.rules),) if found is not None else ()

    @property
    def related_notes(self) -> tuple[str, ...]:
        """The relatedness rule in use, and the causality values it leaves unclassified (counted as related)."""
        unclassified = self.safety.unclassified or {}
        if not unclassified:
            return (self.safety.rules.related_rule(),)
        listed = "; ".join(f"{value} ({n} record(s))" for value, n in unclassified.items())
        return (self.safety.rules.related_rule(), f"Causality values in neither list, counted as related: {listed}. "
                "trial.toml's [safety] related declares which ones the SAP counts as related.")  # fmt: skip

    def discontinuation_notes(self, rows: tuple[OverviewRow, ...]) -> tuple[str, ...]:
        """The source of the participants counted as discontinuing for an AE from the disposition, where they are."""
        if not any(r.category == DISCONTINUED_FOR_AE for r in rows):
            return ()
        source = DISCONTINUATION_REASON_SOURCES.get(self.data.source_format, "the coded reason for discontinuing")
        return (f"{DISCONTINUED_FOR_AE}: participants of the safety population whose end-of-study reason is an "
                f"adverse event ({source}), counted from the disposition because no AE record gives the action "
                "taken with study treatment (AEACN); participants only (events: not collected), whether or not the "
                "event was treatment-emergent.",)  # fmt: skip

    @cached_property
    def overview(self) -> tuple[OverviewRow, ...]:
        return summarise_ae_overview(self.safety)

    @cached_property
    def safety_arm_basis(self) -> str:
        return safety_arm_basis(self.data.definition.raw)

    @cached_property
    def arm_notes(self) -> dict[str, tuple[str, ...]]:
        """The footnotes that say which arm a table counts a participant in, by the table's arm basis."""
        differences = arm_differences_note(self.data)
        extra = (differences,) if differences else ()
        return {"safety": (arm_rule(self.safety_arm_basis), *extra), "randomized": (RANDOMIZED_ARM_RULE, *extra),
                "": ()}  # fmt: skip

    def arm_variable(self, basis: str) -> str:
        """The CDISC variable a table's arms come from, for its arm basis ("safety", "randomized" or "")."""
        if not basis:
            return ""
        planned = basis == "randomized" or self.safety_arm_basis == "planned"
        return arm_variable(self.data.source_format, "planned" if planned else "actual")


Text = str | Callable[[AnalysisInputs], str]
Notes = tuple[str, ...] | Callable[[AnalysisInputs], tuple[str, ...]]


@dataclass(frozen=True)
class TableSpec:
    name: str
    row_type: type
    title: Text
    population: str
    denominators: Callable[[AnalysisInputs], dict[str, int]]
    notes: Notes
    rows: Callable[[AnalysisInputs], tuple[Any, ...]]
    comparative: bool = False  # compares arms (a p-value, a difference, a boundary test): closed and registry only
    applies: Callable[[AnalysisInputs], bool] = lambda inputs: True
    arms: str = "safety"  # whose arm a participant is counted in: "safety", "randomized", or "" (no arms)
    population_flag: str = "SAFFL"

    def build(self, inputs: AnalysisInputs) -> Table[Any]:
        title = self.title(inputs) if callable(self.title) else self.title
        notes = self.notes(inputs) if callable(self.notes) else self.notes
        return Table(self.name, self.row_type, title, self.population, self.denominators(inputs),
                     (*notes, *inputs.arm_notes[self.arms]), self.rows(inputs), self.comparative,
                     inputs.arm_variable(self.arms), self.population_flag)  # fmt: skip


def at_risk(inputs: AnalysisInputs) -> dict[str, int]:
    return dict(inputs.safety.at_risk)


def randomized(inputs: AnalysisInputs) -> dict[str, int]:
    return inputs.randomized


def baseline_population(inputs: AnalysisInputs) -> dict[str, int]:
    """The baseline table's population per arm: the intention-to-treat participants, which need not be every
    randomized one (ADSL ITTFL = N for a randomized participant)."""
    labels = inputs.data.arm_labels
    counts = Counter(labels[p.arm_code] for p in inputs.data.participants if p.itt_population and p.arm_code)
    return {**{label: counts[label] for label in labels.values()}, TOTAL: sum(counts.values())}


def no_denominators(inputs: AnalysisInputs) -> dict[str, int]:
    return {}


def ae_count_table(
    name: str,
    title: str,
    select: str | None,
    *extra: str,
    extra_notes: Callable[[AnalysisInputs], tuple[str, ...]] = lambda inputs: (),
) -> TableSpec:
    """A table of TEAEs by SOC and PT; `select` names the frame's flag that picks its events (None: all)."""

    item = {"related": "relationship", "discontinuation": "action"}.get(select or "")
    items = (item,) if item else ()

    def rows(inputs: AnalysisInputs) -> tuple[AECountRow, ...]:
        frame = inputs.safety.frame
        if item is not None and item not in inputs.safety.collected:
            return not_collected_count_rows(inputs.safety)
        events = frame if select is None else frame[frame[select]]
        return build_count_rows(count_by_soc_pt(events), inputs.safety, inputs.soc_order)

    def notes(inputs: AnalysisInputs) -> tuple[str, ...]:
        return (*inputs.ae_notes, *extra, *extra_notes(inputs), _order_note(inputs.soc_order),
                *not_collected_notes(inputs, items))  # fmt: skip

    return TableSpec(name, AECountRow, title, SAFETY_POPULATION, at_risk, notes, rows)


NOT_COLLECTED_NAMES = {"grade": "CTCAE grade", "action": "Action taken with study treatment (AEACN)",
                       "relationship": "Relationship to study treatment (AEREL)"}  # fmt: skip


def not_collected_notes(inputs: AnalysisInputs, items: tuple[str, ...] = tuple(NOT_COLLECTED_NAMES)) -> tuple[str, ...]:
    """The footnote naming those of `items` (AE items: grade, action, relationship) that no record gives."""
    missing = [NOT_COLLECTED_NAMES[i] for i in items if i not in inputs.safety.collected]
    return (NOT_COLLECTED_RULE.format(items="; ".join(missing)),) if missing else ()


def not_collected_count_rows(safety: SafetySet) -> tuple[AECountRow, ...]:
    return tuple(AECountRow("any", "", "", arm, NOT_COLLECTED, NOT_COLLECTED, safety.at_risk[arm], NOT_COLLECTED,
                            None, None, None, None) for arm in safety.columns)  # fmt: skip


def other_ae_title(inputs: AnalysisInputs) -> str:
    return f"Other (non-serious) adverse events reaching {inputs.threshold:g}% in any arm (registry table)"


def other_ae_notes(inputs: AnalysisInputs) -> tuple[str, ...]:
    return (TEAE_RULE, f"Frequency threshold: {inputs.threshold:g}% of participants at risk in at least one arm.")


def disposition_compared(inputs: AnalysisInputs) -> bool:
    return inputs.comparative and wants_fisher(inputs.data.definition.raw)


def disposition_notes(inputs: AnalysisInputs) -> tuple[str, ...]:
    rules = (*DISPOSITION_RULES, FISHER_RULE) if disposition_compared(inputs) else DISPOSITION_RULES
    return (*rules, *screening_notes(inputs.data), *dating_notes(inputs))


def dating_notes(inputs: AnalysisInputs) -> tuple[str, ...]:
    """Where a table depends on when things happened: the randomization date's stand-in, if the definition names
    one, and the participants whose final status a cut-off cannot place."""
    data = inputs.data
    stand_in = randomization_note(data.definition.raw, data.source_format)
    return (*((stand_in,) if stand_in else ()), *((UNKNOWN_RULE,) if unknown_at_cutoff(data) else ()))


def common_percent(inputs: AnalysisInputs) -> float:
    return common_ae_percent(inputs.data.definition.raw)


def death_window_of(inputs: AnalysisInputs) -> tuple[int, str]:
    return death_window(inputs.data.definition.raw, inputs.data.definition.teae_window_days)


def report_cutoff(inputs: AnalysisInputs) -> date | None:
    """The cut-off a participant still on treatment is censored at: the report's, else the data's own."""
    return inputs.data_cutoff or inputs.data.definition.data_cutoff


def monitoring_table_rows(inputs: AnalysisInputs) -> tuple[MonitoringRow, ...]:
    plan = inputs.monitoring_plan
    assert plan is not None
    return monitoring_rows(plan, inputs.outcomes.comparisons, inputs.data_cutoff, estimates=inputs.outcomes.estimates,
                           targets=inputs.monitoring_targets, past=inputs.monitoring_looks)  # fmt: skip


def monitoring_notes(inputs: AnalysisInputs) -> tuple[str, ...]:
    plan = inputs.monitoring_plan
    return (plan.rule(),) if plan is not None else ()


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "ae_overview", OverviewRow, "Overview of treatment-emergent adverse events", SAFETY_POPULATION, at_risk,
        lambda inputs: (TEAE_RULE, *COUNTING_RULES, *inputs.related_notes, DISCONTINUATION_RULE, FATAL_RULE,
                        "Deaths: participants with a death date or an AE with a fatal outcome, whatever its timing.",
                        *not_collected_notes(inputs), *inputs.discontinuation_notes(inputs.overview),
                        *inputs.seriousness_notes),
        lambda inputs: inputs.overview,
    ),
    ae_count_table("ae_soc_pt", "Treatment-emergent adverse events by system organ class and preferred term", None),
    ae_count_table("ae_soc_pt_serious",
                   "Serious treatment-emergent adverse events by system organ class and preferred term", "serious",
                   extra_notes=lambda inputs: inputs.seriousness_notes),
    ae_count_table("ae_soc_pt_related",
                   "Related treatment-emergent adverse events by system organ class and preferred term", "related",
                   extra_notes=lambda inputs: inputs.related_notes),
    ae_count_table("ae_soc_pt_discontinuation",
                   "Treatment-emergent adverse events leading to discontinuation of study treatment, by SOC and PT",
                   "discontinuation", DISCONTINUATION_RULE),
    TableSpec(
        "ae_max_severity", MaximumRow, "Treatment-emergent adverse events by maximum severity", SAFETY_POPULATION,
        at_risk, (TEAE_RULE, MAXIMUM_RULE), lambda inputs: summarise_max_severity(inputs.safety),
    ),
    TableSpec(
        "ae_max_grade", MaximumRow, "Treatment-emergent adverse events by maximum CTCAE grade", SAFETY_POPULATION,
        at_risk, lambda inputs: (TEAE_RULE, MAXIMUM_RULE, *not_collected_notes(inputs, ("grade",))),
        lambda inputs: summarise_max_grade(inputs.safety),
    ),
    TableSpec(
        "ae_registry_serious", RegistryAERow, "Serious adverse events (registry table)", SAFETY_POPULATION, at_risk,
        lambda inputs: (TEAE_RULE, "Affected: participants with at least one event of the term; events: records.",
                        *inputs.seriousness_notes),
        lambda inputs: summarise_serious_for_registry(inputs.safety, inputs.sex_specific_terms),
    ),
    TableSpec(
        "ae_registry_other", RegistryAERow, other_ae_title, SAFETY_POPULATION, at_risk, other_ae_notes,
        lambda inputs: summarise_other_for_registry(inputs.safety, inputs.threshold,
                                                    inputs.sex_specific_terms),
    ),
    TableSpec(
        "ae_registry_mortality", MortalityRow, "All-cause mortality (registry table)", SAFETY_POPULATION, at_risk,
        ("Deaths from any cause, whether or not treatment-emergent.",),
        lambda inputs: summarise_mortality_for_registry(inputs.safety),
    ),
    TableSpec(
        "ae_registry_groups", RegistryGroupRow, "Arm totals for the registry AE tables", SAFETY_POPULATION, at_risk,
        (TEAE_RULE, "Other affected: participants with at least one of the other (non-serious) terms listed."),
        lambda inputs: summarise_registry_groups(inputs.safety, inputs.threshold,
                                                 inputs.sex_specific_terms),
    ),
    TableSpec(
        "ae_incidence_rates", RateRow, "Exposure-adjusted incidence rates of treatment-emergent adverse events",
        SAFETY_POPULATION, at_risk, (TEAE_RULE, RATE_RULE),
        lambda inputs: summarise_incidence_rates(inputs.safety),
    ),
    # tables: common AEs, exposure-adjusted rates in the report, subgroups
    TableSpec(
        "ae_common", AECountRow,
        lambda inputs: f"Common treatment-emergent adverse events (at least {common_percent(inputs):g}%) by preferred "
        "term", SAFETY_POPULATION, at_risk,
        lambda inputs: (TEAE_RULE, *common_ae_notes(common_percent(inputs), not inputs.comparative), *COUNTING_RULES),
        lambda inputs: summarise_common_aes(inputs.safety, common_percent(inputs)),
    ),
    TableSpec(
        "ae_subgroups", SubgroupRow, "Overview of treatment-emergent adverse events by subgroup", SAFETY_POPULATION,
        at_risk,
        lambda inputs: (TEAE_RULE, *COUNTING_RULES, *subgroup_notes(subgroup_names(inputs.data.definition.raw),
                                                                     age_cuts(inputs.data.definition.raw)),
                        *not_collected_notes(inputs)),
        lambda inputs: summarise_subgroups(inputs.safety, subgroup_names(inputs.data.definition.raw),
                                           age_cuts(inputs.data.definition.raw)),
        applies=lambda inputs: bool(subgroup_names(inputs.data.definition.raw)),
    ),

    # tables: AEs of special interest
    TableSpec(
        "ae_special_interest", SpecialInterestRow, "Adverse events of special interest", SAFETY_POPULATION, at_risk,
        lambda inputs: (TEAE_RULE, *aesi.special_interest_notes(inputs), *not_collected_notes(inputs, ("action",))),
        aesi.special_interest_rows,
    ),
    TableSpec(
        "ae_special_interest_comparison", SpecialInterestComparisonRow,
        "Adverse events of special interest: differences between arms", SAFETY_POPULATION, at_risk,
        aesi.comparison_notes, aesi.special_interest_comparisons, comparative=True,
    ),
    TableSpec(
        "ae_special_interest_time", SpecialInterestTimeRow, "Time to the first adverse event of special interest",
        SAFETY_POPULATION, at_risk, lambda inputs: (TEAE_RULE, *aesi.time_notes(inputs)), aesi.special_interest_time,
        applies=lambda inputs: inputs.comparative,  # by arm: the closed edition's (and the tables')
    ),
    TableSpec(
        "ae_special_interest_km", KaplanMeierRow,
        "Time to the first adverse event of special interest: Kaplan–Meier steps", SAFETY_POPULATION, at_risk,
        lambda inputs: (TEAE_RULE, *aesi.time_notes(inputs)), aesi.special_interest_km,
        applies=lambda inputs: inputs.comparative,  # the figure's steps, by arm: the closed edition's
    ),

    # tables: deaths by timing and cause, time to treatment discontinuation
    TableSpec(
        "deaths", DeathSummaryRow, "Deaths by timing and cause", SAFETY_POPULATION, at_risk,
        lambda inputs: deaths_notes(*death_window_of(inputs)),
        lambda inputs: summarise_deaths(inputs.data, inputs.safety, death_window_of(inputs)[0]),
    ),
    TableSpec(
        "discontinuation_time", KaplanMeierRow,
        lambda inputs: "Time to discontinuation of the study" if single_administration(inputs.safety)
        else "Time to discontinuation of study treatment", SAFETY_POPULATION,
        at_risk, lambda inputs: discontinuation_time_notes(inputs.safety, report_cutoff(inputs)),
        lambda inputs: summarise_discontinuation_time(inputs.safety, report_cutoff(inputs)),
    ),

    # tables: laboratory values
    TableSpec(
        "lab_categories", LabCategoryRow, "Laboratory values outside the normal range during treatment",
        SAFETY_POPULATION, at_risk, lambda inputs: lab_notes(lab_analysis(inputs), CATEGORY_RULE),
        lambda inputs: summarise_lab_categories(lab_analysis(inputs)),
    ),
    TableSpec(
        "lab_shift_low", LabShiftRow, "Shift from the baseline category to the worst low category during treatment",
        SAFETY_POPULATION, at_risk, lambda inputs: lab_notes(lab_analysis(inputs), SHIFT_RULE),
        lambda inputs: summarise_shifts(lab_analysis(inputs), "low"),
    ),
    TableSpec(
        "lab_shift_high", LabShiftRow, "Shift from the baseline category to the worst high category during treatment",
        SAFETY_POPULATION, at_risk, lambda inputs: lab_notes(lab_analysis(inputs), SHIFT_RULE),
        lambda inputs: summarise_shifts(lab_analysis(inputs), "high"),
    ),
    TableSpec(
        "lab_shift_test", LabShiftTestRow, "Laboratory shifts compared between arms (Cochran–Mantel–Haenszel)",
        SAFETY_POPULATION, at_risk, lambda inputs: lab_notes(lab_analysis(inputs), CMH_RULE),
        lambda inputs: compare_shifts(lab_analysis(inputs)), comparative=True,
    ),
    TableSpec(
        "lab_liver", LiverRow, "Possible drug-induced liver injury: peak liver tests as multiples of the upper limit "
        "of normal", SAFETY_POPULATION, at_risk, lambda inputs: lab_notes(lab_analysis(inputs),
                                                                         *liver_notes(lab_analysis(inputs))),
        lambda inputs: summarise_liver(lab_analysis(inputs)),
    ),
    TableSpec(
        "listing_liver_peaks", LiverPeakRow, "Peak liver tests by participant (the eDISH figure's points)",
        SAFETY_POPULATION, no_denominators, lambda inputs: lab_notes(lab_analysis(inputs), LIVER_RULE),
        lambda inputs: list_liver_peaks(lab_analysis(inputs)),
    ),
    TableSpec(
        "listing_lab_significant", LabSignificantRow, "Listing of clinically significant laboratory values",
        SAFETY_POPULATION, no_denominators,
        lambda inputs: lab_notes(lab_analysis(inputs), *significant_notes(lab_analysis(inputs))),
        lambda inputs: list_significant_values(lab_analysis(inputs)),
    ),

    # tables: vital signs
    # (with the laboratory values by visit and missing laboratory data, before the vital signs)
    TableSpec(
        "lab_by_visit", VisitSummaryRow, "Laboratory values and change from baseline by visit", SAFETY_POPULATION,
        at_risk, visits.lab_by_visit_notes, visits.lab_by_visit_rows,
    ),
    TableSpec(
        "lab_missing_by_visit", MissingRow, "Missing laboratory data by visit", SAFETY_POPULATION, at_risk,
        visits.missing_notes, visits.missing_rows,
    ),
    TableSpec(
        "vitals_by_visit", VisitSummaryRow, "Vital signs and change from baseline by visit", SAFETY_POPULATION,
        at_risk, visits.vitals_by_visit_notes, visits.vitals_by_visit_rows,
    ),
    TableSpec(
        "vitals_notable", NotableRow, "Vital signs meeting clinically notable criteria after baseline",
        SAFETY_POPULATION, at_risk, visits.notable_notes, visits.notable_rows,
    ),
    TableSpec(
        "vitals_weight", WeightRow, "Weight change from baseline to the last on-treatment value", SAFETY_POPULATION,
        at_risk, visits.weight_notes, visits.weight_rows,
    ),

    TableSpec(
        "listing_serious", ListingRow, "Listing of serious adverse events", "All participants", no_denominators,
        lambda inputs: ("Every serious AE, treatment-emergent or not; study day 1 is the first dose.",
                        *inputs.seriousness_notes),
        lambda inputs: list_serious_events(inputs.data, inputs.safety.rules), population_flag="",
    ),
    TableSpec(
        "listing_deaths", DeathRow, "Listing of deaths", "All participants", no_denominators,
        lambda inputs: deaths_notes(*death_window_of(inputs))[1:],
        lambda inputs: list_deaths(inputs.data, death_window_of(inputs)[0]), population_flag="",
    ),
    TableSpec(
        "listing_discontinuation", ListingRow,
        "Listing of adverse events leading to discontinuation of study treatment", "All participants",
        no_denominators, (DISCONTINUATION_RULE,), lambda inputs: list_discontinuation_events(inputs.data),
        population_flag="",
    ),
    TableSpec(
        "populations", PopulationRow, "Analysis populations", "All randomized participants", randomized,
        POPULATIONS_RULES, lambda inputs: summarise_populations(inputs.data), arms="randomized",
        population_flag="RANDFL",
    ),
    TableSpec(
        "disposition", DispositionRow, "Participant flow", "All screened participants", randomized,
        disposition_notes, lambda inputs: summarise_disposition(inputs.data, compare=disposition_compared(inputs)),
        arms="randomized", population_flag="",
    ),
    TableSpec(
        "participant_flow", FlowRow, "Participant flow by period", "All randomized participants", randomized,
        lambda inputs: (*FLOW_RULES, *dating_notes(inputs)), lambda inputs: summarise_flow(inputs.data),
        arms="randomized", population_flag="",
    ),
    TableSpec(
        "enrollment", EnrollmentRow, "Enrollment over time", "All randomized participants", randomized,
        lambda inputs: (*ENROLLMENT_RULES, *dating_notes(inputs)),
        lambda inputs: summarise_enrollment(inputs.data, inputs.data_cutoff), arms="randomized",
        population_flag="RANDFL",
    ),
    TableSpec(
        "enrollment_by_site", SiteRow, "Enrollment by site", "All screened participants", randomized,
        lambda inputs: ("Screened: everyone with a record at the site; randomized: by the arm randomized to.",
                        *screening_notes(inputs.data)),
        lambda inputs: summarise_sites(inputs.data), arms="randomized", population_flag="",
    ),
    TableSpec(
        "exposure", ExposureRow, "Exposure to study treatment", SAFETY_POPULATION, at_risk,
        lambda inputs: EXPOSURE_RULES if inputs.data.exposures else (*EXPOSURE_RULES, EXPOSURE_NOT_COLLECTED),
        lambda inputs: summarise_exposure(inputs.data, inputs.safety),
    ),
    TableSpec(
        "baseline", SummaryRow, "Baseline characteristics", BASELINE_POPULATION, baseline_population,
        ("Continuous: n, mean, SD, median, quartiles, minimum and maximum; categorical: n and % of the arm.",),
        lambda inputs: summarise_baseline(inputs.data), arms="randomized", population_flag="ITTFL",
    ),
    TableSpec(
        "outcome_summary", OutcomeSummaryRow, "Outcome measures by arm and visit", OUTCOME_POPULATION, randomized,
        lambda inputs: ("Quartiles by linear interpolation (type 7).", CHANGE_RULE, *inputs.outcomes.population_notes),
        lambda inputs: tuple(inputs.outcomes.summaries), arms="randomized", population_flag="ITTFL",
    ),
    TableSpec(
        "outcome_estimates", ArmEstimateRow, "Outcome estimates by arm, as the statistical analysis plan specifies",
        OUTCOME_POPULATION, randomized, lambda inputs: inputs.outcomes.method_notes(estimates=True),
        lambda inputs: tuple(inputs.outcomes.estimates), comparative=True, arms="randomized", population_flag="ITTFL",
    ),
    TableSpec(
        "outcome_comparison", ComparisonRow, "Between-arm comparisons of outcome measures", OUTCOME_POPULATION,
        randomized, lambda inputs: inputs.outcomes.method_notes(estimates=False),
        lambda inputs: tuple(inputs.outcomes.shown_comparisons), comparative=True, arms="randomized",
        population_flag="ITTFL",
    ),
    TableSpec(
        "monitoring", MonitoringRow, "Group-sequential monitoring of the primary outcome", OUTCOME_POPULATION,
        randomized, monitoring_notes, monitoring_table_rows, comparative=True,
        applies=lambda inputs: inputs.monitoring_plan is not None, arms="randomized", population_flag="ITTFL",
    ),
)  # fmt: skip


def build_analysis(
    data: ImportedTrial,
    *,
    snapshot_id: int | None = None,
    content_hash: str | None = None,
    data_cutoff: date | None = None,
    soc_order: str | None = None,
    ae_frame: pd.DataFrame | None = None,
    comparative: bool = True,
    monitoring_looks: Mapping[int, Evidence] | None = None,
    pair_order: tuple[str, ...] | None = None,
) -> AnalysisResults:
    """Every table from one snapshot (without `comparative`, only the tables that compare no arms). `ae_frame`,
    when given, is every AE of the trial as a frame (service.safety.frame); data.adverse_events then need hold
    only the AEs the listings show. `monitoring_looks`: the data of the monitoring plan's done looks that regsync
    holds (service.monitoring.looks), by the look's position. `pair_order` (arm labels): the outcome comparisons
    table compares every pair of these arms, the earlier with the later, instead of the SAP's pairs (which
    monitoring still reads)."""
    safety_options = data.definition.raw.get("safety", {})
    order = soc_order or str(safety_options.get("soc_order", "meddra"))
    if order not in SOC_ORDERS:
        raise DataError(
            f"soc_order '{order}' is not one of {', '.join(SOC_ORDERS)}", file="trial.toml", column="safety.soc_order"
        )
    threshold = float(safety_options.get("other_ae_threshold_percent", DEFAULT_OTHER_THRESHOLD))
    safety = derive_safety_set(data, data_cutoff, ae_frame)
    inputs = AnalysisInputs(
        data, safety, order, threshold, data_cutoff, comparative, monitoring_looks or {}, pair_order
    )
    tables = {
        spec.name: spec.build(inputs)
        for spec in TABLES
        if (comparative or not spec.comparative) and spec.applies(inputs)
    }
    return AnalysisResults(data.trial_id, snapshot_id, content_hash, data_cutoff, safety.arms, safety.control, tables)


def _order_note(order: str) -> str:
    if order == "frequency":
        return "System organ classes by decreasing frequency; preferred terms by decreasing frequency."
    return "System organ classes in MedDRA's internationally agreed order; preferred terms by decreasing frequency."
