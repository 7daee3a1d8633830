"""order lines keep the courses and learning paths they sold

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-23 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LINES = sa.table(
    'orderline',
    sa.column('id', sa.Uuid()),
    sa.column('product_id', sa.Uuid()),
    sa.column('course_ids', sa.JSON()),
    sa.column('learning_path_ids', sa.JSON()),
)
ITEMS = sa.table(
    'productitem',
    sa.column('product_id', sa.Uuid()),
    sa.column('course_id', sa.Uuid()),
    sa.column('learning_path_id', sa.Uuid()),
    sa.column('position', sa.Integer()),
)


def upgrade() -> None:
    with op.batch_alter_table('orderline') as batch:
        batch.add_column(sa.Column('course_ids', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch.add_column(sa.Column('learning_path_ids', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    # Orders placed before: what their products sell now is the best record there is.
    bind = op.get_bind()
    sold: dict[object, tuple[list[str], list[str]]] = {}
    for item in bind.execute(sa.select(ITEMS).order_by(ITEMS.c.position)):
        courses, paths = sold.setdefault(item.product_id, ([], []))
        if item.course_id is not None:
            courses.append(str(item.course_id))
        if item.learning_path_id is not None:
            paths.append(str(item.learning_path_id))
    for line in bind.execute(sa.select(LINES.c.id, LINES.c.product_id)).all():
        courses, paths = sold.get(line.product_id, ([], []))
        if courses or paths:
            bind.execute(
                LINES.update().where(LINES.c.id == line.id).values(course_ids=courses, learning_path_ids=paths)
            )


def downgrade() -> None:
    with op.batch_alter_table('orderline') as batch:
        batch.drop_column('learning_path_ids')
        batch.drop_column('course_ids')
