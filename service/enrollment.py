"""Enrollment over time against its target, and by site."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from service.disposition import screening_recorded
from service.importing.dates import definition_date
from service.importing.records import ImportedTrial
from service.results import NOT_COLLECTED, TOTAL, EnrollmentRow, SiteRow

NO_SITE = "Site not recorded"
ENROLLMENT_RULES = (
    "Enrollment: randomizations by calendar month of the randomization date, with the running total.",
    "Target: the planned enrollment, reached on a straight line from the planned start of enrollment to its "
    "planned end, at each month's end.",
)


def summarise_enrollment(data: ImportedTrial, data_cutoff: date | None) -> tuple[EnrollmentRow, ...]:
    labels = data.arm_labels
    arms = list(labels.values())
    by_month: Counter[tuple[str, str]] = Counter()
    for person in data.participants:
        if person.randomized and person.arm_code is not None and person.randomization_date is not None:
            by_month[(_month(person.randomization_date), labels[person.arm_code])] += 1
    if not by_month:
        return ()
    trial = data.definition.raw.get("trial", {})
    start, end = definition_date(trial.get("enrollment_start")), definition_date(trial.get("enrollment_end"))
    first = min(month for month, _ in by_month)
    last = max([month for month, _ in by_month] + ([_month(data_cutoff)] if data_cutoff else []))
    rows: list[EnrollmentRow] = []
    running: Counter[str] = Counter()
    for month in _months(first, last):
        for arm in [*arms, TOTAL]:
            n = sum(by_month[(month, a)] for a in arms) if arm == TOTAL else by_month[(month, arm)]
            running[arm] += n
            target = _target(month, start, end, data.definition.target_enrollment) if arm == TOTAL else None
            rows.append(EnrollmentRow(month, arm, n, running[arm], target))
    return tuple(rows)


def summarise_sites(data: ImportedTrial) -> tuple[SiteRow, ...]:
    """Screened and randomized per site; sites by decreasing randomizations, then by name. Screened is not
    collected where the data hold no screen failures (service.disposition.screening_recorded)."""
    labels = data.arm_labels
    recorded = screening_recorded(data)
    arms = list(labels.values())
    screened: Counter[str] = Counter()
    randomized: dict[tuple[str, str], list[date | None]] = defaultdict(list)
    for person in data.participants:
        site = person.site or NO_SITE
        screened[site] += 1
        if person.randomized and person.arm_code is not None:
            randomized[(site, labels[person.arm_code])].append(person.randomization_date)
            randomized[(site, TOTAL)].append(person.randomization_date)
    sites = sorted(screened, key=lambda s: (-len(randomized[(s, TOTAL)]), s == NO_SITE, s.casefold()))
    rows = []
    for site in sites:
        for arm in [*arms, TOTAL]:
            dates = [d for d in randomized[(site, arm)] if d is not None]
            rows.append(
                SiteRow(
                    site,
                    arm,
                    (screened[site] if recorded else NOT_COLLECTED) if arm == TOTAL else None,
                    len(randomized[(site, arm)]),
                    min(dates) if dates else None,
                    max(dates) if dates else None,
                )
            )
    return tuple(rows)


def _target(month: str, start: date | None, end: date | None, target: int | None) -> float | None:
    if start is None or end is None or target is None or end <= start:
        return None
    year, number = map(int, month.split("-"))
    month_end = date(year + number // 12, number % 12 + 1, 1).toordinal() - 1
    share = (month_end - start.toordinal()) / (end.toordinal() - start.toordinal())
    return round(target * min(max(share, 0.0), 1.0), 2)


def _months(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
