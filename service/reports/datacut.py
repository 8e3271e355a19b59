"""A data cut: the snapshot as it stood on a date, for a report with --cutoff."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from service.importing.records import ImportedTrial, ParticipantRecord


def derive_data_cut(data: ImportedTrial, cutoff: date) -> ImportedTrial:
    """In order: participants who consented, or were randomized, after the cut-off are left out; AEs and
    measurements dated after it are left out (an AE without a start date is kept, as in the safety tables);
    a disposition or death dated after it has not happened yet (the participant is ongoing)."""
    kept = []
    for person in data.participants:
        entered = person.randomization_date or person.consent_date
        if entered is not None and entered > cutoff:
            continue
        kept.append(_as_of(person, cutoff))
    subjects = {p.subject_id for p in kept}

    def known(subject: str, when: date | None) -> bool:
        return subject in subjects and (when is None or when <= cutoff)

    return replace(
        data,
        participants=tuple(kept),
        adverse_events=tuple(e for e in data.adverse_events if known(e.subject_id, e.start_date)),
        measurements=tuple(m for m in data.measurements if known(m.subject_id, m.measured_on)),
        exposures=tuple(x for x in data.exposures if known(x.subject_id, x.start_date)),
    )


def _as_of(person: ParticipantRecord, cutoff: date) -> ParticipantRecord:
    if person.first_dose_date is not None and person.first_dose_date > cutoff:
        person = person._replace(
            first_dose_date=None, last_dose_date=None, actual_arm_code=None, safety_population=False
        )
    if person.disposition_date is not None and person.disposition_date > cutoff and person.randomized:
        person = person._replace(disposition="ongoing", disposition_reason=None, disposition_date=None)
    if person.death_date is not None and person.death_date > cutoff:
        person = person._replace(death_date=None, death_cause=None)
    return person
