"""Signed, expiring links to submitted files (`SubmissionFile.url`, `GET /files/{token}`): the
link is the authority, so it is only handed to viewers who may see the submission."""

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.assignments import AssignmentSubmission


def _download_key(signing_key: str) -> bytes:
    """Its own key, derived: a download token can never pass for an access token, nor the reverse."""
    return hmac.new(signing_key.encode(), b"coursegraph assignment file download", hashlib.sha256).digest()


def _signature(key: bytes, message: str) -> str:
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def download_token(signing_key: str, submission_id: UUID, index: int, expires_at: datetime) -> str:
    """`<submission>.<file index>.<expiry, Unix seconds>.<HMAC>`: whoever holds it may fetch that
    one file until it expires; it is only handed to viewers who may see the submission."""
    message = f"{submission_id.hex}.{index}.{int(expires_at.timestamp())}"
    return f"{message}.{_signature(_download_key(signing_key), message)}"


def verify_download(signing_key: str, token: str, now: datetime) -> tuple[UUID, int] | None:
    """The file a token names, or None when it is malformed, tampered with or expired."""
    message, _, signature = token.rpartition(".")
    parts = message.split(".")
    expected = _signature(_download_key(signing_key), message).encode()
    if len(parts) != 3 or not hmac.compare_digest(signature.encode("utf-8", "surrogateescape"), expected):
        return None
    submission, index, expires = parts
    if not index.isdigit() or not expires.isdigit() or int(expires) <= now.timestamp():
        return None
    return UUID(hex=submission), int(index)


async def file_to_download(session: AsyncSession, submission_id: UUID, index: int) -> dict[str, Any] | None:
    """The stored file a verified token names (the token is the authority), if it still exists."""
    files = await session.scalar(select(AssignmentSubmission.files).where(AssignmentSubmission.id == submission_id))
    return files[index] if files is not None and index < len(files) else None
