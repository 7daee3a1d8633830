"""viewer, apiKeys, auditEvents."""

from typing import Annotated

import strawberry

from graph.auth.types import ApiKeyType, AuditEventType
from graph.context import Info
from graph.node import filter_id
from graph.pagination import Connection, Listed, Paged, order_input
from graph.users.types import UserType
from models.users import User
from resolvers import api_keys, audit

ApiKeyOrder = order_input("ApiKeyOrder", {"CREATED_AT": "created_at", "NAME": "name"})
AuditEventOrder = order_input("AuditEventOrder", {"AT": "at"})


@strawberry.input(description="Narrows the audit trail; every field given must match.")
class AuditEventFilter:
    action: str | None = strawberry.field(default=None, description="A mutation's name, e.g. courseCreate.")
    target_id: strawberry.ID | None = strawberry.field(default=None, description="Only events about this object.")
    actor_id: strawberry.ID | None = strawberry.field(default=None, description="The user who acted.")


@strawberry.type
class AuthQuery:
    @strawberry.field(description="The signed-in user; null for anonymous visitors and API keys.")
    async def viewer(self, info: Info) -> UserType | None:
        actor = await info.context.actor()
        if actor.user_id is None:
            return None
        row = await info.context.loaders.row(User, actor.user_id)
        return None if row is None else UserType.from_row(row)

    @strawberry.field(
        description="API keys of the acting portal and its sub-portals (admins).", extensions=[Paged(ApiKeyOrder)]
    )
    async def api_keys(
        self,
        info: Info,
        include_revoked: Annotated[bool, strawberry.argument(description="Also list revoked keys.")] = False,
    ) -> Connection[ApiKeyType]:
        actor = await info.context.actor()
        return Listed(api_keys.api_keys_query, (actor, include_revoked), ApiKeyType.from_row)  # type: ignore[return-value]

    @strawberry.field(
        description="What was done, by whom and when (admins of the portal).", extensions=[Paged(AuditEventOrder)]
    )
    async def audit_events(
        self,
        info: Info,
        filter: Annotated[
            AuditEventFilter | None,
            strawberry.argument(description="Narrows the events; all of the acting portal's when left out."),
        ] = None,
    ) -> Connection[AuditEventType]:
        actor = await info.context.actor()
        wanted = filter or AuditEventFilter()
        args = (
            actor,
            wanted.action,
            None if wanted.target_id is None else filter_id(wanted.target_id),
            None if wanted.actor_id is None else filter_id(wanted.actor_id, "User"),
        )
        return Listed(audit.events_query, args, AuditEventType.from_row)  # type: ignore[return-value]
