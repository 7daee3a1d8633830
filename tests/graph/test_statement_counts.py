"""Every field resolves through DataLoaders: statements follow nesting depth, never list sizes."""

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import utcnow
from models.courses import CourseCategory, CourseInstructor, CourseStatus
from models.enrollments import Enrollment
from models.modules import ModuleKind
from models.quizzes import Choice, Question, QuestionType, QuizAttempt
from models.users import Role
from tests.conftest import Api
from tests.factories import (
    make_category,
    make_course,
    make_module,
    make_portal,
    make_section,
    make_user,
)

NESTED = """
{
  portals(first: 50) {
    totalCount
    nodes {
      name
      parent { name }
      subPortals { name }
      users(first: 50) { totalCount nodes { fullName memberships { role portal { slug } } } }
      courses(first: 50) {
        totalCount
        edges {
          cursor
          node {
            title
            categories { name }
            instructors { fullName }
            sections { title modules { title } }
            modules { id title kind section { title } course { title portal { name } } }
          }
        }
      }
    }
  }
}
"""


async def build_academy(session: AsyncSession, *, portals: int, courses: int, modules: int) -> None:
    """An academy whose admin sees `portals` sub-portals, each with its courses and modules."""
    academy = await make_portal(session, slug="academy")
    for p in range(portals):
        portal = await make_portal(session, slug=f"portal-{p}", parent=academy)
        category = await make_category(session, portal)
        teacher = await make_user(session, portal, role=Role.INSTRUCTOR)
        await make_user(session, portal)
        for c in range(courses):
            course = await make_course(session, portal, title=f"Course {p}-{c}")
            section = await make_section(session, course)
            await link(session, course, category.id, teacher.id)
            for m in range(modules):
                await make_module(session, course, position=m, kind=ModuleKind.TEXT, section_id=section.id)


async def link(session: AsyncSession, course: Any, category_id: Any, teacher_id: Any) -> None:
    session.add(CourseCategory(portal_id=course.portal_id, course_id=course.id, category_id=category_id))
    session.add(CourseInstructor(portal_id=course.portal_id, course_id=course.id, user_id=teacher_id))
    await session.commit()


async def statements_for(api: Api, count_sql: Any) -> int:
    await api.credentials.api_key("academy")  # issued before counting: a client already holds its key
    with count_sql() as sql:
        data = await api.acting_in("academy").data(NESTED)
    assert data["portals"]["nodes"]
    return sql.count


@pytest.mark.parametrize(("portals", "courses", "modules"), [(1, 1, 1), (3, 10, 20)])
async def test_nested_query_costs_the_same_statements_at_any_size(
    api: Api, session: AsyncSession, count_sql: Any, portals: int, courses: int, modules: int
) -> None:
    await build_academy(session, portals=portals, courses=courses, modules=modules)
    assert await statements_for(api, count_sql) == EXPECTED_STATEMENTS


# who acts (the API key with its portal and the admin's subtree, one statement);
# portals page and count; parents; subPortals; users page and count; memberships; courses page and count;
# categories; instructors; sections; section modules; course modules; then one batch each for the
# portals, courses and sections that rows point back to. Eighteen, whatever the sizes.
EXPECTED_STATEMENTS = 18


CATALOG = """{ portal(slug: "portal-0") { name courses(first: 50) {
  totalCount nodes { title portal { slug } modules { id title kind } enrollments { totalCount } } } } }"""


@pytest.mark.postgres_only
@pytest.mark.parametrize(("portals", "courses", "modules"), [(1, 1, 1), (3, 10, 20)])
async def test_a_compiled_read_is_one_statement_at_any_size(
    api: Api, session: AsyncSession, count_sql: Any, portals: int, courses: int, modules: int
) -> None:
    await build_academy(session, portals=portals, courses=courses, modules=modules)
    await api.credentials.api_key("academy")
    with count_sql() as sql:
        data = await api.acting_in("academy").data(CATALOG)
    assert len(data["portal"]["courses"]["nodes"]) == courses
    # who acts (the API key with its portal and the admin's subtree), then the whole answer
    assert sql.count == 2
    assert sum("json_build_object" in statement for statement in sql.statements) == 1


QUIZZES = """
{
  enrollments(first: 50) {
    nodes {
      quizAttempts(first: 50) { totalCount nodes { number score module { title } user { fullName } } }
      moduleProgress {
        score
        quizAttempts { number answers { isCorrect points question { title } choices { text } matches { match } } }
      }
      course {
        modules {
          ... on QuizModule {
            questions {
              title acceptedAnswers explanation matchOptions choices { text isCorrect match question { title } }
            }
          }
        }
      }
    }
  }
}
"""


async def build_quizzes(session: AsyncSession, *, quizzes: int, questions: int, learners: int, attempts: int) -> Any:
    """A course of quizzes, each question with three choices; every learner submitted every quiz."""
    portal = await make_portal(session, slug="quizzes")
    course = await make_course(session, portal, status=CourseStatus.PUBLISHED)
    people = [await make_user(session, portal) for _ in range(learners)]
    enrollments = [
        Enrollment(portal_id=portal.id, user_id=p.id, course_id=course.id, enrolled_at=utcnow()) for p in people
    ]
    session.add_all(enrollments)
    await session.flush()
    for q in range(quizzes):
        module = await make_module(
            session, course, kind=ModuleKind.QUIZ, position=q, details={"show_correct_answers": "always"}
        )
        asked = []
        for n in range(questions):
            kind = [QuestionType.MULTIPLE_CHOICE, QuestionType.MATCH_ANSWERS][n % 2]
            question = Question(portal_id=portal.id, module_id=module.id, type=kind, title=f"Q{n}", position=n)
            choices = [
                Choice(portal_id=portal.id, question_id=question.id, text=f"C{c}", position=c, is_correct=c == 0,
                       match=f"M{c}" if kind is QuestionType.MATCH_ANSWERS else None)
                for c in range(3)
            ]  # fmt: skip
            session.add(question)
            await session.flush()
            session.add_all(choices)
            asked.append((question, choices))
        for enrollment, person in zip(enrollments, people, strict=True):
            for number in range(1, attempts + 1):
                answers = [
                    {"question_id": str(question.id), "choice_ids": [str(c.id) for c in choices[:2]], "text": None,
                     "matches": [{"choice_id": str(choices[0].id), "match": "M0"}], "points": 0.0, "correct": False}
                    for question, choices in asked
                ]  # fmt: skip
                session.add(
                    QuizAttempt(portal_id=portal.id, enrollment_id=enrollment.id, module_id=module.id,
                                user_id=person.id, number=number, started_at=utcnow(), submitted_at=utcnow(),
                                score=0.0, passed=False, answers=answers)
                )  # fmt: skip
    await session.commit()
    return people[0]


@pytest.mark.parametrize(
    ("quizzes", "questions", "learners", "attempts"), [(1, 1, 1, 1), (3, 4, 3, 2)]
)  # fmt: skip
async def test_quiz_attempts_and_questions_cost_the_same_statements_at_any_size(
    api: Api, session: AsyncSession, count_sql: Any, quizzes: int, questions: int, learners: int, attempts: int
) -> None:
    learner = await build_quizzes(session, quizzes=quizzes, questions=questions, learners=learners, attempts=attempts)
    await api.credentials.api_key("quizzes")
    with count_sql() as admin:
        data = await api.acting_in("quizzes").data(QUIZZES)
    assert len(data["enrollments"]["nodes"]) == learners
    attempts_seen = data["enrollments"]["nodes"][0]["quizAttempts"]
    assert attempts_seen["totalCount"] == quizzes * attempts
    token = await api.credentials.token(learner)  # signed in before counting, like the key above
    with count_sql() as own:  # a learner: which answers they may see depends on their own attempts
        mine = await api.with_bearer(token, "quizzes").data(QUIZZES)
    first = mine["enrollments"]["nodes"][0]["moduleProgress"][0]["quizAttempts"][0]["answers"][0]
    assert first["isCorrect"] is False and first["question"] == {"title": "Q0"}
    assert (admin.count, own.count) == EXPECTED_QUIZ_STATEMENTS, (admin.statements, own.statements)


# Who acts (one statement, for a key or a token); enrollments; attempt pages and counts; progress
# rows; courses; modules (per course, and by id for the attempts and the answer checks); attempts
# per enrollment; users; questions (per quiz, and by id for the answers); choices (per question,
# and by id for the answers); the modules the viewer manages (the admin: all, so the learner's own
# attempts are read only for the learner, twice). Whatever the numbers of quizzes, questions,
# learners and attempts.
EXPECTED_QUIZ_STATEMENTS = (15, 17)
