"""The analysis results data: every table by arm as CSV or JSON, with a manifest (closed: by arm)."""

from __future__ import annotations

from service.outputs.base import CLOSED, CommandSpot, Output

OUTPUT = Output(
    kind="tables",
    file_name="tables",
    audience=CLOSED,
    title="the analysis results data: every table, by arm, as CSV or JSON",
    produce="service.outputs.tables.produce:produce",
    validate="service.outputs.tables.validate:validate_tables_folder",
    validated_against="the manifest's files, hashes and columns; ars.json against the CDISC ARS v1.0 schema",
    commands=(
        CommandSpot(
            None,
            "tables",
            "service.outputs.tables.command:tables_command",
            "Write the analysis results data: every table, as CSV or JSON.",
        ),
        CommandSpot(
            "validate",
            "tables",
            "service.outputs.tables.command:validate_tables_command",
            "Check a tables folder against its manifest.",
        ),
    ),
)
