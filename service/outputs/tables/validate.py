"""Checking a tables folder as written: every file its manifest lists is there, whole (its sha256), with the
columns the manifest gives; ae_soc_pt.csv keeps the columns DESIGN.md promises."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from service.problems import Problem

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
        try:
            content = path.read_bytes()
        except OSError:
            problems.append(Problem(str(path), "listed in manifest.json but missing"))
            continue
        if hashlib.sha256(content).hexdigest() != entry.get("sha256"):
            problems.append(Problem(str(path), "changed since it was written (sha256 differs from manifest.json)"))
        if path.suffix == ".csv":
            header = next(csv.reader(content.decode("utf-8", "replace").splitlines()), [])
            if header != list(entry.get("columns", [])):
                problems.append(Problem(f"{path}, row 1", f"columns {header} differ from the manifest's"))
            if (
                path.name in ("ae_soc_pt.csv", "ae_soc_pt_serious.csv")
                and tuple(header[: len(AE_SOC_PT_COLUMNS)]) != AE_SOC_PT_COLUMNS
            ):
                problems.append(Problem(f"{path}, row 1", f"the columns must begin {', '.join(AE_SOC_PT_COLUMNS)}"))
    return problems
