"""The WHO ICTRP / IRCT record: valid against the mended 2017 DTD and the XSD with every results item filled,
read back with numbers equal to the analysis, the real IRCT sample readable, hostile XML refused, and the entry
sheet's Persian text extracted from the PDF in logical order."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from registry.irct.build import build_record, study_design
from registry.irct.read import RESULTS_ITEMS, read_ictrp, read_ictrp_bytes
from registry.irct.validate import validate_record
from service.analysis import build_analysis
from service.errors import DataError
from service.importing import load_source
from tests.conftest import FIXTURES, REPO

EXAMPLE = REPO / "examples" / "msc-t1d"
BIDI_AND_JOINERS = re.compile("[\u200c\u200d\u200e\u200f\u202a-\u202e()]")


@pytest.fixture(scope="module")
def example():  # type: ignore[no-untyped-def]
    data = load_source(EXAMPLE, "msc-t1d")
    results = build_analysis(data)
    return data, results, build_record(data, results)


def test_the_example_validates_with_every_results_item_filled(example) -> None:  # type: ignore[no-untyped-def]
    _, _, built = example
    assert validate_record(built.root) == []
    assert built.warnings == []
    main = built.root.find("trial/main")
    for item in RESULTS_ITEMS:
        assert (main.findtext(item) or "").strip(), item
    assert len(main.findtext("results_summary")) <= 512
    assert main.findtext("date_registration") == "2016-08-13"  # yyyy-mm-dd, as IRCT writes dates
    assert main.findtext("study_design") == (
        "Randomization: Randomized, Blinding: Double blinded, Placebo: Used, Assignment: Parallel, Purpose: Treatment"
    )
    secondary = built.root.iterfind("trial/secondary_ids/secondary_id")
    ids = [(s.findtext("sec_id"), s.findtext("issuing_authority")) for s in secondary]
    assert ("NCT04078308", "ClinicalTrials.gov") in ids
    review = built.root.find("trial/ethics_reviews/ethics_review")
    assert "IR.ACECR.ROYAN.REC" in review.findtext("contact_name") and review.findtext("approval_date") == "2016-07-02"


def test_round_trip_numbers_equal_the_analysis(example, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, results, built = example
    path = tmp_path / "irct.xml"
    path.write_bytes(built.to_bytes())
    (trial,) = read_ictrp(path)
    assert trial.form == "2017" and trial.trial_id == "IRCT2016070428786N1"
    flow = {(r.category, r.arm): r.n for r in results["disposition"].rows}
    assert int(trial.main["results_actual_enrolment"]) == flow[("Randomized", "Total")] == 21
    assert f"randomized 21 (Mesenchymal stem cells {flow[('Randomized', 'Mesenchymal stem cells')]}, Placebo " \
           f"{flow[('Randomized', 'Placebo')]})" in trial.main["results_participant_flow"]  # fmt: skip
    events = trial.main["results_adverse_events"]
    for r in results["ae_overview"].rows:
        if r.category in ("Any TEAE", "Any serious TEAE", "Deaths (any cause)") and r.arm != "Total":
            assert f"{r.arm} {r.n_subjects}/{r.n_at_risk} ({r.percent:.1f}%)" in events, r
    outcomes = trial.main["results_outcome_measures"]
    for c in results["outcome_comparison"].rows:
        assert f"{c.estimate:.2f} (95% CI {c.ci_low:.2f} to {c.ci_high:.2f})" in outcomes, c
    for r in results["outcome_estimates"].rows:
        if r.estimate_type == "LS mean":
            assert f"{r.arm} LS mean {r.estimate:.2f} (SE {r.std_error:.2f}), n {r.n}" in outcomes, r
        if r.estimate_type == "Kaplan–Meier median" and r.estimate is None:
            assert f"{r.arm} kaplan–meier median not reached (n {r.n}, {r.n_events} events)" in outcomes, r
    assert trial.primary_outcomes == ["Stimulated C-peptide (mixed-meal tolerance test peak). Timepoint: Baseline "
                                      "and 3, 6, 9 and 12 months."]  # fmt: skip
    assert len(trial.secondary_outcomes) == 7


def test_the_real_irct_sample_and_the_2017_sample_read() -> None:
    (old,) = read_ictrp(FIXTURES / "ictrp" / "irct_IRCT138708271460N1_ictrp_2009.xml")
    assert old.trial_id == "IRCT138708271460N1" and old.form == "2009"
    assert old.main["date_registration"] == "2009-02-16"
    assert old.primary_outcomes and old.contacts
    (full,) = read_ictrp(FIXTURES / "ictrp" / "synthetic_full_trial.xml")
    assert full.form == "2017" and full.ethics_reviews


def test_irct_inline_dtd_without_entities_is_read() -> None:
    dtd = (REPO / "registry" / "irct" / "schemas" / "who_ictrp_2017.dtd").read_text()
    body = (FIXTURES / "ictrp" / "irct_IRCT138708271460N1_ictrp_2009.xml").read_text()
    body = body[body.index("<trials") :]
    (trial,) = read_ictrp_bytes(f'<?xml version="1.0"?>\n<!DOCTYPE trials [\n{dtd}\n]>\n{body}'.encode(), "inline")
    assert trial.trial_id == "IRCT138708271460N1"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<trials><trial><main>", "is not well-formed XML"),
        (b'<!DOCTYPE trials [<!ENTITY x SYSTEM "file:///etc/passwd">]><trials>&x;</trials>', "declares XML entities"),
        (b'<!DOCTYPE t [<!ENTITY a "aa"><!ENTITY b "&a;&a;&a;&a;">]><trials>&b;</trials>', "declares XML entities"),
        (b"<study/>", "the root element is <study>"),
    ],
)
def test_malformed_and_malicious_documents_give_a_clear_error(content: bytes, message: str) -> None:
    with pytest.raises(DataError, match=re.escape(message)) as raised:
        read_ictrp_bytes(content, "upload.xml")
    assert "upload.xml" in str(raised.value)


def test_validation_names_the_element_and_what_to_fix(example, tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    missing = etree.fromstring(example[2].to_bytes())
    missing.find("trial/main").remove(missing.find("trial/main/phase"))
    long = etree.fromstring(example[2].to_bytes())
    long.find("trial/main/results_summary").text = "x" * 600
    for name, root, expected in (
        ("missing", missing, ("2017 DTD, line", "element <main>", "put the elements in the order the DTD gives")),
        ("long", long, ("ICTRP XSD, line", "element <results_summary>", "shorten the text")),
    ):
        path = tmp_path / f"{name}.xml"
        path.write_bytes(etree.tostring(root))
        result = run_cli("validate", "irct", str(path))
        assert result.exit_code == 1
        for text in expected:
            assert text in result.stdout, (name, text, result.stdout)


def test_study_design_is_written_as_irct_writes_it() -> None:
    assert study_design({"randomization": "Not randomized", "purpose": "Prevention"}) == (
        "Randomization: Not randomized, Purpose: Prevention"
    )


def test_command_and_entry_sheet_with_persian_in_logical_order(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", "msc-t1d", "--source", str(EXAMPLE)).exit_code == 0
    sheet = tmp_path / "sheet.pdf"
    result = run_cli("registry", "irct", "msc-t1d", "--out", str(tmp_path / "i.xml"), "--entry-sheet", str(sheet))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "valid (2017 WHO DTD and ICTRP XSD)" in result.stdout
    assert sheet.with_suffix(".html").exists()
    text = subprocess.run(["pdftotext", str(sheet), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(BIDI_AND_JOINERS.sub("", text).split())
    # The public title as the definition writes it, without its zero-width non-joiners and parentheses.
    title = " ".join(BIDI_AND_JOINERS.sub("", "سلول‌های بنیادی مزانشیمی در دیابت نوع یک تازه تشخیص داده شده").split())
    assert title in flat
    assert " ".join(BIDI_AND_JOINERS.sub("", "بیست و یک شرکت‌کننده تصادفی‌سازی شدند").split()) in flat
    for heading in ("Titles", "Registration", "Study design", "Recruitment", "Participants", "Outcomes", "Ethics",
                    "Contacts", "Results", "IPD sharing plan"):  # fmt: skip
        assert heading in text, heading
