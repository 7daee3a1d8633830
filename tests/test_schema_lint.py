"""Client readiness of schema.graphql (issue 10): graphql-schema-linter with the committed rules
(tests/audit/.graphql-schema-linterrc: descriptions everywhere, Relay connections, deprecation
reasons, naming), and an identity for every object a normalized cache keeps on its own."""

import subprocess
from pathlib import Path

import pytest
from graphql import GraphQLObjectType

from graph.node import NODE_KINDS
from graph.schema import schema
from tests.node_tools import NODE_TOOLS, install_node_tools

SDL = Path(__file__).parents[1] / "schema.graphql"

# Object types without an `id`: values a cache keeps inside the object that holds them, never
# fetched or changed on their own (Apollo stores a type without `id` under its parent).
EMBEDDED = {
    "Money": "a value",
    "PageInfo": "a page's position (Relay)",
    "Progress": "computed from its enrollment",
    "Drip": "settings of its module",
    "Flashcard": "part of its module's details",
    "SurveyField": "part of its module's details",
    "AssignmentCriterion": "part of its module's rubric",
    "AssignmentCriterionScore": "part of its submission",
    "SubmissionFile": "part of its submission",
    "BillingAddress": "part of its order",
    "CertificateField": "part of its template",
    "QuizAnswer": "part of its attempt",
    "QuizMatch": "part of its answer",
    "SurveyAnswer": "part of its response",
    "LearningPathCourse": "a course's place in its path, read only through the path",
    "ClassroomSegment": "an append-only attendance record, read only as its session's or participant's list",
    "DiscussionEvaluation": "read only through its learner's record in the module",
    "ModuleProgress": "one learner's record in one module, blank (no row) until begun; read through its "
    "enrollment or a mutation's payload, which returns the enrollment too",
    "GradebookRow": "computed per enrollment (its `enrollment` is a Node)",
    "GradebookCell": "computed per enrollment and module",
    "ProductSales": "a computed report",
    "EnrollmentResults": "a computed report (seed 004)",
    "ResultAttempt": "part of a results report",
    "ResultObjective": "part of a results report",
    "ResultTerm": "part of a results report",
}
# The 004 results format binds these `id`s, the same for every learner: their descriptions tell
# caches to keep them embedded (`keyFields: false`), since `__typename` + `id` would merge learners.
SHARED_IDS = {"ResultPart", "ResultCriterion"}


def lint(sdl: Path) -> subprocess.CompletedProcess[str]:
    install_node_tools()
    command = [str(NODE_TOOLS / "node_modules" / ".bin" / "graphql-schema-linter"), "-c", str(NODE_TOOLS), str(sdl)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.xdist_group("node-tools")
def test_the_schema_passes_the_linter() -> None:
    checked = lint(SDL)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "0 errors detected" in checked.stdout


@pytest.mark.xdist_group("node-tools")
def test_one_missing_description_fails_the_linter(tmp_path: Path) -> None:
    described = '  """The course\'s title."""\n  title: String!\n'
    assert described in SDL.read_text()
    bare = tmp_path / "schema.graphql"
    bare.write_text(SDL.read_text().replace(described, "  title: String!\n", 1))
    refused = lint(bare)
    assert refused.returncode != 0
    assert "The field `Course.title` is missing a description." in refused.stdout
    assert "1 error detected" in refused.stdout


def test_every_object_a_cache_keeps_on_its_own_is_a_refetchable_node() -> None:
    """Entities implement Node (`id` + `__typename` key a normalized cache) and `node(id:)` finds
    each of them; anything else is a payload, a connection, an edge, an error or listed above."""
    types = schema._schema.type_map
    node = types["Node"]
    objects = {name: t for name, t in types.items() if isinstance(t, GraphQLObjectType) and not name.startswith("__")}
    plumbing = {"Query", "Mutation", "Subscription"}
    suffixes = ("Payload", "Connection", "Edge", "Error")
    nodes = {name for name, t in objects.items() if node in t.interfaces}
    others = {name for name in objects if name not in nodes | plumbing and not name.endswith(suffixes)}
    assert others == set(EMBEDDED) | SHARED_IDS
    assert {name for name in others if "id" in objects[name].fields} == SHARED_IDS
    for name in nodes:
        kinds = {name} | {interface.name for interface in objects[name].interfaces}
        assert kinds & set(NODE_KINDS), f"node(id:) cannot refetch a {name}"
