"""People: accounts, memberships and groups."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self
from uuid import UUID

import strawberry

from graph.certificates.types import CertificateOrder, CertificateType
from graph.context import Info
from graph.enrollments.types import EnrollmentOrder, EnrollmentType
from graph.enums import EnrollmentStatus, Role
from graph.node import Node, make_id, register
from graph.orders.types import OrderFilterInput, OrderOrder, OrderType, orders_listed
from graph.pagination import Connection, Listed, Paged, order_input
from models.portals import Portal
from models.users import Group, Membership, User
from resolvers import certificates, policy, users
from resolvers import enrollments as enrolling
from resolvers.batches import Children

if TYPE_CHECKING:
    from graph.portals.types import PortalType

UserOrder = order_input("UserOrder", {"CREATED_AT": "created_at", "FULL_NAME": "full_name", "EMAIL": "email"})
MEMBERSHIPS = "memberships_of_user"


@strawberry.type(name="User", description="One account; it may belong to several portals.")
class UserType(Node):
    full_name: str = strawberry.field(description="The user's name as shown to others.")
    avatar_url: str | None = strawberry.field(description="A picture of the user; null: none.")
    classroom_user_id: str = strawberry.field(description="The id virtual classrooms know this user by.")
    is_active: bool = strawberry.field(description="False once deactivated: the account can no longer sign in.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    row_id: strawberry.Private[UUID]
    _email: strawberry.Private[str]

    @strawberry.field(description="Shown to the user and to admins of their portals; null to anyone else.")
    async def email(self, info: Info) -> str | None:
        return self._email if policy.may_read_email(await info.context.actor(), self.row_id) else None

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("User", row.id),
            full_name=row.full_name,
            _email=row.email,
            avatar_url=row.avatar_url,
            classroom_user_id=row.classroom_user_id,
            is_active=row.is_active,
            created_at=row.created_at,
            row_id=row.id,
        )

    @strawberry.field(description="Roles in the portals the viewer can see.")
    async def memberships(self, info: Info) -> list["MembershipType"]:
        actor = await info.context.actor()
        spec = Children(users.memberships_query, (actor,), "user_id", ("created_at", "id"))
        rows = await info.context.loaders.children.load((self.row_id, spec))
        return [MembershipType.from_row(row) for row in rows]

    @strawberry.field(
        description="The user's enrollments, as the viewer may see them.", extensions=[Paged(EnrollmentOrder)]
    )
    async def enrollments(
        self,
        info: Info,
        status: Annotated[
            EnrollmentStatus | None, strawberry.argument(description="Only enrollments in this status.")
        ] = None,
    ) -> Connection[EnrollmentType]:
        actor = await info.context.actor()
        args = (actor, None, None, status, None, None)
        return Listed(  # type: ignore[return-value]
            enrolling.enrollments_query, args, EnrollmentType.from_row, partition="user_id", parent=self.row_id
        )

    @strawberry.field(
        description="The user's orders, as the viewer may see them (admins, or the user).",
        extensions=[Paged(OrderOrder)],
    )
    async def orders(
        self,
        info: Info,
        filter: Annotated[OrderFilterInput | None, strawberry.argument(description="Narrows the orders.")] = None,
    ) -> Connection[OrderType]:
        actor = await info.context.actor()
        return orders_listed(actor, filter, partition="user_id", parent=self.row_id)  # type: ignore[no-any-return]

    @strawberry.field(
        description="Certificates issued to the user, revoked ones included, as the viewer may see them.",
        extensions=[Paged(CertificateOrder)],
    )
    async def certificates(self, info: Info) -> Connection[CertificateType]:
        actor = await info.context.actor()
        return Listed(  # type: ignore[return-value]
            certificates.certificates_query, (actor,), CertificateType.from_row, partition="user_id", parent=self.row_id
        )


@strawberry.type(name="Membership", description="A user's role in one portal.")
class MembershipType(Node):
    role: Role = strawberry.field(description="The user's role in that portal.")
    created_at: datetime = strawberry.field(description="When the user joined the portal (UTC).")
    portal_id: strawberry.Private[UUID]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(id=make_id("Membership", row.id), role=row.role, created_at=row.created_at, portal_id=row.portal_id)

    @strawberry.field(description="The portal; null when the viewer may not see it.")
    async def portal(self, info: Info) -> Annotated["PortalType", strawberry.lazy("graph.portals.types")]:
        from graph.portals.types import PortalType

        return PortalType.from_row(await info.context.loaders.row(Portal, self.portal_id))


@strawberry.type(name="Group", description="Learners grouped for enrolment (004 subscribeGroups).")
class GroupType(Node):
    name: str = strawberry.field(description="The group's name.")
    external_id: str | None = strawberry.field(description="The group's id in another system; null: none.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    row_id: strawberry.Private[UUID]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("Group", row.id),
            name=row.name,
            external_id=row.external_id,
            created_at=row.created_at,
            row_id=row.id,
        )

    @strawberry.field(description="The group's members.", extensions=[Paged(UserOrder)])
    async def members(self, info: Info) -> Connection[UserType]:
        actor = await info.context.actor()
        return Listed(  # type: ignore[return-value]
            users.group_members_query, (actor,), UserType.from_row, partition="group_id", parent=self.row_id
        )


register("User", User, UserType.from_row)
register("Membership", Membership, MembershipType.from_row)
register("Group", Group, GroupType.from_row)
