"""The three AE tables a registry needs (ClinicalTrials.gov reportedEvents; IRCT results_adverse_events):
serious AEs, other (non-serious) AEs at or above a frequency threshold in any arm, and all-cause mortality."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import pandas as pd

from service.errors import DataError
from service.results import MortalityRow, RegistryAERow, RegistryGroupRow
from service.safety.overview import count_deaths
from service.safety.population import SafetySet
from service.safety.soc_order import soc_sort_key

# 42 CFR 11.48(a)(4): other AEs exceeding a frequency threshold, which may not exceed 5 percent.
MAX_OTHER_THRESHOLD = 5.0


def check_other_threshold(threshold: float) -> float:
    if not 0 <= threshold <= MAX_OTHER_THRESHOLD:
        raise DataError(
            f"other_ae_threshold_percent is {threshold:g}",
            file="trial.toml",
            column="safety.other_ae_threshold_percent",
            hint="The registry threshold for other (non-serious) AEs is 0 (report every one) to 5 percent.",
        )
    return threshold


Restricted = Mapping[str, str]  # preferred term -> the sex (F or M) it can happen to


def sex_specific_terms(raw: Mapping[str, Any]) -> dict[str, str]:
    """[safety] sex_specific_terms = {"Pregnancy" = "F", "Prostatitis" = "M"}: such a term's number at risk is the
    arm's participants of that sex (a registry may restrict a term's at-risk number; PRS accepts it)."""
    section = raw.get("safety", {})
    terms = section.get("sex_specific_terms", {}) if isinstance(section, dict) else {}
    if not isinstance(terms, dict) or any(str(sex).upper() not in ("F", "M") for sex in terms.values()):
        raise DataError("sex_specific_terms maps preferred terms to F or M", file="trial.toml",
                        column="safety.sex_specific_terms")  # fmt: skip
    return {str(pt).casefold(): str(sex).upper() for pt, sex in terms.items()}


def summarise_serious_for_registry(
    safety: SafetySet, restricted: Restricted | None = None
) -> tuple[RegistryAERow, ...]:
    frame = safety.frame
    return _terms(safety, frame[frame["serious"].to_numpy()], threshold=None, restricted=restricted or {})


def summarise_other_for_registry(
    safety: SafetySet, threshold: float, restricted: Restricted | None = None
) -> tuple[RegistryAERow, ...]:
    """Non-serious TEAEs of each term, listed when the share of participants affected reaches `threshold`
    percent in at least one arm (the exact proportion, not the rounded percentage)."""
    frame = safety.frame
    return _terms(safety, frame[~frame["serious"].to_numpy()], threshold=check_other_threshold(threshold),
                  restricted=restricted or {})  # fmt: skip


def summarise_mortality_for_registry(safety: SafetySet) -> tuple[MortalityRow, ...]:
    deaths = count_deaths(safety)
    return tuple(MortalityRow(arm, deaths[arm], safety.at_risk[arm]) for arm in safety.arms)


def summarise_registry_groups(
    safety: SafetySet, threshold: float, restricted: Restricted | None = None
) -> tuple[RegistryGroupRow, ...]:
    """Per arm: at risk, participants with any serious TEAE, participants with any of the other TEAEs the
    registry table lists (terms reaching the threshold), and deaths."""
    frame = safety.frame
    serious = frame[frame["serious"].to_numpy()]
    listed = {(r.soc, r.pt) for r in summarise_other_for_registry(safety, threshold, restricted)}
    other = frame[~frame["serious"].to_numpy()]
    keep = [(soc, pt) in listed for soc, pt in zip(other["soc"], other["pt"], strict=True)]
    other = other[keep]
    deaths = count_deaths(safety)
    return tuple(
        RegistryGroupRow(arm, safety.at_risk[arm], _affected(serious, arm), _affected(other, arm), deaths[arm])
        for arm in safety.arms
    )


def _affected(frame: pd.DataFrame, arm: str) -> int:
    if frame.empty:  # an empty frame may carry no columns at all
        return 0
    return int(frame.loc[(frame["arm"] == arm).to_numpy(), "subject"].nunique())


def _terms(
    safety: SafetySet, frame: pd.DataFrame, threshold: float | None, restricted: Restricted
) -> tuple[RegistryAERow, ...]:
    grouped = frame.groupby(["soc", "pt", "arm"], observed=True)["subject"].agg(["nunique", "size"])
    affected: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    events: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for (soc, pt, arm), (n, count) in zip(grouped.index, grouped.to_numpy(), strict=True):
        affected[(soc, pt)][arm] = int(n)
        events[(soc, pt)][arm] = int(count)
    rows: list[RegistryAERow] = []
    by_sex: dict[tuple[str, str], int] = defaultdict(int)
    if restricted:
        for subject, arm in safety.arm_of.items():
            by_sex[(arm, (safety.participants[subject].sex or "").upper()[:1])] += 1
    for term in sorted(affected, key=lambda t: (soc_sort_key(t[0]), t[1].casefold())):
        n = {arm: affected[term].get(arm, 0) for arm in safety.arms}
        sex = restricted.get(term[1].casefold())
        at_risk = {arm: by_sex[(arm, sex)] if sex else safety.at_risk[arm] for arm in safety.arms}
        if threshold is not None and not any(
            at_risk[arm] and 100 * n[arm] >= threshold * at_risk[arm] for arm in safety.arms
        ):
            continue
        rows.extend(
            RegistryAERow(term[0], term[1], arm, n[arm], at_risk[arm], events[term].get(arm, 0)) for arm in safety.arms
        )
    return tuple(rows)
