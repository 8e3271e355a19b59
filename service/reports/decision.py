"""The closed report's first facts, for a DMC deciding to continue, modify or stop: where the monitoring stands,
the primary outcome's estimate, serious AEs and deaths by arm — in words, arms as the edition names them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from service.reports.precision import estimate_decimals
from service.reports.templating import without_comparator
from service.results import TOTAL, AnalysisResults, ComparisonRow, MonitoringRow


def comparison_name(arm: str, control: str, names: Mapping[str, str]) -> str:
    """A monitored comparison as the edition names its arms: "High dose vs Placebo", "Arm A vs Arm B", or the
    dose-response trend."""
    if arm == TOTAL:
        return "Dose-response trend"
    if not arm:
        return "The monitored comparison"
    if not control:  # a masked edition of three arms or more names it by number (service.reports.masked)
        return arm
    return f"{names.get(arm, arm)} vs {names.get(control, control)}"


def by_comparison(rows: Sequence[MonitoringRow]) -> list[tuple[tuple[str, str], list[MonitoringRow]]]:
    """The monitoring rows of each comparison, in the plan's order."""
    groups: dict[tuple[str, str], list[MonitoringRow]] = {}
    for row in rows:
        groups.setdefault((row.arm, row.control), []).append(row)
    return list(groups.items())


def monitoring_sentences(rows: Sequence[MonitoringRow], names: Mapping[str, str]) -> list[str]:
    """One sentence per monitored comparison, naming it."""
    found = []
    for (arm, control), group in by_comparison(rows):
        sentence = monitoring_sentence(group)
        if sentence:
            found.append(f"Monitoring, {comparison_name(arm, control, names)}: {sentence}")
    return found


def monitoring_sentence(rows: Sequence[MonitoringRow]) -> str | None:
    """Crossed or not at this look, between looks (not tested), or an earlier look's crossing; a planned look
    skipped."""
    if not rows:
        return None
    crossed_before = next((r for r in rows if r.status == "done" and r.crossed == "yes"), None)
    current = next((r for r in rows if r.status in ("current", "between looks")), None)
    ahead = next((r for r in rows if r.status == "planned"), None)
    parts = []
    skipped = [r for r in rows if r.status == "skipped"]
    if skipped:
        planned = ", ".join(f"{r.information_fraction:g}" for r in skipped)
        parts.append(f"The planned look{'s' if len(skipped) > 1 else ''} at information fraction {planned} "
                     f"{'were' if len(skipped) > 1 else 'was'} not held; {'their' if len(skipped) > 1 else 'its'} "
                     "α is carried to the next look.")  # fmt: skip
    if crossed_before is not None:
        when = f" ({crossed_before.analysis_date})" if crossed_before.analysis_date else ""
        parts.append(f"The efficacy boundary was crossed at look {crossed_before.look}{when}.")
    if current is None:
        parts.append("No comparison of the monitored outcome is available at this cut-off.")
    elif current.status == "between looks":
        parts.append(
            f"This report falls between the declared looks (information fraction {current.information_fraction:.2f}"
            + (f"; the next look is at {ahead.information_fraction:g}" if ahead else "")
            + f"): the observed z of {current.observed_z:.2f} is information only and is not tested against a "
            "boundary; no α is spent."
        )
    else:
        verdict = "crosses" if current.crossed == "yes" else "does not cross"
        parts.append(
            f"Look {current.look} (information fraction {current.information_fraction:.2f}): the observed z of "
            f"{current.observed_z:.2f} {verdict} the efficacy boundary of {current.boundary_z:.2f} (nominal p "
            f"{current.nominal_p:.4f}; cumulative α spent {current.alpha_spent:.4f}"
            + (f" of this comparison's α {current.alpha_level:.4g}" if current.alpha_level is not None else "")
            + ")."
        )
        if current.futility_z is not None and current.crossed != "yes":
            side = "is at or below" if current.crossed == "futility" else "is above"
            parts.append(f"It {side} the non-binding futility boundary of {current.futility_z:.2f}.")
    if current is not None and current.futility:
        parts.append(f"Conditional power under the current trend {current.conditional_power_trend:.2f}: "
                     f"{current.futility}.")  # fmt: skip
    return " ".join(parts)


def primary_sentences(
    rows: Sequence[ComparisonRow], names: Mapping[str, str], precision: Mapping[str, int]
) -> list[str]:
    """Each primary outcome's comparisons at its key timepoint: "Arm A − Arm B" (or "/" for a ratio), to the
    decimals the efficacy tables print."""
    found = []
    for r in rows:
        if r.outcome_type != "primary" or not r.key_timepoint or r.estimate is None:
            continue
        d, _ = estimate_decimals(r, precision)
        operator = " / " if r.is_ratio else " − "
        versus = (
            "trend over doses"
            if r.arm == TOTAL
            else f"{names.get(r.arm, r.arm)}{operator}{names.get(r.control, r.control)}"
        )
        what = without_comparator(r.estimate_type)
        interval = (f" ({100 * r.ci_level:g}% CI {r.ci_low:.{d}f} to {r.ci_high:.{d}f})"
                    if r.ci_low is not None and r.ci_high is not None else "")  # fmt: skip
        p = "" if r.p_value is None else (", p < 0.001" if r.p_value < 0.001 else f", p = {r.p_value:.3f}")
        found.append(f"Primary outcome, {r.title}, at {r.visit}: {what[:1].lower()}{what[1:]}, {versus}, "
                     f"{r.estimate:.{d}f}{interval}{p}.")  # fmt: skip
    return found


def safety_sentence(results: AnalysisResults, names: Mapping[str, str], order: Sequence[str]) -> str:
    overview = {(r.category, r.arm): r for r in results["ae_overview"].rows}
    serious = []
    deaths = []
    for arm in order:
        row = overview.get(("Any serious TEAE", arm))
        if row is not None:
            percent = f" ({row.percent:.1f}%)" if isinstance(row.percent, float) else ""
            serious.append(f"{names.get(arm, arm)} {row.n_subjects}/{row.n_at_risk}{percent}")
        died = overview.get(("Deaths (any cause)", arm))
        if died is not None:
            deaths.append(f"{names.get(arm, arm)} {died.n_subjects}")
    return (f"Participants with a serious treatment-emergent adverse event: {', '.join(serious)}. "
            f"Deaths (any cause): {', '.join(deaths)}.")  # fmt: skip


def decision_facts(
    results: AnalysisResults,
    names: Mapping[str, str],
    monitoring: Sequence[MonitoringRow],
    order: Sequence[str],
    precision: Mapping[str, int],
) -> list[str]:
    """`order`: the arms as the edition's columns show them (by letter when masked)."""
    facts = monitoring_sentences(monitoring, names)
    if "outcome_comparison" in results.tables:
        facts.extend(primary_sentences(results["outcome_comparison"].rows, names, precision))
    facts.append(safety_sentence(results, names, order))
    return facts
