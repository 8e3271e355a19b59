"""What changed since the previous DSMB report of a trial: new serious AEs, new deaths, enrollment since.

The previous report is the latest DSMB artifact recorded for an earlier snapshot of the trial; the comparison is
between that snapshot (as cut for that report) and this one, so re-rendering a report gives the same page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service.importing.records import ImportedTrial
from service.models import Artifact, Snapshot
from service.safety.categories import fatal_outcome


@dataclass(frozen=True)
class PreviousReport:
    snapshot: Snapshot
    data_cutoff: date | None


@dataclass(frozen=True)
class NewEvent:
    subject_id: str
    arm_code: str | None
    pt: str
    soc: str
    start_date: date | None
    outcome: str | None


@dataclass(frozen=True)
class NewDeath:
    subject_id: str
    arm_code: str | None
    death_date: date | None
    cause: str | None


@dataclass(frozen=True)
class Changes:
    previous_snapshot_id: int
    previous_cutoff: date | None
    randomized_before: int
    randomized_now: int
    treated_before: int
    treated_now: int
    new_serious: tuple[NewEvent, ...]
    new_deaths: tuple[NewDeath, ...]

    @property
    def randomized_since(self) -> int:
        return self.randomized_now - self.randomized_before


def find_previous_report(engine: Engine, snapshot: Snapshot, since: int | None = None) -> PreviousReport | None:
    """The snapshot of the trial's latest DSMB report on an earlier snapshot (or snapshot `since`)."""
    with Session(engine) as session:
        query = select(Artifact).where(Artifact.trial_id == snapshot.trial_id, col(Artifact.kind).startswith("dsmb-"))
        if since is not None:
            query = query.where(Artifact.snapshot_id == since)
        else:
            query = query.where(col(Artifact.snapshot_id) < snapshot.id)
        artifact = session.exec(
            query.order_by(col(Artifact.snapshot_id).desc(), col(Artifact.created_at).desc(), col(Artifact.id).desc())
        ).first()
        if artifact is None:
            if since is None:
                return None
            earlier = session.get(Snapshot, since)
            if earlier is None or earlier.trial_id != snapshot.trial_id:
                return None
            session.expunge(earlier)
            return PreviousReport(earlier, earlier.data_cutoff)
        earlier = session.get(Snapshot, artifact.snapshot_id)
        assert earlier is not None
        session.expunge(earlier)
        cutoff = artifact.options.get("cutoff")
        # Reports recorded before cut-offs were stored as null wrote the text "None".
        return PreviousReport(earlier, date.fromisoformat(cutoff) if cutoff and cutoff != "None" else None)


def summarise_changes(
    previous: ImportedTrial, current: ImportedTrial, previous_snapshot_id: int, previous_cutoff: date | None
) -> Changes:
    """A serious AE is new when it was absent, or not serious, before (matched by participant and AE number);
    a death is new when the participant had no death date and no fatal AE before."""
    serious_before = {(e.subject_id, e.seq) for e in previous.adverse_events if e.serious}
    arm_now = {p.subject_id: p.arm_code for p in current.participants}
    new_serious = tuple(
        NewEvent(e.subject_id, arm_now.get(e.subject_id), e.pt_name, e.soc_name, e.start_date, e.outcome)
        for e in sorted(current.adverse_events, key=lambda e: (e.start_date or date.min, e.subject_id, e.seq))
        if e.serious and (e.subject_id, e.seq) not in serious_before
    )
    dead_before = _deceased(previous)
    fatal_now = {e.subject_id: e.pt_name for e in current.adverse_events if fatal_outcome(e.outcome)}
    new_deaths = tuple(
        NewDeath(p.subject_id, p.arm_code, p.death_date, p.death_cause or fatal_now.get(p.subject_id))
        for p in sorted(current.participants, key=lambda p: (p.death_date or date.min, p.subject_id))
        if p.subject_id not in dead_before and (p.death_date is not None or p.subject_id in fatal_now)
    )
    return Changes(
        previous_snapshot_id=previous_snapshot_id,
        previous_cutoff=previous_cutoff,
        randomized_before=_randomized(previous),
        randomized_now=_randomized(current),
        treated_before=_treated(previous),
        treated_now=_treated(current),
        new_serious=new_serious,
        new_deaths=new_deaths,
    )


def _deceased(data: ImportedTrial) -> set[str]:
    fatal = {e.subject_id for e in data.adverse_events if fatal_outcome(e.outcome)}
    return fatal | {p.subject_id for p in data.participants if p.death_date is not None}


def _randomized(data: ImportedTrial) -> int:
    return sum(1 for p in data.participants if p.randomized and p.arm_code is not None)


def _treated(data: ImportedTrial) -> int:
    return sum(1 for p in data.participants if p.first_dose_date is not None)
