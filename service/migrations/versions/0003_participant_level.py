"""participant level: end of study, population flags, and the baseline variables trial.toml names

Revision ID: 0003
Revises: 0002
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('study_end_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('populations', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('variables', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_column('variables')
        batch_op.drop_column('populations')
        batch_op.drop_column('study_end_date')
