"""A plan, an actor and the request's variables become one SELECT returning the `data` JSON.

Every object is a FROM-subquery of the rows its query builder allows, and every nested field a
scalar subquery correlated to its parent explicitly, so the policies' own subqueries (which name
the plain tables) never correlate with an enclosing level by accident.
"""

from typing import Any

from graphql import GraphQLField
from graphql.execution.values import VariableValues, get_argument_values
from sqlalchemy import ColumnElement, FromClause, Select, Text, cast, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments

from graph.compiled.plan import TYPENAME, Plan, Selection
from graph.compiled.shapes import SHAPES, Arguments, Connection, Itself, Link, Lookup, Many, Value, text
from graph.pagination import listing
from graph.schema import schema
from models.settings import Settings
from resolvers import paging
from resolvers.auth import Actor
from resolvers.batches import visible_rows
from resolvers.paging import Direction

EMPTY_LIST = literal_column("'[]'::json")
NULL = literal_column("NULL")


class _Build:
    def __init__(
        self, actor: Actor, variables: VariableValues, settings: Settings, lookups: dict[str, Arguments]
    ) -> None:
        self.actor = actor
        self.variables = variables
        self.settings = settings
        self.lookups = lookups

    def arguments(self, selection: Selection) -> dict[str, Any]:
        """As the resolver receives them: Python names, input types and enums converted."""
        definition: GraphQLField = selection.definition  # type: ignore[assignment]
        values = get_argument_values(definition, selection.node, self.variables)
        field = definition.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
        return convert_arguments(values, field.arguments, schema.schema_converter.scalar_registry, schema.config)

    def object(self, row: FromClause, type_name: str, selections: tuple[Selection, ...]) -> ColumnElement[Any]:
        shape = SHAPES[type_name]
        pairs: list[Any] = []
        for selection in selections:
            pairs.append(text(selection.key))
            if selection.name == TYPENAME:
                pairs.append(shape.typename(row) if shape.typename else text(type_name))
            else:
                pairs.append(self.field(row, shape.fields[selection.name], selection))
        return func.json_build_object(*pairs)

    def field(self, parent: FromClause | None, kind: Any, selection: Selection) -> ColumnElement[Any]:
        if isinstance(kind, Value):
            return kind.render(parent, self.actor)  # type: ignore[arg-type]
        if isinstance(kind, Link):
            rows = visible_rows(kind.model, self.actor).where(kind.model.id == parent.c[kind.key])  # type: ignore[union-attr]
            return self.one(rows, selection, parent)
        if isinstance(kind, Lookup):
            found = kind.find(self.actor, self.lookups.get(selection.key, {}))
            return NULL if found is None else self.one(found, selection, None)
        if isinstance(kind, Many):
            return self.many(kind, selection, parent)  # type: ignore[arg-type]
        if isinstance(kind, Itself):
            return self.object(parent, selection.returns, selection.children)  # type: ignore[arg-type]
        return self.connection(kind, selection, parent)

    def one(self, rows: Select[Any], selection: Selection, parent: FromClause | None) -> ColumnElement[Any]:
        found = _correlated(rows, parent).subquery()
        value = select(self.object(found, selection.returns, selection.children)).select_from(found).limit(fixed(1))
        return _correlated(value, parent).scalar_subquery()

    def many(self, kind: Many, selection: Selection, parent: FromClause) -> ColumnElement[Any]:
        rows = _correlated(kind.rows(self.actor, parent), parent).subquery()
        ordered = aggregate_order_by(
            self.object(rows, selection.returns, selection.children), *(rows.c[name] for name in kind.order_by)
        )
        value = select(func.coalesce(func.json_agg(ordered), EMPTY_LIST)).select_from(rows)
        return _correlated(value, parent).scalar_subquery()

    def connection(self, kind: Connection, selection: Selection, parent: FromClause | None) -> ColumnElement[Any]:
        arguments = self.arguments(selection)
        query, args = kind.listed(self.actor, arguments)
        rows = listing(
            self.settings,
            query,
            args,
            order=(arguments.get("order_by") or kind.order()).order(),
            partition=kind.partition,
            first=arguments.get("first"),
            after=arguments.get("after"),
            last=arguments.get("last"),
            before=arguments.get("before"),
        )
        stmt, keys = paging.ordered(rows)
        if kind.partition is not None:
            stmt = _correlated(stmt.where(stmt.selected_columns[kind.partition] == parent.c.id), parent)  # type: ignore[union-attr]
        size = rows.window.limit
        numbered = stmt.add_columns(func.row_number().over(order_by=keys).label("_n"))
        page = numbered.order_by(*keys).limit(fixed(size + 1))
        found = page.subquery()
        order_column, ident = found.c[rows.order.column], found.c.id
        ascending = rows.order.direction is Direction.ASC
        forward = [order_column.asc(), ident.asc()] if ascending else [order_column.desc(), ident.desc()]
        # An aggregate without GROUP BY gives one row even for an empty page.
        nodes_selection = next((child for child in selection.children if child.name == "nodes"), None)
        columns = [func.count().label("rows")]
        if nodes_selection is not None:
            obj = self.object(found, nodes_selection.returns, nodes_selection.children)
            nodes = func.json_agg(aggregate_order_by(obj, *forward)).filter(found.c._n <= fixed(size))
            columns.append(func.coalesce(nodes, EMPTY_LIST).label("nodes"))
        page_of = select(*columns).select_from(found).subquery()
        more = page_of.c.rows > fixed(size)
        has_next, has_previous = (
            (text_bool(rows.window.before is not None), more)
            if rows.window.backwards
            else (more, text_bool(rows.window.after is not None))
        )
        pairs: list[Any] = []
        for child in selection.children:
            pairs.append(text(child.key))
            if child.name == TYPENAME:
                pairs.append(text(selection.returns))
            elif child.name == "nodes":
                pairs.append(page_of.c.nodes)
            elif child.name == "totalCount":
                pairs.append(self.total(kind, query, args, parent))
            elif child.name == "pageInfo":
                pairs.append(self.page_info(child, has_next, has_previous))
            else:  # a field of the connection itself, answered from its parent (a gradebook's columns)
                pairs.append(self.field(parent, SHAPES[selection.returns].fields[child.name], child))
        value = select(func.json_build_object(*pairs)).select_from(page_of)
        return _correlated(value, parent).scalar_subquery()

    def total(self, kind: Connection, query: Any, args: tuple[Any, ...], parent: FromClause | None) -> Any:
        stmt = query(*args)
        if kind.partition is not None:
            stmt = _correlated(stmt.where(stmt.selected_columns[kind.partition] == parent.c.id), parent)  # type: ignore[union-attr]
        return _correlated(select(func.count()).select_from(stmt.subquery()), parent).scalar_subquery()

    @staticmethod
    def page_info(selection: Selection, has_next: Any, has_previous: Any) -> ColumnElement[Any]:
        pairs: list[Any] = []
        for child in selection.children:
            pairs.append(text(child.key))
            if child.name == TYPENAME:
                pairs.append(text("PageInfo"))
            else:
                pairs.append(has_next if child.name == "hasNextPage" else has_previous)
        return func.json_build_object(*pairs)


def fixed(value: int) -> ColumnElement[Any]:
    """A page size written into the statement, not a parameter: it is part of the template's key
    anyway, and the generic plan of the prepared statement (DB_PLAN_CACHE_MODE) then knows how
    many rows each level takes instead of guessing (docs/performance.md, step 4)."""
    return literal_column(str(int(value)))


def text_bool(value: bool) -> ColumnElement[Any]:
    return literal_column("true" if value else "false")


def _correlated(stmt: Select[Any], parent: FromClause | None) -> Select[Any]:
    return stmt.correlate(parent) if parent is not None else stmt.correlate(None)


def statement(
    plan: Plan, actor: Actor, variables: VariableValues, settings: Settings, lookups: dict[str, Arguments]
) -> Select[Any]:
    """`lookups`: each root lookup's id or slug, as `template.bind` gives it. Raises what the
    resolvers raise for bad arguments (the caller then lets them answer)."""
    build = _Build(actor, variables, settings, lookups)
    query = SHAPES["Query"]
    pairs: list[Any] = []
    for selection in plan.fields:
        pairs.append(text(selection.key))
        if selection.name == TYPENAME:
            pairs.append(text("Query"))
        else:
            pairs.append(build.field(None, query.fields[selection.name], selection))
    return select(cast(func.json_build_object(*pairs), Text))
