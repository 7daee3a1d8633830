"""Relay connections: keyset cursors, both directions, edges of the list, limits (contract §3)."""

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.portals import Portal
from tests.conftest import Api
from tests.factories import make_course, make_portal

PAGE = """
query ($first: Int, $after: String, $last: Int, $before: String, $order: CourseOrder) {
  courses(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    totalCount
    edges { cursor node { title } }
    nodes { title }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


@pytest.fixture
async def catalog(api: Api, session: AsyncSession) -> Api:
    """Five courses created one second apart, titles in reverse order of creation."""
    portal = await make_portal(session, slug="paged")
    for n in range(5):
        await make_course(session, portal, title=f"Course {'EDCBA'[n]}", age=10 - n)
    return api.acting_in("paged")


async def page(api: Api, **variables: Any) -> dict[str, Any]:
    return (await api.data(PAGE, variables))["courses"]


def titles(result: dict[str, Any]) -> list[str]:
    return [node["title"] for node in result["nodes"]]


async def test_first_page_defaults_to_creation_order(catalog: Api) -> None:
    result = await page(catalog, first=2)
    assert titles(result) == ["Course E", "Course D"]
    assert result["totalCount"] == 5
    assert result["pageInfo"]["hasNextPage"] is True
    assert result["pageInfo"]["hasPreviousPage"] is False
    assert [edge["node"]["title"] for edge in result["edges"]] == titles(result)
    assert result["pageInfo"]["endCursor"] == result["edges"][-1]["cursor"]


async def test_after_walks_forward_to_the_last_page(catalog: Api) -> None:
    first = await page(catalog, first=2)
    second = await page(catalog, first=2, after=first["pageInfo"]["endCursor"])
    last = await page(catalog, first=2, after=second["pageInfo"]["endCursor"])
    assert titles(second) == ["Course C", "Course B"]
    assert titles(last) == ["Course A"]
    assert last["pageInfo"]["hasNextPage"] is False
    assert last["pageInfo"]["hasPreviousPage"] is True


async def test_last_and_before_walk_backward(catalog: Api) -> None:
    tail = await page(catalog, last=2)
    assert titles(tail) == ["Course B", "Course A"]
    assert tail["pageInfo"]["hasPreviousPage"] is True
    earlier = await page(catalog, last=2, before=tail["pageInfo"]["startCursor"])
    assert titles(earlier) == ["Course D", "Course C"]
    assert earlier["pageInfo"]["hasNextPage"] is True


async def test_after_the_last_item_is_an_empty_page(catalog: Api) -> None:
    everything = await page(catalog, first=5)
    beyond = await page(catalog, first=5, after=everything["pageInfo"]["endCursor"])
    assert beyond["nodes"] == []
    assert beyond["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": None,
        "endCursor": None,
    }


async def test_an_empty_list_has_an_empty_page(api: Api, session: AsyncSession) -> None:
    await make_portal(session, slug="empty")
    result = await page(api.acting_in("empty"))
    assert result["nodes"] == [] and result["totalCount"] == 0
    assert result["pageInfo"]["hasNextPage"] is False


async def test_cursors_are_stable_when_rows_are_inserted(catalog: Api, session: AsyncSession) -> None:
    first = await page(catalog, first=2)
    portal = await make_portal(session, slug="other")
    await make_course(session, portal, title="Elsewhere")
    paged = await session.scalar(select(Portal).where(Portal.slug == "paged"))
    await make_course(session, paged, title="Course Z", age=20)  # sorts before everything
    second = await page(catalog, first=2, after=first["pageInfo"]["endCursor"])
    assert titles(second) == ["Course C", "Course B"]


async def test_order_by_title_descending(catalog: Api) -> None:
    result = await page(catalog, first=3, order={"field": "TITLE", "direction": "DESC"})
    assert titles(result) == ["Course E", "Course D", "Course C"]
    following = await page(
        catalog, first=3, after=result["pageInfo"]["endCursor"], order={"field": "TITLE", "direction": "DESC"}
    )
    assert titles(following) == ["Course B", "Course A"]


@pytest.mark.parametrize(
    "variables",
    [{"first": 101}, {"last": 101}, {"first": 0}, {"first": -1}, {"first": 2, "last": 2}, {"after": "not-a-cursor"}],
)
async def test_bad_page_arguments_are_bad_user_input(catalog: Api, variables: dict[str, Any]) -> None:
    errors = await catalog.errors(PAGE, variables)
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_cursor_of_another_order_is_refused(catalog: Api) -> None:
    by_creation = await page(catalog, first=1)
    errors = await catalog.errors(
        PAGE, {"after": by_creation["pageInfo"]["endCursor"], "order": {"field": "TITLE", "direction": "ASC"}}
    )
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_first_of_one_hundred_is_allowed(catalog: Api) -> None:
    assert len(titles(await page(catalog, first=100))) == 5
