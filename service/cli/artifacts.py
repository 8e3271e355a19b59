"""`regsync artifacts TRIAL` (what was produced) and `regsync verify [TRIAL]` (is it still as written)."""

from __future__ import annotations

import json

import click

from service.artifacts import INTACT, SUPERSEDED, list_artifacts, verify_artifacts
from service.cli.context import AppContext
from service.errors import DataError
from service.snapshots import list_trials


@click.command("artifacts")
@click.argument("trial")
@click.pass_obj
def artifacts_command(app: AppContext, trial: str) -> None:
    """List what was produced for TRIAL, oldest first: id, kind, path, sha256, snapshot, options, when."""
    _known_trial(app, trial)
    artifacts = list_artifacts(app.engine, trial)
    if not artifacts:
        click.echo(f"{trial}: nothing produced yet")
    for artifact in artifacts:
        options = json.dumps(artifact.options, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        click.echo(
            f"{artifact.id}\t{artifact.kind}\t{artifact.path}\t{artifact.sha256}\tsnapshot {artifact.snapshot_id}\t"
            f"{options}\t{artifact.created_at:%Y-%m-%d %H:%M:%S}Z"
        )


@click.command("verify")
@click.argument("trial", required=False)
@click.pass_obj
def verify_command(app: AppContext, trial: str | None) -> None:
    """Re-hash every recorded artifact (of TRIAL, or of every trial); exit 1 when any is missing or changed."""
    if trial is not None:
        _known_trial(app, trial)
    checks = verify_artifacts(list_artifacts(app.engine, trial))
    bad = [check for check in checks if check.state not in (INTACT, SUPERSEDED)]
    for check in bad:
        artifact = check.artifact
        click.echo(f"{check.state}\t{artifact.kind}\t{artifact.path}\tsnapshot {artifact.snapshot_id}\t"
                   f"recorded sha256 {artifact.sha256}")  # fmt: skip
    intact = sum(check.state == INTACT for check in checks)
    superseded = sum(check.state == SUPERSEDED for check in checks)
    scope = f"{trial}: " if trial else ""
    click.echo(f"{scope}{intact} intact, {len(bad)} missing or changed, {superseded} superseded by a later file "
               "at the same path")  # fmt: skip
    if bad:
        raise click.exceptions.Exit(1)


def _known_trial(app: AppContext, trial: str) -> None:
    if trial not in {row.id for row, _ in list_trials(app.engine)}:
        raise DataError(f"no trial '{trial}' in the database", hint="List them with: regsync trials.")
