"""`regsync registry drift TRIAL [--ctgov FILE|NCT_ID] [--irct FILE]`."""

from __future__ import annotations

from pathlib import Path

import click

from service.cli.context import AppContext, err, out_file_option, snapshot_option
from service.outputs.base import Production, default_target
from service.outputs.drift import OUTPUT
from service.outputs.drift.produce import drift_reports, write_drift
from service.outputs.drift.records import ctgov_source, irct_source, source_folder
from service.trialdata import resolve_snapshot


@click.command("drift")
@click.argument("trial")
@click.option("--ctgov", "ctgov", default=None, metavar="FILE|NCT_ID",
              help="A ClinicalTrials.gov record (API v2 JSON, public XML or PRS download), or an NCT id to fetch "
              "from [registries] ctgov_api (default: [trials.ID] ctgov_record, the source folder's "
              "registry/ctgov-record.*, else the definition's nct_id, fetched).")  # fmt: skip
@click.option(
    "--irct",
    "irct",
    default=None,
    metavar="FILE",
    help="A WHO ICTRP / IRCT record (default: [trials.ID] irct_record or registry/irct-record.xml).",
)
@out_file_option("JSON to write (default: OUTPUT_DIR/TRIAL/registry/drift.json; drift.txt beside it).")
@snapshot_option
@click.pass_obj
def registry_drift_command(app: AppContext, trial: str, ctgov: str | None, irct: str | None, out_file: Path | None,
                           snapshot_id: int | None) -> None:  # fmt: skip
    """Compare what the registries hold with the trial's data and definition: each difference as "field: registry
    says X; the trial data say Y", identity and enrollment first. Exit 0 when nothing differs, 1 when anything
    does, 2 when a record cannot be read."""
    snapshot = resolve_snapshot(app.engine, trial, snapshot_id)
    production = Production(app.engine, app.config, snapshot, app.config.output_dir / trial)
    declared = app.config.trials.get(trial)
    folder = source_folder(snapshot)
    with err.status("Reading the trial …"):
        analysed = production.analysed()
    only_given = ctgov is not None or irct is not None
    sources = [
        ctgov_source(ctgov, None if only_given else (declared.ctgov_record if declared else None),
                     None if only_given else folder, None if only_given else analysed[0].definition.nct_id,
                     app.config),
        irct_source(irct, None if only_given else (declared.irct_record if declared else None),
                    None if only_given else folder),
    ]  # fmt: skip
    found = [s for s in sources if s is not None]
    if not found:
        raise click.UsageError("no registry record to compare with: give --ctgov or --irct")
    with err.status("Reading the registry records …"):
        reports = drift_reports(found, analysed, app.config)
    target = out_file or default_target(app.config, trial, OUTPUT)
    write_drift(production, target, reports)
    for report in reports:
        click.echo("\n".join(report.lines()))
    err.print(f"{trial}: wrote {target} and {target.with_name('drift.txt').name}")
    if any(report.drifted for report in reports):
        raise click.exceptions.Exit(1)
