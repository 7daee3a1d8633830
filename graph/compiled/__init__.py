"""Reads answered by one SQL statement that builds the response's JSON inside PostgreSQL.

graphql-core's execution and the hydration of rows into objects cost far more than the database
(docs/performance.md). A query whose every field has a SQL shape skips both: its plan (parsed
and validated once per text) and the actor's policies become one statement. Anything else —
mutations, subscriptions, fields without a shape, directives, SQLite, and every request that
would end in an error — goes to the regular executor, which gives the same answer, errors included.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from graphql.execution.values import get_variable_values
from sqlalchemy.exc import SQLAlchemyError

from graph.compiled.plan import GRAPHQL, Plan, plan
from graph.compiled.sql import statement
from graph.compiled.template import Templates, bind
from graph.context import Context
from graph.errors import ApiError
from graph.limits import refusals
from resolvers.errors import BadInput, Forbidden, NotFound, RateLimited, Unauthenticated

REFUSED = (ApiError, BadInput, Unauthenticated, Forbidden, NotFound, RateLimited)
TEMPLATES = Templates()


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
    values = get_variable_values(GRAPHQL, found.operation.variable_definitions or (), variables or {})
    if isinstance(values, list):
        return None
    refused = refusals(
        GRAPHQL,
        found.document,
        settings=settings,
        variables=variables or {},
        operation=operation_name,
        state=context.request.state,
    )
    if refused:
        return None
    context.db.read_only()
    try:
        actor = await context.actor()
        bound = bind(found, actor, values)
        template = TEMPLATES.get(
            bound, lambda: statement(found, bound.symbolic_actor(), values, settings, bound.lookups)
        )
    except (*REFUSED, SQLAlchemyError):  # the executor reports it (a database error: masked, coded)
        return None
    try:
        return await context.db.fetch_value(template.sql, template.arguments(bound.values))  # type: ignore[no-any-return]
    except SQLAlchemyError:  # the executor retries and reports it as a masked, coded GraphQL error
        return None
    finally:
        await context.db.close()
