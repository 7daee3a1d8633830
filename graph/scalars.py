"""Scalars with the contract's formats: DateTime ends in Z, Decimal travels as a string."""

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import strawberry


def _serialize_datetime(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_datetime(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError("DateTime needs an offset, e.g. 2026-01-31T09:00:00Z")
    return parsed.astimezone(UTC)


def _parse_decimal(value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not a decimal number") from exc
    if not number.is_finite():
        raise ValueError("Decimal must be finite")
    return number


SCALAR_MAP: dict[object, Any] = {
    datetime: strawberry.scalar(
        name="DateTime",
        description="ISO 8601 date and time with offset; always returned in UTC with a Z.",
        serialize=_serialize_datetime,
        parse_value=_parse_datetime,
    ),
    date: strawberry.scalar(
        name="Date",
        description="A calendar date, YYYY-MM-DD.",
        serialize=date.isoformat,
        parse_value=lambda value: date.fromisoformat(str(value)),
    ),
    Decimal: strawberry.scalar(
        name="Decimal",
        description='An exact decimal number, as a string ("10.00").',
        serialize=str,
        parse_value=_parse_decimal,
    ),
}
