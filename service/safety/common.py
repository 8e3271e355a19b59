"""Common adverse events (FDA Standard Safety Tables and Figures IG v2.0): treatment-emergent AEs by preferred term
that at least X% of the participants of some arm had, X being trial.toml's [safety] common_ae_percent (default 5).

A term is common when, in at least one arm, participants with it × 100 ≥ X × the arm's participants at risk,
compared exactly (5% of 20 participants is 1 participant, which qualifies). In the open edition the arms are pooled,
so the term must reach X% of all participants. Terms by decreasing number of participants (all arms), then name;
n (%) per arm, with no comparison between arms.

Worked example (X = 5): arm A 1 of 20 (5.0%) qualifies, arm B 1 of 21 (4.8%) does not; a term seen in that one
participant of A is listed, with B's count beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Any

from service.errors import DataError
from service.results import TOTAL, AECountRow
from service.safety.counts import build_count_rows, count_by_soc_pt
from service.safety.population import SafetySet

DEFAULT_COMMON_PERCENT = 5.0


def common_ae_percent(raw: Mapping[str, Any]) -> float:
    safety = raw.get("safety", {})
    value = safety.get("common_ae_percent", DEFAULT_COMMON_PERCENT) if isinstance(safety, dict) else None
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= 100:
        raise DataError(f"common_ae_percent is {value!r}", file="trial.toml", column="safety.common_ae_percent",
                        hint="Give the common-AE threshold as a percentage above 0 and at most 100.")  # fmt: skip
    return float(value)


def reaches(n: Any, at_risk: int, threshold: float) -> bool:
    """n of at_risk is at least `threshold` percent, exactly (no rounding of either side)."""
    return isinstance(n, int) and at_risk > 0 and Fraction(100 * n) >= Fraction(str(threshold)) * at_risk


def summarise_common_aes(safety: SafetySet, threshold: float) -> tuple[AECountRow, ...]:
    """The PT rows of the common terms, each arm and the Total, by decreasing frequency."""
    rows = build_count_rows(count_by_soc_pt(safety.frame), safety, "meddra")
    terms: dict[tuple[str, str], dict[str, AECountRow]] = {}
    for row in rows:
        if row.level == "pt":
            terms.setdefault((row.soc, row.pt), {})[row.arm] = row
    common = [
        (key, cells)
        for key, cells in terms.items()
        if any(reaches(cells[arm].n_subjects, cells[arm].n_at_risk, threshold) for arm in safety.arms)
    ]
    common.sort(key=lambda item: (-_total(item[1]), item[0][1].casefold(), item[0][0].casefold()))
    return tuple(replace(cells[arm], p_value=None, risk_diff=None, risk_diff_low=None, risk_diff_high=None)
                 for _, cells in common for arm in safety.columns)  # fmt: skip


def _total(cells: dict[str, AECountRow]) -> int:
    n = cells[TOTAL].n_subjects
    return n if isinstance(n, int) else 0


def common_ae_notes(threshold: float, pooled: bool) -> tuple[str, ...]:
    where = "of all participants (the arms pooled)" if pooled else "of the participants at risk in at least one arm"
    return (f"Preferred terms reported by at least {threshold:g}% {where}, compared exactly (not after rounding); by "
            "decreasing number of participants, then name.",)  # fmt: skip
