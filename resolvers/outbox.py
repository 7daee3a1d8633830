"""The webhook outbox (contract §9): events written in the transaction of the change they report."""

from collections.abc import Sequence
from typing import Any
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from models.enrollments import OutboxEvent
from models.session import now


async def outbox(session: AsyncSession, event: str, rows: Sequence[dict[str, Any]]) -> None:
    """Webhook events (contract §9) in the transaction of their change; delivery comes later."""
    if rows:
        at = now(session)
        await session.execute(
            OutboxEvent.__table__.insert(),
            [
                {"id": uuid4(), "event": event, "occurred_at": at, "portal_id": row["portal_id"], "data": row["data"]}
                for row in rows
            ],
        )
