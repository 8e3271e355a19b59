"""The results upload's outcome measures and their statistical analyses, from the outcome estimates and
comparisons (service.outcomes), in ClinicalTrials.gov's data elements.

Each [[outcomes]] entry is one measure. Its measure type follows from each arm's estimate (LS mean, mean, median,
count of participants, number); its dispersion from the definition's `dispersion`, else from the estimate (SE for
an LS mean, SD for a mean, IQR for a median, the CI for a Kaplan–Meier median). Several timepoints are categories
of one row, in the definition's order. Each comparison is an analysis, with its CI level and sides, its test
type and margin. Supplied numbers are written as given (shortest exact form); computed ones to 4 decimals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from lxml import etree

from registry.ctgov.elements import num as _num
from registry.ctgov.elements import sub, text
from service.importing.participant_level import population_label
from service.multiplicity.apply import adjustment_words
from service.outcomes.definition import OutcomeSpec
from service.outcomes.tables import rows_of
from service.results import TOTAL, AnalysisResults, ArmEstimateRow, ComparisonRow

MEASURE_TYPES = {"primary": "Primary", "secondary": "Secondary", "other": "Other Pre-specified"}
PARAMETER_TYPES = {
    "LS mean": "Least Squares Mean",
    "Mean": "Mean",
    "Median": "Median",
    "Kaplan–Meier median": "Median",
    "Geometric mean": "Geometric Mean",
    "Geometric LS mean": "Geometric Least Squares Mean",
    "Responders": "Count of Participants",
    "Count": "Number",
}
DEFAULT_DISPERSION = {"LS mean": "se", "Mean": "sd", "Median": "iqr", "Kaplan–Meier median": "ci",
                      "Geometric mean": "ci", "Geometric LS mean": "ci"}  # fmt: skip
DISPERSION_NAMES = {"sd": "Standard Deviation", "se": "Standard Error", "iqr": "Inter-Quartile Range",
                    "full-range": "Full Range"}  # fmt: skip
ANALYSIS_PARAMETERS = {
    "mean-difference": "Mean Difference (Final Values)",
    "ls-mean-difference": "Mean Difference (Final Values)",
    "median-difference": "Median Difference (Final Values)",
    "risk-difference": "Risk Difference (RD)",
    "odds-ratio": "Odds Ratio (OR)",
    "hazard-ratio": "Hazard Ratio (HR)",
    "rate-ratio": "Other",
    "geometric-mean-ratio": "Other",
    "slope": "Slope",
}
OTHER_PARAMETERS = {"rate-ratio": "Rate ratio", "geometric-mean-ratio": "Ratio of geometric means"}
STATISTICAL_METHODS = {
    "ancova": "ANCOVA",
    "mmrm": "Mixed Models Analysis",
    "welch": "t-Test, 2 Sided",
    "ttest": "t-Test, 2 Sided",
    "wilcoxon": "Wilcoxon (Mann-Whitney)",
    "fisher": "Fisher Exact",
    "chisq": "Chi-squared",
    "newcombe": "Chi-squared",
    "logistic": "Regression, Logistic",
    "cmh": "Cochran-Mantel-Haenszel",
    "logrank": "Log Rank",
    "cox": "Regression, Cox",
    "dose-response": "Regression, Linear",
}
OTHER_METHODS = {"miettinen-nurminen": "Miettinen-Nurminen score test", "poisson": "Poisson regression",
                 "negbin": "Negative binomial regression"}  # fmt: skip
TEST_TYPES = {"superiority": "Superiority", "non-inferiority": "Non-Inferiority", "equivalence": "Equivalence"}


def write_outcomes(parent: etree._Element, results: AnalysisResults, specs: Sequence[OutcomeSpec],
                   arms: list[str]) -> None:  # fmt: skip
    estimates_table = results.tables.get("outcome_estimates")
    comparisons_table = results.tables.get("outcome_comparison")
    for number, spec in enumerate(specs, start=1):
        estimates: list[ArmEstimateRow] = rows_of(estimates_table.rows, spec) if estimates_table else []
        comparisons: list[ComparisonRow] = rows_of(comparisons_table.rows, spec) if comparisons_table else []
        visits = list(dict.fromkeys(r.visit for r in estimates))
        ids = {arm: f"OM{number}G{i:03d}" for i, arm in enumerate(arms)}
        _measure(parent, spec, estimates, comparisons, visits, ids, arms)


def _measure(parent: etree._Element, spec: OutcomeSpec, estimates: list[ArmEstimateRow],
             comparisons: list[ComparisonRow], visits: list[str], ids: dict[str, str], arms: list[str]
             ) -> None:  # fmt: skip
    estimate_type = estimates[0].estimate_type if estimates else "Mean"
    level = estimates[0].ci_level if estimates else spec.ci_level
    dispersion = _dispersion(spec, estimate_type)
    measure = sub(parent, "outcomeMeasure")
    dispersion_name = _dispersion_name(dispersion, level)
    if dispersion_name == "Other Confidence Interval Level":
        text(measure, "ciPctLevel", _percent(level))
    if dispersion_name:
        text(measure, "dispersionType", dispersion_name)
    values = sub(sub(sub(measure, "measureRows"), "measureRow"), "reportedValues")
    by_cell = {(r.arm, r.visit): r for r in estimates}
    several = len(visits) > 1
    for arm in arms:
        value = sub(values, "reportedValue")
        text(value, "reportingGroupId", ids[arm])
        entries = sub(value, "reportedEntries")
        for visit in visits or [spec.timepoint or ""]:
            entry = sub(entries, "reportedEntry")
            if several:
                text(entry, "catName", visit)
            _entry(entry, by_cell.get((arm, visit)), dispersion)
    text(measure, "measureDescription", spec.description or _description(spec, estimates, visits))
    text(measure, "parameterType", PARAMETER_TYPES.get(estimate_type, "Mean"))
    text(measure, "populationAnalysisDescription", _population(spec, estimates, visits, arms))
    text(measure, "timeFrame", spec.time_frame or ", ".join(visits))
    text(measure, "title", spec.title)
    unit = next((r.unit for r in estimates if r.unit), "")
    text(measure, "unitOfMeasure", "Participants" if estimate_type == "Responders" else unit or "units on a scale")
    text(measure, "measureType", MEASURE_TYPES[spec.outcome_type])
    analyses = sub(measure, "outcomeMeasureAnalyses")
    for comparison in comparisons:
        if comparison.estimate is not None or comparison.p_value is not None:
            _analysis(analyses, comparison, ids, arms, several)
    groups = sub(measure, "outcomeReportingGroups")
    for arm in arms:
        group = sub(groups, "outcomeReportingGroup", id=ids[arm])
        analysed = max((r.n for r in estimates if r.arm == arm), default=0)
        text(group, "subjectsAnalyzed", str(analysed))
        text(group, "title", arm)


def _dispersion(spec: OutcomeSpec, estimate_type: str) -> str | None:
    if estimate_type in ("Responders", "Count"):
        return None
    return spec.dispersion or DEFAULT_DISPERSION.get(estimate_type)


def _dispersion_name(dispersion: str | None, level: float) -> str | None:
    if dispersion is None:
        return None
    if dispersion != "ci":
        return DISPERSION_NAMES[dispersion]
    percent = _percent(level)
    return f"{percent}% Confidence Interval" if percent in ("80", "90", "95", "97.5", "99") else (
        "Other Confidence Interval Level")  # fmt: skip


def _entry(entry: etree._Element, row: ArmEstimateRow | None, dispersion: str | None) -> None:
    if row is None or row.n == 0:
        text(entry, "naComment", "No participants with a value at this timepoint")
        return
    number = _formatter(row.source)
    if row.estimate_type == "Responders":
        text(entry, "parameterValue", str(row.n_events) if row.n_events is not None else "NA")
        return
    if row.estimate is None:
        reason = ("Median not reached: fewer than half the participants had the event" if row.estimate_type ==
                  "Kaplan–Meier median" else "Not estimable")  # fmt: skip
        text(entry, "naComment", reason)
        return
    if dispersion in ("sd", "se"):
        spread = row.sd if dispersion == "sd" else row.std_error
        text(entry, "dispersionSpread", number(spread))
    elif dispersion is not None:
        low, high = {"ci": (row.ci_low, row.ci_high), "iqr": (row.q1, row.q3),
                     "full-range": (row.minimum, row.maximum)}[dispersion]  # fmt: skip
        text(entry, "dispersionLowerLimit", number(low))
        text(entry, "dispersionUpperLimit", number(high))
        if low is None or high is None:
            text(entry, "naComment", "A limit of the interval is not estimable (too few events)")
    text(entry, "parameterValue", number(row.estimate))


def _description(spec: OutcomeSpec, estimates: list[ArmEstimateRow], visits: list[str]) -> str:
    what = {"change": "Change from baseline in ", "percent-change": "Percent change from baseline in "}.get(
        spec.variable, ""
    )
    method = estimates[0].method if estimates else ""
    when = f" at {', '.join(visits)}" if visits and visits != ["Overall"] else ""
    return f"{what}{spec.title}{when}. {method}.".strip()


def _population(spec: OutcomeSpec, estimates: list[ArmEstimateRow], visits: list[str], arms: list[str]) -> str:
    text = f"{population_label(spec.population)} population ({spec.population} = Y), by the arm randomized to"
    if spec.records:
        text += f"; records with {spec.records} = Y"
    text += "; participants with a value at the timepoint."
    if len(visits) > 1:
        counts = {v: tuple(next((r.n for r in estimates if r.arm == a and r.visit == v), 0) for a in arms)
                  for v in visits}  # fmt: skip
        if len(set(counts.values())) > 1:
            text += (
                " Analysed at each timepoint: "
                + "; ".join(
                    f"{v} " + ", ".join(f"{a} {n}" for a, n in zip(arms, ns, strict=True)) for v, ns in counts.items()
                )
                + "."
            )
    return text


def _analysis(parent: etree._Element, c: ComparisonRow, ids: dict[str, str], arms: list[str], several: bool) -> None:
    number = _formatter(c.source)
    analysis = sub(parent, "measureAnalysis")
    compared = sub(analysis, "outcomeReportingGroups")
    trend = c.arm == TOTAL
    for arm in arms if trend else [c.arm, c.control]:
        text(compared, "outcomeReportingGroupId", ids[arm])
    if c.ci_low is not None or c.ci_high is not None:
        if c.ci_low is not None:
            text(analysis, "ciLowerLimit", number(c.ci_low))
        text(analysis, "ciNumSides", "2-Sided" if c.sides == 2 else "1-Sided")
        text(analysis, "ciPctValue", _percent(c.ci_level))
        if c.ci_high is not None:
            text(analysis, "ciUpperLimit", number(c.ci_high))
        else:
            text(analysis, "ciUpperLimitNaComment", "One-sided interval: no upper limit" if c.sides == 1 else
                 "The upper limit is not estimable")  # fmt: skip
    ratio = c.is_ratio
    if c.std_error is not None and not ratio:
        text(analysis, "dispersionType", "Standard Error of the Mean")
        text(analysis, "dispersionValue", number(c.std_error))
    text(analysis, "estimateComment", c.estimate_type + (f"; {c.note}" if c.note else ""))
    when = f"At {c.visit}: " if several else ""
    text(analysis, "groupDescription", when + ("Trend over the arms' doses." if trend else
                                               f"{c.arm} compared with {c.control}."))  # fmt: skip
    if c.test != "superiority" and c.margin is not None:
        text(analysis, "nonInferiorityTestComment", f"{TEST_TYPES[c.test]} margin {c.margin:g} on the scale of the "
                                                    f"{c.estimate_type.lower()}.")  # fmt: skip
    method = STATISTICAL_METHODS.get(c.context)
    if method is None:
        text(analysis, "otherMethodName", OTHER_METHODS.get(c.context, c.context or "Other"))
    parameter = ANALYSIS_PARAMETERS.get(c.estimate_kind, "Other")
    if parameter == "Other":
        text(analysis, "otherTypeName", OTHER_PARAMETERS.get(c.estimate_kind, c.estimate_type))
    text(analysis, "parameterType", parameter)
    if c.estimate is not None and c.estimate == c.estimate:
        text(analysis, "parameterValue", number(c.estimate))
    if c.p_value is not None:
        text(analysis, "pValue", _p(c.p_value, c.source))
    if c.p_adjusted is not None:  # PRS: P-Value Comments, "whether or not the p-value is adjusted for multiple
        # comparisons"; the adjusted p itself, as PRS has no element for it
        text(analysis, "pValueComment", adjustment_words(c, _p(c.p_adjusted, c.source)))
    text(analysis, "statisticalMethod", method or "Other")
    text(analysis, "statisticalTestComment", c.method)
    text(analysis, "statisticalTestType", TEST_TYPES.get(c.test, "Superiority"))


def _percent(level: float) -> str:
    return f"{100 * level:.4f}".rstrip("0").rstrip(".")


def _formatter(source: str) -> Callable[[float | None], str]:
    return _exact if source != "computed" else _num


def _exact(value: float | None) -> str:
    """A supplied number as given: the shortest text that reads back as the same float."""
    return "NA" if value is None else np.format_float_positional(float(value), trim="-")


def _p(value: float, source: str) -> str:
    if source != "computed":
        return _exact(value)
    return "<0.001" if value < 0.001 else f"{value:.3f}"
