"""The randomization date where a source lacks its own: the variable trial.toml names for it, never a guess.

ADaMIG's ADSL carries RANDDT, SDTM a DS record with DSDECOD = RANDOMIZED, the bundle its randomization_date
column. Many ADSLs have no RANDDT (the CDISC pilot's has none); a report at an interim cut-off still has to know
who had been randomized by then, so the definition may name the date that stands for it:

    [adam]   randomization_date = "TRTSDT"     (an ADSL date variable)
    [sdtm]   randomization_date = "RFSTDTC"    (a DM --DTC variable: RFSTDTC, RFXSTDTC, ...)
    [bundle] randomization_date = "consent_date"   (a column of participants.csv)

The source's own date wins wherever a participant has it; the named one fills only the gaps, and the tables
that depend on it say so in a footnote.
"""

from __future__ import annotations

from typing import Any

from service.errors import DataError

# Per source format: the dataset the variable is read from, and the source's own randomization date.
OWN_DATE = {"adam": ("ADSL", "RANDDT"), "sdtm": ("DM", "DS DSSTDTC where DSDECOD = RANDOMIZED"),
            "bundle": ("participants.csv", "randomization_date")}  # fmt: skip
EXAMPLE = {"adam": "TRTSDT", "sdtm": "RFSTDTC", "bundle": "consent_date"}


def randomization_variable(raw: dict[str, Any], source_format: str) -> str | None:
    """The variable `[<format>] randomization_date` names (upper case for CDISC, as written for the bundle)."""
    section = raw.get(source_format, {})
    value = section.get("randomization_date") if isinstance(section, dict) else None
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DataError(f"[{source_format}] randomization_date must name a variable, such as "
                        f"\"{EXAMPLE[source_format]}\"", file="trial.toml",
                        column=f"{source_format}.randomization_date")  # fmt: skip
    return value.strip() if source_format == "bundle" else value.strip().upper()


def check_randomization_variable(variable: str | None, columns: Any, source_format: str, dataset: str) -> None:
    """The named variable must be one the dataset has (`columns` supports `in`)."""
    if variable is not None and variable not in columns:
        raise DataError(f"[{source_format}] randomization_date names {variable}, which {dataset} does not have",
                        file="trial.toml", column=f"{source_format}.randomization_date",
                        hint=f"Name a date variable of {dataset}, such as \"{EXAMPLE[source_format]}\".")  # fmt: skip


def randomization_note(raw: dict[str, Any], source_format: str) -> str | None:
    """The footnote saying where randomization dates come from, when the definition names a stand-in."""
    variable = randomization_variable(raw, source_format) if source_format in OWN_DATE else None
    if variable is None:
        return None
    dataset, own = OWN_DATE[source_format]
    return (f"Randomization date: {own}; where a participant has none, {dataset} {variable}, as trial.toml's "
            f"[{source_format}] randomization_date names it.")  # fmt: skip


def missing_randomization_hint(source_format: str) -> str:
    """What to do when randomized participants have no randomization date."""
    if source_format not in OWN_DATE:
        return "Supply every randomized participant's randomization date."
    dataset, own = OWN_DATE[source_format]
    return (f"Supply {own}, or name the {dataset} date that stands for it in trial.toml: [{source_format}] "
            f"randomization_date = \"{EXAMPLE[source_format]}\".")  # fmt: skip
