"""rate counters and APQ queries shared by workers without Redis

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-23 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ratecounter',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('window_start', sa.BigInteger(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_ratecounter'))
    )
    op.create_table('persistedquery',
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('used_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_persistedquery'))
    )
    if op.get_bind().dialect.name == 'postgresql':  # a crash costs a fresh rate window, a resent query
        op.execute('ALTER TABLE ratecounter SET UNLOGGED')
        op.execute('ALTER TABLE persistedquery SET UNLOGGED')


def downgrade() -> None:
    op.drop_table('persistedquery')
    op.drop_table('ratecounter')
