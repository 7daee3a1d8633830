"""How a rule refuses: `Failure` carries typed problems; the graph turns them into payload errors."""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

COMMON_CODES = ("NOT_FOUND", "INVALID", "REQUIRED", "TOO_LONG", "DUPLICATE", "NOT_ALLOWED_IN_STATE")


def error_codes(name: str, *extra: str) -> type[StrEnum]:
    """A domain's code enum: the codes every domain uses (contract §4) plus its own."""
    return StrEnum(name, [(code, code) for code in (*COMMON_CODES, *extra)])  # type: ignore[return-value]


Path = tuple[str, ...]
URL = re.compile(r"https?://[^\s/?#]+\.[^\s/?#]+[^\s]*|https?://(localhost|127\.0\.0\.1)(:\d+)?(/[^\s]*)?")


@dataclass(frozen=True, slots=True)
class Problem:
    field: Path | None
    message: str
    code: str


class Failure(Exception):
    """A command refused as a whole (or, for bulk commands, the items it reports)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)

    @classmethod
    def one(cls, field: Path | None, message: str, code: str) -> "Failure":
        return cls([Problem(field, message, code)])


class BadInput(Exception):
    """A query argument that cannot be honoured (page size, cursor): BAD_USER_INPUT."""


class Unauthenticated(Exception):
    """No credentials, or credentials that are wrong, expired or revoked: UNAUTHENTICATED."""


class Forbidden(Exception):
    """Signed in, but this actor may not do this: FORBIDDEN."""


class RateLimited(Exception):
    """Too many attempts: RATE_LIMITED, with how long to wait."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFound(Exception):
    """A root lookup for something missing or hidden; both look the same to the caller."""


@dataclass(slots=True)
class Checks:
    """Collects every problem of an input so the client sees them all at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, path: Path, message: str, code: str) -> None:
        self.problems.append(Problem(path, message, code))

    def text(self, path: Path, value: str | None, *, max_length: int, required: bool = False) -> None:
        if value is None or not value.strip():
            if required or value is not None:
                self.add(path, f"{path[-1]} is required.", "REQUIRED")
        elif len(value) > max_length:
            self.add(path, f"{path[-1]} is longer than {max_length} characters.", "TOO_LONG")

    def url(self, path: Path, value: str | None, *, required: bool = False) -> None:
        if value is None:
            if required:
                self.add(path, f"{path[-1]} is required.", "REQUIRED")
            return
        if len(value) > 2048:
            self.add(path, f"{path[-1]} is longer than 2048 characters.", "TOO_LONG")
        elif not URL.fullmatch(value):
            self.add(path, f"{path[-1]} must be an http(s) URL.", "INVALID")

    def at_least(self, path: Path, value: int | None, minimum: int) -> None:
        if value is not None and value < minimum:
            self.add(path, f"{path[-1]} must be at least {minimum}.", "INVALID")

    def done(self) -> None:
        if self.problems:
            raise Failure(self.problems)


def missing(path: Path, what: str) -> Failure:
    return Failure.one(path, f"No {what} with this id.", "NOT_FOUND")
