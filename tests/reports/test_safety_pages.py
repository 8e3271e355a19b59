"""The Kaplan–Meier figure, and the deaths, time to discontinuation, common-AE, rate and subgroup pages as the DSMB
member reads them in each edition."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from service.db import open_database
from service.errors import DataError
from service.importing import load_source
from service.outputs.dsmb.produce import DsmbRequest, produce_dsmb
from service.reports.km_figure import km_plot
from service.results import TOTAL
from service.safety.kaplan_meier import kaplan_meier_rows
from service.snapshots import store_snapshot
from tests.reports.test_many_arms import text_of, words_off_page
from tests.trialgen import generate_trial

SVG = {"s": "http://www.w3.org/2000/svg"}


def figure_texts(figure: object) -> list[str]:
    return [t.text for t in etree.fromstring(str(figure).encode()).iterfind(".//s:text", SVG)]


def test_the_figure_draws_a_step_line_per_arm_and_curve_with_ticks_and_numbers_at_risk() -> None:
    # Arm A: times 10, 20+, 30 (+ censored); arm B: 15+, 25. At day 20 (a tick): A has 2 at risk (20, 30), B 1 (25).
    rows = [*kaplan_meier_rows([10, 20, 30], [True, False, True], curve="Any reason", arm="A"),
            *kaplan_meier_rows([15, 25], [False, True], curve="Any reason", arm="B"),
            *kaplan_meier_rows([10, 20, 30], [False, False, True], curve="Adverse event", arm="A"),
            *kaplan_meier_rows([15, 25], [False, False], curve="Adverse event", arm="B")]  # fmt: skip
    figure = km_plot(rows, ["A", "B"], {"A": "Arm A", "B": "Arm B"}, y_label="Discontinued (%)")
    assert figure is not None
    root = etree.fromstring(str(figure).encode())
    assert len(root.findall(".//s:polyline", SVG)) == 4  # two arms × two curves
    texts = figure_texts(figure)
    assert texts.count("Any reason") == 1 and texts.count("Adverse event") == 1
    assert texts.count("Arm A") == 3  # the legend, and each panel's numbers at risk
    assert texts.count("Number at risk") == 2
    # Ticks at 0, 5, …, 30 (round steps): at day 20 the numbers at risk 2 and 1 follow their labels.
    labels = texts.index("Arm A", 2)
    assert texts[labels + 1 : labels + 8] == ["3", "3", "3", "2", "2", "1", "1"]  # days 0 5 10 15 20 25 30
    assert texts[labels + 9 : labels + 16] == ["2", "2", "2", "2", "1", "1", "0"]  # Arm B


def test_the_figure_shows_only_the_columns_asked_for() -> None:
    rows = [*kaplan_meier_rows([1, 2], [True, True], curve="Any reason", arm="Drug"),
            *kaplan_meier_rows([1, 2], [True, True], curve="Any reason", arm=TOTAL)]  # fmt: skip
    texts = figure_texts(km_plot(rows, [TOTAL], {TOTAL: "All participants"}))
    assert "All participants" in texts and "Drug" not in texts
    assert km_plot(rows, ["Other"], {}) is None


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Path], object]]:
    folder = tmp_path_factory.mktemp("pages")
    folder.chmod(0o700)
    trial = generate_trial(folder / "source", arms=3, form="bundle")
    with (folder / "source" / "trial.toml").open("a") as handle:
        handle.write('\n[safety]\nsubgroups = ["SEX", "AGE"]\nage_groups = [40]\ncommon_ae_percent = 10\n')
    engine = open_database(f"sqlite:///{folder / 'r.db'}")
    snapshot = store_snapshot(engine, load_source(trial.folder, "pages"), now=datetime(2026, 1, 1, tzinfo=UTC)).snapshot
    made = {}
    for edition in ("open", "closed"):
        made[edition] = folder / f"{edition}.pdf"
        produce_dsmb(engine, snapshot, made[edition], DsmbRequest(edition))
    yield made, trial
    engine.dispose()


@pytest.mark.parametrize("edition", ["open", "closed"])
def test_each_edition_has_the_pages(reports, edition: str) -> None:  # type: ignore[no-untyped-def]
    made, trial = reports
    text = text_of(made[edition])
    body = text[text.index("List of figures") :]
    for heading in ("Deaths by timing and cause", "Listing of deaths", "Time to discontinuation of study treatment",
                    "Common treatment-emergent adverse events", "Exposure-adjusted incidence rates",
                    "Overview of treatment-emergent adverse events by subgroup"):  # fmt: skip
        assert heading in body, heading
    assert "(at least 10%) by preferred term" in body
    assert "Within 30 days after the last dose" in body and "Number at risk" in body
    assert "SEX: participants" in body and "< 40" in body and "≥ 40" in body  # the stub may wrap before "with"
    assert "exact (Garwood, chi-square) Poisson 95% CI" in body
    assert words_off_page(made[edition]) == []
    if edition == "open":
        assert "All participants" in body and "Arm A" not in body
        assert [s for s in trial.arm_strings() if s in text] == []
    else:
        assert "Arm A" in body and "Arm C" in body


def test_a_subgroup_variable_the_data_lack_is_refused_at_import(tmp_path: Path) -> None:
    trial = generate_trial(tmp_path / "source", arms=2, form="adam")
    with (trial.folder / "trial.toml").open("a") as handle:
        handle.write('\n[safety]\nsubgroups = ["AGEGR1"]\n')
    with pytest.raises(DataError, match=r"has no column 'AGEGR1', which trial.toml names \(\[\[baseline\]\] variable "
                                        r"or \[safety\] subgroups\)"):  # fmt: skip
        load_source(trial.folder, "x")
