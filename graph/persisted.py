"""Persisted queries: Apollo's automatic persisted queries (APQ) and a production allow-list.

APQ: a client sends `extensions.persistedQuery { version: 1, sha256Hash }` without the query; an
unknown hash answers PERSISTED_QUERY_NOT_FOUND and the client sends it again with the query, which
is stored under its (checked) hash for every later request, from any client. The store is Redis when
REDIS_URL is set, else on PostgreSQL a table, so every worker shares it either way; on SQLite (one
process) a bounded store in memory.

Allow-list mode (production): only the operations of a manifest loaded at start run, named by their
hash or sent in full; anything else is PERSISTED_QUERY_NOT_ALLOWED and nothing is stored. In APQ
mode a manifest's operations are known from the start.
"""

import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.http import GraphQLRequestData

from models.base import Clock
from models.session import unseen
from models.settings import Settings

log = logging.getLogger(__name__)

VERSION = 1


class Mode(StrEnum):
    APQ = "apq"
    ALLOWLIST = "allowlist"
    OFF = "off"


class PersistedQueryRefusal(Exception):
    """A persisted-query request that cannot run: answered before parsing, as a request error."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class QueryStore(Protocol):
    async def get(self, digest: str) -> str | None: ...

    async def put(self, digest: str, query: str) -> None: ...

    async def close(self) -> None: ...


@dataclass(slots=True)
class MemoryStore:
    """The most recently used `size` queries of this process."""

    size: int
    queries: OrderedDict[str, str] = field(default_factory=OrderedDict)

    async def get(self, digest: str) -> str | None:
        query = self.queries.get(digest)
        if query is not None:
            self.queries.move_to_end(digest)
        return query

    async def put(self, digest: str, query: str) -> None:
        self.queries[digest] = query
        self.queries.move_to_end(digest)
        while len(self.queries) > self.size:
            self.queries.popitem(last=False)

    async def close(self) -> None:
        self.queries.clear()


@dataclass(slots=True)
class RedisStore:
    """Shared by every worker; a query unused for `ttl` seconds is forgotten (clients resend it)."""

    redis: Redis
    namespace: str
    ttl: int

    async def get(self, digest: str) -> str | None:
        name = f"{self.namespace}:apq:{digest}"
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(name)
            pipe.expire(name, self.ttl)
            query, _ = await pipe.execute()
        return None if query is None else query.decode()

    async def put(self, digest: str, query: str) -> None:
        await self.redis.set(f"{self.namespace}:apq:{digest}", query, ex=self.ttl)

    async def close(self) -> None:
        await self.redis.aclose()


USE = "UPDATE persistedquery SET used_at = $2 WHERE digest = $1 RETURNING query"
REGISTER = """INSERT INTO persistedquery (digest, query, used_at) VALUES ($1, $2, $3)
ON CONFLICT (digest) DO UPDATE SET used_at = EXCLUDED.used_at"""
FORGET = "DELETE FROM persistedquery WHERE used_at < $1"
SWEEP_EVERY = 100  # registrations of this process between deletions of unused queries


@dataclass(slots=True)
class PostgresStore:
    """Without Redis, on PostgreSQL: every worker's queries in a table (issue 11), this process's
    most recent ones in memory in front of it. A query is marked used in the table when fetched
    from it, and again, at most every half TTL, while this process answers it from memory, so a
    busy query is never forgotten; one unused for `ttl` seconds is deleted by an occasional sweep
    when queries are registered. The database being away costs the client a resend, never the
    request."""

    engine: AsyncEngine
    local: MemoryStore
    ttl: int
    clock: Clock
    marked: dict[str, int] = field(default_factory=dict)  # digest → when this process last marked it
    registered: int = 0

    async def get(self, digest: str) -> str | None:
        known, now = await self.local.get(digest), self._now()
        if known is not None and self.marked.get(digest, 0) > now - self.ttl // 2:
            return known
        try:
            found = await unseen(self.engine, USE, digest, now)
        except Exception:
            log.warning("persisted queries: could not read the shared store", exc_info=True)
            return known
        if found is not None:
            self._mark(digest, now)
            await self.local.put(digest, found)
        return found or known

    async def put(self, digest: str, query: str) -> None:
        await self.local.put(digest, query)
        now = self._now()
        try:
            await unseen(self.engine, REGISTER, digest, query, now)
        except Exception:
            log.warning("persisted queries: could not write the shared store", exc_info=True)
            return
        self._mark(digest, now)
        self.registered += 1
        if self.registered % SWEEP_EVERY == 1:  # the first registration, then every SWEEP_EVERY-th
            try:
                await unseen(self.engine, FORGET, now - self.ttl)
            except Exception:
                log.warning("persisted queries: could not forget unused queries", exc_info=True)

    def _mark(self, digest: str, now: int) -> None:
        self.marked[digest] = now
        if len(self.marked) > 2 * self.local.size:  # only what memory still holds needs marking
            self.marked = {d: at for d, at in self.marked.items() if d in self.local.queries}

    def _now(self) -> int:
        return int(self.clock().timestamp())

    async def close(self) -> None:
        await self.local.close()


def sha256(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def load_manifest(path: str) -> dict[str, str]:
    """Apollo's persisted query manifest (`{"operations": [{"id", "body"}, …]}`) or Relay's
    `{hash: text}`. A hash that does not match its text stops the service from starting."""
    data = json.loads(Path(path).read_text())
    if isinstance(data, dict) and isinstance(data.get("operations"), list):
        pairs = [(operation["id"], operation["body"]) for operation in data["operations"]]
    elif isinstance(data, dict):
        pairs = list(data.items())
    else:
        raise ValueError(f"{path}: not a persisted query manifest")
    for digest, query in pairs:
        if sha256(query) != digest:
            raise ValueError(f"{path}: operation {digest} does not match the SHA-256 of its text")
    return dict(pairs)


def _named_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """The hash of `extensions.persistedQuery`, None when the request does not use it."""
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != VERSION:
        raise PersistedQueryRefusal("BAD_REQUEST", f"Unsupported persisted query version: use version {VERSION}.")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or len(digest) != 64 or not set(digest) <= set("0123456789abcdef"):
        raise PersistedQueryRefusal("BAD_REQUEST", "sha256Hash must be 64 lowercase hexadecimal digits.")
    return digest


@dataclass(slots=True)
class PersistedQueries:
    mode: Mode
    store: QueryStore
    allowed: Mapping[str, str] = field(default_factory=dict)

    async def resolve(self, data: GraphQLRequestData) -> GraphQLRequestData:
        """The request with its query text, or a refusal."""
        digest = _named_hash(data.extensions)
        if digest is not None and data.query is not None and sha256(data.query) != digest:
            raise PersistedQueryRefusal("BAD_REQUEST", "provided sha does not match query")
        if self.mode is Mode.ALLOWLIST:
            query = self.allowed.get(digest or sha256(data.query or ""))
            if query is None:
                raise PersistedQueryRefusal(
                    "PERSISTED_QUERY_NOT_ALLOWED", "Only the registered operations run on this service."
                )
            return replace(data, query=query)
        if digest is None:
            return data
        if self.mode is Mode.OFF:
            raise PersistedQueryRefusal("PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported")
        if data.query is None:
            query = self.allowed.get(digest) or await self.store.get(digest)
            if query is None:
                raise PersistedQueryRefusal("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
            return replace(data, query=query)
        await self.store.put(digest, data.query)
        return data

    async def close(self) -> None:
        await self.store.close()


def make_persisted_queries(settings: Settings, engine: AsyncEngine, clock: Clock) -> PersistedQueries:
    mode = Mode(settings.persisted_queries)
    allowed = load_manifest(settings.persisted_queries_manifest) if settings.persisted_queries_manifest else {}
    if mode is Mode.ALLOWLIST and not allowed:
        raise ValueError("PERSISTED_QUERIES=allowlist needs PERSISTED_QUERIES_MANIFEST with at least one operation")
    ttl, local = settings.persisted_query_ttl_seconds, MemoryStore(settings.persisted_query_cache_size)
    store: QueryStore = local
    if settings.redis_url:
        store = RedisStore(Redis.from_url(settings.redis_url), settings.redis_namespace, ttl)
    elif engine.dialect.name == "postgresql":
        store = PostgresStore(engine, local, ttl, clock)
    return PersistedQueries(mode, store, allowed)
