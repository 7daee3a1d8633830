"""Products and reading orders through the API on both databases: the catalog each viewer sees,
product input checks, a learning path sold, order lists with filters, who sees which order, and
the sales summary."""

from sqlalchemy.ext.asyncio import AsyncSession

from models.learning_paths import LearningPath, LearningPathCourse, LearningPathStatus
from models.users import Role
from tests.conftest import Api, FrozenClock
from tests.factories import gid, make_user, saved
from tests.graph.orders.shop import ORDER_CREATE, PRODUCT_CREATE, make_shop

UPDATE = """mutation($input: ProductUpdateInput!) { productUpdate(input: $input) {
  product { name isActive price { amount currency } salePrice { amount } currentPrice { amount } courses { title } }
  errors { field code } } }"""
CATALOG = "{ products { totalCount nodes { name } } }"
ORDERS = (
    """query($filter: OrderFilterInput) { orders(filter: $filter) { totalCount nodes { number user { fullName } } } }"""
)


async def test_visitors_and_learners_see_active_products_and_admins_all(api: Api, session: AsyncSession) -> None:
    shop = await make_shop(api, session)
    await shop.product(name="Shown")
    hidden = await shop.product(name="Hidden")
    await shop.admin.data(UPDATE, {"input": {"productId": hidden, "isActive": False}})
    await make_shop(api, session, slug="globex")
    for viewer in (api.anonymous("acme"), shop.learner):
        assert (await viewer.data(CATALOG))["products"] == {"totalCount": 1, "nodes": [{"name": "Shown"}]}
    assert (await shop.admin.data(CATALOG))["products"]["totalCount"] == 2
    portal = await api.anonymous("acme").data('{ portal(slug: "acme") { products { nodes { name } } } }')
    assert portal["portal"]["products"]["nodes"] == [{"name": "Shown"}]
    product = "query($id: ID!) { product(id: $id) { name } }"
    assert (await shop.learner.data(product, {"id": hidden}))["product"] is None
    assert (await api.acting_in("globex").data(product, {"id": hidden}))["product"] is None


async def test_product_input_is_checked_and_the_sale_price_applies_inside_its_window(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    shop = await make_shop(api, session)
    refusals = [
        ({"name": "", "price": {"amount": "-1", "currency": "EURO"}},
         [(["name"], "REQUIRED"), (["price", "amount"], "INVALID"), (["price", "currency"], "INVALID"),
          (["courseIds"], "REQUIRED")]),
        ({"name": "A", "price": {"amount": "10", "currency": "EUR"}, "courseIds": ["bad"]},
         [(["courseIds", "0"], "NOT_FOUND")]),
        ({"name": "A", "price": {"amount": "10", "currency": "EUR"}, "courseIds": [gid(shop.course)],
          "salePrice": {"amount": "12", "currency": "EUR"}}, [(["salePrice", "amount"], "INVALID")]),
        ({"name": "A", "price": {"amount": "10", "currency": "EUR"}, "courseIds": [gid(shop.course)],
          "salePrice": {"amount": "8", "currency": "USD"}}, [(["salePrice", "currency"], "CURRENCY_MISMATCH")]),
    ]  # fmt: skip
    for fields, errors in refusals:
        answer = (await shop.admin.data(PRODUCT_CREATE, {"input": fields}))["productCreate"]
        assert answer == {"product": None, "errors": [{"field": f, "code": c} for f, c in errors]}, fields
    product = await shop.product("10", salePrice={"amount": "7.5", "currency": "EUR"},
                                 saleStartsAt="2026-01-10T00:00:00Z", saleEndsAt="2026-01-20T00:00:00Z")  # fmt: skip
    shown = "query($id: ID!) { product(id: $id) { price { amount } salePrice { amount } currentPrice { amount } } }"
    assert (await shop.learner.data(shown, {"id": product}))["product"] == {
        "price": {"amount": "10.00"}, "salePrice": {"amount": "7.50"}, "currentPrice": {"amount": "10.00"}
    }  # fmt: skip
    clock.advance(days=6)
    assert (await shop.order([(product, 2)]))["order"]["subtotal"]["amount"] == "15.00"
    clock.advance(days=30)
    assert (await shop.order([(product, 2)]))["order"]["subtotal"]["amount"] == "20.00"
    changed = await shop.admin.data(
        UPDATE, {"input": {"productId": product, "name": "Renamed", "price": {"amount": "12", "currency": "EUR"},
                           "clearSalePrice": True, "courseIds": [gid(shop.sequel)]}},
    )  # fmt: skip
    assert changed["productUpdate"] == {
        "product": {"name": "Renamed", "isActive": True, "price": {"amount": "12.00", "currency": "EUR"},
                    "salePrice": None, "currentPrice": {"amount": "12.00"}, "courses": [{"title": "Pricing 201"}]},
        "errors": [],
    }  # fmt: skip


async def test_a_learning_path_sold_enrols_in_the_path_and_each_of_its_courses(api: Api, session: AsyncSession) -> None:
    shop = await make_shop(api, session)
    path = await saved(session, LearningPath(portal_id=shop.portal.id, name="Track", slug="track",
                                             status=LearningPathStatus.PUBLISHED))  # fmt: skip
    for position, course in enumerate((shop.course, shop.sequel)):
        await saved(session, LearningPathCourse(portal_id=shop.portal.id, learning_path_id=path.id,
                                                course_id=course.id, position=position))  # fmt: skip
    product = await shop.product("99.00", courseIds=[], learningPathIds=[gid(path)])
    order = (await shop.order([(product, 1)]))["order"]["id"]
    await shop.pay(order, "99.00")
    mine = (
        """{ viewer { enrollments { nodes { course { title } } } } learningPaths { nodes { enrollments { id } } } }"""
    )
    seen = await shop.learner.data(mine)
    assert {e["course"]["title"] for e in seen["viewer"]["enrollments"]["nodes"]} == {"Pricing 101", "Pricing 201"}
    assert len(seen["learningPaths"]["nodes"][0]["enrollments"]) == 1


async def test_orders_filter_by_status_buyer_product_and_date_and_each_learner_sees_their_own(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    shop = await make_shop(api, session)
    product, other = await shop.product("10.00"), await shop.product("20.00")
    classmate = await make_user(session, shop.portal, role=Role.LEARNER, full_name="Cleo Classmate")
    cleo = api.signed_in(classmate, "acme")
    first = (await shop.order([(product, 1)]))["order"]["id"]
    clock.advance(days=2)
    await shop.order([(other, 1)], who=cleo)
    await shop.pay(first, "10.00")
    cases = [
        ({}, [1, 2]),
        ({"status": "COMPLETED"}, [1]),
        ({"userId": gid(classmate)}, [2]),
        ({"productId": other}, [2]),
        ({"createdAfter": "2026-01-06T00:00:00Z"}, [2]),
        ({"createdBefore": "2026-01-06T00:00:00Z"}, [1]),
    ]
    for flt, numbers in cases:
        answer = (await shop.admin.data(ORDERS, {"filter": flt}))["orders"]
        assert [n["number"] for n in answer["nodes"]] == numbers and answer["totalCount"] == len(numbers), flt
    assert [n["user"]["fullName"] for n in (await cleo.data(ORDERS))["orders"]["nodes"]] == ["Cleo Classmate"]
    assert (await cleo.data("query($id: ID!) { order(id: $id) { id } }", {"id": first}))["order"] is None
    via_user = await shop.admin.data(
        "query($id: ID!) { user(id: $id) { orders { nodes { number } } } }", {"id": gid(classmate)}
    )
    assert via_user["user"]["orders"]["nodes"] == [{"number": 2}]
    pending = '{ portal(slug: "acme") { orders(filter: {status: PENDING_PAYMENT}) { nodes { number } } } }'
    portal = await shop.admin.data(pending)
    assert portal["portal"]["orders"]["nodes"] == [{"number": 2}]
    assert (await api.anonymous("acme").data(ORDERS))["orders"]["totalCount"] == 0


async def test_learners_may_buy_and_cancel_their_own_orders_but_not_pay_refund_or_sell(
    api: Api, session: AsyncSession
) -> None:
    shop = await make_shop(api, session)
    product = await shop.product("10.00")
    order = (await shop.order([(product, 1)]))["order"]["id"]
    for name, fields in (
        ("OrderMarkPaid", {"orderId": order, "amount": {"amount": "10", "currency": "EUR"}}),
        ("OrderRefund", {"orderId": order}),
        ("ProductCreate", {"name": "Mine", "price": {"amount": "1", "currency": "EUR"}}),
    ):
        mutation = name[0].lower() + name[1:]
        sent = f"mutation($input: {name}Input!) {{ {mutation}(input: $input) {{ errors {{ code }} }} }}"
        errors = await shop.learner.errors(sent, {"input": fields})
        assert errors[0]["extensions"]["code"] == "FORBIDDEN", name
    teacher = await make_user(session, shop.portal, role=Role.INSTRUCTOR)
    assert (await shop.act("orderCancel", who=api.signed_in(teacher, "acme"), orderId=order))["errors"] == [
        {"field": ["orderId"], "code": "NOT_FOUND"}
    ]
    for_someone = {"lines": [{"productId": product}], "idempotencyKey": "k", "userId": gid(teacher)}
    assert (await shop.learner.errors(ORDER_CREATE, {"input": for_someone}))[0]["extensions"]["code"] == "FORBIDDEN"
    assert (await shop.act("orderCancel", who=shop.learner, orderId=order))["order"]["status"] == "CANCELLED"


async def test_the_sales_summary_counts_completed_orders_per_product_for_admins(
    api: Api, session: AsyncSession
) -> None:
    shop = await make_shop(api, session)
    book, course = await shop.product("15.00", name="Book"), await shop.product("100.00", name="Course")
    paid = (await shop.order([(book, 2), (course, 1)]))["order"]["id"]
    await shop.pay(paid, "130.00")
    again = (await shop.order([(book, 1)]))["order"]["id"]
    await shop.pay(again, "15.00")
    await shop.order([(course, 3)])  # pending: no sale yet
    summary = "{ salesSummary { productName orders quantity revenue { amount currency } product { name } } }"
    assert (await shop.admin.data(summary))["salesSummary"] == [
        {"productName": "Course", "orders": 1, "quantity": 1, "revenue": {"amount": "100.00", "currency": "EUR"},
         "product": {"name": "Course"}},
        {"productName": "Book", "orders": 2, "quantity": 3, "revenue": {"amount": "45.00", "currency": "EUR"},
         "product": {"name": "Book"}},
    ]  # fmt: skip
    assert (await shop.learner.errors(summary))[0]["extensions"]["code"] == "FORBIDDEN"
