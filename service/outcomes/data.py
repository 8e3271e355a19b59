"""One outcome's analysis data: the records its definition selects, per participant and visit, with baseline,
covariates and the participant's arm.

Record selection follows ADaMIG: a record flag named by `records` (ANL01FL) picks the records, derived ones
(DTYPE = LOCF, WOCF, ...) included; without one, derived records are left out and said so, because using an
imputation the SAP did not choose would be substituting data silently.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from service.errors import DataError
from service.importing.participant_level import population_label
from service.importing.records import ImportedTrial, MeasurementRecord, ParticipantRecord
from service.outcomes.criteria import Criterion
from service.outcomes.definition import BASELINE, OutcomeSpec
from service.populations import population_flags_of
from service.results import OVERALL

DERIVED_BASELINE = ("Where the data carry no BASE (a bundle, SDTM), baseline is the value of the record flagged as "
                    "baseline (--BLFL), and change from baseline is derived from it.")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Observation:
    """One participant's analysed record at one visit: `y` is the analysis variable (None when not collected)."""

    y: float | None
    base: float | None
    censored: bool | None = None
    is_baseline: bool = False
    value: float | None = None  # AVAL
    change: float | None = None  # CHG


@dataclass
class OutcomeData:
    spec: OutcomeSpec
    arms: tuple[str, ...]  # labels, in the trial's order
    control: str | None
    arm_of: dict[str, str]  # subject -> arm label, everyone in the analysis population with an arm
    visits: dict[str, dict[str, Observation]]  # visit -> subject -> observation, in visit order
    visit_numbers: dict[str, float | None]
    covariates: dict[str, dict[str, float | str]]  # subject -> name -> value ("baseline" is in Observation)
    doses: dict[str, float]  # arm label -> dose, for a dose-response test
    unit: str
    label: str
    dataset: str
    notes: list[str] = field(default_factory=list)
    # Set for a masked edition of three or more arms: every pair of these arms is compared, the earlier minus (or
    # over) the later, whatever pairs the definition asks for (service.reports.masked).
    pair_order: tuple[str, ...] | None = None

    @property
    def timepoints(self) -> tuple[str, ...]:
        """The visits the definition analyses: its timepoints, else its timepoint, else the last visit."""
        if self.spec.timepoints:
            return self.spec.timepoints
        if self.spec.timepoint:
            return (self.spec.timepoint,)
        analysed = [v for v in self.visits if any(o.y is not None for o in self.visits[v].values())]
        return (analysed[-1],) if analysed else ()

    @property
    def key_timepoint(self) -> str | None:
        return self.spec.timepoint or (self.timepoints[-1] if self.timepoints else None)

    def population_description(self) -> str:
        flag = self.spec.population
        text = f"{population_label(flag)} population ({flag} = Y), by the arm randomized to"
        if self.spec.records:
            text += f"; records with {self.spec.records} = Y"
        return text + "."


def collect_outcome(
    data: ImportedTrial,
    spec: OutcomeSpec,
    records: Sequence[MeasurementRecord] | None = None,
    *,
    compared: bool = True,
) -> OutcomeData:
    """`records`, when given, are the snapshot's measurements of the spec's parameter (any dataset). Without
    `compared` (the pooled open edition, which only summarises), the arms' doses a trend test needs are not read."""
    labels = data.arm_labels
    people = {p.subject_id: p for p in data.participants}
    arm_of = {
        p.subject_id: labels[p.arm_code]
        for p in data.participants
        if p.arm_code and population_flags_of(p).get(spec.population)
    }
    if not arm_of and not any(spec.population in population_flags_of(p) for p in data.participants):
        raise DataError(f"outcome {spec.parameter}: no participant has population flag {spec.population}",
                        file="trial.toml", column="outcomes.population",
                        hint="Name a population flag the data carry (ITTFL, FASFL, EFFFL, PPROTFL, ...).")  # fmt: skip
    found = records if records is not None else [m for m in data.measurements if m.parameter == spec.parameter]
    chosen, dataset = _one_dataset(spec, found)
    notes: list[str] = []
    chosen = _select(spec, chosen, notes)
    chosen = _after_the_end(spec, chosen, people, data.definition.raw, notes)
    baseline = _baselines(chosen)
    if baseline.derived:
        notes.append(DERIVED_BASELINE)
    visits: dict[str, dict[str, Observation]] = defaultdict(dict)
    numbers: dict[str, float | None] = {}
    duplicated: Counter[str] = Counter()
    unit = ""
    label = spec.parameter
    criterion = spec.responder
    for m in chosen:
        if m.subject_id not in arm_of:
            continue
        visit = m.visit or OVERALL
        unit = unit or (m.unit or "")
        label = m.parameter_label or label
        numbers.setdefault(visit, m.visit_number)
        if m.subject_id in visits[visit]:
            duplicated[visit] += 1
            continue
        base = m.base if m.base is not None else baseline.values.get(m.subject_id)
        change = m.change if m.change is not None else (
            m.value - base if m.value is not None and base is not None and not m.baseline else None
        )  # fmt: skip
        if m.baseline and change is None and m.value is not None and base is not None:
            change = 0.0
        if spec.variable == "change":
            y = change
        elif spec.variable == "percent-change":
            y = 100 * change / base if change is not None and base else None
        elif criterion is not None:
            y = _responder(criterion, m, base, change)
        else:
            y = m.value
        if spec.scale == "log":
            y, base = _log(spec, m, y), _log(spec, m, base)
        visits[visit][m.subject_id] = Observation(y, base, m.censored, m.baseline, m.value, change)
    for visit, count in duplicated.items():
        notes.append(f"{spec.parameter} at {visit}: {count} further record(s) for a participant already counted "
                     "there were not used (the first record is); name a record flag (records = \"ANL01FL\") "
                     "to choose one record per participant and visit.")  # fmt: skip
    ordered = dict(sorted(visits.items(), key=lambda kv: (numbers[kv[0]] is None, numbers[kv[0]] or 0, kv[0])))
    control = next((a.label for a in data.arms if a.is_control), None)
    covariates = _covariates(spec, chosen, people, arm_of)
    doses = _doses(spec, data, people, arm_of) if spec.dose_response and compared else {}
    if spec.count:
        _check_counts(spec, ordered)
    return OutcomeData(spec, tuple(labels.values()), control, arm_of, ordered, numbers, covariates, doses, unit,
                       label, dataset, notes)  # fmt: skip


def _log(spec: OutcomeSpec, m: MeasurementRecord, value: float | None) -> float | None:
    if value is None:
        return None
    if value <= 0:
        raise DataError(f"outcome {spec.parameter} is analysed on the log scale, but {m.subject_id} has {value:g} at "
                        f"{m.visit or OVERALL}", file=m.dataset or "measurements", column="AVAL",
                        hint="A log-scale (geometric mean) analysis needs every value above 0.")  # fmt: skip
    return math.log(value)


AFTER_END_RULES = ("exclude", "include")


def _after_the_end(spec: OutcomeSpec, records: list[MeasurementRecord], people: Mapping[str, ParticipantRecord],
                   raw: Mapping[str, Any], notes: list[str]) -> list[MeasurementRecord]:  # fmt: skip
    """Measurements dated after the participant's death, or after a discontinuation's date, are flagged; the
    definition's rule ([efficacy] after_death_or_withdrawal, default "exclude") says whether they are analysed.
    A time to event is exempt: its date is the event's or the censoring's, which may well be the end itself."""
    section = raw.get("efficacy", {})
    rule = str(section.get("after_death_or_withdrawal", "exclude")) if isinstance(section, dict) else "exclude"
    if rule not in AFTER_END_RULES:
        raise DataError(f"after_death_or_withdrawal '{rule}' is not one of {', '.join(AFTER_END_RULES)}",
                        file="trial.toml", column="efficacy.after_death_or_withdrawal")  # fmt: skip
    if spec.variable == "time-to-event":
        return records
    late: list[MeasurementRecord] = []
    for m in records:
        person = people.get(m.subject_id)
        if person is None or m.measured_on is None:
            continue
        ended = person.death_date or (person.disposition_date if person.disposition == "discontinued" else None)
        if ended is not None and m.measured_on > ended:
            late.append(m)
    if not late:
        return records
    subjects = sorted({m.subject_id for m in late})
    what = "excluded from the analysis" if rule == "exclude" else "included, as the analysis plan says"
    notes.append(f"{spec.parameter}: {len(late)} measurement(s) dated after the participant's death or withdrawal "
                 f"({', '.join(subjects)}) are {what}.")  # fmt: skip
    if rule == "include":
        return records
    dropped = {id(m) for m in late}
    return [m for m in records if id(m) not in dropped]


def _one_dataset(spec: OutcomeSpec, records: Sequence[MeasurementRecord]) -> tuple[list[MeasurementRecord], str]:
    datasets = sorted({m.dataset for m in records})
    if spec.dataset is not None:
        wanted = spec.dataset.upper()
        chosen = [m for m in records if m.dataset.upper() == wanted]
        return chosen, spec.dataset
    if len(datasets) > 1:
        raise DataError(f"outcome {spec.parameter}: PARAMCD {spec.parameter} is in {', '.join(datasets)}",
                        file="trial.toml", column="outcomes.dataset",
                        hint=f"Say which: dataset = \"{datasets[0]}\".")  # fmt: skip
    return list(records), datasets[0] if datasets else ""


def _select(spec: OutcomeSpec, records: list[MeasurementRecord], notes: list[str]) -> list[MeasurementRecord]:
    if spec.records is not None:
        flag = spec.records
        chosen = [m for m in records if flag in m.flags.split(",")]
        if records and not chosen:
            raise DataError(f"outcome {spec.parameter}: no record has {flag} = Y", file="trial.toml",
                            column="outcomes.records", hint="Name a record flag the BDS dataset sets.")  # fmt: skip
        return chosen
    derived = Counter(m.dtype for m in records if m.dtype)
    if derived:
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(derived.items()))
        notes.append(f"{spec.parameter}: derived records (DTYPE: {kinds}) are not used; to use them, name the "
                     "record flag the SAP's analysis uses (records = \"ANL01FL\").")  # fmt: skip
    return [m for m in records if not m.dtype]


@dataclass
class _Baselines:
    values: dict[str, float]
    derived: bool


def _baselines(records: Sequence[MeasurementRecord]) -> _Baselines:
    """Each participant's baseline: ADaM's BASE where the records carry it, else the baseline record's value."""
    given = {m.subject_id: m.base for m in records if m.base is not None}
    flagged: dict[str, float] = {}
    for m in records:
        if m.baseline and m.value is not None:
            flagged.setdefault(m.subject_id, m.value)
    derived = bool(flagged) and not given
    return _Baselines({**flagged, **given}, derived)


def _responder(criterion: Criterion, m: MeasurementRecord, base: float | None, change: float | None) -> float | None:
    percent_change = 100 * change / base if change is not None and base else None
    record: dict[str, float | str | None] = {"AVAL": m.value, "AVALC": m.value_text, "BASE": base, "CHG": change,
                                              "PCHG": percent_change}  # fmt: skip
    flags = set(m.flags.split(",")) if m.flags else set()
    for name in criterion.variables:
        if name.endswith("FL") and name not in record:
            record[name] = "Y" if name in flags else "N"
    if any(record.get(name) is None for name in criterion.variables):
        return None  # not collected: neither a responder nor a non-responder
    return 1.0 if criterion.holds(record) else 0.0


def _covariates(
    spec: OutcomeSpec, records: Sequence[MeasurementRecord], people: Mapping[str, object], arm_of: Mapping[str, str]
) -> dict[str, dict[str, float | str]]:
    names = [a for a in spec.adjust if a != BASELINE]
    values: dict[str, dict[str, float | str]] = defaultdict(dict)
    seen = set()
    for subject in arm_of:
        own = getattr(people[subject], "variables", None) or {}
        for name in names:
            if name in own:
                seen.add(name)
                if own[name] is not None:
                    values[subject][name] = own[name]  # type: ignore[assignment]
    for m in records:
        if m.variables and m.subject_id in arm_of:
            for name in names:
                if name in m.variables:
                    seen.add(name)
                    if m.variables[name] is not None:
                        values[m.subject_id].setdefault(name, m.variables[name])  # type: ignore[arg-type]
    missing = [name for name in names if name not in seen]
    if missing and records:
        raise DataError(f"outcome {spec.parameter}: adjusts for {', '.join(missing)}, which neither the "
                        "participant-level data nor the outcome's records carry", file="trial.toml",
                        column="outcomes.adjust", hint="Name an ADSL or BDS variable, or \"baseline\".")  # fmt: skip
    return dict(values)


def _doses(
    spec: OutcomeSpec, data: ImportedTrial, people: Mapping[str, object], arm_of: Mapping[str, str]
) -> dict[str, float]:
    """Each arm's dose: [[arms]] dose in trial.toml, else ADSL TRT01PN (one value per arm)."""
    declared = {str(a.get("code")): a.get("dose") for a in data.definition.raw.get("arms", []) if isinstance(a, dict)}
    labels = data.arm_labels
    doses: dict[str, float] = {}
    for code, label in labels.items():
        dose = declared.get(code)
        if isinstance(dose, int | float) and not isinstance(dose, bool):
            doses[label] = float(dose)
    if len(doses) == len(labels):
        return doses
    doses = {}
    for subject, arm in arm_of.items():
        number = (getattr(people[subject], "variables", None) or {}).get("TRT01PN")
        if isinstance(number, int | float) and doses.setdefault(arm, float(number)) != float(number):
            raise DataError(f"TRT01PN has two values in arm '{arm}'", file="adsl", column="TRT01PN",
                            hint="A dose-response test needs one dose per arm.")  # fmt: skip
    if len(doses) < len(labels):
        raise DataError(f"outcome {spec.parameter}: dose_response needs every arm's dose",
                        file="trial.toml", column="arms.dose",
                        hint="Give [[arms]] dose = ... (0 for placebo), or ADSL TRT01PN.")  # fmt: skip
    return doses


def _check_counts(spec: OutcomeSpec, visits: Mapping[str, Mapping[str, Observation]]) -> None:
    for visit, observations in visits.items():
        for subject, o in observations.items():
            if o.y is not None and (o.y < 0 or o.y != int(o.y)):
                raise DataError(f"outcome {spec.parameter} is a count, but {subject} has {o.y:g} at {visit}",
                                file=spec.dataset or "measurements", column="AVAL",
                                hint="A count of events is a whole number, 0 or more.")  # fmt: skip
