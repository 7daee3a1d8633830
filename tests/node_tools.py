"""The node tools the suite runs, each folder pinned by its package.json and lock file and installed
from them by `npm ci`: tests/audit (graphql-http's audit, graphql-inspector's diff), tests/clients
(the Apollo Client guide)."""

import shutil
import subprocess
from pathlib import Path

import pytest

NODE_TOOLS = Path(__file__).parent / "audit"


def install_node_tools(folder: Path = NODE_TOOLS) -> None:
    """`npm ci` in `folder` from its lock file, once per lock file (its copy in node_modules marks it done).
    Tests that call it share the xdist group `node-tools`, so no two run it in one folder at once."""
    installed = folder / "node_modules" / ".coursegraph-installed"
    lock = folder / "package-lock.json"
    if installed.exists() and installed.read_text() == lock.read_text():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("The suite's node tools need node and npm (node 20): install them.")
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=folder, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"npm ci in {folder.relative_to(Path(__file__).parents[1])} failed:\n{done.stdout}\n{done.stderr}")
    shutil.copyfile(lock, installed)
