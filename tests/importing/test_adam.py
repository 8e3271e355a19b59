"""ADaM import: ADaM's own flags (SAFFL, TRTEMFL) decide; BDS datasets become measurements."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from service.errors import DataError
from service.importing import detect_format, load_source
from service.importing.records import ImportedTrial
from tests.cdisc import write_dataset

D = date


def adsl(
    subject: str,
    trt: str,
    trtn: float | None,
    saffl: str,
    ittfl: str,
    first: date | None,
    eos: str = "COMPLETED",
    reason: str = "",
) -> dict[str, object]:
    return {
        "STUDYID": "A",
        "USUBJID": subject,
        "AGE": 50,
        "SEX": "M",
        "TRT01P": trt,
        "TRT01PN": trtn,
        "TRT01A": trt if first else "",
        "SAFFL": saffl,
        "ITTFL": ittfl,
        "TRTSDT": first,
        "TRTEDT": first,
        "RANDDT": first,
        "EOSSTT": eos,
        "DCSREAS": reason,
    }


def adae(
    subject: str, seq: int, pt: str, soc: str, start: date, flag: str, trta: str, dtf: str = ""
) -> dict[str, object]:
    return {
        "USUBJID": subject,
        "AESEQ": seq,
        "AETERM": pt.lower(),
        "AEDECOD": pt,
        "AEBODSYS": soc,
        "AESTDTC": start.isoformat(),
        "ASTDT": start,
        "ASTDTF": dtf,
        "AESER": "N",
        "AETOXGR": "2",
        "TRTEMFL": flag,
        "TRTA": trta,
    }


ADSL = [
    adsl("A-1", "Drug", 1, "Y", "Y", D(2022, 1, 10)),
    adsl("A-2", "Placebo", 2, "Y", "Y", D(2022, 1, 12), "DISCONTINUED", "LOST TO FOLLOW-UP"),
    adsl("A-3", "Placebo", 2, "N", "Y", D(2022, 1, 15)),  # dosed, but the sponsor excluded them: SAFFL wins
    adsl("A-4", "Screen Failure", None, "N", "N", None, "", ""),
]
ADAE = [
    adae("A-1", 1, "Headache", "Nervous system disorders", D(2022, 1, 11), "Y", "Drug"),
    adae("A-1", 2, "Nausea", "Gastrointestinal disorders", D(2022, 2, 1), "", "Drug"),  # after dosing, TRTEMFL blank
    adae(
        "A-2", 1, "Rash", "Skin and subcutaneous tissue disorders", D(2022, 1, 1), "Y", "Placebo", "D"
    ),  # before dosing, TRTEMFL Y
    adae("A-3", 1, "Fatigue", "General disorders and administration site conditions", D(2022, 1, 20), "Y", "Placebo"),
]
ADLB = [
    {
        "USUBJID": "A-1",
        "PARAMCD": "HBA1C",
        "PARAM": "HbA1c (%)",
        "AVISIT": "Baseline",
        "AVISITN": 0,
        "AVAL": 8.0,
        "ABLFL": "Y",
        "ADT": D(2022, 1, 10),
    },
    {
        "USUBJID": "A-1",
        "PARAMCD": "HBA1C",
        "PARAM": "HbA1c (%)",
        "AVISIT": "Week 12",
        "AVISITN": 12,
        "AVAL": 7.5,
        "ABLFL": "",
        "ADT": D(2022, 4, 4),
    },
]
ADTTE = [{"USUBJID": "A-1", "PARAMCD": "TTAE", "AVAL": 30, "CNSR": 0}]
ADCM = [{"USUBJID": "A-1", "CMDECOD": "PARACETAMOL"}]  # an occurrence dataset: no PARAMCD, so not BDS


def write_adam(folder: Path, fmt: str, **overrides: list[dict[str, object]]) -> Path:
    for name, rows in ({"adsl": ADSL, "adae": ADAE, "adlb": ADLB, "adtte": ADTTE, "adcm": ADCM} | overrides).items():
        write_dataset(folder, name, rows, fmt)
    return folder


@pytest.fixture(params=["xpt", "csv"])
def adam(request: pytest.FixtureRequest, tmp_path: Path) -> ImportedTrial:
    return load_source(write_adam(tmp_path / "adam", request.param), "adam-trial", control="Placebo")


def test_detect_format_recognizes_adam_by_adsl(tmp_path: Path) -> None:
    assert detect_format(write_adam(tmp_path, "csv")) == "adam"


def test_arms_are_trt01p_in_trt01pn_order(adam: ImportedTrial) -> None:
    assert [(a.code, a.is_control) for a in adam.arms] == [("Drug", False), ("Placebo", True)]


@pytest.mark.parametrize(
    ("subject", "randomized", "arm", "safety", "itt", "disposition", "reason"),
    [
        ("A-1", True, "Drug", True, True, "completed", None),
        ("A-2", True, "Placebo", True, True, "discontinued", "LOST TO FOLLOW-UP"),
        ("A-3", True, "Placebo", False, True, "completed", None),
        ("A-4", False, None, False, False, "screen failure", None),
    ],
)
def test_populations_follow_the_adsl_flags(
    adam: ImportedTrial,
    subject,
    randomized,
    arm,
    safety,
    itt,  # type: ignore[no-untyped-def]
    disposition,
    reason,
) -> None:
    p = next(p for p in adam.participants if p.subject_id == subject)
    assert (p.randomized, p.arm_code, p.safety_population, p.itt_population) == (randomized, arm, safety, itt)
    assert (p.disposition, p.disposition_reason) == (disposition, reason)


@pytest.mark.parametrize(
    ("subject", "seq", "teae", "start", "flag"),
    [
        ("A-1", 1, True, D(2022, 1, 11), None),
        ("A-1", 2, False, D(2022, 2, 1), None),  # TRTEMFL blank means not flagged, whatever the dates say
        ("A-2", 1, True, D(2022, 1, 1), "D"),  # TRTEMFL = Y even before TRTSDT; ASTDT/ASTDTF taken as given
        ("A-3", 1, True, D(2022, 1, 20), None),
    ],
)
def test_treatment_emergence_follows_trtemfl_exactly(adam: ImportedTrial, subject, seq, teae, start, flag) -> None:  # type: ignore[no-untyped-def]
    e = next(e for e in adam.adverse_events if (e.subject_id, e.seq) == (subject, seq))
    assert (e.treatment_emergent, e.start_date, e.start_date_imputation) == (teae, start, flag)


def test_without_trtemfl_treatment_emergence_is_derived(tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "TRTEMFL"} for r in ADAE]
    data = load_source(write_adam(tmp_path, "csv", adae=rows), "t")
    assert [e.treatment_emergent for e in data.adverse_events] == [True, True, False, True]


def test_bds_datasets_become_measurements_and_others_are_noted(adam: ImportedTrial) -> None:
    # ADLB is laboratory data: all of it in the safety frame, and as measurements only what trial.toml names.
    assert [(m.parameter, m.visit, m.value, m.censored) for m in adam.measurements] == [("TTAE", "", 30.0, False)]
    assert adam.labs is not None and list(adam.labs["aval"]) == [8.0, 7.5]
    assert any(n.startswith("adcm.") and "not imported" in n for n in adam.notes)
    assert not any(n.startswith("adtte.") for n in adam.notes)


@pytest.mark.parametrize("fmt", ["xpt", "csv"])
def test_a_laboratory_parameter_an_outcome_names_is_also_a_measurement(tmp_path: Path, fmt: str) -> None:
    folder = write_adam(tmp_path / "adam", fmt)
    (folder / "trial.toml").write_text('[[outcomes]]\nparameter = "HBA1C"\n', encoding="utf-8")
    data = load_source(folder, "adam-trial", control="Placebo")
    assert [
        (m.parameter, m.parameter_label, m.visit, m.visit_number, m.value, m.baseline, m.measured_on)
        for m in data.measurements
    ] == [
        ("HBA1C", "HbA1c (%)", "Baseline", 0, 8.0, True, D(2022, 1, 10)),
        ("HBA1C", "HbA1c (%)", "Week 12", 12, 7.5, False, D(2022, 4, 4)),
        ("TTAE", "TTAE", "", None, 30.0, False, None),
    ]
    assert [(m.dataset, m.censored) for m in data.measurements] == [("ADLB", None), ("ADLB", None), ("ADTTE", False)]
    assert data.labs is not None and list(data.labs["paramcd"]) == ["HBA1C", "HBA1C"]


@pytest.mark.parametrize("fmt", ["xpt", "csv"])
def test_unknown_trta_names_the_row(tmp_path: Path, fmt: str) -> None:
    rows = [*ADAE[:1], {**ADAE[1], "TRTA": "Drug 20 mg"}, *ADAE[2:]]
    row = 2 if fmt == "xpt" else 3
    with pytest.raises(DataError, match=rf"^adae\.{fmt}, row {row}, column TRTA: unknown arm 'Drug 20 mg'"):
        load_source(write_adam(tmp_path, fmt, adae=rows), "t")


def test_duplicate_subject_in_adsl_names_both_rows(tmp_path: Path) -> None:
    with pytest.raises(
        DataError, match=r"^adsl\.csv, row 6, column USUBJID: subject 'A-1' appears twice \(first in row 2\)"
    ):
        load_source(write_adam(tmp_path, "csv", adsl=[*ADSL, ADSL[0]]), "t")


def test_missing_column_is_named(tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "AEBODSYS"} for r in ADAE]
    with pytest.raises(DataError, match=r"^adae\.xpt, column AEBODSYS: required column is missing"):
        load_source(write_adam(tmp_path, "xpt", adae=rows), "t")


@pytest.mark.parametrize("fmt", ["xpt", "csv"])
def test_a_negative_adtte_time_is_refused_at_its_row(tmp_path: Path, fmt: str) -> None:
    # ADaMIG ADTTE: AVAL is the time from the origin (STARTDT) to the event or censoring, so never below 0.
    folder = write_adam(tmp_path / "adam", fmt, adtte=[{"USUBJID": "A-1", "PARAMCD": "TTAE", "AVAL": -30, "CNSR": 0}])
    with pytest.raises(DataError) as raised:
        load_source(folder, "adam-trial", control="Placebo")
    assert str(raised.value).splitlines()[0] == (
        f"adtte.{fmt}, row {1 if fmt == 'xpt' else 2}, column AVAL: {'-30.0' if fmt == 'xpt' else '-30'} is below the "
        "smallest allowed value, 0"
    )
