"""The audit trail: who did what to which object, written in the mutation's own transaction."""

import dataclasses
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.audit import AuditEvent
from models.portals import Portal
from models.session import now
from models.users import Membership

if TYPE_CHECKING:
    from resolvers.auth import Actor

SECRET = re.compile(r"password|secret|token", re.IGNORECASE)
REDACTED = "[redacted]"


def summarize(value: Any, key: str = "") -> Any:
    """The input as JSON, secrets replaced: the trail must never become a leak."""
    if key and SECRET.search(key):
        return REDACTED
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
    if isinstance(value, Mapping):  # what summarizes to None (unset, machinery) is left out
        pairs = ((str(k), summarize(v, str(k))) for k, v in value.items())
        return {k: v for k, v in pairs if v is not None}
    if isinstance(value, list | tuple | set | frozenset):
        return [summarize(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID | Decimal | datetime | date):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return None  # settings and other machinery are not part of what the caller asked


def _target(result: Any) -> Any:
    """The row a mutation acted on: the result itself, or what it names as its `audit_target`."""
    row = getattr(result, "audit_target", result)
    return row if hasattr(row, "__table__") else None


async def _member_portal(session: AsyncSession, user_id: UUID, named: UUID | None) -> UUID | None:
    """Where a sign-in is recorded: the portal X-Portal named if the user is a member there, else
    their only portal, else none (never a portal they do not belong to: its admins would read
    their email in the summary)."""
    portals = list(await session.scalars(select(Membership.portal_id).where(Membership.user_id == user_id)))
    if named in portals:
        return named
    return portals[0] if len(portals) == 1 else None


async def record(session: AsyncSession, *, actor: "Actor", action: str, target: Any, summary: Any) -> None:
    row = _target(target)
    user_id = getattr(target, "credential_holder", None)
    if user_id is not None:  # a sign-in: whoever holds the credentials acts, in their own portal
        portal_id = await _member_portal(session, user_id, actor.acting_portal_id)
    else:
        user_id = actor.user_id
        portal_id = getattr(row, "portal_id", None) or actor.acting_portal_id
    if isinstance(row, Portal):
        portal_id = row.id
    session.add(
        AuditEvent(
            portal_id=portal_id,
            actor_user_id=user_id,
            actor_api_key_id=actor.api_key_id,
            action=action,
            target_type=None if row is None else type(row).__name__,
            target_id=getattr(row, "id", None),
            at=now(session),
            summary=summarize(summary),
        )
    )
    await session.flush()


def events_query(actor: "Actor", action: str | None, target_id: UUID | None, actor_user_id: UUID | None) -> Select[Any]:
    stmt = select(AuditEvent.__table__).where(actor.visible(AuditEvent))
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if target_id is not None:
        stmt = stmt.where(AuditEvent.target_id == target_id)
    if actor_user_id is not None:
        stmt = stmt.where(AuditEvent.actor_user_id == actor_user_id)
    return stmt
