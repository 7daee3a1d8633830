"""learning path certificates

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 15:22:32.294111
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


import models.base

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNREVOKED = sa.text('revoked_at IS NULL')


def upgrade() -> None:
    with op.batch_alter_table('learningpath') as batch_op:  # batch: SQLite cannot add a foreign key in place
        batch_op.add_column(sa.Column('certificate_template_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('certificate_expires_after', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('certificate_expires_after_grace_period', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_learningpath_certificate_template_id'), ['certificate_template_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_learningpath_certificate_template_id_certificatetemplate'), 'certificatetemplate', ['certificate_template_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('learningpathenrollment') as batch_op:
        batch_op.add_column(sa.Column('completed_at', models.base.UtcDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('certificate') as batch_op:
        batch_op.add_column(sa.Column('learning_path_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('learning_path_enrollment_id', sa.Uuid(), nullable=True))
        batch_op.alter_column('course_id', existing_type=sa.UUID(), nullable=True)
        batch_op.create_index(batch_op.f('ix_certificate_learning_path_id'), ['learning_path_id'], unique=False)
        batch_op.create_index('uq_certificate_learning_path_enrollment_id_unrevoked', ['learning_path_enrollment_id'], unique=True, postgresql_where=UNREVOKED, sqlite_where=UNREVOKED)
        batch_op.create_foreign_key(batch_op.f('fk_certificate_learning_path_enrollment_id_learningpathenrollment'), 'learningpathenrollment', ['learning_path_enrollment_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_certificate_learning_path_id_learningpath'), 'learningpath', ['learning_path_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint('course_or_learning_path', '(course_id IS NULL) <> (learning_path_id IS NULL)')


def downgrade() -> None:
    with op.batch_alter_table('certificate') as batch_op:
        batch_op.drop_constraint('course_or_learning_path', type_='check')
        batch_op.drop_constraint(batch_op.f('fk_certificate_learning_path_id_learningpath'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_certificate_learning_path_enrollment_id_learningpathenrollment'), type_='foreignkey')
        batch_op.drop_index('uq_certificate_learning_path_enrollment_id_unrevoked', postgresql_where=UNREVOKED, sqlite_where=UNREVOKED)
        batch_op.drop_index(batch_op.f('ix_certificate_learning_path_id'))
        batch_op.alter_column('course_id', existing_type=sa.UUID(), nullable=False)
        batch_op.drop_column('learning_path_enrollment_id')
        batch_op.drop_column('learning_path_id')
    with op.batch_alter_table('learningpathenrollment') as batch_op:
        batch_op.drop_column('completed_at')
    with op.batch_alter_table('learningpath') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_learningpath_certificate_template_id_certificatetemplate'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_learningpath_certificate_template_id'))
        batch_op.drop_column('certificate_expires_after_grace_period')
        batch_op.drop_column('certificate_expires_after')
        batch_op.drop_column('certificate_template_id')
