"""The monitoring table and summary of the closed DSMB report: they name the comparison (by letters when masked),
and the repeated confidence interval runs in the direction of the estimate printed beside it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from service.importing import load_source
from service.reports.dsmb import DsmbOptions, build_dsmb_context
from service.reports.templating import render_html
from tests.monitoring.three_arms import three_arm_trial

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "msc-t1d"
MSC, PLACEBO = "Mesenchymal stem cells", "Placebo"


def closed(data: Any, unmask: bool, key: dict[str, str] | None = None) -> dict[str, Any]:
    return build_dsmb_context(data, DsmbOptions("closed", date(2019, 2, 5), None, "h", 1, unmask=unmask,
                                                masking_key=key))  # fmt: skip


@pytest.fixture(scope="module")
def example() -> Any:
    """The example trial, its 18 participants with the outcome now the final look (of 18), so that the report has
    a repeated confidence interval."""
    data = load_source(EXAMPLE, "msc-t1d")
    raw = {**data.definition.raw, "monitoring": {**data.definition.raw["monitoring"], "maximum_information": 18}}
    return replace(data, definition=replace(data.definition, raw=raw))


@pytest.mark.parametrize("key", [{MSC: "B", PLACEBO: "A"}, {MSC: "A", PLACEBO: "B"}])
def test_the_repeated_interval_runs_in_the_direction_of_the_estimate_beside_it(example: Any,
                                                                             key: dict[str, str]) -> None:  # fmt: skip
    # Masked, a comparison whose arm's letter follows its comparator's is printed turned round (Arm A − Arm B).
    # The repeated interval was computed on the analysis's arm − control and printed as it was, so beside a turned
    # estimate it had the opposite sign. Now it is turned with its estimate.
    context = closed(example, unmask=False, key=key)
    (current,) = [r for r in context["tables"]["monitoring"].rows if r.rci_low is not None]
    shown = next(r for r in context["tables"]["outcome_comparison"].rows
                 if r.parameter == "CPEPS" and r.key_timepoint)  # fmt: skip
    assert (
        (current.arm, current.control)
        == (shown.arm, shown.control)
        == tuple(sorted((MSC, PLACEBO), key=key.__getitem__))
    )
    assert current.estimate == pytest.approx(shown.estimate)
    assert current.rci_low < current.estimate < current.rci_high
    assert (current.rci_low + current.rci_high) / 2 == pytest.approx(current.estimate)


def test_the_unmasked_edition_names_the_comparison_and_keeps_the_analysis_direction(example: Any) -> None:
    context = closed(example, unmask=True)
    (current,) = [r for r in context["tables"]["monitoring"].rows if r.rci_low is not None]
    assert (current.arm, current.control) == (MSC, PLACEBO)
    assert current.rci_low < current.estimate < current.rci_high
    assert [name for name, _, _ in context["monitoring_groups"]] == [f"{MSC} vs {PLACEBO}"]
    assert context["decision_facts"][0].startswith(f"Monitoring, {MSC} vs {PLACEBO}: ")


def test_the_masked_edition_names_the_comparison_by_letters_only(example: Any) -> None:
    context = closed(example, unmask=False, key={MSC: "B", PLACEBO: "A"})
    assert [name for name, _, _ in context["monitoring_groups"]] == ["Arm A vs Arm B"]
    assert context["decision_facts"][0].startswith("Monitoring, Arm A vs Arm B: ")
    html = render_html("dsmb/report.html", context)
    section = html[html.index('id="monitoring"') :]
    assert "Arm A vs Arm B" in section and MSC not in section and PLACEBO not in section


def test_a_three_arm_report_names_the_trend_and_each_split_comparison() -> None:
    data = three_arm_trial(
        {
            "comparison": ["trend", "HIGH vs PBO"],
            "alpha_split": "bonferroni",
            "maximum_information": {"trend": 72, "HIGH vs PBO": 48},
            "planned_fractions": [0.5, 1],
        }
    )
    context = closed(data, unmask=True)
    assert [(name, levels) for name, _, levels in context["monitoring_groups"]] == [
        ("Dose-response trend", "α 0.025"), ("High dose vs Placebo", "α 0.025")]  # fmt: skip
    assert [fact.split(":")[0] for fact in context["decision_facts"][:2]] == [
        "Monitoring, Dose-response trend", "Monitoring, High dose vs Placebo"]  # fmt: skip
    assert [name for name, _ in context["figures"]["monitoring"]] == ["Dose-response trend", "High dose vs Placebo"]
    masked = closed(data, unmask=False, key={"Placebo": "C", "Low dose": "A", "High dose": "B"})
    # Masked, the pair against control is named by its number: its letters would tell which is the control.
    assert [name for name, _, _ in masked["monitoring_groups"]] == ["Dose-response trend", "Monitored comparison 1"]


def test_the_table_heads_the_observed_z_as_from_p_beside_the_estimate_over_its_se(example: Any) -> None:
    context = closed(example, unmask=True)
    current = next(r for r in context["tables"]["monitoring"].rows if r.status == "current")
    assert current.wald_z is not None and current.observed_z is not None
    html = render_html("dsmb/report.html", context)
    section = html[html.index('id="monitoring"') :]
    assert "z from p<br>(est. / SE)" in section
    assert f"<br>({current.wald_z:.2f})</td>" in section


@pytest.mark.parametrize("key", [{MSC: "B", PLACEBO: "A"}, {MSC: "A", PLACEBO: "B"}])
def test_the_stagewise_estimate_at_the_final_look_turns_with_the_estimate(example: Any, key: dict[str, str]) -> None:
    # The example's final look (18 of 18): the design-adjusted estimate and interval are printed beside the
    # estimate, so masked and turned round (Arm A − Arm B) they turn with it; the final p does not.
    unmasked = next(r for r in closed(example, unmask=True)["tables"]["monitoring"].rows if r.adjusted_p is not None)
    masked = next(r for r in closed(example, unmask=False, key=key)["tables"]["monitoring"].rows
                  if r.adjusted_p is not None)  # fmt: skip
    assert unmasked.median_unbiased is not None and masked.median_unbiased is not None
    turned = masked.arm != unmasked.arm
    sign = -1 if turned else 1
    assert masked.median_unbiased == pytest.approx(sign * unmasked.median_unbiased)
    assert masked.adjusted_p == unmasked.adjusted_p
    assert masked.adjusted_ci_low is not None and masked.adjusted_ci_high is not None
    assert masked.adjusted_ci_low < masked.median_unbiased < masked.adjusted_ci_high
    html = render_html("dsmb/report.html", closed(example, unmask=True))
    assert "adjusted for the group-sequential design (stagewise ordering): final p" in html
