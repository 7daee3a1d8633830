"""A webhook receiver for tests: a plain asyncio HTTP/1.1 server on a loopback port that answers
each request with the next scripted status (then 200) and keeps what it received. Every read is
bounded, so a confused client cannot hang a test."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

READ_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]  # names lower-cased
    body: bytes
    answered: int


@dataclass
class Receiver:
    script: list[int] = field(default_factory=list)  # statuses of the first answers
    received: list[Received] = field(default_factory=list)
    url: str = ""
    arrived: asyncio.Event = field(default_factory=asyncio.Event)  # set by each request
    gate: asyncio.Event | None = None  # when given, each answer waits until it is set
    # The first answers wait (bounded) until this many requests are in flight at once, so a test
    # sees whether senders work in parallel; `most_in_flight` says how many ever were.
    together: int = 1
    in_flight: int = 0
    most_in_flight: int = 0
    _gathered: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.answered < 300]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT_SECONDS)
            lines = head.decode("latin-1").split("\r\n")[1:]
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines if line)}
            length = int(headers.get("content-length", "0"))
            body = await asyncio.wait_for(reader.readexactly(length), READ_TIMEOUT_SECONDS)
            await self._gather()
            status = self.script.pop(0) if self.script else 200
            self.received.append(Received(headers, body, status))
            self.arrived.set()
            if self.gate is not None:
                await asyncio.wait_for(self.gate.wait(), READ_TIMEOUT_SECONDS * 6)
            writer.write(f"HTTP/1.1 {status} Scripted\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".encode())
            await writer.drain()
        finally:
            writer.close()

    async def _gather(self) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        if self.in_flight >= self.together:
            self._gathered.set()
        try:
            await asyncio.wait_for(self._gathered.wait(), READ_TIMEOUT_SECONDS)
        except TimeoutError:
            self._gathered.set()  # they never came: the test sees it in `most_in_flight`
        finally:
            self.in_flight -= 1


@asynccontextmanager
async def receiving(*script: int, gate: asyncio.Event | None = None, together: int = 1) -> AsyncIterator[Receiver]:
    receiver = Receiver(list(script), gate=gate, together=together)
    server = await asyncio.start_server(receiver._handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    receiver.url = f"http://127.0.0.1:{port}/hooks"
    try:
        yield receiver
    finally:
        server.close()
        await server.wait_closed()
