"""A job's cron expression as an APScheduler trigger.

Five fields are standard cron (minute hour day month weekday). Six fields put seconds first, as Quartz and
Spring do; that is for tests and short intervals, not for nightly jobs.

Weekdays are read as cron reads them (0 or 7 is Sunday, 1 Monday), not as APScheduler 3 does (0 Monday): the
field is expanded here into day names, so `1-5` means Monday to Friday whichever library reads it.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

_FIELDS = ("minute", "hour", "day", "month", "day_of_week")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def cron_trigger(cron: str, timezone: str) -> CronTrigger:
    """Raises ValueError, with what is wrong, for an expression that cannot be read."""
    parts = cron.split()
    if len(parts) not in (5, 6):
        raise ValueError("must have five fields (minute hour day month weekday), or six with seconds first")
    names = ("second", *_FIELDS) if len(parts) == 6 else _FIELDS
    fields = dict(zip(names, parts, strict=True))
    fields.setdefault("second", "0")
    fields["day_of_week"] = cron_weekdays(fields["day_of_week"])
    return CronTrigger(**fields, timezone=ZoneInfo(timezone))


def cron_weekdays(field: str) -> str:
    """A cron weekday field as a list of day names: '1-5' -> 'mon,tue,wed,thu,fri', '*/2' -> 'sun,tue,thu,sat'."""
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in field.lower().split(","):
        span, _, step_text = part.partition("/")
        step = _whole(step_text, part) if step_text else 1
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            low, high = span.split("-", 1)
            first, last = _day(low, part), _day(high, part)
            if last == 0 and high.strip() == "7":
                last = 7
        else:
            first = last = _day(span, part)
            if step_text:
                last = 6
        if step <= 0 or first > last:
            raise ValueError(f"weekday '{part}' is not a range cron can read")
        days.update(day % 7 for day in range(first, last + 1, step))
    return ",".join(_DAYS[day] for day in sorted(days))


def _day(text: str, part: str) -> int:
    text = text.strip()
    if text in _DAYS:
        return _DAYS.index(text)
    number = _whole(text, part)
    if not 0 <= number <= 7:
        raise ValueError(f"weekday '{part}': {number} is not 0-7 (0 and 7 are Sunday)")
    return number % 7


def _whole(text: str, part: str) -> int:
    if not text.strip().isdigit():
        raise ValueError(f"weekday '{part}' is not a number 0-7, a day name (sun-sat), a range or a step")
    return int(text)
