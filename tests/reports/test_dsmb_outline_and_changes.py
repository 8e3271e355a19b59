"""The DSMB report's PDF outline (bookmarks), the monitoring and figure content, and what changed since the
previous report, read from rendered PDFs."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from service.analysis import build_analysis
from service.importing import load_source
from tests.reports.test_dsmb import EXAMPLE, letters, pages, reports, stored  # noqa: F401  (module fixtures)

NEW_PARTICIPANT = "T-06,A,44,M,ACT,2020-03-01,2020-03-02,2020-03-02,discontinued,Death,2020-04-01,2020-04-01,Sepsis"
NEW_SAE = (
    "8,T-03,chest infection,Pneumonia,Infections and infestations,2020-03-01,2020-03-09,SEVERE,3,Y,Y,"
    "NOT RELATED,DOSE NOT CHANGED,RECOVERED/RESOLVED"
)


def outline(pdf: Path) -> list[tuple[int, str, int]]:
    """(depth, title, page) of every bookmark, as poppler reads the PDF's outline."""
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", "-q", str(pdf)], capture_output=True, check=True)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(xml.stdout, parser)
    found: list[tuple[int, str, int]] = []

    def walk(node: etree._Element, depth: int) -> None:
        for child in node:
            if child.tag == "item":
                found.append((depth, child.text or "", int(child.get("page", "0"))))
            elif child.tag == "outline":
                walk(child, depth + 1)

    for top in root.findall("outline"):
        walk(top, 1)
    return found


@pytest.mark.parametrize("session", ["open", "closed"])
def test_bookmarks_name_every_section_table_and_figure_on_its_page(
    reports: dict[str, Path],  # noqa: F811
    session: str,
) -> None:
    marks = outline(reports[session])
    texts = pages(reports[session])
    titles = [title for _, title, _ in marks]
    assert titles[:3] == ["1. Summary", "Table 1.1 — Changes since the previous report", "2. Enrollment"]
    assert ("8. Efficacy outcomes by arm" in titles) is (session == "closed")
    assert "6. Laboratory values" in titles and "7. Vital signs" in titles
    assert f"Table 5.{15 if session == 'open' else 17} — Listing of serious adverse events" in titles
    for depth, title, page in marks:
        assert depth == (1 if title[0].isdigit() else 2), title
        assert " ".join(title.split()[:4]) in " ".join(texts[page - 1].split()), (title, page)
    # The contents pages are not bookmarked, nor is the title.
    assert not any(title in ("Contents", "List of tables", "List of figures") for title in titles)


def test_the_monitoring_table_prints_the_analysis_looks(reports: dict[str, Path]) -> None:  # noqa: F811
    results = build_analysis(load_source(EXAMPLE, "msc-t1d"), data_cutoff=None)
    rows = results["monitoring"].rows
    assert [r.status for r in rows][:1] == ["done"]
    text = pages(reports["closed"])
    page = next(t for t in text if "Table 8.3 — Group-sequential monitoring" in t and "Contents" not in t)
    lines = [" ".join(line.split()) for line in page.splitlines()]
    for r in rows:
        start = f"{r.look} {r.status} "
        line = next(line for line in lines if line.startswith(start))
        if r.boundary_z is None:  # between looks: information only, no boundary (efficacy or futility), no α spent
            assert f"{r.information_fraction:.3f} – – – –" in line and "not tested" in line
            continue
        # The example declares a β-spending futility boundary: its column follows the α spent.
        assert r.futility_z is not None
        assert (f"{r.information_fraction:.3f} {r.boundary_z:.3f} {r.nominal_p:.4f} {r.alpha_spent:.4f} "
                f"{r.futility_z:.3f}") in line  # fmt: skip
        if r.observed_z is not None:
            crossed = {"yes": "efficacy"}.get(r.crossed, r.crossed)
            assert f"{r.observed_z:.2f} {crossed}" in line


def test_the_figures_print_their_numbers(reports: dict[str, Path], letters: dict[str, str]) -> None:  # noqa: F811
    closed = "\n".join(pages(reports["closed"], layout=False))
    msc, placebo = letters["Mesenchymal stem cells"], letters["Placebo"]
    for box in ("Assessed for eligibility (n = 24)", "Randomized (n = 21)", f"Allocated: {msc} (n = 11)",
                f"Allocated: {placebo} (n = 10)", "Not randomized (n = 3)"):  # fmt: skip
        assert box in closed, box
    # The AE figure's risk-difference axis, and its legend naming the one comparison in letter order.
    assert "Risk difference (% points, 95% CI)" in closed and "Arm A − Arm B" in closed
    assert "Randomized (cumulative)" in closed
    assert "vs control" not in closed and "(control)" not in closed
    opened = "\n".join(pages(reports["open"], layout=False))
    assert "Allocated: All participants (n = 21)" in opened
    assert "Risk difference" not in opened


def test_changes_since_the_previous_report(run_cli, tiny: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", "tiny", "--source", str(tiny)).exit_code == 0
    first = tmp_path / "first.pdf"
    assert run_cli("report", "dsmb", "tiny", "--session", "closed", "--out", str(first)).exit_code == 0
    assert "This is the first DSMB report recorded for this trial" in " ".join("".join(pages(first)).split())

    # Since then: T-06 randomized and died; T-03 had a new serious AE; T-01's first headache became serious.
    people = tiny / "participants.csv"
    lines = people.read_text().splitlines()
    people.write_text(
        "\n".join([lines[0] + ",death_date,death_cause", *(line + ",," for line in lines[1:]), NEW_PARTICIPANT]) + "\n"
    )
    events = tiny / "adverse_events.csv"
    text = events.read_text().replace(
        "1,T-01,headache,Headache,Nervous system disorders,2020-01-12,2020-01-13,MILD,1,N,N,",
        "1,T-01,headache,Headache,Nervous system disorders,2020-01-12,2020-01-13,MILD,1,Y,Y,",
    )
    events.write_text(text + NEW_SAE + "\n")
    assert run_cli("import", "tiny", "--source", str(tiny)).exit_code == 0
    for session in ("closed", "open"):
        target = tmp_path / f"second-{session}.pdf"
        # --final: no DRAFT watermark, whose letters pdftotext would mix into the lines read here
        result = run_cli("report", "dsmb", "tiny", "--session", session, "--final", "--out", str(target))
        assert result.exit_code == 0, result.stderr
        body = " ".join(" ".join(pages(target)).split())
        assert "Compared with the previous DSMB report (snapshot 1, data cut-off 2020-06-21)" in body
        assert "1 participant randomized since (4 → 5)" in body
        assert "treated 3 → 4" in body
        assert "2 new serious adverse events; 1 new death." in body
        changes_page = next(p for p in pages(target) if "Table 1.1 — Changes since" in p and "Contents" not in p)
        rows: dict[str, str] = {}
        for line in changes_page.splitlines():
            if line.strip():
                rows.setdefault(line.split()[0], " ".join(line.split()))  # a subject's first table: new SAEs
        closed = session == "closed"
        key = _key(tmp_path)
        for subject, arm, cells in (
            ("T-01", f"Arm {key['Active']}", ("Headache", "Nervous system", "2020-01-12", "RECOVERED/")),
            ("T-03", f"Arm {key['Placebo']}", ("Pneumonia", "Infections and", "2020-03-01", "RECOVERED/")),
            ("T-06", f"Arm {key['Active']}", ("2020-04-01", "Sepsis")),
        ):
            line = rows[subject]
            assert line.startswith(f"{subject} {arm} " if closed else f"{subject} {cells[0]}"), line
            positions = [line.index(cell) for cell in cells]
            assert positions == sorted(positions), line
        assert ("Arm" in changes_page) is closed
        # Since the first report: 2 SAEs, both with onsets before its cut-off (reported late); T-06's death ended
        # the participation (a new discontinuation); the new AEs of any seriousness, by arm only when closed.
        assert "2 of the new serious adverse events reported late" in body and "(late)" in body
        assert "1 new discontinuation;" in body and "New discontinuation: reason" in body
        assert re.search(r"\d+ new adverse events? of any seriousness" + (r" \(Arm [AB] \d+, Arm [AB] \d+\)" if closed
                                                                       else r";"), body), body  # fmt: skip
    # The same snapshot rendered again compares with the same previous report: the same bytes.
    again = tmp_path / "again.pdf"
    assert run_cli("report", "dsmb", "tiny", "--session", "closed", "--final", "--out", str(again)).exit_code == 0
    assert again.read_bytes() == (tmp_path / "second-closed.pdf").read_bytes()
    # --since names the previous report's snapshot; an unknown one is bad input.
    assert run_cli("report", "dsmb", "tiny", "--session", "open", "--since", "9").exit_code == 2


def _key(tmp_path: Path) -> dict[str, str]:
    """The tiny trial's stored masking key, in the CLI's database."""
    from service.db import open_database
    from service.masking import masking_key

    return masking_key(open_database(f"sqlite:///{tmp_path / 'cli.db'}"), "tiny", ["Active", "Placebo"])
