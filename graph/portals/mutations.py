"""portalCreate, portalUpdate."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.errors import error_type
from graph.mutation import payload_type, perform
from graph.node import input_id
from graph.portals.types import PortalType
from resolvers import portals

PortalError = error_type("PortalError", portals.PortalErrorCode)


@strawberry.input(description="A new portal; without parentId, a sub-portal of the acting portal if there is one.")
class PortalCreateInput:
    name: str = strawberry.field(description="The portal's name.")
    slug: str | None = strawberry.field(default=None, description="Generated from the name when left out.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=None, description="A portal the caller administers; none: a top-level portal."
    )
    time_zone: str = strawberry.field(default="UTC", description="IANA name, e.g. Europe/Amsterdam.")

    def to_command(self) -> portals.PortalCreate:
        parent = input_id(self.parent_id, "Portal", field=("parentId",)) if self.parent_id else None
        return portals.PortalCreate(name=self.name, slug=self.slug, parent_id=parent, time_zone=self.time_zone)


@strawberry.input(description="Changes to a portal; fields left out stay as they are.")
class PortalUpdateInput:
    portal_id: strawberry.ID = strawberry.field(description="The portal to change.")
    name: str | None = strawberry.field(default=None, description="A new name; left out: unchanged.")
    slug: str | None = strawberry.field(default=None, description="A new slug; left out: unchanged.")
    time_zone: str | None = strawberry.field(default=None, description="A new IANA time zone; left out: unchanged.")

    def to_command(self) -> portals.PortalUpdate:
        return portals.PortalUpdate(
            portal_id=input_id(self.portal_id, "Portal", field=("portalId",)),
            name=self.name,
            slug=self.slug,
            time_zone=self.time_zone,
        )


PortalPayload = payload_type("PortalPayload", "portal", PortalType, PortalError)


@strawberry.type
class PortalMutation:
    @strawberry.mutation(description="Create a portal or sub-portal.")
    async def portal_create(
        self,
        info: Info,
        input_: Annotated[
            PortalCreateInput,
            strawberry.argument(name="input", description="The portal's name, slug, parent and time zone."),
        ],
    ) -> PortalPayload:  # type: ignore[valid-type]
        return await perform(info, PortalPayload, portals.create_portal, lambda: {"command": input_.to_command()})

    @strawberry.mutation(description="Rename a portal, change its slug or time zone.")
    async def portal_update(
        self,
        info: Info,
        input_: Annotated[
            PortalUpdateInput, strawberry.argument(name="input", description="The portal and the fields to change.")
        ],
    ) -> PortalPayload:  # type: ignore[valid-type]
        return await perform(info, PortalPayload, portals.update_portal, lambda: {"command": input_.to_command()})
