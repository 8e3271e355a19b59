"""The laboratory frame at a data cut-off (service.labs.cut): what is dated after it goes; what is undated goes
before the data's own cut-off, with a note, and stays at it."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from service.labs.cut import derive_lab_cut
from tests.labs.frames import NAT, lab_frame

CUTOFF = date(2021, 3, 1)
DATES = {"before": np.datetime64("2021-02-28"), "on": np.datetime64("2021-03-01"), "after": np.datetime64("2021-03-02"),
         "undated": NAT}  # fmt: skip


def _frame(*records: tuple[str, str]):  # type: ignore[no-untyped-def]
    return lab_frame([{"subject_id": subject, "paramcd": "ALT", "visitnum": float(i), "adt": DATES[when],
                       "aval": float(i)} for i, (subject, when) in enumerate(records)])  # fmt: skip


# (records as (participant, when), placed: cut at or after the data's own cut-off, values kept, note)
CASES = [
    ((("A", "before"), ("A", "on"), ("A", "after")), False, [0.0, 1.0], None),
    ((("A", "before"), ("A", "undated")), True, [0.0, 1.0], None),
    (
        (("A", "before"), ("A", "undated")),
        False,
        [0.0],
        "1 laboratory or vital-sign record without a date was left out at the data cut-off 2021-03-01: it cannot be "
        "placed before or after it.",
    ),
    (
        (("A", "undated"), ("A", "on"), ("A", "undated")),
        False,
        [1.0],
        "2 laboratory or vital-sign records without a date were left out at the data cut-off 2021-03-01: "
        "they cannot be placed before or after it.",
    ),
    ((("A", "before"), ("B", "before"), ("B", "undated")), False, [0.0], None),  # B not in the trial at the cut-off
]


@pytest.mark.parametrize(("records", "placed", "kept", "note"), CASES)
def test_records_at_the_cutoff(records: tuple[tuple[str, str], ...], placed: bool, kept: list[float],
                               note: str | None) -> None:  # fmt: skip
    cut, said = derive_lab_cut(_frame(*records), CUTOFF, placed, {"A"})
    assert cut is not None
    assert cut["aval"].tolist() == kept
    assert said == note


def test_nothing_at_the_cutoff_is_no_frame() -> None:
    assert derive_lab_cut(_frame(("A", "after")), CUTOFF, False, {"A"}) == (None, None)
    assert derive_lab_cut(None, CUTOFF, False, {"A"}) == (None, None)


def test_a_frame_with_nothing_to_cut_is_returned_as_it_is() -> None:
    frame = _frame(("A", "before"), ("A", "on"))
    assert derive_lab_cut(frame, CUTOFF, False, {"A"})[0] is frame
