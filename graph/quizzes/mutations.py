"""questionCreate, quizAttemptStart, quizAttemptSubmit."""

from typing import Annotated, Any

import strawberry

from graph.context import Info
from graph.enrollments.types import EnrollmentType
from graph.enums import QuestionType
from graph.errors import error_type
from graph.mutation import errors_field, payload_type, perform
from graph.node import input_id
from graph.quizzes.types import QuestionNode, QuizAttemptNode
from resolvers import quizzes
from resolvers.errors import Checks, Failure, Problem

QuizError = error_type("QuizError", quizzes.QuizErrorCode)


@strawberry.input(description="An option of a question, or (MATCH_ANSWERS) an item with its right match.")
class ChoiceInput:
    text: str = strawberry.field(description="The choice as learners read it.")
    is_correct: bool = strawberry.field(default=False, description="Whether choosing it is right.")
    match: str | None = strawberry.field(default=None, description="MATCH_ANSWERS only, and required there.")


@strawberry.input(
    description="A question for a quiz: MULTIPLE_CHOICE (exactly one correct choice), MULTIPLE_CORRECT "
    "(one or more), SHORT_ANSWERS (acceptedAnswers), MATCH_ANSWERS (choices with their match)."
)
class QuestionCreateInput:
    module_id: strawberry.ID = strawberry.field(description="A QUIZ module.")
    type: QuestionType = strawberry.field(description="How it is answered; decides which choice fields apply.")
    title: str = strawberry.field(description="The question as learners read it.")
    content: str | None = strawberry.field(default=None, description="More text or media, as HTML.")
    hint: str | None = strawberry.field(default=None, description="A hint for learners.")
    explanation: str | None = strawberry.field(default=None, description="Shown with the answers.")
    points: float = strawberry.field(default=1.0, description="What a right answer is worth; 1 when left out.")
    position: int | None = strawberry.field(default=None, description="From 0; the end when left out.")
    choices: list[ChoiceInput] = strawberry.field(
        default_factory=list, description="The choices in order (for SHORT_ANSWERS, the accepted answers)."
    )
    accepted_answers: list[str] = strawberry.field(
        default_factory=list, description="SHORT_ANSWERS: compared trimmed, whitespace collapsed, case ignored."
    )


@strawberry.input(description="A quiz to start an attempt at.")
class QuizAttemptStartInput:
    module_id: strawberry.ID = strawberry.field(
        description="A QUIZ module the viewer is enrolled in; NO_ATTEMPTS_LEFT past the retakes."
    )


@strawberry.input(description="MATCH_ANSWERS: the match given for one item.")
class QuizMatchInput:
    choice_id: strawberry.ID = strawberry.field(description="A choice of the question.")
    match: str = strawberry.field(description="The text the learner pairs with the choice.")


@strawberry.input(
    description="The answer to one question: choiceIds (MULTIPLE_CHOICE, MULTIPLE_CORRECT), text "
    "(SHORT_ANSWERS) or matches (MATCH_ANSWERS). A question left out earns 0."
)
class QuizAnswerInput:
    question_id: strawberry.ID = strawberry.field(description="A question of the attempt's quiz.")
    choice_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="For MULTIPLE_CHOICE (one) and MULTIPLE_CORRECT (several)."
    )
    text: str | None = strawberry.field(default=None, description="For SHORT_ANSWERS.")
    matches: list[QuizMatchInput] | None = strawberry.field(
        default=None, description="For MATCH_ANSWERS: each choice with its pair."
    )


@strawberry.input(description="An attempt's answers, scored on submission.")
class QuizAttemptSubmitInput:
    attempt_id: strawberry.ID = strawberry.field(description="The viewer's attempt in progress.")
    answers: list[QuizAnswerInput] = strawberry.field(
        description="One answer per question answered; missing ones score 0."
    )


QuestionPayload = payload_type("QuestionPayload", "question", QuestionNode, QuizError)
QuizAttemptStartPayload = payload_type(
    "QuizAttemptStartPayload",
    "attempt",
    QuizAttemptNode,
    QuizError,
    lambda done: QuizAttemptNode.from_row(done.attempt),
)


@strawberry.type(description="The scored attempt and the enrollment it moved on.")
class QuizAttemptSubmitPayload:
    attempt: QuizAttemptNode | None = strawberry.field(
        default=None, description="The scored attempt; null when refused."
    )
    enrollment: EnrollmentType | None = strawberry.field(
        default=None, description="The learner's enrollment with its new progress and grade; null when refused."
    )
    errors: list[QuizError] = errors_field()  # type: ignore[valid-type]

    @classmethod
    def of(cls, done: quizzes.Attempted) -> "QuizAttemptSubmitPayload":
        return cls(attempt=QuizAttemptNode.from_row(done.attempt), enrollment=EnrollmentType.from_row(done.enrollment))

    @classmethod
    def failed(cls, problems: list[Problem]) -> "QuizAttemptSubmitPayload":
        return cls(errors=QuizError.of(problems))


def _answers(answers: list[QuizAnswerInput]) -> list[quizzes.Answer]:
    """Every id decoded; each one that names nothing is reported at its path, all at once."""
    checks, decoded = Checks(), []

    def one(value: str, kind: str, path: tuple[str, ...]) -> Any:
        try:
            return input_id(value, kind, field=path)
        except Failure as failure:
            checks.problems.extend(failure.problems)
            return None

    for i, answer in enumerate(answers):
        at = ("answers", str(i))
        question = one(answer.question_id, "Question", (*at, "questionId"))
        choices = None
        if answer.choice_ids is not None:
            choices = [one(c, "Choice", (*at, "choiceIds", str(j))) for j, c in enumerate(answer.choice_ids)]
        matches = None
        if answer.matches is not None:
            matches = [
                quizzes.MatchAnswer(
                    choice_id=one(m.choice_id, "Choice", (*at, "matches", str(j), "choiceId")), match=m.match
                )
                for j, m in enumerate(answer.matches)
            ]
        decoded.append(quizzes.Answer(question_id=question, choice_ids=choices, text=answer.text, matches=matches))
    checks.done()
    return decoded


@strawberry.type
class QuizMutation:
    @strawberry.mutation(description="Add a question to a quiz (003 Create Question); staff of the course only.")
    async def question_create(
        self,
        info: Info,
        input_: Annotated[
            QuestionCreateInput, strawberry.argument(name="input", description="The quiz module and the question.")
        ],
    ) -> QuestionPayload:  # type: ignore[valid-type]
        return await perform(
            info,
            QuestionPayload,
            quizzes.create_question,
            lambda: {
                "module_id": input_id(input_.module_id, "Module", field=("moduleId",)),
                "fields": quizzes.QuestionFields(
                    type=input_.type,
                    title=input_.title,
                    content=input_.content,
                    hint=input_.hint,
                    explanation=input_.explanation,
                    points=input_.points,
                    position=input_.position,
                    choices=[
                        quizzes.ChoiceFields(text=c.text, is_correct=c.is_correct, match=c.match)
                        for c in input_.choices
                    ],
                    accepted_answers=list(input_.accepted_answers),
                ),
            },
        )

    @strawberry.mutation(
        description="Start the acting learner's attempt at a quiz, or return the one still open; "
        "NO_ATTEMPTS_LEFT when every attempt is used."
    )
    async def quiz_attempt_start(
        self,
        info: Info,
        input_: Annotated[
            QuizAttemptStartInput, strawberry.argument(name="input", description="The quiz module to attempt.")
        ],
    ) -> QuizAttemptStartPayload:  # type: ignore[valid-type]
        return await perform(
            info,
            QuizAttemptStartPayload,
            quizzes.start_attempt,
            lambda: {"module_id": input_id(input_.module_id, "Module", field=("moduleId",))},
        )

    @strawberry.mutation(description="Submit an attempt: scored on the server, recorded in the learner's progress.")
    async def quiz_attempt_submit(
        self,
        info: Info,
        input_: Annotated[
            QuizAttemptSubmitInput, strawberry.argument(name="input", description="The attempt and its answers.")
        ],
    ) -> QuizAttemptSubmitPayload:
        return await perform(
            info,
            QuizAttemptSubmitPayload,
            quizzes.submit_attempt,
            lambda: {
                "attempt_id": input_id(input_.attempt_id, "QuizAttempt", field=("attemptId",)),
                "answers": _answers(input_.answers),
            },
        )
