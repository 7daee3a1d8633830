"""A small academy for the grading tests: one portal, its staff, learners, and helpers that go
through the API as clients would (factories only for what has no mutation yet)."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import Course, CourseInstructor, CourseStatus, GradingRule
from models.modules import Module, ModuleKind
from models.portals import Portal
from models.users import Role, User
from tests.conftest import Api
from tests.factories import gid, make_course, make_module, make_portal, make_user, saved

ENROLL = """mutation($input: EnrollmentCreateInput!) { enrollmentCreate(input: $input) {
  enrollments { id } errors { field code } } }"""
SCORE = """mutation($input: ExternalActivityScoreInput!) { externalActivityScore(input: $input) {
  moduleProgress { status score passed attempts completedAt }
  enrollment { id status grade gradeDisplay passed gradeOverridden startedAt certificate { code } }
  errors { field code message } } }"""
ENROLLMENT = """query($id: ID!) { enrollment(id: $id) {
  status grade gradeDisplay passed gradeOverridden completedAt
  moduleProgress { status score passed attempts }
  certificate { code issuedAt expiresAt revokedAt status canRecertify } } }"""
COURSE_UPDATE = """mutation($input: CourseUpdateInput!) { courseUpdate(input: $input) {
  course { gradingRule minPassingPercentage gradeModules { title } certificateTemplate { name }
    certificateExpiresAfter certificateExpiresAfterGracePeriod }
  errors { field code } } }"""
TEMPLATE = """mutation($input: CertificateTemplateCreateInput!) { certificateTemplateCreate(input: $input) {
  certificateTemplate { id name width height backgroundUrl fields { key value fontSize fontColor top left } }
  errors { field code message } } }"""
A_TEMPLATE = {
    "name": "Classic",
    "width": 1123,
    "height": 794,
    "backgroundUrl": "https://cdn.example.com/classic.png",
    "fields": [
        {"key": "STUDENT_FULL_NAME", "top": 300, "left": 100, "fontSize": 32, "alignCenter": True},
        {"key": "CERTIFICATE_CODE", "top": 700, "left": 100},
    ],
}


@dataclass
class School:
    api: Api  # acme's admin (an API key)
    session: AsyncSession
    portal: Portal
    learners: list[User]
    instructor: User

    async def course(self, *, rule: GradingRule = GradingRule.NO_GRADING, **fields: Any) -> Course:
        """A published course taught by `instructor`."""
        course = await make_course(
            self.session, self.portal, status=CourseStatus.PUBLISHED, grading_rule=rule, **fields
        )
        await saved(
            self.session, CourseInstructor(portal_id=self.portal.id, course_id=course.id, user_id=self.instructor.id)
        )
        return course

    async def external(self, course: Course, position: int = 0, **fields: Any) -> Module:
        details = {"launch_url": "https://courses.example.com/launch"}
        return await make_module(
            self.session, course, kind=ModuleKind.EXTERNAL, position=position, details=details, **fields
        )

    async def enroll(self, course: Course, *learners: User) -> list[str]:
        users = [gid(user) for user in learners or self.learners[:1]]
        answer = await self.api.data(ENROLL, {"input": {"courseId": gid(course), "userIds": users}})
        assert answer["enrollmentCreate"]["errors"] == []
        return [e["id"] for e in answer["enrollmentCreate"]["enrollments"]]

    async def score(self, enrollment: str, module: Module, score: float, api: Api | None = None, **more: Any) -> Any:
        variables = {"input": {"enrollmentId": enrollment, "moduleId": gid(module), "score": score, **more}}
        return (await (api or self.api).data(SCORE, variables))["externalActivityScore"]

    async def enrollment(self, enrollment: str) -> Any:
        return (await self.api.data(ENROLLMENT, {"id": enrollment}))["enrollment"]

    async def update_course(self, course: Course, **fields: Any) -> Any:
        variables = {"input": {"courseId": gid(course), **fields}}
        return (await self.api.data(COURSE_UPDATE, variables))["courseUpdate"]

    async def template(self, **overrides: Any) -> Any:
        answer = await self.api.data(TEMPLATE, {"input": {**A_TEMPLATE, **overrides}})
        return answer["certificateTemplateCreate"]


async def build_school(api: Api, session: AsyncSession) -> School:
    portal = await make_portal(session, slug="acme")
    learners = [await make_user(session, portal, role=Role.LEARNER) for _ in range(3)]
    instructor = await make_user(session, portal, role=Role.INSTRUCTOR)
    return School(api.acting_in("acme"), session, portal, learners, instructor)
