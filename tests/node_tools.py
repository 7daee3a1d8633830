"""The node tools the suite runs (graphql-http's audit, graphql-inspector's diff,
graphql-schema-linter), pinned in tests/audit/package.json and its lock file and installed from
them by `npm ci`."""

import shutil
import subprocess
from pathlib import Path

import pytest

NODE_TOOLS = Path(__file__).parent / "audit"


def install_node_tools() -> None:
    """`npm ci` from the lock file, once per lock file (its copy in node_modules marks it done).
    Tests that call it share the xdist group `node-tools`, so no two run it in one folder at once."""
    installed = NODE_TOOLS / "node_modules" / ".coursegraph-installed"
    lock = NODE_TOOLS / "package-lock.json"
    if installed.exists() and installed.read_text() == lock.read_text():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("The suite's node tools need node and npm (node 20): install them.")
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_TOOLS, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"npm ci in tests/audit failed:\n{done.stdout}\n{done.stderr}")
    shutil.copyfile(lock, installed)
