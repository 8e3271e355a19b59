"""One analysis of one snapshot: every table every output draws on (DESIGN.md, 'One analysis core')."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pandas as pd

from service.baseline import BASELINE_POPULATION, summarise_baseline
from service.disposition import DISPOSITION_RULES, summarise_disposition
from service.enrollment import ENROLLMENT_RULES, summarise_enrollment, summarise_sites
from service.errors import DataError
from service.importing.records import ImportedTrial
from service.monitoring.plan import monitoring_rows, parse_monitoring
from service.outcomes.compare import compare_outcome
from service.outcomes.definition import parse_outcomes
from service.outcomes.summary import CHANGE_RULE, OUTCOME_POPULATION, collect_outcome, summarise_outcome
from service.results import (
    TOTAL,
    AECountRow,
    AnalysisResults,
    ComparisonRow,
    DeathRow,
    DispositionRow,
    EnrollmentRow,
    ExposureRow,
    ListingRow,
    MaximumRow,
    MonitoringRow,
    MortalityRow,
    OutcomeSummaryRow,
    OverviewRow,
    RateRow,
    RegistryAERow,
    RegistryGroupRow,
    SiteRow,
    SummaryRow,
    Table,
)
from service.safety.categories import (
    DISCONTINUATION_RULE,
    FATAL_RULE,
    RELATED_RULE,
)
from service.safety.counts import COMPARISON_RULE, COUNTING_RULES, build_count_rows, count_by_soc_pt
from service.safety.exposure import EXPOSURE_RULES, summarise_exposure
from service.safety.listings import list_deaths, list_discontinuation_events, list_serious_events
from service.safety.maximum import MAXIMUM_RULE, summarise_max_grade, summarise_max_severity
from service.safety.overview import summarise_ae_overview
from service.safety.population import ARM_RULE, SAFETY_POPULATION, derive_safety_set
from service.safety.rates import RATE_RULE, summarise_incidence_rates
from service.safety.registry import (
    summarise_mortality_for_registry,
    summarise_other_for_registry,
    summarise_registry_groups,
    summarise_serious_for_registry,
)
from service.safety.soc_order import SOC_ORDERS

ROW_TYPES: dict[str, type] = {
    "ae_overview": OverviewRow,
    "ae_soc_pt": AECountRow,
    "ae_soc_pt_serious": AECountRow,
    "ae_soc_pt_related": AECountRow,
    "ae_soc_pt_discontinuation": AECountRow,
    "ae_max_severity": MaximumRow,
    "ae_max_grade": MaximumRow,
    "ae_registry_serious": RegistryAERow,
    "ae_registry_other": RegistryAERow,
    "ae_registry_mortality": MortalityRow,
    "ae_registry_groups": RegistryGroupRow,
    "ae_incidence_rates": RateRow,
    "listing_serious": ListingRow,
    "listing_deaths": DeathRow,
    "listing_discontinuation": ListingRow,
    "disposition": DispositionRow,
    "enrollment": EnrollmentRow,
    "enrollment_by_site": SiteRow,
    "exposure": ExposureRow,
    "baseline": SummaryRow,
    "outcome_summary": OutcomeSummaryRow,
    "outcome_comparison": ComparisonRow,
    "monitoring": MonitoringRow,
}
NO_CONTROL_NOTE = "No control arm is defined, so no comparison is made."
TEAE_RULE = "TEAE: treatment-emergent adverse event (as flagged in the data, or derived: see README)."
DEFAULT_OTHER_THRESHOLD = 5.0


def build_analysis(
    data: ImportedTrial,
    *,
    snapshot_id: int | None = None,
    content_hash: str | None = None,
    data_cutoff: date | None = None,
    soc_order: str | None = None,
    ae_frame: pd.DataFrame | None = None,
) -> AnalysisResults:
    """Every table from one snapshot. `ae_frame`, when given, is every AE of the trial as a frame
    (service.safety.frame); data.adverse_events then need hold only the AEs the listings show."""
    safety_options = data.definition.raw.get("safety", {})
    order = soc_order or str(safety_options.get("soc_order", "meddra"))
    if order not in SOC_ORDERS:
        raise DataError(
            f"soc_order '{order}' is not one of {', '.join(SOC_ORDERS)}", file="trial.toml", column="safety.soc_order"
        )
    threshold = float(safety_options.get("other_ae_threshold_percent", DEFAULT_OTHER_THRESHOLD))
    safety = derive_safety_set(data, data_cutoff, ae_frame)
    frame = safety.frame
    tables: dict[str, Table[Any]] = {}

    def add(
        name: str,
        title: str,
        population: str,
        denominators: dict[str, int],
        notes: tuple[str, ...],
        rows: tuple[Any, ...],
    ) -> None:
        tables[name] = Table(name, ROW_TYPES[name], title, population, denominators, notes, rows)

    control_note = COMPARISON_RULE.format(control=safety.control) if safety.control else NO_CONTROL_NOTE
    ae_notes = (TEAE_RULE, ARM_RULE, *COUNTING_RULES, control_note)
    at_risk = dict(safety.at_risk)
    add(
        "ae_overview",
        "Overview of treatment-emergent adverse events",
        SAFETY_POPULATION,
        at_risk,
        (
            TEAE_RULE,
            ARM_RULE,
            *COUNTING_RULES,
            RELATED_RULE,
            DISCONTINUATION_RULE,
            FATAL_RULE,
            "Deaths: participants with a death date or an AE with a fatal outcome, whatever its timing.",
        ),
        summarise_ae_overview(safety),
    )
    for name, title, events, extra in (
        ("ae_soc_pt", "Treatment-emergent adverse events by system organ class and preferred term", frame, ()),
        (
            "ae_soc_pt_serious",
            "Serious treatment-emergent adverse events by system organ class and preferred term",
            frame[frame["serious"]],
            (),
        ),
        (
            "ae_soc_pt_related",
            "Related treatment-emergent adverse events by system organ class and preferred term",
            frame[frame["related"]],
            (RELATED_RULE,),
        ),
        (
            "ae_soc_pt_discontinuation",
            "Treatment-emergent adverse events leading to discontinuation of study treatment, by SOC and PT",
            frame[frame["discontinuation"]],
            (DISCONTINUATION_RULE,),
        ),
    ):
        add(
            name,
            title,
            SAFETY_POPULATION,
            at_risk,
            (*ae_notes, *extra, _order_note(order)),
            build_count_rows(count_by_soc_pt(events), safety, order),
        )
    add(
        "ae_max_severity",
        "Treatment-emergent adverse events by maximum severity",
        SAFETY_POPULATION,
        at_risk,
        (TEAE_RULE, ARM_RULE, MAXIMUM_RULE),
        summarise_max_severity(safety),
    )
    add(
        "ae_max_grade",
        "Treatment-emergent adverse events by maximum CTCAE grade",
        SAFETY_POPULATION,
        at_risk,
        (TEAE_RULE, ARM_RULE, MAXIMUM_RULE),
        summarise_max_grade(safety),
    )
    add(
        "ae_registry_serious",
        "Serious adverse events (registry table)",
        SAFETY_POPULATION,
        at_risk,
        (TEAE_RULE, "Affected: participants with at least one event of the term; events: records."),
        summarise_serious_for_registry(safety),
    )
    add(
        "ae_registry_other",
        f"Other (non-serious) adverse events reaching {threshold:g}% in any arm (registry table)",
        SAFETY_POPULATION,
        at_risk,
        (TEAE_RULE, f"Frequency threshold: {threshold:g}% of participants at risk in at least one arm."),
        summarise_other_for_registry(safety, threshold),
    )
    add(
        "ae_registry_mortality",
        "All-cause mortality (registry table)",
        SAFETY_POPULATION,
        at_risk,
        ("Deaths from any cause, whether or not treatment-emergent.",),
        summarise_mortality_for_registry(safety),
    )
    add(
        "ae_registry_groups",
        "Arm totals for the registry AE tables",
        SAFETY_POPULATION,
        at_risk,
        (TEAE_RULE, "Other affected: participants with at least one of the other (non-serious) terms listed."),
        summarise_registry_groups(safety, threshold),
    )
    add(
        "ae_incidence_rates",
        "Exposure-adjusted incidence rates of treatment-emergent adverse events",
        SAFETY_POPULATION,
        at_risk,
        (TEAE_RULE, ARM_RULE, RATE_RULE),
        summarise_incidence_rates(safety),
    )
    add(
        "listing_serious",
        "Listing of serious adverse events",
        "All participants",
        {},
        ("Every serious AE, treatment-emergent or not; study day 1 is the first dose.",),
        list_serious_events(data),
    )
    add("listing_deaths", "Listing of deaths", "All participants", {}, (), list_deaths(data))
    add(
        "listing_discontinuation",
        "Listing of adverse events leading to discontinuation of study treatment",
        "All participants",
        {},
        (DISCONTINUATION_RULE,),
        list_discontinuation_events(data),
    )
    randomized = _randomized(data)
    add(
        "disposition",
        "Participant flow",
        "All screened participants",
        randomized,
        DISPOSITION_RULES,
        summarise_disposition(data),
    )
    add(
        "enrollment",
        "Enrollment over time",
        "All randomized participants",
        randomized,
        ENROLLMENT_RULES,
        summarise_enrollment(data, data_cutoff),
    )
    add(
        "enrollment_by_site",
        "Enrollment by site",
        "All screened participants",
        randomized,
        ("Screened: everyone with a record at the site; randomized: by the arm randomized to.",),
        summarise_sites(data),
    )
    add(
        "exposure",
        "Exposure to study treatment",
        SAFETY_POPULATION,
        at_risk,
        (ARM_RULE, *EXPOSURE_RULES),
        summarise_exposure(data, safety),
    )
    add(
        "baseline",
        "Baseline characteristics",
        BASELINE_POPULATION,
        randomized,
        ("Continuous: n, mean, SD, median, quartiles, minimum and maximum; categorical: n and % of the arm.",),
        summarise_baseline(data),
    )
    specs = parse_outcomes(data.definition.raw)
    summaries: list[OutcomeSummaryRow] = []
    comparisons: list[ComparisonRow] = []
    for spec in specs:
        outcome = collect_outcome(data, spec.parameter)
        summaries.extend(summarise_outcome(spec, outcome))
        comparisons.extend(compare_outcome(spec, outcome))
    add(
        "outcome_summary",
        "Outcome measures by arm and visit",
        OUTCOME_POPULATION,
        randomized,
        ("Quartiles by linear interpolation (type 7).", CHANGE_RULE),
        tuple(summaries),
    )
    add(
        "outcome_comparison",
        "Between-arm comparisons of outcome measures",
        OUTCOME_POPULATION,
        randomized,
        ("Each arm against the control arm; 95% confidence intervals; two-sided p-values.",),
        tuple(comparisons),
    )
    plan = parse_monitoring(data.definition.raw)
    if plan is not None:
        add(
            "monitoring",
            "Group-sequential monitoring of the primary outcome",
            OUTCOME_POPULATION,
            randomized,
            (plan.rule(),),
            monitoring_rows(plan, comparisons, data_cutoff),
        )
    return AnalysisResults(data.trial_id, snapshot_id, content_hash, data_cutoff, safety.arms, safety.control, tables)


def _order_note(order: str) -> str:
    if order == "frequency":
        return "System organ classes by decreasing frequency; preferred terms by decreasing frequency."
    return "System organ classes in MedDRA's internationally agreed order; preferred terms by decreasing frequency."


def _randomized(data: ImportedTrial) -> dict[str, int]:
    labels = data.arm_labels
    counts = Counter(labels[p.arm_code] for p in data.participants if p.randomized and p.arm_code)
    return {**{label: counts[label] for label in labels.values()}, TOTAL: sum(counts.values())}
