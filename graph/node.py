"""`Node`, global-ID decoding, and the `node`/`nodes` root fields that resolve any entity."""

import asyncio
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

import strawberry

from graph.context import Info
from graph.errors import BadUserInput
from graph.ids import global_id, parse_global_id
from resolvers.errors import Failure


@strawberry.interface(description="An object with a globally unique, opaque ID.")
class Node:
    id: strawberry.ID = strawberry.field(
        description="Opaque and global: the key for normalized caches (with `__typename`) and for `node(id:)`."
    )


@dataclass(frozen=True, slots=True)
class NodeKind:
    model: Any
    convert: Callable[[Any], Node]


NODE_KINDS: dict[str, NodeKind] = {}


def register(type_name: str, model: Any, convert: Callable[[Any], Node]) -> None:
    """Each domain registers its types, so `node` needs no list of them."""
    NODE_KINDS[type_name] = NodeKind(model, convert)


def make_id(type_name: str, row_id: UUID) -> strawberry.ID:
    return strawberry.ID(global_id(type_name, row_id))


def query_id(value: str, *expected: str) -> UUID | None:
    """For query arguments: undecodable is BAD_USER_INPUT; another type's ID finds nothing.

    With no `expected` type, an ID of any type will do."""
    try:
        type_name, row_id = parse_global_id(value)
    except ValueError:
        raise BadUserInput(f"{value!r} is not a valid ID.") from None
    return row_id if type_name in expected or not expected else None


COURSE_SLUG_NEEDS_PORTAL = "Slugs are unique per portal: name the portal with the X-Portal header."


def id_or_slug(id: str | None, slug: str | None) -> None:
    """Lookups by `id` or `slug` take exactly one of them."""
    if (id is None) == (slug is None):
        raise BadUserInput("Give exactly one of `id` and `slug`.")


def filter_id(value: str, *expected: str) -> UUID:
    """For filter arguments: an ID of another type is a client mistake, said plainly."""
    row_id = query_id(value, *expected)
    if row_id is None:
        raise BadUserInput(f"{value!r} does not name a {' or '.join(expected)}.")
    return row_id


def input_id(value: str, *expected: str, field: tuple[str, ...]) -> UUID:
    """For mutation inputs: anything that does not name an object of the expected type is NOT_FOUND."""
    try:
        type_name, row_id = parse_global_id(value)
    except ValueError:
        raise Failure.one(field, "This is not a valid ID.", "NOT_FOUND") from None
    if type_name not in expected:
        raise Failure.one(field, f"This ID does not name a {' or '.join(expected)}.", "NOT_FOUND")
    return row_id


def input_ids(values: Collection[str], *expected: str, field: str) -> list[UUID]:
    problems = []
    found = []
    for index, value in enumerate(values):
        try:
            found.append(input_id(value, *expected, field=(field, str(index))))
        except Failure as failure:
            problems.extend(failure.problems)
    if problems:
        raise Failure(problems)
    return found


async def resolve_node(info: Info, value: str) -> Node | None:
    try:
        type_name, row_id = parse_global_id(value)
    except ValueError:
        raise BadUserInput(f"{value!r} is not a valid ID.") from None
    kind = NODE_KINDS.get(type_name)
    if kind is None:
        return None
    row = await info.context.loaders.row(kind.model, row_id)
    return None if row is None else kind.convert(row)


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global ID; null when missing or hidden.")
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global ID as any object's `id` gives it.")],
    ) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(description="Several objects by global ID, in the order asked; null where missing or hidden.")
    async def nodes(
        self, info: Info, ids: Annotated[list[strawberry.ID], strawberry.argument(description="Up to 100 global IDs.")]
    ) -> list[Node | None]:
        if len(ids) > info.context.settings.max_page_size:
            raise BadUserInput(f"Ask for at most {info.context.settings.max_page_size} ids at once.")
        return list(await asyncio.gather(*(resolve_node(info, value) for value in ids)))


def maybe_input_id(value: str, *expected: str) -> UUID | None:
    """For bulk inputs: an id that names nothing becomes None, reported by index with the rest."""
    try:
        return input_id(value, *expected, field=())
    except Failure:
        return None
