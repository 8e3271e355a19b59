"""Counting participants and events by SOC and PT: the engine behind every AE table of every output."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from service.results import TOTAL, AECountRow
from service.safety.population import SafetySet
from service.safety.soc_order import soc_sort_key
from service.stats import fisher_p, percent, risk_difference

Key = tuple[str, str, str]  # (level, soc, pt)
ANY: Key = ("any", "", "")

COUNTING_RULES = (
    "A participant with several events in a category is counted once in it (n); events (E) count every record.",
    "Percentages use the number of participants at risk in the arm (N).",
)
COMPARISON_RULE = (
    "p: Fisher's exact test, two-sided, of each arm against {control}; risk difference in percentage points "
    "with its 95% Newcombe hybrid-score confidence interval."
)


class Tally:
    """Participants and events per (level, soc, pt) and arm."""

    def __init__(self) -> None:
        self.subjects: dict[Key, dict[str, int]] = defaultdict(dict)
        self.events: dict[Key, dict[str, int]] = defaultdict(dict)


def count_by_soc_pt(frame: pd.DataFrame) -> Tally:
    """Count a frame of AEs (service.safety.frame): distinct participants and records per PT, SOC and overall."""
    tally = Tally()
    levels: tuple[tuple[list[str], Callable[[tuple[Any, ...]], Key]], ...] = (
        (["arm"], lambda k: ANY),
        (["soc", "arm"], lambda k: ("soc", k[0], "")),
        (["soc", "pt", "arm"], lambda k: ("pt", k[0], k[1])),
    )
    for by, key_of in levels:
        grouped = frame.groupby(by, observed=True)["subject"]
        for group, n, events in zip(
            grouped.nunique().index, grouped.nunique().to_numpy(), grouped.size().to_numpy(), strict=True
        ):
            parts = group if isinstance(group, tuple) else (group,)
            key = key_of(parts)
            tally.subjects[key][parts[-1]] = int(n)
            tally.events[key][parts[-1]] = int(events)
    return tally


def order_keys(tally: Tally, soc_order: str) -> list[Key]:
    """The any-row, then each SOC followed by its PTs: SOCs in MedDRA's internationally agreed order or by
    decreasing frequency; PTs by decreasing frequency (participants, all arms); ties by name."""

    def frequency(key: Key) -> int:
        return sum(tally.subjects[key].values())

    socs = [key for key in tally.subjects if key[0] == "soc"]
    if soc_order == "frequency":
        socs.sort(key=lambda k: (-frequency(k), k[1].casefold()))
    else:
        socs.sort(key=lambda k: soc_sort_key(k[1]))
    ordered = [ANY]
    for soc in socs:
        ordered.append(soc)
        pts = [k for k in tally.subjects if k[0] == "pt" and k[1] == soc[1]]
        ordered.extend(sorted(pts, key=lambda k: (-frequency(k), k[2].casefold())))
    return ordered


def order_terms_by_name(terms: Iterable[tuple[str, str]]) -> list[Key]:
    """The any-row, then each SOC in MedDRA's internationally agreed order followed by its PTs by name: the
    order of the tables whose rows are not ranked by frequency (maxima, rates)."""
    by_soc: dict[str, set[str]] = defaultdict(set)
    for soc, pt in terms:
        by_soc[soc].add(pt)
    keys: list[Key] = [ANY]
    for soc in sorted(by_soc, key=soc_sort_key):
        keys.append(("soc", soc, ""))
        keys.extend(("pt", soc, pt) for pt in sorted(by_soc[soc], key=str.casefold))
    return keys


def build_count_rows(tally: Tally, safety: SafetySet, soc_order: str) -> tuple[AECountRow, ...]:
    rows = []
    for key in order_keys(tally, soc_order):
        subjects = tally.subjects.get(key, {})
        events = tally.events.get(key, {})
        counts = {arm: subjects.get(arm, 0) for arm in safety.arms}
        counts[TOTAL] = sum(counts.values())
        for arm in safety.columns:
            n_events = sum(events.values()) if arm == TOTAL else events.get(arm, 0)
            rows.append(_row(key, arm, counts, n_events, safety))
    return tuple(rows)


def _row(key: Key, arm: str, counts: dict[str, int], n_events: int, safety: SafetySet) -> AECountRow:
    n, at_risk = counts[arm], safety.at_risk[arm]
    p_value = diff = None
    control = safety.control
    if control is not None and arm not in (control, TOTAL) and at_risk and safety.at_risk[control]:
        p_value = fisher_p(n, at_risk, counts[control], safety.at_risk[control])
        diff = risk_difference(n, at_risk, counts[control], safety.at_risk[control])
    return AECountRow(
        level=key[0],
        soc=key[1],
        pt=key[2],
        arm=arm,
        n_subjects=n,
        n_events=n_events,
        n_at_risk=at_risk,
        percent=percent(n, at_risk),
        p_value=p_value,
        risk_diff=diff.value if diff else None,
        risk_diff_low=diff.low if diff else None,
        risk_diff_high=diff.high if diff else None,
    )
