"""The bundled example trial has what issue #2 promises, and says it is synthetic."""

from __future__ import annotations

from collections import Counter

import pytest

from service.importing import load_source
from service.importing.records import ImportedTrial
from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "msc-t1d"


@pytest.fixture(scope="module")
def example() -> ImportedTrial:
    return load_source(EXAMPLE, "msc-t1d")


def test_it_says_plainly_that_it_is_synthetic() -> None:
    assert "SYNTHETIC" in (EXAMPLE / "trial.toml").read_text()
    assert "synthetic" in (EXAMPLE / "README.md").read_text().lower()


def test_design_matches_the_seed_trial(example: ImportedTrial) -> None:
    d = example.definition
    assert (d.nct_id, d.irct_id, d.target_enrollment) == ("NCT04078308", "IRCT2016070428786N1", 21)
    assert [(a.code, a.is_control) for a in example.arms] == [("MSC", False), ("PBO", True)]
    assert sum(p.randomized for p in example.participants) == 21


def test_two_doses_and_twelve_months_of_follow_up(example: ImportedTrial) -> None:
    doses = Counter(e.subject_id for e in example.exposures)
    assert max(doses.values()) == 2
    visits = {m.visit for m in example.measurements if m.censored is None}
    assert visits == {"Baseline", "Month 3", "Month 6", "Month 9", "Month 12"}
    assert {m.parameter for m in example.measurements} == {
        "HBA1C",
        "CPEPF",
        "CPEPS",
        "INSDOSE",
        "HYPO",
        "QOL",
        "TTSHYPO",
    }
    times = [m for m in example.measurements if m.parameter == "TTSHYPO"]
    assert len(times) == len({m.subject_id for m in times}) and all(m.visit == "" for m in times)
    assert 0 < sum(not m.censored for m in times) < len(times)  # some events, some censored


def test_safety_data_has_serious_events_grades_and_a_withdrawal(example: ImportedTrial) -> None:
    assert sum(e.serious for e in example.adverse_events) >= 2
    assert {e.ctcae_grade for e in example.adverse_events} <= {1, 2, 3, 4, 5}
    assert any(
        p.disposition == "discontinued" and p.disposition_reason == "Withdrawal by subject"
        for p in example.participants
    )
    assert all(p.randomization_date for p in example.participants if p.randomized)
