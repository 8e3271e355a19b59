"""`regsync registry ctgov TRIAL` and `regsync validate ctgov FILE`."""

from __future__ import annotations

from pathlib import Path

import click

from registry.ctgov.build import SECTIONS
from registry.ctgov.validate import explain as explain_problem
from registry.ctgov.validate import validate_ctgov_file
from service.cli.context import AppContext, err, out_file_option, report_problems, snapshot_option
from service.outputs.base import default_target
from service.outputs.ctgov import OUTPUT
from service.outputs.ctgov.produce import produce_ctgov
from service.trialdata import resolve_snapshot


@click.command("ctgov")
@click.argument("trial")
@out_file_option("XML to write (default: OUTPUT_DIR/TRIAL/registry/ctgov-results.xml).")
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
@click.option("--upload", is_flag=True,
              help="Download the record from PRS, merge the results into it, validate, show the changes, confirm, "
              "and upload it (never released). Credentials from REGSYNC_PRS_ORG, REGSYNC_PRS_USER, "
              "REGSYNC_PRS_PASSWORD.")  # fmt: skip
@click.option("--yes", is_flag=True, help="With --upload: upload without asking.")
@snapshot_option
@click.pass_obj
def registry_ctgov_command(
    app: AppContext, trial: str, out_file: Path | None, partial: str | None, merge: Path | None, upload: bool,
    yes: bool, snapshot_id: int | None,
) -> None:  # fmt: skip
    """Write the ClinicalTrials.gov PRS results XML and validate it (exit 1 when it fails, after the list)."""
    if upload and (merge is not None or partial is not None):
        raise click.UsageError("--upload downloads the record itself and sends it whole: not with --merge or --partial")
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
    target = out_file or default_target(app.config, trial, OUTPUT)
    if upload:
        from service.outputs.ctgov.upload import upload_to_prs

        upload_to_prs(app, trial, snapshot, target.with_name("prs-upload.xml") if out_file is None else target, yes)
        return
    with err.status("Writing the PRS results XML …"):
        produced = produce_ctgov(app.engine, snapshot, target, sections, partial is not None, merge)
    report_problems(f"{trial}: wrote {target} (snapshot {snapshot.id})", produced.problems, produced.warnings,
                    OUTPUT.validated_against)  # fmt: skip


@click.command("ctgov")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--explain", is_flag=True, help="After each problem, the data element definition it rests on.")
def validate_ctgov_command(file: Path, explain: bool) -> None:
    """Check a PRS results document (rrs:result) or a PRS record (prs:study_collection) as PRS reviews it:
    problems PRS rejects (exit 1), and comments a reviewer would send back (exit 0)."""
    report_problems(f"{file}: checked", validate_ctgov_file(file), (), OUTPUT.validated_against,
                    explain_problem if explain else None)  # fmt: skip
