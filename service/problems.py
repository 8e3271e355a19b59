"""What a validator finds: one type for every output's validator (ClinicalTrials.gov, IRCT, tables, PDFs)."""

from __future__ import annotations

from dataclasses import dataclass

REJECT = "reject"  # the receiving system refuses the file
COMMENT = "comment"  # it is accepted, but a reviewer would send a comment back


@dataclass(frozen=True)
class Problem:
    """`where` locates it for a person (a section and row, a schema and line, a file); `message` says what is
    wrong and what to do; `rule` names the rule (a key of the validator's explanations) it rests on."""

    where: str
    message: str
    severity: str = REJECT
    rule: str = ""

    @property
    def rejects(self) -> bool:
        return self.severity == REJECT

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"
