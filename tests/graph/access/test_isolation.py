"""Tenant isolation, walked by introspection: nothing of "globex" reaches an actor of "acme".

    acme ── acme-east       globex ── globex-west

Globex holds an object of every Node type: its people (memberships included) come from factories,
everything else (catalog, a module of every kind, an enrollment, a group, API keys, and so its
audit trail) is made by its admin through the API. Acme gets the same, so the walk goes through
real objects. Every globex name, title, URL and email contains MARKER.

The schema is read by introspection, so a type, field or mutation added later is checked, or the
coverage guard fails:
1. every globex object, through `node`, `nodes` and every root lookup (`course(id:)`,
   `portal(slug:)` …), is null for every acme actor;
2. from every root list, each actor walks everything it can reach, every field that needs no
   argument, each object once, until nothing new shows; every ID argument of a root field
   (filters, `isEnrolled`) is given each globex object of its type. No answer shows a globex ID,
   UUID or text, or a `totalCount` that counts globex rows; an ID argument answers as for an
   unknown ID. Even a user who is also a globex member sees nothing of globex while acting in
   acme (only a user acting in no portal sees their own memberships, to pick one);
3. every ID input of every mutation, given each globex object of its type, answers as for an
   unknown ID (payload error NOT_FOUND naming the input, or UNAUTHENTICATED/FORBIDDEN) and no
   globex row changes;
4. the coverage guard: every Node type has a globex object, every ID input or argument maps to
   a type, every root field is reached one way or another; a nested field that needs arguments
   fails it until this suite checks it. Subscriptions have their own suite
   (`test_subscription_isolation.py`).

A check is one (actor × globex object × access path): an answer is checked against every globex
object that could have shown in it. One test runs the four parts on one world (building it costs
more than checking it); each part prints its line (`pytest -s`).
"""

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any
from uuid import UUID, uuid4

import pytest
from graphql import (
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    Lexer,
    Source,
    TokenKind,
    Undefined,
    build_client_schema,
    get_introspection_query,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_enum_type,
    is_input_object_type,
    is_interface_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from sqlalchemy import ColumnElement, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.ids import global_id, parse_global_id
from graph.node import NODE_KINDS
from models.portals import Portal
from models.shared import PersistedQuery, RateCounter
from models.tables import metadata
from models.users import Membership, Role, User
from resolvers.webhooks.delivery import fan_out
from tests.conftest import Api
from tests.factories import make_portal, make_user, saved

MARKER = "globex"
ROOT_PAGE, NESTED_PAGE = 50, 10  # `first` of root lists and of the connections below them
ALIASES, TOKENS = 25, 4_000  # calls per request, under the alias (30) and token (5,000) limits
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
REFUSALS = {"UNAUTHENTICATED", "FORBIDDEN"}
PAGE = "totalCount pageInfo { hasNextPage hasPreviousPage }"
NAMED = "{ __typename ... on Node { id } }"  # an object a field names: the walk comes back to it

ANY = "*"  # an ID that may name an object of any type (an audit event's target)
ID_STEMS = {
    "parent": "Portal",
    "instructor": "User",
    "actor": "User",
    "host": "User",
    "target": ANY,
    "gradeModule": "Module",
    "attempt": "QuizAttempt",
    "replyTo": "DiscussionPost",
    "submission": "AssignmentSubmission",
}

# What each module kind needs on creation (resolvers/module_kinds.py); other kinds need nothing.
KIND_FIELDS: dict[str, Mapping[str, Any]] = {
    "TEXT": {"content": "<p>{name} notes</p>"},
    "VIDEO": {"url": "https://{slug}.example/video"},
    "PDF": {"url": "https://{slug}.example/notes.pdf"},
    "PRESENTATION": {"url": "https://{slug}.example/slides.pptx"},
    "FLASHCARDS": {"cards": [{"front": "{name} question", "back": "{name} answer"}]},
    "SCORM": {"launchUrl": "https://{slug}.example/scorm"},
    "SURVEY": {"surveyFields": [{"type": "TEXT", "label": "{name} feedback"}]},
    "ASSIGNMENT": {"criteria": [{"criterionId": "content", "title": "{name} content", "maxScore": 10}]},
    "EXTERNAL": {"launchUrl": "https://{slug}.example/external"},
}

# Plausible values for required inputs that are not IDs: by name first, then by type.
BY_NAME: dict[str, Any] = {
    "email": "newcomer@example.com",
    "password": "a long enough password",
    "url": "https://example.com/somewhere",
    "currency": "EUR",
    "timeZone": "UTC",
}
BY_TYPE: dict[str, Any] = {
    "String": "Plausible",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "Decimal": "10.00",
    "DateTime": "2026-03-02T09:00:00Z",
    "Date": "2026-03-02",
    "JSON": {},
}
# Optional inputs a mutation needs all the same: a TEXT module (the first ModuleKind) needs content,
# an override a grade (unless it clears one).
EXTRA: dict[str, Mapping[str, Any]] = {
    "moduleCreate": {"content": "<p>Plausible</p>"},
    "gradeOverride": {"grade": 50.0},
}


class Uncovered(Exception):
    """Something of the schema this suite cannot check yet: the coverage guard reports it."""


# ---- the schema, as introspection shows it --------------------------------------------------------


def is_node(type_: GraphQLType) -> bool:
    named = get_named_type(type_)
    interfaces = getattr(named, "interfaces", ())
    return (is_object_type(named) or is_interface_type(named)) and (
        named.name == "Node" or any(i.name == "Node" for i in interfaces)
    )


def is_connection(type_: GraphQLType) -> bool:
    named = get_named_type(type_)
    return is_object_type(named) and {"nodes", "pageInfo", "totalCount"} <= named.fields.keys()


def is_listing(type_: GraphQLType) -> bool:
    return is_connection(type_) or is_list_type(get_nullable_type(type_))


def required(item: Any) -> bool:
    """An argument or input field that is non-null without a default (a client schema keeps a
    literal default in `default`)."""
    return is_non_null_type(item.type) and item.default_value is Undefined and getattr(item, "default", None) is None


def node_types(schema: GraphQLSchema) -> list[GraphQLObjectType]:
    return [t for t in schema.type_map.values() if is_object_type(t) and is_node(t)]


def possible_names(schema: GraphQLSchema, type_: GraphQLType) -> frozenset[str]:
    named = get_named_type(type_)
    return frozenset(t.name for t in schema.get_possible_types(named)) if is_abstract_type(named) else {named.name}


def id_kind(name: str) -> str | None:
    """The global-ID type an ID input takes, from its name: courseId → Course, parentId → Portal."""
    stem = re.sub(r"Ids?$", "", name)
    return None if name in ("id", "ids") else ID_STEMS.get(stem, stem[:1].upper() + stem[1:])


def id_paths(fields: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every ID among arguments or input fields, nested input objects included."""
    for name, item in fields.items():
        named = get_named_type(item.type)
        if named.name == "ID":
            yield (*prefix, name)
        elif is_input_object_type(named) and len(prefix) < 4:
            yield from id_paths(named.fields, (*prefix, name))


@dataclass(frozen=True)
class Selection:
    """All an actor is shown of an object: its fields that need no argument, values (Money,
    Drip, errors …) in full; of the objects it names, in a field, a list or a page of a
    connection, the `__typename` and `id`, for the walk to come back to."""

    schema: GraphQLSchema

    def of(self, type_: GraphQLType) -> str:
        named = get_named_type(type_)
        if is_leaf_type(named):
            return ""
        if is_connection(named):
            return f"{{ {PAGE} nodes {self.of(named.fields['nodes'].type)} }}"
        own = getattr(named, "fields", {})
        parts = ["__typename", *self.fields(own)]
        if is_abstract_type(named):
            for possible in self.schema.get_possible_types(named):
                extra = list(self.fields({n: f for n, f in possible.fields.items() if n not in own}))
                if extra:
                    parts.append(f"... on {possible.name} {{ {' '.join(extra)} }}")
        return "{ " + " ".join(parts) + " }"

    def fields(self, fields: Mapping[str, GraphQLField]) -> Iterator[str]:
        for name, item in fields.items():
            target = get_named_type(item.type)
            if any(required(argument) for argument in item.args.values()):
                continue  # the walk does not guess arguments
            if is_leaf_type(target):
                yield name
            elif is_connection(target):  # rows that are no Node (a gradebook's) are walked in place
                rows = target.fields["nodes"].type
                yield f"{name}(first: {NESTED_PAGE}) {{ {PAGE} nodes {NAMED if is_node(rows) else self.of(rows)} }}"
            elif is_node(target):
                yield f"{name} {NAMED}"
            else:
                yield f"{name} {self.of(target)}"


# ---- requests: calls of root fields, several to a request ---------------------------------------


@dataclass(frozen=True)
class Call:
    """One root field with its arguments and selection; several go in one request as aliases."""

    field: str
    arguments: Mapping[str, Any]
    selection: str


@cache
def tokens(text: str) -> int:
    lexer, count = Lexer(Source(text)), 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


def batches(calls: Sequence[Call]) -> Iterator[Sequence[Call]]:
    """As many calls to a request as the alias and token limits allow."""
    start, size = 0, 0
    for end, call in enumerate(calls):
        cost = tokens(call.selection) + 8 * len(call.arguments) + 4
        if end > start and (end - start == ALIASES or size + cost > TOKENS):
            yield calls[start:end]
            start, size = end, 0
        size += cost
    if start < len(calls):
        yield calls[start:]


async def send(
    api: Api, schema: GraphQLSchema, kind: str, calls: Sequence[Call], tally: "Tally | None" = None
) -> list[dict[str, Any]]:
    """One request, each call an alias (mutations run in order): `{"data", "errors"}` of each."""
    root = schema.query_type if kind == "query" else schema.mutation_type
    assert root is not None
    declared, aliases, variables = [], [], {}
    for i, call in enumerate(calls):
        declared += [f"$a{i}_{name}: {root.fields[call.field].args[name].type}" for name in call.arguments]
        passed = ", ".join(f"{name}: $a{i}_{name}" for name in call.arguments)
        aliases.append(f"a{i}: {call.field}{f'({passed})' if passed else ''} {call.selection}")
        variables |= {f"a{i}_{name}": value for name, value in call.arguments.items()}
    signature = f"({', '.join(declared)})" if declared else ""
    body = (await api.post(f"{kind} {signature} {{ {' '.join(aliases)} }}", variables)).json()
    if tally is not None:
        tally.requests += 1
    if body.get("data") is None and len(calls) > 1:  # one failed where null is not allowed: nothing is left
        return [answer for call in calls for answer in await send(api, schema, kind, [call], tally)]
    data, errors = body.get("data") or {}, body.get("errors", [])
    return [
        {"data": data.get(f"a{i}"), "errors": errors_of(errors, f"a{i}", call.field)} for i, call in enumerate(calls)
    ]


def errors_of(errors: list[dict[str, Any]], alias: str, name: str) -> list[dict[str, Any]]:
    """The errors of one alias (and those of the whole request), told as if it were alone."""
    mine = [error for error in errors if (error.get("path") or [alias])[0] == alias]
    return [
        {"message": e["message"], "path": [name, *(e.get("path") or [])[1:]], "extensions": e.get("extensions")}
        for e in mine
    ]


async def ask(
    api: Api, schema: GraphQLSchema, kind: str, calls: Sequence[Call], tally: "Tally | None" = None
) -> list[dict[str, Any]]:
    """The answers to calls, sent in as few requests as the limits allow."""
    return [answer for batch in batches(calls) for answer in await send(api, schema, kind, batch, tally)]


@dataclass(frozen=True)
class Inputs:
    """Arguments and mutation inputs: the `target` path gets the ID asked about, other required
    IDs one of acme's objects, other required fields a plausible value."""

    fillers: Mapping[str, Sequence[str]]  # acme's global IDs by type, the most useful first

    def build(
        self, fields: Mapping[str, Any], target: tuple[str, ...], asked: str, extra: Mapping[str, Any] = {}
    ) -> dict[str, Any]:
        built = self._object(fields, (), target, asked)
        return {**built, **{name: value for name, value in extra.items() if name not in built}}

    def _object(self, fields: Mapping[str, Any], path: tuple[str, ...], target: tuple[str, ...], asked: str) -> Any:
        built = {}
        for name, item in fields.items():
            here = (*path, name)
            if required(item) or target[: len(here)] == here:
                built[name] = self._value(item.type, here, target, asked)
        return built

    def _value(self, type_: GraphQLType, path: tuple[str, ...], target: tuple[str, ...], asked: str) -> Any:
        inner = get_nullable_type(type_)
        if is_list_type(inner):
            return [self._value(inner.of_type, path, target, asked)]
        if inner.name == "ID":
            return asked if path == target else self.filler(path[-1])
        if is_input_object_type(inner):
            return self._object(inner.fields, path, target, asked)
        if is_enum_type(inner):
            return next(iter(inner.values))
        if path[-1] in BY_NAME or inner.name in BY_TYPE:
            return BY_NAME.get(path[-1], BY_TYPE.get(inner.name))
        raise Uncovered(f"{'.'.join(path)}: no plausible {inner.name} (add one to BY_NAME or BY_TYPE)")

    def filler(self, name: str) -> str:
        kind = id_kind(name)
        found = self.fillers.get("Course" if kind == ANY else kind or "", ())
        if not found:
            raise Uncovered(f"{name}: acme has no {kind} to give it")
        return found[0]


# ---- what must not show -------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """A globex object as its own admin sees it."""

    gid: str
    kind: str  # the type its global ID names: Module
    typename: str  # its GraphQL type: TextModule
    slug: str | None

    def __str__(self) -> str:
        return f"{self.typename} {self.gid}"


def walked(value: Any) -> Iterator[Any]:
    """Every value in an answer, containers included."""
    yield value
    if isinstance(value, Mapping | list):
        for item in value.values() if isinstance(value, Mapping) else value:
            yield from walked(item)


@dataclass(frozen=True)
class Secrets:
    """What of globex must not show to one actor: its objects, by global ID and by raw UUID, and
    any text with MARKER, save in the globex objects that are the actor's own (`theirs`)."""

    by_id: Mapping[str, Seen]
    theirs: frozenset[str] = frozenset()

    def but(self, asked: str) -> "Secrets":
        """What must not show in an answer about `asked`, which may echo it."""
        return replace(self, by_id={gid: seen for gid, seen in self.by_id.items() if gid != asked})

    def found_in(self, answer: Any) -> list[str]:
        raw = {str(parse_global_id(gid)[1]): seen for gid, seen in self.by_id.items()}
        found: list[str] = []
        self._visit(answer, False, raw, found)
        return found

    def _visit(self, value: Any, own: bool, raw: Mapping[str, Seen], found: list[str]) -> None:
        if isinstance(value, str):
            if value in self.by_id:
                found.append(f"the ID of {self.by_id[value]}")
            found += [f"the raw ID of {raw[uuid]}" for uuid in UUID_TEXT.findall(value.lower()) if uuid in raw]
            if MARKER in value.lower() and not own:
                found.append(f"the text {value!r}")
        elif isinstance(value, Mapping):
            own = value["id"] in self.theirs if "id" in value else own
            if {"nodes", "totalCount", "pageInfo"} <= value.keys():
                info, shown = value["pageInfo"], len(value["nodes"])
                if not info["hasNextPage"] and not info["hasPreviousPage"] and value["totalCount"] != shown:
                    found.append(f"a totalCount of {value['totalCount']} for {shown} rows")
            for item in value.values():
                self._visit(item, own, raw, found)
        elif isinstance(value, list):
            for item in value:
                self._visit(item, own, raw, found)


def objects_in(answer: Any) -> Iterator[tuple[str, str, bool]]:
    """(typename, id, shown in full) of every object in an answer."""
    for value in walked(answer):
        if isinstance(value, Mapping) and "__typename" in value and "id" in value:
            yield value["__typename"], value["id"], len(value) > 2


def unknown_id(kind: str) -> str:
    return global_id(kind, uuid4())


def redacted(answer: Any, asked: str) -> str:
    """The answer with the ID it was asked about (global and raw) blanked, to compare answers."""
    text = json.dumps(answer, sort_keys=True)
    return text.replace(asked, "<asked>").replace(str(parse_global_id(asked)[1]), "<asked>")


# ---- the plan: every access path of the schema ----------------------------------------------------


@dataclass(frozen=True)
class Lookup:
    """A root field that finds one object by `id` or `slug`."""

    field: str
    argument: str
    types: frozenset[str]  # the GraphQL types it returns

    def value(self, seen: Seen) -> str | None:
        """What to look `seen` up by; None when this field cannot return it."""
        if seen.typename not in self.types:
            return None
        return seen.gid if self.argument == "id" else seen.slug


@dataclass(frozen=True)
class IdInput:
    """An ID argument of a root field (`courses(filter.categoryId)`) or an ID input of a mutation
    (`moduleCreate(sectionId)`), and the type of object it takes."""

    field: str
    path: tuple[str, ...]
    kind: str

    def __str__(self) -> str:
        return f"{self.field}({'.'.join(self.path)})"


@dataclass
class Plan:
    entries: list[str] = field(default_factory=list)  # root lists (and `viewer`): where walks start
    lookups: list[Lookup] = field(default_factory=list)
    probes: list[IdInput] = field(default_factory=list)  # ID arguments of root fields
    targets: list[IdInput] = field(default_factory=list)  # ID inputs of mutations
    gaps: list[str] = field(default_factory=list)


@dataclass
class World:
    schema: GraphQLSchema
    session: AsyncSession
    actors: dict[str, Api]  # acme's, by name
    globex: list[Seen]
    fillers: dict[str, list[str]]  # acme's own global IDs by type
    theirs: dict[str, frozenset[str]]  # by actor: what is theirs to see wherever they act
    globex_portals: frozenset[UUID]
    globex_users: frozenset[UUID]
    gaps: list[str]

    def secrets(self, actor: str) -> Secrets:
        theirs = self.theirs.get(actor, frozenset())
        return Secrets({seen.gid: seen for seen in self.globex if seen.gid not in theirs}, theirs)

    @property
    def inputs(self) -> Inputs:
        return Inputs(self.fillers)

    def globex_of(self, kind: str) -> list[Seen]:
        if kind == ANY:  # one of each type
            return list({seen.kind: seen for seen in self.globex}.values())
        return [seen for seen in self.globex if seen.kind == kind]

    def plan(self) -> Plan:
        plan = Plan(gaps=list(self.gaps))
        assert self.schema.query_type is not None and self.schema.mutation_type is not None
        for name, item in self.schema.query_type.fields.items():
            if name in ("node", "nodes"):
                continue  # part 1 sends every globex object through these
            by = [a for a in ("id", "slug") if a in item.args] if is_node(item.type) else []
            if by and not is_listing(item.type):
                plan.lookups += [Lookup(name, argument, possible_names(self.schema, item.type)) for argument in by]
            elif not any(required(a) for a in item.args.values()) and (is_listing(item.type) or not item.args):
                plan.entries.append(name)
            probes = self._id_inputs(plan, name, item.args, skip=by)
            if not (by or name in plan.entries or probes):
                plan.gaps.append(f"Query.{name}: not a list, a lookup by id or slug, nor a field with ID arguments")
            plan.probes += probes
        roots = {self.schema.query_type, self.schema.mutation_type, self.schema.subscription_type}
        for type_ in self.schema.type_map.values():
            if is_object_type(type_) and type_ not in roots and not type_.name.startswith("__"):
                needy = [name for name, item in type_.fields.items() if any(map(required, item.args.values()))]
                plan.gaps += [f"{type_.name}.{name}: needs arguments, which the walk does not give" for name in needy]
        for name, item in self.schema.mutation_type.fields.items():
            if set(item.args) != {"input"}:
                plan.gaps.append(f"Mutation.{name}: takes {sorted(item.args)}, not one `input`")
            else:
                fields = get_named_type(item.args["input"].type).fields  # type: ignore[union-attr]
                plan.targets += self._id_inputs(plan, name, fields, extra=EXTRA.get(name, {}))
        return plan

    def _id_inputs(
        self, plan: Plan, name: str, fields: Mapping[str, Any], skip: Sequence[str] = (), extra: Mapping[str, Any] = {}
    ) -> list[IdInput]:
        found = []
        for path in id_paths(fields):
            kind, where = id_kind(path[-1]), f"{name}({'.'.join(path)})"
            if path[0] in skip:
                continue
            if kind != ANY and kind not in NODE_KINDS:
                plan.gaps.append(f"{where}: which type does it take? (add it to ID_STEMS)")
            elif not self.globex_of(kind):
                plan.gaps.append(f"{where}: globex has no {kind} to give it")
            else:
                try:
                    self.inputs.build(fields, path, "an ID", extra)
                    found.append(IdInput(name, path, kind))
                except Uncovered as uncovered:
                    plan.gaps.append(f"{where}: {uncovered}")
        return found

    def entry(self, name: str) -> Call:
        """A root list (or `viewer`), its objects shown in full."""
        item = self.schema.query_type.fields[name]  # type: ignore[union-attr]
        arguments = {"first": ROOT_PAGE} if "first" in item.args else {}
        return Call(name, arguments, Selection(self.schema).of(item.type))

    def expand(self, typename: str, ids: Sequence[str]) -> Call:
        """Objects the walk has seen named, shown in full."""
        selection = Selection(self.schema).of(self.schema.get_type(typename))  # type: ignore[arg-type]
        return Call("nodes", {"ids": list(ids)}, f"{{ ... on {typename} {selection} }}")

    def probe(self, probe: IdInput, value: str) -> Call:
        """A root field given `value` in one ID argument."""
        item = self.schema.query_type.fields[probe.field]  # type: ignore[union-attr]
        arguments = self.inputs.build(item.args, probe.path, value)
        return Call(probe.field, arguments, Selection(self.schema).of(item.type))

    def attempt(self, target: IdInput, value: str) -> Call:
        """A mutation given `value` in one ID input."""
        item = self.schema.mutation_type.fields[target.field]  # type: ignore[union-attr]
        fields = get_named_type(item.args["input"].type).fields  # type: ignore[union-attr]
        input_ = self.inputs.build(fields, target.path, value, EXTRA.get(target.field, {}))
        return Call(target.field, {"input": input_}, Selection(self.schema).of(item.type))

    async def globex_state(self) -> dict[str, frozenset[tuple[str, ...]]]:
        """Every column of every globex row: tenant rows by portal, people and their tokens by
        user. A table that names neither is kept whole: nothing may change it either, but for the
        service's own bookkeeping that every request touches (models/shared.py: rate counts, APQ)."""
        state = {}
        for table in metadata.sorted_tables:
            if table.name in SERVICE_STATE:
                continue
            where = owned(table, self.globex_portals, self.globex_users)
            stmt = select(table) if where is None else select(table).where(where)
            state[table.name] = frozenset(tuple(map(str, row)) for row in await self.session.execute(stmt))
        await self.session.commit()  # ends the read; commit expires nothing
        return state


SERVICE_STATE = {RateCounter.__tablename__, PersistedQuery.__tablename__}


# ---- the world ----------------------------------------------------------------------------------


def owned(table: Table, portals: Iterable[UUID], users: Iterable[UUID]) -> ColumnElement[bool] | None:
    """The rows of a table that belong to these portals and people; None when it cannot tell."""
    if table is Portal.__table__:
        return table.c.id.in_(portals)
    if table is User.__table__:
        return table.c.id.in_(users)
    if "portal_id" in table.c:
        return table.c.portal_id.in_(portals)
    if "user_id" in table.c:
        return table.c.user_id.in_(users)
    return None


async def subtree(session: AsyncSession, portal: Portal) -> frozenset[UUID]:
    return frozenset(await session.scalars(select(Portal.id).where(Portal.path.startswith(portal.path))))


async def members(session: AsyncSession, portals: Iterable[UUID]) -> frozenset[UUID]:
    return frozenset(await session.scalars(select(Membership.user_id).where(Membership.portal_id.in_(portals))))


async def owned_ids(
    session: AsyncSession, portals: frozenset[UUID], users: frozenset[UUID], gaps: list[str]
) -> dict[str, list[str]]:
    """The global IDs of the rows of every registered Node type that belong to these portals."""
    found: dict[str, list[str]] = {}
    for kind, registered in NODE_KINDS.items():
        where = owned(registered.model.__table__, portals, users)
        if where is None:
            gaps.append(f"{kind}: neither portal_id nor user_id, cannot tell which portal owns it")
            continue
        rows = await session.scalars(select(registered.model.__table__.c.id).where(where))
        found[kind] = sorted(global_id(kind, row_id) for row_id in rows)
    await session.commit()
    return found


async def created(api: Api, schema: GraphQLSchema, *calls: tuple[str, Mapping[str, Any]]) -> list[str]:
    """Mutations that must succeed, in one request: the ID of what each made or changed."""
    assert schema.mutation_type is not None
    fields = schema.mutation_type.fields
    answers = await ask(
        api, schema, "mutation", [Call(n, {"input": i}, Selection(schema).of(fields[n].type)) for n, i in calls]
    )
    assert all(not answer["errors"] and not answer["data"]["errors"] for answer in answers), answers
    return [next(gid for _, gid, _ in objects_in(answer["data"])) for answer in answers]


def filled(template: Any, **names: str) -> Any:
    if isinstance(template, str):
        return template.format(**names)
    if isinstance(template, Mapping):
        return {key: filled(value, **names) for key, value in template.items()}
    return [filled(item, **names) for item in template] if isinstance(template, list) else template


async def furnish(
    api: Api, schema: GraphQLSchema, portal: Portal, people: Mapping[Role, User], *teachers: User
) -> list[str]:
    """What an admin builds through the API, each mutation leaving its audit event: categories,
    a certificate template, a published course shared with sub-portals using it, holding a module
    of every kind and a learner (who takes its quiz) with a certificate, a draft, a group, a
    newcomer, API keys (one revoked). The IDs of all that, in order."""
    name, slug = portal.name, portal.slug
    teaching = [global_id("User", person.id) for person in (people[Role.INSTRUCTOR], *teachers)]
    learner = global_id("User", people[Role.LEARNER].id)
    made = await created(
        api, schema,
        ("categoryCreate", {"name": f"{name} Design"}),
        ("categoryCreate", {"name": f"{name} Operations", "type": "MODULE"}),
        ("groupCreate", {"name": f"{name} Cohort"}),
        ("userCreate", {"email": f"{slug}-newcomer@example.com", "fullName": f"{name} Newcomer", "role": "LEARNER"}),
        ("apiKeyCreate", {"name": f"{name} Partner", "role": "INSTRUCTOR"}),
        ("apiKeyCreate", {"name": f"{name} Old Partner", "role": "LEARNER"}),
        ("certificateTemplateCreate", {"name": f"{name} Diploma", "width": 800, "height": 600,
                                       "backgroundUrl": f"https://{slug}.example/diploma.png",
                                       "fields": [{"key": "CUSTOM_TEXT", "value": f"{name} certifies", "top": 10,
                                                   "left": 10}]}),
    )  # fmt: skip
    category, _, group, _, _, old_key, template = made
    made += await created(
        api, schema,
        ("courseCreate", {"title": f"{name} Catalog", "categoryIds": [category], "instructorIds": teaching,
                          "sharedWithSubPortals": True, "certificateTemplateId": template}),
        ("courseCreate", {"title": f"{name} Draft", "instructorIds": teaching[:1]}),
        ("groupMembersAdd", {"groupId": group, "userIds": [learner]}),
        ("apiKeyRevoke", {"apiKeyId": old_key}),
    )  # fmt: skip
    course, draft = made[-4:-2]
    made += await created(
        api, schema,
        ("sectionCreate", {"courseId": course, "title": f"{name} Basics"}),
        ("sectionCreate", {"courseId": draft, "title": f"{name} Outline"}),
    )  # fmt: skip
    kinds = schema.get_type("ModuleKind").values  # type: ignore[union-attr]
    modules = [{"courseId": course, "sectionId": made[-2], "kind": kind, "title": f"{name} {kind.title()}",
                **filled(KIND_FIELDS.get(kind, {}), name=name, slug=slug)} for kind in kinds]  # fmt: skip
    made += await created(api, schema, *[("moduleCreate", module) for module in modules])
    quiz = made[-len(modules) :][list(kinds).index("QUIZ")]
    forum = made[-len(modules) :][list(kinds).index("DISCUSSION")]
    survey = made[-len(modules) :][list(kinds).index("SURVEY")]
    assignment = made[-len(modules) :][list(kinds).index("ASSIGNMENT")]
    live = made[-len(modules) :][list(kinds).index("LIVE_SESSION")]
    made += await created(
        api, schema,
        ("coursePublish", {"courseId": course}),
        ("courseUpdate", {"courseId": course, "description": f"All about {name}"}),
        ("enrollmentCreate", {"courseId": course, "userIds": [learner]}),
        ("courseCreate", {"title": f"{name} Sequel", "instructorIds": teaching[:1]}),
    )  # fmt: skip
    sequel = made[-1]
    made += await created(api, schema, ("enrollmentAssignCertificate", {"enrollmentIds": [made[-2]]}))
    made += await created(
        api, schema,
        ("questionCreate", {"moduleId": quiz, "type": "MULTIPLE_CHOICE", "title": f"{name} Question",
                            "explanation": f"{name} explains", "choices": [{"text": f"{name} Right", "isCorrect": True},
                                                                           {"text": f"{name} Wrong"}]}),
    )  # fmt: skip
    made += await take_quiz(api.signed_in(people[Role.LEARNER], slug), schema, quiz, made[-1])
    made += await discuss(api.signed_in(people[Role.LEARNER], slug), schema, forum, survey, name)
    made += await hand_in(api.signed_in(people[Role.LEARNER], slug), api, schema, assignment, name)
    made += await created(
        api, schema,
        ("liveSessionCreate", {"moduleId": live, "title": f"{name} Live", "startsAt": "2026-03-02T09:00:00Z",
                               "hostId": teaching[0]}),
    )  # fmt: skip
    made += await created(api, schema, ("liveSessionParticipantAdd", {"liveSessionId": made[-1], "userIds": [learner]}))
    made += await created(
        api, schema,
        ("moduleCreate", {"courseId": sequel, "kind": "TEXT", "title": f"{name} Recap", "content": "<p>Recap</p>"}),
    )  # fmt: skip
    made += await created(api, schema, ("coursePublish", {"courseId": sequel}))
    made += await created(
        api, schema,
        ("learningPathCreate", {"name": f"{name} Track", "status": "PUBLISHED",
                                "courses": [{"courseId": course, "isPrerequisite": True}, {"courseId": sequel}]}),
    )  # fmt: skip
    made += await created(api, schema, ("learningPathEnroll", {"learningPathId": made[-1], "userIds": [learner]}))
    made += await sell(api, schema, name, slug, learner, course, made[-2])
    hook = {"url": f"https://{slug}.example/hooks", "events": ["course_enrolled"], "description": f"{name} CRM"}
    return made + await created(api, schema, ("webhookCreate", hook))


async def sell(
    api: Api, schema: GraphQLSchema, name: str, slug: str, learner: str, course: str, path: str
) -> list[str]:
    """A tax rate, a product (a course and a path) with a coupon, and an order for the learner,
    paid, refunded in part and noted, so every commerce object is walked too."""
    made = await created(
        api, schema,
        ("taxRateCreate", {"name": f"{name} VAT", "country": "DE", "rate": "19"}),
        ("productCreate", {"name": f"{name} Bundle", "price": {"amount": "90.00", "currency": "EUR"},
                           "courseIds": [course], "learningPathIds": [path]}),
    )  # fmt: skip
    made += await created(
        api, schema, ("couponCreate", {"code": f"{slug}10", "type": "PERCENT_AMOUNT", "value": "10",
                                       "productIds": [made[-1]]}),
    )  # fmt: skip
    made += await created(
        api, schema, ("orderCreate", {"lines": [{"productId": made[-2]}], "couponCode": f"{slug}10",
                                      "idempotencyKey": f"{slug}-order", "userId": learner,
                                      "billing": {"country": "DE", "city": f"{name} City"}}),
    )  # fmt: skip
    order = made[-1]  # 90.00 − 10% + 19% VAT = 96.39
    return made + await created(
        api, schema,
        ("orderMarkPaid", {"orderId": order, "amount": {"amount": "96.39", "currency": "EUR"},
                           "reference": f"{name} payment"}),
        ("orderRefund", {"orderId": order, "amount": {"amount": "1.00", "currency": "EUR"},
                         "reason": f"{name} goodwill"}),
        ("orderNoteAdd", {"orderId": order, "body": f"{name} note", "isPublic": True}),
    )  # fmt: skip


async def take_quiz(learner: Api, schema: GraphQLSchema, quiz: str, question: str) -> list[str]:
    """The learner's attempt, submitted with an answer, so attempts and answers are walked too."""
    shown = await learner.data(f'{{ node(id: "{question}") {{ ... on Question {{ choices {{ id }} }} }} }}')
    choice = shown["node"]["choices"][0]["id"]
    [attempt] = await created(learner, schema, ("quizAttemptStart", {"moduleId": quiz}))
    answers = [{"questionId": question, "choiceIds": [choice]}]
    return [attempt, *await created(learner, schema, ("quizAttemptSubmit", {"attemptId": attempt, "answers": answers}))]


async def discuss(learner: Api, schema: GraphQLSchema, forum: str, survey: str, name: str) -> list[str]:
    """The learner's post, a reply to it and a survey response, so posts and responses are walked too."""
    [first] = await created(learner, schema, ("discussionPost", {"moduleId": forum, "body": f"{name} says hello"}))
    return [first, *await created(
        learner, schema,
        ("discussionPost", {"moduleId": forum, "body": f"{name} replies", "replyToId": first}),
        ("surveySubmit", {"moduleId": survey, "answers": [{"fieldIndex": 0, "value": f"{name} feedback"}]}),
    )]  # fmt: skip


async def hand_in(learner: Api, grader: Api, schema: GraphQLSchema, assignment: str, name: str) -> list[str]:
    """The learner's submission, graded on the rubric, so submissions and their criteria are walked too."""
    [submission] = await created(
        learner, schema, ("assignmentSubmit", {"moduleId": assignment, "text": f"{name} essay"})
    )
    scores = [{"criterionId": "content", "score": 8}]
    grading = {"submissionId": submission, "criteria": scores, "feedback": f"{name} says well done"}
    return [submission, *await created(grader, schema, ("submissionGrade", grading))]


async def staff(session: AsyncSession, portal: Portal) -> dict[Role, User]:
    return {
        role: await make_user(
            session, portal, role=role, email=f"{portal.slug}-{role}@example.com", full_name=f"{portal.name} {role}"
        )
        for role in Role
    }


async def seen_by_admin(api: Api, schema: GraphQLSchema, gids: Sequence[str]) -> list[Seen]:
    """Globex's objects through its own admin's eyes: their GraphQL type and slug."""
    slugs = " ".join(f"... on {t.name} {{ slug }}" for t in node_types(schema) if "slug" in t.fields)
    selection = f"{{ __typename ... on Node {{ id }} {slugs} }}"
    calls = [Call("nodes", {"ids": list(gids[i : i + 100])}, selection) for i in range(0, len(gids), 100)]
    answers = await ask(api, schema, "query", calls)  # `nodes` takes at most 100 ids
    assert all(not answer["errors"] and None not in answer["data"] for answer in answers), answers
    shown = [node for answer in answers for node in answer["data"]]
    return [Seen(n["id"], parse_global_id(n["id"])[0], n["__typename"], n.get("slug")) for n in shown]


@pytest.fixture
async def world(api: Api, session: AsyncSession) -> World:
    acme = await make_portal(session, slug="acme", name="Acme")
    acme_east = await make_portal(session, parent=acme, slug="acme-east", name="Acme East")
    globex = await make_portal(session, slug="globex", name="Globex")
    globex_west = await make_portal(session, parent=globex, slug="globex-west", name="Globex West")
    acme_people, globex_people = await staff(session, acme), await staff(session, globex)
    east_admin = await make_user(session, acme_east, role=Role.ADMIN, email="east@example.com", full_name="East")
    await make_user(session, globex_west, email="globex-west@example.com", full_name="Globex West Learner")
    both = await make_user(session, acme, email="dana@example.com", full_name="Dana")  # learns at acme …
    await saved(session, Membership(portal_id=globex.id, user_id=both.id, role=Role.INSTRUCTOR))  # … teaches at globex

    schema = build_client_schema(await api.data(get_introspection_query(descriptions=False)))
    globex_admin = api.signed_in(globex_people[Role.ADMIN], "globex")
    acme_made = await furnish(api.signed_in(acme_people[Role.ADMIN], "acme"), schema, acme, acme_people)
    await furnish(globex_admin, schema, globex, globex_people, both)
    await fan_out(session, limit=1_000)  # the webhooks' deliveries of the events so far
    await session.commit()

    gaps: list[str] = []
    acme_tree, globex_tree = await subtree(session, acme), await subtree(session, globex)
    acme_users, globex_users = await members(session, acme_tree), await members(session, globex_tree)
    globex_ids = await owned_ids(session, globex_tree, globex_users - acme_users, gaps)
    acme_ids = await owned_ids(session, frozenset({acme.id}), acme_users - globex_users, [])
    first_made = {gid: index for index, gid in enumerate(dict.fromkeys(acme_made))}  # the published course first …
    fillers = {
        kind: sorted(ids, key=lambda gid: first_made.get(gid, len(first_made))) for kind, ids in acme_ids.items()
    }
    people = {  # name: (user, the portal they act in)
        "acme admin": (acme_people[Role.ADMIN], "acme"),
        "acme instructor": (acme_people[Role.INSTRUCTOR], "acme"),
        "acme learner": (acme_people[Role.LEARNER], "acme"),
        "acme-east admin": (east_admin, "acme-east"),
        "acme learner who teaches at globex": (both, "acme"),
    }
    actors = {name: api.signed_in(user, slug) for name, (user, slug) in people.items()}
    actors |= {"acme admin API key": api.acting_in("acme"), "anonymous visitor of acme": api.anonymous("acme")}
    theirs: dict[str, frozenset[str]] = {}  # acting in acme, even a globex member sees nothing of globex
    seen = await seen_by_admin(globex_admin, schema, [gid for gids in globex_ids.values() for gid in gids])
    return World(schema, session, actors, seen, fillers, theirs, globex_tree, globex_users, gaps)


@dataclass
class Tally:
    """What one part checked, and found."""

    part: str
    checks: int = 0
    requests: int = 0
    leaks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: str = ""

    def __str__(self) -> str:
        return f"{self.part}: {self.checks} checks in {self.requests} requests, {len(self.leaks)} leaks{self.notes}"

    async def ask(self, api: Api, schema: GraphQLSchema, kind: str, calls: Sequence[Call]) -> list[dict[str, Any]]:
        return await ask(api, schema, kind, calls, self)

    def scan(self, who: str, path: str, answer: Mapping[str, Any], secrets: Secrets) -> None:
        """Nothing of `secrets` shows in an answer, and it fails at most as a refusal: any other
        error fails the test, as it could hide what the answer would have shown."""
        self.checks += len(secrets.by_id)
        self.leaks += [f"{who}: {path} shows {leak}" for leak in secrets.found_in(answer)]
        refused = [error for error in answer["errors"] if (error["extensions"] or {}).get("code") in REFUSALS]
        self.errors += [f"{who}: {path} failed: {error}" for error in answer["errors"] if error not in refused]


# ---- the checks ---------------------------------------------------------------------------------


def coverage(world: World, plan: Plan) -> Tally:
    """Part 4: a type, root field or mutation this suite cannot check fails the test."""
    shown = {seen.typename for seen in world.globex}
    types = node_types(world.schema)
    tally = Tally("coverage guard", errors=list(plan.gaps))
    tally.errors += [f"{t.name}: globex has none (make one in `furnish`)" for t in types if t.name not in shown]
    tally.errors += [f"{kind}: in NODE_KINDS, globex has none" for kind in NODE_KINDS if not world.globex_of(kind)]
    tally.errors += [f"Query.{lookup.field}({lookup.argument}): globex has nothing to look up by it"
                     for lookup in plan.lookups if not any(lookup.value(seen) for seen in world.globex)]  # fmt: skip
    tally.checks = len(types) + len(plan.entries) + len(plan.lookups) + len(plan.probes) + len(plan.targets)
    tally.notes = (
        f" ({len(types)} Node types, {len(world.globex)} globex objects; {len(plan.entries)} root lists,"
        f" {len(plan.lookups)} lookups, {len(plan.probes)} ID arguments of root fields;"
        f" {len(plan.targets)} ID inputs of {len({t.field for t in plan.targets})} mutations)"
    )
    return tally


async def lookups(world: World, plan: Plan) -> Tally:
    """Part 1: `node`, `nodes` and every root lookup by id or slug, for every globex object."""
    tally = Tally("node, nodes and lookups")
    asked = [(Call("node", {"id": seen.gid}, "{ __typename }"), seen) for seen in world.globex]
    asked += [
        (Call(lookup.field, {lookup.argument: value}, "{ __typename }"), seen)
        for seen in world.globex
        for lookup in plan.lookups
        if (value := lookup.value(seen)) is not None
    ]
    gids = [seen.gid for seen in world.globex]  # `nodes` takes at most 100 ids: several calls
    everything = [Call("nodes", {"ids": gids[i : i + 100]}, "{ __typename }") for i in range(0, len(gids), 100)]
    for actor, api in world.actors.items():
        theirs = world.theirs.get(actor, frozenset())
        answers = await tally.ask(api, world.schema, "query", [call for call, _ in asked] + everything)
        wholes = answers[len(asked) :]
        for (call, seen), answer in zip(asked, answers[: len(asked)], strict=True):
            tally.errors += [f"{actor}: {call}: {error}" for error in answer["errors"]]
            tally.checks += seen.gid not in theirs
            if answer["data"] is not None and seen.gid not in theirs:
                tally.leaks.append(f"{actor}: {call.field}({', '.join(call.arguments)}:) finds {seen}")
        tally.errors += [f"{actor}: nodes(ids:): {error}" for whole in wholes for error in whole["errors"]]
        found: list[Any] = []
        for chunk, whole in zip(everything, wholes, strict=True):
            found += whole["data"] or [None] * len(chunk.arguments["ids"])
        for seen, node in zip(world.globex, found, strict=True):
            tally.checks += seen.gid not in theirs
            if node is not None and seen.gid not in theirs:
                tally.leaks.append(f"{actor}: nodes(ids:) finds {seen}")
    return tally


async def walk(tally: Tally, world: World, plan: Plan, actor: str) -> tuple[int, int]:
    """From the root lists, everything `actor` can reach, each object shown in full once (through
    `nodes`), until nothing new is named. Returns (objects shown, objects named but not shown)."""
    api, secrets = world.actors[actor], world.secrets(actor)
    steps = [(name, world.entry(name)) for name in plan.entries]
    shown: set[str] = set()
    asked: set[str] = set()
    while steps:
        named: dict[str, list[str]] = defaultdict(list)
        answers = await tally.ask(api, world.schema, "query", [call for _, call in steps])
        for (label, _), answer in zip(steps, answers, strict=True):
            tally.scan(actor, label, answer, secrets)
            for typename, gid, whole in objects_in(answer["data"]):
                if whole:
                    shown.add(gid)
                elif not {gid} & (shown | asked | secrets.by_id.keys()):  # globex IDs are reported, not followed
                    named[typename].append(gid)
                    asked.add(gid)
        steps = [
            (f"nodes(ids:) of the {typename}s it was shown", world.expand(typename, ids[i : i + 100]))
            for typename, ids in named.items()
            for i in range(0, len(ids), 100)
        ]
    return len(shown), len(asked - shown)


async def walks(world: World, plan: Plan) -> Tally:
    """Part 2: each actor walks all it can reach from the root lists; every ID argument of a root
    field, given each globex object of its type, answers as for an unknown ID."""
    tally = Tally("walks and ID arguments")
    probes = [(probe, seen) for probe in plan.probes for seen in world.globex_of(probe.kind)]
    unknown = {(probe, seen.kind): unknown_id(seen.kind) for probe, seen in probes}  # one to compare with
    calls = [world.probe(probe, seen.gid) for probe, seen in probes]
    calls += [world.probe(probe, gid) for (probe, _), gid in unknown.items()]
    reached = []
    for actor, api in world.actors.items():
        shown, hidden = await walk(tally, world, plan, actor)
        reached.append(f"{actor} {shown}" + (f" (+{hidden} named, hidden by id)" if hidden else ""))
        answers = await tally.ask(api, world.schema, "query", calls)
        controls = dict(zip(unknown, answers[len(probes) :], strict=True))
        for (probe, seen), given in zip(probes, answers[: len(probes)], strict=True):
            tally.scan(actor, f"{probe} given {seen}", given, world.secrets(actor).but(seen.gid))
            control, asked = controls[probe, seen.kind], unknown[probe, seen.kind]
            if redacted(given, seen.gid) != redacted(control, asked):
                tally.leaks.append(f"{actor}: {probe} answers {given} for {seen}, {control} for an unknown ID")
    tally.notes = f" (objects reached: {', '.join(reached)})"
    return tally


def refused_as_missing(answer: Mapping[str, Any], target: IdInput) -> bool:
    """NOT_FOUND naming the input (list indexes aside), or refused before looking at all."""
    if answer["errors"]:
        return all((error["extensions"] or {}).get("code") in REFUSALS for error in answer["errors"])
    errors = answer["data"]["errors"]
    return any(
        error["code"] == "NOT_FOUND" and [part for part in error["field"] or () if not part.isdigit()] == [*target.path]
        for error in errors
    )


async def mutations(world: World, plan: Plan) -> Tally:
    """Part 3: every ID input of every mutation, given each globex object of its type, as acme's
    admin; an unknown ID goes first, for the answer every other must match."""
    tally, secrets, api = Tally("mutation ID inputs"), world.secrets("acme admin"), world.actors["acme admin"]
    before = await world.globex_state()
    for target in plan.targets:
        unknown, globex = unknown_id(target.kind), world.globex_of(target.kind)
        calls = [world.attempt(target, value) for value in (unknown, *(seen.gid for seen in globex))]
        control, *answers = await tally.ask(api, world.schema, "mutation", calls)
        for seen, answer in zip(globex, answers, strict=True):
            tally.checks += 1
            tally.leaks += [f"{target} given {seen} shows {leak}" for leak in secrets.but(seen.gid).found_in(answer)]
            if not refused_as_missing(answer, target):
                tally.leaks.append(f"{target} given {seen} is not refused as NOT_FOUND: {answer}")
            elif redacted(answer, seen.gid) != redacted(control, unknown):
                tally.leaks.append(f"{target} answers {answer} for {seen}, {control} for an unknown ID")
        after = await world.globex_state()
        if changed := sorted(name for name in before if before[name] != after[name]):
            tally.leaks.append(f"{target} given globex objects changed globex rows of {', '.join(changed)}")
            before = after
    return tally


async def test_nothing_of_another_portal_reaches_its_actors(world: World) -> None:
    """The four parts on one world (building it takes longer than checking it), the mutations
    last; each part prints its line, and the test fails with all that any part found."""
    plan = world.plan()
    guard = coverage(world, plan)
    parts = [await lookups(world, plan), await walks(world, plan), await mutations(world, plan)]
    total = Tally("isolation (actor × globex object × access path)")
    for part in parts:
        total.checks, total.requests = total.checks + part.checks, total.requests + part.requests
        total.leaks += part.leaks
        total.errors += [f"{part.part}: {error}" for error in part.errors]
    print("", guard, *parts, total, sep="\n")
    assert not guard.errors, "\n".join(guard.errors)
    assert not total.leaks, "\n".join(total.leaks)
    assert not total.errors, "\n".join(total.errors)
    assert all(part.checks > 0 for part in parts), parts
