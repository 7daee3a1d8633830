"""Per-request DataLoaders: every to-one and to-many field resolves through these four.

They are per request because they cache what one viewer may see.
"""

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader

from graph.metrics import BATCH_SIZES
from models.session import Db
from resolvers.auth import Actor
from resolvers.batches import Children, rows_by_ids
from resolvers.paging import Listing, Page, count_rows, fetch_pages

K = TypeVar("K", bound=tuple[Any, ...])
G = TypeVar("G", bound=Hashable)


def _grouped(keys: Sequence[K], group: Callable[[K], G]) -> dict[G, list[K]]:
    groups: dict[G, list[K]] = defaultdict(list)
    for key in keys:
        groups[group(key)].append(key)
    return groups


class Loaders:
    def __init__(self, db: Db, actor: Callable[[], Any]) -> None:
        self._db = db
        self._actor = actor
        self.rows = DataLoader[tuple[Any, UUID], Any](self._rows)
        self.children = DataLoader[tuple[Any, Children], list[Any]](self._children)
        self.pages = DataLoader[tuple[Any, Listing], Page](self._pages)
        self.counts = DataLoader[tuple[Any, Listing], int](
            self._counts, cache_key_fn=lambda key: (key[0], key[1].counting_key)
        )

    def clear(self) -> None:
        """After a write: later fields of the same request must see the new state."""
        for loader in (self.rows, self.children, self.pages, self.counts):
            loader.clear_all()

    async def row(self, model: Any, row_id: UUID) -> Any:
        return await self.rows.load((model, row_id))

    async def _rows(self, keys: Sequence[tuple[Any, UUID]]) -> list[Any]:
        actor: Actor = await self._actor()
        found: dict[tuple[Any, UUID], Any] = {}
        for model, group in _grouped(keys, lambda key: key[0]).items():
            BATCH_SIZES.labels("rows").observe(len(group))
            rows = await self._db.run(rows_by_ids, model, [row_id for _, row_id in group], actor=actor)
            found.update(((model, row_id), row) for row_id, row in rows.items())
        return [found.get(key) for key in keys]

    async def _children(self, keys: Sequence[tuple[Any, Children]]) -> list[list[Any]]:
        found: dict[tuple[Any, Children], list[Any]] = {}
        for spec, group in _grouped(keys, lambda key: key[1]).items():
            BATCH_SIZES.labels("children").observe(len(group))
            lists = await self._db.run(spec.fetch, [parent for parent, _ in group])
            found.update(((parent, spec), rows) for parent, rows in lists.items())
        return [found[key] for key in keys]

    async def _pages(self, keys: Sequence[tuple[Any, Listing]]) -> list[Page]:
        found: dict[tuple[Any, Listing], Page] = {}
        for listing, group in _grouped(keys, lambda key: key[1]).items():
            BATCH_SIZES.labels("pages").observe(len(group))
            pages = await self._db.run(fetch_pages, listing, [parent for parent, _ in group])
            found.update(((parent, listing), page) for parent, page in pages.items())
        return [found[key] for key in keys]

    async def _counts(self, keys: Sequence[tuple[Any, Listing]]) -> list[int]:
        found: dict[tuple[Any, Hashable], int] = {}
        for counting, group in _grouped(keys, lambda key: key[1].counting_key).items():
            BATCH_SIZES.labels("counts").observe(len(group))
            totals = await self._db.run(count_rows, group[0][1], [parent for parent, _ in group])
            found.update(((parent, counting), total) for parent, total in totals.items())
        return [found[(parent, listing.counting_key)] for parent, listing in keys]
