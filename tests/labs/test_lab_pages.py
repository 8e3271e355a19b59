"""The laboratory section of the DSMB report: what each edition prints, from the hand-checked trial's laboratory
records (tests/labs/abnormal_fixture.py), and that a trial without laboratory data says so."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from lxml import etree, html

from service.reports.dsmb import DsmbOptions, build_dsmb_context
from service.reports.edish import axis_range, edish_figure
from service.reports.templating import render_html
from service.results import TOTAL
from tests.labs.abnormal_fixture import lab_trial
from tests.labs.test_abnormal import CRITERIA

SVG = {"s": "http://www.w3.org/2000/svg"}


def context(session: str, unmask: bool = False, **changes: object) -> dict[str, object]:
    data = replace(lab_trial(labs=CRITERIA), **changes)
    return build_dsmb_context(data, DsmbOptions(session, date(2020, 6, 30), None, "h", 1, unmask=unmask))


def text_of(context: dict[str, object]) -> str:
    """The report's words, as a reader sees them (no markup)."""
    return " ".join(html.fromstring(render_html("dsmb/report.html", context)).text_content().split())


@pytest.fixture(scope="module")
def closed() -> dict[str, object]:
    return context("closed")


@pytest.fixture(scope="module")
def opened() -> dict[str, object]:
    return context("open")


def test_the_closed_edition_prints_arms_by_letter_the_test_and_the_figure(closed: dict[str, object]) -> None:
    text = text_of(closed)
    anchors = [e.anchor for e in closed["outline"]]  # type: ignore[attr-defined]
    start = anchors.index("laboratory")
    section = anchors[start : anchors.index("vital-signs")]
    # The values over time (value and change by visit, missing data) first, then the abnormality displays.
    assert section == ["laboratory", "lab-by-visit", "lab-missing", "lab-categories", "lab-shift-low",
                       "lab-shift-high", "lab-liver", "lab-edish", "listing-lab-significant"]  # fmt: skip
    assert "Hemoglobin (g/L) — CMH row mean scores Q = 1.50, df 1, p = 0.221" in text  # worst high (test_abnormal)
    assert "2/4 (50.0)" in text  # HGB any low, Drug: A1 and A2 of 4
    for label in ("Drug", "Low dose", "Placebo"):
        assert label not in text
    labs = closed["labs"]
    figure = etree.fromstring(str(labs.edish).encode())  # type: ignore[attr-defined]
    titles = [t.text for t in figure.iterfind(".//s:text", SVG) if t.text and "(n = " in t.text]
    # Drug (A): A1 A2 A3 A4 with ALT and bilirubin; Low dose (B): Z1 has no bilirubin; Placebo (C): P1 (P2 no ALT ULN).
    assert titles == ["Arm A (n = 4)", "Arm B (n = 0)", "Arm C (n = 1)"]
    red = [c for c in figure.iterfind(".//s:circle", SVG) if c.get("fill") == "#c00000"]
    assert len(red) == 2 + 1  # A1 and A4 (potential Hy's law), and the legend's


def test_the_open_edition_pools_and_shows_nothing_comparative(opened: dict[str, object]) -> None:
    text = text_of(opened)
    assert "CMH" not in text and "Cochran" not in text
    assert "eDISH: peak ALT" not in text  # the figure (its method is named in the liver table's footnote)
    assert opened["labs"].edish is None  # type: ignore[attr-defined]
    assert "4/7 (57.1)" in text  # HGB any low, every arm pooled
    assert opened["columns"] == [TOTAL]


def test_a_trial_without_laboratory_data_says_none_were_collected() -> None:
    for session in ("open", "closed"):
        found = context(session, labs=None)
        text = text_of(found)
        assert "6. Laboratory values No laboratory data were collected." in text
        assert "lab-categories" not in [e.anchor for e in found["outline"]]  # type: ignore[attr-defined]


def test_the_unmasked_edition_names_the_arms_in_the_figure() -> None:
    labs = context("closed", unmask=True)["labs"]
    figure = etree.fromstring(str(labs.edish).encode())  # type: ignore[attr-defined]
    titles = [t.text for t in figure.iterfind(".//s:text", SVG) if t.text and "(n = " in t.text]
    assert titles == ["Drug (n = 4)", "Low dose (n = 0)", "Placebo (n = 1)"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [([1.0, 2.5], (0.1, 100.0)), ([0.02, 3.0], (0.01, 100.0)), ([0.5, 250.0], (0.1, 1000.0)), ([0.0], (0.1, 100.0))],
)
def test_the_figure_axes_cover_every_peak_in_whole_decades(values: list[float], expected: tuple[float, float]) -> None:
    assert axis_range(values) == pytest.approx(expected)


def test_no_figure_without_a_participant_with_both_peaks() -> None:
    assert edish_figure([], ["A"], {"A": "Arm A"}) is None
