"""Sign-in through HTTP: tokenCreate, tokenRefresh, tokenRevoke, access tokens, the acting portal
and who may read an email (contract §5).

"acme" has an admin, an instructor and a learner who all sign in with PASSWORD; "globex" is a
portal none of them belongs to. The clock is frozen at NOW unless a test moves it.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
import jwt
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from graph.app import create_app
from graph.ids import global_id
from models.courses import CourseStatus
from models.portals import Portal
from models.settings import Settings
from models.users import Membership, Role, User
from resolvers.users import hash_password
from tests.conftest import Api, FrozenClock
from tests.factories import gid, make_course, make_portal, make_user, saved

PASSWORD = "correct horse battery staple"
PASSWORD_HASH = hash_password(PASSWORD)
NOW = "2026-01-05T09:00:00Z"  # the frozen clock
WINDOW = 900  # login_failure_window_seconds
TOKEN_FIELDS = "accessToken refreshToken expiresAt user { id fullName email } errors { field message code }"
SIGN_IN = f"mutation ($input: TokenCreateInput!) {{ tokenCreate(input: $input) {{ {TOKEN_FIELDS} }} }}"
REFRESH = f"mutation ($input: RefreshTokenInput!) {{ tokenRefresh(input: $input) {{ {TOKEN_FIELDS} }} }}"
REVOKE = """mutation ($input: RefreshTokenInput!) {
  tokenRevoke(input: $input) { user { id email } errors { field message code } }
}"""
VIEWER = "{ viewer { id fullName email } }"


@dataclass
class Academy:
    api: Api  # no credentials, no X-Portal
    session: AsyncSession
    clock: FrozenClock
    acme: Portal
    globex: Portal
    admin: User
    instructor: User
    learner: User


@pytest.fixture
async def academy(api: Api, session: AsyncSession, clock: FrozenClock) -> Academy:
    acme = await make_portal(session, slug="acme")
    globex = await make_portal(session, slug="globex")
    people = {
        role: await make_user(
            session, acme, role=role, email=f"{role.value.lower()}@acme.test", password_hash=PASSWORD_HASH
        )
        for role in Role
    }
    return Academy(
        api.anonymous(), session, clock, acme, globex, people[Role.ADMIN], people[Role.INSTRUCTOR], people[Role.LEARNER]
    )


async def sign_in_response(api: Api, email: str, password: str) -> httpx.Response:
    return await api.post(SIGN_IN, {"input": {"email": email, "password": password}})


async def sign_in(api: Api, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await sign_in_response(api, email, password)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]["tokenCreate"]


async def signed_in(api: Api, email: str) -> dict[str, Any]:
    payload = await sign_in(api, email)
    assert payload["errors"] == [], payload["errors"]
    return payload


async def refresh(api: Api, refresh_token: str) -> dict[str, Any]:
    return (await api.data(REFRESH, {"input": {"refreshToken": refresh_token}}))["tokenRefresh"]


def refused_sign_in(payload: dict[str, Any], code: str, field: list[str] | None = None) -> str:
    """No tokens, no user, exactly one error with this code; returns its message."""
    assert (payload["accessToken"], payload["refreshToken"], payload["user"]) == (None, None, None), payload
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)], payload["errors"]
    return payload["errors"][0]["message"]


def error_code(body: dict[str, Any]) -> str:
    assert body.get("errors"), body
    return body["errors"][0]["extensions"]["code"]


async def viewer_code(api: Api, **headers: str) -> str:
    """The code with which `viewer` is refused; the refusal is a GraphQL error, HTTP 200."""
    response = await api.post(VIEWER, **headers)
    assert response.status_code == 200, response.text
    return error_code(response.json())


async def deactivate(academy: Academy, user: User) -> None:
    admin = academy.api.signed_in(academy.admin)
    query = """mutation ($input: UserDeactivateInput!) {
      userDeactivate(input: $input) { user { isActive } errors { code } }
    }"""
    payload = (await admin.data(query, {"input": {"userId": gid(user)}}))["userDeactivate"]
    assert payload == {"user": {"isActive": False}, "errors": []}


# tokenCreate


async def test_token_create_with_the_right_password_signs_in(academy: Academy) -> None:
    payload = await signed_in(academy.api, "learner@acme.test")
    assert payload["accessToken"] and payload["refreshToken"]
    assert payload["accessToken"] != payload["refreshToken"]
    assert payload["expiresAt"] == "2026-01-05T09:15:00Z"  # access_token_ttl_seconds after NOW
    learner = {"id": gid(academy.learner), "fullName": academy.learner.full_name, "email": "learner@acme.test"}
    assert payload["user"] == learner
    viewer = await academy.api.with_bearer(payload["accessToken"]).data(VIEWER)
    assert viewer == {"viewer": learner}


async def test_token_create_ignores_case_and_spaces_around_the_email(academy: Academy) -> None:
    payload = await signed_in(academy.api, "  Admin@ACME.test ")
    assert payload["user"]["id"] == gid(academy.admin)


async def test_each_sign_in_is_its_own_session(academy: Academy) -> None:
    first = await signed_in(academy.api, "learner@acme.test")
    second = await signed_in(academy.api, "learner@acme.test")
    assert first["refreshToken"] != second["refreshToken"]
    assert (await refresh(academy.api, first["refreshToken"]))["errors"] == []
    assert (await refresh(academy.api, second["refreshToken"]))["errors"] == []


async def test_wrong_password_and_unknown_email_give_the_same_error(academy: Academy) -> None:
    wrong_password = await sign_in(academy.api, "learner@acme.test", "not the password")
    unknown_email = await sign_in(academy.api, "nobody@acme.test", PASSWORD)
    assert wrong_password == unknown_email
    assert refused_sign_in(wrong_password, "INVALID_CREDENTIALS") == "The email or password is wrong."


async def test_an_account_without_a_password_cannot_sign_in(academy: Academy) -> None:
    await make_user(academy.session, academy.acme, email="invited@acme.test")
    payload = await sign_in(academy.api, "invited@acme.test", "")
    assert payload == await sign_in(academy.api, "nobody@acme.test", "")
    refused_sign_in(payload, "INVALID_CREDENTIALS")


async def test_a_deactivated_user_cannot_sign_in_and_learns_nothing_more(academy: Academy) -> None:
    await deactivate(academy, academy.learner)
    payload = await sign_in(academy.api, "learner@acme.test")
    assert payload == await sign_in(academy.api, "nobody@acme.test")
    refused_sign_in(payload, "INVALID_CREDENTIALS")


async def test_the_sixth_attempt_after_five_failures_is_rate_limited_even_with_the_right_password(
    academy: Academy,
) -> None:
    for _ in range(5):
        refused_sign_in(await sign_in(academy.api, "learner@acme.test", "guess"), "INVALID_CREDENTIALS")
    response = await sign_in_response(academy.api, "learner@acme.test", PASSWORD)
    assert response.status_code == 429
    body = response.json()
    assert body["data"] is None
    assert error_code(body) == "RATE_LIMITED"
    wait = int(response.headers["retry-after"])
    assert 0 < wait <= WINDOW + 1
    assert body["errors"][0]["extensions"]["retryAfter"] == wait
    assert body["errors"][0]["message"] == "Too many failed sign-ins for this account; try again later."


async def test_failures_are_counted_per_email_whatever_its_case(academy: Academy) -> None:
    for email in (
        "Learner@acme.test",
        "LEARNER@ACME.TEST",
        "learner@acme.test",
        " learner@Acme.test",
        "learner@acme.TEST",
    ):
        refused_sign_in(await sign_in(academy.api, email, "guess"), "INVALID_CREDENTIALS")
    assert (await sign_in_response(academy.api, "learner@acme.test", PASSWORD)).status_code == 429
    assert (await signed_in(academy.api, "admin@acme.test"))["user"]["id"] == gid(academy.admin)


async def test_unknown_emails_are_rate_limited_like_known_ones(academy: Academy) -> None:
    for _ in range(5):
        refused_sign_in(await sign_in(academy.api, "nobody@acme.test", "guess"), "INVALID_CREDENTIALS")
    response = await sign_in_response(academy.api, "nobody@acme.test", "guess")
    assert (response.status_code, error_code(response.json())) == (429, "RATE_LIMITED")


async def test_sign_in_works_again_once_retry_after_has_passed(academy: Academy) -> None:
    for _ in range(5):
        await sign_in(academy.api, "learner@acme.test", "guess")
    first = await sign_in_response(academy.api, "learner@acme.test", PASSWORD)
    wait = int(first.headers["retry-after"])
    academy.clock.advance(seconds=wait - 60)
    later = await sign_in_response(academy.api, "learner@acme.test", PASSWORD)
    assert later.status_code == 429
    assert int(later.headers["retry-after"]) == 60
    academy.clock.advance(seconds=60)
    assert (await signed_in(academy.api, "learner@acme.test"))["user"]["id"] == gid(academy.learner)


async def test_the_wait_ends_when_the_oldest_failure_leaves_the_window(academy: Academy) -> None:
    for _ in range(5):
        await sign_in(academy.api, "learner@acme.test", "guess")
        academy.clock.advance(seconds=100)  # failures at 09:00, 09:01:40, … 09:06:40
    response = await sign_in_response(academy.api, "learner@acme.test", PASSWORD)  # at 09:08:20
    wait = int(response.headers["retry-after"])
    assert WINDOW - 500 < wait <= WINDOW - 500 + 1  # the 09:00 failure leaves the window at 09:15
    academy.clock.advance(seconds=wait)
    await signed_in(academy.api, "learner@acme.test")


async def test_rate_limited_sign_in_is_429_whatever_the_client_accepts(academy: Academy) -> None:
    for _ in range(5):
        await sign_in(academy.api, "learner@acme.test", "guess")
    response = await academy.api.post(
        SIGN_IN,
        {"input": {"email": "learner@acme.test", "password": PASSWORD}},
        Accept="application/graphql-response+json",
    )
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert int(response.headers["retry-after"]) > 0
    assert error_code(response.json()) == "RATE_LIMITED"


async def test_failures_older_than_the_window_do_not_count(academy: Academy) -> None:
    for _ in range(4):
        await sign_in(academy.api, "learner@acme.test", "guess")
    academy.clock.advance(seconds=WINDOW + 1)
    for _ in range(4):
        refused_sign_in(await sign_in(academy.api, "learner@acme.test", "guess"), "INVALID_CREDENTIALS")
    assert (await signed_in(academy.api, "learner@acme.test"))["user"]["id"] == gid(academy.learner)


async def test_a_successful_sign_in_clears_the_failures(academy: Academy) -> None:
    for _ in range(4):
        await sign_in(academy.api, "learner@acme.test", "guess")
    await signed_in(academy.api, "learner@acme.test")
    for _ in range(4):
        refused_sign_in(await sign_in(academy.api, "learner@acme.test", "guess"), "INVALID_CREDENTIALS")
    await signed_in(academy.api, "learner@acme.test")  # 8 failures in the window, had they been kept


# access tokens


async def test_an_access_token_expires_after_its_time_to_live(academy: Academy) -> None:
    client = academy.api.with_bearer((await signed_in(academy.api, "learner@acme.test"))["accessToken"])
    academy.clock.advance(seconds=899)
    assert (await client.data(VIEWER))["viewer"]["id"] == gid(academy.learner)
    academy.clock.advance(seconds=2)
    assert await viewer_code(client) == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-a-token",
        "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl",
        "Bearer cgk_unknown-api-key",
        "Basic bGVhcm5lckBhY21lLnRlc3Q6Y29ycmVjdA==",
        "Token abc",
    ],
)
async def test_bad_credentials_are_unauthenticated(academy: Academy, authorization: str) -> None:
    assert await viewer_code(academy.api, Authorization=authorization) == "UNAUTHENTICATED"


async def test_a_token_signed_with_another_key_is_unauthenticated(academy: Academy) -> None:
    claims = {"sub": academy.admin.id.hex, "iat": 1767603600, "exp": 1767603600 + 900, "typ": "access"}
    forged = jwt.encode(claims, "another key entirely, 32+ bytes long", algorithm="HS256")
    assert await viewer_code(academy.api.with_bearer(forged)) == "UNAUTHENTICATED"
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert await viewer_code(academy.api.with_bearer(unsigned)) == "UNAUTHENTICATED"


async def test_a_refresh_token_is_no_access_token(academy: Academy) -> None:
    payload = await signed_in(academy.api, "learner@acme.test")
    assert await viewer_code(academy.api.with_bearer(payload["refreshToken"])) == "UNAUTHENTICATED"


async def test_bad_credentials_are_refused_even_where_anonymous_reads_are_allowed(academy: Academy) -> None:
    await make_course(academy.session, academy.acme, title="Open", status=CourseStatus.PUBLISHED)
    query = "{ courses { nodes { title } } }"
    assert (await academy.api.anonymous("acme").data(query))["courses"]["nodes"] == [{"title": "Open"}]
    refused = await academy.api.with_bearer("not-a-token", "acme").post(query)
    assert error_code(refused.json()) == "UNAUTHENTICATED"


@asynccontextmanager
async def worker(settings: Settings, engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[httpx.AsyncClient]:
    """A separate worker process: the same database, nothing in memory. (The engine is shared; the
    URL gets a unique suffix only so that nothing this process cached under it is reused.)"""
    alone = settings.model_copy(update={"database_url": f"{settings.database_url}?worker={uuid4().hex}"})
    app = create_app(alone, engine=engine, clock=clock)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http,
    ):
        yield http


async def test_workers_share_the_signing_key_even_when_a_bad_token_came_first(
    academy: Academy, settings: Settings, engine: AsyncEngine
) -> None:
    """Before any sign-in there is no key: a bad token must not make a worker invent one (in a
    read-only request, so never saved) and then sign with a key the other workers do not know."""
    learner = {"input": {"email": "learner@acme.test", "password": PASSWORD}}
    async with worker(settings, engine, academy.clock) as first, worker(settings, engine, academy.clock) as second:
        bad = await first.post("/graphql", json={"query": VIEWER}, headers={"Authorization": "Bearer not-a-token"})
        assert error_code(bad.json()) == "UNAUTHENTICATED"
        signed = (await first.post("/graphql", json={"query": SIGN_IN, "variables": learner})).json()
        bearer = {"Authorization": f"Bearer {signed['data']['tokenCreate']['accessToken']}"}
        for http in (second, first):
            seen = (await http.post("/graphql", json={"query": VIEWER}, headers=bearer)).json()
            assert "errors" not in seen, seen
            assert seen["data"]["viewer"]["id"] == gid(academy.learner)


async def test_a_deactivated_users_access_token_stops_working_at_once(academy: Academy) -> None:
    client = academy.api.with_bearer((await signed_in(academy.api, "learner@acme.test"))["accessToken"])
    assert (await client.data(VIEWER))["viewer"]["id"] == gid(academy.learner)
    await deactivate(academy, academy.learner)
    assert await viewer_code(client) == "UNAUTHENTICATED"


# tokenRefresh and tokenRevoke


async def test_token_refresh_rotates_the_pair(academy: Academy) -> None:
    old = await signed_in(academy.api, "learner@acme.test")
    academy.clock.advance(seconds=600)
    new = await refresh(academy.api, old["refreshToken"])
    assert new["errors"] == []
    assert new["user"]["id"] == gid(academy.learner)
    assert new["refreshToken"] != old["refreshToken"]
    assert new["accessToken"] != old["accessToken"]
    assert new["expiresAt"] == "2026-01-05T09:25:00Z"
    academy.clock.advance(seconds=600)  # the first access token has expired, the new one has not
    assert await viewer_code(academy.api.with_bearer(old["accessToken"])) == "UNAUTHENTICATED"
    assert (await academy.api.with_bearer(new["accessToken"]).data(VIEWER))["viewer"]["id"] == gid(academy.learner)
    again = await refresh(academy.api, old["refreshToken"])
    message = refused_sign_in(again, "INVALID_TOKEN", ["refreshToken"])
    assert "refresh token" in message
    assert (await refresh(academy.api, new["refreshToken"]))["errors"] == []


async def test_an_unknown_refresh_token_is_invalid(academy: Academy) -> None:
    refused_sign_in(await refresh(academy.api, "made-up"), "INVALID_TOKEN", ["refreshToken"])


async def test_a_refresh_token_expires(academy: Academy) -> None:
    old = await signed_in(academy.api, "learner@acme.test")
    academy.clock.advance(days=30)
    refused_sign_in(await refresh(academy.api, old["refreshToken"]), "INVALID_TOKEN", ["refreshToken"])


async def test_token_revoke_ends_the_session(academy: Academy) -> None:
    session = await signed_in(academy.api, "learner@acme.test")
    other = await signed_in(academy.api, "learner@acme.test")
    revoked = (await academy.api.data(REVOKE, {"input": {"refreshToken": session["refreshToken"]}}))["tokenRevoke"]
    assert revoked == {"user": {"id": gid(academy.learner), "email": "learner@acme.test"}, "errors": []}
    refused_sign_in(await refresh(academy.api, session["refreshToken"]), "INVALID_TOKEN", ["refreshToken"])
    twice = (await academy.api.data(REVOKE, {"input": {"refreshToken": session["refreshToken"]}}))["tokenRevoke"]
    assert twice["user"] is None
    assert [(e["field"], e["code"]) for e in twice["errors"]] == [(["refreshToken"], "INVALID_TOKEN")]
    assert (await refresh(academy.api, other["refreshToken"]))["errors"] == []  # other sessions live on


async def test_a_deactivated_user_cannot_refresh(academy: Academy) -> None:
    session = await signed_in(academy.api, "learner@acme.test")
    await deactivate(academy, academy.learner)
    refused_sign_in(await refresh(academy.api, session["refreshToken"]), "INVALID_TOKEN", ["refreshToken"])


# the acting portal


async def acting_portal_of(api: Api) -> str:
    """Which portal's catalog a client sees: each portal has one published course named after it."""
    nodes = (await api.data("{ courses { nodes { title } } }"))["courses"]["nodes"]
    assert len(nodes) == 1, nodes
    return nodes[0]["title"]


async def catalog_per_portal(session: AsyncSession, *portals: Portal) -> None:
    for portal in portals:
        await make_course(session, portal, title=portal.slug, status=CourseStatus.PUBLISHED)


async def member_emails(api: Api) -> list[str]:
    nodes = (await api.data("{ users { nodes { email } } }"))["users"]["nodes"]
    return [node["email"] for node in nodes]


async def saved_membership(session: AsyncSession, portal: Portal, user: User, role: Role) -> None:
    await saved(session, Membership(portal_id=portal.id, user_id=user.id, role=role))


async def test_a_user_with_one_membership_acts_there_without_x_portal(academy: Academy) -> None:
    await catalog_per_portal(academy.session, academy.acme, academy.globex)
    token = (await signed_in(academy.api, "learner@acme.test"))["accessToken"]
    assert await acting_portal_of(academy.api.with_bearer(token)) == "acme"
    assert await acting_portal_of(academy.api.with_bearer(token, "acme")) == "acme"


async def test_x_portal_picks_one_of_several_memberships_by_slug_or_id(academy: Academy) -> None:
    await catalog_per_portal(academy.session, academy.acme, academy.globex)
    await saved_membership(academy.session, academy.globex, academy.learner, Role.LEARNER)
    client = academy.api.signed_in(academy.learner)
    assert await acting_portal_of(academy.api.signed_in(academy.learner, "globex")) == "globex"
    assert await acting_portal_of(academy.api.signed_in(academy.learner, "ACME")) == "acme"
    assert await acting_portal_of(academy.api.signed_in(academy.learner, gid(academy.globex))) == "globex"
    # without X-Portal they are signed in, acting nowhere: no portal's catalog
    assert (await client.data(VIEWER))["viewer"]["id"] == gid(academy.learner)
    assert (await client.data("{ courses { nodes { title } } }"))["courses"]["nodes"] == []


async def test_a_role_is_per_portal(academy: Academy) -> None:
    await saved_membership(academy.session, academy.globex, academy.learner, Role.ADMIN)
    create = 'mutation { courseCreate(input: {title: "Mine"}) { course { portal { slug } } errors { code } } }'
    as_admin = await academy.api.signed_in(academy.learner, "globex").data(create)
    assert as_admin["courseCreate"] == {"course": {"portal": {"slug": "globex"}}, "errors": []}
    as_learner = await academy.api.signed_in(academy.learner, "acme").post(create)
    assert error_code(as_learner.json()) == "FORBIDDEN"


async def test_x_portal_naming_a_portal_without_membership_is_forbidden(academy: Academy) -> None:
    token = (await signed_in(academy.api, "admin@acme.test"))["accessToken"]
    for header in ("globex", gid(academy.globex)):
        assert await viewer_code(academy.api.with_bearer(token, header)) == "FORBIDDEN"


async def test_unknown_x_portal_is_bad_user_input(academy: Academy) -> None:
    token = (await signed_in(academy.api, "admin@acme.test"))["accessToken"]
    for header in ("no-such-portal", global_id("Portal", uuid4())):
        assert await viewer_code(academy.api.with_bearer(token, header)) == "BAD_USER_INPUT", header
    assert error_code((await academy.api.anonymous("no-such-portal").post(VIEWER)).json()) == "BAD_USER_INPUT"


async def test_an_admin_of_a_parent_portal_acts_in_its_sub_portal_as_admin(academy: Academy) -> None:
    branch = await make_portal(academy.session, slug="acme-branch", parent=academy.acme)
    query = """mutation { userCreate(input: {email: "new@acme.test", fullName: "New", role: LEARNER}) {
      user { memberships { role portal { slug } } } errors { code } } }"""
    payload = (await academy.api.signed_in(academy.admin, "acme-branch").data(query))["userCreate"]
    assert payload == {"user": {"memberships": [{"role": "LEARNER", "portal": {"slug": "acme-branch"}}]}, "errors": []}
    assert await member_emails(academy.api.signed_in(academy.admin, gid(branch))) == ["new@acme.test"]


async def test_nobody_acts_upwards_or_sideways(academy: Academy) -> None:
    branch = await make_portal(academy.session, slug="acme-branch", parent=academy.acme)
    branch_admin = await make_user(academy.session, branch, role=Role.ADMIN)
    assert await viewer_code(academy.api.signed_in(branch_admin, "acme")) == "FORBIDDEN"
    assert await viewer_code(academy.api.signed_in(academy.learner, "acme-branch")) == "FORBIDDEN"
    assert await viewer_code(academy.api.signed_in(academy.instructor, "acme-branch")) == "FORBIDDEN"


# who reads an email


USERS = "query ($search: String) { users(search: $search) { nodes { id email } } }"


async def emails_seen(api: Api, search: str | None = None) -> dict[str, str | None]:
    nodes = (await api.data(USERS, {"search": search}))["users"]["nodes"]
    return {node["id"]: node["email"] for node in nodes}


async def test_a_learner_sees_their_own_email_but_not_the_staffs(academy: Academy) -> None:
    learner = academy.api.signed_in(academy.learner)
    assert (await learner.data(VIEWER))["viewer"]["email"] == "learner@acme.test"
    assert await emails_seen(learner) == {
        gid(academy.admin): None,
        gid(academy.instructor): None,
        gid(academy.learner): "learner@acme.test",
    }
    query = "query ($id: ID!) { user(id: $id) { fullName email } }"
    found = (await learner.data(query, {"id": gid(academy.instructor)}))["user"]
    assert found == {"fullName": academy.instructor.full_name, "email": None}


async def test_an_instructor_sees_staff_but_not_their_emails(academy: Academy) -> None:
    seen = await emails_seen(academy.api.signed_in(academy.instructor))
    assert seen == {gid(academy.admin): None, gid(academy.instructor): "instructor@acme.test"}


async def test_an_admin_sees_the_members_emails(academy: Academy) -> None:
    for admin in (academy.api.signed_in(academy.admin), academy.api.acting_in("acme")):
        assert await emails_seen(admin) == {
            gid(academy.admin): "admin@acme.test",
            gid(academy.instructor): "instructor@acme.test",
            gid(academy.learner): "learner@acme.test",
        }


async def test_searching_by_email_finds_nobody_for_those_who_may_not_read_it(academy: Academy) -> None:
    learner = academy.api.signed_in(academy.learner)
    instructor = academy.api.signed_in(academy.instructor)
    assert await emails_seen(learner, "instructor@") == {}
    assert await emails_seen(instructor, "admin@acme") == {}
    assert list(await emails_seen(learner, academy.instructor.full_name)) == [gid(academy.instructor)]
    assert await emails_seen(academy.api.signed_in(academy.admin), "instructor@") == {
        gid(academy.instructor): "instructor@acme.test"
    }


async def test_other_portals_members_stay_out_of_sight(academy: Academy) -> None:
    outsider = await make_user(academy.session, academy.globex, email="outsider@globex.test")
    admin = academy.api.signed_in(academy.admin)
    assert gid(outsider) not in await emails_seen(admin)
    assert await emails_seen(admin, "outsider") == {}
    query = "query ($id: ID!) { user(id: $id) { email } }"
    assert (await admin.data(query, {"id": gid(outsider)}))["user"] is None
