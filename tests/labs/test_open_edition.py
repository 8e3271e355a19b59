"""The open edition's data (service.reports.pooled.remove_arm_assignment): the laboratory frame has no arm, and
nothing arm-level reaches it, even a column a reader carried along from the source."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from service.importing import load_source
from service.importing.records import ImportedTrial
from service.labs.frame import LAB_COLUMNS
from service.reports.pooled import remove_arm_assignment
from tests.labs.frames import assert_same_records, awkward_frame
from tests.trialgen import generate_trial


def _trial(folder: Path, arms: int) -> ImportedTrial:
    return load_source(generate_trial(folder, arms=arms, seed=5).folder, "gen")


def test_the_open_editions_frame_holds_the_laboratory_columns_and_no_arm(tmp_path: Path) -> None:
    data = _trial(tmp_path, 3)
    frame = awkward_frame()
    subjects = [p.subject_id for p in data.participants]
    frame["subject_id"] = pd.Series([subjects[i % len(subjects)] for i in range(len(frame))], dtype=object)
    arm_of = {p.subject_id: p.arm_code for p in data.participants}
    labels = data.arm_labels
    # A source's by-arm variables riding along (ADaM ADLB carries TRTA, TRTAN, ARM, ARMCD)
    leaky = frame.assign(trta=frame["subject_id"].map(lambda s: labels.get(arm_of[s] or "", "")),
                         armcd=frame["subject_id"].map(arm_of), trtan=1.0)  # fmt: skip
    opened = remove_arm_assignment(replace(data, labs=leaky)).labs
    assert list(opened.columns) == list(LAB_COLUMNS)
    assert_same_records(opened, frame)
    arm_words = {a.code for a in data.arms} | {a.label for a in data.arms}
    cells = {value for column in opened.columns for value in opened[column].dropna().astype(str)}
    assert not cells & arm_words


def test_a_trial_without_laboratory_records_has_none_in_the_open_edition(tmp_path: Path) -> None:
    data = _trial(tmp_path, 2)
    assert remove_arm_assignment(replace(data, labs=None)).labs is None
    assert isinstance(remove_arm_assignment(replace(data, labs=awkward_frame())).labs, pd.DataFrame)
