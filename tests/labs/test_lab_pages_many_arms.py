"""The laboratory section of trials of 3 and 5 arms (tests/trialgen.py) in the open, masked and unmasked editions:
every word lies on its page, and neither the open nor the masked edition names an arm. The generated trials carry
no laboratory data of their own yet, so a synthetic frame (tests/labs/synthetic.py) is attached to each."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from service.importing import load_source
from service.importing.records import ImportedTrial
from service.reports.dsmb import DsmbOptions, build_dsmb_context
from service.reports.pdf import render_pdf
from service.reports.templating import render_html
from tests.labs.synthetic import synthetic_lab_frame
from tests.reports.test_many_arms import text_of, words_off_page
from tests.trialgen import GeneratedTrial, generate_trial

CRITERIA = {"criteria": [{"parameter": "ALT", "above_uln": 5}, {"parameter": "HGB", "below": 115, "grade": 2}]}


@pytest.fixture(scope="module", params=[3, 5], ids=["3-arms", "5-arms"])
def trial(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[ImportedTrial, GeneratedTrial]:  # fmt: skip
    generated = generate_trial(tmp_path_factory.mktemp(f"labs{request.param}"), arms=request.param, form="adam")
    data = load_source(generated.folder, f"gen{request.param}")
    subjects = [p.subject_id for p in data.participants if p.safety_population]
    frame = synthetic_lab_frame(subjects, parameter_count=8, visits=4, raised=0.2)
    definition = replace(data.definition, raw={**data.definition.raw, "labs": CRITERIA})
    return replace(data, labs=frame, definition=definition), generated


def report_of(data: ImportedTrial, session: str, unmask: bool, target: Path) -> Path:
    options = DsmbOptions(session, date(2022, 3, 1), None, "h", 1, unmask=unmask)
    target.write_bytes(render_pdf(render_html("dsmb/report.html", build_dsmb_context(data, options)),
                                  dated=date(2022, 3, 1)))  # fmt: skip
    return target


@pytest.mark.slow
@pytest.mark.parametrize("edition", ["open", "closed", "unmasked"])
def test_the_laboratory_pages_fit_and_name_no_arm(
    trial: tuple[ImportedTrial, GeneratedTrial], edition: str, tmp_path: Path
) -> None:
    data, generated = trial
    pdf = report_of(data, "open" if edition == "open" else "closed", edition == "unmasked", tmp_path / "r.pdf")
    assert words_off_page(pdf) == []
    text = text_of(pdf)
    section = text[text.index("Laboratory values outside the normal range", text.index("List of figures")) :]
    assert "Listing of clinically significant laboratory values" in section
    assert ("eDISH: peak ALT" in section) == (edition != "open")
    assert ("CMH row mean scores" in section) == (edition != "open")
    named = [s for s in generated.arm_strings() if s in text]
    if edition == "unmasked":
        assert "Zelofen" in named
    else:
        assert named == []
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
