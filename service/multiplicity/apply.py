"""The comparison rows with each family's adjusted p-values, and the footnotes that say how they were adjusted."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from service.multiplicity.adjust import (
    adjust_bonferroni,
    adjust_dunnett,
    adjust_fixed_sequence,
    adjust_graphical,
    adjust_hochberg,
    adjust_holm,
)
from service.multiplicity.family import Family, Hypothesis
from service.results import ComparisonRow

METHOD_WORDS = {
    "bonferroni": "Bonferroni (each p times the family's size)",
    "holm": "Holm's step-down",
    "hochberg": "Hochberg's step-up (valid under independence or positive dependence)",
    "fixed-sequence": "the fixed-sequence test in the order the plan lists them",
    "graphical": "the graphical approach of Bretz et al. (2009), with the plan's weights and transitions",
    "dunnett": "Dunnett's many-to-one test (single-step, two-sided, on the normal scale: each z from its p, "
    "correlated through the arms' numbers analysed)",
}
METHOD_NAMES = {
    "bonferroni": "Bonferroni",
    "holm": "Holm",
    "hochberg": "Hochberg",
    "fixed-sequence": "fixed sequence",
    "graphical": "graphical approach (Bretz et al. 2009)",
    "dunnett": "Dunnett",
}
SIMPLE: dict[str, Callable[[Sequence[float]], list[float]]] = {
    "bonferroni": adjust_bonferroni,
    "holm": adjust_holm,
    "hochberg": adjust_hochberg,
    "fixed-sequence": adjust_fixed_sequence,
}


def adjust_comparisons(
    families: Sequence[Family], rows: Sequence[ComparisonRow]
) -> tuple[list[ComparisonRow], list[str]]:
    """Each family's comparisons with their adjusted p (the others as they were), and one footnote per family.

    A hypothesis with no p at this cut-off (no comparison row yet, or one without a test) counts as not rejected:
    p = 1 in the family, so the family keeps its declared size and no other hypothesis gains from its absence; the
    footnote says which."""
    adjusted = list(rows)
    notes = []
    for family in families:
        found = [_row_of(h, adjusted) for h in family.hypotheses]
        if family.method == "dunnett":
            adjusted, note = _many_to_one(family, found, adjusted)
            notes.append(note)
            continue
        p = [1.0 if (value := _p_of(i, rows)) is None else value for i in found]
        values = (adjust_graphical(p, family.weights, family.transitions) if family.method == "graphical"
                  else SIMPLE[family.method](p))  # fmt: skip
        for i, value in zip(found, values, strict=True):
            if i is not None and _p_of(i, rows) is not None:
                adjusted[i] = replace(adjusted[i], p_adjusted=value, adjustment=family.method, family=family.name)
        missing = sum(1 for i in found if _p_of(i, rows) is None)
        notes.append(
            f"p adj.: p adjusted for multiplicity over the family '{family.name}' ({len(family.hypotheses)} "
            f"hypotheses) by {METHOD_WORDS[family.method]}: reject where p adj. is at most the family's α."
            + (
                f" {missing} of its hypotheses have no p at this cut-off and count as not rejected (p = 1)."
                if missing
                else ""
            )
        )
    return adjusted, notes


def _many_to_one(family: Family, found: list[int | None], rows: list[ComparisonRow]) -> tuple[list[ComparisonRow], str]:
    """Dunnett's correlation needs every comparison's numbers: with one missing at this cut-off, no adjusted p."""
    words = f"p adj.: p adjusted for multiplicity over the family '{family.name}' ({len(family.hypotheses)} " \
            f"hypotheses) by {METHOD_WORDS['dunnett']}: reject where p adj. is at most the family's α."  # fmt: skip
    present = [i for i in found if i is not None and rows[i].p_value is not None]
    if len(present) < len(found):
        return rows, (f"{words} Not computed at this cut-off: {len(found) - len(present)} of its comparisons have no "
                      "p yet, and the test needs them all.")  # fmt: skip
    values = adjust_dunnett([rows[i].p_value or 0.0 for i in present], [rows[i].n_arm for i in present],
                            [rows[i].n_control for i in present])  # fmt: skip
    adjusted = list(rows)
    for i, value in zip(present, values, strict=True):
        adjusted[i] = replace(rows[i], p_adjusted=value, adjustment=family.method, family=family.name)
    return adjusted, words


def _row_of(h: Hypothesis, rows: Sequence[ComparisonRow]) -> int | None:
    for index, row in enumerate(rows):
        if row.parameter != h.parameter or row.title != h.title or not h.target.matches(row.arm, row.control):
            continue
        if row.visit == h.timepoint if h.timepoint is not None else row.key_timepoint:
            return index
    return None


def _p_of(index: int | None, rows: Sequence[ComparisonRow]) -> float | None:
    return None if index is None else rows[index].p_value


def adjustment_words(row: ComparisonRow, p_text: str) -> str:
    """A comparison's adjustment for multiplicity in a sentence (a registry's p-value comment); "" when in no family.
    `p_text` is the adjusted p as the registry writes p-values."""
    if row.p_adjusted is None:
        return ""
    family = row.family if len(row.family) <= 80 else row.family[:79] + "…"  # PRS limits the comment's length
    relation = p_text if p_text.startswith("<") else f"= {p_text}"
    return (f"Unadjusted. Adjusted for multiple comparisons by the {METHOD_NAMES[row.adjustment]} method within the "
            f"family '{family}': p {relation}.")  # fmt: skip
