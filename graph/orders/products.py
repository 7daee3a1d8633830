"""Products, tax rates and coupons as the graph shows them. Who sees what is the policy's:
products like the published catalog, tax rates and coupons for admins only."""

import asyncio
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Self
from uuid import UUID

import strawberry

from graph.context import Info
from graph.enums import CouponType
from graph.money import MoneyType
from graph.node import Node, make_id, register
from graph.pagination import order_input
from models.courses import Course
from models.learning_paths import LearningPath
from models.orders import Coupon, Product, TaxRate
from resolvers.batches import Children
from resolvers.orders import catalog, coupons

if TYPE_CHECKING:
    from graph.courses.types import CourseType
    from graph.learning_paths.types import LearningPathType

ProductOrder = order_input("ProductOrder", {"CREATED_AT": "created_at", "NAME": "name"})
CouponOrder = order_input("CouponOrder", {"CREATED_AT": "created_at", "CODE": "code"})
TaxRateOrder = order_input("TaxRateOrder", {"CREATED_AT": "created_at", "COUNTRY": "country"})


def percent(value: Decimal) -> Decimal:
    """Two decimals, or four where they are needed ("7.25", "6.1250")."""
    fine = Decimal(value).quantize(Decimal("0.0001"))
    coarse = fine.quantize(Decimal("0.01"))
    return coarse if coarse == fine else fine


def exact(row: Any) -> Decimal:
    return MoneyType.exact(row.value, row.currency or "").amount


@strawberry.type(name="Product", description="Something a portal sells: a course, a learning path or a bundle (003).")
class ProductType(Node):
    name: str = strawberry.field(description="The product's name.")
    description: str = strawberry.field(description="What it is, for the catalog; empty when none.")
    is_active: bool = strawberry.field(description="Only active products can be bought, and only they are listed.")
    price: MoneyType = strawberry.field(description="The regular price.")
    sale_price: MoneyType | None = strawberry.field(description="The price inside the sale window, if any.")
    sale_starts_at: datetime | None = strawberry.field(description="Null: the sale has no start.")
    sale_ends_at: datetime | None = strawberry.field(description="Null: the sale has no end.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        currency = row.price_currency
        return cls(
            id=make_id("Product", row.id),
            name=row.name,
            description=row.description,
            is_active=row.is_active,
            price=MoneyType.exact(row.price_amount, currency),
            sale_price=None if row.sale_price_amount is None else MoneyType.exact(row.sale_price_amount, currency),
            sale_starts_at=row.sale_starts_at,
            sale_ends_at=row.sale_ends_at,
            created_at=row.created_at,
            row=row,
        )

    @strawberry.field(description="What an order placed now pays per unit: the sale price inside its window.")
    def current_price(self, info: Info) -> MoneyType:
        return MoneyType.exact(catalog.unit_price(self.row, info.context.db.now()), self.row.price_currency)

    async def _items(self, info: Info) -> list[Any]:
        actor = await info.context.actor()
        spec = Children(catalog.product_items_query, (actor,), "product_id", ("position", "id"))
        return await info.context.loaders.children.load((self.row.id, spec))

    @strawberry.field(description="The courses it sells, as the viewer may see them.")
    async def courses(self, info: Info) -> list[Annotated["CourseType", strawberry.lazy("graph.courses.types")]]:
        from graph.courses.types import CourseType

        ids = [item.course_id for item in await self._items(info) if item.course_id]
        rows = await asyncio.gather(*(info.context.loaders.row(Course, course_id) for course_id in ids))
        return [CourseType.from_row(row) for row in rows if row is not None]

    @strawberry.field(description="The learning paths it sells, as the viewer may see them.")
    async def learning_paths(
        self, info: Info
    ) -> list[Annotated["LearningPathType", strawberry.lazy("graph.learning_paths.types")]]:
        from graph.learning_paths.types import LearningPathType

        ids = [item.learning_path_id for item in await self._items(info) if item.learning_path_id]
        rows = await asyncio.gather(*(info.context.loaders.row(LearningPath, path_id) for path_id in ids))
        return [LearningPathType.from_row(row) for row in rows if row is not None]


@strawberry.type(name="TaxRate", description="A tax percent for a country, or some of its states (003).")
class TaxRateType(Node):
    name: str = strawberry.field(description="The rate's label.")
    country: str = strawberry.field(description="ISO 3166 alpha-2.")
    states: list[str] = strawberry.field(description="The states it applies to; empty: the whole country.")
    rate: Decimal = strawberry.field(description="Percent added on the discounted subtotal.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("TaxRate", row.id),
            name=row.name,
            country=row.country,
            states=list(row.states or []),
            rate=percent(row.rate),
            created_at=row.created_at,
        )


@strawberry.type(name="Coupon", description="A discount code (003 coupon); admins only.")
class CouponNode(Node):
    code: str = strawberry.field(description="Matched whatever its case; stored in capitals.")
    type: CouponType = strawberry.field(description="FIXED_AMOUNT or PERCENT_AMOUNT.")
    value: Decimal = strawberry.field(description="An amount in `currency` (FIXED_AMOUNT) or a percent.")
    currency: str | None = strawberry.field(description="The currency of orders it applies to; null: any.")
    usage_limit: int | None = strawberry.field(description="Uses in all; null: unlimited.")
    per_user_limit: int | None = strawberry.field(description="Uses per buyer; null: unlimited.")
    used_count: int = strawberry.field(description="Uses held: by completed orders and pending ones.")
    starts_at: datetime | None = strawberry.field(description="Valid from this instant; null: from its creation.")
    ends_at: datetime | None = strawberry.field(description="Expired from this instant; null: never expires.")
    minimum_amount: MoneyType | None = strawberry.field(description="The least subtotal it applies to.")
    is_active: bool = strawberry.field(description="An inactive coupon is refused as COUPON_INVALID.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    row_id: strawberry.Private[UUID]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        minimum = row.minimum_amount
        return cls(
            id=make_id("Coupon", row.id),
            code=row.code,
            type=row.type,
            value=percent(row.value) if row.type is coupons.CouponType.PERCENT_AMOUNT else exact(row),
            currency=row.currency,
            usage_limit=row.usage_limit,
            per_user_limit=row.per_user_limit,
            used_count=row.used_count,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            minimum_amount=None if minimum is None or not row.currency else MoneyType.exact(minimum, row.currency),
            is_active=row.is_active,
            created_at=row.created_at,
            row_id=row.id,
        )

    @strawberry.field(description="Uses left; null: unlimited.")
    def uses_left(self) -> int | None:
        return None if self.usage_limit is None else max(self.usage_limit - self.used_count, 0)

    @strawberry.field(description="The products it applies to; empty: every product.")
    async def products(self, info: Info) -> list[ProductType]:
        actor = await info.context.actor()
        spec = Children(coupons.coupon_products_query, (actor,), "coupon_id", ("name", "id"))
        return [ProductType.from_row(row) for row in await info.context.loaders.children.load((self.row_id, spec))]


register("Product", Product, ProductType.from_row)
register("TaxRate", TaxRate, TaxRateType.from_row)
register("Coupon", Coupon, CouponNode.from_row)
