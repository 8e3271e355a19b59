"""outcome records: the dataset, BASE, CHG, DTYPE, record flags, CNSR and adjusting variables of a measurement

Revision ID: 0004
Revises: 0003
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('measurement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dataset', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('base', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('change', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('dtype', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('flags', sa.String(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('censored', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('variables', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('measurement', schema=None) as batch_op:
        for column in ('variables', 'censored', 'flags', 'dtype', 'change', 'base', 'dataset'):
            batch_op.drop_column(column)
