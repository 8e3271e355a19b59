"""Safety data as the standards define them, each rule on data in which its contradiction is present: fatal and
hospitalised AEs recorded AESER = N, discontinuation for an AE known only from the disposition, causality values
the SAP may or may not count as related, and screen failures a source does not carry.

One small trial (two arms, four treated participants) written as ADaM (xpt and csv), SDTM and a bundle. Every
expected number is counted by hand from STORY below.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from service.analysis import build_analysis
from service.errors import DataError
from service.importing import load_source
from service.importing.records import ImportedTrial
from service.reports.figures import consort_diagram
from service.results import NOT_COLLECTED, TOTAL, AnalysisResults
from tests.cdisc import write_dataset

D = date
FIRST = D(2022, 1, 10)
ARMS = {"DRG": "Drug", "PBO": "Placebo"}
# subject: arm, coded reason for discontinuing ("" = completed), DSRAEFL
PEOPLE = {
    "P-1": ("DRG", "ADVERSE EVENT", ""),
    "P-2": ("DRG", "", ""),
    "P-3": ("PBO", "", "Y"),  # ADaM: discontinued for an AE by DSRAEFL alone (no coded reason)
    "P-4": ("PBO", "DEATH", ""),
}
# (subject, seq, term, soc, AESER, criteria set to Y, AEOUT, AEREL)
STORY = [
    # AESER = N with AESDTH = Y: fatal, and a contradiction
    ("P-1", 1, "Myocardial infarction", "Cardiac disorders", "N", ("AESDTH",), "FATAL", "PROBABLE"),
    # AESER = N with AESHOSP = Y: a contradiction
    ("P-2", 1, "Pneumonia", "Infections and infestations", "N", ("AESHOSP",), "RECOVERED/RESOLVED", "REMOTE"),
    ("P-3", 1, "Headache", "Nervous system disorders", "Y", ("AESHOSP",), "RECOVERED/RESOLVED", "NONE"),
    ("P-4", 1, "Nausea", "Gastrointestinal disorders", "N", (), "RECOVERED/RESOLVED", "UNASSESSABLE"),
    # fatal by its outcome alone: no criterion, AESER = N
    ("P-4", 2, "Sudden death", "General disorders and administration site conditions", "N", (), "FATAL", ""),
]
CRITERIA = ("AESDTH", "AESLIFE", "AESHOSP", "AESDISAB", "AESCONG", "AESMIE")
BUNDLE_CRITERIA = dict(zip(CRITERIA, ("sae_death", "sae_life_threatening", "sae_hospitalization", "sae_disability",
                                      "sae_congenital_anomaly", "sae_other"), strict=True))  # fmt: skip
DEFINITION = """
[[arms]]
code = "DRG"
label = "Drug"
type = "Experimental"

[[arms]]
code = "PBO"
label = "Placebo"
type = "Placebo Comparator"
control = true
"""


def write_adam(folder: Path, fmt: str, safety: str = "", screen_failure: bool = False) -> Path:
    """The CDISC pilot's shape: no EOSSTT, the coded reason in DCREASCD, DSRAEFL; ADAE without AEACN."""
    adsl = [
        {"USUBJID": s, "AGE": 50, "SEX": "F", "TRT01P": ARMS[arm], "TRT01PN": 1 if arm == "DRG" else 0,
         "TRT01A": ARMS[arm], "SAFFL": "Y", "ITTFL": "Y", "TRTSDT": FIRST, "TRTEDT": FIRST, "RANDDT": FIRST,
         "DCREASCD": reason.title() if reason else "" if flag else "Completed", "DSRAEFL": flag}
        for s, (arm, reason, flag) in PEOPLE.items()
    ]  # fmt: skip
    if screen_failure:
        adsl.append({"USUBJID": "P-9", "AGE": 40, "SEX": "M", "TRT01P": "Screen Failure", "TRT01PN": None,
                     "TRT01A": "", "SAFFL": "N", "ITTFL": "N", "TRTSDT": None, "TRTEDT": None, "RANDDT": None,
                     "DCREASCD": "Screen Failure", "DSRAEFL": ""})  # fmt: skip
    adae = [
        {"USUBJID": s, "AESEQ": seq, "AETERM": pt.lower(), "AEDECOD": pt, "AEBODSYS": soc, "ASTDT": D(2022, 2, seq),
         "AESTDTC": D(2022, 2, seq).isoformat(), "TRTEMFL": "Y", "AESER": ser, "AEOUT": out, "AEREL": rel,
         **{c: "Y" if c in criteria else "N" for c in CRITERIA}}
        for s, seq, pt, soc, ser, criteria, out, rel in STORY
    ]  # fmt: skip
    write_dataset(folder, "adsl", adsl, fmt)
    write_dataset(folder, "adae", adae, fmt)
    (folder / "trial.toml").write_text(safety, encoding="utf-8")
    return folder


def write_sdtm(folder: Path, safety: str = "", screen_failure: bool = False) -> Path:
    """DM (a screen failure as ARMCD SCRNFAIL where asked), DS with DSDECOD, AE without AEACN."""
    people = dict(PEOPLE)
    if screen_failure:
        people["P-9"] = ("SCRNFAIL", "SCREEN FAILURE", "")
    dm = [{"USUBJID": s, "AGE": 50, "SEX": "F", "ARMCD": arm, "ARM": ARMS.get(arm, "Screen Failure"),
           "RFXSTDTC": FIRST.isoformat() if arm in ARMS else "", "RFXENDTC": FIRST.isoformat() if arm in ARMS else ""}
          for s, (arm, _, _) in people.items()]  # fmt: skip
    ds = [{"USUBJID": s, "DSCAT": "DISPOSITION EVENT", "DSDECOD": reason or "COMPLETED", "DSSTDTC": "2022-06-01"}
          for s, (_, reason, _) in people.items()]  # fmt: skip
    ae = [
        {"USUBJID": s, "AESEQ": seq, "AETERM": pt.lower(), "AEDECOD": pt, "AEBODSYS": soc,
         "AESTDTC": D(2022, 2, seq).isoformat(), "AESER": ser, "AEOUT": out, "AEREL": rel,
         **{c: "Y" if c in criteria else "N" for c in CRITERIA}}
        for s, seq, pt, soc, ser, criteria, out, rel in STORY
    ]  # fmt: skip
    for name, rows in (("dm", dm), ("ds", ds), ("ae", ae)):
        write_dataset(folder, name, rows, "xpt")
    (folder / "trial.toml").write_text(safety, encoding="utf-8")
    return folder


def write_bundle(folder: Path, safety: str = "") -> Path:
    folder.mkdir(parents=True)
    (folder / "trial.toml").write_text(DEFINITION + safety, encoding="utf-8")
    lines = ["subject_id,arm,age,sex,randomization_date,first_dose_date,disposition,disposition_reason"]
    lines += [f"{s},{arm},50,F,{FIRST},{FIRST},{'discontinued' if reason else 'completed'},{reason.lower()}"
              for s, (arm, reason, _) in PEOPLE.items()]  # fmt: skip
    (folder / "participants.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    header = "subject_id,ae_id,verbatim_term,pt,soc,start_date,serious," + ",".join(BUNDLE_CRITERIA.values())
    rows = [header + ",outcome,relationship"]
    for s, seq, pt, soc, ser, criteria, out, rel in STORY:
        flags = ",".join("Y" if c in criteria else "N" for c in CRITERIA)
        rows.append(f"{s},{seq},{pt.lower()},{pt},{soc},{D(2022, 2, seq)},{ser},{flags},{out},{rel}")
    (folder / "adverse_events.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


SOURCES = ["adam-xpt", "adam-csv", "sdtm", "bundle"]


def load(kind: str, folder: Path, safety: str = "", **options: Any) -> ImportedTrial:
    if kind.startswith("adam"):
        return load_source(write_adam(folder, kind[5:], safety, **options), "t", "adam", control="Placebo")
    if kind == "sdtm":
        return load_source(write_sdtm(folder, safety, **options), "t", "sdtm", control="PBO")
    return load_source(write_bundle(folder, safety), "t", "bundle")


def overview(results: AnalysisResults, category: str) -> dict[str, Any]:
    return {r.arm: r.n_subjects for r in results["ae_overview"].rows if r.category == category}


# --- seriousness -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", SOURCES)
def test_a_criterion_with_aeser_n_is_named_in_the_import_notes(kind: str, tmp_path: Path) -> None:
    data = load(kind, tmp_path / kind)
    notes = [n for n in data.notes if "seriousness criterion" in n]
    assert len(notes) == 1, data.notes
    death, hospital, serious = ("sae_death", "sae_hospitalization", "serious") if kind == "bundle" else (
        "AESDTH", "AESHOSP", "AESER")  # fmt: skip
    # P-1 (death) and P-2 (hospitalisation); P-3's hospitalisation is flagged serious, so no contradiction.
    assert "2 AE record(s) of 2 participant(s)" in notes[0]
    assert f"({serious} = N)" in notes[0]
    assert f"{death} = Y: 1, {hospital} = Y: 1" in notes[0]
    assert "participants P-1, P-2." in notes[0]


@pytest.mark.parametrize("kind", SOURCES)
def test_by_default_aeser_decides_and_the_tables_say_so(kind: str, tmp_path: Path) -> None:
    results = build_analysis(load(kind, tmp_path / kind))
    assert overview(results, "Any serious TEAE") == {"Drug": 0, "Placebo": 1, TOTAL: 1}  # P-3 only
    serious_pts = {(r.pt, r.arm) for r in results["ae_soc_pt_serious"].rows if r.level == "pt" and r.n_subjects}
    assert serious_pts == {("Headache", "Placebo"), ("Headache", TOTAL)}
    assert [r.subject_id for r in results["listing_serious"].rows] == ["P-3"]
    for table in ("ae_overview", "ae_soc_pt_serious", "ae_registry_serious", "listing_serious"):
        notes = [n for n in results[table].footnotes if n.startswith("Data quality:")]
        assert len(notes) == 1, (table, results[table].footnotes)
        assert "2 AE record(s) of 2 participant(s) (P-1, P-2)" in notes[0]
        assert "results in death (AESDTH) 1, hospitalisation (AESHOSP) 1" in notes[0]
        assert "counted as not serious, as AESER gives" in notes[0]


@pytest.mark.parametrize("kind", SOURCES)
def test_fatal_aes_count_among_the_deaths_whatever_aeser_says(kind: str, tmp_path: Path) -> None:
    results = build_analysis(load(kind, tmp_path / kind))
    # P-1: AESDTH = Y, AEOUT = FATAL, AESER = N; P-4: AEOUT = FATAL alone. Nobody has a death date.
    assert overview(results, "Deaths (any cause)") == {"Drug": 1, "Placebo": 1, TOTAL: 2}
    assert overview(results, "TEAE leading to death") == {"Drug": 1, "Placebo": 1, TOTAL: 2}
    assert [(r.subject_id, r.cause) for r in results["listing_deaths"].rows] == [
        ("P-1", "Myocardial infarction"), ("P-4", "Sudden death")]  # fmt: skip
    assert {r.arm: r.n_deaths for r in results["ae_registry_mortality"].rows} == {"Drug": 1, "Placebo": 1}


@pytest.mark.parametrize("kind", SOURCES)
def test_seriousness_by_criteria_makes_every_criterion_serious(kind: str, tmp_path: Path) -> None:
    results = build_analysis(load(kind, tmp_path / kind, '[safety]\nseriousness = "criteria"\n'))
    assert overview(results, "Any serious TEAE") == {"Drug": 2, "Placebo": 1, TOTAL: 3}  # P-1, P-2; P-3
    assert overview(results, "Serious TEAE: results in death") == {"Drug": 1, "Placebo": 0, TOTAL: 1}
    assert [(r.subject_id, r.serious) for r in results["listing_serious"].rows] == [
        ("P-1", True), ("P-2", True), ("P-3", True)]  # fmt: skip
    registry = {(r.pt, r.arm): r.n_affected for r in results["ae_registry_serious"].rows}
    assert registry[("Myocardial infarction", "Drug")] == registry[("Pneumonia", "Drug")] == 1
    assert any("counted as serious, by their criteria" in n for n in results["ae_soc_pt_serious"].footnotes)


def test_the_stored_snapshot_gives_the_same_serious_tables(tmp_path: Path, db_url: str) -> None:
    """The stored path reads every AE as frame columns and full records only for the listed ones: the AEs that
    meet a criterion must be among them, or the criteria listing would lose them."""
    from datetime import UTC, datetime

    from service.db import open_database
    from service.snapshots import store_snapshot
    from service.trialdata import read_snapshot

    data = load("sdtm", tmp_path / "s", '[safety]\nseriousness = "criteria"\n')
    engine = open_database(db_url)
    snapshot = store_snapshot(engine, data, now=datetime.now(UTC)).snapshot
    stored, frame = read_snapshot(engine, snapshot, listed_only=True)
    results = build_analysis(stored, ae_frame=frame)
    assert [r.subject_id for r in results["listing_serious"].rows] == ["P-1", "P-2", "P-3"]
    assert overview(results, "Any serious TEAE")[TOTAL] == 3


# --- discontinuation for an AE from the disposition --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["adam-xpt", "adam-csv", "sdtm", "bundle"])
def test_without_aeacn_discontinuation_for_an_ae_comes_from_the_disposition(kind: str, tmp_path: Path) -> None:
    results = build_analysis(load(kind, tmp_path / kind))
    assert overview(results, "TEAE leading to discontinuation of study treatment")[TOTAL] is NOT_COLLECTED
    # P-1 (coded reason ADVERSE EVENT); P-3 by DSRAEFL = Y in ADaM only (the others give P-3 as completed).
    expected = {"Drug": 1, "Placebo": 1, TOTAL: 2} if kind.startswith("adam") else {"Drug": 1, "Placebo": 0, TOTAL: 1}
    row = "Discontinued the study because of an adverse event (disposition)"
    assert overview(results, row) == expected
    note = next(n for n in results["ae_overview"].footnotes if n.startswith(row))
    source = {"adam": "DCREASCD", "sdtm": "DSDECOD", "bundle": "disposition_reason"}[kind.split("-")[0]]
    assert source in note and "no AE record gives the action taken" in note


def test_dsraefl_contradicting_the_coded_reason_is_noted(tmp_path: Path) -> None:
    folder = write_adam(tmp_path / "a", "csv")
    import pandas as pd

    adsl = pd.read_csv(folder / "adsl.csv")
    adsl.loc[adsl["USUBJID"] == "P-4", "DSRAEFL"] = "Y"  # P-4's coded reason is DEATH
    adsl.to_csv(folder / "adsl.csv", index=False)
    data = load_source(folder, "t", "adam", control="Placebo")
    assert "adsl.csv: 1 participant(s) with DSRAEFL = Y give another coded reason for discontinuing (P-4)" in " ".join(
        data.notes
    )


def test_aeacn_when_collected_is_what_counts(tmp_path: Path) -> None:
    folder = write_sdtm(tmp_path / "s")
    import pyreadstat

    ae, _ = pyreadstat.read_xport(str(folder / "ae.xpt"))
    ae["AEACN"] = ["DRUG WITHDRAWN", "DOSE NOT CHANGED", "DOSE NOT CHANGED", "DOSE NOT CHANGED", "NOT APPLICABLE"]
    pyreadstat.write_xport(ae, str(folder / "ae.xpt"), table_name="AE", file_format_version=5)
    results = build_analysis(load_source(folder, "t", "sdtm", control="PBO"))
    assert overview(results, "TEAE leading to discontinuation of study treatment") == {
        "Drug": 1, "Placebo": 0, TOTAL: 1}  # fmt: skip
    assert not overview(results, "Discontinued the study because of an adverse event (disposition)")


# --- relatedness -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", SOURCES)
def test_remote_and_none_are_not_related_by_default(kind: str, tmp_path: Path) -> None:
    data = load(kind, tmp_path / kind)
    results = build_analysis(data)
    # P-1 PROBABLE; P-2 REMOTE and P-3 NONE not related; P-4 UNASSESSABLE (unclassified) and a missing one.
    assert overview(results, "Any related TEAE") == {"Drug": 1, "Placebo": 1, TOTAL: 2}
    related = {r.n_events for r in results["ae_overview"].rows if r.category == "Any related TEAE" and r.arm == TOTAL}
    assert related == {3}
    notes = results["ae_soc_pt_related"].footnotes
    assert any("PROBABLE" in n and "the default" in n and "Not related:" in n and "REMOTE" in n for n in notes)
    assert any("neither list, counted as related: UNASSESSABLE (1 record(s))" in n for n in notes)
    assert any("'UNASSESSABLE' (1 record(s))" in n and "counted as related" in n for n in data.notes), data.notes


@pytest.mark.parametrize("kind", SOURCES)
def test_a_declared_mapping_decides_relatedness(kind: str, tmp_path: Path) -> None:
    safety = '[safety]\nrelated = ["probable", "Remote", "UNASSESSABLE"]\n'
    data = load(kind, tmp_path / kind, safety)
    results = build_analysis(data)
    assert overview(results, "Any related TEAE") == {"Drug": 2, "Placebo": 1, TOTAL: 3}  # P-2's REMOTE now related
    notes = results["ae_soc_pt_related"].footnotes
    assert any("PROBABLE, REMOTE, UNASSESSABLE (as trial.toml's [safety] related declares)" in n for n in notes)
    assert not any("neither list, counted as related" in n for n in notes)
    assert not any("counted as related (conservative)" in n for n in data.notes)


@pytest.mark.parametrize(
    ("section", "key", "message"),
    [
        ('seriousness = "investigator"', "safety.seriousness", "seriousness is 'investigator'"),
        ("related = []", "safety.related", r"related is \[\]"),
        ('related = "POSSIBLE"', "safety.related", "related is 'POSSIBLE'"),
        ('related = ["POSSIBLE", ""]', "safety.related", "related is"),
    ],
)
def test_bad_safety_rules_name_their_key(tmp_path: Path, section: str, key: str, message: str) -> None:
    with pytest.raises(DataError, match=message) as raised:
        load("bundle", tmp_path / "b", f"[safety]\n{section}\n")
    assert raised.value.column == key and raised.value.file == "trial.toml"


# --- screen failures -------------------------------------------------------------------------------------------


def screening(results: AnalysisResults) -> dict[str, Any]:
    return {r.category: r.n for r in results["disposition"].rows if r.arm == TOTAL and r.n_arm is None}


@pytest.mark.parametrize("kind", ["adam-xpt", "sdtm"])
def test_screen_failures_the_data_do_not_carry_are_not_zero(kind: str, tmp_path: Path) -> None:
    results = build_analysis(load(kind, tmp_path / kind))
    assert screening(results) == {"Screened": NOT_COLLECTED, "Screen failure": NOT_COLLECTED,
                                  "Not randomized": NOT_COLLECTED}  # fmt: skip
    assert any(n.startswith("Screened, screen failures and not randomized: not in these data")
               for n in results["disposition"].footnotes)  # fmt: skip
    assert {r.n_screened for r in results["enrollment_by_site"].rows if r.arm == TOTAL} == {NOT_COLLECTED}
    text = str(consort_diagram(results["disposition"].rows, ["Drug", "Placebo", TOTAL], {}))
    assert "Assessed for eligibility:</text>" in text and text.count(">not in these data</text>") == 2
    assert "Screen failure:" not in text and "Assessed for eligibility (n =" not in text


@pytest.mark.parametrize("kind", ["adam-csv", "sdtm"])
def test_screen_failures_in_the_data_are_counted(kind: str, tmp_path: Path) -> None:
    results = build_analysis(load(kind, tmp_path / kind, screen_failure=True))
    assert screening(results) == {"Screened": 5, "Screen failure": 1, "Not randomized": 1}
    assert {r.n_screened for r in results["enrollment_by_site"].rows if r.arm == TOTAL} == {5}
    assert not any("not in these data" in n for n in results["disposition"].footnotes)


def test_a_bundle_carries_its_screen_failures_so_none_is_zero(tmp_path: Path) -> None:
    results = build_analysis(load("bundle", tmp_path / "b"))
    assert screening(results) == {"Screened": 4, "Screen failure": 0, "Not randomized": 0}


def test_the_irct_results_text_says_screening_is_not_in_the_data(tmp_path: Path) -> None:
    from registry.irct.build import results_texts

    data = load("adam-csv", tmp_path / "a")
    texts = results_texts(data, build_analysis(data))
    flow = next(text for text in texts.values() if "randomized 4" in text)
    assert flow.startswith("Screening: not in these data; randomized 4") and "Screened 0" not in flow


@pytest.mark.parametrize("session", ["open", "closed"])
def test_the_dsmb_report_prints_each_rule_where_it_applies(session: str, tmp_path: Path) -> None:
    from service.reports.dsmb import DsmbOptions, build_dsmb_context
    from service.reports.templating import render_html

    data = load("adam-xpt", tmp_path / "a")
    context = build_dsmb_context(data, DsmbOptions(session, D(2022, 6, 30), None, "h", 1))
    text = " ".join(render_html("dsmb/report.html", context).split())
    assert "Data quality: 2 AE record(s) of 2 participant(s) (P-1, P-2) meet a seriousness criterion" in text
    assert "Discontinued the study because of an adverse event (disposition)" in text
    assert "Screened, screen failures and not randomized: not in these data" in text
    assert "Related: causality (AEREL) CERTAIN, DEFINITE," in text
