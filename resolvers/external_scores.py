"""004 scoreExternalActivity: a score posted for an EXTERNAL module, through the progress path."""

from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from models.enrollments import Enrollment
from models.modules import ModuleKind
from resolvers import progress
from resolvers.auth import Actor, visible_row
from resolvers.errors import Checks, Failure
from resolvers.grades import check_score


@dataclass(frozen=True, slots=True, kw_only=True)
class ExternalScore:
    enrollment_id: UUID
    module_id: UUID
    score: float
    passed: bool | None = None
    completed: bool = True


async def score_external(session: AsyncSession, *, actor: Actor, command: ExternalScore) -> progress.Completion:
    """004 scoreExternalActivity: a partner (admin or the course's instructor) posts a score of
    0–100 for an EXTERNAL module; the module's record and the course grade follow at once."""
    checks = Checks()
    check_score(checks, ("score",), command.score)
    checks.done()
    enrollment = await visible_row(
        session, Enrollment, command.enrollment_id, actor=actor, field="enrollmentId", manage=True
    )
    module = await progress.module_of(session, enrollment, command.module_id)
    if module.kind is not ModuleKind.EXTERNAL:
        raise Failure.one(("moduleId",), "Scores are posted for EXTERNAL modules only.", "WRONG_MODULE_KIND")
    return await progress.record(
        session,
        enrollment=enrollment,
        module=module,
        score=round(command.score, 2),
        passed=command.passed,
        completed=command.completed,
    )
