"""The storage edge: SQLModel tables. Everything a snapshot holds is keyed by its snapshot id,
so a snapshot is immutable once written and older ones stay queryable."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Float, Index, LargeBinary, Table, Unicode, UniqueConstraint
from sqlmodel import Field, SQLModel


class Trial(SQLModel, table=True):
    __tablename__ = "trial"

    id: str = Field(primary_key=True, max_length=64)
    title: str = ""
    public_title: str = ""
    acronym: str | None = None
    phase: str | None = None
    nct_id: str | None = Field(default=None, max_length=32)
    irct_id: str | None = Field(default=None, max_length=64)
    study_id: str | None = Field(default=None, max_length=64)
    created_at: datetime
    updated_at: datetime


class Snapshot(SQLModel, table=True):
    __tablename__ = "snapshot"
    __table_args__ = (UniqueConstraint("trial_id", "content_hash", name="uq_snapshot_trial_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    trial_id: str = Field(foreign_key="trial.id", index=True, max_length=64)
    content_hash: str = Field(max_length=64)
    source_format: str = Field(max_length=16)
    source_path: str
    data_cutoff: date | None = None
    definition: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    notes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    software_version: str = Field(max_length=32)
    created_at: datetime


class Arm(SQLModel, table=True):
    __tablename__ = "arm"
    __table_args__ = (UniqueConstraint("snapshot_id", "code", name="uq_arm_snapshot_code"),)

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="snapshot.id", index=True)
    ordinal: int
    code: str = Field(max_length=64)
    label: str
    description: str = ""
    arm_type: str = Field(default="", max_length=64)
    is_control: bool = False


class Participant(SQLModel, table=True):
    __tablename__ = "participant"
    __table_args__ = (UniqueConstraint("snapshot_id", "subject_id", name="uq_participant_snapshot_subject"),)

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="snapshot.id", index=True)
    subject_id: str = Field(max_length=64)
    site: str | None = None
    country: str | None = None
    age: float | None = None
    age_unit: str | None = None
    sex: str | None = None
    race: str | None = None
    ethnicity: str | None = None
    consent_date: date | None = None
    randomized: bool = False
    arm_code: str | None = Field(default=None, max_length=64)
    actual_arm_code: str | None = Field(default=None, max_length=64)
    randomization_date: date | None = None
    first_dose_date: date | None = None
    last_dose_date: date | None = None
    safety_population: bool = False
    itt_population: bool = False
    per_protocol_population: bool = False
    disposition: str | None = Field(default=None, max_length=32)
    disposition_reason: str | None = None
    disposition_date: date | None = None
    death_date: date | None = None
    death_cause: str | None = None
    study_end_date: date | None = None
    populations: dict[str, bool] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    variables: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Exposure(SQLModel, table=True):
    __tablename__ = "exposure"

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="snapshot.id", index=True)
    subject_id: str = Field(max_length=64)
    treatment: str
    dose: float | None = None
    dose_unit: str | None = None
    start_date: date | None = None
    end_date: date | None = None


class AdverseEvent(SQLModel, table=True):
    __tablename__ = "adverse_event"

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="snapshot.id", index=True)
    subject_id: str = Field(max_length=64)
    seq: int
    verbatim: str
    llt_name: str | None = None
    llt_code: str | None = None
    pt_name: str
    pt_code: str | None = None
    soc_name: str
    soc_code: str | None = None
    start_date_raw: str | None = None
    end_date_raw: str | None = None
    start_date: date | None = None
    start_date_imputation: str | None = Field(default=None, max_length=1)
    end_date: date | None = None
    severity: str | None = Field(default=None, max_length=16)
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
    groups: dict[str, str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Measurement(SQLModel, table=True):
    __tablename__ = "measurement"
    __table_args__ = (Index("ix_measurement_snapshot_parameter", "snapshot_id", "parameter"),)

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="snapshot.id", index=True)
    subject_id: str = Field(max_length=64)
    parameter: str = Field(max_length=64)
    parameter_label: str = ""
    visit: str
    visit_number: float | None = None
    value: float | None = None
    value_text: str | None = None
    unit: str | None = None
    baseline: bool = False
    measured_on: date | None = None
    dataset: str = Field(default="", max_length=64)
    base: float | None = None
    change: float | None = None
    dtype: str | None = Field(default=None, max_length=32)
    flags: str = ""
    censored: bool | None = None
    variables: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class LabChunk(SQLModel, table=True):
    """A chunk of a snapshot's laboratory and vital-sign records, column by column (service.labs.store says how)."""

    __tablename__ = "lab_chunk"
    __table_args__ = (UniqueConstraint("snapshot_id", "ordinal", name="uq_lab_chunk_snapshot_ordinal"),)

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="snapshot.id", index=True)
    ordinal: int
    records: int
    codec: str = Field(max_length=16)
    layout: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class MaskingSeal(SQLModel, table=True):
    """A trial's random secret under which its masking key is stored (service.masking): the arms and letters are
    kept as HMACs under it, so that neither is in the database in plain text."""

    __tablename__ = "masking_seal"

    trial_id: str = Field(foreign_key="trial.id", primary_key=True, max_length=64)
    secret: str = Field(max_length=64)  # 32 random bytes, hex
    created_at: datetime


class MaskingLetter(SQLModel, table=True):
    """One arm's letter in a trial's masked closed reports, sealed: HMAC(seal, arm) and HMAC(seal, letter). Drawn
    once, at random, and kept."""

    __tablename__ = "masking_letter"
    __table_args__ = (
        UniqueConstraint("trial_id", "arm_tag", name="uq_masking_letter_trial_arm"),
        UniqueConstraint("trial_id", "letter_tag", name="uq_masking_letter_trial_letter"),
    )

    id: int | None = Field(default=None, primary_key=True)
    trial_id: str = Field(foreign_key="trial.id", max_length=64)
    arm_tag: str = Field(max_length=64)
    letter_tag: str = Field(max_length=64)
    created_at: datetime


class MaskingKeyFile(SQLModel, table=True):
    """The key file enrolled for revealing a trial's masking key (service.masking.keyfile): an HMAC of the trial
    under the file's content, never the content."""

    __tablename__ = "masking_key_file"

    trial_id: str = Field(foreign_key="trial.id", primary_key=True, max_length=64)
    verifier: str = Field(max_length=64)
    enrolled_at: datetime
    enrolled_by: str = Field(max_length=128)


class Artifact(SQLModel, table=True):
    __tablename__ = "artifact"

    id: int | None = Field(default=None, primary_key=True)
    trial_id: str = Field(foreign_key="trial.id", index=True, max_length=64)
    snapshot_id: int = Field(foreign_key="snapshot.id", index=True)
    kind: str = Field(max_length=32)
    path: str
    sha256: str = Field(max_length=64)
    data_cutoff: date | None = None
    software_version: str = Field(max_length=32)
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime


class JobRun(SQLModel, table=True):
    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("job_id", "scheduled_at", name="uq_job_run_fire"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(index=True, max_length=128)
    trial_id: str | None = Field(default=None, max_length=64)
    scheduled_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    status: str = Field(default="claimed", max_length=16)
    instance: str | None = None
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    snapshot_id: int | None = Field(default=None, foreign_key="snapshot.id")
    artifact_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    summary: str | None = None
    error: str | None = None


# APScheduler's SQLAlchemy job store, declared here so that the migrations create it (once, under the migration
# lock) rather than every instance racing to create it at start; the columns are the job store's own.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor: str = Field(max_length=128)
    action: str = Field(max_length=64)
    trial_id: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
