"""Who acts, and the one place that decides which rows they can see.

Every read and every input id goes through `Actor.visible(model)`, so a table added later is
scoped the same way (a table with no rule makes `visible` raise, never leak).
"""

from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import ColumnElement, exists, select, true

from models.portals import Portal
from models.users import Membership, User
from resolvers.errors import Failure, missing

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Actor:
    """`portal_ids` is the portal subtree the request may see; None means unrestricted.

    Until sign-in exists the subtree comes from the `X-Portal` header (contract §5); requests
    that name no portal act as the operator of the whole service.
    """

    acting_portal_id: UUID | None = None
    portal_ids: frozenset[UUID] | None = None

    def visible(self, model: Any) -> ColumnElement[bool]:
        ids = self.portal_ids
        if ids is None:
            return true()
        if model is Portal:
            return Portal.id.in_(ids)
        if model is User:
            return exists().where(Membership.user_id == User.id, Membership.portal_id.in_(ids))
        if hasattr(model, "portal_id"):
            return model.portal_id.in_(ids)
        raise TypeError(f"{model.__name__} has no visibility rule")

    def can_see_portal(self, portal_id: UUID) -> bool:
        return self.portal_ids is None or portal_id in self.portal_ids


OPERATOR = Actor()


async def actor_in_portal(session: Any, *, portal_id: UUID | None = None, slug: str | None = None) -> Actor | None:
    """The actor acting in one portal and its sub-portals; None when no such portal exists."""
    where = Portal.id == portal_id if portal_id is not None else Portal.slug == (slug or "").lower()
    acting = (await session.execute(select(Portal.id, Portal.path).where(where))).first()
    if acting is None:
        return None
    subtree = await session.execute(select(Portal.id).where(Portal.path.startswith(acting.path)))
    return Actor(acting_portal_id=acting.id, portal_ids=frozenset(subtree.scalars()))


async def visible_row(session: Any, model: type[T], row_id: UUID, *, actor: Actor, field: str) -> T:
    """The row an input id names, or the payload error NOT_FOUND: hidden looks like missing."""
    row = await session.scalar(select(model).where(model.id == row_id, actor.visible(model)))  # type: ignore[attr-defined]
    if row is None:
        raise missing((field,), model.__name__.lower())
    return row


def acting_portal(actor: Actor) -> UUID:
    """Tenant-owned rows are created in the acting portal; without one there is nowhere to put them."""
    if actor.acting_portal_id is None:
        raise Failure.one(None, "Name the portal to act in with the X-Portal header.", "REQUIRED")
    return actor.acting_portal_id
