"""userCreate, userUpdate, userDeactivate, groupCreate, groupMembersAdd."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.enums import Role
from graph.errors import error_type
from graph.mutation import errors_field, payload_type, perform
from graph.node import input_id, maybe_input_id
from graph.users.types import GroupType, UserType
from resolvers import users
from resolvers.errors import Problem

UserError = error_type("UserError", users.UserErrorCode)
GroupError = error_type("GroupError", users.GroupErrorCode)


@strawberry.input(description="A member of the acting portal; an existing account (same email) is added to it.")
class UserCreateInput:
    email: str = strawberry.field(
        description="The account's email, unique across the service; an existing account gets a membership."
    )
    full_name: str = strawberry.field(description="The user's name.")
    role: Role = strawberry.field(description="The role in the acting portal.")
    password: str | None = strawberry.field(default=None, description="At least 8 characters; stored hashed.")

    def to_command(self) -> users.UserCreate:
        return users.UserCreate(email=self.email, full_name=self.full_name, role=self.role, password=self.password)


@strawberry.input(description="Changes to a user; `role` applies to the acting portal's membership.")
class UserUpdateInput:
    user_id: strawberry.ID = strawberry.field(description="The user to change.")
    full_name: str | None = strawberry.field(default=None, description="A new name; left out: unchanged.")
    avatar_url: str | None = strawberry.field(default=None, description="A new picture; left out: unchanged.")
    role: Role | None = strawberry.field(
        default=None, description="A new role in the acting portal; left out: unchanged."
    )

    def to_command(self) -> users.UserUpdate:
        return users.UserUpdate(
            user_id=input_id(self.user_id, "User", field=("userId",)),
            full_name=self.full_name,
            avatar_url=self.avatar_url,
            role=self.role,
        )


@strawberry.input(description="The user to deactivate: they can no longer sign in; their records stay.")
class UserDeactivateInput:
    user_id: strawberry.ID = strawberry.field(description="The user to deactivate; they can no longer sign in.")


@strawberry.input(description="A new group of users in the acting portal.")
class GroupCreateInput:
    name: str = strawberry.field(description="The group's name.")
    external_id: str | None = strawberry.field(default=None, description="The group's id in another system.")

    def to_command(self) -> users.GroupCreate:
        return users.GroupCreate(name=self.name, external_id=self.external_id)


@strawberry.input(description="Members to add; ids that are not members of the group's portal are reported.")
class GroupMembersAddInput:
    group_id: strawberry.ID = strawberry.field(description="The group to add to.")
    user_ids: list[strawberry.ID] = strawberry.field(
        description="Members of the portal to add; each refused one is reported by index."
    )


UserPayload = payload_type("UserPayload", "user", UserType, UserError)
GroupPayload = payload_type("GroupPayload", "group", GroupType, GroupError)


@strawberry.type(description="The group, and each user id that could not be added.")
class GroupMembersAddPayload:
    group: GroupType | None = strawberry.field(
        default=None, description="The group with its members; null when refused."
    )
    errors: list[GroupError] = errors_field()  # type: ignore[valid-type]

    @classmethod
    def of(cls, added: users.MembersAdded) -> "GroupMembersAddPayload":
        return cls(group=GroupType.from_row(added.group), errors=GroupError.of(added.problems))

    @classmethod
    def failed(cls, problems: list[Problem]) -> "GroupMembersAddPayload":
        return cls(errors=GroupError.of(problems))


@strawberry.type
class UserMutation:
    @strawberry.mutation(description="Add a person to the acting portal.")
    async def user_create(
        self,
        info: Info,
        input_: Annotated[
            UserCreateInput, strawberry.argument(name="input", description="The account's email, name and role.")
        ],
    ) -> UserPayload:  # type: ignore[valid-type]
        return await perform(info, UserPayload, users.create_user, lambda: {"command": input_.to_command()})

    @strawberry.mutation(description="Change a user's name, avatar or role here.")
    async def user_update(
        self,
        info: Info,
        input_: Annotated[
            UserUpdateInput, strawberry.argument(name="input", description="The user and the fields to change.")
        ],
    ) -> UserPayload:  # type: ignore[valid-type]
        return await perform(info, UserPayload, users.update_user, lambda: {"command": input_.to_command()})

    @strawberry.mutation(description="Switch an account off; its history stays.")
    async def user_deactivate(
        self,
        info: Info,
        input_: Annotated[
            UserDeactivateInput, strawberry.argument(name="input", description="The user to deactivate.")
        ],
    ) -> UserPayload:  # type: ignore[valid-type]
        return await perform(
            info,
            UserPayload,
            users.deactivate_user,
            lambda: {"user_id": input_id(input_.user_id, "User", field=("userId",))},
        )

    @strawberry.mutation(description="Create a learner group in the acting portal.")
    async def group_create(
        self,
        info: Info,
        input_: Annotated[GroupCreateInput, strawberry.argument(name="input", description="The group's name.")],
    ) -> GroupPayload:  # type: ignore[valid-type]
        return await perform(info, GroupPayload, users.create_group, lambda: {"command": input_.to_command()})

    @strawberry.mutation(description="Add members to a group; each refused id is reported with its index.")
    async def group_members_add(
        self,
        info: Info,
        input_: Annotated[
            GroupMembersAddInput, strawberry.argument(name="input", description="The group and the users to add.")
        ],
    ) -> GroupMembersAddPayload:
        return await perform(
            info,
            GroupMembersAddPayload,
            users.add_group_members,
            lambda: {
                "group_id": input_id(input_.group_id, "Group", field=("groupId",)),
                "user_ids": [maybe_input_id(value, "User") for value in input_.user_ids],
            },
        )
