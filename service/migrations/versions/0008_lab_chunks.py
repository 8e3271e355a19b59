"""laboratory records: a snapshot's laboratory and vital-sign frame, stored column by column in chunks

Revision ID: 0008
Revises: 0007
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('lab_chunk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('codec', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('layout', sa.JSON(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['snapshot.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('snapshot_id', 'ordinal', name='uq_lab_chunk_snapshot_ordinal')
    )
    with op.batch_alter_table('lab_chunk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lab_chunk_snapshot_id'), ['snapshot_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lab_chunk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lab_chunk_snapshot_id'))
    op.drop_table('lab_chunk')
