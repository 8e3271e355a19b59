"""One laboratory or vital-sign dataset into the frame (service.labs.frame), whatever its format: the format says
which of its columns holds each variable (SourceColumns) and which variables it derives; the rest is here.

Order: the columns are typed and checked (a bad cell refuses the import, naming it), then derived, then conformed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from service.importing.tables import SourceTable
from service.labs import checks, derive
from service.labs.frame import LAB_COLUMNS
from service.labs.read_source import SourceFrame

_UNIT_IN_LABEL = re.compile(r"\(([^()]*)\)\s*$")
_INDICATORS = {"H": "HIGH", "L": "LOW", "N": "NORMAL", "HH": "HIGH HIGH", "LL": "LOW LOW"}


@dataclass(frozen=True)
class SourceColumns:
    """The source's column for each frame variable (None: the format has none)."""

    subject: str
    paramcd: str
    aval: str
    param: str | None = None
    parcat1: str | None = None
    unit: str | None = None
    visit: str | None = None
    visitnum: str | None = None
    tpt: str | None = None
    tptnum: str | None = None
    position: str | None = None
    date: str | None = None
    avalc: str | None = None
    low: tuple[str, ...] = ()  # the first present wins (ADaM: ANRLO, else A1LO)
    high: tuple[str, ...] = ()
    anrind: str | None = None
    bnrind: str | None = None
    atoxgr: str | None = None
    btoxgr: str | None = None
    ablfl: tuple[str, ...] = ()  # the first present wins (SDTM: --BLFL, else --LOBXFL)
    anl01fl: str | None = None
    ontrtfl: str | None = None
    dtype: str | None = None
    base: str | None = None
    chg: str | None = None
    ady: str | None = None
    status: str | None = None  # SDTM --STAT: NOT DONE means no result
    param_as_given: bool = False  # ADaM's PARAM carries its unit already; elsewhere the label gains it


@dataclass(frozen=True)
class Context:
    """What a dataset's derivations need from the rest of the import."""

    participants_file: str
    subjects: Collection[str]
    dosing: Mapping[str, tuple[date | None, date | None]]  # subject -> (first dose, last dose)
    window_days: int | None
    source_format: str  # adam, sdtm, bundle
    partial_dates: bool  # SDTM --DTC may be partial (then it dates nothing); elsewhere a date is complete


def read_lab_dataset(source: SourceFrame, columns: SourceColumns, domain: str, dataset: str, context: Context,
                     *, derive_all: bool) -> tuple[pd.DataFrame, list[str]]:  # fmt: skip
    """The dataset as a conformed frame, and its notes. `derive_all` (SDTM, bundle): every derived variable is
    derived; otherwise (ADaM) only those the dataset lacks."""
    checks.require(source, columns.subject, columns.paramcd)
    if not (source.has(columns.aval) or (columns.avalc and source.has(columns.avalc))):
        checks.require(source, columns.aval)
    subjects = checks.text(source, columns.subject)
    checks.check_subjects(source, columns.subject, subjects, context.subjects, context.participants_file)
    paramcd = checks.text(source, columns.paramcd)
    checks.check_required_text(source, columns.paramcd, paramcd)
    aval = checks.number(source, columns.aval)
    avalc = checks.text(source, columns.avalc) if columns.avalc else _missing_text(len(aval))
    low_column, low = _first_number(source, columns.low)
    _, high = _first_number(source, columns.high)
    checks.check_ranges(source, low_column or "low", low, high)
    adt = checks.date(source, columns.date, partial=context.partial_dates) if columns.date else _no_dates(len(aval))
    visit = checks.text(source, columns.visit) if columns.visit else _missing_text(len(aval))
    undated = checks.check_visit_or_date(source, columns.visit or "visit", visit, adt, columns.date or "date")
    unit_column, unit = _unit(source, columns)
    checks.check_one_unit(source, unit_column, paramcd, unit)
    if columns.status and source.has(columns.status):
        not_done = (checks.text(source, columns.status).astype(object) == "NOT DONE").to_numpy()
        aval[not_done] = np.nan
        avalc = avalc.astype(object).where(~not_done, None).astype("category")
    toxicity_limits: dict[str, float] = {} if context.source_format == "adam" else {"minimum": 0.0, "maximum": 5.0}
    position = checks.text(source, columns.position) if columns.position else _missing_text(len(aval))
    tpt = checks.text(source, columns.tpt) if columns.tpt else _missing_text(len(aval))
    if domain == "VS":
        tpt = _fill(tpt, position)
    length = len(aval)
    none = _missing_text(length)
    raw: dict[str, object] = {
        "subject_id": subjects,
        "domain": _constant(domain, length),
        "dataset": _constant(dataset, length),
        "paramcd": paramcd,
        "param": _param(source, columns, paramcd, unit),
        "parcat1": checks.text(source, columns.parcat1) if columns.parcat1 else none,
        "unit": unit,
        "visit": visit,
        "visitnum": checks.number(source, columns.visitnum) if columns.visitnum else _nan(length),
        "tpt": tpt,
        "tptnum": checks.number(source, columns.tptnum) if columns.tptnum else _nan(length),
        "position": position,
        "adt": adt,
        "aval": aval,
        "avalc": _text_results(avalc, aval) if context.source_format == "sdtm" else avalc,
        "anrlo": low,
        "anrhi": high,
        "anrind": _indicator(source, columns.anrind),
        "bnrind": _indicator(source, columns.bnrind),
        "atoxgr": _number(source, columns.atoxgr, toxicity_limits),
        "btoxgr": _number(source, columns.btoxgr, toxicity_limits),
        "ablfl": _first_flag(source, columns.ablfl),
        "anl01fl": checks.flag(source, columns.anl01fl) if columns.anl01fl else _no_flags(length),
        "ontrtfl": checks.flag(source, columns.ontrtfl) if columns.ontrtfl else _no_flags(length),
        "dtype": checks.text(source, columns.dtype) if columns.dtype else none,
        "base": _number(source, columns.base, {}),
        "chg": _number(source, columns.chg, {}),
        "ady": _number(source, columns.ady, {}),
    }
    # A dict of Series, not a DataFrame: a frame would copy every column into its blocks, twice over by the end.
    frame = {
        name: value if isinstance(value, pd.Series) else pd.Series(value, copy=False) for name, value in raw.items()
    }
    wanted = set(derive.DERIVABLE) if derive_all else _absent(source, columns, low_column is not None)
    frame, derived = _derive(frame, wanted, context)
    notes = [derive.derived_note(dataset, derived, context.source_format)] if derived else []
    if undated:
        notes.append(f"{source.name}: {undated} record(s) have a visit but no date ({columns.date or 'date'}): "
                     "kept, but they cannot be placed at an interim cut-off")  # fmt: skip
    return conformed_columns(frame), notes


def conformed_columns(frame: dict[str, pd.Series]) -> dict[str, object]:
    """Each frame column as the array LAB_COLUMNS types it (text as objects, None where missing)."""
    out: dict[str, object] = {}
    for name, dtype in LAB_COLUMNS.items():
        values = frame[name]
        if dtype == "object":
            if isinstance(values.dtype, pd.CategoricalDtype):
                categories = np.asarray([*values.cat.categories, None], dtype=object)
                out[name] = categories[values.cat.codes.to_numpy()]
            else:
                array = values.to_numpy(dtype=object)
                array[pd.isna(array)] = None
                out[name] = array
        elif dtype == "boolean":
            out[name] = values.array if isinstance(values.dtype, pd.BooleanDtype) else pd.array(values, dtype="boolean")
        else:
            out[name] = values.to_numpy().astype(dtype, copy=False)
    return out


def frame_of(parts: list[dict[str, object]]) -> pd.DataFrame:
    """One frame of the datasets' columns, a column at a time (the parts' arrays are not copied into blocks)."""
    columns = {}
    for name in LAB_COLUMNS:
        arrays = [part.pop(name) for part in parts]
        if len(arrays) == 1:
            columns[name] = arrays[0]
        elif LAB_COLUMNS[name] == "boolean":
            columns[name] = pd.arrays.BooleanArray._concat_same_type(arrays)  # type: ignore[arg-type]
        else:
            columns[name] = np.concatenate(arrays)  # type: ignore[arg-type]
        if LAB_COLUMNS[name] == "object":  # kept as objects: pandas would infer its own string dtype
            columns[name] = pd.Series(columns[name], dtype=object, copy=False)
    return pd.DataFrame(columns, copy=False)


def _constant(value: str, length: int) -> pd.Series:
    return pd.Series(pd.Categorical.from_codes(np.zeros(length, dtype=np.int8), categories=[value]))


def _nan(length: int) -> np.ndarray:
    return np.full(length, np.nan)


def _no_flags(length: int) -> pd.api.extensions.ExtensionArray:
    return pd.array(np.zeros(length, dtype=bool), dtype="boolean") if length == 0 else pd.arrays.BooleanArray(
        np.zeros(length, dtype=bool), np.ones(length, dtype=bool))  # fmt: skip


def _text_results(avalc: pd.Series, aval: np.ndarray) -> pd.Series:
    """SDTM --STRESC where the result is character only (--STRESN empty): AVALC."""
    codes = avalc.cat.codes.to_numpy().copy()
    codes[~np.isnan(aval)] = -1
    return pd.Series(pd.Categorical.from_codes(codes, categories=avalc.cat.categories))


def _derive(frame: dict[str, pd.Series], wanted: set[str], context: Context
            ) -> tuple[dict[str, pd.Series], list[str]]:  # fmt: skip
    derived: list[str] = []
    subjects = frame["subject_id"]
    first_dose, last_dose = derive.dosing_arrays(subjects, context.dosing)
    adt = frame["adt"].to_numpy()
    if "ANRIND" in wanted and (frame["anrlo"].notna().any() or frame["anrhi"].notna().any()):
        computed = derive.derive_anrind(frame["aval"].to_numpy(), frame["anrlo"].to_numpy(), frame["anrhi"].to_numpy())
        given = frame["anrind"].astype(object).to_numpy()
        blank = pd.isna(given)
        if blank.any() and (~pd.isna(computed[blank])).any():
            frame["anrind"] = pd.Series(np.where(blank, computed, given), copy=False)
            derived.append("ANRIND")
    keys = derive.record_keys(frame)
    if "ABLFL" in wanted:
        frame["ablfl"] = pd.Series(derive.derive_baseline_flag(frame, keys, first_dose), copy=False)
        derived.append("ABLFL")
    from_baseline = {name for name in ("BASE", "CHG", "BNRIND", "BTOXGR") if name in wanted}
    if "BNRIND" in from_baseline and "ANRIND" not in derived and frame["anrind"].isna().all():
        from_baseline.discard("BNRIND")
    if "BTOXGR" in from_baseline and frame["atoxgr"].isna().all():
        from_baseline.discard("BTOXGR")
    if from_baseline:
        frame = derive.derive_from_baseline(frame, keys, from_baseline)
        derived.extend(sorted(from_baseline))
    if "ONTRTFL" in wanted:
        frame["ontrtfl"] = pd.Series(derive.derive_on_treatment(adt, first_dose, last_dose, context.window_days))
        derived.append("ONTRTFL")
    if "ADY" in wanted:
        frame["ady"] = pd.Series(derive.derive_study_day(adt, first_dose), copy=False)
        derived.append("ADY")
    return frame, derived


def _absent(source: SourceFrame, columns: SourceColumns, has_range: bool) -> set[str]:
    """The derived variables an ADaM dataset lacks (ANRIND only where ranges allow it)."""
    present = {
        "ABLFL": any(source.has(c) for c in columns.ablfl),
        "BASE": bool(columns.base and source.has(columns.base)),
        "CHG": bool(columns.chg and source.has(columns.chg)),
        "ANRIND": bool(columns.anrind and source.has(columns.anrind)) or not has_range,
        "BNRIND": bool(columns.bnrind and source.has(columns.bnrind)),
        "BTOXGR": bool(columns.btoxgr and source.has(columns.btoxgr)),
        "ONTRTFL": bool(columns.ontrtfl and source.has(columns.ontrtfl)),
        "ADY": bool(columns.ady and source.has(columns.ady)),
    }
    return {name for name, there in present.items() if not there}


def _missing_text(length: int) -> pd.Series:
    return pd.Series(pd.Categorical.from_codes(np.full(length, -1, dtype=np.int8), categories=[]))


def _no_dates(length: int) -> np.ndarray:
    return np.full(length, np.datetime64("NaT"), dtype="datetime64[s]")


def _fill(values: pd.Series, fallback: pd.Series) -> pd.Series:
    if not values.isna().any():
        return values
    return values.astype(object).where(values.notna(), fallback.astype(object)).astype("category")


def _first_number(source: SourceFrame, names: tuple[str, ...]) -> tuple[str | None, np.ndarray]:
    for name in names:
        if source.has(name):
            return name, checks.number(source, name)
    return None, np.full(len(source.frame), np.nan)


def _number(source: SourceFrame, name: str | None, limits: Mapping[str, float]) -> np.ndarray:
    if name is None:
        return np.full(len(source.frame), np.nan)
    return checks.number(source, name, **limits)


def _first_flag(source: SourceFrame, names: tuple[str, ...]) -> pd.api.extensions.ExtensionArray:
    for name in names:
        if source.has(name):
            return checks.flag(source, name)
    return pd.array([pd.NA] * len(source.frame), dtype="boolean")


def _indicator(source: SourceFrame, name: str | None) -> pd.Series:
    """A normal-range indicator upper-cased, with the one-letter codes some sources use spelt out (H -> HIGH)."""
    if name is None or not source.has(name):
        return _missing_text(len(source.frame))
    values = checks.text(source, name)
    upper = [str(c).upper() for c in values.cat.categories]
    return values.cat.rename_categories(range(len(upper))).map(
        dict(enumerate(_INDICATORS.get(u, u) for u in upper)), na_action="ignore")  # fmt: skip


def _unit(source: SourceFrame, columns: SourceColumns) -> tuple[str, pd.Series]:
    """The standard unit's column and values: the format's unit column, else (ADaM without AVALU) the unit PARAM
    ends with in brackets, as ADaM writes it ("Alanine Aminotransferase (U/L)")."""
    if columns.unit and source.has(columns.unit):
        return columns.unit, checks.text(source, columns.unit)
    if columns.param and source.has(columns.param):
        labels = checks.text(source, columns.param)
        units = [(m[1].strip() or None) if (m := _UNIT_IN_LABEL.search(str(c))) else None
                 for c in labels.cat.categories]  # fmt: skip
        return columns.param, checks._recode(labels, units)
    return columns.unit or "unit", _missing_text(len(source.frame))


def _param(source: SourceFrame, columns: SourceColumns, paramcd: pd.Series, unit: pd.Series) -> pd.Series:
    """PARAM as given (ADaM); else the test's name (or code) with its unit as ADaM writes it, from the parameter's
    first record: 'Alanine Aminotransferase (U/L)'."""
    if columns.param_as_given and columns.param and source.has(columns.param):
        return checks.text(source, columns.param)
    labels = checks.text(source, columns.param) if columns.param else _missing_text(len(paramcd))
    codes = paramcd.cat.codes.to_numpy()
    _, first = np.unique(codes, return_index=True)
    names = [str(name) for name in paramcd.cat.categories]
    for position in first:
        label = labels.iloc[position]
        label = names[codes[position]] if pd.isna(label) else str(label)
        shown_unit = unit.iloc[position]
        if not pd.isna(shown_unit) and not label.endswith(f"({shown_unit})"):
            label = f"{label} ({shown_unit})"
        names[codes[position]] = label
    inverse, uniques = pd.factorize(pd.Index(names))
    return pd.Series(pd.Categorical.from_codes(inverse[codes], categories=uniques))


def subset_table(source: SourceFrame, paramcd_column: str, parameters: Collection[str]) -> SourceTable | None:
    """The records of the named parameters as a SourceTable keeping their row numbers, for the route by which an
    [[outcomes]] or [[baseline]] entry reads a laboratory parameter as a measurement; None when there are none."""
    if not parameters or not source.has(paramcd_column):
        return None
    codes = checks.text(source, paramcd_column)
    mask = codes.isin(list(parameters)).to_numpy()
    if not mask.any():
        return None
    selected = source.frame.loc[mask]
    records = [{key: _plain(value) for key, value in values.items()}
               for values in selected.astype(object).to_dict("records")]  # fmt: skip
    numbers = [source.row_number(int(p)) for p in np.flatnonzero(mask)]
    return SourceTable(source.name, tuple(source.frame.columns), records, first_row=source.first_row,
                       typed=source.typed, row_numbers=numbers)  # fmt: skip


def measured_parameters(raw: Mapping[str, object], dataset: str) -> set[str]:
    """The parameters of `dataset` that trial.toml reads as measurements: those an [[outcomes]] entry names (with
    no dataset, or this one) and the [[baseline]] parameter entries. Only their records take the measurement
    route; every record is in the laboratory frame."""
    from service.importing.definition import baseline_entries
    from service.outcomes.definition import parse_outcomes

    named = {spec.parameter for spec in parse_outcomes(dict(raw))
             if spec.dataset is None or spec.dataset.upper() == dataset.upper()}  # fmt: skip
    named |= {entry.name for entry in baseline_entries(dict(raw)) if entry.kind == "parameter"}
    return named


def _plain(value: object) -> object:
    """A cell as service.importing.tables' rows hold it: None where missing, a datetime for a SAS date."""
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
