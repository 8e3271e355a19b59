"""The masked closed edition: arms by letter, and nothing that tells one letter from another.

No arm's label, code, description or dose is printed or attached. Every table lists its arms in the order of their
letters. Comparisons run in letter order, the earlier letter's arm minus (or over) the later's: with two arms, the
SAP's one comparison, turned round where needed; with three or more, every pair of letters, computed from the data
by the SAP's method (service.outcomes.compare.compare_every_pair), because comparisons against control would share
one letter, the control's. For the same reason AE risk differences against control are not shown with three or more
arms (every pair would be k(k-1)/2 columns per table); with two, the one difference sits on the earlier letter's row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from typing import Any

from service.results import TOTAL, AECountRow, ComparisonRow, MonitoringRow, Table
from service.safety.counts import COMPARISON_RULE
from service.safety.special_interest_counts import comparisons_by_letter
from service.safety.special_interest_rows import SpecialInterestComparisonRow

PAIR_RULE = "of each pair of arms, in the order of their letters (Arm A − Arm B)"
AE_NOT_COMPARED = (
    "No p-value or risk difference is shown in this masked edition of three or more arms: against the control they "
    "would tell which letter is the control, and for every pair of letters they would not fit the page. The unmasked "
    "edition compares each arm with the control."
)
EVERY_PAIR_RULE = (
    "Every pair of arms is compared, in the order of their letters: the earlier letter's arm minus (for a ratio, "
    "over) the later's, by the analysis plan's method for the outcome, each tested two-sided for superiority. The "
    "plan's own comparisons (against the control, with any margin) are in the unmasked edition."
)
TREND_NOTE = "trend: slope per unit dose over every arm; the arms' doses are in the unmasked edition"


def arm_display_names(arms: tuple[str, ...], unmask: bool, key: Mapping[str, str] | None = None) -> dict[str, str]:
    """Arms as the closed report shows them: their labels when unmasked; else "Arm " and the trial's stored
    random letter (service.masking), or, without a key, letters in the trial's order."""
    names = {
        arm: arm if unmask else f"Arm {key[arm] if key and arm in key else chr(ord('A') + index)}"
        for index, arm in enumerate(arms)
    }
    return {**names, TOTAL: TOTAL}


def letter_order(arms: Sequence[str], names: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(sorted(arms, key=lambda arm: names[arm]))


def every_pair(arms: Sequence[str]) -> bool:
    """Whether a masked edition of these arms compares every pair of letters (three arms or more)."""
    return len(arms) >= 3


def compared_arms(arms: Sequence[str], control: str | None, names: Mapping[str, str], masked: bool
                  ) -> dict[str, str]:  # fmt: skip
    """The arms whose AE rows carry a comparison, each with its column heading: unmasked, each arm against the
    control ("High dose vs Placebo"); masked with two arms, the earlier letter ("Arm A − Arm B"); else none."""
    if control is None:
        return {}
    if not masked:
        return {arm: f"{names[arm]} vs {names[control]}" for arm in arms if arm != control}
    if every_pair(arms) or len(arms) < 2:
        return {}
    first, second = letter_order(arms, names)
    return {first: f"{names[first]} − {names[second]}"}


def mask_tables(tables: Mapping[str, Table[Any]], names: Mapping[str, str], control: str | None
                ) -> dict[str, Table[Any]]:  # fmt: skip
    """Every table as the masked edition prints it: footnotes naming arms by letter, comparisons in letter order,
    rows in letter order. `names`: arm label -> "Arm X", and Total."""
    pairs = every_pair([arm for arm in names if arm != TOTAL])
    masked = {}
    for name, table in tables.items():
        table = _masked_comparisons(_masked_notes(table, names, control, pairs), names, control, pairs)
        masked[name] = _in_letter_order(table, names)
    return masked


def _masked_notes(table: Table[Any], names: Mapping[str, str], control: str | None, pairs: bool) -> Table[Any]:
    """Footnotes that name an arm name it as the masked report does; none says which letter is control."""
    notes = []
    for note in table.footnotes:
        if control is not None and note == COMPARISON_RULE.format(control=control) and pairs:
            note = AE_NOT_COMPARED
        elif control is not None:
            note = note.replace(f"of each arm against {control}", PAIR_RULE)
            note = note.replace(f"against the control arm ({control})", "between arms")
        for label, shown in names.items():
            note = note.replace(label, shown)
        notes.append(note)
    if pairs and table.row_type is ComparisonRow:
        notes.insert(0, EVERY_PAIR_RULE)
    return replace(table, footnotes=tuple(notes))


def _masked_comparisons(table: Table[Any], names: Mapping[str, str], control: str | None, pairs: bool
                        ) -> Table[Any]:  # fmt: skip
    """Each difference in letter order; a trend's note without the arms' doses."""
    if table.row_type is AECountRow:
        rows = _ae_without_differences(table.rows) if pairs else _ae_differences_by_letter(table.rows, names, control)
        return replace(table, rows=tuple(rows))
    if table.row_type is MonitoringRow:
        return replace(table, rows=tuple(_masked_monitoring(table.rows, names, pairs)))
    if table.row_type is SpecialInterestComparisonRow:
        return replace(table, rows=tuple(comparisons_by_letter(table.rows, names)))
    if table.row_type is not ComparisonRow:
        return table
    rows = []
    for row in table.rows:
        if not row.control:
            row = replace(row, note=TREND_NOTE)
        elif names.get(row.arm, "") > names.get(row.control, ""):  # the SAP's pair, turned round (two arms)
            turn = _invert if row.is_ratio else _neg
            row = replace(row, arm=row.control, control=row.arm, n_arm=row.n_control, n_control=row.n_arm,
                          estimate=turn(row.estimate), ci_low=turn(row.ci_high), ci_high=turn(row.ci_low))  # fmt: skip
        rows.append(row)
    return replace(table, rows=tuple(rows))


def _masked_monitoring(rows: Sequence[MonitoringRow], names: Mapping[str, str], pairs: bool) -> list[MonitoringRow]:
    """Two arms: the monitored comparison in letter order, its repeated interval turned with its estimate. Three
    arms or more: the SAP's comparison involves the control, so neither its letters nor its estimate (which the
    every-pair table would match) are printed; each is "Monitored comparison N", named in the unmasked edition."""
    order = list(dict.fromkeys((r.arm, r.control) for r in rows if r.arm not in ("", TOTAL)))
    masked = []
    for row in rows:
        if row.arm in ("", TOTAL) or not row.control:
            masked.append(row)
        elif pairs:
            number = order.index((row.arm, row.control)) + 1
            masked.append(replace(row, arm=f"Monitored comparison {number}", control="", estimate=None,
                                  rci_low=None, rci_high=None, wald_z=None, median_unbiased=None,
                                  adjusted_ci_low=None, adjusted_ci_high=None))  # fmt: skip
        elif names.get(row.arm, "") > names.get(row.control, ""):
            turn = _invert if row.ratio else _neg
            masked.append(replace(row, arm=row.control, control=row.arm, estimate=turn(row.estimate),
                                  rci_low=turn(row.rci_high), rci_high=turn(row.rci_low),
                                  median_unbiased=turn(row.median_unbiased),
                                  adjusted_ci_low=turn(row.adjusted_ci_high),
                                  adjusted_ci_high=turn(row.adjusted_ci_low)))  # fmt: skip
        else:
            masked.append(row)
    return masked


def _ae_without_differences(rows: Sequence[AECountRow]) -> list[AECountRow]:
    return [replace(r, p_value=None, risk_diff=None, risk_diff_low=None, risk_diff_high=None) for r in rows]


def _ae_differences_by_letter(rows: Sequence[AECountRow], names: Mapping[str, str], control: str | None
                              ) -> list[AECountRow]:  # fmt: skip
    """Two arms: the difference (and its p) on the earlier letter's row, as that arm minus the later letter's;
    the later letter's row carries none. Left on the experimental arm's row, an empty row would mark the control."""
    arms = [arm for arm in names if arm != TOTAL]
    if control is None or len(arms) != 2:
        return list(rows)
    first = min(arms, key=lambda arm: names[arm])
    if first != control:
        return list(rows)  # the experimental arm's letter comes first: its row already holds first − control
    other = next(arm for arm in arms if arm != control)
    by_key = {(r.level, r.soc, r.pt): r for r in rows if r.arm == other}
    moved = []
    for r in rows:
        source = by_key.get((r.level, r.soc, r.pt))
        if r.arm == control and source is not None:
            r = replace(r, p_value=source.p_value, risk_diff=_neg(source.risk_diff),
                        risk_diff_low=_neg(source.risk_diff_high),
                        risk_diff_high=_neg(source.risk_diff_low))  # fmt: skip
        elif r.arm == other:
            r = replace(r, p_value=None, risk_diff=None, risk_diff_low=None, risk_diff_high=None)
        moved.append(r)
    return moved


def _in_letter_order(table: Table[Any], names: Mapping[str, str]) -> Table[Any]:
    """The rows of each group (the rows alike in every text but their arm: one AE term, one visit, one category)
    in the order of their letters, Total last, the groups as they were: the trial's order of arms, in which the
    control often comes first or last, would tell it."""
    rows = list(table.rows)
    if not rows or "arm" not in {f.name for f in fields(rows[0])} or table.row_type is MonitoringRow:
        return table  # monitoring: by comparison in the plan's order, then by look

    def group(row: Any) -> tuple[str, ...]:
        texts = ((f.name, getattr(row, f.name)) for f in fields(row) if f.name not in ("arm", "control"))
        return tuple(value for _, value in texts if isinstance(value, str))

    first_seen: dict[tuple[str, ...], int] = {}
    for index, row in enumerate(rows):
        first_seen.setdefault(group(row), index)
    if len(first_seen) == len(rows):
        # A listing (a row per record or participant, none alike but for its arm): made in the trial's order of
        # arms, it would tell it too; by letter, each arm's records in the order they came.
        return replace(table, rows=tuple(sorted(rows, key=lambda row: names.get(row.arm, row.arm))))

    def place(row: Any) -> tuple[int, bool, str]:
        return first_seen[group(row)], row.arm not in names or row.arm == TOTAL, names.get(row.arm, row.arm)

    return replace(table, rows=tuple(sorted(rows, key=place)))


def masked_rows(table: Table[Any], names: Mapping[str, str]) -> Table[Any]:
    """A table as the masked closed edition attaches it: arms (and control arms) by their masked names, so the
    key is not in the PDF's attachments either."""
    named = [f for f in ("arm", "control") if f in getattr(table.row_type, "__dataclass_fields__", {})]
    rows = tuple(replace(row, **{f: names.get(getattr(row, f), getattr(row, f)) for f in named}) for row in table.rows)
    denominators = {names.get(arm, arm): n for arm, n in table.denominators.items()}
    return replace(table, rows=rows, denominators=denominators)


def _neg(value: float | None) -> float | None:
    return -value if value is not None else None


def _invert(value: float | None) -> float | None:
    return 1 / value if value else None
