"""Keyset paging for every connection, batched across parents with ROW_NUMBER().

A `Listing` is hashable, so DataLoaders group equal listings of many parents (the courses of
20 portals) into one statement: the statement count follows nesting depth, not list sizes.
"""

import base64
import binascii
import json
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import BadInput


class Direction(StrEnum):
    ASC = "asc"
    DESC = "desc"


@dataclass(frozen=True, slots=True)
class Order:
    """`name` is the API's field name (kept in cursors); `column` the table column's key."""

    name: str
    column: str
    direction: Direction = Direction.ASC


@dataclass(frozen=True, slots=True)
class Window:
    limit: int
    backwards: bool = False
    after: tuple[Any, UUID] | None = None
    before: tuple[Any, UUID] | None = None


Query = Callable[..., Select[Any]]


@dataclass(frozen=True, slots=True)
class Listing:
    """Rows to page through: `query(*args)` selects one table's columns, already scoped.

    `partition` names the column grouping rows by parent (None for a root connection).
    """

    query: Query
    args: tuple[Hashable, ...]
    partition: str | None
    order: Order
    window: Window

    @property
    def counting_key(self) -> Hashable:
        return (self.query, self.args, self.partition)


@dataclass(slots=True)
class Page:
    rows: list[Any]
    has_next: bool
    has_previous: bool


_TAGS: dict[str, Callable[[str], Any]] = {
    "dt": datetime.fromisoformat,
    "d": date.fromisoformat,
    "u": UUID,
    "i": int,
    "s": str,
}


def _tagged(value: Any) -> list[str]:
    if isinstance(value, datetime):
        return ["dt", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    if isinstance(value, UUID):
        return ["u", str(value)]
    if isinstance(value, int):
        return ["i", str(value)]
    return ["s", str(value)]


def encode_cursor(order: Order, row: Any) -> str:
    raw = json.dumps([order.name, _tagged(getattr(row, order.column)), str(row.id)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(order: Order, cursor: str) -> tuple[Any, UUID]:
    """Refuses a cursor made for another order: its position means nothing in this one."""
    try:
        name, (tag, value), ident = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if name != order.name:
            raise ValueError(name)
        return _TAGS[tag](value), UUID(ident)
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadInput(f"Invalid cursor for this order ({order.name}).") from exc


def _keyset(stmt: Select[Any], column: Any, ident: Any, key: tuple[Any, UUID], *, greater: bool) -> Select[Any]:
    value, row_id = key
    if greater:
        return stmt.where(or_(column > value, and_(column == value, ident > row_id)))
    return stmt.where(or_(column < value, and_(column == value, ident < row_id)))


def ordered(listing: Listing) -> tuple[Select[Any], list[Any]]:
    """The listing's rows inside its cursor window, and the sort keys that read the window in order."""
    stmt = listing.query(*listing.args)
    table = stmt.selected_columns
    column, ident = table[listing.order.column], table["id"]
    ascending = listing.order.direction is Direction.ASC
    window = listing.window
    if window.after is not None:
        stmt = _keyset(stmt, column, ident, window.after, greater=ascending)
    if window.before is not None:
        stmt = _keyset(stmt, column, ident, window.before, greater=not ascending)
    if window.backwards:
        ascending = not ascending
    keys = [column.asc(), ident.asc()] if ascending else [column.desc(), ident.desc()]
    return stmt, keys


def _page(rows: list[Any], window: Window) -> Page:
    extra = len(rows) > window.limit
    rows = rows[: window.limit]
    if window.backwards:
        rows.reverse()
        return Page(rows, has_next=window.before is not None, has_previous=extra)
    return Page(rows, has_next=extra, has_previous=window.after is not None)


async def fetch_pages(session: AsyncSession, listing: Listing, parents: Sequence[Any]) -> dict[Any, Page]:
    """One statement for the pages of every parent (or the one page of a root listing)."""
    stmt, keys = ordered(listing)
    size = listing.window.limit + 1
    if listing.partition is None:
        rows = (await session.execute(stmt.order_by(*keys).limit(size))).all()
        return {None: _page(list(rows), listing.window)}
    part = stmt.selected_columns[listing.partition]
    numbered = stmt.where(part.in_(parents)).add_columns(
        func.row_number().over(partition_by=part, order_by=keys).label("row_number")
    )
    sub = numbered.subquery()
    rows = (
        await session.execute(
            select(sub).where(sub.c.row_number <= size).order_by(sub.c[listing.partition], sub.c.row_number)
        )
    ).all()
    grouped: dict[Any, list[Any]] = {parent: [] for parent in parents}
    for row in rows:
        grouped[getattr(row, listing.partition)].append(row)
    return {parent: _page(group, listing.window) for parent, group in grouped.items()}


async def count_rows(session: AsyncSession, listing: Listing, parents: Sequence[Any]) -> dict[Any, int]:
    stmt = listing.query(*listing.args)
    if listing.partition is None:
        total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
        return {None: total or 0}
    part = stmt.selected_columns[listing.partition]
    sub = stmt.where(part.in_(parents)).subquery()
    counted = await session.execute(select(sub.c[listing.partition], func.count()).group_by(sub.c[listing.partition]))
    totals = dict(counted.all())
    return {parent: totals.get(parent, 0) for parent in parents}


def window(
    order: Order,
    *,
    first: int | None,
    last: int | None,
    after: str | None,
    before: str | None,
    default_size: int,
    max_size: int,
) -> Window:
    """Contract §3: `first`/`last` default to 20, must be 1..max, and not both at once."""
    if first is not None and last is not None:
        raise BadInput("Give `first` or `last`, not both.")
    size = first if first is not None else last
    if size is not None and not 1 <= size <= max_size:
        name = "first" if first is not None else "last"
        raise BadInput(f"`{name}` must be between 1 and {max_size}.")
    return Window(
        limit=size or default_size,
        backwards=last is not None,
        after=decode_cursor(order, after) if after else None,
        before=decode_cursor(order, before) if before else None,
    )
