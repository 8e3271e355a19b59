"""The rows and footnotes of the laboratory and vital-sign tables over time, from the analysis inputs
(service.analysis.AnalysisInputs): what TABLES' specifications call. Only laboratory and vital-sign records feed
them (ImportedTrial.labs), never the efficacy outcomes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from service.labs.by_visit import BY_VISIT_RULES, summarise_by_visit
from service.labs.missing import MISSING_RULES, summarise_missing
from service.labs.records import OBSERVED_RULE, Records, load_records
from service.labs.visit_rows import MissingRow, NotableRow, VisitSummaryRow, WeightRow
from service.labs.vitals import NOTABLE_RULES, WEIGHT_RULES, summarise_notable, summarise_weight
from service.labs.vitals_options import VitalsOptions, read_vitals_options

if TYPE_CHECKING:
    from service.analysis import AnalysisInputs

POSITIONS_RULE = (
    "Each position and timepoint (ATPT; VSPOS where there is no timepoint) is summarised apart, never averaged "
    "over positions."
)
BASELINE_SOURCES = {
    "adam": "Baseline and change as the ADaM dataset gives them (ABLFL, BASE, CHG).",
    "sdtm": "SDTM: baseline = the record flagged --BLFL (else --LOBXFL); change = value − baseline, derived as ADaM "
    "would.",
    "bundle": "Bundle: baseline = the record flagged baseline; change = value − baseline, derived as ADaM would.",
}
DEFAULT_CRITERIA_NOTE = (
    "No [[vitals.criteria]] is declared in trial.toml, so the defaults after the FDA Standard Safety Tables and "
    "Figures Integrated Guide's vital-sign displays apply: systolic blood pressure (SYSBP) < 90, > 140, > 160, "
    "> 180 mmHg and a change of ≥ 20 mmHg either way; diastolic (DIABP) < 60, > 90, > 110 mmHg and a change of "
    "≥ 10 mmHg; pulse rate (PULSE or HR) < 50, > 100, > 120 beats/min and a change of ≥ 20."
)
DECLARED_CRITERIA_NOTE = "Criteria: trial.toml's [[vitals.criteria]]."


def _memo(inputs: AnalysisInputs) -> dict[str, Any]:
    # The inputs are frozen; like functools.cached_property, keep what several tables share in the instance's
    # __dict__, so the records are read once per analysis, not once per table.
    found: dict[str, Any] = inputs.__dict__.setdefault("_lab_visits", {})
    return found


def vitals_options(inputs: AnalysisInputs) -> VitalsOptions:
    memo = _memo(inputs)
    if "options" not in memo:
        memo["options"] = read_vitals_options(inputs.data.definition.raw)
    found: VitalsOptions = memo["options"]
    return found


def lab_records(inputs: AnalysisInputs, domain: str) -> Records:
    memo = _memo(inputs)
    if domain not in memo:
        options = vitals_options(inputs) if domain == "VS" else None
        memo[domain] = load_records(inputs.data.labs, inputs.safety, domain, options)
    found: Records = memo[domain]
    return found


def _by_visit(inputs: AnalysisInputs, domain: str) -> tuple[tuple[VisitSummaryRow, ...], int]:
    memo = _memo(inputs)
    key = f"by_visit_{domain}"
    if key not in memo:
        memo[key] = summarise_by_visit(lab_records(inputs, domain), domain)
    found: tuple[tuple[VisitSummaryRow, ...], int] = memo[key]
    return found


def lab_by_visit_rows(inputs: AnalysisInputs) -> tuple[VisitSummaryRow, ...]:
    return _by_visit(inputs, "LB")[0]


def vitals_by_visit_rows(inputs: AnalysisInputs) -> tuple[VisitSummaryRow, ...]:
    return _by_visit(inputs, "VS")[0]


def _baseline_source(inputs: AnalysisInputs) -> tuple[str, ...]:
    found = BASELINE_SOURCES.get(inputs.data.source_format)
    return (found,) if found else ()


def _set_aside(inputs: AnalysisInputs, domain: str) -> tuple[str, ...]:
    n = _by_visit(inputs, domain)[1]
    return (f"{n} repeat record(s) at a visit already summarised for the participant were set aside (the later "
            "record by date counts).",) if n else ()  # fmt: skip


def _left_out(inputs: AnalysisInputs) -> tuple[str, ...]:
    left = lab_records(inputs, "VS").left_out
    if not left:
        return ()
    listed = "; ".join(f"{label or 'no position given'} ({n} records)" for label, n in left.items())
    return (f"Not shown, as trial.toml's [vitals] positions / timepoints choose: {listed}.",)


def lab_by_visit_notes(inputs: AnalysisInputs) -> tuple[str, ...]:
    return (*BY_VISIT_RULES, OBSERVED_RULE, *_baseline_source(inputs), *_set_aside(inputs, "LB"))


def vitals_by_visit_notes(inputs: AnalysisInputs) -> tuple[str, ...]:
    return (*BY_VISIT_RULES, POSITIONS_RULE, OBSERVED_RULE, *_baseline_source(inputs), *_set_aside(inputs, "VS"),
            *_left_out(inputs))  # fmt: skip


def missing_rows(inputs: AnalysisInputs) -> tuple[MissingRow, ...]:
    cutoff = inputs.data_cutoff or inputs.data.definition.data_cutoff
    return summarise_missing(lab_records(inputs, "LB"), inputs.safety, cutoff)


def missing_notes(inputs: AnalysisInputs) -> tuple[str, ...]:
    return (*MISSING_RULES, OBSERVED_RULE)


def _notable(inputs: AnalysisInputs) -> tuple[tuple[NotableRow, ...], tuple[str, ...]]:
    memo = _memo(inputs)
    if "notable" not in memo:
        memo["notable"] = summarise_notable(lab_records(inputs, "VS"), vitals_options(inputs))
    found: tuple[tuple[NotableRow, ...], tuple[str, ...]] = memo["notable"]
    return found


def notable_rows(inputs: AnalysisInputs) -> tuple[NotableRow, ...]:
    return _notable(inputs)[0]


def notable_notes(inputs: AnalysisInputs) -> tuple[str, ...]:
    options = vitals_options(inputs)
    absent = _notable(inputs)[1]
    unmeasured = (f"No vital-sign record of {', '.join(absent)}, which the criteria name.",) if absent else ()
    return (*NOTABLE_RULES, DECLARED_CRITERIA_NOTE if options.declared else DEFAULT_CRITERIA_NOTE, POSITIONS_RULE,
            OBSERVED_RULE, *_baseline_source(inputs), *unmeasured, *_left_out(inputs))  # fmt: skip


def weight_rows(inputs: AnalysisInputs) -> tuple[WeightRow, ...]:
    return summarise_weight(lab_records(inputs, "VS"), vitals_options(inputs))


def weight_notes(inputs: AnalysisInputs) -> tuple[str, ...]:
    records = lab_records(inputs, "VS")
    options = vitals_options(inputs)
    flags = () if records.ontrtfl else ("No record carries ONTRTFL, so the last post-baseline value is used.",)
    return (f"Weight: the vital sign {options.weight} ([vitals] weight).", *WEIGHT_RULES, *flags, OBSERVED_RULE,
            *_baseline_source(inputs))  # fmt: skip
