"""Coupons (003 § Coupons, R31): a fixed or percent discount with a window, usage limits, a
minimum order and the products it applies to. Each way a code can fail has its own error code.

A coupon's uses are counted in `used_count`, moved only by a conditional UPDATE (`reserve`): on
PostgreSQL concurrent orders queue on the coupon's row and each re-reads the count once the one
before it commits, so 100 orders racing for 10 uses leave exactly 10 holding one."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.orders import Coupon, CouponProduct, CouponType, Order, Product
from resolvers.auth import Actor, acting_portal, visible_row
from resolvers.courses import MAX_AMOUNT, Money, check_money, quantize_money
from resolvers.errors import Checks, Failure

MAX_CODE = 64


@dataclass(frozen=True, slots=True, kw_only=True)
class CouponFields:
    code: str | None = None
    type: CouponType | None = None
    value: Decimal | None = None
    currency: str | None = None
    usage_limit: int | None = None
    per_user_limit: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    minimum_amount: Money | None = None
    product_ids: Sequence[UUID] | None = None
    is_active: bool | None = None


def normal_code(code: str) -> str:
    """Codes match whatever their case (R31 [decision])."""
    return code.strip().upper()


def _check(fields: CouponFields, *, creating: bool) -> Checks:
    checks = Checks()
    checks.text(("code",), fields.code, max_length=MAX_CODE, required=creating)
    if creating and fields.type is None:
        checks.add(("type",), "type is required.", "REQUIRED")
    if creating and fields.value is None:
        checks.add(("value",), "value is required.", "REQUIRED")
    if fields.value is not None and fields.value <= 0:
        checks.add(("value",), "value must be more than zero.", "INVALID")
    elif fields.value is not None and fields.value >= MAX_AMOUNT:
        checks.add(("value",), f"value must be less than {MAX_AMOUNT}.", "INVALID")
    checks.at_least(("usageLimit",), fields.usage_limit, 1)
    checks.at_least(("perUserLimit",), fields.per_user_limit, 1)
    if fields.starts_at and fields.ends_at and fields.ends_at <= fields.starts_at:
        checks.add(("endsAt",), "endsAt must be after startsAt.", "INVALID")
    if fields.minimum_amount is not None:
        check_money(checks, ("minimumAmount",), fields.minimum_amount)
    if fields.currency is not None and (len(fields.currency) != 3 or not fields.currency.isalpha()):
        checks.add(("currency",), "currency is an ISO 4217 code such as EUR.", "INVALID")
    return checks


def _check_kind(coupon: Coupon) -> None:
    """A percent is 0 < v ≤ 100; a fixed amount and a minimum name their currency."""
    if coupon.type is CouponType.PERCENT_AMOUNT and coupon.value > 100:
        raise Failure.one(("value",), "A percent coupon takes at most 100.", "INVALID")
    if coupon.type is CouponType.FIXED_AMOUNT and coupon.currency is None:
        raise Failure.one(("currency",), "A fixed amount coupon needs its currency.", "REQUIRED")
    if coupon.type is CouponType.FIXED_AMOUNT and coupon.currency:
        coupon.value = quantize_money(coupon.value, coupon.currency)


def _check_currencies(coupon: Coupon, fields: CouponFields, checks: Checks) -> None:
    """The coupon's currency and its minimum's are one: a minimum is compared with order totals in it."""
    currency = (fields.currency or coupon.currency or "").upper()
    minimum = fields.minimum_amount.currency.upper() if fields.minimum_amount is not None else None
    if minimum is None and coupon.minimum_amount is not None and fields.currency is not None:
        minimum = coupon.currency  # an existing minimum keeps its currency
    if currency and minimum and minimum != currency:
        at = ("minimumAmount", "currency") if fields.minimum_amount is not None else ("currency",)
        checks.add(at, f"The minimum is in the coupon's currency ({currency}).", "CURRENCY_MISMATCH")


async def _products(
    session: AsyncSession, actor: Actor, portal_id: UUID, ids: Sequence[UUID], checks: Checks
) -> list[UUID]:
    found = set(
        await session.scalars(
            select(Product.id).where(Product.id.in_(ids), Product.portal_id == portal_id, actor.manageable(Product))
        )
    )
    for index, product in enumerate(ids):
        if product not in found:
            checks.add(("productIds", str(index)), "No product of this portal with this id.", "NOT_FOUND")
    return [p for p in dict.fromkeys(ids) if p in found]


async def _taken(session: AsyncSession, portal_id: UUID, code: str, but: UUID | None = None) -> bool:
    stmt = select(Coupon.id).where(Coupon.portal_id == portal_id, Coupon.code == code)
    return await session.scalar(stmt if but is None else stmt.where(Coupon.id != but)) is not None


def _apply(coupon: Coupon, fields: CouponFields) -> None:
    for name in ("type", "value", "usage_limit", "per_user_limit", "starts_at", "ends_at", "is_active"):
        if getattr(fields, name) is not None:
            setattr(coupon, name, getattr(fields, name))
    if fields.code is not None:
        coupon.code = normal_code(fields.code)
    if fields.currency is not None:
        coupon.currency = fields.currency.upper()
    if fields.minimum_amount is not None:
        coupon.minimum_amount = quantize_money(fields.minimum_amount.amount, fields.minimum_amount.currency.upper())
        coupon.currency = coupon.currency or fields.minimum_amount.currency.upper()


async def _save(session: AsyncSession, actor: Actor, coupon: Coupon, fields: CouponFields, checks: Checks) -> Coupon:
    products = None
    if fields.product_ids is not None:
        products = await _products(session, actor, coupon.portal_id, fields.product_ids, checks)
    if fields.code is not None and await _taken(session, coupon.portal_id, normal_code(fields.code), coupon.id):
        checks.add(("code",), "This portal has a coupon with this code.", "DUPLICATE")
    _check_currencies(coupon, fields, checks)
    checks.done()
    _apply(coupon, fields)
    _check_kind(coupon)
    session.add(coupon)
    await session.flush()
    if products is not None:
        await session.execute(delete(CouponProduct).where(CouponProduct.coupon_id == coupon.id))
        session.add_all(CouponProduct(portal_id=coupon.portal_id, coupon_id=coupon.id, product_id=p) for p in products)
        await session.flush()
    return coupon


async def create_coupon(session: AsyncSession, *, actor: Actor, fields: CouponFields) -> Coupon:
    """003 Create Coupon, in the acting portal; the code is unique there, whatever its case."""
    portal_id = acting_portal(actor)
    checks = _check(fields, creating=True)
    coupon = Coupon(portal_id=portal_id, code="", type=fields.type or CouponType.FIXED_AMOUNT, value=Decimal(0))
    return await _save(session, actor, coupon, fields, checks)


async def update_coupon(session: AsyncSession, *, actor: Actor, coupon_id: UUID, fields: CouponFields) -> Coupon:
    """003 Update Coupon; uses already held stay held."""
    coupon = await visible_row(session, Coupon, coupon_id, actor=actor, field="couponId", manage=True)
    return await _save(session, actor, coupon, fields, _check(fields, creating=False))


# ---- applying a coupon to an order ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PricedLine:
    product_id: UUID
    total: Decimal


def _refused(message: str, code: str) -> Failure:
    return Failure.one(("couponCode",), message, code)


async def find(session: AsyncSession, *, portal_id: UUID, code: str, at: datetime) -> Coupon:
    """The portal's active coupon with this code, inside its window."""
    coupon = await session.scalar(select(Coupon).where(Coupon.portal_id == portal_id, Coupon.code == normal_code(code)))
    if coupon is None or not coupon.is_active:
        raise _refused("No coupon with this code.", "COUPON_INVALID")
    if coupon.starts_at is not None and at < coupon.starts_at:
        raise _refused("This coupon is not valid yet.", "COUPON_INVALID")
    if coupon.ends_at is not None and at >= coupon.ends_at:
        raise _refused("This coupon has expired.", "COUPON_EXPIRED")
    return coupon


async def discount(
    session: AsyncSession, coupon: Coupon, lines: Sequence[PricedLine], *, currency: str, subtotal: Decimal
) -> Decimal:
    """R31: fixed → min(value, eligible subtotal); percent → value % of the eligible lines."""
    if coupon.currency is not None and coupon.currency != currency:
        raise _refused(f"This coupon applies to orders in {coupon.currency}.", "COUPON_NOT_APPLICABLE")
    if coupon.minimum_amount is not None and subtotal < coupon.minimum_amount:
        raise _refused(
            f"This coupon needs an order of at least {coupon.minimum_amount} {currency}.", "COUPON_MINIMUM_NOT_MET"
        )
    allowed = set(await session.scalars(select(CouponProduct.product_id).where(CouponProduct.coupon_id == coupon.id)))
    eligible = [line for line in lines if not allowed or line.product_id in allowed]
    if not eligible:
        raise _refused("This coupon applies to none of these products.", "COUPON_NOT_APPLICABLE")
    base = sum((line.total for line in eligible), Decimal(0))
    if coupon.type is CouponType.FIXED_AMOUNT:
        return min(Decimal(coupon.value), base)
    return quantize_money(base * Decimal(coupon.value) / 100, currency)


async def reserve(session: AsyncSession, coupon: Coupon, *, user_id: UUID) -> None:
    """Takes one use: the conditional UPDATE is the guard (a row lock until commit), and the
    per-user count is read after it, so the buyer's own concurrent orders queue behind it too."""
    taken = await session.scalar(
        update(Coupon)
        .where(
            Coupon.id == coupon.id,
            (Coupon.usage_limit.is_(None)) | (Coupon.used_count < Coupon.usage_limit),
        )
        .values(used_count=Coupon.used_count + 1)
        .returning(Coupon.used_count)
        .execution_options(synchronize_session=False)
    )
    if taken is None:
        raise _refused("This coupon has no use left.", "COUPON_EXHAUSTED")
    if coupon.per_user_limit is not None:
        mine = await session.scalar(
            select(func.count()).where(
                Order.coupon_id == coupon.id, Order.user_id == user_id, Order.coupon_held.is_(True)
            )
        )
        if (mine or 0) >= coupon.per_user_limit:
            raise _refused("You have used this coupon as often as it allows.", "COUPON_PER_USER_LIMIT")


async def release(session: AsyncSession, order: Order) -> None:
    """A cancelled or failed order gives its use back."""
    if order.coupon_id is not None and order.coupon_held:
        await session.execute(
            update(Coupon)
            .where(Coupon.id == order.coupon_id)
            .values(used_count=Coupon.used_count - 1)
            .execution_options(synchronize_session=False)
        )
        order.coupon_held = False


def coupons_query(actor: Actor, code: str | None) -> Select[Any]:
    stmt = select(Coupon.__table__).where(actor.visible(Coupon))
    return stmt if not code else stmt.where(Coupon.code == normal_code(code))


def coupon_products_query(actor: Actor) -> Select[Any]:
    """The products a coupon applies to, partitioned by the coupon (Coupon.products)."""
    return (
        select(Product.__table__, CouponProduct.coupon_id)
        .join(CouponProduct, CouponProduct.product_id == Product.id)
        .where(actor.visible(Product), actor.visible(CouponProduct))
    )
