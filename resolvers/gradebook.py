"""The gradebook (issue 7): a course's learners × its gradable modules.

Three queries, each already scoped by the policy, so a page costs a constant number of statements
whatever its numbers of learners and modules: the page of enrollments (keyset-paged, batched by
course), the columns (the course's gradable modules) and the cells of every row of the page at
once (their `ModuleProgress`, batched by enrollment).
"""

from typing import Any

from sqlalchemy import Select, select

from models.enrollments import Enrollment, EnrollmentStatus, ModuleProgress
from models.modules import Module
from resolvers.auth import Actor
from resolvers.grades import GRADABLE


def rows_query(actor: Actor, status: EnrollmentStatus | None, passed: bool | None) -> Select[Any]:
    """The rows: enrollments the actor sees. `passed` false keeps the failed and the undecided."""
    stmt = select(Enrollment.__table__).where(actor.visible(Enrollment))
    if status is not None:
        stmt = stmt.where(Enrollment.status == status)
    if passed is True:
        stmt = stmt.where(Enrollment.passed.is_(True))
    elif passed is False:
        stmt = stmt.where(Enrollment.passed.is_not(True))
    return stmt


def columns_query(actor: Actor) -> Select[Any]:
    """The columns: modules of a gradable kind (R20), as the actor sees them."""
    return select(Module.__table__).where(actor.visible(Module), Module.kind.in_(GRADABLE))


def cells_query(actor: Actor) -> Select[Any]:
    """The learners' records; each column (a gradable module) takes its own, and a column
    without one is a blank cell. Records of other modules fill no column: no join to exclude them."""
    return select(ModuleProgress.__table__).where(actor.visible(ModuleProgress))
