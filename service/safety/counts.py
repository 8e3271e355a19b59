"""Counting participants and events by SOC and PT: the engine behind every AE table of every output."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from service.importing.records import AdverseEventRecord
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
    """Participants (as sets) and events per (level, soc, pt) and arm."""

    def __init__(self) -> None:
        self.subjects: dict[Key, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.events: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, key: Key, arm: str, subject: str) -> None:
        self.subjects[key][arm].add(subject)
        self.events[key][arm] += 1


def count_by_soc_pt(events: Iterable[AdverseEventRecord], safety: SafetySet) -> Tally:
    tally = Tally()
    arm_of = safety.arm_of
    subjects, counts = tally.subjects, tally.events
    for event in events:
        subject = event.subject_id
        arm = arm_of[subject]
        for key in (ANY, ("soc", event.soc_name, ""), ("pt", event.soc_name, event.pt_name)):
            subjects[key][arm].add(subject)
            counts[key][arm] += 1
    return tally


def order_keys(tally: Tally, soc_order: str) -> list[Key]:
    """The any-row, then each SOC followed by its PTs: SOCs in MedDRA's internationally agreed order or by
    decreasing frequency; PTs by decreasing frequency (participants, all arms); ties by name."""

    def frequency(key: Key) -> int:
        return sum(len(s) for s in tally.subjects[key].values())

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


def build_count_rows(
    tally: Tally, safety: SafetySet, soc_order: str, keys: Callable[[Tally, str], list[Key]] = order_keys
) -> tuple[AECountRow, ...]:
    rows = []
    for key in keys(tally, soc_order):
        subjects = tally.subjects.get(key, {})
        events = tally.events.get(key, {})
        counts = {arm: len(subjects.get(arm, ())) for arm in safety.arms}
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
