"""Portals through HTTP: portalCreate, portalUpdate, portal(id | slug), portals, node/nodes and tenancy.

Requests act as an admin of "acme" unless a test says otherwise. "acme-east" is acme's sub-portal;
"globex" is another tenant, whose portals must stay out of reach.
"""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from graph.ids import global_id
from models.portals import Portal
from tests.conftest import Api, FrozenClock
from tests.factories import gid, make_group, make_portal
from tests.graph.bad_ids import BAD_IDS, bad_id, short

PORTAL = "id name slug timeZone isActive totalSeats createdAt updatedAt parent { slug } subPortals { slug }"
INPUT_TYPES = {"portalCreate": "PortalCreateInput", "portalUpdate": "PortalUpdateInput"}
NOW = "2026-01-05T09:00:00Z"  # the frozen clock

BAD_TIME_ZONES = ("Mars/Olympus", "", "utc", " UTC", "Europe", "Europe/", "localtime", "../etc/passwd", "a" * 10_000)


@dataclass
class Tenants:
    api: Api  # an admin acting in acme
    session: AsyncSession
    acme: Portal
    east: Portal  # acme's sub-portal
    globex: Portal

    async def bad_portal_id(self, how: str) -> str:
        """An id that names no portal the acme admin may use."""

        async def hidden() -> Portal:
            return self.globex

        return await bad_id(how, "Portal", hidden=hidden, wrong_type=lambda: make_group(self.session, self.acme))

    async def snapshot(self) -> dict[str, Any]:
        """Every portal each tenant sees, with every field: what a refused mutation must leave alone."""
        query = f"{{ portals(first: 100) {{ totalCount nodes {{ {PORTAL} }} }} }}"
        return {slug: (await self.api.acting_in(slug).data(query))["portals"] for slug in ("acme", "globex")}


@pytest.fixture
async def tenants(api: Api, session: AsyncSession) -> Tenants:
    acme = await make_portal(session, slug="acme", name="Acme")
    east = await make_portal(session, parent=acme, slug="acme-east", name="Acme East")
    globex = await make_portal(session, slug="globex", name="Globex")
    return Tenants(api.acting_in("acme"), session, acme, east, globex)


async def run(api: Api, name: str, input_: dict[str, Any]) -> dict[str, Any]:
    query = f"""mutation ($input: {INPUT_TYPES[name]}!) {{
      {name}(input: $input) {{ portal {{ {PORTAL} }} errors {{ field message code }} }}
    }}"""
    return (await api.data(query, {"input": input_}))[name]


async def created(api: Api, **input_: Any) -> dict[str, Any]:
    payload = await run(api, "portalCreate", input_)
    assert payload["errors"] == [], payload["errors"]
    return payload["portal"]


def refused(payload: dict[str, Any], field: list[str] | None, code: str) -> str:
    """The payload names exactly one problem and no portal; returns its message."""
    assert payload["portal"] is None, payload
    assert len(payload["errors"]) == 1, payload["errors"]
    error = payload["errors"][0]
    assert (error["field"], error["code"]) == (field, code), error
    assert error["message"]
    return error["message"]


async def portal_by_id(api: Api, portal_id: str) -> dict[str, Any] | None:
    return (await api.data(f"query ($id: ID!) {{ portal(id: $id) {{ {PORTAL} }} }}", {"id": portal_id}))["portal"]


async def portal_by_slug(api: Api, slug: str) -> dict[str, Any] | None:
    return (await api.data(f"query ($s: String!) {{ portal(slug: $s) {{ {PORTAL} }} }}", {"s": slug}))["portal"]


async def portals(api: Api, **arguments: Any) -> dict[str, Any]:
    query = """query ($first: Int, $after: String, $search: String, $parentId: ID, $order: PortalOrder) {
      portals(first: $first, after: $after, search: $search, parentId: $parentId, orderBy: $order) {
        totalCount nodes { slug } pageInfo { hasNextPage hasPreviousPage endCursor }
      }
    }"""
    return (await api.data(query, arguments))["portals"]


def slugs(page: dict[str, Any]) -> list[str]:
    return [node["slug"] for node in page["nodes"]]


# portalCreate


async def test_portal_create_makes_a_sub_portal_of_the_acting_portal_and_reads_back(tenants: Tenants) -> None:
    portal = await created(tenants.api, name="  Acme West  ")
    assert portal == {
        "id": portal["id"],
        "name": "Acme West",
        "slug": "acme-west",
        "timeZone": "UTC",
        "isActive": True,
        "totalSeats": None,
        "createdAt": NOW,
        "updatedAt": NOW,
        "parent": {"slug": "acme"},
        "subPortals": [],
    }
    assert await portal_by_id(tenants.api, portal["id"]) == portal
    assert await portal_by_slug(tenants.api, "acme-west") == portal
    assert (await portal_by_slug(tenants.api, "acme"))["subPortals"] == [{"slug": "acme-east"}, {"slug": "acme-west"}]


async def test_portal_create_under_a_given_parent_with_a_slug_and_a_time_zone(tenants: Tenants) -> None:
    portal = await created(
        tenants.api, name="East Kids", slug="kids", parentId=gid(tenants.east), timeZone="Europe/Amsterdam"
    )
    assert (portal["slug"], portal["timeZone"], portal["parent"]) == ("kids", "Europe/Amsterdam", {"slug": "acme-east"})
    assert await portal_by_slug(tenants.api, "kids") == portal
    assert slugs(await portals(tenants.api.acting_in("acme-east"), order={"field": "SLUG"})) == ["acme-east", "kids"]
    assert await portal_by_slug(tenants.api, "east-kids") is None


@pytest.mark.parametrize("zone", ["UTC", "Europe/Amsterdam", "America/Argentina/Buenos_Aires", "Etc/GMT+5"])
async def test_portal_create_keeps_an_iana_time_zone(tenants: Tenants, zone: str) -> None:
    portal = await created(tenants.api, name="Zoned", timeZone=zone)
    assert portal["timeZone"] == zone
    assert (await portal_by_id(tenants.api, portal["id"]))["timeZone"] == zone


@pytest.mark.parametrize("zone", BAD_TIME_ZONES, ids=short)
async def test_portal_create_refuses_a_time_zone_that_is_not_iana(tenants: Tenants, zone: str) -> None:
    before = await tenants.snapshot()
    payload = await run(tenants.api, "portalCreate", {"name": "Zoned", "timeZone": zone})
    assert refused(payload, ["timeZone"], "INVALID").endswith("is not an IANA time zone.")
    assert await tenants.snapshot() == before


async def test_generated_slugs_count_up_when_taken(tenants: Tenants) -> None:
    made = [(await created(tenants.api, name="Acme West"))["slug"] for _ in range(3)]
    assert made == ["acme-west", "acme-west-1", "acme-west-2"]
    for slug in made:
        assert (await portal_by_slug(tenants.api, slug))["name"] == "Acme West"


async def test_generated_slugs_avoid_every_tenants_slugs(tenants: Tenants) -> None:
    """Slugs name portals in X-Portal, so they are unique across the service."""
    assert (await created(tenants.api, name="Globex"))["slug"] == "globex-1"
    assert (await created(tenants.api, name="Acme"))["slug"] == "acme-1"
    assert (await portal_by_slug(tenants.api.acting_in("globex"), "globex"))["name"] == "Globex"
    assert slugs(await portals(tenants.api.acting_in("globex"))) == ["globex"]


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Café & Crème Brûlée", "cafe-creme-brulee"), ("日本語", "item"), ("--Hello__World--", "hello-world")],
)
async def test_generated_slug_is_ascii_words_joined_by_hyphens(tenants: Tenants, name: str, slug: str) -> None:
    portal = await created(tenants.api, name=name)
    assert (portal["name"], portal["slug"]) == (name, slug)


async def test_portal_create_accepts_a_name_of_200_characters(tenants: Tenants) -> None:
    portal = await created(tenants.api, name="x" * 200)
    assert (await portal_by_id(tenants.api, portal["id"]))["name"] == "x" * 200
    assert portal["slug"] == "x" * 100


@pytest.mark.parametrize("slug", ["acme", "acme-east", "globex"])
async def test_portal_create_with_a_taken_slug_is_duplicate_and_creates_nothing(tenants: Tenants, slug: str) -> None:
    before = await tenants.snapshot()
    payload = await run(tenants.api, "portalCreate", {"name": "Other", "slug": slug})
    assert refused(payload, ["slug"], "DUPLICATE") == f"The slug {slug!r} is taken."
    assert await tenants.snapshot() == before


@pytest.mark.parametrize(
    "slug", ["Acme West", "ACME-WEST", "acme--west", "-west", "west-", "acme_west", "", "a" * 121], ids=short
)
async def test_portal_create_with_a_malformed_slug_is_invalid(tenants: Tenants, slug: str) -> None:
    before = await tenants.snapshot()
    refused(await run(tenants.api, "portalCreate", {"name": "Acme West", "slug": slug}), ["slug"], "INVALID")
    assert await tenants.snapshot() == before


@pytest.mark.parametrize(
    ("name", "code"),
    [("", "REQUIRED"), ("   ", "REQUIRED"), ("x" * 201, "TOO_LONG"), ("x" * 10_000, "TOO_LONG")],
    ids=short,
)
async def test_portal_create_refuses_a_missing_or_long_name(tenants: Tenants, name: str, code: str) -> None:
    before = await tenants.snapshot()
    refused(await run(tenants.api, "portalCreate", {"name": name}), ["name"], code)
    assert await tenants.snapshot() == before


@pytest.mark.parametrize("how", BAD_IDS)
async def test_portal_create_under_a_parent_it_cannot_use_is_not_found(tenants: Tenants, how: str) -> None:
    parent_id = await tenants.bad_portal_id(how)
    before = await tenants.snapshot()
    payload = await run(tenants.api, "portalCreate", {"name": "Branch", "parentId": parent_id})
    refused(payload, ["parentId"], "NOT_FOUND")
    assert await tenants.snapshot() == before


async def test_a_sub_portal_cannot_create_portals_under_its_parent(tenants: Tenants) -> None:
    before = await tenants.snapshot()
    payload = await run(
        tenants.api.acting_in("acme-east"), "portalCreate", {"name": "Up", "parentId": gid(tenants.acme)}
    )
    refused(payload, ["parentId"], "NOT_FOUND")
    assert await tenants.snapshot() == before


async def test_portals_nest_at_most_eight_deep(tenants: Tenants) -> None:
    chain = [tenants.acme]
    for level in range(2, 9):
        chain.append(await make_portal(tenants.session, parent=chain[-1], slug=f"level-{level}"))
    deepest = await created(tenants.api, name="Level 8b", parentId=gid(chain[-2]))
    assert deepest["parent"] == {"slug": "level-7"}
    before = await tenants.snapshot()
    payload = await run(tenants.api, "portalCreate", {"name": "Level 9", "parentId": gid(chain[-1])})
    assert refused(payload, ["parentId"], "INVALID") == "Portals nest at most 8 deep."
    assert await tenants.snapshot() == before


async def test_portal_create_reports_every_problem_at_once(tenants: Tenants) -> None:
    payload = await run(tenants.api, "portalCreate", {"name": " ", "slug": "Not A Slug", "timeZone": "Nowhere/City"})
    assert payload["portal"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        (["name"], "REQUIRED"),
        (["slug"], "INVALID"),
        (["timeZone"], "INVALID"),
    ]


# portalUpdate


async def test_portal_update_changes_name_slug_and_time_zone(tenants: Tenants, clock: FrozenClock) -> None:
    before = await portal_by_id(tenants.api, gid(tenants.east))
    clock.advance(hours=1)
    payload = await run(
        tenants.api,
        "portalUpdate",
        {"portalId": gid(tenants.east), "name": "  Acme Eastside ", "slug": "eastside", "timeZone": "Asia/Tokyo"},
    )
    assert payload["errors"] == []
    expected = {
        **before,
        "name": "Acme Eastside",
        "slug": "eastside",
        "timeZone": "Asia/Tokyo",
        "updatedAt": "2026-01-05T10:00:00Z",
    }
    assert payload["portal"] == expected
    assert await portal_by_id(tenants.api, gid(tenants.east)) == expected
    assert await portal_by_slug(tenants.api, "eastside") == expected
    assert await portal_by_slug(tenants.api, "acme-east") is None
    assert (await created(tenants.api, name="Acme East"))["slug"] == "acme-east"


async def test_portal_update_keeps_the_fields_left_out(tenants: Tenants) -> None:
    before = await portal_by_id(tenants.api, gid(tenants.east))
    payload = await run(tenants.api, "portalUpdate", {"portalId": gid(tenants.east), "timeZone": "Europe/Lisbon"})
    assert payload["errors"] == []
    after = await portal_by_id(tenants.api, gid(tenants.east))
    assert (after["name"], after["slug"], after["timeZone"]) == ("Acme East", "acme-east", "Europe/Lisbon")
    assert {**after, "timeZone": before["timeZone"], "updatedAt": before["updatedAt"]} == before


async def test_portal_update_renames_the_acting_portal_and_keeps_its_own_slug(tenants: Tenants) -> None:
    payload = await run(
        tenants.api, "portalUpdate", {"portalId": gid(tenants.acme), "name": "Acme Inc", "slug": "acme"}
    )
    assert payload["errors"] == []
    assert (payload["portal"]["name"], payload["portal"]["slug"]) == ("Acme Inc", "acme")
    assert (await portal_by_slug(tenants.api, "acme"))["name"] == "Acme Inc"


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"slug": "globex", "name": "Changed"}, ["slug"], "DUPLICATE"),
        ({"slug": "acme"}, ["slug"], "DUPLICATE"),
        ({"slug": "East Side"}, ["slug"], "INVALID"),
        ({"slug": ""}, ["slug"], "INVALID"),
        ({"name": ""}, ["name"], "REQUIRED"),
        ({"name": "   ", "timeZone": "Asia/Tokyo"}, ["name"], "REQUIRED"),
        ({"name": "x" * 10_000}, ["name"], "TOO_LONG"),
        ({"timeZone": "Mars/Olympus", "name": "Changed"}, ["timeZone"], "INVALID"),
        ({"timeZone": ""}, ["timeZone"], "INVALID"),
        ({"timeZone": "America"}, ["timeZone"], "INVALID"),
        ({"timeZone": "x" * 10_000}, ["timeZone"], "INVALID"),
    ],
)
async def test_a_refused_portal_update_changes_nothing(
    tenants: Tenants, change: dict[str, Any], field: list[str], code: str
) -> None:
    before = await tenants.snapshot()
    refused(await run(tenants.api, "portalUpdate", {"portalId": gid(tenants.east), **change}), field, code)
    assert await tenants.snapshot() == before


@pytest.mark.parametrize("how", BAD_IDS)
async def test_portal_update_of_a_portal_it_cannot_use_is_not_found(tenants: Tenants, how: str) -> None:
    portal_id = await tenants.bad_portal_id(how)
    before = await tenants.snapshot()
    payload = await run(tenants.api, "portalUpdate", {"portalId": portal_id, "name": "Hijacked", "slug": "hijacked"})
    refused(payload, ["portalId"], "NOT_FOUND")
    assert await tenants.snapshot() == before


async def test_a_sub_portal_cannot_update_its_parent(tenants: Tenants) -> None:
    before = await tenants.snapshot()
    payload = await run(
        tenants.api.acting_in("acme-east"), "portalUpdate", {"portalId": gid(tenants.acme), "name": "X"}
    )
    refused(payload, ["portalId"], "NOT_FOUND")
    assert await tenants.snapshot() == before


# concurrent writes


@pytest.mark.parametrize("input_", [{"name": "West", "slug": "west"}, {"name": "West"}])
async def test_concurrent_portal_creates_never_fail_with_a_server_error(
    tenants: Tenants, input_: dict[str, Any]
) -> None:
    """Each request checks the slug is free before inserting; the losers of that race are DUPLICATE."""
    payloads = await asyncio.gather(*(run(tenants.api, "portalCreate", input_) for _ in range(3)))
    made = sorted(payload["portal"]["slug"] for payload in payloads if not payload["errors"])
    for payload in payloads:
        if payload["errors"]:
            refused(payload, ["slug"], "DUPLICATE")
    assert made[:1] == ["west"]
    if "slug" in input_:
        assert made == ["west"]
    assert slugs(await portals(tenants.api, search="west", order={"field": "SLUG"})) == made


async def test_concurrent_updates_to_one_slug_give_it_to_one_portal(tenants: Tenants) -> None:
    west = await make_portal(tenants.session, parent=tenants.acme, slug="acme-west")
    contenders = {"acme-east": tenants.east, "acme-west": west}
    payloads = await asyncio.gather(
        *(
            run(tenants.api, "portalUpdate", {"portalId": gid(portal), "slug": "shared"})
            for portal in contenders.values()
        )
    )
    outcome = dict(zip(contenders, payloads, strict=True))
    [winner] = [slug for slug, payload in outcome.items() if not payload["errors"]]
    [loser] = [slug for slug, payload in outcome.items() if payload["errors"]]
    refused(outcome[loser], ["slug"], "DUPLICATE")
    assert (await portal_by_slug(tenants.api, "shared"))["id"] == gid(contenders[winner])
    assert slugs(await portals(tenants.api, parentId=gid(tenants.acme), order={"field": "SLUG"})) == [loser, "shared"]


# portal(id | slug) and portals


@pytest.mark.parametrize("arguments", ['id: "UG9ydGFsOng=", slug: "acme"', "", 'id: "not-an-id"'])
async def test_portal_lookup_needs_exactly_one_decodable_key(tenants: Tenants, arguments: str) -> None:
    lookup = f"portal({arguments})" if arguments else "portal"
    errors = await tenants.api.errors(f"{{ {lookup} {{ id }} }}")
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_portal_lookup_by_id_or_slug(tenants: Tenants) -> None:
    group = await make_group(tenants.session, tenants.acme)
    acme = await portal_by_id(tenants.api, gid(tenants.acme))
    assert acme["slug"] == "acme" and acme["subPortals"] == [{"slug": "acme-east"}] and acme["parent"] is None
    assert await portal_by_slug(tenants.api, "acme") == acme
    assert await portal_by_slug(tenants.api, "ACME") == acme
    assert await portal_by_slug(tenants.api, "nope") is None
    assert await portal_by_id(tenants.api, global_id("Portal", uuid4())) is None
    assert await portal_by_id(tenants.api, gid(group)) is None


async def test_portals_lists_the_acting_portals_subtree_with_filters_and_orders(tenants: Tenants) -> None:
    acme, east, session = tenants.acme, tenants.east, tenants.session

    def day(n: int) -> datetime:  # before acme and acme-east, which are created now
        return datetime(2020, 1, n, tzinfo=UTC)

    await make_portal(session, parent=acme, slug="b-branch", name="Beta Branch", created_at=day(3))
    await make_portal(session, parent=acme, slug="z-alpha", name="Alpha Branch", created_at=day(2))
    await make_portal(session, parent=east, slug="gamma", name="Gamma Kids", created_at=day(1))
    await make_portal(session, parent=tenants.globex, slug="globex-branch", name="Globex Branch", created_at=day(4))

    async def listed(**arguments: Any) -> list[str]:
        page = await portals(tenants.api, **arguments)
        assert page["totalCount"] == len(page["nodes"])
        return slugs(page)

    assert await listed() == ["gamma", "z-alpha", "b-branch", "acme", "acme-east"]
    assert await listed(search="BRANCH") == ["z-alpha", "b-branch"]
    assert await listed(search="globex") == []
    assert await listed(parentId=gid(acme)) == ["z-alpha", "b-branch", "acme-east"]
    assert await listed(parentId=gid(east)) == ["gamma"]
    assert await listed(parentId=gid(tenants.globex)) == []
    assert await listed(search="kids", parentId=gid(east)) == ["gamma"]
    assert await listed(order={"field": "NAME"}) == ["acme", "acme-east", "z-alpha", "b-branch", "gamma"]
    assert await listed(order={"field": "SLUG", "direction": "DESC"}) == [
        "z-alpha",
        "gamma",
        "b-branch",
        "acme-east",
        "acme",
    ]
    assert await listed(order={"field": "CREATED_AT", "direction": "DESC"}) == [
        "acme-east",
        "acme",
        "b-branch",
        "z-alpha",
        "gamma",
    ]


async def test_portals_search_matches_percent_and_underscore_literally(tenants: Tenants) -> None:
    for slug, name in (("cotton", "100% Cotton"), ("cottons", "1000 Cottons"), ("snake", "snake_case")):
        await make_portal(tenants.session, parent=tenants.acme, slug=slug, name=name)
    await make_portal(tenants.session, parent=tenants.acme, slug="snakes", name="snakeXcase")
    assert slugs(await portals(tenants.api, search="100%")) == ["cotton"]
    assert slugs(await portals(tenants.api, search="e_c")) == ["snake"]


async def test_portals_pages_forward(tenants: Tenants) -> None:
    for n in range(3):
        await make_portal(tenants.session, parent=tenants.acme, slug=f"branch-{n}")
    order = {"field": "SLUG"}
    first = await portals(tenants.api, first=2, order=order)
    assert (slugs(first), first["totalCount"], first["pageInfo"]["hasNextPage"]) == (["acme", "acme-east"], 5, True)
    rest = await portals(tenants.api, first=3, after=first["pageInfo"]["endCursor"], order=order)
    assert slugs(rest) == ["branch-0", "branch-1", "branch-2"]
    assert (rest["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasPreviousPage"]) == (False, True)


@pytest.mark.parametrize("parent_id", ["not-an-id", global_id("Group", UUID(int=1))])
async def test_portals_filter_with_a_bad_parent_id_is_bad_user_input(tenants: Tenants, parent_id: str) -> None:
    errors = await tenants.api.errors("query ($p: ID) { portals(parentId: $p) { totalCount } }", {"p": parent_id})
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_the_portal_create_payload_shows_the_new_portal_under_its_parent(tenants: Tenants) -> None:
    query = """mutation { portalCreate(input: {name: "Acme West"}) {
      portal { slug parent { subPortals { slug } } } errors { code }
    } }"""
    payload = (await tenants.api.data(query))["portalCreate"]
    assert payload["portal"]["slug"] == "acme-west"
    assert payload["portal"]["parent"]["subPortals"] == [{"slug": "acme-east"}, {"slug": "acme-west"}]


# node, nodes and tenancy

LOOKUPS = """query ($id: ID!, $ids: [ID!]!, $slug: String!) {
  node(id: $id) { __typename id ... on Portal { slug } }
  nodes(ids: $ids) { __typename id ... on Portal { slug } }
  bySlug: portal(slug: $slug) { slug }
  byId: portal(id: $id) { slug }
  portals { totalCount nodes { slug } }
}"""


async def test_node_and_nodes_resolve_portals(tenants: Tenants) -> None:
    missing = global_id("Portal", uuid4())
    variables = {"id": gid(tenants.east), "ids": [gid(tenants.acme), missing, gid(tenants.east)], "slug": "acme-east"}
    data = await tenants.api.data(LOOKUPS, variables)
    assert data["node"] == {"__typename": "Portal", "id": gid(tenants.east), "slug": "acme-east"}
    assert data["nodes"] == [
        {"__typename": "Portal", "id": gid(tenants.acme), "slug": "acme"},
        None,
        {"__typename": "Portal", "id": gid(tenants.east), "slug": "acme-east"},
    ]
    assert data["bySlug"] == data["byId"] == {"slug": "acme-east"}


async def test_another_tenants_portals_are_null_or_absent(tenants: Tenants) -> None:
    variables = {"id": gid(tenants.globex), "ids": [gid(tenants.globex), gid(tenants.acme)], "slug": "globex"}
    assert await tenants.api.data(LOOKUPS, variables) == {
        "node": None,
        "nodes": [None, {"__typename": "Portal", "id": gid(tenants.acme), "slug": "acme"}],
        "bySlug": None,
        "byId": None,
        "portals": {"totalCount": 2, "nodes": [{"slug": "acme"}, {"slug": "acme-east"}]},
    }
    seen_by_globex = await tenants.api.acting_in("globex").data(LOOKUPS, variables)
    assert seen_by_globex["bySlug"] == seen_by_globex["byId"] == {"slug": "globex"}
    assert seen_by_globex["nodes"] == [{"__typename": "Portal", "id": gid(tenants.globex), "slug": "globex"}, None]
    assert seen_by_globex["portals"] == {"totalCount": 1, "nodes": [{"slug": "globex"}]}


async def test_a_sub_portal_sees_neither_its_parent_nor_its_siblings(tenants: Tenants) -> None:
    west = await make_portal(tenants.session, parent=tenants.acme, slug="acme-west")
    east = tenants.api.acting_in("acme-east")
    variables = {"id": gid(tenants.acme), "ids": [gid(tenants.acme), gid(west), gid(tenants.east)], "slug": "acme"}
    data = await east.data(LOOKUPS, variables)
    assert (data["node"], data["bySlug"], data["byId"]) == (None, None, None)
    assert data["nodes"] == [None, None, {"__typename": "Portal", "id": gid(tenants.east), "slug": "acme-east"}]
    assert data["portals"] == {"totalCount": 1, "nodes": [{"slug": "acme-east"}]}
    assert (await portal_by_id(east, gid(tenants.east)))["parent"] is None
    seen_by_acme = await portal_by_id(tenants.api, gid(tenants.east))
    assert seen_by_acme["parent"] == {"slug": "acme"}


async def test_x_portal_may_name_a_sub_portal_by_its_id(tenants: Tenants) -> None:
    response = await tenants.api.post("{ portals { nodes { slug } } }", **{"X-Portal": gid(tenants.east)})
    assert response.json()["data"] == {"portals": {"nodes": [{"slug": "acme-east"}]}}


async def test_an_unknown_x_portal_is_bad_user_input_and_changes_nothing(tenants: Tenants) -> None:
    before = await tenants.snapshot()
    mutation = 'mutation { portalCreate(input: {name: "Lost"}) { portal { id } errors { code } } }'
    for query in ("{ portals { totalCount } }", mutation):
        body = (await tenants.api.post(query, **{"X-Portal": "nope"})).json()
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        assert "nope" in body["errors"][0]["message"]
    assert await tenants.snapshot() == before
