"""Contract §9 signatures, both ways: `X-CourseGraph-Signature: sha256=<hex HMAC-SHA256(secret,
"<timestamp>.<raw body>")>` with `X-CourseGraph-Timestamp` in Unix seconds. The timestamp is
signed too, so an old request cannot be replayed with a fresh one; older than five minutes is
refused."""

import hashlib
import hmac
from datetime import datetime

TIMESTAMP_HEADER = "X-CourseGraph-Timestamp"
SIGNATURE_HEADER = "X-CourseGraph-Signature"
MAX_AGE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def signed_headers(secret: str, at: datetime, body: bytes) -> dict[str, str]:
    timestamp = int(at.timestamp())
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, timestamp, body)}


def fresh_timestamp(header: str | None, at: datetime) -> int | None:
    """The header's Unix time if it is within five minutes of `at` (either way: clocks drift)."""
    text = (header or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 12):  # "²" is a digit to isdigit()
        return None
    timestamp = int(text)
    return timestamp if abs(at.timestamp() - timestamp) <= MAX_AGE_SECONDS else None


def is_valid(secret: str, timestamp: int, body: bytes, header: str | None) -> bool:
    """Compared in constant time: a timing difference must not reveal the right signature."""
    given = (header or "").strip().encode("utf-8", "surrogateescape")
    return bool(given) and hmac.compare_digest(signature(secret, timestamp, body).encode(), given)
