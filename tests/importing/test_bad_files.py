"""Every wrong input refused before anything is stored: bundle, SDTM and ADaM, each case with its exit code, the
words of its message, and the database compared before and after. (tests/importing/test_bad_input.py holds the
first bundle cases; this table adds the files, values and orders that used to pass or crash.)"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.cdisc import write_dataset
from tests.conftest import FIXTURES, database_fingerprint
from tests.importing.test_adam import ADAE, ADLB, ADSL, write_adam
from tests.importing.test_bad_input import BAD_INPUT, append_to, replace_in, write_bytes_at
from tests.importing.test_sdtm import AE, DM, EX, SUPPAE, write_sdtm

Edit = Callable[[Path], None]


def bundle(folder: Path) -> Path:
    import shutil

    shutil.copytree(FIXTURES / "tiny", folder)
    return folder


def sdtm(folder: Path) -> Path:
    return write_sdtm(folder, "csv")


def adam(folder: Path) -> Path:
    return write_adam(folder, "csv")


def rows_with(rows: list[dict[str, Any]], index: int, **changes: Any) -> list[dict[str, Any]]:
    return [{**row, **changes} if i == index else row for i, row in enumerate(rows)]


def dataset(name: str, rows: list[dict[str, Any]]) -> Edit:
    return lambda folder: write_dataset(folder, name, rows, "csv") and None


def replace_file(name: str, make: Callable[[Path], None]) -> Edit:
    def edit(folder: Path) -> None:
        (folder / name).unlink()
        make(folder / name)

    return edit


def symlink_out(name: str) -> Edit:
    def edit(folder: Path) -> None:
        outside = folder.parent / f"outside-{name}"
        outside.write_text((folder / name).read_text(encoding="utf-8"), encoding="utf-8")
        (folder / name).unlink()
        (folder / name).symlink_to(outside)

    return edit


def dangling(name: str) -> Edit:
    def edit(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).symlink_to(folder / f"gone-{name}")

    return edit


def long_cell(name: str, old: str) -> Edit:
    return replace_in(name, old, "x" * (130 * 1024))


def toml_append(text: str) -> Edit:
    return append_to("trial.toml", text)


# (case, format, edit, the message's first line, from its start)
CASES: list[tuple[str, Callable[[Path], Path], Edit, str]] = [
    *[(f"bundle: {case}", bundle, edit, message) for case, edit, message in BAD_INPUT],
    # Arms that would merge or break every output.
    ("bundle: arm label equals another arm's code", bundle,
     replace_in("trial.toml", 'label = "Active"', 'label = "PBO"'),
     "trial.toml: arms (entry 2): the code 'PBO' is already the label of arm 1"),
    ("bundle: two arms with one label", bundle,
     replace_in("trial.toml", 'label = "Active"', 'label = "Placebo"'),
     "trial.toml: arms (entry 2): the label 'Placebo' is already the label of arm 1"),
    ("bundle: two arms with one code", bundle,
     replace_in("trial.toml", 'code = "ACT"', 'code = "PBO"'),
     "trial.toml: arms (entry 2): the code 'PBO' is already the code of arm 1"),
    # Misspelt optional columns.
    ("bundle: misspelt death_date", bundle, replace_in("participants.csv", "disposition_date", "death_dt"),
     "participants.csv, row 1, column death_dt: unknown column 'death_dt'; did you mean 'death_date'?"),
    ("bundle: misspelt ctcae_grade", bundle, replace_in("adverse_events.csv", "ctcae_grade", "ctcae_grde"),
     "adverse_events.csv, row 1, column ctcae_grde: unknown column 'ctcae_grde'; did you mean 'ctcae_grade'?"),
    ("bundle: misspelt measurement column", bundle, replace_in("measurements.csv", "visit_number", "visit_num"),
     "measurements.csv, row 1, column visit_num: unknown column 'visit_num'; did you mean 'visit_number'?"),
    ("bundle: unknown column with no near name", bundle, replace_in("participants.csv", "site", "zzz"),
     "participants.csv, row 1, column zzz: unknown column 'zzz'"),
    # Impossible values.
    ("bundle: age of 1e308", bundle, replace_in("participants.csv", "T-02,A,41", "T-02,A,1e308"),
     "participants.csv, row 3, column age: 1e308 is above the largest allowed value, 130"),
    ("bundle: age of 200 years", bundle, replace_in("participants.csv", "T-02,A,41", "T-02,A,200"),
     "participants.csv, row 3, column age: 200 is above the largest allowed value, 130"),
    ("bundle: infinite age", bundle, replace_in("participants.csv", "T-02,A,41", "T-02,A,inf"),
     "participants.csv, row 3, column age: 'inf' is not a number"),
    ("bundle: measurement of 1e308", bundle, replace_in("measurements.csv", "7.4", "1e308"),
     "measurements.csv, row 3, column value: 1e308 is not a plausible value"),
    ("bundle: measurement of NaN", bundle, replace_in("measurements.csv", "7.4", "nan"),
     "measurements.csv, row 3, column value: 'nan' is not a number"),
    ("bundle: date 9999-12-31", bundle, replace_in("adverse_events.csv", "2020-01-30", "9999-12-31"),
     "adverse_events.csv, row 5, column start_date: 9999-12-31 is not a plausible date"),
    ("bundle: randomization in 1850", bundle, replace_in("participants.csv", "2020-01-10", "1850-01-10"),
     "participants.csv, row 2, column randomization_date: 1850-01-10 is not a plausible date"),
    ("bundle: AE sequence of 20 digits", bundle,
     replace_in("adverse_events.csv", "\n5,T-03", "\n12345678901234567890,T-03"),
     "adverse_events.csv, row 6, column ae_id: 12345678901234567890 is not a plausible value"),
    ("bundle: AE sequence too large", bundle, replace_in("adverse_events.csv", "\n5,T-03", "\n99999999999,T-03"),
     "adverse_events.csv, row 6, column ae_id: 99999999999 is outside 0–2147483647"),
    ("bundle: unknown age unit", bundle,
     lambda f: (replace_in("participants.csv", "disposition_date\n", "disposition_date,age_unit\n")(f),
                _add_last_cell(f, "participants.csv", {3: "decades"})),
     "participants.csv, row 3, column age_unit: 'decades' is not allowed here"),
    # The order of events.
    ("bundle: AE ends before it starts", bundle,
     replace_in("adverse_events.csv", "2020-01-30,2020-02-02", "2020-01-30,2020-01-02"),
     "adverse_events.csv, row 5, column end_date: the AE ends (2020-01-02) before it starts (2020-01-30)"),
    ("bundle: death before randomization", bundle,
     lambda f: (replace_in("participants.csv", "disposition_date\n", "disposition_date,death_date\n")(f),
                _add_last_cell(f, "participants.csv", {2: "2019-12-01"})),
     "participants.csv, row 2, column death_date: subject 'T-01' died (2019-12-01) before randomization (2020-01-10)"),
    ("bundle: dose years before randomization", bundle,
     lambda f: (f / "exposure.csv").write_text(
         "subject_id,treatment,dose,dose_unit,start_date,end_date\nT-01,MSC,1,mg,2017-01-12,2017-01-12\n"),
     "exposure.csv, row 2, column start_date: subject 'T-01' is dosed on 2017-01-12, 1093 days before randomization"),
    ("bundle: dose ends before it starts", bundle,
     lambda f: (f / "exposure.csv").write_text(
         "subject_id,treatment,dose,dose_unit,start_date,end_date\nT-01,MSC,1,mg,2020-01-12,2020-01-11\n"),
     "exposure.csv, row 2, column end_date: the dose ends (2020-01-11) before it starts (2020-01-12)"),
    # One rule for one fact, whatever column carries it: the dose dates.
    ("bundle: first dose 7 years before randomization", bundle,
     replace_in("participants.csv", "2020-01-10,2020-01-12", "2020-01-10,2013-01-12"),
     "participants.csv, row 2, column first_dose_date: subject 'T-01' is dosed on 2013-01-12, 2554 days before "
     "randomization (2020-01-10)"),
    ("bundle: only a last dose, 10 years before randomization", bundle,
     replace_in("participants.csv", "2020-02-01,,,discontinued", "2020-02-01,,2010-01-01,discontinued"),
     "participants.csv, row 5, column last_dose_date: subject 'T-04' is dosed on 2010-01-01, 3683 days before "
     "randomization (2020-02-01)"),
    ("bundle: last dose before the first", bundle,
     replace_in("participants.csv", "2020-01-12,2020-03-12", "2020-01-12,2020-01-11"),
     "participants.csv, row 2, column last_dose_date: the dose ends (2020-01-11) before it starts (2020-01-12)"),
    ("sdtm: RFXSTDTC 7 years before randomization", sdtm, dataset("dm", rows_with(DM, 0, RFXSTDTC="2014-03-10")),
     "dm.csv, row 2, column RFXSTDTC: subject 'S-1' is dosed on 2014-03-10, 2552 days before randomization "
     "(2021-03-05)"),
    ("sdtm: RFXENDTC before RFXSTDTC", sdtm, dataset("dm", rows_with(DM, 0, RFXENDTC="2021-03-01")),
     "dm.csv, row 2, column RFXENDTC: the dose ends (2021-03-01) before it starts (2021-03-10)"),
    ("sdtm: EXSTDTC 7 years before randomization", sdtm, dataset("ex", rows_with(EX, 0, EXSTDTC="2014-03-10")),
     "ex.csv, row 2, column EXSTDTC: subject 'S-1' is dosed on 2014-03-10, 2552 days before randomization "
     "(2021-03-05)"),
    ("sdtm: EXENDTC before EXSTDTC", sdtm, dataset("ex", rows_with(EX, 0, EXENDTC="2021-03-01")),
     "ex.csv, row 2, column EXENDTC: the dose ends (2021-03-01) before it starts (2021-03-10)"),
    ("adam: TRTSDT 7 years before RANDDT", adam, dataset("adsl", rows_with(ADSL, 0, TRTSDT=date(2015, 1, 10))),
     "adsl.csv, row 2, column TRTSDT: subject 'A-1' is dosed on 2015-01-10, 2557 days before randomization "
     "(2022-01-10)"),
    ("adam: TRTEDT before TRTSDT", adam, dataset("adsl", rows_with(ADSL, 0, TRTEDT=date(2022, 1, 5))),
     "adsl.csv, row 2, column TRTEDT: the dose ends (2022-01-05) before it starts (2022-01-10)"),
    # One AE record, one sequence number within its participant (bundle ae_id, SDTM/ADaM AESEQ).
    ("bundle: one ae_id twice for one subject", bundle, replace_in("adverse_events.csv", "\n3,T-01", "\n2,T-01"),
     "adverse_events.csv, row 4, column ae_id: ae_id 2 appears twice for subject 'T-01' (first in row 3)"),
    ("bundle: a copied AE row", bundle, append_to("adverse_events.csv", "4,T-02,allergic reaction,Hypersensitivity,"
     "Immune system disorders,2020-01-30,2020-02-02,SEVERE,3,Y,Y,RELATED,DRUG WITHDRAWN,RECOVERED/RESOLVED"),
     "adverse_events.csv, row 9, column ae_id: ae_id 4 appears twice for subject 'T-02' (first in row 5)"),
    ("sdtm: AESEQ twice for one subject", sdtm, dataset("ae", rows_with(AE, 1, AESEQ=1)),
     "ae.csv, row 3, column AESEQ: AESEQ 1 appears twice for subject 'S-1' (first in row 2)"),
    ("adam: AESEQ twice for one subject", adam, dataset("adae", rows_with(ADAE, 1, AESEQ=1)),
     "adae.csv, row 3, column AESEQ: AESEQ 1 appears twice for subject 'A-1' (first in row 2)"),
    # A screen failure took no study treatment: none of their AEs may be flagged treatment-emergent.
    ("bundle: a screen failure's AE flagged treatment-emergent", bundle,
     lambda f: (replace_in("adverse_events.csv", ",outcome\n", ",outcome,treatment_emergent\n")(f),
                _add_last_cell(f, "adverse_events.csv", {}),
                append_to("adverse_events.csv", "8,T-05,dizzy,Dizziness,Nervous system disorders,2020-01-02,,MILD,"
                          "1,N,N,NOT RELATED,NOT APPLICABLE,RECOVERED/RESOLVED,Y")(f)),
     "adverse_events.csv, row 9, column treatment_emergent: subject 'T-05' is a screen failure, who took no study "
     "treatment, but the AE is flagged treatment-emergent"),
    ("sdtm: a screen failure's AE flagged treatment-emergent in SUPPAE", sdtm,
     lambda f: (dataset("ae", [*AE, {**AE[0], "USUBJID": "S-4", "AESEQ": 1, "AESTDTC": "2021-01-20"}])(f),
                dataset("suppae", [*SUPPAE, {**SUPPAE[0], "USUBJID": "S-4", "IDVARVAL": "1", "QVAL": "Y"}])(f)),
     "ae.csv, row 9, column AESEQ (SUPPAE QNAM = AETRTEM): subject 'S-4' is a screen failure, who took no study "
     "treatment, but the AE is flagged treatment-emergent"),
    ("adam: a screen failure's AE flagged TRTEMFL", adam,
     dataset("adae", [*ADAE, {**ADAE[0], "USUBJID": "A-4", "TRTA": "", "TRTEMFL": "Y"}]),
     "adae.csv, row 6, column TRTEMFL: subject 'A-4' is a screen failure, who took no study treatment, but the AE "
     "is flagged treatment-emergent"),
    # Two files for one dataset: neither may be ignored in silence.
    ("bundle: participants.csv and Participants.csv", bundle,
     lambda f: (f / "Participants.csv").write_bytes((f / "participants.csv").read_bytes()),
     "Participants.csv, participants.csv: two files for one dataset (participants.csv); regsync cannot tell which "
     "one to read"),
    ("sdtm: dm.csv and DM.xpt", sdtm, lambda f: write_dataset(f, "DM", DM, "xpt") and None,
     "DM.xpt, dm.csv: two files for one dataset (DM); regsync cannot tell which one to read"),
    ("sdtm: ex.csv and EX.csv", sdtm, lambda f: write_dataset(f, "EX", EX, "csv") and None,
     "EX.csv, ex.csv: two files for one dataset (EX); regsync cannot tell which one to read"),
    ("adam: adsl.csv and adsl.xpt", adam, lambda f: write_dataset(f, "adsl", ADSL, "xpt") and None,
     "adsl.csv, adsl.xpt: two files for one dataset (ADSL); regsync cannot tell which one to read"),
    ("adam: adlb.csv and ADLB.xpt", adam, lambda f: write_dataset(f, "ADLB", ADLB, "xpt") and None,
     "ADLB.xpt, adlb.csv: two files for one dataset (ADLB); regsync cannot tell which one to read"),
    ("bundle: dose of 1e308", bundle,
     lambda f: (f / "exposure.csv").write_text(
         "subject_id,treatment,dose,dose_unit,start_date,end_date\nT-01,MSC,1e308,mg,2020-01-12,2020-01-12\n"),
     "exposure.csv, row 2, column dose: 1e308 is not a plausible value"),
    # The definition's values, when it is read.
    ("bundle: other-AE threshold of 50", bundle, toml_append("\n[safety]\nother_ae_threshold_percent = 50\n"),
     "trial.toml, column safety.other_ae_threshold_percent: other_ae_threshold_percent is 50"),
    ("bundle: other-AE threshold as text", bundle, toml_append("\n[safety]\nother_ae_threshold_percent = \"5\"\n"),
     "trial.toml, column safety.other_ae_threshold_percent: other_ae_threshold_percent is '5'"),
    ("bundle: unknown SOC order", bundle, toml_append("\n[safety]\nsoc_order = \"alphabetical\"\n"),
     "trial.toml, column safety.soc_order: soc_order 'alphabetical' is not one of"),
    # Files that are not what they should be.
    ("bundle: a folder where a file should be", bundle,
     replace_file("adverse_events.csv", lambda p: p.mkdir()), "adverse_events.csv: is a folder, not a file"),
    ("bundle: a FIFO where a file should be", bundle,
     replace_file("measurements.csv", lambda p: os.mkfifo(p)),
     "measurements.csv: is not a regular file (a FIFO, socket or device)"),
    ("bundle: a symbolic link out of the folder", bundle, symlink_out("participants.csv"),
     "participants.csv: is a symbolic link to a file outside the source folder"),
    ("bundle: a definition linked from outside", bundle, symlink_out("trial.toml"),
     "trial.toml: is a symbolic link to a file outside the source folder"),
    ("bundle: a dangling link", bundle, dangling("adverse_events.csv"), "adverse_events.csv: the file is missing"),
    ("bundle: a cell over 128 KiB", bundle, long_cell("adverse_events.csv", "allergic reaction"),
     "adverse_events.csv, row 5: a cell is larger than 128 KiB"),
    ("bundle: an unclosed quote, named in its own file", bundle,
     lambda f: ((f / "exposure.csv").write_text(
         "subject_id,treatment,dose,dose_unit,start_date,end_date\nT-01,MSC,1,mg,2020-01-12,2020-01-12\n"),
         replace_in("participants.csv", "T-03,B,25", 'T-03,"B,25')(f)),
     "participants.csv, row 4: a quote opened here is never closed"),
    ("bundle: markup and emoji codes print as written", bundle,
     replace_in("participants.csv", "T-03,B,25,F,PBO", "T-03,B,25,F,:x: [bold]Saline[/bold]"),
     "participants.csv, row 4, column arm: unknown arm ':x: [bold]Saline[/bold]'"),
    ("bundle: a NUL byte", bundle, write_bytes_at("participants.csv", "T-03", b"T-\x0003"),
     "participants.csv, row 4: holds a NUL byte"),
    ("bundle: an empty file", bundle, lambda f: (f / "adverse_events.csv").write_text(""),
     "adverse_events.csv: the file is empty"),
    # SDTM.
    ("sdtm: ARMCD with two labels", sdtm, dataset("dm", rows_with(DM, 1, ARMCD="DRUG")),
     "dm.csv, column ARM: arm code 'DRUG' is given two labels, 'Drug 10 mg' and 'Placebo'"),
    ("sdtm: one ARM with two codes", sdtm, dataset("dm", rows_with(DM, 1, ARM="Drug 10 mg")),
     "dm.csv, column ARM: arm 'Drug 10 mg' is given two codes, 'DRUG' and 'PBO'"),
    ("sdtm: AGE of 1e308", sdtm, dataset("dm", rows_with(DM, 0, AGE=1e308)),
     "dm.csv, row 2, column AGE: 1e+308 is not a plausible value"),
    ("sdtm: AE start 9999-12-31", sdtm, dataset("ae", rows_with(AE, 0, AESTDTC="9999-12-31")),
     "ae.csv, row 2, column AESTDTC: 9999-12-31 is not a plausible date"),
    ("sdtm: AE ends before it starts", sdtm,
     dataset("ae", rows_with(AE, 5, AESTDTC="2021-04-10", AEENDTC="2021-04-01")),
     "ae.csv, row 7, column AEENDTC: the AE ends (2021-04-01) before it starts (2021-04-10)"),
    ("sdtm: AESEQ of 20 digits", sdtm, dataset("ae", rows_with(AE, 0, AESEQ="12345678901234567890")),
     "ae.csv, row 2, column AESEQ: 12345678901234567890 is not a plausible value"),
    ("sdtm: AE for a subject not in DM", sdtm, dataset("ae", rows_with(AE, 0, USUBJID="S-99")),
     "ae.csv, row 2, column USUBJID: subject 'S-99' is not in dm.csv"),
    ("sdtm: duplicate subject in DM", sdtm, dataset("dm", [*DM, DM[0]]),
     "dm.csv, row 7, column USUBJID: subject 'S-1' appears twice (first in row 2)"),
    ("sdtm: DM without ARMCD", sdtm, dataset("dm", [{k: v for k, v in r.items() if k != "ARMCD"} for r in DM]),
     "dm.csv, column ARMCD: required column is missing"),
    ("sdtm: AE toxicity grade 9", sdtm, dataset("ae", rows_with(AE, 0, AETOXGR="9")),
     "ae.csv, row 2, column AETOXGR: 9 is outside 1–5"),
    ("sdtm: EX dose of 1e308", sdtm, dataset("ex", rows_with(EX, 0, EXDOSE=1e308)),
     "ex.csv, row 2, column EXDOSE: 1e+308 is not a plausible value"),
    ("sdtm: death before randomization", sdtm, dataset("dm", rows_with(DM, 0, DTHDTC="2021-01-02")),
     "dm.csv, row 2, column DTHDTC: subject 'S-1' died (2021-01-02) before randomization (2021-03-05)"),
    ("sdtm: DM as a folder", sdtm, replace_file("dm.csv", lambda p: p.mkdir()), "dm.csv: is a folder, not a file"),
    ("sdtm: AE linked from outside", sdtm, symlink_out("ae.csv"),
     "ae.csv: is a symbolic link to a file outside the source folder"),
    ("sdtm: a NUL byte in AE", sdtm, write_bytes_at("ae.csv", "Headache", b"Head\x00ache"),
     "ae.csv, row 2: holds a NUL byte"),
    # ADaM.
    ("adam: TRT01PN with two labels", adam, dataset("adsl", rows_with(ADSL, 1, TRT01PN=1)),
     "adsl.csv, row 3, column TRT01PN: 1 stands for two arms, 'Drug' and 'Placebo'"),
    ("adam: AGE of 1e308", adam, dataset("adsl", rows_with(ADSL, 0, AGE=1e308)),
     "adsl.csv, row 2, column AGE: 1e+308 is not a plausible value"),
    ("adam: negative AGE", adam, dataset("adsl", rows_with(ADSL, 0, AGE=-3)),
     "adsl.csv, row 2, column AGE: -3 is below the smallest allowed value, 0"),
    ("adam: TRTSDT 9999-12-31", adam, dataset("adsl", rows_with(ADSL, 0, TRTSDT="9999-12-31")),
     "adsl.csv, row 2, column TRTSDT: 9999-12-31 is not a plausible date"),
    ("adam: death before randomization", adam, dataset("adsl", rows_with(ADSL, 0, DTHDT="2021-12-31")),
     "adsl.csv, row 2, column DTHDT: subject 'A-1' died (2021-12-31) before randomization (2022-01-10)"),
    ("adam: unknown TRTA", adam, dataset("adae", rows_with(ADAE, 0, TRTA="Saline")),
     "adae.csv, row 2, column TRTA: unknown arm 'Saline'"),
    ("adam: AE for a subject not in ADSL", adam, dataset("adae", rows_with(ADAE, 0, USUBJID="A-99")),
     "adae.csv, row 2, column USUBJID: subject 'A-99' is not in adsl.csv"),
    ("adam: duplicate subject in ADSL", adam, dataset("adsl", [*ADSL, ADSL[0]]),
     "adsl.csv, row 6, column USUBJID: subject 'A-1' appears twice (first in row 2)"),
    ("adam: AESEQ of 20 digits", adam, dataset("adae", rows_with(ADAE, 0, AESEQ="12345678901234567890")),
     "adae.csv, row 2, column AESEQ: 12345678901234567890 is not a plausible value"),
    ("adam: ADSL as a FIFO", adam, replace_file("adsl.csv", lambda p: os.mkfifo(p)),
     "adsl.csv: is not a regular file (a FIFO, socket or device)"),
    ("adam: ADAE a dangling link", adam, dangling("adae.csv"), "adae.csv: the file is missing"),
    ("adam: a cell over 128 KiB in ADAE", adam, long_cell("adae.csv", "headache"),
     "adae.csv, row 2: a cell is larger than 128 KiB"),
]  # fmt: skip


def _add_last_cell(folder: Path, name: str, values: dict[int, str]) -> None:
    """Append a cell to every data row of `name` (empty, or values[row] for the rows given)."""
    path = folder / name
    lines = path.read_text(encoding="utf-8").splitlines()
    out = [lines[0]] + [f"{line},{values.get(number, '')}" for number, line in enumerate(lines[1:], start=2)]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


@pytest.mark.parametrize(("case", "make", "edit", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_exit_2_and_changes_nothing(
    case: str,
    make: Callable[[Path], Path],
    edit: Edit,
    message: str,
    tmp_path: Path,
    db_url: str,
    engine: Engine,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    folder = make(tmp_path / "source")
    good = run_cli("import", "trial", "--source", str(folder), db_url=db_url)
    assert good.exit_code == 0, good.stderr
    before = database_fingerprint(engine)

    edit(folder)
    result = run_cli("import", "trial", "--source", str(folder), db_url=db_url)

    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert re.search(r"^error: " + re.escape(message), result.stderr, re.MULTILINE), result.stderr
    assert "Traceback" not in result.stderr
    assert database_fingerprint(engine) == before


def test_the_table_holds_sixty_cases_across_the_three_formats() -> None:
    formats = {case.split(":")[0] for case, *_ in CASES}
    assert len(CASES) >= 60 and formats == {"bundle", "sdtm", "adam"}
