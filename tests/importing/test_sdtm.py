"""SDTM import: arms from DM, screen failures kept, ACTARM recorded, treatment-emergence derived."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from service.errors import DataError
from service.importing import detect_format, load_source
from service.importing.records import ImportedTrial
from tests.cdisc import write_dataset


def dm(subject: str, armcd: str, arm: str, actcd: str, act: str, first: str, last: str) -> dict[str, object]:
    return {
        "STUDYID": "S",
        "USUBJID": subject,
        "SITEID": "01",
        "AGE": 40,
        "AGEU": "YEARS",
        "SEX": "F",
        "ARMCD": armcd,
        "ARM": arm,
        "ACTARMCD": actcd,
        "ACTARM": act,
        "RFXSTDTC": first,
        "RFXENDTC": last,
        "DTHDTC": "",
    }


def ae(subject: str, seq: int, pt: str, soc: str, start: str, serious: str = "N") -> dict[str, object]:
    return {
        "USUBJID": subject,
        "AESEQ": seq,
        "AETERM": pt.lower(),
        "AEDECOD": pt,
        "AEBODSYS": soc,
        "AESTDTC": start,
        "AEENDTC": "",
        "AESEV": "MILD",
        "AETOXGR": "1",
        "AESER": serious,
    }


DM = [
    dm("S-1", "DRUG", "Drug 10 mg", "DRUG", "Drug 10 mg", "2021-03-10", "2021-06-10"),
    dm("S-2", "PBO", "Placebo", "PBO", "Placebo", "2021-03-15", "2021-06-15"),
    dm("S-3", "PBO", "Placebo", "NOTTRT", "Not Treated", "", ""),
    dm("S-4", "SCRNFAIL", "Screen Failure", "SCRNFAIL", "Screen Failure", "", ""),
    dm("S-5", "DRUG", "Drug 10 mg", "PBO", "Placebo", "2021-04-01", "2021-07-01"),
]
AE = [
    ae("S-1", 1, "Headache", "Nervous system disorders", "2021-03"),  # first dose's month: imputed to 03-10
    ae("S-1", 2, "Nausea", "Gastrointestinal disorders", "2021-02-20"),  # before dosing
    ae("S-2", 1, "Rash", "Skin and subcutaneous tissue disorders", "2003"),  # 2003-01-01
    ae("S-2", 2, "Headache", "Nervous system disorders", "2021-04-01", "Y"),  # SUPPAE says not emergent
    ae("S-3", 1, "Fatigue", "General disorders and administration site conditions", "2021-03-20"),  # untreated
    ae("S-5", 1, "Headache", "Nervous system disorders", "2021-04-01"),  # on the first dose day
    ae("S-5", 2, "Headache", "Nervous system disorders", "2021-04-01"),  # a duplicate record
]
DS = [
    {
        "USUBJID": "S-1",
        "DSCAT": "PROTOCOL MILESTONE",
        "DSDECOD": "RANDOMIZED",
        "DSTERM": "RANDOMIZED",
        "DSSTDTC": "2021-03-05",
    },
    {
        "USUBJID": "S-1",
        "DSCAT": "DISPOSITION EVENT",
        "DSDECOD": "COMPLETED",
        "DSTERM": "COMPLETED",
        "DSSTDTC": "2021-09-10",
    },
    {
        "USUBJID": "S-2",
        "DSCAT": "DISPOSITION EVENT",
        "DSDECOD": "ADVERSE EVENT",
        "DSTERM": "Adverse event",
        "DSSTDTC": "2021-05-01",
    },
    {
        "USUBJID": "S-4",
        "DSCAT": "DISPOSITION EVENT",
        "DSDECOD": "SCREEN FAILURE",
        "DSTERM": "Screen failure",
        "DSSTDTC": "2021-02-01",
    },
]
EX = [
    {"USUBJID": "S-1", "EXTRT": "DRUG", "EXDOSE": 10, "EXDOSU": "mg", "EXSTDTC": "2021-03-10", "EXENDTC": "2021-06-10"},
    {
        "USUBJID": "S-2",
        "EXTRT": "PLACEBO",
        "EXDOSE": 0,
        "EXDOSU": "mg",
        "EXSTDTC": "2021-03-15",
        "EXENDTC": "2021-06-15",
    },
]
SUPPAE = [
    {
        "STUDYID": "S",
        "RDOMAIN": "AE",
        "USUBJID": "S-2",
        "IDVAR": "AESEQ",
        "IDVARVAL": "2",
        "QNAM": "AETRTEM",
        "QLABEL": "Treatment Emergent Flag",
        "QVAL": "N",
    }
]


def write_sdtm(folder: Path, fmt: str, **overrides: list[dict[str, object]]) -> Path:
    datasets = {"dm": DM, "ae": AE, "ds": DS, "ex": EX, "suppae": SUPPAE} | overrides
    for name, rows in datasets.items():
        write_dataset(folder, name, rows, fmt)
    return folder


@pytest.fixture(params=["xpt", "csv"])
def sdtm(request: pytest.FixtureRequest, tmp_path: Path) -> ImportedTrial:
    return load_source(write_sdtm(tmp_path / "sdtm", request.param), "sdtm-trial", control="PBO")


def test_detect_format_recognizes_sdtm_by_dm(tmp_path: Path) -> None:
    assert detect_format(write_sdtm(tmp_path, "xpt")) == "sdtm"


def test_arms_come_from_dm_without_screen_failures(sdtm: ImportedTrial) -> None:
    assert [(a.code, a.label, a.is_control) for a in sdtm.arms] == [
        ("DRUG", "Drug 10 mg", False),
        ("PBO", "Placebo", True),
    ]


@pytest.mark.parametrize(
    ("subject", "randomized", "arm", "actual", "safety", "disposition", "reason"),
    [
        ("S-1", True, "DRUG", "DRUG", True, "completed", None),
        ("S-2", True, "PBO", "PBO", True, "discontinued", "ADVERSE EVENT"),  # the coded DSDECOD
        ("S-3", True, "PBO", None, False, "ongoing", None),  # randomized, not treated
        ("S-4", False, None, None, False, "screen failure", None),
        ("S-5", True, "DRUG", "PBO", True, "ongoing", None),  # ACTARM recorded as given
    ],
)
def test_participants_from_dm_and_ds(
    sdtm: ImportedTrial,
    subject,
    randomized,
    arm,
    actual,
    safety,  # type: ignore[no-untyped-def]
    disposition,
    reason,
) -> None:
    p = next(p for p in sdtm.participants if p.subject_id == subject)
    assert (p.randomized, p.arm_code, p.actual_arm_code, p.safety_population) == (randomized, arm, actual, safety)
    assert (p.disposition, p.disposition_reason) == (disposition, reason)


def test_randomization_and_dosing_dates(sdtm: ImportedTrial) -> None:
    p = next(p for p in sdtm.participants if p.subject_id == "S-1")
    assert (p.randomization_date, p.first_dose_date, p.last_dose_date) == (
        date(2021, 3, 5),
        date(2021, 3, 10),
        date(2021, 6, 10),
    )


@pytest.mark.parametrize(
    ("subject", "seq", "start", "flag", "teae"),
    [
        ("S-1", 1, date(2021, 3, 10), "D", True),
        ("S-1", 2, date(2021, 2, 20), None, False),
        ("S-2", 1, date(2003, 1, 1), "M", False),
        ("S-2", 2, date(2021, 4, 1), None, False),  # SUPPAE.AETRTEM = N wins over the derivation
        ("S-3", 1, date(2021, 3, 20), None, False),
        ("S-5", 1, date(2021, 4, 1), None, True),
    ],
)
def test_treatment_emergence_is_derived_from_first_exposure(
    sdtm: ImportedTrial,
    subject,
    seq,
    start,
    flag,  # type: ignore[no-untyped-def]
    teae,
) -> None:
    e = next(e for e in sdtm.adverse_events if (e.subject_id, e.seq) == (subject, seq))
    assert (e.start_date, e.start_date_imputation, e.treatment_emergent) == (start, flag, teae)


def test_duplicate_records_are_kept_and_noted(sdtm: ImportedTrial) -> None:
    assert sum(e.subject_id == "S-5" for e in sdtm.adverse_events) == 2
    assert any("identical records for subject S-5 (Headache, start 2021-04-01)" in n for n in sdtm.notes)


def test_sdtm_without_a_control_option_has_no_control(tmp_path: Path) -> None:
    data = load_source(write_sdtm(tmp_path, "csv"), "t")
    assert not any(a.is_control for a in data.arms)


@pytest.mark.parametrize("fmt", ["xpt", "csv"])
def test_ae_for_a_subject_not_in_dm_names_the_row(tmp_path: Path, fmt: str) -> None:
    folder = write_sdtm(tmp_path, fmt, ae=[*AE, ae("S-9", 1, "Headache", "Nervous system disorders", "2021-04-01")])
    with pytest.raises(
        DataError,
        match=rf"^ae\.{fmt}, row {8 if fmt == 'xpt' else 9}, column USUBJID: "
        rf"subject 'S-9' is not in dm\.{fmt}",
    ):
        load_source(folder, "t")


def test_missing_ae_dataset_is_named(tmp_path: Path) -> None:
    folder = write_sdtm(tmp_path, "xpt")
    (folder / "ae.xpt").unlink()
    with pytest.raises(DataError, match=r"^ae\.xpt: the dataset is missing"):
        load_source(folder, "t")


def test_unparseable_ae_date_names_the_row(tmp_path: Path) -> None:
    bad = [*AE[:2], ae("S-2", 1, "Rash", "Skin and subcutaneous tissue disorders", "2021-02-31"), *AE[3:]]
    with pytest.raises(DataError, match=r"^ae\.csv, row 4, column AESTDTC: '2021-02-31' is not a date"):
        load_source(write_sdtm(tmp_path, "csv", ae=bad), "t")
