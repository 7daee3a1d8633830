"""WebSocket clients authenticate in `connection_init` and act under the same rules as HTTP."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.testclient import TestClient

from graph.app import create_app
from models.base import Clock, utcnow
from models.settings import Settings
from models.users import Role
from tests.conftest import Credentials, FrozenClock
from tests.factories import make_portal, make_user

VIEWER = '{ viewer { email } portal(slug: "acme") { slug } }'


def run_over_websocket(settings: Settings, init: dict[str, Any], query: str, clock: Clock = utcnow) -> dict[str, Any]:
    """One operation over graphql-transport-ws; returns the payload of its `next` message."""
    with (
        TestClient(create_app(settings, clock=clock)) as client,
        client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        ws.send_json({"type": "connection_init", "payload": init})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query}})
        message = ws.receive_json()
        assert message["type"] == "next", message
        return message["payload"]


async def test_connection_init_carries_the_bearer_token(
    settings: Settings, session: AsyncSession, credentials: Credentials, clock: FrozenClock
) -> None:
    acme = await make_portal(session, slug="acme")
    user = await make_user(session, acme, role=Role.LEARNER, email="ada@acme.example")
    token = await credentials.token(user)
    payload = run_over_websocket(settings, {"Authorization": f"Bearer {token}", "X-Portal": "acme"}, VIEWER, clock)
    assert payload["data"] == {"viewer": {"email": "ada@acme.example"}, "portal": {"slug": "acme"}}


async def test_without_credentials_the_socket_is_anonymous(settings: Settings, session: AsyncSession) -> None:
    await make_portal(session, slug="acme")
    payload = run_over_websocket(settings, {"X-Portal": "acme"}, VIEWER)
    assert payload["data"] == {"viewer": None, "portal": {"slug": "acme"}}


async def test_a_bad_token_is_unauthenticated_over_the_socket_too(settings: Settings, session: AsyncSession) -> None:
    await make_portal(session, slug="acme")
    payload = run_over_websocket(settings, {"Authorization": "Bearer not-a-token"}, "{ viewer { email } }")
    assert payload["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
