"""Opaque global IDs: base64 of "<Type>:<uuid>", the convention Relay clients expect."""

import base64
import binascii
from uuid import UUID


def global_id(type_name: str, row_id: UUID) -> str:
    return base64.b64encode(f"{type_name}:{row_id}".encode()).decode()


def parse_global_id(value: str) -> tuple[str, UUID]:
    """Raises ValueError for anything that is not one of our IDs."""
    try:
        type_name, _, raw = base64.b64decode(value.encode(), validate=True).decode().partition(":")
        return type_name, UUID(raw)
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError(value) from exc
