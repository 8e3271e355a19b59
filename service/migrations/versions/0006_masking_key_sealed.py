"""masking key sealed: arms and letters stored as HMACs under a random secret per trial; the enrolled key file

The plain masking_key rows (arm, letter) are moved into masking_letter, sealed under a new secret per trial, and the
table is dropped; on SQLite with secure_delete on, so the plain rows are overwritten in the file, not just unlinked.
The letters do not change: every masked report already made keeps its meaning.

Revision ID: 0006
Revises: 0005
"""
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tag(secret: bytes, kind: str, value: str) -> str:
    # The construction of service.masking.seal_tag as it was at this revision (a migration never imports the
    # application, which may change after it).
    return hmac.new(secret, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


def _aware(value: object) -> datetime:
    # Stored as naive UTC (SQLite keeps text), read back raw here.
    found = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def upgrade() -> None:
    seal = op.create_table('masking_seal',
    sa.Column('trial_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('secret', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['trial_id'], ['trial.id'], ),
    sa.PrimaryKeyConstraint('trial_id'),
    )
    letter = op.create_table('masking_letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trial_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('arm_tag', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('letter_tag', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['trial_id'], ['trial.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('trial_id', 'arm_tag', name='uq_masking_letter_trial_arm'),
    sa.UniqueConstraint('trial_id', 'letter_tag', name='uq_masking_letter_trial_letter'),
    )
    op.create_table('masking_key_file',
    sa.Column('trial_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('verifier', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('enrolled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('enrolled_by', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.ForeignKeyConstraint(['trial_id'], ['trial.id'], ),
    sa.PrimaryKeyConstraint('trial_id'),
    )
    connection = op.get_bind()
    plain = connection.execute(sa.text('SELECT trial_id, arm, letter, created_at FROM masking_key')).all()
    secrets_by_trial = {trial_id: secrets.token_bytes(32) for trial_id in sorted({row[0] for row in plain})}
    now = datetime.now(UTC)
    if secrets_by_trial:
        op.bulk_insert(seal, [{'trial_id': t, 'secret': s.hex(), 'created_at': now} for t, s in secrets_by_trial.items()])
        op.bulk_insert(letter, [{'trial_id': trial_id, 'arm_tag': _tag(secrets_by_trial[trial_id], 'arm', arm),
                                 'letter_tag': _tag(secrets_by_trial[trial_id], 'letter', letter_),
                                 'created_at': _aware(created_at)}
                                for trial_id, arm, letter_, created_at in plain])
    if connection.dialect.name == 'sqlite':
        connection.execute(sa.text('PRAGMA secure_delete = ON'))
    op.drop_table('masking_key')


def downgrade() -> None:
    # The arms are found again among the labels the trial's snapshots name (an arm's tag is its label's).
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
    connection = op.get_bind()
    rows = []
    for trial_id, secret in connection.execute(sa.text('SELECT trial_id, secret FROM masking_seal')).all():
        key = bytes.fromhex(secret)
        labels = connection.execute(sa.text('SELECT DISTINCT a.label FROM arm a JOIN snapshot s ON s.id = a.snapshot_id '
                                            'WHERE s.trial_id = :t'), {'t': trial_id}).scalars().all()
        arms = {_tag(key, 'arm', label): label for label in labels}
        letters = {_tag(key, 'letter', chr(c)): chr(c) for c in range(ord('A'), ord('Z') + 1)}
        for arm_tag, letter_tag, created_at in connection.execute(
            sa.text('SELECT arm_tag, letter_tag, created_at FROM masking_letter WHERE trial_id = :t'), {'t': trial_id}
        ).all():
            if arm_tag in arms:
                rows.append({'trial_id': trial_id, 'arm': arms[arm_tag], 'letter': letters[letter_tag],
                             'created_at': created_at})
    if rows:
        connection.execute(sa.text('INSERT INTO masking_key (trial_id, arm, letter, created_at) '
                                   'VALUES (:trial_id, :arm, :letter, :created_at)'), rows)
    op.drop_table('masking_key_file')
    op.drop_table('masking_letter')
    op.drop_table('masking_seal')
