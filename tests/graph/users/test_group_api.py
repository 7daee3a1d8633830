"""Learner groups through HTTP: groupCreate, groupMembersAdd, groups, Group.members, node/nodes and tenancy.

Requests act as an admin of "acme" unless a test says otherwise. "acme-east" is acme's sub-portal;
"globex" is another tenant, whose groups and people must stay out of reach.
"""

import asyncio
import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from graph.ids import global_id
from models.portals import Portal
from models.users import Group, GroupMember, User
from tests.conftest import Api
from tests.factories import gid, make_group, make_portal, make_user, saved
from tests.graph.bad_ids import BAD_IDS, bad_id

GROUP = "id name externalId createdAt members(orderBy: {field: FULL_NAME}) { totalCount nodes { fullName } }"
NOW = "2026-01-05T09:00:00Z"  # the frozen clock


@dataclass
class Groups:
    api: Api  # an admin acting in acme
    session: AsyncSession
    acme: Portal
    east: Portal  # acme's sub-portal
    globex: Portal
    ada: User  # learners of acme
    grace: User
    kim: User  # a learner of acme-east only
    gloria: User  # a learner of globex only
    theirs: Group  # globex's group, with gloria in it

    async def bad_group_id(self, how: str) -> str:
        """An id that names no group the acme admin may use."""

        async def hidden() -> Group:
            return self.theirs

        async def wrong_type() -> User:
            return self.ada

        return await bad_id(how, "Group", hidden=hidden, wrong_type=wrong_type)

    async def snapshot(self) -> dict[str, Any]:
        """Every group each tenant sees, with its members: what a refused mutation must leave alone."""
        query = f"{{ groups(first: 100) {{ totalCount nodes {{ {GROUP} }} }} }}"
        return {slug: (await self.api.acting_in(slug).data(query))["groups"] for slug in ("acme", "globex")}


@pytest.fixture
async def groups(api: Api, session: AsyncSession) -> Groups:
    acme = await make_portal(session, slug="acme", name="Acme")
    east = await make_portal(session, parent=acme, slug="acme-east", name="Acme East")
    globex = await make_portal(session, slug="globex", name="Globex")
    gloria = await make_user(session, globex, full_name="Gloria")
    theirs = await make_group(session, globex, name="Globex Team")
    await saved(session, GroupMember(portal_id=globex.id, group_id=theirs.id, user_id=gloria.id))
    return Groups(
        api.acting_in("acme"),
        session,
        acme,
        east,
        globex,
        ada=await make_user(session, acme, full_name="Ada"),
        grace=await make_user(session, acme, full_name="Grace"),
        kim=await make_user(session, east, full_name="Kim"),
        gloria=gloria,
        theirs=theirs,
    )


async def create(api: Api, input_: dict[str, Any]) -> dict[str, Any]:
    query = f"""mutation ($input: GroupCreateInput!) {{
      groupCreate(input: $input) {{ group {{ {GROUP} }} errors {{ field message code }} }}
    }}"""
    return (await api.data(query, {"input": input_}))["groupCreate"]


async def created(api: Api, **input_: Any) -> dict[str, Any]:
    payload = await create(api, input_)
    assert payload["errors"] == [], payload["errors"]
    return payload["group"]


async def add_members(api: Api, group_id: str, user_ids: list[str]) -> dict[str, Any]:
    query = f"""mutation ($input: GroupMembersAddInput!) {{
      groupMembersAdd(input: $input) {{ group {{ {GROUP} }} errors {{ field message code }} }}
    }}"""
    return (await api.data(query, {"input": {"groupId": group_id, "userIds": user_ids}}))["groupMembersAdd"]


def refused(payload: dict[str, Any], field: list[str] | None, code: str) -> str:
    """The payload names exactly one problem and no group; returns its message."""
    assert payload["group"] is None, payload
    assert len(payload["errors"]) == 1, payload["errors"]
    error = payload["errors"][0]
    assert (error["field"], error["code"]) == (field, code), error
    assert error["message"]
    return error["message"]


def members(group: dict[str, Any]) -> list[str]:
    assert group["members"]["totalCount"] == len(group["members"]["nodes"])
    return [node["fullName"] for node in group["members"]["nodes"]]


async def group_by_id(api: Api, group_id: str) -> dict[str, Any] | None:
    query = f"query ($id: ID!) {{ node(id: $id) {{ __typename ... on Group {{ {GROUP} }} }} }}"
    node = (await api.data(query, {"id": group_id}))["node"]
    if node is not None:
        assert node.pop("__typename") == "Group"
    return node


async def group_names(api: Api, **arguments: Any) -> list[str]:
    query = """query ($search: String, $order: GroupOrder) {
      groups(first: 100, search: $search, orderBy: $order) { totalCount nodes { name } }
    }"""
    page = (await api.data(query, arguments))["groups"]
    assert page["totalCount"] == len(page["nodes"])
    return [node["name"] for node in page["nodes"]]


# groupCreate


async def test_group_create_makes_a_group_in_the_acting_portal_and_reads_back(groups: Groups) -> None:
    group = await created(groups.api, name="  Cohort 2026 ", externalId="crm-42")
    assert group == {
        "id": group["id"],
        "name": "Cohort 2026",
        "externalId": "crm-42",
        "createdAt": NOW,
        "members": {"totalCount": 0, "nodes": []},
    }
    assert await group_by_id(groups.api, group["id"]) == group
    assert await group_names(groups.api) == ["Cohort 2026"]
    assert await group_by_id(groups.api.acting_in("globex"), group["id"]) is None


async def test_group_create_without_an_external_id(groups: Groups) -> None:
    group = await created(groups.api, name="Cohort")
    assert group["externalId"] is None
    assert (await group_by_id(groups.api, group["id"]))["externalId"] is None


async def test_group_create_in_a_sub_portal_is_seen_by_the_parent_only(groups: Groups) -> None:
    await make_group(groups.session, groups.acme, name="Acme Cohort")
    group = await created(groups.api.acting_in("acme-east"), name="East Cohort")
    assert (await group_by_id(groups.api, group["id"]))["name"] == "East Cohort"
    assert await group_names(groups.api, order={"field": "NAME"}) == ["Acme Cohort", "East Cohort"]
    assert await group_names(groups.api.acting_in("acme-east")) == ["East Cohort"]


@pytest.mark.parametrize("name", ["Cohort", "  Cohort  "])
async def test_group_create_with_a_taken_name_is_duplicate_and_creates_nothing(groups: Groups, name: str) -> None:
    await make_group(groups.session, groups.acme, name="Cohort")
    before = await groups.snapshot()
    payload = await create(groups.api, {"name": name, "externalId": "crm-1"})
    assert refused(payload, ["name"], "DUPLICATE") == "A group named 'Cohort' exists."
    assert await groups.snapshot() == before


async def test_a_name_taken_in_another_portal_is_free(groups: Groups) -> None:
    await make_group(groups.session, groups.east, name="Cohort")
    group = await created(groups.api, name="Globex Team")
    assert group["name"] == "Globex Team"
    assert (await created(groups.api, name="Cohort"))["name"] == "Cohort"
    assert await group_names(groups.api.acting_in("globex")) == ["Globex Team"]


@pytest.mark.parametrize(
    ("input_", "field", "code"),
    [
        ({"name": ""}, ["name"], "REQUIRED"),
        ({"name": "   ", "externalId": "crm-1"}, ["name"], "REQUIRED"),
        ({"name": "x" * 201}, ["name"], "TOO_LONG"),
        ({"name": "x" * 10_000}, ["name"], "TOO_LONG"),
        ({"name": "Cohort", "externalId": "x" * 121}, ["externalId"], "TOO_LONG"),
        ({"name": "Cohort", "externalId": "x" * 10_000}, ["externalId"], "TOO_LONG"),
    ],
)
async def test_group_create_refuses_a_bad_field_and_creates_nothing(
    groups: Groups, input_: dict[str, Any], field: list[str], code: str
) -> None:
    before = await groups.snapshot()
    refused(await create(groups.api, input_), field, code)
    assert await groups.snapshot() == before


async def test_group_create_accepts_the_longest_name_and_external_id(groups: Groups) -> None:
    group = await created(groups.api, name="x" * 200, externalId="y" * 120)
    again = await group_by_id(groups.api, group["id"])
    assert (again["name"], again["externalId"]) == ("x" * 200, "y" * 120)


async def test_group_create_reports_every_problem_at_once(groups: Groups) -> None:
    payload = await create(groups.api, {"name": " ", "externalId": "x" * 121})
    assert payload["group"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        (["name"], "REQUIRED"),
        (["externalId"], "TOO_LONG"),
    ]


# groupMembersAdd


async def test_group_members_add_adds_members_of_the_groups_portal(groups: Groups) -> None:
    group = await make_group(groups.session, groups.acme, name="Cohort")
    payload = await add_members(groups.api, gid(group), [gid(groups.grace), gid(groups.ada)])
    assert payload["errors"] == []
    assert (payload["group"]["id"], members(payload["group"])) == (gid(group), ["Ada", "Grace"])
    assert await group_by_id(groups.api, gid(group)) == payload["group"]


async def test_group_members_add_of_members_already_in_or_repeated_is_no_error(groups: Groups) -> None:
    group = await make_group(groups.session, groups.acme)
    await add_members(groups.api, gid(group), [gid(groups.ada)])
    payload = await add_members(groups.api, gid(group), [gid(groups.ada), gid(groups.grace), gid(groups.grace)])
    assert payload["errors"] == []
    assert members(payload["group"]) == ["Ada", "Grace"]
    assert members(await group_by_id(groups.api, gid(group))) == ["Ada", "Grace"]


async def test_group_members_add_with_no_ids_changes_nothing(groups: Groups) -> None:
    group = await make_group(groups.session, groups.acme)
    payload = await add_members(groups.api, gid(group), [])
    assert (payload["errors"], members(payload["group"])) == ([], [])


async def test_group_members_add_adds_what_it_can_and_reports_each_refused_id(groups: Groups) -> None:
    group = await make_group(groups.session, groups.acme, name="Cohort")
    before = await groups.snapshot()
    user_ids = [
        gid(groups.ada),
        global_id("User", uuid4()),  # unknown
        gid(groups.gloria),  # another tenant's
        gid(groups.kim),  # a sub-portal's, not the group's portal
        gid(group),  # not a user
        "not-an-id",
        gid(groups.grace),
        base64.b64encode(b"User:nope").decode(),
        global_id("User", UUID(int=0)),
    ]
    payload = await add_members(groups.api, gid(group), user_ids)
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        (["userIds", str(index)], "NOT_FOUND") for index in (1, 2, 3, 4, 5, 7, 8)
    ]
    assert all(e["message"] == "No member of this portal with this id." for e in payload["errors"])
    assert members(payload["group"]) == ["Ada", "Grace"]
    assert members(await group_by_id(groups.api, gid(group))) == ["Ada", "Grace"]
    assert (await groups.snapshot())["globex"] == before["globex"]


async def test_a_sub_portals_group_takes_that_portals_members(groups: Groups) -> None:
    group = await make_group(groups.session, groups.east, name="East Cohort")
    payload = await add_members(groups.api, gid(group), [gid(groups.ada), gid(groups.kim)])
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(["userIds", "0"], "NOT_FOUND")]
    assert members(payload["group"]) == ["Kim"]
    assert members(await group_by_id(groups.api.acting_in("acme-east"), gid(group))) == ["Kim"]


@pytest.mark.parametrize("how", BAD_IDS)
async def test_group_members_add_to_a_group_it_cannot_use_is_not_found(groups: Groups, how: str) -> None:
    group_id = await groups.bad_group_id(how)
    before = await groups.snapshot()
    payload = await add_members(groups.api, group_id, [gid(groups.ada), gid(groups.gloria)])
    refused(payload, ["groupId"], "NOT_FOUND")
    assert await groups.snapshot() == before


async def test_a_sub_portal_cannot_add_to_its_parents_groups(groups: Groups) -> None:
    group = await make_group(groups.session, groups.acme, name="Cohort")
    before = await groups.snapshot()
    payload = await add_members(groups.api.acting_in("acme-east"), gid(group), [gid(groups.kim)])
    refused(payload, ["groupId"], "NOT_FOUND")
    assert await groups.snapshot() == before


# concurrent writes


async def test_concurrent_group_creates_of_one_name_make_one_group(groups: Groups) -> None:
    """Each request looks the name up before inserting; the losers of that race are DUPLICATE."""
    payloads = await asyncio.gather(*(create(groups.api, {"name": "Cohort"}) for _ in range(3)))
    assert len([payload for payload in payloads if not payload["errors"]]) == 1
    for payload in payloads:
        if payload["errors"]:
            refused(payload, ["name"], "DUPLICATE")
    assert await group_names(groups.api) == ["Cohort"]


async def test_concurrent_adds_of_the_same_members_all_succeed(groups: Groups) -> None:
    """Whoever adds a member second finds them in the group already: no error (contract §4)."""
    group = await make_group(groups.session, groups.acme)
    user_ids = [gid(groups.ada), gid(groups.grace)]
    payloads = await asyncio.gather(*(add_members(groups.api, gid(group), user_ids) for _ in range(3)))
    assert [payload["errors"] for payload in payloads] == [[], [], []]
    assert all(members(payload["group"]) == ["Ada", "Grace"] for payload in payloads)
    assert members(await group_by_id(groups.api, gid(group))) == ["Ada", "Grace"]


# groups, Group.members, node and nodes


async def test_groups_search_and_order(groups: Groups) -> None:
    for day, name in enumerate(["Beta Cohort", "Alpha Cohort", "Gamma Team"], start=1):
        await make_group(groups.session, groups.acme, name=name, created_at=datetime(2020, 1, day, tzinfo=UTC))
    await make_group(groups.session, groups.east, name="Delta Cohort", created_at=datetime(2020, 1, 9, tzinfo=UTC))
    by_creation = ["Beta Cohort", "Alpha Cohort", "Gamma Team", "Delta Cohort"]
    assert await group_names(groups.api) == by_creation
    assert await group_names(groups.api, order={"field": "CREATED_AT", "direction": "DESC"}) == by_creation[::-1]
    assert await group_names(groups.api, order={"field": "NAME", "direction": "DESC"}) == sorted(by_creation)[::-1]
    assert await group_names(groups.api, search="cOHORT") == ["Beta Cohort", "Alpha Cohort", "Delta Cohort"]
    assert await group_names(groups.api, search="team") == ["Gamma Team"]  # not globex's "Globex Team"
    assert await group_names(groups.api, search="globex") == []
    assert await group_names(groups.api.acting_in("acme-east")) == ["Delta Cohort"]


async def test_groups_search_matches_percent_and_underscore_literally(groups: Groups) -> None:
    for name in ("50% Off", "500 Off", "night_owls", "nightXowls"):
        await make_group(groups.session, groups.acme, name=name)
    assert await group_names(groups.api, search="50%") == ["50% Off"]
    assert await group_names(groups.api, search="t_o") == ["night_owls"]


async def test_groups_pages_forward(groups: Groups) -> None:
    for name in ("E", "B", "D", "A", "C"):
        await make_group(groups.session, groups.acme, name=f"Group {name}")
    query = """query ($after: String) {
      groups(first: 2, after: $after, orderBy: {field: NAME}) {
        totalCount nodes { name } pageInfo { hasNextPage hasPreviousPage endCursor }
      }
    }"""
    first = (await groups.api.data(query))["groups"]
    assert [n["name"] for n in first["nodes"]] == ["Group A", "Group B"]
    assert (first["totalCount"], first["pageInfo"]["hasNextPage"]) == (5, True)
    second = (await groups.api.data(query, {"after": first["pageInfo"]["endCursor"]}))["groups"]
    assert [n["name"] for n in second["nodes"]] == ["Group C", "Group D"]
    assert second["pageInfo"]["hasPreviousPage"] is True


async def test_group_members_are_a_connection_with_its_own_order(groups: Groups) -> None:
    group = await make_group(groups.session, groups.acme)
    await add_members(groups.api, gid(group), [gid(groups.grace), gid(groups.ada)])
    query = """query ($id: ID!) { node(id: $id) { ... on Group {
      members(first: 1, orderBy: {field: FULL_NAME, direction: DESC}) {
        totalCount nodes { fullName } pageInfo { hasNextPage }
      }
    } } }"""
    page = (await groups.api.data(query, {"id": gid(group)}))["node"]["members"]
    assert page == {"totalCount": 2, "nodes": [{"fullName": "Grace"}], "pageInfo": {"hasNextPage": True}}


async def test_another_tenants_groups_are_null_or_absent(groups: Groups) -> None:
    ours = await make_group(groups.session, groups.acme, name="Cohort")
    query = """query ($id: ID!, $ids: [ID!]!) {
      node(id: $id) { __typename id }
      nodes(ids: $ids) { __typename id ... on Group { name } }
      groups { totalCount nodes { name } }
    }"""
    variables = {"id": gid(groups.theirs), "ids": [gid(groups.theirs), gid(ours), global_id("Group", uuid4())]}
    assert await groups.api.data(query, variables) == {
        "node": None,
        "nodes": [None, {"__typename": "Group", "id": gid(ours), "name": "Cohort"}, None],
        "groups": {"totalCount": 1, "nodes": [{"name": "Cohort"}]},
    }
    seen_by_globex = await groups.api.acting_in("globex").data(query, variables)
    assert seen_by_globex == {
        "node": {"__typename": "Group", "id": gid(groups.theirs)},
        "nodes": [{"__typename": "Group", "id": gid(groups.theirs), "name": "Globex Team"}, None, None],
        "groups": {"totalCount": 1, "nodes": [{"name": "Globex Team"}]},
    }


async def test_an_unknown_x_portal_is_bad_user_input_and_creates_nothing(groups: Groups) -> None:
    before = await groups.snapshot()
    mutation = 'mutation { groupCreate(input: {name: "Lost"}) { group { id } errors { code } } }'
    for query in ("{ groups { totalCount } }", mutation):
        body = (await groups.api.post(query, **{"X-Portal": "nope"})).json()
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert await groups.snapshot() == before
