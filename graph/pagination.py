"""Relay connections over keyset pages: `first`/`last` ≤ 100, `totalCount` only when asked."""

from collections.abc import Awaitable, Callable, Hashable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import strawberry

from graph.enums import Direction
from resolvers import paging
from resolvers.paging import Listing, Order, Page, Query, encode_cursor

if TYPE_CHECKING:
    from graph.context import Info

NodeT = TypeVar("NodeT")


@strawberry.type(description="Where a page sits in its list (Relay).")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="One item of a page and its cursor.")
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type(description="A page of a list that can grow (Relay connection).")
class Connection(Generic[NodeT]):
    nodes: list[NodeT]
    page_info: PageInfo
    _rows: strawberry.Private[list[Any]]
    _order: strawberry.Private[Order]
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The page's items with their cursors.")
    def edges(self) -> list[Edge[NodeT]]:
        pairs = zip(self._rows, self.nodes, strict=True)
        return [Edge(cursor=encode_cursor(self._order, row), node=node) for row, node in pairs]

    @strawberry.field(description="How many items the whole list holds (filters applied).")
    async def total_count(self) -> int:
        return await self._count()


def order_input(name: str, fields: Mapping[str, str]) -> Any:
    """`orderBy: { field, direction }` for one list; `fields` maps API names to columns."""
    field_enum = strawberry.enum(StrEnum(f"{name}Field", {key: key for key in fields}))  # type: ignore[misc]
    first = next(iter(fields))

    @strawberry.input(name=name, description="Sort order; ties are broken by id.")
    class OrderInput:
        field: field_enum = strawberry.field(default=field_enum(first))  # type: ignore[valid-type]
        direction: Direction = Direction.ASC

        def order(self) -> Order:
            return Order(self.field.value, fields[self.field.value], self.direction)

    return OrderInput


def listing(
    info: "Info",
    query: Query,
    args: tuple[Hashable, ...],
    *,
    order: Order,
    partition: str | None = None,
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
) -> Listing:
    settings = info.context.settings
    window = paging.window(
        order,
        first=first,
        last=last,
        after=after,
        before=before,
        default_size=settings.default_page_size,
        max_size=settings.max_page_size,
    )
    return Listing(query=query, args=args, partition=partition, order=order, window=window)


async def connection(
    info: "Info", listing: Listing, convert: Callable[[Any], NodeT], parent: Hashable = None
) -> Connection[NodeT]:
    """Batched through the request's loaders: many parents' pages cost one statement."""
    loaders = info.context.loaders
    page: Page = await loaders.pages.load((parent, listing))
    return Connection(
        nodes=[convert(row) for row in page.rows],
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=encode_cursor(listing.order, page.rows[0]) if page.rows else None,
            end_cursor=encode_cursor(listing.order, page.rows[-1]) if page.rows else None,
        ),
        _rows=page.rows,
        _order=listing.order,
        _count=lambda: loaders.counts.load((parent, listing)),
    )
