"""Who acts: the actor of a request, resolved once from its credentials and portal (contract §5).

What an actor may see or change is decided in `resolvers.policy`; here is only who they are.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.auth import ApiKey
from models.portals import Portal
from models.session import Reader, SessionReader
from models.settings import Settings
from models.statements import Prepared
from models.users import Membership, Role, User
from resolvers import policy
from resolvers.errors import BadInput, Failure, Forbidden, Unauthenticated, missing
from resolvers.tokens import digest, verified_user_id

T = TypeVar("T")
API_KEY_PREFIX = "cgk_"


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """`portal_ids`: the portals in scope (an admin's subtree, anyone else's acting portal), or
    None for the operator of the service (command line only). `role` is None when anonymous."""

    acting_portal_id: UUID | None = None
    portal_ids: frozenset[UUID] | None = frozenset()
    ancestor_ids: frozenset[UUID] = frozenset()
    role: Role | None = None
    user_id: UUID | None = None
    api_key_id: UUID | None = None
    at: datetime | None = None  # when a signed-in user asks: rules about their own dates compare to it

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None or self.api_key_id is not None or self.portal_ids is None

    def visible(self, model: Any) -> ColumnElement[bool]:
        return policy.visible(self, model)

    def manageable(self, model: Any) -> ColumnElement[bool]:
        return policy.manageable(self, model)

    def can_see_portal(self, portal_id: UUID) -> bool:
        return self.portal_ids is None or portal_id in self.portal_ids


OPERATOR = Actor(portal_ids=None, role=Role.ADMIN)
ANONYMOUS = Actor()


@dataclass(frozen=True, slots=True)
class _Acting:
    id: UUID
    path: str
    subtree: frozenset[UUID]  # the portal and every portal below it


SUBTREE = aliased(Portal)
_SUBTREE = (Portal.id.label("portal_id"), Portal.path, SUBTREE.id.label("subtree_id"))
_IN_SUBTREE = SUBTREE.path.startswith(Portal.path)


def _with_subtree(*columns: Any) -> Select[Any]:
    """One row per portal of the subtree: who acts, and where, costs a single statement."""
    return select(*columns, *_SUBTREE).join(SUBTREE, _IN_SUBTREE)


def _acting(rows: Sequence[Any]) -> _Acting:
    return _Acting(rows[0].portal_id, rows[0].path, frozenset(row.subtree_id for row in rows))


_PORTAL_BY_ID = Prepared(_with_subtree().where(Portal.id == bindparam("portal_id"), Portal.is_active), "portal_id")
_PORTAL_BY_SLUG = Prepared(_with_subtree().where(Portal.slug == bindparam("slug"), Portal.is_active), "slug")


async def _portal(reader: Reader, *, portal_id: UUID | None = None, slug: str | None = None) -> _Acting | None:
    if portal_id is not None:
        rows = await reader.rows(_PORTAL_BY_ID, portal_id=portal_id)
    else:
        rows = await reader.rows(_PORTAL_BY_SLUG, slug=(slug or "").lower())
    return _acting(rows) if rows else None


def _in_portal(acting: _Acting, role: Role | None, **who: Any) -> Actor:
    """An actor with its scope: an admin sees the subtree; everyone sees the parents' shared catalog."""
    ancestors = frozenset(UUID(hex=part) for part in acting.path.strip("/").split("/")[:-1])
    scope = acting.subtree if role is Role.ADMIN else frozenset({acting.id})
    return Actor(acting_portal_id=acting.id, portal_ids=scope, ancestor_ids=ancestors, role=role, **who)


async def actor_in_portal(
    session: AsyncSession, *, portal_id: UUID | None = None, slug: str | None = None
) -> Actor | None:
    """The operator acting as an admin of one portal (bootstrap); None when there is no such portal."""
    acting = await _portal(SessionReader(session), portal_id=portal_id, slug=slug)
    return None if acting is None else _in_portal(acting, Role.ADMIN)


@dataclass(frozen=True, slots=True, kw_only=True)
class PortalRef:
    """What the X-Portal header named: a slug, or a portal's id."""

    header: str
    portal_id: UUID | None = None

    def names(self, portal_id: UUID, slug: str) -> bool:
        return self.portal_id == portal_id or self.header.lower() == slug

    async def find(self, reader: Reader) -> _Acting:
        acting = await _portal(reader, portal_id=self.portal_id, slug=None if self.portal_id else self.header)
        if acting is None:
            raise BadInput(f"No portal matches the X-Portal header {self.header!r}.")
        return acting


@dataclass(frozen=True, slots=True)
class _Member:
    portal_id: UUID
    role: Role


def _role_in(acting: _Acting, memberships: Iterable[_Member]) -> Role | None:
    """A member's own role, or ADMIN where they administer a parent portal."""
    own = next((m.role for m in memberships if m.portal_id == acting.id), None)
    if own is not None:
        return own
    parents = {m.portal_id for m in memberships if m.role is Role.ADMIN}
    return Role.ADMIN if any(part and UUID(hex=part) in parents for part in acting.path.split("/")) else None


# Who acts is asked on every request: these statements are compiled once for the driver, and a
# read-only request runs them without a session (models/statements.py, docs/performance.md).
_USER_ACTOR = Prepared(
    select(User.is_active, Membership.portal_id.label("member_of"), Membership.role, *_SUBTREE)
    .outerjoin(Membership, Membership.user_id == User.id)
    .outerjoin(Portal, and_(Portal.id == Membership.portal_id, Portal.is_active))
    .outerjoin(SUBTREE, _IN_SUBTREE)
    .where(User.id == bindparam("user_id")),
    "user_id",
)
_KEY_ACTOR = Prepared(
    _with_subtree(ApiKey.id, ApiKey.role, Portal.slug)
    .join(ApiKey, ApiKey.portal_id == Portal.id)
    .where(ApiKey.digest == bindparam("digest"), ApiKey.revoked_at.is_(None), Portal.is_active),
    "digest",
)


async def _user_actor(reader: Reader, user_id: UUID, portal: PortalRef | None) -> Actor:
    """One statement: the user, their memberships and, for each active portal, its subtree
    (where they belong to one portal only, that is where they act)."""
    rows = await reader.rows(_USER_ACTOR, user_id=user_id)
    if not rows or not rows[0].is_active:
        raise Unauthenticated("This account does not exist or is deactivated.")
    memberships = {_Member(row.member_of, row.role) for row in rows if row.member_of is not None}
    acting: _Acting | None
    if portal is not None:
        acting = await portal.find(reader)
    elif len(memberships) == 1:
        active = [row for row in rows if row.portal_id is not None]
        acting = _acting(active) if active else None
    else:  # several portals and none named: signed in, acting nowhere until X-Portal says where
        return Actor(user_id=user_id, at=reader.now())
    role = None if acting is None else _role_in(acting, memberships)
    if acting is None or role is None:
        raise Forbidden("You are not a member of the portal named by X-Portal.")
    return _in_portal(acting, role, user_id=user_id, at=reader.now())


async def holder_actor(reader: Reader, *, user_id: UUID, portal: PortalRef | None) -> Actor:
    """Who acts after a sign-in in this request: the user, in the named portal if they belong
    there, else as without X-Portal."""
    try:
        return await _user_actor(reader, user_id, portal)
    except Forbidden:
        return await _user_actor(reader, user_id, None)


async def _key_actor(reader: Reader, secret: str, portal: PortalRef | None) -> Actor:
    rows = await reader.rows(_KEY_ACTOR, digest=digest(secret))
    if not rows:
        raise Unauthenticated("This API key is unknown or revoked.")
    found, home = rows[0], _acting(rows)
    acting = home if portal is None or portal.names(found.portal_id, found.slug) else await portal.find(reader)
    if acting.id != home.id and not (found.role is Role.ADMIN and acting.path.startswith(home.path)):
        raise Forbidden("This API key is bound to another portal.")
    return _in_portal(acting, found.role, api_key_id=found.id)


async def authenticate(reader: Reader, *, bearer: str | None, portal: PortalRef | None, settings: Settings) -> Actor:
    """The actor of one request: a portal API key, a signed-in user, or an anonymous visitor."""
    if bearer:
        if bearer.startswith(API_KEY_PREFIX):
            return await _key_actor(reader, bearer, portal)
        return await _user_actor(reader, await verified_user_id(reader, bearer, settings), portal)
    if portal is None:
        return ANONYMOUS
    return _in_portal(await portal.find(reader), None)


async def visible_row(
    session: Any, model: type[T], row_id: UUID, *, actor: Actor, field: str, manage: bool = False
) -> T:
    """The row an input id names, or the payload error NOT_FOUND: hidden looks like missing.

    With `manage`, a row the actor sees but may not change is FORBIDDEN.
    """
    row = await session.scalar(select(model).where(model.id == row_id, actor.visible(model)))  # type: ignore[attr-defined]
    if row is None:
        raise missing((field,), model.__name__.lower())
    if manage and not await session.scalar(select(model.id).where(model.id == row_id, actor.manageable(model))):  # type: ignore[attr-defined]
        raise Forbidden(f"You may not change this {model.__name__.lower()}.")
    return row


def acting_portal(actor: Actor) -> UUID:
    """Tenant-owned rows are created in the acting portal; without one there is nowhere to put them."""
    if actor.acting_portal_id is None:
        raise Failure.one(None, "Name the portal to act in with the X-Portal header.", "REQUIRED")
    return actor.acting_portal_id
