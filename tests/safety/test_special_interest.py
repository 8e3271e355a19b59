"""AEs of special interest, checked against counts and a Kaplan–Meier worked by hand on a small trial written as a
bundle and as ADaM: groups declared by preferred, lowest level and high level terms, and read from ADAE's CQ01NAM.

The trial (all dosed 2020-01-01; Drug D1–D4, Placebo P1–P3; study end 2020-12-31 except P3, 2020-03-01):

    subject  PT                       LLT              HLT                           start       serious  action
    D1       Hypoglycaemia            Hypoglycaemia    Hypoglycaemic conditions NEC  2020-01-11  Y
    D1       Hypoglycaemia            Hypoglycaemia    Hypoglycaemic conditions NEC  2020-02-01  N
    D2       Blood glucose decreased  Low blood sugar  Hypoglycaemic conditions NEC  2020-01-31  N        DRUG WITHDRAWN
    D3       Headache                 Headache         Headaches NEC                 2020-01-05  N
    P1       Hypoglycaemia            Hypoglycaemia    Hypoglycaemic conditions NEC  2020-04-10  N
    P2       Rash                     Rash             Rashes, eruptions and ...     2020-01-02  N

P2's rash alone carries a grouping of the data: CQ01NAM (the bundle's special_interest) = DERMATOLOGIC EVENTS.

Hypoglycaemia (PT Hypoglycaemia or Blood glucose decreased): Drug D1, D2 = 2/4 (50.0%), 3 events; Placebo P1 = 1/3
(33.3%), 1 event; Total 3/7 (42.9%), 4. Serious: Drug D1 = 1/4 (25.0%) [1]. Leading to discontinuation: Drug D2 =
1/4 [1]. Terms: Hypoglycaemia (2 participants: D1, P1) before Blood glucose decreased (1: D2).
"""

from __future__ import annotations

import csv
import math
from datetime import date
from pathlib import Path

import pytest

from service.analysis import build_analysis
from service.ard import build_ard
from service.errors import DataError
from service.importing import load_source
from service.results import TOTAL
from service.safety.population import derive_safety_set
from service.safety.special_interest import find_groups
from service.safety.special_interest_time import special_interest_steps
from tests.safety.test_counts import fisher_two_sided, newcombe

Z = 1.959963984540054
CUTOFF = date(2020, 12, 31)
PEOPLE = [  # subject, arm, end of study, disposition
    ("D1", "DRG", "2020-12-31", "completed"),
    ("D2", "DRG", "2020-12-31", "completed"),
    ("D3", "DRG", "2020-12-31", "completed"),
    ("D4", "DRG", "2020-12-31", "completed"),
    ("P1", "PBO", "2020-12-31", "completed"),
    ("P2", "PBO", "2020-12-31", "completed"),
    ("P3", "PBO", "2020-03-01", "discontinued"),
]
METABOLISM, NERVOUS = "Metabolism and nutrition disorders", "Nervous system disorders"
SKIN = "Skin and subcutaneous tissue disorders"
HYPO_HLT = "Hypoglycaemic conditions NEC"
EVENTS = [  # subject, pt, llt, hlt, soc, start, serious, action, CQ01NAM
    ("D1", "Hypoglycaemia", "Hypoglycaemia", HYPO_HLT, METABOLISM, "2020-01-11", "Y", "", ""),
    ("D1", "Hypoglycaemia", "Hypoglycaemia", HYPO_HLT, METABOLISM, "2020-02-01", "N", "", ""),
    ("D2", "Blood glucose decreased", "Low blood sugar", HYPO_HLT, METABOLISM, "2020-01-31", "N", "DRUG WITHDRAWN", ""),
    ("D3", "Headache", "Headache", "Headaches NEC", NERVOUS, "2020-01-05", "N", "", ""),
    ("P1", "Hypoglycaemia", "Hypoglycaemia", HYPO_HLT, METABOLISM, "2020-04-10", "N", "", ""),
    ("P2", "Rash", "Rash", "Rashes, eruptions and exanthems NEC", SKIN, "2020-01-02", "N", "", "DERMATOLOGIC EVENTS"),
]  # fmt: skip
ARMS_TOML = """[trial]
title = "AESI trial"
data_cutoff = 2020-12-31

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
GROUPS_TOML = {
    "pt": '[[safety.special_interest]]\nname = "Hypoglycaemia"\nterms = ["hypoglycaemia", "BLOOD GLUCOSE DECREASED"]\n',
    "llt": '[[safety.special_interest]]\nname = "Hypoglycaemia"\nlevel = "llt"\n'
    'terms = ["Hypoglycaemia", "low blood sugar"]\n',
    "hlt": f'[[safety.special_interest]]\nname = "Hypoglycaemia"\nlevel = "hlt"\nterms = ["{HYPO_HLT.lower()}"]\n',
    "none": "",
}


def write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def write_bundle(folder: Path, groups: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "trial.toml").write_text(ARMS_TOML + "\n" + groups, encoding="utf-8")
    write(folder / "participants.csv",
          ["subject_id", "arm", "age", "sex", "randomization_date", "first_dose_date", "last_dose_date",
           "disposition", "disposition_date"],
          [[s, arm, 30, "F", "2020-01-01", "2020-01-01", "2020-01-01", status, end]
           for s, arm, end, status in PEOPLE])  # fmt: skip
    write(folder / "adverse_events.csv",
          ["ae_id", "subject_id", "verbatim_term", "llt", "pt", "hlt", "soc", "start_date", "serious", "action_taken",
           "special_interest"],
          [[i, s, pt.lower(), llt, pt, hlt, soc, start, serious, action, cq]
           for i, (s, pt, llt, hlt, soc, start, serious, action, cq) in enumerate(EVENTS, start=1)])  # fmt: skip
    return folder


def write_adam(folder: Path, groups: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "trial.toml").write_text(ARMS_TOML + "\n" + groups, encoding="utf-8")
    labels = {"DRG": "Drug", "PBO": "Placebo"}
    write(folder / "adsl.csv",
          ["USUBJID", "AGE", "SEX", "TRT01P", "TRT01A", "SAFFL", "ITTFL", "RANDDT", "TRTSDT", "TRTEDT", "EOSSTT",
           "EOSDT"],
          [[s, 30, "F", labels[arm], labels[arm], "Y", "Y", "2020-01-01", "2020-01-01", "2020-01-01", status.upper(),
            end] for s, arm, end, status in PEOPLE])  # fmt: skip
    write(folder / "adae.csv",
          ["USUBJID", "AESEQ", "AETERM", "AELLT", "AEDECOD", "AEHLT", "AEBODSYS", "AESTDTC", "ASTDT", "AESER",
           "AEACN", "TRTEMFL", "CQ01NAM"],
          [[s, i, pt.lower(), llt, pt, hlt, soc, start, start, serious, action, "Y", cq]
           for i, (s, pt, llt, hlt, soc, start, serious, action, cq) in enumerate(EVENTS, start=1)])  # fmt: skip
    return folder


def analyse(folder: Path, comparative: bool = True):  # type: ignore[no-untyped-def]
    return build_analysis(load_source(folder, "aesi"), data_cutoff=CUTOFF, comparative=comparative)


def counts(results, table: str = "ae_special_interest") -> dict[tuple[str, str, str, str], tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return {(r.group, r.category, r.term, r.arm): (r.n_subjects, r.n_events, r.percent) for r in results[table].rows}


HYPOGLYCAEMIA = {
    ("Hypoglycaemia", "any", "", "Drug"): (2, 3, 50.0),
    ("Hypoglycaemia", "any", "", "Placebo"): (1, 1, 33.3),
    ("Hypoglycaemia", "any", "", TOTAL): (3, 4, 42.9),
    ("Hypoglycaemia", "serious", "", "Drug"): (1, 1, 25.0),
    ("Hypoglycaemia", "serious", "", "Placebo"): (0, 0, 0.0),
    ("Hypoglycaemia", "discontinuation", "", "Drug"): (1, 1, 25.0),
    ("Hypoglycaemia", "discontinuation", "", TOTAL): (1, 1, 14.3),
    ("Hypoglycaemia", "term", "Hypoglycaemia", "Drug"): (1, 2, 25.0),
    ("Hypoglycaemia", "term", "Hypoglycaemia", "Placebo"): (1, 1, 33.3),
    ("Hypoglycaemia", "term", "Blood glucose decreased", "Drug"): (1, 1, 25.0),
    ("Hypoglycaemia", "term", "Blood glucose decreased", "Placebo"): (0, 0, 0.0),
}


@pytest.mark.parametrize("form", ["bundle", "adam"])
@pytest.mark.parametrize("level", ["pt", "llt", "hlt"])
def test_a_group_declared_by_terms_counts_participants_and_events_by_hand(tmp_path: Path, form: str, level: str):
    writer = write_bundle if form == "bundle" else write_adam
    results = analyse(writer(tmp_path / "src", GROUPS_TOML[level]))
    found = counts(results)
    for key, expected in HYPOGLYCAEMIA.items():
        assert found[key] == expected, key
    terms = [r.term for r in results["ae_special_interest"].rows if r.category == "term" and r.arm == TOTAL]
    assert terms == ["Hypoglycaemia", "Blood glucose decreased"]  # 2 participants, then 1
    assert {r.group for r in results["ae_special_interest"].rows} == {"Hypoglycaemia"}


@pytest.mark.parametrize("form", ["bundle", "adam"])
def test_without_declared_groups_each_cq01nam_value_is_a_group_named_as_the_data_hold_it(tmp_path: Path, form: str):
    writer = write_bundle if form == "bundle" else write_adam
    results = analyse(writer(tmp_path / "src", ""))
    found = counts(results)
    # DERMATOLOGIC EVENTS: P2's rash only: Placebo 1/3, Drug 0/4, Total 1/7.
    assert found[("DERMATOLOGIC EVENTS", "any", "", "Placebo")] == (1, 1, 33.3)
    assert found[("DERMATOLOGIC EVENTS", "any", "", "Drug")] == (0, 0, 0.0)
    assert found[("DERMATOLOGIC EVENTS", "any", "", TOTAL)] == (1, 1, 14.3)
    assert found[("DERMATOLOGIC EVENTS", "term", "Rash", "Placebo")] == (1, 1, 33.3)
    assert {r.variable for r in results["ae_special_interest"].rows} == {"CQ01NAM"}
    ard = [a for a in build_ard(results) if a.analysis == "ae_special_interest" and a.variable == "AESIFL"]
    placebo = {a.stat_name: a.stat for a in ard if a.group1_level == "Placebo"}
    assert (ard[0].group2, ard[0].group2_level) == ("CQ01NAM", "DERMATOLOGIC EVENTS")
    assert placebo == {"n": 1, "N": 3, "p": pytest.approx(1 / 3), "n_events": 1}


def test_a_declared_group_may_name_the_data_grouping_and_take_its_name(tmp_path: Path):
    results = analyse(write_adam(tmp_path / "src", '[[safety.special_interest]]\nvariable = "CQ01NAM"\n'))
    assert counts(results)[("DERMATOLOGIC EVENTS", "any", "", "Placebo")] == (1, 1, 33.3)


def test_no_group_says_so(tmp_path: Path):
    folder = write_bundle(tmp_path / "src", "")
    rows = (folder / "adverse_events.csv").read_text(encoding="utf-8").replace("DERMATOLOGIC EVENTS", "")
    (folder / "adverse_events.csv").write_text(rows, encoding="utf-8")
    results = analyse(folder)
    assert results["ae_special_interest"].rows == ()
    assert results["ae_special_interest"].footnotes[1].startswith("No adverse events of special interest were declared")


def test_risk_differences_against_the_control_by_newcombe_and_fisher(tmp_path: Path):
    results = analyse(write_bundle(tmp_path / "src", GROUPS_TOML["pt"]))
    rows = {r.category: r for r in results["ae_special_interest_comparison"].rows}
    any_row = rows["any"]
    assert (any_row.arm, any_row.control) == ("Drug", "Placebo")
    value, low, high = newcombe(2, 4, 1, 3)  # 50.0 − 33.3 = 16.7 points
    assert any_row.risk_diff == pytest.approx(value) == pytest.approx(100 * (0.5 - 1 / 3))
    assert (any_row.risk_diff_low, any_row.risk_diff_high) == (pytest.approx(low), pytest.approx(high))
    assert any_row.p_value == pytest.approx(fisher_two_sided(2, 4, 1, 3))
    assert "ae_special_interest_comparison" not in analyse(tmp_path / "src", comparative=False).tables


def test_time_to_first_event_against_a_hand_kaplan_meier(tmp_path: Path):
    """Drug: D1 day 10, D2 day 30 (events), D3 and D4 censored at day 365 (study end 2020-12-31).
    S(10) = 3/4, S(30) = 3/4 · 2/3 = 1/2: median 30; Greenwood Σ d/(n(n−d)) = 1/12 + 1/6 = 1/4, so the log-scale
    interval of S(30) is 0.5·exp(±1.96·0.5) = (0.1877, 1.33 → 1), and of the % with an event (0, 81.2).
    Placebo: P3 censored at day 60 (study end 2020-03-01), P1 event at day 100 (2 at risk): S = 1/2, median 100;
    P2 censored at 365. Total: events at 10 (7 at risk), 30 (6), 100 (4; one censored at 60): S = 6/7 · 5/6 · 3/4
    = 15/28, 46.4% by day 365, median not reached."""
    results = analyse(write_bundle(tmp_path / "src", GROUPS_TOML["pt"]))
    rows = {(r.arm, r.day): r for r in results["ae_special_interest_time"].rows}
    drug = rows[("Drug", 30)]
    assert (drug.n, drug.n_events, drug.n_censored, drug.median, drug.n_at_risk) == (4, 2, 2, 30, 3)
    assert drug.percent == pytest.approx(50.0)
    assert drug.ci_low == pytest.approx(0.0)
    assert drug.ci_high == pytest.approx(100 * (1 - 0.5 * math.exp(-Z * 0.5)))
    assert rows[("Placebo", 90)].percent == pytest.approx(0.0)
    assert rows[("Placebo", 90)].n_at_risk == 2
    assert rows[("Placebo", 180)].percent == pytest.approx(50.0)
    assert rows[("Placebo", 180)].median == 100
    assert rows[(TOTAL, 365)].percent == pytest.approx(100 * (1 - 15 / 28))
    assert rows[(TOTAL, 365)].median is None
    data = load_source(tmp_path / "src", "aesi")
    safety = derive_safety_set(data, CUTOFF)
    rows_km = special_interest_steps(find_groups(data.definition.raw, safety.all_frame), safety, None)
    steps = [(r.time, r.n_at_risk, r.n_events, r.survival) for r in rows_km if r.arm == "Placebo"]
    assert steps == [(0, 3, 0, 1.0), (60, 3, 0, 1.0), (100, 2, 1, 0.5), (365, 1, 0, 0.5)]
    assert "ae_special_interest_time" not in analyse(tmp_path / "src", comparative=False).tables


def test_ard_rows_of_a_declared_group(tmp_path: Path):
    results = analyse(write_bundle(tmp_path / "src", GROUPS_TOML["pt"]))
    ard = build_ard(results)
    cell = {(a.variable, a.variable_level, a.stat_name): a.stat for a in ard
            if a.analysis == "ae_special_interest" and a.group1_level == "Drug"}  # fmt: skip
    first = next(a for a in ard if a.analysis == "ae_special_interest")
    assert (first.group1, first.group2, first.group2_level) == ("ARM", "AESI", "Hypoglycaemia")
    assert (
        cell[("AESIFL", "Y", "n")] == 2 and cell[("AESIFL", "Y", "N")] == 4 and cell[("AESIFL", "Y", "n_events")] == 3
    )
    assert cell[("AESER", "Y", "n")] == 1
    assert cell[("AEACN", "DRUG WITHDRAWN", "n")] == 1
    assert cell[("AEDECOD", "Hypoglycaemia", "n_events")] == 2
    newcombe_rows = {a.stat_name: a.stat for a in ard if a.analysis == "ae_special_interest_comparison"
                     and a.variable == "AESIFL" and a.context == "newcombe"}  # fmt: skip
    assert newcombe_rows["estimate"] == pytest.approx(100 * (0.5 - 1 / 3))
    km = {(a.variable, a.variable_level, a.stat_name): a.stat for a in ard
          if a.analysis == "ae_special_interest_time" and a.group1_level == "Drug"}  # fmt: skip
    assert km[("AVAL", "", "median")] == 30 and km[("AVAL", "", "n_events")] == 2
    assert km[("time", "30", "p")] == pytest.approx(0.5)  # with an event by day 30: 1 − S(30) = 1/2
    assert km[("time", "30", "estimate")] == pytest.approx(50.0)
    assert km[("time", "30", "N")] == 3  # at risk at day 30: D2 (event that day), D3, D4


@pytest.mark.parametrize(
    ("groups", "column", "message"),
    [
        ('[[safety.special_interest]]\nname = "X"\n', "safety.special_interest[1]", "needs either terms or variable"),
        ('[[safety.special_interest]]\nname = "X"\nterms = ["A"]\nlevel = "soc"\n', "safety.special_interest.level",
         "must be one of"),
        ('[[safety.special_interest]]\nvariable = "AEHLT"\n', "safety.special_interest[1].variable",
         "variable is 'AEHLT'"),
        ('[[safety.special_interest]]\nname = "X"\nterms = ["A"]\n[[safety.special_interest]]\nname = "x"\n'
         'terms = ["B"]\n', "safety.special_interest[2].name", "group 'x' is declared twice"),
        ('[[safety.special_interest]]\nname = "X"\nterms = ["A"]\nlevel = "hlgt"\n',
         "safety.special_interest[1].level", "group 'X' needs AEHLGT, but no record of adverse_events.csv gives it"),
        ('[[safety.special_interest]]\nvariable = "SMQ01NAM"\n', "safety.special_interest[1].variable",
         "group 'SMQ01NAM' needs SMQ01NAM, but no record"),
    ],
)  # fmt: skip
def test_a_bad_declaration_is_refused_naming_the_key(tmp_path: Path, groups: str, column: str, message: str):
    with pytest.raises(DataError, match=message) as raised:
        load_source(write_bundle(tmp_path / "src", groups), "aesi")
    assert raised.value.column == column
