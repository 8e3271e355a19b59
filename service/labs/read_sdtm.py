"""SDTM LB and VS into the laboratory frame, with ABLFL, BASE, CHG, ANRIND, BNRIND, ONTRTFL and ADY derived as
ADaM would (service.labs.derive; SDTMIG 3.4 LB and VS)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from service.importing.tables import find_table
from service.labs.read_common import Context, SourceColumns, frame_of, read_lab_dataset
from service.labs.read_source import SourceFrame, read_source_frame

DOMAINS = ("LB", "VS")


def sdtm_columns(domain: str) -> SourceColumns:
    p = domain
    return SourceColumns(
        subject="USUBJID", paramcd=f"{p}TESTCD", aval=f"{p}STRESN", param=f"{p}TEST",
        parcat1=f"{p}CAT" if domain == "LB" else None, unit=f"{p}STRESU", visit="VISIT", visitnum="VISITNUM",
        tpt=f"{p}TPT", tptnum=f"{p}TPTNUM", position="VSPOS" if domain == "VS" else None, date=f"{p}DTC",
        avalc=f"{p}STRESC", low=(f"{p}STNRLO",), high=(f"{p}STNRHI",), anrind=f"{p}NRIND",
        atoxgr=f"{p}TOXGR" if domain == "LB" else None, ablfl=(f"{p}BLFL", f"{p}LOBXFL"), status=f"{p}STAT",
    )  # fmt: skip


def load_sdtm_labs(folder: Path, context: Context) -> tuple[pd.DataFrame | None, list[str], dict[str, SourceFrame]]:
    """The frame (None without LB or VS), its notes, and each domain's source for the measurement route."""
    frames: list[dict[str, object]] = []
    notes: list[str] = []
    sources: dict[str, SourceFrame] = {}
    for domain in DOMAINS:
        path = find_table(folder, domain.lower())
        if path is None:
            continue
        source = read_source_frame(path, upper=True)
        sources[domain] = source
        frame, found = read_lab_dataset(source, sdtm_columns(domain), domain, domain, context, derive_all=True)
        frames.append(frame)
        notes += found
    if not frames:
        return None, notes, sources
    return frame_of(frames), notes, sources
