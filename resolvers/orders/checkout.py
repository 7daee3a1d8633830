"""orderCreate: an order priced by the server only (R30–R32, Decimal; the client sends products
and quantities, never prices), numbered per portal, idempotent per key.

Concurrency: creation first takes the portal's `OrderCounter` row (UPDATE … RETURNING: a row lock
until commit), so creations in one portal queue there; then the idempotency key is read (a retry
that raced its original finds it committed) and the coupon's use is taken by its own conditional
UPDATE, which keeps its limit even without the counter's queue."""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import Course, CourseStatus
from models.learning_paths import LearningPath, LearningPathStatus
from models.orders import Order, OrderCounter, OrderEventType, OrderLine, OrderStatus, Product, ProductItem
from models.session import INSERT, now
from models.users import Membership, Role, User
from resolvers.auth import Actor, acting_portal
from resolvers.courses import MAX_AMOUNT, quantize_money
from resolvers.errors import Checks, Failure, Forbidden, missing
from resolvers.orders import coupons
from resolvers.orders.catalog import tax_rate_for, unit_price
from resolvers.orders.payments import complete
from resolvers.orders.states import publish, record

MAX_QUANTITY = 100
MAX_LINES = 50
MAX_KEY = 200
BILLING_FIELDS = ("first_name", "last_name", "company", "street", "city", "state", "postal_code", "country")


@dataclass(frozen=True, slots=True)
class LineRequest:
    product_id: UUID
    quantity: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Billing:
    """003 billing address snapshot; `country` (ISO 3166 alpha-2) and `state` choose the tax rate."""

    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRequest:
    lines: Sequence[LineRequest]
    idempotency_key: str
    coupon_code: str | None = None
    user_id: UUID | None = None
    billing: Billing | None = None


def _check(request: OrderRequest) -> None:
    checks = Checks()
    checks.text(("idempotencyKey",), request.idempotency_key, max_length=MAX_KEY, required=True)
    if not request.lines:
        checks.add(("lines",), "An order has at least one line.", "REQUIRED")
    elif len(request.lines) > MAX_LINES:
        checks.add(("lines",), f"An order has at most {MAX_LINES} lines.", "INVALID")
    seen: set[UUID] = set()
    for index, line in enumerate(request.lines):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            checks.add(("lines", str(index), "quantity"), f"quantity is from 1 to {MAX_QUANTITY}.", "INVALID")
        if line.product_id in seen:
            checks.add(("lines", str(index), "productId"), "Each product takes one line.", "DUPLICATE")
        seen.add(line.product_id)
    billing = request.billing or Billing()
    for name in BILLING_FIELDS:
        first, *rest = name.split("_")
        checks.text(("billing", first + "".join(p.title() for p in rest)), getattr(billing, name), max_length=200)
    if billing.country is not None and (len(billing.country) != 2 or not billing.country.isalpha()):
        checks.add(("billing", "country"), "country is an ISO 3166 code such as US.", "INVALID")
    checks.done()


async def _buyer(session: AsyncSession, actor: Actor, portal_id: UUID, user_id: UUID | None) -> UUID:
    """Learners buy for themselves; an admin (or an admin API key) names the buyer, an active
    member of the portal."""
    if user_id is None:
        if actor.user_id is None:
            raise Failure.one(("userId",), "Name the buyer: this credential is no user.", "REQUIRED")
        return actor.user_id
    if actor.role is not Role.ADMIN and user_id != actor.user_id:
        raise Forbidden("Only admins place orders for someone else.")
    member = await session.scalar(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(User.id == user_id, User.is_active, Membership.portal_id == portal_id, actor.visible(User))
    )
    if member is None:
        raise missing(("userId",), "member of this portal")
    return user_id


async def _products(session: AsyncSession, actor: Actor, portal_id: UUID, request: OrderRequest) -> list[Product]:
    """The lines' products, purchasable: active, everything they sell published, one currency."""
    ids = [line.product_id for line in request.lines]
    stmt = select(Product).where(Product.id.in_(ids), Product.portal_id == portal_id, actor.visible(Product))
    found = {row.id: row for row in await session.scalars(stmt)}
    unpublished = set(
        await session.scalars(
            select(ProductItem.product_id)
            .outerjoin(Course, Course.id == ProductItem.course_id)
            .outerjoin(LearningPath, LearningPath.id == ProductItem.learning_path_id)
            .where(
                ProductItem.product_id.in_(ids),
                (Course.status != CourseStatus.PUBLISHED) | (LearningPath.status != LearningPathStatus.PUBLISHED),
            )
        )
    )
    checks, currency = Checks(), None
    for index, product_id in enumerate(ids):
        at = ("lines", str(index), "productId")
        product = found.get(product_id)
        if product is None:
            checks.add(at, "No product with this id.", "NOT_FOUND")
        elif not product.is_active or product_id in unpublished:
            checks.add(at, "This product cannot be bought now.", "PRODUCT_UNAVAILABLE")
        elif currency is not None and product.price_currency != currency:
            checks.add(at, f"Every line of an order is in one currency ({currency}).", "CURRENCY_MISMATCH")
        else:
            currency = product.price_currency
    checks.done()
    return [found[product_id] for product_id in ids]


def _snapshot(billing: Billing | None) -> dict[str, str]:
    """The address as given, trimmed, the country in capitals."""
    given = {name: value.strip() for name, value in asdict(billing or Billing()).items() if value and value.strip()}
    return given | ({"country": given["country"].upper()} if "country" in given else {})


def _digest(buyer: UUID, request: OrderRequest) -> str:
    """What makes a retry the same request: buyer, lines, coupon and billing, not the key."""
    body = {
        "buyer": str(buyer),
        "lines": [[str(line.product_id), line.quantity] for line in request.lines],
        "coupon": None if request.coupon_code is None else coupons.normal_code(request.coupon_code),
        "billing": asdict(request.billing or Billing()),
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


async def _next_number(session: AsyncSession, portal_id: UUID) -> int:
    insert = INSERT[session.bind.dialect.name](OrderCounter.__table__)
    await session.execute(insert.on_conflict_do_nothing(index_elements=["portal_id"]), {"portal_id": portal_id})
    number = await session.scalar(
        update(OrderCounter)
        .where(OrderCounter.portal_id == portal_id)
        .values(last_number=OrderCounter.last_number + 1)
        .returning(OrderCounter.last_number)
        .execution_options(synchronize_session=False)
    )
    assert number is not None
    return number


async def _replayed(session: AsyncSession, actor: Actor, portal_id: UUID, key: str, digest: str) -> Order | None:
    """The order an earlier request with this key made: itself when the body is the same."""
    found = await session.scalar(select(Order).where(Order.portal_id == portal_id, Order.idempotency_key == key))
    if found is None:
        return None
    visible = await session.scalar(select(Order.id).where(Order.id == found.id, actor.visible(Order)))
    if found.request_digest != digest or visible is None:
        raise Failure.one(
            ("idempotencyKey",), "This key was used for another request: use a new key.", "IDEMPOTENCY_KEY_REUSED"
        )
    return found


async def _items(session: AsyncSession, product_ids: list[UUID]) -> dict[UUID, dict[str, list[str]]]:
    """What each product sells now, in its order: the lines keep it (OrderLine)."""
    sold: dict[UUID, dict[str, list[str]]] = {}
    stmt = select(ProductItem).where(ProductItem.product_id.in_(product_ids)).order_by(ProductItem.position)
    for item in await session.scalars(stmt):
        lists = sold.setdefault(item.product_id, {"course_ids": [], "learning_path_ids": []})
        if item.course_id is not None:
            lists["course_ids"].append(str(item.course_id))
        if item.learning_path_id is not None:
            lists["learning_path_ids"].append(str(item.learning_path_id))
    return sold


@dataclass(frozen=True, slots=True)
class Totals:
    lines: list[dict[str, Any]]
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    tax_rate: Any
    coupon: Any

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount + self.tax


async def _priced(
    session: AsyncSession, portal_id: UUID, buyer: UUID, request: OrderRequest, products: list[Product]
) -> Totals:
    """R31/R32: lines at their unit prices, the coupon on its eligible lines (its use taken),
    tax at the billing address's rate on what is left."""
    at, currency = now(session), products[0].price_currency
    sold = await _items(session, [product.id for product in products])
    lines = []
    for index, (line, product) in enumerate(zip(request.lines, products, strict=True)):
        unit = quantize_money(unit_price(product, at), currency)
        lines.append({"product_id": product.id, "product_name": product.name, "position": index,
                      "quantity": line.quantity, "unit_price": unit, "total": unit * line.quantity,
                      **sold.get(product.id, {"course_ids": [], "learning_path_ids": []})})  # fmt: skip
    subtotal = sum((line["total"] for line in lines), Decimal(0))
    coupon, discount = None, Decimal(0)
    if request.coupon_code:
        coupon = await coupons.find(session, portal_id=portal_id, code=request.coupon_code, at=at)
        priced = [coupons.PricedLine(line["product_id"], line["total"]) for line in lines]
        discount = await coupons.discount(session, coupon, priced, currency=currency, subtotal=subtotal)
        await coupons.reserve(session, coupon, user_id=buyer)
    billing = request.billing or Billing()
    rate = await tax_rate_for(session, portal_id, billing.country, billing.state)
    tax = Decimal(0) if rate is None else quantize_money((subtotal - discount) * Decimal(rate.rate) / 100, currency)
    totals = Totals(lines, subtotal, discount, tax, rate, coupon)
    if max(subtotal, totals.total) >= MAX_AMOUNT:  # what the order's amount columns hold
        raise Failure.one(("lines",), f"An order's total must be less than {MAX_AMOUNT}.", "INVALID")
    return totals


async def create_order(session: AsyncSession, *, actor: Actor, request: OrderRequest) -> Order:
    """Places an order PENDING_PAYMENT (`new_order`, `pending_payment`); a free one completes at
    once. A retry with the same key and body returns the first order as it is, even when its products
    could not be bought any more (the purchase happened); another body with that key is
    IDEMPOTENCY_KEY_REUSED."""
    portal_id = acting_portal(actor)
    _check(request)
    buyer = await _buyer(session, actor, portal_id, request.user_id)
    digest = _digest(buyer, request)
    number = await _next_number(session, portal_id)
    replayed = await _replayed(session, actor, portal_id, request.idempotency_key, digest)
    if replayed is not None:  # the number goes back: nothing was created, nothing is re-judged
        await session.execute(
            update(OrderCounter)
            .where(OrderCounter.portal_id == portal_id)
            .values(last_number=number - 1)
            .execution_options(synchronize_session=False)
        )
        return replayed
    products = await _products(session, actor, portal_id, request)
    totals = await _priced(session, portal_id, buyer, request, products)
    order = Order(
        portal_id=portal_id,
        number=number,
        user_id=buyer,
        currency=products[0].price_currency,
        subtotal=totals.subtotal,
        discount=totals.discount,
        tax=totals.tax,
        total=totals.total,
        coupon_id=None if totals.coupon is None else totals.coupon.id,
        coupon_code=None if totals.coupon is None else totals.coupon.code,
        coupon_held=totals.coupon is not None,
        tax_rate_id=None if totals.tax_rate is None else totals.tax_rate.id,
        tax_rate=None if totals.tax_rate is None else totals.tax_rate.rate,
        billing=_snapshot(request.billing),
        idempotency_key=request.idempotency_key,
        request_digest=digest,
    )
    session.add(order)
    await session.flush()
    session.add_all(OrderLine(portal_id=portal_id, order_id=order.id, **line) for line in totals.lines)
    await record(session, order, actor=actor, type=OrderEventType.PLACED, to=OrderStatus.PENDING_PAYMENT)
    await session.flush()
    await publish(session, "new_order", order)
    if order.total == 0:
        await complete(session, order, actor=actor)
    else:
        await publish(session, "pending_payment", order)
    await session.flush()
    return order
