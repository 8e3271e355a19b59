"""AEs that meet a seriousness criterion but are not flagged serious: a contradiction in the data.

ICH E2A defines a serious AE by its criteria (death, life-threatening, hospitalisation, disability, congenital
anomaly, other medically important event); SDTM carries both the criteria (AESDTH, AESLIFE, AESHOSP, AESDISAB,
AESCONG, AESMIE) and the investigator's AESER. An AE with a criterion and AESER = N cannot be both: the import's
notes and the serious tables' footnotes name such records, and [safety] seriousness says which one counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from service.importing.records import AdverseEventRecord
from service.safety.rules import SafetyRules

# (AdverseEventRecord field, SDTM variable, ICH E2A criterion), in SDTMIG's order.
CRITERIA = (
    ("serious_death", "AESDTH", "results in death"),
    ("serious_life_threatening", "AESLIFE", "life-threatening"),
    ("serious_hospitalization", "AESHOSP", "hospitalisation"),
    ("serious_disability", "AESDISAB", "disability"),
    ("serious_congenital_anomaly", "AESCONG", "congenital anomaly"),
    ("serious_other", "AESMIE", "other medically important"),
)
SHOWN_SUBJECTS = 5


@dataclass(frozen=True)
class Contradictions:
    records: int
    subjects: tuple[str, ...]  # the participants with such a record, sorted
    by_criterion: tuple[tuple[str, int], ...]  # (record field, records with that criterion), in CRITERIA order


def find_contradictions(events: Iterable[AdverseEventRecord]) -> Contradictions | None:
    """The records with a seriousness criterion and AESER = N, or None when there is none."""
    found = [e for e in events if not e.serious and any(getattr(e, name) for name, _, _ in CRITERIA)]
    if not found:
        return None
    counts = Counter(name for e in found for name, _, _ in CRITERIA if getattr(e, name))
    return Contradictions(len(found), tuple(sorted({e.subject_id for e in found})),
                          tuple((name, counts[name]) for name, _, _ in CRITERIA if counts[name]))  # fmt: skip


def find_contradictions_in_frame(frame: pd.DataFrame) -> Contradictions | None:
    """As find_contradictions, over an AE frame (service.safety.frame) whose `aeser` is AESER as given."""
    if frame.empty:
        return None
    criterion = frame[[name for name, _, _ in CRITERIA]].to_numpy()
    mask = ~frame["aeser"].to_numpy() & criterion.any(axis=1)
    if not mask.any():
        return None
    counts = criterion[mask].sum(axis=0)
    subjects = tuple(sorted({str(s) for s in frame["subject"].to_numpy()[mask]}))
    by_criterion = tuple((name, int(n)) for (name, _, _), n in zip(CRITERIA, counts, strict=True) if n)
    return Contradictions(int(mask.sum()), subjects, by_criterion)


def _subjects(found: Contradictions) -> str:
    shown = ", ".join(found.subjects[:SHOWN_SUBJECTS])
    more = len(found.subjects) - SHOWN_SUBJECTS
    return shown + (f" and {more} more" if more > 0 else "")


def contradiction_import_note(found: Contradictions, file: str, columns: Mapping[str, str | None]) -> str:
    """The import's note: `columns` names each criterion's column in the file (a bundle's sae_death, SDTM AESDTH)."""
    criteria = ", ".join(f"{columns.get(name) or variable} = Y: {n}" for name, n in found.by_criterion
                         for field, variable, _ in CRITERIA if field == name)  # fmt: skip
    serious = columns.get("serious") or "AESER"
    return (f"{file}: {found.records} AE record(s) of {len(found.subjects)} participant(s) meet a seriousness "
            f"criterion but are not flagged serious ({serious} = N), a contradiction in the data ({criteria}); "
            f"participants {_subjects(found)}. Counted as not serious, as {serious} says, unless trial.toml's [safety] "
            'seriousness = "criteria" (ICH E2A); a fatal one counts among the deaths either way')  # fmt: skip


def contradiction_footnote(found: Contradictions, rules: SafetyRules) -> str:
    """The serious tables' data-quality footnote."""
    criteria = ", ".join(f"{plain} ({variable}) {n}" for name, n in found.by_criterion
                         for field, variable, plain in CRITERIA if field == name)  # fmt: skip
    counted = (
        'They are counted as serious, by their criteria (ICH E2A; [safety] seriousness = "criteria").'
        if rules.seriousness == "criteria"
        else 'They are counted as not serious, as AESER gives ([safety] seriousness = "flag", the default; '
        '"criteria" counts them as serious, as ICH E2A defines it); fatal ones count among the deaths.'
    )
    return (f"Data quality: {found.records} AE record(s) of {len(found.subjects)} participant(s) "
            f"({_subjects(found)}) meet a seriousness criterion — {criteria} — but are recorded not serious "
            f"(AESER = N). {counted}")  # fmt: skip
