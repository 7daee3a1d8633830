"""Test databases: one migrated template per run, cloned once per xdist worker.

PostgreSQL: `CREATE DATABASE … TEMPLATE` gives each worker its own database, so tests commit for
real (concurrency and commit-time behaviour are real); each test starts from empty tables.
SQLite: one migrated file per worker, copied for every test.
"""

import asyncio
import contextlib
import os
import re
import shutil
import time
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from models.migrate import upgrade_to_head
from models.session import create_engine
from models.settings import Settings
from models.tables import metadata

ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
STARTED = int(os.environ.get("CG_TEST_STARTED", str(int(time.time()))))
os.environ["CG_TEST_STARTED"] = str(STARTED)  # xdist workers inherit the controller's value
RUN_ID = f"{STARTED}_" + os.environ.get("PYTEST_XDIST_TESTRUNUID", f"solo{os.getpid()}")[:12]
TEMPLATE = f"cg_tpl_{RUN_ID}"
TEMPLATE_LOCK = 7_325_001
STALE_AFTER_SECONDS = 6 * 3600
NAMED = re.compile(r"cg_(?:tpl_)?(\d{10})_")


def _stale(name: str) -> bool:
    """Left behind by a run that ended hours ago; a concurrent run's databases are younger."""
    found = NAMED.match(name)
    return found is None or int(found.group(1)) < STARTED - STALE_AFTER_SECONDS


def _dsn(database: str) -> str:
    url = make_url(ADMIN_URL).set(drivername="postgresql", database=database)
    return url.render_as_string(hide_password=False)


def database_url(database: str) -> str:
    return make_url(ADMIN_URL).set(database=database).render_as_string(hide_password=False)


async def _ensure_template(admin: asyncpg.Connection) -> None:
    """The first worker of a run migrates the template; the others wait on the advisory lock."""
    await admin.execute("SELECT pg_advisory_lock($1)", TEMPLATE_LOCK)
    try:
        if await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", TEMPLATE):
            return
        for (name,) in await admin.fetch("SELECT datname FROM pg_database WHERE datname LIKE 'cg\\_%'"):
            if _stale(name):
                with contextlib.suppress(asyncpg.PostgresError):
                    await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{TEMPLATE}"')
        engine = create_engine(Settings(database_url=database_url(TEMPLATE)))
        await upgrade_to_head(engine)
        await engine.dispose()
    finally:
        await admin.execute("SELECT pg_advisory_unlock($1)", TEMPLATE_LOCK)


async def create_worker_database(worker: str) -> str:
    """Fails loudly when PostgreSQL is unreachable: CI must not pass by skipping."""
    name = f"cg_{RUN_ID}_{worker}"
    admin = await asyncpg.connect(_dsn(make_url(ADMIN_URL).database or "postgres"))
    try:
        await _ensure_template(admin)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    finally:
        await admin.close()
    return database_url(name)


async def drop_database(url: str) -> None:
    admin = await asyncpg.connect(_dsn(make_url(ADMIN_URL).database or "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await admin.close()


EMPTY_ALL = "; ".join(f'DELETE FROM "{table.name}"' for table in reversed(metadata.sorted_tables))


async def empty_tables(engine: AsyncEngine) -> None:
    """DELETE, children first, in one round trip: on the few rows a test leaves it is far quicker
    than TRUNCATE, which takes an exclusive lock and new files for every table."""
    async with engine.begin() as connection:
        raw = await connection.get_raw_connection()
        await raw.driver_connection.execute(EMPTY_ALL)  # type: ignore[union-attr]


def create_sqlite_template(folder: Path) -> Path:
    path = folder / "template.db"
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{path}"))

    async def migrate() -> None:
        await upgrade_to_head(engine)
        await engine.dispose()

    asyncio.run(migrate())
    return path


def copy_sqlite(template: Path, folder: Path, name: str) -> str:
    target = folder / f"{name}.db"
    shutil.copyfile(template, target)
    return f"sqlite+aiosqlite:///{target}"
