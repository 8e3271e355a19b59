"""initial schema

Revision ID: 0001
Revises: 
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('trial_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('trial',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('public_title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('acronym', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('phase', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('nct_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('irct_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('study_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trial_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('source_format', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('source_path', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('data_cutoff', sa.Date(), nullable=True),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.Column('software_version', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['trial_id'], ['trial.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('trial_id', 'content_hash', name='uq_snapshot_trial_hash')
    )
    with op.batch_alter_table('snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_snapshot_trial_id'), ['trial_id'], unique=False)

    op.create_table('adverse_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('verbatim', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('llt_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('llt_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('pt_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pt_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('soc_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('soc_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('start_date_raw', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('end_date_raw', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('start_date_imputation', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('severity', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('ctcae_grade', sa.Integer(), nullable=True),
    sa.Column('serious', sa.Boolean(), nullable=False),
    sa.Column('serious_death', sa.Boolean(), nullable=False),
    sa.Column('serious_life_threatening', sa.Boolean(), nullable=False),
    sa.Column('serious_hospitalization', sa.Boolean(), nullable=False),
    sa.Column('serious_disability', sa.Boolean(), nullable=False),
    sa.Column('serious_congenital_anomaly', sa.Boolean(), nullable=False),
    sa.Column('serious_other', sa.Boolean(), nullable=False),
    sa.Column('relationship', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('action_taken', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('treatment_emergent', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshot.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('adverse_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adverse_event_snapshot_id'), ['snapshot_id'], unique=False)

    op.create_table('arm',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('arm_type', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('is_control', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshot.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('snapshot_id', 'code', name='uq_arm_snapshot_code')
    )
    with op.batch_alter_table('arm', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_arm_snapshot_id'), ['snapshot_id'], unique=False)

    op.create_table('artifact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trial_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('path', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('data_cutoff', sa.Date(), nullable=True),
    sa.Column('software_version', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshot.id'], ),
    sa.ForeignKeyConstraint(['trial_id'], ['trial.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('artifact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_artifact_snapshot_id'), ['snapshot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_artifact_trial_id'), ['trial_id'], unique=False)

    op.create_table('exposure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('treatment', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('dose', sa.Float(), nullable=True),
    sa.Column('dose_unit', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshot.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('exposure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exposure_snapshot_id'), ['snapshot_id'], unique=False)

    op.create_table('job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('scheduled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('instance', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('snapshot_id', sa.Integer(), nullable=True),
    sa.Column('artifact_ids', sa.JSON(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshot.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('job_id', 'scheduled_at', name='uq_job_run_fire')
    )
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_run_job_id'), ['job_id'], unique=False)

    op.create_table('measurement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('parameter', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('parameter_label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('visit', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('visit_number', sa.Float(), nullable=True),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('value_text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('baseline', sa.Boolean(), nullable=False),
    sa.Column('measured_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshot.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('measurement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measurement_snapshot_id'), ['snapshot_id'], unique=False)
        batch_op.create_index('ix_measurement_snapshot_parameter', ['snapshot_id', 'parameter'], unique=False)

    op.create_table('participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('site', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('age', sa.Float(), nullable=True),
    sa.Column('age_unit', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('sex', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('race', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('ethnicity', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('consent_date', sa.Date(), nullable=True),
    sa.Column('randomized', sa.Boolean(), nullable=False),
    sa.Column('arm_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('actual_arm_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('randomization_date', sa.Date(), nullable=True),
    sa.Column('first_dose_date', sa.Date(), nullable=True),
    sa.Column('last_dose_date', sa.Date(), nullable=True),
    sa.Column('safety_population', sa.Boolean(), nullable=False),
    sa.Column('itt_population', sa.Boolean(), nullable=False),
    sa.Column('per_protocol_population', sa.Boolean(), nullable=False),
    sa.Column('disposition', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('disposition_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('disposition_date', sa.Date(), nullable=True),
    sa.Column('death_date', sa.Date(), nullable=True),
    sa.Column('death_cause', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshot.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('snapshot_id', 'subject_id', name='uq_participant_snapshot_subject')
    )
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participant_snapshot_id'), ['snapshot_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participant_snapshot_id'))

    op.drop_table('participant')
    with op.batch_alter_table('measurement', schema=None) as batch_op:
        batch_op.drop_index('ix_measurement_snapshot_parameter')
        batch_op.drop_index(batch_op.f('ix_measurement_snapshot_id'))

    op.drop_table('measurement')
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_run_job_id'))

    op.drop_table('job_run')
    with op.batch_alter_table('exposure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exposure_snapshot_id'))

    op.drop_table('exposure')
    with op.batch_alter_table('artifact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_artifact_trial_id'))
        batch_op.drop_index(batch_op.f('ix_artifact_snapshot_id'))

    op.drop_table('artifact')
    with op.batch_alter_table('arm', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_arm_snapshot_id'))

    op.drop_table('arm')
    with op.batch_alter_table('adverse_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adverse_event_snapshot_id'))

    op.drop_table('adverse_event')
    with op.batch_alter_table('snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_snapshot_trial_id'))

    op.drop_table('snapshot')
    op.drop_table('trial')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
