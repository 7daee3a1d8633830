"""planner statistics: enrollments of a course or user all belong to one portal

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:20:00

Policies filter enrollments by portal while reads look them up by course or by user. Without
knowing that the course (or user) determines the portal, PostgreSQL multiplies both
selectivities, expects a handful of rows and ANDs a bitmap of the portal's whole enrollment
(docs/performance.md, step 2). Functional-dependency statistics tell it; SQLite has no planner
statistics of this kind.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATISTICS = {
    "st_enrollment_course_portal": ("enrollment", "course_id, portal_id"),
    "st_enrollment_user_portal": ("enrollment", "user_id, portal_id"),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (table, columns) in STATISTICS.items():
        op.execute(f"CREATE STATISTICS {name} (dependencies) ON {columns} FROM {table}")
        op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in STATISTICS:
        op.execute(f"DROP STATISTICS {name}")
