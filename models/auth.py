"""Credentials: refresh tokens, portal API keys, sign-in failures and the token signing secret.

Secrets are stored only as SHA-256 digests: they are long random strings, so a fast hash is
enough (passwords, chosen by people, use argon2 on `User`).
"""

from datetime import datetime
from uuid import UUID

from sqlmodel import Field

from models.base import Identified, TenantOwned, Timestamped, UtcDateTime, str_enum
from models.users import Role


class SigningSecret(Timestamped, table=True):
    """The key access tokens are signed with when no SECRET_KEY is set: shared by every worker."""

    name: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)


class RefreshToken(Identified, Timestamped, table=True):
    """One sign-in session; refreshing replaces it (rotation), revoking ends it."""

    user_id: UUID = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    digest: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ApiKey(Identified, TenantOwned, Timestamped, table=True):
    """A partner's or server's credential, bound to one portal and one role."""

    name: str = Field(max_length=200)
    role: Role = Field(sa_type=str_enum(Role))
    prefix: str = Field(max_length=16)
    digest: str = Field(max_length=64, unique=True)
    created_by_id: UUID | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class LoginFailure(Identified, table=True):
    """A wrong email or password, kept per email (known or not) to slow down guessing."""

    email: str = Field(max_length=320, index=True)
    at: datetime = Field(sa_type=UtcDateTime)
