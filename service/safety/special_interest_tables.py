"""The AEs-of-special-interest tables' rows and footnotes from the analysis inputs (service.analysis TABLES)."""

from __future__ import annotations

from typing import Any

from service.results import KaplanMeierRow
from service.safety.categories import DISCONTINUATION_RULE
from service.safety.special_interest import NONE_DECLARED, SpecialInterestGroup, find_groups
from service.safety.special_interest import scope_note as _scope_note
from service.safety.special_interest_counts import (
    COMPARISON_RULE,
    COUNTING_RULE,
    PAIR_RULE,
    compare_special_interest,
    summarise_special_interest,
)
from service.safety.special_interest_rows import (
    SpecialInterestComparisonRow,
    SpecialInterestRow,
    SpecialInterestTimeRow,
)
from service.safety.special_interest_time import (
    left_out_note,
    special_interest_steps,
    summarise_time_to_first,
    time_rule,
)

# `inputs` is service.analysis.AnalysisInputs (not imported: analysis imports this module).


def groups_of(inputs: Any) -> tuple[SpecialInterestGroup, ...]:
    return find_groups(inputs.data.definition.raw, inputs.safety.all_frame)


def special_interest_rows(inputs: Any) -> tuple[SpecialInterestRow, ...]:
    return summarise_special_interest(groups_of(inputs), inputs.safety)


def special_interest_comparisons(inputs: Any) -> tuple[SpecialInterestComparisonRow, ...]:
    rows = special_interest_rows(inputs)
    return compare_special_interest(rows, inputs.safety, inputs.pair_order)


def special_interest_time(inputs: Any) -> tuple[SpecialInterestTimeRow, ...]:
    return summarise_time_to_first(groups_of(inputs), inputs.safety, inputs.data.definition.teae_window_days)


def special_interest_km(inputs: Any) -> tuple[KaplanMeierRow, ...]:
    return special_interest_steps(groups_of(inputs), inputs.safety, inputs.data.definition.teae_window_days)


def group_notes(inputs: Any) -> tuple[str, ...]:
    """Where the groups come from and what puts an AE in each."""
    groups = groups_of(inputs)
    if not groups:
        return (NONE_DECLARED,)
    declared = bool(inputs.data.definition.raw.get("safety", {}).get("special_interest"))
    source = ("Groups as trial.toml declares them ([[safety.special_interest]]); terms matched case-insensitively."
              if declared else "Groups as the AE data carry them (ADAE CQzzNAM: customised queries; SMQzzNAM: "
              "standardised MedDRA queries), each named as the data hold it.")  # fmt: skip
    rules = "; ".join(g.rule() for g in groups)
    scopes = tuple(note for g in groups if (note := _scope_note(g, inputs.safety.all_frame)))
    return (source, f"Groups: {rules}.", *scopes)


def special_interest_notes(inputs: Any) -> tuple[str, ...]:
    return (*group_notes(inputs), COUNTING_RULE, DISCONTINUATION_RULE,
            "Preferred terms within each group by decreasing number of participants.")  # fmt: skip


def comparison_notes(inputs: Any) -> tuple[str, ...]:
    if inputs.pair_order is not None:
        return (PAIR_RULE,)
    if inputs.safety.control is None:
        return ("No control arm is defined, so no comparison is made.",)
    return (COMPARISON_RULE.format(control=inputs.safety.control),)


def time_notes(inputs: Any) -> tuple[str, ...]:
    left_out = left_out_note(groups_of(inputs), inputs.safety)
    return (time_rule(inputs.data.definition.teae_window_days), *((left_out,) if left_out else ()))  # fmt: skip
