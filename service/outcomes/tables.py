"""Every outcome's rows, gathered for the three outcome tables, with the footnotes that say how each was made."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from service.outcomes.definition import OutcomeSpec
from service.results import ArmEstimateRow, ComparisonRow, OutcomeSummaryRow


def rows_of(rows: Sequence[Any], spec: OutcomeSpec) -> list[Any]:
    """The rows of one outcome (two outcomes may analyse one parameter, e.g. its value and its responders)."""
    return [r for r in rows if r.parameter == spec.parameter and r.title == spec.title]


@dataclass
class OutcomeTables:
    summaries: list[OutcomeSummaryRow] = field(default_factory=list)
    estimates: list[ArmEstimateRow] = field(default_factory=list)
    comparisons: list[ComparisonRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the data or the selection did (derived records, ...)
    populations: list[tuple[str, str]] = field(default_factory=list)  # (title, its analysis population in words)
    every_pair: list[ComparisonRow] | None = None  # a masked edition's comparisons of every pair of letters

    @property
    def shown_comparisons(self) -> list[ComparisonRow]:
        """The comparisons the tables show: every pair in the masked edition's letter order, else the SAP's."""
        return self.every_pair if self.every_pair is not None else self.comparisons

    @property
    def population_notes(self) -> tuple[str, ...]:
        described = set(text for _, text in self.populations)
        if len(described) == 1:
            return (f"Population: {described.pop()}",)
        return tuple(f"{title}: {text}" for title, text in self.populations)

    def method_notes(self, *, estimates: bool) -> tuple[str, ...]:
        """One footnote per outcome naming its method, interval and test; and where the numbers came from."""
        rows: list[ArmEstimateRow] | list[ComparisonRow] = self.estimates if estimates else self.shown_comparisons
        seen: dict[tuple[str, str], str] = {}
        for row in rows:
            seen.setdefault((row.title, row.method), row.source)
        found = []
        for (title, method), source in seen.items():
            found.append(f"{title}: {method}." + ("" if source == "computed" else f" Results {source}, as given."))
        return (*found, *self.population_notes, *dict.fromkeys(self.notes))
