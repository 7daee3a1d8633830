"""The `coursegraph` command, run in-process as an operator would, then read back through the real app."""

import asyncio
import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from select import select as wait_readable
from typing import Any
from uuid import uuid4

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import func, select

from graph.app import create_app
from graph.cli import main
from graph.graphiql import DEFAULT_QUERY
from models.modules import ModuleKind
from models.session import create_engine
from models.settings import Settings
from models.tables import User, metadata
from resolvers.demo import DEMO_PASSWORD
from tests import databases

DEMO_SLUGS = {
    "northwind": "Europe/Amsterdam",
    "contoso": "America/New_York",
    "fabrikam": "UTC",
}


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def coursegraph(monkeypatch: pytest.MonkeyPatch, url: str, *argv: str) -> int:
    """`coursegraph ARGV` with DATABASE_URL=url, in this process."""
    monkeypatch.setenv("DATABASE_URL", url)
    return main(list(argv))


async def _row_counts(url: str) -> dict[str, int]:
    engine = create_engine(Settings(database_url=url))
    try:
        async with engine.connect() as connection:
            return {
                table.name: (await connection.execute(select(func.count()).select_from(table))).scalar_one()
                for table in metadata.sorted_tables
            }
    finally:
        await engine.dispose()


def row_counts(url: str) -> dict[str, int]:
    return asyncio.run(_row_counts(url))


async def _password_hash(url: str, email: str) -> str | None:
    engine = create_engine(Settings(database_url=url))
    try:
        async with engine.connect() as connection:
            return (await connection.execute(select(User.password_hash).where(User.email == email))).scalar_one()
    finally:
        await engine.dispose()


SIGN_IN = "mutation($e: String!, $p: String!) { tokenCreate(input: {email: $e, password: $p}) { accessToken } }"


async def _graphql(
    url: str, query: str, portal: str | None, account: tuple[str, str] | None, operation: str | None
) -> dict[str, Any]:
    app = create_app(Settings(database_url=url))
    headers = {"X-Portal": portal} if portal else {}
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http,
    ):
        if account is not None:
            variables = {"e": account[0], "p": account[1]}
            signed = (await http.post("/graphql", json={"query": SIGN_IN, "variables": variables})).json()
            headers["Authorization"] = f"Bearer {signed['data']['tokenCreate']['accessToken']}"
        request = {"query": query, "operationName": operation}
        body = (await http.post("/graphql", json=request, headers=headers)).json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def graphql(
    url: str,
    query: str,
    *,
    portal: str | None = None,
    account: tuple[str, str] | None = None,
    operation: str | None = None,
) -> dict[str, Any]:
    """The data of a query through the real app, signed in as `account` (email, password) if given."""
    return asyncio.run(_graphql(url, query, portal, account, operation))


def as_demo_admins(url: str, query: str) -> list[dict[str, Any]]:
    """The query as the admin of each demo academy, who sees that academy and its sub-portals."""
    return [graphql(url, query, portal=slug, account=(f"admin@{slug}.example", DEMO_PASSWORD)) for slug in DEMO_SLUGS]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """One demo database per module (and xdist worker): its file, the command's stdout and stderr."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as monkeypatch, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert coursegraph(monkeypatch, sqlite_url(path), "demo") == 0
    return path, out.getvalue(), err.getvalue()


@pytest.fixture
def demo_copy(demo: tuple[Path, str, str], tmp_path: Path) -> str:
    """A demo database this test may change."""
    target = tmp_path / "demo.db"
    shutil.copyfile(demo[0], target)
    return sqlite_url(target)


@pytest.fixture
def migrated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = sqlite_url(tmp_path / "fresh.db")
    assert coursegraph(monkeypatch, url, "migrate") == 0
    return url


def test_help_lists_every_command_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(command in out for command in ("migrate", "demo", "serve", "createadmin"))


def test_several_workers_on_sqlite_are_refused_before_serving(
    monkeypatch: pytest.MonkeyPatch, migrated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert coursegraph(monkeypatch, migrated, "serve", "--workers", "2") == 1
    assert "several workers need PostgreSQL" in capsys.readouterr().err


def test_sweep_files_deletes_old_files_no_submission_names_and_keeps_recent_ones(
    monkeypatch: pytest.MonkeyPatch, migrated: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uploads = tmp_path / "uploads"
    old, recent = (uploads / f"{uuid4().hex}/{uuid4().hex}/{uuid4().hex}" for _ in range(2))
    for path in (old, recent):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"%PDF")
    two_days_ago = time.time() - 2 * 86_400
    os.utime(old, (two_days_ago, two_days_ago))
    monkeypatch.setenv("UPLOAD_DIR", str(uploads))
    assert coursegraph(monkeypatch, migrated, "sweep-files") == 0
    assert "Deleted 1 files whose submission is gone." in capsys.readouterr().out
    assert (old.exists(), recent.exists(), old.parent.parent.exists()) == (False, True, False)


def test_deliver_stops_on_sigterm_after_its_pass_and_exits_zero(migrated: str, tmp_path: Path) -> None:
    """The standalone delivery worker, as a process of its own: SIGTERM once it says it runs."""
    command = [sys.executable, "-c", "from graph.cli import main; raise SystemExit(main())", "deliver"]
    environment = {**os.environ, "DATABASE_URL": migrated, "WEBHOOK_POLL_SECONDS": "0.05"}
    worker = subprocess.Popen(
        command, cwd=Path(__file__).parents[2], env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        assert worker.stdout is not None
        ready, _, _ = wait_readable([worker.stdout], [], [], 30)  # bounded: a worker that never says so fails
        assert ready and worker.stdout.readline().decode().startswith("Delivering webhooks")
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, output.decode()
    assert output.decode().strip() == "Stopped."


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bogus"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_migrate_brings_an_empty_file_to_the_latest_schema_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = sqlite_url(tmp_path / "new.db")
    assert coursegraph(monkeypatch, url, "migrate") == 0
    assert "Migrated the database from empty" in capsys.readouterr().out
    assert set(row_counts(url).values()) == {0}
    assert coursegraph(monkeypatch, url, "migrate") == 0
    assert "already at the latest schema" in capsys.readouterr().out


def test_demo_draws_progress_and_says_how_to_explore(demo: tuple[Path, str, str]) -> None:
    _, out, err = demo
    assert "Loaded the demo academy" in out
    assert "http://127.0.0.1:8000/graphql" in out
    assert all(slug in out for slug in (*DEMO_SLUGS, "northwind-retail", "fabrikam-field"))
    assert "100%" in err


def test_demo_run_twice_changes_nothing_the_second_time(
    demo_copy: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = row_counts(demo_copy)
    assert coursegraph(monkeypatch, demo_copy, "demo") == 0
    assert "already loaded; nothing changed" in capsys.readouterr().out
    assert row_counts(demo_copy) == before
    assert before["portal"] == 9 and before["module"] > 12


def test_demo_has_three_academies_each_with_sub_portals(demo: tuple[Path, str, str]) -> None:
    query = "{ portals(first: 50) { nodes { slug timeZone parent { slug } subPortals { slug } } } }"
    portals = {p["slug"]: p for data in as_demo_admins(sqlite_url(demo[0]), query) for p in data["portals"]["nodes"]}
    roots = {slug: p for slug, p in portals.items() if p["parent"] is None}
    assert {slug: p["timeZone"] for slug, p in roots.items()} == DEMO_SLUGS
    assert all(len(p["subPortals"]) == 2 for p in roots.values())
    assert len(portals) == 9


def demo_courses(url: str, fields: str) -> list[dict[str, Any]]:
    """Every course of the demo, with `fields` and its modules' kinds, as the academies' admins see them."""
    query = (
        f"{{ portals(first: 50) {{ nodes {{ courses(first: 100) {{ nodes {{ {fields} modules {{ kind }} }} }} }} }} }}"
    )
    return [c for data in as_demo_admins(url, query) for p in data["portals"]["nodes"] for c in p["courses"]["nodes"]]


def test_demo_courses_cover_every_status_and_all_twelve_module_kinds(demo: tuple[Path, str, str]) -> None:
    courses = demo_courses(sqlite_url(demo[0]), "status price { currency } instructors { id } sections { id }")
    assert {c["status"] for c in courses} == {"DRAFT", "PUBLISHED", "ARCHIVED"}
    assert {m["kind"] for c in courses for m in c["modules"]} == {kind.name for kind in ModuleKind}
    assert all(c["instructors"] and c["sections"] and c["modules"] for c in courses)
    assert any(c["price"] for c in courses) and not all(c["price"] for c in courses)


def test_demo_has_admins_instructors_and_learners(demo: tuple[Path, str, str]) -> None:
    query = """{ admins: users(role: ADMIN) { totalCount } instructors: users(role: INSTRUCTOR) { totalCount }
                 learners: users(role: LEARNER) { totalCount }
                 portal(slug: "northwind") { users(role: LEARNER) { totalCount } } }"""
    for data in as_demo_admins(sqlite_url(demo[0]), query):
        assert all(data[role]["totalCount"] > 0 for role in ("admins", "instructors", "learners"))
    assert as_demo_admins(sqlite_url(demo[0]), query)[0]["portal"]["users"]["totalCount"] == 20


@pytest.mark.parametrize("role", ["admin", "instructor", "learner"])
def test_demo_accounts_of_every_role_sign_in(demo: tuple[Path, str, str], role: str) -> None:
    account = (f"{role}@northwind.example", DEMO_PASSWORD)
    viewer = graphql(sqlite_url(demo[0]), "{ viewer { email memberships { role } } }", account=account)["viewer"]
    assert viewer == {"email": f"{role}@northwind.example", "memberships": [{"role": role.upper()}]}


def test_graphiql_default_query_shows_northwind_courses(demo: tuple[Path, str, str]) -> None:
    data = graphql(sqlite_url(demo[0]), DEFAULT_QUERY, portal="northwind", operation="Catalog")
    courses = data["courses"]["nodes"]
    assert courses and {c["portal"]["timeZone"] for c in courses} == {"Europe/Amsterdam"}
    signed = graphql(sqlite_url(demo[0]), DEFAULT_QUERY, portal="northwind", operation="SignIn")["tokenCreate"]
    assert signed["accessToken"] and signed["user"]["memberships"] == [
        {"role": "ADMIN", "portal": {"slug": "northwind"}}
    ]


@pytest.mark.parametrize("role", ["admin", "instructor", None])
def test_graphiql_roster_shows_enrollments_to_staff_and_none_to_visitors(
    demo: tuple[Path, str, str], role: str | None
) -> None:
    account = None if role is None else (f"{role}@northwind.example", DEMO_PASSWORD)
    data = graphql(sqlite_url(demo[0]), DEFAULT_QUERY, portal="northwind", account=account, operation="Roster")
    [course] = data["courses"]["nodes"]
    titles = [module["title"] for module in course["modules"]]
    enrollments = course["enrollments"]["nodes"]
    assert titles and bool(enrollments) is (role is not None)
    assert all([record["module"]["title"] for record in e["moduleProgress"]] == titles for e in enrollments)


def test_demo_refuses_a_database_where_real_data_took_a_demo_slug(
    migrated: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("createadmin", "--email", "ops@northwind.example", "--password", "s3cret-pass", "--portal", "northwind")
    assert coursegraph(monkeypatch, migrated, *args) == 0
    before = row_counts(migrated)
    assert coursegraph(monkeypatch, migrated, "demo") == 1
    assert "northwind" in capsys.readouterr().err
    assert row_counts(migrated) == before


def test_createadmin_creates_the_portal_and_its_admin(migrated: str, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ("--email", "Ops@Acme.example", "--password", "s3cret-pass", "--portal", "acme", "--portal-name", "Acme")
    assert coursegraph(monkeypatch, migrated, "createadmin", *args) == 0
    query = '{ portal(slug: "acme") { name users { nodes { email memberships { role portal { slug } } } } } }'
    portal = graphql(migrated, query, account=("ops@acme.example", "s3cret-pass"))["portal"]
    assert portal["name"] == "Acme"
    assert portal["users"]["nodes"] == [
        {"email": "ops@acme.example", "memberships": [{"role": "ADMIN", "portal": {"slug": "acme"}}]}
    ]
    assert asyncio.run(_password_hash(migrated, "ops@acme.example")).startswith("$argon2")


def test_createadmin_adds_a_membership_to_an_existing_account(migrated: str, monkeypatch: pytest.MonkeyPatch) -> None:
    first = ("createadmin", "--email", "ops@acme.example", "--password", "s3cret-pass", "--portal", "acme")
    assert coursegraph(monkeypatch, migrated, *first) == 0
    hashed = asyncio.run(_password_hash(migrated, "ops@acme.example"))
    second = ("createadmin", "--email", "ops@acme.example", "--password", "other-pass", "--portal", "globex")
    assert coursegraph(monkeypatch, migrated, *second) == 0
    query = "{ viewer { email memberships { role portal { slug } } } }"
    memberships = {
        (m["portal"]["slug"], m["role"])
        for slug in ("acme", "globex")
        for m in graphql(migrated, query, portal=slug, account=("ops@acme.example", "s3cret-pass"))["viewer"][
            "memberships"
        ]
    }
    assert memberships == {("acme", "ADMIN"), ("globex", "ADMIN")}
    assert asyncio.run(_password_hash(migrated, "ops@acme.example")) == hashed  # the account keeps its password


def test_createadmin_makes_an_existing_learner_an_admin(demo_copy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    query = '{ portal(slug: "northwind") { users(first: 2, role: LEARNER) { nodes { email } } } }'
    email = as_demo_admins(demo_copy, query)[0]["portal"]["users"]["nodes"][1][
        "email"
    ]  # [0] is learner@, who has a password
    args = ("createadmin", "--email", email, "--password", "s3cret-pass", "--portal", "northwind")
    assert coursegraph(monkeypatch, demo_copy, *args) == 0
    member = graphql(demo_copy, "{ viewer { memberships { role } } }", account=(email, "s3cret-pass"))
    assert member["viewer"] == {"memberships": [{"role": "ADMIN"}]}


def test_createadmin_refuses_a_short_password_and_writes_nothing(
    migrated: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("createadmin", "--email", "ops@acme.example", "--password", "short", "--portal", "acme")
    assert coursegraph(monkeypatch, migrated, *args) != 0
    err = capsys.readouterr().err
    assert "at least 8 characters" in err and len(err.strip().splitlines()) == 1
    assert set(row_counts(migrated).values()) == {0}


def test_createadmin_on_an_unmigrated_database_says_to_migrate(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("createadmin", "--email", "ops@acme.example", "--password", "s3cret-pass", "--portal", "acme")
    assert coursegraph(monkeypatch, sqlite_url(tmp_path / "empty.db"), *args) == 1
    err = capsys.readouterr().err
    assert "coursegraph migrate" in err and "Traceback" not in err


def test_an_unreachable_database_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert coursegraph(monkeypatch, "postgresql+asyncpg://postgres@127.0.0.1:9/nowhere", "migrate") == 1
    err = capsys.readouterr().err
    assert err.startswith("coursegraph migrate: Cannot use the database") and len(err.strip().splitlines()) == 1


def test_demo_loads_on_postgresql_too(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async def empty() -> None:
        engine = create_engine(Settings(database_url=postgres_url))
        await databases.empty_tables(engine)
        await engine.dispose()

    asyncio.run(empty())
    try:
        assert coursegraph(monkeypatch, postgres_url, "demo") == 0
        loaded = row_counts(postgres_url)
        assert coursegraph(monkeypatch, postgres_url, "demo") == 0
        assert row_counts(postgres_url) == loaded
        assert loaded["portal"] == 9
        courses = demo_courses(postgres_url, "status")
        assert {m["kind"] for c in courses for m in c["modules"]} == {kind.name for kind in ModuleKind}
    finally:
        asyncio.run(empty())  # the worker's database is shared with the tests that follow


def test_a_demo_learner_takes_a_demo_quiz(demo_copy: str) -> None:
    """Every demo quiz has questions (one of each type), so a newcomer can start and submit one."""
    account = ("learner@northwind.example", DEMO_PASSWORD)
    mine = """{ viewer { enrollments(first: 50) { nodes { course { title modules {
                 id kind ... on QuizModule { questions { type } } } } } } } }"""
    enrollments = graphql(demo_copy, mine, account=account)["viewer"]["enrollments"]["nodes"]
    quizzes = [m for e in enrollments for m in e["course"]["modules"] if m["kind"] == "QUIZ"]
    assert quizzes and all(len(quiz["questions"]) == 4 for quiz in quizzes)
    assert {q["type"] for q in quizzes[0]["questions"]} == {
        "MULTIPLE_CHOICE", "MULTIPLE_CORRECT", "SHORT_ANSWERS", "MATCH_ANSWERS"}  # fmt: skip
    start = 'mutation { quizAttemptStart(input: {moduleId: "%s"}) { attempt { id } errors { code } } }'
    started = graphql(demo_copy, start % quizzes[0]["id"], account=account)
    assert started["quizAttemptStart"]["errors"] == []
    submit = """mutation { quizAttemptSubmit(input: {attemptId: "%s", answers: []}) {
                  attempt { score passed } errors { code } } }"""
    submitted = graphql(demo_copy, submit % started["quizAttemptStart"]["attempt"]["id"], account=account)
    assert submitted["quizAttemptSubmit"] == {"attempt": {"score": 0.0, "passed": False}, "errors": []}
