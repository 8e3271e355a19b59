"""The data-cut property: for any cut-off C, the tables (and the DSMB report's context) made from the full data cut
at C equal those made from the data as they would have been exported at C.

The trials are generated here as histories (who was randomized, dosed, fell ill, left or died, and when), seeded.
`export` writes a history out as its records stood on a day, independently of service.reports.datacut: what had
happened by then, with what the data leave undated (some dispositions) unknown before the data's own cut-off. The
full data are the export at the data's cut-off.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest

from service.analysis import build_analysis
from service.ard import build_ard
from service.importing.records import (
    AdverseEventRecord,
    ArmRecord,
    ExposureRecord,
    ImportedTrial,
    MeasurementRecord,
    ParticipantRecord,
    TrialDefinition,
)
from service.labs.frame import LAB_COLUMNS, conform
from service.reports.datacut import derive_data_cut
from service.reports.dsmb import DsmbOptions, build_dsmb_context
from service.reports.figures import consort_diagram
from service.reports.templating import render_html
from service.tables_export import render_ard_csv, render_csv

START = date(2021, 1, 4)
END = START + timedelta(days=330)  # the data's own cut-off
FOLLOW_UP = 120
VISIT_DAYS = (0, 30, 60, 90, 120)
TERMS = (("Nervous system disorders", "Headache"), ("Gastrointestinal disorders", "Nausea"),
         ("Skin and subcutaneous tissue disorders", "Rash"), ("Cardiac disorders", "Palpitations"))  # fmt: skip
OUTCOMES = [
    {"parameter": "SCORE", "title": "Score", "type": "primary", "timepoint": "Day 120", "method": "welch"},
    {"parameter": "TTE", "title": "Time to relapse", "type": "secondary", "variable": "time-to-event"},
]


@dataclass
class Event:
    soc: str
    pt: str
    onset: date
    end: date | None  # None: still going on at the data's cut-off
    grade: int
    serious: bool
    fatal: bool = False


@dataclass
class History:
    subject: str
    arm: str | None  # None: a screen failure
    consent: date
    randomized: date | None = None
    first_dose: date | None = None
    last_dose: date | None = None
    status: str = "ongoing"
    reason: str | None = None
    ended: date | None = None  # when the participant completed or left (None: still on study at END)
    dated: bool = True  # whether the data record that date
    death: date | None = None
    events: list[Event] = field(default_factory=list)
    doses: list[tuple[date, date]] = field(default_factory=list)
    scores: list[tuple[int, date, float]] = field(default_factory=list)
    relapse: date | None = None
    # Laboratory records: (the day it was taken, whether the data date it, visit day, parameter, value).
    labs: list[tuple[date, bool, int, str, float]] = field(default_factory=list)


def generate(arms: int, seed: int, per_arm: int = 7) -> tuple[tuple[ArmRecord, ...], list[History]]:
    rng = random.Random(seed)
    arm_records = (ArmRecord("PBO", "Placebo", is_control=True),
                   *(ArmRecord(f"D{i}", f"Dose {i}", arm_type="Experimental") for i in range(1, arms)))  # fmt: skip
    allocation = [a.code for a in arm_records for _ in range(per_arm)] + [None, None]
    rng.shuffle(allocation)
    people = []
    for index, arm in enumerate(allocation):
        consent = START + timedelta(days=rng.randint(0, 200))
        person = History(f"S{index:03d}", arm, consent)
        people.append(person)
        if arm is None:
            person.status, person.ended = "screen failure", consent
            continue
        _follow(rng, person, consent + timedelta(days=rng.randint(0, 7)))
    _laboratory(random.Random(seed + 7919), people)  # a stream of its own: the other records are drawn as before
    return arm_records, people


def _laboratory(rng: random.Random, people: list[History]) -> None:
    """ALT and haemoglobin at every visit until the participant leaves; one record in ten without a date."""
    for p in people:
        if p.randomized is None:
            continue
        stop = min(p.ended or END, END)
        for day in VISIT_DAYS:
            when = p.randomized + timedelta(days=day)
            for parameter, centre in (("ALT", 25.0), ("HGB", 135.0)):
                if when <= stop:
                    p.labs.append((when, rng.random() > 0.1, day, parameter, round(rng.gauss(centre, 5), 1)))


def _follow(rng: random.Random, p: History, randomized: date) -> None:
    p.randomized = randomized
    p.first_dose = randomized + timedelta(days=rng.randint(0, 3)) if rng.random() > 0.1 else None
    roll = rng.random()
    if roll < 0.12:
        p.status, p.reason = "discontinued", "Death"
        p.ended = p.death = randomized + timedelta(days=rng.randint(15, FOLLOW_UP))
    elif roll < 0.35:
        p.status, p.reason = "discontinued", rng.choice(("Adverse event", "Withdrawal by subject"))
        p.ended = randomized + timedelta(days=rng.randint(5, FOLLOW_UP))
    else:
        p.status, p.ended = "completed", randomized + timedelta(days=FOLLOW_UP)
    if p.ended > END:
        p.status, p.reason, p.ended, p.death = "ongoing", None, None, None
    p.dated = rng.random() > 0.2
    stop = min(p.ended or END, END)
    if p.first_dose is not None:
        p.last_dose = stop
        middle = p.first_dose + timedelta(days=30)
        p.doses = [(p.first_dose, min(middle, stop))] + ([(middle + timedelta(days=1), stop)] if middle < stop else [])
        for _ in range(rng.choice((0, 1, 2, 3))):
            onset = p.first_dose + timedelta(days=rng.randint(0, FOLLOW_UP))
            if onset <= stop:
                end = onset + timedelta(days=rng.randint(1, 30))
                soc, pt = rng.choice(TERMS)
                p.events.append(Event(soc, pt, onset, end if end <= END else None, rng.choice((1, 2, 3)),
                                      rng.random() < 0.2))  # fmt: skip
        if p.death is not None:
            p.events.append(Event("Cardiac disorders", "Cardiac arrest", p.death - timedelta(days=3), p.death, 5,
                                  True, fatal=True))  # fmt: skip
    level = 50 + rng.gauss(0, 5)
    p.scores = [(day, randomized + timedelta(days=day), round(level + rng.gauss(0, 4), 1))
                for day in VISIT_DAYS if randomized + timedelta(days=day) <= stop]  # fmt: skip
    if rng.random() < 0.4:
        relapse = randomized + timedelta(days=rng.randint(10, FOLLOW_UP))
        p.relapse = relapse if relapse <= stop else None


def export(arms: tuple[ArmRecord, ...], people: list[History], on: date) -> ImportedTrial:
    """The records as the trial's database held them on `on`, written out from the histories."""
    final_known = on >= END
    participants, events, doses, measurements = [], [], [], []
    for p in people:
        entered = p.randomized if p.arm is not None else p.consent
        if entered is not None and entered > on:
            continue
        participants.append(_participant(p, on, final_known))
        if p.arm is None:
            continue
        for seq, e in enumerate(p.events, start=1):
            if e.onset <= on:
                events.append(_event(p, seq, e, on))
        for start, end in p.doses:
            if start <= on:
                doses.append(ExposureRecord(p.subject, "Study drug", 1.0, "mg", start, min(end, on)))
        for day, when, value in p.scores:
            if when <= on:
                measurements.append(MeasurementRecord(p.subject, "SCORE", f"Day {day}", "Score", day, value,
                                                      unit="points", baseline=day == 0, measured_on=when))  # fmt: skip
        assert p.randomized is not None
        stop = min(p.relapse or p.ended or END, on, END)
        if stop > p.randomized:
            relapsed = p.relapse is not None and p.relapse <= on
            measurements.append(MeasurementRecord(p.subject, "TTE", "", "Time to relapse",
                                                  value=float((stop - p.randomized).days), unit="DAYS",
                                                  measured_on=stop, censored=not relapsed))  # fmt: skip
    definition = TrialDefinition(title="Generated", arms=arms, data_cutoff=END, raw={"outcomes": OUTCOMES})
    return ImportedTrial("gen", "bundle", "", definition, arms, tuple(participants), tuple(events),
                         tuple(measurements), tuple(doses), labs=_lab_frame(people, on, final_known))  # fmt: skip


def _lab_frame(people: list[History], on: date, final_known: bool) -> pd.DataFrame | None:
    """The laboratory records the data held on `on`: those taken by then, of participants in the trial by then;
    the undated ones only once the data are final (before, nobody can say whether they were taken by `on`)."""
    rows = [{"subject_id": p.subject, "domain": "LB", "paramcd": parameter, "visit": f"Day {day}",
             "visitnum": float(day), "adt": pd.Timestamp(when) if dated else None, "aval": value,
             "ablfl": day == 0, "ontrtfl": day > 0}
            for p in people if p.randomized is not None and p.randomized <= on
            for when, dated, day, parameter, value in p.labs if when <= on and (dated or final_known)]  # fmt: skip
    return conform(pd.DataFrame(rows)).astype(LAB_COLUMNS) if rows else None


def _participant(p: History, on: date, final_known: bool) -> ParticipantRecord:
    treated = p.first_dose is not None and p.first_dose <= on
    happened = p.ended is not None and p.ended <= on
    if p.arm is None:
        status, reason, when = "screen failure", None, None
    elif p.status in ("completed", "discontinued") and not p.dated and not final_known:
        status, reason, when = "unknown", None, None  # the data do not say when: not placeable before END
    elif p.status in ("completed", "discontinued") and happened:
        status, reason, when = p.status, p.reason, p.ended if p.dated else None
    else:
        status, reason, when = "ongoing", None, None
    last = None
    if treated:
        last = max(min(end, on) for start, end in p.doses if start <= on)
    final = status in ("completed", "discontinued")
    reached = p.randomized is not None and p.randomized + timedelta(days=60) <= min(p.ended or END, END)
    return ParticipantRecord(
        p.subject, site=f"Site {int(p.subject[1:]) % 2 + 1}", age=40.0, sex="F", consent_date=p.consent,
        randomized=p.arm is not None, arm_code=p.arm, actual_arm_code=p.arm if treated else None,
        randomization_date=p.randomized, first_dose_date=p.first_dose if treated else None, last_dose_date=last,
        safety_population=treated, itt_population=p.arm is not None, disposition=status, disposition_reason=reason,
        disposition_date=when, death_date=p.death if p.death is not None and p.death <= on else None,
        death_cause="Cardiac arrest" if p.death is not None and p.death <= on else None,
        study_end_date=when if final else None,
        populations={"COMP60FL": reached} if p.arm is not None and (final or final_known) else None,
    )  # fmt: skip


def _event(p: History, seq: int, e: Event, on: date) -> AdverseEventRecord:
    dead = e.fatal and p.death is not None and p.death <= on
    ended = e.end is not None and e.end <= on
    outcome = "FATAL" if dead else "RECOVERED/RESOLVED" if ended else "NOT RECOVERED/NOT RESOLVED"
    return AdverseEventRecord(
        p.subject, seq, e.pt.lower(), e.pt, e.soc, start_date_raw=e.onset.isoformat(),
        end_date_raw=e.end.isoformat() if ended and e.end else None, start_date=e.onset,
        end_date=e.end if ended else None, ctcae_grade=None if e.fatal and not dead else e.grade,
        serious=e.serious, serious_death=dead, relationship="RELATED" if seq % 2 else "NOT RELATED",
        outcome=outcome, treatment_emergent=True,
    )  # fmt: skip


def tables_of(data: ImportedTrial, cutoff: date) -> dict[str, bytes]:
    results = build_analysis(data, data_cutoff=cutoff)
    return {**{name: render_csv(table) for name, table in results.tables.items()},
            "ard.csv": render_ard_csv(build_ard(results))}  # fmt: skip


def cutoffs(people: list[History], rng: random.Random, count: int) -> list[date]:
    """Interim cut-offs from the first randomization to the data's own, with the days events happen on."""
    first = min(p.randomized for p in people if p.randomized)
    days = (END - first).days
    chosen = {first, END - timedelta(days=1), END}
    dates = [e.onset for p in people for e in p.events] + [p.ended for p in people if p.ended and p.arm]
    chosen |= {d for d in rng.sample(dates, min(3, len(dates))) if first <= d <= END}
    while len(chosen) < count:
        chosen.add(first + timedelta(days=rng.randint(0, days)))
    return sorted(chosen)


@pytest.mark.parametrize(("arms", "seed"), [(2, 11), (3, 12), (5, 13)])
def test_tables_at_any_cutoff_equal_those_of_the_data_exported_then(arms: int, seed: int) -> None:
    arm_records, people = generate(arms, seed)
    full = export(arm_records, people, END)
    assert any(p.disposition == "completed" and p.disposition_date is None for p in full.participants)
    for cutoff in cutoffs(people, random.Random(seed), 9):
        expected = tables_of(export(arm_records, people, cutoff), cutoff)
        got = tables_of(derive_data_cut(full, cutoff, END), cutoff)
        assert got.keys() == expected.keys(), cutoff
        for name in expected:
            assert got[name] == expected[name], (cutoff, name)


@pytest.mark.parametrize(("arms", "seed"), [(2, 11), (3, 12), (5, 13)])
def test_the_laboratory_frame_at_any_cutoff_equals_that_of_the_data_exported_then(arms: int, seed: int) -> None:
    arm_records, people = generate(arms, seed)
    full = export(arm_records, people, END)
    assert full.labs is not None and full.labs["adt"].isna().any()
    for cutoff in cutoffs(people, random.Random(seed), 9):
        expected = export(arm_records, people, cutoff).labs
        got = derive_data_cut(full, cutoff, END).labs
        if expected is None:
            assert got is None, cutoff
        else:
            pd.testing.assert_frame_equal(got, expected, check_exact=True, obj=str(cutoff))


def _report(data: ImportedTrial, session: str, cutoff: date) -> tuple[str, dict[str, Any]]:
    """The report as rendered to HTML (everything the context prints) and its attachments."""
    context = build_dsmb_context(data, DsmbOptions(session, cutoff, cutoff, "hash", 1))
    return render_html("dsmb/report.html", context), context["attachments"]


@pytest.mark.parametrize("session", ["open", "closed"])
def test_the_report_at_a_cutoff_equals_the_report_of_the_data_exported_then(session: str) -> None:
    arm_records, people = generate(3, 21)
    full = export(arm_records, people, END)
    for cutoff in cutoffs(people, random.Random(21), 3):
        expected = _report(export(arm_records, people, cutoff), session, cutoff)
        assert _report(derive_data_cut(full, cutoff, END), session, cutoff) == expected, cutoff


def test_an_undated_final_status_is_unknown_before_the_data_cutoff_and_final_at_it() -> None:
    arm_records, people = generate(3, 12)
    full = export(arm_records, people, END)
    undated = next(p for p in full.participants if p.disposition == "completed" and p.disposition_date is None)
    before = derive_data_cut(full, END - timedelta(days=1), END)
    assert next(p for p in before.participants if p.subject_id == undated.subject_id).disposition == "unknown"
    at_end = derive_data_cut(full, END, END)
    assert next(p for p in at_end.participants if p.subject_id == undated.subject_id).disposition == "completed"
    rows = build_analysis(before, data_cutoff=END - timedelta(days=1))["disposition"]
    assert any(r.category == "Status at cut-off unknown" and r.n > 0 for r in rows.rows)
    assert any("Status at cut-off unknown" in note for note in rows.footnotes)
    diagram = str(consort_diagram(rows.rows, ["Placebo", "Dose 1", "Dose 2", "Total"], {}))
    assert "Unknown at cut-off (n = " in diagram
