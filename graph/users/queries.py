"""User and group lookups."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.enums import Role
from graph.node import query_id
from graph.pagination import Connection, connection, listing, order_input
from graph.users.types import GroupType, UserOrder, UserType
from models.users import User
from resolvers import users

GroupOrder = order_input("GroupOrder", {"CREATED_AT": "created_at", "NAME": "name"})


@strawberry.type
class UserQuery:
    @strawberry.field(description="A user by id; null when missing or hidden.")
    async def user(self, info: Info, id: strawberry.ID) -> UserType | None:
        row_id = query_id(id, "User")
        row = None if row_id is None else await info.context.loaders.row(User, row_id)
        return None if row is None else UserType.from_row(row)

    @strawberry.field(description="Members of the portals the viewer can see.")
    async def users(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        search: Annotated[str | None, strawberry.argument(description="Words in the name or email.")] = None,
        role: Role | None = None,
        is_active: bool | None = None,
        order_by: UserOrder | None = None,  # type: ignore[valid-type]
    ) -> Connection[UserType]:
        actor = await info.context.actor()
        rows = listing(
            info, users.users_query, (actor, search, role, is_active), order=(order_by or UserOrder()).order(),
            first=first, after=after, last=last, before=before,
        )  # fmt: skip
        return await connection(info, rows, UserType.from_row)

    @strawberry.field(description="Learner groups of the portals the viewer can see.")
    async def groups(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        search: str | None = None,
        order_by: GroupOrder | None = None,  # type: ignore[valid-type]
    ) -> Connection[GroupType]:
        actor = await info.context.actor()
        rows = listing(
            info, users.groups_query, (actor, search), order=(order_by or GroupOrder()).order(),
            first=first, after=after, last=last, before=before,
        )  # fmt: skip
        return await connection(info, rows, GroupType.from_row)
