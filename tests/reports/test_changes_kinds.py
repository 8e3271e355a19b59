"""Every kind of change since the previous report: new AEs of any seriousness by arm, updated SAEs, new
discontinuations, late-reported SAEs."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from service.reports.changes import summarise_changes
from tests.analysis_fixture import ae, hand_trial

NERV = "Nervous system disorders"


def test_updated_new_late_and_discontinued_are_each_listed() -> None:
    before = hand_trial()
    serious = ae("A1", 9, NERV, "Migraine", 3, "SEVERE", serious=True, outcome="NOT RECOVERED/NOT RESOLVED",
                 start=date(2020, 3, 1))  # fmt: skip
    before = replace(before, adverse_events=(*before.adverse_events, serious))
    updated = serious._replace(ctcae_grade=4, outcome="RECOVERED/RESOLVED")
    late = ae("P2", 5, NERV, "Syncope", 3, "SEVERE", serious=True, start=date(2020, 5, 1))  # onset before the cut
    new_mild = ae("Z1", 3, NERV, "Headache", 1, "MILD", start=date(2020, 7, 1))
    people = tuple(p._replace(disposition="discontinued", disposition_reason="Lost to follow-up",
                              disposition_date=date(2020, 7, 5)) if p.subject_id == "P2" else p
                   for p in before.participants)  # fmt: skip
    events = tuple(e for e in before.adverse_events if e is not serious)
    now = replace(before, participants=people, adverse_events=(*events, updated, late, new_mild))
    changes = summarise_changes(before, now, 1, date(2020, 6, 30))
    (changed,) = changes.updated_serious
    assert changed.subject_id == "A1" and changed.changes == (
        "outcome NOT RECOVERED/NOT RESOLVED → RECOVERED/RESOLVED; grade 3 → 4"
    )
    assert [(e.subject_id, e.late) for e in changes.new_serious] == [("P2", True)]
    assert changes.late_serious == changes.new_serious
    assert changes.new_events == {"PBO": 1, "LOW": 1}  # P2's syncope, Z1's headache
    assert [(d.subject_id, d.reason) for d in changes.new_discontinuations] == [("P2", "Lost to follow-up")]
