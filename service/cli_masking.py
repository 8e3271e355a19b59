"""`regsync masking-key TRIAL`: which letter is which arm in TRIAL's masked closed reports, for the unblinded."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime

import click
from sqlmodel import Session

from service.cli_context import AppContext
from service.errors import ConfigError
from service.masking import masking_key
from service.models import AuditEntry
from service.trialdata import read_snapshot, resolve_snapshot


@click.command("masking-key")
@click.argument("trial")
@click.pass_obj
def masking_key_command(app: AppContext, trial: str) -> None:
    """Print TRIAL's masking key (letter, arm); refused unless config.toml's [reports] allow_masking_key = true.
    Every showing is written to the audit log."""
    if not app.config.allow_masking_key:
        raise ConfigError(
            "the masking key is not shown here: config.toml does not set [reports] allow_masking_key = true\n"
            "  Only the unblinded statistician's configuration should allow it."
        )
    snapshot = resolve_snapshot(app.engine, trial, None)
    data, _ = read_snapshot(app.engine, snapshot, listed_only=True)
    key = masking_key(app.engine, trial, list(data.arm_labels.values()))
    with Session(app.engine) as session:
        session.add(AuditEntry(at=datetime.now(UTC), actor=_actor(), action="masking-key shown", trial_id=trial,
                               detail={"arms": len(key)}))  # fmt: skip
        session.commit()
    for arm, letter in sorted(key.items(), key=lambda item: item[1]):
        click.echo(f"Arm {letter}\t{arm}")


def _actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
