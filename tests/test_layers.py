"""Imports point down only: graph → resolvers → models."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
BANNED = {
    "models": ("strawberry", "starlette", "graph", "resolvers"),
    "resolvers": ("strawberry", "starlette", "graph"),
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    plain = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return plain | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}


@pytest.mark.parametrize("layer", BANNED)
def test_layer_only_imports_downward(layer: str) -> None:
    for path in (ROOT / layer).rglob("*.py"):
        assert not {m for m in imports_of(path) if m.split(".")[0] in BANNED[layer]}, path


def test_only_settings_read_the_environment() -> None:
    for layer in ("graph", "resolvers", "models"):
        for path in (ROOT / layer).rglob("*.py"):
            assert "os.environ" not in path.read_text() and "getenv" not in path.read_text(), path
