"""Races on PostgreSQL with real concurrent requests, each its own connection and transaction:
a coupon's last uses and an order's refunds are never handed out twice."""

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.orders import Coupon, Order, OrderTransaction, TransactionKind
from tests.conftest import Api
from tests.factories import gid
from tests.graph.orders.shop import make_shop

pytestmark = pytest.mark.postgres_only


async def test_a_hundred_orders_racing_for_ten_coupon_uses_leave_exactly_ten(api: Api, session: AsyncSession) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("20.00")
    await shop.coupon("LAST10", usageLimit=12)
    for _ in range(2):  # two uses already taken: ten are left
        assert (await shop.order([(product, 1)], couponCode="LAST10"))["errors"] == []
    buyer = gid(shop.learner_user)
    placed = await asyncio.gather(
        *(shop.order([(product, 1)], who=shop.admin, couponCode="last10", userId=buyer) for _ in range(100))
    )
    won = [p for p in placed if p["errors"] == []]
    lost = [p for p in placed if p["errors"]]
    assert len(won) == 10 and all(p["order"]["discount"]["amount"] == "2.00" for p in won)
    assert all(p == {"order": None, "errors": [{"field": ["couponCode"], "code": "COUPON_EXHAUSTED"}]} for p in lost)
    assert await session.scalar(select(func.count()).select_from(Order)) == 12
    assert await session.scalar(select(Coupon.used_count)) == 12
    numbers = sorted(p["order"]["number"] for p in won)
    assert numbers == list(range(3, 13))  # one sequence, no gaps: the losers took no number


async def test_two_refunds_of_one_order_at_once_never_refund_more_than_was_paid(
    api: Api, session: AsyncSession
) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("50.00")
    order = (await shop.order([(product, 1)]))["order"]["id"]
    await shop.pay(order, "50.00")

    async def both(amount: str) -> list[str]:
        refund = {"orderId": order, "amount": {"amount": amount, "currency": "EUR"}}
        answers = await asyncio.gather(shop.act("orderRefund", **refund), shop.act("orderRefund", **refund))
        return sorted(str(a["errors"][0]["code"]) if a["errors"] else "OK" for a in answers)

    assert await both("30.00") == ["OK", "REFUND_EXCEEDS_PAID"]  # 60.00 asked of 50.00 paid
    assert await both("20.00") == ["NOT_ALLOWED_IN_STATE", "OK"]  # the first made it REFUNDED
    refunds = select(OrderTransaction.amount).where(OrderTransaction.kind == TransactionKind.REFUND)
    given = await session.scalars(refunds)
    assert sum(given, Decimal(0)) == Decimal("50.00")


async def test_retries_of_one_request_racing_each_other_make_one_order(api: Api, session: AsyncSession) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("20.00")
    buyer = gid(shop.learner_user)
    placed = await asyncio.gather(
        *(shop.order([(product, 1)], who=shop.admin, userId=buyer, idempotencyKey="retry-me") for _ in range(10))
    )
    assert len({p["order"]["id"] for p in placed}) == 1 and all(p["errors"] == [] for p in placed)
    assert await session.scalar(select(func.count()).select_from(Order)) == 1
