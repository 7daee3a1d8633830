"""The tools the suite runs outside Python, installed from the project's own files: node packages
pinned by a package.json and its lock file per folder (`npm ci`): graphql-http's audit,
graphql-inspector's diff and graphql-schema-linter in tests/audit, playwright-core in tests/browser, Apollo Client in
tests/clients (the SPA guide); and Debian's packages tests drive (chromium, curl, jq)."""

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_TOOLS = Path(__file__).parent / "audit"
BROWSER_TOOLS = Path(__file__).parent / "browser"
APT_SECONDS = 900


def install_node_tools(folder: Path = NODE_TOOLS) -> None:
    """`npm ci` from the folder's lock file, once per lock file (its copy in node_modules marks it
    done). Under a file lock: two xdist workers that need one folder at once install it once."""
    installed = folder / "node_modules" / ".coursegraph-installed"
    lock = folder / "package-lock.json"
    with (folder / ".install.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # released when the file closes
        if installed.exists() and installed.read_text() == lock.read_text():
            return
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("The suite's node tools need node and npm (node 20): install them.")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=folder, capture_output=True, text=True)
        if done.returncode != 0:
            pytest.fail(f"npm ci in {folder} failed:\n{done.stdout}\n{done.stderr}")
        shutil.copyfile(lock, installed)


def install_debian(package: str, command: str) -> Path:
    """`command`, from Debian's `package` installed with apt-get when it is missing (the suite runs
    as root in CI); the package lists are refreshed once if the first attempt fails. Never a skip: a
    machine that cannot install it fails the test, saying so."""
    found = shutil.which(command)
    if found is not None:
        return Path(found)
    apt = shutil.which("apt-get")
    if apt is None:
        pytest.fail(f"This test needs {command} (Debian's {package}), and there is no apt-get to install it.")
    install = [apt, "-o", "DPkg::Lock::Timeout=300", "install", "-y", "--no-install-recommends", package]
    quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    output = []
    for step in (install, [apt, "update"], install):
        done = subprocess.run(step, capture_output=True, text=True, env=quiet, timeout=APT_SECONDS)
        output.append(f"$ {' '.join(step)}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        found = shutil.which(command)
        if step is install and done.returncode == 0 and found is not None:
            return Path(found)
    log = "\n".join(output)
    pytest.fail(f"Could not install Debian's {package} (`apt-get install {package}`, as root):\n{log}")
