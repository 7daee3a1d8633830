"""GraphQL over HTTP compliance: graphql-http's `auditServer` (npm) against the live service.

The audit's pinned package comes from the project's own files (tests/audit/, `npm ci`); it talks
to the real app served by uvicorn on a loopback port. Its table goes to
test-artifacts/graphql-http-audit.txt and is printed at the end of the run.
"""

import asyncio
from typing import Any

import pytest

from tests.conftest import ARTIFACTS, listening
from tests.node_tools import NODE_TOOLS, install_node_tools


@pytest.mark.xdist_group("node-tools")  # one worker installs them: no two `npm ci` in one folder
async def test_the_service_passes_every_must_and_should_of_the_audit(app: Any) -> None:
    install_node_tools()
    async with listening(app) as base:
        audit = await asyncio.create_subprocess_exec(
            "node", str(NODE_TOOLS / "audit.mjs"), f"{base}/graphql",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await asyncio.wait_for(audit.communicate(), timeout=120)
    table = output.decode()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "graphql-http-audit.txt").write_text(table)
    assert audit.returncode == 0, table
    assert "0 MUST or SHOULD checks failed" in table
