"""`regsync registry ctgov TRIAL --upload`: download the record from PRS, check it is this trial's, merge this
snapshot's results into it (as --merge does), validate the whole, show what will change, ask (or --yes), and upload
it, never released.

The downloaded record is kept beside the upload (registry/prs-download.xml) so that what PRS held before is on
record. Only when PRS confirms the upload (registry.ctgov.prs) is the uploaded file recorded as an artifact and the
upload audited, with the user and organisation, never the password, in one transaction; on anything else nothing
is recorded and the command exits 2 with what PRS said."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from lxml import etree

from registry.ctgov.build import SECTIONS
from registry.ctgov.changes import describe_changes
from registry.ctgov.prs import PrsClient, PrsCredentials
from registry.xmlsafe import parse_untrusted
from service.artifacts import record_artifacts
from service.atomic import write_atomic
from service.cli.context import AppContext, err, report_problems
from service.errors import DataError
from service.models import AuditEntry, Snapshot
from service.outputs.ctgov import OUTPUT
from service.outputs.ctgov.produce import produce_ctgov

DOWNLOADED = "prs-download.xml"


def upload_to_prs(app: AppContext, trial: str, snapshot: Snapshot, target: Path, yes: bool) -> None:
    credentials = PrsCredentials.from_environment()
    client = PrsClient(app.config.registries.prs_url, credentials, app.config.registries.timeout_seconds)
    study_id = (snapshot.definition.get("trial") or {}).get("study_id")
    if not study_id:
        raise DataError("the trial definition names no study_id (the record's Unique Protocol ID in PRS)",
                        file="trial.toml", column="trial.study_id")  # fmt: skip
    nct_id = (snapshot.definition.get("trial") or {}).get("nct_id")
    with err.status(f"Downloading {study_id} from PRS …"):
        downloaded = client.download(str(study_id), str(nct_id) if nct_id else None)
    saved = target.with_name(DOWNLOADED)
    write_atomic(saved, downloaded)
    with err.status("Merging and validating …"):
        produced = produce_ctgov(app.engine, snapshot, target, merge=saved, record=False)
    for warning in produced.warnings:
        err.print(f"warning: {warning}")
    if any(p.rejects for p in produced.problems):
        report_problems(f"{trial}: the merged record {target} is not uploaded", produced.problems, (),
                        OUTPUT.validated_against)  # fmt: skip
    before, after = parse_untrusted(saved).getroot(), parse_untrusted(target).getroot()
    click.echo(f"{trial}: the upload to PRS ({app.config.registries.prs_url}, study {study_id}) will change:")
    for line in describe_changes(before, after):
        click.echo(f"  {line}")
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError("nothing uploaded: confirm at a terminal, or pass --yes")
        click.confirm("Upload this record to PRS (it will not be released)?", abort=True, err=True)
    answer = client.upload(etree.tostring(after, xml_declaration=True, encoding="UTF-8"), target.name)
    _record_upload(app, trial, snapshot, credentials, str(study_id), produced.files, saved)
    click.echo(f"{trial}: uploaded to PRS, not released; PRS said: {answer}")


def _record_upload(app: AppContext, trial: str, snapshot: Snapshot, credentials: PrsCredentials, study_id: str,
                   files: dict[Path, str], saved: Path) -> None:  # fmt: skip
    """The uploaded file as an artifact and the upload on the audit log, together."""
    now = datetime.now(UTC)
    options = {"sections": list(SECTIONS), "partial": False, "merge": str(saved), "valid": True,
               "uploaded_to_prs": study_id}  # fmt: skip
    entry = AuditEntry(at=now, actor=credentials.username, action="prs-upload", trial_id=trial,
                       detail={"organisation": credentials.organisation, "study_id": study_id,
                               "snapshot": snapshot.id, "sha256": next(iter(files.values()), "")})  # fmt: skip
    record_artifacts(app.engine, snapshot, "ctgov", files, options, now=now, also=[entry])
