"""Webhook subscriptions: admins of a portal create, change and delete them; nobody else sees
or touches them; the secret is shown once."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from models.session import Db, session_factory
from models.users import Role
from resolvers.outbox import outbox
from resolvers.webhooks.delivery import fan_out
from tests.conftest import Api, FrozenClock
from tests.factories import make_portal, make_user

FIELDS = "id url events description isActive"
CREATE = f"""mutation($i: WebhookCreateInput!) {{ webhookCreate(input: $i) {{
  webhook {{ {FIELDS} }} secret errors {{ field code }} }} }}"""
UPDATE = f"""mutation($i: WebhookUpdateInput!) {{ webhookUpdate(input: $i) {{
  webhook {{ {FIELDS} }} errors {{ field code }} }} }}"""
DELETE = """mutation($i: WebhookDeleteInput!) { webhookDelete(input: $i) { webhook { id } errors { field code } } }"""
LIST = f"{{ webhooks(first: 10) {{ totalCount nodes {{ {FIELDS} deliveries(first: 5) {{ totalCount }} }} }} }}"
AUDIT = '{ auditEvents(first: 5, filter: { action: "webhookCreate" }) { nodes { summary } } }'
URL = "https://hooks.acme.example/coursegraph"


async def create(api: Api, **fields: Any) -> dict[str, Any]:
    given = {"url": URL, "events": ["course_enrolled"], **fields}
    return (await api.data(CREATE, {"i": given}))["webhookCreate"]


async def test_create_generates_a_secret_shown_once_and_lists_the_webhook(api: Api, session: AsyncSession) -> None:
    await make_portal(session, slug="acme")
    admin = api.acting_in("acme")
    made = await create(admin, events=["course_enrolled", "assigment_submission", "course_enrolled"])
    assert made["errors"] == []
    assert made["secret"].startswith("whsec_") and len(made["secret"]) > 40
    assert made["webhook"]["events"] == ["course_enrolled", "assigment_submission"]  # once each, in order
    assert made["webhook"]["isActive"] is True
    listed = (await admin.data(LIST))["webhooks"]
    assert listed["totalCount"] == 1
    assert listed["nodes"][0] == {**made["webhook"], "deliveries": {"totalCount": 0}}
    [no_field] = await admin.errors("{ webhooks(first: 1) { nodes { secret } } }")
    assert no_field["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    [audited] = (await admin.data(AUDIT))["auditEvents"]["nodes"]
    assert made["secret"] not in str(audited["summary"])


async def test_a_given_secret_is_kept_and_returned_once(api: Api, session: AsyncSession) -> None:
    await make_portal(session, slug="acme")
    made = await create(api.acting_in("acme"), secret="s" * 32, description="CRM sync")
    assert made["secret"] == "s" * 32
    assert made["webhook"]["description"] == "CRM sync"


async def test_event_names_must_be_the_seed_spellings(api: Api, session: AsyncSession) -> None:
    await make_portal(session, slug="acme")
    admin = api.acting_in("acme")
    wrong = await create(admin, events=["course_enrolled", "assignment_submission", "COURSE_COMPLETED"])
    assert wrong["errors"] == [
        {"field": ["events", "1"], "code": "INVALID"},
        {"field": ["events", "2"], "code": "INVALID"},
    ]
    assert (await create(admin, events=[]))["errors"] == [{"field": ["events"], "code": "REQUIRED"}]
    bad_url = await create(admin, url="ftp://files.example/x", secret="short")
    assert bad_url["errors"] == [{"field": ["url"], "code": "INVALID"}, {"field": ["secret"], "code": "INVALID"}]
    every = ["new_account_created", "course_enrolled", "quiz_submission", "assigment_submission",
             "assigment_evaluation", "assigment_rejection", "discussion_submission", "new_order", "failed_order",
             "refunded_order", "pending_payment", "new_announcement", "course_completed"]  # fmt: skip
    assert (await create(admin, events=every))["webhook"]["events"] == every
    assert (await admin.data(LIST))["webhooks"]["totalCount"] == 1


async def test_update_and_delete(api: Api, session: AsyncSession) -> None:
    await make_portal(session, slug="acme")
    admin = api.acting_in("acme")
    webhook = (await create(admin))["webhook"]
    changed = await admin.data(
        UPDATE, {"i": {"webhookId": webhook["id"], "events": ["course_completed"], "isActive": False}}
    )
    assert changed["webhookUpdate"]["webhook"] == {**webhook, "events": ["course_completed"], "isActive": False}
    refused = await admin.data(UPDATE, {"i": {"webhookId": webhook["id"], "events": ["nope"], "url": "not a url"}})
    assert refused["webhookUpdate"]["errors"] == [
        {"field": ["url"], "code": "INVALID"},
        {"field": ["events", "0"], "code": "INVALID"},
    ]
    deleted = await admin.data(DELETE, {"i": {"webhookId": webhook["id"]}})
    assert deleted["webhookDelete"] == {"webhook": {"id": webhook["id"]}, "errors": []}
    assert (await admin.data(LIST))["webhooks"]["totalCount"] == 0
    again = await admin.data(DELETE, {"i": {"webhookId": webhook["id"]}})
    assert again["webhookDelete"]["errors"] == [{"field": ["webhookId"], "code": "NOT_FOUND"}]


async def test_only_admins_of_the_portal_see_and_change_webhooks(api: Api, session: AsyncSession) -> None:
    acme = await make_portal(session, slug="acme")
    await make_portal(session, slug="globex")
    webhook = (await create(api.acting_in("acme")))["webhook"]
    for role in (Role.INSTRUCTOR, Role.LEARNER):
        person = api.signed_in(await make_user(session, acme, role=role), "acme")
        assert (await person.data(LIST))["webhooks"]["totalCount"] == 0
        assert (await person.data(f'{{ node(id: "{webhook["id"]}") {{ id }} }}'))["node"] is None
        [error] = await person.errors(CREATE, {"i": {"url": URL, "events": ["course_enrolled"]}})
        assert error["extensions"]["code"] == "FORBIDDEN"
    assert (await api.anonymous("acme").errors(DELETE, {"i": {"webhookId": webhook["id"]}}))[0]["extensions"][
        "code"
    ] == "UNAUTHENTICATED"
    other = api.acting_in("globex")
    assert (await other.data(LIST))["webhooks"]["totalCount"] == 0
    assert (await other.data(f'{{ node(id: "{webhook["id"]}") {{ id }} }}'))["node"] is None
    for mutation in (UPDATE, DELETE):
        answer = await other.data(mutation, {"i": {"webhookId": webhook["id"]}})
        assert next(iter(answer.values()))["errors"] == [{"field": ["webhookId"], "code": "NOT_FOUND"}]
    assert (await api.acting_in("acme").data(LIST))["webhooks"]["nodes"][0]["url"] == URL  # untouched


async def test_webhooks_with_their_deliveries_cost_the_same_statements_for_1_and_10(
    api: Api, session: AsyncSession, engine: AsyncEngine, clock: FrozenClock, count_sql: Any
) -> None:
    acme = await make_portal(session, slug="acme")
    admin = api.acting_in("acme")
    query = """{ webhooks(first: 20) { totalCount nodes { url
      deliveries(first: 5) { totalCount nodes { event status attempts } } } } }"""
    counts = []
    for wanted in (1, 10):
        while (await admin.data(LIST))["webhooks"]["totalCount"] < wanted:
            await create(admin, url="http://127.0.0.1:9/unreachable")
        await outbox(session, "course_enrolled", [{"portal_id": acme.id, "data": {}}])
        await session.commit()
        db = Db(session_factory(engine, clock))
        await db.transaction(fan_out, limit=10)
        await db.close()
        with count_sql() as sql:
            shown = (await admin.data(query))["webhooks"]
        assert shown["totalCount"] == wanted
        assert all(node["deliveries"]["totalCount"] >= 1 for node in shown["nodes"])
        counts.append(sql.count)
    assert counts[0] == counts[1]
