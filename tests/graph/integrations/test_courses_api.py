"""Seed 001, the 77media Courses API: the launch URL with its registration (made once, reused),
and signed completion reports that complete the module (idempotent per reg and status)."""

import json
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.testclient import TestClient

from graph.app import create_app
from models.courses import Course, CourseStatus
from models.enrollments import Enrollment
from models.modules import Module, ModuleKind
from models.portals import Portal
from models.settings import Settings
from models.users import Role, User
from models.webhooks import ExternalRegistration
from resolvers.webhooks.signing import signature
from tests.conftest import Api, Credentials, FrozenClock
from tests.factories import gid, make_course, make_module, make_portal, make_user, saved
from tests.graph.enrollments.test_progress_subscription import post, subscribe_to_progress

LAUNCH = """mutation($i: ModuleLaunchInput!) { moduleLaunch(input: $i) {
  url registrationId moduleProgress { status } enrollment { status startedAt } errors { field code } } }"""
ROTATE = (
    """mutation($i: CoursesApiSecretRotateInput!) { coursesApiSecretRotate(input: $i) { secret errors { code } } }"""
)
RECORD = """query($id: ID!) { node(id: $id) { ... on Enrollment { status grade progress { display }
  moduleProgress { module { title } status score passed attempts } } } }"""
REMOVE = "mutation($i: EnrollmentIdsInput!) { enrollmentRemove(input: $i) { errors { code } } }"
COMPLETIONS = "/integrations/courses-api/completions"
SUBSCRIBE = "subscription($c: ID!) { enrollmentProgressUpdated(courseId: $c) { status progress { display } } }"
SECRET = "courses-api-secret-of-32-chars!!"
LMS = {"launch_url": "https://sample.com/", "lms_id": "LMS 42/staging"}


async def external(session: AsyncSession, course: Course, title: str = "Compliance", **details: Any) -> Module:
    return await make_module(session, course, kind=ModuleKind.EXTERNAL, title=title, details={**LMS, **details})


async def enrolled(session: AsyncSession, portal: Portal, course: Course, **person: Any) -> tuple[User, Enrollment]:
    user = await make_user(session, portal, role=Role.LEARNER, **person)
    at = datetime(2026, 1, 1, tzinfo=course.created_at.tzinfo)
    enrollment = await saved(
        session, Enrollment(portal_id=portal.id, user_id=user.id, course_id=course.id, enrolled_at=at)
    )
    return user, enrollment


async def launch(api: Api, enrollment: Enrollment, module: Module, **headers: str) -> dict[str, Any]:
    variables = {"i": {"enrollmentId": gid(enrollment), "moduleId": gid(module)}}
    body = (await api.post(LAUNCH, variables, **headers)).json()
    assert "errors" not in body, body
    return body["data"]["moduleLaunch"]


async def academy(session: AsyncSession) -> tuple[Portal, Course, Module]:
    acme = await make_portal(session, slug="acme")
    course = await make_course(session, acme, status=CourseStatus.PUBLISHED)
    return acme, course, await external(session, course)


async def test_the_launch_url_carries_the_seed_parameters_encoded(api: Api, session: AsyncSession) -> None:
    acme, course, module = await academy(session)
    ada, enrollment = await enrolled(session, acme, course, email="ada+lms@example.com", full_name="Ada Lovelace-Byron")
    first = await launch(api.signed_in(ada, "acme"), enrollment, module, Origin="https://learn.acme.example:8443")
    reg = first["registrationId"]
    assert first["url"] == (
        f"https://sample.com/#/?reg={reg}&em=ada%2Blms%40example.com&fn=Ada%20Lovelace-Byron"
        "&dom=learn.acme.example&lmsId=LMS%2042%2Fstaging"
    )
    assert first["moduleProgress"] == {"status": "IN_PROGRESS"}  # the first launch starts module and course
    assert first["enrollment"]["status"] == "IN_PROGRESS" and first["enrollment"]["startedAt"] is not None
    assert first["errors"] == []


async def test_the_registration_is_made_once_per_learner_and_module(api: Api, session: AsyncSession) -> None:
    acme, course, module = await academy(session)
    other = await external(session, course, title="Ethics", launch_url="https://sample.com/#/course/7")
    ada, ada_enrollment = await enrolled(session, acme, course)
    bob, bob_enrollment = await enrolled(session, acme, course)
    ada_api = api.signed_in(ada, "acme")
    first = await launch(ada_api, ada_enrollment, module)
    again = await launch(ada_api, ada_enrollment, module)
    assert again["registrationId"] == first["registrationId"] and again["url"] == first["url"]
    assert first["url"].split("&dom=")[1] == "test&lmsId=LMS%2042%2Fstaging"  # no Origin: our own host
    elsewhere = await launch(ada_api, ada_enrollment, other)
    assert elsewhere["url"].startswith(f"https://sample.com/#/course/7?reg={elsewhere['registrationId']}&em=")
    bobs = await launch(api.signed_in(bob, "acme"), bob_enrollment, module)
    assert len({first["registrationId"], elsewhere["registrationId"], bobs["registrationId"]}) == 3


async def test_only_the_learner_launches_and_only_external_modules(api: Api, session: AsyncSession) -> None:
    acme, course, module = await academy(session)
    text = await make_module(session, course, kind=ModuleKind.TEXT)
    bare = await make_module(session, course, kind=ModuleKind.EXTERNAL, details={"launch_url": "https://x.example/"})
    ada, enrollment = await enrolled(session, acme, course)
    admin = await launch(api.acting_in("acme"), enrollment, module)
    assert admin["errors"] == [{"field": ["enrollmentId"], "code": "NOT_YOUR_ENROLLMENT"}]
    ada_api = api.signed_in(ada, "acme")
    assert (await launch(ada_api, enrollment, text))["errors"] == [{"field": ["moduleId"], "code": "WRONG_MODULE_KIND"}]
    assert (await launch(ada_api, enrollment, bare))["errors"] == [{"field": ["moduleId"], "code": "NOT_CONFIGURED"}]
    elsewhere = await external(session, await make_course(session, acme, status=CourseStatus.PUBLISHED))
    assert (await launch(ada_api, enrollment, elsewhere))["errors"] == [{"field": ["moduleId"], "code": "NOT_FOUND"}]
    bob, _ = await enrolled(session, acme, course)
    hidden = await launch(api.signed_in(bob, "acme"), enrollment, module)
    assert hidden["errors"] == [{"field": ["enrollmentId"], "code": "NOT_FOUND"}]


# ---- completion reports ----------------------------------------------------------------------------


def signed(clock: FrozenClock, body: dict[str, Any], *, secret: str = SECRET, age: int = 0) -> dict[str, Any]:
    """The keyword arguments of a POST of `body`, signed as contract §9 says `age` seconds ago."""
    raw = json.dumps(body).encode()
    stamp = int((clock.now - timedelta(seconds=age)).timestamp())
    headers = {"X-CourseGraph-Timestamp": str(stamp), "X-CourseGraph-Signature": signature(secret, stamp, raw)}
    return {"content": raw, "headers": {"Content-Type": "application/json", **headers}}


async def report(
    http: httpx.AsyncClient, clock: FrozenClock, body: dict[str, Any], *, secret: str = SECRET, age: int = 0
) -> httpx.Response:
    return await http.post(COMPLETIONS, **signed(clock, body, secret=secret, age=age))


async def launched(api: Api, session: AsyncSession) -> tuple[Api, Enrollment, str]:
    """Ada launched the course's only module; acme's secret is SECRET."""
    acme, course, module = await academy(session)
    ada, enrollment = await enrolled(session, acme, course)
    reg = (await launch(api.signed_in(ada, "acme"), enrollment, module))["registrationId"]
    rotated = await api.acting_in("acme").data(ROTATE, {"i": {"secret": SECRET}})
    assert rotated["coursesApiSecretRotate"] == {"secret": SECRET, "errors": []}
    return api.acting_in("acme"), enrollment, reg


async def test_a_signed_completion_completes_the_module_once(
    api: Api, http: httpx.AsyncClient, session: AsyncSession, clock: FrozenClock
) -> None:
    admin, enrollment, reg = await launched(api, session)
    body = {"reg": reg, "status": "passed", "score": 87.5, "completedAt": "2026-01-05T08:59:00Z"}
    first = await report(http, clock, body)
    assert (first.status_code, first.json()) == (200, {"status": "accepted"})
    again = await report(http, clock, body | {"score": 12})
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    record = (await admin.data(RECORD, {"id": gid(enrollment)}))["node"]
    assert record["status"] == "COMPLETED" and record["progress"]["display"] == "1/1"
    assert record["moduleProgress"] == [
        {"module": {"title": "Compliance"}, "status": "COMPLETED", "score": 87.5, "passed": True, "attempts": 1}
    ]


async def test_failed_then_passed_records_both_and_completes_on_the_pass(
    api: Api, http: httpx.AsyncClient, session: AsyncSession, clock: FrozenClock
) -> None:
    admin, enrollment, reg = await launched(api, session)
    assert (await report(http, clock, {"reg": reg, "status": "in_progress"})).json() == {"status": "accepted"}
    assert (await report(http, clock, {"reg": reg, "status": "failed", "score": 40})).json() == {"status": "accepted"}
    record = (await admin.data(RECORD, {"id": gid(enrollment)}))["node"]
    assert record["status"] == "IN_PROGRESS"
    assert record["moduleProgress"][0] | {"module": None} == {
        "module": None, "status": "IN_PROGRESS", "score": 40.0, "passed": False, "attempts": 1
    }  # fmt: skip
    assert (await report(http, clock, {"reg": reg, "status": "completed", "score": 75})).json() == {
        "status": "accepted"
    }
    record = (await admin.data(RECORD, {"id": gid(enrollment)}))["node"]
    assert record["status"] == "COMPLETED" and record["moduleProgress"][0]["score"] == 75.0


async def test_a_report_counts_toward_the_enrollment_launched_from_not_a_later_one(
    api: Api, http: httpx.AsyncClient, session: AsyncSession, clock: FrozenClock
) -> None:
    """Removed and enrolled again, the learner starts afresh: a report from the old launch is
    refused and changes nothing; once they launch from the new enrollment, reports count there."""
    admin, removed, reg = await launched(api, session)
    ada, course = await session.get_one(User, removed.user_id), await session.get_one(Course, removed.course_id)
    module = await session.get_one(Module, (await session.get_one(ExternalRegistration, UUID(reg))).module_id)
    done = await admin.data(REMOVE, {"i": {"enrollmentIds": [gid(removed)]}})
    assert done["enrollmentRemove"]["errors"] == []
    again = await saved(
        session, Enrollment(portal_id=course.portal_id, user_id=ada.id, course_id=course.id, enrolled_at=clock.now)
    )
    body = {"reg": reg, "status": "completed"}
    late = await report(http, clock, body)
    assert (late.status_code, late.json()["message"]) == (409, "The learner is no longer enrolled in this course.")
    assert (await admin.data(RECORD, {"id": gid(again)}))["node"]["moduleProgress"][0]["status"] == "NOT_STARTED"
    assert (await launch(api.signed_in(ada, "acme"), again, module))["registrationId"] == reg
    assert (await report(http, clock, body)).json() == {"status": "accepted"}
    assert (await admin.data(RECORD, {"id": gid(again)}))["node"]["status"] == "COMPLETED"


async def test_bad_old_or_unsigned_reports_are_refused(
    api: Api, http: httpx.AsyncClient, session: AsyncSession, clock: FrozenClock
) -> None:
    _, _, reg = await launched(api, session)
    body = {"reg": reg, "status": "completed"}
    assert (await report(http, clock, body, secret="another-secret-of-32-characters!")).status_code == 401
    assert (await report(http, clock, body, age=301)).status_code == 401
    assert (await report(http, clock, body, age=300)).status_code == 200  # five minutes is still fresh
    unsigned = await http.post(COMPLETIONS, content=json.dumps(body).encode())
    assert unsigned.status_code == 401 and unsigned.json()["status"] == "rejected"
    unknown = await report(http, clock, {"reg": "6d1f3c1e-3f0e-4a4e-9d55-1e0c0f6b8a11", "status": "completed"})
    assert (unknown.status_code, unknown.json()["message"]) == (404, "No registration with this reg.")
    for bad in (
        {"reg": reg, "status": "done"},
        {"reg": "nope", "status": "passed"},
        {"reg": reg, "status": "passed", "score": 101},
    ):
        assert (await report(http, clock, bad)).status_code == 400
    not_json = await http.post(
        COMPLETIONS, content=b"{", headers={"X-CourseGraph-Timestamp": str(int(clock.now.timestamp()))}
    )
    assert not_json.status_code == 400


async def test_another_portals_secret_does_not_sign_for_this_one(
    api: Api, http: httpx.AsyncClient, session: AsyncSession, clock: FrozenClock
) -> None:
    _, _, reg = await launched(api, session)
    await make_portal(session, slug="globex")
    globex = await api.acting_in("globex").data(ROTATE, {"i": {}})
    generated = globex["coursesApiSecretRotate"]["secret"]
    assert len(generated) >= 32
    assert (await report(http, clock, {"reg": reg, "status": "passed"}, secret=generated)).status_code == 401
    [refused] = await api.signed_in(await make_user(session, None), None).errors(ROTATE, {"i": {}})
    assert refused["extensions"]["code"] == "FORBIDDEN"


async def test_launch_and_completion_reach_the_courses_progress_subscribers(
    settings: Settings, session: AsyncSession, credentials: Credentials, clock: FrozenClock
) -> None:
    acme, course, module = await academy(session)
    ada, enrollment = await enrolled(session, acme, course, full_name="Ada")
    admin, token = await credentials.api_key("acme"), await credentials.token(ada)
    with (
        TestClient(create_app(settings, clock=clock)) as client,
        client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        subscribe_to_progress(client, ws, admin, course, SUBSCRIBE)
        launched = post(client, LAUNCH, {"i": {"enrollmentId": gid(enrollment), "moduleId": gid(module)}}, token)
        reg = launched["moduleLaunch"]["registrationId"]
        assert ws.receive_json()["payload"]["data"]["enrollmentProgressUpdated"]["status"] == "IN_PROGRESS"
        post(client, ROTATE, {"i": {"secret": SECRET}}, str(admin))
        answer = client.post(COMPLETIONS, **signed(clock, {"reg": reg, "status": "completed"}))
        assert answer.json() == {"status": "accepted"}
        update = ws.receive_json()["payload"]["data"]["enrollmentProgressUpdated"]
        assert update == {"status": "COMPLETED", "progress": {"display": "1/1"}}


async def test_malformed_signature_headers_are_refused_not_crashed_on(
    api: Api, http: httpx.AsyncClient, session: AsyncSession, clock: FrozenClock
) -> None:
    _, _, reg = await launched(api, session)
    good = signed(clock, {"reg": reg, "status": "completed"})
    for header, value in (
        ("X-CourseGraph-Timestamp", "1" * 5000),  # digits past int()'s limit
        ("X-CourseGraph-Timestamp", "\u00b2"),  # a "digit" to str.isdigit()
        ("X-CourseGraph-Signature", "sha256=\u00e9"),  # not ASCII
    ):
        headers = {**good["headers"], header: value.encode("latin-1")}  # as raw header bytes
        refused = await http.post(COMPLETIONS, content=good["content"], headers=headers)
        assert (refused.status_code, refused.json()["status"]) == (401, "rejected"), header


async def test_a_launch_reads_its_module_once(api: Api, session: AsyncSession, count_sql: Any) -> None:
    """The module named is read whole once, for visibility, kind and course alike."""
    acme, course, module = await academy(session)
    ada, enrollment = await enrolled(session, acme, course)
    with count_sql() as sql:
        assert (await launch(api.signed_in(ada, "acme"), enrollment, module))["errors"] == []
    reads = [statement for statement in sql.statements if "module.details" in statement]
    assert len(reads) == 1, reads
