"""What a validator finds: one type for every output's validator (ClinicalTrials.gov, IRCT, tables, PDFs)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """`where` locates it for a person (a section and row, a schema and line, a file); `message` says what is
    wrong and what to do."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"
