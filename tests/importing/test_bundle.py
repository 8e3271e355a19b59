"""The tiny trial's bundle, read into records; expectations worked out by hand from the CSV files."""

from datetime import date
from pathlib import Path

import pytest

from service.importing import detect_format, load_source
from service.importing.records import ImportedTrial
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def tiny_data() -> ImportedTrial:
    return load_source(FIXTURES / "tiny", "tiny")


def test_detect_format_recognizes_a_bundle_by_participants_csv() -> None:
    assert detect_format(FIXTURES / "tiny") == "bundle"


def test_arms_come_from_the_definition_with_its_control(tiny_data: ImportedTrial) -> None:
    assert [(a.code, a.label, a.arm_type, a.is_control) for a in tiny_data.arms] == [
        ("ACT", "Active", "Experimental", False),
        ("PBO", "Placebo", "Placebo Comparator", True),
    ]


def test_control_option_overrides_the_definition() -> None:
    data = load_source(FIXTURES / "tiny", "tiny", control="Active")
    assert [a.code for a in data.arms if a.is_control] == ["ACT"]


@pytest.mark.parametrize(
    ("subject", "randomized", "arm", "actual", "safety", "itt", "disposition"),
    [
        ("T-01", True, "ACT", "ACT", True, True, "completed"),
        ("T-02", True, "ACT", "ACT", True, True, "discontinued"),  # arm given by its label
        ("T-03", True, "PBO", "PBO", True, True, "completed"),
        ("T-04", True, "PBO", None, False, True, "discontinued"),  # randomized, never treated
        ("T-05", False, None, None, False, False, "screen failure"),
    ],
)
def test_participants_get_arms_and_populations(
    tiny_data: ImportedTrial,
    subject,
    randomized,
    arm,
    actual,  # type: ignore[no-untyped-def]
    safety,
    itt,
    disposition,
) -> None:
    person = next(p for p in tiny_data.participants if p.subject_id == subject)
    assert (person.randomized, person.arm_code, person.actual_arm_code) == (randomized, arm, actual)
    assert (person.safety_population, person.itt_population, person.disposition) == (safety, itt, disposition)


@pytest.mark.parametrize(
    ("seq", "start", "flag", "teae"),
    [
        (1, date(2020, 1, 12), None, True),  # on the first dose day (2020-01-12)
        (2, date(2020, 2, 3), None, True),  # the same PT again: a second record
        (3, date(2020, 1, 12), "D", True),  # "2020-01", the first dose's month: imputed to the first dose
        (4, date(2020, 1, 30), None, True),
        (5, date(2020, 1, 5), None, False),  # before T-03's first dose (2020-01-21)
        (6, date(2019, 1, 1), "M", False),  # "2019": 1 January 2019, before dosing
        (7, date(2020, 2, 10), None, False),  # T-04 was never treated
    ],
)
def test_adverse_events_are_dated_and_flagged(tiny_data: ImportedTrial, seq, start, flag, teae) -> None:  # type: ignore[no-untyped-def]
    event = next(e for e in tiny_data.adverse_events if e.seq == seq)
    assert (event.start_date, event.start_date_imputation, event.treatment_emergent) == (start, flag, teae)


def test_adverse_event_keeps_the_raw_dates_and_coding(tiny_data: ImportedTrial) -> None:
    nausea = next(e for e in tiny_data.adverse_events if e.seq == 3)
    assert (nausea.start_date_raw, nausea.end_date_raw, nausea.end_date) == ("2020-01", None, None)
    serious = next(e for e in tiny_data.adverse_events if e.seq == 4)
    assert (serious.pt_name, serious.soc_name, serious.verbatim) == (
        "Hypersensitivity",
        "Immune system disorders",
        "allergic reaction",
    )
    assert (serious.serious, serious.serious_hospitalization, serious.ctcae_grade, serious.severity) == (
        True,
        True,
        3,
        "SEVERE",
    )
    assert serious.action_taken == "DRUG WITHDRAWN"


def test_missing_severity_stays_missing(tiny_data: ImportedTrial) -> None:
    assert next(e for e in tiny_data.adverse_events if e.seq == 6).severity is None


def test_measurements_keep_missing_values_and_baseline_flags(tiny_data: ImportedTrial) -> None:
    values = [(m.subject_id, m.visit, m.value, m.baseline) for m in tiny_data.measurements]
    assert values == [
        ("T-01", "Baseline", 8.1, True),
        ("T-01", "Month 3", 7.4, False),
        ("T-03", "Baseline", 8.8, True),
        ("T-03", "Month 3", None, False),
    ]


def test_notes_report_the_imputed_dates(tiny_data: ImportedTrial) -> None:
    assert tiny_data.notes == ("adverse_events.csv: 2 partial AE start date(s) imputed (see README, 'Partial dates')",)


def test_duplicate_ae_records_are_kept_and_noted(tiny: Path) -> None:
    path = tiny / "adverse_events.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[2].replace("2,T-01", "8,T-01", 1)]) + "\n")
    data = load_source(tiny, "tiny")
    headaches = [e for e in data.adverse_events if e.subject_id == "T-01" and e.pt_name == "Headache"]
    assert len(headaches) == 3
    assert any("rows 3, 9 are identical records for subject T-01 (Headache, start 2020-02-03)" in n for n in data.notes)


def test_first_dose_is_taken_from_exposure_when_not_given(tiny: Path) -> None:
    path = tiny / "participants.csv"
    path.write_text(path.read_text().replace("2020-01-10,2020-01-12,2020-03-12", "2020-01-10,,"))
    (tiny / "exposure.csv").write_text(
        "subject_id,treatment,dose,dose_unit,start_date,end_date\n"
        "T-01,Active,1,mg,2020-01-12,2020-01-12\nT-01,Active,1,mg,2020-03-12,2020-03-12\n"
    )
    person = next(p for p in load_source(tiny, "tiny").participants if p.subject_id == "T-01")
    assert (person.first_dose_date, person.last_dose_date, person.safety_population) == (
        date(2020, 1, 12),
        date(2020, 3, 12),
        True,
    )
