"""The one way a mutation runs: decode the input, one transaction, typed errors on refusal."""

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
        "__doc__": f"The result of a mutation: the {field}, or why it was refused.",
        field: None,
        "errors": strawberry.field(default_factory=list),
        "of": classmethod(lambda cls, result: cls(**{field: to_node(result)})),
        "failed": classmethod(lambda cls, problems: cls(errors=error.of(problems))),
    }
    return strawberry.type(type(name, (), namespace), name=name)
