"""Generated trials of k arms, as a bundle or as ADaM (CSV), with events after an interim cut-off.

    trial = generate_trial(tmp_path / "t", arms=3, form="adam")
    trial.interim_cutoffs   # dates inside enrollment and follow-up, with participants ongoing at each
    trial.arm_strings()     # every label, code, description word and dose a masked edition must not print

SYNTHETIC: random values from a fixed seed; the same arguments write the same files. Each arm after the first
(placebo, the control) is a dose of "Zelofen", a name no template or footnote uses, so a search for it in a masked
report finds only leaks.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

START = date(2021, 1, 4)
ENROLLMENT_DAYS = 300
FOLLOW_UP_DAYS = 168
DATA_CUTOFF = START + timedelta(days=420)
VISITS = (("Baseline", 0, 0), ("Week 4", 4, 28), ("Week 12", 12, 84), ("Week 24", 24, 168))
TERMS = (
    ("Nervous system disorders", "Headache"),
    ("Nervous system disorders", "Dizziness"),
    ("Gastrointestinal disorders", "Nausea"),
    ("Gastrointestinal disorders", "Diarrhoea"),
    ("Skin and subcutaneous tissue disorders", "Rash"),
    ("Infections and infestations", "Nasopharyngitis"),
    ("General disorders and administration site conditions", "Fatigue"),
    ("Cardiac disorders", "Palpitations"),
)
# Laboratory parameters: code -> (name, category, unit, low, high, mean, SD); vital signs the same, by position.
LAB_PARAMETERS = {
    "ALT": ("Alanine Aminotransferase", "CHEMISTRY", "U/L", 7.0, 56.0, 25.0, 8.0),
    "AST": ("Aspartate Aminotransferase", "CHEMISTRY", "U/L", 10.0, 40.0, 24.0, 7.0),
    "BILI": ("Bilirubin", "CHEMISTRY", "umol/L", 3.0, 21.0, 10.0, 3.0),
    "ALP": ("Alkaline Phosphatase", "CHEMISTRY", "U/L", 40.0, 129.0, 80.0, 20.0),
    "CREAT": ("Creatinine", "CHEMISTRY", "umol/L", 53.0, 115.0, 80.0, 12.0),
    "GLUC": ("Glucose", "CHEMISTRY", "mmol/L", 3.9, 6.1, 5.2, 0.8),
    "HGB": ("Hemoglobin", "HEMATOLOGY", "g/L", 120.0, 170.0, 140.0, 12.0),
    "WBC": ("Leukocytes", "HEMATOLOGY", "10^9/L", 4.0, 11.0, 7.0, 1.8),
    "PLAT": ("Platelets", "HEMATOLOGY", "10^9/L", 150.0, 400.0, 260.0, 50.0),
}
VITAL_PARAMETERS = {
    "SYSBP": ("Systolic Blood Pressure", None, "mmHg", 90.0, 140.0, 122.0, 12.0),
    "DIABP": ("Diastolic Blood Pressure", None, "mmHg", 60.0, 90.0, 78.0, 8.0),
    "PULSE": ("Pulse Rate", None, "beats/min", 60.0, 100.0, 72.0, 9.0),
    "WEIGHT": ("Weight", None, "kg", None, None, 75.0, 12.0),
}
POSITIONS = {"SYSBP": ("SUPINE", "STANDING"), "DIABP": ("SUPINE", "STANDING"), "PULSE": ("SUPINE", "STANDING"),
             "WEIGHT": (None,)}  # fmt: skip
REASONS = ("Adverse event", "Withdrawal by subject", "Lost to follow-up")
DOSES = (10, 20, 40, 80, 160, 320)


@dataclass(frozen=True)
class GeneratedArm:
    code: str
    label: str
    description: str
    dose: float
    control: bool


@dataclass
class Person:
    subject_id: str
    site: str
    age: int
    sex: str
    arm: GeneratedArm | None
    randomized_on: date
    first_dose: date | None
    last_dose: date | None
    status: str  # completed, discontinued, ongoing, screen failure
    reason: str | None
    end: date | None  # end of participation (disposition date); None while ongoing
    death: date | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    measurements: list[tuple[str, int, int, date, float]] = field(default_factory=list)
    # (parameter, visit, visit number, day, date, position or None, value): laboratory and vital-sign results
    labs: list[tuple[str, str, int, int, date, str | None, float]] = field(default_factory=list)


@dataclass(frozen=True)
class GeneratedTrial:
    folder: Path
    form: str
    arms: tuple[GeneratedArm, ...]
    people: tuple[Person, ...]
    data_cutoff: date
    interim_cutoffs: tuple[date, ...]

    def arm_strings(self) -> tuple[str, ...]:
        """What names or describes an arm: labels, codes, the drug's name and each dose as printed with it."""
        found = {"Zelofen", "Placebo", "placebo"}
        for arm in self.arms:
            found |= {arm.label, arm.code}
            if not arm.control:
                found.add(f"{arm.dose:g} mg")
        return tuple(sorted(found))


def generate_trial(
    folder: Path,
    *,
    arms: int = 3,
    form: str = "bundle",
    per_arm: int = 12,
    seed: int = 1,
    randomization_date_column: bool = True,
    end_of_study_column: bool = True,
    monitoring: str | None = None,
    as_of: date | None = None,
) -> GeneratedTrial:
    """Write a k-arm trial to `folder` and describe it.

    randomization_date_column / end_of_study_column: ADaM only; without them ADSL has no RANDDT (the date is then
    TRTSDT's) or no EOSDT (the end of participation is then RFENDT only), as in real deliveries.
    monitoring: a `[monitoring]` section's body (TOML lines) to add to trial.toml.
    as_of: write the data as they would have been exported on that day (see `as_exported`), with it as the
    definition's data_cutoff: the same trial, seen earlier.
    """
    if not 2 <= arms <= len(DOSES) + 1:
        raise ValueError(f"arms must be 2 to {len(DOSES) + 1}")
    rng = random.Random(seed)
    made = [GeneratedArm("PBO", "Placebo", "Matching placebo tablets once daily", 0.0, True)]
    for dose in DOSES[: arms - 1]:
        label = f"Zelofen {dose} mg"
        made.append(GeneratedArm(f"Z{dose}", label, f"{label} tablets once daily", dose, False))
    people = _people(rng, tuple(made), per_arm, screen_failures=form == "bundle")
    number = 0
    for person in people:  # each AE's number, as the data keep it whatever the day of the export
        for seq, event in enumerate(person.events, start=1):
            number += 1
            event["id"], event["seq"] = number, seq
    _laboratory(people, made[-1], seed)
    if as_of is not None:
        people = [as_exported(p, as_of) for p in people if p.arm is None or p.randomized_on <= as_of]
    folder.mkdir(parents=True, exist_ok=True)
    _write_definition(folder, tuple(made), monitoring, as_of or DATA_CUTOFF)
    if form == "bundle":
        _write_bundle(folder, people)
    elif form == "adam":
        _write_adam(folder, people, randomization_date_column, end_of_study_column)
    else:
        raise ValueError(f"unknown form {form!r}")
    randomized = sorted(p.randomized_on for p in people if p.arm is not None)
    interim = (randomized[len(randomized) // 3], randomized[-1], START + timedelta(days=ENROLLMENT_DAYS + 60))
    return GeneratedTrial(folder, form, tuple(made), tuple(people), DATA_CUTOFF, interim)


def _people(rng: random.Random, arms: tuple[GeneratedArm, ...], per_arm: int, screen_failures: bool) -> list[Person]:
    allocation = [arm for arm in arms for _ in range(per_arm)]
    rng.shuffle(allocation)
    if screen_failures:
        allocation[1:1] = [None, None, None]  # type: ignore[list-item]
    days = sorted(rng.randint(0, ENROLLMENT_DAYS) for _ in allocation)
    people = []
    for index, (arm, day) in enumerate(zip(allocation, days, strict=True)):
        randomized_on = START + timedelta(days=day)
        person = Person(
            f"G-{index + 101:03d}", f"Site {index % 3 + 1}", rng.randint(18, 75), rng.choice("MF"), arm,
            randomized_on, None, None, "screen failure", None, randomized_on,
        )  # fmt: skip
        people.append(person)
        if arm is None:
            continue
        _follow(rng, person, arm)
    return people


def _follow(rng: random.Random, person: Person, arm: GeneratedArm) -> None:
    """Treatment, disposition, death, AEs and measurements; nothing after the data cut-off is recorded."""
    start = person.randomized_on
    treated = rng.random() > 0.05
    person.first_dose = start + timedelta(days=rng.randint(0, 3)) if treated else None
    planned_end = start + timedelta(days=FOLLOW_UP_DAYS + 7)
    roll = rng.random()
    if roll < 0.06 and treated:
        person.status, person.reason = "discontinued", "Death"
        person.end = person.death = start + timedelta(days=rng.randint(20, FOLLOW_UP_DAYS))
    elif roll < 0.3:
        person.status, person.reason = "discontinued", rng.choice(REASONS)
        person.end = start + timedelta(days=rng.randint(10, FOLLOW_UP_DAYS))
    else:
        person.status, person.reason, person.end = "completed", None, planned_end
    if person.end is not None and person.end > DATA_CUTOFF:
        person.status, person.reason, person.end, person.death = "ongoing", None, None, None
    stop = min(person.end or DATA_CUTOFF, DATA_CUTOFF)
    if treated and person.first_dose is not None:
        person.last_dose = min(stop, start + timedelta(days=FOLLOW_UP_DAYS))
        for _ in range(rng.choice((0, 1, 1, 2, 3, 4))):
            onset = person.first_dose + timedelta(days=rng.randint(0, FOLLOW_UP_DAYS))
            if onset > stop:
                continue
            soc, pt = rng.choice(TERMS)
            person.events.append(_event(rng, soc, pt, onset, serious=rng.random() < 0.12, fatal=False))
        if person.death is not None:
            fatal = _event(rng, "Cardiac disorders", "Cardiac arrest", person.death, serious=True, fatal=True)
            person.events.append(fatal)
    effect = arm.dose / 40
    level = 50 + rng.gauss(0, 6)
    for visit, number, day in VISITS:
        on = start + timedelta(days=day)
        if on > stop:
            break
        value = level if day == 0 else level - effect * day / FOLLOW_UP_DAYS * 4 + rng.gauss(0, 4)
        person.measurements.append((visit, number, day, on, round(value, 1)))


def _laboratory(people: list[Person], highest: GeneratedArm, seed: int) -> None:
    """Laboratory and vital-sign results at each visit the participant reached, from a generator of its own per
    participant (the other data stay as they were). ALT rises with the dose, so some values are beyond the normal
    range; the first treated participant of the highest dose to reach Week 4 has a possible Hy's law case there:
    ALT 5 x ULN, AST 4 x ULN and total bilirubin 2.5 x ULN, with ALP normal."""
    hy = next((p for p in people if p.arm == highest and p.first_dose is not None
               and any(m[0] == "Week 4" for m in p.measurements)), None)  # fmt: skip
    for person in people:
        if person.arm is None:
            continue
        rng = random.Random(f"labs-{seed}-{person.subject_id}")
        reached = [(visit, number, day, on) for visit, number, day, on, _ in person.measurements]
        for parameters in (LAB_PARAMETERS, VITAL_PARAMETERS):
            for code, (_, _, _, _, high, mean, sd) in parameters.items():
                level = rng.gauss(mean, sd / 2)
                for position in POSITIONS.get(code, (None,)):
                    for visit, number, day, on in reached:
                        value = level + rng.gauss(0, sd / 2)
                        if code == "ALT" and day > 0:
                            value += person.arm.dose / 40 * 6
                        if person is hy and visit == "Week 4" and code in ("ALT", "AST", "BILI"):
                            value = {"ALT": 5.0, "AST": 4.0, "BILI": 2.5}[code] * (high or 1)
                        person.labs.append((code, visit, number, day, on, position, round(max(value, 0.1), 1)))


def _event(rng: random.Random, soc: str, pt: str, onset: date, *, serious: bool, fatal: bool) -> dict[str, Any]:
    grade = 5 if fatal else rng.choice((1, 1, 2, 2, 3))
    return {
        "soc": soc, "pt": pt, "start": onset,
        "end": None if fatal else onset + timedelta(days=rng.randint(1, 14)),
        "grade": grade, "serious": serious, "fatal": fatal,
        "related": rng.choice(("NOT RELATED", "POSSIBLY RELATED", "RELATED")),
    }  # fmt: skip


def as_exported(person: Person, on: date) -> Person:
    """A participant's records as a data export on `on` would hold them, written out by hand: not yet dosed, an
    end of participation or a death still to come, AEs and visits after that day absent, an AE still going on
    with no end (its outcome not recovered), dosing so far ending on that day."""
    copy = replace(person, events=[], measurements=[], labs=[])
    if copy.first_dose is not None and copy.first_dose > on:
        copy.first_dose = copy.last_dose = None
    elif copy.last_dose is not None and copy.last_dose > on:
        copy.last_dose = on
    if copy.end is not None and copy.end > on:
        copy.status, copy.reason, copy.end = "ongoing", None, None
    if copy.death is not None and copy.death > on:
        copy.death = None
    for event in person.events:
        if event["start"] <= on:
            still = event["end"] is None or event["end"] > on
            copy.events.append({**event, "end": None if still else event["end"], "ongoing": still})
    copy.measurements = [m for m in person.measurements if m[3] <= on]
    copy.labs = [r for r in person.labs if r[4] <= on]
    return copy


def _write_definition(folder: Path, arms: tuple[GeneratedArm, ...], monitoring: str | None, cutoff: date) -> None:
    lines = [
        "# SYNTHETIC: generated by tests/trialgen.py",
        "[trial]",
        f'title = "Generated {len(arms)}-arm trial"',
        'nct_id = "NCT09999999"',
        f"target_enrollment = {len(arms) * 12}",
        f"enrollment_start = {START.isoformat()}",
        f"data_cutoff = {cutoff.isoformat()}",
        "",
    ]
    for arm in arms:
        kind = "Placebo Comparator" if arm.control else "Experimental"
        lines += [
            "[[arms]]", f'code = "{arm.code}"', f'label = "{arm.label}"', f'type = "{kind}"',
            f'description = "{arm.description}"', f"dose = {arm.dose:g}", f"control = {str(arm.control).lower()}", "",
        ]  # fmt: skip
    lines += [
        "[[outcomes]]", 'parameter = "SCORE"', 'title = "Symptom score"', 'type = "primary"',
        'time_frame = "Baseline and 24 weeks"', 'timepoint = "Week 24"', 'timepoints = ["Week 12", "Week 24"]',
        'method = "ancova"', "dose_response = true", 'direction = "lower"', "",
        "[[outcomes]]", 'parameter = "SCORE"', 'title = "Symptom score below 45 at 24 weeks"', 'type = "secondary"',
        'time_frame = "24 weeks"', 'timepoint = "Week 24"', 'variable = "responder"', 'responder = "AVAL < 45"',
        'method = "newcombe"', "",
    ]  # fmt: skip
    if monitoring:
        lines += ["[monitoring]", monitoring, ""]
    (folder / "trial.toml").write_text("\n".join(lines), encoding="utf-8")


def _write(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([["" if v is None else v.isoformat() if isinstance(v, date) else v for v in r] for r in rows])


def _write_bundle(folder: Path, people: list[Person]) -> None:
    _write(
        folder / "participants.csv",
        ["subject_id", "site", "age", "sex", "arm", "randomization_date", "first_dose_date", "last_dose_date",
         "disposition", "disposition_reason", "disposition_date", "death_date", "death_cause"],
        [[p.subject_id, p.site, p.age, p.sex, p.arm.code if p.arm else "", p.randomized_on if p.arm else "",
          p.first_dose, p.last_dose, p.status, p.reason, p.end, p.death, "Cardiac arrest" if p.death else None]
         for p in people],
    )  # fmt: skip
    rows = []
    for p in people:
        for e in p.events:
            rows.append([e["id"], p.subject_id, e["pt"].lower(), e["pt"], e["soc"], e["start"], e["end"], e["grade"],
                         "Y" if e["serious"] else "N", "Y" if e["fatal"] else "N", e["related"],
                         _outcome(e)])  # fmt: skip
    _write(
        folder / "adverse_events.csv",
        ["ae_id", "subject_id", "verbatim_term", "pt", "soc", "start_date", "end_date", "ctcae_grade", "serious",
         "sae_death", "relationship", "outcome"],
        rows,
    )  # fmt: skip
    _write(
        folder / "measurements.csv",
        ["subject_id", "parameter", "parameter_label", "visit", "visit_number", "value", "unit", "baseline", "date"],
        [[p.subject_id, "SCORE", "Symptom score", visit, number, value, "points", "Y" if day == 0 else "N", on]
         for p in people for visit, number, day, on, value in p.measurements],
    )  # fmt: skip
    header = ["subject_id", "parameter", "parameter_label", "category", "unit", "visit", "visit_number", "position",
              "date", "value", "low", "high", "baseline"]  # fmt: skip
    for name, parameters in (("labs.csv", LAB_PARAMETERS), ("vitals.csv", VITAL_PARAMETERS)):
        rows = [[p.subject_id, code, *parameters[code][:3], visit, number, position, on, value, *parameters[code][3:5],
                 "Y" if day == 0 else "N"]
                for p in people for code, visit, number, day, on, position, value in p.labs
                if code in parameters]  # fmt: skip
        _write(folder / name, header, rows)
    _write(
        folder / "exposure.csv",
        ["subject_id", "treatment", "dose", "dose_unit", "start_date", "end_date"],
        [[p.subject_id, p.arm.label if p.arm else "", p.arm.dose if p.arm else "", "mg", p.first_dose, p.last_dose]
         for p in people if p.first_dose is not None],
    )  # fmt: skip


def _outcome(event: dict[str, Any]) -> str:
    if event["fatal"]:
        return "FATAL"
    return "NOT RECOVERED/NOT RESOLVED" if event.get("ongoing") else "RECOVERED/RESOLVED"


def _write_adam(folder: Path, people: list[Person], randdt: bool, eosdt: bool) -> None:
    header = ["STUDYID", "USUBJID", "SITEID", "AGE", "AGEU", "SEX", "TRT01P", "TRT01PN", "TRT01A", "TRT01AN", "SAFFL",
              "ITTFL", "TRTSDT", "TRTEDT", "EOSSTT", "DCSREAS", "RFENDT", "DTHFL", "DTHDT"]  # fmt: skip
    header += ["RANDDT"] if randdt else []
    header += ["EOSDT"] if eosdt else []
    rows = []
    for p in people:
        arm = p.arm
        if arm is None:
            continue  # ADaM carries the randomized only
        treated = p.first_dose is not None
        row = ["GEN", p.subject_id, p.site, p.age, "YEARS", p.sex, arm.label, arm.dose, arm.label if treated else "",
               arm.dose if treated else None, "Y" if treated else "N", "Y", p.first_dose, p.last_dose,
               p.status.upper(), (p.reason or "").upper() if p.status == "discontinued" else "",
               p.end, "Y" if p.death else "", p.death]  # fmt: skip
        row += [p.randomized_on] if randdt else []
        row += [p.end] if eosdt else []
        rows.append(row)
    _write(folder / "adsl.csv", header, rows)
    events = []
    for p in people:
        for e in p.events:
            events.append([p.subject_id, e["seq"], e["pt"].lower(), e["pt"], e["soc"], e["start"].isoformat(),
                           e["start"], e["end"], "Y" if e["serious"] else "N", "Y" if e["fatal"] else "N",
                           str(e["grade"]), e["related"], "Y", p.arm.label if p.arm else ""])  # fmt: skip
    _write(
        folder / "adae.csv",
        ["USUBJID", "AESEQ", "AETERM", "AEDECOD", "AEBODSYS", "AESTDTC", "ASTDT", "AENDT", "AESER", "AESDTH",
         "AETOXGR", "AEREL", "TRTEMFL", "TRTA"],
        events,
    )  # fmt: skip
    rows = []
    for p in people:
        base = next((value for visit, _, day, _, value in p.measurements if day == 0), None)
        for visit, number, day, on, value in p.measurements:
            change = None if base is None or day == 0 else round(value - base, 1)
            rows.append([p.subject_id, "SCORE", "Symptom score", visit, number, value, base, change,
                         "Y" if day == 0 else "", on, "Y"])  # fmt: skip
    _write(
        folder / "adeff.csv",
        ["USUBJID", "PARAMCD", "PARAM", "AVISIT", "AVISITN", "AVAL", "BASE", "CHG", "ABLFL", "ADT", "ANL01FL"],
        rows,
    )
    for name, parameters in (("adlb.csv", LAB_PARAMETERS), ("advs.csv", VITAL_PARAMETERS)):
        _write(folder / name, ADAM_LAB_HEADER, _adam_lab_rows(people, parameters))


ADAM_LAB_HEADER = ["USUBJID", "PARAMCD", "PARAM", "PARCAT1", "AVAL", "AVALU", "AVISIT", "AVISITN", "VSPOS", "ADT",
                   "ANRLO", "ANRHI", "ANRIND", "ABLFL", "BASE", "CHG", "BNRIND", "ANL01FL"]  # fmt: skip


def _adam_lab_rows(people: list[Person], parameters: dict[str, tuple[Any, ...]]) -> list[list[Any]]:
    """ADLB/ADVS as a sponsor derives them (baseline the Baseline visit; ONTRTFL left to the import to derive)."""
    rows = []
    for p in people:
        base = {(code, position): value for code, _, _, day, _, position, value in p.labs if day == 0}
        for code, visit, number, day, on, position, value in p.labs:
            if code not in parameters:
                continue
            name, category, unit, low, high, _, _ = parameters[code]
            baseline = base.get((code, position))
            rows.append([p.subject_id, code, f"{name} ({unit})", category, value, unit, visit, number, position, on,
                         low, high, _indicator(value, low, high), "Y" if day == 0 else "", baseline,
                         None if day == 0 or baseline is None else round(value - baseline, 1),
                         _indicator(baseline, low, high), "Y"])  # fmt: skip
    return rows


def _indicator(value: float | None, low: float | None, high: float | None) -> str | None:
    if value is None or (low is None and high is None):
        return None
    if low is not None and value < low:
        return "LOW"
    return "HIGH" if high is not None and value > high else "NORMAL"
