"""Checking a tables folder as written: every file its manifest lists is there, whole (its sha256), with the
columns the manifest gives; ae_soc_pt.csv and ard.csv keep the columns DESIGN.md promises; ars.json is valid
against the CDISC ARS v1.0 JSON schema."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from registry.files import read_regular_file
from registry.jsonsafe import load_untrusted_json
from registry.xmlsafe import MAX_BYTES
from service.ard import ARD_COLUMNS
from service.errors import DataError
from service.problems import Problem
from service.resources import resource_dir

ARS_SCHEMA = "ars_ldm.schema.json"  # CDISC ARS v1.0, as copied into ../shared/schemas/ars (README there)

# DESIGN.md ("tables"): relied on from outside, so checked here.
AE_SOC_PT_COLUMNS = ("level", "soc", "pt", "arm", "n_subjects", "n_events", "n_at_risk", "percent", "p_value",
                     "risk_diff", "risk_diff_low", "risk_diff_high")  # fmt: skip


def validate_tables_folder(folder: Path) -> list[Problem]:
    manifest_path = folder / "manifest.json"
    if not folder.is_dir():
        return [Problem(str(folder), "not a folder: pass the folder `regsync tables` wrote")]
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [
            Problem(str(manifest_path), f"cannot be read as JSON ({exc.__class__.__name__}): write the tables again")
        ]
    problems: list[Problem] = []
    for entry in manifest.get("tables", []):
        path = folder / str(entry.get("file", ""))
        content = _read_recorded(path, entry.get("sha256"), problems)
        if content is not None and path.suffix == ".csv":
            header = next(csv.reader(content.decode("utf-8", "replace").splitlines()), [])
            if header != list(entry.get("columns", [])):
                problems.append(Problem(f"{path}, row 1", f"columns {header} differ from the manifest's"))
            if (
                path.name in ("ae_soc_pt.csv", "ae_soc_pt_serious.csv")
                and tuple(header[: len(AE_SOC_PT_COLUMNS)]) != AE_SOC_PT_COLUMNS
            ):
                problems.append(Problem(f"{path}, row 1", f"the columns must begin {', '.join(AE_SOC_PT_COLUMNS)}"))
    for name, sha in manifest.get("analysis_results_data", {}).items():
        _read_recorded(folder / name, sha, problems)
    problems += _check_ard(folder)
    return problems


def _read_recorded(path: Path, sha256: object, problems: list[Problem]) -> bytes | None:
    """A file the manifest lists, read once; a missing or changed one is added to `problems`."""
    try:
        content = path.read_bytes()
    except OSError:
        problems.append(Problem(str(path), "listed in manifest.json but missing"))
        return None
    if hashlib.sha256(content).hexdigest() != sha256:
        problems.append(Problem(str(path), "changed since it was written (sha256 differs from manifest.json)"))
    return content


def _check_ard(folder: Path) -> list[Problem]:
    problems: list[Problem] = []
    ard = folder / "ard.csv"
    if ard.exists():
        with ard.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle), [])
        if tuple(header) != ARD_COLUMNS:
            problems.append(Problem(f"{ard}, row 1", f"the columns must be {', '.join(ARD_COLUMNS)}"))
    ars = folder / "ars.json"
    if ars.exists():
        problems += validate_ars(ars)
    return problems


def validate_ars(path: Path) -> list[Problem]:
    """ars.json against the CDISC ARS v1.0 JSON schema (draft-07), every error with its JSON path."""
    import jsonschema

    try:
        document = load_untrusted_json(read_regular_file(path, MAX_BYTES), str(path))
    except DataError as exc:
        return [Problem(str(path), exc.problem)]
    schema = json.loads((resource_dir("service.outputs.tables", "schemas") / ARS_SCHEMA).read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    return [
        Problem(f"{path}, at {'/'.join(str(p) for p in error.absolute_path) or '(top)'}", error.message[:300])
        for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    ]
