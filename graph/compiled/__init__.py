"""Reads answered by one SQL statement that builds the response's JSON inside PostgreSQL.

graphql-core's execution and the hydration of rows into objects cost far more than the database
(docs/performance.md). A query whose every field has a SQL shape skips both: its plan (parsed
and validated once per text) and the actor's policies become one statement. Anything else —
mutations, subscriptions, fields without a shape, directives, SQLite, and every request that
would end in an error — goes to the regular executor, which gives the same answer, errors included.
"""

from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from graphql.execution.values import VariableValues, get_variable_values
from sqlalchemy.exc import SQLAlchemyError

from graph.compiled.plan import GRAPHQL, Plan, plan
from graph.compiled.sql import statement
from graph.compiled.template import Asked, Templates, asked, bind
from graph.compiled.who import CALLERS, UNCHECKED, Known, Recorder, as_of_now, checked
from graph.context import Context
from graph.errors import ApiError
from graph.limits import assess
from models.settings import Settings
from resolvers.auth import Actor
from resolvers.errors import BadInput, Forbidden, NotFound, RateLimited, Unauthenticated

REFUSED = (ApiError, BadInput, Unauthenticated, Forbidden, NotFound, RateLimited)
TEMPLATES = Templates()
REQUESTS_KEPT = 4_096  # plans with their variables, least recently used dropped first


@dataclass(frozen=True, slots=True)
class _Request:
    """What a plan and its variables decide, whoever asks: the coerced variables, the measure
    (`extensions.cost`, the metrics' operation name) and the arguments' part of the template.
    Kept per plan and variables: a client sends the same few again and again."""

    values: VariableValues
    cost: int
    operation: str | None
    arguments: Asked


_REQUESTS: OrderedDict[Hashable, _Request | None] = OrderedDict()


def _typed(value: Any) -> Hashable:
    """Variables as a key; types kept, so that 1, 1.0 and true stay apart."""
    if isinstance(value, dict):
        return dict, tuple(sorted((name, _typed(item)) for name, item in value.items()))
    if isinstance(value, list):
        return list, tuple(_typed(item) for item in value)
    return type(value), value


def _request(found: Plan, variables: dict[str, Any], operation_name: str | None, settings: Settings) -> _Request | None:
    """None when the regular executor must answer: bad variables, refused by the limits, or an
    argument the resolvers refuse."""
    limits = (settings.introspection, settings.default_page_size, settings.max_query_depth, settings.max_aliases)
    key = (found, _typed(variables), *limits, settings.max_query_cost)
    if key in _REQUESTS:
        _REQUESTS.move_to_end(key)
        return _REQUESTS[key]
    values = get_variable_values(GRAPHQL, found.operation.variable_definitions or (), variables)
    request = None
    if not isinstance(values, list):
        refused, size = assess(
            GRAPHQL, found.document, settings=settings, variables=variables, operation=operation_name
        )
        try:
            if not refused and size is not None:
                request = _Request(values, size.cost, size.operation, asked(found, values))
        except REFUSED:
            request = None
    _REQUESTS[key] = request
    if len(_REQUESTS) > REQUESTS_KEPT:
        _REQUESTS.popitem(last=False)
    return request


async def answer(
    context: Context,
    query: str | None,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    *,
    traced: Callable[[], AbstractContextManager[Any]] = nullcontext,
) -> str | None:
    """The response's `data` as JSON text, or None when the regular executor must answer.
    `traced` opens the span of a query that has a plan (graph/tracing.py), the rest has none."""
    settings = context.settings
    if query is None or settings.is_sqlite or not settings.compiled_reads:
        return None
    found = plan(query, operation_name, settings.max_tokens)
    if found is None:
        return None
    with traced():
        return await _planned(context, found, variables, operation_name)


async def _planned(
    context: Context, found: Plan, variables: dict[str, Any] | None, operation_name: str | None
) -> str | None:
    settings = context.settings
    request = _request(found, variables or {}, operation_name, settings)
    if request is None:
        return None
    state = context.request.state
    state.cost, state.operation = request.cost, request.operation
    context.db.read_only()
    try:
        return await _read(context, found, request)
    finally:
        await context.db.close()


async def _read(context: Context, found: Plan, request: _Request) -> str | None:
    """One statement when this process knows the caller (graph/compiled/who.py), else who acts
    first (kept for next time), then the read."""
    key = CALLERS.key(context)
    known = None if key is None else CALLERS.get(key)
    if known is not None:
        try:
            actor = await as_of_now(known, context)
        except (*REFUSED, SQLAlchemyError):  # an expired token: the executor says so
            return None
        data = await _answer(context, found, request, actor, known)
        if data is not None:
            return data
        CALLERS.forget(key)  # who acts has changed (or the read failed): ask afresh
    recorder = None if key is None or context.actor_asked else Recorder(context.db)
    try:
        actor = await context.actor(recorder)
        if key is not None and recorder is not None:
            CALLERS.keep(key, actor, recorder, context.credential())
    except (*REFUSED, SQLAlchemyError):  # the executor reports it (a database error: masked, coded)
        return None
    return await _answer(context, found, request, actor, UNCHECKED)


async def _answer(context: Context, found: Plan, request: _Request, actor: Actor, known: Known) -> str | None:
    settings = context.settings
    try:
        bound = bind(found, actor, request.arguments)
        template = TEMPLATES.get(
            bound, lambda: statement(found, bound.symbolic_actor(), request.values, settings, bound.lookups)
        )
    except (*REFUSED, SQLAlchemyError):  # the executor reports it (a database error: masked, coded)
        return None
    try:
        return await context.db.fetch_value(*checked(template, bound.values, known))  # type: ignore[no-any-return]
    except SQLAlchemyError:  # the executor retries and reports it as a masked, coded GraphQL error
        return None
