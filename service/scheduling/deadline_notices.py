"""Registry deadlines as a scheduled job sees them: after each run, a duty that has come within one of the
configured lead times ([deadlines] notify_days), or is overdue, is announced once per lead time — logged, put on
the audit log (so no other run or instance announces it again), and emailed when [smtp] is set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from service.config import Config
from service.deadlines import Duty, derive_duties
from service.models import AuditEntry, Snapshot

NOTICE_ACTION = "deadline-notice"


@dataclass(frozen=True)
class Notice:
    duty: Duty
    lead: str  # "90" (days), ..., or "overdue"

    def line(self, today: date) -> str:
        due = self.duty.due.isoformat() if self.duty.due else "unknown"
        return f"{self.duty.trial_id}: {self.duty.registry} {self.duty.duty} due {due} ({self.duty.status(today)})"


def trial_duties(snapshot: Snapshot, config: Config) -> list[Duty]:
    """The duties of a snapshot's trial, its dates from the definition, else from a registry record file (the
    configured or shipped one; never fetched: no NCT id is given to look one up by)."""
    from service.outputs.drift.records import ctgov_source, read_record, source_folder

    declared = config.trials.get(snapshot.trial_id)
    source = ctgov_source(None, declared.ctgov_record if declared else None, source_folder(snapshot), None, config)
    record = read_record(source, config) if source is not None else None
    return derive_duties(snapshot.trial_id, snapshot.definition, record)


def due_notices(duties: list[Duty], leads: tuple[int, ...], today: date, sent: set[tuple[str, str, str, str]]
                ) -> list[Notice]:  # fmt: skip
    """For each open duty, the most urgent lead time it has reached, unless already announced."""
    found = []
    for duty in duties:
        left = duty.days_left(today)
        if duty.done is not None or left is None:
            continue
        reached = ["overdue"] if left < 0 else [str(lead) for lead in sorted(leads) if left <= lead][:1]
        for lead in reached:
            if _key(duty, lead) not in sent:
                found.append(Notice(duty, lead))
    return found


def announce_deadlines(engine: Engine, config: Config, trial_id: str, today: date) -> list[Notice]:
    """The notices this run makes for `trial_id`, recorded so that each is made once."""
    from service.snapshots import latest_snapshot

    snapshot = latest_snapshot(engine, trial_id)
    if snapshot is None:
        return []
    duties = trial_duties(snapshot, config)
    with Session(engine) as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == NOTICE_ACTION,
                                                        AuditEntry.trial_id == trial_id)).all()  # fmt: skip
        sent = {(e.detail.get("registry", ""), e.detail.get("duty", ""), e.detail.get("due", ""),
                 e.detail.get("lead", "")) for e in entries}  # fmt: skip
    notices = due_notices(duties, config.deadline_notice_days, today, sent)
    if notices:
        with Session(engine) as session, session.begin():
            for notice in notices:
                registry, duty, due, lead = _key(notice.duty, notice.lead)
                session.add(AuditEntry(at=datetime.now(UTC), actor="scheduler", action=NOTICE_ACTION,
                                       trial_id=trial_id, detail={"registry": registry, "duty": duty, "due": due,
                                                                  "lead": lead}))  # fmt: skip
    return notices


def _key(duty: Duty, lead: str) -> tuple[str, str, str, str]:
    return duty.registry, duty.duty, duty.due.isoformat() if duty.due else "", lead
