"""`regsync import`: a data snapshot in, all or nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy import Engine

from service.cli.context import AppContext, err
from service.config import SOURCE_FORMATS
from service.importing import load_source
from service.snapshots import ImportOutcome, store_snapshot


@click.command("import")
@click.argument("trial")
@click.option("--source", type=click.Path(path_type=Path), help="The folder to import (default: config.toml's).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(SOURCE_FORMATS),
    default=None,
    help="Source format; auto recognizes it from the file names.",
)
@click.option("--control", help="The control arm (code or label), overriding the trial definition.")
@click.pass_obj
def import_command(app: AppContext, trial: str, source: Path | None, fmt: str | None, control: str | None) -> None:
    """Bring a data snapshot in, all or nothing."""
    declared = app.config.trials.get(trial)
    if source is None:
        if declared is None:
            raise click.UsageError(f"trial '{trial}' is not in the configuration: pass --source PATH")
        source = declared.source
    fmt = fmt or (declared.format if declared else "auto")
    control = control or (declared.control if declared else None)
    outcome = run_import(app.engine, trial, source, fmt, control)
    report_import(trial, outcome)


def run_import(engine: Engine, trial: str, source: Path, fmt: str, control: str | None) -> ImportOutcome:
    with err.status(f"Reading {source} …"):
        data = load_source(source, trial, fmt, control)
    labs = f", {len(data.labs)} lab records" if data.labs is not None else ""
    with err.status(f"Storing {len(data.participants)} participants, {len(data.adverse_events)} AEs{labs} …"):
        return store_snapshot(engine, data, now=datetime.now(UTC))


def report_import(trial: str, outcome: ImportOutcome) -> None:
    snap = outcome.snapshot
    counts = snap.counts
    if outcome.created:
        click.echo(
            f"{trial}: new snapshot {snap.id} ({snap.content_hash[:12]}), {snap.source_format}: "
            f"{counts['participants']} participants ({counts['randomized']} randomized), "
            f"{counts['adverse_events']} AEs, {counts['measurements']} measurements, "
            f"{counts.get('lab_records', 0)} lab records; "
            f"data cut-off {snap.data_cutoff or 'unknown'}"
        )
        for note in snap.notes:
            click.echo(f"  note: {note}")
    else:
        click.echo(
            f"{trial}: no change: the data are identical to snapshot {snap.id} ({snap.content_hash[:12]}); "
            "no new snapshot"
        )
