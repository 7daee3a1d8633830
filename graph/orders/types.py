"""Orders as the graph shows them: the order, its lines, payments and refunds, events and notes,
each read through the request's loaders (a page of orders costs one statement per part). Who
sees what is the policy's: admins their portals' orders, a member their own."""

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Self
from uuid import UUID

import strawberry

from graph.context import Info
from graph.enums import OrderEventType, OrderStatus, OrderTransactionKind
from graph.money import MoneyType
from graph.node import Node, filter_id, make_id, register
from graph.orders.products import CouponNode, ProductType
from graph.pagination import Listed, order_input
from models.orders import Coupon, Order, OrderEvent, OrderLine, OrderNote, OrderTransaction, Product, TransactionKind
from models.users import User
from resolvers.auth import Actor
from resolvers.batches import Children
from resolvers.orders import reads

if TYPE_CHECKING:
    from graph.portals.types import PortalType
    from graph.users.types import UserType

OrderOrder = order_input("OrderOrder", {"CREATED_AT": "created_at", "NUMBER": "number"})


async def _user(info: Info, user_id: UUID | None) -> Any:
    from graph.users.types import UserType

    row = None if user_id is None else await info.context.loaders.row(User, user_id)
    return None if row is None else UserType.from_row(row)


async def _in_currency_of(info: Info, order_id: UUID, amount: Decimal | None) -> MoneyType | None:
    """Parts keep amounts; the order keeps the currency."""
    order = await info.context.loaders.row(Order, order_id)
    return None if order is None or amount is None else MoneyType.exact(amount, order.currency)


@strawberry.type(name="OrderLine", description="A product as sold: its name and unit price at the time (003 item).")
class OrderLineType(Node):
    product_name: str = strawberry.field(description="The product's name when the order was placed.")
    quantity: int = strawberry.field(description="How many, at least 1.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(id=make_id("OrderLine", row.id), product_name=row.product_name, quantity=row.quantity, row=row)

    @strawberry.field(description="The price of one unit when the order was placed.")
    async def unit_price(self, info: Info) -> MoneyType | None:
        return await _in_currency_of(info, self.row.order_id, self.row.unit_price)

    @strawberry.field(description="Unit price × quantity, before the order's discount and tax.")
    async def total(self, info: Info) -> MoneyType | None:
        return await _in_currency_of(info, self.row.order_id, self.row.total)

    @strawberry.field(description="Null when the product is gone or hidden from the viewer.")
    async def product(self, info: Info) -> ProductType | None:
        row = None if self.row.product_id is None else await info.context.loaders.row(Product, self.row.product_id)
        return None if row is None else ProductType.from_row(row)


@strawberry.type(name="OrderTransaction", description="A payment recorded against an order, or a refund of one.")
class OrderTransactionType(Node):
    kind: OrderTransactionKind = strawberry.field(description="PAYMENT or REFUND.")
    reference: str | None = strawberry.field(description="The payment's reference (a gateway's id).")
    reason: str | None = strawberry.field(description="Why a refund was given.")
    created_at: datetime = strawberry.field(description="When it was recorded (UTC).")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("OrderTransaction", row.id),
            kind=row.kind,
            reference=row.reference,
            reason=row.reason,
            created_at=row.created_at,
            row=row,
        )

    @strawberry.field(description="How much, in the order's currency.")
    async def amount(self, info: Info) -> MoneyType | None:
        return await _in_currency_of(info, self.row.order_id, self.row.amount)

    @strawberry.field(description="Who recorded it; null for an API key or a hidden account.")
    async def user(self, info: Info) -> Annotated["UserType", strawberry.lazy("graph.users.types")] | None:
        return await _user(info, self.row.user_id)


@strawberry.type(name="OrderEvent", description="A change of an order: what, who and when.")
class OrderEventNode(Node):
    type: OrderEventType = strawberry.field(description="What happened.")
    from_status: OrderStatus | None = strawberry.field(description="The status before; null for the order's creation.")
    to_status: OrderStatus | None = strawberry.field(description="Null when the status did not change.")
    created_at: datetime = strawberry.field(description="When it happened.")
    by_api_key: bool = strawberry.field(description="Done with an API key (a server), not by a person.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("OrderEvent", row.id),
            type=row.type,
            from_status=row.from_status,
            to_status=row.to_status,
            created_at=row.created_at,
            by_api_key=row.api_key_id is not None,
            row=row,
        )

    @strawberry.field(description="The amount paid or refunded, for those events.")
    async def amount(self, info: Info) -> MoneyType | None:
        return await _in_currency_of(info, self.row.order_id, self.row.amount)

    @strawberry.field(description="Who did it; null for an API key or a hidden account.")
    async def user(self, info: Info) -> Annotated["UserType", strawberry.lazy("graph.users.types")] | None:
        return await _user(info, self.row.user_id)


@strawberry.type(name="OrderNote", description="A note on an order: PRIVATE for staff, or PUBLIC for the buyer too.")
class OrderNoteType(Node):
    body: str = strawberry.field(description="The note's text.")
    is_public: bool = strawberry.field(description="Whether the buyer sees it; otherwise staff only.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("OrderNote", row.id),
            body=row.body,
            is_public=row.is_public,
            created_at=row.created_at,
            row=row,
        )

    @strawberry.field(description="Who wrote it; null for the system or when the viewer may not see them.")
    async def author(self, info: Info) -> Annotated["UserType", strawberry.lazy("graph.users.types")] | None:
        return await _user(info, self.row.user_id)


@strawberry.type(description="The billing address given with the order (003 snapshot).")
class BillingAddress:
    first_name: str | None = strawberry.field(description="The buyer's first name.")
    last_name: str | None = strawberry.field(description="The buyer's last name.")
    company: str | None = strawberry.field(description="The buyer's company.")
    street: str | None = strawberry.field(description="Street and number.")
    city: str | None = strawberry.field(description="City.")
    state: str | None = strawberry.field(description="State or region.")
    postal_code: str | None = strawberry.field(description="Postal code.")
    country: str | None = strawberry.field(description="Country, ISO 3166-1 alpha-2 (e.g. DE); it picks the tax rate.")


@strawberry.type(name="Order", description="A sale (003 order): totals computed by the server, in Decimal.")
class OrderType(Node):
    number: int = strawberry.field(description="Sequential per portal.")
    status: OrderStatus = strawberry.field(description="Where the order is; only COMPLETED enrols.")
    currency: str = strawberry.field(description="ISO 4217 code every amount of the order is in.")
    subtotal: MoneyType = strawberry.field(description="Σ quantity × unit price.")
    discount: MoneyType = strawberry.field(description="The coupon's discount.")
    tax: MoneyType = strawberry.field(description="Tax at the billing address's rate, on subtotal − discount.")
    total: MoneyType = strawberry.field(description="Subtotal − discount + tax.")
    paid: MoneyType = strawberry.field(description="Payments recorded.")
    refunded: MoneyType = strawberry.field(description="Refunds given.")
    coupon_code: str | None = strawberry.field(description="The code applied, as stored.")
    tax_rate: Decimal | None = strawberry.field(description="The percent applied; null: no rate matched.")
    billing: BillingAddress = strawberry.field(
        description="The billing address given at checkout; every part may be null."
    )
    created_at: datetime = strawberry.field(description="When it was placed (UTC).")
    completed_at: datetime | None = strawberry.field(
        description="When it was paid in full and its enrolments made; null until then."
    )
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        def money(amount: Decimal) -> MoneyType:
            return MoneyType.exact(amount, row.currency)

        billing = row.billing or {}
        return cls(
            id=make_id("Order", row.id),
            number=row.number,
            status=row.status,
            currency=row.currency,
            subtotal=money(row.subtotal),
            discount=money(row.discount),
            tax=money(row.tax),
            total=money(row.total),
            paid=money(row.paid),
            refunded=money(row.refunded),
            coupon_code=row.coupon_code,
            tax_rate=None if row.tax_rate is None else Decimal(row.tax_rate).quantize(Decimal("0.0001")),
            billing=BillingAddress(**{name: billing.get(name) for name in BillingAddress.__annotations__}),
            created_at=row.created_at,
            completed_at=row.completed_at,
            row=row,
        )

    async def _parts(
        self, info: Info, query: Any, *args: Any, order_by: tuple[str, ...] = ("created_at", "id")
    ) -> list[Any]:
        actor = await info.context.actor()
        spec = Children(query, (actor, *args), "order_id", order_by)
        return await info.context.loaders.children.load((self.row.id, spec))

    @strawberry.field(description="The buyer.")
    async def user(self, info: Info) -> Annotated["UserType", strawberry.lazy("graph.users.types")] | None:
        return await _user(info, self.row.user_id)

    @strawberry.field(description="The order's portal.")
    async def portal(self, info: Info) -> Annotated["PortalType", strawberry.lazy("graph.portals.types")] | None:
        from graph.portals.types import PortalType
        from models.portals import Portal

        row = await info.context.loaders.row(Portal, self.row.portal_id)
        return None if row is None else PortalType.from_row(row)

    @strawberry.field(description="The products sold, in the order given.")
    async def lines(self, info: Info) -> list[OrderLineType]:
        rows = await self._parts(info, reads.lines_query, order_by=("position", "id"))
        return [OrderLineType.from_row(row) for row in rows]

    @strawberry.field(description="The coupon applied; null for viewers who may not see coupons (non-admins).")
    async def coupon(self, info: Info) -> CouponNode | None:
        row = None if self.row.coupon_id is None else await info.context.loaders.row(Coupon, self.row.coupon_id)
        return None if row is None else CouponNode.from_row(row)

    @strawberry.field(description="Payments recorded, oldest first.")
    async def payments(self, info: Info) -> list[OrderTransactionType]:
        rows = await self._parts(info, reads.transactions_query, TransactionKind.PAYMENT)
        return [OrderTransactionType.from_row(row) for row in rows]

    @strawberry.field(description="Refunds given, oldest first.")
    async def refunds(self, info: Info) -> list[OrderTransactionType]:
        rows = await self._parts(info, reads.transactions_query, TransactionKind.REFUND)
        return [OrderTransactionType.from_row(row) for row in rows]

    @strawberry.field(description="Every change of the order, oldest first.")
    async def events(self, info: Info) -> list[OrderEventNode]:
        rows = await self._parts(info, reads.events_query, order_by=("position", "id"))
        return [OrderEventNode.from_row(row) for row in rows]

    @strawberry.field(description="Notes: admins see all, the buyer the PUBLIC ones.")
    async def notes(self, info: Info) -> list[OrderNoteType]:
        return [OrderNoteType.from_row(row) for row in await self._parts(info, reads.notes_query)]


@strawberry.type(name="ProductSales", description="What one product sold (completed orders; 003 sales per product).")
class ProductSalesType:
    product_name: str = strawberry.field(description="The product's name.")
    orders: int = strawberry.field(description="Completed orders with this product.")
    quantity: int = strawberry.field(description="Units sold.")
    revenue: MoneyType = strawberry.field(description="Σ line totals, before the orders' discounts and tax.")
    product_id: strawberry.Private[UUID | None]

    @strawberry.field(description="Null when the product is gone.")
    async def product(self, info: Info) -> ProductType | None:
        row = None if self.product_id is None else await info.context.loaders.row(Product, self.product_id)
        return None if row is None else ProductType.from_row(row)

    @classmethod
    def of(cls, sales: reads.ProductSales) -> Self:
        return cls(
            product_name=sales.product_name,
            orders=sales.orders,
            quantity=sales.quantity,
            revenue=MoneyType.exact(sales.revenue, sales.currency),
            product_id=sales.product_id,
        )


@strawberry.input(description="Narrows a list of orders; every condition must hold.")
class OrderFilterInput:
    status: OrderStatus | None = strawberry.field(default=None, description="Only orders in this status.")
    user_id: strawberry.ID | None = strawberry.field(default=None, description="The buyer.")
    product_id: strawberry.ID | None = strawberry.field(default=None, description="Orders with a line of it.")
    created_after: datetime | None = strawberry.field(default=None, description="Placed at or after.")
    created_before: datetime | None = strawberry.field(default=None, description="Placed before.")

    def to_filter(self) -> reads.OrderFilter:
        return reads.OrderFilter(
            status=self.status,
            user_id=None if self.user_id is None else filter_id(self.user_id, "User"),
            product_id=None if self.product_id is None else filter_id(self.product_id, "Product"),
            created_after=self.created_after,
            created_before=self.created_before,
        )


def orders_listed(actor: Actor, flt: OrderFilterInput | None, **partition: Any) -> Any:
    """Root `orders`, `Portal.orders`, `User.orders`: one query, partitioned for the nested ones."""
    flt = flt or OrderFilterInput()
    return Listed(reads.orders_query, (actor, flt.to_filter()), OrderType.from_row, **partition)


register("Order", Order, OrderType.from_row)
register("OrderLine", OrderLine, OrderLineType.from_row)
register("OrderTransaction", OrderTransaction, OrderTransactionType.from_row)
register("OrderEvent", OrderEvent, OrderEventNode.from_row)
register("OrderNote", OrderNote, OrderNoteType.from_row)
