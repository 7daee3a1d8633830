"""Ids a client can get wrong, the same five ways for every input id (contract §3): each must be
the payload error NOT_FOUND naming the field, and change nothing."""

import base64
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import uuid4

from graph.ids import global_id
from tests.factories import gid

BAD_IDS = ("unknown", "hidden", "wrong-type", "undecodable", "not-a-uuid")


async def bad_id(
    how: str, type_name: str, *, hidden: Callable[[], Awaitable[Any]], wrong_type: Callable[[], Awaitable[Any]]
) -> str:
    """Unknown, another tenant's row (`hidden`), a real row of another type, a global id whose
    UUID is not one, or no global id at all."""
    if how == "unknown":
        return global_id(type_name, uuid4())
    if how == "hidden":
        return gid(await hidden())
    if how == "wrong-type":
        return gid(await wrong_type())
    if how == "not-a-uuid":
        return base64.b64encode(f"{type_name}:nope".encode()).decode()
    return "not-an-id"


def short(value: Any) -> str | None:
    """Test ids for long strings: their length, not 10,000 characters."""
    return f"{len(value)}-chars" if isinstance(value, str) and len(value) > 40 else None
