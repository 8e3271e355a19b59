"""Putting our results into a record downloaded from PRS (`prs:study_collection/clinical_study`), keeping its
protocol section as it is, and checking the whole against ProtocolRecordSchema.xsd."""

from __future__ import annotations

import copy
from pathlib import Path

from lxml import etree

from registry.ctgov.build import RRS
from registry.ctgov.identity import check_record_identity
from registry.xmlsafe import parse_untrusted
from service.errors import DataError

PRS = "http://clinicaltrials.gov/prs"


def merge_into_record(record: Path, result: etree._Element, org_study_id: str | None = None,
                      nct_id: str | None = None) -> etree._Element:  # fmt: skip
    """The downloaded record with its rrs:result replaced by `result` (a copy). With the trial's `org_study_id`,
    the record must be the trial's (registry.ctgov.identity); without, it must hold one study."""
    root = parse_untrusted(record).getroot()
    if org_study_id is not None:
        _replace_result(check_record_identity(root, org_study_id, nct_id, str(record)), result)
        return root
    if root.tag != f"{{{PRS}}}study_collection":
        raise DataError(
            f"the root element is {root.tag}, not prs:study_collection",
            file=str(record),
            hint="Download the record from PRS: Records → Download Record (XML).",
        )
    studies = root.findall("clinical_study")
    if len(studies) != 1:
        raise DataError(
            f"holds {len(studies)} clinical_study records; expected the one for this trial",
            file=str(record),
            hint="Download the single record, or give the trial's study_id in trial.toml.",
        )
    _replace_result(studies[0], result)
    return root


def _replace_result(study: etree._Element, result: etree._Element) -> None:
    for old in study.findall(f"{{{RRS}}}result"):
        study.remove(old)
    disposition = study.find(f"{{{RRS}}}resultDisposition")
    ours = copy.deepcopy(result)
    if disposition is not None:
        disposition.addprevious(ours)
    else:
        study.append(ours)
