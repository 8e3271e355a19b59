"""The trial's own safety rules, from trial.toml's [safety]: what makes an AE serious, and which causality
assessments count as related."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from service.errors import DataError
from service.importing.records import AdverseEventRecord

SERIOUSNESS_MODES = ("flag", "criteria")
# Causality (AEREL) values that mean a reasonable possibility of a causal relationship (ICH E2A: "related"), as the
# investigator's scales write them: WHO-UMC's certain, probable/likely and possible, the CDISC pilot's POSSIBLE and
# PROBABLE, and the yes/no form. REMOTE, UNLIKELY, NOT RELATED and NONE are not related in most SAPs (and in the
# WHO-UMC scale "unlikely" is not a reasonable possibility), so they are below.
DEFAULT_RELATED = (
    "Y", "YES", "RELATED", "POSSIBLE", "POSSIBLY RELATED", "PROBABLE", "PROBABLY RELATED", "DEFINITE",
    "DEFINITELY RELATED", "CERTAIN", "LIKELY",
)  # fmt: skip
NOT_RELATED = frozenset({
    "N", "NO", "NONE", "NOT RELATED", "UNRELATED", "NOT SUSPECTED", "REMOTE", "REMOTELY RELATED", "UNLIKELY",
    "UNLIKELY RELATED", "DOUBTFUL",
})  # fmt: skip


def normalise_causality(text: str | None) -> str:
    """A causality value as compared: upper case, inner spaces collapsed, '' for none."""
    return " ".join((text or "").upper().split())


@dataclass(frozen=True)
class SafetyRules:
    """seriousness: "flag" (AESER as given, as published tables count it) or "criteria" (ICH E2A: any seriousness
    criterion makes an AE serious, whatever AESER says). related: the causality values that count as related."""

    seriousness: str = "flag"
    related: frozenset[str] = frozenset(DEFAULT_RELATED)
    related_declared: bool = False  # trial.toml gives the list (else DEFAULT_RELATED)

    def is_serious(self, event: AdverseEventRecord) -> bool:
        return event.serious or (self.seriousness == "criteria" and has_serious_criterion(event))

    def causality(self, text: str | None) -> str:
        """'related', 'not related', 'missing' or 'unclassified', in this order:

        1. No assessment: missing (counted as related: FDA Standard Safety Tables IG, conservative).
        2. One of the trial's related values ([safety] related, else DEFAULT_RELATED): related.
        3. A known not-related value (NOT_RELATED: NONE, REMOTE, UNLIKELY, ...): not related.
        4. Anything else: unclassified — counted as related (conservative) and named in the import's notes and
           the related table's footnote, so that the trial can declare it.
        """
        value = normalise_causality(text)
        if not value:
            return "missing"
        if value in self.related:
            return "related"
        if value in NOT_RELATED:
            return "not related"
        return "unclassified"

    def is_related(self, text: str | None) -> bool:
        return self.causality(text) != "not related"

    def related_rule(self) -> str:
        """The related table's footnote: the mapping in use and where it comes from."""
        where = "as trial.toml's [safety] related declares" if self.related_declared else (
            'the default; trial.toml\'s [safety] related = ["POSSIBLE", ...] declares the SAP\'s own')  # fmt: skip
        return (
            f"Related: causality (AEREL) {', '.join(sorted(self.related))} ({where}). Not related: "
            f"{', '.join(sorted(NOT_RELATED - self.related))}. A missing assessment, or a value in neither list, "
            "counts as related (conservative, as the FDA Standard Safety Tables guide advises)."
        )


def has_serious_criterion(event: AdverseEventRecord) -> bool:
    return (event.serious_death or event.serious_life_threatening or event.serious_hospitalization
            or event.serious_disability or event.serious_congenital_anomaly or event.serious_other)  # fmt: skip


def read_safety_rules(raw: Mapping[str, Any]) -> SafetyRules:
    """trial.toml's [safety] seriousness and related, checked (each names its key when wrong)."""
    section = raw.get("safety", {})
    section = section if isinstance(section, dict) else {}
    mode = section.get("seriousness", "flag")
    if mode not in SERIOUSNESS_MODES:
        raise DataError(f"seriousness is {mode!r}", file="trial.toml", column="safety.seriousness",
                        hint='Write seriousness = "flag" (AESER as given, the default) or "criteria" (ICH E2A: any '
                             "seriousness criterion makes an AE serious).")  # fmt: skip
    if "related" not in section:
        return SafetyRules(seriousness=mode)
    values = section["related"]
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise DataError(f"related is {values!r}", file="trial.toml", column="safety.related",
                        hint='List the causality values (AEREL) the SAP counts as related, such as related = '
                             '["POSSIBLE", "PROBABLE"].')  # fmt: skip
    return SafetyRules(mode, frozenset(normalise_causality(v) for v in values), related_declared=True)


def unclassified_causality(rules: SafetyRules, values: Iterable[str | None]) -> dict[str, int]:
    """Each causality value (as written) that the rules leave unclassified, with its number of records."""
    counts = Counter(value for value in values if value is not None)  # a few distinct texts, maybe 10^6 records
    return {value: n for value, n in sorted(counts.items()) if rules.causality(value) == "unclassified"}
