"""Credentials and the audit trail as the graph shows them."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from graph.context import Info
from graph.enums import Role
from graph.node import Node, make_id, register, resolve_node
from graph.users.types import UserType
from models.audit import AuditEvent
from models.auth import ApiKey
from models.portals import Portal
from models.users import User

if TYPE_CHECKING:
    from graph.portals.types import PortalType


@strawberry.type(name="ApiKey", description="A portal's API key; its secret was shown once, at creation.")
class ApiKeyType(Node):
    name: str = strawberry.field(description="A label to tell keys apart; never the secret.")
    role: Role = strawberry.field(description="The role requests with this key act as, in the key's portal.")
    prefix: str = strawberry.field(description="The first characters of the secret, to recognise it.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked; null while the key still works.")

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("ApiKey", row.id),
            name=row.name,
            role=row.role,
            prefix=row.prefix,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
        )


@strawberry.type(name="AuditEvent", description="One applied mutation: who, where, what, when.")
class AuditEventType(Node):
    action: str = strawberry.field(description="The mutation's name, e.g. courseCreate.")
    target_type: str | None = strawberry.field(description="The kind of object it changed.")
    target_id: strawberry.ID | None = strawberry.field(description="The global ID of that object.")
    at: datetime = strawberry.field(description="When the mutation committed (UTC).")
    summary: JSON = strawberry.field(description="The input, with passwords and secrets redacted.")
    actor_user_id: strawberry.Private[UUID | None]
    api_key_id: strawberry.Private[UUID | None]
    portal_id: strawberry.Private[UUID | None]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        target = None if row.target_id is None else make_id(row.target_type, row.target_id)
        return cls(
            id=make_id("AuditEvent", row.id),
            action=row.action,
            target_type=row.target_type,
            target_id=target,
            at=row.at,
            summary=row.summary,
            actor_user_id=row.actor_user_id,
            api_key_id=row.actor_api_key_id,
            portal_id=row.portal_id,
        )

    @strawberry.field(description="The portal it happened in.")
    async def portal(self, info: Info) -> Annotated["PortalType", strawberry.lazy("graph.portals.types")] | None:
        from graph.portals.types import PortalType

        row = None if self.portal_id is None else await info.context.loaders.row(Portal, self.portal_id)
        return None if row is None else PortalType.from_row(row)

    @strawberry.field(description="The object it changed, if it still exists and the viewer may see it.")
    async def target(self, info: Info) -> Node | None:
        return None if self.target_id is None else await resolve_node(info, self.target_id)

    @strawberry.field(description="The user who acted, if a user did and the viewer may see them.")
    async def actor(self, info: Info) -> UserType | None:
        if self.actor_user_id is None:
            return None
        row = await info.context.loaders.row(User, self.actor_user_id)
        return None if row is None else UserType.from_row(row)

    @strawberry.field(description="The API key that acted, if one did.")
    async def api_key(self, info: Info) -> ApiKeyType | None:
        if self.api_key_id is None:
            return None
        row = await info.context.loaders.row(ApiKey, self.api_key_id)
        return None if row is None else ApiKeyType.from_row(row)


register("ApiKey", ApiKey, ApiKeyType.from_row)
register("AuditEvent", AuditEvent, AuditEventType.from_row)
