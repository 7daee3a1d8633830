"""Quizzes through the API on both databases: questions, attempts, scoring, answers kept from
learners until allowed, and the module's record in the learner's progress."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import Course, CourseInstructor, CourseStatus, QuizScorePolicy
from models.enrollments import OutboxEvent
from models.modules import DripRule, Module, ModuleKind
from models.portals import Portal
from models.quizzes import QuizAttempt
from models.users import Role, User
from tests.conftest import Api, FrozenClock
from tests.factories import gid, make_course, make_module, make_portal, make_user, saved

QUESTION = """mutation($input: QuestionCreateInput!) { questionCreate(input: $input) {
  question { id type title points position choices { id text isCorrect match } acceptedAnswers matchOptions }
  errors { field code } } }"""
START = """mutation($input: QuizAttemptStartInput!) { quizAttemptStart(input: $input) {
  attempt { id number startedAt deadline submittedAt } errors { field code } } }"""
SUBMIT = """mutation($input: QuizAttemptSubmitInput!) { quizAttemptSubmit(input: $input) {
  attempt { id number submittedAt timedOut score points maxPoints passed answers { isCorrect points text } }
  enrollment { status startedAt completedAt progress { display }
    moduleProgress { status score passed attempts quizAttempts { number score } } }
  errors { field code } } }"""
ENROLL = """mutation($input: EnrollmentCreateInput!) { enrollmentCreate(input: $input) {
  enrollments { id } errors { code } } }"""
NODE = '{{ node(id: "{id}") {{ {fields} }} }}'
QUESTIONS = """query($id: ID!) { module(id: $id) { ... on QuizModule { questions {
  title explanation acceptedAnswers matchOptions choices { text isCorrect match } } } } }"""


@dataclass
class Quiz:
    admin: Api
    learner: Api
    learner_user: User
    portal: Portal
    course: Course
    module: Module
    enrollment: str
    questions: dict[str, dict[str, Any]]  # by type: the question as its admin sees it

    def choice(self, kind: str, *texts: str) -> list[str]:
        by_text = {c["text"]: c["id"] for c in self.questions[kind]["choices"]}
        return [by_text[text] for text in texts]


async def make_quiz(
    api: Api, session: AsyncSession, *, slug: str = "acme", policy: QuizScorePolicy = QuizScorePolicy.LATEST,
    **details: Any,
) -> Quiz:  # fmt: skip
    portal = await make_portal(session, slug=slug)
    learner = await make_user(session, portal, role=Role.LEARNER)
    course = await make_course(session, portal, status=CourseStatus.PUBLISHED, quiz_score_policy=policy)
    module = await make_module(session, course, kind=ModuleKind.QUIZ, details=details)
    admin = api.acting_in(slug)
    questions = {}
    for question in QUESTIONS_OF_A_QUIZ:
        made = (await admin.data(QUESTION, {"input": {"moduleId": gid(module), **question}}))["questionCreate"]
        assert made["errors"] == [], made
        questions[question["type"]] = made["question"]
    enrolled = await admin.data(ENROLL, {"input": {"courseId": gid(course), "userIds": [gid(learner)]}})
    enrollment = enrolled["enrollmentCreate"]["enrollments"][0]["id"]
    return Quiz(admin, api.signed_in(learner, slug), learner, portal, course, module, enrollment, questions)


QUESTIONS_OF_A_QUIZ: list[dict[str, Any]] = [  # 7 points in all
    {"type": "MULTIPLE_CHOICE", "title": "Capital of France?", "explanation": "Paris since 508",
     "choices": [{"text": "Paris", "isCorrect": True}, {"text": "Lyon"}, {"text": "Nice"}]},
    {"type": "MULTIPLE_CORRECT", "title": "Primes?", "points": 2,
     "choices": [{"text": "2", "isCorrect": True}, {"text": "3", "isCorrect": True}, {"text": "4"}, {"text": "6"}]},
    {"type": "SHORT_ANSWERS", "title": "Largest ocean?", "acceptedAnswers": ["Pacific", "Pacific Ocean"]},
    {"type": "MATCH_ANSWERS", "title": "Match the fruit", "points": 3,
     "choices": [{"text": "Apple", "match": "Red"}, {"text": "Banana", "match": "Yellow"},
                 {"text": "Lime", "match": "Green"}]},
]  # fmt: skip


def answers(quiz: Quiz, mc: str | None, mcorrect: list[str] | None, short: str | None, match: dict[str, str] | None):
    given = []
    if mc is not None:
        given.append(
            {"questionId": quiz.questions["MULTIPLE_CHOICE"]["id"], "choiceIds": quiz.choice("MULTIPLE_CHOICE", mc)}
        )
    if mcorrect is not None:
        given.append({"questionId": quiz.questions["MULTIPLE_CORRECT"]["id"],
                      "choiceIds": quiz.choice("MULTIPLE_CORRECT", *mcorrect)})  # fmt: skip
    if short is not None:
        given.append({"questionId": quiz.questions["SHORT_ANSWERS"]["id"], "text": short})
    if match is not None:
        items = {c["text"]: c["id"] for c in quiz.questions["MATCH_ANSWERS"]["choices"]}
        given.append({"questionId": quiz.questions["MATCH_ANSWERS"]["id"],
                      "matches": [{"choiceId": items[k], "match": v} for k, v in match.items()]})  # fmt: skip
    return given


async def start(quiz: Quiz, who: Api | None = None) -> dict[str, Any]:
    return (await (who or quiz.learner).data(START, {"input": {"moduleId": gid(quiz.module)}}))["quizAttemptStart"]


async def submit(quiz: Quiz, attempt: str, given: list[dict[str, Any]], who: Api | None = None) -> dict[str, Any]:
    variables = {"input": {"attemptId": attempt, "answers": given}}
    return (await (who or quiz.learner).data(SUBMIT, variables))["quizAttemptSubmit"]


async def take(quiz: Quiz, given: list[dict[str, Any]]) -> dict[str, Any]:
    started = await start(quiz)
    assert started["errors"] == [], started
    done = await submit(quiz, started["attempt"]["id"], given)
    assert done["errors"] == [], done
    return done


async def attempts_in_db(session: AsyncSession) -> list[tuple[int, Any, float | None]]:
    rows = await session.execute(
        select(QuizAttempt.number, QuizAttempt.submitted_at, QuizAttempt.score).order_by(QuizAttempt.number)
    )
    await session.commit()
    return [tuple(row) for row in rows]


# ---- questions -----------------------------------------------------------------------------------


async def test_questions_come_in_order_with_their_choices(api: Api, session: AsyncSession) -> None:
    quiz = await make_quiz(api, session)
    mc = quiz.questions["MULTIPLE_CHOICE"]
    assert (mc["type"], mc["points"], mc["position"]) == ("MULTIPLE_CHOICE", 1.0, 0)
    assert [(c["text"], c["isCorrect"]) for c in mc["choices"]] == [("Paris", True), ("Lyon", False), ("Nice", False)]
    assert quiz.questions["MATCH_ANSWERS"]["matchOptions"] == ["Green", "Red", "Yellow"]
    first = {"moduleId": gid(quiz.module), "type": "SHORT_ANSWERS", "title": "Warm-up", "acceptedAnswers": ["x"],
             "position": 0}  # fmt: skip
    assert (await quiz.admin.data(QUESTION, {"input": first}))["questionCreate"]["question"]["position"] == 0
    listed = (await quiz.admin.data(QUESTIONS, {"id": gid(quiz.module)}))["module"]["questions"]
    assert [q["title"] for q in listed] == ["Warm-up", "Capital of France?", "Primes?", "Largest ocean?",
                                            "Match the fruit"]  # fmt: skip


@pytest.mark.parametrize(
    ("question", "errors"),
    [
        ({"type": "MULTIPLE_CHOICE", "title": "Two right",
          "choices": [{"text": "a", "isCorrect": True}, {"text": "b", "isCorrect": True}]}, [(["choices"], "INVALID")]),
        ({"type": "MULTIPLE_CHOICE", "title": "None right", "choices": [{"text": "a"}, {"text": "b"}]},
         [(["choices"], "INVALID")]),
        ({"type": "MULTIPLE_CHOICE", "title": "Alone", "choices": [{"text": "a", "isCorrect": True}]},
         [(["choices"], "REQUIRED")]),
        ({"type": "MULTIPLE_CORRECT", "title": "None right", "choices": [{"text": "a"}, {"text": "b"}]},
         [(["choices"], "INVALID")]),
        ({"type": "SHORT_ANSWERS", "title": "Nothing accepted", "acceptedAnswers": ["  "]},
         [(["acceptedAnswers"], "REQUIRED"), (["acceptedAnswers", "0"], "REQUIRED")]),
        ({"type": "MATCH_ANSWERS", "title": "No match", "choices": [{"text": "a", "match": "x"}, {"text": "b"}]},
         [(["choices", "1", "match"], "REQUIRED")]),
        ({"type": "MULTIPLE_CHOICE", "title": "Same twice",
          "choices": [{"text": "a", "isCorrect": True}, {"text": " A "}]}, [(["choices", "1", "text"], "DUPLICATE")]),
        ({"type": "SHORT_ANSWERS", "title": "", "acceptedAnswers": ["x"], "points": 0},
         [(["title"], "REQUIRED"), (["points"], "INVALID")]),
        ({"type": "SHORT_ANSWERS", "title": "x" * 501, "acceptedAnswers": ["x"]}, [(["title"], "TOO_LONG")]),
    ],
)  # fmt: skip
async def test_a_bad_question_is_refused_and_nothing_is_written(
    api: Api, session: AsyncSession, question: dict[str, Any], errors: list[tuple[list[str], str]]
) -> None:
    quiz = await make_quiz(api, session)
    payload = await quiz.admin.data(QUESTION, {"input": {"moduleId": gid(quiz.module), **question}})
    assert payload["questionCreate"]["question"] is None
    assert [(e["field"], e["code"]) for e in payload["questionCreate"]["errors"]] == errors
    assert len((await quiz.admin.data(QUESTIONS, {"id": gid(quiz.module)}))["module"]["questions"]) == 4


async def test_questions_belong_to_quizzes_of_courses_one_manages(api: Api, session: AsyncSession) -> None:
    quiz = await make_quiz(api, session)
    text = await make_module(session, quiz.course, kind=ModuleKind.TEXT)
    short = {"type": "SHORT_ANSWERS", "title": "Q", "acceptedAnswers": ["x"]}
    refused = await quiz.admin.data(QUESTION, {"input": {"moduleId": gid(text), **short}})
    assert refused["questionCreate"]["errors"] == [{"field": ["moduleId"], "code": "INVALID"}]
    other = await make_quiz(api, session, slug="globex")
    hidden = await quiz.admin.data(QUESTION, {"input": {"moduleId": gid(other.module), **short}})
    assert hidden["questionCreate"]["errors"] == [{"field": ["moduleId"], "code": "NOT_FOUND"}]
    body = (await quiz.learner.post(QUESTION, {"input": {"moduleId": gid(quiz.module), **short}})).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    outsider = await make_user(session, quiz.portal, role=Role.INSTRUCTOR)
    body = await api.signed_in(outsider, "acme").post(QUESTION, {"input": {"moduleId": gid(quiz.module), **short}})
    assert body.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    teacher = await make_user(session, quiz.portal, role=Role.INSTRUCTOR)
    await saved(session, CourseInstructor(portal_id=quiz.portal.id, course_id=quiz.course.id, user_id=teacher.id))
    made = await api.signed_in(teacher, "acme").data(QUESTION, {"input": {"moduleId": gid(quiz.module), **short}})
    assert made["questionCreate"]["errors"] == []
    assert len((await quiz.admin.data(QUESTIONS, {"id": gid(quiz.module)}))["module"]["questions"]) == 5


# ---- scoring -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "points", "score", "correct"),
    [
        ({"mc": None, "mcorrect": None, "short": None, "match": None}, 0.0, 0.0, []),
        ({"mc": "Lyon", "mcorrect": ["4", "6"], "short": "Atlantic",
          "match": {"Apple": "Yellow", "Banana": "Green", "Lime": "Red"}}, 0.0, 0.0, [False] * 4),
        ({"mc": "Paris", "mcorrect": ["2", "3"], "short": "  pacific   OCEAN ",
          "match": {"Apple": "red", "Banana": "Yellow", "Lime": "Green"}}, 7.0, 100.0, [True] * 4),
        # one right prime of two: half of 2 points; two items of three matched: 2 of 3 points
        ({"mc": None, "mcorrect": ["2"], "short": None, "match": {"Apple": "Red", "Banana": "Yellow"}},
         3.0, 42.86, [False, False]),
        # a right and a wrong prime cancel out; marking every choice earns nothing
        ({"mc": None, "mcorrect": ["2", "4"], "short": "Pacific", "match": None}, 1.0, 14.29, [False, True]),
        ({"mc": None, "mcorrect": ["2", "3", "4", "6"], "short": None, "match": None}, 0.0, 0.0, [False]),
        # one right prime, one wrong and one more right: (2 - 1) / 2 of 2 points
        ({"mc": "Paris", "mcorrect": ["2", "3", "6"], "short": None, "match": None}, 2.0, 28.57, [True, False]),
    ],
)  # fmt: skip
async def test_scoring(
    api: Api, session: AsyncSession, given: dict[str, Any], points: float, score: float, correct: list[bool]
) -> None:
    quiz = await make_quiz(api, session, passing_percentage=50, show_correct_answers="always")
    done = await take(quiz, answers(quiz, **given))
    attempt = done["attempt"]
    assert (attempt["points"], attempt["maxPoints"], attempt["score"]) == (points, 7.0, score)
    assert attempt["passed"] is (score >= 50)
    assert [a["isCorrect"] for a in attempt["answers"]] == correct


async def test_a_quiz_without_pass_mark_passes_any_submission(api: Api, session: AsyncSession) -> None:
    quiz = await make_quiz(api, session)
    done = await take(quiz, [])
    assert (done["attempt"]["score"], done["attempt"]["passed"]) == (0.0, True)
    assert done["enrollment"]["moduleProgress"][0]["status"] == "COMPLETED"


async def test_answers_that_do_not_fit_the_quiz_are_refused(api: Api, session: AsyncSession) -> None:
    quiz = await make_quiz(api, session)
    sibling = await make_module(session, quiz.course, kind=ModuleKind.QUIZ)
    elsewhere = {"moduleId": gid(sibling), "type": "SHORT_ANSWERS", "title": "Other quiz", "acceptedAnswers": ["x"]}
    made = (await quiz.admin.data(QUESTION, {"input": elsewhere}))["questionCreate"]["question"]
    attempt = (await start(quiz))["attempt"]["id"]
    mc, short = quiz.questions["MULTIPLE_CHOICE"], quiz.questions["SHORT_ANSWERS"]
    prime = quiz.questions["MULTIPLE_CORRECT"]["choices"][0]["id"]
    given = [
        {"questionId": made["id"]},
        {"questionId": mc["id"], "choiceIds": [mc["choices"][0]["id"], prime]},
        {"questionId": short["id"], "text": "Pacific"},
        {"questionId": short["id"], "text": "Pacific", "choiceIds": [mc["choices"][1]["id"]]},
        {"questionId": "not-an-id"},
    ]  # fmt: skip
    refused = await submit(quiz, attempt, given)
    assert refused["attempt"] is None
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        (["answers", "4", "questionId"], "NOT_FOUND"),
    ]
    given.pop()
    refused = await submit(quiz, attempt, given)
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        (["answers", "0", "questionId"], "NOT_FOUND"),
        (["answers", "1", "choiceIds", "1"], "NOT_FOUND"),
        (["answers", "1", "choiceIds"], "INVALID"),
        (["answers", "3", "questionId"], "DUPLICATE"),
        (["answers", "3", "choiceIds", "0"], "NOT_FOUND"),
        (["answers", "3", "choiceIds"], "INVALID"),
    ]
    assert await attempts_in_db(session) == [(1, None, None)]  # still open, nothing scored
    other = await make_quiz(api, session, slug="globex")  # another portal's ids are unknown ones
    hidden = [{"questionId": other.questions["MULTIPLE_CHOICE"]["id"],
               "choiceIds": [other.questions["MULTIPLE_CHOICE"]["choices"][0]["id"]]}]  # fmt: skip
    refused = await submit(quiz, attempt, hidden)
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        (["answers", "0", "questionId"], "NOT_FOUND"),
        (["answers", "0", "choiceIds", "0"], "NOT_FOUND"),
    ]
    assert await attempts_in_db(session) == [(1, None, None)]


# ---- attempts ------------------------------------------------------------------------------------


async def test_an_open_attempt_is_returned_rather_than_a_second_one(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    quiz = await make_quiz(api, session)
    first = await start(quiz)
    clock.advance(minutes=5)
    again = await start(quiz)
    assert again["attempt"] == first["attempt"] and again["attempt"]["deadline"] is None
    assert await attempts_in_db(session) == [(1, None, None)]


async def test_retakes_allowed_limit_the_attempts(api: Api, session: AsyncSession) -> None:
    quiz = await make_quiz(api, session, retakes_allowed=1)  # 1 + 1 retake
    for number in (1, 2):
        assert (await take(quiz, []))["attempt"]["number"] == number
    refused = await start(quiz)
    assert refused == {"attempt": None, "errors": [{"field": ["moduleId"], "code": "NO_ATTEMPTS_LEFT"}]}
    assert [n for n, _, _ in await attempts_in_db(session)] == [1, 2]


async def test_no_retakes_setting_means_unlimited(api: Api, session: AsyncSession) -> None:
    quiz = await make_quiz(api, session, retakes_allowed=0)
    for number in (1, 2, 3, 4):
        assert (await take(quiz, []))["attempt"]["number"] == number


async def test_submitting_twice_is_refused_and_changes_nothing(api: Api, session: AsyncSession) -> None:
    quiz = await make_quiz(api, session)
    done = await take(quiz, answers(quiz, "Paris", None, None, None))
    before = await attempts_in_db(session)
    again = await submit(quiz, done["attempt"]["id"], answers(quiz, "Lyon", None, None, None))
    assert again == {"attempt": None, "enrollment": None,
                     "errors": [{"field": ["attemptId"], "code": "ALREADY_SUBMITTED"}]}  # fmt: skip
    assert await attempts_in_db(session) == before


async def test_a_time_limit_sets_the_deadline_and_a_late_submission_scores_nothing(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    quiz = await make_quiz(api, session, time_limit_minutes=10, passing_percentage=50)
    on_time = await start(quiz)
    assert on_time["attempt"]["deadline"] == "2026-01-05T09:10:00Z"
    clock.advance(minutes=10, seconds=5)  # within the grace
    right = answers(quiz, "Paris", ["2", "3"], "Pacific", None)
    scored = await submit(quiz, on_time["attempt"]["id"], right)
    assert (scored["attempt"]["score"], scored["attempt"]["timedOut"]) == (57.14, False)
    late = await start(quiz)
    clock.advance(minutes=11)
    closed = await submit(quiz, late["attempt"]["id"], right)
    assert closed["errors"] == []
    attempt = closed["attempt"]
    assert (attempt["timedOut"], attempt["score"], attempt["passed"], attempt["answers"]) == (True, 0.0, False, [])
    assert attempt["submittedAt"] == "2026-01-05T09:21:05Z"
    record = closed["enrollment"]["moduleProgress"][0]
    assert (record["score"], record["passed"], record["attempts"]) == (0.0, False, 2)


async def test_starting_after_the_deadline_closes_the_expired_attempt(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    quiz = await make_quiz(api, session, time_limit_minutes=5)
    first = await start(quiz)
    clock.advance(minutes=30)
    second = await start(quiz)
    assert second["attempt"]["number"] == 2 and second["attempt"]["deadline"] == "2026-01-05T09:35:00Z"
    assert [(n, s is not None) for n, s, _ in await attempts_in_db(session)] == [(1, True), (2, False)]
    assert first["attempt"]["id"] != second["attempt"]["id"]


# ---- the module's record -------------------------------------------------------------------------


async def test_starting_starts_the_course_and_submitting_completes_it_even_failed(
    api: Api, session: AsyncSession
) -> None:
    """R14: a quiz completes on submit, failed or not; `passed` says how it went."""
    quiz = await make_quiz(api, session, passing_percentage=80)
    started = await start(quiz)
    mine = """{ viewer { enrollments { nodes { status startedAt moduleProgress { status attempts } } } } }"""
    seen = (await quiz.learner.data(mine))["viewer"]["enrollments"]["nodes"][0]
    assert seen == {"status": "IN_PROGRESS", "startedAt": "2026-01-05T09:00:00Z",
                    "moduleProgress": [{"status": "IN_PROGRESS", "attempts": 0}]}  # fmt: skip
    failed = await submit(quiz, started["attempt"]["id"], answers(quiz, "Paris", None, None, None))
    assert (failed["enrollment"]["status"], failed["enrollment"]["completedAt"]) == (
        "COMPLETED", "2026-01-05T09:00:00Z")  # fmt: skip
    assert failed["enrollment"]["moduleProgress"][0] | {"quizAttempts": None} == {
        "status": "COMPLETED", "score": 14.29, "passed": False, "attempts": 1, "quizAttempts": None}  # fmt: skip
    passed = await take(quiz, answers(quiz, "Paris", ["2", "3"], "Pacific", {"Apple": "Red", "Banana": "Yellow",
                                                                              "Lime": "Green"}))  # fmt: skip
    enrollment = passed["enrollment"]
    assert (enrollment["status"], enrollment["completedAt"], enrollment["progress"]["display"]) == (
        "COMPLETED", "2026-01-05T09:00:00Z", "1/1")  # fmt: skip
    assert enrollment["moduleProgress"][0]["passed"] is True
    assert enrollment["moduleProgress"][0]["quizAttempts"] == [{"number": 1, "score": 14.29},
                                                               {"number": 2, "score": 100.0}]  # fmt: skip
    events = await session.execute(
        select(OutboxEvent.event, func.count()).group_by(OutboxEvent.event).order_by(OutboxEvent.event)
    )
    assert dict(events.all()) == {"course_completed": 1, "course_enrolled": 1, "quiz_submission": 2}
    data = await session.scalar(
        select(OutboxEvent.data).where(OutboxEvent.event == "quiz_submission").order_by(OutboxEvent.occurred_at)
    )
    assert {k: data[k] for k in ("attemptNumber", "score", "passed", "timedOut")} == {
        "attemptNumber": 1, "score": 14.29, "passed": False, "timedOut": False}  # fmt: skip


@pytest.mark.parametrize(("policy", "score", "passed"), [(QuizScorePolicy.LATEST, 0.0, False),
                                                         (QuizScorePolicy.BEST, 100.0, True)])  # fmt: skip
async def test_the_latest_attempt_counts_unless_the_course_says_best(
    api: Api, session: AsyncSession, policy: QuizScorePolicy, score: float, passed: bool
) -> None:
    quiz = await make_quiz(api, session, policy=policy, passing_percentage=50)
    await take(quiz, answers(quiz, "Paris", ["2", "3"], "Pacific", {"Apple": "Red", "Banana": "Yellow",
                                                                    "Lime": "Green"}))  # fmt: skip
    second = await take(quiz, [])
    record = second["enrollment"]["moduleProgress"][0]
    assert (record["score"], record["passed"], record["attempts"]) == (score, passed, 2)
    assert record["status"] == "COMPLETED"  # a submitted quiz stays completed
    course = await quiz.admin.data(NODE.format(id=gid(quiz.course), fields="... on Course { quizScorePolicy }"))
    assert course["node"]["quizScorePolicy"] == policy.name


async def test_course_update_sets_the_quiz_score_policy(api: Api, session: AsyncSession) -> None:
    quiz = await make_quiz(api, session)
    update = """mutation($input: CourseUpdateInput!) { courseUpdate(input: $input) {
      course { quizScorePolicy } errors { code } } }"""
    changed = await quiz.admin.data(update, {"input": {"courseId": gid(quiz.course), "quizScorePolicy": "BEST"}})
    assert changed["courseUpdate"] == {"course": {"quizScorePolicy": "BEST"}, "errors": []}


async def test_reset_progress_clears_the_attempts(api: Api, session: AsyncSession) -> None:
    quiz = await make_quiz(api, session, retakes_allowed=1)
    await take(quiz, [])
    await take(quiz, [])
    reset = """mutation($input: EnrollmentIdsInput!) { enrollmentResetProgress(input: $input) { errors { code } } }"""
    await quiz.admin.data(reset, {"input": {"enrollmentIds": [quiz.enrollment]}})
    assert await attempts_in_db(session) == []
    assert (await take(quiz, []))["attempt"]["number"] == 1


# ---- who sees the answers ------------------------------------------------------------------------


def shown(questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Everything that would give an answer away."""
    return {
        "isCorrect": {c["isCorrect"] for q in questions for c in q["choices"] if q["choices"]},
        "match": {c["match"] for q in questions for c in q["choices"] if q["title"] == "Match the fruit"},
        "acceptedAnswers": [q["acceptedAnswers"] for q in questions if q["title"] == "Largest ocean?"],
        "explanation": [q["explanation"] for q in questions if q["title"] == "Capital of France?"],
    }


HIDDEN = {"isCorrect": {None}, "match": {None}, "acceptedAnswers": [None], "explanation": [None]}


async def read(quiz: Quiz, who: Api) -> dict[str, Any]:
    return shown((await who.data(QUESTIONS, {"id": gid(quiz.module)}))["module"]["questions"])


@pytest.mark.parametrize(
    ("option", "retakes", "after_first", "after_second"),
    [("always", 0, True, True), ("never", 0, False, False), ("not_till_retake_allowed", 1, False, True),
     ("not_till_retake_allowed", 0, False, False)],
)  # fmt: skip
async def test_answers_reach_a_learner_only_when_the_quiz_allows(
    api: Api, session: AsyncSession, option: str, retakes: int, after_first: bool, after_second: bool
) -> None:
    quiz = await make_quiz(api, session, show_correct_answers=option, retakes_allowed=retakes)
    assert await read(quiz, quiz.learner) == HIDDEN
    assert (await read(quiz, quiz.admin))["acceptedAnswers"] == [["Pacific", "Pacific Ocean"]]
    started = await start(quiz)
    assert await read(quiz, quiz.learner) == HIDDEN  # not while an attempt is open
    first = await submit(quiz, started["attempt"]["id"], answers(quiz, "Paris", None, None, None))
    assert (first["attempt"]["score"], first["attempt"]["passed"]) == (14.29, True)  # the score always shows
    assert first["attempt"]["answers"] == [{"isCorrect": True if after_first else None,
                                            "points": 1.0 if after_first else None, "text": None}]  # fmt: skip
    assert (await read(quiz, quiz.learner) != HIDDEN) is after_first
    await take(quiz, [])
    seen = await read(quiz, quiz.learner)
    assert (seen != HIDDEN) is after_second
    if after_second:
        assert seen == {"isCorrect": {True, False}, "match": {"Red", "Yellow", "Green"},
                        "acceptedAnswers": [["Pacific", "Pacific Ocean"]],
                        "explanation": ["Paris since 508"]}  # fmt: skip


async def test_the_course_instructor_sees_answers_and_attempts(api: Api, session: AsyncSession) -> None:
    quiz = await make_quiz(api, session)
    await take(quiz, answers(quiz, "Lyon", None, None, None))
    teacher = await make_user(session, quiz.portal, role=Role.INSTRUCTOR)
    await saved(session, CourseInstructor(portal_id=quiz.portal.id, course_id=quiz.course.id, user_id=teacher.id))
    instructor = api.signed_in(teacher, "acme")
    assert (await read(quiz, instructor))["explanation"] == ["Paris since 508"]
    query = """query($id: ID!) { enrollment(id: $id) { quizAttempts { totalCount nodes {
      number user { fullName } module { title } answers { isCorrect question { title } choices { text } } } } } }"""
    attempts = (await instructor.data(query, {"id": quiz.enrollment}))["enrollment"]["quizAttempts"]
    assert attempts["totalCount"] == 1
    assert attempts["nodes"][0] | {"module": None} == {
        "number": 1, "user": {"fullName": quiz.learner_user.full_name}, "module": None,
        "answers": [{"isCorrect": False, "question": {"title": "Capital of France?"},
                     "choices": [{"text": "Lyon"}]}]}  # fmt: skip


# ---- who may act -------------------------------------------------------------------------------


async def test_another_learners_attempt_is_not_found(api: Api, session: AsyncSession) -> None:
    quiz = await make_quiz(api, session)
    attempt = (await start(quiz))["attempt"]["id"]
    classmate = await make_user(session, quiz.portal, role=Role.LEARNER)
    await quiz.admin.data(ENROLL, {"input": {"courseId": gid(quiz.course), "userIds": [gid(classmate)]}})
    other = api.signed_in(classmate, "acme")
    refused = await submit(quiz, attempt, [], who=other)
    assert refused["errors"] == [{"field": ["attemptId"], "code": "NOT_FOUND"}]
    assert (await other.data(NODE.format(id=attempt, fields="id")))["node"] is None
    by_admin = await submit(quiz, attempt, [], who=quiz.admin)  # not theirs to submit either
    assert by_admin["errors"] == [{"field": ["attemptId"], "code": "NOT_FOUND"}]
    assert await attempts_in_db(session) == [(1, None, None)]
    stranger = await make_quiz(api, session, slug="globex")
    assert (await stranger.admin.data(NODE.format(id=attempt, fields="id")))["node"] is None
    question = quiz.questions["SHORT_ANSWERS"]["id"]
    assert (await stranger.learner.data(NODE.format(id=question, fields="id")))["node"] is None
    refused = await start(quiz, who=stranger.learner)
    assert refused["errors"] == [{"field": ["moduleId"], "code": "NOT_FOUND"}]


async def test_only_an_enrolled_learner_with_access_starts(api: Api, session: AsyncSession) -> None:
    quiz = await make_quiz(api, session)
    newcomer = await make_user(session, quiz.portal, role=Role.LEARNER)
    refused = await start(quiz, who=api.signed_in(newcomer, "acme"))
    assert refused["errors"] == [{"field": ["moduleId"], "code": "NOT_ENROLLED"}]
    text = await make_module(session, quiz.course, kind=ModuleKind.TEXT)
    wrong_kind = await quiz.learner.data(START, {"input": {"moduleId": gid(text)}})
    assert wrong_kind["quizAttemptStart"]["errors"] == [{"field": ["moduleId"], "code": "INVALID"}]
    revoke = """mutation($input: EnrollmentIdsInput!) { enrollmentRevoke(input: $input) { errors { code } } }"""
    await quiz.admin.data(revoke, {"input": {"enrollmentIds": [quiz.enrollment]}})
    assert (await start(quiz))["errors"] == [{"field": ["moduleId"], "code": "ACCESS_REVOKED"}]
    assert await attempts_in_db(session) == []


async def test_a_revoked_learner_cannot_submit(api: Api, session: AsyncSession) -> None:
    quiz = await make_quiz(api, session)
    attempt = (await start(quiz))["attempt"]["id"]
    revoke = """mutation($input: EnrollmentIdsInput!) { enrollmentRevoke(input: $input) { errors { code } } }"""
    await quiz.admin.data(revoke, {"input": {"enrollmentIds": [quiz.enrollment]}})
    refused = await submit(quiz, attempt, [])
    assert refused["errors"] == [{"field": ["attemptId"], "code": "ACCESS_REVOKED"}]
    assert await attempts_in_db(session) == [(1, None, None)]


async def test_a_dripped_quiz_cannot_start_before_it_opens(api: Api, session: AsyncSession) -> None:
    quiz = await make_quiz(api, session)
    quiz.module.drip_rule, quiz.module.drip_date = DripRule.FIXED_DATE, datetime(2026, 2, 1, tzinfo=UTC)
    await saved(session, quiz.module)
    assert (await start(quiz))["errors"] == [{"field": ["moduleId"], "code": "MODULE_NOT_AVAILABLE"}]
    assert await attempts_in_db(session) == []


async def test_a_quiz_without_questions_cannot_start(api: Api, session: AsyncSession) -> None:
    quiz = await make_quiz(api, session)
    empty = await make_module(session, quiz.course, kind=ModuleKind.QUIZ)
    refused = await quiz.learner.data(START, {"input": {"moduleId": gid(empty)}})
    assert refused["quizAttemptStart"]["errors"] == [{"field": ["moduleId"], "code": "NOT_ALLOWED_IN_STATE"}]


async def test_an_api_key_takes_no_quiz_and_an_expired_enrollment_submits_nothing(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    quiz = await make_quiz(api, session)
    assert (await start(quiz, who=quiz.admin))["errors"] == [{"field": ["moduleId"], "code": "NOT_ENROLLED"}]
    attempt = (await start(quiz))["attempt"]["id"]
    update = """mutation($input: EnrollmentUpdateInput!) { enrollmentUpdate(input: $input) { errors { code } } }"""
    await quiz.admin.data(update, {"input": {"enrollmentId": quiz.enrollment, "expired": True}})
    clock.advance(seconds=1)
    refused = await submit(quiz, attempt, answers(quiz, "Paris", None, None, None))
    assert refused["errors"] == [{"field": ["attemptId"], "code": "ENROLLMENT_EXPIRED"}]
    assert await attempts_in_db(session) == [(1, None, None)]


async def test_attempts_filter_by_quiz_and_every_step_is_audited(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    quiz = await make_quiz(api, session)
    other = await make_module(session, quiz.course, kind=ModuleKind.QUIZ)
    short = {"moduleId": gid(other), "type": "SHORT_ANSWERS", "title": "Other", "acceptedAnswers": ["x"]}
    await quiz.admin.data(QUESTION, {"input": short})
    await take(quiz, [])
    clock.advance(minutes=1)
    await take(quiz, [])
    started = await quiz.learner.data(START, {"input": {"moduleId": gid(other)}})
    query = """query($id: ID!, $module: ID) { enrollment(id: $id) {
      all: quizAttempts { totalCount }
      one: quizAttempts(moduleId: $module, orderBy: {field: STARTED_AT, direction: DESC}) {
        nodes { number module { id } } } } }"""
    seen = (await quiz.learner.data(query, {"id": quiz.enrollment, "module": gid(quiz.module)}))["enrollment"]
    assert seen["all"]["totalCount"] == 3
    assert [(n["number"], n["module"]["id"]) for n in seen["one"]["nodes"]] == [(2, gid(quiz.module)),
                                                                                (1, gid(quiz.module))]  # fmt: skip
    audit = """{ auditEvents(first: 50) { nodes { action target { __typename ... on Node { id } } } } }"""
    events = (await quiz.admin.data(audit))["auditEvents"]["nodes"]
    quiz_events = [(e["action"], e["target"]["__typename"]) for e in events if e["action"].startswith("quiz")]
    assert sorted(quiz_events) == [("quizAttemptStart", "QuizAttempt")] * 3 + [("quizAttemptSubmit", "QuizAttempt")] * 2
    assert started["quizAttemptStart"]["attempt"]["number"] == 1
