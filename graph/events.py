"""After-commit events for GraphQL subscriptions, fanned out to this process's subscribers.

A mutation's result names the topics it touched (`TOPICS`, registered by each domain); they are
published only once its transaction has committed, so a subscriber never sees a rolled-back change.
"""

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from typing import Any

Topics = Callable[[Any], list[tuple[str, Hashable]]]
TOPICS: dict[type, Topics] = {}


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
