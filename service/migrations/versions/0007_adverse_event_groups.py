"""adverse event groups: the trial's groupings of each AE (ADAE CQxxNAM, SMQxxNAM), for AEs of special interest

Revision ID: 0007
Revises: 0006
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('adverse_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('groups', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('adverse_event', schema=None) as batch_op:
        batch_op.drop_column('groups')
