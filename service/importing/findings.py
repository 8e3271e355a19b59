"""SDTM findings (QS, LB, VS, EG, ...) as outcome measurements: --TESTCD by VISIT, the standardized result.

SDTMIG: the standardized result is --STRESN (numeric) / --STRESC (character) in --STRESU; the baseline record is
flagged --BLFL (SDTMIG ≤ 3.3) or --LOBXFL (3.4: last observation before exposure). A test not done (--STAT =
NOT DONE) has no result and is read as not collected. SDTM has no BASE or CHG: the analysis takes the baseline
record's value as BASE and derives CHG from it, and says so.

LB and VS are laboratory and vital-sign data, read whole into the safety frame (service.labs.read_sdtm); here they
give only the records of the parameters trial.toml reads as outcomes or baseline values.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from service.importing.common import SubjectIndex
from service.importing.records import MeasurementRecord
from service.importing.tables import Row, SourceTable, find_table, read_table

DOMAINS = ("qs", "lb", "vs", "eg", "ft", "rs", "cv", "re")


def read_findings(
    folder: Path, subjects: SubjectIndex, dm_name: str, lab_tables: Mapping[str, SourceTable | None]
) -> tuple[list[MeasurementRecord], list[str]]:
    """`lab_tables`: for each laboratory domain read into the safety frame (lb, vs), the records an outcome or
    baseline entry names (None: none)."""
    records: list[MeasurementRecord] = []
    notes: list[str] = []
    for domain in DOMAINS:
        if domain in lab_tables:
            selected = lab_tables[domain]
            if selected is None:
                continue
            table = selected
        else:
            path = find_table(folder, domain)
            if path is None:
                continue
            table = read_table(path, upper=True)
        prefix = domain.upper()
        if not all(table.has(c) for c in ("USUBJID", f"{prefix}TESTCD", "VISIT")) or not (
            table.has(f"{prefix}STRESN") or table.has(f"{prefix}STRESC")
        ):
            notes.append(f"{table.name}: not a findings dataset with {prefix}TESTCD, VISIT and {prefix}STRESN; "
                         "not imported")  # fmt: skip
            continue
        records.extend(_records(table, prefix, subjects, dm_name))
    return records, notes


def _records(table: SourceTable, prefix: str, subjects: SubjectIndex, dm_name: str) -> list[MeasurementRecord]:
    baseline_flag = f"{prefix}BLFL" if table.has(f"{prefix}BLFL") else f"{prefix}LOBXFL"
    found = []
    for row in table:
        test = row.required_text(f"{prefix}TESTCD")
        found.append(
            MeasurementRecord(
                subject_id=subjects.check(row, "USUBJID", dm_name),
                parameter=test,
                visit=row.required_text("VISIT"),
                parameter_label=row.text(f"{prefix}TEST") or test,
                visit_number=row.number("VISITNUM"),
                value=row.number(f"{prefix}STRESN"),
                value_text=row.text(f"{prefix}STRESC"),
                unit=row.text(f"{prefix}STRESU"),
                baseline=row.flag(baseline_flag),
                measured_on=_complete_date(row, f"{prefix}DTC"),
                dataset=prefix,
            )
        )
    return found


def _complete_date(row: Row, column: str) -> date | None:
    """The date of a complete --DTC; a partial one (2017-03) dates nothing the analysis needs, so it is None."""
    text = row.text(column)
    return row.date(column) if text is not None and len(text.strip()) >= 10 else None
