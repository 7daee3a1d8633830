"""Relay connections over keyset pages: `first`/`last` ≤ 100, `totalCount` only when asked."""

from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField
from strawberry.utils.str_converters import to_camel_case

from graph.enums import Direction, described
from models.settings import Settings
from resolvers import paging
from resolvers.paging import Listing, Order, Page, Query, encode_cursor

if TYPE_CHECKING:
    from graph.context import Info

NodeT = TypeVar("NodeT")


@strawberry.type(description="Where a page sits in its list (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page: ask with `after: endCursor`.")
    has_previous_page: bool = strawberry.field(
        description="More items precede this page: ask with `before: startCursor`."
    )
    start_cursor: str | None = strawberry.field(description="The first item's cursor; null for an empty page.")
    end_cursor: str | None = strawberry.field(description="The last item's cursor; null for an empty page.")


@strawberry.type(description="One item of a page and its cursor.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="Opaque; pass it as `after` or `before` to page from this item.")
    node: NodeT = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list that can grow (Relay connection).")
class Connection(Generic[NodeT]):
    nodes: list[NodeT] = strawberry.field(description="The page's items, without cursors.")
    page_info: PageInfo = strawberry.field(
        description="Where the page sits in the list: cursors and whether more follow."
    )
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
    first = next(iter(fields))
    field_enum = described(
        strawberry.enum(
            StrEnum(f"{name}Field", {key: key for key in fields}),  # type: ignore[misc]
            description="What a list can be sorted by.",
        ),
        {key: f"By `{to_camel_case(key.lower())}`." for key in fields},
    )

    @strawberry.input(name=name, description="Sort order; ties are broken by id.")
    class OrderInput:
        field: field_enum = strawberry.field(  # type: ignore[valid-type]
            default=field_enum(first), description=f"What to sort by; {first} when left out."
        )
        direction: Direction = strawberry.field(default=Direction.ASC, description="ASC when left out.")

        def order(self) -> Order:
            return Order(self.field.value, fields[self.field.value], self.direction)

    return OrderInput


def listing(
    settings: Settings,
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


async def page_connection(
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


@dataclass(frozen=True, slots=True)
class Listed:
    """What a connection field's resolver returns; `Paged` turns it into the requested page."""

    query: Query
    args: tuple[Hashable, ...]
    convert: Callable[[Any], Any]
    partition: str | None = None
    parent: Hashable = None


def _argument(name: str, annotation: Any, description: str) -> StrawberryArgument:
    return StrawberryArgument(
        python_name=name,
        graphql_name=None,
        type_annotation=StrawberryAnnotation(annotation),
        description=description,
        default=None,
    )


class Paged(FieldExtension):
    """Gives a connection field the Relay arguments and `orderBy`, once for every list."""

    def __init__(self, order: Any) -> None:
        self.order = order

    def apply(self, field: StrawberryField) -> None:
        field.arguments = [
            *field.arguments,
            _argument("first", int | None, "The first n items (1..100, default 20)."),
            _argument("after", str | None, "Items after this cursor."),
            _argument("last", int | None, "The last n items (1..100)."),
            _argument("before", str | None, "Items before this cursor."),
            _argument("order_by", self.order | None, "Sort order; creation time then id when left out."),
        ]

    async def resolve_async(
        self,
        next_: AsyncExtensionResolver,
        source: Any,
        info: "Info",
        *,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        order_by: Any = None,
        **kwargs: Any,
    ) -> Any:
        listed: Listed = await next_(source, info, **kwargs)
        rows = listing(
            info.context.settings,
            listed.query,
            listed.args,
            order=(order_by or self.order()).order(),
            partition=listed.partition,
            first=first,
            after=after,
            last=last,
            before=before,
        )
        return await page_connection(info, rows, listed.convert, listed.parent)
