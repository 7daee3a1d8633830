"""Statement templates: SQLAlchemy builds and compiles a compiled read once per shape of request;
each request then only binds its own values.

Building the statement costs more than PostgreSQL takes to run it (docs/performance.md, step 2).
So it is built for a *symbolic* actor, whose ids, portal scope and clock are statement parameters,
with each lookup's `id` or `slug` a parameter too. Every decision taken in Python while building
then depends only on what the key holds: the plan, the actor's role and which of its ids exist,
and every argument other than a lookup's id or slug. No value of one request can end up in the
statement another request runs: the template never saw one.
"""

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql.execution.values import VariableValues, get_argument_values
from sqlalchemy import ARRAY, BindParameter, Select, String, Uuid, bindparam

from graph.compiled.plan import Plan, Selection
from graph.compiled.shapes import SHAPES, Arguments, Lookup
from graph.node import id_or_slug, query_id
from models.base import UtcDateTime
from models.statements import Compiled, compile_select
from resolvers.auth import Actor

CAPACITY = 1_000  # templates kept per process, least recently used dropped first
UUIDS = ARRAY(Uuid())


def _parameter(name: str, type_: Any) -> BindParameter[Any]:
    return bindparam(name, None, type_=type_, required=False)


def actor_key(actor: Actor) -> Hashable:
    """What the policies decide on in Python: the role and which of the actor's ids exist."""
    return (
        actor.role,
        actor.portal_ids is None,
        actor.acting_portal_id is None,
        actor.user_id is None,
        actor.api_key_id is None,
        actor.at is None,
    )


def _symbolic(actor: Actor) -> Actor:
    def present(value: Any, name: str, type_: Any) -> Any:
        return None if value is None else _parameter(name, type_)

    return Actor(
        acting_portal_id=present(actor.acting_portal_id, "actor_portal", Uuid()),
        portal_ids=present(actor.portal_ids, "actor_scope", UUIDS),
        ancestor_ids=_parameter("actor_ancestors", UUIDS),  # type: ignore[arg-type]
        role=actor.role,
        user_id=present(actor.user_id, "actor_user", Uuid()),
        api_key_id=present(actor.api_key_id, "actor_key", Uuid()),
        at=present(actor.at, "actor_at", UtcDateTime()),
    )


def _actor_values(actor: Actor) -> dict[str, Any]:
    return {
        "actor_portal": actor.acting_portal_id,
        "actor_scope": list(actor.portal_ids or ()),
        "actor_ancestors": list(actor.ancestor_ids),
        "actor_user": actor.user_id,
        "actor_key": actor.api_key_id,
        "actor_at": actor.at,
    }


def _frozen(value: Any) -> Hashable:
    if isinstance(value, dict):
        return tuple(sorted((name, _frozen(item)) for name, item in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value  # type: ignore[no-any-return]


@dataclass(slots=True)
class Bound:
    """One request's key and values; `lookups` holds each lookup's arguments as parameters."""

    key: Hashable
    values: dict[str, Any]
    lookups: dict[str, Arguments]
    actor: Actor

    def symbolic_actor(self) -> Actor:
        return _symbolic(self.actor)


def _lookup(kind: Lookup, selection: Selection, raw: dict[str, Any], values: dict[str, Any]) -> tuple[str, Arguments]:
    """Raises BadUserInput as the resolver does (the executor then answers)."""
    if kind.type_name is None:
        return "", {}
    given_id, slug = raw.get("id"), raw.get("slug")
    id_or_slug(given_id, slug)
    name = f"lookup_{selection.key}"
    if slug is not None:
        values[name] = kind.slug(slug)
        return "slug", {"slug": _parameter(name, String())}
    row_id = query_id(given_id, kind.type_name)  # type: ignore[arg-type]
    if row_id is None:
        return "another type's id", {"id": None}
    values[name] = row_id
    return "id", {"id": _parameter(name, Uuid())}


def _nested(selections: tuple[Selection, ...]) -> Iterator[Selection]:
    for selection in selections:
        yield selection
        yield from _nested(selection.children)


@dataclass(frozen=True, slots=True)
class Asked:
    """What a plan's arguments decide, whoever asks: their part of the template key, and each
    lookup's id or slug as a parameter value (`lookup_<key>`) with its arguments."""

    parts: tuple[Hashable, ...]
    values: dict[str, Any]
    lookups: dict[str, Arguments]


def asked(plan: Plan, variables: VariableValues) -> Asked:
    """Raises BadUserInput as the resolvers do (the executor then answers)."""
    values: dict[str, Any] = {}
    lookups: dict[str, Arguments] = {}
    parts: list[Hashable] = []
    query = SHAPES["Query"].fields
    for root in plan.fields:
        for selection in _nested((root,)):
            if selection.definition is None or not selection.definition.args:
                continue
            raw = get_argument_values(selection.definition, selection.node, variables)
            kind = query.get(selection.name) if selection is root else None
            if isinstance(kind, Lookup):
                part, lookups[selection.key] = _lookup(kind, selection, raw, values)
                parts.append(part)
            else:
                parts.append(_frozen(raw))
    return Asked(tuple(parts), values, lookups)


def bind(plan: Plan, actor: Actor, arguments: Asked) -> Bound:
    values = _actor_values(actor) | arguments.values
    return Bound((plan, actor_key(actor), arguments.parts), values, arguments.lookups, actor)


class Templates:
    """The templates of one process; `built` counts how many were built (tests read it)."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._found: OrderedDict[Hashable, Compiled] = OrderedDict()
        self._capacity = capacity
        self.built = 0

    def get(self, bound: Bound, build: Callable[[], Select[Any]]) -> Compiled:
        """`build` raises what the resolvers raise for refused arguments; nothing is kept then."""
        if bound.key in self._found:
            self._found.move_to_end(bound.key)
            return self._found[bound.key]
        template = compile_select(build(), bound.values)
        self.built += 1
        self._found[bound.key] = template
        if len(self._found) > self._capacity:
            self._found.popitem(last=False)
        return template
