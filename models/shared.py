"""What every worker shares through PostgreSQL when there is no Redis (issue 11): rate counters and
APQ queries. Both tables are UNLOGGED on PostgreSQL (migration 0016): a crash costs a fresh rate
window and clients resending a query, nothing more."""

from sqlalchemy import BigInteger, Text
from sqlmodel import Field, SQLModel


class RateCounter(SQLModel, table=True):
    """Requests of one caller (a credential's digest, or an address) in the current one-minute
    window (graph/rate_limit.py)."""

    key: str = Field(primary_key=True, max_length=80)
    window_start: int = Field(sa_type=BigInteger)
    hits: int


class PersistedQuery(SQLModel, table=True):
    """An APQ query under its SHA-256 (graph/persisted.py); `used_at` (Unix seconds) is when a
    worker last fetched it, and one unused for PERSISTED_QUERY_TTL_SECONDS is forgotten."""

    digest: str = Field(primary_key=True, max_length=64)
    query: str = Field(sa_type=Text)
    used_at: int = Field(sa_type=BigInteger)
