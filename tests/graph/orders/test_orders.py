"""Orders through the API on both databases: totals as worked examples (coupons, sale prices, tax),
every status transition allowed and refused, payment that enrols and a full refund that revokes,
idempotency, and refusals that change nothing."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.enrollments import OutboxEvent
from models.orders import Order
from tests.conftest import Api, FrozenClock
from tests.factories import gid
from tests.graph.orders.shop import ORDER_CREATE, ORDER_FIELDS, TAX_CREATE, Shop, make_shop

ACCESS = """query($user: ID!) { enrollments(filter: {userId: $user}) { nodes { course { title } access } } }"""


async def access(shop: Shop) -> dict[str, str]:
    answer = await shop.admin.data(ACCESS, {"user": gid(shop.learner_user)})
    return {e["course"]["title"]: e["access"] for e in answer["enrollments"]["nodes"]}


async def outbox(session: AsyncSession) -> list[str]:
    order_events = ("new_order", "pending_payment", "failed_order", "refunded_order")
    rows = await session.scalars(select(OutboxEvent.event).where(OutboxEvent.event.in_(order_events)))
    return sorted(rows)


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


async def test_totals_apply_sale_price_coupon_on_its_products_and_tax_on_the_rest(
    api: Api, session: AsyncSession
) -> None:
    """2 × 100.00 + 1 × 40.00 (sale of 50.00) = 240.00; 10% off the first product only: 20.00;
    19% tax on 220.00 = 41.80; total 261.80."""
    shop = await make_shop(api, session)
    course = await shop.product("100.00")
    book = await shop.product("50.00", salePrice=money("40.00"))
    await shop.coupon("spring10", productIds=[course])
    await shop.admin.data(TAX_CREATE, {"input": {"name": "DE VAT", "country": "DE", "rate": "19"}})
    placed = await shop.order([(course, 2), (book, 1)], couponCode="SPRING10", billing={"country": "DE"})
    order = placed["order"]
    assert placed["errors"] == []
    assert (order["subtotal"], order["discount"], order["tax"], order["total"]) == (
        money("240.00"), money("20.00"), money("41.80"), money("261.80")
    )  # fmt: skip
    assert order["status"] == "PENDING_PAYMENT" and order["number"] == 1 and order["couponCode"] == "SPRING10"
    assert [(line["quantity"], line["unitPrice"]["amount"], line["total"]["amount"]) for line in order["lines"]] == [
        (2, "100.00", "200.00"), (1, "40.00", "40.00")
    ]  # fmt: skip
    assert order["events"] == [
        {"type": "PLACED", "fromStatus": None, "toStatus": "PENDING_PAYMENT", "amount": None, "byApiKey": False,
         "user": {"fullName": "Lena Learner"}}
    ]  # fmt: skip
    assert await outbox(session) == ["new_order", "pending_payment"]


async def test_a_state_rate_beats_the_countrys_and_an_unmatched_address_pays_no_tax(
    api: Api, session: AsyncSession
) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("80.00")
    for rate in ({"name": "US", "country": "US", "rate": "5"},
                 {"name": "CA", "country": "us", "rate": "7.25", "states": ["ca"]}):  # fmt: skip
        created = (await shop.admin.data(TAX_CREATE, {"input": rate}))["taxRateCreate"]
        assert created["errors"] == []
    assert created["taxRate"] == {"id": created["taxRate"]["id"], "name": "CA", "country": "US", "states": ["CA"],
                                  "rate": "7.25"}  # fmt: skip
    taxes = [
        (await shop.order([(product, 1)], billing={"country": "US", "state": state}))["order"]["tax"]["amount"]
        for state in ("CA", "TX")
    ]
    assert taxes == ["5.80", "4.00"]
    assert (await shop.order([(product, 1)], billing={"country": "FR"}))["order"]["total"] == money("80.00")


async def test_a_fixed_coupon_takes_at_most_the_subtotal_and_a_free_order_completes_and_enrols_at_once(
    api: Api, session: AsyncSession
) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("25.00")
    await shop.coupon("FREE100", type="FIXED_AMOUNT", value="100", currency="EUR")
    order = (await shop.order([(product, 3)], couponCode="free100"))["order"]
    assert (order["subtotal"], order["discount"], order["total"]) == (money("75.00"), money("75.00"), money("0.00"))
    assert order["status"] == "COMPLETED"
    assert [e["type"] for e in order["events"]] == ["PLACED", "COMPLETED"]
    assert await access(shop) == {"Pricing 101": "ACTIVE"}
    assert await outbox(session) == ["new_order"]


async def test_paying_later_enrols_in_what_the_product_sold_when_ordered(api: Api, session: AsyncSession) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("60.00", courseIds=[gid(shop.course)])
    order = (await shop.order([(product, 1)]))["order"]["id"]
    changed = await shop.admin.data(
        "mutation($input: ProductUpdateInput!) { productUpdate(input: $input) { errors { code } } }",
        {"input": {"productId": product, "courseIds": [gid(shop.sequel)]}},
    )
    assert changed["productUpdate"]["errors"] == []
    assert (await shop.pay(order, "60.00"))["order"]["status"] == "COMPLETED"
    assert await access(shop) == {"Pricing 101": "ACTIVE"}


async def test_payments_complete_the_order_when_they_reach_the_total_and_enrol_the_buyer(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("60.00", courseIds=[gid(shop.course), gid(shop.sequel)])
    order = (await shop.order([(product, 1)]))["order"]["id"]
    first = await shop.pay(order, "20.00")
    assert first["order"]["status"] == "PENDING_PAYMENT" and first["order"]["paid"] == {"amount": "20.00"}
    assert await access(shop) == {}
    clock.advance(minutes=5)  # payments are listed oldest first
    over = await shop.pay(order, "40.01")
    assert over["errors"] == [{"field": ["amount", "amount"], "code": "PAYMENT_EXCEEDS_DUE"}]
    assert (await shop.pay(order, "40.00", "USD"))["errors"] == [
        {"field": ["amount", "currency"], "code": "CURRENCY_MISMATCH"}
    ]
    assert (await shop.pay(order, "0"))["errors"] == [{"field": ["amount", "amount"], "code": "INVALID"}]
    done = await shop.pay(order, "40.00")
    assert done["order"]["status"] == "COMPLETED" and done["errors"] == []
    assert await access(shop) == {"Pricing 101": "ACTIVE", "Pricing 201": "ACTIVE"}
    assert (await shop.pay(order, "1.00"))["errors"] == [{"field": ["orderId"], "code": "NOT_ALLOWED_IN_STATE"}]
    shown = await shop.admin.data(
        "query($id: ID!) { order(id: $id) { payments { amount { amount } reference } "
        "events { type fromStatus toStatus amount { amount } byApiKey } } }",
        {"id": order},
    )
    assert [p["amount"]["amount"] for p in shown["order"]["payments"]] == ["20.00", "40.00"]
    assert [(e["type"], e["toStatus"], e["byApiKey"]) for e in shown["order"]["events"]] == [
        ("PLACED", "PENDING_PAYMENT", False), ("PAYMENT_RECORDED", None, True), ("PAYMENT_RECORDED", None, True),
        ("COMPLETED", "COMPLETED", True),
    ]  # fmt: skip


async def test_a_partial_refund_keeps_access_and_the_full_one_revokes_what_the_order_granted(
    api: Api, session: AsyncSession
) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("50.00")
    order = (await shop.order([(product, 1)]))["order"]["id"]
    assert (await shop.act("orderRefund", orderId=order))["errors"] == [
        {"field": ["orderId"], "code": "NOT_ALLOWED_IN_STATE"}
    ]
    await shop.pay(order, "50.00")
    partial = await shop.act("orderRefund", orderId=order, amount=money("20.00"))
    assert partial["order"]["status"] == "COMPLETED" and partial["order"]["refunded"] == {"amount": "20.00"}
    assert await access(shop) == {"Pricing 101": "ACTIVE"}
    too_much = await shop.act("orderRefund", orderId=order, amount=money("30.01"))
    assert too_much["errors"] == [{"field": ["amount"], "code": "REFUND_EXCEEDS_PAID"}]
    full = await shop.act("orderRefund", orderId=order)
    assert full["order"]["status"] == "REFUNDED" and full["order"]["refunded"] == {"amount": "50.00"}
    assert await access(shop) == {"Pricing 101": "REVOKED"}
    again = await shop.act("orderRefund", orderId=order, amount=money("1.00"))
    assert again["errors"] == [{"field": ["orderId"], "code": "NOT_ALLOWED_IN_STATE"}]
    assert (await shop.act("orderCancel", orderId=order))["errors"][0]["code"] == "NOT_ALLOWED_IN_STATE"
    assert await outbox(session) == ["new_order", "pending_payment", "refunded_order", "refunded_order"]


async def test_a_full_refund_leaves_access_the_buyer_had_before_the_order(api: Api, session: AsyncSession) -> None:
    shop = await make_shop(api, session)
    enroll = """mutation($input: EnrollmentCreateInput!) { enrollmentCreate(input: $input) { errors { code } } }"""
    await shop.admin.data(enroll, {"input": {"courseId": gid(shop.course), "userIds": [gid(shop.learner_user)]}})
    product = await shop.product("30.00", courseIds=[gid(shop.course), gid(shop.sequel)])
    order = (await shop.order([(product, 1)]))["order"]["id"]
    await shop.pay(order, "30.00")
    await shop.act("orderRefund", orderId=order)
    assert await access(shop) == {"Pricing 101": "ACTIVE", "Pricing 201": "REVOKED"}


async def test_cancelling_frees_the_coupon_use_and_only_a_pending_unpaid_order_cancels(
    api: Api, session: AsyncSession
) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("40.00")
    await shop.coupon("ONCE", usageLimit=1)
    order = (await shop.order([(product, 1)], couponCode="once"))["order"]["id"]
    assert (await shop.order([(product, 1)], couponCode="once"))["errors"] == [
        {"field": ["couponCode"], "code": "COUPON_EXHAUSTED"}
    ]
    cancelled = await shop.act("orderCancel", who=shop.learner, orderId=order)  # the buyer cancels
    assert cancelled["order"]["status"] == "CANCELLED"
    coupons = await shop.admin.data("{ coupons { nodes { usedCount usesLeft } } }")
    assert coupons["coupons"]["nodes"] == [{"usedCount": 0, "usesLeft": 1}]
    assert (await shop.act("orderCancel", orderId=order))["errors"] == [
        {"field": ["orderId"], "code": "NOT_ALLOWED_IN_STATE"}
    ]
    assert (await shop.pay(order, "40.00"))["errors"][0]["code"] == "NOT_ALLOWED_IN_STATE"
    second = (await shop.order([(product, 1)], couponCode="once"))["order"]["id"]
    await shop.pay(second, "10.00")
    assert (await shop.act("orderCancel", orderId=second))["errors"][0]["code"] == "NOT_ALLOWED_IN_STATE"
    await shop.pay(second, "26.00")  # 40.00 − 10% = 36.00
    assert (await shop.act("orderCancel", orderId=second))["errors"][0]["code"] == "NOT_ALLOWED_IN_STATE"


async def test_the_same_key_returns_the_same_order_and_another_body_with_it_is_refused(
    api: Api, session: AsyncSession
) -> None:
    shop = await make_shop(api, session)
    product, other = await shop.product("10.00"), await shop.product("20.00")
    first = await shop.order([(product, 1)], idempotencyKey="checkout-1")
    again = await shop.order([(product, 1)], idempotencyKey="checkout-1")
    assert again["order"]["id"] == first["order"]["id"] and again["order"]["number"] == 1
    changed = await shop.order([(other, 1)], idempotencyKey="checkout-1")
    assert changed == {"order": None, "errors": [{"field": ["idempotencyKey"], "code": "IDEMPOTENCY_KEY_REUSED"}]}
    assert (await shop.order([(product, 2)]))["order"]["number"] == 2  # the replay took no number
    assert await session.scalar(select(func.count()).select_from(Order)) == 2


async def test_a_retry_returns_its_order_even_once_the_product_cannot_be_bought(
    api: Api, session: AsyncSession
) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("10.00")
    first = await shop.order([(product, 1)], idempotencyKey="checkout-1")
    retired = await shop.admin.data(
        "mutation($input: ProductUpdateInput!) { productUpdate(input: $input) { errors { code } } }",
        {"input": {"productId": product, "isActive": False}},
    )
    assert retired["productUpdate"]["errors"] == []
    again = await shop.order([(product, 1)], idempotencyKey="checkout-1")
    assert (again["errors"], again["order"]["id"]) == ([], first["order"]["id"])
    fresh = await shop.order([(product, 1)])
    assert [error["code"] for error in fresh["errors"]] == ["NOT_FOUND"]  # learners see active products only
    assert await session.scalar(select(func.count()).select_from(Order)) == 1


async def test_client_prices_cannot_be_sent_and_bad_lines_change_nothing(api: Api, session: AsyncSession) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("10.00")
    dollars = await shop.product("10.00", currency="USD")
    sent = {"lines": [{"productId": product, "quantity": 1, "price": "0.01"}], "idempotencyKey": "k"}
    assert (await shop.learner.errors(ORDER_CREATE, {"input": sent}))[0]["extensions"]["code"] == "BAD_USER_INPUT"
    refused = await shop.order([(product, 0), (product, 1), (dollars, 1)])
    assert refused["errors"] == [
        {"field": ["lines", "0", "quantity"], "code": "INVALID"},
        {"field": ["lines", "1", "productId"], "code": "DUPLICATE"},
    ]
    assert (await shop.order([(product, 1), (dollars, 1)]))["errors"] == [
        {"field": ["lines", "1", "productId"], "code": "CURRENCY_MISMATCH"}
    ]
    await shop.admin.data(
        "mutation($input: ProductUpdateInput!) { productUpdate(input: $input) { errors { code } } }",
        {"input": {"productId": product, "isActive": False}},
    )
    assert (await shop.order([(product, 1)]))["errors"] == [{"field": ["lines", "0", "productId"], "code": "NOT_FOUND"}]
    assert (await shop.order([(product, 1)], who=shop.admin, userId=gid(shop.learner_user)))["errors"] == [
        {"field": ["lines", "0", "productId"], "code": "PRODUCT_UNAVAILABLE"}
    ]
    assert await session.scalar(select(func.count()).select_from(Order)) == 0


async def test_admins_order_for_a_member_and_notes_show_the_buyer_only_public_ones(
    api: Api, session: AsyncSession
) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("10.00")
    placed = await shop.order([(product, 1)], who=shop.admin, userId=gid(shop.learner_user))
    assert placed["order"]["user"] == {"fullName": "Lena Learner"}
    assert (await shop.order([(product, 1)], who=shop.admin))["errors"] == [{"field": ["userId"], "code": "REQUIRED"}]
    note = """mutation($input: OrderNoteAddInput!) { orderNoteAdd(input: $input) {
      note { body isPublic } order { id } errors { code } } }"""
    order = placed["order"]["id"]
    for body, public in (("Called the bank", False), ("Thanks for your order", True)):
        added = await shop.admin.data(note, {"input": {"orderId": order, "body": body, "isPublic": public}})
        assert added["orderNoteAdd"]["note"] == {"body": body, "isPublic": public}
    notes = "query($id: ID!) { order(id: $id) { notes { body } events { type } } }"
    mine = await shop.learner.data(notes, {"id": order})
    assert mine["order"]["notes"] == [{"body": "Thanks for your order"}]
    assert [e["type"] for e in mine["order"]["events"]] == ["PLACED", "NOTE_ADDED", "NOTE_ADDED"]
    assert len((await shop.admin.data(notes, {"id": order}))["order"]["notes"]) == 2


async def test_a_failed_payment_frees_the_coupon_and_a_failed_order_takes_nothing_more(
    api: Api, session: AsyncSession
) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("40.00")
    await shop.coupon("ONCE", usageLimit=1)
    order = (await shop.order([(product, 1)], couponCode="ONCE"))["order"]["id"]
    failing = "mutation($input: OrderMarkFailedInput!) { orderMarkFailed(input: $input) { errors { code } } }"
    assert (await shop.learner.errors(failing, {"input": {"orderId": order}}))[0]["extensions"]["code"] == "FORBIDDEN"
    failed = await shop.act("orderMarkFailed", orderId=order, reason="Card declined")
    assert failed["order"]["status"] == "FAILED"
    assert (await shop.admin.data("{ coupons { nodes { usedCount } } }"))["coupons"]["nodes"] == [{"usedCount": 0}]
    for mutation in ("orderMarkFailed", "orderCancel", "orderRefund"):
        assert (await shop.act(mutation, orderId=order))["errors"] == [
            {"field": ["orderId"], "code": "NOT_ALLOWED_IN_STATE"}
        ], mutation
    assert (await shop.pay(order, "36.00"))["errors"][0]["code"] == "NOT_ALLOWED_IN_STATE"
    assert await outbox(session) == ["failed_order", "new_order", "pending_payment"]


async def test_a_page_of_orders_with_their_parts_costs_the_same_statements_at_any_size(
    api: Api, session: AsyncSession, count_sql: Any
) -> None:
    query = f"""{{ orders {{ nodes {{ {ORDER_FIELDS} coupon {{ code products {{ name }} }}
      payments {{ amount {{ amount }} user {{ fullName }} }} refunds {{ amount {{ amount }} }}
      notes {{ body author {{ fullName }} }} lines {{ product {{ name courses {{ title }} }} }} }} }} }}"""
    counts = []
    for slug, size in (("small", 1), ("large", 4)):
        shop = await make_shop(api, session, slug=slug)
        product = await shop.product("10.00")
        await shop.coupon("TEN", productIds=[product])
        for _ in range(size):
            order = (await shop.order([(product, 2)], couponCode="TEN"))["order"]["id"]
            await shop.pay(order, "18.00")
            await shop.act("orderRefund", orderId=order, amount=money("1.00"))
        with count_sql() as sql:
            shown = await shop.admin.data(query)
        assert len(shown["orders"]["nodes"]) == size
        counts.append(sql.count)
    assert counts[0] == counts[1], counts


ACTIONS = ("orderMarkPaid", "orderCancel", "orderMarkFailed", "orderRefund")
ALLOWED = {  # (status, action) → the status it leads to; every other pair is NOT_ALLOWED_IN_STATE
    ("PENDING_PAYMENT", "orderMarkPaid"): "COMPLETED",
    ("PENDING_PAYMENT", "orderCancel"): "CANCELLED",
    ("PENDING_PAYMENT", "orderMarkFailed"): "FAILED",
    ("COMPLETED", "orderRefund"): "REFUNDED",
}


async def test_every_status_takes_exactly_its_allowed_transitions(api: Api, session: AsyncSession) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("10.00")
    reach = {  # how an order gets to each status from PENDING_PAYMENT
        "PENDING_PAYMENT": [],
        "COMPLETED": ["orderMarkPaid"],
        "CANCELLED": ["orderCancel"],
        "FAILED": ["orderMarkFailed"],
        "REFUNDED": ["orderMarkPaid", "orderRefund"],
    }
    arguments = {"orderMarkPaid": {"amount": money("10.00")}}
    for status, path in reach.items():
        for action in ACTIONS:
            order = (await shop.order([(product, 1)]))["order"]["id"]
            for step in path:
                assert (await shop.act(step, orderId=order, **arguments.get(step, {})))["errors"] == []
            answer = await shop.act(action, orderId=order, **arguments.get(action, {}))
            if (status, action) in ALLOWED:
                assert answer["order"]["status"] == ALLOWED[(status, action)], (status, action)
            else:
                assert answer == {"order": None, "errors": [{"field": ["orderId"], "code": "NOT_ALLOWED_IN_STATE"}]}, (
                    status, action
                )  # fmt: skip


async def test_an_order_needs_lines_a_key_and_a_billing_address_that_fits(api: Api, session: AsyncSession) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("10.00")
    assert (await shop.order([], idempotencyKey=" "))["errors"] == [
        {"field": ["idempotencyKey"], "code": "REQUIRED"}, {"field": ["lines"], "code": "REQUIRED"}
    ]  # fmt: skip
    billing = {"postalCode": "9" * 201, "country": "Germany"}
    assert (await shop.order([(product, 1)], billing=billing))["errors"] == [
        {"field": ["billing", "postalCode"], "code": "TOO_LONG"}, {"field": ["billing", "country"], "code": "INVALID"}
    ]  # fmt: skip
    kept = (await shop.order([(product, 1)], billing={"firstName": "Lena", "country": "de"}))["order"]["id"]
    address = "query($id: ID!) { order(id: $id) { billing { firstName country } } }"
    shown = await shop.learner.data(address, {"id": kept})
    assert shown["order"]["billing"] == {"firstName": "Lena", "country": "DE"}


async def test_the_buyer_sees_the_code_applied_and_only_admins_the_coupon_itself(
    api: Api, session: AsyncSession
) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("10.00")
    await shop.coupon("HELLO")
    order = (await shop.order([(product, 1)], couponCode="hello"))["order"]["id"]
    query = "query($id: ID!) { order(id: $id) { couponCode coupon { code usedCount } } }"
    assert (await shop.learner.data(query, {"id": order}))["order"] == {"couponCode": "HELLO", "coupon": None}
    shown = (await shop.admin.data(query, {"id": order}))["order"]
    assert shown == {"couponCode": "HELLO", "coupon": {"code": "HELLO", "usedCount": 1}}


async def test_an_order_too_large_for_its_amounts_is_refused_and_nothing_is_written(
    api: Api, session: AsyncSession
) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("20000000.00")
    assert (await shop.order([(product, 60)]))["errors"] == [{"field": ["lines"], "code": "INVALID"}]
    assert await session.scalar(select(func.count()).select_from(Order)) == 0
