"""A CDISC ARS v1.0 ReportingEvent read back into ARD rows (the long form service.supplied reads).

The document must validate against the ARS schema regsync ships. Each OperationResult becomes one row: its
analysis gives the variable, the method's name the context and the analysis set's condition the population; its
operation's name is the statistic; its result groups are the groupings, data-driven (groupValue) or predefined
(the group's condition value, else its name). A grouping named COMPARATOR is the comparison's comparator, as
regsync writes it; one whose variable is the analysis variable gives the variable's level.
"""

from __future__ import annotations

import json
from typing import Any

from registry.jsonsafe import load_untrusted_json
from service.errors import DataError
from service.outcomes.supplied_rows import checked_row
from service.resources import resource_dir

ARS_SCHEMA = "ars_ldm.schema.json"
COMPARATOR = "COMPARATOR"


def ard_rows_from_ars(content: bytes, name: str) -> list[dict[str, Any]]:
    import jsonschema

    document = load_untrusted_json(content, name)
    schema = json.loads((resource_dir("service.outputs.tables", "schemas") / ARS_SCHEMA).read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(document), key=lambda e: list(map(str, e.path)))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(top)"
        raise DataError(f"is not an ARS ReportingEvent: at {where}, {errors[0].message[:200]}", file=name,
                        hint="Supply a document that validates against the CDISC ARS v1.0 schema.")  # fmt: skip
    sets = {s["id"]: (s.get("condition") or {}).get("variable", "") for s in document.get("analysisSets", [])}
    groupings: dict[str, str] = {}
    group_values: dict[str, str] = {}
    for grouping in document.get("analysisGroupings", []):
        groupings[grouping["id"]] = grouping.get("groupingVariable") or grouping.get("name", grouping["id"])
        for group in grouping.get("groups", []) or []:
            values = (group.get("condition") or {}).get("value") or []
            group_values[group["id"]] = str(values[0]) if values else group.get("name", group["id"])
    methods = {m["id"]: m.get("name", m["id"]) for m in document.get("methods", [])}
    operations = {o["id"]: (o.get("name", o["id"]), o.get("label", o.get("name", ""))) for m in
                  document.get("methods", []) for o in m.get("operations", [])}  # fmt: skip
    rows: list[dict[str, Any]] = []
    for analysis in document.get("analyses", []):
        variable = analysis.get("variable", "")
        for result in analysis.get("results", []):
            stat_name, stat_label = operations.get(result.get("operationId", ""), (result.get("operationId", ""), ""))
            row: dict[str, Any] = {
                "analysis": analysis.get("name", analysis.get("id", "")),
                "population": sets.get(analysis.get("analysisSetId", ""), ""),
                **{f"group{i}{suffix}": "" for i in (1, 2, 3) for suffix in ("", "_level")},
                "variable": variable, "variable_level": "", "comparator": "",
                "context": methods.get(analysis.get("methodId", ""), ""),
                "stat_name": stat_name, "stat_label": stat_label, "stat": result.get("rawValue", ""),
                "row": len(rows) + 1,
            }  # fmt: skip
            slot = 1
            for group in result.get("resultGroups", []):
                grouping = groupings.get(group.get("groupingId", ""), group.get("groupingId", ""))
                value = group.get("groupValue")
                if value is None:
                    value = group_values.get(group.get("groupId", ""), "")
                if grouping == COMPARATOR:
                    row["comparator"] = str(value)
                elif grouping == variable:
                    row["variable_level"] = str(value)
                elif slot <= 3:
                    row[f"group{slot}"], row[f"group{slot}_level"] = grouping, str(value)
                    slot += 1
            rows.append(row)
    return [checked_row(row, name) for row in rows]
