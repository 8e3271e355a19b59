"""masking key: each trial's arm letters for the masked closed edition, drawn once at random

Revision ID: 0005
Revises: 0004
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('masking_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trial_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('arm', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('letter', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['trial_id'], ['trial.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('trial_id', 'arm', name='uq_masking_key_trial_arm'),
    sa.UniqueConstraint('trial_id', 'letter', name='uq_masking_key_trial_letter'),
    )


def downgrade() -> None:
    op.drop_table('masking_key')
