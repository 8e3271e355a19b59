"""trial.toml: the trial definition that travels with a source folder (any format)."""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from service.errors import DataError
from service.importing.records import ArmRecord, TrialDefinition
from service.monitoring.plan import parse_monitoring
from service.outcomes.definition import parse_outcomes

DEFINITION_FILE = "trial.toml"
ARM_TYPES = ("Experimental", "Active Comparator", "Placebo Comparator", "Sham Comparator", "No Intervention", "Other")


def load_definition(folder: Path, *, required: bool) -> TrialDefinition:
    path = folder / DEFINITION_FILE
    if not path.exists():
        if required:
            raise DataError(
                "the trial definition file is missing",
                file=DEFINITION_FILE,
                hint=f"A bundle folder needs {DEFINITION_FILE}; see README, 'The bundle format'.",
            )
        return TrialDefinition()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise DataError(
            f"is not UTF-8 text (byte 0x{exc.object[exc.start]:02X})",
            file=DEFINITION_FILE,
            hint="Save the file as UTF-8.",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"is not valid TOML: {exc}", file=DEFINITION_FILE) from None
    return parse_definition(raw)


def parse_definition(raw: dict[str, Any]) -> TrialDefinition:
    trial = _table(raw, "trial")
    arms = tuple(_arm(entry, index) for index, entry in enumerate(raw.get("arms", []), start=1))
    codes = [arm.code for arm in arms]
    for code in codes:
        if codes.count(code) > 1:
            raise _error(f"arms: the code '{code}' is used twice", "Give each arm its own code.")
    if sum(arm.is_control for arm in arms) > 1:
        raise _error("arms: more than one arm is marked control = true", "Mark exactly one control arm.")
    for key in ("enrollment_start", "enrollment_end"):
        _date(trial, key)
    parse_outcomes(raw)
    parse_monitoring(raw)
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
