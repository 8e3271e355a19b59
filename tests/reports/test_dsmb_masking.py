"""The masked closed edition of a trial of three or five arms, and the open edition, as rendered PDFs: no arm string
anywhere (text, metadata, attached tables), every pair of letters compared, nothing tested in the pooled edition."""

from __future__ import annotations

import csv
import itertools
import re
import subprocess
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine

from service.db import open_database
from service.errors import DataError
from service.importing import load_source
from service.outputs.dsmb.produce import DsmbRequest, produce_dsmb
from service.reports.datacut import derive_data_cut
from service.reports.dsmb import DsmbOptions, build_dsmb_context
from service.reports.masked import AE_NOT_COMPARED, EVERY_PAIR_RULE
from service.results import TOTAL, ComparisonRow
from service.snapshots import store_snapshot
from service.trialdata import resolve_snapshot
from tests.reports.multiarm import INTERIM, arms_of, write_multiarm_bundle
from tests.reports.test_dsmb import EXAMPLE, pages

COMPARISON = re.compile(r"Arm ([A-Z])\s*(?:−|/|vs\.?)\s*Arm ([A-Z])")


def arm_strings(k: int) -> list[str]:
    """What a masked edition must not print: each arm's label, code and description's words, and its dose."""
    found: list[str] = []
    for arm in arms_of(k):
        found += [arm.label, arm.code, *(w for w in arm.description.split() if len(w) >= 5 and w.isalpha())]
        if arm.dose:
            found.append(f"{arm.dose:g}")
    return found


def leaks(text: str, k: int) -> list[str]:
    """The arm strings in `text`, as words (a dose as a number: 12.25, not 112.25 or 12.255), also where the
    layout broke a label over lines or the text lost its spaces."""
    flat = " ".join(text.split())
    compact = "".join(text.split())
    found = []
    for s in arm_strings(k):
        number = s[0].isdigit()
        pattern = rf"(?<![\d.]){re.escape(s)}(?!\d)" if number else rf"(?<![A-Za-z]){re.escape(s)}(?![A-Za-z])"
        if re.search(pattern, flat, re.IGNORECASE) or (
            " " in s and re.search(re.escape(s.replace(" ", "")), compact, re.IGNORECASE)
        ):
            found.append(s)
    return found


@dataclass(frozen=True)
class Rendered:
    k: int
    folder: Path
    engine: Engine
    pdfs: dict[str, Path]  # "closed-interim" (first snapshot), "closed-cut" (--cutoff), "closed", "open", ...


@pytest.fixture(scope="module", params=[3, 5], ids=["3 arms", "5 arms"])
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """Both editions of a k-arm trial at an interim snapshot, then of the full data (its changes since the interim
    report), and the closed one of the full snapshot cut at the interim date."""
    k = request.param
    folder = tmp_path_factory.mktemp(f"arms{k}")
    source = write_multiarm_bundle(folder / "bundle", k)
    engine = open_database(f"sqlite:///{folder / 'r.db'}")
    full = load_source(source, f"karm{k}")
    first = store_snapshot(engine, derive_data_cut(full, INTERIM), now=datetime(2026, 1, 1, tzinfo=UTC)).snapshot
    pdfs = {}
    for session in ("open", "closed"):
        pdfs[f"{session}-interim"] = folder / f"{session}-interim.pdf"
        produce_dsmb(engine, first, pdfs[f"{session}-interim"], DsmbRequest(session))
    second = store_snapshot(engine, full, now=datetime(2026, 2, 1, tzinfo=UTC)).snapshot
    for session in ("open", "closed"):
        pdfs[session] = folder / f"{session}.pdf"
        produce_dsmb(engine, second, pdfs[session], DsmbRequest(session))
    pdfs["closed-cut"] = folder / "closed-cut.pdf"
    produce_dsmb(engine, second, pdfs["closed-cut"], DsmbRequest("closed", cutoff=date(2021, 8, 2)))
    return Rendered(k, folder, engine, pdfs)


def text_of(pdf: Path) -> str:
    return "\n".join(pages(pdf)) + "\n" + subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                                         text=True, check=True).stdout  # fmt: skip


def attachments_of(pdf: Path, folder: Path) -> dict[str, str]:
    folder.mkdir()
    subprocess.run(["pdfdetach", "-saveall", "-o", str(folder), str(pdf)], check=True)
    return {path.name: path.read_text(encoding="utf-8") for path in folder.iterdir()}


def metadata_of(pdf: Path) -> str:
    return "".join(subprocess.run(["pdfinfo", *flag, str(pdf)], capture_output=True, text=True, check=True).stdout
                   for flag in ([], ["-meta"]))  # fmt: skip


def test_the_fixture_prints_its_arm_strings_where_the_arms_are_named(rendered: Rendered, tmp_path: Path) -> None:
    """The leak check finds what it looks for: the unmasked edition names every arm, and its trend footnote the
    doses (so a masked edition without them has left them out, not never had them)."""
    unmasked = tmp_path / "unmasked.pdf"
    engine = rendered.engine
    snapshot = resolve_snapshot(engine, f"karm{rendered.k}", None)
    produce_dsmb(engine, snapshot, unmasked, DsmbRequest("closed", unmask=True))
    found = leaks(text_of(unmasked), rendered.k)
    labels_and_doses = [s for a in arms_of(rendered.k) for s in (a.label, f"{a.dose:g}") if a.dose]
    assert set(labels_and_doses) <= set(found)


@pytest.mark.parametrize("edition", ["closed", "closed-interim", "closed-cut", "open", "open-interim"])
def test_no_arm_string_in_a_masked_or_open_edition(rendered: Rendered, edition: str, tmp_path: Path) -> None:
    pdf = rendered.pdfs[edition]
    assert leaks(text_of(pdf), rendered.k) == []
    assert leaks(metadata_of(pdf), rendered.k) == []
    attached = attachments_of(pdf, tmp_path / "attached")
    assert "ae_soc_pt.csv" in attached and (("outcome_comparison.csv" in attached) is edition.startswith("closed"))
    assert {name: leaks(text, rendered.k) for name, text in attached.items() if leaks(text, rendered.k)} == {}


@pytest.mark.parametrize("edition", ["closed", "closed-interim", "closed-cut"])
def test_every_pair_of_letters_is_compared_and_no_letter_is_in_every_comparison(rendered: Rendered,
                                                                               edition: str) -> None:  # fmt: skip
    text = " ".join(text_of(rendered.pdfs[edition]).split())
    shown = COMPARISON.findall(text)
    letters = [chr(ord("A") + i) for i in range(rendered.k)]
    assert set(shown) == set(itertools.combinations(letters, 2))  # every pair, each in letter order
    assert set.intersection(*(set(pair) for pair in shown)) == set()
    assert "Arm A − Arm B" in text and "Trend over doses" in text
    assert " vs Arm" not in text and "(control)" not in text and "against Arm" not in text


def test_the_summary_states_the_primary_comparisons_in_letter_order(rendered: Rendered) -> None:
    summary = " ".join(" ".join(pages(rendered.pdfs["closed"])[2:4]).split())
    primary = r"Primary outcome, Symptom score, at Week 16: difference in LS means, (Arm [A-Z]) − (Arm [A-Z])"
    stated = re.findall(primary, summary)
    letters = [f"Arm {chr(ord('A') + i)}" for i in range(rendered.k)]
    assert stated == list(itertools.combinations(letters, 2))
    serious = re.search(r"serious treatment-emergent adverse event: (.*?)\. Deaths", summary)
    assert serious is not None and re.findall(r"Arm ([A-Z])", serious.group(1)) == [a[-1] for a in letters]


def test_the_masked_ae_tables_compare_no_letters_and_say_why(rendered: Rendered) -> None:
    text = " ".join(text_of(rendered.pdfs["closed"]).split())
    assert "RD (95% CI)" not in text and AE_NOT_COMPARED in text
    assert "Figure 5.1 — Adverse event incidence by arm" in text and "Risk difference vs" not in text
    assert "Risk difference, Arm" not in text


def test_the_changes_since_the_interim_report_name_arms_by_letter_only(rendered: Rendered) -> None:
    text = " ".join(text_of(rendered.pdfs["closed"]).split())
    counts = re.search(r"new adverse events of any seriousness \(([^)]*)\)", text)
    assert counts is not None, "the fixture has AEs after the interim cut-off"
    assert re.findall(r"Arm ([A-Z]) \d+", counts.group(1)) == [chr(ord("A") + i) for i in range(rendered.k)]


# -- The numbers: every pair computed from the data by the SAP's method ------------------------------------------

KEY = {"Xanomeline High Dose": "A", "Placebo": "B", "Xanomeline Low Dose": "C"}  # the control's letter in the middle


@pytest.fixture(scope="module")
def three_arms(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object], dict[str, object]]:
    source = write_multiarm_bundle(tmp_path_factory.mktemp("three") / "bundle", 3)
    data = load_source(source, "karm3")
    masked = build_dsmb_context(data, DsmbOptions("closed", date(2022, 1, 1), None, "h", 1, masking_key=KEY))
    unmasked = build_dsmb_context(data, DsmbOptions("closed", date(2022, 1, 1), None, "h", 1, unmask=True,
                                                    masking_key=KEY))  # fmt: skip
    return source, masked, unmasked


def comparisons(context: dict[str, object], title: str, visit: str) -> dict[tuple[str, str], ComparisonRow]:
    rows = context["tables"]["outcome_comparison"].rows  # type: ignore[index]
    return {(r.arm, r.control): r for r in rows if r.title == title and r.visit == visit}


def by_hand_ancova(source: Path) -> dict[str, float]:
    """Each arm's coefficient in the Week 16 ANCOVA (value ~ arm + baseline), Placebo the reference, by least
    squares on the bundle's CSV files as written (no importer)."""
    arms = {}
    with (source / "participants.csv").open() as handle:
        arms = {row["subject_id"]: row["arm"] for row in csv.DictReader(handle) if row["arm"]}
    base: dict[str, float] = {}
    week16: dict[str, float] = {}
    with (source / "measurements.csv").open() as handle:
        for row in csv.DictReader(handle):
            if row["parameter"] == "SCORE" and row["visit"] == "Baseline":
                base[row["subject_id"]] = float(row["value"])
            elif row["parameter"] == "SCORE" and row["visit"] == "Week 16":
                week16[row["subject_id"]] = float(row["value"])
    subjects = sorted(week16)
    x = np.array([[1.0, arms[s] == "XLOW", arms[s] == "XHIGH", base[s]] for s in subjects], dtype=float)
    beta, *_ = np.linalg.lstsq(x, np.array([week16[s] for s in subjects]), rcond=None)
    return {"Placebo": 0.0, "Xanomeline Low Dose": float(beta[1]), "Xanomeline High Dose": float(beta[2])}


def test_every_pair_of_letters_is_computed_from_the_data(three_arms) -> None:  # type: ignore[no-untyped-def]
    source, masked, unmasked = three_arms
    high, placebo, low = "Xanomeline High Dose", "Placebo", "Xanomeline Low Dose"  # Arm A, B, C
    shown = comparisons(masked, "Symptom score", "Week 16")
    assert list(shown) == [(high, placebo), (high, low), (placebo, low), (TOTAL, "")]  # A−B, A−C, B−C, trend
    coefficient = by_hand_ancova(source)
    for arm, other in ((high, placebo), (high, low), (placebo, low)):
        assert shown[(arm, other)].estimate == pytest.approx(coefficient[arm] - coefficient[other], abs=1e-9)
    # The SAP's comparisons (each arm against Placebo) are in the unmasked edition only, and agree.
    sap = comparisons(unmasked, "Symptom score", "Week 16")
    assert list(sap) == [(low, placebo), (high, placebo), (TOTAL, "")]
    assert shown[(placebo, low)].estimate == pytest.approx(-sap[(low, placebo)].estimate)
    assert shown[(placebo, low)].p_value == pytest.approx(sap[(low, placebo)].p_value)
    assert shown[(TOTAL, "")].estimate == sap[(TOTAL, "")].estimate  # the trend test, the same in both
    assert "doses Placebo 0" in sap[(TOTAL, "")].note and "Placebo" not in shown[(TOTAL, "")].note


def test_ratios_and_risk_differences_of_two_active_arms_by_hand(three_arms) -> None:  # type: ignore[no-untyped-def]
    _, masked, unmasked = three_arms
    high, placebo, low = "Xanomeline High Dose", "Placebo", "Xanomeline Low Dose"
    estimates = {(r.title, r.arm): r for r in masked["tables"]["outcome_estimates"].rows if r.visit == "Week 16"}
    # Responders: the difference of the arms' percentages.
    responders = comparisons(masked, "Score improved by 2 or more", "Week 16")[(high, low)]
    share = {arm: estimates[("Score improved by 2 or more", arm)].estimate for arm in (high, low)}
    assert responders.estimate == pytest.approx(share[high] - share[low])
    # Poisson regression on the arm alone: each arm's fitted rate is its mean count, so the rate ratio is theirs.
    falls = comparisons(masked, "Falls in the past month", "Week 16")[(high, low)]
    mean = {arm: estimates[("Falls in the past month", arm)].n_events / estimates[("Falls in the past month", arm)].n
            for arm in (high, low)}  # fmt: skip
    assert falls.estimate == pytest.approx(mean[high] / mean[low], rel=1e-6)
    # One Cox model: the hazard ratio of High over Low is theirs against Placebo divided.
    visit = next(r.visit for r in masked["tables"]["outcome_comparison"].rows if r.title == "Time to rescue medication")
    hazard = comparisons(masked, "Time to rescue medication", visit)
    sap = comparisons(unmasked, "Time to rescue medication", visit)
    assert hazard[(high, low)].estimate == pytest.approx(sap[(high, placebo)].estimate / sap[(low, placebo)].estimate)
    assert hazard[(placebo, low)].estimate == pytest.approx(1 / sap[(low, placebo)].estimate)
    assert masked["tables"]["outcome_comparison"].footnotes[0] == EVERY_PAIR_RULE


def test_monitoring_reads_the_saps_comparison_in_either_edition(three_arms) -> None:  # type: ignore[no-untyped-def]
    """The same looks, boundaries and z in both editions; masked (three arms), each SAP comparison is named by its
    number, without its arms or its estimate, which the every-pair table would match to a pair of letters."""
    _, masked, unmasked = three_arms
    hidden = {"arm": "", "control": "", "estimate": None, "rci_low": None, "rci_high": None, "wald_z": None}
    masked_rows = masked["tables"]["monitoring"].rows
    unmasked_rows = unmasked["tables"]["monitoring"].rows
    assert [replace(r, **hidden) for r in masked_rows] == [replace(r, **hidden) for r in unmasked_rows]
    order = list(dict.fromkeys((r.arm, r.control) for r in unmasked_rows))
    assert [r.arm for r in masked_rows] == [f"Monitored comparison {order.index((r.arm, r.control)) + 1}"
                                            for r in unmasked_rows]  # fmt: skip
    assert {r.estimate for r in masked_rows} == {None} and {r.control for r in masked_rows} == {""}
    assert {r.wald_z for r in masked_rows} == {None}  # the estimate over its SE would match the pair as well
    assert any(r.wald_z is not None for r in unmasked_rows)
    assert masked_rows[0].observed_z is not None


# -- Two arms: the one comparison, on the earlier letter's row -----------------------------------------------------


@pytest.mark.parametrize("key", [{"Mesenchymal stem cells": "A", "Placebo": "B"},
                                 {"Mesenchymal stem cells": "B", "Placebo": "A"}])  # fmt: skip
def test_a_two_arm_masked_ae_table_marks_no_letter_as_control(key: dict[str, str]) -> None:
    """The risk difference and p sit on Arm A's row (A − B) whichever arm is A; an empty row would be the control."""
    data = load_source(EXAMPLE, "msc-t1d")
    context = build_dsmb_context(data, DsmbOptions("closed", date(2019, 2, 5), None, "h", 1, masking_key=key))
    rows = list(csv.DictReader(context["attachments"]["ae_soc_pt.csv"].decode().splitlines()))
    assert {r["arm"] for r in rows if r["risk_diff"]} == {"Arm A"}
    assert [r["arm"] for r in rows if r["level"] == "any"] == ["Arm A", "Arm B", "Total"]
    unmasked = build_dsmb_context(data, DsmbOptions("closed", date(2019, 2, 5), None, "h", 1, unmask=True))
    sap = next(r for r in unmasked["tables"]["ae_soc_pt"].rows
               if r.level == "any" and r.arm == "Mesenchymal stem cells")  # fmt: skip
    first = next(r for r in rows if r["level"] == "any" and r["arm"] == "Arm A")
    sign = 1 if key["Mesenchymal stem cells"] == "A" else -1
    assert float(first["risk_diff"]) == pytest.approx(sign * sap.risk_diff, abs=1e-4)
    assert float(first["p_value"]) == pytest.approx(sap.p_value, abs=1e-4)


# -- The open edition: pooled, nothing tested --------------------------------------------------------------------


def test_the_open_edition_renders_a_definition_with_every_kind_of_outcome_and_names_what_it_leaves(
    run_cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The 3-arm definition declares a dose-response ANCOVA, responders, a time to event and a count; pooled,
    none is analysed (a trend over one pooled dose cannot be), and a paragraph names each for the closed session."""
    source = write_multiarm_bundle(tmp_path / "bundle", 3)
    assert run_cli("import", "karm3", "--source", str(source)).exit_code == 0
    for session in ("open", "closed"):
        result = run_cli("report", "dsmb", "karm3", "--session", session, "--out", str(tmp_path / f"{session}.pdf"))
        assert result.exit_code == 0, result.stderr
    text = " ".join(text_of(tmp_path / "open.pdf").split())
    assert ("Left to the closed session, with every result by arm: Symptom score (primary): each arm against the "
            "control, by ANCOVA, and a dose-response trend test; Score improved by 2 or more (secondary): each arm "
            "against the control, by the risk difference (Newcombe); Time to rescue medication (secondary): each arm "
            "against the control, by the log-rank test; Falls in the past month (secondary): each arm against the "
            "control, by Poisson regression; the adverse-event tables' risk differences and Fisher's exact tests "
            "against the control; Fisher's exact test over the arms in the participant flow;") in text  # fmt: skip
    for comparative in ("LS mean", "p =", "Trend over doses", "Hazard ratio", "RD (95% CI)", "observed z of"):
        assert comparative not in text, comparative


def test_the_open_edition_runs_no_analysis_of_the_plan(tmp_path: Path) -> None:
    """Pooled, the outcomes are summarised, not analysed: no estimate, no comparison table, even where the analysis
    could not be run at all (a dose-response test without the arms' doses)."""
    source = write_multiarm_bundle(tmp_path / "bundle", 3)
    data = load_source(source, "karm3")
    # The import refuses a dose-response test without doses (tests/importing/test_definition_strict.py): taken
    # away after it, as a stored snapshot of an older version might hold it.
    raw = dict(data.definition.raw)
    raw["arms"] = [{k: v for k, v in arm.items() if k != "dose"} for arm in raw["arms"]]
    data = replace(data, definition=replace(data.definition, raw=raw))
    context = build_dsmb_context(data, DsmbOptions("open", date(2022, 1, 1), None, "h", 1))
    assert {"outcome_estimates", "outcome_comparison", "monitoring"}.isdisjoint(context["tables"])
    assert context["tables"]["outcome_summary"].rows
    with pytest.raises(DataError, match="dose_response needs every arm's dose"):
        build_dsmb_context(data, DsmbOptions("closed", date(2022, 1, 1), None, "h", 1))


def test_a_masked_listing_is_in_letter_order_not_the_trials_order_of_arms() -> None:
    from service.reports.masked import mask_tables
    from service.results import DeathRow, Table

    # Made in the trial's order (Placebo first, then 10 and 20 mg); the key gives 20 mg A, Placebo B, 10 mg C.
    rows = tuple(DeathRow(f"S{i}", arm, None, None, None) for i, arm in
                 enumerate(("Placebo", "Placebo", "10 mg", "20 mg", "20 mg")))  # fmt: skip
    table = Table("listing_deaths", DeathRow, "Listing of deaths", "All participants", {}, (), rows)
    names = {"20 mg": "Arm A", "Placebo": "Arm B", "10 mg": "Arm C", TOTAL: TOTAL}
    masked = mask_tables({"listing_deaths": table}, names, "Placebo")["listing_deaths"]
    assert [(r.arm, r.subject_id) for r in masked.rows] == [
        ("20 mg", "S3"), ("20 mg", "S4"), ("Placebo", "S0"), ("Placebo", "S1"), ("10 mg", "S2")]  # fmt: skip
