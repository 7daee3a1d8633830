"""The typed per-request context: settings, one `Db`, the loaders, and who is acting."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension

from graph.errors import BadUserInput
from graph.ids import parse_global_id
from graph.loaders import Loaders
from models.session import Db
from models.settings import Settings
from resolvers.auth import OPERATOR, Actor, actor_in_portal

R = TypeVar("R")


@dataclass(slots=True, kw_only=True)
class Context:
    request: Request | WebSocket
    settings: Settings
    db: Db
    loaders: Loaders = field(init=False)
    _actor: "asyncio.Task[Actor] | None" = None

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db, self.actor)

    def actor(self) -> Awaitable[Actor]:
        """Resolved once per request, on first use, by whichever field needs it first."""
        if self._actor is None:
            self._actor = asyncio.ensure_future(self._resolve_actor())
        return self._actor

    async def _resolve_actor(self) -> Actor:
        header = self.request.headers.get("x-portal")
        if not header:
            return OPERATOR
        try:
            type_name, portal_id = parse_global_id(header)
            lookup: dict[str, Any] = {"portal_id": portal_id} if type_name == "Portal" else {"slug": header}
        except ValueError:
            lookup = {"slug": header}
        actor = await self.db.run(actor_in_portal, **lookup)
        if actor is None:
            raise BadUserInput(f"No portal matches the X-Portal header {header!r}.")
        return actor

    async def write(self, fn: Callable[..., Awaitable[R]], /, **kwargs: Any) -> R:
        """One mutation, one transaction; loaders forget what they read before it."""
        actor = await self.actor()
        try:
            return await self.db.transaction(fn, actor=actor, **kwargs)
        finally:
            self.loaders.clear()


Info = strawberry.Info[Context, None]


def make_context(
    request: Request | WebSocket, settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> Context:
    return Context(request=request, settings=settings, db=Db(sessions))


class SessionPerOperation(SchemaExtension):
    """The request's session closes when its operation ends, errors included."""

    async def on_operation(self) -> AsyncIterator[None]:  # type: ignore[override]
        yield
        context = self.execution_context.context
        if isinstance(context, Context):
            await context.db.close()
