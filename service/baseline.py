"""Baseline characteristics of the randomized (intention-to-treat) participants, per arm and in total."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from service.errors import DataError
from service.importing.records import ImportedTrial, ParticipantRecord
from service.results import TOTAL, SummaryRow
from service.stats import percent, summarise

BASELINE_POPULATION = "Intention-to-treat population: all randomized participants, in the arm they were randomized to"
# ClinicalTrials.gov's age categories (PRS baseline measure 'Age, Categorical').
AGE_CATEGORIES = ("<=18 years", "Between 18 and 65 years", ">=65 years")
SEX_LABELS = {"F": "Female", "M": "Male", "U": "Unknown", "UNDIFFERENTIATED": "Undifferentiated"}


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
    rows += _continuous("Age", "years", groups, lambda p: p.age)
    rows += _categorical(
        "Age, categorical", groups, lambda p: age_category(p.age) if p.age is not None else None, AGE_CATEGORIES
    )
    rows += _categorical("Sex", groups, lambda p: SEX_LABELS.get(p.sex or "", p.sex), ("Female", "Male"))
    for name, getter in (
        ("Race", lambda p: p.race),
        ("Ethnicity", lambda p: p.ethnicity),
        ("Country", lambda p: p.country),
    ):
        if any(getter(p) for p in groups[TOTAL]):
            rows += _categorical(name, groups, getter, ())
    for measure in _study_measures(data):
        values = {
            m.subject_id: m.value
            for m in data.measurements
            if m.parameter == measure["parameter"] and m.baseline and m.value is not None
        }
        unit = next((m.unit or "" for m in data.measurements if m.parameter == measure["parameter"]), "")
        rows += _continuous(measure["title"], unit, groups, _lookup(values))
    return tuple(rows)


def _lookup(values: Mapping[str, float | None]) -> Callable[[ParticipantRecord], float | None]:
    return lambda person: values.get(person.subject_id)


def _study_measures(data: ImportedTrial) -> list[dict[str, str]]:
    measures = []
    for index, entry in enumerate(data.definition.raw.get("baseline", []), start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("parameter"), str):
            raise DataError(
                f"baseline (entry {index}) needs a 'parameter'",
                file="trial.toml",
                hint="Name the measurement parameter whose baseline value to summarise.",
            )
        measures.append({"parameter": entry["parameter"], "title": str(entry.get("title", entry["parameter"]))})
    return measures


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
