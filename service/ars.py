"""The analysis results data as a CDISC Analysis Results Standard (ARS v1.0) ReportingEvent (ars.json).

The same statistics as ard.csv (service.ard), in ARS's model: the populations are its analysis sets (ADSL flag
= "Y"); the arm, SOC, parameter, visit and each summarised variable's levels are its groupings (data-driven);
each ARD context is a method whose operations are the statistics it gives; each (table, variable, method,
population) is an analysis, whose results are OperationResults with their groups. A comparison's comparator arm is
a grouping of its own (COMPARATOR). The document validates against ars_ldm.schema.json (tests).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from service import __version__
from service.ard import STAT_LABELS, ArdRow
from service.results import AnalysisResults
from service.stats import percent_of_proportion

SAFETY_TABLES = ("ae_", "exposure", "listing_")
OUTCOME_TABLES = ("outcome_", "monitoring")
PURPOSES = {"SAFETY": "Safety", "EFFICACY": "Efficacy", "DESCRIPTIVE": "Study conduct and baseline description"}
COMPARATOR = "COMPARATOR"


def _purpose(analysis: str) -> str:
    if analysis.startswith(SAFETY_TABLES):
        return "SAFETY"
    return "EFFICACY" if analysis.startswith(OUTCOME_TABLES) else "DESCRIPTIVE"


def _groups(row: ArdRow) -> list[tuple[str, str]]:
    """The row's (grouping variable, value) pairs, the summarised variable's level and the comparator included."""
    pairs = [(row.group1, row.group1_level), (row.group2, row.group2_level), (row.group3, row.group3_level),
             (row.group4, row.group4_level)]  # fmt: skip
    found = [(name, value) for name, value in pairs if name and value]
    if row.variable_level:
        found.append((row.variable, row.variable_level))
    if row.comparator:
        found.append((COMPARATOR, row.comparator))
    return found


def _formatted(row: ArdRow) -> str:
    value = row.stat
    if value is None:
        return "not collected" if "not collected" in row.stat_label else ""
    if row.stat_name == "p" and isinstance(value, float):
        return f"{percent_of_proportion(value):.1f}"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def build_ars(rows: list[ArdRow], results: AnalysisResults) -> dict[str, Any]:
    populations = sorted({row.population for row in rows})
    set_ids = {flag: f"AS_{flag or 'ALL'}" for flag in populations}
    analysis_sets = [
        {"id": set_ids[flag], "name": flag or "All participants", "level": 1, "order": order,
         **({"condition": {"dataset": "ADSL", "variable": flag, "comparator": "EQ", "value": ["Y"]}} if flag else {})}
        for order, flag in enumerate(populations, start=1)
    ]  # fmt: skip
    grouping_names: dict[str, None] = {}
    methods: dict[str, dict[str, None]] = defaultdict(dict)
    analyses: dict[tuple[str, str, str, str], list[ArdRow]] = defaultdict(list)
    for row in rows:
        for name, _ in _groups(row):
            grouping_names.setdefault(name)
        methods[row.context].setdefault(row.stat_name)
        analyses[(row.analysis, row.variable, row.context, row.population)].append(row)
    groupings = [
        {"id": f"GF_{name}", "name": name, "dataDriven": True,
         **({"groupingVariable": name} if name != COMPARATOR else {"description": "The arm an estimate is against"})}
        for name in grouping_names
    ]  # fmt: skip
    method_list = [
        {"id": f"MTH_{context}", "name": context,
         "operations": [{"id": f"MTH_{context}_{stat}", "name": stat, "label": STAT_LABELS.get(stat, stat),
                         "order": order} for order, stat in enumerate(stats, start=1)]}
        for context, stats in methods.items()
    ]  # fmt: skip
    analysis_list = []
    contents: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for number, ((table, variable, context, population), members) in enumerate(analyses.items(), start=1):
        analysis_id = f"AN_{number:05d}"
        used = list(dict.fromkeys(name for row in members for name, _ in _groups(row)))
        analysis_list.append({
            "id": analysis_id,
            "name": f"{table}: {variable} ({context})",
            "reason": {"controlledTerm": "SPECIFIED IN SAP"},
            "purpose": {"sponsorTermId": f"PURPOSE_{_purpose(table)}"},
            "methodId": f"MTH_{context}",
            "analysisSetId": set_ids[population],
            "variable": variable,
            "orderedGroupings": [{"order": order, "groupingId": f"GF_{name}", "resultsByGroup": True}
                                 for order, name in enumerate(used, start=1)],
            "results": [
                {"operationId": f"MTH_{context}_{row.stat_name}",
                 "resultGroups": [{"groupingId": f"GF_{name}", "groupValue": value} for name, value in _groups(row)],
                 "rawValue": "" if row.stat is None else str(row.stat), "formattedValue": _formatted(row)}
                for row in members
            ],
        })  # fmt: skip
        contents[table].append({"name": f"{variable} ({context})", "level": 2, "order": len(contents[table]) + 1,
                                "analysisId": analysis_id})  # fmt: skip
    titles = {name: table.title for name, table in results.tables.items()}
    return {
        "id": f"RE_{results.trial_id}_{results.snapshot_id or 0}",
        "name": f"{results.trial_id}: analysis results of snapshot {results.snapshot_id or '-'}",
        "description": f"Written by regsync {__version__} from data content hash {results.content_hash or '-'}"
        + (f", data cut-off {results.data_cutoff.isoformat()}" if results.data_cutoff else ""),
        "version": 1,
        "terminologyExtensions": [
            {
                "id": "TE_PURPOSE",
                "enumeration": "AnalysisPurposeEnum",
                "sponsorTerms": [
                    {"id": f"PURPOSE_{term}", "submissionValue": term, "description": text}
                    for term, text in PURPOSES.items()
                ],
            }
        ],
        "analysisSets": analysis_sets,
        "analysisGroupings": groupings,
        "methods": method_list,
        "analyses": analysis_list,
        "mainListOfContents": {
            "name": "Analysis tables",
            "contentsList": {
                "listItems": [
                    {"name": titles.get(table, table), "level": 1, "order": order, "sublist": {"listItems": items}}
                    for order, (table, items) in enumerate(contents.items(), start=1)
                ]
            },
        },
    }


def render_ars(rows: list[ArdRow], results: AnalysisResults) -> bytes:
    return (json.dumps(build_ars(rows, results), indent=1, ensure_ascii=False) + "\n").encode("utf-8")
