"""Limits checked before execution, so an abusive query costs no SQL (contract §10).

Depth, aliases and cost are measured in one walk of the operation, fragments expanded. Cost is
GitHub's node count: a connection multiplies the items of everything below it by its page size
(`first`/`last`, default 20); the request costs the sum of those items plus one.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    validate,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from models.settings import Settings

TOO_COMPLEX = "QUERY_TOO_COMPLEX"
TOKENS_EXCEEDED = "Document contains more than"  # graphql-core's parser, when max_tokens is passed


@dataclass(slots=True)
class Measure:
    depth: int = 0
    aliases: int = 0
    cost: int = 1
    operation: str | None = None  # the name of the operation measured (metrics label it by that)


@dataclass(slots=True)
class _Walk:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    default_size: int
    measure: Measure

    def page_size(self, field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value in ("first", "last"):
                value = argument.value
                raw = self.variables.get(value.name.value) if isinstance(value, VariableNode) else value.value  # type: ignore[attr-defined]
                try:
                    return max(int(raw), 0)
                except (TypeError, ValueError):
                    return self.default_size
        return self.default_size

    def fields(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, seen: frozenset[str]
    ) -> Iterator[tuple[FieldNode, GraphQLNamedType]]:
        """Fields with the type they are selected on; each fragment expanded once per path."""
        for selection in selection_set.selections or ():
            if isinstance(selection, FieldNode):
                yield selection, parent
                continue
            if isinstance(selection, InlineFragmentNode):
                fragment: Any = selection
            elif selection.name.value in seen or selection.name.value not in self.fragments:  # type: ignore[attr-defined]
                continue
            else:
                fragment = self.fragments[selection.name.value]  # type: ignore[attr-defined]
                seen = seen | {fragment.name.value}
            condition = fragment.type_condition
            on = self.schema.get_type(condition.name.value) if condition is not None else parent
            yield from self.fields(fragment.selection_set, on or parent, seen)

    def walk(self, selection_set: SelectionSetNode, parent: GraphQLNamedType, *, depth: int, items: int) -> None:
        self.measure.depth = max(self.measure.depth, depth)
        for field, on in self.fields(selection_set, parent, frozenset()):
            if field.alias is not None:
                self.measure.aliases += 1
            definition = getattr(on, "fields", {}).get(field.name.value)
            if definition is None or field.selection_set is None:
                continue
            returned = get_named_type(definition.type)
            below = items
            if returned.name.endswith("Connection"):
                below = items * self.page_size(field)
                self.measure.cost += below
            self.walk(field.selection_set, returned, depth=depth + 1, items=below)


def measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    variables: Mapping[str, Any],
    operation: str | None,
    default_size: int,
) -> Measure:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    walk = _Walk(schema, fragments, variables, default_size, Measure())
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if operation is not None and definition.name is not None and definition.name.value != operation:
            continue
        walk.measure.operation = definition.name.value if definition.name is not None else None
        root = schema.get_root_type(definition.operation)
        if root is not None:
            walk.walk(definition.selection_set, root, depth=1, items=1)
    return walk.measure


def too_complex(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": TOO_COMPLEX})


class QueryLimits(SchemaExtension):
    """Refuses, before any resolver runs, what the settings do not allow."""

    def on_operation(self) -> Iterator[None]:
        settings = self.execution_context.context.settings
        self.execution_context.parse_options["max_tokens"] = settings.max_tokens
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and not context.pre_execution_errors:  # invalid queries stay invalid
            context.pre_execution_errors = self.refusals(document) or context.pre_execution_errors
        yield

    def refusals(self, document: DocumentNode) -> list[GraphQLError]:
        context = self.execution_context
        return refusals(
            context.schema._schema,
            document,
            settings=context.context.settings,
            variables=context.variables or {},
            operation=context.operation_name,
            state=context.context.request.state,
        )


def refusals(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    settings: Settings,
    variables: Mapping[str, Any],
    operation: str | None,
    state: Any,
) -> list[GraphQLError]:
    """What the settings refuse in this request. The measured cost and operation name are kept on
    the request's `state` (`extensions.cost`, metrics)."""
    found, size = assess(schema, document, settings=settings, variables=variables, operation=operation)
    if size is not None:
        state.cost, state.operation = size.cost, size.operation
    return found


def assess(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    settings: Settings,
    variables: Mapping[str, Any],
    operation: str | None,
) -> tuple[list[GraphQLError], Measure | None]:
    """What the settings refuse in a request, and its measure (None when introspection is
    refused before measuring); the compiled read path asks the same question."""
    if not settings.introspection:
        found = validate(schema, document, [NoSchemaIntrospectionCustomRule])
        if found:
            return found, None
    size = measure(schema, document, variables=variables, operation=operation, default_size=settings.default_page_size)
    return _refused(size, settings), size


def _refused(size: Measure, settings: Settings) -> list[GraphQLError]:
    if size.depth > settings.max_query_depth:
        return [too_complex(f"The query is {size.depth} levels deep; at most {settings.max_query_depth}.")]
    if size.aliases > settings.max_aliases:
        return [too_complex(f"The query uses {size.aliases} aliases; at most {settings.max_aliases}.")]
    if size.cost > settings.max_query_cost:
        return [too_complex(f"The query could return {size.cost} items; the budget is {settings.max_query_cost}.")]
    return []
