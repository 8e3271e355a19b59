"""`regsync tables TRIAL`: the analysis results data, by default into OUTPUT_DIR/TRIAL/closed/tables/."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from service.cli.context import AppContext, err, report_problems, snapshot_option
from service.outputs.base import default_target
from service.outputs.tables import OUTPUT
from service.outputs.tables.produce import produce_tables
from service.safety.soc_order import SOC_ORDERS
from service.tables_export import ARD_FILES, FORMATS
from service.trialdata import resolve_snapshot


@click.command("tables")
@click.argument("trial")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder to write (default: OUTPUT_DIR/TRIAL/closed/tables).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", help="csv (default) or json.")
@snapshot_option
@click.option(
    "--soc-order",
    type=click.Choice(SOC_ORDERS),
    default=None,
    help="Order of system organ classes (default: the definition's, else meddra).",
)
@click.option(
    "--cutoff",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Data cut-off (YYYY-MM-DD): the tables behind a DSMB report at that date; default: the snapshot's.",
)
@click.pass_obj
def tables_command(
    app: AppContext,
    trial: str,
    out_dir: Path | None,
    fmt: str,
    snapshot_id: int | None,
    soc_order: str | None,
    cutoff: datetime | None,
) -> None:
    """Write the analysis results data: every table, as CSV or JSON."""
    snapshot = resolve_snapshot(app.engine, trial, snapshot_id)
    target = out_dir or default_target(app.config, trial, OUTPUT)
    with err.status("Analysing …"):
        produced = produce_tables(
            app.engine, snapshot, target, fmt, soc_order, cutoff=cutoff.date() if cutoff else None
        )
    count = sum(1 for path in produced.files if path.name not in ("manifest.json", *ARD_FILES))
    cut = f" cut at {cutoff.date()}" if cutoff else ""
    click.echo(f"{trial}: wrote {count} tables from snapshot {snapshot.id} ({snapshot.content_hash[:12]}){cut} to "
               f"{target}/, with {', '.join(ARD_FILES)}")  # fmt: skip
    if produced.problems:
        report_problems(f"{target}: checked", list(produced.problems), (), OUTPUT.validated_against)


@click.command("tables")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
def validate_tables_command(folder: Path) -> None:
    """Check a tables folder: every file its manifest lists, whole, with the manifest's columns."""
    from service.outputs.tables.validate import validate_tables_folder

    report_problems(f"{folder}: checked", validate_tables_folder(folder), (), OUTPUT.validated_against)
