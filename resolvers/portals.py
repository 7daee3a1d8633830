"""Portals (tenants) and their sub-portal trees."""

from dataclasses import dataclass
from functools import cache
from typing import Any
from uuid import UUID
from zoneinfo import available_timezones

from sqlalchemy import Select, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from models.portals import MAX_PORTAL_DEPTH, Portal
from resolvers.auth import Actor, visible_row
from resolvers.errors import Checks, Failure, error_codes
from resolvers.slugs import check_slug, flush_unique, free_slug

PortalErrorCode = error_codes("PortalErrorCode")


@cache
def _time_zones() -> frozenset[str]:
    """IANA names only: opening any name as a zone file fails on directories ("Europe") and long
    names with OSError, and would accept "localtime", which is whatever the server's zone is."""
    return frozenset(available_timezones() - {"localtime"})


def is_time_zone(name: str) -> bool:
    return name in _time_zones()


def portals_query(actor: Actor, search: str | None, parent_id: UUID | None) -> Select[Any]:
    stmt = select(Portal.__table__).where(actor.visible(Portal))
    if search:
        stmt = stmt.where(Portal.name.icontains(search, autoescape=True))
    if parent_id is not None:
        stmt = stmt.where(Portal.parent_id == parent_id)
    return stmt


def sub_portals_query(actor: Actor) -> Select[Any]:
    return select(Portal.__table__).where(actor.visible(Portal))


@dataclass(frozen=True, slots=True, kw_only=True)
class PortalCreate:
    name: str
    slug: str | None = None
    parent_id: UUID | None = None
    time_zone: str = "UTC"


@dataclass(frozen=True, slots=True, kw_only=True)
class PortalUpdate:
    portal_id: UUID
    name: str | None = None
    slug: str | None = None
    time_zone: str | None = None


def _check(checks: Checks, *, name: str | None, slug: str | None, time_zone: str | None) -> None:
    if name is not None:
        checks.text(("name",), name, max_length=200, required=True)
    check_slug(checks, ("slug",), slug)
    if time_zone is not None and not is_time_zone(time_zone):
        checks.add(("timeZone",), f"{time_zone!r} is not an IANA time zone.", "INVALID")


async def create_portal(session: AsyncSession, *, actor: Actor, command: PortalCreate) -> Portal:
    """Without `parentId`, an actor confined to a portal creates a sub-portal of it."""
    checks = Checks()
    _check(checks, name=command.name, slug=command.slug, time_zone=command.time_zone)
    checks.done()
    parent_id = command.parent_id or (actor.acting_portal_id if actor.portal_ids is not None else None)
    path = ""
    if parent_id is not None:
        parent = await visible_row(session, Portal, parent_id, actor=actor, field="parentId", manage=True)
        if parent.path.count("/") >= MAX_PORTAL_DEPTH:
            raise Failure.one(("parentId",), f"Portals nest at most {MAX_PORTAL_DEPTH} deep.", "INVALID")
        path = parent.path
    slug = await free_slug(session, Portal.slug, wanted=command.slug, title=command.name, where=true(), path=("slug",))
    portal = Portal(name=command.name.strip(), slug=slug, parent_id=parent_id, path="", time_zone=command.time_zone)
    portal.path = f"{path}{portal.id.hex}/"
    session.add(portal)
    await flush_unique(session, column="slug", path=("slug",), message=f"The slug {slug!r} is taken.")
    return portal


async def update_portal(session: AsyncSession, *, actor: Actor, command: PortalUpdate) -> Portal:
    checks = Checks()
    _check(checks, name=command.name, slug=command.slug, time_zone=command.time_zone)
    checks.done()
    portal = await visible_row(session, Portal, command.portal_id, actor=actor, field="portalId", manage=True)
    if command.slug is not None and command.slug != portal.slug:
        portal.slug = await free_slug(
            session, Portal.slug, wanted=command.slug, title=portal.name, where=true(), path=("slug",)
        )
    if command.name is not None:
        portal.name = command.name.strip()
    if command.time_zone is not None:
        portal.time_zone = command.time_zone
    await flush_unique(session, column="slug", path=("slug",), message=f"The slug {portal.slug!r} is taken.")
    return portal


def portal_by_slug_query(actor: Actor, slug: str) -> Select[Any]:
    """`slug` lowercased already: slugs are stored in lower case."""
    return select(Portal.__table__).where(Portal.slug == slug, actor.visible(Portal))


async def portal_by_slug(session: AsyncSession, *, actor: Actor, slug: str) -> Any:
    return (await session.execute(portal_by_slug_query(actor, slug.lower()))).first()
