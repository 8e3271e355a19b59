"""The laboratory frame at a data cut-off (service.reports.datacut; DESIGN.md, 'As of the cut-off')."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd


def derive_lab_cut(labs: pd.DataFrame | None, cutoff: date, placed: bool,
                   subjects: set[str]) -> tuple[pd.DataFrame | None, str | None]:  # fmt: skip
    """The records as they stood at `cutoff`, and a note when undated records were left out. In order:

    1. A record of a participant not in the data at the cut-off (randomized after it) goes.
    2. A record dated (ADT) after the cut-off goes; one dated on it stays.
    3. A record without a date cannot be placed before or after the cut-off: at the data's own cut-off or later
       (`placed`) it stays, as the data give it; at an earlier one it goes, and the note says how many went.

    E.g. at a cut-off of 2021-03-01 before the data's own, records dated 2021-02-28, 2021-03-01, 2021-03-02 and
    one undated: the first two stay, and the note counts 1 record without a date.
    """
    if labs is None:
        return None, None
    dates = labs["adt"].to_numpy()
    undated = np.isnat(dates)
    keep = labs["subject_id"].isin(subjects).to_numpy() & (undated | (dates <= np.datetime64(cutoff, "s")))
    note = None
    if not placed:
        gone = int((undated & keep).sum())
        keep &= ~undated
        if gone:
            note = (f"{gone} laboratory or vital-sign record{'s' if gone != 1 else ''} without a date "
                    f"{'were' if gone != 1 else 'was'} left out at the data cut-off {cutoff}: "
                    f"{'they' if gone != 1 else 'it'} cannot be placed before or after it.")  # fmt: skip
    if not keep.any():
        return None, note  # no records at the cut-off: as the data would have been, without any
    if keep.all():
        return labs, note
    return labs.loc[keep].reset_index(drop=True), note
