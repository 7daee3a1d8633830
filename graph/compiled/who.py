"""Who acts, known from an earlier request and checked inside the compiled read's own statement.

Who acts is decided from a few rows (the API key or the user with their memberships, the portal
and its subtree: resolvers/auth.py), the request's headers and the clock. Asking for those rows
costs a round trip before every read. So each process keeps, per Authorization and X-Portal
header, the actor it decided and a digest of each statement's rows; the next compiled read with
the same headers is one statement that computes the digests again, in its own snapshot, and
answers only if they are unchanged. A revoked key, a changed role or membership, a deactivated
portal or account: no answer, and the request asks afresh, as the first one did. An access
token's signature and expiry are checked in Python on every request, as before.
"""

from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from graph.context import Context
from models.session import Db
from models.statements import EMPTY_DIGEST, Compiled, Prepared, digest_sql, digested
from resolvers.auth import API_KEY_PREFIX, Actor
from resolvers.tokens import verified_user_id

KEPT = 4_096  # callers remembered per process, least recently seen dropped first
Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Check:
    """One statement that decided who acts, its values, and the digest of the rows it gave."""

    query: Prepared
    values: dict[str, Any]
    digest: str


@dataclass(frozen=True, slots=True)
class Known:
    actor: Actor
    checks: tuple[Check, ...]
    token: str | None  # an access token, checked again on every request


class Recorder:
    """A `Reader` for deciding who acts that keeps each statement it ran with its rows' digest."""

    def __init__(self, db: Db) -> None:
        self.db = db
        self.checks: list[Check] = []

    async def rows(self, query: Prepared, /, **values: Any) -> list[Any]:
        rows = await self.db.rows(digested(query), **values)
        self.checks.append(Check(query, values, rows[0].digest if rows else EMPTY_DIGEST))
        return list(rows)

    def now(self) -> Any:
        return self.db.now()


class Callers:
    """The callers one process knows, by their headers."""

    def __init__(self, capacity: int = KEPT) -> None:
        self._known: OrderedDict[Key, Known] = OrderedDict()
        self._capacity = capacity

    @staticmethod
    def key(context: Context) -> Key | None:
        """None for a WebSocket (its credentials come in `connection_init`): only HTTP reads are compiled."""
        if context.connection_params is not None:
            return None
        headers = context.request.headers
        return headers.get("authorization", ""), headers.get("x-portal", "")

    def get(self, key: Key) -> Known | None:
        known = self._known.get(key)
        if known is not None:
            self._known.move_to_end(key)
        return known

    def keep(self, key: Key, actor: Actor, recorder: Recorder, bearer: str | None) -> None:
        token = bearer if bearer and not bearer.startswith(API_KEY_PREFIX) else None
        self._known[key] = Known(actor, tuple(recorder.checks), token)
        if len(self._known) > self._capacity:
            self._known.popitem(last=False)

    def forget(self, key: Key) -> None:
        self._known.pop(key, None)


async def as_of_now(known: Known, context: Context) -> Actor:
    """The known actor for this request: its token still valid (raises as `authenticate` does),
    and the request's own time."""
    if known.token is not None:
        await verified_user_id(context.db, known.token, context.settings)
    return known.actor if known.actor.at is None else replace(known.actor, at=context.db.now())


def checked(template: Compiled, values: dict[str, Any], known: Known) -> tuple[str, list[Any]]:
    """The template's statement answering only while every check's rows are as they were (else NULL)."""
    arguments = template.arguments(values)
    for check in known.checks:
        arguments += check.query.compiled.arguments(check.values)
        arguments.append(check.digest)
    return _checked_sql(template.sql, len(template.positions), tuple(check.query for check in known.checks)), arguments


@lru_cache(maxsize=1_024)
def _checked_sql(sql: str, offset: int, queries: tuple[Prepared, ...]) -> str:
    """`offset`: how many values the template's own statement takes ($1 … $offset)."""
    if not queries:
        return sql
    conditions = []
    for query in queries:
        compiled = query.compiled
        conditions.append(f"{digest_sql(compiled, offset)} = ${offset + len(compiled.positions) + 1}")
        offset += len(compiled.positions) + 1
    return f"SELECT CASE WHEN {' AND '.join(conditions)} THEN ({sql}) END"


CALLERS = Callers()
UNCHECKED = Known(Actor(), (), None)  # for a read whose actor was just asked: nothing to check
