"""`regsync registry irct TRIAL` and `regsync validate irct FILE`."""

from __future__ import annotations

from pathlib import Path

import click

from registry.irct.validate import validate_irct_file
from service.cli.context import AppContext, err, out_file_option, report_problems, snapshot_option
from service.outputs.base import default_target
from service.outputs.irct import OUTPUT
from service.outputs.irct.produce import produce_irct
from service.trialdata import resolve_snapshot


@click.command("irct")
@click.argument("trial")
@out_file_option("XML to write (default: OUTPUT_DIR/TRIAL/registry/irct.xml).")
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
    target = out_file or default_target(app.config, trial, OUTPUT)
    with err.status("Writing the ICTRP record …"):
        produced = produce_irct(app.engine, snapshot, target, entry_sheet, app.config.render_memory_mb)
    report_problems(f"{trial}: wrote {target} (snapshot {snapshot.id})", produced.problems, produced.warnings,
                    OUTPUT.validated_against)  # fmt: skip


@click.command("irct")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def validate_irct_command(file: Path) -> None:
    """Check a WHO ICTRP record against the 2017 WHO DTD and the ICTRP XSD."""
    report_problems(f"{file}: checked", validate_irct_file(file), (), OUTPUT.validated_against)
