"""`regsync report dsmb TRIAL --session open|closed`: one edition of the DSMB report, by default into
OUTPUT_DIR/TRIAL/open/ or OUTPUT_DIR/TRIAL/closed/."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from service.cli.context import AppContext, err, out_file_option, snapshot_option
from service.outputs.base import default_target
from service.outputs.dsmb import EDITIONS
from service.outputs.dsmb.produce import DsmbRequest, produce_dsmb
from service.trialdata import resolve_snapshot


@click.command("dsmb")
@click.argument("trial")
@click.option("--session", type=click.Choice(tuple(EDITIONS)), required=True, help="open (pooled) or closed (by arm).")
@click.option(
    "--cutoff",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Data cut-off (YYYY-MM-DD); default: the snapshot's.",
)
@out_file_option("PDF to write (default: OUTPUT_DIR/TRIAL/open/dsmb-open.pdf or closed/dsmb-closed.pdf).")
@click.option(
    "--unmask",
    is_flag=True,
    help="Closed session: name the arms instead of Arm A, Arm B, …, and print the masking key (needs the trial's "
    "key file in REGSYNC_MASKING_KEY_FILE; audited).",
)
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
    if unmask and session != "closed":
        raise click.UsageError("--unmask names the arms of the closed session's report: use it with --session closed")
    snapshot = resolve_snapshot(app.engine, trial, snapshot_id)
    if since is not None:
        resolve_snapshot(app.engine, trial, since)
    target = out_file or default_target(app.config, trial, EDITIONS[session])
    if unmask:  # the unmasked edition names the arms and prints the key: for the key file's holder only
        from service.masking.reveal import authorise_reveal

        authorise_reveal(app.engine, trial, f"regsync report dsmb {trial} --session closed --unmask",
                         {"snapshot_id": snapshot.id, "report": str(target)})  # fmt: skip
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
