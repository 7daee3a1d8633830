"""Enrollment.results in 004 getResults' shape, on both databases: quiz attempts numbered, one
attempt (-1) for other modules, R51's passed/score rules, terms, dates in the portal's time zone,
and a statement count that does not grow with the number of enrollments."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import CourseStatus
from models.enrollments import Enrollment, ModuleProgress, ModuleProgressStatus
from models.modules import Module, ModuleKind
from models.portals import Portal
from models.quizzes import QuizAttempt
from models.users import Role
from tests.conftest import Api, FrozenClock
from tests.factories import gid, make_course, make_module, make_portal, make_section, make_user, saved
from tests.graph.quizzes.test_quizzes import answers, make_quiz, start, take

PARTS = """parts { id name blockName type subType completed completeDate completeDateTime passed score
  module { id title }
  attempts { attemptNr startDate startDateTime completeDate completeDateTime completed passed progress score
    criteria { id name score maxScore } terms { name score maxScore threshold } } }"""
RESULTS = (
    "query($id: ID!) { enrollment(id: $id) { results { completed completeDate completeDateTime grade progress "
    + PARTS
    + " objectives { name target value } } } }"
)
COMPLETE = """mutation($input: ModuleCompleteInput!) { moduleComplete(input: $input) { errors { code } } }"""


async def test_results_of_a_learner(api: Api, session: AsyncSession, clock: FrozenClock) -> None:
    quiz = await make_quiz(api, session, retakes_allowed=0, passing_percentage=50)
    await session.execute(update(Portal).where(Portal.id == quiz.portal.id).values(time_zone="Pacific/Auckland"))
    section = await make_section(session, quiz.course, title="Block 1")
    await session.execute(update(Module).where(Module.id == quiz.module.id).values(section_id=section.id))
    await session.commit()
    text = await make_module(session, quiz.course, position=1, title="Read me", section_id=section.id)
    survey = await make_module(session, quiz.course, kind=ModuleKind.SURVEY, position=2, title="How was it?")
    pdf = await make_module(session, quiz.course, kind=ModuleKind.PDF, position=3, title="Handout")

    first = await take(quiz, answers(quiz, "Paris", None, None, None))  # 1 of 7 points: failed
    assert first["attempt"]["passed"] is False
    clock.advance(hours=1)
    await take(
        quiz, answers(quiz, "Paris", ["2", "3"], "Pacific", {"Apple": "Red", "Banana": "Yellow", "Lime": "Green"})
    )
    clock.advance(hours=2)  # 12:00 UTC is already the 6th in Auckland
    done = await quiz.learner.data(COMPLETE, {"input": {"enrollmentId": quiz.enrollment, "moduleId": gid(text)}})
    assert done["moduleComplete"]["errors"] == []
    row = (await session.execute(Enrollment.__table__.select())).one()
    completed_at = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    await saved(session, ModuleProgress(
        portal_id=quiz.portal.id, enrollment_id=row.id, module_id=survey.id, status=ModuleProgressStatus.COMPLETED,
        score=90.0, passed=True, attempts=1, started_at=completed_at, completed_at=completed_at,
    ))  # fmt: skip
    await session.execute(update(Enrollment).where(Enrollment.id == row.id).values(grade=66.666))
    await session.commit()

    results = (await quiz.learner.data(RESULTS, {"id": quiz.enrollment}))["enrollment"]["results"]
    assert (results["completed"], results["completeDate"], results["grade"]) == (False, None, "67%")
    assert results["progress"] == "3/4"
    assert results["objectives"] == []
    parts = results["parts"]
    assert [p["name"] for p in parts] == [quiz.module.title, "Read me", "How was it?", "Handout"]
    assert [p["id"] for p in parts] == [gid(quiz.module), gid(text), gid(survey), gid(pdf)]
    assert [p["module"]["id"] for p in parts] == [p["id"] for p in parts]
    assert [p["blockName"] for p in parts] == ["Block 1", "Block 1", None, None]
    assert [(p["type"], p["subType"]) for p in parts] == [
        ("Assessment", "Assessment"), ("Lesson", "Lesson"), ("Evaluation", "Inquiry"), ("Lesson", "Documentation"),
    ]  # fmt: skip

    assessment = parts[0]
    assert (assessment["completed"], assessment["passed"], assessment["score"]) == (True, True, "100%")
    assert [a["attemptNr"] for a in assessment["attempts"]] == [1, 2]
    one, two = assessment["attempts"]
    assert (one["completed"], one["passed"], one["score"], one["progress"]) == (True, False, "14%", None)
    assert one["terms"] == [{"name": "Total", "score": 1.0, "maxScore": 7.0, "threshold": 3.5}]
    assert (one["startDateTime"], one["startDate"]) == ("2026-01-05T09:00:00Z", "2026-01-05")
    assert (two["passed"], two["score"], two["criteria"]) == (True, "100%", [])
    assert two["terms"] == [{"name": "Total", "score": 7.0, "maxScore": 7.0, "threshold": 3.5}]
    assert two["completeDateTime"] == "2026-01-05T10:00:00Z"

    lesson = parts[1]
    assert (lesson["completed"], lesson["passed"], lesson["score"]) == (True, False, None)
    assert (lesson["completeDateTime"], lesson["completeDate"]) == ("2026-01-05T12:00:00Z", "2026-01-06")
    assert [(a["attemptNr"], a["completed"], a["passed"], a["score"], a["terms"]) for a in lesson["attempts"]] == [
        (-1, True, False, None, [])
    ]

    evaluation = parts[2]
    assert (evaluation["completed"], evaluation["passed"], evaluation["score"]) == (True, None, None)
    assert [(a["attemptNr"], a["passed"], a["score"]) for a in evaluation["attempts"]] == [(-1, None, None)]

    untouched = parts[3]
    assert (untouched["completed"], untouched["passed"], untouched["attempts"]) == (False, False, [])

    stranger = await make_user(session, quiz.portal, role=Role.LEARNER)
    hidden = await api.signed_in(stranger, "acme").data(RESULTS, {"id": quiz.enrollment})
    assert hidden["enrollment"] is None


async def test_completed_course_reports_its_completion(api: Api, session: AsyncSession) -> None:
    portal = await make_portal(session, slug="acme")
    course = await make_course(session, portal, status=CourseStatus.PUBLISHED)
    learner = await make_user(session, portal)
    at = datetime(2026, 1, 4, 16, 23, 55, tzinfo=UTC)
    enrollment = await saved(session, Enrollment(
        portal_id=portal.id, user_id=learner.id, course_id=course.id, enrolled_at=at, started_at=at, completed_at=at,
        status="Completed", grade=100.0,
    ))  # fmt: skip
    results = (await api.acting_in("acme").data(RESULTS, {"id": gid(enrollment)}))["enrollment"]["results"]
    assert (results["completed"], results["completeDate"], results["completeDateTime"], results["grade"]) == (
        True, "2026-01-04", "2026-01-04T16:23:55Z", "100%",
    )  # fmt: skip
    assert (results["progress"], results["parts"]) == ("0/0", [])


# ---- statements ----------------------------------------------------------------------------------

PAGE = (
    "query($course: ID!) { enrollments(first: 50, filter: {courseId: $course}) { nodes { results { "
    "completed completeDate grade progress " + PARTS + " objectives { name } } } } }"
)


async def build_class(session: AsyncSession) -> tuple[Any, list[Any]]:
    portal = await make_portal(session, slug="academy")
    course = await make_course(session, portal, status=CourseStatus.PUBLISHED)
    sections = [await make_section(session, course, title=f"Block {i}") for i in range(2)]
    modules = [
        await make_module(session, course, kind=kind, position=i, section_id=sections[i % 2].id, details={})
        for i, kind in enumerate([ModuleKind.QUIZ, ModuleKind.TEXT, ModuleKind.SURVEY, ModuleKind.EXTERNAL])
    ]
    return course, modules


async def add_learners(session: AsyncSession, course: Any, modules: list[Any], learners: int) -> None:
    at = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
    for _ in range(learners):
        user = await make_user(session)
        enrollment = await saved(session, Enrollment(
            portal_id=course.portal_id, user_id=user.id, course_id=course.id, enrolled_at=at, started_at=at,
            grade=50.0,
        ))  # fmt: skip
        for number in (1, 2):
            session.add(QuizAttempt(
                portal_id=course.portal_id, enrollment_id=enrollment.id, module_id=modules[0].id, user_id=user.id,
                number=number, started_at=at, submitted_at=at, points=1.0, max_points=2.0, score=50.0, passed=True,
            ))  # fmt: skip
        for module in modules:
            session.add(ModuleProgress(
                portal_id=course.portal_id, enrollment_id=enrollment.id, module_id=module.id, attempts=1, score=50.0,
                status=ModuleProgressStatus.COMPLETED, started_at=at, completed_at=at,
            ))  # fmt: skip
        await session.commit()


async def results_statements(api: Api, course: Any, count_sql: Any, learners: int) -> int:
    with count_sql() as sql:
        data = await api.acting_in("academy").data(PAGE, {"course": gid(course)})
    nodes = data["enrollments"]["nodes"]
    assert len(nodes) == learners
    assert all(n["results"]["progress"] == "4/4" for n in nodes)
    assert all(n["results"]["grade"] == "50%" for n in nodes)
    assert all([p["blockName"] for p in n["results"]["parts"]] == ["Block 0", "Block 1"] * 2 for n in nodes)
    assert all([a["attemptNr"] for a in n["results"]["parts"][0]["attempts"]] == [1, 2] for n in nodes)
    assert all([a["attemptNr"] for a in n["results"]["parts"][1]["attempts"]] == [-1] for n in nodes)
    return sql.count


async def test_results_of_five_enrollments_cost_what_one_costs(api: Api, session: AsyncSession, count_sql: Any) -> None:
    course, modules = await build_class(session)
    await api.credentials.api_key("academy")  # issued before counting: a client already holds its key
    await add_learners(session, course, modules, 1)
    one = await results_statements(api, course, count_sql, 1)
    await add_learners(session, course, modules, 4)
    five = await results_statements(api, course, count_sql, 5)
    assert one == five, (one, five)


async def test_an_attempt_in_progress_is_not_completed_and_has_no_terms(api: Api, session: AsyncSession) -> None:
    quiz = await make_quiz(api, session, retakes_allowed=0)
    await take(quiz, answers(quiz, "Lyon", None, None, None))  # 0 of 7, no pass mark: passed
    started = await start(quiz)
    assert started["errors"] == []
    results = (await quiz.learner.data(RESULTS, {"id": quiz.enrollment}))["enrollment"]["results"]
    part = results["parts"][0]
    assert (part["completed"], part["passed"], part["score"]) == (True, True, "0%")
    assert results["progress"] == "1/1"
    one, two = part["attempts"]
    assert one["terms"] == [{"name": "Total", "score": 0.0, "maxScore": 7.0, "threshold": 0.0}]
    assert (two["attemptNr"], two["completed"], two["passed"], two["score"]) == (2, False, False, None)
    assert (two["completeDate"], two["completeDateTime"], two["terms"]) == (None, None, [])
