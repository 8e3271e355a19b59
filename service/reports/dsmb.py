"""The DSMB report: the context its template renders, for the open (pooled) or closed (by arm) session."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pandas as pd
from markupsafe import Markup

from service import __version__
from service.analysis import build_analysis
from service.importing.records import ImportedTrial
from service.monitoring.plan import parse_monitoring
from service.monitoring.rows import Evidence
from service.reports.ae_table import build_ae_table, count_cell
from service.reports.changes import PreviousReport, summarise_changes
from service.reports.decision import by_comparison, comparison_name, decision_facts
from service.reports.figures import (
    ae_incidence_plot,
    ae_incidence_terms,
    consort_diagram,
    enrollment_chart,
    monitoring_plot,
    trajectory_plot,
)
from service.reports.lab_pages import LabPages, build_lab_pages, lab_outline
from service.reports.listing import Column, FixedPitchListing, set_listing
from service.reports.masked import arm_display_names, compared_arms, every_pair, letter_order, mask_tables, masked_rows
from service.reports.pooled import analyses_left_to_closed, pooled_notes, remove_arm_assignment
from service.reports.precision import PRECISION_NOTE, data_precision, estimate_decimals
from service.reports.safety_pages import safety_pages
from service.reports.templating import format_number
from service.reports.vital_pages import LAB_VISITS_OUTLINE, VITALS_OUTLINE, build_visit_pages
from service.results import (
    TOTAL,
    AnalysisResults,
    ExposureRow,
    ListingRow,
    MonitoringRow,
    SiteRow,
    Table,
)
from service.safety.special_interest_report import special_interest_context
from service.tables_export import render_csv

SESSIONS = ("open", "closed")


@dataclass(frozen=True)
class DsmbOptions:
    session: str
    report_date: date
    data_cutoff: date | None
    content_hash: str
    snapshot_id: int | None
    organisation: str = ""
    unmask: bool = False
    final: bool = False
    masking_key: dict[str, str] | None = None  # arm label -> letter (service.masking); None: by the arms' order


def _trajectories(
    data: ImportedTrial,
    tables: Mapping[str, Table[Any]],
    arms: Sequence[str],
    decimals: Mapping[str, int],
    names: Mapping[str, str],
) -> list[tuple[str, str, Markup]]:
    """(anchor, title, figure) for each primary and key secondary outcome measured at two visits or more."""
    from service.outcomes.definition import parse_outcomes

    if "outcome_summary" not in tables:
        return []
    found = []
    for number, spec in enumerate(parse_outcomes(data.definition.raw), start=1):
        if spec.outcome_type != "primary" and not spec.key_secondary:
            continue
        rows = [r for r in tables["outcome_summary"].rows if r.parameter == spec.parameter and r.title == spec.title]
        figure = trajectory_plot(rows, arms, names, decimals.get(spec.parameter, 2))
        if figure is not None:
            found.append((f"trajectory-{number}", f"{spec.title} over time, by arm", figure))
    return found


def _baseline_decimals(data: ImportedTrial, precision: Mapping[str, int]) -> dict[str, int]:
    """The data's precision by baseline characteristic: each [[baseline]] parameter's, by its title."""
    from service.importing.definition import baseline_entries

    return {e.title: precision[e.name] for e in baseline_entries(data.definition.raw) if e.name in precision}


def _printed_key(arms: Sequence[str], options: DsmbOptions) -> dict[str, str]:
    """Letter -> arm, for the unmasked edition only, so the unblinded reader can map the masked edition's letters."""
    if not options.masking_key:
        return {}
    letters = arm_display_names(tuple(arms), unmask=False, key=options.masking_key)
    return dict(sorted((letters[arm], arm) for arm in arms))


def alpha_words(rows: Sequence[MonitoringRow]) -> str:
    """A comparison's α through its looks: "α 0.025", or under Holm "α 0.025, then 0.05" once another crossed."""
    levels = list(dict.fromkeys(r.alpha_level for r in rows if r.alpha_level is not None))
    return f"α {', then '.join(f'{level:g}' for level in levels)}" if levels else ""


def build_dsmb_context(
    data: ImportedTrial,
    options: DsmbOptions,
    *,
    ae_frame: pd.DataFrame | None = None,
    previous: ImportedTrial | None = None,
    previous_report: PreviousReport | None = None,
    previous_frame: pd.DataFrame | None = None,
    monitoring_looks: Mapping[int, Evidence] | None = None,
) -> dict[str, Any]:
    """Everything the template prints. `ae_frame` is every AE as a frame (service.safety.frame), when the caller
    read the snapshot that way; `previous` is the data of the previous report, for what changed since;
    `monitoring_looks` the data of the monitoring plan's done looks (service.monitoring.looks)."""
    if options.session not in SESSIONS:
        raise ValueError(f"session must be one of {SESSIONS}")
    closed = options.session == "closed"
    masked = closed and not options.unmask
    analysed = data if closed else remove_arm_assignment(data)
    if previous is not None and not closed:
        previous = remove_arm_assignment(previous)
    labels = tuple(data.arm_labels.values())
    names = arm_display_names(labels, options.unmask, options.masking_key) if closed else {TOTAL: "All participants"}
    results = build_analysis(
        analysed,
        snapshot_id=options.snapshot_id,
        content_hash=options.content_hash,
        data_cutoff=options.data_cutoff,
        ae_frame=ae_frame,
        comparative=closed,  # the open edition: no comparison, no boundary, no observed z, no SAP analysis
        monitoring_looks=monitoring_looks if closed else None,
        pair_order=letter_order(labels, names) if masked and every_pair(labels) else None,
    )
    if not closed:
        results = replace(results, tables={name: pooled_notes(table) for name, table in results.tables.items()})
    elif masked:
        results = replace(results, tables=mask_tables(results.tables, names, results.control))
    # Masked, the columns follow the letters: their order says nothing of the arms' order in the definition.
    columns = [*(letter_order(results.arms, names) if masked else results.arms), TOTAL] if closed else [TOTAL]
    compared = compared_arms(columns[:-1], results.control, names, masked) if closed else {}
    arm_names = {code: names.get(label, label) for code, label in analysed.arm_labels.items()}
    definition = data.definition
    tables = results.tables
    plan = parse_monitoring(definition.raw) if closed else None
    monitoring = tables["monitoring"].rows if plan is not None and "monitoring" in tables else ()
    precision = data_precision(data.measurements)  # every measurement read once, for the baseline table and the figures
    figures = {
        "enrollment": enrollment_chart(tables["enrollment"].rows, definition.target_enrollment)
        if tables["enrollment"].rows
        else None,
        "consort": consort_diagram(tables["disposition"].rows, columns, names),
        "ae_incidence": ae_incidence_plot(
            tables["ae_soc_pt"].rows, columns[:-1], compared, None if masked else results.control, names
        )
        if closed
        else None,
        "monitoring": [
            (comparison_name(arm, control, names), monitoring_plot(rows, plan.sides))
            for (arm, control), rows in by_comparison(monitoring)
        ]
        if plan is not None
        else [],
        "trajectories": _trajectories(data, tables, columns[:-1], precision, names) if closed else [],
    }
    pages = safety_pages(tables, columns, names, closed)
    figures["discontinuation_time"] = pages["km_figure"]
    aesi_pages = special_interest_context(tables, columns, names)
    figures["aesi_km"] = aesi_pages["figures"] if closed else None
    labs = build_lab_pages(tables, columns, names, closed)
    outline = report_outline(closed, figures, bool(monitoring), bool(compared),
                             {"discontinuation-time": tables["discontinuation_time"].title}, labs)  # fmt: skip
    changes = None
    if previous is not None and previous_report is not None and previous_report.snapshot.id is not None:
        changes = summarise_changes(previous, analysed, previous_report.snapshot.id, previous_report.data_cutoff,
                                    previous_frame=previous_frame, current_frame=ae_frame)  # fmt: skip
    return {
        "session": options.session,
        "session_label": "OPEN SESSION" if options.session == "open" else "CLOSED SESSION",
        "draft": not options.final,
        "trial": {
            "id": data.trial_id,
            "title": definition.title or data.trial_id,
            "acronym": definition.acronym,
            "phase": definition.phase,
            "nct_id": definition.nct_id,
            "irct_id": definition.irct_id,
            "target_enrollment": definition.target_enrollment,
        },
        "report_date": options.report_date.isoformat(),
        "pdf_date": f"{options.report_date.isoformat()}T00:00:00Z",
        "data_cutoff": options.data_cutoff.isoformat() if options.data_cutoff else "not stated",
        "content_hash": options.content_hash,
        "snapshot_id": options.snapshot_id,
        "software_version": __version__,
        "organisation": options.organisation or "—",
        "columns": columns,
        "names": names,
        "arm_names": arm_names,
        "tables": tables,
        "summary": _summary(results, definition.target_enrollment),
        "decision_facts": decision_facts(results, names, monitoring, columns[:-1], precision) if closed else [],
        "changes": changes,
        "new_event_counts": [
            (names[label], changes.new_events.get(code, 0))
            for label in columns[:-1]
            for code, own in analysed.arm_labels.items()
            if own == label
        ]
        if changes is not None and closed
        else [],
        "figures": figures,
        "labs": labs,
        "outline": outline,
        "outline_by": {entry.anchor: entry for entry in outline},
        "show_outcomes": closed,
        "masked": masked,
        "comparison_labels": compared,
        "ae_incidence_terms": ae_incidence_terms(len(compared)),
        # Three arms or more: count cells may wrap at their spaces so that every column stays on the page.
        "arm_table_class": "many-arms" if len(columns) > 3 else "",
        "count_cell": count_cell,
        "ae_table": lambda table: build_ae_table(table.name, table.rows, columns, names, compared),
        "left_to_closed": [] if closed else analyses_left_to_closed(data.definition.raw, _has_control(data)),
        "masking_key": _printed_key(results.arms, options) if closed and options.unmask else {},
        "serious_listing": serious_listing(tables["listing_serious"].rows, names if closed else None),
        "monitoring_groups": [
            (comparison_name(arm, control, names), rows, alpha_words(rows))
            for (arm, control), rows in by_comparison(monitoring)
        ],
        "visit_pages": build_visit_pages(tables, columns, names),
        "rows_by": rows_by,
        "aesi": aesi_pages,
        "baseline_rows": baseline_rows,
        "baseline_decimals": _baseline_decimals(data, precision),
        "decimals": lambda row: estimate_decimals(row, precision),
        "precision_note": PRECISION_NOTE,
        "exposure_lines": exposure_lines,
        "disposition_lines": disposition_lines,
        "sites": site_lines,
        **pages,
        "attachments": {
            f"{name}.csv": render_csv(masked_rows(table, names) if masked else table) for name, table in tables.items()
        },
    }


# The listings' landscape A4 pages (style.css, @page listing): 297 mm less the 16 mm side margins.
LISTING_LINE_MM = 297 - 2 * 16
LISTING_FONT_PT = 7.0


def serious_listing(rows: Sequence[ListingRow], arm_names: dict[str, str] | None) -> FixedPitchListing:
    """The serious-AE listing as printed: one record per event, with its arm (as shown) in the closed edition."""
    columns, records = serious_listing_fields(rows, arm_names)
    return set_listing(columns, records, line_mm=LISTING_LINE_MM, font_pt=LISTING_FONT_PT)


def serious_listing_fields(
    rows: Sequence[ListingRow], arm_names: dict[str, str] | None
) -> tuple[list[Column], Iterator[tuple[str, ...]]]:
    """The listing's columns and each event's values as printed (the benchmark's plain baseline uses them too)."""
    columns = [
        Column("Participant", wraps=False),
        *([Column("Arm")] if arm_names is not None else []),
        Column("Preferred term (verbatim)"),
        Column("System organ class"),
        Column("Day", align="right", wraps=False),
        Column("Grade", align="right", wraps=False),
        Column("Seriousness criteria"),
        Column("Relationship"),
        Column("Outcome"),
    ]
    records = (
        (
            r.subject_id,
            *([arm_names.get(r.arm, r.arm)] if arm_names is not None else []),
            f"{r.pt} ({r.verbatim})",
            r.soc,
            format_number(r.study_day),
            format_number(r.ctcae_grade),
            r.serious_criteria,
            r.relationship or "—",
            r.outcome or "—",
        )
        for r in rows
    )
    return columns, records


@dataclass(frozen=True)
class OutlineEntry:
    anchor: str
    number: str
    title: str
    level: int  # 1 section, 2 subsection
    kind: str  # "section", "table" or "figure"

    @property
    def label(self) -> str:
        if self.kind == "section":
            return f"{self.number} {self.title}"
        return f"{self.kind.capitalize()} {self.number} — {self.title}"


def report_outline(closed: bool, figures: dict[str, Any], monitoring: bool, differences: bool = True,
                   titles: Mapping[str, str] | None = None, labs: LabPages | None = None
                   ) -> list[OutlineEntry]:  # fmt: skip
    """Sections, tables and figures in the order printed, numbered; the contents and the headings both read it,
    so they cannot disagree. `titles`: an entry's title as its table gives it, by anchor, where it depends on the
    data."""
    titles = titles or {}
    sections: list[tuple[str, str, list[tuple[str, str, str]]]] = [
        ("summary", "Summary", [("table", "changes", "Changes since the previous report")]),
        (
            "enrollment",
            "Enrollment",
            [
                *(
                    [("figure", "enrollment-chart", "Cumulative enrollment against target")]
                    if figures["enrollment"]
                    else []
                ),
                ("table", "enrollment-sites", "Enrollment by site"),
            ],
        ),
        (
            "flow",
            "Participant flow",
            [("figure", "consort", "CONSORT flow diagram"), ("table", "disposition", "Participant flow")],
        ),
        (
            "baseline-exposure",
            "Baseline characteristics and exposure",
            [
                ("table", "baseline", "Baseline characteristics"),
                ("table", "exposure", "Exposure to study treatment"),
            ],
        ),
        (
            "safety",
            "Safety",
            [
                ("table", "ae-overview", "Overview of adverse events"),
                ("table", "ae-soc-pt", "Treatment-emergent adverse events by system organ class and preferred term"),
                *(
                    [
                        (
                            "figure",
                            "ae-incidence",
                            "Adverse event incidence by arm" + (", with risk differences" if differences else ""),
                        )
                    ]
                    if figures["ae_incidence"]
                    else []
                ),
                ("table", "ae-severity", "Treatment-emergent adverse events by maximum severity"),
                ("table", "ae-grade", "Treatment-emergent adverse events by maximum CTCAE grade"),
                ("table", "ae-related", "Related treatment-emergent adverse events"),
                ("table", "ae-serious", "Serious treatment-emergent adverse events"),
                ("table", "ae-discontinuation", "Treatment-emergent adverse events leading to discontinuation"),
                # outline: common AEs, exposure-adjusted rates, subgroups (templates/dsmb/_common_ae.html)
                ("table", "ae-common", "Common treatment-emergent adverse events"),
                ("table", "ae-rates", "Exposure-adjusted incidence rates of treatment-emergent adverse events"),
                ("table", "ae-subgroups", "Overview of treatment-emergent adverse events by subgroup"),
                # outline: AEs of special interest (templates/dsmb/_aesi.html)
                ("table", "aesi", "Adverse events of special interest"),
                *(
                    [
                        ("table", "aesi-differences", "Adverse events of special interest: differences between arms"),
                        ("table", "aesi-time", "Time to the first adverse event of special interest"),
                        *(
                            [("figure", "aesi-km", "Time to the first adverse event of special interest, by arm")]
                            if figures.get("aesi_km")
                            else []
                        ),
                    ]
                    if closed
                    else []
                ),
                ("table", "ae-deaths", "Deaths by timing and cause"),
                ("table", "listing-deaths", "Listing of deaths"),
                # outline: time to treatment discontinuation (templates/dsmb/_discontinuation_time.html)
                *(
                    [
                        (
                            "figure",
                            "discontinuation-figure",
                            titles.get("discontinuation-time", "Time to discontinuation of study treatment"),
                        )
                    ]
                    if figures.get("discontinuation_time")
                    else []
                ),
                (
                    "table",
                    "discontinuation-time",
                    titles.get("discontinuation-time", "Time to discontinuation of study treatment"),
                ),
                ("table", "listing-serious", "Listing of serious adverse events"),
            ],
        ),
        # outline: laboratory values (templates/dsmb/_labs.html)
        (
            "laboratory",
            "Laboratory values",
            [
                # outline: value and change from baseline by visit (templates/dsmb/_lab_visits.html)
                *(LAB_VISITS_OUTLINE if labs is None or labs.collected else []),
                *lab_outline(labs),
            ],
        ),
        # outline: vital signs (templates/dsmb/_vitals.html)
        ("vital-signs", "Vital signs", VITALS_OUTLINE),
    ]
    if closed:
        efficacy = [
            ("table", "outcome-estimates", "Efficacy estimates by arm and timepoint"),
            *(("figure", anchor, title) for anchor, title, _ in figures.get("trajectories", [])),
            ("table", "outcomes", "Efficacy comparisons between arms"),
        ]
        if monitoring:
            efficacy += [
                ("table", "monitoring", "Group-sequential monitoring of the primary outcome"),
                ("figure", "monitoring-plot", "Monitoring boundaries and observed z"),
            ]
        sections.append(("efficacy", "Efficacy outcomes by arm", efficacy))
    outline = []
    for number, (anchor, title, items) in enumerate(sections, start=1):
        outline.append(OutlineEntry(anchor, f"{number}.", title, 1, "section"))
        counters = {"table": 0, "figure": 0}
        for kind, item_anchor, item_title in items:
            counters[kind] += 1
            outline.append(OutlineEntry(item_anchor, f"{number}.{counters[kind]}", item_title, 2, kind))
    return outline


def _summary(results: AnalysisResults, target: int | None) -> dict[str, Any]:
    flow = {(r.category, r.arm): r.n for r in results["disposition"].rows}
    overview = {(r.category, r.arm): r.n_subjects for r in results["ae_overview"].rows}
    return {
        "randomized": flow.get(("Randomized", TOTAL), 0),
        "target": target,
        "treated": flow.get(("Treated", TOTAL), 0),
        "with_teae": overview.get(("Any TEAE", TOTAL), 0),
        "with_serious": overview.get(("Any serious TEAE", TOTAL), 0),
        "deaths": overview.get(("Deaths (any cause)", TOTAL), 0),
    }


def disposition_lines(rows: Sequence[Any]) -> list[tuple[str, dict[str, Any]]]:
    """The participant flow as printed, n (% of the randomized arm), Fisher's p beside the Total where asked for:
    the reasons for discontinuation indented under "Discontinued"."""
    lines = rows_by(rows, "category")
    for _category, cells in lines:
        cells["counts"] = {arm: f"{r.n} ({r.percent:.1f}%)" if r.percent is not None else str(r.n)
                           for arm, r in cells["rows"].items()}  # fmt: skip
        tested = [r.p_value for r in cells["rows"].values() if r.p_value is not None]
        if tested:
            cells["counts"][TOTAL] += f"; p = {tested[0]:.3g}"
    milestones = [line for line in lines if line[1]["kind"] != "reason"]
    reasons = [line for line in lines if line[1]["kind"] == "reason"]
    at = next((i + 1 for i, (category, _) in enumerate(milestones) if category == "Discontinued"), len(milestones))
    return milestones[:at] + reasons + milestones[at:]


def exposure_lines(rows: Sequence[ExposureRow]) -> list[tuple[str, dict[str, str]]]:
    lines: dict[str, dict[str, str]] = {}
    for r in rows:
        lines.setdefault("Participants treated", {})[r.arm] = str(r.n_treated)
        lines.setdefault("Administrations, total", {})[r.arm] = str(r.n_administrations)
        lines.setdefault("Administrations per participant, mean (min–max)", {})[r.arm] = (
            f"{r.administrations_mean:.1f} ({r.administrations_min}–{r.administrations_max})"
            if r.administrations_mean is not None
            else "–"
        )
        lines.setdefault("Treatment duration, days, median (min–max)", {})[r.arm] = (
            f"{r.duration_days_median:g} ({r.duration_days_min}–{r.duration_days_max})"
            if r.duration_days_median is not None
            else "–"
        )
        lines.setdefault("Follow-up, participant-years", {})[r.arm] = f"{r.follow_up_years:.1f}"
    return list(lines.items())


def site_lines(rows: Sequence[SiteRow]) -> list[tuple[str, dict[str, SiteRow]]]:
    sites: dict[str, dict[str, SiteRow]] = {}
    for r in rows:
        sites.setdefault(r.site, {})[r.arm] = r
    return list(sites.items())


def rows_by(rows: Sequence[Any], field: str) -> list[tuple[str, dict[str, Any]]]:
    grouped: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = grouped.setdefault(getattr(row, field), {"kind": getattr(row, "kind", ""), "rows": {}, "counts": {}})
        entry["rows"][row.arm] = row
        entry["counts"][row.arm] = getattr(row, "n", None)
    return list(grouped.items())


def baseline_rows(rows: Sequence[Any], decimals: Mapping[str, int] | None = None) -> list[tuple[str, dict[str, str]]]:
    """Baseline characteristics as printed lines: mean (SD), median (Q1–Q3) and min–max for continuous ones,
    n (%) per category. `decimals`: by characteristic, the decimals its data are recorded to (at least one is
    printed), so a C-peptide of 0.52 ng/mL reads 0.52 (0.11), not 0.5 (0.1)."""
    lines: dict[str, dict[str, str]] = {}
    for r in rows:
        if r.category == "":
            unit = f", {r.unit}" if r.unit else ""
            if r.n == 0:
                lines.setdefault(f"{r.characteristic}{unit}: n", {})[r.arm] = "0"
                continue
            d = max(1, (decimals or {}).get(r.characteristic, 1))
            lines.setdefault(f"{r.characteristic}{unit}: n", {})[r.arm] = str(r.n)
            lines.setdefault(f"{r.characteristic}{unit}: mean (SD)", {})[r.arm] = (
                f"{r.mean:.{d}f} ({r.sd:.{d}f})" if r.sd is not None else f"{r.mean:.{d}f}"
            )
            lines.setdefault(f"{r.characteristic}{unit}: median (Q1–Q3)", {})[r.arm] = (
                f"{r.median:.{d}f} ({r.q1:.{d}f}–{r.q3:.{d}f})"
            )
            lines.setdefault(f"{r.characteristic}{unit}: min–max", {})[r.arm] = f"{r.minimum:.{d}f}–{r.maximum:.{d}f}"
        else:
            lines.setdefault(f"{r.characteristic}: {r.category}", {})[r.arm] = (
                f"{r.n} ({r.percent:.1f})" if r.percent is not None else str(r.n)
            )
    return list(lines.items())


def _has_control(data: ImportedTrial) -> bool:
    return any(arm.is_control for arm in data.arms)
