"""Which looks a monitoring table shows: the looks held, matched to the planned information fractions.

A held look (one done, or this snapshot when it reaches a planned fraction) takes the last planned fraction it
reaches, within LOOK_TOLERANCE; the planned fractions it passed over were not held and are shown as skipped. They
spend no α: the spending function spends, at the next look held, the cumulative α at that look's actual
information fraction (Lan & DeMets 1983), so the α not spent at a skipped look is carried to it. A done look that
reaches no planned fraction is an extra look, spending α at its own fraction. This snapshot, reaching none, lies
between looks: information only, no test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.monitoring.plan import LOOK_TOLERANCE

HELD = ("done", "current")


@dataclass(frozen=True)
class Slot:
    status: str  # "done", "current", "between looks", "skipped" or "planned"
    fraction: float  # the look's actual information fraction (done, current, between), else the planned one
    done_index: int | None = None  # for a done look: its position among the done looks


def schedule_looks(
    planned: Sequence[float], done: Sequence[float], current: float | None, declared: bool = False
) -> list[Slot]:
    """The looks in order, from the planned fractions, the done looks' information fractions and this snapshot's
    (None when it has none); `declared`: this snapshot is a look held whatever its information (a look dated on
    its data cut-off)."""
    slots: list[Slot] = []
    next_planned = 0

    def reached(t: float) -> int | None:
        found = None
        for index in range(next_planned, len(planned)):
            if t >= planned[index] - LOOK_TOLERANCE:
                found = index
        return found

    def hold(t: float, slot: Slot) -> None:
        nonlocal next_planned
        index = reached(t)
        if index is not None:
            slots.extend(Slot("skipped", planned[i]) for i in range(next_planned, index))
            next_planned = index + 1
        slots.append(slot)

    for position, t in enumerate(done):
        hold(t, Slot("done", t, position))
    between = None
    if current is not None:
        if declared or reached(current) is not None:
            hold(current, Slot("current", current))
        else:
            between = Slot("between looks", current)
    last = next((s.fraction for s in reversed(slots) if s.status in HELD), 0.0)
    if between is not None:
        slots.append(between)
    slots.extend(Slot("planned", t) for t in planned[next_planned:] if t > last)
    return slots
