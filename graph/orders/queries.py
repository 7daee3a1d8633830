"""product, products, taxRates, coupons, order, orders, salesSummary."""

from datetime import datetime
from typing import Annotated

import strawberry

from graph.context import Info
from graph.node import query_id
from graph.orders.products import CouponNode, CouponOrder, ProductOrder, ProductType, TaxRateOrder, TaxRateType
from graph.orders.types import OrderFilterInput, OrderOrder, OrderType, ProductSalesType, orders_listed
from graph.pagination import Connection, Listed, Paged
from models.orders import Order, Product
from models.users import Role
from resolvers.errors import Forbidden
from resolvers.orders import catalog, coupons, reads


@strawberry.type
class OrderQuery:
    @strawberry.field(description="A product by ID; null when missing or hidden.")
    async def product(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The product's global ID.")]
    ) -> ProductType | None:
        row_id = query_id(id, "Product")
        row = None if row_id is None else await info.context.loaders.row(Product, row_id)
        return None if row is None else ProductType.from_row(row)

    @strawberry.field(
        description="The acting portal's products: admins see all of them, everyone else (visitors "
        "naming the portal too) the active ones.",
        extensions=[Paged(ProductOrder)],
    )
    async def products(
        self,
        info: Info,
        is_active: Annotated[
            bool | None, strawberry.argument(description="Only active (true) or inactive (false) products.")
        ] = None,
    ) -> Connection[ProductType]:
        actor = await info.context.actor()
        return Listed(catalog.products_query, (actor, is_active, True), ProductType.from_row)  # type: ignore[return-value]

    @strawberry.field(description="Tax rates of the admin's portals.", extensions=[Paged(TaxRateOrder)])
    async def tax_rates(self, info: Info) -> Connection[TaxRateType]:
        actor = await info.context.actor()
        return Listed(catalog.tax_rates_query, (actor,), TaxRateType.from_row)  # type: ignore[return-value]

    @strawberry.field(description="Coupons of the admin's portals (others see none).", extensions=[Paged(CouponOrder)])
    async def coupons(
        self,
        info: Info,
        code: Annotated[
            str | None, strawberry.argument(description="Only the coupon with this code, any case.")
        ] = None,
    ) -> Connection[CouponNode]:
        actor = await info.context.actor()
        return Listed(coupons.coupons_query, (actor, code), CouponNode.from_row)  # type: ignore[return-value]

    @strawberry.field(description="An order by ID: admins any of their portals', members their own.")
    async def order(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The order's global ID.")]
    ) -> OrderType | None:
        row_id = query_id(id, "Order")
        row = None if row_id is None else await info.context.loaders.row(Order, row_id)
        return None if row is None else OrderType.from_row(row)

    @strawberry.field(
        description="Orders: admins see their portals', members their own.", extensions=[Paged(OrderOrder)]
    )
    async def orders(
        self,
        info: Info,
        filter: Annotated[OrderFilterInput | None, strawberry.argument(description="Narrows the list.")] = None,
    ) -> Connection[OrderType]:
        actor = await info.context.actor()
        return orders_listed(actor, filter)  # type: ignore[no-any-return]

    @strawberry.field(description="Sales per product of completed orders, best first; admins only.")
    async def sales_summary(
        self,
        info: Info,
        since: Annotated[
            datetime | None,
            strawberry.argument(description="From this instant (inclusive); none: from the first order."),
        ] = None,
        until: Annotated[
            datetime | None, strawberry.argument(description="Up to this instant (exclusive); none: up to now.")
        ] = None,
    ) -> list[ProductSalesType]:
        actor = await info.context.actor()
        if actor.role is not Role.ADMIN:
            raise Forbidden("The sales summary is for admins.")
        rows = await info.context.db.run(reads.sales_summary, actor=actor, since=since, until=until)
        return [ProductSalesType.of(row) for row in rows]
