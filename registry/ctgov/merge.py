"""Putting our results into a record downloaded from PRS (`prs:study_collection/clinical_study`), keeping its
protocol section as it is, and checking the whole against ProtocolRecordSchema.xsd."""

from __future__ import annotations

import copy
from pathlib import Path

from lxml import etree

from registry.ctgov.build import RRS
from registry.xmlsafe import parse_untrusted
from service.errors import DataError

PRS = "http://clinicaltrials.gov/prs"


def merge_into_record(record: Path, result: etree._Element, org_study_id: str | None = None) -> etree._Element:
    """The downloaded record with its rrs:result replaced by `result` (a copy); `org_study_id` picks the study
    when the download holds several."""
    root = parse_untrusted(record).getroot()
    if root.tag != f"{{{PRS}}}study_collection":
        raise DataError(
            f"the root element is {root.tag}, not prs:study_collection",
            file=str(record),
            hint="Download the record from PRS: Records → Download Record (XML).",
        )
    studies = root.findall("clinical_study")
    if org_study_id is not None:
        studies = [s for s in studies if s.findtext("id_info/org_study_id") == org_study_id] or studies
    if len(studies) != 1:
        raise DataError(
            f"holds {len(studies)} clinical_study records; expected the one for this trial",
            file=str(record),
            hint="Download the single record, or give the trial's study_id in trial.toml to pick it.",
        )
    study = studies[0]
    for old in study.findall(f"{{{RRS}}}result"):
        study.remove(old)
    disposition = study.find(f"{{{RRS}}}resultDisposition")
    ours = copy.deepcopy(result)
    if disposition is not None:
        disposition.addprevious(ours)
    else:
        study.append(ours)
    return root
