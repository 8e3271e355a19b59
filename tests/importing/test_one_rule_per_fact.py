"""One rule for one fact, whatever format carries it: what the rules accept, and the notes they leave (the refusals
are cases of tests/importing/test_bad_files.py, with exit code, message and an unchanged database)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from service.errors import DataError
from service.importing import load_source
from service.importing.common import DOSE_BEFORE_RANDOMIZATION_DAYS
from service.importing.records import ImportedTrial
from tests.cdisc import write_dataset
from tests.conftest import FIXTURES
from tests.importing.test_adam import ADAE, ADSL, write_adam
from tests.importing.test_bad_files import rows_with
from tests.importing.test_bad_input import append_to, replace_in
from tests.importing.test_sdtm import AE, DM, write_sdtm

Make = Callable[[Path], Path]


def bundle(folder: Path) -> Path:
    shutil.copytree(FIXTURES / "tiny", folder)
    return folder


def bundle_with(*edits: Callable[[Path], None]) -> Make:
    def make(folder: Path) -> Path:
        bundle(folder)
        for edit in edits:
            edit(folder)
        return folder

    return make


SCREENING_AE = "8,T-05,dizzy,Dizziness,Nervous system disorders,2020-01-02,,MILD,1,N,N,NOT RELATED,,"
# (format, source with one AE of a screen failure, its subject, the note)
SCREEN_FAILURE_AES: list[tuple[str, Make, str, str]] = [
    ("bundle", bundle_with(append_to("adverse_events.csv", SCREENING_AE)), "T-05",
     "adverse_events.csv: 1 AE record(s) of screen failures (T-05): kept as collected; the AE tables count the "
     "safety population only"),
    ("sdtm", lambda f: write_sdtm(f, "csv", ae=[*AE, {**AE[0], "USUBJID": "S-4", "AESEQ": 1,
                                                      "AESTDTC": "2021-01-20"}]), "S-4",
     "ae.csv: 1 AE record(s) of screen failures (S-4): kept as collected; the AE tables count the safety population "
     "only"),
    ("adam", lambda f: write_adam(f, "xpt", adae=[*ADAE, {**ADAE[0], "USUBJID": "A-4", "TRTA": "", "TRTEMFL": ""}]),
     "A-4", "adae.xpt: 1 AE record(s) of screen failures (A-4): kept as collected; the AE tables count the safety "
     "population only"),
]  # fmt: skip


@pytest.mark.parametrize(("fmt", "make", "subject", "note"), SCREEN_FAILURE_AES, ids=[c[0] for c in SCREEN_FAILURE_AES])
def test_an_ae_of_a_screen_failure_is_kept_not_treatment_emergent_and_noted(
    fmt: str, make: Make, subject: str, note: str, tmp_path: Path
) -> None:
    data = load_source(make(tmp_path / fmt), "trial")
    (event,) = [e for e in data.adverse_events if e.subject_id == subject]
    assert event.treatment_emergent is False
    assert note in data.notes


def test_a_source_without_aes_of_screen_failures_has_no_such_note(tmp_path: Path) -> None:
    data = load_source(bundle(tmp_path / "tiny"), "tiny")
    assert not any("screen failures" in note for note in data.notes)


# (format, a source where two participants share a sequence number)
SHARED_SEQUENCE: list[tuple[str, Make]] = [
    ("bundle", bundle_with(replace_in("adverse_events.csv", "\n5,T-03", "\n4,T-03"))),
    ("sdtm", lambda f: write_sdtm(f, "csv")),  # S-1, S-2 and S-5 each have an AESEQ 1
    ("adam", lambda f: write_adam(f, "csv")),  # each have an AESEQ 1
]


@pytest.mark.parametrize(("fmt", "make"), SHARED_SEQUENCE, ids=[c[0] for c in SHARED_SEQUENCE])
def test_sequence_numbers_are_unique_within_a_participant_only(fmt: str, make: Make, tmp_path: Path) -> None:
    data = load_source(make(tmp_path / fmt), "trial")
    keys = [(e.subject_id, e.seq) for e in data.adverse_events]
    assert len(set(keys)) == len(keys) and len({seq for _, seq in keys}) < len(keys)


def _before(day: date, days: int) -> date:
    return day - timedelta(days=days)


# (column, a source whose dose date in that column is `days` before randomization)
RANDOMIZED = {"bundle": date(2020, 1, 10), "sdtm": date(2021, 3, 5), "adam": date(2022, 1, 10)}
DOSE_COLUMNS: list[tuple[str, Callable[[Path, int], Path]]] = [
    ("bundle first_dose_date", lambda f, days: bundle_with(replace_in(
        "participants.csv", "2020-01-10,2020-01-12", f"2020-01-10,{_before(RANDOMIZED['bundle'], days)}"))(f)),
    ("bundle exposure.csv start_date", lambda f, days: bundle_with(lambda g: (g / "exposure.csv").write_text(
        "subject_id,treatment,dose,dose_unit,start_date,end_date\n"
        f"T-01,MSC,1,mg,{_before(RANDOMIZED['bundle'], days)},\n"))(f)),
    ("sdtm RFXSTDTC", lambda f, days: write_sdtm(f, "csv", dm=rows_with(
        DM, 0, RFXSTDTC=_before(RANDOMIZED["sdtm"], days).isoformat()))),
    ("sdtm EXSTDTC", lambda f, days: write_sdtm(f, "csv", ex=[{
        "USUBJID": "S-1", "EXTRT": "DRUG", "EXDOSE": 10, "EXDOSU": "mg",
        "EXSTDTC": _before(RANDOMIZED["sdtm"], days).isoformat(), "EXENDTC": "2021-06-10"}])),
    ("adam TRTSDT", lambda f, days: write_adam(f, "csv", adsl=rows_with(
        ADSL, 0, TRTSDT=_before(RANDOMIZED["adam"], days)))),
]  # fmt: skip


@pytest.mark.parametrize(("column", "make"), DOSE_COLUMNS, ids=[c[0] for c in DOSE_COLUMNS])
def test_a_dose_up_to_90_days_before_randomization_is_a_run_in_and_one_day_more_is_refused(
    column: str, make: Callable[[Path, int], Path], tmp_path: Path
) -> None:
    assert DOSE_BEFORE_RANDOMIZATION_DAYS == 90
    data: ImportedTrial = load_source(make(tmp_path / "run-in", 90), "trial")
    assert data.participants
    with pytest.raises(DataError, match=r"is dosed on \S+, 91 days before randomization") as refused:
        load_source(make(tmp_path / "typo", 91), "trial")
    assert refused.value.column == column.split()[-1].replace("exposure.csv", "start_date")


def test_an_sdtm_dataset_twice_is_refused_even_when_one_copy_is_identical(tmp_path: Path) -> None:
    folder = write_sdtm(tmp_path / "sdtm", "xpt")
    write_dataset(folder, "ae", AE, "csv")
    with pytest.raises(DataError, match=r"two files for one dataset \(AE\)") as refused:
        load_source(folder, "trial")
    assert refused.value.file == "ae.csv, ae.xpt"
