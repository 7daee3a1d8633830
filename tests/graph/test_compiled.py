"""The compiled read path answers exactly as the regular executor does.

Random selections over every compiled field (aliases, __typename, fragments, page arguments,
other portals' ids, bad ids) go to two apps on the same database: one compiling reads, one with
`compiled_reads` off. Every viewer kind asks: admins by key and by token, instructors, learners,
another portal's admin, anonymous visitors.
"""

import hashlib
import json
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from graphql import get_named_type
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from strawberry.http.async_base_view import AsyncBaseHTTPView

from graph import compiled
from graph.app import create_app
from graph.compiled.plan import GRAPHQL, plan
from graph.compiled.shapes import CONNECTION_FIELDS, PAGE_INFO_FIELDS, SHAPES, Connection, Lookup
from models.auth import ApiKey
from models.courses import CourseInstructor, CourseStatus
from models.enrollments import Enrollment, EnrollmentStatus, ModuleProgress, ModuleProgressStatus
from models.modules import ModuleKind
from models.portals import Portal
from models.settings import Settings
from models.users import Membership, Role, User
from tests.conftest import Api, FrozenClock
from tests.factories import gid, make_course, make_module, make_portal, make_user, saved

pytestmark = pytest.mark.postgres_only
QUERIES_PER_VIEWER = 40


async def build(session: AsyncSession, clock: FrozenClock) -> dict[str, Any]:
    """Two tenants (one with a sub-portal), every course status, module kinds, enrollment states."""
    acme = await make_portal(session, slug="acme", total_seats=40)
    branch = await make_portal(session, slug="acme-branch", parent=acme)
    globex = await make_portal(session, slug="globex")
    people: dict[str, Any] = {}
    for portal in (acme, branch, globex):
        for role in Role:
            people[f"{portal.slug}-{role.value}"] = await make_user(session, portal, role=role)
        people[f"{portal.slug}-learner2"] = await make_user(session, portal, avatar_url="https://img.test/a.png")
    courses = []
    for portal in (acme, branch, globex):
        for n, status in enumerate(CourseStatus):
            shared = portal is acme and status is CourseStatus.PUBLISHED
            course = await make_course(
                session, portal, title=f"{portal.slug} {status.value}", status=status, shared_with_sub_portals=shared
            )
            courses.append(course)
            made = [
                await make_module(session, course, kind=kind, position=position, is_required=position % 2 == 0)
                for position, kind in enumerate(list(ModuleKind)[n::3])
            ]
            await saved(
                session,
                CourseInstructor(
                    portal_id=portal.id, course_id=course.id, user_id=people[f"{portal.slug}-instructor"].id
                ),
            )
            for k, key in enumerate(("learner", "learner2", "instructor")):
                user = people[f"{portal.slug}-{key}"]
                enrollment = await saved(
                    session,
                    Enrollment(
                        portal_id=portal.id,
                        user_id=user.id,
                        course_id=course.id,
                        status=list(EnrollmentStatus)[(n + k) % 3],
                        enrolled_at=clock(),
                        starts_at=clock() + timedelta(days=3) if key == "learner2" and n == 0 else None,
                        revoked_at=clock() if key == "learner" and n == 2 else None,
                        grade=[None, 66.5, 72.6][k],  # rounded half to even: 66%, 73%
                        passed=[None, False, True][k],
                    ),
                )
                for m, module in enumerate(made[k:]):  # some records, in gradable modules and others
                    status = list(ModuleProgressStatus)[(m + k) % 4]
                    score = None if status is ModuleProgressStatus.NOT_STARTED else [66.5, 80.0, 0.0][m % 3]
                    await saved(
                        session,
                        ModuleProgress(
                            portal_id=portal.id, enrollment_id=enrollment.id, module_id=module.id, status=status,
                            score=score, passed=None if score is None else score >= 50,
                        ),
                    )  # fmt: skip
    return {"portals": [acme, branch, globex], "courses": courses, "people": people}


class Selections:
    """Random but valid selections over the compiled fields of each type."""

    def __init__(self, rng: random.Random, world: dict[str, Any]) -> None:
        self.rng = rng
        self.world = world

    def ids(self, type_name: str) -> list[str]:
        rows = {"Portal": self.world["portals"], "Course": self.world["courses"]}[type_name]
        return [gid(row) for row in rows] + [gid(self.world["courses"][0]) if type_name == "Portal" else "bm90LWFuLWlk"]

    def arguments(self, parent: str, name: str, kind: Any) -> str:
        if isinstance(kind, Lookup) and name in ("portal", "course"):
            if self.rng.random() < 0.2:
                slugs = ["acme", "globex", "nope"] if name == "portal" else ["nope"]
                return f'(slug: "{self.rng.choice(slugs)}")'
            return f'(id: "{self.rng.choice(self.ids(name.title()))}")'
        if not isinstance(kind, Connection):
            return ""
        given = []
        if self.rng.random() < 0.7:
            given.append(f"{self.rng.choice(['first', 'last'])}: {self.rng.choice([1, 2, 3, 50])}")
        if name == "enrollments" and self.rng.random() < 0.3:
            given.append(f"status: {self.rng.choice([s.name for s in EnrollmentStatus])}")
        if name == "gradebook" and self.rng.random() < 0.4:
            status = self.rng.choice(["", f"status: {self.rng.choice([s.name for s in EnrollmentStatus])}"])
            passed = self.rng.choice(["", "passed: true", "passed: false"])
            given.append(f"filter: {{ {status} {passed} }}")
        if self.rng.random() < 0.3:
            given.append(f"orderBy: {{ field: {self.order_field(parent, name)}, direction: DESC }}")
        return f"({', '.join(given)})" if given else ""

    def order_field(self, parent: str, name: str) -> str:
        argument = GRAPHQL.get_type(parent).fields[name].args["orderBy"]  # type: ignore[union-attr]
        field_enum = get_named_type(get_named_type(argument.type).fields["field"].type)  # type: ignore[union-attr]
        return self.rng.choice(list(field_enum.values))  # type: ignore[union-attr]

    def fields(self, type_name: str, depth: int) -> str:
        shape = SHAPES[type_name]
        names = [n for n, kind in shape.fields.items() if depth < 3 or not isinstance(kind, Connection)]
        if depth >= 4:
            names = [
                n
                for n in names
                if get_named_type(GRAPHQL.get_type(type_name).fields[n].type).name
                in ("String", "ID", "Int", "Boolean", "Float", *_ENUMS)
            ]  # type: ignore[union-attr]
        chosen = self.rng.sample(names, k=min(len(names), self.rng.randint(1, 4)))
        parts = ["__typename"] if self.rng.random() < 0.2 else []
        for n, name in enumerate(chosen):
            alias = f"a{n}: " if self.rng.random() < 0.15 else ""
            parts.append(
                alias + name + self.arguments(type_name, name, shape.fields[name]) + self.below(type_name, name, depth)
            )
        if self.rng.random() < 0.1:
            return f"... on {type_name} {{ {' '.join(parts)} }}"
        return " ".join(parts)

    def below(self, type_name: str, name: str, depth: int) -> str:
        returns = get_named_type(GRAPHQL.get_type(type_name).fields[name].type)  # type: ignore[union-attr]
        if returns.name.endswith("Connection"):
            node = get_named_type(returns.fields["nodes"].type).name  # type: ignore[attr-defined]
            own = sorted(SHAPES[returns.name].fields) if returns.name in SHAPES else []  # a gradebook's columns
            parts = self.rng.sample(sorted(CONNECTION_FIELDS) + own, k=self.rng.randint(1, 3 + len(own)))
            rendered = []
            for part in parts:
                if part == "nodes":
                    rendered.append(f"nodes {{ {self.fields(node, depth + 1)} }}")
                elif part == "pageInfo":
                    rendered.append(f"pageInfo {{ {' '.join(sorted(PAGE_INFO_FIELDS))} }}")
                elif part in own:
                    rendered.append(part + self.below(returns.name, part, depth + 1))
                else:
                    rendered.append(part)
            return " { " + " ".join(rendered) + " }"
        if returns.name in SHAPES:
            return f" {{ {self.fields(returns.name, depth + 1)} }}"
        return ""

    def query(self) -> str:
        return "{ " + self.fields("Query", 0) + " }"


_ENUMS = ("CourseStatus", "GradingRule", "DurationRule", "ModuleKind", "EnrollmentStatus", "ModuleProgressStatus")


def comparable(response: httpx.Response) -> Any:
    """The answer, but for the rate budget left: both apps count on one shared budget (as two
    workers do), so the second of two identical requests has one request less left."""
    body = response.json()
    cost = body.get("extensions", {}).get("cost")
    if cost is not None:
        cost.pop("throttleStatus", None)
    return body


@pytest.fixture
async def plain(settings: Settings, engine: AsyncEngine, clock: FrozenClock) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings.model_copy(update={"compiled_reads": False}), engine=engine, clock=clock)
    async with (
        LifespanManager(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://test") as client,
    ):
        yield client


VIEWERS = (
    "acme admin key",
    "acme admin",
    "acme instructor",
    "acme learner",
    "acme learner2 (no portal)",
    "branch admin key",
    "globex admin",
    "anonymous acme",
)


def viewer(api: Api, world: dict[str, Any], name: str) -> Api:
    people = world["people"]
    return {
        "acme admin key": lambda: api.acting_in("acme"),
        "acme admin": lambda: api.signed_in(people["acme-admin"], "acme"),
        "acme instructor": lambda: api.signed_in(people["acme-instructor"], "acme"),
        "acme learner": lambda: api.signed_in(people["acme-learner"], "acme"),
        "acme learner2 (no portal)": lambda: api.signed_in(people["acme-learner2"]),
        "branch admin key": lambda: api.acting_in("acme-branch"),
        "globex admin": lambda: api.signed_in(people["globex-admin"], "globex"),
        "anonymous acme": lambda: api.anonymous("acme"),
    }[name]()


EVERY_FIELD = """
  id title slug description status gradingRule durationRule durationDays sharedWithSubPortals
  portal { id name slug timeZone isActive totalSeats parent { slug } }
  modules { __typename id title kind position isRequired }
  enrollments(first: 50) {
    totalCount pageInfo { hasNextPage hasPreviousPage }
    nodes { id status grade passed user { id fullName email avatarUrl classroomUserId isActive } course { title } }
  }
  gradebook(first: 50) {
    totalCount pageInfo { hasNextPage hasPreviousPage } columns { __typename id title kind position }
    nodes {
      enrollment { id status user { fullName } } grade gradeDisplay passed
      cells { score status passed module { id title kind } }
    }
  }
"""


def every_field(world: dict[str, Any]) -> list[str]:
    """Each compiled field of each object, for the viewer at hand."""
    queries = [f'{{ course(id: "{gid(course)}") {{ {EVERY_FIELD} }} }}' for course in world["courses"]]
    queries += [
        f'{{ portal(id: "{gid(p)}") {{ courses(first: 50) {{ nodes {{ {EVERY_FIELD} }} }} }} }}'
        for p in world["portals"]
    ]
    queries.append(
        f"{{ viewer {{ id fullName email enrollments(first: 50) {{ nodes {{ course {{ {EVERY_FIELD} }} }} }} }} }}"
    )
    queries.append(f"{{ courses(first: 50) {{ totalCount nodes {{ {EVERY_FIELD} }} }} }}")
    return queries


@pytest.mark.parametrize("name", VIEWERS)
async def test_compiled_reads_answer_as_the_executor_does(
    api: Api, plain: httpx.AsyncClient, session: AsyncSession, clock: FrozenClock, name: str
) -> None:
    world = await build(session, clock)
    compiled = viewer(api, world, name)
    regular = viewer(Api(plain, api.credentials), world, name)
    rng = random.Random(f"{name}-7")
    compiled_count = 0
    for query in every_field(world) + [Selections(rng, world).query() for _ in range(QUERIES_PER_VIEWER)]:
        assert plan(query, None, 5_000) is not None, query
        got, expected = comparable(await compiled.post(query)), comparable(await regular.post(query))
        assert got == expected, (query, json.dumps(got)[:2000], json.dumps(expected)[:2000])
        compiled_count += "errors" not in got
    assert compiled_count >= QUERIES_PER_VIEWER // 2  # most queries are answered by the compiled path


TEMPLATED = """query($portal: ID!, $course: String!) {
  viewer { fullName email enrollments(first: 5) { totalCount nodes { status course { title } } } }
  portal(id: $portal) { name courses(first: 5) { nodes { title modules { title } } } }
  course(slug: $course) { title enrollments(first: 5) { nodes { user { email } } } }
}"""


async def test_a_template_built_for_one_actor_serves_another_with_their_own_values(
    api: Api, plain: httpx.AsyncClient, session: AsyncSession, clock: FrozenClock
) -> None:
    """Same query, same shape of actor, different people, portals and lookups: one template."""
    world = await build(session, clock)
    people, courses = world["people"], world["courses"]
    asked = [
        (people["acme-learner"], "acme", world["portals"][0], courses[1]),
        (people["globex-learner"], "globex", world["portals"][2], courses[7]),
        (people["acme-instructor"], "acme", world["portals"][0], courses[0]),
        (people["globex-instructor"], "globex", world["portals"][2], courses[6]),
    ]
    built = compiled.TEMPLATES.built
    answers = []
    for user, portal_slug, portal, course in asked:
        variables = {"portal": gid(portal), "course": course.slug}
        got = await api.signed_in(user, portal_slug).post(TEMPLATED, variables)
        expected = await Api(plain, api.credentials).signed_in(user, portal_slug).post(TEMPLATED, variables)
        assert comparable(got) == comparable(expected)
        answers.append(got.json()["data"])
    assert compiled.TEMPLATES.built - built == 2  # one per shape of actor: learner, instructor
    assert answers[0]["viewer"]["email"] != answers[1]["viewer"]["email"]
    assert answers[0]["portal"]["name"] != answers[1]["portal"]["name"]
    assert answers[0]["course"]["title"] != answers[1]["course"]["title"]


def _request_handling_refused(*_: Any, **__: Any) -> Any:
    raise AssertionError("a compiled read went through Strawberry's request handling")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"accept": "application/graphql-response+json"},
        {"accept": "application/json;q=0.5, application/graphql-response+json"},
        {"content-type": "application/json; charset=utf-8"},
    ],
)
async def test_a_posted_compiled_read_skips_the_views_request_handling_and_answers_alike(
    api: Api,
    plain: httpx.AsyncClient,
    session: AsyncSession,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
    headers: dict[str, str],
) -> None:
    """Status, media type and body (cost included) as the whole view gives them, which is what
    the app without compiled reads does; Strawberry's own parsing never runs for it."""
    world = await build(session, clock)
    query = every_field(world)[0]
    admin = api.acting_in("acme")
    regular = Api(plain, api.credentials).acting_in("acme")
    expected = await regular.post(query, **headers)
    with monkeypatch.context() as patched:
        patched.setattr(AsyncBaseHTTPView, "parse_http_body", _request_handling_refused)
        got = await admin.post(query, **headers)
    assert (got.status_code, got.headers["content-type"]) == (expected.status_code, expected.headers["content-type"])
    assert comparable(got) == comparable(expected)
    assert "errors" not in got.json() and got.json()["extensions"]["cost"]["requestedQueryCost"] > 0


async def test_a_persisted_compiled_read_skips_the_views_request_handling_too(
    api: Api, session: AsyncSession, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Registered with its text, then sent by hash alone: both answered on the short path."""
    world = await build(session, clock)
    query = every_field(world)[0]
    digest = hashlib.sha256(query.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    key = await api.credentials.api_key("acme")
    headers = {"Authorization": f"Bearer {key}", "X-Portal": "acme"}
    monkeypatch.setattr(AsyncBaseHTTPView, "parse_http_body", _request_handling_refused)
    registered = await api.http.post("/graphql", json={"query": query, "extensions": persisted}, headers=headers)
    by_hash = await api.http.post("/graphql", json={"extensions": persisted}, headers=headers)
    assert registered.status_code == by_hash.status_code == 200
    assert comparable(by_hash) == comparable(registered) and by_hash.json()["data"]["course"]["title"]


@pytest.mark.parametrize(
    "body",
    [
        {"query": "{ courses(first: 1) { nodes { title } } }", "variables": []},  # not an object
        {"query": "{ courses(first: 1) { nodes { title } } }", "operationName": 3},
        [{"query": "{ courses(first: 1) { nodes { title } } }"}],  # a batch
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},  # unknown hash
    ],
)
async def test_what_the_short_path_does_not_take_the_whole_view_answers(
    api: Api, plain: httpx.AsyncClient, body: Any
) -> None:
    key = await api.credentials.api_key("acme")
    headers = {"Authorization": f"Bearer {key}", "X-Portal": "acme"}
    got = await api.http.post("/graphql", json=body, headers=headers)
    expected = await plain.post("/graphql", json=body, headers=headers)
    assert got.status_code == expected.status_code
    assert comparable(got) == comparable(expected)


CATALOG_READ = "{ courses(first: 5) { totalCount nodes { title } } }"


async def test_a_known_caller_reads_in_one_statement(
    api: Api, session: AsyncSession, clock: FrozenClock, count_sql: Any
) -> None:
    """Who acts is checked inside the read itself once this process has seen the caller."""
    await build(session, clock)
    admin = api.acting_in("acme")
    first = await admin.data(CATALOG_READ)  # who acts, kept with its rows' digest; then the read
    with count_sql() as sql:
        again = await admin.data(CATALOG_READ)
    assert again == first and first["courses"]["totalCount"] > 0
    assert sql.count == 1, sql.statements


async def _changed(session: AsyncSession, statement: Any) -> None:
    """A change another worker (or an operator) makes between two requests."""
    await session.execute(statement)
    await session.commit()


async def test_a_known_api_key_revoked_or_its_portal_deactivated_is_refused_at_once(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    world = await build(session, clock)
    acme, globex = world["portals"][0], world["portals"][2]
    for portal, change in (
        ("acme", update(ApiKey).where(ApiKey.portal_id == acme.id).values(revoked_at=clock())),
        ("globex", update(Portal).where(Portal.id == globex.id).values(is_active=False)),
    ):
        admin = api.acting_in(portal)
        assert (await admin.data(CATALOG_READ))["courses"]["totalCount"] > 0
        await _changed(session, change)
        errors = await admin.errors(CATALOG_READ)
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED", errors


async def test_a_known_user_who_lost_their_membership_or_account_is_refused_at_once(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    world = await build(session, clock)
    acme_learner, globex_learner = world["people"]["acme-learner"], world["people"]["globex-learner"]
    for user, portal, change, code in (
        (acme_learner, "acme", delete(Membership).where(Membership.user_id == acme_learner.id), "FORBIDDEN"),
        (
            globex_learner,
            "globex",
            update(User).where(User.id == globex_learner.id).values(is_active=False),
            "UNAUTHENTICATED",
        ),
    ):
        learner = api.with_bearer(await api.credentials.token(user), portal)
        assert "courses" in await learner.data(CATALOG_READ)
        await _changed(session, change)
        errors = await learner.errors(CATALOG_READ)
        assert errors[0]["extensions"]["code"] == code, errors


ROSTERS = "{ courses(first: 5) { nodes { enrollments(first: 50) { totalCount } } } }"


async def test_a_known_users_role_change_shows_in_the_next_read(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    """A learner made admin sees every learner's enrollment, from the very next request."""
    world = await build(session, clock)
    user = world["people"]["acme-learner"]
    learner = api.with_bearer(await api.credentials.token(user), "acme")

    async def enrollments(caller: Api) -> int:
        return sum(node["enrollments"]["totalCount"] for node in (await caller.data(ROSTERS))["courses"]["nodes"])

    before = await enrollments(learner)
    await _changed(session, update(Membership).where(Membership.user_id == user.id).values(role=Role.ADMIN))
    assert before < await enrollments(learner) == await enrollments(api.acting_in("acme"))


async def test_a_known_users_access_token_still_expires(api: Api, session: AsyncSession, clock: FrozenClock) -> None:
    world = await build(session, clock)
    learner = api.with_bearer(await api.credentials.token(world["people"]["acme-learner"]), "acme")
    assert "courses" in await learner.data(CATALOG_READ)
    clock.advance(seconds=api.credentials.settings.access_token_ttl_seconds + 1)
    errors = await learner.errors(CATALOG_READ)
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED" and "expired" in errors[0]["message"], errors


async def test_one_token_in_two_portals_is_two_callers(api: Api, session: AsyncSession, clock: FrozenClock) -> None:
    """The X-Portal header is part of who the caller is: each portal's answer, however often asked."""
    world = await build(session, clock)
    token = await api.credentials.token(world["people"]["acme-admin"])
    in_acme, in_branch = api.with_bearer(token, "acme"), api.with_bearer(token, "acme-branch")
    for _ in range(2):
        acme, branch = await in_acme.data(CATALOG_READ), await in_branch.data(CATALOG_READ)
        assert {node["title"] for node in acme["courses"]["nodes"]} == {"acme draft", "acme published", "acme archived"}
        assert all(node["title"].startswith("acme-branch ") for node in branch["courses"]["nodes"])
