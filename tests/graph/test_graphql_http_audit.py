"""GraphQL over HTTP compliance: graphql-http's `auditServer` (npm) against the live service.

The audit's pinned package comes from the project's own files (tests/audit/package.json and its
lock file, `npm ci`); it talks to the real app served by uvicorn on a loopback port. Its table goes
to test-artifacts/graphql-http-audit.txt and is printed at the end of the run.
"""

import asyncio
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.conftest import ARTIFACTS

AUDIT = Path(__file__).parents[1] / "audit"


def install_audit() -> None:
    """`npm ci` from the lock file, once per checkout (the lock file's copy marks it done)."""
    installed = AUDIT / "node_modules" / ".coursegraph-installed"
    if installed.exists() and installed.read_text() == (AUDIT / "package-lock.json").read_text():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("The GraphQL over HTTP audit needs node and npm (node 20): install them.")
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=AUDIT, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"npm ci in tests/audit failed:\n{done.stdout}\n{done.stderr}")
    shutil.copyfile(AUDIT / "package-lock.json", installed)


@pytest.mark.xdist_group("npm-audit")  # one worker installs and runs it: no two `npm ci` in one folder
async def test_the_service_passes_every_must_and_should_of_the_audit(app: Any) -> None:
    install_audit()
    listening = socket.create_server(("127.0.0.1", 0))  # connections wait in its backlog until uvicorn accepts
    port = listening.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[listening]))
    try:
        audit = await asyncio.create_subprocess_exec(
            "node", str(AUDIT / "audit.mjs"), f"http://127.0.0.1:{port}/graphql",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await asyncio.wait_for(audit.communicate(), timeout=120)
    finally:
        server.should_exit = True
        await serving
    table = output.decode()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "graphql-http-audit.txt").write_text(table)
    assert audit.returncode == 0, table
    assert "0 MUST or SHOULD checks failed" in table
