"""Questions, their choices and quiz attempts as the graph shows them.

What would give an answer away (which choice is correct, a match, the accepted answers, the
explanation, per-answer correctness) is null unless the viewer manages the course or the quiz's
`showCorrectAnswers` lets this learner see it now (`resolvers.quizzes.answers_revealed`). Both are
read through the request's loaders, so a list of questions costs the same statements as one.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self
from uuid import UUID

import strawberry

from graph.context import Info
from graph.enums import QuestionType
from graph.links import OfEnrollment, OfUser
from graph.modules.types import Module, module_from_row
from graph.node import Node, make_id, register
from graph.pagination import order_input
from models.modules import Module as ModuleRow
from models.quizzes import Choice, Question, QuizAttempt
from resolvers import quizzes
from resolvers.batches import Children

if TYPE_CHECKING:
    pass

QuizAttemptOrder = order_input("QuizAttemptOrder", {"CREATED_AT": "created_at", "STARTED_AT": "started_at"})


async def revealed(info: Info, module_id: UUID) -> bool:
    """May the viewer see this quiz's answers now? Staff of the course always; a learner as the
    module's `showCorrectAnswers` says, counting their submitted attempts."""
    module = await info.context.loaders.row(ModuleRow, module_id)
    if module is None:
        return False
    actor = await info.context.actor()
    loaders = info.context.loaders
    if await loaders.children.load((module_id, Children(quizzes.managed_modules_query, (actor,), "id", ("id",)))):
        return True
    mine = Children(quizzes.own_attempts_query, (actor,), "module_id", ("number", "id"))
    submitted = sum(1 for attempt in await loaders.children.load((module_id, mine)) if attempt.submitted_at)
    return quizzes.answers_revealed(module.details or {}, submitted, manages=False)


async def _module_of_question(info: Info, question_id: UUID) -> UUID | None:
    question = await info.context.loaders.row(Question, question_id)
    return None if question is None else question.module_id


async def _choices(info: Info, question_id: UUID) -> list[Any]:
    actor = await info.context.actor()
    spec = Children(quizzes.choices_query, (actor,), "question_id", ("position", "id"))
    return await info.context.loaders.children.load((question_id, spec))


@strawberry.type(name="Choice", description="An option of a question, or an item to match (MATCH_ANSWERS).")
class ChoiceNode(Node):
    text: str = strawberry.field(description="The choice as learners read it.")
    position: int = strawberry.field(description="Place among the question's choices, from 0.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(id=make_id("Choice", row.id), text=row.text, position=row.position, row=row)

    async def _shown(self, info: Info) -> bool:
        module_id = await _module_of_question(info, self.row.question_id)
        return module_id is not None and await revealed(info, module_id)

    @strawberry.field(description="Null until the viewer may see the answers.")
    async def is_correct(self, info: Info) -> bool | None:
        return self.row.is_correct if await self._shown(info) else None

    @strawberry.field(description="MATCH_ANSWERS: this item's right match; null until the viewer may see it.")
    async def match(self, info: Info) -> str | None:
        return self.row.match if await self._shown(info) else None

    @strawberry.field(description="The question it belongs to.")
    async def question(self, info: Info) -> Annotated["QuestionNode", strawberry.lazy("graph.quizzes.types")] | None:
        row = await info.context.loaders.row(Question, self.row.question_id)
        return None if row is None else QuestionNode.from_row(row)


@strawberry.type(name="Question", description="A question of a quiz (003 § Manage Questions).")
class QuestionNode(Node):
    type: QuestionType = strawberry.field(description="How it is answered.")
    title: str = strawberry.field(description="The question as learners read it.")
    content: str = strawberry.field(description="More text or media for the question, as HTML; empty when none.")
    hint: str | None = strawberry.field(description="A hint shown to learners; null: none.")
    points: float = strawberry.field(description="What a right answer earns.")
    position: int = strawberry.field(description="Place in the quiz, from 0.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("Question", row.id),
            type=row.type,
            title=row.title,
            content=row.content,
            hint=row.hint,
            points=row.points,
            position=row.position,
            row=row,
        )

    @strawberry.field(description="The options, or the items to match, in order.")
    async def choices(self, info: Info) -> list[ChoiceNode]:
        return [ChoiceNode.from_row(row) for row in await _choices(info, self.row.id)]

    @strawberry.field(description="MATCH_ANSWERS: every possible match, alphabetically (the pairs stay hidden).")
    async def match_options(self, info: Info) -> list[str]:
        return sorted({row.match for row in await _choices(info, self.row.id) if row.match is not None})

    @strawberry.field(description="SHORT_ANSWERS: the accepted answers; null until the viewer may see them.")
    async def accepted_answers(self, info: Info) -> list[str] | None:
        return list(self.row.accepted_answers) if await revealed(info, self.row.module_id) else None

    @strawberry.field(description="Why the answer is right; null until the viewer may see the answers.")
    async def explanation(self, info: Info) -> str | None:
        return self.row.explanation if await revealed(info, self.row.module_id) else None

    @strawberry.field(description="The quiz module it belongs to; null when the viewer may not see it.")
    async def module(self, info: Info) -> Module | None:
        row = await info.context.loaders.row(ModuleRow, self.row.module_id)
        return None if row is None else module_from_row(row)


@strawberry.type(description="One item of a MATCH_ANSWERS answer: the item and the match given for it.")
class QuizMatch:
    match: str = strawberry.field(
        description="The text the learner paired with the choice; null when hidden by `showCorrectAnswers`."
    )
    choice_id: strawberry.Private[UUID]

    @strawberry.field(description="The choice that was matched.")
    async def choice(self, info: Info) -> ChoiceNode | None:
        row = await info.context.loaders.row(Choice, self.choice_id)
        return None if row is None else ChoiceNode.from_row(row)


@strawberry.type(description="What an attempt answered to one question.")
class QuizAnswer:
    text: str | None = strawberry.field(description="The learner's text for SHORT_ANSWERS; empty otherwise.")
    matches: list[QuizMatch] = strawberry.field(description="The learner's pairs for MATCH_ANSWERS; empty otherwise.")
    stored: strawberry.Private[dict[str, Any]]
    module_id: strawberry.Private[UUID]

    @strawberry.field(description="The question answered.")
    async def question(self, info: Info) -> QuestionNode | None:
        row = await info.context.loaders.row(Question, UUID(self.stored["question_id"]))
        return None if row is None else QuestionNode.from_row(row)

    @strawberry.field(description="The choices marked.")
    async def choices(self, info: Info) -> list[ChoiceNode]:
        keys = [(Choice, UUID(c)) for c in self.stored.get("choice_ids", [])]
        rows = await info.context.loaders.rows.load_many(keys)
        return [ChoiceNode.from_row(row) for row in rows if row is not None]

    @strawberry.field(description="Null until the viewer may see the answers.")
    async def is_correct(self, info: Info) -> bool | None:
        return self.stored["correct"] if await revealed(info, self.module_id) else None

    @strawberry.field(description="Points this answer earned; null until the viewer may see the answers.")
    async def points(self, info: Info) -> float | None:
        return self.stored["points"] if await revealed(info, self.module_id) else None


@strawberry.type(name="QuizAttempt", description="One try of a quiz by one learner (003 quiz status row).")
class QuizAttemptNode(Node, OfEnrollment, OfUser):
    number: int = strawberry.field(description="1 for the learner's first attempt at this quiz.")
    started_at: datetime = strawberry.field(description="When it began (UTC); a time limit counts from here.")
    submitted_at: datetime | None = strawberry.field(description="When it was submitted; null while in progress.")
    deadline: datetime | None = strawberry.field(description="From the quiz's time limit; null without one.")
    timed_out: bool = strawberry.field(description="Submitted after the deadline: closed with a score of 0.")
    score: float | None = strawberry.field(description="Percent of the quiz's points, 0–100; null until submitted.")
    points: float | None = strawberry.field(description="Points earned; null until submitted.")
    max_points: float | None = strawberry.field(description="The points the quiz is out of; null until submitted.")
    passed: bool | None = strawberry.field(description="By the quiz's passing percentage; null until submitted.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("QuizAttempt", row.id),
            number=row.number,
            started_at=row.started_at,
            submitted_at=row.submitted_at,
            deadline=row.deadline,
            timed_out=row.timed_out,
            score=row.score,
            points=row.points,
            max_points=row.max_points,
            passed=row.passed,
            row=row,
        )

    @strawberry.field(description="What was answered, in the quiz's order; empty until submitted.")
    def answers(self) -> list[QuizAnswer]:
        return [
            QuizAnswer(
                text=stored.get("text"),
                matches=[
                    QuizMatch(match=m["match"], choice_id=UUID(m["choice_id"])) for m in stored.get("matches", [])
                ],
                stored=stored,
                module_id=self.row.module_id,
            )
            for stored in self.row.answers or []
        ]

    @strawberry.field(description="The quiz module; null when the viewer may not see it.")
    async def module(self, info: Info) -> Module | None:
        row = await info.context.loaders.row(ModuleRow, self.row.module_id)
        return None if row is None else module_from_row(row)


async def questions_of(info: Info, module_id: UUID) -> list[QuestionNode]:
    actor = await info.context.actor()
    spec = Children(quizzes.questions_query, (actor,), "module_id", ("position", "id"))
    return [QuestionNode.from_row(row) for row in await info.context.loaders.children.load((module_id, spec))]


async def attempts_of(info: Info, enrollment_id: UUID, module_id: UUID) -> list[QuizAttemptNode]:
    actor = await info.context.actor()
    spec = Children(quizzes.attempts_query, (actor,), "enrollment_id", ("number", "id"))
    rows = await info.context.loaders.children.load((enrollment_id, spec))
    return [QuizAttemptNode.from_row(row) for row in rows if row.module_id == module_id]


register("Question", Question, QuestionNode.from_row)
register("Choice", Choice, ChoiceNode.from_row)
register("QuizAttempt", QuizAttempt, QuizAttemptNode.from_row)
