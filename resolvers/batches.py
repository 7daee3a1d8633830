"""Set-based reads behind the DataLoaders: one statement per batch, whatever its size."""

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.auth import Actor


def visible_rows(model: Any, actor: Actor) -> Select[Any]:
    return select(model.__table__).where(actor.visible(model))


async def rows_by_ids(session: AsyncSession, model: Any, ids: Sequence[UUID], *, actor: Actor) -> dict[UUID, Any]:
    """Rows the actor may see, as light Core rows (no ORM identity map or hydration)."""
    stmt = visible_rows(model, actor).where(model.id.in_(ids))
    return {row.id: row for row in await session.execute(stmt)}


async def rows_by_parent(
    session: AsyncSession, stmt: Select[Any], *, partition: str, parents: Sequence[Any], order_by: Sequence[str]
) -> dict[Any, list[Any]]:
    columns = stmt.selected_columns
    ordered = stmt.where(columns[partition].in_(parents)).order_by(*(columns[name] for name in order_by))
    grouped: dict[Any, list[Any]] = {parent: [] for parent in parents}
    for row in await session.execute(ordered):
        grouped[getattr(row, partition)].append(row)
    return grouped


@dataclass(frozen=True, slots=True)
class Children:
    """A short, unpaged list per parent (a course's modules); hashable so loaders can batch it."""

    query: Callable[..., Select[Any]]
    args: tuple[Hashable, ...]
    partition: str
    order_by: tuple[str, ...]

    async def fetch(self, session: AsyncSession, parents: Sequence[Any]) -> dict[Any, list[Any]]:
        return await rows_by_parent(
            session, self.query(*self.args), partition=self.partition, parents=parents, order_by=self.order_by
        )
