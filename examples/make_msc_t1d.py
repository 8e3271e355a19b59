"""Generate the synthetic example trial in examples/msc-t1d/ (bundle format).

SYNTHETIC DATA. The design follows the registered MSC trial in newly diagnosed type 1 diabetes
(IRCT2016070428786N1 / NCT04078308): 21 randomized participants, two infusions (baseline and
month 3), follow-up to month 12. Every value below is invented, from a fixed seed, so that running this
script again writes the same files. Run: python examples/make_msc_t1d.py
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

OUT = Path(__file__).parent / "msc-t1d"
SEED = 20160704
VISITS = [("Baseline", 0), ("Month 3", 3), ("Month 6", 6), ("Month 9", 9), ("Month 12", 12)]

# (SOC, PT, typical grade): MedDRA names, CTCAE v5 grades. The serious events are added by _special_events.
AE_CATALOGUE = [
    ("Metabolism and nutrition disorders", "Hypoglycaemia", 1),
    ("Nervous system disorders", "Headache", 1),
    ("Nervous system disorders", "Dizziness", 1),
    ("General disorders and administration site conditions", "Pyrexia", 1),
    ("General disorders and administration site conditions", "Fatigue", 1),
    ("General disorders and administration site conditions", "Infusion site pain", 1),
    ("Infections and infestations", "Upper respiratory tract infection", 1),
    ("Infections and infestations", "Nasopharyngitis", 1),
    ("Gastrointestinal disorders", "Nausea", 1),
    ("Gastrointestinal disorders", "Diarrhoea", 1),
    ("Musculoskeletal and connective tissue disorders", "Back pain", 1),
    ("Injury, poisoning and procedural complications", "Procedural pain", 1),
    ("Skin and subcutaneous tissue disorders", "Rash", 1),
]


def main() -> None:
    rng = random.Random(SEED)
    # A second stream for what later versions added, so that the earlier data stay as they were.
    events_rng = random.Random(SEED + 1)
    # A third for the laboratory and vital-sign data (added later still).
    labs_rng = random.Random(SEED + 2)
    participants, exposure, aes, measurements = [], [], [], []
    labs: list[dict[str, str]] = []
    vitals: list[dict[str, str]] = []
    screen_failures = {"MSC-105", "MSC-112", "MSC-119"}
    arms = ["MSC"] * 11 + ["PBO"] * 10
    rng.shuffle(arms)
    arm_iter = iter(arms)
    day = date(2017, 1, 15)
    for n in range(1, 25):
        subject = f"MSC-{100 + n}"
        consent = day
        day += timedelta(days=rng.randint(10, 22))
        age = rng.randint(18, 35)
        sex = rng.choice("MF")
        if subject in screen_failures:
            participants.append(
                _participant(
                    subject,
                    "",
                    age,
                    sex,
                    consent,
                    None,
                    None,
                    None,
                    "screen failure",
                    "Fasting C-peptide below inclusion threshold",
                    consent + timedelta(days=7),
                    safety="N",
                    itt="N",
                )
            )
            continue
        arm = next(arm_iter)
        randomized = consent + timedelta(days=rng.randint(7, 14))
        dose1 = randomized + timedelta(days=rng.randint(1, 5))
        dose2 = dose1 + timedelta(days=91)
        disposition, reason, end = "completed", "", dose1 + timedelta(days=365)
        if subject == "MSC-109":
            disposition, reason, end = "discontinued", "Withdrawal by subject", dose1 + timedelta(days=150)
        if subject == "MSC-117":
            disposition, reason, end = "discontinued", "Adverse event", dose1 + timedelta(days=40)
            dose2 = None  # second infusion withheld after the event
        if subject == "MSC-122":
            disposition, reason, end = "ongoing", "", dose1 + timedelta(days=300)
        participants.append(
            _participant(
                subject,
                arm,
                age,
                sex,
                consent,
                randomized,
                dose1,
                dose2 or dose1,
                disposition,
                reason,
                end if disposition != "ongoing" else None,
            )
        )
        for when in (dose1, dose2):
            if when:
                exposure.append(
                    {
                        "subject_id": subject,
                        "treatment": "MSC infusion" if arm == "MSC" else "Placebo",
                        "dose": "1.0" if arm == "MSC" else "0",
                        "dose_unit": "10^6 cells/kg",
                        "start_date": when.isoformat(),
                        "end_date": when.isoformat(),
                    }
                )
        aes.extend(_adverse_events(rng, subject, arm, dose1, end))
        measurements.extend(_measurements(rng, subject, arm, dose1, end))
        measurements.append(_time_to_severe_hypoglycaemia(events_rng, subject, arm, dose1, end))
        found_labs, found_vitals = _laboratory(labs_rng, subject, arm, dose1, end)
        labs.extend(found_labs)
        vitals.extend(found_vitals)
    _special_events(aes)
    for index, ae in enumerate(sorted(aes, key=lambda a: (a["subject_id"], a["start_date"])), start=1):
        ae["ae_id"] = str(index)
    _write("participants.csv", participants)
    _write("exposure.csv", exposure)
    _write("adverse_events.csv", sorted(aes, key=lambda a: int(a["ae_id"])))
    _write("measurements.csv", measurements)
    _write("labs.csv", labs)
    _write("vitals.csv", vitals)


def _participant(subject, arm, age, sex, consent, randomized, dose1, last, disposition, reason, end, safety="", itt=""):  # type: ignore[no-untyped-def]
    return {
        "subject_id": subject,
        "site": "Royan Institute, Tehran",
        "country": "Iran",
        "age": str(age),
        "age_unit": "YEARS",
        "sex": sex,
        "race": "White",
        "ethnicity": "Not Hispanic or Latino",
        "consent_date": consent.isoformat(),
        "arm": arm,
        "randomization_date": randomized.isoformat() if randomized else "",
        "first_dose_date": dose1.isoformat() if dose1 else "",
        "last_dose_date": last.isoformat() if last else "",
        "safety": safety,
        "itt": itt,
        "per_protocol": "N" if disposition != "completed" else ("Y" if arm else "N"),
        "disposition": disposition,
        "disposition_reason": reason,
        "disposition_date": end.isoformat() if end else "",
        "death_date": "",
        "death_cause": "",
    }


def _adverse_events(rng: random.Random, subject: str, arm: str, dose1: date, end: date) -> list[dict[str, str]]:
    events = []
    for _ in range(rng.randint(0, 5)):
        soc, pt, grade = rng.choice(AE_CATALOGUE)
        if pt == "Infusion site pain" and arm == "PBO" and rng.random() < 0.5:
            soc, pt = "Nervous system disorders", "Headache"
        start = dose1 + timedelta(days=rng.randint(0, max(1, (end - dose1).days - 10)))
        related = (
            "POSSIBLY RELATED"
            if pt in ("Infusion site pain", "Pyrexia", "Procedural pain")
            else rng.choice(["NOT RELATED", "NOT RELATED", "UNLIKELY RELATED"])
        )
        grade = grade + (1 if rng.random() < 0.25 else 0)
        events.append(_ae(subject, soc, pt, start, start + timedelta(days=rng.randint(1, 6)), grade, related))
    return events


def _ae(
    subject,
    soc,
    pt,
    start,
    end,
    grade,
    related,
    serious=False,
    hosp=False,
    action="DOSE NOT CHANGED",
    outcome="RECOVERED/RESOLVED",
    start_text=None,
):  # type: ignore[no-untyped-def]
    severity = {1: "MILD", 2: "MODERATE"}.get(grade, "SEVERE")
    return {
        "ae_id": "",
        "subject_id": subject,
        "verbatim_term": pt.lower().replace("aem", "em").replace("rhoea", "rhea"),
        "llt": "",
        "pt": pt,
        "soc": soc,
        "start_date": start_text or start.isoformat(),
        "end_date": end.isoformat() if end else "",
        "severity": severity,
        "ctcae_grade": str(grade),
        "serious": "Y" if serious else "N",
        "sae_death": "N",
        "sae_life_threatening": "N",
        "sae_hospitalization": "Y" if hosp else "N",
        "sae_disability": "N",
        "sae_congenital_anomaly": "N",
        "sae_other": "N",
        "relationship": related,
        "action_taken": action,
        "outcome": outcome,
    }


def _special_events(aes: list[dict[str, str]]) -> None:
    """The events a DSMB would discuss: serious ones, the AE that ended a participant's treatment,
    an event before the first dose (not treatment-emergent) and one with a partial start date."""
    soc_metab = "Metabolism and nutrition disorders"
    aes.append(
        _ae(
            "MSC-104",
            soc_metab,
            "Diabetic ketoacidosis",
            date(2017, 9, 2),
            date(2017, 9, 6),
            3,
            "NOT RELATED",
            serious=True,
            hosp=True,
        )
    )
    aes.append(
        _ae(
            "MSC-113",
            soc_metab,
            "Hypoglycaemia",
            date(2017, 12, 11),
            date(2017, 12, 12),
            3,
            "UNLIKELY RELATED",
            serious=True,
            hosp=True,
        )
    )
    aes.append(
        _ae(
            "MSC-120",
            "Infections and infestations",
            "Pneumonia",
            date(2018, 5, 20),
            date(2018, 6, 1),
            3,
            "NOT RELATED",
            serious=True,
            hosp=True,
            outcome="RECOVERED/RESOLVED",
        )
    )
    aes.append(
        _ae(
            "MSC-117",
            "Immune system disorders",
            "Hypersensitivity",
            date(2017, 10, 30),
            date(2017, 11, 2),
            2,
            "RELATED",
            action="DRUG WITHDRAWN",
        )
    )
    aes.append(
        _ae("MSC-102", "Nervous system disorders", "Headache", date(2017, 1, 30), date(2017, 1, 31), 1, "NOT RELATED")
    )
    aes.append(
        _ae(
            "MSC-110",
            "Gastrointestinal disorders",
            "Abdominal pain",
            date(2017, 8, 1),
            None,
            1,
            "NOT RELATED",
            outcome="UNKNOWN",
            start_text="2017-08",
        )
    )


def _measurements(rng: random.Random, subject: str, arm: str, dose1: date, end: date) -> list[dict[str, str]]:
    rows = []
    effect = 1.0 if arm == "MSC" else 0.0
    # Newly diagnosed type 1 diabetes: HbA1c 6.5–13% at baseline, and never below 5.5% on treatment.
    hba1c0, cpf0, cps0 = min(13.0, max(6.5, rng.gauss(9.0, 1.0))), rng.gauss(0.45, 0.12), rng.gauss(0.95, 0.25)
    ins0, hypo0, qol0 = rng.gauss(0.55, 0.12), rng.randint(1, 6), rng.gauss(62, 9)
    for visit, month in VISITS:
        when = dose1 + timedelta(days=round(30.4 * month))
        if when > end:
            break
        decline = month / 12
        values = {
            "HBA1C": (max(5.5, hba1c0 - 1.6 * decline - 0.5 * effect * decline + rng.gauss(0, 0.35)), "%", "HbA1c"),
            "CPEPF": (
                max(0.02, cpf0 * (1 - 0.35 * decline + 0.2 * effect * decline) + rng.gauss(0, 0.04)),
                "ng/mL",
                "Fasting C-peptide",
            ),
            "CPEPS": (
                max(0.05, cps0 * (1 - 0.4 * decline + 0.3 * effect * decline) + rng.gauss(0, 0.08)),
                "ng/mL",
                "Stimulated C-peptide (MMTT peak)",
            ),
            "INSDOSE": (
                max(0.1, ins0 + 0.1 * decline - 0.08 * effect * decline + rng.gauss(0, 0.05)),
                "U/kg/day",
                "Insulin dose",
            ),
            "HYPO": (
                max(0, hypo0 + rng.randint(-2, 2) - round(effect * decline)),
                "episodes/month",
                "Hypoglycaemic episodes",
            ),
            "QOL": (min(100, qol0 + 6 * decline + 3 * effect * decline + rng.gauss(0, 4)), "score", "DQOL total"),
        }
        for code, (value, unit, label) in values.items():
            precision = 0 if code == "HYPO" else (1 if code in ("HBA1C", "QOL") else 2)
            rows.append(
                {
                    "subject_id": subject,
                    "parameter": code,
                    "parameter_label": label,
                    "visit": visit,
                    "visit_number": str(month),
                    "value": f"{value:.{precision}f}",
                    "unit": unit,
                    "baseline": "Y" if month == 0 else "N",
                    "date": when.isoformat(),
                    "censored": "",
                }
            )
    return rows


def _time_to_severe_hypoglycaemia(rng: random.Random, subject: str, arm: str, dose1: date, end: date) -> dict[str, str]:
    """Days from the first infusion to the first severe hypoglycaemia, censored at the end of follow-up: about a
    third of placebo participants and a fifth on MSC have one within the year (exponential times, in weeks)."""
    rate = (0.35 if arm == "MSC" else 0.9) / 52
    weeks = rng.expovariate(rate)
    followed = (end - dose1).days
    days = min(followed, 7 * round(weeks))  # recorded to the week: tied times, as a diary gives them
    event = 7 * round(weeks) <= followed
    return {
        "subject_id": subject,
        "parameter": "TTSHYPO",
        "parameter_label": "Time to first severe hypoglycaemia",
        "visit": "",
        "visit_number": "",
        "value": str(days),
        "unit": "days",
        "baseline": "N",
        "date": (dose1 + timedelta(days=days)).isoformat(),
        "censored": "0" if event else "1",
    }


# Haematology and chemistry for young people with type 1 diabetes, SI units: code -> (name, category, unit, low,
# high, mean, SD, decimals). Reference ranges are typical adult ones; glucose runs high, as it does in diabetes.
LABS = {
    "HGB": ("Hemoglobin", "HEMATOLOGY", "g/L", 120, 160, 138, 11, 0),
    "WBC": ("Leukocytes", "HEMATOLOGY", "10^9/L", 4.0, 10.0, 6.5, 1.5, 1),
    "NEUT": ("Neutrophils", "HEMATOLOGY", "10^9/L", 1.8, 7.0, 3.6, 1.1, 1),
    "LYM": ("Lymphocytes", "HEMATOLOGY", "10^9/L", 1.0, 3.5, 2.1, 0.5, 1),
    "PLAT": ("Platelets", "HEMATOLOGY", "10^9/L", 150, 400, 250, 50, 0),
    "ALT": ("Alanine Aminotransferase", "CHEMISTRY", "U/L", 7, 40, 20, 7, 0),
    "AST": ("Aspartate Aminotransferase", "CHEMISTRY", "U/L", 10, 40, 22, 6, 0),
    "BILI": ("Bilirubin", "CHEMISTRY", "umol/L", 3, 21, 9, 3, 0),
    "ALP": ("Alkaline Phosphatase", "CHEMISTRY", "U/L", 40, 130, 85, 20, 0),
    "CREAT": ("Creatinine", "CHEMISTRY", "umol/L", 45, 110, 72, 11, 0),
    "GLUC": ("Glucose", "CHEMISTRY", "mmol/L", 3.9, 7.8, 9.5, 3.0, 1),
    "K": ("Potassium", "CHEMISTRY", "mmol/L", 3.5, 5.1, 4.2, 0.3, 1),
}
# Vital signs: code -> (name, unit, low, high, mean, SD, decimals, position).
VITALS = {
    "SYSBP": ("Systolic Blood Pressure", "mmHg", 90, 130, 115, 10, 0, "SITTING"),
    "DIABP": ("Diastolic Blood Pressure", "mmHg", 60, 85, 72, 8, 0, "SITTING"),
    "PULSE": ("Pulse Rate", "beats/min", 60, 100, 74, 10, 0, "SITTING"),
    "TEMP": ("Temperature", "C", 36.1, 37.5, 36.7, 0.3, 1, ""),
    "WEIGHT": ("Weight", "kg", "", "", 68, 11, 1, ""),
}


def _laboratory(
    rng: random.Random, subject: str, arm: str, dose1: date, end: date
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Blood counts, liver and kidney values, glucose and potassium, and vital signs, at each visit reached: the
    baseline sample on the morning of the first infusion, before it. Each participant has a level per parameter
    and varies about it; after an MSC infusion (months 0 and 3) lymphocytes dip and ALT rises a little at month 3."""
    labs, vitals = [], []
    levels = {code: rng.gauss(spec[5], spec[6] * 0.7) for code, spec in LABS.items()}
    levels |= {code: rng.gauss(spec[4], spec[5] * 0.7) for code, spec in VITALS.items()}
    for visit, month in VISITS:
        when = dose1 + timedelta(days=round(30.4 * month))
        if when > end:
            break
        common = {"subject_id": subject, "visit": visit, "visit_number": str(month), "date": when.isoformat(),
                  "baseline": "Y" if month == 0 else "N"}  # fmt: skip
        for code, (name, category, unit, low, high, _, sd, decimals) in LABS.items():
            value = levels[code] + rng.gauss(0, sd * 0.5)
            if arm == "MSC" and month == 3:
                value += {"ALT": 9.0, "LYM": -0.5}.get(code, 0.0)
            value = max(value, 10**-decimals)
            labs.append({**common, "parameter": code, "parameter_label": name, "category": category, "unit": unit,
                         "value": f"{value:.{decimals}f}", "low": str(low), "high": str(high)})  # fmt: skip
        for code, (name, unit, low, high, _, sd, decimals, position) in VITALS.items():
            value = levels[code] + rng.gauss(0, sd * (0.1 if code == "WEIGHT" else 0.5))
            vitals.append({**common, "parameter": code, "parameter_label": name, "unit": unit, "position": position,
                           "value": f"{value:.{decimals}f}", "low": str(low), "high": str(high)})  # fmt: skip
    return labs, vitals


def _write(name: str, rows: list[dict[str, str]]) -> None:
    with (OUT / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
