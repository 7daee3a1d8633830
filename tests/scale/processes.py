"""Real worker processes for tests: `coursegraph serve` (what the README tells users to run) on
loopback ports, sharing the test's PostgreSQL database and Redis under a namespace of its own.

A worker counts as started once uvicorn logs that it serves (its lifespan, so the Redis listener
and the delivery worker, has run by then); `/readyz` must then answer 200. Every wait is bounded,
and the processes are always ended, however the test ends.
"""

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from uuid import uuid4

import httpx

from models.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/0"
STARTED = "Uvicorn running on"
START_SECONDS = 60.0  # a loaded 2-core machine imports the app slowly; a healthy start takes seconds
STOP_SECONDS = 10.0
COMMAND = Path(sys.executable).with_name("coursegraph")


@dataclass
class Worker:
    """One `coursegraph serve` process and what it has logged (kept for the failure report)."""

    process: asyncio.subprocess.Process
    url: str
    log: list[str] = field(default_factory=list)
    started: asyncio.Event = field(default_factory=asyncio.Event)

    async def follow_log(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():  # drained to the end: a full pipe would block it
            self.log.append(line.decode(errors="replace").rstrip())
            if STARTED in self.log[-1]:
                self.started.set()
        self.started.set()  # it exited: whoever waits looks at `returncode`

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=10.0)


def free_port() -> int:
    """A loopback port nobody listens on now (the OS's pick), for the next worker to bind."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(settings: Settings, **overrides: str) -> dict[str, str]:
    """What a worker reads at start: the test's database, Redis under a fresh namespace (parallel
    runs never share keys or channels), no delivery worker unless asked, and the overrides."""
    inherited = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    return {
        **inherited,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": REDIS_URL,
        "REDIS_NAMESPACE": f"test-{uuid4().hex}",
        "WEBHOOK_WORKER": "false",
        "DB_POOL_SIZE": "4",
        **overrides,
    }


async def _start(env: dict[str, str]) -> tuple[Worker, asyncio.Task[None]]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        str(COMMAND), "serve", "--host", "127.0.0.1", "--port", str(port),
        env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    worker = Worker(process, f"http://127.0.0.1:{port}")
    return worker, asyncio.create_task(worker.follow_log())


async def _stop(worker: Worker, reader: asyncio.Task[None]) -> None:
    if worker.process.returncode is None:
        worker.process.terminate()
        try:
            await asyncio.wait_for(worker.process.wait(), STOP_SECONDS)
        except TimeoutError:
            worker.process.kill()
            await worker.process.wait()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(reader, STOP_SECONDS)


async def _ready(worker: Worker) -> None:
    try:
        await asyncio.wait_for(worker.started.wait(), START_SECONDS)
    except TimeoutError:
        raise AssertionError("a worker did not start in time:\n" + "\n".join(worker.log)) from None
    assert worker.process.returncode is None, "a worker exited at start:\n" + "\n".join(worker.log)
    async with worker.client() as client:
        ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text


@asynccontextmanager
async def running(settings: Settings, count: int = 2, **overrides: str) -> AsyncIterator[list[Worker]]:
    """`count` workers of one deployment (one environment, so one Redis namespace), started together."""
    env = environment(settings, **overrides)
    started: list[tuple[Worker, asyncio.Task[None]]] = []
    try:
        for _ in range(count):
            started.append(await _start(env))
        await asyncio.gather(*(_ready(worker) for worker, _ in started))
        yield [worker for worker, _ in started]
    finally:
        await asyncio.gather(*(_stop(worker, reader) for worker, reader in started))
