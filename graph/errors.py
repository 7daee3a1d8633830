"""Errors as clients see them: every GraphQL error carries `extensions.code`.

Anything unexpected becomes INTERNAL_SERVER_ERROR with a fixed message and the request's id
(`extensions.requestId`); the original is logged with that id, never sent (no type, message or
trace leaks to clients).
"""

import logging
from enum import StrEnum
from typing import Any, ClassVar

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from graph.enums import described
from graph.limits import TOKENS_EXCEEDED, TOO_COMPLEX
from graph.observability import current_request_id
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
        request_id = current_request_id()
        if request_id is not None:  # for the user to quote to support: the log line carries it too
            masked.extensions["requestId"] = request_id
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


ERROR_CODES = {
    "NOT_FOUND": "An id names nothing the caller may see (unknown, hidden, undecodable or of another type).",
    "INVALID": "A value breaks a rule; `message` says which.",
    "REQUIRED": "A value that must be given is missing or blank.",
    "TOO_LONG": "A text is longer than its field allows.",
    "DUPLICATE": "Something unique (a slug, code, email …) is taken already.",
    "NOT_ALLOWED_IN_STATE": "The object's current status does not allow this change.",
    "MODULE_NOT_AVAILABLE": "The module is not open to the learner yet (drip) or not in their course.",
    "ENROLLMENT_EXPIRED": "The learner's access to the course has ended.",
    "ACCESS_REVOKED": "The learner's access to the course was revoked.",
    "NOT_ENROLLED": "The learner is not enrolled in the module's course.",
    "NO_SEATS_LEFT": "The course or portal has no seats left for another learner.",
    "COURSE_NOT_PUBLISHED": "Only a published course takes enrollments.",
    "ALREADY_SUBMITTED": "This was submitted already and takes no second submission.",
    "ALREADY_GRADED": "The submission is graded; the assignment takes no more.",
    "WRONG_MODULE_KIND": "The module is not of the kind this mutation works on.",
    "SCORE_OUT_OF_RANGE": "A score is below 0 or above what the module or criterion allows.",
    "NO_ATTEMPTS_LEFT": "Every attempt the quiz allows has been used.",
    "NO_CERTIFICATE_TEMPLATE": "The course has no certificate template to issue from.",
    "COURSE_NOT_GRADED": "The course's grading rule is NO_GRADING.",
    "NOT_YOUR_ENROLLMENT": "Only the enrolled learner may do this.",
    "NOT_CONFIGURED": "The module lacks a setting this needs (e.g. an EXTERNAL module's lmsId).",
    "FILE_TYPE_NOT_ALLOWED": "The file's type is not among the assignment's allowed file types.",
    "FILE_TOO_LARGE": "The file is larger than the assignment allows.",
    "PROVIDER_FAILED": "The live session provider refused or did not answer; nothing was changed.",
    "INVALID_TOKEN": "The refresh token is unknown, expired or revoked, or its account is deactivated.",
    "INVALID_CREDENTIALS": "Wrong email or password (the same answer for both).",
    "IDEMPOTENCY_KEY_REUSED": "This idempotency key was used before for a different order.",
    "PRODUCT_UNAVAILABLE": "The product is inactive or cannot be bought now.",
    "CURRENCY_MISMATCH": "An amount is not in the order's or product's currency.",
    "PAYMENT_EXCEEDS_DUE": "The payment is more than the order still owes.",
    "REFUND_EXCEEDS_PAID": "The refund is more than was paid and not yet refunded.",
    "COUPON_INVALID": "No active coupon has this code.",
    "COUPON_EXPIRED": "The coupon is not valid at this time (before its start or after its end).",
    "COUPON_EXHAUSTED": "The coupon has been used as often as it may be.",
    "COUPON_PER_USER_LIMIT": "The buyer has used this coupon as often as one buyer may.",
    "COUPON_NOT_APPLICABLE": "The coupon does not apply to these products or this currency.",
    "COUPON_MINIMUM_NOT_MET": "The order's subtotal is below the coupon's minimum amount.",
}


def unavailable(result_data: object, errors: list[GraphQLError]) -> bool:
    """Nothing answered because the database is out of reach: HTTP 503, so clients and load
    balancers retry. A response with data stays 2xx (GraphQL over HTTP), its errors coded."""
    return result_data is None and any((e.extensions or {}).get("code") == UNAVAILABLE for e in errors)


def error_type(name: str, codes: type[StrEnum]) -> Any:
    """The payload error type of one domain: `{ field, message, code: <Domain>ErrorCode }`."""
    code_enum = described(
        strawberry.enum(codes, name=codes.__name__, description=f"Why a mutation answered with {name}s."),
        ERROR_CODES,
    )

    @strawberry.type(name=name, description="A refused input: `field` is its path in `input`, or null.")
    class DomainError:
        field: list[str] | None = strawberry.field(
            description='Path of the refused value in `input`, e.g. ["userIds", "3"]; null: the input as a whole.'
        )
        message: str = strawberry.field(description="What went wrong, in English, for people.")
        code: code_enum = strawberry.field(description="What went wrong, for programs.")  # type: ignore[valid-type]

        @classmethod
        def of(cls, problems: list[Problem]) -> list["DomainError"]:
            return [
                cls(field=list(p.field) if p.field else None, message=p.message, code=codes(p.code)) for p in problems
            ]

    return DomainError
