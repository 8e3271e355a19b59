"""trial.toml's [labs]: which laboratory records the abnormality tables count, the clinically significant criteria
per parameter, and the codes of the liver tests (README, 'The trial definition').

    [labs]
    records = "ANL01FL"                      # or "ONTRTFL"; default ANL01FL where the data carry it, else ONTRTFL
    liver = { alt = "ALT", ast = "AST", bilirubin = "BILI", alp = "ALP" }

    [[labs.criteria]]
    parameter = "ALT"
    above_uln = 3                            # AVAL > 3 × ANRHI
    grade = 3                                # ATOXGR ≥ 3
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from service.errors import DataError

DEFINITION_FILE = "trial.toml"
# The record flags `records` may name, and their column in the laboratory frame (service.labs.frame).
RECORD_FLAGS = {"ANL01FL": "anl01fl", "ONTRTFL": "ontrtfl"}
# The liver tests' codes as SDTM (LBTESTCD) and the CDISC pilot's ADLBC (PARAMCD) name them.
LIVER_DEFAULTS = {"alt": "ALT", "ast": "AST", "bilirubin": "BILI", "alp": "ALP"}
LIMITS = ("above_uln", "below_lln", "above", "below", "grade")


@dataclass(frozen=True)
class Criterion:
    """One [[labs.criteria]] entry: a value of `parameter` is clinically significant when it meets any limit."""

    parameter: str
    above_uln: float | None = None  # AVAL > above_uln × ANRHI
    below_lln: float | None = None  # AVAL < below_lln × ANRLO
    above: float | None = None  # AVAL > above, in the parameter's unit
    below: float | None = None  # AVAL < below
    grade: int | None = None  # ATOXGR ≥ grade

    def words(self) -> str:
        """The criterion as the footnote states it: "ALT: > 3×ULN, or grade ≥ 3"."""
        parts = [
            *([f"> {self.above_uln:g}×ULN"] if self.above_uln is not None else []),
            *([f"< {self.below_lln:g}×LLN"] if self.below_lln is not None else []),
            *([f"> {self.above:g}"] if self.above is not None else []),
            *([f"< {self.below:g}"] if self.below is not None else []),
            *([f"CTCAE grade ≥ {self.grade}"] if self.grade is not None else []),
        ]
        return f"{self.parameter}: {', or '.join(parts)}"


@dataclass(frozen=True)
class LabRules:
    records: str | None = None  # a flag of RECORD_FLAGS; None: ANL01FL where the data carry it, else ONTRTFL
    criteria: tuple[Criterion, ...] = ()
    liver: Mapping[str, str] = field(default_factory=lambda: dict(LIVER_DEFAULTS))


def read_lab_rules(raw: Mapping[str, Any]) -> LabRules:
    """[labs] as the analysis reads it; a value the schema lets through but the analysis cannot use (a criterion
    without a limit, a flag the frame does not hold) is refused naming trial.toml and the key."""
    labs = raw.get("labs", {})
    if not isinstance(labs, Mapping):
        raise _error("[labs] must be a table", "labs")
    records = labs.get("records")
    if records is not None and records not in RECORD_FLAGS:
        raise _error(f"records is {records!r}", "labs.records",
                     f"Name one of {', '.join(RECORD_FLAGS)}, or leave it out for ANL01FL where the data carry "
                     "it, else the on-treatment (ONTRTFL) records.")  # fmt: skip
    liver = {**LIVER_DEFAULTS, **{str(k): str(v) for k, v in dict(labs.get("liver", {})).items()}}
    criteria = []
    for index, entry in enumerate(labs.get("criteria", []), start=1):
        limits = {key: entry[key] for key in LIMITS if entry.get(key) is not None}
        if not entry.get("parameter"):
            raise _error(f"criteria (entry {index}) names no parameter", "labs.criteria.parameter",
                         "Give the parameter's code (PARAMCD, LBTESTCD, the bundle's parameter).")  # fmt: skip
        if not limits:
            raise _error(f"criteria (entry {index}, {entry['parameter']}) has no limit", "labs.criteria",
                         f"Give at least one of {', '.join(LIMITS)}.")  # fmt: skip
        criteria.append(Criterion(str(entry["parameter"]), **limits))
    return LabRules(records, tuple(criteria), liver)


def check_lab_references(raw: Mapping[str, Any], frame: Any) -> None:
    """At import: the record flag [labs] records names is in the laboratory data, and so is every parameter a
    criterion names. Without laboratory data (none, or vital signs only) there is nothing to check: the report says
    none were collected."""
    rules = read_lab_rules(raw)
    if frame is None or not len(frame):
        return
    lab = frame[frame["domain"] == "LB"]
    if lab.empty:
        return  # vital signs only: no laboratory table to choose records for
    if rules.records is not None and not lab[RECORD_FLAGS[rules.records]].notna().any():
        raise _error(f"records names {rules.records}, which no laboratory record carries", "labs.records",
                     "Leave records out to count the on-treatment (ONTRTFL) records, or name a flag the data "
                     "have.")  # fmt: skip
    known = set(lab["paramcd"].dropna().unique())
    for index, criterion in enumerate(rules.criteria, start=1):
        if criterion.parameter not in known:
            shown = ", ".join(sorted(known)[:12]) + (", …" if len(known) > 12 else "")
            raise _error(f"criteria (entry {index}): parameter '{criterion.parameter}' is in no laboratory record",
                         "labs.criteria.parameter", f"The laboratory parameters are: {shown}.")  # fmt: skip


def _error(problem: str, column: str, hint: str | None = None) -> DataError:
    return DataError(problem, file=DEFINITION_FILE, column=column, hint=hint)
