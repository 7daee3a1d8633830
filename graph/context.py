"""The typed per-request context: settings, one `Db`, the loaders, and who is acting."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from graph.events import Broker
from graph.ids import parse_global_id
from graph.loaders import Loaders
from models.session import Db, Reader
from models.settings import Settings
from models.storage import FileStorage
from resolvers import audit, policy
from resolvers.auth import Actor, PortalRef, authenticate, holder_actor
from resolvers.errors import Failure, Unauthenticated

R = TypeVar("R")


@dataclass(slots=True, kw_only=True)
class Context:
    request: Request | WebSocket
    settings: Settings
    db: Db
    events: Broker
    storage: FileStorage  # where submitted files go (models/storage.py)
    connection_params: dict[str, Any] | None = None  # a WebSocket's `connection_init` payload
    _holder: UUID | None = None  # who proved their identity in this request (a sign-in)
    _actor: "asyncio.Task[Actor] | None" = None
    _loaders: Loaders | None = None

    @property
    def loaders(self) -> Loaders:
        """Made on first use: a compiled read (graph/compiled) has none."""
        if self._loaders is None:
            self._loaders = Loaders(self.db, self.actor)
        return self._loaders

    def actor(self, reader: Reader | None = None) -> Awaitable[Actor]:
        """Resolved once per request, on first use, by whichever field needs it first; through
        `reader` if given (the compiled read's, which keeps what it read: graph/compiled/who.py)."""
        if self._actor is None:
            self._actor = asyncio.ensure_future(self._resolve_actor(reader or self.db))
        return self._actor

    @property
    def actor_asked(self) -> bool:
        return self._actor is not None

    def credential(self) -> str | None:
        """The bearer secret (API key or access token), None when there is none."""
        scheme, _, credential = (self._header("authorization") or "").partition(" ")
        if scheme and (scheme.lower() != "bearer" or not credential.strip()):
            raise Unauthenticated("Use `Authorization: Bearer <token or API key>`.")
        return credential.strip() or None

    def _header(self, name: str) -> str | None:
        """HTTP headers, or for a WebSocket the `connection_init` payload (contract §2)."""
        for key, value in (self.connection_params or {}).items():
            if key.lower() == name and isinstance(value, str):
                return value
        return self.request.headers.get(name)

    async def _resolve_actor(self, reader: Reader) -> Actor:
        bearer = self.credential()
        portal = _portal_ref(self._header("x-portal"))
        if self._holder is not None:
            return await holder_actor(reader, user_id=self._holder, portal=portal)
        return await authenticate(reader, bearer=bearer, portal=portal, settings=self.settings)

    async def write(
        self, fn: Callable[..., Awaitable[R]], /, *, action: str, arguments: Callable[[], dict[str, Any]]
    ) -> R:
        """One mutation, one transaction, with its audit event; loaders forget what they read before it.

        `action` is the mutation's name: who may call it is `policy.may_call`'s decision, taken
        before the input is even decoded. `arguments` decodes it (bad ids raise `Failure`).
        """
        actor = await self.actor()
        policy.may_call(actor, action)
        kwargs = arguments()

        async def applied(session: AsyncSession, **arguments: Any) -> R:
            result = await fn(session, **arguments)
            if not isinstance(result, Failure):
                await audit.record(session, actor=actor, action=action, target=result, summary=kwargs)
            return result

        try:
            result = await self.db.transaction(applied, actor=actor, **kwargs)
        finally:
            if self._loaders is not None:
                self._loaders.clear()
            self._actor = None  # a write can change who sees what (a new sub-portal, a new role)
        self._holder = getattr(result, "credential_holder", self._holder)
        await self.events.committed(result)
        return result


def _portal_ref(header: str | None) -> PortalRef | None:
    if not header:
        return None
    try:
        type_name, portal_id = parse_global_id(header)
    except ValueError:
        return PortalRef(header=header)
    return PortalRef(header=header, portal_id=portal_id if type_name == "Portal" else None)


Info = strawberry.Info[Context, None]


def make_context(
    request: Request | WebSocket,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    events: Broker,
    storage: FileStorage,
    replica: async_sessionmaker[AsyncSession] | None = None,
) -> Context:
    return Context(request=request, settings=settings, db=Db(sessions, replica), events=events, storage=storage)


class SessionPerOperation(SchemaExtension):
    """The request's session closes when its operation ends, errors included.

    A query over HTTP reads on the replica, if any (`Db.read_only`; a compiled read says so
    itself). A mutation stays on the primary, its payload too (read your writes), and so does a
    subscription: it reads because a commit on the primary told it to, and a lagging replica
    could still show the row as it was, or not at all, and the subscriber would miss the change.
    Every operation of a WebSocket stays there too: they share the socket's one context and `Db`."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if (
            isinstance(context, Context)
            and isinstance(context.request, Request)
            and self.execution_context.operation_type is OperationType.QUERY
        ):
            context.db.read_only()
        yield

    async def on_operation(self) -> AsyncIterator[None]:  # type: ignore[override]
        yield
        context = self.execution_context.context
        if isinstance(context, Context):
            await context.db.close()
