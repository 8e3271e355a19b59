"""The guard that keeps the tests inside the checkout (tests/conftest.py): a fresh clone has nothing beside it."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.conftest import REPO, beside_the_checkout


def test_a_folder_beside_the_checkout_is_outside() -> None:
    assert beside_the_checkout(REPO.parent / "shared" / "schemas" / "ars" / "ars_ldm.schema.json")
    assert beside_the_checkout(str(REPO.parent / "DESIGN.md"))


def test_the_checkout_and_the_temporary_folder_are_inside() -> None:
    assert not beside_the_checkout(REPO / "service" / "outputs" / "tables" / "schemas" / "ars_ldm.schema.json")
    assert not beside_the_checkout(Path(tempfile.gettempdir()) / "x.csv")
    assert not beside_the_checkout(3)  # a file descriptor
