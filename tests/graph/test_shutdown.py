"""Graceful shutdown of the real service: `coursegraph serve` gets SIGTERM while a mutation is
in flight (it waits on a row lock this test holds). The service stops accepting connections at
once, answers the mutation as usual once the lock goes, logs it, and exits with code 0. The
webhook worker, stopped by the app's shutdown, finishes the delivery it is sending."""

import asyncio
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from graph.app import create_app
from graph.ids import global_id
from models.settings import Settings
from tests.conftest import Api, Credentials, FrozenClock
from tests.factories import make_course, make_portal
from tests.graph.webhooks.receiver import receiving
from tests.graph.webhooks.test_delivery import enrol_one, history, subscribe

UPDATE = """mutation Rename($input: CourseUpdateInput!) {
  courseUpdate(input: $input) { course { title } errors { code } } }"""
WAIT_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


async def until(what: str, check: Callable[[], Awaitable[bool]], server: subprocess.Popen[bytes]) -> None:
    """Polls a real condition, bounded; a service that died meanwhile fails the test at once."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not await check():
        assert server.poll() is None, f"the service exited with {server.returncode} while waiting for {what}"
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        await asyncio.sleep(0.05)


def coursegraph_command() -> str:
    found = shutil.which("coursegraph", path=str(Path(sys.executable).parent))
    assert found, "the `coursegraph` command is not installed next to this Python (pip install -e .)"
    return found


@pytest.mark.postgres_only
async def test_sigterm_lets_the_request_in_flight_finish_and_exits_zero(
    settings: Settings, session: AsyncSession, credentials: Credentials, tmp_path: Path
) -> None:
    acme = await make_portal(session, slug="acme")
    course = await make_course(session, acme, title="Before")
    key = await credentials.api_key("acme")
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "LOG_FORMAT": "json",
        "GRACEFUL_SHUTDOWN_SECONDS": str(WAIT_SECONDS),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    dsn = make_url(settings.database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(  # noqa: ASYNC220 (started once; waited on in a thread)
            [coursegraph_command(), "serve", "--port", str(port)],
            env=environment,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    locker, watcher = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    lock = locker.transaction()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=WAIT_SECONDS) as client:

            async def answers() -> bool:
                try:
                    return (await client.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            async def mutation_waits_on_the_lock() -> bool:
                waiting = await watcher.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE 'UPDATE course %'"
                )
                return bool(waiting)

            async def refuses() -> bool:
                return refuses_connections(port)

            await until("the service to answer", answers, server)
            await lock.start()
            await locker.execute("SELECT 1 FROM course WHERE id = $1 FOR UPDATE", course.id)
            variables = {"input": {"courseId": global_id("Course", course.id), "title": "After"}}
            in_flight = asyncio.create_task(
                client.post(
                    "/graphql",
                    json={"query": UPDATE, "variables": variables},
                    headers={"Authorization": f"Bearer {key}", "X-Portal": "acme", "X-Request-Id": "in-flight-1"},
                )
            )
            await until("the mutation to wait on the row lock", mutation_waits_on_the_lock, server)
            server.send_signal(signal.SIGTERM)
            await until("the service to refuse new connections", refuses, server)
            assert not in_flight.done() and server.poll() is None  # still waiting for the mutation
            await lock.rollback()
            response = await in_flight
        assert response.status_code == 200
        assert response.json()["data"] == {"courseUpdate": {"course": {"title": "After"}, "errors": []}}
        assert response.headers["x-request-id"] == "in-flight-1"
        exit_code = await asyncio.to_thread(server.wait, WAIT_SECONDS)
        assert exit_code == 0, log_path.read_text()
        assert refuses_connections(port)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
        await locker.close()
        await watcher.close()
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]
    [access] = [line for line in lines if line.get("request_id") == "in-flight-1"]
    assert (access["logger"], access["status"], access["operation"]) == ("coursegraph.access", 200, "Rename")
    assert "Application shutdown complete." in [line["message"] for line in lines]


class SetOnRecord(logging.Handler):
    """Sets an event when a record with this text is logged: the moment the service says it."""

    def __init__(self, text: str, event: asyncio.Event) -> None:
        super().__init__()
        self.text, self.event = text, event

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.event.set()


async def test_shutdown_lets_the_webhook_worker_finish_the_delivery_it_is_sending(
    api: Api, session: AsyncSession, engine: AsyncEngine, settings: Settings, clock: FrozenClock
) -> None:
    """The receiver holds its answer until the app's shutdown has asked the worker to stop."""
    acme = await make_portal(session, slug="acme")
    admin = api.acting_in("acme")
    stop_asked = asyncio.Event()
    logger = logging.getLogger("coursegraph.app")
    handler, level = SetOnRecord("stopping the webhook worker", stop_asked), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        async with receiving(gate=stop_asked) as receiver:
            await subscribe(admin, receiver.url, "course_enrolled")
            await enrol_one(admin, session, acme)
            serving = settings.model_copy(update={"webhook_worker": True, "webhook_poll_seconds": 0.01})
            app = create_app(serving, engine=engine, clock=clock)
            async with LifespanManager(app, shutdown_timeout=WAIT_SECONDS):
                await asyncio.wait_for(receiver.arrived.wait(), timeout=WAIT_SECONDS)  # the POST is under way
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    [delivery] = await history(admin)
    assert (delivery["status"], delivery["attempts"]) == ("DELIVERED", 1)
