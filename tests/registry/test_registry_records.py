"""Registry records read back into one view: real public records of several trials in each format, and the
refusals (malformed, huge, entity-declaring) with exit 2."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from registry.ctgov.read import read_ctgov_bytes
from registry.irct.read import ictrp_view, read_ictrp
from service.errors import DataError

RECORDS = Path(__file__).resolve().parent.parent / "fixtures" / "registry"
ICTRP = Path(__file__).resolve().parent.parent / "fixtures" / "ictrp"


def read(name: str):  # type: ignore[no-untyped-def]
    return read_ctgov_bytes((RECORDS / name).read_bytes(), name)


def test_api_v2_observational_record() -> None:
    view = read("NCT06171568.json")
    assert (view.primary_id, view.source_format) == ("NCT06171568", "ClinicalTrials.gov API v2 JSON")
    assert view.ids == ("APHP230528", "2023-A00386-39") and view.acronym == "ECOG"
    assert (view.status, view.enrollment, view.enrollment_type) == ("Not yet recruiting", 400, "Estimated")
    assert view.primary_completion is not None and view.primary_completion.value == date(2025, 2, 1)
    assert view.primary_completion.type == "Estimated" and view.arms == () and view.phase == ""
    assert [o.type for o in view.outcomes] == ["primary"] + ["secondary"] * 7
    assert (view.sex, view.minimum_age, view.maximum_age, view.results) == ("All", "18 Years", "", None)


def test_api_v2_interventional_record_with_four_arms() -> None:
    view = read("NCT04207047.json")
    assert (view.status, view.phase, view.enrollment, view.enrollment_type) == ("Unknown", "N/A", 3, "Actual")
    assert [a.title for a in view.arms] == ["Group A", "Group B", "Group C", "Group D"]
    assert {a.type for a in view.arms} == {"Experimental"}
    assert view.interventions == ("Genius", "eC02", "PicoPlus", "LaseMD", "LaseMD Flex")
    assert view.start is not None and (view.start.value, view.start.type) == (date(2018, 10, 2), "Actual")
    assert view.completion is not None and view.completion.type == "Estimated"
    assert view.outcomes[0].title == "Primary Outcome" and view.outcomes[0].time_frame == "14 days"


def test_legacy_public_xml_without_results() -> None:
    view = read("NCT00000102.xml")
    assert (view.primary_id, view.source_format) == ("NCT00000102", "ClinicalTrials.gov public XML")
    assert view.ids == ("NCRR-M01RR01070-0506", "M01RR001070")
    assert (view.status, view.phase, view.enrollment) == ("Completed", "Phase 1/Phase 2", None)
    assert view.interventions == ("Nifedipine",) and (view.minimum_age, view.maximum_age) == ("14 Years", "35 Years")
    assert view.results is None


def test_legacy_public_xml_with_posted_results() -> None:
    view = read("NCT00183339.xml")
    assert (view.enrollment, view.enrollment_type, view.phase) == (18, "Actual", "Phase 2")
    assert view.primary_completion is not None and view.primary_completion.text == "February 2008"
    assert view.primary_completion.precision == "month" and view.primary_completion.same_as(date(2008, 2, 27))
    assert [a.title for a in view.arms] == ["Placebo", "fluoxetine"]
    assert (view.minimum_age, view.maximum_age) == ("30 Months", "58 Months")
    results = view.results
    assert results is not None
    assert results.started == {"Placebo": 10, "Fluoxetine": 8} and results.completed == {"Placebo": 4, "Fluoxetine": 4}
    assert results.baseline_n == {"Placebo": 10, "Fluoxetine": 8, "Total": 18}
    assert results.serious_affected == {"Placebo": (1, 10), "Fluoxetine": (0, 8)}
    assert results.other_affected == {"Placebo": (9, 10), "Fluoxetine": (7, 8)}


def test_prs_record_download() -> None:
    view = read("prs-1234.xml")
    assert (view.source_format, view.primary_id, view.acronym) == ("PRS record download", "1234", "TEST")
    assert (view.status, view.phase, view.enrollment, view.enrollment_type) == ("Completed", "Phase 2", 400, "Actual")
    assert view.primary_completion is not None and view.primary_completion.value == date(2021, 1, 1)
    assert [(a.title, a.type) for a in view.arms] == [("Control", "No Intervention"), ("Ritazarem", "Experimental")]
    assert view.results is not None and view.results.groups == ("Control", "Ritazarem")


def test_irct_record_2009_form() -> None:
    (trial,) = read_ictrp(ICTRP / "irct_IRCT138708271460N1_ictrp_2009.xml")
    view = ictrp_view(trial)
    assert (view.primary_id, view.source_format) == ("IRCT138708271460N1", "WHO ICTRP XML (2009 form)")
    assert view.ids == ("NCT00839085",) and (view.status, view.phase) == ("Complete", "2-3")
    assert (view.enrollment, view.enrollment_type) == (75, "Anticipated")
    assert [a.title for a in view.arms] == ["Control Group: without intervention", "Grape Seed Extract 100 mg/6h",
                                            "Vit C 25 mg/kg"]  # fmt: skip
    assert view.start is not None and view.start.value == date(2008, 11, 1)


def test_ictrp_record_2017_form_dates_day_first() -> None:
    (trial,) = read_ictrp(ICTRP / "synthetic_full_trial.xml")
    view = ictrp_view(trial)
    assert view.source_format == "WHO ICTRP XML (2017 form)" and view.enrollment_type == "Actual"
    # The WHO DTD writes dates dd/mm/yyyy: 01/02/2026 is the first of February.
    assert view.start is not None and view.start.value == date(2026, 2, 1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<clinical_study><id_info>", "not well-formed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><clinical_study>&e;'
            b"</clinical_study>",
            "declares XML entities",
        ),
        (b'{"protocolSection": ', "not valid JSON"),
        (b'{"studies": []}', "holds 0 studies"),
        (b'{"FullStudiesResponse": {}}', "retired API"),
        (b"<html><body>Not found</body></html>", "not a ClinicalTrials.gov record"),
        (b'{"protocolSection": {"identificationModule": {}}}', "has no identificationModule.nctId"),
    ],
)
def test_bad_records_are_refused_with_the_reason(content: bytes, message: str) -> None:
    with pytest.raises(DataError, match=message):
        read_ctgov_bytes(content, "record")


def test_a_huge_record_is_refused_before_it_is_parsed() -> None:
    from registry.xmlsafe import MAX_BYTES

    with pytest.raises(DataError, match="is larger than"):
        read_ctgov_bytes(b"{" + b" " * MAX_BYTES + b"}", "huge.json")


def test_a_second_prs_download_the_example_trials_own() -> None:
    from tests.registry.test_ctgov import PRS_RECORD

    view = read_ctgov_bytes(PRS_RECORD.encode(), "record.xml")
    assert (view.primary_id, view.ids) == ("MSC-T1D-DEMO", ("MSC-T1D-DEMO", "IRCT2016070428786N1"))
    assert (view.acronym, view.status, view.results) == ("MSC-T1D", "Completed", None)
