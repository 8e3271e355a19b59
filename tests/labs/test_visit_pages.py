"""The laboratory and vital-sign pages over time: their cells as printed, their columns split to fit the page, and
(slow) the rendered editions of trials of 3 and 5 arms, every word on the page and no arm named where none may be."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from service.analysis import build_analysis
from service.importing import load_source
from service.reports.dsmb import DsmbOptions, build_dsmb_context
from service.reports.pdf import render_pdf
from service.reports.templating import render_html
from service.reports.vital_pages import build_visit_pages, by_visit_table, count_cell
from service.results import TOTAL
from tests.labs.fixture import record, trial
from tests.reports.test_many_arms import text_of
from tests.trialgen import generate_trial

HGB = [record("D1", "HGB", "Baseline", 13.5), record("D3", "HGB", "Baseline", 12.1),
       record("D1", "HGB", "Day 29", 13.9, base=13.5), record("D3", "HGB", "Day 29", 11.8, base=12.1)]  # fmt: skip


def test_a_by_visit_cell_has_the_mean_to_one_decimal_beyond_the_data() -> None:
    results = build_analysis(trial(HGB))
    printed = by_visit_table(results.tables["lab_by_visit"], ["Drug", "Placebo", TOTAL], {})
    lines = {(line.kind, line.label): line.cells for line in printed.lines}
    # Drug baseline: 13.5 and 12.1 -> n 2, mean 12.80, SD sqrt(2 * 0.7^2) = 0.99, median 12.80, range 12.1-13.5.
    assert lines[("row", "Baseline")]["Drug"] == ("2; 12.80 (0.99)", "12.80 (12.1, 13.5)")
    # Day 29 change: +0.4 and -0.3 -> mean 0.05, SD sqrt(2 * 0.35^2) = 0.49.
    assert lines[("change", "Day 29: change")]["Drug"] == ("2; 0.05 (0.49)", "0.05 (-0.3, 0.4)")
    assert lines[("row", "Baseline")]["Placebo"] == ("0",)
    assert printed.lines[0].kind == "group" and printed.lines[0].label == "HGB"


def test_a_count_cell_reads_n_of_n_with_its_percentage() -> None:
    assert count_cell(1, 3, 100 / 3) == ("1/3 (33.3)",)
    assert count_cell(0, 0, None) == ("0/0",)


def test_columns_that_do_not_fit_continue_in_a_further_part_each_column_once() -> None:
    columns = [f"Arm {letter}" for letter in "ABCDEFG"] + [TOTAL]
    results = build_analysis(trial(HGB))
    printed = by_visit_table(results.tables["lab_by_visit"], columns, {})
    assert len(printed.parts) > 1
    assert [c.key for part in printed.parts for c in part] == columns


def test_every_table_is_printed_even_without_data() -> None:
    results = build_analysis(trial([]))
    pages = build_visit_pages(results.tables, ["Drug", "Placebo", TOTAL], {})
    assert set(pages) == {"lab_by_visit", "lab_missing_by_visit", "vitals_by_visit", "vitals_notable",
                          "vitals_weight"}  # fmt: skip
    assert all(page.empty for page in pages.values())


@pytest.mark.slow
def test_a_trial_without_laboratory_data_says_so(tmp_path: Path) -> None:
    generated = generate_trial(tmp_path / "source", arms=2, form="bundle")
    data = replace(load_source(generated.folder, "gen2"), labs=None)  # the generated trials carry some
    options = DsmbOptions("closed", date(2022, 3, 1), generated.data_cutoff, "0" * 64, 1)
    target = tmp_path / "closed.pdf"
    target.write_bytes(render_pdf(render_html("dsmb/report.html", build_dsmb_context(data, options)),
                                  dated=date(2022, 3, 1)))  # fmt: skip
    text = text_of(target)
    assert text.count("No laboratory data were collected.") == 1  # once, for the whole section
    assert "No vital-sign data were collected." in text
