"""Baseline characteristics of the randomized (intention-to-treat) participants, per arm and in total."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from service.errors import DataError
from service.importing.definition import BaselineEntry, baseline_entries
from service.importing.records import ImportedTrial, ParticipantRecord
from service.results import TOTAL, SummaryRow
from service.stats import percent, summarise

BASELINE_POPULATION = "Intention-to-treat population: all randomized participants, in the arm they were randomized to"
# ClinicalTrials.gov's age categories (PRS baseline measure 'Age, Categorical').
AGE_CATEGORIES = ("<=18 years", "Between 18 and 65 years", ">=65 years")
SEX_LABELS = {"F": "Female", "M": "Male", "U": "Unknown", "UNDIFFERENTIATED": "Undifferentiated"}


# Units an age may be given in (CDISC AGEU), as parts of a year.
PER_YEAR = {"YEARS": 1.0, "MONTHS": 12.0, "WEEKS": 365.25 / 7, "DAYS": 365.25, "HOURS": 365.25 * 24}


def age_in_years(person: ParticipantRecord) -> float | None:
    """The age in years, whatever unit the data give it in (an infant of 47 days is 0.13 years, not 47)."""
    if person.age is None:
        return None
    return person.age / PER_YEAR.get((person.age_unit or "YEARS").upper(), 1.0)


def age_unit(people: Sequence[ParticipantRecord]) -> str:
    """The unit ages are reported in: the data's own when every age is in one unit, else years."""
    units = {(p.age_unit or "YEARS").upper() for p in people if p.age is not None}
    return units.pop() if len(units) == 1 and next(iter(units)) in PER_YEAR else "YEARS"


def age_category(age: float) -> str:
    if age <= 18:
        return AGE_CATEGORIES[0]
    if age < 65:
        return AGE_CATEGORIES[1]
    return AGE_CATEGORIES[2]


def summarise_baseline(data: ImportedTrial) -> tuple[SummaryRow, ...]:
    labels = data.arm_labels
    groups: dict[str, list[ParticipantRecord]] = {label: [] for label in labels.values()}
    for person in data.participants:
        if person.itt_population and person.arm_code is not None:
            groups[labels[person.arm_code]].append(person)
    groups[TOTAL] = [p for members in list(groups.values()) for p in members]
    rows: list[SummaryRow] = []
    unit = age_unit(groups[TOTAL])

    def age(person: ParticipantRecord) -> float | None:
        if (person.age_unit or "YEARS").upper() == unit:
            return person.age
        years = age_in_years(person)
        return None if years is None else years * PER_YEAR[unit]

    def category(person: ParticipantRecord) -> str | None:
        years = age_in_years(person)
        return age_category(years) if years is not None else None

    rows += _named("AGE", _continuous("Age", unit.lower(), groups, age))
    rows += _named("AGECAT", _categorical("Age, categorical", groups, category, AGE_CATEGORIES))
    rows += _named("SEX", _categorical("Sex", groups, lambda p: SEX_LABELS.get(p.sex or "", p.sex), ("Female", "Male")))
    for name, variable, getter in (
        ("Race", "RACE", lambda p: p.race),
        ("Ethnicity", "ETHNIC", lambda p: p.ethnicity),
        ("Country", "COUNTRY", lambda p: p.country),
    ):
        if any(getter(p) for p in groups[TOTAL]):
            rows += _named(variable, _categorical(name, groups, getter, ()))
    for entry in baseline_entries(data.definition.raw):
        if entry.kind == "variable":
            rows += _named(entry.name, _variable_rows(entry, groups, data.participants))
            continue
        values = {
            m.subject_id: m.value
            for m in data.measurements
            if m.parameter == entry.name and m.baseline and m.value is not None
        }
        unit = next((m.unit or "" for m in data.measurements if m.parameter == entry.name), "")
        rows += _named("AVAL", _continuous(entry.title, unit, groups, _lookup(values)), entry.name)
    return tuple(rows)


def _named(variable: str, rows: list[SummaryRow], parameter: str = "") -> list[SummaryRow]:
    return [replace(row, variable=variable, parameter=parameter) for row in rows]


def _lookup(values: Mapping[str, float | None]) -> Callable[[ParticipantRecord], float | None]:
    return lambda person: values.get(person.subject_id)


def _variable_rows(
    entry: BaselineEntry, groups: dict[str, list[ParticipantRecord]], everyone: Sequence[ParticipantRecord]
) -> list[SummaryRow]:
    """A participant-level variable: continuous (every value a number, unless its type says categorical) or
    categorical, its levels in the order of its numeric ...N variable where the data have one, else in the order
    they first appear."""
    name = entry.name

    def value(person: ParticipantRecord) -> float | str | None:
        return (person.variables or {}).get(name)

    present = [v for p in everyone if (v := value(p)) is not None]
    kind = entry.type or ("continuous" if all(isinstance(v, float) for v in present) else "categorical")
    if kind == "continuous":
        if not all(isinstance(v, float) for v in present):
            raise DataError(f"baseline variable {name} is declared continuous but holds text", file="trial.toml",
                            column=name, hint='Remove type = "continuous", or correct the values.')  # fmt: skip
        return _continuous(entry.title, "", groups, _number_of(value))
    order: dict[str, float] = {}
    for person in everyone:
        level = value(person)
        rank = (person.variables or {}).get(name + "N")
        if level is not None:
            order.setdefault(_level(level), rank if isinstance(rank, float) else float("inf"))
    levels = sorted(order, key=lambda level: order[level])  # stable: first appearance breaks ties
    return _categorical(entry.title, groups, lambda p: None if (v := value(p)) is None else _level(v), levels)


def _number_of(value: Callable[[ParticipantRecord], float | str | None]) -> Callable[[ParticipantRecord], float | None]:
    def number(person: ParticipantRecord) -> float | None:
        found = value(person)
        return found if isinstance(found, float) else None

    return number


def _level(value: float | str) -> str:
    return f"{value:g}" if isinstance(value, float) else value


def _continuous(
    name: str, unit: str, groups: dict[str, list[ParticipantRecord]], value: Callable[[ParticipantRecord], float | None]
) -> list[SummaryRow]:
    rows = []
    for arm, members in groups.items():
        values = [v for p in members if (v := value(p)) is not None]
        s = summarise(values)
        rows.append(
            SummaryRow(
                name, "", arm, s.n, len(members), None, s.mean, s.sd, s.median, s.q1, s.q3, s.minimum, s.maximum, unit
            )
        )
    return rows


def _categorical(
    name: str,
    groups: dict[str, list[ParticipantRecord]],
    value: Callable[[ParticipantRecord], Any],
    fixed: Sequence[str],
) -> list[SummaryRow]:
    seen = {v for members in groups.values() for p in members if (v := value(p)) is not None}
    categories = [*fixed, *sorted(seen - set(fixed))]
    if any(value(p) is None for members in groups.values() for p in members):
        categories.append("Not collected")
    rows = []
    for category in categories:
        for arm, members in groups.items():
            n = sum(1 for p in members if (value(p) if value(p) is not None else "Not collected") == category)
            rows.append(
                SummaryRow(
                    name,
                    category,
                    arm,
                    n,
                    len(members),
                    percent(n, len(members)),
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    "participants",
                )
            )
    return rows
