"""The content hash includes the laboratory frame: the same records in any order hash alike, any change to a value
changes it, the same frame hashes alike in any process, and a trial without laboratory records hashes as it did
before the frame existed."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import service.labs.canonical as canonical
from service.importing import load_source
from service.importing.records import ImportedTrial
from service.labs.frame import empty_lab_frame
from service.snapshots import compute_content_hash
from tests.labs.frames import awkward_frame, lab_frame

REPO = Path(__file__).resolve().parents[2]


def _hash(tiny: Path, labs: Any) -> str:
    return compute_content_hash(replace(load_source(tiny, "tiny"), labs=labs))


def _hash_before_laboratory_data(data: ImportedTrial) -> str:
    """The content hash as it was computed before the laboratory frame existed (commit 599f214), written out
    again here: the definition as canonical JSON, then each record table as its records' canonical JSON arrays of
    field values, sorted."""

    def encode(value: Any) -> str:
        if isinstance(value, date | datetime):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    def as_json(value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=encode)

    digest = hashlib.sha256(as_json(data.definition.raw).encode())
    for name in ("arms", "participants", "exposures", "adverse_events", "measurements"):
        digest.update(f"\n#{name}\n".encode())
        digest.update("\n".join(sorted(as_json(list(r)) for r in getattr(data, name))).encode())
    return digest.hexdigest()


@pytest.mark.parametrize("labs", [None, "empty"])
def test_a_trial_without_laboratory_records_hashes_as_before(tiny: Path, labs: str | None) -> None:
    data = replace(load_source(tiny, "tiny"), labs=empty_lab_frame() if labs else None)
    assert compute_content_hash(data) == _hash_before_laboratory_data(data)


def test_laboratory_records_change_the_hash(tiny: Path) -> None:
    assert _hash(tiny, awkward_frame()) != _hash(tiny, None)


def _shuffled(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    return frame.sample(frac=1, random_state=seed).reset_index(drop=True)


def _with_duplicates_and_ties() -> pd.DataFrame:
    """The awkward frame, one record twice, and two records that differ only beyond participant, parameter and
    visit (so that their order is settled by the rest of the record)."""
    frame = awkward_frame()
    extra = frame.iloc[[0, 0, 3]].copy()
    extra.iloc[1, extra.columns.get_loc("aval")] = 0.0  # 0.0 beside -0.0: different bits
    extra.iloc[2, extra.columns.get_loc("tpt")] = "30 min"
    return pd.concat([frame, extra], ignore_index=True)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_order_of_the_records_does_not_count(tiny: Path, seed: int) -> None:
    frame = _with_duplicates_and_ties()
    assert _hash(tiny, _shuffled(frame, seed)) == _hash(tiny, frame)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_records_whose_mix_collides_are_still_put_in_one_order(tiny: Path, seed: int,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(canonical, "_MIX", np.uint64(0))  # every record's mix is 0: only the full comparison orders
    frame = _with_duplicates_and_ties()
    shuffled = _shuffled(frame, seed)
    assert _hash(tiny, shuffled) == _hash(tiny, frame)
    ordered = canonical.canonical_labs(frame)
    reordered = canonical.canonical_labs(shuffled)
    assert (
        frame.iloc[ordered.order].reset_index(drop=True).equals(shuffled.iloc[reordered.order].reset_index(drop=True))
    )


CHANGES = [
    ("aval", 0, 0.0),  # -0.0 to 0.0: one bit
    ("aval", 1, 1.0),  # missing to a value
    ("avalc", 1, None),  # a value to missing
    ("dtype", 3, None),  # "" to missing
    ("param", 4, None),  # "" to missing
    ("adt", 1, pd.Timestamp("2020-02-01")),  # missing to a date
    ("adt", 0, pd.Timestamp("2020-02-02")),  # one day
    ("anl01fl", 1, False),  # <NA> to false
    ("ablfl", 0, pd.NA),  # false to <NA>
    ("subject_id", 4, "T-03"),  # another participant
    ("visitnum", 5, 1.5),
]


@pytest.mark.parametrize(("column", "row", "value"), CHANGES)
def test_any_change_to_a_value_changes_the_hash(tiny: Path, column: str, row: int, value: Any) -> None:
    frame = awkward_frame()
    changed = frame.copy()
    changed.loc[row, column] = value
    assert repr(changed.loc[row, column]) != repr(frame.loc[row, column])
    assert _hash(tiny, changed) != _hash(tiny, frame)


def test_a_nan_hashes_alike_whatever_its_bits(tiny: Path) -> None:
    frame = awkward_frame()
    bits = frame["aval"].to_numpy().view(np.int64).copy()
    bits[1] = 0x7FF8_0000_0000_0001  # a NaN with a payload
    other = frame.assign(aval=bits.view(np.float64))
    assert np.isnan(other.loc[1, "aval"]) and _hash(tiny, other) == _hash(tiny, frame)


_IN_A_PROCESS = """
import sys
from dataclasses import replace
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from service.importing import load_source
from service.snapshots import compute_content_hash
from tests.labs.frames import awkward_frame
print(compute_content_hash(replace(load_source(Path(sys.argv[1]), "tiny"), labs=awkward_frame())))
"""


def test_the_hash_is_the_same_in_another_process(tiny: Path) -> None:
    hashes = {
        subprocess.run([sys.executable, "-c", _IN_A_PROCESS, str(tiny), str(REPO)], capture_output=True, text=True,
                       check=True, env={"PYTHONHASHSEED": seed}).stdout.strip()
        for seed in ("1", "2")
    }  # fmt: skip
    assert hashes == {_hash(tiny, awkward_frame())}


def test_a_column_the_frame_lacks_hashes_as_all_missing(tiny: Path) -> None:
    frame = lab_frame([{"subject_id": "T-01", "paramcd": "ALT", "visitnum": 1.0, "aval": 3.0}])
    assert _hash(tiny, frame.drop(columns=["tpt", "ontrtfl", "adt"])) == _hash(tiny, frame)
