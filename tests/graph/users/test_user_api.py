"""People through HTTP: userCreate, userUpdate, userDeactivate, user(id), users, memberships and tenancy.

Requests act as an admin of "acme" unless a test says otherwise. "acme-east" is acme's sub-portal;
"globex" is another tenant, whose people must stay out of reach.
"""

import asyncio
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from graph.ids import global_id
from models.portals import Portal
from models.users import Membership, Role, User
from resolvers.users import hash_password
from tests.conftest import Api
from tests.factories import gid, make_group, make_portal, make_user, saved
from tests.graph.bad_ids import BAD_IDS, bad_id, short

USER = "id fullName email avatarUrl classroomUserId isActive createdAt memberships { role portal { slug } }"
INPUT_TYPES = {
    "userCreate": "UserCreateInput",
    "userUpdate": "UserUpdateInput",
    "userDeactivate": "UserDeactivateInput",
}
NOW = "2026-01-05T09:00:00Z"  # the frozen clock
PASSWORD = "correct horse battery staple"


@dataclass
class People:
    api: Api  # an admin acting in acme
    session: AsyncSession
    acme: Portal
    east: Portal  # acme's sub-portal
    globex: Portal

    async def person(self, *portals: Portal, role: Role = Role.LEARNER, **fields: Any) -> User:
        """An account with `role` in each of `portals`."""
        user = await make_user(self.session, **fields)
        for portal in portals:
            await saved(self.session, Membership(portal_id=portal.id, user_id=user.id, role=role))
        return user

    async def bad_user_id(self, how: str) -> str:
        """An id that names no user the acme admin may use."""
        return await bad_id(
            how,
            "User",
            hidden=lambda: self.person(self.globex, full_name="Gloria Globex"),
            wrong_type=lambda: make_group(self.session, self.acme),
        )

    async def snapshot(self) -> dict[str, Any]:
        """Everyone each portal sees, with every field: what a refused mutation must leave alone.

        The sub-portal looks first, so whoever acting there brings along is already in acme's view.
        """
        query = f"{{ users(first: 100) {{ totalCount nodes {{ {USER} }} }} }}"
        return {slug: (await self.api.acting_in(slug).data(query))["users"] for slug in ("acme-east", "acme", "globex")}


@pytest.fixture
async def people(api: Api, session: AsyncSession) -> People:
    acme = await make_portal(session, slug="acme", name="Acme")
    east = await make_portal(session, parent=acme, slug="acme-east", name="Acme East")
    globex = await make_portal(session, slug="globex", name="Globex")
    return People(api.acting_in("acme"), session, acme, east, globex)


async def run(api: Api, name: str, input_: dict[str, Any]) -> dict[str, Any]:
    query = f"""mutation ($input: {INPUT_TYPES[name]}!) {{
      {name}(input: $input) {{ user {{ {USER} }} errors {{ field message code }} }}
    }}"""
    return (await api.data(query, {"input": input_}))[name]


async def created(api: Api, **input_: Any) -> dict[str, Any]:
    payload = await run(api, "userCreate", {"role": "LEARNER", **input_})
    assert payload["errors"] == [], payload["errors"]
    return payload["user"]


def refused(payload: dict[str, Any], field: list[str] | None, code: str) -> str:
    """The payload names exactly one problem and no user; returns its message."""
    assert payload["user"] is None, payload
    assert len(payload["errors"]) == 1, payload["errors"]
    error = payload["errors"][0]
    assert (error["field"], error["code"]) == (field, code), error
    assert error["message"]
    return error["message"]


async def user_by_id(api: Api, user_id: str) -> dict[str, Any] | None:
    return (await api.data(f"query ($id: ID!) {{ user(id: $id) {{ {USER} }} }}", {"id": user_id}))["user"]


async def names(api: Api, **arguments: Any) -> list[str]:
    """The full names `users` lists, all on one page, leaving out the signed-in viewer (if any)."""
    query = """query ($search: String, $role: Role, $active: Boolean, $order: UserOrder) {
      viewer { id }
      users(first: 100, search: $search, role: $role, isActive: $active, orderBy: $order) {
        totalCount nodes { id fullName }
      }
    }"""
    data = await api.data(query, arguments)
    assert data["users"]["totalCount"] == len(data["users"]["nodes"])
    me = (data["viewer"] or {}).get("id")
    return [node["fullName"] for node in data["users"]["nodes"] if node["id"] != me]


async def signs_in(api: Api, email: str, password: str) -> bool:
    query = """mutation ($input: TokenCreateInput!) {
      tokenCreate(input: $input) { accessToken errors { code } }
    }"""
    payload = (await api.anonymous("acme").data(query, {"input": {"email": email, "password": password}}))[
        "tokenCreate"
    ]
    assert bool(payload["accessToken"]) != bool(payload["errors"]), payload
    return payload["accessToken"] is not None


def acme_member(role: str = "LEARNER") -> list[dict[str, Any]]:
    return [{"role": role, "portal": {"slug": "acme"}}]


# userCreate


async def test_user_create_adds_a_new_account_to_the_acting_portal_and_reads_back(people: People) -> None:
    user = await created(people.api, email="  Ada@Example.COM ", fullName=" Ada Lovelace ", role="INSTRUCTOR")
    assert user == {
        "id": user["id"],
        "fullName": "Ada Lovelace",
        "email": "ada@example.com",
        "avatarUrl": None,
        "classroomUserId": user["classroomUserId"],
        "isActive": True,
        "createdAt": NOW,
        "memberships": acme_member("INSTRUCTOR"),
    }
    assert re.fullmatch(r"[A-Za-z0-9]+", user["classroomUserId"])
    assert await user_by_id(people.api, user["id"]) == user
    assert await names(people.api) == ["Ada Lovelace"]
    assert await user_by_id(people.api.acting_in("globex"), user["id"]) is None


@pytest.mark.parametrize("role", ["ADMIN", "INSTRUCTOR", "LEARNER"])
async def test_user_create_gives_the_role_in_the_acting_portal(people: People, role: str) -> None:
    user = await created(people.api, email="ada@example.com", fullName="Ada", role=role)
    assert (await user_by_id(people.api, user["id"]))["memberships"] == acme_member(role)
    assert await names(people.api, role=role) == ["Ada"]


async def test_user_create_with_a_password_lets_the_account_sign_in(people: People) -> None:
    await created(people.api, email="ada@example.com", fullName="Ada", password="12345678")
    await created(people.api, email="grace@example.com", fullName="Grace")
    assert await signs_in(people.api, "ada@example.com", "12345678")
    assert not await signs_in(people.api, "grace@example.com", "12345678")


async def test_user_create_in_a_sub_portal_makes_a_member_there(people: People) -> None:
    user = await created(people.api.acting_in("acme-east"), email="kim@example.com", fullName="Kim")
    assert user["memberships"] == [{"role": "LEARNER", "portal": {"slug": "acme-east"}}]
    assert (await user_by_id(people.api, user["id"]))["memberships"] == user["memberships"]
    query = '{ portal(slug: "%s") { users(role: LEARNER) { totalCount nodes { fullName } } } }'
    for slug, expected in (("acme", []), ("acme-east", [{"fullName": "Kim"}])):
        users = (await people.api.data(query % slug))["portal"]["users"]  # learners: no acting admin
        assert (users["nodes"], users["totalCount"]) == (expected, len(expected))


async def test_user_create_with_the_email_of_another_tenants_account_adds_a_membership_and_reveals_nothing(
    people: People,
) -> None:
    maria = await people.person(
        people.globex,
        role=Role.ADMIN,
        email="maria@globex.test",
        full_name="Maria Garcia",
        password_hash=hash_password(PASSWORD),
    )
    payload = await run(
        people.api,
        "userCreate",
        {"email": " MARIA@Globex.test", "fullName": "Somebody Else", "role": "LEARNER", "password": "a new password"},
    )
    assert payload["errors"] == []
    user = payload["user"]
    assert (user["id"], user["fullName"], user["email"]) == (gid(maria), "Maria Garcia", "maria@globex.test")
    assert user["memberships"] == acme_member("LEARNER")
    assert "globex" not in json.dumps({**user, "email": None}).lower()
    assert await user_by_id(people.api, gid(maria)) == user
    assert await names(people.api) == ["Maria Garcia"]
    seen_by_globex = await user_by_id(people.api.acting_in("globex"), gid(maria))
    assert seen_by_globex["memberships"] == [{"role": "ADMIN", "portal": {"slug": "globex"}}]
    assert await signs_in(people.api, "maria@globex.test", PASSWORD)
    assert not await signs_in(people.api, "maria@globex.test", "a new password")


async def test_user_create_with_the_email_of_a_sub_portal_member_adds_a_membership(people: People) -> None:
    kim = await people.person(people.east, role=Role.INSTRUCTOR, email="kim@example.com", full_name="Kim")
    user = await created(people.api, email="kim@example.com", fullName="Kim", role="ADMIN")
    assert user["id"] == gid(kim)
    roles = {m["portal"]["slug"]: m["role"] for m in user["memberships"]}
    assert (len(user["memberships"]), roles) == (2, {"acme-east": "INSTRUCTOR", "acme": "ADMIN"})


@pytest.mark.parametrize("email", ["ada@example.com", "ADA@example.com", " ada@Example.com "])
async def test_user_create_of_a_member_is_duplicate_and_changes_nothing(people: People, email: str) -> None:
    await people.person(people.acme, email="ada@example.com", full_name="Ada")
    before = await people.snapshot()
    payload = await run(people.api, "userCreate", {"email": email, "fullName": "Ada Again", "role": "ADMIN"})
    assert refused(payload, ["email"], "DUPLICATE") == "This person is already a member of this portal."
    assert await people.snapshot() == before


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("email", "", "REQUIRED"),
        ("email", "   ", "REQUIRED"),
        ("email", "not-an-email", "INVALID"),
        ("email", "ada@example", "INVALID"),
        ("email", "ada lovelace@example.com", "INVALID"),
        ("email", "@example.com", "INVALID"),
        ("email", "ada@@example.com", "INVALID"),
        ("email", "x" * 10_000 + "@example.com", "TOO_LONG"),
        ("fullName", "", "REQUIRED"),
        ("fullName", "  ", "REQUIRED"),
        ("fullName", "x" * 201, "TOO_LONG"),
        ("fullName", "x" * 10_000, "TOO_LONG"),
        ("password", "", "INVALID"),
        ("password", "1234567", "INVALID"),
    ],
    ids=short,
)
async def test_user_create_refuses_a_bad_field_and_creates_nobody(
    people: People, field: str, value: str, code: str
) -> None:
    before = await people.snapshot()
    input_ = {"email": "ada@example.com", "fullName": "Ada", "role": "LEARNER", field: value}
    refused(await run(people.api, "userCreate", input_), [field], code)
    assert await people.snapshot() == before


async def test_user_create_accepts_a_name_of_200_characters(people: People) -> None:
    user = await created(people.api, email="ada@example.com", fullName="x" * 200)
    assert (await user_by_id(people.api, user["id"]))["fullName"] == "x" * 200


async def test_user_create_reports_every_problem_at_once(people: People) -> None:
    payload = await run(people.api, "userCreate", {"email": "nope", "fullName": " ", "role": "ADMIN", "password": "x"})
    assert payload["user"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        (["email"], "INVALID"),
        (["fullName"], "REQUIRED"),
        (["password"], "INVALID"),
    ]


async def test_concurrent_user_creates_of_one_email_make_one_account(people: People) -> None:
    """Each request looks the email up before inserting; the losers of that race are DUPLICATE."""
    input_ = {"email": "ada@example.com", "fullName": "Ada", "role": "LEARNER"}
    payloads = await asyncio.gather(*(run(people.api, "userCreate", input_) for _ in range(3)))
    assert len([payload for payload in payloads if not payload["errors"]]) == 1
    for payload in payloads:
        if payload["errors"]:
            refused(payload, ["email"], "DUPLICATE")
    assert await names(people.api) == ["Ada"]


async def test_concurrent_user_creates_of_an_existing_account_add_one_membership(people: People) -> None:
    maria = await people.person(people.globex, email="maria@globex.test", full_name="Maria")
    input_ = {"email": "maria@globex.test", "fullName": "Maria", "role": "INSTRUCTOR"}
    payloads = await asyncio.gather(*(run(people.api, "userCreate", input_) for _ in range(3)))
    assert [payload["user"]["id"] for payload in payloads if not payload["errors"]] == [gid(maria)]
    for payload in payloads:
        if payload["errors"]:
            assert refused(payload, ["email"], "DUPLICATE") == "This person is already a member of this portal."
    assert (await user_by_id(people.api, gid(maria)))["memberships"] == acme_member("INSTRUCTOR")


# userUpdate


async def test_user_update_changes_name_avatar_and_the_role_here_only(people: People) -> None:
    ada = await people.person(people.acme, people.east, email="ada@example.com", full_name="Ada")
    payload = await run(
        people.api,
        "userUpdate",
        {
            "userId": gid(ada),
            "fullName": "  Ada King ",
            "avatarUrl": "https://cdn.example.com/ada.png",
            "role": "INSTRUCTOR",
        },
    )
    assert payload["errors"] == []
    expected = {
        "id": gid(ada),
        "fullName": "Ada King",
        "email": "ada@example.com",
        "avatarUrl": "https://cdn.example.com/ada.png",
        "classroomUserId": ada.classroom_user_id,
        "isActive": True,
        "createdAt": payload["user"]["createdAt"],
        "memberships": [
            {"role": "INSTRUCTOR", "portal": {"slug": "acme"}},
            {"role": "LEARNER", "portal": {"slug": "acme-east"}},
        ],
    }
    assert payload["user"] == expected
    assert await user_by_id(people.api, gid(ada)) == expected
    assert await names(people.api, role="INSTRUCTOR") == ["Ada King"]


async def test_user_update_keeps_the_fields_left_out(people: People) -> None:
    ada = await people.person(people.acme, full_name="Ada", avatar_url="https://cdn.example.com/old.png")
    before = await user_by_id(people.api, gid(ada))
    payload = await run(people.api, "userUpdate", {"userId": gid(ada), "fullName": "Ada L."})
    assert payload["errors"] == []
    assert await user_by_id(people.api, gid(ada)) == {**before, "fullName": "Ada L."}
    payload = await run(people.api, "userUpdate", {"userId": gid(ada), "avatarUrl": "http://localhost:8000/a.png"})
    assert payload["user"] == {**before, "fullName": "Ada L.", "avatarUrl": "http://localhost:8000/a.png"}


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"fullName": ""}, ["fullName"], "REQUIRED"),
        ({"fullName": "   ", "role": "ADMIN"}, ["fullName"], "REQUIRED"),
        ({"fullName": "x" * 201}, ["fullName"], "TOO_LONG"),
        ({"fullName": "x" * 10_000, "avatarUrl": "https://cdn.example.com/new.png"}, ["fullName"], "TOO_LONG"),
        ({"avatarUrl": "not a url", "fullName": "Changed"}, ["avatarUrl"], "INVALID"),
        ({"avatarUrl": "ftp://cdn.example.com/ada.png"}, ["avatarUrl"], "INVALID"),
        ({"avatarUrl": "javascript:alert(1)"}, ["avatarUrl"], "INVALID"),
        ({"avatarUrl": ""}, ["avatarUrl"], "INVALID"),
        ({"avatarUrl": "https://cdn.example.com/" + "a" * 10_000}, ["avatarUrl"], "TOO_LONG"),
    ],
)
async def test_a_refused_user_update_changes_nothing(
    people: People, change: dict[str, Any], field: list[str], code: str
) -> None:
    ada = await people.person(people.acme, full_name="Ada", avatar_url="https://cdn.example.com/old.png")
    before = await people.snapshot()
    refused(await run(people.api, "userUpdate", {"userId": gid(ada), **change}), field, code)
    assert await people.snapshot() == before


@pytest.mark.parametrize("how", BAD_IDS)
async def test_user_update_of_a_user_it_cannot_use_is_not_found(people: People, how: str) -> None:
    user_id = await people.bad_user_id(how)
    before = await people.snapshot()
    payload = await run(people.api, "userUpdate", {"userId": user_id, "fullName": "Hijacked", "role": "ADMIN"})
    refused(payload, ["userId"], "NOT_FOUND")
    assert await people.snapshot() == before


async def test_user_update_of_the_role_of_someone_who_is_no_member_here_is_not_found(people: People) -> None:
    """Seen through a sub-portal, but with no role in the acting portal to change: nothing changes."""
    kim = await people.person(people.east, full_name="Kim")
    before = await people.snapshot()
    payload = await run(people.api, "userUpdate", {"userId": gid(kim), "fullName": "Kim K", "role": "ADMIN"})
    refused(payload, ["userId"], "NOT_FOUND")
    assert await people.snapshot() == before


async def test_a_sub_portal_cannot_update_its_parents_people(people: People) -> None:
    ada = await people.person(people.acme, full_name="Ada")
    before = await people.snapshot()
    payload = await run(people.api.acting_in("acme-east"), "userUpdate", {"userId": gid(ada), "fullName": "Hijacked"})
    refused(payload, ["userId"], "NOT_FOUND")
    assert await people.snapshot() == before


# userDeactivate


async def test_user_deactivate_switches_the_account_off_and_may_be_repeated(people: People) -> None:
    ada = await people.person(
        people.acme, full_name="Ada", email="ada@example.com", password_hash=hash_password(PASSWORD)
    )
    await people.person(people.acme, full_name="Grace")
    before = await user_by_id(people.api, gid(ada))
    for _ in range(2):
        payload = await run(people.api, "userDeactivate", {"userId": gid(ada)})
        assert payload["errors"] == []
        assert payload["user"] == {**before, "isActive": False}
    assert await user_by_id(people.api, gid(ada)) == {**before, "isActive": False}
    assert await names(people.api, active=False) == ["Ada"]
    assert await names(people.api, active=True) == ["Grace"]
    assert not await signs_in(people.api, "ada@example.com", PASSWORD)


@pytest.mark.parametrize("how", BAD_IDS)
async def test_user_deactivate_of_a_user_it_cannot_use_is_not_found(people: People, how: str) -> None:
    user_id = await people.bad_user_id(how)
    before = await people.snapshot()
    refused(await run(people.api, "userDeactivate", {"userId": user_id}), ["userId"], "NOT_FOUND")
    assert await people.snapshot() == before


async def test_a_sub_portal_cannot_deactivate_its_parents_people(people: People) -> None:
    ada = await people.person(people.acme, full_name="Ada")
    before = await people.snapshot()
    refused(
        await run(people.api.acting_in("acme-east"), "userDeactivate", {"userId": gid(ada)}), ["userId"], "NOT_FOUND"
    )
    assert await people.snapshot() == before


# user(id), users and memberships


async def test_user_lookup_finds_only_people_of_visible_portals(people: People) -> None:
    ada = await people.person(people.acme, full_name="Ada")
    kim = await people.person(people.east, full_name="Kim")
    gloria = await people.person(people.globex, full_name="Gloria")
    group = await make_group(people.session, people.acme)
    assert (await user_by_id(people.api, gid(ada)))["fullName"] == "Ada"
    assert (await user_by_id(people.api, gid(kim)))["fullName"] == "Kim"
    assert await user_by_id(people.api, gid(gloria)) is None
    assert await user_by_id(people.api, global_id("User", uuid4())) is None
    assert await user_by_id(people.api, gid(group)) is None
    east = people.api.acting_in("acme-east")
    assert await user_by_id(east, gid(ada)) is None
    assert (await user_by_id(east, gid(kim)))["fullName"] == "Kim"


async def test_user_lookup_of_an_undecodable_id_is_bad_user_input(people: People) -> None:
    errors = await people.api.errors('{ user(id: "not-an-id") { id } }')
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_users_filter_by_search_role_and_activity_and_order(people: People) -> None:
    acme, east, globex = people.acme, people.east, people.globex

    def day(n: int) -> datetime:
        return datetime(2020, 1, n, tzinfo=UTC)

    await people.person(acme, full_name="Ada Lovelace", email="ada@acme.test", created_at=day(1))
    await people.person(
        acme, role=Role.INSTRUCTOR, full_name="Grace Hopper", email="grace@navy.test", created_at=day(2)
    )
    await people.person(acme, role=Role.ADMIN, full_name="Alan Turing", email="alan@acme.test", created_at=day(3))
    await people.person(east, full_name="Katherine Johnson", email="kj@east.test", created_at=day(4))
    await people.person(acme, full_name="Dora Dormant", email="dora@acme.test", is_active=False, created_at=day(5))
    bea = await people.person(acme, full_name="Bea Both", email="bea@both.test", created_at=day(6))
    await saved(people.session, Membership(portal_id=globex.id, user_id=bea.id, role=Role.ADMIN))
    await people.person(globex, full_name="Ada Globex", email="ada@globex.test", created_at=day(7))
    await people.person(globex, role=Role.ADMIN, full_name="Gloria", email="gloria@globex.test", created_at=day(8))

    everyone = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Dora Dormant", "Bea Both"]
    assert await names(people.api) == everyone
    assert await names(people.api, order={"field": "CREATED_AT", "direction": "DESC"}) == everyone[::-1]
    assert await names(people.api, search="ADA") == ["Ada Lovelace"]
    assert await names(people.api, search="navy") == ["Grace Hopper"]
    assert await names(people.api, search="@acme.test") == ["Ada Lovelace", "Alan Turing", "Dora Dormant"]
    assert await names(people.api, search="globex") == []
    assert await names(people.api, search="gloria") == []
    assert await names(people.api, role="LEARNER") == ["Ada Lovelace", "Katherine Johnson", "Dora Dormant", "Bea Both"]
    assert await names(people.api, role="INSTRUCTOR") == ["Grace Hopper"]
    assert await names(people.api, role="ADMIN") == ["Alan Turing"]  # Bea is an admin of globex only
    assert await names(people.api, active=False) == ["Dora Dormant"]
    assert await names(people.api, role="LEARNER", active=True, search="j") == ["Katherine Johnson"]
    assert await names(people.api, role="LEARNER", active=False) == ["Dora Dormant"]
    assert await names(people.api, order={"field": "FULL_NAME"}) == sorted(everyone)
    assert await names(people.api, order={"field": "EMAIL", "direction": "DESC"}) == [
        "Katherine Johnson",
        "Grace Hopper",
        "Dora Dormant",
        "Bea Both",
        "Alan Turing",
        "Ada Lovelace",
    ]
    assert await names(people.api.acting_in("acme-east")) == ["Katherine Johnson"]
    assert await names(people.api.acting_in("globex")) == ["Bea Both", "Ada Globex", "Gloria"]


async def test_users_search_matches_percent_and_underscore_literally(people: People) -> None:
    for name in ("snake_case", "snakeXcase", "100% Ada", "1000 Adas"):
        await people.person(people.acme, full_name=name)
    assert await names(people.api, search="e_c") == ["snake_case"]
    assert await names(people.api, search="100%") == ["100% Ada"]


async def test_users_pages_through_learners(people: People) -> None:
    for name in ("Eve", "Bob", "Dan", "Amy", "Cat"):
        await people.person(people.acme, full_name=name)
    query = """query ($after: String) {
      users(first: 2, after: $after, role: LEARNER, orderBy: {field: FULL_NAME}) {
        totalCount nodes { fullName } pageInfo { hasNextPage endCursor }
      }
    }"""
    seen, after, pages = [], None, 0
    while True:
        page = (await people.api.data(query, {"after": after}))["users"]
        assert page["totalCount"] == 5
        seen += [node["fullName"] for node in page["nodes"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert (seen, pages) == (["Amy", "Bob", "Cat", "Dan", "Eve"], 3)


async def test_memberships_show_only_the_viewers_portals(people: People) -> None:
    bea = await people.person(people.acme, full_name="Bea")
    await saved(people.session, Membership(portal_id=people.east.id, user_id=bea.id, role=Role.INSTRUCTOR))
    await saved(people.session, Membership(portal_id=people.globex.id, user_id=bea.id, role=Role.ADMIN))
    seen = {
        slug: (await user_by_id(people.api.acting_in(slug), gid(bea)))["memberships"]
        for slug in ("acme", "acme-east", "globex")
    }
    assert seen == {
        "acme": [
            {"role": "LEARNER", "portal": {"slug": "acme"}},
            {"role": "INSTRUCTOR", "portal": {"slug": "acme-east"}},
        ],
        "acme-east": [{"role": "INSTRUCTOR", "portal": {"slug": "acme-east"}}],
        "globex": [{"role": "ADMIN", "portal": {"slug": "globex"}}],
    }


async def test_portal_users_lists_the_members_of_each_portal(people: People) -> None:
    await people.person(people.acme, full_name="Ada")
    await people.person(people.acme, role=Role.INSTRUCTOR, full_name="Grace Hopper")
    await people.person(people.east, full_name="Kim")
    await people.person(people.globex, full_name="Gloria")
    query = """query ($slug: String!, $role: Role, $search: String) {
      portal(slug: $slug) { users(role: $role, search: $search, orderBy: {field: FULL_NAME}) { nodes { fullName } } }
    }"""

    async def members(slug: str, **arguments: Any) -> list[str]:
        portal = (await people.api.data(query, {"slug": slug, **arguments}))["portal"]
        return [node["fullName"] for node in portal["users"]["nodes"]]

    assert await members("acme", role="LEARNER") == ["Ada"]
    assert await members("acme", role="INSTRUCTOR") == ["Grace Hopper"]
    assert await members("acme", search="HOPP") == ["Grace Hopper"]
    assert await members("acme-east") == ["Kim"]
    assert (await people.api.data(query, {"slug": "globex"}))["portal"] is None


# node, nodes and other tenants


async def test_node_and_nodes_resolve_users_of_visible_portals_only(people: People) -> None:
    ada = await people.person(people.acme, full_name="Ada")
    gloria = await people.person(people.globex, full_name="Gloria")
    query = """query ($id: ID!, $ids: [ID!]!) {
      node(id: $id) { __typename id ... on User { fullName } }
      nodes(ids: $ids) { __typename id ... on User { fullName } }
    }"""
    missing = global_id("User", uuid4())
    data = await people.api.data(query, {"id": gid(ada), "ids": [gid(gloria), gid(ada), missing]})
    assert data == {
        "node": {"__typename": "User", "id": gid(ada), "fullName": "Ada"},
        "nodes": [None, {"__typename": "User", "id": gid(ada), "fullName": "Ada"}, None],
    }
    seen_by_globex = await people.api.acting_in("globex").data(query, {"id": gid(ada), "ids": [gid(gloria)]})
    assert seen_by_globex == {"node": None, "nodes": [{"__typename": "User", "id": gid(gloria), "fullName": "Gloria"}]}


async def test_an_unknown_x_portal_is_bad_user_input_and_creates_nobody(people: People) -> None:
    before = await people.snapshot()
    mutation = """mutation { userCreate(input: {email: "ada@example.com", fullName: "Ada", role: LEARNER}) {
      user { id } errors { code } } }"""
    for query in ("{ users { totalCount } }", mutation):
        body = (await people.api.post(query, **{"X-Portal": "nope"})).json()
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert await people.snapshot() == before
