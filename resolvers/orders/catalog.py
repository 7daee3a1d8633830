"""Products and tax rates: what a portal sells, at which price, and the tax added to it."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import Course
from models.learning_paths import LearningPath
from models.orders import Product, ProductItem, TaxRate
from resolvers.auth import Actor, acting_portal, visible_row
from resolvers.courses import Money, check_money, quantize_money
from resolvers.errors import Checks, Failure

MAX_RATE = Decimal(100)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductFields:
    """Shared by create and update; None leaves a field as it is, a list replaces the items."""

    name: str | None = None
    description: str | None = None
    price: Money | None = None
    sale_price: Money | None = None
    clear_sale_price: bool = False
    sale_starts_at: datetime | None = None
    sale_ends_at: datetime | None = None
    is_active: bool | None = None
    course_ids: Sequence[UUID] | None = None
    learning_path_ids: Sequence[UUID] | None = None


def unit_price(product: Any, at: datetime) -> Decimal:
    """R30: the sale price inside its window (open ends are open), else the regular price."""
    sale = product.sale_price_amount
    if sale is None:
        return Decimal(product.price_amount)
    started = product.sale_starts_at is None or product.sale_starts_at <= at
    ended = product.sale_ends_at is not None and product.sale_ends_at <= at
    return Decimal(sale) if started and not ended else Decimal(product.price_amount)


def _check(fields: ProductFields, *, creating: bool) -> Checks:
    checks = Checks()
    checks.text(("name",), fields.name, max_length=300, required=creating)
    checks.text(("description",), fields.description or None, max_length=10_000)
    if creating and fields.price is None:
        checks.add(("price",), "price is required.", "REQUIRED")
    for path, money in ((("price",), fields.price), (("salePrice",), fields.sale_price)):
        if money is not None:
            check_money(checks, path, money)
    if fields.sale_starts_at and fields.sale_ends_at and fields.sale_ends_at <= fields.sale_starts_at:
        checks.add(("saleEndsAt",), "The sale must end after it starts.", "INVALID")
    if creating and not (fields.course_ids or fields.learning_path_ids):
        checks.add(("courseIds",), "A product sells at least one course or learning path.", "REQUIRED")
    return checks


async def _items(
    session: AsyncSession, actor: Actor, portal_id: UUID, fields: ProductFields, checks: Checks
) -> list[dict[str, Any]]:
    """The courses and paths to sell: each one the actor manages in the product's own portal."""
    items: list[dict[str, Any]] = []
    for model, ids, field, column in (
        (Course, fields.course_ids, "courseIds", "course_id"),
        (LearningPath, fields.learning_path_ids, "learningPathIds", "learning_path_id"),
    ):
        wanted = list(dict.fromkeys(ids or ()))
        found = set(
            await session.scalars(
                select(model.id).where(model.id.in_(wanted), model.portal_id == portal_id, actor.manageable(model))
            )
        )
        for index, item in enumerate(ids or ()):
            if item not in found:
                checks.add(
                    (field, str(index)), f"No {model.__name__.lower()} of this portal with this id.", "NOT_FOUND"
                )
        items += [{column: item} for item in wanted if item in found]
    return items


async def _set_items(session: AsyncSession, product: Product, items: list[dict[str, Any]]) -> None:
    await session.execute(delete(ProductItem).where(ProductItem.product_id == product.id))
    session.add_all(
        ProductItem(portal_id=product.portal_id, product_id=product.id, position=i, **item)
        for i, item in enumerate(items)
    )


def _apply(product: Product, fields: ProductFields) -> None:
    for name in ("name", "is_active", "sale_starts_at", "sale_ends_at"):
        if getattr(fields, name) is not None:
            setattr(product, name, getattr(fields, name))
    if fields.description is not None:
        product.description = fields.description.strip()
    if fields.price is not None:
        currency = fields.price.currency.upper()
        product.price_amount, product.price_currency = quantize_money(fields.price.amount, currency), currency
    if fields.clear_sale_price:
        product.sale_price_amount = None
    elif fields.sale_price is not None:
        product.sale_price_amount = quantize_money(fields.sale_price.amount, fields.sale_price.currency.upper())


def _check_sale(product: Product, fields: ProductFields) -> None:
    """The sale price is in the product's currency and below its regular price."""
    sale = fields.sale_price
    if sale is not None and sale.currency.upper() != product.price_currency:
        raise Failure.one(
            ("salePrice", "currency"), "The sale price is in the product's currency.", "CURRENCY_MISMATCH"
        )
    if product.sale_price_amount is not None and product.sale_price_amount > product.price_amount:
        raise Failure.one(("salePrice", "amount"), "A sale price is not above the regular price.", "INVALID")
    if product.sale_starts_at and product.sale_ends_at and product.sale_ends_at <= product.sale_starts_at:
        raise Failure.one(("saleEndsAt",), "The sale must end after it starts.", "INVALID")


async def create_product(session: AsyncSession, *, actor: Actor, fields: ProductFields) -> Product:
    """003 Create a new product, in the acting portal."""
    portal_id = acting_portal(actor)
    checks = _check(fields, creating=True)
    items = await _items(session, actor, portal_id, fields, checks)
    checks.done()
    assert fields.name is not None and fields.price is not None  # checked above
    product = Product(portal_id=portal_id, name=fields.name.strip(), price_amount=Decimal(0), price_currency="")
    _apply(product, fields)
    _check_sale(product, fields)
    session.add(product)
    await session.flush()
    await _set_items(session, product, items)
    await session.flush()
    return product


async def update_product(session: AsyncSession, *, actor: Actor, product_id: UUID, fields: ProductFields) -> Product:
    """003 Update product; `courseIds`/`learningPathIds` replace what it sells. An order keeps
    the prices it was placed with."""
    product = await visible_row(session, Product, product_id, actor=actor, field="productId", manage=True)
    checks = _check(fields, creating=False)
    if fields.course_ids is not None or fields.learning_path_ids is not None:
        items = await _items(session, actor, product.portal_id, fields, checks)
        if not items:
            checks.add(("courseIds",), "A product sells at least one course or learning path.", "REQUIRED")
    checks.done()
    if fields.price is not None and fields.price.currency.upper() != product.price_currency:
        product.sale_price_amount = None  # a sale in the old currency means nothing in the new one
    _apply(product, fields)
    _check_sale(product, fields)
    if fields.course_ids is not None or fields.learning_path_ids is not None:
        await _set_items(session, product, items)
    await session.flush()
    return product


def products_query(actor: Actor, active: bool | None, catalog: bool) -> Select[Any]:
    """`catalog`: the acting portal's own products (root `products`), when it acts in one."""
    stmt = select(Product.__table__).where(actor.visible(Product))
    if catalog and actor.acting_portal_id is not None:
        stmt = stmt.where(Product.portal_id == actor.acting_portal_id)
    return stmt if active is None else stmt.where(Product.is_active.is_(active))


def product_items_query(actor: Actor) -> Select[Any]:
    return select(ProductItem.__table__).where(actor.visible(ProductItem))


# ---- tax rates -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class TaxRateFields:
    name: str
    country: str
    rate: Decimal
    states: Sequence[str] = ()


async def create_tax_rate(session: AsyncSession, *, actor: Actor, fields: TaxRateFields) -> TaxRate:
    """003 tax rate: a percent for a country (ISO 3166 alpha-2), or only for some of its states."""
    portal_id = acting_portal(actor)
    checks = Checks()
    checks.text(("name",), fields.name, max_length=200, required=True)
    if len(fields.country) != 2 or not fields.country.isalpha():
        checks.add(("country",), "country is an ISO 3166 code such as US.", "INVALID")
    if not 0 <= fields.rate <= MAX_RATE or fields.rate != fields.rate.quantize(Decimal("0.0001")):
        checks.add(("rate",), "rate is a percent from 0 to 100, at most four decimals.", "INVALID")
    for index, state in enumerate(fields.states):
        checks.text(("states", str(index)), state, max_length=100, required=True)
    checks.done()
    states = sorted({state.strip().upper() for state in fields.states})
    row = TaxRate(
        portal_id=portal_id, name=fields.name.strip(), country=fields.country.upper(), states=states, rate=fields.rate
    )
    session.add(row)
    await session.flush()
    return row


async def tax_rate_for(
    session: AsyncSession, portal_id: UUID, country: str | None, state: str | None
) -> TaxRate | None:
    """The rate for a billing address: one naming its state beats the country's own (R32)."""
    if not country:
        return None
    rates = list(
        await session.scalars(
            select(TaxRate)
            .where(TaxRate.portal_id == portal_id, TaxRate.country == country.upper())
            .order_by(TaxRate.created_at, TaxRate.id)
        )
    )
    wanted = (state or "").strip().upper()
    return next((r for r in rates if wanted and wanted in r.states), None) or next(
        (r for r in rates if not r.states), None
    )


def tax_rates_query(actor: Actor) -> Select[Any]:
    return select(TaxRate.__table__).where(actor.visible(TaxRate))
