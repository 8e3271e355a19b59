"""Outcomes from CDISC data: an ADaM BDS dataset read with BASE, CHG, DTYPE and ANL01FL as the sponsor derived
them, the SAP's population flag and covariates; SDTM findings with their --BLFL baseline."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from service.analysis import build_analysis
from service.errors import DataError
from service.importing import load_source
from tests.cdisc import write_dataset

ARMS = {"PBO": "Placebo", "XAN": "Xanomeline High Dose"}
TRIAL_TOML = """
[[arms]]
code = "Placebo"
label = "Placebo"
control = true

[[arms]]
code = "Xanomeline High Dose"
label = "Xanomeline High Dose"

[[outcomes]]
parameter = "ACTOT"
dataset = "ADQSADAS"
title = "ADAS-Cog (11) change from baseline"
type = "primary"
population = "EFFFL"
records = "ANL01FL"
timepoint = "Week 24"
variable = "change"
method = "ancova"
adjust = ["baseline", "SITEGR1"]
"""


@pytest.fixture(scope="module")
def adam(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("adam")
    rng = np.random.default_rng(3)
    adsl, adae, records = [], [], []
    for i in range(24):
        arm = "Placebo" if i % 2 else "Xanomeline High Dose"
        subject = f"01-{i:03d}"
        site = ("701", "702", "703")[i % 3]
        efficacy = "N" if i in (4, 9) else "Y"  # two randomized participants without a post-baseline ADAS-Cog
        adsl.append({"USUBJID": subject, "AGE": 70, "SEX": "F", "TRT01P": arm, "TRT01PN": 0 if i % 2 else 81,
                     "TRT01A": arm, "SAFFL": "Y", "ITTFL": "Y", "EFFFL": efficacy, "SITEGR1": site,
                     "TRTSDT": date(2013, 1, 1), "TRTEDT": date(2013, 7, 1), "RANDDT": date(2013, 1, 1),
                     "EOSSTT": "COMPLETED"})  # fmt: skip
        screening, day0 = float(rng.normal(20, 5)), float(rng.normal(20, 5))
        base = (screening + day0) / 2  # the SAP's baseline: the mean of two assessments, not the day-0 value
        week24 = base + (0.5 if arm == "Placebo" else -2.0) + float(rng.normal(0, 2))
        common = {"USUBJID": subject, "PARAMCD": "ACTOT", "PARAM": "ADAS-Cog(11) Subscore", "BASE": base}
        records.append({**common, "AVISIT": "Baseline", "AVISITN": 0, "AVAL": day0, "CHG": None, "ABLFL": "Y",
                        "DTYPE": "", "ANL01FL": "Y"})  # fmt: skip
        if i % 5 == 0:  # dropped out: the observed Week 16 carried forward to Week 24 as a LOCF record
            week16 = base + float(rng.normal(0, 2))
            records.append({**common, "AVISIT": "Week 16", "AVISITN": 16, "AVAL": week16, "CHG": week16 - base,
                            "ABLFL": "", "DTYPE": "", "ANL01FL": "Y"})  # fmt: skip
            records.append({**common, "AVISIT": "Week 24", "AVISITN": 24, "AVAL": week16, "CHG": week16 - base,
                            "ABLFL": "", "DTYPE": "LOCF", "ANL01FL": "Y"})  # fmt: skip
        else:
            records.append({**common, "AVISIT": "Week 24", "AVISITN": 24, "AVAL": week24, "CHG": week24 - base,
                            "ABLFL": "", "DTYPE": "", "ANL01FL": "Y"})  # fmt: skip
            # A repeat assessment in the visit window, not the analysis record
            records.append({**common, "AVISIT": "Week 24", "AVISITN": 24, "AVAL": week24 + 3, "CHG": week24 + 3 - base,
                            "ABLFL": "", "DTYPE": "", "ANL01FL": ""})  # fmt: skip
    adae.append({"USUBJID": "01-000", "AESEQ": 1, "AETERM": "headache", "AEDECOD": "Headache",
                 "AEBODSYS": "Nervous system disorders", "AESTDTC": "2013-02-01", "ASTDT": date(2013, 2, 1),
                 "AESER": "N", "TRTEMFL": "Y", "TRTA": "Xanomeline High Dose"})  # fmt: skip
    write_dataset(folder, "adsl", adsl, "xpt")
    write_dataset(folder, "adae", adae, "xpt")
    write_dataset(folder, "adqsadas", records, "xpt")
    (folder / "trial.toml").write_text(TRIAL_TOML, encoding="utf-8")
    frame = pd.DataFrame(records).merge(pd.DataFrame(adsl)[["USUBJID", "TRT01P", "EFFFL", "SITEGR1"]], on="USUBJID")
    return folder, frame


def test_an_adam_bds_ancova_uses_the_sponsors_base_chg_flags_and_population(
    adam: tuple[Path, pd.DataFrame],
) -> None:
    folder, frame = adam
    data = load_source(folder, "cdiscpilot")
    measured = [m for m in data.measurements if m.parameter == "ACTOT"]
    assert {m.dataset for m in measured} == {"ADQSADAS"}
    assert {m.dtype for m in measured} == {None, "LOCF"}
    results = build_analysis(data)
    analysed = frame[(frame["EFFFL"] == "Y") & (frame["ANL01FL"] == "Y") & (frame["AVISIT"] == "Week 24")]
    fit = smf.ols("CHG ~ C(TRT01P, Treatment('Placebo')) + BASE + C(SITEGR1)", data=analysed).fit()
    name = "C(TRT01P, Treatment('Placebo'))[T.Xanomeline High Dose]"
    (row,) = results["outcome_comparison"].rows
    assert row.estimate == pytest.approx(float(fit.params[name]), rel=1e-9)
    assert row.p_value == pytest.approx(float(fit.pvalues[name]), rel=1e-7)
    assert row.n_arm + row.n_control == len(analysed) == 22
    assert row.variable == "CHG" and row.population == "EFFFL"
    footnotes = " ".join(results["outcome_comparison"].footnotes)
    assert "Efficacy population (EFFFL = Y)" in footnotes and "records with ANL01FL = Y" in footnotes


def test_without_a_record_flag_the_locf_records_are_left_out_and_said_so(adam: tuple[Path, pd.DataFrame]) -> None:
    folder, _ = adam
    text = (folder / "trial.toml").read_text(encoding="utf-8")
    other = folder.parent / "no-flag"
    other.mkdir()
    for path in folder.iterdir():
        (other / path.name).write_bytes(path.read_bytes())
    (other / "trial.toml").write_text(text.replace('records = "ANL01FL"\n', ""), encoding="utf-8")
    results = build_analysis(load_source(other, "cdiscpilot"))
    notes = " ".join(results["outcome_comparison"].footnotes)
    assert "derived records (DTYPE: 5 LOCF) are not used" in notes
    assert "further record(s) for a participant already counted" in notes  # the repeat assessments


def test_an_adjusting_variable_no_dataset_carries_is_refused_at_its_key(adam: tuple[Path, pd.DataFrame]) -> None:
    folder, _ = adam
    other = folder.parent / "bad-adjust"
    other.mkdir()
    for path in folder.iterdir():
        (other / path.name).write_bytes(path.read_bytes())
    text = (folder / "trial.toml").read_text(encoding="utf-8").replace('"SITEGR1"]', '"REGION1"]')
    (other / "trial.toml").write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match="adjusts for REGION1") as raised:
        build_analysis(load_source(other, "cdiscpilot"))
    assert (raised.value.file, raised.value.column) == ("trial.toml", "outcomes.adjust")


def _sdtm(folder: Path, **extra: list[dict[str, object]]) -> Path:
    dm = [{"USUBJID": f"S-{i}", "ARMCD": "DRUG" if i % 2 else "PBO", "ARM": "Drug" if i % 2 else "Placebo",
           "ACTARMCD": "DRUG" if i % 2 else "PBO", "ACTARM": "Drug" if i % 2 else "Placebo",
           "RFXSTDTC": "2021-01-01", "RFXENDTC": "2021-03-01", "AGE": 40, "SEX": "M"} for i in range(8)]  # fmt: skip
    ae = [{"USUBJID": "S-1", "AESEQ": 1, "AETERM": "x", "AEDECOD": "Headache", "AEBODSYS": "Nervous system disorders",
           "AESTDTC": "2021-01-05", "AESER": "N"}]  # fmt: skip
    qs = []
    for i in range(8):
        qs.append({"USUBJID": f"S-{i}", "QSTESTCD": "HAMD", "QSTEST": "HAM-D total", "QSSTRESN": 20.0 + i,
                   "QSSTRESC": str(20 + i), "QSSTRESU": "", "VISIT": "BASELINE", "VISITNUM": 1, "QSBLFL": "Y",
                   "QSDTC": "2021-01-01"})  # fmt: skip
        week8 = 18.0 - 2 * (i % 2) + i + (0.5 if i < 2 else 0)
        qs.append({"USUBJID": f"S-{i}", "QSTESTCD": "HAMD", "QSTEST": "HAM-D total", "QSSTRESN": week8,
                   "QSSTRESC": "", "QSSTRESU": "", "VISIT": "WEEK 8", "VISITNUM": 3, "QSBLFL": "",
                   "QSDTC": "2021-02-26T10:00"})  # fmt: skip
    for name, rows in {"dm": dm, "ae": ae, "qs": qs, **extra}.items():
        write_dataset(folder, name, rows, "csv")
    return folder


def test_sdtm_findings_are_outcomes_with_the_blfl_record_as_baseline(tmp_path: Path) -> None:
    folder = _sdtm(tmp_path / "sdtm")
    (folder / "trial.toml").write_text('[[outcomes]]\nparameter = "HAMD"\nvariable = "change"\ntimepoint = "WEEK 8"\n'
                                       'method = "welch"\n', encoding="utf-8")  # fmt: skip
    data = load_source(folder, "sdtm", control="PBO")
    week8 = [m for m in data.measurements if m.visit == "WEEK 8"]
    assert len(week8) == 8 and all(m.dataset == "QS" and m.measured_on == date(2021, 2, 26) for m in week8)
    results = build_analysis(data)
    (row,) = results["outcome_comparison"].rows
    # Change = WEEK 8 − BASELINE: drug (odd i) 16 + i − (20 + i) = −4, placebo 18 + i − (20 + i) = −2.
    assert row.estimate == pytest.approx(-2.0)
    assert any("no BASE" in note for note in results["outcome_comparison"].footnotes)


def test_a_paramcd_in_two_datasets_must_be_named(tmp_path: Path) -> None:
    lb = [{"USUBJID": "S-0", "LBTESTCD": "HAMD", "LBSTRESN": 1.0, "VISIT": "WEEK 8", "VISITNUM": 3, "LBBLFL": ""}]
    folder = _sdtm(tmp_path / "sdtm", lb=lb)
    (folder / "trial.toml").write_text('[[outcomes]]\nparameter = "HAMD"\n', encoding="utf-8")
    with pytest.raises(DataError, match="is in LB, QS") as raised:
        build_analysis(load_source(folder, "sdtm", control="PBO"))
    assert raised.value.column == "outcomes.dataset"
