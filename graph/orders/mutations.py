"""productCreate, productUpdate, taxRateCreate, couponCreate, couponUpdate, orderCreate,
orderMarkPaid, orderCancel, orderRefund, orderNoteAdd (contract §7–§8)."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from graph.context import Info
from graph.enums import CouponType
from graph.errors import error_type
from graph.money import MoneyInput
from graph.mutation import errors_field, payload_type, perform
from graph.node import input_id, input_ids
from graph.orders.products import CouponNode, ProductType, TaxRateType
from graph.orders.types import OrderNoteType, OrderType
from resolvers.errors import Problem
from resolvers.orders import OrderErrorCode, catalog, checkout, coupons, payments

OrderError = error_type("OrderError", OrderErrorCode)


def _ids(values: list[strawberry.ID] | None, kind: str, field: str) -> list[Any] | None:
    return None if values is None else input_ids(values, kind, field=field)


def _money(value: MoneyInput | None) -> Any:
    return None if value is None else value.to_money()


@strawberry.input(description="A product: a course, a learning path or a bundle of several, at a price.")
class ProductCreateInput:
    name: str = strawberry.field(description="The product's name, up to 300 characters.")
    price: MoneyInput = strawberry.field(description="The list price, above 0.")
    description: str | None = strawberry.field(default=None, description="What the product is, for the catalog.")
    course_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Courses it sells.")
    learning_path_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="Paths it sells.")
    sale_price: MoneyInput | None = strawberry.field(default=None, description="In the price's currency, not above it.")
    sale_starts_at: datetime | None = strawberry.field(
        default=None, description="The sale price applies from this instant."
    )
    sale_ends_at: datetime | None = strawberry.field(
        default=None, description="The sale price applies until this instant."
    )
    is_active: bool | None = strawberry.field(default=None, description="Default true.")


@strawberry.input(description="Changes to a product; `courseIds`/`learningPathIds` replace what it sells.")
class ProductUpdateInput:
    product_id: strawberry.ID = strawberry.field(description="The product to change.")
    name: str | None = strawberry.field(default=None, description="A new name; left out: unchanged.")
    price: MoneyInput | None = strawberry.field(default=None, description="A new list price; left out: unchanged.")
    description: str | None = strawberry.field(default=None, description="A new description; left out: unchanged.")
    course_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="The courses it sells, replacing them; left out: unchanged."
    )
    learning_path_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="The learning paths it sells, replacing them; left out: unchanged."
    )
    sale_price: MoneyInput | None = strawberry.field(default=None, description="A new sale price; left out: unchanged.")
    clear_sale_price: bool = strawberry.field(default=False, description="Removes the sale price.")
    sale_starts_at: datetime | None = strawberry.field(
        default=None, description="A new start of the sale; left out: unchanged."
    )
    sale_ends_at: datetime | None = strawberry.field(
        default=None, description="A new end of the sale; left out: unchanged."
    )
    is_active: bool | None = strawberry.field(
        default=None, description="Switch the product on or off; left out: unchanged."
    )


def _product_fields(input_: Any) -> catalog.ProductFields:
    return catalog.ProductFields(
        name=input_.name,
        description=input_.description,
        price=_money(input_.price),
        sale_price=_money(input_.sale_price),
        clear_sale_price=getattr(input_, "clear_sale_price", False),
        sale_starts_at=input_.sale_starts_at,
        sale_ends_at=input_.sale_ends_at,
        is_active=input_.is_active,
        course_ids=_ids(input_.course_ids, "Course", "courseIds"),
        learning_path_ids=_ids(input_.learning_path_ids, "LearningPath", "learningPathIds"),
    )


@strawberry.input(description="A tax rate of the acting portal (003 tax rate).")
class TaxRateCreateInput:
    name: str = strawberry.field(description="A label, e.g. `VAT DE`.")
    country: str = strawberry.field(description="ISO 3166 alpha-2, e.g. US.")
    rate: Decimal = strawberry.field(description="Percent, 0–100, e.g. 7.25.")
    states: list[str] | None = strawberry.field(default=None, description="Only these states; none: all.")


@strawberry.input(description="A coupon of the acting portal (003 coupon).")
class CouponCreateInput:
    code: str = strawberry.field(description="What buyers type; unique in the portal, any case.")
    type: CouponType = strawberry.field(description="FIXED_AMOUNT or PERCENT_AMOUNT.")
    value: Decimal = strawberry.field(description="An amount (FIXED_AMOUNT, in `currency`) or a percent 0–100.")
    currency: str | None = strawberry.field(default=None, description="Required for FIXED_AMOUNT.")
    usage_limit: int | None = strawberry.field(default=None, description="Uses in all; none: unlimited.")
    per_user_limit: int | None = strawberry.field(default=None, description="Uses per buyer; none: unlimited.")
    starts_at: datetime | None = strawberry.field(default=None, description="Valid from this instant; none: at once.")
    ends_at: datetime | None = strawberry.field(default=None, description="Expired from this instant.")
    product_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="None: every product.")
    minimum_amount: MoneyInput | None = strawberry.field(default=None, description="The least subtotal.")
    is_active: bool | None = strawberry.field(
        default=None, description="Default true; an inactive coupon is COUPON_INVALID."
    )


@strawberry.input(description="Changes to a coupon; `productIds` replaces its products.")
class CouponUpdateInput:
    coupon_id: strawberry.ID = strawberry.field(description="The coupon to change.")
    code: str | None = strawberry.field(default=None, description="A new code; left out: unchanged.")
    type: CouponType | None = strawberry.field(default=None, description="A new type; left out: unchanged.")
    value: Decimal | None = strawberry.field(default=None, description="A new amount or percent; left out: unchanged.")
    currency: str | None = strawberry.field(
        default=None, description="A new currency for FIXED_AMOUNT; left out: unchanged."
    )
    usage_limit: int | None = strawberry.field(
        default=None, description="A new limit of uses in all; left out: unchanged."
    )
    per_user_limit: int | None = strawberry.field(
        default=None, description="A new limit of uses per buyer; left out: unchanged."
    )
    starts_at: datetime | None = strawberry.field(default=None, description="A new start; left out: unchanged.")
    ends_at: datetime | None = strawberry.field(default=None, description="A new end; left out: unchanged.")
    product_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="The products it applies to, replacing them; left out: unchanged."
    )
    minimum_amount: MoneyInput | None = strawberry.field(
        default=None, description="A new least subtotal; left out: unchanged."
    )
    is_active: bool | None = strawberry.field(
        default=None, description="Switch the coupon on or off; left out: unchanged."
    )


def _coupon_fields(input_: Any) -> coupons.CouponFields:
    names = ("code", "type", "value", "currency", "usage_limit", "per_user_limit", "starts_at", "ends_at", "is_active")
    return coupons.CouponFields(
        **{name: getattr(input_, name) for name in names},
        minimum_amount=_money(input_.minimum_amount),
        product_ids=_ids(input_.product_ids, "Product", "productIds"),
    )


@strawberry.input(description="A product and how many.")
class OrderLineInput:
    product_id: strawberry.ID = strawberry.field(description="An active product of the acting portal.")
    quantity: int = strawberry.field(default=1, description=f"1–{checkout.MAX_QUANTITY}.")


@strawberry.input(description="The billing address; `country` and `state` choose the tax rate.")
class BillingInput:
    first_name: str | None = strawberry.field(default=None, description="The buyer's first name.")
    last_name: str | None = strawberry.field(default=None, description="The buyer's last name.")
    company: str | None = strawberry.field(default=None, description="The buyer's company.")
    street: str | None = strawberry.field(default=None, description="Street and number.")
    city: str | None = strawberry.field(default=None, description="City.")
    state: str | None = strawberry.field(default=None, description="State or region.")
    postal_code: str | None = strawberry.field(default=None, description="Postal code.")
    country: str | None = strawberry.field(default=None, description="ISO 3166 alpha-2.")


@strawberry.input(description="An order: prices come from the products, never from the client.")
class OrderCreateInput:
    lines: list[OrderLineInput] = strawberry.field(
        description="What is bought; at least one line, priced on the server."
    )
    idempotency_key: str = strawberry.field(
        description="The client's key for this request: a retry returns the same order; another body "
        "with the same key is IDEMPOTENCY_KEY_REUSED."
    )
    coupon_code: str | None = strawberry.field(
        default=None, description="A coupon to apply; refused with COUPON_INVALID, COUPON_EXPIRED or COUPON_EXHAUSTED."
    )
    user_id: strawberry.ID | None = strawberry.field(default=None, description="The buyer; admins only.")
    billing: BillingInput | None = strawberry.field(
        default=None, description="The billing address; its country picks the tax rate."
    )


def _order_request(input_: OrderCreateInput) -> checkout.OrderRequest:
    lines = []
    for index, line in enumerate(input_.lines):
        product = input_id(line.product_id, "Product", field=("lines", str(index), "productId"))
        lines.append(checkout.LineRequest(product, line.quantity))
    billing = None if input_.billing is None else checkout.Billing(**vars(input_.billing))
    return checkout.OrderRequest(
        lines=lines,
        idempotency_key=input_.idempotency_key,
        coupon_code=input_.coupon_code,
        user_id=None if input_.user_id is None else input_id(input_.user_id, "User", field=("userId",)),
        billing=billing,
    )


@strawberry.input(description="A payment received for an order.")
class OrderMarkPaidInput:
    order_id: strawberry.ID = strawberry.field(description="The order paid for.")
    amount: MoneyInput = strawberry.field(description="In the order's currency, at most what is due.")
    reference: str | None = strawberry.field(default=None, description="The payment's reference.")


@strawberry.input(description="An unpaid order to cancel.")
class OrderCancelInput:
    order_id: strawberry.ID = strawberry.field(description="An order in PENDING_PAYMENT.")


@strawberry.input(description="A payment that failed, as a payment server reports it.")
class OrderMarkFailedInput:
    order_id: strawberry.ID = strawberry.field(description="An order in PENDING_PAYMENT.")
    reason: str | None = strawberry.field(
        default=None, description="Why the payment failed, kept in the order's events."
    )


@strawberry.input(description="A refund; without `amount`, all that is left of what was paid.")
class OrderRefundInput:
    order_id: strawberry.ID = strawberry.field(description="A paid order; more than was paid is REFUND_EXCEEDS_PAID.")
    amount: MoneyInput | None = strawberry.field(
        default=None, description="How much to give back, in the order's currency; none: everything still paid."
    )
    reason: str | None = strawberry.field(default=None, description="Why, kept in the order's events.")


@strawberry.input(description="A note on an order (003 order note).")
class OrderNoteAddInput:
    order_id: strawberry.ID = strawberry.field(description="The order to annotate.")
    body: str = strawberry.field(description="The note's text.")
    is_public: bool = strawberry.field(default=False, description="PUBLIC: the buyer sees it too.")


ProductPayload = payload_type("ProductPayload", "product", ProductType, OrderError)
TaxRatePayload = payload_type("TaxRatePayload", "taxRate", TaxRateType, OrderError)
CouponPayload = payload_type("CouponPayload", "coupon", CouponNode, OrderError)
OrderPayload = payload_type("OrderPayload", "order", OrderType, OrderError)


@strawberry.type(description="The note and its order.")
class OrderNoteAddPayload:
    order: OrderType | None = strawberry.field(
        default=None, description="The order with its new note; null when refused."
    )
    note: OrderNoteType | None = strawberry.field(default=None, description="The note added; null when refused.")
    errors: list[OrderError] = errors_field()  # type: ignore[valid-type]

    @classmethod
    def of(cls, done: payments.Noted) -> "OrderNoteAddPayload":
        return cls(order=OrderType.from_row(done.order), note=OrderNoteType.from_row(done.note))

    @classmethod
    def failed(cls, problems: list[Problem]) -> "OrderNoteAddPayload":
        return cls(errors=OrderError.of(problems))


def _order_id(input_: Any) -> Any:
    return input_id(input_.order_id, "Order", field=("orderId",))


@strawberry.type
class OrderMutation:
    @strawberry.mutation(description="Create a product in the acting portal (003 Create a new product).")
    async def product_create(
        self,
        info: Info,
        input_: Annotated[
            ProductCreateInput,
            strawberry.argument(name="input", description="The product's name, price and what it sells."),
        ],
    ) -> ProductPayload:  # type: ignore[valid-type]
        return await perform(info, ProductPayload, catalog.create_product, lambda: {"fields": _product_fields(input_)})

    @strawberry.mutation(description="Change a product; orders keep the prices they were placed with.")
    async def product_update(
        self,
        info: Info,
        input_: Annotated[
            ProductUpdateInput, strawberry.argument(name="input", description="The product and the fields to change.")
        ],
    ) -> ProductPayload:  # type: ignore[valid-type]
        return await perform(
            info,
            ProductPayload,
            catalog.update_product,
            lambda: {
                "product_id": input_id(input_.product_id, "Product", field=("productId",)),
                "fields": _product_fields(input_),
            },
        )

    @strawberry.mutation(description="Create a tax rate in the acting portal.")
    async def tax_rate_create(
        self,
        info: Info,
        input_: Annotated[
            TaxRateCreateInput, strawberry.argument(name="input", description="The rate's name, country and percent.")
        ],
    ) -> TaxRatePayload:  # type: ignore[valid-type]
        fields = catalog.TaxRateFields(
            name=input_.name, country=input_.country, rate=input_.rate, states=tuple(input_.states or ())
        )
        return await perform(info, TaxRatePayload, catalog.create_tax_rate, lambda: {"fields": fields})

    @strawberry.mutation(description="Create a coupon in the acting portal (003 Create Coupon).")
    async def coupon_create(
        self,
        info: Info,
        input_: Annotated[
            CouponCreateInput, strawberry.argument(name="input", description="The coupon's code, kind and value.")
        ],
    ) -> CouponPayload:  # type: ignore[valid-type]
        return await perform(info, CouponPayload, coupons.create_coupon, lambda: {"fields": _coupon_fields(input_)})

    @strawberry.mutation(description="Change a coupon; uses already held stay held.")
    async def coupon_update(
        self,
        info: Info,
        input_: Annotated[
            CouponUpdateInput, strawberry.argument(name="input", description="The coupon and the fields to change.")
        ],
    ) -> CouponPayload:  # type: ignore[valid-type]
        return await perform(
            info,
            CouponPayload,
            coupons.update_coupon,
            lambda: {
                "coupon_id": input_id(input_.coupon_id, "Coupon", field=("couponId",)),
                "fields": _coupon_fields(input_),
            },
        )

    @strawberry.mutation(
        description="Place an order, PENDING_PAYMENT (a free one completes at once); totals are the server's."
    )
    async def order_create(
        self,
        info: Info,
        input_: Annotated[
            OrderCreateInput, strawberry.argument(name="input", description="The lines, coupon and idempotency key.")
        ],
    ) -> OrderPayload:  # type: ignore[valid-type]
        return await perform(info, OrderPayload, checkout.create_order, lambda: {"request": _order_request(input_)})

    @strawberry.mutation(description="Record a payment; the one that pays the total completes and enrols.")
    async def order_mark_paid(
        self,
        info: Info,
        input_: Annotated[
            OrderMarkPaidInput, strawberry.argument(name="input", description="The order and the payment received.")
        ],
    ) -> OrderPayload:  # type: ignore[valid-type]
        return await perform(
            info,
            OrderPayload,
            payments.mark_paid,
            lambda: {"order_id": _order_id(input_), "amount": input_.amount.to_money(), "reference": input_.reference},
        )

    @strawberry.mutation(description="Cancel a pending order with nothing paid; its coupon use is freed.")
    async def order_cancel(
        self,
        info: Info,
        input_: Annotated[OrderCancelInput, strawberry.argument(name="input", description="The order to cancel.")],
    ) -> OrderPayload:  # type: ignore[valid-type]
        return await perform(info, OrderPayload, payments.cancel, lambda: {"order_id": _order_id(input_)})

    @strawberry.mutation(description="Mark a pending order with nothing paid FAILED; its coupon use is freed.")
    async def order_mark_failed(
        self,
        info: Info,
        input_: Annotated[
            OrderMarkFailedInput, strawberry.argument(name="input", description="The order whose payment failed.")
        ],
    ) -> OrderPayload:  # type: ignore[valid-type]
        return await perform(
            info, OrderPayload, payments.mark_failed, lambda: {"order_id": _order_id(input_), "reason": input_.reason}
        )

    @strawberry.mutation(description="Refund a completed order, in part or in full; a full refund revokes access.")
    async def order_refund(
        self,
        info: Info,
        input_: Annotated[
            OrderRefundInput, strawberry.argument(name="input", description="The order and the amount to give back.")
        ],
    ) -> OrderPayload:  # type: ignore[valid-type]
        return await perform(
            info,
            OrderPayload,
            payments.refund,
            lambda: {"order_id": _order_id(input_), "amount": _money(input_.amount), "reason": input_.reason},
        )

    @strawberry.mutation(description="Add a note to an order.")
    async def order_note_add(
        self,
        info: Info,
        input_: Annotated[OrderNoteAddInput, strawberry.argument(name="input", description="The order and the note.")],
    ) -> OrderNoteAddPayload:
        return await perform(
            info,
            OrderNoteAddPayload,
            payments.add_note,
            lambda: {"order_id": _order_id(input_), "body": input_.body, "is_public": input_.is_public},
        )
