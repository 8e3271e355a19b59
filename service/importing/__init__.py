"""Bringing trial data in: one loader per source format, all returning an ImportedTrial.

The loaders are imported when a source is loaded, not with the package: every module that reads a snapshot imports
service.importing.records, and with it this package, so importing the loaders here (and through them pandas, SciPy
and statsmodels) cost every listing command seconds of start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from service.errors import DataError
from service.importing.records import ImportedTrial

Loader = Callable[[Path, str, str | None], ImportedTrial]
FORMATS = ("bundle", "sdtm", "adam")


def loader(fmt: str) -> Loader:
    """The loader of one source format (FORMATS)."""
    if fmt == "adam":
        from service.importing.adam import load_adam

        return load_adam
    if fmt == "sdtm":
        from service.importing.sdtm import load_sdtm

        return load_sdtm
    from service.importing.bundle import load_bundle

    return load_bundle


def detect_format(folder: Path) -> str:
    """ADaM if there is an ADSL, SDTM if there is a DM, a bundle if there is participants.csv."""
    from service.importing.tables import find_table

    if find_table(folder, "adsl"):
        return "adam"
    if find_table(folder, "dm"):
        return "sdtm"
    if (folder / "participants.csv").exists():
        return "bundle"
    raise DataError(
        "cannot tell the source format",
        file=str(folder),
        hint="Expected adsl.xpt/.csv (ADaM), dm.xpt/.csv (SDTM) or participants.csv with trial.toml (bundle); "
        "or pass --format.",
    )


def load_source(source: Path, trial_id: str, fmt: str = "auto", control: str | None = None) -> ImportedTrial:
    if not source.exists():
        raise DataError("the source folder does not exist", file=str(source), hint="Check --source.")
    if not source.is_dir():
        raise DataError(
            "the source must be a folder",
            file=str(source),
            hint="Point --source at the folder holding the trial's files.",
        )
    if fmt == "auto":
        fmt = detect_format(source)
    if fmt not in FORMATS:
        raise DataError(f"unknown format '{fmt}'", hint=f"Use one of: auto, {', '.join(FORMATS)}.")
    from service.importing.references import check_references
    from service.monitoring.targets import check_monitoring
    from service.outcomes.supplied import attach_supplied  # here: it reads service.importing's records

    return check_references(check_monitoring(attach_supplied(loader(fmt)(source, trial_id, control))))
