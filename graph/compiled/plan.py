"""Which queries the compiled path can answer: a plan per query text, cached.

A plan exists only for a valid query operation whose every field has a SQL shape, selected
without directives, without fragments that narrow the type, and without two fields answering
under the same key. Everything else gets no plan and goes to the regular executor.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    parse,
    validate,
)

from graph.compiled.shapes import CONNECTION_FIELDS, PAGE_INFO_FIELDS, SHAPES
from graph.schema import schema

GRAPHQL = schema._schema
TYPENAME = "__typename"
MAX_KEYS = 50  # json_build_object takes at most 100 arguments


@dataclass(frozen=True, slots=True)
class Selection:
    key: str
    node: FieldNode
    definition: GraphQLField | None  # None for __typename
    returns: str  # the named GraphQL type the field returns
    children: tuple["Selection", ...] = ()

    @property
    def name(self) -> str:
        return self.node.name.value


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    """Compared by identity: one per query text while cached, and a key of its templates."""

    document: DocumentNode
    operation: OperationDefinitionNode
    fields: tuple[Selection, ...]


class _NoPlan(Exception):
    """This query needs the regular executor."""


def _fields(
    selection_set: SelectionSetNode, parent: GraphQLNamedType, fragments: dict[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    for selection in selection_set.selections:
        if selection.directives:
            raise _NoPlan
        if isinstance(selection, FieldNode):
            yield selection
            continue
        if isinstance(selection, FragmentSpreadNode):
            fragment: InlineFragmentNode | FragmentDefinitionNode = fragments[selection.name.value]
            if fragment.directives:
                raise _NoPlan
        else:
            fragment = selection
        if fragment.type_condition is not None and fragment.type_condition.name.value != parent.name:
            raise _NoPlan
        yield from _fields(fragment.selection_set, parent, fragments)


def _allowed(parent: GraphQLNamedType, name: str) -> bool:
    if name == TYPENAME:
        return True
    if parent.name == "PageInfo":
        return name in PAGE_INFO_FIELDS
    shape = SHAPES.get(parent.name)
    if parent.name.endswith("Connection") and name in CONNECTION_FIELDS:
        return True
    return shape is not None and name in shape.fields


def _selections(
    selection_set: SelectionSetNode, parent: GraphQLNamedType, fragments: dict[str, FragmentDefinitionNode]
) -> tuple[Selection, ...]:
    found: list[Selection] = []
    for node in _fields(selection_set, parent, fragments):
        name = node.name.value
        if not _allowed(parent, name):
            raise _NoPlan
        definition = None if name == TYPENAME else parent.fields[name]  # type: ignore[union-attr]
        returns = "String" if definition is None else get_named_type(definition.type).name
        children: tuple[Selection, ...] = ()
        if node.selection_set is not None:
            children = _selections(node.selection_set, GRAPHQL.get_type(returns), fragments)  # type: ignore[arg-type]
        found.append(Selection(node.alias.value if node.alias else name, node, definition, returns, children))
    if len({selection.key for selection in found}) != len(found) or len(found) > MAX_KEYS:
        raise _NoPlan
    return tuple(found)


@lru_cache(maxsize=1_000)
def plan(query: str, operation_name: str | None, max_tokens: int) -> Plan | None:
    """None when the regular executor must answer (it also reports every error)."""
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return None
    if validate(GRAPHQL, document):
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    if len(chosen) != 1 or chosen[0].operation is not OperationType.QUERY:
        return None
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    try:
        fields = _selections(chosen[0].selection_set, GRAPHQL.query_type, fragments)  # type: ignore[arg-type]
    except _NoPlan:
        return None
    return Plan(document, chosen[0], fields)
