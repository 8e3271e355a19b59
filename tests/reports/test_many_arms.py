"""Trials of 2, 3 and 5 arms, at the data cut-off and at an interim one: every word of every page lies on the page,
every arm and comparison column is printed, and the AE figure tells each comparison apart."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import Engine

from service.db import open_database
from service.importing import load_source
from service.models import Snapshot
from service.outputs.dsmb.produce import DsmbRequest, produce_dsmb
from service.reports.columns import Column, split_columns
from service.reports.figures import ae_incidence_plot
from service.reports.textwidth import text_width_mm
from service.results import TOTAL, AECountRow
from service.snapshots import store_snapshot
from tests.trialgen import DOSES, GeneratedTrial, generate_trial

CASES = [(2, "bundle"), (3, "adam"), (5, "bundle"), (5, "adam")]


def monitoring(arms: int) -> str:
    """The monitoring plan: with three arms or more, the highest dose against placebo and the dose-response trend,
    α split by Bonferroni."""
    plan = 'outcome = "SCORE"\nspending = "obrien-fleming"\nalpha = 0.05\nsides = 2\ndirection = "lower"\n'
    plan += "planned_fractions = [0.5, 1.0]\n"
    if arms == 2:
        return plan + "maximum_information = 24"
    high = f"Z{DOSES[arms - 2]} vs PBO"
    return plan + (f'comparison = ["{high}", "trend"]\nalpha_split = "bonferroni"\n'
                   f'maximum_information = {{ "{high}" = 24, "trend" = {12 * arms} }}')  # fmt: skip


def words_off_page(pdf: Path) -> list[str]:
    """Each word whose box reaches outside its page, as `pdftotext -bbox` places it."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True).stdout
    root = etree.fromstring(html, etree.HTMLParser())
    off = []
    for number, page in enumerate(root.iter("page"), start=1):
        width, height = float(page.get("width")), float(page.get("height"))
        for word in page.iter("word"):
            x0, y0, x1, y1 = (float(word.get(k)) for k in ("xmin", "ymin", "xmax", "ymax"))
            if x0 < 0 or y0 < 0 or x1 > width or y1 > height:
                off.append(f"page {number}: {word.text!r} at x {x0:.0f}–{x1:.0f} of {width:.0f}")
    return off


def text_of(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module", params=CASES, ids=[f"{k}-arms-{form}" for k, form in CASES])
def stored(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, Snapshot, GeneratedTrial]]:
    arms, form = request.param
    folder = tmp_path_factory.mktemp(f"{form}{arms}")
    trial = generate_trial(folder / "source", arms=arms, form=form, monitoring=monitoring(arms))
    engine = open_database(f"sqlite:///{folder / 'r.db'}")
    imported = load_source(trial.folder, f"gen{arms}")
    snapshot = store_snapshot(engine, imported, now=datetime(2026, 1, 1, tzinfo=UTC)).snapshot
    yield engine, snapshot, trial
    engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("edition", ["open", "closed", "unmasked"])
@pytest.mark.parametrize("cut", [None, 0, 2], ids=["at-data-cutoff", "early-interim", "late-interim"])
def test_no_word_of_any_page_lies_outside_it(
    stored: tuple[Engine, Snapshot, GeneratedTrial], edition: str, cut: int | None, tmp_path: Path
) -> None:
    """And neither the open nor the masked edition names an arm: no label, code, drug name or dose."""
    engine, snapshot, trial = stored
    cutoff = trial.interim_cutoffs[cut] if cut is not None else None
    session = "open" if edition == "open" else "closed"
    target = tmp_path / f"{edition}.pdf"
    produce_dsmb(engine, snapshot, target, DsmbRequest(session, cutoff=cutoff, unmask=edition == "unmasked"))
    assert words_off_page(target) == []
    text = text_of(target)
    named = [s for s in trial.arm_strings() if s in text]
    if edition == "unmasked":
        assert "Zelofen" in named  # the check can see an arm's name where one is printed
    else:
        assert named == []
    laboratory_and_vital_signs_are_printed(text, comparative=session == "closed")
    if edition == "unmasked" and cut is None:
        every_arm_and_comparison_column_is_printed(text, trial)


def laboratory_and_vital_signs_are_printed(text: str, comparative: bool) -> None:
    """The generated trials' laboratory and vital-sign data (tests/trialgen.py), every display, each position of
    the vital signs apart; the comparisons (the CMH tests, the eDISH figure by arm) in the closed editions only."""
    body = text[text.index("List of figures") :]  # after the contents
    for title in ("Laboratory values and change from baseline by visit", "Missing laboratory data by visit",
                  "Laboratory values outside the normal range", "Possible drug-induced liver injury",
                  "Listing of clinically significant laboratory values",
                  "Vital signs and change from baseline by visit", "Weight change from baseline"):  # fmt: skip
        assert title in body, title
    assert "SUPINE" in body and "STANDING" in body
    assert ("CMH row mean scores" in body) == comparative
    assert ("eDISH: peak ALT" in body) == comparative


def every_arm_and_comparison_column_is_printed(text: str, trial: GeneratedTrial) -> None:
    body = text.index("List of figures")  # after the contents, which name the table too
    soc_pt = text[text.index("Treatment-emergent adverse events by system organ class", body) :]
    soc_pt = soc_pt[: soc_pt.index("Figure ")]
    control = next(arm for arm in trial.arms if arm.control)
    for arm in trial.arms:
        assert arm.label in soc_pt
        if not arm.control:
            assert f"{arm.label} vs {control.label}" in soc_pt
    assert "Total" in soc_pt
    assert ("(continued)" in soc_pt) == (len(trial.arms) > 2)


def count_row(arm: str, pt: str, n: int, rd: float | None) -> AECountRow:
    return AECountRow(
        level="pt", soc="Nervous system disorders", pt=pt, arm=arm, n_subjects=n, n_events=n, n_at_risk=10,
        percent=10.0 * n, p_value=None if rd is None else 0.5, risk_diff=rd,
        risk_diff_low=None if rd is None else rd - 20, risk_diff_high=None if rd is None else rd + 20,
    )  # fmt: skip


def test_the_ae_figure_gives_each_comparison_its_own_marker_and_a_legend() -> None:
    arms = ["Placebo", "Low", "Mid", "High"]
    terms = (("Headache", 3), ("Nausea", 2))
    rows = [count_row(arm, pt, n, None if arm == "Placebo" else 10.0 * i) for pt, n in terms
            for i, arm in enumerate(arms)] + [count_row(TOTAL, pt, 8, None) for pt, _ in terms]  # fmt: skip
    names = {arm: arm for arm in arms}
    comparisons = {arm: f"{arm} vs Placebo" for arm in arms if arm != "Placebo"}
    figure = ae_incidence_plot(rows, arms, comparisons, "Placebo", names)
    assert figure is not None
    root = etree.fromstring(str(figure).encode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    legend = [t.text for t in root.iterfind(".//s:text", ns)]
    for arm in ("Low", "Mid", "High"):
        assert f"{arm} vs Placebo" in legend
    # Per term, one risk-difference marker per comparison: a circle, a square and a triangle (three points); the
    # legend draws each once more.
    polygons = [p.get("points").count(",") for p in root.iterfind(".//s:polygon", ns)]
    assert polygons.count(4) == 3 + 3  # squares (Mid: two terms, one legend entry) and the control's diamonds
    assert polygons.count(3) == 3  # triangles (High: two terms, one legend entry)


def test_columns_that_do_not_fit_beside_the_counts_continue_in_a_part_of_their_own() -> None:
    def column(key: str, kind: str, cell: str) -> Column:
        return Column(key, kind, (key,), (cell,))

    counts = [column(f"n{i}", "count", "100 (100.0) [100]") for i in range(4)]
    comparisons = [column(f"c{i}", "comparison", "-100.0 (-100.0, -100.0); 0.001") for i in range(5)]
    parts = split_columns(40.0, counts, comparisons, available_mm=178.0)
    # By hand: a count column is its cell's width + 3 mm padding, a comparison likewise; each part holds the stub.
    count_w = text_width_mm("100 (100.0) [100]", 8) + 3
    compare_w = text_width_mm("-100.0 (-100.0, -100.0); 0.001", 8) + 3
    room = 178.0 - 4.0 - 40.0
    assert [c.key for c in parts[0]][:4] == ["n0", "n1", "n2", "n3"]
    assert len(parts[0]) == 4 + int((room - 4 * count_w) // compare_w)
    per_part = int(room // compare_w)
    assert all(len(part) <= per_part for part in parts[1:])
    assert [c.key for part in parts for c in part] == [c.key for c in counts + comparisons]


def test_text_width_is_read_from_the_embedded_font() -> None:
    # DejaVu Sans: digits advance 1303 of 2048 units (the font's hmtx); at 8 pt, 8 × 1303 / 2048 × 25.4 / 72 mm.
    assert text_width_mm("0", 8) == pytest.approx(8 * 1303 / 2048 * 25.4 / 72)
    assert text_width_mm("00", 8) == pytest.approx(2 * text_width_mm("0", 8))
