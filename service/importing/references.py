"""What trial.toml says about the data, checked against the data at import, before anything is stored.

An outcome names a parameter, its visits, the variables of its responder rule, and by its variable the kind of
parameter it is (a time to event has censoring); the flow names flags; a baseline entry names a parameter. Each must
be there: otherwise the tables would leave the outcome out, or analyse nothing and call it valid (a primary outcome
at "Month 99" with 0 participants analysed), or take C-peptide values for times to an event. The rules the outputs
themselves apply to the definition (a population flag, a record flag, adjusting variables, the arms' doses for a
dose-response test, counts and 0/1 values) are applied here too, by the same functions the analysis calls, so a
stored snapshot can always be analysed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from service.errors import DataError
from service.importing.records import ImportedTrial, MeasurementRecord
from service.labs.abnormal_rules import check_lab_references
from service.outcomes.definition import BINARY_METHODS, OutcomeSpec, parse_outcomes
from service.strictkeys import closest

# The record variables a responder rule may read (service.outcomes.data); a ...FL name is a record flag.
RESPONDER_VARIABLES = ("AVAL", "AVALC", "BASE", "CHG", "PCHG")


def check_references(data: ImportedTrial) -> ImportedTrial:
    """The data, once every reference of its definition to them holds. A trial still collecting data (see
    `still_collecting`) may name a visit nobody has reached yet: then the outcome is noted, not refused."""
    from service.baseline import summarise_baseline
    from service.flow import summarise_flow

    by_parameter: dict[str, list[MeasurementRecord]] = {}
    for m in data.measurements:
        by_parameter.setdefault(m.parameter, []).append(m)
    notes: list[str] = []
    for index, spec in enumerate(parse_outcomes(data.definition.raw), start=1):
        if not spec.supplied:
            _check_outcome(data, spec, index, by_parameter, notes)
    for entry in _baseline_parameters(data):
        if not any(m.baseline and m.value is not None for m in by_parameter.get(entry, ())):
            raise _missing(data, f"[[baseline]] parameter '{entry}' has no baseline record", "baseline.parameter",
                           entry, by_parameter, "Name a parameter with a baseline record (baseline = Y, ABLFL = Y, "
                           "--BLFL = Y).")  # fmt: skip
    check_lab_references(data.definition.raw, data.labs)  # [labs] records and criteria
    summarise_flow(data)  # the flow's completion and milestone flags
    summarise_baseline(data)  # the declared types of the [[baseline]] variables
    return replace(data, notes=(*data.notes, *notes)) if notes else data


def still_collecting(data: ImportedTrial) -> bool:
    """Whether the trial may still be collecting data, so that a visit no record has may simply not be reached yet
    (an interim snapshot): unless [trial] status says Completed or Terminated, or the data reach the trial's
    primary_completion_date. A finished trial's every visit must be in the data."""
    from service.snapshots import derive_data_cutoff

    trial = data.definition.raw.get("trial", {})
    trial = trial if isinstance(trial, dict) else {}
    if str(trial.get("status", "")).casefold() in ("completed", "terminated"):
        return False
    end = trial.get("primary_completion_date")
    cutoff = derive_data_cutoff(data) if isinstance(end, date) else None
    return not (isinstance(end, date) and cutoff is not None and cutoff >= end)


def _check_outcome(
    data: ImportedTrial,
    spec: OutcomeSpec,
    index: int,
    by_parameter: dict[str, list[MeasurementRecord]],
    notes: list[str],
) -> None:
    from service.outcomes.data import collect_outcome

    where = f"outcomes (entry {index})"
    records = by_parameter.get(spec.parameter, [])
    if not records:
        raise _missing(data, f"{where}: parameter '{spec.parameter}' is in no record of {_files(data)}",
                       "outcomes.parameter", spec.parameter, by_parameter,
                       "Name a parameter the data have (PARAMCD, --TESTCD, measurements.csv parameter).")  # fmt: skip
    if spec.dataset is not None:
        datasets = sorted({m.dataset for m in records})
        if spec.dataset.upper() not in {d.upper() for d in datasets}:
            raise _error(f"{where}: parameter '{spec.parameter}' is not in dataset '{spec.dataset}'",
                         "outcomes.dataset", f"It is in: {', '.join(datasets)}.")  # fmt: skip
        records = [m for m in records if m.dataset.upper() == spec.dataset.upper()]
    _check_kind(spec, records, where)
    ongoing = still_collecting(data)
    if spec.variable != "time-to-event":
        unreached = _check_visits(spec, records, where, ongoing)
        if unreached:
            notes.append(unreached)
            return  # its analysis is empty until a record has the visit: nothing more to check against
    if spec.responder is not None:
        _check_responder_variables(spec, records, where)
    outcome = collect_outcome(data, spec, records)  # the analysis's own rules: population, records, adjust, doses
    key = outcome.key_timepoint
    observed = [o for visit, people in outcome.visits.items() if key in (None, visit) for o in people.values()]
    values = [o.y for o in observed if o.y is not None]
    if not values:
        at = f" at {key}" if key else ""
        if ongoing and key is not None:
            notes.append(f"trial.toml, {where}: parameter '{spec.parameter}' has no value at {key} in population "
                         f"{spec.population} yet; its analysis is empty until one does")  # fmt: skip
            return
        raise _error(f"{where}: parameter '{spec.parameter}'{at} has no value to analyse in population "
                     f"{spec.population}", "outcomes", "Check the outcome's timepoint, variable, population and "
                     "records against the data.")  # fmt: skip
    if spec.method in BINARY_METHODS and spec.variable == "value" and any(v not in (0, 1) for v in values):
        raise _error(f"{where}: method {spec.method} analyses a 0/1 value, but parameter '{spec.parameter}' has "
                     f"{next(v for v in values if v not in (0, 1)):g}", "outcomes.method",
                     'For other values define variable = "responder" with its rule.')  # fmt: skip


def _check_kind(spec: OutcomeSpec, records: Sequence[MeasurementRecord], where: str) -> None:
    """A time to event is a parameter with censoring (ADTTE CNSR, measurements.csv censored); nothing else is."""
    timed = [m for m in records if m.censored is not None]
    if spec.variable == "time-to-event" and not timed:
        raise _error(f"{where}: variable = \"time-to-event\" needs a time to event, but parameter "
                     f"'{spec.parameter}' has no censoring (ADTTE CNSR, measurements.csv censored)",
                     "outcomes.variable", "Name an ADTTE parameter, or analyse this one as a value.")  # fmt: skip
    if spec.variable != "time-to-event" and len(timed) == len(records):
        raise _error(f"{where}: parameter '{spec.parameter}' is a time to event (it has censoring); analysing it as "
                     f"{spec.variable} would ignore the censoring", "outcomes.variable",
                     'Write variable = "time-to-event" (method logrank or cox).')  # fmt: skip


def _check_visits(spec: OutcomeSpec, records: Sequence[MeasurementRecord], where: str, ongoing: bool) -> str | None:
    """A timepoint no record has: refused, or while the trial is still collecting data, the import's note."""
    visits = list(dict.fromkeys(m.visit for m in records if m.visit))
    for visit in (*spec.timepoints, *([spec.timepoint] if spec.timepoint else [])):
        if visit not in visits:
            guess = closest(visit, visits)
            problem = (f"{where}: timepoint '{visit}' is a visit no record of parameter '{spec.parameter}' has"
                       + (f"; did you mean '{guess}'?" if guess else ""))  # fmt: skip
            if ongoing:
                return (f"trial.toml, {problem} (its visits: {', '.join(visits) or 'none'}); not reached yet, or "
                        "misspelt: its analysis is empty until a record has it")  # fmt: skip
            raise _error(problem, "outcomes.timepoint", f"Its visits: {', '.join(visits) or 'none'}.")
    return None


def _check_responder_variables(spec: OutcomeSpec, records: Sequence[MeasurementRecord], where: str) -> None:
    assert spec.responder is not None
    present = {
        "AVAL": any(m.value is not None for m in records),
        "AVALC": any(m.value_text is not None for m in records),
        "BASE": any(m.base is not None or (m.baseline and m.value is not None) for m in records),
    }
    present["CHG"] = present["PCHG"] = any(m.change is not None for m in records) or present["BASE"]
    for name in spec.responder.variables:
        if name.endswith("FL") and name not in present:
            continue  # a record flag: a record without it = Y is not a responder by it
        if name not in present:
            guess = closest(name, [*RESPONDER_VARIABLES])
            raise _error(f"{where}: responder rule names {name}, which is not a record variable"
                         + (f"; did you mean {guess}?" if guess else ""), "outcomes.responder",
                         f"A rule reads {', '.join(RESPONDER_VARIABLES)} or a record flag (…FL).")  # fmt: skip
        if not present[name]:
            raise _error(f"{where}: responder rule reads {name}, which no record of parameter '{spec.parameter}' "
                         "has", "outcomes.responder")  # fmt: skip


def _baseline_parameters(data: ImportedTrial) -> list[str]:
    from service.importing.definition import baseline_entries

    return [e.name for e in baseline_entries(data.definition.raw) if e.kind == "parameter"]


def _files(data: ImportedTrial) -> str:
    """The data files the measurements come from, as the message names them."""
    datasets = sorted({m.dataset for m in data.measurements if m.dataset})
    if datasets:
        return ", ".join(datasets)
    return {"bundle": "measurements.csv", "adam": "the BDS datasets", "sdtm": "the findings datasets"}.get(
        data.source_format, "the data"
    )


def _missing(
    data: ImportedTrial, problem: str, key: str, name: str, by_parameter: dict[str, list[MeasurementRecord]],
    hint: str,
) -> DataError:  # fmt: skip
    guess = closest(name, list(by_parameter))
    return _error(problem + (f"; did you mean '{guess}'?" if guess else ""), key, hint)


def _error(problem: str, key: str, hint: str | None = None) -> DataError:
    return DataError(problem, file="trial.toml", column=key, hint=hint)
