"""M1: enrollmentCreate of 1,000 users in one request, through the real app, on PostgreSQL.

    .venv/bin/python -m bench.enroll [--users 1000] [--runs 5]

Creates a scratch database (BENCH_DATABASE_URL's server, default the local PostgreSQL), fills it
with set-based SQL, then times each run on a fresh course and prints statements and milliseconds.
"""

import argparse
import asyncio
import statistics
import time
import uuid
from typing import Any

import asyncpg
import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import event, insert
from sqlalchemy.engine import make_url

from graph.app import create_app
from graph.ids import global_id
from models.auth import ApiKey
from models.courses import Course, CourseStatus
from models.migrate import upgrade_to_head
from models.portals import Portal
from models.session import create_engine
from models.settings import Settings
from models.users import Membership, Role, User
from resolvers.auth import API_KEY_PREFIX
from resolvers.tokens import digest

SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
ENROLL = """mutation($input: EnrollmentCreateInput!) {
  enrollmentCreate(input: $input) { enrollments { id } errors { code } } }"""


async def scratch_database() -> str:
    name = f"cg_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(make_url(SERVER).set(drivername="postgresql").render_as_string(hide_password=False))
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    return make_url(SERVER).set(database=name).render_as_string(hide_password=False)


async def drop(url: str) -> None:
    admin = await asyncpg.connect(make_url(SERVER).set(drivername="postgresql").render_as_string(hide_password=False))
    await admin.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    await admin.close()


async def fill(url: str, users: int, runs: int) -> tuple[str, list[str], list[str]]:
    engine = create_engine(Settings(database_url=url))
    await upgrade_to_head(engine)
    portal_id = uuid.uuid4()
    secret = f"{API_KEY_PREFIX}bench-{uuid.uuid4().hex}"
    user_rows = [
        {"id": uuid.uuid4(), "email": f"u{i}@bench.test", "full_name": f"User {i}", "classroom_user_id": f"b{i}"}
        for i in range(users)
    ]
    course_ids = [uuid.uuid4() for _ in range(runs)]
    async with engine.begin() as db:
        await db.execute(insert(Portal).values(id=portal_id, name="Bench", slug="bench", path=f"{portal_id.hex}/"))
        await db.execute(insert(User), user_rows)
        await db.execute(
            insert(Membership), [{"portal_id": portal_id, "user_id": u["id"], "role": Role.LEARNER} for u in user_rows]
        )
        await db.execute(
            insert(Course),
            [
                {"id": c, "portal_id": portal_id, "title": f"C{i}", "slug": f"c{i}", "status": CourseStatus.PUBLISHED}
                for i, c in enumerate(course_ids)
            ],
        )
        await db.execute(
            insert(ApiKey).values(
                portal_id=portal_id, name="bench", role=Role.ADMIN, prefix="bench", digest=digest(secret)
            )
        )
    await engine.dispose()
    return secret, [global_id("Course", c) for c in course_ids], [global_id("User", u["id"]) for u in user_rows]


async def measure(url: str, users: int, runs: int) -> None:
    secret, courses, user_ids = await fill(url, users, runs)
    settings = Settings(database_url=url, rate_limit_per_credential=0, rate_limit_per_ip=0)
    app = create_app(settings)
    statements: list[Any] = []

    def counted(*_: Any) -> None:
        statements.append(1)

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", counted)
    timings, counts = [], []
    headers = {"Authorization": f"Bearer {secret}"}
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as http,
    ):
        for course in courses:
            statements.clear()
            started = time.perf_counter()
            body = (
                await http.post(
                    "/graphql",
                    json={"query": ENROLL, "variables": {"input": {"courseId": course, "userIds": user_ids}}},
                    headers=headers,
                )
            ).json()
            timings.append((time.perf_counter() - started) * 1000)
            counts.append(len(statements))
            result = body["data"]["enrollmentCreate"]
            assert len(result["enrollments"]) == users and not result["errors"], body
    print(f"M1 enrollmentCreate, {users} users per request, {runs} runs (PostgreSQL, in-process ASGI)")
    print(f"{'statements':>12} {'p50 ms':>10} {'min ms':>10} {'max ms':>10}")
    p50 = statistics.median(timings)
    print(f"{statistics.median(counts):>12.0f} {p50:>10.1f} {min(timings):>10.1f} {max(timings):>10.1f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = await scratch_database()
    try:
        await measure(url, args.users, args.runs)
    finally:
        await drop(url)


if __name__ == "__main__":
    asyncio.run(main())
