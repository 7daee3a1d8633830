"""Commerce (003 § Products, § Coupons, § Orders; DOMAIN R30–R35), as docs/orders.md tells clients.

- `catalog`: products (a course, a learning path or a bundle, a Money price and an optional sale
  price) and tax rates.
- `coupons`: fixed or percent discounts with a window, usage limits, a minimum and products.
- `checkout`: orderCreate, totals computed here only (Decimal), idempotent per key.
- `payments`: the status machine (orderMarkPaid, orderCancel, orderRefund, orderNoteAdd), with the
  enrolment a completed order grants and a full refund takes back, in the same transaction.
- `reads`: lists, filters and the sales summary.
"""

from resolvers.errors import error_codes

OrderErrorCode = error_codes(
    "OrderErrorCode",
    "COUPON_INVALID",
    "COUPON_EXPIRED",
    "COUPON_EXHAUSTED",
    "COUPON_NOT_APPLICABLE",
    "COUPON_MINIMUM_NOT_MET",
    "COUPON_PER_USER_LIMIT",
    "IDEMPOTENCY_KEY_REUSED",
    "REFUND_EXCEEDS_PAID",
    "PAYMENT_EXCEEDS_DUE",
    "CURRENCY_MISMATCH",
    "PRODUCT_UNAVAILABLE",
    "COURSE_NOT_PUBLISHED",
    "NO_SEATS_LEFT",
)
