"""A data cut: the snapshot as it stood on a date, for a report or tables with --cutoff.

Every fact takes effect at its date, and a cut at C keeps what was known to have happened by C (DESIGN.md,
'As of the cut-off'). What the data do not date cannot be placed before or after C: a final disposition without
a date is "status at cut-off unknown" at any cut-off before the data's own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from typing import Any

from service.disposition import UNKNOWN_AT_CUTOFF
from service.errors import DataError
from service.importing.records import (
    AdverseEventRecord,
    ExposureRecord,
    ImportedTrial,
    MeasurementRecord,
    ParticipantRecord,
)
from service.importing.reference_dates import missing_randomization_hint
from service.labs.cut import derive_lab_cut
from service.safety.categories import fatal_outcome

FINAL = ("completed", "discontinued")
ONGOING_OUTCOME = "NOT RECOVERED/NOT RESOLVED"  # CDISC AEOUT: an event still going on
# A time to event's unit (ADaM AVALU; the bundle's are days) in days, to censor it at the cut-off.
DAYS_IN = {"DAYS": 1.0, "DAY": 1.0, "D": 1.0, "WEEKS": 7.0, "WEEK": 7.0, "W": 7.0, "MONTHS": 365.25 / 12,
           "MONTH": 365.25 / 12, "M": 365.25 / 12, "YEARS": 365.25, "YEAR": 365.25, "Y": 365.25}  # fmt: skip


def check_cutoff(data: ImportedTrial, cutoff: date, data_end: date | None, snapshot_id: int | None) -> None:
    """Refuse a cut-off that cannot be made, in order: one after the data's own cut-off (`data_end`); one before
    the data's own while a randomized participant has no randomization date (nobody can say whether they were in
    the trial on that day); one before the first randomization."""
    if data_end is not None and cutoff > data_end:
        raise DataError(f"the data cut-off {cutoff} is after snapshot {snapshot_id}'s data, which end on {data_end}",
                        column="--cutoff",
                        hint="Choose a cut-off on or before the snapshot's, or import newer data.")  # fmt: skip
    randomized = [p for p in data.participants if p.randomized]
    undated = [p.subject_id for p in randomized if p.randomization_date is None]
    if undated and (data_end is None or cutoff < data_end):
        shown = ", ".join(undated[:3]) + (", …" if len(undated) > 3 else "")
        raise DataError(f"{len(undated)} of {len(randomized)} randomized participants ({shown}) have no "
                        f"randomization date, so the data cut-off {cutoff} cannot tell whether they were in the "
                        "trial by then", column="--cutoff",
                        hint=missing_randomization_hint(data.source_format))  # fmt: skip
    first = min((p.randomization_date for p in randomized if p.randomization_date), default=None)
    if first is not None and cutoff < first:
        raise DataError(f"the data cut-off {cutoff} is before the first randomization ({first})", column="--cutoff",
                        hint="A report needs a cut-off at or after the first participant was randomized.")  # fmt: skip


def derive_data_cut(data: ImportedTrial, cutoff: date, data_end: date | None = None) -> ImportedTrial:
    """The data as they stood at `cutoff`; `data_end` is the data's own cut-off. In order:

    1. A participant randomized after the cut-off is left out, so is one not randomized who consented after it.
    2. A first dose after it: not yet treated (no actual arm, not in the safety population). A last dose after
       it: the last dosing record on or before it, else the cut-off itself (treatment ongoing).
    3. A completion or discontinuation dated after it has not happened: ongoing. One the data do not date is,
       at a cut-off before `data_end`, "unknown" (UNKNOWN_AT_CUTOFF), never a final status before its date. A
       completion flag (COMPxxFL) is known only for a participant whose final status is known by the cut-off.
       The end of study participation after it is not yet known.
    4. A death after it has not happened.
    5. AEs starting after it are left out (one without a start date is kept, as the safety tables keep it). An
       AE ending after it is ongoing: no end date, its outcome (where the data give one) NOT RECOVERED/NOT
       RESOLVED. A fatal AE (outcome FATAL, grade 5 or AESDTH) is fatal from the participant's death date, else
       the AE's end, else its onset: before that it is ongoing (no grade, no death criterion).
    6. Dosing records starting after it are left out; one running past it ends at it.
    7. Measurements dated after it are left out, but a time to event dated after it is censored at the cut-off
       (its value shortened by the days past it) unless it starts after it.
    8. Laboratory and vital-sign records dated after it are left out; undated ones too at a cut-off before
       `data_end`, with a note of how many (service.labs.cut.derive_lab_cut).
    """
    placed = data_end is not None and cutoff >= data_end
    kept = [p for p in data.participants if _entered(p, cutoff)]
    subjects = {p.subject_id for p in kept}
    exposures = [_exposure_at(x, cutoff) for x in data.exposures if x.subject_id in subjects]
    doses = [x for x in exposures if x is not None]
    last_dosed: dict[str, date] = defaultdict(lambda: date.min)
    for x in doses:
        last_dosed[x.subject_id] = max(last_dosed[x.subject_id], x.end_date or x.start_date or date.min)
    people = [_as_of(p, cutoff, placed, last_dosed.get(p.subject_id)) for p in kept]
    deaths = {p.subject_id: p.death_date for p in data.participants}
    events = [
        _event_at(e, cutoff, deaths.get(e.subject_id))
        for e in data.adverse_events
        if e.subject_id in subjects and (e.start_date is None or e.start_date <= cutoff)
    ]
    measurements = [_measurement_at(m, cutoff) for m in data.measurements if m.subject_id in subjects]
    labs, lab_note = derive_lab_cut(data.labs, cutoff, placed, subjects)
    return replace(
        data,
        labs=labs,
        notes=(*data.notes, lab_note) if lab_note else data.notes,
        participants=tuple(people),
        adverse_events=tuple(events),
        measurements=tuple(m for m in measurements if m is not None),
        exposures=tuple(doses),
    )


def _entered(person: ParticipantRecord, cutoff: date) -> bool:
    entered = person.randomization_date if person.randomized else person.consent_date
    return entered is None or entered <= cutoff


def _as_of(person: ParticipantRecord, cutoff: date, placed: bool, last_dosed: date | None) -> ParticipantRecord:
    changes: dict[str, Any] = {}
    populations = dict(person.populations) if person.populations else None
    if person.first_dose_date is not None and person.first_dose_date > cutoff:
        changes |= {"first_dose_date": None, "last_dose_date": None, "actual_arm_code": None,
                    "safety_population": False}  # fmt: skip
        if populations is not None and "SAFFL" in populations:
            populations["SAFFL"] = False
    elif person.last_dose_date is not None and person.last_dose_date > cutoff:
        changes["last_dose_date"] = last_dosed if last_dosed is not None and last_dosed != date.min else cutoff
    if person.randomized and person.disposition in FINAL:
        when = person.disposition_date
        if when is not None and when > cutoff:
            changes |= {"disposition": "ongoing", "disposition_reason": None, "disposition_date": None}
        elif when is None and not placed:
            changes |= {"disposition": UNKNOWN_AT_CUTOFF, "disposition_reason": None}
    if not placed and changes.get("disposition", person.disposition) not in FINAL and populations is not None:
        populations = {flag: value for flag, value in populations.items() if not flag.startswith("COMP")}
    if person.study_end_date is not None and person.study_end_date > cutoff:
        changes["study_end_date"] = None
    if person.death_date is not None and person.death_date > cutoff:
        changes |= {"death_date": None, "death_cause": None}
    if populations != (dict(person.populations) if person.populations else None):
        changes["populations"] = populations or None
    return person._replace(**changes) if changes else person


def _event_at(event: AdverseEventRecord, cutoff: date, death: date | None) -> AdverseEventRecord:
    changes: dict[str, Any] = {}
    fatal = fatal_outcome(event.outcome) or event.ctcae_grade == 5 or event.serious_death
    died = (death or event.end_date or event.start_date) if fatal else None
    ongoing = ONGOING_OUTCOME if event.outcome else None
    if event.end_date is not None and event.end_date > cutoff:
        changes |= {"end_date": None, "end_date_raw": None}
        if not (died is not None and died <= cutoff):
            changes["outcome"] = ongoing
    if died is not None and died > cutoff:
        changes |= {"outcome": ongoing, "serious_death": False}
        if event.ctcae_grade == 5:
            changes["ctcae_grade"] = None
    return event._replace(**changes) if changes else event


def _exposure_at(exposure: ExposureRecord, cutoff: date) -> ExposureRecord | None:
    if exposure.start_date is not None and exposure.start_date > cutoff:
        return None
    if exposure.end_date is not None and exposure.end_date > cutoff:
        return exposure._replace(end_date=cutoff)
    return exposure


def _measurement_at(record: MeasurementRecord, cutoff: date) -> MeasurementRecord | None:
    if record.measured_on is None or record.measured_on <= cutoff:
        return record
    if record.censored is None or record.value is None:
        return None
    unit = (record.unit or "DAYS").strip().upper()
    if unit not in DAYS_IN:
        raise DataError(f"{record.parameter}: a time to event in '{record.unit}' cannot be censored at the data "
                        f"cut-off {cutoff}", column="AVALU",
                        hint=f"Give its unit as one of {', '.join(sorted(DAYS_IN))}.")  # fmt: skip
    value = record.value - (record.measured_on - cutoff).days / DAYS_IN[unit]
    if value <= 0:
        return None
    return record._replace(value=value, censored=True, measured_on=cutoff)
