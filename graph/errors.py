"""Errors as clients see them: every GraphQL error carries `extensions.code`.

Anything unexpected becomes INTERNAL_SERVER_ERROR with a fixed message; the original is logged,
never sent (no type, message or trace leaks to clients).
"""

import logging
from enum import StrEnum
from typing import Any, ClassVar

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from graph.limits import TOKENS_EXCEEDED, TOO_COMPLEX
from models.session import DatabaseUnavailable
from resolvers.errors import BadInput, Forbidden, NotFound, Problem, RateLimited, Unauthenticated

log = logging.getLogger("coursegraph.errors")

INTERNAL_MESSAGE = "Internal server error"
UNAVAILABLE = "SERVICE_UNAVAILABLE"  # the database is out of reach: HTTP 503 when nothing was answered


class ApiError(Exception):
    """An error meant for the client, with its contract code."""

    code: ClassVar[str] = "BAD_USER_INPUT"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.extensions = {"code": self.code}


class BadUserInput(ApiError):
    code = "BAD_USER_INPUT"


class NotFoundError(ApiError):
    code = "NOT_FOUND"


KNOWN: dict[type[Exception], str] = {
    BadInput: "BAD_USER_INPUT",
    NotFound: "NOT_FOUND",
    Unauthenticated: "UNAUTHENTICATED",
    Forbidden: "FORBIDDEN",
    RateLimited: "RATE_LIMITED",
    DatabaseUnavailable: UNAVAILABLE,
}


def _code_of(error: GraphQLError) -> str | None:
    original = error.original_error
    if TOKENS_EXCEEDED in error.message:
        return TOO_COMPLEX
    if original is None:
        return (error.extensions or {}).get("code") or "GRAPHQL_VALIDATION_FAILED"
    if isinstance(original, ApiError):
        return original.code
    for kind, code in KNOWN.items():
        if isinstance(original, kind):
            return code
    if isinstance(original, GraphQLError):  # argument coercion: a bad scalar value
        return "BAD_USER_INPUT"
    return None


class ErrorCodes(MaskErrors):
    """Adds the code to every error we know and masks every other one."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: _code_of(error) is None, error_message=INTERNAL_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        log.error("unexpected error at %s", error.path, exc_info=error.original_error)
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR"}
        return masked

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        for error in errors:
            code = _code_of(error)
            if code is not None:
                error.extensions = {**(error.extensions or {}), "code": code}
            if isinstance(error.original_error, RateLimited):
                error.extensions["retryAfter"] = error.original_error.retry_after
        return super()._process_errors(errors)


def retry_after(errors: list[GraphQLError]) -> int | None:
    """Seconds to wait when a rate limit refused the request (HTTP 429 with Retry-After)."""
    waits = [e.extensions["retryAfter"] for e in errors if e.extensions and "retryAfter" in e.extensions]
    return max(waits) if waits else None


def without_leaks(errors: list[GraphQLError]) -> list[GraphQLError]:
    """The last guard before the wire: an error a failing extension let through gets masked too."""
    if all((error.extensions or {}).get("code") for error in errors):
        return errors
    return ErrorCodes()._process_errors(errors)


def unavailable(result_data: object, errors: list[GraphQLError]) -> bool:
    """Nothing answered because the database is out of reach: HTTP 503, so clients and load
    balancers retry. A response with data stays 2xx (GraphQL over HTTP), its errors coded."""
    return result_data is None and any((e.extensions or {}).get("code") == UNAVAILABLE for e in errors)


def error_type(name: str, codes: type[StrEnum]) -> Any:
    """The payload error type of one domain: `{ field, message, code: <Domain>ErrorCode }`."""
    code_enum = strawberry.enum(codes, name=codes.__name__, description=f"Why a {name} input was refused.")

    @strawberry.type(name=name, description="A refused input: `field` is its path in `input`, or null.")
    class DomainError:
        field: list[str] | None
        message: str
        code: code_enum  # type: ignore[valid-type]

        @classmethod
        def of(cls, problems: list[Problem]) -> list["DomainError"]:
            return [
                cls(field=list(p.field) if p.field else None, message=p.message, code=codes(p.code)) for p in problems
            ]

    return DomainError
