"""The same laboratory and vital-sign data as a bundle, SDTM and ADaM give the same laboratory and vital-sign tables
(the frames' equality is tests/labs/test_read_formats.py's; this is what the DMC reads from them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from service.analysis import build_analysis
from service.importing import load_source
from tests.labs import lab_fixture as fx

ROUTES: dict[str, Callable[[Path], Path]] = {
    "bundle": fx.write_bundle,
    "sdtm": lambda f: fx.write_sdtm(f, "csv"),
    "adam": lambda f: fx.write_adam(f, "xpt"),
}


def _lab_tables(route: str, folder: Path) -> dict[str, list[object]]:
    data = load_source(ROUTES[route](folder / route), "labs")
    results = build_analysis(data, data_cutoff=data.definition.data_cutoff)
    found = {name: list(table.rows) for name, table in results.tables.items()
             if name.startswith(("lab_", "vitals_", "listing_lab_"))}  # fmt: skip
    assert found and any(found.values()), route
    return found


@pytest.mark.parametrize("route", ["sdtm", "adam"])
def test_each_route_gives_the_bundles_tables(tmp_path: Path, route: str) -> None:
    bundle = _lab_tables("bundle", tmp_path)
    other = _lab_tables(route, tmp_path)
    assert other.keys() == bundle.keys()
    for name in bundle:
        assert other[name] == bundle[name], name
