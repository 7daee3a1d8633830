"""Reading orders: lists with filters (003 list orders: status, user, date range; and product),
an order's parts, and the sales summary per product (money summed in Python, per currency:
SQLite keeps NUMERIC as floating point)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.orders import Order, OrderEvent, OrderLine, OrderNote, OrderStatus, OrderTransaction, TransactionKind
from resolvers.auth import Actor
from resolvers.courses import quantize_money


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFilter:
    status: OrderStatus | None = None
    user_id: UUID | None = None
    product_id: UUID | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


def orders_query(actor: Actor, flt: OrderFilter) -> Select[Any]:
    stmt = select(Order.__table__).where(actor.visible(Order))
    if flt.status is not None:
        stmt = stmt.where(Order.status == flt.status)
    if flt.user_id is not None:
        stmt = stmt.where(Order.user_id == flt.user_id)
    if flt.product_id is not None:
        stmt = stmt.where(Order.id.in_(select(OrderLine.order_id).where(OrderLine.product_id == flt.product_id)))
    if flt.created_after is not None:
        stmt = stmt.where(Order.created_at >= flt.created_after)
    if flt.created_before is not None:
        stmt = stmt.where(Order.created_at < flt.created_before)
    return stmt


def lines_query(actor: Actor) -> Select[Any]:
    return select(OrderLine.__table__).where(actor.visible(OrderLine))


def transactions_query(actor: Actor, kind: TransactionKind) -> Select[Any]:
    return select(OrderTransaction.__table__).where(actor.visible(OrderTransaction), OrderTransaction.kind == kind)


def events_query(actor: Actor) -> Select[Any]:
    return select(OrderEvent.__table__).where(actor.visible(OrderEvent))


def notes_query(actor: Actor) -> Select[Any]:
    return select(OrderNote.__table__).where(actor.visible(OrderNote))


@dataclass(frozen=True, slots=True)
class ProductSales:
    product_id: UUID | None
    product_name: str
    currency: str
    orders: int
    quantity: int
    revenue: Decimal


async def sales_summary(
    session: AsyncSession, *, actor: Actor, since: datetime | None = None, until: datetime | None = None
) -> list[ProductSales]:
    """003 sales per product: completed orders' lines (refunded orders are not sales), before
    order-level discount and tax, per product and currency, the best sellers first."""
    flt = OrderFilter(status=OrderStatus.COMPLETED, created_after=since, created_before=until)
    orders = orders_query(actor, flt).with_only_columns(Order.id, Order.currency).subquery()
    rows = await session.execute(
        select(OrderLine.product_id, OrderLine.product_name, OrderLine.quantity, OrderLine.total, orders.c.currency)
        .join(orders, orders.c.id == OrderLine.order_id)
        .order_by(OrderLine.order_id)
    )
    grouped: dict[tuple[Any, str], list[Any]] = defaultdict(list)
    for row in rows:
        grouped[(row.product_id, row.currency)].append(row)
    summary = [
        ProductSales(
            product_id=product_id,
            product_name=lines[-1].product_name,
            currency=currency,
            orders=len(lines),
            quantity=sum(line.quantity for line in lines),
            revenue=quantize_money(sum((Decimal(line.total) for line in lines), Decimal(0)), currency),
        )
        for (product_id, currency), lines in grouped.items()
    ]
    return sorted(summary, key=lambda s: (-s.revenue, s.product_name))
