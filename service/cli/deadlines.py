"""`regsync deadlines [TRIAL]`: each registry duty with its due date and the days left."""

from __future__ import annotations

import json
from datetime import date

import click

from service.cli.context import AppContext
from service.deadlines import Duty
from service.errors import DataError


@click.command("deadlines")
@click.argument("trial", required=False)
@click.option("--today", "today", default=None, metavar="YYYY-MM-DD", help="Count the days from this date.")
@click.option("--json", "as_json", is_flag=True, help="Print the duties as JSON.")
@click.pass_obj
def deadlines_command(app: AppContext, trial: str | None, today: str | None, as_json: bool) -> None:
    """List every registry duty (FDAAA 801 results, WHO / IRCT results and publication) with its due date and how
    near it is, for TRIAL or every trial in the database."""
    from service.scheduling.deadline_notices import trial_duties
    from service.snapshots import latest_snapshot, list_trials

    try:
        on = date.fromisoformat(today) if today else date.today()
    except ValueError:
        raise click.BadParameter(f"'{today}' is not a date (YYYY-MM-DD)", param_hint="--today") from None
    ids = [trial] if trial else [t.id for t, _ in list_trials(app.engine)]
    duties: list[Duty] = []
    for trial_id in ids:
        snapshot = latest_snapshot(app.engine, trial_id)
        if snapshot is None:
            raise DataError(f"no snapshots for trial '{trial_id}'", hint="Import it first: regsync import TRIAL.")
        duties.extend(trial_duties(snapshot, app.config))
    if as_json:
        click.echo(json.dumps([{"trial": d.trial_id, "registry": d.registry, "duty": d.duty, "rule": d.rule,
                                "due": d.due.isoformat() if d.due else None, "basis": d.basis,
                                "done": d.done.isoformat() if d.done else None, "days_left": d.days_left(on),
                                "status": d.status(on)} for d in duties], indent=2))  # fmt: skip
        return
    if not duties:
        click.echo("no registry duties: no trial names an nct_id or irct_id")
    for d in duties:
        due = d.due.isoformat() if d.due else "unknown"
        click.echo(f"{d.trial_id}  {d.registry}: {d.duty}  due {due}  {d.status(on)}")
        click.echo(f"    {d.rule}; from {d.basis}")
