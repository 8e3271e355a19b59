"""ADaM BDS laboratory and vital-sign datasets (ADLB, ADLBC, ADLBH, ADLBHY, any ADLB*, and ADVS) into the frame,
their variables used as given; a variable a dataset lacks is derived as for SDTM, and the import notes which."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pandas as pd

from service.importing.adam import LAB_STEM
from service.importing.tables import TABLE_SUFFIXES, refuse_twins
from service.labs.read_common import Context, SourceColumns, frame_of, read_lab_dataset
from service.labs.read_source import SourceFrame, read_source_frame

BDS_NOTE = "not a BDS dataset with USUBJID, PARAMCD and AVAL (or AVALC); not imported"


def adam_columns(dataset: str, source: SourceFrame) -> SourceColumns:
    vital_signs = dataset == "ADVS"
    position = ("VSPOS" if source.has("VSPOS") else "ATPT") if vital_signs else None
    return SourceColumns(
        subject="USUBJID", paramcd="PARAMCD", aval="AVAL", param="PARAM", parcat1="PARCAT1", unit="AVALU",
        visit="AVISIT", visitnum="AVISITN", tpt="ATPT", tptnum="ATPTN", position=position, date="ADT",
        avalc="AVALC", low=("ANRLO", "A1LO"), high=("ANRHI", "A1HI"), anrind="ANRIND", bnrind="BNRIND",
        atoxgr="ATOXGR", btoxgr="BTOXGR", ablfl=("ABLFL",), anl01fl="ANL01FL", ontrtfl="ONTRTFL", dtype="DTYPE",
        base="BASE", chg="CHG", ady="ADY", param_as_given=True,
    )  # fmt: skip


def lab_paths(folder: Path) -> dict[str, Path]:
    """Each laboratory or vital-sign dataset's file, by its name upper-cased (ADLBC)."""
    by_stem: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(folder.iterdir()):
        if LAB_STEM.match(path.stem) and path.suffix.lower() in TABLE_SUFFIXES:
            by_stem[path.stem.upper()].append(path)
    for stem, paths in by_stem.items():
        refuse_twins(paths, stem)
    return {stem: paths[0] for stem, paths in by_stem.items() if paths[0].is_file() or paths[0].is_symlink()}


def load_adam_labs(folder: Path, context: Context) -> tuple[pd.DataFrame | None, list[str], dict[str, SourceFrame]]:
    """The frame (None without any such dataset), its notes, and each dataset's source (by its upper-cased name)
    for the measurement route."""
    frames: list[dict[str, object]] = []
    notes: list[str] = []
    sources: dict[str, SourceFrame] = {}
    for dataset, path in lab_paths(folder).items():
        source = read_source_frame(path, upper=True)
        if not (source.has("USUBJID") and source.has("PARAMCD") and (source.has("AVAL") or source.has("AVALC"))):
            notes.append(f"{path.name}: {BDS_NOTE}")
            continue
        sources[dataset] = source
        domain = "VS" if dataset == "ADVS" else "LB"
        frame, found = read_lab_dataset(source, adam_columns(dataset, source), domain, dataset, context,
                                        derive_all=False)  # fmt: skip
        frames.append(frame)
        notes += found
    if not frames:
        return None, notes, sources
    return frame_of(frames), notes, sources
