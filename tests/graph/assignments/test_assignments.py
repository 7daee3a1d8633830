"""Assignments through the API on both databases: text and file submissions (real multipart
requests), the CSRF preflight header, size and type limits that keep nothing, signed download
links, grading by percent and by rubric, rejection and resubmission, who may grade and see, the
course's grade and completion, and the outbox events."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.app import create_app
from models.assignments import AssignmentSubmission
from models.courses import Course, CourseInstructor, CourseStatus, GradingRule
from models.modules import Module, ModuleKind
from models.portals import Portal
from models.settings import Settings
from models.storage import LocalDiskStorage
from models.users import Role, User
from resolvers import assignments
from tests.conftest import Api, FrozenClock
from tests.factories import gid, make_course, make_module, make_portal, make_user, saved
from tests.graph.discussions.test_discussions import count, events

FIELDS = """submission { id number status text score points feedback submittedAt gradedAt
    files { name contentType size url } criteria { criterionId title score maxScore }
    gradedBy { fullName } user { fullName } module { id } }
  moduleProgress { status score completedAt } enrollment { status grade passed completedAt }
  errors { field code message }"""
SUBMIT = f"mutation($input: AssignmentSubmitInput!) {{ assignmentSubmit(input: $input) {{ {FIELDS} }} }}"
GRADE = f"mutation($input: SubmissionGradeInput!) {{ submissionGrade(input: $input) {{ {FIELDS} }} }}"
ENROLL = """mutation($input: EnrollmentCreateInput!) { enrollmentCreate(input: $input) {
  enrollments { id } errors { code } } }"""
MODULE_CREATE = """mutation($input: ModuleCreateInput!) { moduleCreate(input: $input) {
  module { id ... on AssignmentModule { criteria { criterionId title maxScore } } } errors { field code } } }"""
SUBMISSIONS = """query($id: ID!) { module(id: $id) { ... on AssignmentModule {
  submissions { totalCount nodes { id status user { fullName } } } } } }"""
REVOKE = """mutation($input: EnrollmentIdsInput!) { enrollmentRevoke(input: $input) { errors { code } } }"""
PREFLIGHT = {"Apollo-Require-Preflight": "true"}
RUBRIC = [
    {"criterionId": "content", "title": "Content", "maxScore": 6},
    {"criterionId": "style", "title": "Style", "maxScore": 4},
]


@dataclass
class World:
    api: Api
    admin: Api
    learner: Api
    learner_user: User
    portal: Portal
    course: Course
    essay: Module  # TEXT, graded by a percent
    upload: Module  # FILE: pdf or images, at most 1 MB each
    enrollment: str

    async def classmate(self, session: AsyncSession) -> Api:
        user = await make_user(session, self.portal, role=Role.LEARNER)
        await self.admin.data(ENROLL, {"input": {"courseId": gid(self.course), "userIds": [gid(user)]}})
        return self.api.signed_in(user, self.portal.slug)

    async def instructor(self, session: AsyncSession, *, teaches: bool = True) -> Api:
        user = await make_user(session, self.portal, role=Role.INSTRUCTOR, full_name="Ines Instructor")
        if teaches:
            await saved(session, CourseInstructor(portal_id=self.portal.id, course_id=self.course.id, user_id=user.id))
        return self.api.signed_in(user, self.portal.slug)


async def make_world(api: Api, session: AsyncSession, *, essay: dict[str, Any] | None = None) -> World:
    portal = await make_portal(session, slug="acme")
    learner = await make_user(session, portal, role=Role.LEARNER, full_name="Lea Learner")
    course = await make_course(session, portal, status=CourseStatus.PUBLISHED, grading_rule=GradingRule.AVG_ALL_MODULES)
    text = await make_module(
        session, course, kind=ModuleKind.ASSIGNMENT, position=0, details={"submission_type": "text", **(essay or {})}
    )
    files = await make_module(
        session,
        course,
        kind=ModuleKind.ASSIGNMENT,
        position=1,
        is_required=False,
        details={"submission_type": "file", "allowed_file_types": ["pdf", "image/*"], "max_upload_size_mb": 1},
    )
    admin = api.acting_in("acme")
    enrolled = await admin.data(ENROLL, {"input": {"courseId": gid(course), "userIds": [gid(learner)]}})
    enrollment = enrolled["enrollmentCreate"]["enrollments"][0]["id"]
    return World(api, admin, api.signed_in(learner, "acme"), learner, portal, course, text, files, enrollment)


async def submit(world: World, text: str, who: Api | None = None, module: Module | None = None) -> dict[str, Any]:
    variables = {"input": {"moduleId": gid(module or world.essay), "text": text}}
    return (await (who or world.learner).data(SUBMIT, variables))["assignmentSubmit"]


async def grade(who: Api, submission: str, **fields: Any) -> dict[str, Any]:
    return (await who.data(GRADE, {"input": {"submissionId": submission, **fields}}))["submissionGrade"]


async def upload(
    api: Api, module: Module, files: list[tuple[str, bytes, str]], *, headers: dict[str, str] | None = None
) -> httpx.Response:
    """A GraphQL multipart request (jaydenseric's spec), as Apollo's upload client sends it."""
    variables = {"input": {"moduleId": gid(module), "text": "Please find it attached", "files": [None] * len(files)}}
    mapping = {str(i): [f"variables.input.files.{i}"] for i in range(len(files))}
    sent = dict(PREFLIGHT if headers is None else headers, **{"X-Portal": api.portal or ""})
    secret = None if api.bearer is None else await api.bearer()
    if secret is not None:
        sent["Authorization"] = f"Bearer {secret}"
    return await api.http.post(
        "/graphql",
        data={"operations": json.dumps({"query": SUBMIT, "variables": variables}), "map": json.dumps(mapping)},
        files={str(i): file for i, file in enumerate(files)},
        headers=sent,
    )


def stored_files(settings: Settings) -> list[Path]:
    return [p for p in Path(settings.upload_dir).rglob("*") if p.is_file()]


def path_of(url: str) -> str:
    return httpx.URL(url).path


PDF = b"%PDF-1.7\n\x00\x01binary\xff" * 100


# ---- submitting ----------------------------------------------------------------------------------


async def test_a_text_submission_waits_for_grading(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session)
    done = await submit(world, "  My essay  ")
    assert done["errors"] == []
    submission = done["submission"]
    assert (submission["number"], submission["status"], submission["text"]) == (1, "SUBMITTED", "My essay")
    assert (submission["score"], submission["files"], submission["user"]) == (None, [], {"fullName": "Lea Learner"})
    assert done["moduleProgress"]["status"] == "SUBMITTED"
    assert done["enrollment"]["status"] == "IN_PROGRESS"
    [event] = await events(session, "assigment_submission")
    assert (event["submissionId"], event["status"], event["number"]) == (
        event["submissionId"], "SUBMITTED", 1
    )  # fmt: skip
    assert event["enrollmentId"] and event["moduleId"]


async def test_a_text_assignment_needs_text_and_takes_no_files(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session)
    done = await submit(world, "   ")
    assert [(e["field"], e["code"]) for e in done["errors"]] == [(["text"], "REQUIRED")]
    response = await upload(world.learner, world.essay, [("essay.pdf", PDF, "application/pdf")])
    errors = response.json()["data"]["assignmentSubmit"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(["files"], "INVALID")]
    assert await count(session, AssignmentSubmission) == 0


async def test_files_are_uploaded_and_downloaded_by_those_who_may_see_them(
    api: Api, session: AsyncSession, settings: Settings
) -> None:
    world = await make_world(api, session)
    image = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10
    response = await upload(
        world.learner, world.upload, [("report.pdf", PDF, "application/pdf"), ("chart.png", image, "image/png")]
    )
    assert response.status_code == 200
    done = response.json()["data"]["assignmentSubmit"]
    assert done["errors"] == []
    files = done["submission"]["files"]
    assert [(f["name"], f["contentType"], f["size"]) for f in files] == [
        ("report.pdf", "application/pdf", len(PDF)),
        ("chart.png", "image/png", len(image)),
    ]
    assert done["submission"]["text"] == "Please find it attached"
    assert len(stored_files(settings)) == 2
    fetched = await api.http.get(path_of(files[0]["url"]))
    assert fetched.status_code == 200
    assert fetched.content == PDF
    assert fetched.headers["content-disposition"].startswith('attachment; filename="report.pdf"')
    assert fetched.headers["x-content-type-options"] == "nosniff"
    teacher = await world.instructor(session)
    seen = await teacher.data(
        """query($id: ID!) { node(id: $id) { ... on AssignmentSubmission { files { url } } } }""",
        {"id": done["submission"]["id"]},
    )
    assert (await api.http.get(path_of(seen["node"]["files"][1]["url"]))).content == image


async def test_an_upload_without_the_preflight_header_is_refused(
    api: Api, session: AsyncSession, settings: Settings
) -> None:
    world = await make_world(api, session)
    response = await upload(world.learner, world.upload, [("report.pdf", PDF, "application/pdf")], headers={})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "Apollo-Require-Preflight" in error["message"]
    assert await count(session, AssignmentSubmission) == 0
    assert stored_files(settings) == []
    other = await upload(
        world.learner, world.upload, [("report.pdf", PDF, "application/pdf")], headers={"X-CourseGraph-Upload": "1"}
    )
    assert other.json()["data"]["assignmentSubmit"]["errors"] == []


async def test_an_upload_is_read_only_for_a_signed_in_caller_and_a_bounded_number_of_files(
    api: Api, session: AsyncSession, settings: Settings
) -> None:
    world = await make_world(api, session)
    files = [("report.pdf", PDF, "application/pdf")]
    for caller in (api.anonymous("acme"), api.with_bearer("not-a-token", "acme")):
        response = await upload(caller, world.upload, files)
        assert response.status_code == 401
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert "Authorization" in error["message"]
    many = await upload(world.learner, world.upload, files * 11)
    assert many.status_code == 400
    assert many.json()["errors"][0]["message"].startswith("Unable to parse the multipart body: Too many files")
    assert await count(session, AssignmentSubmission) == 0
    assert stored_files(settings) == []


async def test_files_of_a_deleted_module_are_swept_and_the_rest_stay(
    api: Api, session: AsyncSession, settings: Settings
) -> None:
    world = await make_world(api, session)
    kept = await upload(world.learner, world.upload, [("report.pdf", PDF, "application/pdf")])
    assert kept.json()["data"]["assignmentSubmit"]["errors"] == []
    other = await make_module(
        session, world.course, kind=ModuleKind.ASSIGNMENT, position=2, is_required=False,
        details={"submission_type": "file", "allowed_file_types": ["pdf"], "max_upload_size_mb": 1},
    )  # fmt: skip
    gone = await upload(world.learner, other, [("draft.pdf", PDF, "application/pdf")])
    assert gone.json()["data"]["assignmentSubmit"]["errors"] == []
    deleted = await world.admin.data(
        "mutation($i: ModuleDeleteInput!) { moduleDelete(input: $i) { errors { code } } }",
        {"i": {"moduleId": gid(other)}},
    )
    assert deleted["moduleDelete"]["errors"] == []
    assert len(stored_files(settings)) == 2  # the row cascaded, its file did not
    storage = LocalDiskStorage(settings.upload_dir)
    recent = await assignments.sweep_files(session, storage, written_before=datetime(2000, 1, 1, tzinfo=UTC))
    assert recent == []  # written after the cutoff: a submission may still be committing
    swept = await assignments.sweep_files(session, storage, written_before=datetime.now(UTC) + timedelta(hours=1))
    [left] = stored_files(settings)
    assert len(swept) == 1 and not left.as_posix().endswith(swept[0])
    fetched = await api.http.get(path_of(kept.json()["data"]["assignmentSubmit"]["submission"]["files"][0]["url"]))
    assert fetched.content == PDF and left.read_bytes() == PDF


async def test_a_file_too_large_keeps_nothing_not_even_the_files_before_it(
    api: Api, session: AsyncSession, settings: Settings
) -> None:
    world = await make_world(api, session)
    large = b"%PDF" + b"x" * (1_048_576 + 1)
    files = [("fine.pdf", PDF, "application/pdf"), ("huge.pdf", large, "application/pdf")]
    errors = (await upload(world.learner, world.upload, files)).json()["data"]["assignmentSubmit"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(["files", "1"], "FILE_TOO_LARGE")]
    assert await count(session, AssignmentSubmission) == 0
    assert stored_files(settings) == []
    assert await events(session, "assigment_submission") == []


async def test_a_file_of_a_type_the_module_does_not_allow_is_refused(
    api: Api, session: AsyncSession, settings: Settings
) -> None:
    world = await make_world(api, session)
    files = [("notes.pdf", PDF, "application/pdf"), ("run.exe", b"MZ", "application/octet-stream")]
    errors = (await upload(world.learner, world.upload, files)).json()["data"]["assignmentSubmit"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(["files", "1"], "FILE_TYPE_NOT_ALLOWED")]
    assert "pdf, image/*" in errors[0]["message"]
    assert await count(session, AssignmentSubmission) == 0
    assert stored_files(settings) == []


async def test_a_download_link_fails_once_expired_or_tampered_with(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    world = await make_world(api, session)
    response = await upload(world.learner, world.upload, [("report.pdf", PDF, "application/pdf")])
    url = path_of(response.json()["data"]["assignmentSubmit"]["submission"]["files"][0]["url"])
    message, _, signature = url.rpartition(".")
    other_file = message.rsplit(".", 2)[0] + ".1." + message.rsplit(".", 1)[1]
    tampered = [f"{message}.{signature[:-2]}AA", f"{other_file}.{signature}", url.replace("/files/", "/files/x"),
                f"{message}.%C3%A9"]  # fmt: skip
    for bad in tampered:
        refused = await api.http.get(bad)
        assert refused.status_code == 403, bad
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    clock.advance(seconds=899)
    assert (await api.http.get(url)).status_code == 200
    clock.advance(seconds=1)
    assert (await api.http.get(url)).status_code == 403


async def test_closed_access_refuses_a_submission(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session)
    await world.admin.data(REVOKE, {"input": {"enrollmentIds": [world.enrollment]}})
    done = await submit(world, "Late work")
    assert [(e["field"], e["code"]) for e in done["errors"]] == [(["moduleId"], "ACCESS_REVOKED")]
    outsider = api.signed_in(await make_user(session, world.portal), "acme")
    assert [e["code"] for e in (await submit(world, "Hi", outsider))["errors"]] == ["NOT_ENROLLED"]
    assert await count(session, AssignmentSubmission) == 0


# ---- grading -------------------------------------------------------------------------------------


async def test_a_percent_grade_completes_the_module_and_the_course(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session, essay={"total_points": 20})
    submitted = await submit(world, "My essay")
    teacher = await world.instructor(session)
    done = await grade(teacher, submitted["submission"]["id"], score=75, feedback=" Well argued ")
    assert done["errors"] == []
    submission = done["submission"]
    assert (submission["status"], submission["score"], submission["points"]) == ("GRADED", 75.0, 15.0)
    assert (submission["feedback"], submission["gradedBy"]) == ("Well argued", {"fullName": "Ines Instructor"})
    assert submission["gradedAt"] is not None
    assert (done["moduleProgress"]["status"], done["moduleProgress"]["score"]) == ("COMPLETED", 75.0)
    enrollment = done["enrollment"]
    assert (enrollment["status"], enrollment["grade"]) == ("COMPLETED", 37.5)  # the FILE module counts 0 (R20)
    assert enrollment["completedAt"] is not None
    [event] = await events(session, "assigment_evaluation")
    assert (event["score"], event["points"], event["feedback"], event["status"]) == (75.0, 15.0, "Well argued",
                                                                                     "GRADED")  # fmt: skip
    assert len(await events(session, "course_completed")) == 1


async def test_a_rubric_grade_sums_the_criteria(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session)
    created = await world.admin.data(
        MODULE_CREATE,
        {"input": {"courseId": gid(world.course), "kind": "ASSIGNMENT", "title": "Essay", "criteria": RUBRIC}},
    )
    module = created["moduleCreate"]["module"]
    assert module["criteria"] == [{**c, "maxScore": float(c["maxScore"])} for c in RUBRIC]
    variables = {"input": {"moduleId": module["id"], "text": "Rubric essay"}}
    submitted = (await world.learner.data(SUBMIT, variables))["assignmentSubmit"]["submission"]
    scores = [{"criterionId": "style", "score": 3}, {"criterionId": "content", "score": 4.5}]
    done = await grade(world.admin, submitted["id"], criteria=scores)
    assert done["errors"] == []
    assert (done["submission"]["score"], done["submission"]["points"]) == (75.0, 7.5)
    assert done["submission"]["criteria"] == [
        {"criterionId": "content", "title": "Content", "score": 4.5, "maxScore": 6.0},
        {"criterionId": "style", "title": "Style", "score": 3.0, "maxScore": 4.0},
    ]
    assert done["moduleProgress"] == {**done["moduleProgress"], "status": "COMPLETED", "score": 75.0}
    assert done["enrollment"]["grade"] == 25.0  # 75 and two unscored assignments count 0 (R20)
    results = await world.learner.data(
        """query($id: ID!) { enrollment(id: $id) { results { parts { name score
          attempts { attemptNr score criteria { id name score maxScore } } } } } }""",
        {"id": world.enrollment},
    )
    [part] = [p for p in results["enrollment"]["results"]["parts"] if p["name"] == "Essay"]
    assert part["score"] == "75%"
    assert part["attempts"] == [
        {
            "attemptNr": -1,
            "score": "75%",
            "criteria": [
                {"id": "content", "name": "Content", "score": 4.5, "maxScore": 6.0},
                {"id": "style", "name": "Style", "score": 3.0, "maxScore": 4.0},
            ],
        }
    ]


async def test_criteria_over_their_max_unknown_or_missing_are_refused(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session, essay={"criteria": [
        {"criterion_id": "content", "title": "Content", "max_score": 6},
        {"criterion_id": "style", "title": "Style", "max_score": 4}]})  # fmt: skip
    submitted = (await submit(world, "My essay"))["submission"]["id"]
    done = await grade(
        world.admin,
        submitted,
        criteria=[{"criterionId": "content", "score": 7}, {"criterionId": "spelling", "score": 1}],
        score=50,
    )
    assert sorted((tuple(e["field"]), e["code"]) for e in done["errors"]) == [
        (("criteria",), "REQUIRED"),
        (("criteria", "0", "score"), "INVALID"),
        (("criteria", "1", "criterionId"), "NOT_FOUND"),
        (("score",), "INVALID"),
    ]
    assert done["submission"] is None
    plain = await make_world_module(session, world)
    submitted_plain = (await submit(world, "Plain", module=plain))["submission"]["id"]
    refused = await grade(world.admin, submitted_plain, criteria=[{"criterionId": "content", "score": 1}])
    assert {(tuple(e["field"]), e["code"]) for e in refused["errors"]} == {
        (("criteria", "0", "criterionId"), "NOT_FOUND"),
        (("score",), "REQUIRED"),
    }
    over = await grade(world.admin, submitted_plain, score=100.5)
    assert [(e["field"], e["code"]) for e in over["errors"]] == [(["score"], "INVALID")]
    statuses = set(await session.scalars(select(AssignmentSubmission.status)))
    await session.commit()
    assert {s.name for s in statuses} == {"SUBMITTED"}
    assert await events(session, "assigment_evaluation") == []


async def make_world_module(session: AsyncSession, world: World) -> Module:
    return await make_module(session, world.course, kind=ModuleKind.ASSIGNMENT, position=2, details={})


async def test_a_rejected_submission_goes_back_and_may_be_resubmitted(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session)
    first = (await submit(world, "Draft"))["submission"]["id"]
    assert [e["code"] for e in (await submit(world, "Again"))["errors"]] == ["ALREADY_SUBMITTED"]
    refused = await grade(world.admin, first, reject=True, score=10)
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [(["reject"], "INVALID")]
    rejected = await grade(world.admin, first, reject=True, feedback="Cite your sources")
    assert rejected["errors"] == []
    assert (rejected["submission"]["status"], rejected["submission"]["score"]) == ("REJECTED", None)
    assert rejected["moduleProgress"]["status"] == "IN_PROGRESS"
    [event] = await events(session, "assigment_rejection")
    assert (event["status"], event["feedback"]) == ("REJECTED", "Cite your sources")
    again = await grade(world.admin, first, score=50)
    assert [e["code"] for e in again["errors"]] == ["NOT_ALLOWED_IN_STATE"]
    second = await submit(world, "Final")
    assert (second["submission"]["number"], second["moduleProgress"]["status"]) == (2, "SUBMITTED")
    graded = await grade(world.admin, second["submission"]["id"], score=90)
    assert graded["moduleProgress"]["status"] == "COMPLETED"
    assert [e["code"] for e in (await submit(world, "More"))["errors"]] == ["ALREADY_GRADED"]
    regraded = await grade(world.admin, second["submission"]["id"], score=95)
    assert (regraded["submission"]["score"], regraded["moduleProgress"]["score"]) == (95.0, 95.0)
    back = await grade(world.admin, second["submission"]["id"], reject=True)
    assert [(e["field"], e["code"]) for e in back["errors"]] == [(["reject"], "NOT_ALLOWED_IN_STATE")]
    mine = await world.learner.data(
        """query($id: ID!) { node(id: $id) { ... on Enrollment { moduleProgress { assignmentSubmissions {
          number status } } assignmentSubmissions(orderBy: {field: NUMBER, direction: DESC}) { totalCount
          nodes { number } } } } }""",
        {"id": world.enrollment},
    )
    essay = mine["node"]["moduleProgress"][0]["assignmentSubmissions"]
    assert essay == [{"number": 1, "status": "REJECTED"}, {"number": 2, "status": "GRADED"}]
    listed = mine["node"]["assignmentSubmissions"]
    assert (listed["totalCount"], [n["number"] for n in listed["nodes"]]) == (2, [2, 1])


async def test_a_module_that_allows_resubmission_takes_work_after_grading(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session, essay={"allow_resubmission": True})
    first = (await submit(world, "One"))["submission"]["id"]
    await grade(world.admin, first, score=40)
    second = await submit(world, "Two")
    assert second["errors"] == []
    assert (second["submission"]["number"], second["moduleProgress"]["status"]) == (2, "COMPLETED")
    stale = await grade(world.admin, first, score=60)
    assert [e["code"] for e in stale["errors"]] == ["NOT_ALLOWED_IN_STATE"]
    latest = await grade(world.admin, second["submission"]["id"], score=80)
    assert latest["moduleProgress"]["score"] == 80.0


# ---- who may grade and see -----------------------------------------------------------------------


async def test_a_learner_cannot_grade_and_another_learner_cannot_see(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session)
    submission = (await submit(world, "Mine"))["submission"]["id"]
    [error] = await world.learner.errors(GRADE, {"input": {"submissionId": submission, "score": 100}})
    assert error["extensions"]["code"] == "FORBIDDEN"
    classmate = await world.classmate(session)
    seen = await classmate.data("query($id: ID!) { node(id: $id) { id } }", {"id": submission})
    assert seen["node"] is None
    listed = await classmate.data(SUBMISSIONS, {"id": gid(world.essay)})
    assert listed["module"]["submissions"]["totalCount"] == 0
    stranger = await world.instructor(session, teaches=False)
    refused = await grade(stranger, submission, score=100)
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [(["submissionId"], "NOT_FOUND")]
    teacher = await world.instructor(session)
    staff_view = await teacher.data(SUBMISSIONS, {"id": gid(world.essay)})
    assert staff_view["module"]["submissions"]["nodes"] == [
        {"id": submission, "status": "SUBMITTED", "user": {"fullName": "Lea Learner"}}
    ]
    own = await world.learner.data(SUBMISSIONS, {"id": gid(world.essay)})
    assert own["module"]["submissions"]["totalCount"] == 1
    status = await session.scalar(select(AssignmentSubmission.status))
    await session.commit()
    assert status.name == "SUBMITTED"


async def test_another_portal_cannot_submit_or_grade(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session)
    submission = (await submit(world, "Mine"))["submission"]["id"]
    await make_portal(session, slug="globex")
    other = api.acting_in("globex")
    refused = await grade(other, submission, score=100)
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [(["submissionId"], "NOT_FOUND")]
    outsider = await other.data(SUBMISSIONS, {"id": gid(world.essay)})
    assert outsider["module"] is None


async def test_a_reset_learner_submits_afresh_and_keeps_the_history(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session)
    first = (await submit(world, "Before"))["submission"]["id"]
    await grade(world.admin, first, score=60)
    reset = """mutation($input: EnrollmentIdsInput!) { enrollmentResetProgress(input: $input) { errors { code } } }"""
    await world.admin.data(reset, {"input": {"enrollmentIds": [world.enrollment]}})
    again = await submit(world, "After")
    assert again["errors"] == []
    assert (again["submission"]["number"], again["moduleProgress"]["status"]) == (2, "SUBMITTED")
    assert again["enrollment"]["grade"] is None
    assert await count(session, AssignmentSubmission) == 2


async def test_upload_operations_are_text_checked_and_files_are_not_strings(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session)
    variables = {"input": {"moduleId": gid(world.upload), "text": "a\x00b", "files": [None]}}
    operations = json.dumps({"query": SUBMIT, "variables": variables})
    token = await world.learner.bearer()  # type: ignore[misc]
    headers = {**PREFLIGHT, "X-Portal": "acme", "Authorization": f"Bearer {token}"}
    sent = await api.http.post(
        "/graphql",
        data={"operations": operations, "map": json.dumps({"0": ["variables.input.files.0"]})},
        files={"0": ("report.pdf", PDF, "application/pdf")},
        headers=headers,
    )
    assert sent.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    as_json = await world.learner.data(SUBMIT, {"input": {"moduleId": gid(world.upload), "files": ["not a file"]}})
    errors = as_json["assignmentSubmit"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(["files", "0"], "INVALID")]
    assert await count(session, AssignmentSubmission) == 0


async def test_an_upload_may_pass_the_json_body_limit_up_to_the_upload_limit(
    api: Api, session: AsyncSession, settings: Settings, engine: Any, clock: FrozenClock
) -> None:
    world = await make_world(api, session)
    world.upload.details = {**world.upload.details, "max_upload_size_mb": 2}
    await saved(session, world.upload)
    big = b"%PDF" + b"y" * 1_500_000  # over MAX_BODY_BYTES (1 MiB), within the module's 2 MB
    done = (await upload(world.learner, world.upload, [("big.pdf", big, "application/pdf")])).json()
    assert done["data"]["assignmentSubmit"]["errors"] == []
    without = await upload(world.learner, world.upload, [("big.pdf", big, "application/pdf")], headers={})
    assert without.status_code == 413  # no preflight header: the JSON limit holds
    capped = create_app(settings.model_copy(update={"max_upload_body_bytes": 100_000}), engine=engine, clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=capped), base_url="http://test") as http:
        api_capped = Api(http, api.credentials)
        learner = api_capped.signed_in(world.learner_user, "acme")
        refused = await upload(learner, world.upload, [("big.pdf", big, "application/pdf")])
    assert refused.status_code == 413
    assert refused.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert await count(session, AssignmentSubmission) == 1


SUBMISSIONS_PAGE = """query($course: ID!) { course(id: $course) { enrollments(first: 50) { nodes {
  moduleProgress { assignmentSubmissions { id status files { name } gradedBy { fullName } module { id } } }
  assignmentSubmissions(first: 10) { totalCount nodes { id criteria { score } } } } } } }"""


async def submissions_statements(world: World, count_sql: Any, learners: int) -> int:
    with count_sql() as sql:
        data = await world.admin.data(SUBMISSIONS_PAGE, {"course": gid(world.course)})
    nodes = data["course"]["enrollments"]["nodes"]
    assert len(nodes) == learners
    assert all(n["assignmentSubmissions"]["totalCount"] == 1 for n in nodes)
    graded = [p["assignmentSubmissions"][0] for n in nodes for p in n["moduleProgress"] if p["assignmentSubmissions"]]
    assert [s["gradedBy"] for s in graded] == [None] * learners
    return sql.count


async def test_submissions_of_many_learners_cost_what_one_costs(
    api: Api, session: AsyncSession, count_sql: Any
) -> None:
    world = await make_world(api, session)
    await submit(world, "First")
    await api.credentials.api_key("acme")  # issued before counting: a client already holds its key
    one = await submissions_statements(world, count_sql, 1)
    for _ in range(3):
        await submit(world, "Mine", await world.classmate(session))
    four = await submissions_statements(world, count_sql, 4)
    assert one == four, (one, four)


async def test_a_rubric_and_file_types_are_checked_when_the_module_is_made(api: Api, session: AsyncSession) -> None:
    world = await make_world(api, session)
    criteria = [
        {"criterionId": "content", "title": "Content", "maxScore": 6},
        {"criterionId": "content", "title": " ", "maxScore": 0},
        {"criterionId": "no spaces", "title": "Style", "maxScore": 4},
    ]
    fields = {"criteria": criteria, "allowedFileTypes": ["pdf", "image/*", "not a type"]}
    made = await world.admin.data(
        MODULE_CREATE,
        {"input": {"courseId": gid(world.course), "kind": "ASSIGNMENT", "title": "Essay", **fields}},
    )
    errors = made["moduleCreate"]["errors"]
    assert sorted((tuple(e["field"]), e["code"]) for e in errors) == [
        (("allowedFileTypes", "2"), "INVALID"),
        (("criteria", "1", "criterionId"), "DUPLICATE"),
        (("criteria", "1", "maxScore"), "INVALID"),
        (("criteria", "1", "title"), "REQUIRED"),
        (("criteria", "2", "criterionId"), "INVALID"),
    ]
    assert made["moduleCreate"]["module"] is None


async def test_a_chunked_upload_over_the_limit_or_a_malformed_one_is_refused(
    api: Api, session: AsyncSession, settings: Settings, engine: Any, clock: FrozenClock
) -> None:
    world = await make_world(api, session)
    token = await world.learner.bearer()  # type: ignore[misc]
    headers = {**PREFLIGHT, "X-Portal": "acme", "Authorization": f"Bearer {token}"}
    mapping = json.dumps({"0": ["variables.input.files.0"]})
    operations = json.dumps({"query": SUBMIT, "variables": {"input": {"moduleId": gid(world.upload), "files": [None]}}})
    big = b"%PDF" + b"z" * 2_000_000
    built = api.http.build_request(
        "POST", "/graphql", data={"operations": operations, "map": mapping}, files={"0": ("big.pdf", big, "pdf")}
    )
    body = built.read()

    async def chunks() -> Any:  # no Content-Length: the limit counts what arrives
        for start in range(0, len(body), 65_536):
            yield body[start : start + 65_536]

    sent = {**headers, "content-type": built.headers["content-type"]}
    capped = create_app(settings.model_copy(update={"max_upload_body_bytes": 1_500_000}), engine=engine, clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=capped), base_url="http://test") as http:
        refused = await http.post("/graphql", content=chunks(), headers=sent)
    assert refused.status_code == 413
    malformed = await api.http.post(
        "/graphql", content=b"--x\r\nnot a part", headers={**headers, "content-type": "multipart/form-data; boundary=x"}
    )
    assert malformed.status_code == 400
    [error] = malformed.json()["errors"]
    assert (error["extensions"]["code"], error["message"][:34]) == ("BAD_REQUEST", "Unable to parse the multipart body")
    assert await count(session, AssignmentSubmission) == 0
    assert stored_files(settings) == []
