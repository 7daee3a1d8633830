"""The `coursegraph` command (contract §1): migrate, demo, serve, createadmin, deliver.

Settings are read once, here, from the environment (`DATABASE_URL`). Every failure an operator can
cause (bad input, an unreachable or unmigrated database) ends as one line on stderr and exit code 1,
never a traceback; argparse's own usage errors exit with 2.
"""

import argparse
import asyncio
import importlib.util
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO, TypeVar

import uvicorn
from alembic.runtime.migration import MigrationContext
from alembic.util.exc import CommandError
from pydantic import ValidationError
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from graph.observability import log_config
from models.base import utcnow
from models.migrate import upgrade_to_head
from models.session import Db, SessionFn, create_engine, session_factory
from models.settings import Settings
from models.storage import LocalDiskStorage
from resolvers import assignments
from resolvers.bootstrap import AdminCreate, AdminCreated, create_admin
from resolvers.demo import DEMO_PASSWORD, DEMO_PORTALS, DemoOutcome, load_demo
from resolvers.errors import Failure
from resolvers.webhooks.delivery import DeliveryPass, DeliveryPolicy, deliver_due, run_worker

GRAPHIQL_URL = "http://127.0.0.1:8000/graphql"
DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
# uvicorn's supervisor replaces a worker that does not answer its ping within this many seconds
# (default 5): a worker busy starting up or serving a burst on a loaded host is not a dead one.
WORKER_HEALTHCHECK_SECONDS = 30
R = TypeVar("R")


class CommandFailed(Exception):
    """A one-line explanation for the operator; `main` prints it and exits 1."""


class ProgressBar:
    """A bar on stderr: redrawn in place on a terminal; in a log, one line per tenth of the work."""

    def __init__(self, label: str, stream: TextIO, width: int = 30) -> None:
        self.label, self.stream, self.width = label, stream, width
        self.redraw = stream.isatty()
        self.shown: int | None = None

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * min(done, total) // max(total, 1)
        if not self.redraw:
            percent -= percent % 10
        if percent == self.shown:
            return
        self.shown = percent
        filled = self.width * percent // 100
        bar = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}%"
        if self.redraw:
            self.stream.write(f"\r{bar}" + ("\n" if percent == 100 else ""))
        else:
            self.stream.write(f"{bar}\n")
        self.stream.flush()

    def finish(self) -> None:
        """Ends a bar cut short by a failure, so the error starts on its own line."""
        if self.redraw and self.shown is not None and self.shown < 100:
            self.stream.write("\n")
            self.stream.flush()


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65_535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return int(text)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coursegraph",
        description="CourseGraph: the GraphQL API online academies run on.",
        epilog="The database is DATABASE_URL (default: sqlite+aiosqlite:///coursegraph.db in this folder).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("migrate", help="bring the database to the latest schema")
    commands.add_parser("demo", help="migrate, then load the demo academy (safe to run twice)")
    serve = commands.add_parser("serve", help="serve the API and GraphiQL (graph.app:app)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--workers", type=_positive, default=1, help="worker processes (default 1)")
    admin = commands.add_parser("createadmin", help="create a portal if needed and an admin of it")
    admin.add_argument("--email", required=True, help="the admin's email; an existing account gains the role")
    admin.add_argument("--password", required=True, help=f"at least 8 characters (demo admins use {DEMO_PASSWORD})")
    admin.add_argument("--portal", required=True, metavar="SLUG", help="the portal's slug, created if missing")
    admin.add_argument("--portal-name", metavar="NAME", help="name of a new portal (default: from the slug)")
    admin.add_argument("--full-name", metavar="NAME", help="name of a new account (default: from the email)")
    admin.add_argument("--time-zone", default="UTC", metavar="TZ", help="IANA time zone of a new portal")
    deliver = commands.add_parser("deliver", help="run the webhook delivery worker (WEBHOOK_* settings)")
    deliver.add_argument("--once", action="store_true", help="one pass over what is due, then exit")
    sweep = commands.add_parser("sweep-files", help="delete stored files whose submission was deleted (UPLOAD_DIR)")
    sweep.add_argument(
        "--grace-hours", type=_positive, default=24, help="only files written longer ago than this (default 24)"
    )
    return parser


def _database_problem(exc: BaseException, settings: Settings) -> str:
    try:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return f"DATABASE_URL {settings.database_url!r} is not a database URL."
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    detail = (str(cause).strip().splitlines() or [type(cause).__name__])[0].rstrip(".")
    unmigrated = "no such table" in detail or ("relation" in detail and "does not exist" in detail)
    hint = " Run `coursegraph migrate` first." if unmigrated else ""
    return f"Cannot use the database {where}: {detail}.{hint}"


def _run(settings: Settings, work: Callable[[], Coroutine[Any, Any, R]]) -> R:
    """Runs one command's async work; turns what an operator can cause into `CommandFailed`."""
    try:
        return asyncio.run(work())
    except Failure as failure:
        raise CommandFailed("; ".join(problem.message for problem in failure.problems)) from failure
    except (SQLAlchemyError, OSError, CommandError) as exc:
        raise CommandFailed(_database_problem(exc, settings)) from exc


@asynccontextmanager
async def _engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """Only the two async drivers the project installs; anything else would fail on import."""
    if make_url(settings.database_url).drivername not in DRIVERS:
        raise CommandFailed(f"DATABASE_URL must start with {' or '.join(f'{d}://' for d in DRIVERS)}.")
    engine = create_engine(settings)
    try:
        yield engine
    finally:
        await engine.dispose()


async def _transaction(engine: AsyncEngine, fn: SessionFn[..., R], **kwargs: object) -> R:
    """One transaction, as for one mutation: it all commits or none of it does."""
    db = Db(session_factory(engine))
    try:
        return await db.transaction(fn, **kwargs)
    finally:
        await db.close()


async def _revision(engine: AsyncEngine) -> str | None:
    def current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(current)


def migrate(settings: Settings, _args: argparse.Namespace) -> int:
    async def work() -> tuple[str | None, str | None]:
        async with _engine(settings) as engine:
            before = await _revision(engine)
            await upgrade_to_head(engine)
            return before, await _revision(engine)

    before, after = _run(settings, work)
    if before == after:
        print(f"The database is already at the latest schema ({after}).")
    else:
        print(f"Migrated the database from {before or 'empty'} to {after}.")
    return 0


def demo(settings: Settings, _args: argparse.Namespace) -> int:
    bar = ProgressBar("Loading the demo academy", sys.stderr)

    async def work() -> DemoOutcome:
        async with _engine(settings) as engine:
            await upgrade_to_head(engine)
            return await _transaction(engine, load_demo, progress=bar)

    started = time.perf_counter()
    try:
        outcome = _run(settings, work)
    finally:
        bar.finish()
    size = outcome.size
    if outcome.created:
        print(
            f"Loaded the demo academy in {time.perf_counter() - started:.1f} s: {size.portals} portals, "
            f"{size.accounts} people, {size.courses} courses, {size.modules} modules."
        )
    else:
        print("The demo academy is already loaded; nothing changed.")
    print(how_to_explore())
    return 0


def how_to_explore() -> str:
    lines = [
        f"Explore it in GraphiQL: run `coursegraph serve`, then open {GRAPHIQL_URL}",
        "Pick the portal with the X-Portal header (GraphiQL starts with northwind):",
    ]
    for root in DEMO_PORTALS:
        lines.append(f"  {root.slug:<22}{root.name} ({root.time_zone})")
        lines.extend(f"    {branch.slug:<20}{branch.name} ({branch.time_zone})" for branch in root.sub_portals)
    slugs = ", ".join(root.slug for root in DEMO_PORTALS)
    lines.append(f"Sign in (tokenCreate) as admin@, instructor@ or learner@<{slugs}>.example, password {DEMO_PASSWORD}")
    return "\n".join(lines)


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its package is missing
        return False


def serve(settings: Settings, args: argparse.Namespace) -> int:
    """Each worker process imports `graph.app:app`, which reads the same settings from the environment.
    Several workers write their metrics to one fresh directory, so `/metrics` on any shows them all.

    SQLite serves one process: it has no row locks for several to share the webhook queue, nor a pool.

    SIGTERM is a graceful shutdown (docs/operations.md): no new connections, in-flight requests
    answered for up to GRACEFUL_SHUTDOWN_SECONDS, then the app's shutdown, and exit code 0."""
    if args.workers > 1 and settings.is_sqlite:
        raise CommandFailed("several workers need PostgreSQL (DATABASE_URL); SQLite serves one worker process.")
    if settings.otel_enabled and not _installed("opentelemetry.sdk"):
        raise CommandFailed("OTEL_ENABLED needs the `otel` extra: pip install 'coursegraph[otel]'.")
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "workers": args.workers,
        "log_config": log_config(settings),
        "access_log": False,  # the app writes its own, with the request id (ACCESS_LOG)
        "timeout_graceful_shutdown": settings.graceful_shutdown_seconds,
        "timeout_worker_healthcheck": WORKER_HEALTHCHECK_SECONDS,
    }
    # uvicorn re-raises the signal it stopped on once it is done; a stop it completed is a success
    stopped = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        if args.workers > 1 and not settings.prometheus_multiproc_dir:
            with tempfile.TemporaryDirectory(prefix="coursegraph-metrics-") as directory:
                shared = Path(directory, "workers.env")  # uvicorn loads it before it starts the workers
                shared.write_text(f"PROMETHEUS_MULTIPROC_DIR={directory}\n")
                uvicorn.run("graph.app:app", env_file=shared, **options)
        else:
            uvicorn.run("graph.app:app", **options)
    finally:
        signal.signal(signal.SIGTERM, stopped)
    return 0


def createadmin(settings: Settings, args: argparse.Namespace) -> int:
    command = AdminCreate(
        email=args.email,
        password=args.password,
        portal_slug=args.portal,
        portal_name=args.portal_name,
        full_name=args.full_name,
        time_zone=args.time_zone,
    )

    async def work() -> AdminCreated:
        async with _engine(settings) as engine:
            return await _transaction(engine, create_admin, command=command)

    print(describe_admin(_run(settings, work)))
    return 0


def describe_admin(created: AdminCreated) -> str:
    portal = f"portal {created.portal.slug} ({created.portal.name})"
    first = f"Created {portal}." if created.portal_created else f"Found {portal}."
    if created.account_created:
        account = f"Created the account {created.user.email} as its ADMIN."
    else:
        password = "password set" if created.password_set else "its password is unchanged"
        account = f"The existing account {created.user.email} is now its ADMIN ({password})."
    return f"{first} {account}"


def deliver(settings: Settings, args: argparse.Namespace) -> int:
    """The worker `serve` also runs in each process (unless WEBHOOK_WORKER=false): on PostgreSQL
    any number of them share the work; on SQLite run one. SIGTERM or Ctrl-C stops it after the
    pass under way, so no claim is left to wait out its lease."""
    policy = DeliveryPolicy.of(settings)

    async def work() -> DeliveryPass | None:
        async with _engine(settings) as engine:
            if args.once:
                return await deliver_due(engine, utcnow, policy=policy)
            stop = asyncio.Event()
            for stopping in (signal.SIGTERM, signal.SIGINT):
                asyncio.get_running_loop().add_signal_handler(stopping, stop.set)
            print("Delivering webhooks; SIGTERM or Ctrl-C stops after the pass under way.", flush=True)
            await run_worker(engine, utcnow, policy=policy, poll_seconds=settings.webhook_poll_seconds, stop=stop)
        return None

    done = _run(settings, work)
    if done is None:
        print("Stopped.")
        return 0
    print(
        f"Fanned out {done.events} events; of {done.claimed} due deliveries {done.delivered} delivered, "
        f"{done.retrying} to retry, {done.failed} failed."
    )
    return 0


def sweep_files(settings: Settings, args: argparse.Namespace) -> int:
    """Rows cascade when an enrollment, module, course or user is deleted; their files are swept here
    (run it from cron: it only reads the database and deletes what nothing names)."""
    cutoff = utcnow() - timedelta(hours=args.grace_hours)

    async def work() -> list[str]:
        async with _engine(settings) as engine:
            return await _transaction(
                engine, assignments.sweep_files, storage=LocalDiskStorage(settings.upload_dir), written_before=cutoff
            )

    print(f"Deleted {len(_run(settings, work))} files whose submission is gone.")
    return 0


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "migrate": migrate,
    "demo": demo,
    "serve": serve,
    "createadmin": createadmin,
    "deliver": deliver,
    "sweep-files": sweep_files,
}


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # --help, or a usage error argparse has already explained
        return exit_.code if isinstance(exit_.code, int) else 1
    try:
        settings = Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        print(f"coursegraph: setting {error['loc'][0]!s}: {error['msg']}", file=sys.stderr)
        return 1
    try:
        return COMMANDS[args.command](settings, args)
    except CommandFailed as failure:
        print(f"coursegraph {args.command}: {failure}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
