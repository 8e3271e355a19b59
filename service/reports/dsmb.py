"""The DSMB report: the context its template renders, for the open (pooled) or closed (by arm) session."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from service import __version__
from service.analysis import build_analysis
from service.importing.records import ArmRecord, ImportedTrial
from service.results import TOTAL, AnalysisResults
from service.tables_export import render_csv

SESSIONS = ("open", "closed")
POOLED = ArmRecord("ALL", "All participants")


@dataclass(frozen=True)
class DsmbOptions:
    session: str
    report_date: date
    data_cutoff: date | None
    content_hash: str
    snapshot_id: int | None
    organisation: str = ""
    unmask: bool = False
    final: bool = False


def remove_arm_assignment(data: ImportedTrial) -> ImportedTrial:
    """The open session's data: every participant in one pooled group, arms and their labels gone."""
    participants = tuple(
        p._replace(
            arm_code=POOLED.code if p.arm_code else None, actual_arm_code=POOLED.code if p.actual_arm_code else None
        )
        for p in data.participants
    )
    raw = {key: value for key, value in data.definition.raw.items() if key != "arms"}
    definition = replace(data.definition, arms=(POOLED,), raw=raw)
    return replace(data, definition=definition, arms=(POOLED,), participants=participants, notes=())


def arm_display_names(arms: tuple[str, ...], unmask: bool) -> dict[str, str]:
    """Arms as the closed report shows them: "Arm A", "Arm B", … in the trial's order unless unmasked.
    The key (which letter is which treatment) is never printed."""
    names = {arm: arm if unmask else f"Arm {chr(ord('A') + index)}" for index, arm in enumerate(arms)}
    return {**names, TOTAL: TOTAL}


def build_dsmb_context(data: ImportedTrial, options: DsmbOptions) -> dict[str, Any]:
    if options.session not in SESSIONS:
        raise ValueError(f"session must be one of {SESSIONS}")
    analysed = remove_arm_assignment(data) if options.session == "open" else data
    results = build_analysis(
        analysed, snapshot_id=options.snapshot_id, content_hash=options.content_hash, data_cutoff=options.data_cutoff
    )
    if options.session == "open":
        columns = [TOTAL]
        names = {TOTAL: "All participants"}
    else:
        columns = [*results.arms, TOTAL]
        names = arm_display_names(results.arms, options.unmask)
    definition = data.definition
    return {
        "session": options.session,
        "session_label": "OPEN SESSION" if options.session == "open" else "CLOSED SESSION",
        "draft": not options.final,
        "trial": {
            "id": data.trial_id,
            "title": definition.title or data.trial_id,
            "acronym": definition.acronym,
            "phase": definition.phase,
            "nct_id": definition.nct_id,
            "irct_id": definition.irct_id,
            "target_enrollment": definition.target_enrollment,
        },
        "report_date": options.report_date.isoformat(),
        "data_cutoff": options.data_cutoff.isoformat() if options.data_cutoff else "not stated",
        "content_hash": options.content_hash,
        "snapshot_id": options.snapshot_id,
        "software_version": __version__,
        "organisation": options.organisation or "—",
        "columns": columns,
        "names": names,
        "tables": results.tables,
        "summary": _summary(results, definition.target_enrollment),
        "show_outcomes": options.session == "closed",
        "control": results.control,
        "rows_by_key": rows_by_key,
        "rows_by": rows_by,
        "baseline_rows": baseline_rows,
        "attachments": {f"{name}.csv": render_csv(table) for name, table in results.tables.items()},
    }


def _summary(results: AnalysisResults, target: int | None) -> dict[str, Any]:
    flow = {(r.category, r.arm): r.n for r in results["disposition"].rows}
    overview = {(r.category, r.arm): r.n_subjects for r in results["ae_overview"].rows}
    return {
        "randomized": flow.get(("Randomized", TOTAL), 0),
        "target": target,
        "treated": flow.get(("Treated", TOTAL), 0),
        "with_teae": overview.get(("Any TEAE", TOTAL), 0),
        "with_serious": overview.get(("Any serious TEAE", TOTAL), 0),
        "deaths": overview.get(("Deaths (any cause)", TOTAL), 0),
    }


def rows_by_key(rows: Sequence[Any]) -> list[tuple[tuple[str, str, str], dict[str, Any]]]:
    """AE rows grouped by (level, soc, pt), in the table's order: one table line per key, a cell per arm."""
    grouped: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        grouped.setdefault((row.level, row.soc, row.pt), {})[row.arm] = row
    return list(grouped.items())


def rows_by(rows: Sequence[Any], field: str) -> list[tuple[str, dict[str, Any]]]:
    grouped: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = grouped.setdefault(getattr(row, field), {"kind": getattr(row, "kind", ""), "rows": {}, "counts": {}})
        entry["rows"][row.arm] = row
        entry["counts"][row.arm] = getattr(row, "n", None)
    return list(grouped.items())


def baseline_rows(rows: Sequence[Any]) -> list[tuple[str, dict[str, str]]]:
    """Baseline characteristics as printed lines: mean (SD), median (Q1–Q3) and min–max for continuous ones,
    n (%) per category."""
    lines: dict[str, dict[str, str]] = {}
    for r in rows:
        if r.category == "":
            unit = f", {r.unit}" if r.unit else ""
            if r.n == 0:
                lines.setdefault(f"{r.characteristic}{unit}: n", {})[r.arm] = "0"
                continue
            lines.setdefault(f"{r.characteristic}{unit}: n", {})[r.arm] = str(r.n)
            lines.setdefault(f"{r.characteristic}{unit}: mean (SD)", {})[r.arm] = (
                f"{r.mean:.1f} ({r.sd:.1f})" if r.sd is not None else f"{r.mean:.1f}"
            )
            lines.setdefault(f"{r.characteristic}{unit}: median (Q1–Q3)", {})[r.arm] = (
                f"{r.median:.1f} ({r.q1:.1f}–{r.q3:.1f})"
            )
            lines.setdefault(f"{r.characteristic}{unit}: min–max", {})[r.arm] = f"{r.minimum:.1f}–{r.maximum:.1f}"
        else:
            lines.setdefault(f"{r.characteristic}: {r.category}", {})[r.arm] = (
                f"{r.n} ({r.percent:.1f})" if r.percent is not None else str(r.n)
            )
    return list(lines.items())
