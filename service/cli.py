"""The `regsync` command line (DESIGN.md, 'Command line contract').

Exit codes: 0 success, 1 output produced but failed validation, 2 bad input or usage, 3 the output could not be
produced (e.g. a report render stopped at its memory cap).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Engine

from registry.ctgov.build import SECTIONS
from registry.ctgov.validate import validate_ctgov_file
from registry.irct.validate import validate_irct_file
from service import __version__
from service.cli_context import AppContext, err
from service.cli_jobs import COMMANDS as JOB_COMMANDS
from service.config import SOURCE_FORMATS
from service.errors import DataError, ServiceError
from service.importing import load_source
from service.outputs import DsmbRequest, produce_ctgov, produce_dsmb, produce_irct, produce_tables
from service.reports.dsmb import SESSIONS
from service.safety.soc_order import SOC_ORDERS
from service.snapshots import ImportOutcome, list_snapshots, list_trials, store_snapshot
from service.tables_export import FORMATS
from service.trialdata import read_and_analyse, resolve_snapshot

EXAMPLE_TRIAL = "msc-t1d"
EXAMPLE_SOURCE = Path(__file__).resolve().parent.parent / "examples" / EXAMPLE_TRIAL

snapshot_option = click.option(
    "--snapshot", "snapshot_id", type=int, default=None, help="A snapshot id (default: the latest)."
)


def out_file_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("--out", "out_file", type=click.Path(path_type=Path), default=None, help=help_text)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Configuration file (default ./config.toml, or $REGSYNC_CONFIG).",
)
@click.version_option(__version__, prog_name="regsync")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None) -> None:
    """regsync: DSMB reports and registry results from one frozen snapshot of a trial's data."""
    env_path = os.environ.get("REGSYNC_CONFIG")
    explicit = config_path is not None or bool(env_path)
    path = config_path or (Path(env_path) if env_path else Path("config.toml"))
    ctx.obj = AppContext(path, explicit)


@cli.command("import")
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
    with err.status(f"Storing {len(data.participants)} participants, {len(data.adverse_events)} AEs …"):
        return store_snapshot(engine, data, now=datetime.now(UTC))


def report_import(trial: str, outcome: ImportOutcome) -> None:
    snap = outcome.snapshot
    counts = snap.counts
    if outcome.created:
        click.echo(
            f"{trial}: new snapshot {snap.id} ({snap.content_hash[:12]}), {snap.source_format}: "
            f"{counts['participants']} participants ({counts['randomized']} randomized), "
            f"{counts['adverse_events']} AEs, {counts['measurements']} measurements; "
            f"data cut-off {snap.data_cutoff or 'unknown'}"
        )
        for note in snap.notes:
            click.echo(f"  note: {note}")
    else:
        click.echo(
            f"{trial}: no change: the data are identical to snapshot {snap.id} ({snap.content_hash[:12]}); "
            "no new snapshot"
        )


@cli.command("trials")
@click.pass_obj
def trials_command(app: AppContext) -> None:
    """List the trials in the database."""
    rows = list_trials(app.engine)
    if not rows:
        click.echo("no trials yet: run `regsync import TRIAL --source PATH` or `regsync demo`")
    for trial, count in rows:
        ids = ", ".join(i for i in (trial.nct_id, trial.irct_id) if i)
        click.echo(f"{trial.id}\t{count} snapshot(s)\t{ids}\t{trial.title}")


@cli.command("snapshots")
@click.argument("trial")
@click.pass_obj
def snapshots_command(app: AppContext, trial: str) -> None:
    """List a trial's snapshots, oldest first."""
    snapshots = list_snapshots(app.engine, trial)
    if not snapshots:
        raise DataError(
            f"no snapshots for trial '{trial}'", hint="Import it first: regsync import TRIAL --source PATH."
        )
    for snap in snapshots:
        counts = snap.counts
        click.echo(
            f"{snap.id}\t{snap.content_hash}\t{snap.created_at:%Y-%m-%d %H:%M:%S}Z\t{snap.source_format}\t"
            f"cut-off {snap.data_cutoff or '-'}\t{counts['participants']} participants\t"
            f"{counts['adverse_events']} AEs"
        )


@cli.command("tables")
@click.argument("trial")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder to write (default: OUTPUT_DIR/TRIAL/tables).",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", help="csv (default) or json.")
@snapshot_option
@click.option(
    "--soc-order",
    type=click.Choice(SOC_ORDERS),
    default=None,
    help="Order of system organ classes (default: the definition's, else meddra).",
)
@click.pass_obj
def tables_command(
    app: AppContext, trial: str, out_dir: Path | None, fmt: str, snapshot_id: int | None, soc_order: str | None
) -> None:
    """Write the analysis results data: every table, as CSV or JSON."""
    snapshot = resolve_snapshot(app.engine, trial, snapshot_id)
    target = out_dir or app.config.output_dir / trial / "tables"
    with err.status("Analysing …"):
        count = produce_tables(app.engine, snapshot, target, fmt, soc_order)
    click.echo(f"{trial}: wrote {count} tables from snapshot {snapshot.id} ({snapshot.content_hash[:12]}) to {target}/")


@cli.group("report")
def report_group() -> None:
    """Render reports."""


@report_group.command("dsmb")
@click.argument("trial")
@click.option("--session", type=click.Choice(SESSIONS), required=True, help="open (pooled) or closed (by arm).")
@click.option(
    "--cutoff",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Data cut-off (YYYY-MM-DD); default: the snapshot's.",
)
@out_file_option("PDF to write (default: OUTPUT_DIR/TRIAL/dsmb-SESSION.pdf).")
@click.option("--unmask", is_flag=True, help="Closed session: name the arms instead of Arm A, Arm B, ….")
@click.option("--final", is_flag=True, help="No DRAFT watermark.")
@click.option(
    "--report-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date printed as the report date (default: the data cut-off).",
)
@snapshot_option
@click.option(
    "--since",
    "since",
    type=int,
    default=None,
    help="Snapshot of the previous report, for 'changes since' (default: the latest earlier DSMB report's).",
)
@click.pass_obj
def report_dsmb_command(
    app: AppContext,
    trial: str,
    session: str,
    cutoff: datetime | None,
    out_file: Path | None,
    unmask: bool,
    final: bool,
    report_date: datetime | None,
    snapshot_id: int | None,
    since: int | None,
) -> None:
    """Render the DSMB report, open or closed session, as PDF/A-3b."""
    snapshot = resolve_snapshot(app.engine, trial, snapshot_id)
    if since is not None:
        resolve_snapshot(app.engine, trial, since)
    target = out_file or app.config.output_dir / trial / f"dsmb-{session}.pdf"
    request = DsmbRequest(
        session,
        organisation=app.config.organisation,
        cutoff=cutoff.date() if cutoff else None,
        unmask=unmask,
        final=final,
        report_date=report_date.date() if report_date else None,
        since=since,
        memory_mb=app.config.render_memory_mb,
    )
    with err.status(f"Rendering the {session}-session DSMB report …"):
        produce_dsmb(app.engine, snapshot, target, request)
    click.echo(f"{trial}: wrote {target} ({session} session, snapshot {snapshot.id})")


@cli.group("registry")
def registry_group() -> None:
    """Write registry files."""


@registry_group.command("ctgov")
@click.argument("trial")
@out_file_option("XML to write (default: OUTPUT_DIR/TRIAL/ctgov-results.xml).")
@click.option(
    "--partial",
    "partial",
    is_flag=False,
    flag_value=",".join(SECTIONS),
    default=None,
    help=f"A partial upload: only these sections (comma-separated: {', '.join(SECTIONS)}); alone, all of them. "
    "PRS keeps the sections not sent.",
)
@click.option(
    "--merge",
    "merge",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="A record downloaded from PRS to put the results into (validated against ProtocolRecordSchema.xsd).",
)
@snapshot_option
@click.pass_obj
def registry_ctgov_command(
    app: AppContext, trial: str, out_file: Path | None, partial: str | None, merge: Path | None, snapshot_id: int | None
) -> None:
    """Write the ClinicalTrials.gov PRS results XML and validate it (exit 1 when it fails, after the list)."""
    sections = tuple(SECTIONS)
    if partial is not None:
        sections = tuple(part.strip() for part in partial.split(",") if part.strip())
        unknown = [part for part in sections if part not in SECTIONS]
        if unknown or not sections:
            raise click.BadParameter(
                f"unknown section(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(SECTIONS)}",
                param_hint="--partial",
            )
    snapshot = resolve_snapshot(app.engine, trial, snapshot_id)
    target = out_file or app.config.output_dir / trial / "ctgov-results.xml"
    with err.status("Writing the PRS results XML …"):
        outcome = produce_ctgov(app.engine, snapshot, target, sections, partial is not None, merge)
    report_registry_outcome(f"{trial}: wrote {target} (snapshot {snapshot.id})", outcome.problems, outcome.warnings)


@registry_group.command("irct")
@click.argument("trial")
@out_file_option("XML to write (default: OUTPUT_DIR/TRIAL/irct.xml).")
@click.option(
    "--entry-sheet",
    "entry_sheet",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write the IRCT entry sheet as this PDF (and .html beside it).",
)
@snapshot_option
@click.pass_obj
def registry_irct_command(
    app: AppContext, trial: str, out_file: Path | None, entry_sheet: Path | None, snapshot_id: int | None
) -> None:
    """Write the WHO ICTRP / IRCT record and validate it (exit 1 when it fails, after the list)."""
    snapshot = resolve_snapshot(app.engine, trial, snapshot_id)
    target = out_file or app.config.output_dir / trial / "irct.xml"
    with err.status("Writing the ICTRP record …"):
        outcome = produce_irct(app.engine, snapshot, target, entry_sheet, app.config.render_memory_mb)
    report_registry_outcome(f"{trial}: wrote {target} (snapshot {snapshot.id})", outcome.findings, outcome.warnings,
                            "valid (2017 WHO DTD and ICTRP XSD)")  # fmt: skip


@cli.group("validate")
def validate_group() -> None:
    """Check a registry file against its schema and the registry's rules."""


@validate_group.command("ctgov")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def validate_ctgov_command(file: Path) -> None:
    """Check a PRS results document (rrs:result) or a PRS record (prs:study_collection)."""
    report_registry_outcome(f"{file}: checked", validate_ctgov_file(file), [])


@validate_group.command("irct")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def validate_irct_command(file: Path) -> None:
    """Check a WHO ICTRP record against the 2017 WHO DTD and the ICTRP XSD."""
    report_registry_outcome(f"{file}: checked", validate_irct_file(file), [], "valid (2017 WHO DTD and ICTRP XSD)")


def report_registry_outcome(
    done: str, problems: Sequence[object], warnings: list[str], valid: str = "valid (schema and PRS rules)"
) -> None:
    for warning in warnings:
        err.print(f"warning: {warning}", markup=False)
    if problems:
        click.echo(f"{done}: {len(problems)} problem(s) to fix before upload:")
        for problem in problems:
            click.echo(f"  {problem}")
        raise click.exceptions.Exit(1)
    click.echo(f"{done}: {valid}")


@cli.command("demo")
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
    source = declared.source if declared else EXAMPLE_SOURCE
    outcome = run_import(app.engine, EXAMPLE_TRIAL, source, "auto", declared.control if declared else None)
    report_import(EXAMPLE_TRIAL, outcome)
    target = (out_dir or app.config.output_dir) / EXAMPLE_TRIAL
    target.mkdir(parents=True, exist_ok=True)
    write_snapshot_manifest(outcome, target / "snapshot.json")
    with err.status("Analysing …"):
        analysed = read_and_analyse(app.engine, outcome.snapshot)  # once, for the tables and both registries
        produce_tables(app.engine, outcome.snapshot, target / "tables", analysed=analysed)
    with err.status("Writing the PRS results XML …"):
        ctgov = produce_ctgov(app.engine, outcome.snapshot, target / "ctgov-results.xml", analysed=analysed)
    for problem in ctgov.problems:
        err.print(f"ctgov-results.xml: {problem}", markup=False)
    with err.status("Writing the ICTRP record and the IRCT entry sheet …"):
        irct = produce_irct(
            app.engine,
            outcome.snapshot,
            target / "irct.xml",
            target / "irct-entry-sheet.pdf",
            app.config.render_memory_mb,
            analysed=analysed,
        )
    for finding in irct.findings:
        err.print(f"irct.xml: {finding}", markup=False)
    for session in SESSIONS:
        request = DsmbRequest(session, organisation=app.config.organisation, memory_mb=app.config.render_memory_mb)
        with err.status(f"Rendering the {session}-session DSMB report …"):
            produce_dsmb(app.engine, outcome.snapshot, target / f"dsmb-{session}.pdf", request)
    click.echo(f"wrote {target}/")


def write_snapshot_manifest(outcome: ImportOutcome, path: Path) -> None:
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
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(path)


for command in JOB_COMMANDS:
    cli.add_command(command)


def main() -> None:
    try:
        code = cli.main(standalone_mode=False, prog_name="regsync")
        if isinstance(code, int) and code:
            sys.exit(code)  # click returns a command's Exit code, unraised, outside standalone mode
    except click.exceptions.Abort:
        err.print("aborted")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if exc.exit_code == 2 or isinstance(exc, click.UsageError) else exc.exit_code)
    except ServiceError as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
