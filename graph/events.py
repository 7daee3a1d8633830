"""After-commit events for GraphQL subscriptions, fanned out to this process's subscribers and,
to every worker's: through Redis pub/sub with REDIS_URL, else on PostgreSQL through LISTEN/NOTIFY.

A mutation's result names the topics it touched (`TOPICS`, registered by each domain); they are
published only once its transaction has committed, so a subscriber never sees a rolled-back change.
"""

import asyncio
import contextlib
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.engine import URL

from graph.metrics import SUBSCRIPTIONS
from models.settings import Settings

log = logging.getLogger(__name__)
RECONNECT_SECONDS = 1.0
Topics = Callable[[Any], list[tuple[str, Hashable]]]
TOPICS: dict[type, Topics] = {}
T = TypeVar("T")


Message = tuple[str, Hashable]


class Broker:
    """This process's subscribers: a committed change reaches them directly."""

    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[Hashable]]] = defaultdict(set)

    async def committed(self, result: Any) -> None:
        """Publishes what a committed mutation's result touched."""
        topics = TOPICS.get(type(result))
        messages = list(topics(result)) if topics else []
        if messages:
            await self.publish(messages)

    async def publish(self, messages: list[Message]) -> None:
        self.deliver(messages)

    def deliver(self, messages: list[Message]) -> None:
        for topic, message in messages:
            for queue in self._queues.get(topic, ()):
                queue.put_nowait(message)

    async def start(self) -> None:
        """Nothing to connect in one process."""

    async def close(self) -> None:
        self._queues.clear()

    def subscribers(self, topic: str) -> int:
        return len(self._queues.get(topic, ()))

    @asynccontextmanager
    async def subscription(self, topic: str) -> AsyncIterator["asyncio.Queue[Hashable]"]:
        queue: asyncio.Queue[Hashable] = asyncio.Queue()
        self._queues[topic].add(queue)
        SUBSCRIPTIONS.inc()
        try:
            yield queue
        finally:
            SUBSCRIPTIONS.dec()
            self._queues[topic].discard(queue)
            if not self._queues[topic]:
                del self._queues[topic]


class RedisBroker(Broker):
    """Every worker's subscribers (issue 11): a committed change is published on one Redis channel,
    and each worker's listener hands it to its own subscribers, the publisher's included, by that
    one path. Messages are the ids of what changed; subscribers read the rows afresh."""

    def __init__(self, redis: Redis, namespace: str) -> None:
        super().__init__()
        self.redis = redis
        self.channel = f"{namespace}:events"
        self._pubsub: Any = None
        self._listener: asyncio.Task[None] | None = None

    async def publish(self, messages: list[Message]) -> None:
        """After the commit: Redis being away costs the subscribers this event, never the mutation."""
        try:
            await self.redis.publish(self.channel, json.dumps([[topic, str(message)] for topic, message in messages]))
        except RedisError:
            log.exception("could not publish %d subscription events", len(messages))

    async def start(self) -> None:
        """Subscribed before the worker serves, so no change committed after that is missed."""
        self._pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await self._pubsub.subscribe(self.channel)
        self._listener = asyncio.create_task(self._listen())

    async def _listen(self) -> None:
        """Runs until closed: a message it cannot read or a lost connection is logged, and the
        subscribers of this worker keep receiving what comes after."""
        while True:
            try:
                async for item in self._pubsub.listen():
                    if item["type"] == "message":
                        self._received(item["data"])
            except RedisError:
                log.exception("subscription events: lost Redis, subscribing again")
                await asyncio.sleep(RECONNECT_SECONDS)

    def _received(self, data: bytes) -> None:
        try:
            messages = [(topic, UUID(message)) for topic, message in json.loads(data)]
        except (ValueError, TypeError):
            log.exception("subscription events: an unreadable message was dropped")
            return
        self.deliver(messages)

    async def close(self) -> None:
        await _stopped(self._listener)
        if self._pubsub is not None:
            await self._pubsub.aclose()
        await self.redis.aclose()
        await super().close()


async def _stopped(task: "asyncio.Task[None] | None") -> None:
    """A broker's background listener, cancelled and awaited."""
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


NOTIFY_BYTES = 7_000  # PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more
LISTEN_FAILURES = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


class PostgresBroker(Broker):
    """Every worker's subscribers without Redis (issue 11: with PostgreSQL and no Redis, PostgreSQL
    does it): this worker's get a change at once, the others through NOTIFY on one channel, which
    each worker LISTENs to on a connection of its own (not the pool's). A message carries the
    broker's origin, so a worker does not hand its own changes out twice. A lost listening
    connection is opened again; what was notified meanwhile is lost to its subscribers, never the
    mutation (as with Redis)."""

    def __init__(self, dsn: str, channel: str, connect_timeout: float) -> None:
        super().__init__()
        self.dsn, self.channel, self.connect_timeout = dsn, channel, connect_timeout
        self.origin = uuid.uuid4().hex
        self._connection: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()  # one statement at a time on the connection
        self._lost = asyncio.Event()
        self._keeper: asyncio.Task[None] | None = None

    async def publish(self, messages: list[Message]) -> None:
        self.deliver(messages)
        if self._connection is None:  # not started (one process), or being reconnected
            return
        try:
            async with self._lock:
                for payload in self._payloads(messages):
                    await self._connection.execute("SELECT pg_notify($1, $2)", self.channel, payload)
        except LISTEN_FAILURES:
            log.exception("could not notify %d subscription events", len(messages))

    def _payloads(self, messages: list[Message]) -> list[str]:
        """The messages in as few NOTIFY payloads as fit (a bulk enrollment touches thousands)."""
        payloads: list[str] = []
        batch: list[list[str]] = []
        for topic, message in messages:
            item = [topic, str(message)]
            if batch and len(json.dumps({"origin": self.origin, "messages": [*batch, item]})) > NOTIFY_BYTES:
                payloads.append(json.dumps({"origin": self.origin, "messages": batch}))
                batch = []
            batch.append(item)
        if batch:
            payloads.append(json.dumps({"origin": self.origin, "messages": batch}))
        return payloads

    async def start(self) -> None:
        """Listening before the worker serves, so no change committed after that is missed; a
        database out of reach does not stop the worker from starting (it reports not ready, and
        listens as soon as it can)."""
        try:
            await self._listen()
        except LISTEN_FAILURES:
            log.warning("subscription events: cannot LISTEN yet, trying again", exc_info=True)
            self._lost.set()
        self._keeper = asyncio.create_task(self._keep_listening())

    async def _listen(self) -> None:
        connection = await asyncpg.connect(self.dsn, timeout=self.connect_timeout)
        self._lost.clear()
        connection.add_termination_listener(lambda _: self._lost.set())
        await connection.add_listener(self.channel, self._notified)
        self._connection = connection

    async def _keep_listening(self) -> None:
        while True:
            await self._lost.wait()
            self._connection = None
            log.warning("subscription events: lost the LISTEN connection, listening again")
            try:
                await self._listen()
            except LISTEN_FAILURES:
                await asyncio.sleep(RECONNECT_SECONDS)

    def _notified(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            body = json.loads(payload)
            if body["origin"] == self.origin:
                return
            messages = [(topic, UUID(message)) for topic, message in body["messages"]]
        except (ValueError, TypeError, KeyError):
            log.exception("subscription events: an unreadable notification was dropped")
            return
        self.deliver(messages)

    async def close(self) -> None:
        await _stopped(self._keeper)
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            await connection.close()
        await super().close()


def make_broker(settings: Settings, database: URL) -> Broker:
    """Redis when it is named; else PostgreSQL's LISTEN/NOTIFY on `database` (the engine's, which
    the app writes to); SQLite serves one process."""
    if settings.redis_url:
        return RedisBroker(Redis.from_url(settings.redis_url), settings.redis_namespace)
    if database.get_backend_name() != "postgresql":
        return Broker()
    dsn = database.set(drivername="postgresql").render_as_string(hide_password=False)
    return PostgresBroker(dsn, f"{settings.redis_namespace}_events", settings.db_connect_timeout_seconds)


async def follow(context: Any, topic: str, load: Callable[[Hashable], Awaitable[T | None]]) -> AsyncIterator[T]:
    """What a subscription yields: `load(message)` for each message on `topic`, read afresh under
    the subscriber's own rules (None, hidden: skipped). No connection is held while waiting, and
    the subscription closes its session however it ends (it outlives its operation)."""
    try:
        async with context.events.subscription(topic) as changes:
            while True:
                await context.db.close()
                message = await changes.get()
                context.loaders.clear()
                loaded = await load(message)
                if loaded is not None:
                    yield loaded
    finally:
        await context.db.close()
