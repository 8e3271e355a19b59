"""What changed since the previous DSMB report of a trial: new serious AEs, new deaths, enrollment since.

The previous report is the latest DSMB artifact recorded for an earlier snapshot of the trial; the comparison is
between that snapshot (as cut for that report) and this one, so re-rendering a report gives the same page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service.importing.records import AdverseEventRecord, ImportedTrial
from service.models import Artifact, Snapshot
from service.safety.categories import fatal_outcome
from service.safety.frame import build_event_frame
from service.safety.rules import read_safety_rules


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
    late: bool = False  # its onset was before the previous report's cut-off: reported late


@dataclass(frozen=True)
class UpdatedEvent:
    """A serious AE in both reports whose outcome, grade or seriousness has changed since."""

    subject_id: str
    arm_code: str | None
    pt: str
    changes: str  # "outcome NOT RECOVERED → RECOVERED; grade 3 → 4"


@dataclass(frozen=True)
class NewDiscontinuation:
    subject_id: str
    arm_code: str | None
    reason: str | None
    on: date | None


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
    new_events: dict[str, int] = field(default_factory=dict)  # arm code (or "" pooled) -> new AEs of any kind
    updated_serious: tuple[UpdatedEvent, ...] = ()
    new_discontinuations: tuple[NewDiscontinuation, ...] = ()

    @property
    def late_serious(self) -> tuple[NewEvent, ...]:
        return tuple(e for e in self.new_serious if e.late)

    @property
    def new_events_total(self) -> int:
        return sum(self.new_events.values())

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
    previous: ImportedTrial,
    current: ImportedTrial,
    previous_snapshot_id: int,
    previous_cutoff: date | None,
    *,
    previous_frame: pd.DataFrame | None = None,
    current_frame: pd.DataFrame | None = None,
) -> Changes:
    """A serious AE is new when it was absent, or not serious, before (matched by participant and AE number),
    and late when its onset is before the previous cut-off; a death is new when the participant had no death
    date and no fatal AE before; an AE of any seriousness is new when its participant, term and onset were not
    there before (counted, as many times as it is new); a discontinuation is new when the participant had not
    discontinued before. The frames (service.safety.frame) hold every AE where the data hold only those listed."""
    serious = read_safety_rules(current.definition.raw).is_serious
    serious_before = {(e.subject_id, e.seq) for e in previous.adverse_events if serious(e)}
    arm_now = {p.subject_id: p.arm_code for p in current.participants}
    new_serious = tuple(
        NewEvent(e.subject_id, arm_now.get(e.subject_id), e.pt_name, e.soc_name, e.start_date, e.outcome,
                 previous_cutoff is not None and e.start_date is not None and e.start_date <= previous_cutoff)
        for e in sorted(current.adverse_events, key=lambda e: (e.start_date or date.min, e.subject_id, e.seq))
        if serious(e) and (e.subject_id, e.seq) not in serious_before
    )  # fmt: skip
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
        new_events=_new_events(
            previous_frame if previous_frame is not None else build_event_frame(previous.adverse_events),
            current_frame if current_frame is not None else build_event_frame(current.adverse_events),
            arm_now,
        ),
        updated_serious=_updated_serious(previous, current, arm_now, serious),
        new_discontinuations=tuple(
            NewDiscontinuation(p.subject_id, p.arm_code, p.disposition_reason, p.disposition_date)
            for p in sorted(current.participants, key=lambda p: (p.disposition_date or date.min, p.subject_id))
            if p.disposition == "discontinued" and p.subject_id not in _discontinued(previous)
        ),
    )


def _keys(frame: pd.DataFrame) -> Counter[tuple[str, str, object]]:
    if frame.empty:
        return Counter()
    return Counter(zip(frame["subject"].astype(str), frame["pt"].astype(str), frame["start"], strict=True))


def _new_events(before: pd.DataFrame, now: pd.DataFrame, arm_of: dict[str, str | None]) -> dict[str, int]:
    new = _keys(now) - _keys(before)
    counts: Counter[str] = Counter()
    for (subject, _pt, _start), n in new.items():
        counts[arm_of.get(subject) or ""] += n
    return dict(counts)


def _updated_serious(previous: ImportedTrial, current: ImportedTrial, arm_of: dict[str, str | None],
                     serious: Callable[[AdverseEventRecord], bool]) -> tuple[UpdatedEvent, ...]:  # fmt: skip
    before = {(e.subject_id, e.seq): e for e in previous.adverse_events if serious(e)}
    found = []
    for e in current.adverse_events:
        old = before.get((e.subject_id, e.seq))
        if old is None:
            continue
        changed = [f"{name} {a or 'not given'} → {b or 'not given'}" for name, a, b in (
            ("outcome", old.outcome, e.outcome), ("grade", old.ctcae_grade, e.ctcae_grade),
            ("seriousness", "serious", "serious" if serious(e) else "not serious")) if a != b]  # fmt: skip
        if changed:
            found.append(UpdatedEvent(e.subject_id, arm_of.get(e.subject_id), e.pt_name, "; ".join(changed)))
    return tuple(found)


def _discontinued(data: ImportedTrial) -> set[str]:
    return {p.subject_id for p in data.participants if p.disposition == "discontinued"}


def _deceased(data: ImportedTrial) -> set[str]:
    fatal = {e.subject_id for e in data.adverse_events if fatal_outcome(e.outcome)}
    return fatal | {p.subject_id for p in data.participants if p.death_date is not None}


def _randomized(data: ImportedTrial) -> int:
    return sum(1 for p in data.participants if p.randomized and p.arm_code is not None)


def _treated(data: ImportedTrial) -> int:
    return sum(1 for p in data.participants if p.first_dose_date is not None)
