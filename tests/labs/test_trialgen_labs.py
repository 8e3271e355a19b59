"""Generated k-arm trials carry laboratory and vital-sign data, in bundle and ADaM form, for the displays' tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.importing import load_source
from tests.trialgen import LAB_PARAMETERS, VITAL_PARAMETERS, generate_trial


@pytest.mark.parametrize(("form", "arms"), [("bundle", 2), ("adam", 3), ("bundle", 5)])
def test_generated_trials_have_laboratory_data_with_a_possible_hys_law_case(tmp_path: Path, form: str, arms: int
                                                                            ) -> None:  # fmt: skip
    trial = generate_trial(tmp_path / "t", arms=arms, form=form)
    labs = load_source(trial.folder, "g").labs
    assert labs is not None
    assert set(labs["paramcd"]) == set(LAB_PARAMETERS) | set(VITAL_PARAMETERS)
    assert set(labs.loc[labs["paramcd"] == "SYSBP", "position"]) == {"SUPINE", "STANDING"}
    assert {"LOW", "HIGH"} <= set(labs["anrind"].dropna())
    # The Hy's law case: ALT >= 3 x ULN (56) and total bilirubin >= 2 x ULN (21) on one day, on treatment.
    week4 = labs[(labs["visit"] == "Week 4") & (labs["ontrtfl"] == True)]  # noqa: E712
    alt = week4[(week4["paramcd"] == "ALT") & (week4["aval"] >= 3 * 56)].set_index("subject_id")["adt"]
    bili = week4[(week4["paramcd"] == "BILI") & (week4["aval"] >= 2 * 21)].set_index("subject_id")["adt"]
    assert len(alt.index.intersection(bili.index)) >= 1


def test_generated_laboratory_data_are_the_same_every_time(tmp_path: Path) -> None:
    first = (generate_trial(tmp_path / "a", arms=3).folder / "labs.csv").read_bytes()
    assert first == (generate_trial(tmp_path / "b", arms=3).folder / "labs.csv").read_bytes()
