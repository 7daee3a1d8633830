"""Accounts, memberships (role per portal) and learner groups."""

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from argon2 import PasswordHasher
from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.users import Group, GroupMember, Membership, Role, User
from resolvers import policy
from resolvers.auth import Actor, acting_portal, visible_row
from resolvers.errors import Checks, Failure, Forbidden, Problem, error_codes, missing
from resolvers.outbox import outbox
from resolvers.slugs import flush_unique

UserErrorCode = error_codes("UserErrorCode")
GroupErrorCode = error_codes("GroupErrorCode")

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MIN_PASSWORD = 8
MAX_EMAIL = 320
ALREADY_MEMBER = "This person is already a member of this portal."
_hasher = PasswordHasher()


def _matches(actor: Actor, search: str) -> ColumnElement[bool]:
    """Searching by email is for those who may read emails: no probing for addresses."""
    name = User.full_name.icontains(search, autoescape=True)
    if not policy.may_read_email(actor, None):
        return name
    return or_(name, User.email.icontains(search, autoescape=True))


def users_query(actor: Actor, search: str | None, role: Role | None, is_active: bool | None) -> Select[Any]:
    stmt = select(User.__table__).where(actor.visible(User))
    if search:
        stmt = stmt.where(_matches(actor, search))
    if role is not None:
        member = select(Membership.user_id).where(Membership.role == role)
        if actor.portal_ids is not None:
            member = member.where(Membership.portal_id.in_(actor.portal_ids))
        stmt = stmt.where(User.id.in_(member))
    if is_active is not None:
        stmt = stmt.where(User.is_active == is_active)
    return stmt


def portal_users_query(actor: Actor, search: str | None, role: Role | None) -> Select[Any]:
    """Users with their membership's portal, partitioned by it (Portal.users)."""
    stmt = (
        select(User.__table__, Membership.portal_id)
        .join(Membership, Membership.user_id == User.id)
        .where(actor.visible(Membership))
    )
    if search:
        stmt = stmt.where(_matches(actor, search))
    if role is not None:
        stmt = stmt.where(Membership.role == role)
    return stmt


def memberships_query(actor: Actor) -> Select[Any]:
    return select(Membership.__table__).where(actor.visible(Membership))


def group_members_query(actor: Actor) -> Select[Any]:
    return (
        select(User.__table__, GroupMember.group_id)
        .join(GroupMember, GroupMember.user_id == User.id)
        .where(actor.visible(GroupMember))
    )


def groups_query(actor: Actor, search: str | None) -> Select[Any]:
    stmt = select(Group.__table__).where(actor.visible(Group))
    if search:
        stmt = stmt.where(Group.name.icontains(search, autoescape=True))
    return stmt


@dataclass(frozen=True, slots=True, kw_only=True)
class UserCreate:
    email: str
    full_name: str
    role: Role
    password: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UserUpdate:
    user_id: UUID
    full_name: str | None = None
    avatar_url: str | None = None
    role: Role | None = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _check_user(checks: Checks, *, full_name: str | None, required: bool) -> None:
    checks.text(("fullName",), full_name, max_length=200, required=required)


async def create_user(session: AsyncSession, *, actor: Actor, command: UserCreate) -> User:
    """An existing account (same email) only gains a membership here; nothing else shows."""
    portal_id = acting_portal(actor)
    email = command.email.strip().lower()
    checks = Checks()
    if not email:
        checks.add(("email",), "email is required.", "REQUIRED")
    elif len(email) > MAX_EMAIL:
        checks.add(("email",), f"email is longer than {MAX_EMAIL} characters.", "TOO_LONG")
    elif not EMAIL.fullmatch(email):
        checks.add(("email",), "email is not an email address.", "INVALID")
    _check_user(checks, full_name=command.full_name, required=True)
    if command.password is not None and len(command.password) < MIN_PASSWORD:
        checks.add(("password",), f"password needs at least {MIN_PASSWORD} characters.", "INVALID")
    checks.done()
    user = await session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(
            email=email,
            full_name=command.full_name.strip(),
            classroom_user_id=secrets.token_hex(10),
            password_hash=hash_password(command.password) if command.password else None,
        )
        session.add(user)
        await flush_unique(session, column="email", path=("email",), message="This email was just taken; try again.")
        data = {"userId": str(user.id), "email": user.email, "fullName": user.full_name}
        await outbox(session, "new_account_created", [{"portal_id": portal_id, "data": data}])
    elif await session.scalar(
        select(Membership.id).where(Membership.user_id == user.id, Membership.portal_id == portal_id)
    ):
        raise Failure.one(("email",), ALREADY_MEMBER, "DUPLICATE")
    session.add(Membership(portal_id=portal_id, user_id=user.id, role=command.role))
    await flush_unique(session, column="user_id", path=("email",), message=ALREADY_MEMBER)
    return user


async def update_user(session: AsyncSession, *, actor: Actor, command: UserUpdate) -> User:
    checks = Checks()
    if command.full_name is not None:
        _check_user(checks, full_name=command.full_name, required=True)
    checks.url(("avatarUrl",), command.avatar_url)
    checks.done()
    profile = command.full_name is not None or command.avatar_url is not None
    user = await visible_row(session, User, command.user_id, actor=actor, field="userId", manage=profile)
    if command.role is not None:
        if actor.role is not Role.ADMIN:
            raise Forbidden("Only an admin of this portal changes roles.")
        portal_id = acting_portal(actor)
        membership = await session.scalar(
            select(Membership).where(Membership.user_id == user.id, Membership.portal_id == portal_id)
        )
        if membership is None:
            raise missing(("userId",), "member of this portal")
        membership.role = command.role
    if command.full_name is not None:
        user.full_name = command.full_name.strip()
    if command.avatar_url is not None:
        user.avatar_url = command.avatar_url
    await session.flush()
    return user


async def deactivate_user(session: AsyncSession, *, actor: Actor, user_id: UUID) -> User:
    user = await visible_row(session, User, user_id, actor=actor, field="userId", manage=True)
    user.is_active = False
    await session.flush()
    return user


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupCreate:
    name: str
    external_id: str | None = None


async def create_group(session: AsyncSession, *, actor: Actor, command: GroupCreate) -> Group:
    portal_id = acting_portal(actor)
    checks = Checks()
    checks.text(("name",), command.name, max_length=200, required=True)
    checks.text(("externalId",), command.external_id, max_length=120)
    checks.done()
    name = command.name.strip()
    if await session.scalar(select(Group.id).where(Group.portal_id == portal_id, Group.name == name)):
        raise Failure.one(("name",), f"A group named {name!r} exists.", "DUPLICATE")
    group = Group(portal_id=portal_id, name=name, external_id=command.external_id)
    session.add(group)
    await flush_unique(session, column="name", path=("name",), message=f"A group named {name!r} exists.")
    return group


@dataclass(frozen=True, slots=True)
class MembersAdded:
    group: Group
    problems: list[Problem]

    @property
    def audit_target(self) -> Group:
        return self.group


async def add_group_members(
    session: AsyncSession, *, actor: Actor, group_id: UUID, user_ids: Sequence[UUID | None]
) -> MembersAdded:
    """Bulk: adds every member of the group's portal, reports the others by index.

    A `None` id is one the graph could not decode; it is reported like an unknown one.
    """
    group = await visible_row(session, Group, group_id, actor=actor, field="groupId", manage=True)
    wanted = {uid for uid in user_ids if uid is not None}
    members = set(
        (
            await session.execute(
                select(Membership.user_id).where(
                    Membership.portal_id == group.portal_id, Membership.user_id.in_(wanted)
                )
            )
        ).scalars()
    )
    problems = [
        Problem(("userIds", str(i)), "No member of this portal with this id.", "NOT_FOUND")
        for i, uid in enumerate(user_ids)
        if uid not in members
    ]
    await _add_absent(session, group, [uid for uid in dict.fromkeys(user_ids) if uid in members])
    return MembersAdded(group=group, problems=problems)


async def _add_absent(session: AsyncSession, group: Group, user_ids: list[UUID | None]) -> None:
    """Adds those not in the group yet. A concurrent request may add some of them first: only the
    unique constraint sees that, and they are then in the wanted state, so read again and go on."""
    for attempt in range(2):
        present = set(
            (
                await session.execute(
                    select(GroupMember.user_id).where(
                        GroupMember.group_id == group.id, GroupMember.user_id.in_(user_ids)
                    )
                )
            ).scalars()
        )
        try:
            async with session.begin_nested():
                session.add_all(
                    GroupMember(portal_id=group.portal_id, group_id=group.id, user_id=uid)
                    for uid in user_ids
                    if uid not in present
                )
        except IntegrityError:
            if attempt:
                raise
        else:
            return
