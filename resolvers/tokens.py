"""Sign-in: short-lived signed access tokens (JWT, HS256) and rotating refresh tokens.

An access token names its user and expires after minutes; the user is read again on every
request, so deactivation takes effect at once. A refresh token is an opaque random secret, stored
as a digest; using it replaces it (rotation) and revoking it ends the session. These run for
anyone, signed in or not: `actor` is accepted like every mutation's and not consulted.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from uuid import UUID

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.auth import LoginFailure, RefreshToken, SigningSecret
from models.session import Reader, SessionReader, now
from models.settings import Settings
from models.statements import Prepared
from models.users import User
from resolvers.errors import Failure, RateLimited, Unauthenticated

ALGORITHM = "HS256"
INVALID_CREDENTIALS = "The email or password is wrong."
INVALID_ACCESS_TOKEN = "The access token is not valid."
_hasher = PasswordHasher()
_UNKNOWN_USER_HASH = _hasher.hash(secrets.token_hex(16))  # same work for unknown emails: no timing oracle
_keys: dict[str, str] = {}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedOut:
    """A mutation that proved who the caller is (a password, a refresh token): for the rest of
    the request, and in the audit trail, they act as `user`."""

    user: User

    @property
    def audit_target(self) -> User:
        return self.user

    @property
    def credential_holder(self) -> UUID:
        return self.user.id


@dataclass(frozen=True, slots=True, kw_only=True)
class Tokens(SignedOut):
    access_token: str
    refresh_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenCreate:
    email: str
    password: str


_STORED_KEY = Prepared(select(SigningSecret.value).where(SigningSecret.name == "access-token"))


async def verification_key(reader: Reader, settings: Settings) -> str | None:
    """The key tokens and download links are checked with: SECRET_KEY, or the one stored in the
    database. None before any key exists: no token is valid then."""
    if settings.secret_key:
        return settings.secret_key
    cached = _keys.get(settings.database_url)
    if cached is None:
        rows = await reader.rows(_STORED_KEY)
        if rows:
            cached = _keys[settings.database_url] = rows[0].value
    return cached


async def signing_key(session: AsyncSession, settings: Settings) -> str:
    """The verification key, generated once per database when missing and shared by every worker
    that uses it. Only a session that commits may call this: a key made in a read-only one would
    be rolled back yet cached, so this worker would sign with a key no other worker (nor this one,
    restarted) knows.
    """
    value = await verification_key(SessionReader(session), settings)
    if value is not None:
        return value
    value = secrets.token_urlsafe(48)
    try:
        async with session.begin_nested():
            await session.execute(
                insert(SigningSecret).values(
                    name="access-token", value=value, created_at=now(session), updated_at=now(session)
                )
            )
    except IntegrityError:  # another worker created it first
        value = await session.scalar(_STORED_KEY.statement)
    _keys[settings.database_url] = value
    return value


async def issue_tokens(session: AsyncSession, user: User, settings: Settings) -> Tokens:
    issued = now(session)
    expires = issued + timedelta(seconds=settings.access_token_ttl_seconds)
    claims = {"sub": user.id.hex, "iat": int(issued.timestamp()), "exp": int(expires.timestamp()), "typ": "access"}
    key = await signing_key(session, settings)
    access = jwt.encode(claims, key, algorithm=ALGORITHM)
    refresh = secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            user_id=user.id,
            digest=digest(refresh),
            expires_at=issued + timedelta(days=settings.refresh_token_ttl_days),
        )
    )
    await session.flush()
    return Tokens(access_token=access, refresh_token=refresh, expires_at=expires, user=user)


async def _throttle(session: AsyncSession, email: str, settings: Settings) -> None:
    """Refuses an email with too many recent failures until the oldest of them ages out."""
    since = now(session) - timedelta(seconds=settings.login_failure_window_seconds)
    failures = (
        await session.execute(
            select(func.count(), func.min(LoginFailure.at)).where(LoginFailure.email == email, LoginFailure.at > since)
        )
    ).one()
    if failures[0] >= settings.login_max_failures:
        wait = (failures[1] - since).total_seconds()
        raise RateLimited("Too many failed sign-ins for this account; try again later.", max(int(wait) + 1, 1))


def _password_matches(user: User | None, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash if user and user.password_hash else _UNKNOWN_USER_HASH, password)
    except (VerificationError, InvalidHashError):
        return False


async def create_tokens(
    session: AsyncSession,
    *,
    actor: object,  # noqa: ARG001
    command: TokenCreate,
    settings: Settings,
) -> Tokens | Failure:
    """A refused sign-in is returned, not raised: its failure record must be committed."""
    email = command.email.strip().lower()
    await _throttle(session, email, settings)
    user = await session.scalar(select(User).where(User.email == email))
    if not _password_matches(user, command.password) or user is None or not user.is_active:
        session.add(LoginFailure(email=email, at=now(session)))
        await session.flush()
        return Failure.one(None, INVALID_CREDENTIALS, "INVALID_CREDENTIALS")
    await session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    return await issue_tokens(session, user, settings)


async def _live_refresh(session: AsyncSession, refresh_token: str) -> RefreshToken:
    row = await session.scalar(select(RefreshToken).where(RefreshToken.digest == digest(refresh_token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now(session):
        raise Failure.one(("refreshToken",), "This refresh token is unknown, expired or revoked.", "INVALID_TOKEN")
    return row


async def refresh_tokens(session: AsyncSession, *, actor: object, refresh_token: str, settings: Settings) -> Tokens:  # noqa: ARG001
    row = await _live_refresh(session, refresh_token)
    user = await session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise Failure.one(("refreshToken",), "This account is deactivated.", "INVALID_TOKEN")
    row.revoked_at = now(session)
    return await issue_tokens(session, user, settings)


async def revoke_refresh_token(session: AsyncSession, *, actor: object, refresh_token: str) -> SignedOut:  # noqa: ARG001
    row = await _live_refresh(session, refresh_token)
    row.revoked_at = now(session)
    user = await session.get(User, row.user_id)
    assert user is not None  # refresh tokens are deleted with their user
    return SignedOut(user=user)


@lru_cache(maxsize=4_096)
def _claims(token: str, key: str) -> tuple[UUID, int] | None:
    """The user and expiry a token signed with `key` names, or None when it is not valid: the
    same token comes with every request of a session, and checking it costs more than the rest
    of reading who acts. Expiry is left to the caller, against the clock of each request."""
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], options={"verify_exp": False})
        return UUID(hex=claims["sub"]), int(claims["exp"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        return None


async def verified_user_id(reader: Reader, token: str, settings: Settings) -> UUID:
    """The user an access token names; expiry is checked against the service's clock."""
    key = await verification_key(reader, settings)
    if key is None:  # no token was ever issued with this database
        raise Unauthenticated(INVALID_ACCESS_TOKEN)
    claims = _claims(token, key)
    if claims is None:
        raise Unauthenticated(INVALID_ACCESS_TOKEN)
    user_id, expires = claims
    if expires <= reader.now().timestamp():
        raise Unauthenticated("The access token has expired; refresh it with tokenRefresh.")
    return user_id
