"""The order's status machine (R33 [decision]) and its record: every change is an `OrderEvent`
naming who made it and when, and what webhooks hear of it goes to the outbox in the same
transaction."""

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.orders import Order, OrderEvent, OrderEventType, OrderLine, OrderStatus
from resolvers.auth import Actor
from resolvers.errors import Failure
from resolvers.outbox import outbox

S = OrderStatus
ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.COMPLETED, S.FAILED, S.CANCELLED}),
    S.FAILED: frozenset({S.PENDING_PAYMENT}),
    S.COMPLETED: frozenset({S.REFUNDED, S.AWAITING_SHIPPING}),
    S.AWAITING_SHIPPING: frozenset({S.SHIPPED}),
}


def refuse_state(order: Order, doing: str) -> Failure:
    return Failure.one(("orderId",), f"A {order.status.name} order cannot be {doing}.", "NOT_ALLOWED_IN_STATE")


def require(order: Order, status: OrderStatus, doing: str) -> None:
    if order.status is not status:
        raise refuse_state(order, doing)


async def record(
    session: AsyncSession,
    order: Order,
    *,
    actor: Actor,
    type: OrderEventType,
    to: OrderStatus | None = None,
    amount: Decimal | None = None,
) -> None:
    """One event: who (user or API key), when (the session's clock), the status it moved. The
    order's row is locked (or new), so counting its events numbers them without gaps."""
    await session.flush()
    position = await session.scalar(select(func.count()).where(OrderEvent.order_id == order.id))
    session.add(
        OrderEvent(
            portal_id=order.portal_id,
            order_id=order.id,
            position=position or 0,
            type=type,
            from_status=None if to is None or type is OrderEventType.PLACED else order.status,
            to_status=to,
            amount=amount,
            user_id=actor.user_id,
            api_key_id=actor.api_key_id,
        )
    )


async def move(
    session: AsyncSession,
    order: Order,
    to: OrderStatus,
    *,
    actor: Actor,
    type: OrderEventType,
    doing: str,
    amount: Decimal | None = None,
) -> None:
    """The one way a status changes: refused unless ALLOWED, recorded when done."""
    if to not in ALLOWED.get(order.status, frozenset()):
        raise refuse_state(order, doing)
    await record(session, order, actor=actor, type=type, to=to, amount=amount)
    order.status = to


def _line(line: OrderLine) -> dict[str, Any]:
    return {
        "productId": str(line.product_id),
        "name": line.product_name,
        "quantity": line.quantity,
        "unitPrice": str(line.unit_price),
        "total": str(line.total),
    }


async def publish(session: AsyncSession, event: str, order: Order, **extra: Any) -> None:
    """A webhook event about the order (contract §9): the order, its lines and totals."""
    lines = await session.scalars(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.position))
    data = {
        "orderId": str(order.id),
        "number": order.number,
        "status": order.status.value,
        "userId": str(order.user_id),
        "currency": order.currency,
        **{name: str(getattr(order, name)) for name in ("subtotal", "discount", "tax", "total", "paid", "refunded")},
        "couponCode": order.coupon_code,
        "lines": [_line(line) for line in lines],
        **extra,
    }
    await outbox(session, event, [{"portal_id": order.portal_id, "data": data}])
