"""One shop for the commerce tests: a portal with two published courses, a learner and an
admin, and the GraphQL operations the tests send."""

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import Course, CourseStatus
from models.portals import Portal
from models.users import Role, User
from tests.conftest import Api
from tests.factories import gid, make_course, make_portal, make_user

MONEY = "{ amount currency }"
ORDER_FIELDS = f"""id number status currency subtotal {MONEY} discount {MONEY} tax {MONEY} total {MONEY}
  paid {MONEY} refunded {MONEY} couponCode user {{ fullName }}
  lines {{ productName quantity unitPrice {MONEY} total {MONEY} }}
  events {{ type fromStatus toStatus amount {MONEY} byApiKey user {{ fullName }} }}"""
PRODUCT_CREATE = f"""mutation($input: ProductCreateInput!) {{ productCreate(input: $input) {{
  product {{ id name price {MONEY} salePrice {MONEY} currentPrice {MONEY}
    courses {{ title }} learningPaths {{ name }} }}
  errors {{ field code }} }} }}"""
COUPON_CREATE = """mutation($input: CouponCreateInput!) { couponCreate(input: $input) {
  coupon { id code type value currency usageLimit usedCount usesLeft products { name } } errors { field code } } }"""
TAX_CREATE = """mutation($input: TaxRateCreateInput!) { taxRateCreate(input: $input) {
  taxRate { id name country states rate } errors { field code } } }"""
ORDER_CREATE = f"""mutation($input: OrderCreateInput!) {{ orderCreate(input: $input) {{
  order {{ {ORDER_FIELDS} }} errors {{ field code }} }} }}"""
ORDER_ACTION = """mutation($input: %sInput!) { %s(input: $input) {
  order { id status paid { amount } refunded { amount } } errors { field code } } }"""


@dataclass
class Shop:
    api: Api
    admin: Api  # an admin API key of the portal
    learner: Api
    learner_user: User
    portal: Portal
    course: Course
    sequel: Course

    async def product(self, price: str = "100.00", currency: str = "EUR", **more: Any) -> str:
        fields = {"name": f"Product {uuid4().hex[:6]}", "price": {"amount": price, "currency": currency},
                  "courseIds": [gid(self.course)], **more}  # fmt: skip
        done = (await self.admin.data(PRODUCT_CREATE, {"input": fields}))["productCreate"]
        assert done["errors"] == [], done
        return str(done["product"]["id"])

    async def coupon(self, code: str, **more: Any) -> dict[str, Any]:
        fields = {"code": code, "type": "PERCENT_AMOUNT", "value": "10", **more}
        done = (await self.admin.data(COUPON_CREATE, {"input": fields}))["couponCreate"]
        assert done["errors"] == [], done
        return dict(done["coupon"])

    async def order(self, lines: list[tuple[str, int]], who: Api | None = None, **more: Any) -> dict[str, Any]:
        fields = {"lines": [{"productId": p, "quantity": q} for p, q in lines],
                  "idempotencyKey": more.pop("idempotencyKey", uuid4().hex), **more}  # fmt: skip
        return dict((await (who or self.learner).data(ORDER_CREATE, {"input": fields}))["orderCreate"])

    async def act(self, mutation: str, who: Api | None = None, **fields: Any) -> dict[str, Any]:
        name = mutation[0].upper() + mutation[1:]
        answer = await (who or self.admin).data(ORDER_ACTION % (name, mutation), {"input": fields})
        return dict(answer[mutation])

    async def pay(self, order_id: str, amount: str, currency: str = "EUR") -> dict[str, Any]:
        return await self.act("orderMarkPaid", orderId=order_id, amount={"amount": amount, "currency": currency})


async def make_shop(api: Api, session: AsyncSession, slug: str = "acme") -> Shop:
    portal = await make_portal(session, slug=slug)
    learner = await make_user(session, portal, role=Role.LEARNER, full_name="Lena Learner")
    course = await make_course(session, portal, status=CourseStatus.PUBLISHED, title="Pricing 101")
    sequel = await make_course(session, portal, status=CourseStatus.PUBLISHED, title="Pricing 201")
    return Shop(api, api.acting_in(slug), api.signed_in(learner, slug), learner, portal, course, sequel)
