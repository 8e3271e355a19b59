"""A small k-arm trial written as a bundle: placebo and up to four active arms, each with a code, a label, a
description and a dose that the masked DSMB edition must never print.

Every participant is randomized in 2021; some of the measurements, AEs and dispositions fall after the interim
cut-off (INTERIM). The outcomes cover each kind of SAP analysis: an ANCOVA with a dose-response trend (primary),
responders, a time to event and a count.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

INTERIM = date(2021, 6, 1)  # randomization runs from January to July


@dataclass(frozen=True)
class Arm:
    code: str
    label: str
    description: str
    dose: float


# Distinctive words, so that a masked edition printing any of them is found; doses with two decimals, which
# nothing else in a report prints by chance.
ARMS = (
    Arm("PBO", "Placebo", "Matching vehicle quellotrix patch", 0.0),
    Arm("XLOW", "Xanomeline Low Dose", "Xanomeline transdermal 12.25 milligram", 12.25),
    Arm("XHIGH", "Xanomeline High Dose", "Xanomeline transdermal 24.75 milligram", 24.75),
    Arm("ZORAL", "Zenorabine Oral", "Zenorabine capsule 49.25 milligram", 49.25),
    Arm("COMBO", "Combination Regimen", "Xanomeline plus zenorabine 98.75 milligram", 98.75),
)
PER_ARM = 12
AE_TERMS = (
    ("Headache", "Nervous system disorders"),
    ("Dizziness", "Nervous system disorders"),
    ("Nausea", "Gastrointestinal disorders"),
    ("Application site pruritus", "General disorders and administration site conditions"),
    ("Pneumonia", "Infections and infestations"),
)


def arms_of(k: int) -> tuple[Arm, ...]:
    return ARMS[:k]


def trial_toml(k: int) -> str:
    arms = "".join(
        f'\n[[arms]]\ncode = "{a.code}"\nlabel = "{a.label}"\n'
        f'type = "{"Placebo Comparator" if a.dose == 0 else "Experimental"}"\n'
        f'description = "{a.description}"\ndose = {a.dose}\ncontrol = {"true" if a.dose == 0 else "false"}\n'
        for a in arms_of(k)
    )
    return f"""[trial]
title = "A multi-arm test trial of symptom scores"
nct_id = "NCT00000099"
target_enrollment = {k * PER_ARM + 4}
{arms}
[[outcomes]]
parameter = "SCORE"
title = "Symptom score"
type = "primary"
method = "ancova"
timepoints = ["Week 8", "Week 16"]
timepoint = "Week 16"
dose_response = true

[[outcomes]]
parameter = "SCORE"
title = "Score improved by 2 or more"
type = "secondary"
variable = "responder"
responder = "CHG <= -2"
method = "newcombe"
timepoint = "Week 16"

[[outcomes]]
parameter = "TTR"
title = "Time to rescue medication"
type = "secondary"
variable = "time-to-event"
method = "logrank"

[[outcomes]]
parameter = "FALLS"
title = "Falls in the past month"
type = "secondary"
method = "poisson"
timepoint = "Week 16"

[monitoring]
outcome = "SCORE"
spending = "obrien-fleming"
alpha = 0.05
sides = 2
direction = "lower"
comparison = ["XHIGH vs PBO", "XLOW vs PBO"]
alpha_split = "holm"
maximum_information = {2 * PER_ARM}
planned_fractions = [0.5, 1.0]

[disposition]
fisher = true
"""


def write_multiarm_bundle(folder: Path, k: int, seed: int = 7) -> Path:
    """The k-arm trial's bundle in `folder` (created): trial.toml and the participants', AEs' and measurements'
    CSV files."""
    rng = random.Random(seed * 100 + k)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "trial.toml").write_text(trial_toml(k), encoding="utf-8")
    people: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    values: list[dict[str, object]] = []
    start = date(2021, 1, 11)
    number = 0
    for index in range(k * PER_ARM):
        arm = arms_of(k)[index % k]
        number += 1
        subject = f"S-{number:03d}"
        randomized = start + timedelta(days=index * 180 // (k * PER_ARM))
        first = randomized + timedelta(days=2)
        dropped = rng.random() < 0.2
        end = randomized + timedelta(days=rng.randint(40, 100) if dropped else 120)
        died = index == 7
        people.append({
            "subject_id": subject, "site": "North" if index % 2 else "South", "age": rng.randint(30, 70),
            "sex": rng.choice("MF"), "arm": arm.code, "randomization_date": randomized, "first_dose_date": first,
            "last_dose_date": end - timedelta(days=5),
            "disposition": "discontinued" if dropped or died else "completed",
            "disposition_reason": "Death" if died else "Withdrawal by subject" if dropped else "",
            "disposition_date": end, "death_date": end if died else "", "death_cause": "Pneumonia" if died else "",
        })  # fmt: skip
        effect = -1.5 * arm.dose / 24.75
        base = round(rng.gauss(20, 3), 1)
        values.append(_value(subject, "SCORE", "Symptom score", "Baseline", 0, base, "points", first, baseline=True))
        for week in (8, 16):
            when = first + timedelta(weeks=week)
            if week == 16 and dropped:
                continue
            score = round(base + effect * week / 16 + rng.gauss(0, 2), 1)
            values.append(_value(subject, "SCORE", "Symptom score", f"Week {week}", week, score, "points", when))
        if not dropped:
            falls = rng.choice((0, 0, 1, 1, 2, 3)) + (1 if arm.dose > 30 else 0)
            values.append(_value(subject, "FALLS", "Falls", "Week 16", 16, falls, "falls", first + timedelta(weeks=16)))
        days = rng.randint(10, 110)
        censored = rng.random() < 0.4 + arm.dose / 250
        values.append({**_value(subject, "TTR", "Time to rescue", "", None, days, "days",
                                first + timedelta(days=days)), "censored": "1" if censored else "0"})  # fmt: skip
        for _ in range(rng.randint(0, 3)):
            pt, soc = AE_TERMS[rng.randrange(len(AE_TERMS))]
            onset = first + timedelta(days=rng.randint(1, 110))
            serious = pt == "Pneumonia"
            events.append({
                "subject_id": subject, "verbatim_term": pt.lower(), "pt": pt, "soc": soc, "start_date": onset,
                "severity": "SEVERE" if serious else "MILD", "ctcae_grade": 3 if serious else 1,
                "serious": "Y" if serious else "N", "sae_hospitalization": "Y" if serious else "N",
                "relationship": rng.choice(("NOT RELATED", "POSSIBLY RELATED")),
                "action_taken": "DRUG WITHDRAWN" if serious else "DOSE NOT CHANGED",
                "outcome": "RECOVERED/RESOLVED",
            })  # fmt: skip
        if died:
            events.append({
                "subject_id": subject, "verbatim_term": "pneumonia", "pt": "Pneumonia", "soc": "Infections and "
                "infestations", "start_date": end - timedelta(days=4), "severity": "SEVERE", "ctcae_grade": 5,
                "serious": "Y", "sae_hospitalization": "Y", "relationship": "NOT RELATED",
                "action_taken": "DRUG WITHDRAWN", "outcome": "FATAL",
            })  # fmt: skip
    for extra in range(4):  # screen failures
        people.append({"subject_id": f"F-{extra + 1:02d}", "site": "North", "age": 50, "sex": "F", "arm": "",
                       "randomization_date": "", "first_dose_date": "", "disposition": "screen failure"})  # fmt: skip
    _write(folder / "participants.csv", people)
    _write(folder / "adverse_events.csv", [{"ae_id": n, **e} for n, e in enumerate(events, start=1)])
    _write(folder / "measurements.csv", values)
    return folder


def _value(subject: str, parameter: str, label: str, visit: str, number: int | None, value: float, unit: str,
           when: date, baseline: bool = False) -> dict[str, object]:  # fmt: skip
    return {"subject_id": subject, "parameter": parameter, "parameter_label": label, "visit": visit,
            "visit_number": "" if number is None else number, "value": value, "unit": unit,
            "baseline": "Y" if baseline else "N", "date": when, "censored": ""}  # fmt: skip


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    fields = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
