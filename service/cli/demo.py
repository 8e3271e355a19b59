"""`regsync demo`: the bundled example trial imported, and every output written once, by audience."""

from __future__ import annotations

import json
from pathlib import Path

import click

from service.atomic import write_atomic
from service.cli.context import AppContext, err
from service.cli.data import report_import, run_import
from service.outputs import OUTPUTS
from service.outputs.base import CLOSED, Production, audience_folder
from service.resources import EXAMPLE_TRIAL, example_trial_dir
from service.snapshots import ImportOutcome


@click.command("demo")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write (default: config.toml's [output] dir, else ./out).",
)
@click.pass_obj
def demo_command(app: AppContext, out_dir: Path | None) -> None:
    """Load the bundled example trial and write every output once."""
    declared = app.config.trials.get(EXAMPLE_TRIAL)
    source = declared.source if declared else example_trial_dir()
    outcome = run_import(app.engine, EXAMPLE_TRIAL, source, "auto", declared.control if declared else None)
    report_import(EXAMPLE_TRIAL, outcome)
    root = (out_dir or app.config.output_dir) / EXAMPLE_TRIAL
    write_snapshot_manifest(outcome, audience_folder(root, CLOSED) / "snapshot.json")
    production = Production(app.engine, app.config, outcome.snapshot, root)  # one analysis for every output
    outputs = list(OUTPUTS.values())
    with err.status(f"Writing {', '.join(output.title for output in outputs)} …"):
        every = production.produce_all(outputs)
    for output, produced in zip(outputs, every, strict=True):
        for problem in produced.problems:
            err.print(f"{output.file_name}: {problem}", markup=False)
    click.echo(f"wrote {root}/")


def write_snapshot_manifest(outcome: ImportOutcome, path: Path) -> None:
    """What the outputs were made from. In closed/: the import's notes may name arms."""
    snap = outcome.snapshot
    manifest = {
        "trial": snap.trial_id,
        "snapshot": snap.id,
        "content_hash": snap.content_hash,
        "source_format": snap.source_format,
        "data_cutoff": snap.data_cutoff.isoformat() if snap.data_cutoff else None,
        "software_version": snap.software_version,
        "counts": snap.counts,
        "notes": snap.notes,
    }
    write_atomic(path, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
