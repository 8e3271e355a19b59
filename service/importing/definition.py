"""trial.toml: the trial definition that travels with a source folder (any format)."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from service.errors import DataError
from service.importing.definition_schema import TRIAL_TOML
from service.importing.records import ArmRecord, TrialDefinition
from service.importing.reference_dates import OWN_DATE, randomization_variable
from service.importing.tables import read_source_bytes
from service.monitoring.plan import parse_monitoring
from service.multiplicity.family import parse_multiplicity
from service.outcomes.definition import parse_outcomes
from service.strictkeys import find_problem

DEFINITION_FILE = "trial.toml"
ARM_TYPES = ("Experimental", "Active Comparator", "Placebo Comparator", "Sham Comparator", "No Intervention", "Other")


def load_definition(folder: Path, *, required: bool) -> TrialDefinition:
    path = folder / DEFINITION_FILE
    if not os.path.lexists(path):
        if required:
            raise DataError(
                "the trial definition file is missing",
                file=DEFINITION_FILE,
                hint=f"A bundle folder needs {DEFINITION_FILE}; see README, 'The bundle format'.",
            )
        return TrialDefinition()
    try:
        raw = tomllib.loads(read_source_bytes(path).decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise DataError(
            f"is not UTF-8 text (byte 0x{exc.object[exc.start]:02X})",
            file=DEFINITION_FILE,
            hint="Save the file as UTF-8.",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"is not valid TOML: {exc}", file=DEFINITION_FILE) from None
    check_definition_keys(raw)
    return parse_definition(raw)


def check_definition_keys(raw: dict[str, Any]) -> None:
    """Every section and key one trial.toml may hold, each value of its kind and range (README, 'The trial
    definition'). Only at import: a stored snapshot's definition was checked when it was imported."""
    problem = find_problem(raw, TRIAL_TOML)
    if problem is not None:
        raise DataError(problem.first, file=DEFINITION_FILE, column=problem.path, hint=problem.hint or None)


def parse_definition(raw: dict[str, Any]) -> TrialDefinition:
    trial = _table(raw, "trial")
    arms = tuple(_arm(entry, index) for index, entry in enumerate(raw.get("arms", []), start=1))
    _check_arm_names(arms)
    if sum(arm.is_control for arm in arms) > 1:
        raise _error("arms: more than one arm is marked control = true", "Mark exactly one control arm.")
    for key in ("enrollment_start", "enrollment_end"):
        _date(trial, key)
    parse_outcomes(raw)
    parse_monitoring(raw)
    parse_multiplicity(raw, arms)
    _check_safety_options(_table(raw, "safety"))
    safety_arm_basis(raw)
    baseline_entries(raw)
    for source_format in OWN_DATE:
        randomization_variable(raw, source_format)
    return TrialDefinition(
        title=_str(trial, "title") or "",
        public_title=_str(trial, "public_title") or _str(trial, "title") or "",
        acronym=_str(trial, "acronym"),
        phase=_str(trial, "phase"),
        nct_id=_str(trial, "nct_id"),
        irct_id=_str(trial, "irct_id"),
        study_id=_str(trial, "study_id"),
        target_enrollment=_int(trial, "target_enrollment"),
        data_cutoff=_date(trial, "data_cutoff"),
        teae_window_days=_int(trial, "teae_window_days"),
        arms=arms,
        raw=_jsonable(raw),
    )


def _arm(entry: Any, index: int) -> ArmRecord:
    if not isinstance(entry, dict):
        raise _error(f"arms: entry {index} must be a table ([[arms]])")
    where = f"arms (entry {index})"
    code = _str(entry, "code", where)
    label = _str(entry, "label", where)
    if not code or not label:
        raise _error(f"{where}: needs both 'code' and 'label'")
    arm_type = _str(entry, "type", where) or ""
    if arm_type and arm_type not in ARM_TYPES:
        raise _error(f"{where}: type '{arm_type}' is not one of {', '.join(ARM_TYPES)}")
    control = entry.get("control", False)
    if not isinstance(control, bool):
        raise _error(f"{where}: 'control' must be true or false")
    return ArmRecord(code, label, _str(entry, "description", where) or "", arm_type, control)


def _check_arm_names(arms: tuple[ArmRecord, ...]) -> None:
    """Codes and labels are unique across both, ignoring case: the data may name an arm by either, so an arm
    whose label is another's code would take that arm's participants."""
    seen: dict[str, str] = {}
    for index, arm in enumerate(arms, start=1):
        for kind, name in (("code", arm.code), ("label", arm.label)):
            key = name.casefold()
            if key in seen and not (kind == "label" and seen[key] == f"the code of arm {index}"):
                raise _error(
                    f"arms (entry {index}): the {kind} '{name}' is already {seen[key]}",
                    "The data may name an arm by its code or its label, so each must name one arm only.",
                )
            seen.setdefault(key, f"the {kind} of arm {index}")


def _check_safety_options(safety: dict[str, Any]) -> None:
    """[safety] as the analysis will read it, checked now rather than when the first output runs."""
    from service.safety.registry import MAX_OTHER_THRESHOLD
    from service.safety.rules import read_safety_rules
    from service.safety.soc_order import SOC_ORDERS
    from service.safety.special_interest import parse_special_interest

    read_safety_rules({"safety": safety})
    parse_special_interest({"safety": safety})

    threshold = safety.get("other_ae_threshold_percent")
    if threshold is not None and (
        not isinstance(threshold, int | float)
        or isinstance(threshold, bool)
        or not 0 < threshold <= MAX_OTHER_THRESHOLD
    ):
        raise DataError(
            f"other_ae_threshold_percent is {threshold!r}",
            file=DEFINITION_FILE,
            column="safety.other_ae_threshold_percent",
            hint="The registry threshold for other (non-serious) AEs must be above 0 and at most 5 percent "
            "(42 CFR 11.48(a)(4)).",
        )
    order = safety.get("soc_order")
    if order is not None and order not in SOC_ORDERS:
        raise DataError(f"soc_order '{order}' is not one of {', '.join(SOC_ORDERS)}", file=DEFINITION_FILE,
                        column="safety.soc_order")  # fmt: skip


SAFETY_ARM_BASES = ("actual", "planned")


def safety_arm_basis(raw: dict[str, Any]) -> str:
    """The arm safety tables count a participant in: 'actual' (the treatment received: SDTM ACTARM, ADaM TRT01A,
    the CDISC and FDA rule) unless trial.toml says safety_arm = "planned" (at the top or under [safety])."""
    given = {where: table["safety_arm"] for where, table in (("", raw), ("safety.", _table(raw, "safety")))
             if "safety_arm" in table}  # fmt: skip
    for where, value in given.items():
        if value not in SAFETY_ARM_BASES:
            raise DataError(f"safety_arm is {value!r}", file=DEFINITION_FILE, column=f"{where}safety_arm",
                            hint='Write safety_arm = "actual" (the treatment received) or "planned".')  # fmt: skip
    if len(set(given.values())) > 1:
        raise _error("safety_arm is given twice, with different values", "Give it once, under [safety].")
    return str(next(iter(given.values()), "actual"))


BASELINE_TYPES = ("continuous", "categorical")
# Variables that hold the treatment assignment (SDTM ARM/ACTARM, ADaM TRTxxP/A, TRTP/TRTA, TRTSEQP/A, with codes).
ARM_VARIABLE = re.compile(r"^(ACT)?ARM(CD|N)?$|^TRT(\d\d)?[PA](N|GR\d+N?)?$|^TRTSEQ[PA]N?$")


@dataclass(frozen=True)
class BaselineEntry:
    """One [[baseline]] entry: a measured parameter's baseline value, or a participant-level variable (its CDISC
    name, upper case), with its title and, for a variable, its declared type ("" to decide from the values)."""

    kind: str  # "parameter" or "variable"
    name: str
    title: str
    type: str = ""
    dispersion: str = "sd"  # how a registry shows a continuous one: mean (sd), or median with "iqr" / "full-range"


BASELINE_DISPERSIONS = ("sd", "iqr", "full-range")


def baseline_entries(raw: dict[str, Any]) -> tuple[BaselineEntry, ...]:
    """trial.toml's [[baseline]] entries, checked: each names one parameter or one variable, never an arm
    variable, with a type only for a variable."""
    entries = raw.get("baseline", [])
    if not isinstance(entries, list):
        raise _error("baseline must be a list of tables ([[baseline]])")
    found = []
    for index, entry in enumerate(entries, start=1):
        where = f"baseline (entry {index})"
        if not isinstance(entry, dict):
            raise _error(f"{where} must be a table ([[baseline]])")
        named = [(key, value) for key in ("parameter", "variable") if (value := _str(entry, key, where))]
        if len(named) != 1:
            raise _error(f"{where}: needs one of 'parameter' (a measured parameter's baseline value) or 'variable' "
                         "(a participant-level variable, such as ADSL's BMIBL or AGEGR1)")  # fmt: skip
        kind, name = named[0]
        if kind == "parameter":
            name = entry["parameter"]  # as written: it is matched against the measurements' codes
        else:
            name = name.upper()
            if ARM_VARIABLE.match(name):
                raise _error(f"{where}: '{entry['variable']}' is the treatment assignment, not a baseline "
                             "characteristic", "Baseline tables are already by arm; an arm variable here would also "
                             "unblind the open DSMB edition.")  # fmt: skip
        declared = _str(entry, "type", where)
        if declared is not None and (kind == "parameter" or declared not in BASELINE_TYPES):
            raise _error(f"{where}: type '{declared}' is not allowed here",
                         "A variable's type is continuous or categorical; a parameter is continuous.")  # fmt: skip
        dispersion = _str(entry, "dispersion", where) or "sd"
        if dispersion not in BASELINE_DISPERSIONS:
            raise _error(f"{where}: dispersion '{dispersion}' is not one of {', '.join(BASELINE_DISPERSIONS)}")
        found.append(BaselineEntry(kind, name, str(entry["title"]) if "title" in entry else name, declared or "",
                                   dispersion))  # fmt: skip
    return tuple(found)


def _table(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise _error(f"[{key}] must be a table")
    return value


def _str(table: dict[str, Any], key: str, where: str = "trial") -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _error(f"{where}: '{key}' must be text")
    return value.strip() or None


def _int(table: dict[str, Any], key: str) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _error(f"trial: '{key}' must be a whole number, 0 or more")
    return value


def _date(table: dict[str, Any], key: str) -> date | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    # A stored definition holds its dates as ISO text (see _jsonable), so text in that form is a date too.
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _error(f"trial: '{key}' must be a date written as 1979-05-27")


def _error(problem: str, hint: str | None = None) -> DataError:
    return DataError(problem, file=DEFINITION_FILE, hint=hint)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value
