"""After-commit events for GraphQL subscriptions, fanned out to this process's subscribers, or,
with REDIS_URL, to every worker's through Redis pub/sub.

A mutation's result names the topics it touched (`TOPICS`, registered by each domain); they are
published only once its transaction has committed, so a subscriber never sees a rolled-back change.
"""

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from uuid import UUID

from redis.asyncio import Redis
from redis.exceptions import RedisError

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
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._pubsub is not None:
            await self._pubsub.aclose()
        await self.redis.aclose()
        await super().close()


def make_broker(settings: Settings) -> Broker:
    if settings.redis_url:
        return RedisBroker(Redis.from_url(settings.redis_url), settings.redis_namespace)
    return Broker()


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
