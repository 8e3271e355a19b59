"""One typed view of a registry record, whatever it was read from: the ClinicalTrials.gov API v2 JSON, the legacy
public XML, a PRS record download, or a WHO ICTRP / IRCT record (2009 or 2017 form). `regsync registry drift`
compares it with the trial's data and definition."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class RegistryDate:
    """A date as the registry wrote it ("February 2008", "2018-10", "2019-02-05", "05/02/2019"), read to its first
    day where only the month is known, with its type (Actual, Anticipated or Estimated) when stated."""

    text: str
    value: date | None
    precision: str  # "day", "month", "year" or "" (not read)
    type: str = ""

    def same_as(self, other: date) -> bool:
        """Equal to `other` at the precision the registry gave."""
        if self.value is None:
            return False
        if self.precision == "day":
            return self.value == other
        if self.precision == "month":
            return (self.value.year, self.value.month) == (other.year, other.month)
        return self.value.year == other.year


@dataclass(frozen=True)
class RegistryArm:
    title: str
    type: str = ""
    description: str = ""


@dataclass(frozen=True)
class RegistryOutcome:
    title: str
    time_frame: str = ""
    type: str = ""  # primary, secondary, other


@dataclass(frozen=True)
class PostedResults:
    """The numbers a registry posts that regsync also computes: per group title."""

    groups: tuple[str, ...] = ()
    started: dict[str, int] = field(default_factory=dict)  # participant flow, first period
    completed: dict[str, int] = field(default_factory=dict)
    baseline_n: dict[str, int] = field(default_factory=dict)
    serious_affected: dict[str, tuple[int, int]] = field(default_factory=dict)  # (affected, at risk)
    other_affected: dict[str, tuple[int, int]] = field(default_factory=dict)
    deaths: dict[str, tuple[int, int]] = field(default_factory=dict)  # all-cause mortality, where reported


@dataclass(frozen=True)
class RegistryView:
    registry: str  # "ctgov" or "irct"
    source_format: str  # what it was read from, in words
    primary_id: str  # the NCT number, or the IRCT/WHO trial id
    ids: tuple[str, ...] = ()  # every other identifier the record carries (org study id, secondary ids)
    brief_title: str = ""
    official_title: str = ""
    acronym: str = ""
    status: str = ""
    phase: str = ""
    start: RegistryDate | None = None
    primary_completion: RegistryDate | None = None
    completion: RegistryDate | None = None
    enrollment: int | None = None
    enrollment_type: str = ""  # Actual, Anticipated, Estimated
    arms: tuple[RegistryArm, ...] = ()
    interventions: tuple[str, ...] = ()
    outcomes: tuple[RegistryOutcome, ...] = ()
    minimum_age: str = ""
    maximum_age: str = ""
    sex: str = ""
    results: PostedResults | None = None

    @property
    def all_ids(self) -> tuple[str, ...]:
        return (self.primary_id, *self.ids)


_MONTHS = {name: number for number, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december"), start=1)}  # fmt: skip


def read_date(text: str | None, type_: str = "") -> RegistryDate | None:
    """A registry date in any of the forms the registries write; unread text is kept with no value."""
    if text is None or not text.strip():
        return None
    raw = " ".join(text.split())
    kind = type_.strip().capitalize()
    for pattern, precision in (("%Y-%m-%d", "day"), ("%Y/%m/%d", "day"), ("%d/%m/%Y", "day"), ("%B %d, %Y", "day"),
                               ("%Y-%m", "month"), ("%B %Y", "month"), ("%Y", "year")):  # fmt: skip
        try:
            return RegistryDate(raw, datetime.strptime(raw, pattern).date(), precision, kind)
        except ValueError:
            continue
    match = re.fullmatch(r"([A-Za-z]+) (\d{1,2}), (\d{4})", raw)
    if match and match.group(1).lower() in _MONTHS:
        return RegistryDate(raw, date(int(match.group(3)), _MONTHS[match.group(1).lower()], int(match.group(2))),
                            "day", kind)  # fmt: skip
    return RegistryDate(raw, None, "", kind)


def words(value: str) -> str:
    """An API v2 enum as the classic record words it: NOT_YET_RECRUITING → Not yet recruiting."""
    text = value.replace("_", " ").strip()
    return text[:1].upper() + text[1:].lower() if text.isupper() else text
