"""The one way a mutation runs: decode the input, one transaction, typed errors on refusal."""

import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, Self, TypeVar

import strawberry

from graph.context import Info
from resolvers.errors import Failure, Problem


class Payload(Protocol):
    @classmethod
    def of(cls, result: Any) -> Self: ...

    @classmethod
    def failed(cls, problems: list[Problem]) -> Self: ...


P = TypeVar("P", bound=Payload)

ERRORS = (
    "Why the mutation was refused, one entry per problem (a bulk mutation's refused items by index); "
    "empty when it succeeded."
)


def errors_field() -> Any:
    """Every payload's `errors`, described once."""
    return strawberry.field(default_factory=list, description=ERRORS)


def result_field(what: str) -> Any:
    """A payload's object: null when the mutation was refused."""
    return strawberry.field(default=None, description=f"The {what} as the mutation left it; null when refused.")


async def perform(
    info: Info, payload: type[P], fn: Callable[..., Awaitable[Any]], arguments: Callable[[], dict[str, Any]]
) -> P:
    """`arguments` decodes the input (bad ids become payload errors too), then `fn` runs in one
    transaction: on a raised `Failure` nothing it wrote remains; a returned one keeps its writes."""
    try:
        result = await info.context.write(fn, action=info.field_name, arguments=arguments)
    except Failure as failure:
        return payload.failed(failure.problems)
    if isinstance(result, Failure):  # refused, but what it recorded (a failed sign-in) is kept
        return payload.failed(result.problems)
    return payload.of(result)


def payload_type(name: str, field: str, node: Any, error: Any, convert: Callable[[Any], Any] | None = None) -> Any:
    """`<name> { <field>: <node>, errors: [<Domain>Error!]! }` with its `of` and `failed`."""
    to_node = convert or node.from_row
    namespace = {
        "__annotations__": {field: node | None, "errors": list[error]},
        field: result_field(name_of(field)),
        "errors": errors_field(),
        "of": classmethod(lambda cls, result: cls(**{field: to_node(result)})),
        "failed": classmethod(lambda cls, problems: cls(errors=error.of(problems))),
    }
    description = f"The result of a mutation: the {name_of(field)}, or why it was refused."
    return strawberry.type(type(name, (), namespace), name=name, description=description)


def name_of(field: str) -> str:
    """`learningPath` or `learning_path` → "learning path", for descriptions."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", field).replace("_", " ").lower()
