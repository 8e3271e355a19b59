"""The bundle's labs.csv and vitals.csv (README, 'Laboratory and vital-sign data'): one row per result, with
the baseline, change, normal-range category and on-treatment flag derived as ADaM would (service.labs.derive)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from service.importing.tables import SourceTable, find_file
from service.labs.read_common import Context, SourceColumns, frame_of, read_lab_dataset
from service.labs.read_source import read_source_frame

LABS = "labs.csv"
VITALS = "vitals.csv"
# Every column the two files may have; any other is refused, naming the closest.
LAB_FILE_COLUMNS = (
    "subject_id", "parameter", "parameter_label", "category", "unit", "visit", "visit_number", "timepoint",
    "timepoint_number", "position", "date", "value", "value_text", "low", "high", "baseline", "analysis",
    "toxicity_grade",
)  # fmt: skip
LAB_FILE_REQUIRED = ("subject_id", "parameter", "value")
COLUMNS = SourceColumns(
    subject="subject_id", paramcd="parameter", aval="value", param="parameter_label", parcat1="category",
    unit="unit", visit="visit", visitnum="visit_number", tpt="timepoint", tptnum="timepoint_number",
    position="position", date="date", avalc="value_text", low=("low",), high=("high",), atoxgr="toxicity_grade",
    ablfl=("baseline",), anl01fl="analysis",
)  # fmt: skip


def load_bundle_labs(folder: Path, context: Context) -> tuple[pd.DataFrame | None, list[str]]:
    frames: list[dict[str, object]] = []
    notes: list[str] = []
    for name, domain in ((LABS, "LB"), (VITALS, "VS")):
        path = find_file(folder, name)
        if path is None:
            continue
        source = read_source_frame(path, upper=False)
        header = SourceTable(name, tuple(source.frame.columns), [], first_row=2)
        header.require(*LAB_FILE_REQUIRED)
        header.refuse_unknown(LAB_FILE_COLUMNS)
        frame, found = read_lab_dataset(source, COLUMNS, domain, name, context, derive_all=True)
        frames.append(frame)
        notes += found
    if not frames:
        return None, notes
    return frame_of(frames), notes
