"""Categories and sections through HTTP: categoryCreate, sectionCreate, `categories`, nesting and nodes.

Every request acts as an admin of "acme"; "globex" is the other portal whose rows must stay out of reach.
"""

import asyncio
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from graph.ids import global_id
from models.courses import CategoryType, Course
from models.portals import Portal
from tests.conftest import Api
from tests.factories import gid, make_category, make_course, make_module, make_portal, make_section
from tests.graph.bad_ids import BAD_IDS, bad_id

NOW = "2026-01-05T09:00:00Z"  # the frozen clock
CATEGORY_CREATE = """mutation ($input: CategoryCreateInput!) {
  categoryCreate(input: $input) { category { id name type createdAt } errors { field message code } }
}"""
SECTION_CREATE = """mutation ($input: SectionCreateInput!) {
  sectionCreate(input: $input) { section { id title position course { id } } errors { field message code } }
}"""
CATEGORIES = """query ($first: Int, $after: String, $last: Int, $before: String, $type: CategoryKind,
                    $search: String, $order: CategoryOrder) {
  categories(first: $first, after: $after, last: $last, before: $before, type: $type, search: $search,
             orderBy: $order) {
    totalCount nodes { id name type } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""
SECTIONS = """query ($id: ID!) {
  course(id: $id) { sections { id title position } }
}"""


@pytest.fixture
async def portals(session: AsyncSession) -> tuple[Portal, Portal]:
    return await make_portal(session, slug="acme"), await make_portal(session, slug="globex")


@pytest.fixture
def acme(api: Api, portals: tuple[Portal, Portal]) -> Api:
    """An admin acting in acme (globex exists too)."""
    return api.acting_in("acme")


async def create_category(api: Api, **input_: Any) -> dict[str, Any]:
    return (await api.data(CATEGORY_CREATE, {"input": input_}))["categoryCreate"]


async def create_section(api: Api, **input_: Any) -> dict[str, Any]:
    return (await api.data(SECTION_CREATE, {"input": input_}))["sectionCreate"]


async def categories(api: Api, **arguments: Any) -> dict[str, Any]:
    return (await api.data(CATEGORIES, arguments))["categories"]


def names(page: dict[str, Any]) -> list[str]:
    return [node["name"] for node in page["nodes"]]


async def sections(api: Api, course: Course) -> list[tuple[str, int]]:
    data = await api.data(SECTIONS, {"id": gid(course)})
    return [(section["title"], section["position"]) for section in data["course"]["sections"]]


def refused(payload: dict[str, Any], node: str, field: list[str], code: str) -> str:
    """The payload names exactly one problem and no object; returns its message."""
    assert payload[node] is None, payload
    assert len(payload["errors"]) == 1, payload["errors"]
    error = payload["errors"][0]
    assert (error["field"], error["code"]) == (field, code), error
    assert error["message"]
    return error["message"]


# categoryCreate


async def test_category_create_returns_the_category_and_lists_it(acme: Api) -> None:
    payload = await create_category(acme, name="  Data Science  ")
    assert payload["errors"] == []
    category = payload["category"]
    assert category == {"id": category["id"], "name": "Data Science", "type": "COURSE", "createdAt": NOW}
    query = "query ($id: ID!) { node(id: $id) { __typename ... on Category { id name type createdAt } } }"
    assert (await acme.data(query, {"id": category["id"]}))["node"] == {"__typename": "Category", **category}
    page = await categories(acme)
    assert (page["totalCount"], page["nodes"]) == (
        1,
        [{"id": category["id"], "name": "Data Science", "type": "COURSE"}],
    )


@pytest.mark.parametrize("kind", ["COURSE", "MODULE", "PRODUCT", "QUESTION", "LEARNING_PATH", "USER"])
async def test_category_create_takes_any_kind(acme: Api, kind: str) -> None:
    payload = await create_category(acme, name="Misc", type=kind)
    assert payload["category"]["type"] == kind
    assert [(n["name"], n["type"]) for n in (await categories(acme, type=kind))["nodes"]] == [("Misc", kind)]


async def test_the_same_name_may_serve_two_kinds_and_two_portals(
    acme: Api, session: AsyncSession, portals: tuple[Portal, Portal]
) -> None:
    await make_category(session, portals[1], name="Data")
    await make_category(session, portals[0], name="Data", type=CategoryType.MODULE)
    payload = await create_category(acme, name="Data")
    assert payload["errors"] == []
    assert (await categories(acme, type="COURSE"))["totalCount"] == 1
    assert (await categories(acme))["totalCount"] == 2


@pytest.mark.parametrize("name", ["Data", "  Data "])
async def test_category_create_with_a_taken_name_is_duplicate(
    acme: Api, session: AsyncSession, portals: tuple[Portal, Portal], name: str
) -> None:
    existing = await make_category(session, portals[0], name="Data")
    message = refused(await create_category(acme, name=name), "category", ["name"], "DUPLICATE")
    assert message == "A category named 'Data' exists."
    assert [node["id"] for node in (await categories(acme))["nodes"]] == [gid(existing)]


async def test_concurrent_creates_of_one_name_make_one_category_and_duplicates(acme: Api) -> None:
    """The name check cannot see a concurrent request's uncommitted category; the unique constraint does."""
    await categories(acme)  # signed in before the race
    responses = await asyncio.gather(*(acme.post(CATEGORY_CREATE, {"input": {"name": "Same"}}) for _ in range(4)))
    payloads = [response.json()["data"]["categoryCreate"] for response in responses]
    assert sum(payload["category"] is not None for payload in payloads) == 1
    assert sorted(str([(e["field"], e["code"]) for e in p["errors"]]) for p in payloads) == [
        "[(['name'], 'DUPLICATE')]"
    ] * 3 + ["[]"]
    assert names(await categories(acme)) == ["Same"]


@pytest.mark.parametrize(
    ("name", "code"), [("", "REQUIRED"), ("   ", "REQUIRED"), ("x" * 201, "TOO_LONG"), ("x" * 10_000, "TOO_LONG")]
)
async def test_category_create_refuses_a_missing_or_long_name(acme: Api, name: str, code: str) -> None:
    refused(await create_category(acme, name=name), "category", ["name"], code)
    assert (await categories(acme))["totalCount"] == 0


async def test_category_create_accepts_a_name_of_200_characters(acme: Api) -> None:
    assert (await create_category(acme, name="x" * 200))["category"]["name"] == "x" * 200
    assert names(await categories(acme)) == ["x" * 200]


# categories


async def test_categories_filter_by_kind_and_search_within_the_acting_portal(
    acme: Api, session: AsyncSession, portals: tuple[Portal, Portal]
) -> None:
    ours, theirs = portals
    await make_category(session, ours, name="Data Science")
    await make_category(session, ours, name="Big data", type=CategoryType.MODULE)
    await make_category(session, ours, name="Design")
    await make_category(session, theirs, name="Data at Globex")
    assert names(await categories(acme)) == ["Data Science", "Big data", "Design"]
    assert names(await categories(acme, search="DATA")) == ["Data Science", "Big data"]
    assert names(await categories(acme, search="data", type="MODULE")) == ["Big data"]
    assert (await categories(acme, search="globex"))["totalCount"] == 0
    assert names(await categories(acme.acting_in("globex"))) == ["Data at Globex"]


async def test_categories_page_by_name_both_ways(
    acme: Api, session: AsyncSession, portals: tuple[Portal, Portal]
) -> None:
    for name in ("Delta", "Alpha", "Echo", "Charlie", "Bravo"):
        await make_category(session, portals[0], name=name)
    order = {"field": "NAME", "direction": "ASC"}
    first = await categories(acme, first=2, order=order)
    assert (names(first), first["totalCount"], first["pageInfo"]["hasNextPage"]) == (["Alpha", "Bravo"], 5, True)
    second = await categories(acme, first=2, after=first["pageInfo"]["endCursor"], order=order)
    assert names(second) == ["Charlie", "Delta"]
    back = await categories(acme, last=3, before=second["pageInfo"]["endCursor"], order=order)
    assert names(back) == ["Alpha", "Bravo", "Charlie"]
    assert (back["pageInfo"]["hasPreviousPage"], back["pageInfo"]["hasNextPage"]) == (False, True)
    descending = await categories(acme, last=2, order={"field": "NAME", "direction": "DESC"})
    assert names(descending) == ["Bravo", "Alpha"]


# sectionCreate


async def test_section_create_appends_sections_in_order(
    acme: Api, session: AsyncSession, portals: tuple[Portal, Portal]
) -> None:
    course = await make_course(session, portals[0])
    created = [await create_section(acme, courseId=gid(course), title=title) for title in (" Basics ", "Advanced")]
    assert [payload["errors"] for payload in created] == [[], []]
    first = created[0]["section"]
    assert first == {"id": first["id"], "title": "Basics", "position": 0, "course": {"id": gid(course)}}
    assert created[1]["section"]["position"] == 1
    assert await sections(acme, course) == [("Basics", 0), ("Advanced", 1)]


@pytest.mark.parametrize(("position", "expected"), [(0, 0), (1, 1), (2, 2), (99, 2)])
async def test_section_create_inserts_at_a_position_and_moves_the_rest(
    acme: Api, session: AsyncSession, portals: tuple[Portal, Portal], position: int, expected: int
) -> None:
    course = await make_course(session, portals[0])
    await make_section(session, course, title="A", position=0)
    await make_section(session, course, title="B", position=1)
    payload = await create_section(acme, courseId=gid(course), title="New", position=position)
    assert payload["section"]["position"] == expected
    order = ["A", "B"]
    order.insert(expected, "New")
    assert await sections(acme, course) == [(title, index) for index, title in enumerate(order)]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"title": ""}, ["title"], "REQUIRED"),
        ({"title": "  "}, ["title"], "REQUIRED"),
        ({"title": "x" * 10_000}, ["title"], "TOO_LONG"),
        ({"position": -1}, ["position"], "INVALID"),
    ],
)
async def test_a_refused_section_create_adds_nothing(
    acme: Api,
    session: AsyncSession,
    portals: tuple[Portal, Portal],
    change: dict[str, Any],
    field: list[str],
    code: str,
) -> None:
    course = await make_course(session, portals[0])
    await make_section(session, course, title="A", position=0)
    refused(await create_section(acme, **{"courseId": gid(course), "title": "New", **change}), "section", field, code)
    assert await sections(acme, course) == [("A", 0)]


async def test_section_create_reports_every_problem_at_once(
    acme: Api, session: AsyncSession, portals: tuple[Portal, Portal]
) -> None:
    course = await make_course(session, portals[0])
    payload = await create_section(acme, courseId=gid(course), title="", position=-3)
    assert payload["section"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(["title"], "REQUIRED"), (["position"], "INVALID")]
    assert await sections(acme, course) == []


@pytest.mark.parametrize("how", BAD_IDS)
async def test_section_create_in_a_course_the_admin_cannot_use_is_not_found(
    acme: Api, session: AsyncSession, portals: tuple[Portal, Portal], how: str
) -> None:
    ours, theirs = portals
    their_course = await make_course(session, theirs)

    async def hidden() -> Any:
        return their_course

    course_id = await bad_id(how, "Course", hidden=hidden, wrong_type=lambda: make_category(session, ours))
    refused(await create_section(acme, courseId=course_id, title="Intruder"), "section", ["courseId"], "NOT_FOUND")
    assert await sections(acme.acting_in("globex"), their_course) == []


# nesting and nodes

NESTED = """query ($id: ID!) {
  course(id: $id) {
    sections { title position course { id } modules { title position section { title } } }
    modules { title position section { title position } }
  }
}"""


async def test_sections_nest_their_modules_in_curriculum_order(
    acme: Api, session: AsyncSession, portals: tuple[Portal, Portal]
) -> None:
    course = await make_course(session, portals[0])
    basics = await make_section(session, course, title="Basics", position=0)
    extra = await make_section(session, course, title="Extra", position=1)
    await make_section(session, course, title="Empty", position=2)
    await make_module(session, course, title="Welcome", position=0)
    await make_module(session, course, title="Lesson 2", position=2, section_id=basics.id)
    await make_module(session, course, title="Lesson 1", position=1, section_id=basics.id)
    await make_module(session, course, title="Bonus", position=3, section_id=extra.id)
    data = (await acme.data(NESTED, {"id": gid(course)}))["course"]
    assert data["sections"] == [
        {
            "title": "Basics",
            "position": 0,
            "course": {"id": gid(course)},
            "modules": [
                {"title": "Lesson 1", "position": 1, "section": {"title": "Basics"}},
                {"title": "Lesson 2", "position": 2, "section": {"title": "Basics"}},
            ],
        },
        {
            "title": "Extra",
            "position": 1,
            "course": {"id": gid(course)},
            "modules": [{"title": "Bonus", "position": 3, "section": {"title": "Extra"}}],
        },
        {"title": "Empty", "position": 2, "course": {"id": gid(course)}, "modules": []},
    ]
    assert data["modules"] == [
        {"title": "Welcome", "position": 0, "section": None},
        {"title": "Lesson 1", "position": 1, "section": {"title": "Basics", "position": 0}},
        {"title": "Lesson 2", "position": 2, "section": {"title": "Basics", "position": 0}},
        {"title": "Bonus", "position": 3, "section": {"title": "Extra", "position": 1}},
    ]


NODES = """query ($id: ID!, $ids: [ID!]!) {
  node(id: $id) { __typename id ... on Section { title position course { id } modules { title } } }
  nodes(ids: $ids) { __typename id }
}"""


async def test_node_and_nodes_resolve_sections(
    acme: Api, session: AsyncSession, portals: tuple[Portal, Portal]
) -> None:
    course = await make_course(session, portals[0])
    section = await make_section(session, course, title="Basics", position=0)
    await make_module(session, course, title="Lesson", section_id=section.id)
    missing = global_id("Section", UUID(int=0))
    data = await acme.data(NODES, {"id": gid(section), "ids": [missing, gid(section)]})
    assert data["node"] == {
        "__typename": "Section",
        "id": gid(section),
        "title": "Basics",
        "position": 0,
        "course": {"id": gid(course)},
        "modules": [{"title": "Lesson"}],
    }
    assert data["nodes"] == [None, {"__typename": "Section", "id": gid(section)}]


async def test_another_portals_sections_and_categories_are_null(
    acme: Api, session: AsyncSession, portals: tuple[Portal, Portal]
) -> None:
    theirs = await make_course(session, portals[1])
    section = await make_section(session, theirs, title="Secret")
    category = await make_category(session, portals[1])
    data = await acme.data(NODES, {"id": gid(section), "ids": [gid(section), gid(category)]})
    assert data == {"node": None, "nodes": [None, None]}
    seen_by_globex = await acme.acting_in("globex").data(NODES, {"id": gid(section), "ids": [gid(category)]})
    assert seen_by_globex["node"]["title"] == "Secret"
    assert seen_by_globex["nodes"] == [{"__typename": "Category", "id": gid(category)}]
