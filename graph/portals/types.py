"""Portals: tenants with their sub-portals, courses and people."""

from datetime import datetime
from typing import Annotated, Any, Self
from uuid import UUID

import strawberry

from graph.context import Info
from graph.courses.types import CourseFilterInput, CourseOrder, CourseType
from graph.enums import Role
from graph.node import Node, make_id, register
from graph.orders.products import ProductOrder, ProductType
from graph.orders.types import OrderFilterInput, OrderOrder, OrderType, orders_listed
from graph.pagination import Connection, Listed, Paged
from graph.users.types import UserOrder, UserType
from models.portals import Portal
from resolvers import courses, portals, users
from resolvers.batches import Children
from resolvers.orders import catalog


@strawberry.type(name="Portal", description="A tenant: an academy, or a sub-portal of one.")
class PortalType(Node):
    name: str = strawberry.field(description="The portal's name.")
    slug: str = strawberry.field(description="URL-friendly name, unique across the service; `X-Portal` accepts it.")
    time_zone: str = strawberry.field(description="IANA time zone for date-only rules.")
    is_active: bool = strawberry.field(description="False once switched off.")
    total_seats: int | None = strawberry.field(description="Learner seats; null means unlimited.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    row_id: strawberry.Private[UUID]
    parent_id: strawberry.Private[UUID | None]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("Portal", row.id),
            name=row.name,
            slug=row.slug,
            time_zone=row.time_zone,
            is_active=row.is_active,
            total_seats=row.total_seats,
            created_at=row.created_at,
            updated_at=row.updated_at,
            row_id=row.id,
            parent_id=row.parent_id,
        )

    @strawberry.field(description="The parent portal, if the viewer may see it.")
    async def parent(self, info: Info) -> "PortalType | None":
        if self.parent_id is None:
            return None
        row = await info.context.loaders.row(Portal, self.parent_id)
        return None if row is None else PortalType.from_row(row)

    @strawberry.field(description="Direct sub-portals, by name.")
    async def sub_portals(self, info: Info) -> list["PortalType"]:
        actor = await info.context.actor()
        spec = Children(portals.sub_portals_query, (actor,), "parent_id", ("name", "id"))
        return [PortalType.from_row(row) for row in await info.context.loaders.children.load((self.row_id, spec))]

    @strawberry.field(description="This portal's own courses.", extensions=[Paged(CourseOrder)])
    async def courses(
        self,
        info: Info,
        filter: Annotated[CourseFilterInput | None, strawberry.argument(description="Narrows the courses.")] = None,
    ) -> Connection[CourseType]:
        actor = await info.context.actor()
        flt = (filter or CourseFilterInput()).to_filter()
        return Listed(  # type: ignore[return-value]
            courses.courses_query, (actor, flt, False), CourseType.from_row, partition="portal_id", parent=self.row_id
        )

    @strawberry.field(description="Members of this portal.", extensions=[Paged(UserOrder)])
    async def users(
        self,
        info: Info,
        search: Annotated[
            str | None,
            strawberry.argument(description="Words in the name, or in the email for those who may read emails."),
        ] = None,
        role: Annotated[Role | None, strawberry.argument(description="Only members with this role.")] = None,
    ) -> Connection[UserType]:
        actor = await info.context.actor()
        return Listed(  # type: ignore[return-value]
            users.portal_users_query,
            (actor, search, role),
            UserType.from_row,
            partition="portal_id",
            parent=self.row_id,
        )

    @strawberry.field(
        description="This portal's products: admins see all, everyone else the active ones.",
        extensions=[Paged(ProductOrder)],
    )
    async def products(
        self,
        info: Info,
        is_active: Annotated[
            bool | None, strawberry.argument(description="Only active (true) or inactive (false) products.")
        ] = None,
    ) -> Connection[ProductType]:
        actor = await info.context.actor()
        return Listed(  # type: ignore[return-value]
            catalog.products_query, (actor, is_active, False), ProductType.from_row, partition="portal_id",
            parent=self.row_id,
        )  # fmt: skip

    @strawberry.field(
        description="This portal's orders: admins see all, members their own.", extensions=[Paged(OrderOrder)]
    )
    async def orders(
        self,
        info: Info,
        filter: Annotated[OrderFilterInput | None, strawberry.argument(description="Narrows the orders.")] = None,
    ) -> Connection[OrderType]:
        actor = await info.context.actor()
        return orders_listed(actor, filter, partition="portal_id", parent=self.row_id)  # type: ignore[no-any-return]


register("Portal", Portal, PortalType.from_row)
