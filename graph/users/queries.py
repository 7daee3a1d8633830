"""User and group lookups."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.enums import Role
from graph.node import query_id
from graph.pagination import Connection, Listed, Paged, order_input
from graph.users.types import GroupType, UserOrder, UserType
from models.users import User
from resolvers import users

GroupOrder = order_input("GroupOrder", {"CREATED_AT": "created_at", "NAME": "name"})


@strawberry.type
class UserQuery:
    @strawberry.field(description="A user by id; null when missing or hidden.")
    async def user(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The user's global ID.")]
    ) -> UserType | None:
        row_id = query_id(id, "User")
        row = None if row_id is None else await info.context.loaders.row(User, row_id)
        return None if row is None else UserType.from_row(row)

    @strawberry.field(description="Members of the portals the viewer can see.", extensions=[Paged(UserOrder)])
    async def users(
        self,
        info: Info,
        search: Annotated[
            str | None, strawberry.argument(description="Words in the name (or, for admins, email).")
        ] = None,
        role: Annotated[
            Role | None, strawberry.argument(description="Only members with this role in the acting portal.")
        ] = None,
        is_active: Annotated[
            bool | None, strawberry.argument(description="Only active (true) or deactivated (false) users.")
        ] = None,
    ) -> Connection[UserType]:
        actor = await info.context.actor()
        return Listed(users.users_query, (actor, search, role, is_active), UserType.from_row)  # type: ignore[return-value]

    @strawberry.field(description="Learner groups of the portals the viewer can see.", extensions=[Paged(GroupOrder)])
    async def groups(
        self, info: Info, search: Annotated[str | None, strawberry.argument(description="Words in the name.")] = None
    ) -> Connection[GroupType]:
        actor = await info.context.actor()
        return Listed(users.groups_query, (actor, search), GroupType.from_row)  # type: ignore[return-value]
