"""The PRS results XML of one snapshot, written, validated and recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree
from sqlalchemy import Engine

from registry.ctgov.build import SECTIONS, build_result
from registry.ctgov.merge import merge_into_record
from registry.ctgov.validate import check_schema, validate_result
from service.artifacts import record_artifacts
from service.atomic import write_atomic
from service.models import Snapshot
from service.outputs.base import Output, Produced, Production
from service.trialdata import read_and_analyse

if TYPE_CHECKING:
    from service.outputs.base import Analysed


def produce(output: Output, production: Production) -> Produced:
    return produce_ctgov(production.engine, production.snapshot, production.target(output),
                         analysed=production.analysed())  # fmt: skip


def produce_ctgov(
    engine: Engine,
    snapshot: Snapshot,
    target: Path,
    sections: tuple[str, ...] = SECTIONS,
    partial: bool = False,
    merge: Path | None = None,
    analysed: Analysed | None = None,
    record: bool = True,
) -> Produced:
    """The PRS results XML (or, with `merge`, the downloaded PRS record with it), written and validated; the
    file is written even when it fails validation, so the data manager can see what to fix. Without `record`, it
    is not recorded as an artifact (an upload records it once PRS has accepted it)."""
    data, results = analysed or read_and_analyse(engine, snapshot)
    built = build_result(data, results, sections, partial)
    found = validate_result(built.root)
    problems = [p for p in found if p.rejects]  # a reviewer's comments do not stop an upload: they are warnings
    comments = [f"a PRS reviewer would comment: {p}" for p in found if not p.rejects]
    document = built.root
    if merge is not None:
        document = merge_into_record(merge, built.root, data.definition.study_id, data.definition.nct_id)
        problems += check_schema(document, "ProtocolRecordSchema.xsd")
    content = etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    digest = write_atomic(target, content)
    options = {"sections": list(sections), "partial": partial, "merge": str(merge) if merge else None,
               "valid": not problems}  # fmt: skip
    if record:
        record_artifacts(engine, snapshot, "ctgov", {target: digest}, options, now=datetime.now(UTC))
    return Produced("ctgov", {target: digest}, tuple(problems), (*built.warnings, *comments))
