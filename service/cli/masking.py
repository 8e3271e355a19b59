"""`regsync masking-key TRIAL [--enrol]`: which letter is which arm in TRIAL's masked closed reports, for the holder
of the trial's masking key file only (service.masking.reveal); with --enrol, that file is enrolled."""

from __future__ import annotations

import click

from service.cli.context import AppContext
from service.masking import masking_key
from service.masking.reveal import authorise_reveal, enrol_key_file
from service.trialdata import read_snapshot, resolve_snapshot


@click.command("masking-key")
@click.argument("trial")
@click.option("--enrol", is_flag=True, help="Enrol the file REGSYNC_MASKING_KEY_FILE names as TRIAL's key file (once).")
@click.pass_obj
def masking_key_command(app: AppContext, trial: str, enrol: bool) -> None:
    """Print TRIAL's masking key (letter, arm): only with the trial's enrolled key file in REGSYNC_MASKING_KEY_FILE.
    Every attempt, shown or refused, is written to the audit log."""
    snapshot = resolve_snapshot(app.engine, trial, None)
    if enrol:
        click.echo(enrol_key_file(app.engine, trial, f"regsync masking-key {trial} --enrol"))
        return
    authorise_reveal(app.engine, trial, f"regsync masking-key {trial}", {"snapshot_id": snapshot.id})
    data, _ = read_snapshot(app.engine, snapshot, listed_only=True)
    key = masking_key(app.engine, trial, list(data.arm_labels.values()))
    for arm, letter in sorted(key.items(), key=lambda item: item[1]):
        click.echo(f"Arm {letter}\t{arm}")
