"""The DSMB report as a DSMB member receives it: the rendered PDF's text, page by page, and its pictures."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image
from sqlalchemy import Engine

from service.analysis import build_analysis
from service.config import load_config
from service.db import open_database
from service.errors import ConfigError, RenderError
from service.importing import load_source
from service.outputs.dsmb.produce import DsmbRequest, produce_dsmb
from service.reports.datacut import derive_data_cut
from service.reports.dsmb import DsmbOptions, build_dsmb_context
from service.reports.templating import render_html
from service.snapshots import store_snapshot
from tests.analysis_fixture import hand_trial
from tests.conftest import REPO

EXAMPLE = REPO / "examples" / "msc-t1d"
CUTOFF = "2019-02-05"


def pages(pdf: Path, layout: bool = True) -> list[str]:
    """Each page's text: laid out as printed, or in reading order (a wrapped cell's words stay together)."""
    count = int(
        next(
            line.split()[-1]
            for line in subprocess.run(
                ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
            ).stdout.splitlines()
            if line.startswith("Pages:")
        )
    )
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, count + 1)
    ]


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, object]:
    engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('db') / 'r.db'}")
    snapshot = store_snapshot(engine, load_source(EXAMPLE, "msc-t1d"), now=datetime(2026, 1, 1, tzinfo=UTC)).snapshot
    return engine, snapshot


@pytest.fixture(scope="module")
def letters(stored, reports) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each arm's masked name in the reports: the trial's stored random key (drawn by the first closed render)."""
    from service.masking import masking_key

    engine, _ = stored
    key = masking_key(engine, "msc-t1d", ["Mesenchymal stem cells", "Placebo"])
    return {arm: f"Arm {letter}" for arm, letter in key.items()}


@pytest.fixture(scope="module")
def reports(stored, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    engine, snapshot = stored
    folder = tmp_path_factory.mktemp("pdf")
    out = {}
    for session in ("open", "closed"):
        out[session] = folder / f"dsmb-{session}.pdf"
        produce_dsmb(engine, snapshot, out[session], DsmbRequest(session, organisation="Test CTU"))
    return out


@pytest.mark.parametrize("session", ["open", "closed"])
def test_every_page_carries_the_furniture(reports: dict[str, Path], session: str) -> None:
    texts = pages(reports[session])
    assert len(texts) >= 5
    for number, text in enumerate(texts, start=1):
        assert f"CONFIDENTIAL — {session.upper()} SESSION" in text, number
        assert f"Page {number} of {len(texts)}" in text, number
        if number > 1:
            assert f"Data cut-off: {CUTOFF}" in text, number


@pytest.mark.parametrize("session", ["open", "closed"])
def test_every_section_is_there_in_order(reports: dict[str, Path], session: str) -> None:
    text = "\n".join(pages(reports[session]))
    sections = [
        "1. Summary",
        "Table 1.1 — Changes since the previous report",
        "2. Enrollment",
        "Figure 2.1 — Cumulative enrollment against target",
        "Table 2.1 — Enrollment by site",
        "3. Participant flow",
        "Figure 3.1 — CONSORT flow diagram",
        "Table 3.1 — Participant flow",
        "4. Baseline characteristics and exposure",
        "Table 4.1 — Baseline characteristics",
        "Table 4.2 — Exposure to study treatment",
        "5. Safety",
        "Table 5.1 — Overview of adverse events",
        "Table 5.2 — Treatment-emergent adverse events by system organ class",
        *(["Figure 5.1 — Adverse event incidence by arm, with risk differences"] if session == "closed" else []),
        "Table 5.3 — Treatment-emergent adverse events by maximum severity",
        "Table 5.4 — Treatment-emergent adverse events by maximum CTCAE grade",
        "Table 5.5 — Related treatment-emergent adverse events",
        "Table 5.6 — Serious treatment-emergent adverse events",
        "Table 5.7 — Treatment-emergent adverse events leading to",
        "Table 5.8 — Common treatment-emergent adverse events",
        "Table 5.9 — Exposure-adjusted incidence rates",
        "Table 5.10 — Overview of treatment-emergent adverse events by subgroup",
        "Table 5.11 — Adverse events of special interest",
        *(
            [
                "Table 5.12 — Adverse events of special interest: differences between arms",
                "Table 5.13 — Time to the first adverse event of special interest",
                "Figure 5.2 — Time to the first adverse event of special interest, by arm",
            ]
            if session == "closed"
            else []
        ),
        f"Table 5.{12 if session == 'open' else 14} — Deaths by timing and cause",
        f"Table 5.{13 if session == 'open' else 15} — Listing of deaths",
        f"Figure 5.{3 if session == 'closed' else 1} — Time to discontinuation of study treatment",
        f"Table 5.{14 if session == 'open' else 16} — Time to discontinuation of study treatment",
        f"Table 5.{15 if session == 'open' else 17} — Listing of serious adverse events",
        "6. Laboratory values",
        "Table 6.1 — Laboratory values and change from baseline by visit",
        "7. Vital signs",
        "Table 7.1 — Vital signs and change from baseline by visit",
    ]
    if session == "closed":
        sections += [
            "8. Efficacy outcomes by arm",
            "Table 8.1 — Efficacy estimates by arm and timepoint",
            "Figure 8.1 — Stimulated C-peptide (mixed-meal tolerance test peak) over time, by",
            "Table 8.2 — Efficacy comparisons between arms",
            "Table 8.3 — Group-sequential monitoring of the primary outcome",
            "Figure 8.2 — Monitoring boundaries and observed z",
        ]
    body = "\n".join(pages(reports[session])[2:])  # after the title and contents pages, which name them too
    positions = [body.index(s) for s in sections]
    assert positions == sorted(positions)
    assert ("8. Efficacy" in text) is (session == "closed")
    assert ("Group-sequential" in text) is (session == "closed")
    title = " ".join(pages(reports[session])[0].split())
    for item in ("NCT04078308", "IRCT2016070428786N1", "DRAFT", f"Data cut-off {CUTOFF}", "regsync 0.1.0", "Test CTU"):
        assert item in title, item


def test_the_serious_listing_prints_every_serious_event_on_landscape_pages(reports: dict[str, Path],
                                                                          letters: dict[str, str]) -> None:  # fmt: skip
    rows = build_analysis(load_source(EXAMPLE, "msc-t1d"))["listing_serious"].rows
    assert len(rows) == 3
    names = letters
    texts = pages(reports["closed"])
    at = next(
        n for n, text in enumerate(texts, start=1) if "Table 5.17 — Listing of serious adverse events" in text and n > 2
    )
    lines = texts[at - 1].splitlines()
    for r in rows:
        pattern = rf"^\s*{r.subject_id}\s+{names[r.arm]}\s+{r.pt.split()[0]}\b.*\s{r.study_day}\s+{r.ctcae_grade}\s"
        assert sum(bool(re.search(pattern, line)) for line in lines) == 1, pattern
    size = subprocess.run(
        ["pdfinfo", "-f", str(at), "-l", str(at), str(reports["closed"])], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(rf"Page\s+{at} size:\s+841\.89 x 595\.27", size), size  # A4 landscape, in points
    first = subprocess.run(["pdfinfo", str(reports["closed"])], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+595\.27\d* x 841\.89", first), first  # the report itself is portrait


@pytest.mark.parametrize("session", ["open", "closed"])
def test_no_page_ends_on_a_system_organ_class_row(reports: dict[str, Path], session: str) -> None:
    socs = {r.soc for r in build_analysis(load_source(EXAMPLE, "msc-t1d"))["ae_soc_pt"].rows if r.soc}
    for number, text in enumerate(pages(reports[session]), start=1):
        lines = [line.strip() for line in text.splitlines() if line.strip() and "Data cut-off:" not in line]
        last = lines[-1] if lines else ""
        assert not any(re.match(rf"{re.escape(soc)}\s+\d", last) for soc in socs), (number, last)


PAGE_MARGIN_PT = 16 * 72 / 25.4  # style.css: @page margin, left and right


@pytest.mark.parametrize("session", ["open", "closed"])
def test_no_text_runs_past_the_page_margins(reports: dict[str, Path], session: str) -> None:
    """Every word, on portrait and landscape pages alike, lies between the side margins (the watermark aside)."""
    xml = subprocess.run(["pdftotext", "-bbox", str(reports[session]), "-"], capture_output=True, check=True).stdout
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    outside = [
        (number, word.text, float(word.get("xMin")), float(word.get("xMax")))
        for number, page in enumerate(root.iter("{*}page"), start=1)
        for word in page.iter("{*}word")
        if word.text != "DRAFT"
        and not (
            float(word.get("xMin")) >= PAGE_MARGIN_PT - 0.5
            and float(word.get("xMax")) <= float(page.get("width")) - PAGE_MARGIN_PT + 0.5
        )
    ]
    assert outside == []


def test_closed_numbers_equal_the_analysis_tables(reports: dict[str, Path], letters: dict[str, str]) -> None:
    results = build_analysis(load_source(EXAMPLE, "msc-t1d"))
    text = "\n".join(pages(reports["closed"]))
    names = {**letters, "Total": "Total"}
    for row in results["ae_soc_pt"].rows:
        cell = f"{row.n_subjects} ({row.percent:.1f}) [{row.n_events}]"
        assert cell in text, (row, names[row.arm])
    any_rows = {r.arm: r for r in results["ae_soc_pt"].rows if r.level == "any"}
    line = next(
        line for line in text.splitlines() if line.strip().startswith("Any TEAE") and "vs" not in line and "(" in line
    )
    expected = [
        f"{any_rows[a].n_subjects} ({any_rows[a].percent:.1f}) [{any_rows[a].n_events}]"
        for a in (*sorted(letters, key=letters.__getitem__), "Total")  # masked, the columns follow the letters
    ]
    assert [line.index(cell) for cell in expected] == sorted(line.index(cell) for cell in expected)


def test_the_closed_edition_prints_the_saps_efficacy_estimates_and_comparisons(
    reports: dict[str, Path], letters: dict[str, str]
) -> None:
    results = build_analysis(load_source(EXAMPLE, "msc-t1d"))
    text = " ".join(" ".join(pages(reports["closed"])).split())
    titles = ("Stimulated C-peptide (mixed-meal tolerance test peak) (primary)",
              "Time to first severe hypoglycaemia (secondary)", "Hypoglycaemic episodes in the past month")  # fmt: skip
    for title in titles:
        assert title in text, title
    # Estimates to one decimal more than the data are recorded to, SEs to two more: C-peptide is recorded to 2
    # decimals (0.49), HbA1c to 1 (9.3); ratios to 2 decimals, percentage points to 1.
    recorded = {"CPEPS": 2, "HBA1C": 1, "CPEPF": 2, "INSDOSE": 2, "QOL": 1, "HYPO": 0, "TTSHYPO": 0}
    for row in results["outcome_estimates"].rows:
        if row.estimate_type == "LS mean":
            d, se = recorded[row.parameter] + 1, recorded[row.parameter] + 2
            interval = f"95% CI {row.ci_low:.{d}f}, {row.ci_high:.{d}f}"
            assert f"LS mean {row.estimate:.{d}f} {row.std_error:.{se}f} {interval}" in text
        if row.estimate_type == "Kaplan–Meier median":
            assert re.search(rf"{row.n_events} ?/ ?{row.n_censored}", text), row
    for row in results["outcome_comparison"].rows:
        estimate, low, high = row.estimate, row.ci_low, row.ci_high
        if letters[row.arm] > letters[row.control]:  # masked: the earlier letter's arm first, the result turned
            ratio = row.estimate_kind.endswith("ratio")
            estimate, low, high = (1 / estimate, 1 / high, 1 / low) if ratio else (-estimate, -high, -low)
        d = 2 if row.is_ratio else 1 if row.estimate_kind == "risk-difference" else recorded[row.parameter] + 1
        assert f"{estimate:.{d}f} 95% CI {low:.{d}f}, {high:.{d}f}" in text, row
    open_text = " ".join(pages(reports["open"]))
    assert "LS mean" not in open_text and "Hazard ratio" not in open_text
    # The closed summary states first where the monitoring stands: the example is between its declared looks.
    summary = " ".join(" ".join(pages(reports["closed"])[2:4]).split())
    assert "This report falls between the declared looks" in summary and "no α is spent" in summary
    assert "Primary outcome, Stimulated C-peptide" in summary and "Deaths (any cause): Arm A 0, Arm B 0" in summary
    assert sorted(letters.values()) == ["Arm A", "Arm B"]
    assert "between the declared looks" not in open_text and "Primary outcome," not in open_text


def test_open_edition_has_no_arm_level_data(reports: dict[str, Path]) -> None:
    text = "\n".join(pages(reports["open"]))
    # "Placebo" also stands in the trial's title ("Placebo-Controlled"), which the open report may print.
    assert "Open session: the arms are pooled" in " ".join(text.split())
    assert "No control arm is defined" not in text
    for forbidden in ("Mesenchymal stem cells", "Arm A", "Arm B", " vs control", "RD (95% CI)"):
        assert forbidden not in text, forbidden
    assert not re.search(r"\bPlacebo\b(?!-Controlled)", text)
    closed = build_analysis(load_source(EXAMPLE, "msc-t1d"))
    totals = {f"{r.n_subjects} ({r.percent:.1f}) [{r.n_events}]" for r in closed["ae_soc_pt"].rows if r.arm == "Total"}
    arm_cells = {
        f"{r.n_subjects} ({r.percent:.1f}) [{r.n_events}]"
        for r in closed["ae_soc_pt"].rows
        if r.arm != "Total" and r.n_subjects > 0
    } - totals
    assert arm_cells, "the fixture must have arm-level cells to look for"
    assert not [cell for cell in arm_cells if cell in text]


def test_the_masked_closed_edition_never_names_an_arm(reports: dict[str, Path]) -> None:
    text = "\n".join(pages(reports["closed"], layout=False))
    assert "Mesenchymal stem cells" not in text
    assert not re.search(r"\bPlacebo\b(?!-Controlled)", text)
    flat = " ".join(text.split())
    assert "in the order of their letters (Arm A − Arm B)" in flat  # the comparison footnote, masked
    for telling in ("(control)", "vs control", "against Arm", "Masking key"):
        assert telling not in flat, telling


def test_the_masking_key_is_random_stable_per_trial_and_refused_unless_allowed(run_cli, tiny: Path,  # type: ignore[no-untyped-def]
                                                                              tmp_path: Path) -> None:  # fmt: skip
    from service.db import open_database
    from service.masking import masking_key

    engine = open_database(f"sqlite:///{tmp_path / 'keys.db'}")
    from service.importing.records import ArmRecord, ImportedTrial, TrialDefinition
    from service.snapshots import store_snapshot

    arms = [f"Arm number {i}" for i in range(6)]
    drawn = set()
    for trial in ("t1", "t2", "t3", "t4"):
        records = tuple(ArmRecord(a, a) for a in arms)
        data = ImportedTrial(trial, "bundle", "-", TrialDefinition(arms=records), records, (), ())
        store_snapshot(engine, data, now=__import__("datetime").datetime(2026, 1, 1, tzinfo=__import__("datetime").UTC))
        key = masking_key(engine, trial, arms)
        assert sorted(key.values()) == list("ABCDEF") and masking_key(engine, trial, arms) == key  # stable
        drawn.add(tuple(key[a] for a in arms))
    assert len(drawn) > 1  # 4 trials of 6 arms: the same order by chance has probability (1/720)^3
    assert run_cli("import", "tiny", "--source", str(tiny)).exit_code == 0
    refused = run_cli("masking-key", "tiny")  # without the key file (tests/test_reveal.py has every case)
    assert refused.exit_code == 2 and "REGSYNC_MASKING_KEY_FILE is not set" in refused.stderr


def test_open_edition_is_built_from_data_without_arms() -> None:
    data = load_source(EXAMPLE, "msc-t1d")
    context = build_dsmb_context(data, DsmbOptions("open", date(2019, 2, 5), None, "h", 1))
    for table in context["tables"].values():
        assert {getattr(row, "arm", "Total") for row in table.rows} <= {"All participants", "Total"}, table.name
        assert set(table.denominators) <= {"All participants", "Total"}, table.name


def test_a_trial_without_outcome_comparisons_says_so_instead_of_an_empty_table() -> None:
    context = build_dsmb_context(hand_trial(), DsmbOptions("closed", date(2020, 6, 30), None, "h", 1))
    assert context["tables"]["outcome_comparison"].rows == ()
    text = " ".join(render_html("dsmb/report.html", context).split())
    assert (
        "No outcome comparisons: the trial's analysis plan, as given to regsync, declares no outcome analyses" in text
    )
    assert "Estimate (95% CI)" not in text


def test_two_renders_are_byte_identical(stored, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, snapshot = stored
    for name in ("a", "b"):
        produce_dsmb(engine, snapshot, tmp_path / f"{name}.pdf", DsmbRequest("closed"))
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


@pytest.mark.parametrize("session", ["open", "closed"])
def test_pages_rendered_to_png_are_not_blank(reports: dict[str, Path], session: str, tmp_path: Path) -> None:
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(reports[session]), str(tmp_path / "p")], check=True)
    texts = pages(reports[session])
    safety_page = next(
        n
        for n, text in enumerate(texts, start=1)
        if "Table 5.1 — Overview of adverse events" in text and "Contents" not in text
    )
    for number, png in enumerate(sorted(tmp_path.glob("p*.png")), start=1):
        image = Image.open(png).convert("L")
        # The body: below the running header and above the footer (22 mm and 20 mm margins of 297 mm).
        body = image.crop((0, image.height * 25 // 297, image.width, image.height * 275 // 297))
        dark = sum(1 for value in body.tobytes() if value < 128) / (body.width * body.height)
        assert dark > 0, number  # something is printed on every page besides the furniture
        if number == safety_page:
            assert dark > 0.01, dark  # a page of tables inks over 1% of its body (measured: 1.7–2.5%)


def csv_field(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@pytest.mark.parametrize("session", ["open", "closed"])
def test_markup_in_the_data_prints_as_text_and_fetches_nothing(
    listening_server, tmp_path: Path, tiny: Path, session: str
) -> None:  # type: ignore[no-untyped-def]
    port, requests = listening_server
    img = '<img src="file:///etc/passwd">'
    link = f'<link rel=stylesheet href="http://127.0.0.1:{port}/x">'
    path = tiny / "adverse_events.csv"
    path.write_text(
        path.read_text().replace("allergic reaction,Hypersensitivity", csv_field(img) + "," + csv_field(link)),
        encoding="utf-8",
    )
    engine = open_database(f"sqlite:///{tmp_path / 'i.db'}")
    snapshot = store_snapshot(engine, load_source(tiny, "tiny"), now=datetime(2026, 1, 1, tzinfo=UTC)).snapshot
    produce_dsmb(engine, snapshot, tmp_path / "r.pdf", DsmbRequest(session))
    text = "".join(pages(tmp_path / "r.pdf", layout=False))
    compact = "".join(text.split())  # long cells wrap, even inside a word
    if session == "open":
        assert "".join(link.split()) in compact  # the PT, in the one-column SOC/PT tables
    else:
        # The closed tables' PT column is narrow: the term wraps and reading order may interleave a
        # neighbouring cell, so each piece is looked for; so too the verbatim term in the listing's narrow column.
        for piece in ("<link", "rel=stylesheet", 'href="http://', f'127.0.0.1:{port}/x">'):
            assert piece in compact, piece
        for piece in ("(<img", 'src="file:///etc/', 'passwd">)'):
            assert piece in compact, piece
    assert requests == []
    assert "root:" not in text


def test_data_cut_leaves_out_what_happened_after_the_cutoff() -> None:
    data = hand_trial()
    cut = derive_data_cut(data, date(2020, 1, 31))
    # Every AE of the fixture starts 2020-02-01 except A3's dizziness (2020-01-10) and A4's rash (2019-12-20).
    assert sorted((e.subject_id, e.seq) for e in cut.adverse_events) == [("A3", 1), ("A4", 1)]
    by_id = {p.subject_id: p for p in cut.participants}
    # Z1 and Z2 were randomized on 2020-02-01, after the cut: not yet in the trial. A5 left on 2020-01-05,
    # before the cut: still discontinued.
    assert "Z1" not in by_id and "Z2" not in by_id
    assert by_id["A5"].disposition == "discontinued"
    assert by_id["A2"].disposition == "ongoing"  # discontinued 2020-06-30, after the cut


def test_report_command_options(run_cli, tmp_path: Path, tiny: Path, key_file: Path) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", "tiny", "--source", str(tiny)).exit_code == 0
    assert run_cli("masking-key", "tiny", "--enrol").exit_code == 0  # --unmask needs the trial's key file
    result = run_cli(
        "report", "dsmb", "tiny", "--session", "closed", "--unmask", "--final", "--out", str(tmp_path / "u.pdf")
    )
    assert result.exit_code == 0, result.stderr
    text = "".join(pages(tmp_path / "u.pdf"))
    key_line = next(line for line in text.splitlines() if "Masking key" in line)  # for the unblinded reader
    assert "Arm A = " in " ".join(key_line.split()) or "A = " in key_line
    rest = text.replace(key_line, "")
    assert "Active" in rest and "Arm A" not in rest and "DRAFT" not in rest
    assert run_cli("report", "dsmb", "tiny", "--session", "secret").exit_code == 2
    assert run_cli("report", "dsmb", "tiny", "--session", "open", "--unmask").exit_code == 2  # nothing to unmask
    assert run_cli("report", "dsmb", "tiny", "--session", "open", "--cutoff", "2020/01/01").exit_code == 2


@pytest.mark.parametrize("session", ["open", "closed"])
def test_contents_give_the_page_each_section_starts_on(reports: dict[str, Path], session: str) -> None:
    texts = pages(reports[session])
    contents = texts[1]
    assert "Contents" in contents and "List of tables" in contents
    deaths = f"Table 5.{12 if session == 'open' else 14} — Deaths by timing and cause"  # after the AESI tables
    for heading in ("1. Summary", "Table 5.1 — Overview of adverse events", deaths, "Figure 3.1"):
        line = next(line for line in contents.splitlines() if heading in line)
        page = int(line.split()[-1])
        assert heading in texts[page - 1], (heading, page)


@pytest.mark.parametrize("session", ["open", "closed"])
def test_the_editions_tables_are_attached_as_csv(reports: dict[str, Path], session: str, tmp_path: Path) -> None:
    subprocess.run(["pdfdetach", "-saveall", "-o", str(tmp_path), str(reports[session])], check=True)
    files = {path.name: path.read_text(encoding="utf-8") for path in tmp_path.glob("*.csv")}
    assert {"ae_soc_pt.csv", "ae_overview.csv", "disposition.csv", "baseline.csv"} <= set(files)
    assert files["ae_soc_pt.csv"].splitlines()[0].startswith("level,soc,pt,arm,n_subjects,n_events,n_at_risk")
    # The open edition has no arms; the closed one names them as it prints them, masked: the key is not
    # attached either.
    arm_labels = ("Mesenchymal stem cells", "Placebo")
    leaked = [name for name, text in files.items() if any(label in text for label in arm_labels)]
    assert leaked == []
    assert ("Arm A" in files["ae_soc_pt.csv"] and "Arm B" in files["ae_soc_pt.csv"]) is (session == "closed")
    assert ("Arm " in files["listing_serious.csv"]) is (session == "closed")


def test_a_render_over_its_memory_cap_stops_and_writes_nothing(stored, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine, snapshot = stored
    target = tmp_path / "capped.pdf"
    with pytest.raises(RenderError, match="exceeded its memory cap of 1 MB"):
        produce_dsmb(engine, snapshot, target, DsmbRequest("closed", memory_mb=1))
    assert list(tmp_path.iterdir()) == []


def test_report_render_memory_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[reports]\nrender_memory_mb = 0\n")
    with pytest.raises(ConfigError, match="'render_memory_mb' must be a whole number of at least 1"):
        load_config(path, required=True)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--cutoff", "2030-01-01"), "is after snapshot 1's data"),
        (("--cutoff", "2016-01-01"), "is before the first randomization"),
        (("--report-date", "2019-01-01"), "is before its data cut-off"),
        (("--since", "1"), "is the report's own snapshot"),
    ],
)
def test_an_impossible_cutoff_report_date_or_since_is_refused(  # type: ignore[no-untyped-def]
    run_cli, tiny: Path, tmp_path: Path, options: tuple[str, str], message: str
) -> None:
    assert run_cli("import", "tiny", "--source", str(tiny)).exit_code == 0
    out = tmp_path / "r.pdf"
    result = run_cli("report", "dsmb", "tiny", "--session", "open", "--out", str(out), *options)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert message in result.stderr and not out.exists()


def test_the_masked_estimates_list_each_timepoints_arms_in_letter_order(reports: dict[str, Path]) -> None:
    """The definition lists the experimental arm first; a masked table in that order would tell which letter it is."""
    lines = [" ".join(line.split()) for line in "\n".join(pages(reports["closed"])).splitlines()]
    ls_means = [line.split()[2] + " " + line.split()[3] for line in lines
                if re.match(r"Month \d+ Arm [AB] \d+ LS mean", line)]  # fmt: skip
    assert ls_means and ls_means == [letter for _ in range(len(ls_means) // 2) for letter in ("Arm A", "Arm B")]
