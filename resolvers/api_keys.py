"""Portal API keys for partners and servers: shown once, stored as a digest, revocable at once."""

import secrets
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.auth import ApiKey
from models.session import now
from models.users import Role
from resolvers.auth import API_KEY_PREFIX, Actor, acting_portal, visible_row
from resolvers.errors import Checks, Failure, error_codes
from resolvers.tokens import digest

ApiKeyErrorCode = error_codes("ApiKeyErrorCode")


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiKeyCreate:
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class ApiKeyCreated:
    key: ApiKey
    secret: str

    @property
    def audit_target(self) -> ApiKey:
        return self.key


async def create_api_key(session: AsyncSession, *, actor: Actor, command: ApiKeyCreate) -> ApiKeyCreated:
    portal_id = acting_portal(actor)
    checks = Checks()
    checks.text(("name",), command.name, max_length=200, required=True)
    checks.done()
    secret = f"{API_KEY_PREFIX}{secrets.token_urlsafe(32)}"
    key = ApiKey(
        portal_id=portal_id,
        name=command.name.strip(),
        role=command.role,
        prefix=secret[: len(API_KEY_PREFIX) + 6],
        digest=digest(secret),
        created_by_id=actor.user_id,
    )
    session.add(key)
    await session.flush()
    return ApiKeyCreated(key, secret)


async def revoke_api_key(session: AsyncSession, *, actor: Actor, api_key_id: UUID) -> ApiKey:
    key = await visible_row(session, ApiKey, api_key_id, actor=actor, field="apiKeyId", manage=True)
    if key.revoked_at is not None:
        raise Failure.one(("apiKeyId",), "This API key is already revoked.", "NOT_ALLOWED_IN_STATE")
    key.revoked_at = now(session)
    await session.flush()
    return key


def api_keys_query(actor: Actor, include_revoked: bool) -> Select[Any]:
    stmt = select(ApiKey.__table__).where(actor.visible(ApiKey))
    return stmt if include_revoked else stmt.where(ApiKey.revoked_at.is_(None))
