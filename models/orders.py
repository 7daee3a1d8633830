"""Commerce (003 § Products, § Coupons, § Orders, § Taxes): what a portal sells, the coupons and
tax rates that price it, and the orders with their lines, payments, refunds, notes and events.

Money is Decimal with a currency (never float); an order keeps one currency and snapshots of its
prices, so later price changes never rewrite a sale."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import Identified, TenantOwned, Timestamped, UtcDateTime, str_enum

AMOUNT = {"max_digits": 12, "decimal_places": 3}  # NUMERIC(12, 3), as Course.price_amount


class CouponType(StrEnum):
    FIXED_AMOUNT = "fixed_amount"
    PERCENT_AMOUNT = "percent_amount"


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "PENDING_PAYMENT"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    REFUNDED = "REFUNDED"
    FAILED = "FAILED"
    AWAITING_SHIPPING = "AWAITING_SHIPPING"
    SHIPPED = "SHIPPED"


class OrderEventType(StrEnum):
    PLACED = "placed"
    PAYMENT_RECORDED = "payment_recorded"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"
    REFUNDED = "refunded"
    NOTE_ADDED = "note_added"


class TransactionKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"


class Product(Identified, TenantOwned, Timestamped, table=True):
    """003 Product: sells the courses and learning paths of its items; `sale_price` applies inside
    its window (R30)."""

    name: str = Field(max_length=300)
    description: str = Field(default="", max_length=10_000)
    is_active: bool = Field(default=True)
    price_amount: Decimal = Field(**AMOUNT)
    price_currency: str = Field(max_length=3)
    sale_price_amount: Decimal | None = Field(default=None, **AMOUNT)
    sale_starts_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    sale_ends_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ProductItem(Identified, TenantOwned, table=True):
    """One thing a product sells: a course or a learning path (a bundle has several)."""

    __table_args__ = (UniqueConstraint("product_id", "course_id"), UniqueConstraint("product_id", "learning_path_id"))
    product_id: UUID = Field(foreign_key="product.id", index=True, ondelete="CASCADE")
    course_id: UUID | None = Field(default=None, foreign_key="course.id", index=True, ondelete="CASCADE")
    learning_path_id: UUID | None = Field(default=None, foreign_key="learningpath.id", index=True, ondelete="CASCADE")
    position: int = Field(default=0)


class TaxRate(Identified, TenantOwned, Timestamped, table=True):
    """003 TaxRate: a percent for a country, or for some of its states (empty = all states)."""

    name: str = Field(max_length=200)
    country: str = Field(max_length=2)
    states: list[str] = Field(default_factory=list, sa_type=JSON)
    rate: Decimal = Field(max_digits=7, decimal_places=4)


class Coupon(Identified, TenantOwned, Timestamped, table=True):
    """003 Coupon. `used_count` counts the orders holding a use (pending ones reserve theirs); it
    only moves through a conditional UPDATE, so concurrent orders never exceed `usage_limit`."""

    __table_args__ = (UniqueConstraint("portal_id", "code"),)
    code: str = Field(max_length=64)
    type: CouponType = Field(sa_type=str_enum(CouponType))
    value: Decimal = Field(**AMOUNT)
    currency: str | None = Field(default=None, max_length=3)
    usage_limit: int | None = Field(default=None)
    per_user_limit: int | None = Field(default=None)
    used_count: int = Field(default=0)
    starts_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    ends_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    minimum_amount: Decimal | None = Field(default=None, **AMOUNT)
    is_active: bool = Field(default=True)


class CouponProduct(Identified, TenantOwned, table=True):
    """A product a coupon applies to; a coupon without any applies to every product."""

    __table_args__ = (UniqueConstraint("coupon_id", "product_id"),)
    coupon_id: UUID = Field(foreign_key="coupon.id", index=True, ondelete="CASCADE")
    product_id: UUID = Field(foreign_key="product.id", index=True, ondelete="CASCADE")


class OrderCounter(SQLModel, table=True):
    """The last order number of a portal; its row lock orders concurrent creations."""

    portal_id: UUID = Field(foreign_key="portal.id", primary_key=True, ondelete="CASCADE")
    last_number: int = Field(default=0)


class Order(Identified, TenantOwned, Timestamped, table=True):
    """003 Order. Totals are computed by the server (R32) and kept as they were at the sale."""

    __tablename__ = "salesorder"
    __table_args__ = (
        UniqueConstraint("portal_id", "number"),
        UniqueConstraint("portal_id", "idempotency_key"),
        Index("ix_salesorder_user_id_created_at_id", "user_id", "created_at", "id"),
        Index("ix_salesorder_portal_id_created_at_id", "portal_id", "created_at", "id"),
    )
    number: int
    status: OrderStatus = Field(default=OrderStatus.PENDING_PAYMENT, sa_type=str_enum(OrderStatus))
    user_id: UUID = Field(foreign_key="user.id", ondelete="CASCADE")
    currency: str = Field(max_length=3)
    subtotal: Decimal = Field(**AMOUNT)
    discount: Decimal = Field(**AMOUNT)
    tax: Decimal = Field(**AMOUNT)
    total: Decimal = Field(**AMOUNT)
    paid: Decimal = Field(default=Decimal(0), **AMOUNT)
    refunded: Decimal = Field(default=Decimal(0), **AMOUNT)
    coupon_id: UUID | None = Field(default=None, foreign_key="coupon.id", index=True, ondelete="SET NULL")
    coupon_code: str | None = Field(default=None, max_length=64)
    coupon_held: bool = Field(default=False, description="The order holds one of its coupon's uses.")
    tax_rate_id: UUID | None = Field(default=None, foreign_key="taxrate.id", ondelete="SET NULL")
    tax_rate: Decimal | None = Field(default=None, max_digits=7, decimal_places=4)
    billing: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    idempotency_key: str = Field(max_length=200)
    request_digest: str = Field(max_length=64)
    granted_enrollment_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    completed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class OrderLine(Identified, TenantOwned, table=True):
    """003 OrderItem: the product's name, unit price and items as sold: paying later enrols in what
    was bought, whatever the product sells by then."""

    order_id: UUID = Field(foreign_key="salesorder.id", index=True, ondelete="CASCADE")
    product_id: UUID | None = Field(default=None, foreign_key="product.id", index=True, ondelete="SET NULL")
    product_name: str = Field(max_length=300)
    position: int
    quantity: int
    unit_price: Decimal = Field(**AMOUNT)
    total: Decimal = Field(**AMOUNT)
    course_ids: list[str] = Field(default_factory=list, sa_type=JSON)
    learning_path_ids: list[str] = Field(default_factory=list, sa_type=JSON)


class OrderTransaction(Identified, TenantOwned, Timestamped, table=True):
    """A payment recorded against an order, or a refund of one (003 Payment, Refund)."""

    order_id: UUID = Field(foreign_key="salesorder.id", index=True, ondelete="CASCADE")
    kind: TransactionKind = Field(sa_type=str_enum(TransactionKind))
    amount: Decimal = Field(**AMOUNT)
    reference: str | None = Field(default=None, max_length=300)
    reason: str | None = Field(default=None, max_length=1_000)
    user_id: UUID | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class OrderNote(Identified, TenantOwned, Timestamped, table=True):
    """003 OrderNote: PRIVATE notes are for staff; PUBLIC ones the buyer sees too."""

    order_id: UUID = Field(foreign_key="salesorder.id", index=True, ondelete="CASCADE")
    body: str = Field(max_length=5_000)
    is_public: bool = Field(default=False)
    user_id: UUID | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class OrderEvent(Identified, TenantOwned, Timestamped, table=True):
    """Each change of an order, with who made it and when (Saleor's OrderEvent)."""

    order_id: UUID = Field(foreign_key="salesorder.id", index=True, ondelete="CASCADE")
    position: int = Field(description="Its place in the order's history: several share one transaction's time.")
    type: OrderEventType = Field(sa_type=str_enum(OrderEventType))
    from_status: OrderStatus | None = Field(default=None, sa_type=str_enum(OrderStatus))
    to_status: OrderStatus | None = Field(default=None, sa_type=str_enum(OrderStatus))
    amount: Decimal | None = Field(default=None, **AMOUNT)
    user_id: UUID | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    api_key_id: UUID | None = Field(default=None, foreign_key="apikey.id", ondelete="SET NULL")
