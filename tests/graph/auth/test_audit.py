"""The audit trail through HTTP: every applied mutation leaves one AuditEvent, readable by admins.

The tenants are `tests/graph/auth/tenants.py`'s.
"""

import json
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from models.portals import Portal
from models.users import Membership, Role, User
from tests.conftest import Api, FrozenClock
from tests.factories import gid, make_user, saved
from tests.graph.auth.tenants import PASSWORD, build_tenants
from tests.graph.auth.tenants import Tenants as Trail

NOW = "2026-01-05T09:00:00Z"  # the frozen clock
EVENT = "action targetType targetId at summary actor { id } apiKey { id } portal { slug } target { id }"
EVENTS = f"""query ($filter: AuditEventFilter, $order: AuditEventOrder) {{
  auditEvents(filter: $filter, orderBy: $order) {{ totalCount nodes {{ {EVENT} }} }}
}}"""
COURSE_CREATE = """mutation ($input: CourseCreateInput!) {
  courseCreate(input: $input) { course { id } errors { field code } }
}"""
COURSE_UPDATE = """mutation ($input: CourseUpdateInput!) {
  courseUpdate(input: $input) { course { id } errors { field code } }
}"""
USER_CREATE = """mutation ($input: UserCreateInput!) {
  userCreate(input: $input) { user { id } errors { field code } }
}"""
KEY_CREATE = """mutation ($input: ApiKeyCreateInput!) {
  apiKeyCreate(input: $input) { apiKey { id } secret errors { field code } }
}"""
KEY_REVOKE = """mutation ($input: ApiKeyRevokeInput!) {
  apiKeyRevoke(input: $input) { apiKey { id } errors { field code } }
}"""
SIGN_IN = """mutation ($input: TokenCreateInput!) {
  tokenCreate(input: $input) { accessToken refreshToken user { id } errors { code } }
}"""
REFRESH = """mutation ($input: RefreshTokenInput!) {
  tokenRefresh(input: $input) { accessToken refreshToken errors { code } }
}"""
REVOKE = "mutation ($input: RefreshTokenInput!) { tokenRevoke(input: $input) { user { id } errors { code } } }"


@pytest.fixture
async def trail(api: Api, session: AsyncSession, clock: FrozenClock) -> Trail:
    return await build_tenants(api, session, clock)


async def events(client: Api, **filter_: Any) -> list[dict[str, Any]]:
    """The trail the client may read, oldest first."""
    page = (await client.data(EVENTS, {"filter": filter_ or None}))["auditEvents"]
    assert page["totalCount"] == len(page["nodes"])
    return page["nodes"]


async def only_event(client: Api, **filter_: Any) -> dict[str, Any]:
    found = await events(client, **filter_)
    assert len(found) == 1, found
    return found[0]


async def mutate(client: Api, query: str, input_: dict[str, Any]) -> dict[str, Any]:
    """The payload of a mutation that must succeed."""
    (payload,) = (await client.data(query, {"input": input_})).values()
    assert payload["errors"] == [], payload["errors"]
    return payload


async def course(client: Api, title: str = "Intro") -> str:
    return (await mutate(client, COURSE_CREATE, {"title": title}))["course"]["id"]


async def make_membership(session: AsyncSession, portal: Portal, user: User) -> None:
    await saved(session, Membership(portal_id=portal.id, user_id=user.id, role=Role.LEARNER))


def values_at(summary: Any, key: str) -> list[Any]:
    """Every value the summary holds under `key`, however deep."""
    if isinstance(summary, dict):
        found = [summary[key]] if key in summary else []
        return found + [v for inner in summary.values() for v in values_at(inner, key)]
    if isinstance(summary, list):
        return [v for item in summary for v in values_at(item, key)]
    return []


def leaves(summary: Any) -> list[Any]:
    if isinstance(summary, dict):
        return [leaf for value in summary.values() for leaf in leaves(value)]
    if isinstance(summary, list):
        return [leaf for item in summary for leaf in leaves(item)]
    return [summary]


# what one event says


async def test_course_create_writes_one_event_by_the_signed_in_admin(trail: Trail) -> None:
    course_id = await course(trail.admin_api, "Intro to Python")
    event = await only_event(trail.admin_api)
    assert {k: v for k, v in event.items() if k != "summary"} == {
        "action": "courseCreate",
        "targetType": "Course",
        "targetId": course_id,
        "at": NOW,
        "actor": {"id": gid(trail.admin)},
        "apiKey": None,
        "portal": {"slug": "acme"},
        "target": {"id": course_id},
    }
    assert values_at(event["summary"], "title") == ["Intro to Python"]


async def test_the_event_is_stamped_with_the_clock(trail: Trail) -> None:
    trail.clock.advance(seconds=90)
    await course(trail.admin_api)
    assert (await only_event(trail.admin_api))["at"] == "2026-01-05T09:01:30Z"


async def test_user_create_redacts_the_password(trail: Trail) -> None:
    created = await mutate(
        trail.admin_api,
        USER_CREATE,
        {"email": "new@acme.test", "fullName": "New Person", "role": "LEARNER", "password": "s3cret-passw0rd"},
    )
    event = await only_event(trail.admin_api)
    assert (event["action"], event["targetType"], event["targetId"]) == ("userCreate", "User", created["user"]["id"])
    assert values_at(event["summary"], "password") == ["[redacted]"]
    assert values_at(event["summary"], "email") == ["new@acme.test"]
    assert "s3cret-passw0rd" not in json.dumps(event)


async def test_a_key_driven_call_names_the_key_as_actor_and_no_secret_is_kept(trail: Trail) -> None:
    first = await mutate(trail.admin_api, KEY_CREATE, {"name": "Partner", "role": "ADMIN"})
    by_key = trail.api.with_bearer(first["secret"])
    trail.clock.advance(seconds=1)
    second = await mutate(by_key, KEY_CREATE, {"name": "Minted by a key", "role": "LEARNER"})
    trail.clock.advance(seconds=1)
    course_id = await course(by_key)
    made_by_user, made_by_key, course_event = await events(trail.admin_api)
    assert (made_by_user["action"], made_by_user["targetType"]) == ("apiKeyCreate", "ApiKey")
    assert (made_by_user["targetId"], made_by_user["actor"], made_by_user["apiKey"]) == (
        first["apiKey"]["id"],
        {"id": gid(trail.admin)},
        None,
    )
    assert (made_by_key["targetId"], made_by_key["actor"]) == (second["apiKey"]["id"], None)
    assert made_by_key["apiKey"] == {"id": first["apiKey"]["id"]}
    assert values_at(made_by_key["summary"], "name") == ["Minted by a key"]
    assert (course_event["targetId"], course_event["apiKey"]) == (course_id, {"id": first["apiKey"]["id"]})
    trail_text = json.dumps(await events(trail.admin_api))
    assert first["secret"] not in trail_text
    assert second["secret"] not in trail_text


async def test_api_key_revoke_is_recorded(trail: Trail) -> None:
    key_id = (await mutate(trail.admin_api, KEY_CREATE, {"name": "Partner", "role": "ADMIN"}))["apiKey"]["id"]
    trail.clock.advance(seconds=60)
    await mutate(trail.admin_api, KEY_REVOKE, {"apiKeyId": key_id})
    event = await only_event(trail.admin_api, action="apiKeyRevoke")
    assert (event["targetType"], event["targetId"], event["at"]) == ("ApiKey", key_id, "2026-01-05T09:01:00Z")
    assert [e["action"] for e in await events(trail.admin_api, targetId=key_id)] == ["apiKeyCreate", "apiKeyRevoke"]


async def test_sign_in_is_recorded_for_the_admins_of_the_users_portal(trail: Trail) -> None:
    signed = await mutate(trail.api.anonymous(), SIGN_IN, {"email": "learner@acme.test", "password": PASSWORD})
    event = await only_event(trail.admin_api)
    assert {k: v for k, v in event.items() if k != "summary"} == {
        "action": "tokenCreate",
        "targetType": "User",
        "targetId": gid(trail.learner),
        "at": NOW,
        "actor": {"id": gid(trail.learner)},
        "apiKey": None,
        "portal": {"slug": "acme"},
        "target": {"id": gid(trail.learner)},
    }
    assert values_at(event["summary"], "password") == ["[redacted]"]
    assert sorted(leaves(event["summary"])) == ["[redacted]", "learner@acme.test"]  # the input, nothing else
    text = json.dumps(event)
    assert PASSWORD not in text
    assert signed["accessToken"] not in text
    assert signed["refreshToken"] not in text
    assert await events(trail.api.signed_in(trail.globex_admin)) == []


async def test_refresh_and_sign_out_are_recorded_without_the_tokens(trail: Trail) -> None:
    signed = await mutate(trail.api.anonymous(), SIGN_IN, {"email": "learner@acme.test", "password": PASSWORD})
    trail.clock.advance(seconds=60)
    refreshed = await mutate(trail.api.anonymous(), REFRESH, {"refreshToken": signed["refreshToken"]})
    trail.clock.advance(seconds=60)
    await mutate(trail.api.anonymous(), REVOKE, {"refreshToken": refreshed["refreshToken"]})
    recorded = await events(trail.admin_api, targetId=gid(trail.learner))
    assert [(e["action"], e["at"]) for e in recorded] == [
        ("tokenCreate", NOW),
        ("tokenRefresh", "2026-01-05T09:01:00Z"),
        ("tokenRevoke", "2026-01-05T09:02:00Z"),
    ]
    assert {e["actor"]["id"] for e in recorded} == {gid(trail.learner)}
    text = json.dumps(recorded)
    for secret in (signed["refreshToken"], refreshed["refreshToken"], refreshed["accessToken"]):
        assert secret not in text
    assert values_at(recorded[1]["summary"], "refreshToken") + values_at(recorded[1]["summary"], "refresh_token") == [
        "[redacted]"
    ]


async def test_a_sign_in_naming_another_portal_is_recorded_in_the_users_own(trail: Trail) -> None:
    await mutate(trail.api.anonymous("globex"), SIGN_IN, {"email": "learner@acme.test", "password": PASSWORD})
    assert await events(trail.api.signed_in(trail.globex_admin)) == []
    assert (await only_event(trail.admin_api))["actor"] == {"id": gid(trail.learner)}


async def test_a_sign_in_of_a_member_of_several_portals_goes_where_x_portal_says(trail: Trail) -> None:
    await make_membership(trail.session, trail.globex, trail.learner)
    await mutate(trail.api.anonymous(), SIGN_IN, {"email": "learner@acme.test", "password": PASSWORD})
    await mutate(trail.api.anonymous("globex"), SIGN_IN, {"email": "learner@acme.test", "password": PASSWORD})
    assert await events(trail.admin_api) == []  # the first named no portal, the second globex
    assert (await only_event(trail.api.signed_in(trail.globex_admin)))["targetId"] == gid(trail.learner)


# what writes nothing


async def test_refused_mutations_write_no_event(trail: Trail) -> None:
    blank = (await trail.admin_api.data(COURSE_CREATE, {"input": {"title": "  "}}))["courseCreate"]
    assert blank["errors"] == [{"field": ["title"], "code": "REQUIRED"}]
    forbidden = await trail.api.signed_in(trail.learner).post(COURSE_CREATE, {"input": {"title": "Mine"}})
    assert forbidden.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await trail.api.anonymous("acme").post(COURSE_CREATE, {"input": {"title": "Mine"}})
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    wrong = await trail.api.anonymous().data(SIGN_IN, {"input": {"email": "learner@acme.test", "password": "guess"}})
    assert wrong["tokenCreate"]["errors"] == [{"code": "INVALID_CREDENTIALS"}]
    bad_refresh = await trail.api.anonymous().data(REFRESH, {"input": {"refreshToken": "made-up"}})
    assert bad_refresh["tokenRefresh"]["errors"] == [{"code": "INVALID_TOKEN"}]
    duplicate = {"email": "learner@acme.test", "fullName": "Again", "role": "LEARNER"}
    assert (await trail.admin_api.data(USER_CREATE, {"input": duplicate}))["userCreate"]["errors"] == [
        {"field": ["email"], "code": "DUPLICATE"}
    ]
    for client in (trail.admin_api, trail.api.signed_in(trail.admin, "acme-branch")):
        assert await events(client) == []


async def test_a_refused_revoke_writes_no_second_event(trail: Trail) -> None:
    key_id = (await mutate(trail.admin_api, KEY_CREATE, {"name": "Partner", "role": "ADMIN"}))["apiKey"]["id"]
    trail.clock.advance(seconds=1)
    await mutate(trail.admin_api, KEY_REVOKE, {"apiKeyId": key_id})
    again = (await trail.admin_api.data(KEY_REVOKE, {"input": {"apiKeyId": key_id}}))["apiKeyRevoke"]
    assert again["errors"] == [{"field": ["apiKeyId"], "code": "NOT_ALLOWED_IN_STATE"}]
    assert [e["action"] for e in await events(trail.admin_api)] == ["apiKeyCreate", "apiKeyRevoke"]


# who reads the trail


async def test_learners_and_instructors_see_no_events(trail: Trail) -> None:
    await course(trail.admin_api)
    await course(trail.api.signed_in(trail.instructor), "Taught")
    assert len(await events(trail.admin_api)) == 2
    for client in (
        trail.api.signed_in(trail.learner),
        trail.api.signed_in(trail.instructor),
        trail.api.acting_in("acme", Role.INSTRUCTOR),
        trail.api.acting_in("acme", Role.LEARNER),
    ):
        assert await events(client) == []
    assert (await trail.api.anonymous("acme").data(EVENTS))["auditEvents"]["nodes"] == []


async def test_admins_of_another_portal_see_none_of_its_events(trail: Trail) -> None:
    acme_course = await course(trail.admin_api)
    globex_course = await course(trail.api.signed_in(trail.globex_admin), "Globex only")
    assert [e["targetId"] for e in await events(trail.admin_api)] == [acme_course]
    assert [e["targetId"] for e in await events(trail.api.signed_in(trail.globex_admin))] == [globex_course]
    assert [e["targetId"] for e in await events(trail.api.acting_in("globex"))] == [globex_course]
    assert await events(trail.api.signed_in(trail.globex_admin), targetId=acme_course) == []


async def test_a_parent_admin_reads_the_sub_portals_trail_but_not_the_reverse(trail: Trail) -> None:
    branch_admin = await make_user(trail.session, trail.branch, role=Role.ADMIN)
    parent_course = await course(trail.admin_api, "Parent")
    trail.clock.advance(seconds=1)
    branch_course = await course(trail.api.signed_in(branch_admin), "Branch")
    seen_by_parent = await events(trail.admin_api)
    assert [(e["targetId"], e["portal"]) for e in seen_by_parent] == [
        (parent_course, {"slug": "acme"}),
        (branch_course, {"slug": "acme-branch"}),
    ]
    assert [e["targetId"] for e in await events(trail.api.signed_in(branch_admin))] == [branch_course]


# filters


async def test_filters_by_action_target_and_actor(trail: Trail) -> None:
    instructor = trail.api.signed_in(trail.instructor)
    first = await course(trail.admin_api, "First")
    trail.clock.advance(seconds=1)
    second = await course(trail.admin_api, "Second")
    trail.clock.advance(seconds=1)
    taught = await course(instructor, "Taught")
    trail.clock.advance(seconds=1)
    await mutate(trail.admin_api, COURSE_UPDATE, {"courseId": first, "title": "First, renamed"})
    trail.clock.advance(seconds=1)
    await mutate(trail.admin_api, USER_CREATE, {"email": "new@acme.test", "fullName": "New", "role": "LEARNER"})

    def targets(found: list[dict[str, Any]]) -> list[str]:
        return [e["targetId"] for e in found]

    assert targets(await events(trail.admin_api, action="courseCreate")) == [first, second, taught]
    assert [e["action"] for e in await events(trail.admin_api, targetId=first)] == ["courseCreate", "courseUpdate"]
    assert targets(await events(trail.admin_api, actorId=gid(trail.instructor))) == [taught]
    assert len(await events(trail.admin_api, actorId=gid(trail.admin))) == 4
    assert targets(await events(trail.admin_api, action="courseUpdate", actorId=gid(trail.admin))) == [first]
    assert await events(trail.admin_api, action="courseUpdate", actorId=gid(trail.instructor)) == []
    assert await events(trail.admin_api, action="noSuchMutation") == []
    newest = await trail.admin_api.data(EVENTS, {"order": {"field": "AT", "direction": "DESC"}})
    assert [e["action"] for e in newest["auditEvents"]["nodes"]] == [
        "userCreate",
        "courseUpdate",
        "courseCreate",
        "courseCreate",
        "courseCreate",
    ]


@pytest.mark.parametrize(
    ("filter_", "code"),
    [({"targetId": "not-an-id"}, "BAD_USER_INPUT"), ({"actorId": "not-an-id"}, "BAD_USER_INPUT")],
)
async def test_undecodable_filter_ids_are_bad_user_input(trail: Trail, filter_: dict[str, Any], code: str) -> None:
    response = await trail.admin_api.post(EVENTS, {"filter": filter_})
    assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_an_actor_filter_naming_no_user_is_bad_user_input(trail: Trail) -> None:
    course_id = await course(trail.admin_api)
    response = await trail.admin_api.post(EVENTS, {"filter": {"actorId": course_id}})
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
