"""GraphiQL in a real browser: Debian's chromium, driven by playwright-core (tests/browser/), against
the real app serving the demo academy on a loopback port, as a newcomer meets it.

Both come from the project's own files: chromium through apt-get when it is missing, playwright-core
by `npm ci` from tests/browser's lock file; a machine that cannot install them fails the test.
Screenshots go to test-artifacts/.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from graph.app import create_app
from graph.cli import main
from graph.enrollments.subscriptions import progress_topic
from graph.events import Broker
from graph.graphiql import AUTHORIZATION_EXAMPLE, DEFAULT_HEADERS
from graph.ids import parse_global_id
from models.settings import Settings
from tests.conftest import ARTIFACTS, listening
from tests.node_tools import BROWSER_TOOLS, install_debian, install_node_tools

REPLY_SECONDS = 60  # one command: the driver's own waits are 15 s each
SUBSCRIBED_SECONDS = 15
FIRST_ENROLLMENT = "query($c: ID!) { node(id: $c) { ... on Course { enrollments(first: 1) { nodes { id } } } } }"
FAILURE = "graphiql-failure.png"  # in test-artifacts/, where the driver also leaves it
RESET = "mutation($i: EnrollmentIdsInput!) { enrollmentResetProgress(input: $i) { errors { code } } }"


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The demo academy as a newcomer loads it (`coursegraph demo`), in a SQLite file."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["demo"]) == 0
    return Settings(database_url=url, upload_dir=str(tmp_path / "uploads"), webhook_worker=False)


class Driver:
    """tests/browser/graphiql.mjs: a command to GraphiQL in chromium, its reply (bounded)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def __call__(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(command).encode() + b"\n")
        await self.process.stdin.drain()
        line = await asyncio.wait_for(self.process.stdout.readline(), REPLY_SECONDS)
        if not line:
            raise AssertionError(f"the browser driver exited:\n{await self._stderr()}")
        reply: dict[str, Any] = json.loads(line)
        if "error" in reply:
            raise AssertionError(f"GraphiQL in chromium: {reply['error']} (see test-artifacts/{FAILURE})")
        return reply

    async def _stderr(self) -> str:
        assert self.process.stderr is not None
        return (await asyncio.wait_for(self.process.stderr.read(), REPLY_SECONDS)).decode()


@asynccontextmanager
async def driving(chromium: Path) -> AsyncIterator[Driver]:
    script = BROWSER_TOOLS / "graphiql.mjs"
    process = await asyncio.create_subprocess_exec(
        "node", str(script), str(chromium), str(ARTIFACTS),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        yield Driver(process)
    finally:
        assert process.stdin is not None
        process.stdin.close()  # the driver closes chromium and exits at the end of its input
        try:
            await asyncio.wait_for(process.wait(), REPLY_SECONDS)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def subscribed(events: Broker, topic: str) -> bool:
    """The subscription registers in the server's loop: yield to it until it has (bounded)."""
    deadline = time.monotonic() + SUBSCRIBED_SECONDS
    while not events.subscribers(topic):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0)
    return True


async def reset_first_enrollment(url: str, headers: dict[str, str], course: str) -> str:
    """The change the subscription should show: a mutation by the test, over HTTP."""
    async with httpx.AsyncClient(base_url=url, headers=headers) as http:
        found = (await http.post("/graphql", json={"query": FIRST_ENROLLMENT, "variables": {"c": course}})).json()
        [enrollment] = found["data"]["node"]["enrollments"]["nodes"]
        variables = {"i": {"enrollmentIds": [enrollment["id"]]}}
        reset = (await http.post("/graphql", json={"query": RESET, "variables": variables})).json()
    assert reset["data"]["enrollmentResetProgress"]["errors"] == [], reset
    return str(enrollment["id"])


@pytest.mark.xdist_group("node-tools")  # installs node tools, as the audit does: one worker at a time
async def test_graphiql_signs_in_shows_a_roster_and_streams_progress(demo: Settings) -> None:
    chromium = install_debian("chromium", "chromium")
    install_node_tools(BROWSER_TOOLS)
    ARTIFACTS.mkdir(exist_ok=True)
    app = create_app(demo)
    async with LifespanManager(app), listening(app) as url, driving(chromium) as browser:
        opened = await browser(open=f"{url}/graphql")
        assert json.loads(opened["headers"]) == DEFAULT_HEADERS
        assert json.loads(opened["headers"])["Authorization"] == AUTHORIZATION_EXAMPLE
        await browser(screenshot=str(ARTIFACTS / "graphiql-opened.png"))

        catalog = json.loads((await browser(run="Catalog"))["result"])  # the example header is not sent
        assert "errors" not in catalog and catalog["data"]["courses"]["nodes"], catalog

        signed_in = await browser(run="SignIn")
        token = json.loads(signed_in["result"])["data"]["tokenCreate"]["accessToken"]
        headers = json.loads(signed_in["headers"])
        assert headers == {"X-Portal": "northwind", "Authorization": f"Bearer {token}"}

        roster = json.loads((await browser(run="Roster"))["result"])
        assert "errors" not in roster, roster
        [course] = roster["data"]["courses"]["nodes"]
        titles = [module["title"] for module in course["modules"]]
        assert titles and course["enrollments"]["nodes"], course
        for enrollment in course["enrollments"]["nodes"]:
            assert [record["module"]["title"] for record in enrollment["moduleProgress"]] == titles
        await browser(screenshot=str(ARTIFACTS / "graphiql-roster.png"))

        variables = json.dumps({"courseId": course["id"]}, indent=2)
        assert json.loads((await browser(variables=variables))["variables"]) == {"courseId": course["id"]}
        await browser(start="ProgressUpdates")
        if not await subscribed(app.state.events, progress_topic(parse_global_id(course["id"])[1])):
            await browser(screenshot=str(ARTIFACTS / FAILURE))
            pytest.fail(f"GraphiQL's subscription never registered on the server: see test-artifacts/{FAILURE}")
        enrollment = await reset_first_enrollment(url, headers, course["id"])
        event = json.loads((await browser(next=True))["result"])
        assert event["data"]["enrollmentProgressUpdated"]["id"] == enrollment, event
        assert event["data"]["enrollmentProgressUpdated"]["progress"]["display"].startswith("0/"), event
        await browser(screenshot=str(ARTIFACTS / "graphiql-subscription.png"))
