"""A declared family's adjusted p-values reach the outcome comparison table, ard.csv's rows and the closed DSMB
report, with a footnote; the comparisons outside it are left as they were."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from service.analysis import build_analysis
from service.ard import build_ard
from service.ars import render_ars
from service.importing.records import ImportedTrial
from service.multiplicity.adjust import adjust_dunnett
from service.multiplicity.apply import adjust_comparisons
from service.multiplicity.family import parse_multiplicity
from service.outputs.tables.validate import validate_ars
from service.reports.dsmb import DsmbOptions, build_dsmb_context
from service.reports.templating import render_html
from service.results import ComparisonRow
from tests.monitoring.three_arms import ARMS, three_arm_trial

HIGH = {"outcome": "SCORE", "comparison": "HIGH vs PBO"}
LOW = {"outcome": "SCORE", "comparison": "LOW vs PBO"}


def with_families(*families: dict[str, Any]) -> ImportedTrial:
    data = three_arm_trial()
    raw = {**data.definition.raw, "multiplicity": list(families)}
    return replace(data, definition=replace(data.definition, raw=raw))


def comparison(rows: tuple[ComparisonRow, ...], arm: str, control: str) -> ComparisonRow:
    return next(r for r in rows if (r.arm, r.control) == (arm, control))


def test_holm_adjusts_the_two_doses_against_placebo_and_leaves_the_other_comparisons_alone() -> None:
    plain = build_analysis(three_arm_trial())["outcome_comparison"].rows
    table = build_analysis(with_families({"name": "Doses", "method": "holm", "hypotheses": [HIGH, LOW]}))[
        "outcome_comparison"
    ]
    high, low = comparison(table.rows, "High dose", "Placebo"), comparison(table.rows, "Low dose", "Placebo")
    p_high, p_low = comparison(plain, "High dose", "Placebo").p_value, comparison(plain, "Low dose", "Placebo").p_value
    assert p_high is not None and p_low is not None and p_high < p_low  # the data's doses: high's effect is larger
    # Holm with two hypotheses, by hand: the smaller p doubled; the larger p, at least that.
    assert high.p_adjusted == pytest.approx(min(1, 2 * p_high), abs=1e-15)
    assert low.p_adjusted == pytest.approx(max(p_low, min(1, 2 * p_high)), abs=1e-15)
    assert (high.adjustment, high.family, high.p_value) == ("holm", "Doses", p_high)
    others = [r for r in table.rows if (r.arm, r.control) not in (("High dose", "Placebo"), ("Low dose", "Placebo"))]
    assert others and all(r.p_adjusted is None and r.adjustment == "" for r in others)
    assert any("p adj.: p adjusted for multiplicity over the family 'Doses' (2 hypotheses) by Holm's step-down"
               in note for note in table.footnotes)  # fmt: skip


def test_a_fixed_sequence_starting_with_the_trend_carries_its_p_to_the_next() -> None:
    trend = {"outcome": "SCORE", "comparison": "trend"}
    table = build_analysis(with_families({"name": "S", "method": "fixed-sequence", "hypotheses": [trend, LOW]}))[
        "outcome_comparison"
    ]
    slope = next(r for r in table.rows if r.control == "")
    low = comparison(table.rows, "Low dose", "Placebo")
    assert slope.p_value is not None and low.p_value is not None
    assert (slope.p_adjusted, low.p_adjusted) == (slope.p_value, max(slope.p_value, low.p_value))


def test_ard_has_the_adjusted_p_as_its_own_row_with_the_method_as_context() -> None:
    results = build_analysis(with_families({"name": "Doses", "method": "bonferroni", "hypotheses": [HIGH, LOW]}))
    high = comparison(results["outcome_comparison"].rows, "High dose", "Placebo")
    rows = [r for r in build_ard(results) if r.stat_name == "p.value.adjusted"]
    assert {(r.group1_level, r.comparator, r.context) for r in rows} == {
        ("High dose", "Placebo", "bonferroni"),
        ("Low dose", "Placebo", "bonferroni"),
    }
    (shown,) = [r for r in rows if r.group1_level == "High dose"]
    assert shown.stat == high.p_adjusted == pytest.approx(min(1.0, 2 * (high.p_value or 0)))
    assert shown.stat_label == "p-value adjusted for multiplicity"
    assert any(r.stat_name == "p.value" and r.group1_level == "High dose" and r.context == "ancova"
               for r in build_ard(results))  # fmt: skip


def row(arm: str, p: float | None, visit: str = "Week 12") -> ComparisonRow:
    return ComparisonRow("SCORE", "Score", "primary", visit, arm, "Placebo", "ANCOVA", "Difference in LS means", 1.0,
                         0.0, 2.0, p, 12, 12, "", key_timepoint=visit == "Week 12")  # fmt: skip


def test_a_hypothesis_without_a_p_at_the_cutoff_counts_as_p_1_and_the_footnote_says_so() -> None:
    (family,) = parse_multiplicity(with_families({"name": "F", "method": "bonferroni", "hypotheses": [HIGH, LOW]})
                                   .definition.raw, ARMS)  # fmt: skip
    rows = [row("High dose", 0.01), row("Low dose", None), row("High dose", 0.001, visit="Week 6")]
    adjusted, (note,) = adjust_comparisons([family], rows)
    # Bonferroni over the declared two, not over the one with a p: 2 × 0.01; the week-6 row is in no family.
    assert [r.p_adjusted for r in adjusted] == [pytest.approx(0.02), None, None]
    assert note.endswith("1 of its hypotheses have no p at this cut-off and count as not rejected (p = 1).")


def test_the_absent_hypothesis_blocks_those_after_it_in_a_fixed_sequence() -> None:
    (family,) = parse_multiplicity(with_families({"name": "F", "method": "fixed-sequence", "hypotheses": [LOW, HIGH]})
                                   .definition.raw, ARMS)  # fmt: skip
    adjusted, _ = adjust_comparisons([family], [row("High dose", 0.01), row("Low dose", None)])
    assert adjusted[0].p_adjusted == 1.0


def test_the_closed_report_prints_the_adjusted_p_column_only_when_a_family_is_declared() -> None:
    options = DsmbOptions("closed", date(2021, 12, 31), None, "h", 1, unmask=True)
    family = {"name": "Doses", "method": "hochberg", "hypotheses": [HIGH, LOW]}
    context = build_dsmb_context(with_families(family), options)
    html = render_html("dsmb/report.html", context)
    section = html[html.index('id="outcomes"') :]
    section = section[: section.index("</table>")]
    assert '<th class="n">p adj.</th>' in section
    high = comparison(context["tables"]["outcome_comparison"].rows, "High dose", "Placebo")
    assert high.p_adjusted is not None and high.adjustment == "hochberg"
    plain = render_html("dsmb/report.html", build_dsmb_context(three_arm_trial(), options))
    assert "p adj." not in plain


def test_ars_json_with_an_adjusted_p_validates_against_the_ars_schema(tmp_path: Path) -> None:
    results = build_analysis(with_families({"name": "Doses", "method": "holm", "hypotheses": [HIGH, LOW]}))
    rows = build_ard(results)
    path = tmp_path / "ars.json"
    path.write_bytes(render_ars(rows, results))
    assert validate_ars(path) == []
    assert "holm" in path.read_text(encoding="utf-8")


def test_dunnett_adjusts_the_doses_against_placebo_from_their_p_and_numbers() -> None:
    table = build_analysis(with_families({"name": "D", "method": "dunnett", "hypotheses": [HIGH, LOW]}))[
        "outcome_comparison"
    ]
    high, low = comparison(table.rows, "High dose", "Placebo"), comparison(table.rows, "Low dose", "Placebo")
    assert high.p_value is not None and low.p_value is not None
    expected = adjust_dunnett([high.p_value, low.p_value], [high.n_arm, low.n_arm], [high.n_control, low.n_control])
    assert [high.p_adjusted, low.p_adjusted] == expected
    assert high.p_value < expected[0] < min(1.0, 2 * high.p_value)  # between the raw p and Bonferroni's
    assert any("Dunnett's many-to-one test" in note for note in table.footnotes)


def test_dunnett_without_every_comparison_at_the_cutoff_gives_no_adjusted_p_and_says_why() -> None:
    (family,) = parse_multiplicity(with_families({"name": "D", "method": "dunnett", "hypotheses": [HIGH, LOW]})
                                   .definition.raw, ARMS)  # fmt: skip
    adjusted, (note,) = adjust_comparisons([family], [row("High dose", 0.01), row("Low dose", None)])
    assert [r.p_adjusted for r in adjusted] == [None, None]
    assert note.endswith(
        "Not computed at this cut-off: 1 of its comparisons have no p yet, and the test needs them all."
    )
