"""Clients build on the released schema: a change that breaks it fails the suite unless the field
was deprecated first (graphql-inspector's diff, tests/audit/breaking.mjs, against
schema.released.graphql; release by copying schema.graphql over it)."""

import subprocess
from pathlib import Path

import pytest

from tests.node_tools import NODE_TOOLS, install_node_tools

ROOT = Path(__file__).parents[1]
RELEASED = """type Query {
  \"\"\"A course title.\"\"\"
  title: String!
  old: String @deprecated(reason: "Use title.")
}
"""


def breaking(released: Path, current: Path) -> subprocess.CompletedProcess[str]:
    install_node_tools()
    command = ["node", str(NODE_TOOLS / "breaking.mjs"), str(released), str(current)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.xdist_group("node-tools")
def test_the_schema_keeps_everything_the_released_one_promised() -> None:
    checked = breaking(ROOT / "schema.released.graphql", ROOT / "schema.graphql")
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.xdist_group("node-tools")
def test_a_removed_field_breaks_and_a_deprecated_one_may_go(tmp_path: Path) -> None:
    released = tmp_path / "released.graphql"
    released.write_text(RELEASED)
    without_deprecated = tmp_path / "tidied.graphql"
    without_deprecated.write_text(RELEASED.replace('  old: String @deprecated(reason: "Use title.")\n', ""))
    assert breaking(released, without_deprecated).returncode == 0
    renamed = tmp_path / "renamed.graphql"
    renamed.write_text(RELEASED.replace("  title: String!", "  headline: String!"))
    refused = breaking(released, renamed)
    assert refused.returncode == 1
    assert "Field 'title' was removed from object type 'Query'" in refused.stdout
