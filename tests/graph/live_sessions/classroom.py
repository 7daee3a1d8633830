"""A portal with a course, its host, an enrolled learner and an outsider, for the live-session
tests; helpers to create sessions and call the classroom endpoint."""

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import Course, CourseStatus
from models.modules import Module, ModuleKind
from models.portals import Portal
from models.users import Role, User
from tests.conftest import Api
from tests.factories import gid, make_course, make_module, make_portal, make_user

SESSION = """id title startsAt durationMinutes status provider record attendedSeconds classroomToken hostUrl
  joinUrl meetingUrl startedAt endedAt cancelledAt host { fullName } course { title } module { title }
  portal { slug } participants { totalCount nodes { status joinUrl attendedSeconds user { fullName }
  attendance { seconds } } }
  attendance { request seconds user { fullName } }"""
CREATE = f"""mutation($input: LiveSessionCreateInput!) {{ liveSessionCreate(input: $input) {{
  liveSession {{ {SESSION} }} errors {{ field message code }} }} }}"""
ADD = f"""mutation($input: LiveSessionParticipantsInput!) {{ liveSessionParticipantAdd(input: $input) {{
  liveSession {{ {SESSION} }} participants {{ user {{ fullName }} joinUrl }} errors {{ field message code }} }} }}"""
REMOVE = """mutation($input: LiveSessionParticipantsInput!) { liveSessionParticipantRemove(input: $input) {
  liveSession { participants { totalCount } } errors { field message code } } }"""
CANCEL = f"""mutation($input: LiveSessionInput!) {{ liveSessionCancel(input: $input) {{
  liveSession {{ {SESSION} }} errors {{ field message code }} }} }}"""
REFRESH = f"""mutation($input: LiveSessionInput!) {{ liveSessionStatusRefresh(input: $input) {{
  liveSession {{ {SESSION} }} errors {{ field message code }} }} }}"""
SESSIONS = (
    f"""query($filter: LiveSessionFilter) {{ liveSessions(filter: $filter) {{ totalCount nodes {{ {SESSION} }} }} }}"""
)
ONE = f"""query($id: ID!) {{ node(id: $id) {{ ... on LiveSession {{ {SESSION} }} }} }}"""
ENROLL = """mutation($input: EnrollmentCreateInput!) { enrollmentCreate(input: $input) { enrollments { id }
  errors { code } } }"""
STARTS_AT = "2026-01-05T09:30:00Z"  # half an hour after the tests' frozen clock


@dataclass
class Classroom:
    api: Api
    admin: Api
    portal: Portal
    course: Course
    module: Module
    host: User
    learner: User
    outsider: User
    enrollment: str

    def as_(self, user: User) -> Api:
        return self.api.signed_in(user, self.portal.slug)

    async def create(self, who: Api | None = None, **fields: Any) -> dict[str, Any]:
        """liveSessionCreate's payload (of the course's module unless told otherwise)."""
        input_ = {"moduleId": gid(self.module), "title": "Weekly clinic", "startsAt": STARTS_AT,
                  "hostId": gid(self.host), **fields}  # fmt: skip
        return (await (who or self.admin).data(CREATE, {"input": {k: v for k, v in input_.items() if v is not None}}))[
            "liveSessionCreate"
        ]

    async def session_with_learner(self) -> dict[str, Any]:
        created = await self.create()
        added = await self.admin.data(
            ADD, {"input": {"liveSessionId": created["liveSession"]["id"], "userIds": [gid(self.learner)]}}
        )
        assert added["liveSessionParticipantAdd"]["errors"] == []
        return added["liveSessionParticipantAdd"]["liveSession"]


async def make_classroom(api: Api, session: AsyncSession, slug: str = "acme") -> Classroom:
    portal = await make_portal(session, slug=slug)
    host = await make_user(session, portal, role=Role.INSTRUCTOR, full_name="Grace Host")
    learner = await make_user(
        session, portal, role=Role.LEARNER, full_name="John Smith", avatar_url="https://domain.com/images/avatar.png"
    )
    outsider = await make_user(session, portal, role=Role.LEARNER, full_name="Olive Outsider")
    course = await make_course(session, portal, status=CourseStatus.PUBLISHED, title="Spanish")
    module = await make_module(
        session, course, kind=ModuleKind.LIVE_SESSION, title="Clinic", details={"duration_minutes": 45}
    )
    admin = api.acting_in(slug)
    enrolled = await admin.data(ENROLL, {"input": {"courseId": gid(course), "userIds": [gid(learner)]}})
    enrollment = enrolled["enrollmentCreate"]["enrollments"][0]["id"]
    return Classroom(api, admin, portal, course, module, host, learner, outsider, enrollment)


async def classroom_call(
    http: httpx.AsyncClient, *, as_: str = "json", **params: Any
) -> tuple[httpx.Response, dict[str, Any]]:
    """One 000 callback, as a JSON body, a form or a query string."""
    url = "/integrations/learncube"
    if as_ == "json":
        response = await http.post(url, json=params)
    elif as_ == "form":
        response = await http.post(url, data={k: str(v) for k, v in params.items()})
    else:
        response = await http.post(url, params={k: str(v) for k, v in params.items()})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    return response, response.json()
