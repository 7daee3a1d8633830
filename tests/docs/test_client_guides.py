"""The client guides (docs/clients/*.md): every code block in them, run against the real app with real data.

- ```graphql: one named operation each, sent as the guide's caller with the guide's variables
  (CALLS) through the `api` fixture; it answers without errors, what CHECKS says, and the shape of
  the ```json block right after it (every key that block shows is there; its lists are not empty).
- ```sh: run as written by bash (curl, jq) in a folder holding each graphql block as <Name>.graphql,
  against the app served by uvicorn on a loopback port; checked by SH_CHECKS, keyed by the block's
  first line (a comment saying what it does), and by the shape of the ```json block after it.
- ```js (apollo.md): the blocks in order are one ES module, which real Apollo Client runs (node,
  tests/clients) through tests/clients/run_guide.mjs.
- ```text: what to install or export, or what a terminal shows: read, not run.
`test_every_code_block_of_the_guides_is_run` fails on a block none of these covers.
"""

import asyncio
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from graph.app import create_app
from graph.ids import global_id
from models.courses import Course, CourseStatus
from models.modules import ModuleKind
from models.settings import Settings
from models.users import Role, User
from resolvers.users import hash_password
from tests.conftest import Api, FrozenClock, listening
from tests.factories import gid, make_course, make_module, make_portal, make_section, make_user
from tests.graph.grades.school import A_TEMPLATE
from tests.node_tools import install_debian, install_node_tools

GUIDES = Path(__file__).parents[2] / "docs" / "clients"
CLIENTS = Path(__file__).parents[1] / "clients"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
OPERATION = re.compile(r"^(?:query|mutation|subscription)\s+(\w+)", re.MULTILINE)
PASSWORD = "correct horse battery staple"
MISSING_USER = global_id("User", UUID(int=0))
ELECTIVES = 50  # more published courses than a partner's page of 50


@dataclass(frozen=True, slots=True)
class Block:
    language: str
    text: str


def code_blocks(guide: str) -> list[Block]:
    return [Block(language, text) for language, text in FENCE.findall((GUIDES / guide).read_text())]


def operation_name(block: Block) -> str:
    found = OPERATION.search(block.text)
    assert found, f"A graphql block of the guides has no named operation:\n{block.text}"
    return found.group(1)


def first_line(block: Block) -> str:
    return block.text.splitlines()[0]


def sample_after(blocks: list[Block], index: int) -> Any:
    """The answer the guide shows right after a block, if any."""
    following = blocks[index + 1] if index + 1 < len(blocks) else None
    return json.loads(following.text) if following and following.language == "json" else None


def assert_shaped_like(actual: Any, sample: Any, path: str = "") -> None:
    """Every key the sample shows is in the answer, at the same place; a list the sample fills
    is not empty, and its first item has the sample's shape. Values differ (ids, times)."""
    if isinstance(sample, dict):
        assert isinstance(actual, dict), f"{path or 'the answer'} is {actual!r}, the guide shows an object"
        for key, value in sample.items():
            assert key in actual, f"{path}.{key} is missing from {actual!r}"
            assert_shaped_like(actual[key], value, f"{path}.{key}")
    elif isinstance(sample, list) and sample:
        assert isinstance(actual, list) and actual, f"{path} is {actual!r}, the guide shows a list of items"
        assert_shaped_like(actual[0], sample[0], f"{path}[0]")


@dataclass(slots=True)
class Academy:
    """The portal `northwind` of the guides: an admin, a learner enrolled in two courses (one with
    a module done, a certificate, a file assignment and a live session ahead), 53 published courses."""

    admin: User
    learner: User
    food: Course
    forklift: Course
    published: list[str]


async def mutate(api: Api, name: str, input_type: str, fields: str, command: dict[str, Any]) -> dict[str, Any]:
    """Seeding through the API as its callers would: the mutation's payload, which has no errors."""
    query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {fields} errors {{ code }} }} }}"
    payload = (await api.data(query, {"input": command}))[name]
    assert payload["errors"] == [], payload
    return payload


@pytest.fixture
async def academy(api: Api, session: AsyncSession, clock: FrozenClock) -> Academy:
    northwind = await make_portal(session, slug="northwind", name="Northwind", time_zone="Europe/London")
    admin, learner = [
        await make_user(
            session, northwind, role=role, email=f"{role.value.lower()}@northwind.example",
            full_name=f"Northwind {role.value.title()}", password_hash=hash_password(PASSWORD),
        )
        for role in (Role.ADMIN, Role.LEARNER)
    ]  # fmt: skip
    courses = {}
    for title, lessons in (("Food safety", 3), ("Forklift operation", 3), ("Customer service", 1)):
        course = courses[title] = await make_course(session, northwind, title=title, status=CourseStatus.PUBLISHED)
        section = await make_section(session, course, title="Basics")
        for position in range(lessons):
            await make_module(session, course, section_id=section.id, position=position, title=f"Lesson {position + 1}")
    food, forklift = courses["Food safety"], courses["Forklift operation"]
    practice = await make_section(session, food, title="Practice")
    details = {"submission_type": "file", "allowed_file_types": ["pdf"], "max_upload_size_mb": 1}
    await make_module(session, food, kind=ModuleKind.ASSIGNMENT, section_id=practice.id, position=9, details=details)
    electives = [f"Elective {n:02}" for n in range(ELECTIVES)]
    for title in electives:
        await make_course(session, northwind, title=title, status=CourseStatus.PUBLISHED)
    await make_course(session, northwind, title="Draft course")

    as_admin, as_learner = api.acting_in("northwind"), api.signed_in(learner, "northwind")
    enrolled = {}
    for course in (forklift, food):  # the food course last: the dashboard's newest enrollment
        clock.advance(minutes=1)
        command = {"courseId": gid(course), "userIds": [gid(learner)]}
        answer = await mutate(as_admin, "enrollmentCreate", "EnrollmentCreateInput", "enrollments { id }", command)
        enrolled[course.id] = answer["enrollments"][0]["id"]
    modules = await as_learner.data("query($id: ID!) { course(id: $id) { modules { id } } }", {"id": gid(food)})
    command = {"enrollmentId": enrolled[food.id], "moduleId": modules["course"]["modules"][0]["id"]}
    await mutate(as_learner, "moduleComplete", "ModuleCompleteInput", "", command)
    template = await mutate(
        as_admin,
        "certificateTemplateCreate",
        "CertificateTemplateCreateInput",
        "certificateTemplate { id }",
        A_TEMPLATE,
    )
    command = {"courseId": gid(food), "certificateTemplateId": template["certificateTemplate"]["id"]}
    await mutate(as_admin, "courseUpdate", "CourseUpdateInput", "", command)
    await mutate(
        as_admin, "enrollmentAssignCertificate", "EnrollmentIdsInput", "", {"enrollmentIds": [enrolled[food.id]]}
    )
    starts = (clock.now + timedelta(days=1)).isoformat()
    command = {
        "courseId": gid(food),
        "title": "Live Q&A",
        "startsAt": starts,
        "hostId": gid(admin),
    }  # a key names the host
    live = await mutate(as_admin, "liveSessionCreate", "LiveSessionCreateInput", "liveSession { id }", command)
    command = {"liveSessionId": live["liveSession"]["id"], "userIds": [gid(learner)]}
    await mutate(as_admin, "liveSessionParticipantAdd", "LiveSessionParticipantsInput", "", command)
    titles = sorted(["Food safety", "Forklift operation", "Customer service", *electives])
    return Academy(admin, learner, food, forklift, titles)


@dataclass(slots=True)
class Run:
    """One guide's run: what its operations answered, by operation name, for the next ones."""

    api: Api
    academy: Academy
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    costs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def partner(self) -> Api:
        return self.api.with_bearer(self.answers["CreatePartnerKey"]["apiKeyCreate"]["secret"])

    def learner(self) -> Api:
        return self.api.with_bearer(self.answers["Refresh"]["tokenRefresh"]["accessToken"], "northwind")


# The caller and variables of each graphql block of the guides, as the guide describes them.
CALLS: dict[str, Callable[[Run], tuple[Api, dict[str, Any]]]] = {
    "SignIn": lambda run: (
        run.api.anonymous("northwind"),
        {"email": "learner@northwind.example", "password": PASSWORD},
    ),
    "Refresh": lambda run: (
        run.api.anonymous("northwind"),
        {"refreshToken": run.answers["SignIn"]["tokenCreate"]["refreshToken"]},
    ),
    "LearnerDashboard": lambda run: (run.learner(), {}),
    "CreatePartnerKey": lambda run: (run.api.signed_in(run.academy.admin, "northwind"), {}),
    "Courses": lambda run: (run.partner(), {"first": 2}),
    "AddLearner": lambda run: (run.partner(), {"email": "alan@acme.example", "fullName": "Alan Turing"}),
    "Enrol": lambda run: (
        run.partner(),
        {
            "courseId": gid(run.academy.forklift),
            "userIds": [run.answers["AddLearner"]["userCreate"]["user"]["id"], MISSING_USER],
        },
    ),
}


def signed_in(data: dict[str, Any], run: Run) -> None:
    assert data["tokenCreate"]["errors"] == []
    assert data["tokenCreate"]["user"]["fullName"] == "Northwind Learner"


def refreshed(data: dict[str, Any], run: Run) -> None:
    assert data["tokenRefresh"]["errors"] == []
    assert data["tokenRefresh"]["refreshToken"] != run.answers["SignIn"]["tokenCreate"]["refreshToken"]


def dashboard(data: dict[str, Any], run: Run) -> None:
    """The whole home screen in one answer: both enrollments with their course and module rows,
    the progress made, the certificate and the live session ahead."""
    viewer = data["viewer"]
    assert viewer["memberships"][0]["portal"]["timeZone"] == "Europe/London"
    enrollments = [edge["node"] for edge in viewer["enrollments"]["edges"]]
    assert [node["course"]["title"] for node in enrollments] == ["Food safety", "Forklift operation"]
    food, forklift = enrollments
    assert food["progress"]["display"] == "1/4" and forklift["progress"]["display"] == "0/3"
    assert [row["module"]["kind"] for row in food["moduleProgress"]] == ["TEXT"] * 3 + ["ASSIGNMENT"]
    assert [row["status"] for row in food["moduleProgress"]][:2] == ["COMPLETED", "NOT_STARTED"]
    assert food["certificate"]["code"] and forklift["certificate"] is None
    assert viewer["certificates"]["totalCount"] == 1
    assert viewer["enrollments"]["pageInfo"]["hasNextPage"] is False
    [session] = data["liveSessions"]["nodes"]
    assert session["title"] == "Live Q&A" and session["joinUrl"] and session["course"]["title"] == "Food safety"
    assert run.costs["LearnerDashboard"]["requestedQueryCost"] == 20 + 10 + 5 + 1  # as the guide counts


def key_created(data: dict[str, Any], run: Run) -> None:
    created = data["apiKeyCreate"]
    assert created["errors"] == [] and created["apiKey"]["role"] == "ADMIN"
    assert created["secret"].startswith(created["apiKey"]["prefix"])


def first_courses(data: dict[str, Any], run: Run) -> None:
    courses = data["courses"]
    assert courses["totalCount"] == len(run.academy.published)
    assert [edge["node"]["title"] for edge in courses["edges"]] == run.academy.published[:2]
    assert courses["pageInfo"]["hasNextPage"] is True


def learner_added(data: dict[str, Any], run: Run) -> None:
    assert data["userCreate"]["errors"] == [] and data["userCreate"]["user"]["email"] == "alan@acme.example"


def enrolled_but_one(data: dict[str, Any], run: Run) -> None:
    payload = data["enrollmentCreate"]
    assert [enrollment["user"]["email"] for enrollment in payload["enrollments"]] == ["alan@acme.example"]
    assert [(error["field"], error["code"]) for error in payload["errors"]] == [(["userIds", "1"], "NOT_FOUND")]


CHECKS: dict[str, Callable[[dict[str, Any], Run], None]] = {
    "SignIn": signed_in,
    "Refresh": refreshed,
    "LearnerDashboard": dashboard,
    "CreatePartnerKey": key_created,
    "Courses": first_courses,
    "AddLearner": learner_added,
    "Enrol": enrolled_but_one,
}


async def run_graphql_blocks(guide: str, run: Run) -> None:
    blocks = code_blocks(guide)
    for index, block in enumerate(blocks):
        if block.language != "graphql":
            continue
        name = operation_name(block)
        caller, variables = CALLS[name](run)
        body = (await caller.post(block.text, variables)).json()
        assert "errors" not in body, (name, body["errors"])
        run.answers[name], run.costs[name] = body["data"], body["extensions"]["cost"]
        CHECKS[name](body["data"], run)
        sample = sample_after(blocks, index)
        if sample is not None:
            assert_shaped_like(body if "data" in sample else body["data"], sample)


def parsed(output: str) -> Any:
    """What an sh block printed: one JSON document, or one per line."""
    try:
        return json.loads(output)
    except json.JSONDecodeError:
        return [json.loads(line) for line in output.splitlines()]


def persisted_miss(printed: Any, run: Run) -> None:
    assert [error["extensions"]["code"] for error in printed["errors"]] == ["PERSISTED_QUERY_NOT_FOUND"]


def dashboard_by_hash(printed: Any, run: Run) -> None:
    """Registered or run by its hash, the dashboard answers what the query gave."""
    assert printed["data"] == run.answers["LearnerDashboard"]


def every_course(printed: Any, run: Run) -> None:
    assert [course["title"] for course in printed] == run.academy.published


def grace_added(printed: Any, run: Run) -> None:
    assert printed["data"]["userCreate"]["errors"] == []
    run.answers["grace"] = printed["data"]["userCreate"]["user"]


def grace_enrolled(printed: Any, run: Run) -> None:
    payload = printed["data"]["enrollmentCreate"]
    assert [enrollment["user"]["email"] for enrollment in payload["enrollments"]] == ["grace@acme.example"]
    assert [(error["field"], error["code"]) for error in payload["errors"]] == [(["userIds", "1"], "NOT_FOUND")]


def cost_reported(printed: Any, run: Run) -> None:
    assert printed["requestedQueryCost"] == 51 and printed["maximumQueryCost"] == 50000
    assert 0 < printed["throttleStatus"]["currentlyAvailable"] < printed["throttleStatus"]["maximumAvailable"]


def refused_for_now(printed: str, run: Run) -> None:
    """Run after one request used the whole budget of 1 a minute: 429, Retry-After, RATE_LIMITED."""
    head, _, body = printed.replace("\r\n", "\n").partition("\n\n")
    assert head.splitlines()[0].startswith("HTTP/1.1 429"), head
    assert re.search(r"^retry-after: \d+$", head, re.MULTILINE | re.IGNORECASE), head
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


RATE_LIMITED = "# A request refused by the rate limit: status, Retry-After and the error"
SH_CHECKS: dict[str, Callable[[Any, Run], None]] = {
    "# The dashboard by hash: unknown to the server the first time": persisted_miss,
    "# Register the dashboard: its text and hash, once": dashboard_by_hash,
    "# The dashboard by hash, once registered": dashboard_by_hash,
    "# Every published course, 50 a page": every_course,
    "# Add a learner to the portal": grace_added,
    "# Enrol two people, one of whom does not exist": grace_enrolled,
    "# What the last request cost, and what is left": cost_reported,
    RATE_LIMITED: refused_for_now,
}


async def run_shell(block: Block, folder: Path, env: dict[str, str]) -> str:
    for tool in ("curl", "jq"):
        install_debian(tool, tool)
    shell = await asyncio.create_subprocess_exec(
        "bash", "-euo", "pipefail", "-c", block.text, cwd=folder, env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        output, errors = await asyncio.wait_for(shell.communicate(), timeout=60)
    finally:
        if shell.returncode is None:
            shell.kill()
            await shell.wait()
    assert shell.returncode == 0, f"{first_line(block)} failed:\n{errors.decode()}"
    return output.decode()


async def run_sh_blocks(
    guide: str,
    run: Run,
    folder: Path,
    env: Callable[[], dict[str, str]],
    limited: str | None = None,
    new_window: Callable[[], None] = lambda: None,
) -> None:
    """Each block in the guide's order, its operations beside it as files; the rate-limit block
    against `limited`, a service whose budget is one request a minute, twice, in a new window
    (`new_window`: the services share their counts, as workers do)."""
    blocks = code_blocks(guide)
    for block in blocks:
        if block.language == "graphql":
            (folder / f"{operation_name(block)}.graphql").write_text(block.text)
    for index, block in enumerate(blocks):
        if block.language != "sh":
            continue
        if first_line(block) == RATE_LIMITED and limited is not None:
            context = {**env(), "COURSEGRAPH_URL": limited}
            new_window()
            assert (await run_shell(block, folder, context)).startswith("HTTP/1.1 200")
            SH_CHECKS[first_line(block)](await run_shell(block, folder, context), run)
            continue
        printed = parsed(await run_shell(block, folder, env()))
        SH_CHECKS[first_line(block)](printed, run)
        sample = sample_after(blocks, index)
        if sample is not None:
            for item in printed if isinstance(printed, list) else [printed]:
                assert_shaped_like(item, sample)


async def test_the_mobile_guide_runs_as_written(api: Api, app: Any, academy: Academy, tmp_path: Path) -> None:
    run = Run(api, academy)
    await run_graphql_blocks("mobile.md", run)
    async with listening(app) as base:

        def env() -> dict[str, str]:
            return {
                "COURSEGRAPH_URL": f"{base}/graphql",
                "ACCESS_TOKEN": run.answers["Refresh"]["tokenRefresh"]["accessToken"],
            }

        await run_sh_blocks("mobile.md", run, tmp_path, env)


async def test_the_partner_guide_runs_as_written(
    api: Api, app: Any, academy: Academy, settings: Settings, engine: AsyncEngine, clock: FrozenClock, tmp_path: Path
) -> None:
    run = Run(api, academy)
    await run_graphql_blocks("partners.md", run)
    strict = create_app(settings.model_copy(update={"rate_limit_per_credential": 1}), engine=engine, clock=clock)
    async with listening(app) as base, LifespanManager(strict), listening(strict) as limited:

        def env() -> dict[str, str]:
            grace = run.answers.get("grace", {"id": ""})["id"]
            key = run.answers["CreatePartnerKey"]["apiKeyCreate"]["secret"]
            return {
                "COURSEGRAPH_URL": f"{base}/graphql",
                "COURSEGRAPH_KEY": key,
                "COURSE_ID": gid(academy.food),
                "USER_ID": grace,
            }

        await run_sh_blocks(
            "partners.md",
            run,
            tmp_path,
            env,
            limited=f"{limited}/graphql",
            new_window=lambda: clock.advance(seconds=60),
        )


@pytest.mark.xdist_group("node-tools")  # one worker installs them: no two `npm ci` in one folder
async def test_the_apollo_guide_runs_in_apollo_client(app: Any, academy: Academy, tmp_path: Path) -> None:
    """The guide's module, pointed at the served app, as a learner: sign-in, every catalog page
    by fetchMore into one cached list, a refresh after a dead token, completions seen by the
    subscription, a refused completion, an upload, and the cost; queries by hash over GET."""
    install_node_tools(CLIENTS)
    code = "\n".join(block.text for block in code_blocks("apollo.md") if block.language == "js")
    (tmp_path / "node_modules").symlink_to(CLIENTS / "node_modules")
    async with listening(app) as base:
        module = code.replace("https://academy.example.com", base).replace("wss://academy.example.com", "ws" + base[4:])
        exported = "client, session, signIn, loadCatalog, MY_COURSES, completeModule, watchProgress, submitAssignment"
        (tmp_path / "client.mjs").write_text(f"{module}\nexport {{ {exported}, pacing, shouldPause, ws }};\n")
        node = await asyncio.create_subprocess_exec(
            "node", str(CLIENTS / "run_guide.mjs"), str(tmp_path / "client.mjs"), "learner@northwind.example", PASSWORD,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            output, errors = await asyncio.wait_for(node.communicate(), timeout=120)
        finally:
            if node.returncode is None:
                node.kill()
                await node.wait()
    assert node.returncode == 0, errors.decode()
    report = json.loads(output)
    assert [error["code"] for error in report["wrongPassword"]] == ["INVALID_CREDENTIALS"] and report["signIn"] == []

    catalog = report["catalog"]
    assert [edge["node"]["title"] for edge in catalog["edges"]] == academy.published
    assert catalog["totalCount"] == len(academy.published) and catalog["pageInfo"]["hasNextPage"] is False
    pages = [r for r in report["requests"] if r["operation"] == "Catalog"]
    assert [(r["method"], r["withText"], r["status"]) for r in pages[:2]] == [("GET", False, 400), ("POST", True, 200)]
    assert {(r["method"], r["withText"], r["status"]) for r in pages[2:]} == {("GET", False, 200)}  # by hash
    assert len(pages) == 2 + len(academy.published) // 2

    assert report["refreshed"] is True
    assert [node["course"]["title"] for node in report["myCourses"]] == ["Forklift operation", "Food safety"]
    assert report["updates"], "the subscription saw no completion"
    last = report["completions"][-1]["enrollment"]
    assert report["updates"][-1]["id"] == last["id"] and report["cachedAfterUpdates"]["progress"] == last["progress"]
    assert last["progress"]["completed"] == len(report["completions"])

    assert [(e["field"], e["code"]) for e in report["refused"]["errors"]] == [(["moduleId"], "NOT_FOUND")]
    upload = report["upload"]
    assert upload["errors"] == [] and [file["name"] for file in upload["submission"]["files"]] == ["plan.pdf"]
    assert sum(r["multipart"] for r in report["requests"]) == 1
    assert report["cost"]["maximumQueryCost"] == 50000 and report["shouldPause"] is False


def test_every_code_block_of_the_guides_is_run() -> None:
    """A new example must come with its run: a graphql block with its caller and checks, an sh
    block with its checks; json follows something run (it is that answer's shape); js is apollo.md's."""
    guides = sorted(path.name for path in GUIDES.glob("*.md"))
    assert guides == ["apollo.md", "mobile.md", "partners.md"]
    for guide in guides:
        blocks = code_blocks(guide)
        for index, block in enumerate(blocks):
            where = f"{guide}: ```{block.language} block {index + 1}"
            if block.language == "graphql":
                assert operation_name(block) in CALLS.keys() & CHECKS.keys(), f"{where} is run by no test"
            elif block.language == "sh":
                assert first_line(block) in SH_CHECKS, f"{where} is run by no test"
            elif block.language == "json":
                assert index > 0 and blocks[index - 1].language in {"graphql", "sh"}, f"{where} shows no answer"
            else:
                assert (block.language, guide) in {
                    ("js", "apollo.md"),
                    ("text", "apollo.md"),
                    ("text", "partners.md"),
                }, where
