"""Every subscription, given another portal's object for each ID argument, answers NOT_FOUND.

Walks `Subscription` by introspection: a new subscription, or an ID argument whose type this
suite cannot supply an object of, fails it until it is covered.
"""

from typing import Any

from graphql import GraphQLNonNull, get_named_type
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.testclient import TestClient

from graph.app import create_app
from graph.ids import global_id
from graph.schema import schema
from models.courses import CourseStatus
from models.live_sessions import LiveSession
from models.settings import Settings
from models.users import Role
from tests.conftest import Credentials, FrozenClock
from tests.factories import gid, make_course, make_portal, make_user, saved


def id_arguments() -> list[tuple[str, str, str]]:
    """(subscription, argument, the type its ID names, from the argument's name)."""
    found = []
    subscriptions = schema._schema.subscription_type
    for name, field in (subscriptions.fields if subscriptions else {}).items():
        for argument, spec in field.args.items():
            if get_named_type(spec.type).name == "ID":
                assert isinstance(spec.type, GraphQLNonNull) and argument.endswith(("Id", "id")), (name, argument)
                stem = argument[:-2] if argument != "id" else get_named_type(field.type).name  # its own object
                found.append((name, argument, stem[0].upper() + stem[1:]))
    return found


def answer(client: TestClient, init: dict[str, str], field: str, argument: str, value: str) -> dict[str, Any]:
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": init})
        assert ws.receive_json()["type"] == "connection_ack"
        query = f"subscription($v: ID!) {{ {field}({argument}: $v) {{ __typename }} }}"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": {"v": value}}})
        return ws.receive_json()


async def test_no_subscription_reaches_another_portals_objects(
    settings: Settings, session: AsyncSession, credentials: Credentials, clock: FrozenClock
) -> None:
    acme, globex = await make_portal(session, slug="acme"), await make_portal(session, slug="globex")
    course = await make_course(session, globex, status=CourseStatus.PUBLISHED)
    host = await make_user(session, globex, role=Role.INSTRUCTOR)
    live = LiveSession(portal_id=globex.id, course_id=course.id, host_id=host.id, title="Globex live",
                       starts_at=clock.now, duration_minutes=30, provider="builtin", meeting_key="k",
                       classroom_token="globex0token")  # fmt: skip
    theirs = {"Course": gid(course), "LiveSession": global_id("LiveSession", (await saved(session, live)).id)}
    learner = await make_user(session, acme, role=Role.LEARNER)
    actors = {
        "acme admin key": {"Authorization": f"Bearer {await credentials.api_key('acme')}"},
        "acme learner": {"Authorization": f"Bearer {await credentials.token(learner)}", "X-Portal": "acme"},
        "anonymous": {"X-Portal": "acme"},
    }
    covered = id_arguments()
    assert covered, "no subscription with an ID argument: is Subscription gone?"
    with TestClient(create_app(settings, clock=clock)) as client:
        for field, argument, type_name in covered:
            assert type_name in theirs, f"{field}({argument}): give this suite a globex {type_name}"
            for actor, init in actors.items():
                message = answer(client, init, field, argument, theirs[type_name])
                codes = [e["extensions"]["code"] for e in message["payload"].get("errors", [])]
                assert codes == ["NOT_FOUND"], (field, actor, message)
