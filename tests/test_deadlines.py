"""Registry deadlines against worked examples of the rules (42 CFR 11.44; the WHO statement on public
disclosure), worked by hand; the command; and the scheduler's notices at the lead times, each made once."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from registry.ctgov.read import read_ctgov_bytes
from service.deadlines import add_months, derive_duties
from service.scheduling.deadline_notices import due_notices
from tests.conftest import FIXTURES, REPO


def definition(ctgov: dict[str, Any] | None = None, irct: dict[str, Any] | None = None, **trial: Any
               ) -> dict[str, Any]:  # fmt: skip
    return {"trial": {"nct_id": "NCT01234567", "irct_id": "IRCT20190101000001N1", **trial},
            "ctgov": ctgov or {}, "irct": irct or {}}  # fmt: skip


def due(raw: dict[str, Any], duty: str) -> date | None:
    return next(d.due for d in derive_duties("t", raw) if d.duty.startswith(duty))


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2019, 2, 5), 12, date(2020, 2, 5)),    # 1 year after: the same day of the next year
    (date(2020, 2, 29), 12, date(2021, 2, 28)),  # a leap day: the last day of February
    (date(2019, 8, 31), 24, date(2021, 8, 31)),
    (date(2019, 1, 31), 1, date(2019, 2, 28)),
])  # fmt: skip
def test_months_after_a_date(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_standard_results_deadline_is_one_year_after_primary_completion() -> None:
    # §11.44(a): primary completion 5 Feb 2019 → results due 5 Feb 2020.
    assert due(definition(primary_completion_date="2019-02-05"), "results information") == date(2020, 2, 5)


def test_a_certification_delays_to_30_days_after_approval_but_at_most_two_years() -> None:
    # §11.44(b): certification 1 Mar 2019; approval 10 Jun 2020 → 10 Jul 2020 (30 days after).
    certified = definition({"certification_date": "2019-03-01", "approval_date": "2020-06-10"},
                           primary_completion_date="2019-02-05")  # fmt: skip
    assert due(certified, "results information") == date(2020, 7, 10)
    # No approval yet: not later than 2 years after the certification, 1 Mar 2021.
    assert due(definition({"certification_date": "2019-03-01"}, primary_completion_date="2019-02-05"),
               "results information") == date(2021, 3, 1)  # fmt: skip
    # Approval after that: still 1 Mar 2021, the earlier of the two.
    late = definition({"certification_date": "2019-03-01", "approval_date": "2021-05-01"},
                      primary_completion_date="2019-02-05")  # fmt: skip
    assert due(late, "results information") == date(2021, 3, 1)


def test_an_extension_granted_moves_the_deadline_and_a_submission_closes_it() -> None:
    raw = definition({"extension_granted_until": "2020-05-05", "results_submitted": "2020-04-30"},
                     primary_completion_date="2019-02-05")  # fmt: skip
    (duty, *_) = derive_duties("t", raw)
    assert duty.due == date(2020, 5, 5) and "11.44(e)" in duty.rule
    assert duty.status(date(2020, 6, 1)) == "done 2020-04-30"


def test_secondary_outcomes_completed_later_are_due_a_year_after_study_completion() -> None:
    raw = definition(primary_completion_date="2019-02-05", completion_date="2019-08-01")
    assert due(raw, "secondary outcome results") == date(2020, 8, 1)
    assert not [
        d
        for d in derive_duties("t", definition(primary_completion_date="2019-02-05", completion_date="2019-02-05"))
        if "secondary" in d.duty
    ]


def test_who_irct_results_within_12_months_and_publication_within_24() -> None:
    raw = definition(primary_completion_date="2019-02-05", completion_date="2019-08-01")
    assert due(raw, "summary results") == date(2020, 2, 5)
    assert due(raw, "results published") == date(2021, 8, 1)
    other = definition(irct={"results_within_months": 6}, primary_completion_date="2019-02-05")
    assert due(other, "summary results") == date(2019, 8, 5)


def test_a_trial_that_is_not_an_applicable_clinical_trial_has_no_fdaaa_duty() -> None:
    duties = derive_duties("t", definition({"applicable_clinical_trial": False}, primary_completion_date="2019-02-05"))
    assert [d.registry for d in duties] == ["IRCT / WHO ICTRP", "IRCT / WHO ICTRP"]


def test_without_a_date_in_the_definition_the_registry_records_is_used() -> None:
    record = read_ctgov_bytes((FIXTURES / "registry" / "NCT00183339.xml").read_bytes(), "NCT00183339.xml")
    (duty, *_) = derive_duties("t", definition(), record)
    # "February 2008" (Actual): the month's first day, so the earliest the deadline can be.
    assert duty.due == date(2009, 2, 1) and "(registry record)" in duty.basis
    unknown = derive_duties("t", definition())[0]
    assert unknown.due is None and unknown.status(date(2020, 1, 1)) == "due date unknown"


def test_days_left_and_overdue() -> None:
    (duty, *_) = derive_duties("t", definition(primary_completion_date="2019-02-05"))
    assert duty.status(date(2019, 12, 1)) == "66 days left"  # 30 (Dec) + 31 (Jan) + 5 (Feb)
    assert duty.status(date(2020, 2, 6)) == "overdue by 1 day"


def test_notices_reach_each_lead_time_once_then_overdue() -> None:
    duties = derive_duties("t", definition(primary_completion_date="2019-02-05", irct_id=""))
    fdaaa = [d for d in duties if d.registry == "ClinicalTrials.gov"]
    sent: set[tuple[str, str, str, str]] = set()

    def leads(on: date) -> list[str]:
        found = due_notices(fdaaa, (90, 30, 7), on, sent)
        sent.update((n.duty.registry, n.duty.duty, "2020-02-05", n.lead) for n in found)
        return [n.lead for n in found]

    assert leads(date(2019, 10, 1)) == []  # 127 days left
    assert leads(date(2019, 11, 7)) == ["90"]  # 90 days left
    assert leads(date(2019, 11, 8)) == []  # announced already
    assert leads(date(2020, 1, 20)) == ["30"]  # 16 days left: the 30-day notice
    assert leads(date(2020, 2, 1)) == ["7"]
    assert leads(date(2020, 2, 6)) == ["overdue"] and leads(date(2020, 3, 1)) == []


def test_the_command_lists_each_duty_with_days_left(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", "msc-t1d", "--source", str(REPO / "examples" / "msc-t1d")).exit_code == 0
    result = run_cli("deadlines", "msc-t1d", "--today", "2019-12-01")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "msc-t1d  ClinicalTrials.gov: results information (FDAAA 801)  due 2020-02-05  66 days left"
    )
    assert "IRCT / WHO ICTRP: summary results in the registry  due 2020-02-05  done 2019-06-01" in result.stdout
    listed = json.loads(run_cli("deadlines", "--json", "--today", "2020-02-06").stdout)
    assert listed[0]["status"] == "overdue by 1 day" and listed[0]["days_left"] == -1


def test_a_scheduled_run_announces_a_near_deadline_once(tmp_path: Path, tiny: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from service.db import open_database
    from service.scheduling.deadline_notices import announce_deadlines
    from tests.scheduling.helpers import config_for

    today = datetime.now(UTC).date()
    completion = add_months(today + timedelta(days=20), -12)  # results due in 20 days
    definition_file = tiny / "trial.toml"
    definition_file.write_text(
        definition_file.read_text().replace(
            "target_enrollment = 6", f"target_enrollment = 6\nprimary_completion_date = {completion.isoformat()}"
        )
    )
    db = f"sqlite:///{tmp_path / 'r.db'}"
    config = config_for(tmp_path, db, tiny)
    engine = open_database(db)
    from service.importing import load_source
    from service.snapshots import store_snapshot

    store_snapshot(engine, load_source(tiny, "tiny"), now=datetime.now(UTC))
    first = announce_deadlines(engine, config, "tiny", today)
    assert sorted((n.duty.registry, n.lead) for n in first) == [("ClinicalTrials.gov", "30"),
                                                                ("IRCT / WHO ICTRP", "30")]  # fmt: skip
    assert announce_deadlines(engine, config, "tiny", today) == []
