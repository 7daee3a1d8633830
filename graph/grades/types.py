"""The gradebook (issue 7): one row per learner, one cell per gradable module.

A page costs a constant number of statements: the rows come from the connection loader, the
columns from one `children` load keyed by the course, and the cells of every row of the page from
one `children` load batched by enrollment (DataLoader), whatever the numbers of rows and columns.
"""

from typing import Any, Self
from uuid import UUID

import strawberry

from graph.context import Info
from graph.enrollments.types import EnrollmentType
from graph.enums import EnrollmentStatus, ModuleProgressStatus
from graph.modules.types import Module, module_from_row
from graph.pagination import Connection
from models.enrollments import ModuleProgressStatus as ProgressStatus
from resolvers import gradebook
from resolvers.batches import Children


@strawberry.input(name="GradebookFilter", description="Narrows a gradebook's rows; all given conditions apply.")
class GradebookFilterInput:
    status: EnrollmentStatus | None = strawberry.field(default=None, description="The enrollment's status.")
    passed: bool | None = strawberry.field(
        default=None, description="True: rows that passed (R21); false: rows that failed or are not decided yet."
    )


async def columns_of(info: Info, course_id: UUID) -> list[Any]:
    """The course's gradable modules in curriculum order (one statement per request)."""
    actor = await info.context.actor()
    spec = Children(gradebook.columns_query, (actor,), "course_id", ("position", "id"))
    return await info.context.loaders.children.load((course_id, spec))


async def _records_of(info: Info, enrollment_id: UUID) -> list[Any]:
    """A learner's records in gradable modules, batched over every row of the page."""
    actor = await info.context.actor()
    spec = Children(gradebook.cells_query, (actor,), "enrollment_id", ("module_id",))
    return await info.context.loaders.children.load((enrollment_id, spec))


@strawberry.type(description="One learner's result in one gradable module.")
class GradebookCell:
    score: float | None = strawberry.field(description="A percent, 0–100; null while unscored.")
    status: ModuleProgressStatus = strawberry.field(description="NOT_STARTED when the learner has no record here.")
    passed: bool | None = strawberry.field(description="As the module judged it; null: no verdict yet.")
    module_row: strawberry.Private[Any]

    @strawberry.field(description="The column this cell belongs to.")
    def module(self) -> Module:
        return module_from_row(self.module_row)


@strawberry.type(description="One learner of the course: a cell per gradable module and the course grade.")
class GradebookRow:
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(row=row)

    @strawberry.field(description="The learner's enrollment in the course.")
    def enrollment(self) -> EnrollmentType:
        return EnrollmentType.from_row(self.row)

    @strawberry.field(description="R20 course grade, 0–100; null when the course is not graded or nothing is scored.")
    def grade(self) -> float | None:
        return self.row.grade

    @strawberry.field(description='The grade as 003 shows it ("67%"), or null.')
    def grade_display(self) -> str | None:
        return None if self.row.grade is None else f"{round(self.row.grade)}%"

    @strawberry.field(description="R21: grade ≥ the course's pass mark; ungraded courses pass by completion.")
    def passed(self) -> bool | None:
        return self.row.passed

    @strawberry.field(description="One cell per column, in the columns' order.")
    async def cells(self, info: Info) -> list[GradebookCell]:
        columns = await columns_of(info, self.row.course_id)
        records = {record.module_id: record for record in await _records_of(info, self.row.id)}
        cells = []
        for module in columns:
            record = records.get(module.id)
            cells.append(
                GradebookCell(
                    score=record.score if record else None,
                    status=record.status if record else ProgressStatus.NOT_STARTED,
                    passed=record.passed if record else None,
                    module_row=module,
                )
            )
        return cells


@strawberry.type(description="A page of a course's gradebook: its rows, and the gradable modules as columns.")
class GradebookConnection(Connection[GradebookRow]):
    course_id: strawberry.Private[UUID]

    @classmethod
    def of(cls, page: Connection[GradebookRow], course_id: UUID) -> Self:
        return cls(
            nodes=page.nodes,
            page_info=page.page_info,
            _rows=page._rows,
            _order=page._order,
            _count=page._count,
            course_id=course_id,
        )

    @strawberry.field(description="The course's gradable modules (quiz, assignment, discussion, SCORM, external).")
    async def columns(self, info: Info) -> list[Module]:
        return [module_from_row(row) for row in await columns_of(info, self.course_id)]
