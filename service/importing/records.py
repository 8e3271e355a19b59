"""The normalized records every importer produces, whatever the source format.

They mirror the storage models (service.models) field for field, without the storage keys, so that
one snapshot writer and one content hash serve every format. They are NamedTuples: as immutable and typed as
frozen dataclasses, and several times cheaper to build, which matters at a million AEs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, NamedTuple


class ArmRecord(NamedTuple):
    code: str
    label: str
    description: str = ""
    arm_type: str = ""
    is_control: bool = False


class ParticipantRecord(NamedTuple):
    subject_id: str
    site: str | None = None
    country: str | None = None
    age: float | None = None
    age_unit: str | None = None
    sex: str | None = None
    race: str | None = None
    ethnicity: str | None = None
    consent_date: date | None = None
    randomized: bool = False
    arm_code: str | None = None
    actual_arm_code: str | None = None
    randomization_date: date | None = None
    first_dose_date: date | None = None
    last_dose_date: date | None = None
    safety_population: bool = False
    itt_population: bool = False
    per_protocol_population: bool = False
    disposition: str | None = None
    disposition_reason: str | None = None
    disposition_date: date | None = None
    death_date: date | None = None
    death_cause: str | None = None
    study_end_date: date | None = None  # end of study participation (ADaM EOSDT, else RFENDT; SDTM RFENDTC)
    # Every population flag the source carries, by its CDISC name (ADSL's ...FL, or the bundle's columns).
    populations: dict[str, bool] | None = None
    # The participant-level variables trial.toml's [[baseline]] variable entries name, with their ...N order.
    variables: dict[str, float | str | None] | None = None

    @property
    def safety_arm_code(self) -> str | None:
        """The arm a participant is analysed in for safety: the treatment actually received, else the planned
        one (FDA ST&F; ADaM TRT01A before TRT01P)."""
        return self.actual_arm_code or self.arm_code


class ExposureRecord(NamedTuple):
    subject_id: str
    treatment: str
    dose: float | None = None
    dose_unit: str | None = None
    start_date: date | None = None
    end_date: date | None = None


class AdverseEventRecord(NamedTuple):
    subject_id: str
    seq: int
    verbatim: str
    pt_name: str
    soc_name: str
    llt_name: str | None = None
    llt_code: str | None = None
    pt_code: str | None = None
    soc_code: str | None = None
    start_date_raw: str | None = None
    end_date_raw: str | None = None
    start_date: date | None = None
    start_date_imputation: str | None = None
    end_date: date | None = None
    severity: str | None = None
    ctcae_grade: int | None = None
    serious: bool = False
    serious_death: bool = False
    serious_life_threatening: bool = False
    serious_hospitalization: bool = False
    serious_disability: bool = False
    serious_congenital_anomaly: bool = False
    serious_other: bool = False
    relationship: str | None = None
    action_taken: str | None = None
    outcome: str | None = None
    treatment_emergent: bool = False
    # The trial's groupings the record belongs to, by the ADAE variable that names them ({"CQ01NAM":
    # "DERMATOLOGIC EVENTS", "SMQ01NAM": ...}); None where the source has none.
    groups: dict[str, str] | None = None


class MeasurementRecord(NamedTuple):
    subject_id: str
    parameter: str
    visit: str
    parameter_label: str = ""
    visit_number: float | None = None
    value: float | None = None
    value_text: str | None = None
    unit: str | None = None
    baseline: bool = False
    measured_on: date | None = None
    dataset: str = ""  # the source dataset (ADQSADAS, LB, measurements.csv): PARAMCD is unique only within one
    base: float | None = None  # ADaM BASE as the record carries it; None where the source has no BASE
    change: float | None = None  # ADaM CHG as the record carries it
    dtype: str | None = None  # ADaM DTYPE: LOCF, WOCF, AVERAGE, ... for a derived record; None for an observed one
    flags: str = ""  # the record-level flags set to Y (ANL01FL, ONTRTFL, CRIT1FL, ...), comma-separated
    censored: bool | None = None  # ADTTE CNSR > 0; None for a parameter that is not a time to event
    variables: dict[str, float | str | None] | None = None  # record variables an outcome's `adjust` names


@dataclass(frozen=True)
class TrialDefinition:
    """What trial.toml says (or nothing, for SDTM/ADaM without one). `raw` keeps every section,
    JSON-ready, for the reports and registry writers that read more of it."""

    title: str = ""
    public_title: str = ""
    acronym: str | None = None
    phase: str | None = None
    nct_id: str | None = None
    irct_id: str | None = None
    study_id: str | None = None
    target_enrollment: int | None = None
    data_cutoff: date | None = None
    teae_window_days: int | None = None
    arms: tuple[ArmRecord, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportedTrial:
    """Everything one import read, normalized, before it is stored as a snapshot."""

    trial_id: str
    source_format: str
    source_path: str
    definition: TrialDefinition
    arms: tuple[ArmRecord, ...]
    participants: tuple[ParticipantRecord, ...]
    adverse_events: tuple[AdverseEventRecord, ...]
    measurements: tuple[MeasurementRecord, ...] = ()
    exposures: tuple[ExposureRecord, ...] = ()
    notes: tuple[str, ...] = ()
    # Laboratory and vital-sign records as one frame (service.labs.frame.LAB_COLUMNS); None when the data hold none.
    labs: Any = None

    @property
    def arm_labels(self) -> dict[str, str]:
        """Arm code → label, in the trial's order."""
        return {arm.code: arm.label for arm in self.arms}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_DATE_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def field_names(record_type: type) -> tuple[str, ...]:
    """A record type's field names (NamedTuple or dataclass), looked up once: this is on hot paths."""
    if record_type not in _FIELD_NAMES:
        names = getattr(record_type, "_fields", None)
        _FIELD_NAMES[record_type] = tuple(names) if names else tuple(f.name for f in fields(record_type))
    return _FIELD_NAMES[record_type]


def date_field_names(record_type: type) -> tuple[str, ...]:
    if record_type not in _DATE_FIELD_NAMES:
        hints = getattr(record_type, "__annotations__", {})
        _DATE_FIELD_NAMES[record_type] = tuple(n for n in field_names(record_type) if "date" in str(hints.get(n, "")))
    return _DATE_FIELD_NAMES[record_type]


def record_values(record: Any) -> dict[str, Any]:
    """A record's fields as a dict (shallow, fast: no deep copy as dataclasses.asdict makes)."""
    return {name: getattr(record, name) for name in field_names(type(record))}
