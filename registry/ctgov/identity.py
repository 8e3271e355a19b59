"""Which study a PRS record is: a record downloaded from PRS (or given to --merge) is merged with this trial's
results only when it is this trial's.

ProtocolRecordSchema.xsd identifies a study by its organisation and its Unique Protocol ID
(`clinical_study/id_info/org_study_id`); it has no element for the NCT number, but a download may carry one in
`id_info/nct_id`. The rule, in order:

1. the record holds exactly one `clinical_study`;
2. its `org_study_id` is the trial's `[trial] study_id`;
3. if it carries an NCT number, that is the trial's `[trial] nct_id` (and the definition names one).

Secondary ids are not the record's own identity (one may be a related study's NCT number) and are not compared.
"""

from __future__ import annotations

from lxml import etree

from service.errors import DataError

PRS = "http://clinicaltrials.gov/prs"


def check_record_identity(root: etree._Element, study_id: str, nct_id: str | None, source: str) -> etree._Element:
    """The record's one clinical_study, if it is the trial's; DataError naming `source` otherwise."""
    if root.tag != f"{{{PRS}}}study_collection":
        raise DataError(f"the root element is {root.tag}, not prs:study_collection", file=source,
                        hint="Download the record from PRS: Records → Download Record (XML).")  # fmt: skip
    studies = root.findall("clinical_study")
    if len(studies) != 1:
        raise DataError(f"holds {len(studies)} clinical_study records; expected the one for this trial", file=source,
                        hint="Download the single record of this trial.")  # fmt: skip
    study = studies[0]
    theirs = (study.findtext("id_info/org_study_id") or "").strip()
    if theirs != study_id.strip():
        raise DataError(f"is the record of study '{theirs}', not of this trial ('{study_id}', trial.toml "
                        "[trial] study_id): nothing is merged", file=source,
                        hint="Download this trial's record, or correct [trial] study_id.")  # fmt: skip
    their_nct = (study.findtext("id_info/nct_id") or "").strip()
    if their_nct and their_nct.upper() != (nct_id or "").strip().upper():
        ours = f"'{nct_id}'" if nct_id else "none"
        raise DataError(f"is the record of {their_nct}, and this trial's NCT number (trial.toml [trial] nct_id) is "
                        f"{ours}: nothing is merged", file=source,
                        hint="Download this trial's record, or correct [trial] nct_id.")  # fmt: skip
    return study
