"""One small laboratory and vital-sign data set, written as ADaM (ADSL, ADAE, ADLB, ADVS), SDTM (DM, AE, LB, VS) and
a bundle (participants.csv, adverse_events.csv, labs.csv, vitals.csv), with the derived variables worked by hand.

Two participants; trial.toml's teae_window_days = 7.
  P-1: first dose 2021-01-10, last dose 2021-03-10 (on treatment after 01-10, up to 03-17).
  P-2: first dose 2021-01-12, last dose 2021-02-12 (on treatment after 01-12, up to 02-19).
Normal ranges: ALT 7-56 U/L, HGB 120-160 g/L, SYSBP 90-140 mmHg.

ALT is flagged at baseline in the source; HGB is not (no HGB record is flagged), so its baseline is derived: the last
record with a result on or before the first dose. P-1's HGB of 01-10 was not done, so the baseline is the
screening value of 01-02. P-2's Week 12 ALT has a visit and no date: kept, on-treatment unknown, and after the
baseline by its visit number.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.cdisc import write_dataset

D = date
NA = None
DOSES = {"P-1": (D(2021, 1, 10), D(2021, 3, 10)), "P-2": (D(2021, 1, 12), D(2021, 2, 12))}
PARAMETERS = {  # code: (label, category, unit, low, high, domain)
    "ALT": ("Alanine Aminotransferase", "CHEMISTRY", "U/L", 7.0, 56.0, "LB"),
    "HGB": ("Hemoglobin", "HEMATOLOGY", "g/L", 120.0, 160.0, "LB"),
    "SYSBP": ("Systolic Blood Pressure", None, "mmHg", 90.0, 140.0, "VS"),
}
# subject, parameter, visit, visit number, date, position, value, source's baseline flag,
# then by hand: ABLFL, BASE, CHG, ANRIND, BNRIND, ONTRTFL, ADY
RECORDS = [
    # ALT, P-1: baseline 40 (flagged). CHG = 120 - 40 = 80 and 50 - 40 = 10. 120 > 56: HIGH.
    # ADY: 01-02 is 8 days before the first dose (-8); 02-07 is 28 days after (29); 04-04 is 84 after (85).
    # ONTRTFL: 01-10 is the first dose day (not after it): N; 04-04 is after 03-10 + 7 = 03-17: N.
    ("P-1", "ALT", "SCREENING", 1, D(2021, 1, 2), NA, 30.0, "", False, 40.0, NA, "NORMAL", "NORMAL", False, -8),
    ("P-1", "ALT", "BASELINE", 2, D(2021, 1, 10), NA, 40.0, "Y", True, 40.0, NA, "NORMAL", "NORMAL", False, 1),
    ("P-1", "ALT", "WEEK 4", 3, D(2021, 2, 7), NA, 120.0, "", False, 40.0, 80.0, "HIGH", "NORMAL", True, 29),
    ("P-1", "ALT", "WEEK 12", 4, D(2021, 4, 4), NA, 50.0, "", False, 40.0, 10.0, "NORMAL", "NORMAL", False, 85),
    # HGB, P-1: no flag for HGB anywhere, so the baseline is derived: 01-10 was not done (no value), 01-02's 130 is
    # the last result on or before the first dose. CHG at Week 4 = 110 - 130 = -20; 110 < 120: LOW.
    ("P-1", "HGB", "SCREENING", 1, D(2021, 1, 2), NA, 130.0, "", True, 130.0, NA, "NORMAL", "NORMAL", False, -8),
    ("P-1", "HGB", "BASELINE", 2, D(2021, 1, 10), NA, NA, "", False, 130.0, NA, NA, "NORMAL", False, 1),
    ("P-1", "HGB", "WEEK 4", 3, D(2021, 2, 7), NA, 110.0, "", False, 130.0, -20.0, "LOW", "NORMAL", True, 29),
    # ALT, P-2: baseline 60 > 56: HIGH, so BNRIND HIGH. 02-15 is within 02-12 + 7: on treatment; ADY 01-11 -> -1,
    # 02-15 -> 34 days after 01-12 -> 35. Week 12 has no date: ONTRTFL and ADY unknown; CHG by visit number (4 > 2).
    ("P-2", "ALT", "BASELINE", 2, D(2021, 1, 11), NA, 60.0, "Y", True, 60.0, NA, "HIGH", "HIGH", False, -1),
    ("P-2", "ALT", "WEEK 4", 3, D(2021, 2, 15), NA, 30.0, "", False, 60.0, -30.0, "NORMAL", "HIGH", True, 35),
    ("P-2", "ALT", "WEEK 12", 4, NA, NA, 20.0, "", False, 60.0, -40.0, "NORMAL", "HIGH", NA, NA),
    # SYSBP, P-1, by position (each its own baseline): sitting 150 - 120 = 30 (150 > 140: HIGH), standing 118 - 115 = 3.
    ("P-1", "SYSBP", "BASELINE", 2, D(2021, 1, 10), "SITTING", 120.0, "Y", True, 120.0, NA, "NORMAL", "NORMAL", False,
     1),
    ("P-1", "SYSBP", "BASELINE", 2, D(2021, 1, 10), "STANDING", 115.0, "Y", True, 115.0, NA, "NORMAL", "NORMAL", False,
     1),
    ("P-1", "SYSBP", "WEEK 4", 3, D(2021, 2, 7), "SITTING", 150.0, "", False, 120.0, 30.0, "HIGH", "NORMAL", True, 29),
    ("P-1", "SYSBP", "WEEK 4", 3, D(2021, 2, 7), "STANDING", 118.0, "", False, 115.0, 3.0, "NORMAL", "NORMAL", True,
     29),
]  # fmt: skip
EXPECTED = ("ablfl", "base", "chg", "anrind", "bnrind", "ontrtfl", "ady")
TRIAL_TOML = """[trial]
title = "Laboratory fixture"
teae_window_days = 7

[[arms]]
code = "ACT"
label = "Active"
type = "Experimental"

[[arms]]
code = "PBO"
label = "Placebo"
type = "Placebo Comparator"
control = true
"""
ARMS = {"P-1": ("ACT", "Active"), "P-2": ("PBO", "Placebo")}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def write_bundle(folder: Path, records: list[tuple] = RECORDS) -> Path:  # type: ignore[type-arg]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "trial.toml").write_text(TRIAL_TOML, encoding="utf-8")
    lines = ["subject_id,arm,age,sex,randomization_date,first_dose_date,last_dose_date,disposition"]
    for subject, (first, last) in DOSES.items():
        lines.append(f"{subject},{ARMS[subject][0]},15,F,{first},{first},{last},completed")
    (folder / "participants.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "adverse_events.csv").write_text("subject_id,verbatim_term,pt,soc,start_date,serious\n"
                                               "P-1,headache,Headache,Nervous system disorders,2021-01-20,N\n",
                                               encoding="utf-8")  # fmt: skip
    header = (
        "subject_id,parameter,parameter_label,category,unit,visit,visit_number,position,date,value,low,high,baseline"
    )
    for name, domain in (("labs.csv", "LB"), ("vitals.csv", "VS")):
        rows = [header]
        for r in records:
            label, category, unit, low, high, in_domain = PARAMETERS[r[1]]
            if in_domain == domain:
                rows.append(",".join(_text(v) for v in (r[0], r[1], label, category, unit, r[2], r[3], r[5], r[4],
                                                        r[6], low, high, r[7])))  # fmt: skip
        (folder / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def write_sdtm(folder: Path, fmt: str = "csv", records: list[tuple] = RECORDS) -> Path:  # type: ignore[type-arg]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "trial.toml").write_text(TRIAL_TOML, encoding="utf-8")
    dm = [{"USUBJID": s, "ARMCD": ARMS[s][0], "ARM": ARMS[s][1], "ACTARMCD": ARMS[s][0], "ACTARM": ARMS[s][1],
           "AGE": 15, "SEX": "F", "RFXSTDTC": first.isoformat(), "RFXENDTC": last.isoformat()}
          for s, (first, last) in DOSES.items()]  # fmt: skip
    ae = [{"USUBJID": "P-1", "AESEQ": 1, "AETERM": "headache", "AEDECOD": "Headache",
           "AEBODSYS": "Nervous system disorders", "AESTDTC": "2021-01-20", "AESER": "N"}]  # fmt: skip
    write_dataset(folder, "dm", dm, fmt)
    write_dataset(folder, "ae", ae, fmt)
    for domain in ("LB", "VS"):
        rows = []
        for r in records:
            label, category, unit, low, high, in_domain = PARAMETERS[r[1]]
            if in_domain != domain:
                continue
            row = {"USUBJID": r[0], f"{domain}TESTCD": r[1], f"{domain}TEST": label, f"{domain}STRESN": r[6],
                   f"{domain}STRESC": _text(r[6]), f"{domain}STRESU": unit, f"{domain}STNRLO": low,
                   f"{domain}STNRHI": high, f"{domain}STAT": "NOT DONE" if r[6] is None else "",
                   "VISIT": r[2], "VISITNUM": r[3], f"{domain}DTC": (r[4].isoformat() + "T08:30") if r[4] else "",
                   f"{domain}BLFL": r[7]}  # fmt: skip
            if domain == "LB":
                row["LBCAT"] = category
            else:
                row["VSPOS"] = r[5]
            rows.append(row)
        write_dataset(folder, domain.lower(), rows, fmt)
    return folder


def write_adam(folder: Path, fmt: str = "csv", records: list[tuple] = RECORDS) -> Path:  # type: ignore[type-arg]
    """ADaM as a sponsor would give it: the derived variables carry the values worked by hand above."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "trial.toml").write_text(TRIAL_TOML, encoding="utf-8")
    adsl = [{"USUBJID": s, "TRT01P": ARMS[s][1], "TRT01A": ARMS[s][1], "SAFFL": "Y", "ITTFL": "Y", "AGE": 15,
             "SEX": "F", "TRTSDT": first, "TRTEDT": last, "RANDDT": first}
            for s, (first, last) in DOSES.items()]  # fmt: skip
    adae = [{"USUBJID": "P-1", "AESEQ": 1, "AETERM": "headache", "AEDECOD": "Headache",
             "AEBODSYS": "Nervous system disorders", "AESTDTC": "2021-01-20", "ASTDT": D(2021, 1, 20), "AESER": "N",
             "TRTEMFL": "Y"}]  # fmt: skip
    write_dataset(folder, "adsl", adsl, fmt)
    write_dataset(folder, "adae", adae, fmt)
    flag = {True: "Y", False: "", None: ""}
    for dataset in ("adlb", "advs"):
        rows = []
        for r in records:
            label, category, unit, low, high, in_domain = PARAMETERS[r[1]]
            if (in_domain == "VS") != (dataset == "advs"):
                continue
            ablfl, base, chg, anrind, bnrind, ontrtfl, ady = r[8:]
            row = {"USUBJID": r[0], "PARAMCD": r[1], "PARAM": f"{label} ({unit})", "AVAL": r[6], "AVALU": unit,
                   "AVISIT": r[2], "AVISITN": r[3], "ADT": r[4], "ADY": ady, "ANRLO": low, "ANRHI": high,
                   "ANRIND": anrind or "", "BNRIND": bnrind, "ABLFL": flag[ablfl], "BASE": base, "CHG": chg,
                   "ONTRTFL": flag[ontrtfl]}  # fmt: skip
            if dataset == "adlb":
                row["PARCAT1"] = category
            else:
                row["VSPOS"] = r[5]
            rows.append(row)
        write_dataset(folder, dataset, rows, fmt)
    return folder
