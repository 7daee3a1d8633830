"""CPU per request, in-process: the service and the floor called as ASGI apps, one request at a time.

    .venv/bin/python -m bench.cpu [--requests 300] [--rounds 5] [--only Q2,G1] [--profile Q2]

A load-independent companion to `python -m bench` for a machine whose cores are shared: each
operation is sent sequentially to the real app (served as by `coursegraph serve`: heap frozen)
and to bench/floor.py, without a socket, after checking both answer alike. The table gives this
process's CPU time per request (`time.process_time`: the app's Python and the driver's, not
PostgreSQL's, nor the HTTP server's), the least of several rounds. The academy is the bench's
(`academy.ensure`, `--database-url` or BENCH_DATABASE_URL).
"""

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import time
from collections.abc import Awaitable, Callable
from typing import Any

from asgi_lifespan import LifespanManager

from bench import academy
from bench.__main__ import DEFAULT_URL, ENVIRONMENT, _canonical, _empty_spare_courses
from bench.academy import Academy
from bench.operations import ENROLL, READS, Operation, enroll_variables
from graph.app import create_app
from models.settings import Settings

App = Callable[..., Awaitable[None]]
TOKEN_QUERY = "mutation($input: TokenCreateInput!) { tokenCreate(input: $input) { accessToken } }"


async def call(app: App, path: str, body: Any, headers: dict[str, str]) -> bytes:
    """One POST through the ASGI interface, as a server would make it; the response's body."""
    payload = json.dumps(body).encode()
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw_headers += [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    done = asyncio.Event()
    sent = False
    chunks: list[bytes] = []
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": payload, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                done.set()

    await app(scope, receive, send)
    if status != 200:
        raise SystemExit(f"{path}: {status} {b''.join(chunks)[:500]!r}")
    return b"".join(chunks)


def _headers(operation: Operation, token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token if operation.as_learner else academy.ADMIN_KEY}"}


async def per_request(sends: list[Callable[[], Awaitable[bytes]]], requests: int, rounds: int) -> list[float]:
    """CPU ms per request of each sender: the least of `rounds` rounds' means, the senders taking
    turns within a round, so that load from outside this process inflates them alike and the
    least-disturbed round is the one kept."""
    for send in sends:
        for _ in range(10):
            await send()
    best = [float("inf")] * len(sends)
    per_round = max(requests // rounds, 1)
    for _ in range(rounds):
        for n, send in enumerate(sends):
            started = time.process_time()
            for _ in range(per_round):
                await send()
            best[n] = min(best[n], 1000 * (time.process_time() - started) / per_round)
    return best


async def measure(a: Academy, operations: list[str], requests: int, rounds: int, profile: str | None) -> None:
    settings = Settings(database_url=a.url, **{name.lower(): value for name, value in ENVIRONMENT.items()})
    app = create_app(settings.model_copy(update={"webhook_worker": False}), freeze_heap=True)  # as served
    os.environ["BENCH_FLOOR_DSN"] = a.url.replace("+asyncpg", "")
    from bench.floor import app as floor_app

    async with LifespanManager(app), LifespanManager(floor_app):
        variables = {"input": {"email": academy.LEARNER_EMAIL, "password": academy.LEARNER_PASSWORD}}
        signed = await call(app, "/graphql", {"query": TOKEN_QUERY, "variables": variables}, {})
        token = json.loads(signed)["data"]["tokenCreate"]["accessToken"]
        print("| op | service CPU ms/req | floor CPU ms/req | floor/service |")
        print("|---|---:|---:|---:|")
        for operation in READS:
            if operation.name not in operations:
                continue
            body = {"query": operation.query, "variables": operation.variables(a)}
            args = [str(value) if not isinstance(value, int) else value for value in operation.floor_args(a)]
            headers = _headers(operation, token)

            def served(body: Any = body, headers: dict[str, str] = headers) -> Awaitable[bytes]:
                return call(app, "/graphql", body, headers)

            def floored(args: Any = args, name: str = operation.name) -> Awaitable[bytes]:
                return call(floor_app, f"/{name}", args, {})

            if _canonical(await served()) != _canonical(await floored()):
                raise SystemExit(f"{operation.name}: the service and the floor disagree")
            if profile == operation.name:
                await _profile(served, requests)
                continue
            service_cpu, floor_cpu = await per_request([served, floored], requests, rounds)
            print(f"| {operation.name} | {service_cpu:.2f} | {floor_cpu:.2f} | {floor_cpu / service_cpu:.2f} |")
        if "M1" in operations:
            await _enroll(app, a, max(requests // 20, 3))


async def _enroll(app: App, a: Academy, runs: int) -> None:
    await _empty_spare_courses(a)
    headers = {"Authorization": f"Bearer {academy.ADMIN_KEY}"}
    cpu = []
    for course in a.spare_courses[:runs]:
        started = time.process_time()
        await call(app, "/graphql", {"query": ENROLL, "variables": enroll_variables(course, a.m1_learners)}, headers)
        cpu.append(time.process_time() - started)
    await _empty_spare_courses(a)
    print(f"| M1 | {1000 * min(cpu):.1f} | | |")


async def _profile(send: Callable[[], Awaitable[bytes]], requests: int) -> None:
    """cProfile on CPU time: where one operation's requests spend it, by own time."""
    for _ in range(10):
        await send()
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(requests):
        await send()
    profile.disable()
    pstats.Stats(profile).sort_stats("tottime").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--requests", type=int, default=300, help="per operation, split into rounds")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default=",".join([*(operation.name for operation in READS), "M1"]))
    parser.add_argument("--profile", help="an operation to profile (cProfile) instead of timing")
    args = parser.parse_args()
    a = asyncio.run(academy.ensure(args.database_url))
    asyncio.run(measure(a, args.only.split(","), args.requests, args.rounds, args.profile))


if __name__ == "__main__":
    main()
