"""Portal lookups."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.node import filter_id, id_or_slug, query_id
from graph.pagination import Connection, Listed, Paged, order_input
from graph.portals.types import PortalType
from models.portals import Portal
from resolvers import portals

PortalOrder = order_input("PortalOrder", {"CREATED_AT": "created_at", "NAME": "name", "SLUG": "slug"})


@strawberry.type
class PortalQuery:
    @strawberry.field(description="A portal by id or slug; null when missing or hidden.")
    async def portal(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID | None, strawberry.argument(description="The portal's global ID; give this or `slug`.")
        ] = None,
        slug: Annotated[str | None, strawberry.argument(description="The portal's slug; give this or `id`.")] = None,
    ) -> PortalType | None:
        id_or_slug(id, slug)
        actor = await info.context.actor()
        if id is not None:
            row_id = query_id(id, "Portal")
            row = None if row_id is None else await info.context.loaders.row(Portal, row_id)
        else:
            row = await info.context.db.run(portals.portal_by_slug, actor=actor, slug=slug or "")
        return None if row is None else PortalType.from_row(row)

    @strawberry.field(
        description="Portals the viewer can see: the acting portal (and, for admins, its sub-portals).",
        extensions=[Paged(PortalOrder)],
    )
    async def portals(
        self,
        info: Info,
        search: Annotated[str | None, strawberry.argument(description="Words in the name.")] = None,
        parent_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only direct sub-portals of this portal.")
        ] = None,
    ) -> Connection[PortalType]:
        actor = await info.context.actor()
        parent = filter_id(parent_id, "Portal") if parent_id else None
        return Listed(portals.portals_query, (actor, search, parent), PortalType.from_row)  # type: ignore[return-value]
