"""Randomization and disposition dates: the source's own, else what trial.toml names (randomization) or the end
of participation (disposition); a cut-off the data cannot place is refused, naming the key to set."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from service.analysis import build_analysis
from service.errors import DataError
from service.importing import load_source
from service.reports.datacut import check_cutoff
from tests.cdisc import write_dataset

D = date


def _adsl(subject: str, first: date, eos: str, rfendt: date | None, **extra: object) -> dict[str, object]:
    return {"STUDYID": "A", "USUBJID": subject, "AGE": 50, "SEX": "M", "TRT01P": "Drug", "TRT01A": "Drug",
            "SAFFL": "Y", "TRTSDT": first, "TRTEDT": first, "EOSSTT": eos, "RFENDT": rfendt, **extra}  # fmt: skip


ADAE = [{"USUBJID": "A-1", "AESEQ": 1, "AETERM": "x", "AEDECOD": "Headache", "AEBODSYS": "Nervous system disorders",
         "AESTDTC": "2022-01-11", "AESER": "N"}]  # fmt: skip


def _adam(folder: Path, toml: str = "", **extra: object) -> Path:
    """Like the CDISC pilot's ADSL: no RANDDT, no EOSDT; the end of participation is RFENDT."""
    write_dataset(folder, "adsl", [_adsl("A-1", D(2022, 1, 10), "COMPLETED", D(2022, 7, 1), **extra),
                                   _adsl("A-2", D(2022, 2, 10), "DISCONTINUED", None, **extra),
                                   _adsl("A-3", D(2022, 3, 10), "ONGOING", None, **extra)], "csv")  # fmt: skip
    write_dataset(folder, "adae", ADAE, "csv")
    if toml:
        (folder / "trial.toml").write_text(toml, encoding="utf-8")
    return folder


def test_adam_randomization_is_the_variable_the_definition_names_when_adsl_has_no_randdt(tmp_path: Path) -> None:
    data = load_source(_adam(tmp_path, '[adam]\nrandomization_date = "trtsdt"\n'), "t")
    assert [p.randomization_date for p in data.participants] == [D(2022, 1, 10), D(2022, 2, 10), D(2022, 3, 10)]
    notes = build_analysis(data)["enrollment"].footnotes
    assert ("Randomization date: RANDDT; where a participant has none, ADSL TRTSDT, as trial.toml's [adam] "
            "randomization_date names it.") in notes  # fmt: skip


def test_adam_randdt_wins_over_the_named_variable(tmp_path: Path) -> None:
    data = load_source(_adam(tmp_path, '[adam]\nrandomization_date = "TRTSDT"\n', RANDDT=D(2022, 1, 1)), "t")
    assert {p.randomization_date for p in data.participants} == {D(2022, 1, 1)}


def test_adam_disposition_takes_effect_at_rfendt_without_eosdt(tmp_path: Path) -> None:
    by_id = {p.subject_id: p for p in load_source(_adam(tmp_path), "t").participants}
    assert (by_id["A-1"].disposition, by_id["A-1"].disposition_date) == ("completed", D(2022, 7, 1))
    assert (by_id["A-2"].disposition, by_id["A-2"].disposition_date) == ("discontinued", None)  # cannot be placed


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[adam]\nrandomization_date = "RANDOMDT"\n',
         "trial.toml, column adam.randomization_date: [adam] randomization_date names RANDOMDT, which adsl.csv does "
         "not have"),
        ("[adam]\nrandomization_date = 3\n",
         'trial.toml, column adam.randomization_date: [adam] randomization_date must name a variable, such as '
         '"TRTSDT"'),
    ],
)  # fmt: skip
def test_a_randomization_variable_the_data_lack_is_refused(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(DataError) as raised:
        load_source(_adam(tmp_path, toml), "t")
    assert str(raised.value).startswith(message)


def test_sdtm_randomization_is_named_and_disposition_falls_back_to_rfpendtc(tmp_path: Path) -> None:
    dm = [{"USUBJID": f"S-{i}", "ARMCD": "DRG", "ARM": "Drug", "AGE": 40, "SEX": "F", "RFSTDTC": f"2021-0{i}-01",
           "RFXSTDTC": f"2021-0{i}-02", "RFPENDTC": f"2021-0{i + 5}-01"} for i in (1, 2)]  # fmt: skip
    ae = [{"USUBJID": "S-1", "AESEQ": 1, "AEDECOD": "Headache", "AEBODSYS": "Nervous system disorders",
           "AESTDTC": "2021-01-05", "AESER": "N"}]  # fmt: skip
    ds = [{"USUBJID": "S-1", "DSCAT": "DISPOSITION EVENT", "DSDECOD": "COMPLETED", "DSSTDTC": "2021-05-20"},
          {"USUBJID": "S-2", "DSCAT": "DISPOSITION EVENT", "DSDECOD": "COMPLETED", "DSSTDTC": ""}]  # fmt: skip
    for name, rows in (("dm", dm), ("ae", ae), ("ds", ds)):
        write_dataset(tmp_path, name, rows, "csv")
    undeclared = {p.subject_id: p for p in load_source(tmp_path, "t", "sdtm").participants}
    assert undeclared["S-1"].randomization_date is None  # RFSTDTC is not taken for it unless trial.toml says so
    assert undeclared["S-1"].disposition_date == D(2021, 5, 20)  # the DS record's own date
    assert undeclared["S-2"].disposition_date == D(2021, 7, 1)  # RFPENDTC
    (tmp_path / "trial.toml").write_text('[sdtm]\nrandomization_date = "RFXSTDTC"\n', encoding="utf-8")
    declared = {p.subject_id: p for p in load_source(tmp_path, "t", "sdtm").participants}
    assert declared["S-2"].randomization_date == D(2021, 2, 2)


def test_bundle_randomization_falls_back_to_the_named_column(tiny: Path) -> None:
    folder = tiny
    lines = (folder / "participants.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    column = header.index("randomization_date")
    rows = [line.split(",") for line in lines[1:]]
    rows[0][column] = ""
    text = "\n".join([",".join([*header, "enrolled_on"]), *(",".join([*r, "2019-12-01"]) for r in rows)]) + "\n"
    (folder / "participants.csv").write_text(text, encoding="utf-8")
    with (folder / "trial.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[bundle]\nrandomization_date = "enrolled_on"\n')
    data = load_source(folder, "t")
    first = next(p for p in data.participants if p.subject_id == rows[0][0])
    assert first.randomization_date == D(2019, 12, 1)


@pytest.mark.parametrize(
    ("source_format", "hint"),
    [
        ("adam", 'Supply RANDDT, or name the ADSL date that stands for it in trial.toml: [adam] randomization_date = '
                 '"TRTSDT".'),
        ("sdtm", "Supply DS DSSTDTC where DSDECOD = RANDOMIZED, or name the DM date that stands for it in trial.toml: "
                 '[sdtm] randomization_date = "RFSTDTC".'),
    ],
)  # fmt: skip
def test_a_cutoff_is_refused_while_randomized_participants_have_no_randomization_date(
    tmp_path: Path, source_format: str, hint: str
) -> None:
    data = replace(load_source(_adam(tmp_path), "t"), source_format=source_format)
    with pytest.raises(DataError) as raised:
        check_cutoff(data, D(2022, 2, 1), D(2022, 7, 1), 4)
    assert str(raised.value) == (
        "column --cutoff: 3 of 3 randomized participants (A-1, A-2, A-3) have no randomization date, so the data "
        f"cut-off 2022-02-01 cannot tell whether they were in the trial by then\n  {hint}"
    )
    check_cutoff(data, D(2022, 7, 1), D(2022, 7, 1), 4)  # at the data's own cut-off nothing needs placing
