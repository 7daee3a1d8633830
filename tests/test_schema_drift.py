from pathlib import Path

from graph.schema import schema

SDL = Path(__file__).parents[1] / "schema.graphql"


def test_exported_sdl_matches_the_code() -> None:
    """Regenerate with: python -c "from graph.schema import schema; print(schema.as_str())" > schema.graphql"""
    assert SDL.read_text() == schema.as_str() + "\n"
