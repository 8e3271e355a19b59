"""Where a trial's registry records come from, in order: a file named for it (the command's option, or
config.toml's [trials.ID] ctgov_record / irct_record), a record shipped in the trial's source folder
(registry/ctgov-record.json or .xml, registry/irct-record.xml), and for ClinicalTrials.gov the public API by the
definition's NCT id."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from registry.ctgov.read import read_ctgov_bytes
from registry.fetch import FetchPolicy, fetch_bytes, study_url
from registry.files import read_regular_file
from registry.irct.read import ictrp_view, read_ictrp_bytes
from registry.view import RegistryView
from registry.xmlsafe import MAX_BYTES
from service.config import Config
from service.errors import DataError
from service.models import Snapshot

NCT_ID = re.compile(r"NCT\d{8}", re.IGNORECASE)
SHIPPED = {"ctgov": ("registry/ctgov-record.json", "registry/ctgov-record.xml"), "irct": ("registry/irct-record.xml",)}


@dataclass(frozen=True)
class RecordSource:
    registry: str  # "ctgov" or "irct"
    location: str  # a file path or a URL, as the report names it
    is_url: bool = False


def source_folder(snapshot: Snapshot) -> Path | None:
    """The folder the snapshot was imported from, where a trial may ship its registry records."""
    return Path(snapshot.source_path) if snapshot.source_path else None


def read_record(source: RecordSource, config: Config, run_deadline: float | None = None) -> RegistryView:
    if source.is_url:
        registries = config.registries
        policy = FetchPolicy(registries.timeout_seconds, registries.retries, max_bytes=registries.max_bytes,
                             run_deadline=run_deadline)  # fmt: skip
        content = fetch_bytes(source.location, policy)
    else:
        content = read_regular_file(Path(source.location), MAX_BYTES)
    if source.registry == "ctgov":
        return read_ctgov_bytes(content, source.location)
    trials = read_ictrp_bytes(content, source.location)
    if len(trials) != 1:
        raise DataError(f"holds {len(trials)} trials; give the record of one", file=source.location)
    return ictrp_view(trials[0])


def ctgov_source(given: str | None, trial_file: Path | None, source_folder: Path | None, nct_id: str | None,
                 config: Config) -> RecordSource | None:  # fmt: skip
    """`given` is a file or an NCT id (fetched from [registries] ctgov_api)."""
    if given:
        if NCT_ID.fullmatch(given.strip()):
            return RecordSource("ctgov", study_url(config.registries.ctgov_api, given.strip().upper()), is_url=True)
        return RecordSource("ctgov", given)
    found = _file(trial_file, source_folder, "ctgov")
    if found is not None:
        return found
    if nct_id:
        return RecordSource("ctgov", study_url(config.registries.ctgov_api, nct_id), is_url=True)
    return None


def irct_source(given: str | None, trial_file: Path | None, source_folder: Path | None) -> RecordSource | None:
    if given:
        return RecordSource("irct", given)
    return _file(trial_file, source_folder, "irct")


def _file(trial_file: Path | None, source_folder: Path | None, registry: str) -> RecordSource | None:
    if trial_file is not None:
        return RecordSource(registry, str(trial_file))
    if source_folder is not None:
        for name in SHIPPED[registry]:
            if (source_folder / name).is_file():
                return RecordSource(registry, str(source_folder / name))
    return None
