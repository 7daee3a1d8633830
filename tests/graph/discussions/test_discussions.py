"""Discussions and surveys through the API on both databases: posting, replies, completion at
the module's minimum number of posts, survey responses once, who sees what, and refusals that
change nothing."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import Course, CourseInstructor, CourseStatus
from models.discussions import DiscussionEvaluation, DiscussionPost, SurveyResponse
from models.enrollments import OutboxEvent
from models.modules import DripRule, Module, ModuleKind
from models.portals import Portal
from models.users import Role, User
from tests.conftest import Api, FrozenClock
from tests.factories import gid, make_course, make_module, make_portal, make_user, saved

POST = """mutation($input: DiscussionPostInput!) { discussionPost(input: $input) {
  post { id body createdAt author { fullName } replyTo { id body } }
  moduleProgress { status completedAt } enrollment { status progress { display } }
  errors { field code } } }"""
SURVEY = """mutation($input: SurveySubmitInput!) { surveySubmit(input: $input) {
  response { id answers { fieldIndex type label value choices } }
  moduleProgress { status completedAt } enrollment { status }
  errors { field code } } }"""
ENROLL = """mutation($input: EnrollmentCreateInput!) { enrollmentCreate(input: $input) {
  enrollments { id } errors { code } } }"""
POSTS = """query($id: ID!) { module(id: $id) { ... on DiscussionModule { posts { body replyTo { body } } } } }"""
RESPONSES = """query($id: ID!) { module(id: $id) { ... on SurveyModule {
  responses { user { fullName } answers { label value choices } } } } }"""
EVALUATE = """mutation($input: DiscussionEvaluateInput!) { discussionEvaluate(input: $input) {
  evaluation { pointsAwarded score instructorMessage evaluatedAt evaluatedBy { email } }
  moduleProgress { status score completedAt } errors { field code } } }"""
RECORDS = """query($id: ID!) { enrollment(id: $id) { moduleProgress { module { id } status score
  discussionEvaluation { pointsAwarded } } } }"""
REVOKE = """mutation($input: EnrollmentIdsInput!) { enrollmentRevoke(input: $input) { errors { code } } }"""
FIELDS = [
    {"type": "text", "label": "What did you like?", "is_required": True},
    {"type": "rating", "label": "Stars"},
    {"type": "radio", "label": "Again?", "options": ["Yes", "No"]},
    {"type": "checkbox", "label": "Topics", "options": ["A", "B", "C"]},
]


@dataclass
class World:
    admin: Api
    learner: Api
    learner_user: User
    portal: Portal
    course: Course
    discussion: Module
    survey: Module
    enrollment: str

    async def classmate(self, api: Api, session: AsyncSession) -> Api:
        user = await make_user(session, self.portal, role=Role.LEARNER)
        await self.admin.data(ENROLL, {"input": {"courseId": gid(self.course), "userIds": [gid(user)]}})
        return api.signed_in(user, self.portal.slug)


async def make_world(api: Api, session: AsyncSession, *, slug: str = "acme", **discussion: Any) -> World:
    portal = await make_portal(session, slug=slug)
    learner = await make_user(session, portal, role=Role.LEARNER)
    course = await make_course(session, portal, status=CourseStatus.PUBLISHED)
    forum = await make_module(session, course, kind=ModuleKind.DISCUSSION, details=discussion)
    survey = await make_module(session, course, kind=ModuleKind.SURVEY, details={"survey_fields": FIELDS})
    admin = api.acting_in(slug)
    enrolled = await admin.data(ENROLL, {"input": {"courseId": gid(course), "userIds": [gid(learner)]}})
    enrollment = enrolled["enrollmentCreate"]["enrollments"][0]["id"]
    return World(admin, api.signed_in(learner, slug), learner, portal, course, forum, survey, enrollment)


async def post(world: World, body: str, who: Api | None = None, **more: Any) -> dict[str, Any]:
    variables = {"input": {"moduleId": gid(world.discussion), "body": body, **more}}
    return (await (who or world.learner).data(POST, variables))["discussionPost"]


async def submit(world: World, answers: list[dict[str, Any]], who: Api | None = None) -> dict[str, Any]:
    variables = {"input": {"moduleId": gid(world.survey), "answers": answers}}
    return (await (who or world.learner).data(SURVEY, variables))["surveySubmit"]


async def evaluate(world: World, points: float, **more: Any) -> dict[str, Any]:
    variables = {"enrollmentId": world.enrollment, "moduleId": gid(world.discussion), "pointsAwarded": points}
    return (await world.admin.data(EVALUATE, {"input": {**variables, **more}}))["discussionEvaluate"]


async def count(session: AsyncSession, model: Any) -> int:
    n = await session.scalar(select(func.count()).select_from(model))
    await session.commit()
    return n or 0


async def events(session: AsyncSession, name: str) -> list[dict[str, Any]]:
    rows = list(await session.scalars(select(OutboxEvent.data).where(OutboxEvent.event == name)))
    await session.commit()
    return rows


GOOD = [{"fieldIndex": 0, "value": " Clear examples "}, {"fieldIndex": 1, "value": "4"},
        {"fieldIndex": 2, "choices": ["Yes"]}, {"fieldIndex": 3, "choices": ["A", "C"]}]  # fmt: skip


# ---- discussions ---------------------------------------------------------------------------------


async def test_a_post_completes_the_module_at_the_default_minimum(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session)
    done = await post(world, "  Hello, class  ")
    assert done["errors"] == []
    assert done["post"]["body"] == "Hello, class"
    assert done["post"]["author"] == {"fullName": world.learner_user.full_name}
    assert done["moduleProgress"]["status"] == "COMPLETED"
    assert done["enrollment"]["status"] == "IN_PROGRESS"
    [event] = await events(session, "discussion_submission")
    assert (event["commentCount"], event["completed"], event["enrollmentId"]) == (1, True, world.enrollment and
                                                                                  event["enrollmentId"])  # fmt: skip


async def test_the_module_completes_when_posts_reach_min_comments(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    world = await make_world(api, session, min_comments=3)
    first = await post(world, "One")
    assert first["moduleProgress"]["status"] == "IN_PROGRESS"
    clock.advance(seconds=1)
    reply = await post(world, "Two", replyToId=first["post"]["id"])
    assert reply["moduleProgress"]["status"] == "IN_PROGRESS"
    assert reply["post"]["replyTo"] == {"id": first["post"]["id"], "body": "One"}
    clock.advance(seconds=1)
    third = await post(world, "Three")
    assert third["moduleProgress"]["status"] == "COMPLETED"
    assert [e["commentCount"] for e in await events(session, "discussion_submission")] == [1, 2, 3]
    listed = (await world.learner.data(POSTS, {"id": gid(world.discussion)}))["module"]["posts"]
    assert listed == [{"body": "One", "replyTo": None}, {"body": "Two", "replyTo": {"body": "One"}},
                      {"body": "Three", "replyTo": None}]  # fmt: skip


async def test_an_evaluated_discussion_is_submitted_by_posts_and_completed_by_its_evaluation(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    world = await make_world(api, session, is_evaluated=True, min_comments=2, total_points=10)
    first = await post(world, "Evaluate me")
    assert first["errors"] == [] and first["moduleProgress"]["status"] == "IN_PROGRESS"
    second = await post(world, "And this")
    assert second["moduleProgress"]["status"] == "SUBMITTED"
    clock.advance(minutes=5)
    done = await evaluate(world, 8, instructorMessage="  Thoughtful  ")
    assert done["errors"] == []
    assert done["evaluation"] == {
        "pointsAwarded": 8.0, "score": 80.0, "instructorMessage": "Thoughtful",
        "evaluatedAt": "2026-01-05T09:05:00Z", "evaluatedBy": None,  # an API key acts for no account
    }  # fmt: skip
    assert done["moduleProgress"] == {"status": "COMPLETED", "score": 80.0, "completedAt": "2026-01-05T09:05:00Z"}
    again = await evaluate(world, 6)
    assert (again["evaluation"]["score"], again["evaluation"]["instructorMessage"]) == (60.0, None)
    mine = (await world.learner.data(RECORDS, {"id": world.enrollment}))["enrollment"]["moduleProgress"]
    [forum] = [record for record in mine if record["module"]["id"] == gid(world.discussion)]
    assert forum == {"module": {"id": gid(world.discussion)}, "status": "COMPLETED", "score": 60.0,
                     "discussionEvaluation": {"pointsAwarded": 6.0}}  # fmt: skip
    assert await count(session, DiscussionEvaluation) == 1


async def test_an_evaluation_is_refused_before_the_minimum_above_the_points_and_to_learners(
    api: Api, session: AsyncSession
) -> None:
    world = await make_world(api, session, is_evaluated=True, min_comments=2, total_points=10)
    await post(world, "Only one")
    early = await evaluate(world, 5)
    assert early["errors"] == [{"field": ["enrollmentId"], "code": "NOT_ALLOWED_IN_STATE"}]
    await post(world, "Two now")
    too_many = await evaluate(world, 11)
    assert too_many["errors"] == [{"field": ["pointsAwarded"], "code": "INVALID"}]
    variables = {"input": {"enrollmentId": world.enrollment, "moduleId": gid(world.discussion), "pointsAwarded": 5}}
    refused = await world.learner.post(EVALUATE, variables)
    assert [e["extensions"]["code"] for e in refused.json()["errors"]] == ["FORBIDDEN"]
    assert await count(session, DiscussionEvaluation) == 0
    plain = await make_world(api, session, slug="globex")
    await post(plain, "Done by posting")
    not_evaluated = await evaluate(plain, 5)
    assert not_evaluated["errors"] == [{"field": ["moduleId"], "code": "INVALID"}]
    hidden = await world.admin.data(
        EVALUATE, {"input": {"enrollmentId": plain.enrollment, "moduleId": gid(plain.discussion), "pointsAwarded": 5}}
    )
    assert hidden["discussionEvaluate"]["errors"] == [{"field": ["enrollmentId"], "code": "NOT_FOUND"}]


async def test_a_bad_post_is_refused_and_nothing_is_written(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session)
    assert (await post(world, "   "))["errors"] == [{"field": ["body"], "code": "REQUIRED"}]
    assert (await post(world, "x" * 10_001))["errors"] == [{"field": ["body"], "code": "TOO_LONG"}]
    other = await make_module(session, world.course, kind=ModuleKind.DISCUSSION)
    elsewhere = await world.learner.data(POST, {"input": {"moduleId": gid(other), "body": "Elsewhere"}})
    stray = await post(world, "Reply", replyToId=elsewhere["discussionPost"]["post"]["id"])
    assert stray["errors"] == [{"field": ["replyToId"], "code": "INVALID"}]
    assert (await post(world, "Reply", replyToId=gid(world.course)))["errors"] == [
        {"field": ["replyToId"], "code": "NOT_FOUND"}
    ]
    text = await make_module(session, world.course, kind=ModuleKind.TEXT)
    wrong = await world.learner.data(POST, {"input": {"moduleId": gid(text), "body": "Hi"}})
    assert wrong["discussionPost"]["errors"] == [{"field": ["moduleId"], "code": "INVALID"}]
    assert await count(session, DiscussionPost) == 1
    assert len(await events(session, "discussion_submission")) == 1


async def test_revoked_expired_dripped_and_not_enrolled_learners_post_nothing(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    world = await make_world(api, session)
    newcomer = await make_user(session, world.portal, role=Role.LEARNER)
    refused = await post(world, "Hi", who=api.signed_in(newcomer, "acme"))
    assert refused["errors"] == [{"field": ["moduleId"], "code": "NOT_ENROLLED"}]
    world.discussion.drip_rule, world.discussion.drip_date = DripRule.FIXED_DATE, datetime(2026, 2, 1, tzinfo=UTC)
    await saved(session, world.discussion)
    assert (await post(world, "Hi"))["errors"] == [{"field": ["moduleId"], "code": "MODULE_NOT_AVAILABLE"}]
    world.discussion.drip_rule = DripRule.IMMEDIATELY
    await saved(session, world.discussion)
    update = """mutation($input: EnrollmentUpdateInput!) { enrollmentUpdate(input: $input) { errors { code } } }"""
    await world.admin.data(update, {"input": {"enrollmentId": world.enrollment, "expired": True}})
    clock.advance(seconds=1)
    assert (await post(world, "Hi"))["errors"] == [{"field": ["moduleId"], "code": "ENROLLMENT_EXPIRED"}]
    await world.admin.data(REVOKE, {"input": {"enrollmentIds": [world.enrollment]}})
    assert (await post(world, "Hi"))["errors"] == [{"field": ["moduleId"], "code": "ACCESS_REVOKED"}]
    assert await count(session, DiscussionPost) == 0
    assert await events(session, "discussion_submission") == []


async def test_staff_post_without_progress_and_another_portal_sees_nothing(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    world = await make_world(api, session)
    teacher = await make_user(session, world.portal, role=Role.INSTRUCTOR)
    await saved(session, CourseInstructor(portal_id=world.portal.id, course_id=world.course.id, user_id=teacher.id))
    by_staff = await post(world, "Welcome", who=api.signed_in(teacher, "acme"))
    assert by_staff["errors"] == [] and by_staff["moduleProgress"] is None
    clock.advance(seconds=1)
    learner_post = (await post(world, "Thanks", replyToId=by_staff["post"]["id"]))["post"]["id"]
    classmate = await world.classmate(api, session)
    seen = (await classmate.data(POSTS, {"id": gid(world.discussion)}))["module"]["posts"]
    assert [p["body"] for p in seen] == ["Welcome", "Thanks"]
    outsider = await make_user(session, world.portal, role=Role.LEARNER)  # not enrolled: sees no posts
    unseen = await api.signed_in(outsider, "acme").data(POSTS, {"id": gid(world.discussion)})
    assert unseen["module"]["posts"] == []
    stranger = await make_world(api, session, slug="globex")
    for who in (stranger.admin, stranger.learner):
        assert (await who.data(f'{{ node(id: "{learner_post}") {{ id }} }}'))["node"] is None
        refused = await post(world, "Intruder", who=who)
        assert refused["errors"] == [{"field": ["moduleId"], "code": "NOT_FOUND"}]
        sneaky = await who.data(POST, {"input": {"moduleId": gid(stranger.discussion), "body": "x",
                                                 "replyToId": learner_post}})  # fmt: skip
        assert sneaky["discussionPost"]["errors"] == [{"field": ["replyToId"], "code": "NOT_FOUND"}]
    assert await count(session, DiscussionPost) == 2


# ---- surveys -------------------------------------------------------------------------------------


async def test_submitting_a_survey_completes_the_module_once(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session)
    done = await submit(world, GOOD)
    assert done["errors"] == []
    assert done["moduleProgress"]["status"] == "COMPLETED"
    assert done["response"]["answers"][0] == {"fieldIndex": 0, "type": "TEXT", "label": "What did you like?",
                                              "value": "Clear examples", "choices": []}  # fmt: skip
    assert done["response"]["answers"][3]["choices"] == ["A", "C"]
    again = await submit(world, GOOD)
    assert again["errors"] == [{"field": ["moduleId"], "code": "ALREADY_SUBMITTED"}]
    assert await count(session, SurveyResponse) == 1
    reset = """mutation($input: EnrollmentIdsInput!) { enrollmentResetProgress(input: $input) { errors { code } } }"""
    await world.admin.data(reset, {"input": {"enrollmentIds": [world.enrollment]}})
    assert (await submit(world, GOOD))["errors"] == []


async def test_answers_that_do_not_fit_the_survey_are_refused(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session)
    bad = [{"fieldIndex": 1, "value": "6"}, {"fieldIndex": 2, "choices": ["Maybe"]},
           {"fieldIndex": 3, "value": "A"}, {"fieldIndex": 9, "value": "?"}, {"fieldIndex": 1, "value": "3"},
           {"fieldIndex": 2, "choices": ["Yes", "No"]}]  # fmt: skip
    refused = await submit(world, bad)
    assert {(tuple(e["field"]), e["code"]) for e in refused["errors"]} == {
        (("answers", "0", "value"), "INVALID"),
        (("answers", "1", "choices", "0"), "INVALID"),
        (("answers", "2", "value"), "INVALID"),
        (("answers", "3", "fieldIndex"), "NOT_FOUND"),
        (("answers", "4", "fieldIndex"), "DUPLICATE"),
        (("answers", "5", "fieldIndex"), "DUPLICATE"),
        (("answers",), "REQUIRED"),
    }
    too_long = await submit(world, [{"fieldIndex": 0, "value": "x" * 5_001}])
    assert too_long["errors"] == [{"field": ["answers", "0", "value"], "code": "TOO_LONG"}]
    assert await count(session, SurveyResponse) == 0
    status = """query($id: ID!) { enrollment(id: $id) { moduleProgress { module { kind } status } } }"""
    rows = (await world.learner.data(status, {"id": world.enrollment}))["enrollment"]["moduleProgress"]
    assert {r["module"]["kind"]: r["status"] for r in rows}["SURVEY"] == "NOT_STARTED"


async def test_survey_refusals_reuse_the_progress_codes(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session)
    newcomer = await make_user(session, world.portal, role=Role.LEARNER)
    refused = await submit(world, GOOD, who=api.signed_in(newcomer, "acme"))
    assert refused["errors"] == [{"field": ["moduleId"], "code": "NOT_ENROLLED"}]
    assert (await submit(world, GOOD, who=world.admin))["errors"] == [{"field": ["moduleId"], "code": "NOT_ENROLLED"}]
    await world.admin.data(REVOKE, {"input": {"enrollmentIds": [world.enrollment]}})
    assert (await submit(world, GOOD))["errors"] == [{"field": ["moduleId"], "code": "ACCESS_REVOKED"}]
    stranger = await make_world(api, session, slug="globex")
    assert (await submit(world, GOOD, who=stranger.learner))["errors"] == [{"field": ["moduleId"], "code": "NOT_FOUND"}]
    assert await count(session, SurveyResponse) == 0


async def test_staff_read_every_response_and_learners_their_own(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    world = await make_world(api, session)
    classmate = await world.classmate(api, session)
    await submit(world, GOOD)
    clock.advance(seconds=1)
    await submit(world, [{"fieldIndex": 0, "value": "Pace"}], who=classmate)
    every = (await world.admin.data(RESPONSES, {"id": gid(world.survey)}))["module"]["responses"]
    assert [r["answers"][0]["value"] for r in every] == ["Clear examples", "Pace"]
    own = (await world.learner.data(RESPONSES, {"id": gid(world.survey)}))["module"]["responses"]
    assert [(r["user"]["fullName"], len(r["answers"])) for r in own] == [(world.learner_user.full_name, 4)]
    stranger = await make_world(api, session, slug="globex")
    assert (await stranger.admin.data(RESPONSES, {"id": gid(world.survey)}))["module"] is None


# ---- reads and the audit trail -------------------------------------------------------------------

FORUMS = """query($id: ID!) { course(id: $id) { modules { ... on DiscussionModule {
  posts { body createdAt author { fullName } replyTo { body } module { title } } }
  ... on SurveyModule { responses { answers { value } user { fullName } enrollment { status } } } } } }"""


async def test_posts_and_responses_cost_the_same_statements_at_any_size(
    api: Api, session: AsyncSession, count_sql: Any
) -> None:
    counts = []
    for slug, modules, posts in (("small", 1, 2), ("large", 3, 4)):  # both sizes have replies to read
        world = await make_world(api, session, slug=slug)
        forums = [world.discussion, *[await make_module(session, world.course, kind=ModuleKind.DISCUSSION)
                                      for _ in range(modules - 1)]]  # fmt: skip
        for forum in forums:
            first = None
            for i in range(posts):
                row = DiscussionPost(portal_id=world.portal.id, module_id=forum.id, author_id=world.learner_user.id,
                                     body=f"Post {i}", reply_to_id=None if first is None else first.id)  # fmt: skip
                await saved(session, row)
                first = first or row
        await submit(world, GOOD)
        await api.credentials.token(world.learner_user)
        with count_sql() as sql:
            data = await world.admin.data(FORUMS, {"id": gid(world.course)})
        shown = [m for m in data["course"]["modules"] if "posts" in m]
        assert sum(len(m["posts"]) for m in shown) == modules * posts
        counts.append(sql.count)
    assert counts[0] == counts[1], counts


async def test_posts_and_responses_are_audited(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session)
    posted = (await post(world, "Audited"))["post"]["id"]
    response = (await submit(world, GOOD))["response"]["id"]
    audit = """{ auditEvents(first: 50) { nodes { action target { __typename ... on Node { id } } } } }"""
    nodes = (await world.admin.data(audit))["auditEvents"]["nodes"]
    mine = {(e["action"], e["target"]["id"]) for e in nodes if e["action"] in ("discussionPost", "surveySubmit")}
    assert mine == {("discussionPost", posted), ("surveySubmit", response)}
