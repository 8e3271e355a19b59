"""The laboratory records the abnormality tables count, reduced once to one summary per participant and parameter,
and the normal-range categories during treatment (FDA Standard Safety Tables and Figures IG v2.0).

Rules, in order:
1. Laboratory records (domain LB) of the safety population, each participant in their safety arm.
2. The analysis records (trial.toml [labs] records): those flagged ANL01FL = Y, derived records (DTYPE) included as
   flagged, where the data carry ANL01FL or [labs] names it; else the on-treatment records (ONTRTFL = Y), observed
   values only. Either way never the baseline record (ABLFL = Y) nor one dated before study day 1.
3. A record's category is its ANRIND: LOW (also LOW LOW), NORMAL, HIGH (also HIGH HIGH); any other value (ABNORMAL,
   none) has no category. A participant's baseline category is BNRIND (else the ANRIND of their ABLFL record), or
   MISSING.
4. Per parameter and arm, of the participants with an analysis record with a category (N): any low, any high, and
   all normal (every categorized analysis record normal), n (%).

Everything is counted with integer codes and numpy (np.bincount) over the frame's columns, never a Python loop per
record: 3.6 million records take about a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from service.labs.abnormal_rules import RECORD_FLAGS, LabRules
from service.labs.rows import LabCategoryRow
from service.results import TOTAL

CATEGORIES = ("LOW", "NORMAL", "HIGH")  # codes 0, 1, 2; -1 none
MISSING = "MISSING"
_CODES = {"LOW": 0, "LOW LOW": 0, "NORMAL": 1, "HIGH": 2, "HIGH HIGH": 2}
CATEGORY_WORDS = {"LOW": "Any low", "HIGH": "Any high", "NORMAL": "All normal"}
NO_LABS = "No laboratory data were collected."
CATEGORY_RULE = ("Category: the record's reference-range indicator ANRIND (LOW, NORMAL, HIGH; LOW LOW and HIGH HIGH "
                 "counted as LOW and HIGH); N: participants of the arm with an analysis record of the parameter that "
                 "has a category; all normal: every such record NORMAL.")  # fmt: skip


@dataclass(frozen=True)
class Parameter:
    code: str  # PARAMCD
    label: str  # PARAM
    unit: str | None
    category: str | None  # PARCAT1


class LabAnalysis:
    """A trial's laboratory records as the abnormality tables count them: the analysis records' positions in the
    frame, each with its participant, parameter, arm and category as integer codes."""

    parameters: list[Parameter]

    def __init__(self, frame: pd.DataFrame | None, arm_of: dict[str, str], arms: tuple[str, ...], rules: LabRules):
        self.rules = rules
        self.arms = arms
        self.frame = frame if frame is not None else None
        lab = np.zeros(0, dtype=bool) if frame is None else frame["domain"].to_numpy() == "LB"
        self.collected = bool(lab.any())
        if not self.collected or frame is None:
            self._empty()
            return
        subject_codes, subjects = pd.factorize(frame["subject_id"])
        arm_position = {arm: i for i, arm in enumerate(arms)}
        subject_arm = np.array([arm_position.get(arm_of.get(s, ""), -1) for s in subjects] + [-1], dtype=np.int64)
        arm = subject_arm[subject_codes]  # code -1 (no subject) takes the sentinel
        rows = np.flatnonzero(lab & (arm >= 0))
        self.rows = rows  # positions in the frame of the safety population's laboratory records
        self.subjects = np.asarray(subjects, dtype=object)
        self.subject = subject_codes[rows]
        self.arm = arm[rows]
        self.subject_arm = subject_arm[:-1]
        parameter_codes, codes = pd.factorize(frame["paramcd"].to_numpy()[rows])
        self.parameter = parameter_codes
        self.parameters = self._describe(codes, parameter_codes, frame, rows)
        self.category = _category(frame["anrind"].to_numpy()[rows])
        self.flag = self.rules.records or ("ANL01FL" if bool(frame["anl01fl"].iloc[rows].notna().any()) else "ONTRTFL")
        self.analysis = self._analysis_mask(frame, rows)

    def _empty(self) -> None:
        self.rows = self.subject = self.arm = self.parameter = self.category = np.zeros(0, dtype=np.int64)
        self.analysis = np.zeros(0, dtype=bool)
        self.subjects = np.zeros(0, dtype=object)
        self.subject_arm = np.zeros(0, dtype=np.int64)
        self.parameters = []
        self.flag = self.rules.records or "ONTRTFL"

    @staticmethod
    def _describe(codes: Any, parameter_codes: np.ndarray, frame: pd.DataFrame, rows: np.ndarray) -> list[Parameter]:
        """Each parameter's label, unit and category from its first record."""
        first = np.empty(len(codes), dtype=np.int64)
        first[parameter_codes[::-1]] = np.arange(len(parameter_codes))[::-1]  # reversed: the first is written last
        at = rows[first]
        found = [Parameter(str(code), _text(label) or str(code), _text(unit), _text(category))
                 for code, label, unit, category in zip(codes, frame["param"].to_numpy()[at],
                                                        frame["unit"].to_numpy()[at],
                                                        frame["parcat1"].to_numpy()[at], strict=True)]  # fmt: skip
        return found

    def _analysis_mask(self, frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
        """Rule 2: the analysis records among `rows`."""
        flag = self.flag
        flagged = frame[RECORD_FLAGS[flag]].iloc[rows].fillna(False).to_numpy(dtype=bool)
        baseline = frame["ablfl"].iloc[rows].fillna(False).to_numpy(dtype=bool)
        day = frame["ady"].to_numpy()[rows]
        keep = flagged & ~baseline & ~(day < 1)
        if self.rules.records is None and flag == "ONTRTFL":
            keep &= frame["dtype"].iloc[rows].isna().to_numpy()
        return keep

    @property
    def key_count(self) -> int:
        return len(self.subjects) * len(self.parameters)

    @cached_property
    def key(self) -> np.ndarray:
        """Each record's (participant, parameter) as one integer."""
        return self.subject.astype(np.int64) * len(self.parameters) + self.parameter

    @cached_property
    def datasets(self) -> list[Any]:
        """The source datasets of the laboratory records (ADLBC, LB, labs.csv, …)."""
        if self.frame is None or not len(self.rows):
            return []
        return list(pd.unique(self.frame["dataset"].to_numpy()[self.rows]))

    def count(self, mask: np.ndarray) -> np.ndarray:
        """Records of `mask` per (participant, parameter) key."""
        return np.bincount(self.key[mask], minlength=self.key_count)

    @cached_property
    def counts(self) -> dict[str, np.ndarray]:
        """Per key: analysis records with a category, and LOW, NORMAL and HIGH ones."""
        analysed = self.analysis
        return {
            "categorized": self.count(analysed & (self.category >= 0)),
            **{name: self.count(analysed & (self.category == code)) for code, name in enumerate(CATEGORIES)},
        }

    @cached_property
    def baseline(self) -> np.ndarray:
        """Per key, rule 3's baseline category code (-1: missing)."""
        found = np.full(self.key_count, -1, dtype=np.int64)
        if self.frame is None or not len(self.rows):
            return found
        given = _category(self.frame["bnrind"].to_numpy()[self.rows])
        flagged = self.frame["ablfl"].iloc[self.rows].fillna(False).to_numpy(dtype=bool)
        fallback = self.category.copy()
        fallback[~flagged] = -1
        for codes in (fallback, given):  # BNRIND last, so it wins where both are given
            valid = np.flatnonzero(codes >= 0)[::-1]  # reversed: the first record's value is written last
            found[self.key[valid]] = codes[valid]
        return found

    def by_parameter_and_arm(self, per_key: np.ndarray) -> np.ndarray:
        """Per-key counts summed to (parameter, arm); per_key is 0/1 (a participant) or a count."""
        keys = np.arange(self.key_count)
        subject, parameter = keys // max(len(self.parameters), 1), keys % max(len(self.parameters), 1)
        arm = self.subject_arm[subject] if len(self.subject_arm) else np.zeros(0, dtype=np.int64)
        cells = parameter * len(self.arms) + arm
        use = arm >= 0
        summed = np.bincount(cells[use], weights=per_key[use], minlength=len(self.parameters) * len(self.arms))
        return summed.reshape(len(self.parameters), len(self.arms)).round().astype(np.int64)

    def ordered_parameters(self) -> list[int]:
        """Parameter positions in the order printed: by category (PARCAT1: chemistry, haematology, …), then label."""
        return sorted(range(len(self.parameters)),
                      key=lambda i: (self.parameters[i].category is None, self.parameters[i].category or "",
                                     self.parameters[i].label.casefold()))  # fmt: skip


def lab_analysis(inputs: Any) -> LabAnalysis:
    """The trial's LabAnalysis, made once per analysis (AnalysisInputs): every laboratory table reads the same one.
    Kept in the inputs' own __dict__, as functools.cached_property keeps a value on a frozen dataclass."""
    from service.labs.abnormal_rules import read_lab_rules

    cached = inputs.__dict__.get("_lab_analysis")
    if cached is None:
        safety = inputs.safety
        cached = LabAnalysis(inputs.data.labs, safety.arm_of, safety.arms, read_lab_rules(inputs.data.definition.raw))
        inputs.__dict__["_lab_analysis"] = cached
    return cached


def summarise_lab_categories(labs: LabAnalysis) -> tuple[LabCategoryRow, ...]:
    """Rule 4, per parameter in print order, each arm and the total."""
    counts = labs.counts
    categorized = counts["categorized"] > 0
    per_key = {
        "LOW": counts["LOW"] > 0,
        "HIGH": counts["HIGH"] > 0,
        "NORMAL": categorized & (counts["NORMAL"] == counts["categorized"]),
    }
    totals = labs.by_parameter_and_arm(categorized.astype(float))
    found = {name: labs.by_parameter_and_arm(flags.astype(float)) for name, flags in per_key.items()}
    rows: list[LabCategoryRow] = []
    for p in labs.ordered_parameters():
        parameter = labs.parameters[p]
        for name in ("LOW", "HIGH", "NORMAL"):
            cells = [*zip(labs.arms, found[name][p], totals[p], strict=True),
                     (TOTAL, found[name][p].sum(), totals[p].sum())]  # fmt: skip
            rows.extend(LabCategoryRow(parameter.code, parameter.label, name, arm, int(n), int(total),
                                       percent(n, total)) for arm, n, total in cells)  # fmt: skip
    return tuple(rows)


def lab_notes(labs: LabAnalysis, *rules: str) -> tuple[str, ...]:
    """A laboratory table's footnotes: that no data were collected, or the records counted, their source, and the
    table's own rules."""
    if not labs.collected:
        return (NO_LABS,)
    return (records_rule(labs), source_note(labs), *rules)


def source_note(labs: LabAnalysis) -> str:
    datasets = sorted({str(d) for d in labs.datasets if d is not None})
    return f"Laboratory records from {', '.join(datasets) or 'the data'}; safety population only."


def records_rule(labs: LabAnalysis) -> str:
    """The footnote naming the analysis records (rule 2)."""
    if labs.flag == "ANL01FL" or labs.rules.records is not None:
        chosen = "as trial.toml's [labs] records names" if labs.rules.records else "as the data flag them"
        return (f"Analysis records: those flagged {labs.flag} = Y ({chosen}), derived records included as flagged, "
                "after baseline (not ABLFL = Y) and from study day 1.")  # fmt: skip
    return ("Analysis records: on-treatment records (ONTRTFL = Y) after baseline (not ABLFL = Y) and from study day "
            "1, observed values only (no derived DTYPE records); the data carry no ANL01FL.")  # fmt: skip


def percent(n: Any, total: Any) -> float | None:
    return round(100.0 * float(n) / float(total), 10) if total else None


def _category(values: np.ndarray) -> np.ndarray:
    """ANRIND-like text as category codes: 0 LOW, 1 NORMAL, 2 HIGH, -1 anything else or none."""
    codes, uniques = pd.factorize(values)
    lookup = np.array([_CODES.get(str(u).strip().upper(), -1) for u in uniques] + [-1], dtype=np.int64)
    return lookup[codes]


def _text(value: Any) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)
