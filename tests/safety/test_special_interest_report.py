"""The AEs-of-special-interest pages of both DSMB editions, read back from the rendered PDF: the example trial's
groups, the open edition pooled with nothing comparative, the closed one by letter, every word on its page with 3 and
5 arms, and a trial with no group says so."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from service.db import open_database
from service.importing import load_source
from service.outputs.dsmb.produce import DsmbRequest, produce_dsmb
from service.snapshots import store_snapshot
from tests.conftest import REPO
from tests.reports.test_many_arms import text_of, words_off_page
from tests.trialgen import generate_trial

GROUPS = """
[[safety.special_interest]]
name = "Headache and dizziness"
terms = ["Headache", "Dizziness"]

[[safety.special_interest]]
name = "Skin reactions"
terms = ["Rash"]
"""


def render(source: Path, folder: Path, edition: str) -> str:
    engine = open_database(f"sqlite:///{folder / 'r.db'}")
    try:
        snapshot = store_snapshot(engine, load_source(source, "aesi"), now=datetime(2026, 1, 1, tzinfo=UTC)).snapshot
        target = folder / f"{edition}.pdf"
        produce_dsmb(engine, snapshot, target, DsmbRequest("open" if edition == "open" else "closed",
                                                           unmask=edition == "unmasked"))  # fmt: skip
    finally:
        engine.dispose()
    assert words_off_page(target) == []
    return text_of(target)


def section(text: str) -> str:
    """The pages from the AESI table's heading (after the contents) to the deaths table's."""
    start = text.index("— Adverse events of special interest\n", text.index("List of figures"))
    return text[start : text.index("— Deaths by timing and cause\n", start)]


def test_the_example_trial_open_edition_pools_the_groups_and_compares_nothing(tmp_path: Path):
    pages = section(render(REPO / "examples" / "msc-t1d", tmp_path, "open"))
    for group in ("Hypoglycaemia", "Infusion-related reactions", "Diabetic ketoacidosis"):
        assert group in pages
    # Participants with an infusion-related reaction, pooled: 7 of 21 (33.3%), 10 events (adverse_events.csv:
    # Rash 5, Pyrexia 4, Hypersensitivity 1 record, in 7 participants).
    assert "7 (33.3) [10]" in pages
    assert "All participants" in pages
    for closed_only in ("differences between arms", "Time to the first", "Arm A", "Placebo", "Risk difference"):
        assert closed_only not in pages


def test_the_example_trial_closed_edition_by_letter_with_differences_and_time_to_first_event(tmp_path: Path):
    text = render(REPO / "examples" / "msc-t1d", tmp_path, "closed")
    pages = section(text)
    assert "Adverse events of special interest: differences between arms" in pages
    assert "Time to the first adverse event of special interest" in pages
    assert "Arm A − Arm B" in pages
    assert "Mesenchymal" not in pages and "Placebo" not in pages
    assert re.search(r"% with an event by day \(95% CI\)", pages)


@pytest.mark.slow
@pytest.mark.parametrize("arms", [3, 5])
@pytest.mark.parametrize("edition", ["closed", "unmasked"])
def test_many_arms_fit_the_page_and_the_masked_edition_names_no_arm(tmp_path: Path, arms: int, edition: str):
    trial = generate_trial(tmp_path / "source", arms=arms, form="bundle")
    with (trial.folder / "trial.toml").open("a", encoding="utf-8") as f:
        f.write(GROUPS)
    pages = section(render(trial.folder, tmp_path, edition))
    assert "Headache and dizziness" in pages and "Skin reactions" in pages
    named = [s for s in trial.arm_strings() if s in pages]
    if edition == "closed":
        assert named == []
        assert "Arm A − Arm B" in pages and "Arm B − Arm C" in pages  # every pair of letters
    else:
        assert "Zelofen 10 mg − Placebo" in pages


def test_a_trial_without_groups_says_none_were_declared(tmp_path: Path):
    trial = generate_trial(tmp_path / "source", arms=2, form="bundle")
    pages = section(render(trial.folder, tmp_path, "closed"))
    assert "No adverse events of special interest were declared" in pages
