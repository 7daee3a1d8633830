"""After-commit events for GraphQL subscriptions, fanned out to this process's subscribers.

A mutation's result names the topics it touched (`TOPICS`, registered by each domain); they are
published only once its transaction has committed, so a subscriber never sees a rolled-back change.
"""

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

Topics = Callable[[Any], list[tuple[str, Hashable]]]
TOPICS: dict[type, Topics] = {}
T = TypeVar("T")


class Broker:
    def __init__(self) -> None:
        self._queues: dict[str, set[asyncio.Queue[Hashable]]] = defaultdict(set)

    def committed(self, result: Any) -> None:
        """Publishes what a committed mutation's result touched."""
        topics = TOPICS.get(type(result))
        for topic, message in topics(result) if topics else ():
            for queue in self._queues.get(topic, ()):
                queue.put_nowait(message)

    def subscribers(self, topic: str) -> int:
        return len(self._queues.get(topic, ()))

    @asynccontextmanager
    async def subscription(self, topic: str) -> AsyncIterator["asyncio.Queue[Hashable]"]:
        queue: asyncio.Queue[Hashable] = asyncio.Queue()
        self._queues[topic].add(queue)
        try:
            yield queue
        finally:
            self._queues[topic].discard(queue)
            if not self._queues[topic]:
                del self._queues[topic]


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
