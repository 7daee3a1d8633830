"""Coupons through the API on both databases: one error code for each way a code fails, the
validity window against the request's clock, limits in all and per buyer, and coupon edits."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.orders import Order
from models.users import Role
from tests.conftest import Api, FrozenClock
from tests.factories import make_user
from tests.graph.orders.shop import COUPON_CREATE, make_shop

UPDATE = """mutation($input: CouponUpdateInput!) { couponUpdate(input: $input) {
  coupon { code value usageLimit products { name } } errors { field code } } }"""


async def test_each_way_a_coupon_fails_has_its_own_code_and_places_no_order(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    shop = await make_shop(api, session)
    product, other = await shop.product("30.00"), await shop.product("30.00")
    await shop.coupon("SOON", startsAt="2026-02-01T00:00:00Z")
    await shop.coupon("OVER", endsAt="2026-01-05T09:00:00Z")  # the clock stands at 09:00: just ended
    await shop.coupon("ONLYOTHER", productIds=[other])
    await shop.coupon("BIG", minimumAmount={"amount": "50.00", "currency": "EUR"})
    await shop.coupon("DOLLARS", type="FIXED_AMOUNT", value="5", currency="USD")
    await shop.coupon("OFF", isActive=False)
    await shop.coupon("NONE", usageLimit=1)
    await shop.coupon("MINE", perUserLimit=1)
    assert (await shop.order([(product, 1)], couponCode="NONE"))["errors"] == []
    assert (await shop.order([(product, 1)], couponCode="MINE"))["errors"] == []
    expected = {
        "NOPE": "COUPON_INVALID",
        "OFF": "COUPON_INVALID",
        "SOON": "COUPON_INVALID",
        "OVER": "COUPON_EXPIRED",
        "ONLYOTHER": "COUPON_NOT_APPLICABLE",
        "DOLLARS": "COUPON_NOT_APPLICABLE",
        "BIG": "COUPON_MINIMUM_NOT_MET",
        "NONE": "COUPON_EXHAUSTED",
        "MINE": "COUPON_PER_USER_LIMIT",
    }
    for code, error in expected.items():
        refused = await shop.order([(product, 1)], couponCode=code)
        assert refused == {"order": None, "errors": [{"field": ["couponCode"], "code": error}]}, code
    assert await session.scalar(select(func.count()).select_from(Order)) == 2
    clock.advance(days=30)  # SOON has started
    assert (await shop.order([(product, 1)], couponCode="soon"))["order"]["discount"]["amount"] == "3.00"
    assert (await shop.order([(product, 2)], couponCode="big"))["order"]["discount"]["amount"] == "6.00"
    classmate = await make_user(session, shop.portal, role=Role.LEARNER)
    theirs = await shop.order([(product, 1)], who=api.signed_in(classmate, "acme"), couponCode="mine")
    assert theirs["errors"] == []  # the limit is per buyer


async def test_a_cancelled_order_gives_its_per_user_use_back(api: Api, session: AsyncSession) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("30.00")
    await shop.coupon("MINE", perUserLimit=1)
    first = (await shop.order([(product, 1)], couponCode="MINE"))["order"]["id"]
    await shop.act("orderCancel", orderId=first)
    assert (await shop.order([(product, 1)], couponCode="MINE"))["errors"] == []


async def test_coupon_create_checks_its_input_and_codes_are_unique_whatever_their_case(
    api: Api, session: AsyncSession
) -> None:
    shop = await make_shop(api, session)
    created = await shop.coupon("Welcome", type="FIXED_AMOUNT", value="7.5", currency="eur", usageLimit=3)
    assert created | {"id": None} == {
        "id": None, "code": "WELCOME", "type": "FIXED_AMOUNT", "value": "7.50", "currency": "EUR", "usageLimit": 3,
        "usedCount": 0, "usesLeft": 3, "products": [],
    }  # fmt: skip
    refusals = [
        ({"code": "welcome", "type": "PERCENT_AMOUNT", "value": "5"}, [(["code"], "DUPLICATE")]),
        ({"code": "P", "type": "PERCENT_AMOUNT", "value": "101"}, [(["value"], "INVALID")]),
        ({"code": "F", "type": "FIXED_AMOUNT", "value": "5"}, [(["currency"], "REQUIRED")]),
        ({"code": " ", "type": "PERCENT_AMOUNT", "value": "-1", "usageLimit": 0,
          "startsAt": "2026-02-01T00:00:00Z", "endsAt": "2026-01-01T00:00:00Z"},
         [(["code"], "REQUIRED"), (["value"], "INVALID"), (["usageLimit"], "INVALID"), (["endsAt"], "INVALID")]),
        ({"code": "X", "type": "PERCENT_AMOUNT", "value": "5", "productIds": ["nope"]},
         [(["productIds", "0"], "NOT_FOUND")]),
        ({"code": "M", "type": "FIXED_AMOUNT", "value": "5", "currency": "USD",
          "minimumAmount": {"amount": "50", "currency": "EUR"}},
         [(["minimumAmount", "currency"], "CURRENCY_MISMATCH")]),
    ]  # fmt: skip
    for fields, errors in refusals:
        answer = (await shop.admin.data(COUPON_CREATE, {"input": fields}))["couponCreate"]
        assert answer == {"coupon": None, "errors": [{"field": f, "code": c} for f, c in errors]}, fields


async def test_coupon_update_changes_limits_and_products_and_keeps_held_uses(api: Api, session: AsyncSession) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("30.00")
    coupon = await shop.coupon("TWICE", usageLimit=2)
    await shop.order([(product, 1)], couponCode="TWICE")
    changed = await shop.admin.data(
        UPDATE, {"input": {"couponId": coupon["id"], "usageLimit": 1, "value": "20", "productIds": [product]}}
    )
    assert changed["couponUpdate"]["errors"] == []
    assert changed["couponUpdate"]["coupon"]["usageLimit"] == 1
    assert (await shop.order([(product, 1)], couponCode="TWICE"))["errors"][0]["code"] == "COUPON_EXHAUSTED"
    minimum = await shop.coupon("BIG", minimumAmount={"amount": "50", "currency": "EUR"})
    moved = await shop.admin.data(UPDATE, {"input": {"couponId": minimum["id"], "currency": "USD"}})
    assert moved["couponUpdate"]["errors"] == [{"field": ["currency"], "code": "CURRENCY_MISMATCH"}]


async def test_only_admins_see_and_change_coupons(api: Api, session: AsyncSession) -> None:
    shop = await make_shop(api, session)
    coupon = await shop.coupon("STAFF")
    assert (await shop.learner.data("{ coupons { nodes { code } } }"))["coupons"]["nodes"] == []
    assert (await shop.learner.data("query($id: ID!) { node(id: $id) { id } }", {"id": coupon["id"]}))["node"] is None
    errors = await shop.learner.errors(UPDATE, {"input": {"couponId": coupon["id"], "value": "99"}})
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert (await shop.admin.data('{ coupons(code: "staff") { nodes { code } } }'))["coupons"]["nodes"] == [
        {"code": "STAFF"}
    ]
