"""Results a statistician supplies: an ard.csv in DESIGN.md's columns, or a CDISC ARS ReportingEvent (JSON),
beside the data. An outcome with `results = "supplied"` takes its numbers from it as they are.

The file is read (only a regular file inside the source folder, at most 20 MiB: supplied_file.py), checked and
frozen with the import: the snapshot's definition holds the rows of the outcomes that take their results from it,
with its name and sha256, so that a report made later from the snapshot shows the numbers the snapshot was made
with. Each row is checked on its own (supplied_rows.py); across rows, each interval contains its estimate, and each
arm has one N at each timepoint, a whole number no larger than the arm's participants in the outcome's population.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from service.ard import ARD_COLUMNS
from service.errors import DataError
from service.importing.records import ImportedTrial
from service.outcomes.compare import KIND_WORDS, OutcomeResults
from service.outcomes.data import OutcomeData
from service.outcomes.definition import OutcomeSpec, parse_outcomes
from service.outcomes.reporting_event import ard_rows_from_ars
from service.outcomes.supplied_file import read_supplied_bytes, supplied_path
from service.outcomes.supplied_rows import checked_row
from service.populations import population_flags_of
from service.results import OVERALL, TOTAL, ArmEstimateRow, ComparisonRow

SUPPLIED_KEY = "_supplied_results"  # in the definition's raw form: {file: {"sha256": ..., "rows": [...]}}
DEFAULT_FILES = ("ard.csv", "ars.json")
ARM_GROUPS = ("TRT01P", "TRT01A", "TRTP", "TRTA", "ARM", "ACTARM", "TRT")
# The ARD context (or estimate label) of a comparison says what it estimates.
KIND_OF_CONTEXT = (
    (("cox", "hazard", "coxph"), "hazard-ratio"),
    (("logistic", "cmh", "odds", "mantel"), "odds-ratio"),
    (("poisson", "negbin", "negative", "rate"), "rate-ratio"),
    (("dose", "trend", "slope"), "slope"),
    (("ancova", "mmrm", "emmeans", "lsmean", "ls mean", "mixed"), "ls-mean-difference"),
    (("newcombe", "miettinen", "risk", "prop", "fisher", "chisq", "chi-square"), "risk-difference"),
    (("wilcoxon", "hodges", "mann"), "median-difference"),
    (("welch", "ttest", "t-test", "t test"), "mean-difference"),
    (("logrank", "log-rank"), "hazard-ratio"),
)


def attach_supplied(data: ImportedTrial) -> ImportedTrial:
    """The import with every supplied results file its outcomes name read, checked and kept in the definition (the
    rows of the outcomes that take their results from it, with the whole file's sha256)."""
    raw = data.definition.raw
    if SUPPLIED_KEY in raw:
        raise DataError(f"'{SUPPLIED_KEY}' is regsync's own key", file="trial.toml", column=SUPPLIED_KEY,
                        hint="Remove it: supplied results are named by [[outcomes]] results_file.")  # fmt: skip
    specs = [s for s in parse_outcomes(raw) if s.supplied]
    if not specs:
        return data
    folder = Path(data.source_path)
    files: dict[str, dict[str, Any]] = {}
    kept: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for spec in specs:
        name = spec.results_file or _default_file(folder, spec)
        if name not in files:
            files[name] = read_supplied(folder, supplied_path(folder, name, spec.parameter))
        _check_outcome(data, spec, name, files[name]["rows"])
        kept[name] += [row for rows in rows_for(spec, files[name]["rows"]).values() for row in rows]
    held = {name: {"sha256": file["sha256"], "rows": _unique(kept[name])} for name, file in files.items()}
    definition = replace(data.definition, raw={**raw, SUPPLIED_KEY: held})
    return replace(data, definition=definition)


def _unique(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The rows in file order, each once (two outcomes of one parameter share their rows)."""
    return list({row["row"]: row for row in sorted(rows, key=lambda r: r["row"])}.values())


def _default_file(folder: Path, spec: OutcomeSpec) -> str:
    for name in DEFAULT_FILES:
        if os.path.lexists(folder / name):  # a link or FIFO by that name is refused by name when read
            return name
    raise DataError(f"outcome {spec.parameter} has results = \"supplied\", but there is no "
                    f"{' or '.join(DEFAULT_FILES)}", file=str(folder),
                    hint="Put the analysis results beside the data, or name them: results_file = \"...\".")  # fmt: skip


def read_supplied(folder: Path, path: Path) -> dict[str, Any]:
    content = read_supplied_bytes(folder, path)
    name = path.relative_to(folder).as_posix()
    digest = hashlib.sha256(content).hexdigest()
    rows = ard_rows_from_ars(content, name) if path.suffix.lower() == ".json" else _csv_rows(content, name)
    return {"sha256": digest, "rows": rows}


def _csv_rows(content: bytes, name: str) -> list[dict[str, Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(f"is not UTF-8 text ({error.reason})", file=name) from None
    reader = csv.DictReader(io.StringIO(text))
    # group4 came later (vital signs by ATPT): an ard.csv written before it is still whole without it.
    missing = [c for c in ARD_COLUMNS if c not in (reader.fieldnames or []) and c not in ("group4", "group4_level")]
    if missing:
        raise DataError(f"lacks the ARD columns {', '.join(missing)}", file=name, row=1,
                        hint="An ard.csv has DESIGN.md's columns: " + ", ".join(ARD_COLUMNS) + ".")  # fmt: skip
    rows = []
    for number, record in enumerate(reader, start=2):
        row: dict[str, Any] = {c: (record.get(c) or "").strip() for c in ARD_COLUMNS}
        row["row"] = number
        rows.append(checked_row(row, name))
    return rows


def _levels(row: Mapping[str, Any]) -> dict[str, str]:
    return {row[f"group{i}"]: row[f"group{i}_level"] for i in (1, 2, 3) if row.get(f"group{i}")}


def _arm_of(row: Mapping[str, Any]) -> str | None:
    groups = _levels(row)
    return next((groups[g] for g in ARM_GROUPS if g in groups), None)


def rows_for(spec: OutcomeSpec, rows: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """The file's rows for the outcome's parameter, by visit (OVERALL where the results have no visit)."""
    found: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        groups = _levels(row)
        if groups.get("PARAMCD") != spec.parameter and row.get("variable_level") != spec.parameter:
            continue
        found[groups.get("AVISIT") or OVERALL].append(row)
    return dict(found)


def _check_outcome(data: ImportedTrial, spec: OutcomeSpec, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
    by_visit = rows_for(spec, rows)
    if not by_visit:
        raise DataError(f"has no results for outcome {spec.parameter} (no row groups by PARAMCD = "
                        f"{spec.parameter})", file=name,
                        hint="Supply the outcome's rows, or compute it: remove results = \"supplied\".")  # fmt: skip
    labels = data.arm_labels
    in_population: dict[str, int] = defaultdict(int)
    for person in data.participants:
        if person.arm_code and population_flags_of(person).get(spec.population):
            in_population[labels[person.arm_code]] += 1
    arms = set(labels.values())
    for visit, visit_rows in by_visit.items():
        counted: dict[str, Mapping[str, Any]] = {}
        for row in visit_rows:
            arm = _arm_of(row)
            if arm is not None and arm != TOTAL and arm not in arms:
                raise DataError(f"arm '{arm}' is not one of the trial's arms ({', '.join(labels.values())})",
                                file=name, row=row["row"], column="group1_level")  # fmt: skip
            if row["comparator"] and row["comparator"] not in arms:
                raise DataError(f"comparator '{row['comparator']}' is not one of the trial's arms", file=name,
                                row=row["row"], column="comparator")  # fmt: skip
            if row["stat_name"] == "N" and not row["comparator"] and arm in arms and row["stat"] is not None:
                first = counted.setdefault(arm, row)
                if first["stat"] != row["stat"]:
                    # One analysed N per arm and timepoint: the registry reports one number of participants
                    # analysed per arm and outcome measure (PRS: Overall Number of Participants Analyzed).
                    raise DataError(f"a second N for {arm} at {visit}: {row['stat']:g}, where row {first['row']} "
                                    f"gives {first['stat']:g}", file=name, row=row["row"], column="stat",
                                    hint="Each arm has one analysed N at each timepoint.")  # fmt: skip
                if data.participants and row["stat"] > in_population[arm]:
                    raise DataError(f"N = {row['stat']:g} for {arm} at {visit}, but the data have "
                                    f"{in_population[arm]} participants of that arm in {spec.population}", file=name,
                                    row=row["row"], column="stat")  # fmt: skip
        lacking = [arm for arm in labels.values() if arm not in counted]
        if lacking:
            raise DataError(f"outcome {spec.parameter} at {visit}: no N for {', '.join(lacking)}", file=name,
                            hint="Each arm's analysed N is part of the results (stat_name N).")  # fmt: skip
        for row in _interval_rows(visit_rows):
            low, estimate, high = row["low"], row["estimate"], row["high"]
            if low is not None and high is not None and low > high:
                raise DataError(f"the interval's lower bound {low:g} is above its upper bound {high:g}",
                                file=name, row=row["low_row"], column="stat")  # fmt: skip
            if estimate is not None and low is not None and high is not None and not low <= estimate <= high:
                raise DataError(f"the interval {low:g} to {high:g} does not contain the estimate {estimate:g}",
                                file=name, row=row["row"], column="stat")  # fmt: skip


def _interval_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each estimate with its interval bounds (rows sharing their groups, comparator and context)."""
    cells: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(dict)
    for row in rows:
        key = (*_levels(row).items(), row["comparator"], row["context"], row["variable"])
        cells[key][row["stat_name"]] = row
    found = []
    for cell in cells.values():
        centre = cell.get("estimate") or cell.get("mean") or cell.get("median")
        low, high = cell.get("conf.low"), cell.get("conf.high")
        anchor = centre or low or high
        if anchor is None:
            continue
        found.append({"row": anchor["row"], "estimate": centre["stat"] if centre else None,
                      "low": low["stat"] if low else None, "high": high["stat"] if high else None,
                      "low_row": low["row"] if low else None})  # fmt: skip
    return found


def supplied_results(data: ImportedTrial, outcome: OutcomeData) -> OutcomeResults:
    spec = outcome.spec
    files = data.definition.raw.get(SUPPLIED_KEY, {})
    name = spec.results_file or next(iter(files), "")
    held = files.get(name)
    if held is None:
        raise DataError(f"outcome {spec.parameter}: the snapshot holds no supplied results", file="trial.toml",
                        column="outcomes.results",
                        hint="Import the data again with the results file beside it.")  # fmt: skip
    source = f"supplied: {name} (sha256 {held['sha256']})"
    found = OutcomeResults()
    by_visit = rows_for(spec, held["rows"])
    wanted = outcome.timepoints or tuple(by_visit)
    visits = [v for v in by_visit if v in wanted or (v == OVERALL and len(by_visit) == 1)]
    for visit in visits:
        shown = visit if visit != OVERALL or not wanted else wanted[-1]
        cells = _cells(by_visit[visit])
        n_of: dict[str, int] = {}
        for (arm, comparator, context, label), stats in cells.items():
            if comparator or arm is None or arm == TOTAL:
                continue
            n = int(stats.get("N", stats.get("N_obs", 0)) or 0)
            n_of[arm] = n
            found.estimates.append(_estimate_row(spec, shown, arm, context, label, stats, n, outcome.unit, source))
        for (arm, comparator, context, label), stats in cells.items():
            trend = not comparator and (arm in (None, TOTAL)) and "estimate" in stats
            if not (comparator or trend) or ("estimate" not in stats and "p.value" not in stats):
                continue
            kind = _kind(context, label)
            found.comparisons.append(
                ComparisonRow(
                    spec.parameter,
                    spec.title,
                    spec.outcome_type,
                    shown,
                    "" if trend else str(arm),
                    comparator,
                    f"{context or 'supplied analysis'} (supplied)",
                    label or KIND_WORDS[kind],
                    stats.get("estimate"),
                    stats.get("conf.low"),
                    stats.get("conf.high"),
                    stats.get("p.value"),
                    n_of.get(str(arm), 0),
                    n_of.get(comparator, 0),
                    "",
                    std_error=stats.get("std.error"),
                    ci_level=float(stats.get("conf.level", spec.ci_level)),
                    sides=spec.sides,
                    test=spec.test,
                    margin=spec.margin,
                    context=context or "supplied",
                    estimate_kind=kind,
                    source=source,
                    key_timepoint=shown == outcome.key_timepoint,
                )
            )
    return found


def _cells(rows: Sequence[Mapping[str, Any]]) -> dict[tuple[str | None, str, str, str], dict[str, Any]]:
    cells: dict[tuple[str | None, str, str, str], dict[str, Any]] = defaultdict(dict)
    labels: dict[tuple[str | None, str, str], str] = {}
    for row in rows:
        key = (_arm_of(row), row["comparator"], row["context"])
        if row["stat_name"] == "estimate" and row["comparator"]:
            labels.setdefault(key, row["stat_label"] if row["stat_label"] != "Estimate" else "")
    for row in rows:
        key = (_arm_of(row), row["comparator"], row["context"])
        cells[(*key, labels.get(key, ""))].setdefault(row["stat_name"], row["stat"])
    return dict(cells)


def _kind(context: str, label: str) -> str:
    text = f"{context} {label}".casefold()
    return next((kind for tokens, kind in KIND_OF_CONTEXT if any(t in text for t in tokens)), "mean-difference")


def _estimate_row(
    spec: OutcomeSpec, visit: str, arm: str, context: str, label: str, stats: Mapping[str, Any], n: int, unit: str,
    source: str,
) -> ArmEstimateRow:  # fmt: skip
    text = context.casefold()
    if any(t in text for t in ("kaplan", "survfit", "km")):
        estimate_type, centre = "Kaplan–Meier median", stats.get("estimate", stats.get("median"))
    elif any(t in text for t in ("ancova", "mmrm", "emmeans", "lsmean", "mixed")):
        estimate_type, centre = "LS mean", stats.get("estimate", stats.get("mean"))
    elif "p" in stats and "n" in stats:
        estimate_type, centre = "Responders", 100 * stats["p"]
    elif any(t in text for t in ("poisson", "negbin", "count")):
        estimate_type, centre = "Count", stats.get("n", stats.get("estimate"))
    elif "mean" in stats:
        estimate_type, centre = "Mean", stats["mean"]
    else:
        estimate_type, centre = "Median", stats.get("median", stats.get("estimate"))
    scale = 100.0 if estimate_type == "Responders" else 1.0
    low, high = stats.get("conf.low"), stats.get("conf.high")
    events = stats.get("n_events", stats.get("n"))
    return ArmEstimateRow(
        spec.parameter, spec.title, spec.outcome_type, visit, arm, estimate_type, n, centre,
        stats.get("std.error", stats.get("se")), low * scale if low is not None else None,
        high * scale if high is not None else None, float(stats.get("conf.level", spec.ci_level)),
        int(events) if events is not None else None,
        int(stats["n_censored"]) if stats.get("n_censored") is not None else None,
        stats.get("sd"), stats.get("p25"), stats.get("p75"), stats.get("min"), stats.get("max"),
        f"{context or 'supplied analysis'} (supplied)", "percent" if estimate_type == "Responders" else unit, source,
    )  # fmt: skip
