"""Portal API keys through HTTP: apiKeyCreate, apiKeyRevoke, apiKeys, and a key as a credential.

The tenants are `tests/graph/auth/tenants.py`'s; users sign in with real access tokens.
"""

from typing import Any
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from graph.ids import global_id
from models.courses import CourseStatus
from models.users import Role
from tests.conftest import Api, FrozenClock
from tests.factories import gid, make_course, make_user
from tests.graph.auth.tenants import Tenants as Portals
from tests.graph.auth.tenants import build_tenants

NOW = "2026-01-05T09:00:00Z"  # the frozen clock
KEY = "id name role prefix createdAt revokedAt"
CREATE = f"""mutation ($input: ApiKeyCreateInput!) {{
  apiKeyCreate(input: $input) {{ apiKey {{ {KEY} }} secret errors {{ field message code }} }}
}}"""
REVOKE = f"""mutation ($input: ApiKeyRevokeInput!) {{
  apiKeyRevoke(input: $input) {{ apiKey {{ {KEY} }} errors {{ field message code }} }}
}}"""
KEYS = f"query ($revoked: Boolean!) {{ apiKeys(includeRevoked: $revoked) {{ totalCount nodes {{ {KEY} }} }} }}"
COURSE_CREATE = """mutation ($title: String!) {
  courseCreate(input: {title: $title}) { course { title portal { slug } } errors { code } }
}"""
USER_CREATE = """mutation ($email: String!) {
  userCreate(input: {email: $email, fullName: "Someone", role: LEARNER}) {
    user { email memberships { portal { slug } } } errors { code }
  }
}"""


@pytest.fixture
async def portals(api: Api, session: AsyncSession, clock: FrozenClock) -> Portals:
    return await build_tenants(api, session, clock)


async def create_payload(client: Api, name: str = "Partner", role: str = "ADMIN") -> dict[str, Any]:
    return (await client.data(CREATE, {"input": {"name": name, "role": role}}))["apiKeyCreate"]


async def created_key(client: Api, name: str = "Partner", role: str = "ADMIN") -> tuple[dict[str, Any], str]:
    """The new key as the API shows it, and its secret."""
    payload = await create_payload(client, name, role)
    assert payload["errors"] == [], payload["errors"]
    return payload["apiKey"], payload["secret"]


async def revoke(client: Api, key_id: str) -> dict[str, Any]:
    return (await client.data(REVOKE, {"input": {"apiKeyId": key_id}}))["apiKeyRevoke"]


async def listed(client: Api, *, revoked: bool = False) -> list[dict[str, Any]]:
    page = (await client.data(KEYS, {"revoked": revoked}))["apiKeys"]
    assert page["totalCount"] == len(page["nodes"])
    return page["nodes"]


async def refusal(client: Api, query: str, variables: dict[str, Any] | None = None) -> str:
    """The code of a request refused as a whole (HTTP 200, a GraphQL error)."""
    response = await client.post(query, variables)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("errors"), body
    return body["errors"][0]["extensions"]["code"]


def partner_key(key_id: str, *, role: str = "ADMIN", secret: str, revoked_at: str | None = None) -> dict[str, Any]:
    return {
        "id": key_id,
        "name": "Partner",
        "role": role,
        "prefix": secret[:10],
        "createdAt": NOW,
        "revokedAt": revoked_at,
    }


# apiKeyCreate


async def test_an_admin_creates_a_key_and_sees_its_secret_once(portals: Portals) -> None:
    key, secret = await created_key(portals.admin_api, role="INSTRUCTOR")
    assert secret.startswith("cgk_")
    assert len(secret) >= 40  # 32 random bytes, url-safe
    assert key == partner_key(key["id"], role="INSTRUCTOR", secret=secret)
    assert await listed(portals.admin_api) == [key]
    other, other_secret = await created_key(portals.admin_api)
    assert other_secret != secret
    assert other["id"] != key["id"]


async def test_the_secret_is_never_shown_again(portals: Portals) -> None:
    key, secret = await created_key(portals.admin_api)
    for query, variables in (
        (KEYS, {"revoked": True}),
        ("query ($id: ID!) { node(id: $id) { id ... on ApiKey { name prefix } } }", {"id": key["id"]}),
    ):
        for client in (portals.admin_api, portals.api.with_bearer(secret)):
            response = await client.post(query, variables)
            assert "errors" not in response.json()
            assert secret not in response.text
            assert secret[10:20] not in response.text
    assert await refusal(portals.admin_api, "{ apiKeys { nodes { secret } } }") == "GRAPHQL_VALIDATION_FAILED"


@pytest.mark.parametrize("role", [Role.LEARNER, Role.INSTRUCTOR])
async def test_only_admins_create_keys(portals: Portals, role: Role) -> None:
    user = portals.learner if role is Role.LEARNER else portals.instructor
    variables = {"input": {"name": "Mine", "role": "ADMIN"}}
    assert await refusal(portals.api.signed_in(user), CREATE, variables) == "FORBIDDEN"
    assert await refusal(portals.api.acting_in("acme", role), CREATE, variables) == "FORBIDDEN"
    assert [key["name"] for key in await listed(portals.admin_api)] == ["tests"]  # acting_in's own key


async def test_anonymous_visitors_may_not_create_keys(portals: Portals) -> None:
    variables = {"input": {"name": "Mine", "role": "ADMIN"}}
    assert await refusal(portals.api.anonymous("acme"), CREATE, variables) == "UNAUTHENTICATED"
    assert await refusal(portals.api.anonymous(), CREATE, variables) == "UNAUTHENTICATED"
    assert await listed(portals.admin_api) == []


async def test_a_key_needs_a_name(portals: Portals) -> None:
    payload = await create_payload(portals.admin_api, name="   ")
    assert (payload["apiKey"], payload["secret"]) == (None, None)
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(["name"], "REQUIRED")]
    assert await listed(portals.admin_api) == []


async def test_a_parent_admin_acting_in_a_sub_portal_creates_keys_bound_there(portals: Portals) -> None:
    key, secret = await created_key(portals.api.signed_in(portals.admin, "acme-branch"))
    branch_admin = await make_user(portals.session, portals.branch, role=Role.ADMIN)
    assert await listed(portals.api.signed_in(branch_admin)) == [key]
    assert await listed(portals.admin_api) == [key]  # an admin sees the keys of the sub-portals too
    made = await portals.api.with_bearer(secret).data(USER_CREATE, {"email": "new@acme.test"})
    assert made["userCreate"]["user"]["memberships"] == [{"portal": {"slug": "acme-branch"}}]


# a key as a credential


async def test_an_admin_key_acts_as_an_admin_of_its_portal_and_is_nobody(portals: Portals) -> None:
    _, secret = await created_key(portals.admin_api)
    client = portals.api.with_bearer(secret)
    assert (await client.data("{ viewer { id } }"))["viewer"] is None
    made = (await client.data(USER_CREATE, {"email": "new@acme.test"}))["userCreate"]
    assert made == {"user": {"email": "new@acme.test", "memberships": [{"portal": {"slug": "acme"}}]}, "errors": []}
    assert len(await listed(client)) == 1


async def test_an_instructor_key_authors_courses_but_does_not_manage_people(portals: Portals) -> None:
    _, secret = await created_key(portals.admin_api, role="INSTRUCTOR")
    client = portals.api.with_bearer(secret)
    course = (await client.data(COURSE_CREATE, {"title": "By key"}))["courseCreate"]
    assert course == {"course": {"title": "By key", "portal": {"slug": "acme"}}, "errors": []}
    assert await refusal(client, USER_CREATE, {"email": "new@acme.test"}) == "FORBIDDEN"
    emails = (await client.data("{ users { nodes { email } } }"))["users"]["nodes"]
    assert emails and all(user["email"] is None for user in emails)


async def test_a_learner_key_reads_the_catalog_and_changes_nothing(portals: Portals) -> None:
    await make_course(portals.session, portals.acme, title="Open", status=CourseStatus.PUBLISHED)
    await make_course(portals.session, portals.acme, title="Draft")
    _, secret = await created_key(portals.admin_api, role="LEARNER")
    client = portals.api.with_bearer(secret)
    assert (await client.data("{ courses { nodes { title } } }"))["courses"]["nodes"] == [{"title": "Open"}]
    assert await refusal(client, COURSE_CREATE, {"title": "By key"}) == "FORBIDDEN"
    assert await refusal(client, CREATE, {"input": {"name": "Escalate", "role": "ADMIN"}}) == "FORBIDDEN"


async def test_a_key_names_its_own_portal_by_slug_or_id(portals: Portals) -> None:
    _, secret = await created_key(portals.admin_api)
    for header in ("acme", "ACME", gid(portals.acme)):
        assert len(await listed(portals.api.with_bearer(secret, header))) == 1, header


async def test_a_key_with_x_portal_of_an_unrelated_portal_is_forbidden(portals: Portals) -> None:
    _, secret = await created_key(portals.admin_api)
    for header in ("globex", gid(portals.globex)):
        assert await refusal(portals.api.with_bearer(secret, header), "{ viewer { id } }") == "FORBIDDEN"
    assert await refusal(portals.api.with_bearer(secret, "no-such-portal"), "{ viewer { id } }") == "BAD_USER_INPUT"


async def test_a_sub_portal_key_may_not_act_in_its_parent(portals: Portals) -> None:
    _, secret = await created_key(portals.api.signed_in(portals.admin, "acme-branch"))
    assert await refusal(portals.api.with_bearer(secret, "acme"), "{ viewer { id } }") == "FORBIDDEN"


async def test_only_an_admin_key_may_act_in_its_sub_portals(portals: Portals) -> None:
    _, admin_secret = await created_key(portals.admin_api)
    _, instructor_secret = await created_key(portals.admin_api, role="INSTRUCTOR")
    made = await portals.api.with_bearer(admin_secret, "acme-branch").data(USER_CREATE, {"email": "b@acme.test"})
    assert made["userCreate"]["user"]["memberships"] == [{"portal": {"slug": "acme-branch"}}]
    refused = await refusal(portals.api.with_bearer(instructor_secret, "acme-branch"), "{ viewer { id } }")
    assert refused == "FORBIDDEN"


# apiKeyRevoke


async def test_a_revoked_key_is_refused_from_the_very_next_request(portals: Portals) -> None:
    key, secret = await created_key(portals.admin_api)
    client = portals.api.with_bearer(secret)
    assert len(await listed(client)) == 1
    portals.clock.advance(seconds=30)
    revoked = await revoke(portals.admin_api, key["id"])
    later = "2026-01-05T09:00:30Z"
    assert revoked == {"apiKey": partner_key(key["id"], secret=secret, revoked_at=later), "errors": []}
    assert await refusal(client, "{ viewer { id } }") == "UNAUTHENTICATED"
    assert await refusal(client, KEYS, {"revoked": True}) == "UNAUTHENTICATED"
    assert await listed(portals.admin_api) == []
    assert await listed(portals.admin_api, revoked=True) == [revoked["apiKey"]]


async def test_revoking_twice_is_not_allowed_in_that_state(portals: Portals) -> None:
    key, _ = await created_key(portals.admin_api)
    assert (await revoke(portals.admin_api, key["id"]))["errors"] == []
    portals.clock.advance(seconds=30)
    twice = await revoke(portals.admin_api, key["id"])
    assert twice["apiKey"] is None
    assert [(e["field"], e["code"]) for e in twice["errors"]] == [(["apiKeyId"], "NOT_ALLOWED_IN_STATE")]
    assert [k["revokedAt"] for k in await listed(portals.admin_api, revoked=True)] == [NOW]  # unchanged


async def test_a_key_may_revoke_itself(portals: Portals) -> None:
    key, secret = await created_key(portals.admin_api)
    client = portals.api.with_bearer(secret)
    assert (await revoke(client, key["id"]))["errors"] == []
    assert await refusal(client, KEYS, {"revoked": False}) == "UNAUTHENTICATED"


@pytest.mark.parametrize("role", [Role.LEARNER, Role.INSTRUCTOR])
async def test_only_admins_revoke_keys(portals: Portals, role: Role) -> None:
    key, secret = await created_key(portals.admin_api)
    user = portals.learner if role is Role.LEARNER else portals.instructor
    variables = {"input": {"apiKeyId": key["id"]}}
    assert await refusal(portals.api.signed_in(user), REVOKE, variables) == "FORBIDDEN"
    assert await refusal(portals.api.anonymous("acme"), REVOKE, variables) == "UNAUTHENTICATED"
    assert len(await listed(portals.api.with_bearer(secret))) == 1  # still works


async def test_another_portals_admin_cannot_see_or_revoke_a_key(portals: Portals) -> None:
    key, secret = await created_key(portals.admin_api)
    globex = portals.api.signed_in(portals.globex_admin)
    assert await listed(globex, revoked=True) == []
    node = await globex.data("query ($id: ID!) { node(id: $id) { id } }", {"id": key["id"]})
    assert node == {"node": None}
    refused = await revoke(globex, key["id"])
    assert refused["apiKey"] is None
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [(["apiKeyId"], "NOT_FOUND")]
    assert len(await listed(portals.api.with_bearer(secret))) == 1  # still works


async def test_a_sub_portal_admin_cannot_revoke_the_parents_key(portals: Portals) -> None:
    key, _ = await created_key(portals.admin_api)
    branch_admin = await make_user(portals.session, portals.branch, role=Role.ADMIN)
    refused = await revoke(portals.api.signed_in(branch_admin), key["id"])
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [(["apiKeyId"], "NOT_FOUND")]


@pytest.mark.parametrize("key_id", ["not-an-id", global_id("ApiKey", UUID(int=1)), global_id("Course", UUID(int=2))])
async def test_revoking_what_is_no_key_is_not_found(portals: Portals, key_id: str) -> None:
    refused = await revoke(portals.admin_api, key_id)
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [(["apiKeyId"], "NOT_FOUND")]


async def test_learners_and_instructors_list_no_keys(portals: Portals) -> None:
    await created_key(portals.admin_api)
    for user in (portals.learner, portals.instructor):
        assert await listed(portals.api.signed_in(user), revoked=True) == []
