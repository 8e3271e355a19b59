"""CDISC data as statisticians prepare it, on a small hand-built SDTM study and the ADaM derived from it (both as
SAS transport files): populations, actual against planned arms, disposition with coded reasons and a completion
milestone, ADSL baseline variables, follow-up to the end of study, items not collected, near-duplicate AEs.

Every expected value is worked out by hand in the comments, from the rows below.
"""

from __future__ import annotations

import math
from datetime import date
from itertools import product
from pathlib import Path
from typing import Any

import pytest

from service.analysis import build_analysis
from service.importing import load_source
from service.results import NOT_COLLECTED, TOTAL, AnalysisResults
from tests.cdisc import write_dataset

D = date
ARMS = {"LOW": "Low dose", "HIGH": "High dose", "PBO": "Placebo"}
# subject: planned arm, actual arm, first dose, end of study (RFENDT), coded disposition, its free text
PEOPLE: dict[str, tuple[str, str, date | None, date | None, str, str]] = {
    "S1": ("LOW", "LOW", D(2022, 1, 10), D(2022, 7, 10), "COMPLETED", "Completed"),
    "S2": ("LOW", "HIGH", D(2022, 1, 12), D(2022, 4, 12), "ADVERSE EVENT", "severe rash after dose 2"),
    "S3": ("HIGH", "HIGH", D(2022, 1, 15), D(2022, 3, 15), "WITHDRAWAL BY SUBJECT", "moved away"),
    "S4": ("PBO", "PBO", D(2022, 1, 20), D(2022, 7, 20), "COMPLETED", "Completed"),
    "S5": ("PBO", "PBO", D(2022, 1, 21), D(2022, 2, 21), "ADVERSE EVENT", "nausea"),
    "S6": ("Scrnfail", "Scrnfail", None, None, "SCREEN FAILURE", "did not meet inclusion 3"),
}
# ADSL only: age, age group and its order (listed >=65 first, so only AGEGR1N can put <65 first), BMI, flags.
ADSL_EXTRA = {
    "S1": (70, ">=65", 2, 22.0, "Y", "Y"),
    "S2": (50, "<65", 1, 24.0, "N", "N"),
    "S3": (66, ">=65", 2, 30.0, "Y", "N"),
    "S4": (40, "<65", 1, 26.0, "Y", "Y"),
    "S5": (80, ">=65", 2, None, "N", "N"),
    "S6": (33, "<65", 1, 21.0, "N", "N"),
}
# (subject, seq, term, soc, start, end, severity): no grade is collected and AEACN is blank throughout.
# S1's two headaches differ only in severity: near-duplicates.
AES = [
    ("S1", 1, "Headache", "Nervous system disorders", D(2022, 1, 11), D(2022, 1, 12), "MILD"),
    ("S1", 2, "Headache", "Nervous system disorders", D(2022, 1, 11), D(2022, 1, 12), "MODERATE"),
    ("S2", 1, "Rash", "Skin and subcutaneous tissue disorders", D(2022, 1, 13), None, "SEVERE"),
    ("S3", 1, "Headache", "Nervous system disorders", D(2022, 1, 16), D(2022, 1, 16), "MILD"),
    ("S4", 1, "Nausea", "Gastrointestinal disorders", D(2022, 1, 25), D(2022, 1, 26), "MILD"),
    ("S5", 1, "Nausea", "Gastrointestinal disorders", D(2022, 1, 22), D(2022, 1, 23), "MODERATE"),
]
ADAM_DEFINITION = """
[disposition]
fisher = true

[[baseline]]
variable = "BMIBL"
title = "BMI at baseline"

[[baseline]]
variable = "AGEGR1"
title = "Age group"
"""


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def write_sdtm(folder: Path, definition: str = "") -> Path:
    dm, ds, ex = [], [], []
    for subject, (arm, actual, first, end, decod, term) in PEOPLE.items():
        screen_failure = arm == "Scrnfail"
        dm.append({
            "STUDYID": "X", "USUBJID": subject, "AGE": ADSL_EXTRA[subject][0], "SEX": "F",
            "ARMCD": arm, "ARM": "Screen Failure" if screen_failure else ARMS[arm],
            "ACTARMCD": actual, "ACTARM": "Screen Failure" if screen_failure else ARMS[actual],
            "RFSTDTC": _iso(first), "RFXSTDTC": _iso(first), "RFXENDTC": _iso(first), "RFENDTC": _iso(end),
        })  # fmt: skip
        ds.append({"USUBJID": subject, "DSCAT": "DISPOSITION EVENT", "DSDECOD": decod, "DSTERM": term,
                   "DSSTDTC": _iso(end)})  # fmt: skip
        if first is not None:
            ex.append({"USUBJID": subject, "EXTRT": ARMS[actual], "EXDOSE": 1.0, "EXSTDTC": _iso(first),
                       "EXENDTC": _iso(first)})  # fmt: skip
    ae = [
        {"USUBJID": s, "AESEQ": seq, "AETERM": term.lower(), "AEDECOD": term, "AEBODSYS": soc, "AESTDTC": _iso(start),
         "AEENDTC": _iso(end), "AESER": "N", "AESEV": severity, "AEACN": "", "AEOUT": "RECOVERED/RESOLVED"}
        for s, seq, term, soc, start, end, severity in AES
    ]  # fmt: skip
    for name, rows in (("dm", dm), ("ds", ds), ("ex", ex), ("ae", ae)):
        write_dataset(folder, name, rows, "xpt")
    if definition:
        (folder / "trial.toml").write_text(definition, encoding="utf-8")
    return folder


def write_adam(folder: Path, *, with_aestdtc: bool = True) -> Path:
    """ADSL and ADAE as a programmer derives them from the SDTM above: TRT01P from ARM, TRT01A from ACTARM,
    RFENDT from RFENDTC, the coded reason DCDECOD from DSDECOD (no EOSSTT, no DCSREAS, as in the CDISC pilot),
    TRTEMFL from the AE start against the first dose, ASTDT/AENDT from AESTDTC/AEENDTC."""
    order = {"LOW": 1, "HIGH": 2, "PBO": 3}
    adsl = []
    for subject, (arm, actual, first, end, decod, _) in PEOPLE.items():
        age, group, group_n, bmi, efffl, comp24 = ADSL_EXTRA[subject]
        treated = first is not None
        adsl.append({
            "STUDYID": "X", "USUBJID": subject, "AGE": age, "SEX": "F", "AGEGR1": group, "AGEGR1N": group_n,
            "BMIBL": bmi, "TRT01P": ARMS.get(arm, "Screen Failure"), "TRT01PN": order.get(arm),
            "TRT01A": ARMS.get(actual, "") if treated else "", "RANDFL": "Y" if treated else "N",
            "ITTFL": "Y" if treated else "N", "SAFFL": "Y" if treated else "N", "EFFFL": efffl, "COMP24FL": comp24,
            "TRTSDT": first, "TRTEDT": first, "RFENDT": end, "DCDECOD": decod, "DTHFL": "N",
        })  # fmt: skip
    adae = []
    for s, seq, term, soc, start, end, severity in AES:
        row: dict[str, Any] = {"USUBJID": s, "AESEQ": seq, "AETERM": term.lower(), "AEDECOD": term, "AEBODSYS": soc,
                               "ASTDT": start, "AENDT": end, "AESER": "N", "AESEV": severity, "AEACN": "",
                               "AEOUT": "RECOVERED/RESOLVED", "TRTEMFL": "Y", "TRTA": ARMS[PEOPLE[s][1]]}  # fmt: skip
        if with_aestdtc:
            row |= {"AESTDTC": _iso(start), "AEENDTC": _iso(end)}
        adae.append(row)
    write_dataset(folder, "adsl", adsl, "xpt")
    write_dataset(folder, "adae", adae, "xpt")
    (folder / "trial.toml").write_text(ADAM_DEFINITION, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def sdtm(tmp_path_factory: pytest.TempPathFactory) -> AnalysisResults:
    data = load_source(write_sdtm(tmp_path_factory.mktemp("sdtm")), "x", "sdtm", control="PBO")
    return build_analysis(data)


@pytest.fixture(scope="module")
def adam(tmp_path_factory: pytest.TempPathFactory) -> AnalysisResults:
    data = load_source(write_adam(tmp_path_factory.mktemp("adam")), "x", "adam", control="Placebo")
    return build_analysis(data)


def cells(results: AnalysisResults, table: str, *keys: str, value: str = "n") -> dict[tuple[Any, ...], Any]:
    return {tuple(getattr(r, k) for k in keys): getattr(r, value) for r in results[table].rows}


def test_scrnfail_in_actarmcd_imports_as_a_screen_failure(tmp_path: Path) -> None:
    data = load_source(write_sdtm(tmp_path), "x", "sdtm")
    s6 = next(p for p in data.participants if p.subject_id == "S6")
    assert (s6.randomized, s6.arm_code, s6.actual_arm_code, s6.safety_population) == (False, None, None, False)
    assert s6.disposition == "screen failure"


def test_safety_tables_use_the_arm_received_and_name_who_differs(sdtm: AnalysisResults) -> None:
    # S2 was randomized to Low dose and received High dose: safety counts S1 | S2, S3 | S4, S5.
    assert sdtm["ae_soc_pt"].denominators == {"Low dose": 1, "High dose": 2, "Placebo": 2, TOTAL: 5}
    # Baseline and disposition use the randomized arm: S1, S2 | S3 | S4, S5.
    assert sdtm["baseline"].denominators == {"Low dose": 2, "High dose": 1, "Placebo": 2, TOTAL: 5}
    note = (
        "Treatment received differs from the randomized arm for 1 participant(s): "
        "S2 (randomized to Low dose, received High dose)."
    )
    for name, table in sdtm.tables.items():
        if name in ("listing_deaths",):
            continue
        assert note in table.footnotes, name
    assert "the treatment they actually received" in " ".join(sdtm["ae_soc_pt"].footnotes)
    assert "randomized to (planned arm)" in " ".join(sdtm["disposition"].footnotes)
    assert sdtm["ae_soc_pt"].arm_variable == "ACTARM" and sdtm["baseline"].arm_variable == "ARM"


def test_safety_arm_planned_puts_safety_tables_on_the_randomized_arm(tmp_path: Path) -> None:
    data = load_source(write_sdtm(tmp_path, 'safety_arm = "planned"\n'), "x", "sdtm", control="PBO")
    results = build_analysis(data)
    assert results["ae_soc_pt"].denominators == {"Low dose": 2, "High dose": 1, "Placebo": 2, TOTAL: 5}
    assert any("randomized to, as the trial's analysis plan says" in f for f in results["ae_overview"].footnotes)
    assert results["ae_soc_pt"].arm_variable == "ARM"
    listed = {r.subject_id: r.arm for r in results["listing_serious"].rows}
    assert listed == {}  # no serious AE in these data; where there is one, its listing uses the same arm


def test_populations_from_adsl_flags(adam: AnalysisResults) -> None:
    n = cells(adam, "populations", "variable", "arm")
    pct = cells(adam, "populations", "variable", "arm", value="percent")
    # EFFFL Y: S1 (Low), S3 (High), S4 (Placebo), of Low 2, High 1, Placebo 2 randomized.
    assert [n[("EFFFL", a)] for a in ("Low dose", "High dose", "Placebo", TOTAL)] == [1, 1, 1, 3]
    assert [pct[("EFFFL", a)] for a in ("Low dose", "High dose", "Placebo", TOTAL)] == [50.0, 100.0, 50.0, 60.0]
    # COMP24FL Y: S1 (Low), S4 (Placebo).
    assert [n[("COMP24FL", a)] for a in ("Low dose", "High dose", "Placebo", TOTAL)] == [1, 0, 1, 2]
    order = list(dict.fromkeys(r.variable for r in adam["populations"].rows))
    assert order == ["RANDFL", "ITTFL", "SAFFL", "EFFFL", "COMP24FL"]  # DTHFL is not a population
    assert adam["baseline"].population_flag == "ITTFL" and "Intention-to-treat" in adam["baseline"].population


def _fisher_by_enumeration(table: list[list[int]]) -> float:
    """Freeman–Halton by brute force: every table with the observed margins, P = Π row! Π col! / (n! Π cell!);
    the p-value sums the tables no more probable than the observed one."""
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table, strict=True)]
    total = sum(rows)

    def probability(t: list[list[int]]) -> float:
        numerator = math.prod(math.factorial(x) for x in rows + cols)
        return numerator / (math.factorial(total) * math.prod(math.factorial(x) for r in t for x in r))

    observed = probability(table)
    p = 0.0
    for first in product(*(range(c + 1) for c in cols)):
        if sum(first) != rows[0]:
            continue
        t = [list(first), [c - f for c, f in zip(cols, first, strict=True)]]
        if probability(t) <= observed * (1 + 1e-7):
            p += probability(t)
    return p


def test_disposition_with_coded_reasons_a_milestone_and_fisher(adam: AnalysisResults, sdtm: AnalysisResults) -> None:
    n = cells(adam, "disposition", "category", "arm")
    pct = cells(adam, "disposition", "category", "arm", value="percent")
    arms = ("Low dose", "High dose", "Placebo", TOTAL)
    assert [n[("Completed", a)] for a in arms] == [1, 0, 1, 2]  # S1, S4 (from DCDECOD: ADSL has no EOSSTT)
    assert [n[("Discontinued", a)] for a in arms] == [1, 1, 1, 3]
    assert [pct[("Discontinued", a)] for a in arms] == [50.0, 100.0, 50.0, 60.0]
    assert [n[("Ongoing", a)] for a in arms] == [0, 0, 0, 0]
    assert [n[("ADVERSE EVENT", a)] for a in arms] == [1, 0, 1, 2]  # coded: the two free texts are one reason
    assert [n[("WITHDRAWAL BY SUBJECT", a)] for a in arms] == [0, 1, 0, 1]
    assert [n[("Completed week 24", a)] for a in arms] == [1, 0, 1, 2]
    # SDTM: the coded DSDECOD, not the free-text DSTERM ("severe rash after dose 2", "nausea").
    sdtm_n = cells(sdtm, "disposition", "category", "arm")
    assert sdtm_n[("ADVERSE EVENT", TOTAL)] == 2 and ("nausea", TOTAL) not in sdtm_n
    p = {r.category: r.p_value for r in adam["disposition"].rows if r.p_value is not None}
    assert p["Completed"] == pytest.approx(_fisher_by_enumeration([[1, 0, 1], [1, 1, 1]]), rel=1e-9)
    assert p["Completed week 24"] == pytest.approx(_fisher_by_enumeration([[1, 0, 1], [1, 1, 1]]), rel=1e-9)
    assert p["ADVERSE EVENT"] == pytest.approx(_fisher_by_enumeration([[1, 0, 1], [0, 1, 0]]), rel=1e-9)
    assert any("Fisher's exact test" in f for f in adam["disposition"].footnotes)
    assert not [r for r in sdtm["disposition"].rows if r.p_value is not None]  # not asked for: no trial.toml


def test_adsl_baseline_variables_continuous_and_categorical(adam: AnalysisResults) -> None:
    bmi = {r.arm: r for r in adam["baseline"].rows if r.variable == "BMIBL"}
    # ITT by planned arm: Low S1 22, S2 24; High S3 30; Placebo S4 26, S5 missing.
    assert (bmi["Low dose"].n, bmi["Low dose"].mean, bmi["Low dose"].sd) == (2, 23.0, pytest.approx(math.sqrt(2)))
    assert (bmi["Placebo"].n, bmi["Placebo"].n_analysed, bmi["Placebo"].mean) == (1, 2, 26.0)
    total = bmi[TOTAL]  # 22, 24, 30, 26: mean 25.5, SD sqrt(35/3), median 25
    assert (total.n, total.mean, total.median, total.minimum, total.maximum) == (4, 25.5, 25.0, 22.0, 30.0)
    assert total.sd == pytest.approx(math.sqrt(35 / 3))
    groups = [r for r in adam["baseline"].rows if r.variable == "AGEGR1"]
    assert list(dict.fromkeys(r.category for r in groups)) == ["<65", ">=65"]  # AGEGR1N order, not appearance
    by = {(r.category, r.arm): (r.n, r.percent) for r in groups}
    assert by[("<65", TOTAL)] == (2, 40.0) and by[(">=65", TOTAL)] == (3, 60.0)  # S2, S4 | S1, S3, S5


def test_follow_up_runs_to_the_end_of_study(adam: AnalysisResults, sdtm: AnalysisResults) -> None:
    # First dose to RFENDT inclusive: S1 182 days | S2 91 + S3 60 | S4 182 + S5 32 (safety: actual arm).
    expected = {"Low dose": 182 / 365.25, "High dose": 151 / 365.25, "Placebo": 214 / 365.25}
    for results in (adam, sdtm):
        follow_up = {r.arm: r.follow_up_years for r in results["exposure"].rows}
        for arm, years in expected.items():
            assert follow_up[arm] == pytest.approx(years)
    rates = {r.arm: r for r in adam["ae_incidence_rates"].rows if r.level == "any"}
    # Low: S1's first TEAE on day 2 (2022-01-11): 2 days at risk.
    assert rates["Low dose"].person_years == pytest.approx(2 / 365.25)


def test_items_not_collected_are_not_zero(adam: AnalysisResults, sdtm: AnalysisResults) -> None:
    for results in (adam, sdtm):
        overview = {(r.category, r.arm): r for r in results["ae_overview"].rows}
        for category in ("Any TEAE of CTCAE grade 3 or higher", "TEAE leading to discontinuation of study treatment"):
            assert overview[(category, TOTAL)].n_subjects is NOT_COLLECTED
        assert overview[("Any TEAE", TOTAL)].n_subjects == 5
        assert any("not collected" in f for f in results["ae_overview"].footnotes)
        discontinuation = results["ae_soc_pt_discontinuation"].rows
        assert {r.n_subjects for r in discontinuation} == {NOT_COLLECTED}
    assert {r.n_administrations for r in adam["exposure"].rows} == {NOT_COLLECTED}  # ADaM: no exposure dataset
    assert {r.arm: r.n_administrations for r in sdtm["exposure"].rows}[TOTAL] == 5  # SDTM EX: one dose each


def test_near_duplicates_are_noted_and_counted(tmp_path: Path) -> None:
    for folder, fmt in ((write_sdtm(tmp_path / "s"), "sdtm"), (write_adam(tmp_path / "a", with_aestdtc=False), "adam")):
        data = load_source(folder, "x", fmt)
        notes = [n for n in data.notes if "near-duplicate" in n]
        assert len(notes) == 1, data.notes
        assert "subject S1 (Headache, start 2022-01-11" in notes[0] and "differ only in severity" in notes[0]
        results = build_analysis(data)
        headache = {(r.arm, r.level, r.pt): r for r in results["ae_soc_pt"].rows}
        assert headache[("Low dose", "pt", "Headache")].n_events == 2  # both records counted


def test_adam_imputation_is_reported_as_adams_own(tmp_path: Path) -> None:
    folder = write_adam(tmp_path)
    import pandas as pd
    import pyreadstat

    frame, _ = pyreadstat.read_xport(str(folder / "adae.xpt"))
    frame["ASTDTF"] = ["D", "", "", "", "", ""]
    write_dataset(folder, "adae", pd.DataFrame(frame).to_dict("records"), "xpt")
    notes = load_source(folder, "x", "adam").notes
    assert any("imputed by the ADaM derivation (ASTDTF)" in n for n in notes), notes
    assert not any("see README, 'Partial dates'" in n for n in notes)


def test_sdtm_and_the_adam_derived_from_it_give_the_same_ae_tables(
    adam: AnalysisResults, sdtm: AnalysisResults
) -> None:
    for name in ("ae_soc_pt", "ae_soc_pt_serious", "ae_overview", "ae_max_severity", "ae_registry_other"):
        assert adam[name].rows == sdtm[name].rows, name
        assert adam[name].denominators == sdtm[name].denominators


@pytest.mark.parametrize("table", [[[5, 0, 1], [0, 4, 2]], [[1, 0, 1], [1, 1, 1]], [[7, 2, 3, 0], [1, 5, 2, 6]]])
def test_fisher_over_arms_matches_brute_force_enumeration(table: list[list[int]]) -> None:
    from service.stats import fisher_p_table

    assert fisher_p_table(table) == pytest.approx(_fisher_by_enumeration(table), rel=1e-9)
    assert fisher_p_table(table) == fisher_p_table(table)  # exact, so the same every time


def test_without_ds_the_status_is_not_recorded_never_ongoing(tmp_path: Path) -> None:
    folder = write_sdtm(tmp_path)
    (folder / "ds.xpt").unlink()
    results = build_analysis(load_source(folder, "x", "sdtm"))
    n = cells(results, "disposition", "category", "arm")
    assert n[("Status not recorded", TOTAL)] == 5 and n[("Ongoing", TOTAL)] == 0  # S1–S5; S6 is a screen failure


def test_eosstt_discontinued_with_reason_completed_is_refused(tmp_path: Path) -> None:
    import pandas as pd
    import pyreadstat

    from service.errors import DataError

    folder = write_adam(tmp_path)
    frame, _ = pyreadstat.read_xport(str(folder / "adsl.xpt"))
    frame["EOSSTT"] = ["DISCONTINUED", "DISCONTINUED", "DISCONTINUED", "COMPLETED", "DISCONTINUED", ""]
    write_dataset(folder, "adsl", pd.DataFrame(frame).to_dict("records"), "xpt")
    with pytest.raises(DataError) as raised:
        load_source(folder, "x", "adam")
    assert (raised.value.file, raised.value.row, raised.value.column) == ("adsl.xpt", 1, "DCDECOD")
    assert "says COMPLETED for a participant who discontinued" in str(raised.value)
