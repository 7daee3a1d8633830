"""Quizzes (003 § A Quiz Module, § Manage Questions; R22, R23): questions, attempts and their
scoring, all on the server. The rules, as docs/quizzes.md tells clients:

- A question is worth `points` (default 1). An attempt's score is the percent of the quiz's points
  it earned (two decimals); it passes at the module's `passingPercentage` (none: every submitted
  attempt passes, R22).
- MULTIPLE_CHOICE: all its points for the one correct choice, else 0. SHORT_ANSWERS: all for a
  text equal to an accepted answer once both are trimmed, inner whitespace collapsed and case
  folded, else 0. MULTIPLE_CORRECT: points × (right choices marked − wrong choices marked) / right
  choices, never below 0 (marking everything earns nothing). MATCH_ANSWERS: points × items matched
  right / items. No answer earns 0; nothing is ever negative.
- Attempts allowed: 1 + `retakesAllowed`, unlimited when it is 0 (R23). Starting while an
  attempt is open returns that attempt. With a time limit an attempt has a `deadline`; a submission
  more than `GRACE` after it (or a start once it has passed) closes the attempt as timed out:
  scored 0, its late answers not recorded (R22: expiry submits what was saved, and nothing is
  saved before the submission).
- The module's record shows the latest submitted attempt, or the best where the course's
  `quizScorePolicy` is BEST; the module completes on submission, failed or not (R14), and stays completed.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Select, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import Course, QuizScorePolicy
from models.enrollments import Enrollment, ModuleProgress
from models.modules import Module, ModuleKind
from models.quizzes import Choice, Question, QuestionType, QuizAttempt
from resolvers import progress
from resolvers.auth import Actor, visible_row
from resolvers.errors import Checks, Failure, Problem, error_codes
from resolvers.module_kinds import ShowCorrectAnswers
from resolvers.outbox import outbox

QuizErrorCode = error_codes(
    "QuizErrorCode",
    "NOT_ENROLLED",
    "NO_ATTEMPTS_LEFT",
    "ALREADY_SUBMITTED",
    "MODULE_NOT_AVAILABLE",
    "ENROLLMENT_EXPIRED",
    "ACCESS_REVOKED",
)
GRACE = timedelta(seconds=10)  # a submission sent at the deadline may arrive a little after it
MAX_POINTS = 10_000
MAX_CHOICES = 50


# ---- questions -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ChoiceFields:
    text: str
    is_correct: bool = False
    match: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class QuestionFields:
    type: QuestionType
    title: str
    content: str | None = None
    hint: str | None = None
    explanation: str | None = None
    points: float = 1.0
    position: int | None = None
    choices: Sequence[ChoiceFields] = ()
    accepted_answers: Sequence[str] = ()


def _check_choices(checks: Checks, fields: QuestionFields) -> None:
    kind, choices = fields.type, fields.choices
    if kind is QuestionType.SHORT_ANSWERS:
        if choices:
            checks.add(("choices",), "A SHORT_ANSWERS question takes acceptedAnswers, not choices.", "INVALID")
        if not any(answer.strip() for answer in fields.accepted_answers):
            checks.add(("acceptedAnswers",), "Give at least one accepted answer.", "REQUIRED")
        for i, answer in enumerate(fields.accepted_answers):
            checks.text(("acceptedAnswers", str(i)), answer, max_length=5_000, required=True)
        return
    if fields.accepted_answers:
        checks.add(("acceptedAnswers",), f"A {kind.name} question takes choices, not acceptedAnswers.", "INVALID")
    if len(choices) < 2:
        checks.add(("choices",), f"A {kind.name} question needs at least two choices.", "REQUIRED")
    if len(choices) > MAX_CHOICES:
        checks.add(("choices",), f"At most {MAX_CHOICES} choices.", "INVALID")
    for i, choice in enumerate(choices):
        checks.text(("choices", str(i), "text"), choice.text, max_length=5_000, required=True)
        if kind is QuestionType.MATCH_ANSWERS:
            checks.text(("choices", str(i), "match"), choice.match, max_length=5_000, required=True)
            if choice.is_correct:
                checks.add(("choices", str(i), "isCorrect"), "Match items are right by their match.", "INVALID")
        elif choice.match is not None:
            checks.add(("choices", str(i), "match"), "Only MATCH_ANSWERS choices have a match.", "INVALID")
    correct = sum(choice.is_correct for choice in choices)
    if kind is QuestionType.MULTIPLE_CHOICE and len(choices) >= 2 and correct != 1:
        checks.add(("choices",), "A MULTIPLE_CHOICE question has exactly one correct choice.", "INVALID")
    if kind is QuestionType.MULTIPLE_CORRECT and len(choices) >= 2 and correct < 1:
        checks.add(("choices",), "A MULTIPLE_CORRECT question has at least one correct choice.", "INVALID")
    texts = [normalized(choice.text) for choice in choices]
    for i, text in enumerate(texts):
        if text and text in texts[:i]:
            checks.add(("choices", str(i), "text"), "Two choices read the same.", "DUPLICATE")


def _check_question(fields: QuestionFields) -> None:
    checks = Checks()
    checks.text(("title",), fields.title, max_length=500, required=True)
    checks.text(("content",), fields.content or None, max_length=100_000)
    checks.text(("hint",), fields.hint, max_length=5_000)
    checks.text(("explanation",), fields.explanation, max_length=5_000)
    if not 0 < fields.points <= MAX_POINTS:
        checks.add(("points",), f"points must be more than 0 and at most {MAX_POINTS}.", "INVALID")
    checks.at_least(("position",), fields.position, 0)
    _check_choices(checks, fields)
    checks.done()


async def create_question(session: AsyncSession, *, actor: Actor, module_id: UUID, fields: QuestionFields) -> Question:
    """003 Create Question, added to one quiz at `position` (the end when left out)."""
    module = await visible_row(session, Module, module_id, actor=actor, field="moduleId", manage=True)
    if module.kind is not ModuleKind.QUIZ:
        raise Failure.one(("moduleId",), "Questions belong to QUIZ modules.", "INVALID")
    _check_question(fields)
    question = Question(
        portal_id=module.portal_id,
        module_id=module.id,
        type=fields.type,
        title=fields.title.strip(),
        content=fields.content or "",
        hint=fields.hint,
        explanation=fields.explanation,
        points=fields.points,
        accepted_answers=[a.strip() for a in fields.accepted_answers],
    )
    siblings = list(
        await session.scalars(select(Question).where(Question.module_id == module.id).order_by(Question.position))
    )
    at = len(siblings) if fields.position is None else min(fields.position, len(siblings))
    siblings.insert(at, question)
    for index, item in enumerate(siblings):
        item.position = index
    session.add(question)
    await session.flush()
    session.add_all(
        Choice(
            portal_id=module.portal_id,
            question_id=question.id,
            position=i,
            text=c.text.strip(),
            is_correct=c.is_correct,
            match=c.match.strip() if c.match is not None else None,
        )
        for i, c in enumerate(fields.choices)
    )
    await session.flush()
    return question


def questions_query(actor: Actor) -> Select[Any]:
    return select(Question.__table__).where(actor.visible(Question))


def choices_query(actor: Actor) -> Select[Any]:
    return select(Choice.__table__).where(actor.visible(Choice))


def attempts_query(actor: Actor, module_id: UUID | None = None) -> Select[Any]:
    stmt = select(QuizAttempt.__table__).where(actor.visible(QuizAttempt))
    return stmt if module_id is None else stmt.where(QuizAttempt.module_id == module_id)


def own_attempts_query(actor: Actor) -> Select[Any]:
    """The viewer's own attempts (what decides which answers they may see)."""
    if actor.user_id is None:
        return select(QuizAttempt.__table__).where(false())
    return attempts_query(actor).where(QuizAttempt.user_id == actor.user_id)


def managed_modules_query(actor: Actor) -> Select[Any]:
    """Modules the viewer manages: their staff see every answer."""
    return select(Module.__table__.c.id).where(actor.manageable(Module))


# ---- who sees the answers ------------------------------------------------------------------------


def attempts_allowed(details: dict[str, Any]) -> int | None:
    """1 + retakes (R23); None is unlimited (0 retakes means unlimited, as in 003)."""
    retakes = details.get("retakes_allowed") or 0
    return None if retakes == 0 else 1 + retakes


def answers_revealed(details: dict[str, Any], submitted: int, *, manages: bool) -> bool:
    """Correct answers and per-answer correctness: always to the course's staff; to a learner only
    after a submitted attempt, as `showCorrectAnswers` says (R23): ALWAYS then; NOT_TILL_RETAKE_ALLOWED
    once no attempt remains; NEVER (the default) not at all."""
    if manages:
        return True
    if submitted == 0:
        return False
    option = ShowCorrectAnswers(details.get("show_correct_answers", ShowCorrectAnswers.NEVER))
    if option is ShowCorrectAnswers.ALWAYS:
        return True
    allowed = attempts_allowed(details)
    return option is ShowCorrectAnswers.NOT_TILL_RETAKE_ALLOWED and allowed is not None and submitted >= allowed


# ---- scoring -------------------------------------------------------------------------------------

SPACES = re.compile(r"\s+")


def normalized(text: str | None) -> str:
    return SPACES.sub(" ", (text or "").strip()).casefold()


@dataclass(frozen=True, slots=True, kw_only=True)
class MatchAnswer:
    choice_id: UUID
    match: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    question_id: UUID
    choice_ids: Sequence[UUID] | None = None
    text: str | None = None
    matches: Sequence[MatchAnswer] | None = None


def earned(question: Any, choices: Sequence[Any], answer: Answer | None) -> float:
    """The points one answer earns (rules in the module docstring); never negative."""
    if answer is None:
        return 0.0
    points = question.points
    if question.type == QuestionType.SHORT_ANSWERS:
        given = normalized(answer.text)
        return points if given and given in {normalized(a) for a in question.accepted_answers} else 0.0
    if question.type == QuestionType.MATCH_ANSWERS:
        given = {m.choice_id: normalized(m.match) for m in answer.matches or ()}
        right = sum(1 for c in choices if c.id in given and given[c.id] == normalized(c.match))
        return points * right / len(choices) if choices else 0.0
    marked = set(answer.choice_ids or ())
    correct = {c.id for c in choices if c.is_correct}
    if question.type == QuestionType.MULTIPLE_CHOICE:
        return points if marked and marked == correct else 0.0
    hits, misses = len(marked & correct), len(marked - correct)
    return points * max(hits - misses, 0) / len(correct) if correct else 0.0


def percent(part: float, whole: float) -> float:
    return round(part / whole * 100, 2) if whole > 0 else 0.0


async def _hidden_ids(session: AsyncSession, actor: Actor, answers: Sequence[Answer]) -> list[Problem]:
    """Question and choice ids the actor may not see are NOT_FOUND, whatever the attempt."""
    questions = {a.question_id for a in answers}
    choices = {c for a in answers for c in a.choice_ids or ()} | {m.choice_id for a in answers for m in a.matches or ()}
    seen_questions = set(
        await session.scalars(select(Question.id).where(Question.id.in_(questions), actor.visible(Question)))
    )
    seen_choices = (
        set(await session.scalars(select(Choice.id).where(Choice.id.in_(choices), actor.visible(Choice))))
        if choices
        else set()
    )
    problems = []
    for i, answer in enumerate(answers):
        at = ("answers", str(i))
        if answer.question_id not in seen_questions:
            problems.append(Problem((*at, "questionId"), "No question with this id.", "NOT_FOUND"))
        for j, choice in enumerate(answer.choice_ids or ()):
            if choice not in seen_choices:
                problems.append(Problem((*at, "choiceIds", str(j)), "No choice with this id.", "NOT_FOUND"))
        for j, pair in enumerate(answer.matches or ()):
            if pair.choice_id not in seen_choices:
                problems.append(Problem((*at, "matches", str(j), "choiceId"), "No choice with this id.", "NOT_FOUND"))
    return problems


def _check_answers(answers: Sequence[Answer], questions: dict[UUID, Any], choices: dict[UUID, list[Any]]) -> None:
    """Each answer names a question of this quiz once, and only that question's choices."""
    checks = Checks()
    seen: set[UUID] = set()
    for i, answer in enumerate(answers):
        at = ("answers", str(i))
        question = questions.get(answer.question_id)
        if question is None:
            checks.add((*at, "questionId"), "No question of this quiz with this id.", "NOT_FOUND")
            continue
        if answer.question_id in seen:
            checks.add((*at, "questionId"), "This question is answered twice.", "DUPLICATE")
        seen.add(answer.question_id)
        own = {c.id for c in choices.get(question.id, [])}
        for j, choice_id in enumerate(answer.choice_ids or ()):
            if choice_id not in own:
                checks.add((*at, "choiceIds", str(j)), "No choice of this question with this id.", "NOT_FOUND")
        for j, pair in enumerate(answer.matches or ()):
            if pair.choice_id not in own:
                checks.add((*at, "matches", str(j), "choiceId"), "No item of this question with this id.", "NOT_FOUND")
        kind = question.type
        if kind is QuestionType.MULTIPLE_CHOICE and len(answer.choice_ids or ()) > 1:
            checks.add((*at, "choiceIds"), "A MULTIPLE_CHOICE question takes one choice.", "INVALID")
        if kind is not QuestionType.SHORT_ANSWERS and answer.text is not None:
            checks.add((*at, "text"), f"A {kind.name} question is answered with choices.", "INVALID")
        if kind is not QuestionType.MATCH_ANSWERS and answer.matches:
            checks.add((*at, "matches"), "Only MATCH_ANSWERS questions take matches.", "INVALID")
        if kind in (QuestionType.SHORT_ANSWERS, QuestionType.MATCH_ANSWERS) and answer.choice_ids:
            checks.add((*at, "choiceIds"), f"A {kind.name} question takes no choiceIds.", "INVALID")
        checks.text((*at, "text"), answer.text or None, max_length=5_000)
    checks.done()


# ---- attempts ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attempted:
    """An attempt with what it changed: the enrollment and the module's record."""

    attempt: QuizAttempt
    enrollment: Enrollment
    module: Module
    progress: ModuleProgress

    @property
    def audit_target(self) -> QuizAttempt:
        return self.attempt


async def _questions(session: AsyncSession, module_id: UUID) -> tuple[dict[UUID, Question], dict[UUID, list[Choice]]]:
    questions = {q.id: q for q in await session.scalars(select(Question).where(Question.module_id == module_id))}
    choices: dict[UUID, list[Choice]] = {q: [] for q in questions}
    stmt = select(Choice).where(Choice.question_id.in_(list(questions))).order_by(Choice.position)
    for choice in await session.scalars(stmt):
        choices[choice.question_id].append(choice)
    return questions, choices


async def _record(
    session: AsyncSession, attempt: QuizAttempt, enrollment: Enrollment, module: Module, course: Course, at: datetime
) -> ModuleProgress:
    """The module's record after a submission: latest or best attempt (the course says), the
    number submitted; completed by the submission, even a failed one, `passed` apart (R14).
    Through the shared progress path."""
    submitted = list(
        await session.scalars(
            select(QuizAttempt)
            .where(
                QuizAttempt.enrollment_id == enrollment.id,
                QuizAttempt.module_id == module.id,
                QuizAttempt.submitted_at.is_not(None),
            )
            .order_by(QuizAttempt.number)
        )
    )
    counted = attempt
    if course.quiz_score_policy is QuizScorePolicy.BEST:
        counted = max(submitted, key=lambda a: (a.score or 0.0, a.number))
    result = progress.ModuleResult(score=counted.score, passed=counted.passed, attempts=len(submitted))
    row = await progress.update_module_progress(
        session,
        enrollment=enrollment,
        module=module,
        course=course,
        at=at,
        complete=True,
        result=result,
    )
    data = {
        "attemptId": str(attempt.id),
        "enrollmentId": str(enrollment.id),
        "userId": str(enrollment.user_id),
        "courseId": str(course.id),
        "moduleId": str(module.id),
        "attemptNumber": attempt.number,
        "score": attempt.score,
        "passed": attempt.passed,
        "timedOut": attempt.timed_out,
    }
    await outbox(session, "quiz_submission", [{"portal_id": enrollment.portal_id, "data": data}])
    return row


def _passed(module: Module, score: float) -> bool:
    mark = (module.details or {}).get("passing_percentage")
    return True if mark is None else score >= mark


async def _close_timed_out(session: AsyncSession, attempt: QuizAttempt, module: Module, at: datetime) -> None:
    """Expiry submits the attempt with nothing counted (R22)."""
    questions, _ = await _questions(session, module.id)
    attempt.submitted_at, attempt.timed_out = at, True
    attempt.points, attempt.max_points = 0.0, float(sum(q.points for q in questions.values()))
    attempt.score, attempt.answers = 0.0, []
    attempt.passed = _passed(module, 0.0)
    await session.flush()


async def start_attempt(session: AsyncSession, *, actor: Actor, module_id: UUID) -> Attempted:
    """003 quiz launch: the acting learner's open attempt, or a new one if any remain."""
    module = await visible_row(session, Module, module_id, actor=actor, field="moduleId")
    if module.kind is not ModuleKind.QUIZ:
        raise Failure.one(("moduleId",), "Only a QUIZ module has attempts.", "INVALID")
    enrollment = await progress.own_enrollment(session, actor, module)  # locked: one start at a time
    if enrollment is None:
        raise progress.not_enrolled()
    course, at = await progress.open_module(session, enrollment, module, enrollment_field="moduleId")
    mine = (QuizAttempt.enrollment_id == enrollment.id, QuizAttempt.module_id == module.id)
    open_attempt = await session.scalar(
        select(QuizAttempt).where(*mine, QuizAttempt.submitted_at.is_(None)).with_for_update()
    )
    if open_attempt is not None:
        if open_attempt.deadline is None or at <= open_attempt.deadline + GRACE:
            row = await progress.update_module_progress(
                session, enrollment=enrollment, module=module, course=course, at=at
            )
            return Attempted(open_attempt, enrollment, module, row)
        await _close_timed_out(session, open_attempt, module, at)
        await _record(session, open_attempt, enrollment, module, course, at)
    questions, _ = await _questions(session, module.id)
    if not questions:
        raise Failure.one(("moduleId",), "This quiz has no questions yet.", "NOT_ALLOWED_IN_STATE")
    used = await session.scalar(select(func.count()).where(*mine)) or 0
    allowed = attempts_allowed(module.details or {})
    if allowed is not None and used >= allowed:
        raise Failure.one(("moduleId",), f"All {allowed} attempts of this quiz are used.", "NO_ATTEMPTS_LEFT")
    minutes = (module.details or {}).get("time_limit_minutes") or 0
    attempt = QuizAttempt(
        portal_id=enrollment.portal_id,
        enrollment_id=enrollment.id,
        module_id=module.id,
        user_id=enrollment.user_id,
        number=used + 1,
        started_at=at,
        deadline=at + timedelta(minutes=minutes) if minutes else None,
    )
    session.add(attempt)
    await session.flush()
    row = await progress.update_module_progress(session, enrollment=enrollment, module=module, course=course, at=at)
    return Attempted(attempt, enrollment, module, row)


async def submit_attempt(
    session: AsyncSession, *, actor: Actor, attempt_id: UUID, answers: Sequence[Answer]
) -> Attempted:
    """003 Submit the quiz: scored here, recorded in the module's progress, `quiz_submission`."""
    hidden = await _hidden_ids(session, actor, answers)
    attempt = None
    if actor.user_id is not None:
        attempt = await session.scalar(
            select(QuizAttempt)
            .where(QuizAttempt.id == attempt_id, QuizAttempt.user_id == actor.user_id, actor.visible(QuizAttempt))
            .with_for_update()
        )
    if attempt is None:  # another learner's attempt looks like a missing one
        hidden.insert(0, Problem(("attemptId",), "No attempt of yours with this id.", "NOT_FOUND"))
    if hidden:
        raise Failure(hidden)
    assert attempt is not None
    if attempt.submitted_at is not None:
        raise Failure.one(("attemptId",), "This attempt is already submitted.", "ALREADY_SUBMITTED")
    enrollment = await session.get_one(Enrollment, attempt.enrollment_id)
    module = await session.get_one(Module, attempt.module_id)
    course, at = await progress.open_module(
        session, enrollment, module, enrollment_field="attemptId", module_field="attemptId"
    )
    questions, choices = await _questions(session, module.id)
    _check_answers(answers, questions, choices)
    if attempt.deadline is not None and at > attempt.deadline + GRACE:
        await _close_timed_out(session, attempt, module, at)
    else:
        by_question = {a.question_id: a for a in answers}
        recorded, total, gained = [], 0.0, 0.0
        for question in sorted(questions.values(), key=lambda q: (q.position, q.id)):
            answer = by_question.get(question.id)
            points = earned(question, choices[question.id], answer)
            total, gained = total + question.points, gained + points
            if answer is not None:
                recorded.append(_stored(answer, points, question.points))
        attempt.points, attempt.max_points, attempt.score = gained, total, percent(gained, total)
        attempt.passed, attempt.submitted_at, attempt.answers = _passed(module, attempt.score), at, recorded
        await session.flush()
    row = await _record(session, attempt, enrollment, module, course, at)
    return Attempted(attempt, enrollment, module, row)


def _stored(answer: Answer, points: float, worth: float) -> dict[str, Any]:
    return {
        "question_id": str(answer.question_id),
        "choice_ids": [str(c) for c in answer.choice_ids or ()],
        "text": answer.text,
        "matches": [{"choice_id": str(m.choice_id), "match": m.match} for m in answer.matches or ()],
        "points": points,
        "correct": points >= worth,
    }
