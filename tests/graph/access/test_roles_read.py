"""What each role reads, through HTTP (contract §5, `resolvers.policy.VISIBLE`).

Admins, instructors and learners sign in with real access tokens; anonymous visitors send only
X-Portal. Each case names the viewer, the portal they act in, and exactly what they must see: a
row missing from the expectation must be null or absent wherever it could show up.
"""

import json
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Api
from tests.factories import gid
from tests.graph.access.academy import (
    ANONYMOUS,
    COURSES,
    EMAIL_DOMAIN,
    MORE_MEMBERSHIPS,
    PEOPLE,
    Academy,
    build_academy,
    names,
)

ACME = {key for key, (portal, *_) in COURSES.items() if portal == "acme"}
CATALOG = {"published", "shared"}  # acme's published courses
EAST = {"east-published", "east-draft"}
SUB_PORTALS = EAST | {"west-published"}
TAUGHT = {"taught-draft", "taught-archived"}  # instructor's, not published

# viewer, acting portal, the acting portal's `courses`, every course the viewer reaches by id
COURSE_CASES = [
    ("admin", "acme", ACME, ACME | SUB_PORTALS),
    ("instructor", "acme", CATALOG | TAUGHT, CATALOG | TAUGHT),
    ("colleague", "acme", CATALOG | {"draft"}, CATALOG | {"draft"}),
    ("learner", "acme", CATALOG, CATALOG),
    (ANONYMOUS, "acme", CATALOG, CATALOG),
    # in a sub-portal: its own courses plus the ones its parent shares, published. An admin's scope
    # is the tree below the acting portal, so the parent's shared catalog is not in it
    ("admin", "east", EAST, EAST),
    ("east-admin", "east", EAST, EAST),
    ("east-instructor", "east", EAST | {"shared"}, EAST | {"shared"}),
    ("east-learner", "east", {"east-published", "shared"}, {"east-published", "shared"}),
    (ANONYMOUS, "east", {"east-published", "shared"}, {"east-published", "shared"}),
    ("west-learner", "west", {"west-published", "shared"}, {"west-published", "shared"}),
    ("globex-admin", "globex", {"globex-published"}, {"globex-published"}),
]
COURSE_IDS = [f"{viewer}-in-{portal}" for viewer, portal, *_ in COURSE_CASES]
COURSE_TREE = "title portal { slug } sections { title modules { title } } modules { title section { title } }"


@pytest.fixture
async def academy(api: Api, session: AsyncSession) -> Academy:
    return await build_academy(api, session)


def portals_seen(viewer: str, portal: str) -> set[str]:
    """The acting portal, and for its admins the sub-portals below it (PORTAL_CASES spells it out)."""
    return {"acme", "east", "west"} if (viewer, portal) == ("admin", "acme") else {portal}


def members_of(portal: str) -> set[str]:
    first = {key for key, (slug, _) in PEOPLE.items() if slug == portal}
    return first | {key for key, slug, _ in MORE_MEMBERSHIPS if slug == portal}


ACME_STAFF = {"admin", "instructor", "colleague"}
ACME_TREE = members_of("acme") | members_of("east") | members_of("west")
EAST_STAFF = {"east-admin", "east-instructor"}

# viewer, acting portal, the users they see, the users whose email they read
USER_CASES = [
    ("admin", "acme", ACME_TREE, ACME_TREE),
    ("instructor", "acme", ACME_STAFF, {"instructor"}),  # and the learners of their courses (none here)
    ("learner", "acme", ACME_STAFF | {"learner"}, {"learner"}),
    (ANONYMOUS, "acme", ACME_STAFF, set()),
    ("admin", "east", members_of("east"), members_of("east")),
    ("east-admin", "east", members_of("east"), members_of("east")),
    ("east-instructor", "east", EAST_STAFF, {"east-instructor"}),
    ("east-learner", "east", EAST_STAFF | {"east-learner"}, {"east-learner"}),
    (ANONYMOUS, "east", EAST_STAFF, set()),
    ("globex-admin", "globex", members_of("globex"), members_of("globex")),
]
USER_IDS = [f"{viewer}-in-{portal}" for viewer, portal, *_ in USER_CASES]


async def _aliased(api: Api, field: str, argument: str, values: dict[str, str], selection: str) -> dict[str, Any]:
    """`field(argument: value)` for each key of `values`, in one request; answers by key."""
    keys = list(values)
    query = " ".join(
        f"a{i}: {field}({argument}: {json.dumps(values[key])}) {{ {selection} }}" for i, key in enumerate(keys)
    )
    data = await api.data(f"{{ {query} }}")
    return {key: data[f"a{i}"] for i, key in enumerate(keys)}


def _shown(answers: dict[str, Any]) -> set[str]:
    return {key for key, answer in answers.items() if answer is not None}


# courses, sections and modules


@pytest.mark.parametrize(("viewer", "portal", "listed", "reachable"), COURSE_CASES, ids=COURSE_IDS)
async def test_courses_lists_only_the_courses_the_role_may_see(
    academy: Academy, viewer: str, portal: str, listed: set[str], reachable: set[str]
) -> None:
    data = await academy.as_(viewer, portal).data("{ courses(first: 100) { totalCount nodes { title } } }")
    assert names(data["courses"]["nodes"]) == listed
    assert data["courses"]["totalCount"] == len(listed)


@pytest.mark.parametrize(("viewer", "portal", "listed", "reachable"), COURSE_CASES, ids=COURSE_IDS)
async def test_course_by_id_slug_or_node_is_null_when_hidden(
    academy: Academy, viewer: str, portal: str, listed: set[str], reachable: set[str]
) -> None:
    api = academy.as_(viewer, portal)
    ids = {key: gid(course) for key, course in academy.courses.items()}
    by_id = await _aliased(api, "course", "id", ids, "title")
    assert _shown(by_id) == reachable
    by_slug = await _aliased(api, "course", "slug", {key: key for key in COURSES}, "title")
    assert _shown(by_slug) == {key for key in reachable if COURSES[key][0] == portal}  # slugs are per portal
    query = "query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Course { title } } }"
    data = await api.data(query, {"ids": list(ids.values())})
    assert names(data["nodes"]) == reachable


@pytest.mark.parametrize(("viewer", "portal", "listed", "reachable"), COURSE_CASES, ids=COURSE_IDS)
async def test_sections_and_modules_follow_their_course(
    academy: Academy, viewer: str, portal: str, listed: set[str], reachable: set[str]
) -> None:
    """A visible course shows its whole tree; a hidden one's sections and modules are null."""
    api = academy.as_(viewer, portal)
    by_id = await _aliased(api, "course", "id", {k: gid(c) for k, c in academy.courses.items()}, COURSE_TREE)
    for key in reachable:
        assert by_id[key] == {
            "title": key,
            "portal": {"slug": COURSES[key][0]} if COURSES[key][0] in portals_seen(viewer, portal) else None,
            "sections": [{"title": f"{key} section", "modules": [{"title": f"{key} module"}]}],
            "modules": [{"title": f"{key} module", "section": {"title": f"{key} section"}}],
        }
    modules = await _aliased(api, "module", "id", {k: gid(m) for k, m in academy.modules.items()}, "course { title }")
    assert {key: answer["course"]["title"] for key, answer in modules.items() if answer} == {k: k for k in reachable}
    rows = [*academy.sections.values(), *academy.modules.values()]
    data = await api.data(
        """query ($ids: [ID!]!) { nodes(ids: $ids) {
          ... on Section { title course { title } } ... on Module { title course { title } } } }""",
        {"ids": [gid(row) for row in rows]},
    )
    assert names(data["nodes"]) == {f"{key} {what}" for key in reachable for what in ("section", "module")}


@pytest.mark.parametrize(("viewer", "portal", "listed", "reachable"), COURSE_CASES, ids=COURSE_IDS)
async def test_portal_courses_show_each_visible_portals_own_visible_courses(
    academy: Academy, viewer: str, portal: str, listed: set[str], reachable: set[str]
) -> None:
    data = await academy.as_(viewer, portal).data(
        "{ portals(first: 10) { nodes { slug courses(first: 100) { totalCount nodes { title } } } } }"
    )
    for node in data["portals"]["nodes"]:
        own = {key for key in reachable if COURSES[key][0] == node["slug"]}
        assert (node["slug"], names(node["courses"]["nodes"])) == (node["slug"], own)
        assert node["courses"]["totalCount"] == len(own)


INSTRUCTOR_CASES = [
    # viewer, acting portal, the email they read of the colleague who teaches "shared"
    ("admin", "acme", "colleague@mail.test"),
    ("colleague", "acme", "colleague@mail.test"),
    ("instructor", "acme", None),
    ("learner", "acme", None),
    (ANONYMOUS, "acme", None),
    ("east-instructor", "east", None),
    ("east-learner", "east", None),
    (ANONYMOUS, "east", None),
]


@pytest.mark.parametrize(("viewer", "portal", "email"), INSTRUCTOR_CASES)
async def test_course_instructors_show_names_to_all_who_see_the_course_and_emails_to_few(
    academy: Academy, viewer: str, portal: str, email: str | None
) -> None:
    """A parent's shared course shows who teaches it in the sub-portals too, but not their address."""
    query = "query ($id: ID!) { course(id: $id) { instructors { fullName email } } }"
    data = await academy.as_(viewer, portal).data(query, {"id": gid(academy.courses["shared"])})
    assert data["course"]["instructors"] == [{"fullName": "colleague", "email": email}]


# people


@pytest.mark.parametrize(("viewer", "portal", "seen", "emails"), USER_CASES, ids=USER_IDS)
async def test_users_shows_the_people_the_role_may_see_and_only_their_emails(
    academy: Academy, viewer: str, portal: str, seen: set[str], emails: set[str]
) -> None:
    api = academy.as_(viewer, portal)
    data = await api.data(
        """query ($ids: [ID!]!) {
          users(first: 100) { totalCount nodes { fullName email } }
          nodes(ids: $ids) { ... on User { fullName email } }
        }""",
        {"ids": [gid(user) for user in academy.people.values()]},
    )
    for found in (data["users"]["nodes"], data["nodes"]):
        assert names(found, "fullName") == seen
        assert {user["fullName"]: user["email"] for user in found if user} == {
            key: f"{key}@{EMAIL_DOMAIN}" if key in emails else None for key in seen
        }
    assert data["users"]["totalCount"] == len(seen)


@pytest.mark.parametrize(("viewer", "portal", "seen", "emails"), USER_CASES, ids=USER_IDS)
async def test_portal_users_shows_the_acting_portals_members_the_role_may_see(
    academy: Academy, viewer: str, portal: str, seen: set[str], emails: set[str]
) -> None:
    query = "query ($slug: String!) { portal(slug: $slug) { users(first: 100) { nodes { fullName } } } }"
    data = await academy.as_(viewer, portal).data(query, {"slug": portal})
    assert names(data["portal"]["users"]["nodes"], "fullName") == seen & members_of(portal)


@pytest.mark.parametrize(("viewer", "portal", "seen", "emails"), USER_CASES, ids=USER_IDS)
async def test_searching_users_by_email_is_for_those_who_read_emails(
    academy: Academy, viewer: str, portal: str, seen: set[str], emails: set[str]
) -> None:
    """Nobody probes for addresses: a search matches emails only for a viewer who may read them all."""
    query = "query ($q: String!) { users(first: 100, search: $q) { nodes { fullName } } }"
    data = await academy.as_(viewer, portal).data(query, {"q": EMAIL_DOMAIN})
    expected = seen if emails == seen else set()  # admins; names never contain the email domain
    assert names(data["users"]["nodes"], "fullName") == expected


MEMBERSHIP_CASES = [
    # viewer, acting portal, whose memberships, what shows (portal, role)
    ("admin", "acme", "roamer", {("acme", "LEARNER"), ("east", "LEARNER")}),
    ("roamer", "acme", "roamer", {("acme", "LEARNER")}),
    ("roamer", "east", "roamer", {("east", "LEARNER")}),
    ("east-admin", "east", "roamer", {("east", "LEARNER")}),
    ("learner", "acme", "instructor", {("acme", "INSTRUCTOR")}),
    (ANONYMOUS, "acme", "instructor", {("acme", "INSTRUCTOR")}),
    ("globex-admin", "globex", "instructor", {("globex", "INSTRUCTOR")}),
    ("globex-admin", "globex", "roamer", {("globex", "ADMIN")}),
]


@pytest.mark.parametrize(("viewer", "portal", "person", "shown"), MEMBERSHIP_CASES)
async def test_user_memberships_never_show_portals_outside_the_viewers_scope(
    academy: Academy, viewer: str, portal: str, person: str, shown: set[tuple[str, str]]
) -> None:
    query = "query ($id: ID!) { user(id: $id) { memberships { role portal { slug } } } }"
    data = await academy.as_(viewer, portal).data(query, {"id": gid(academy.people[person])})
    assert {(m["portal"]["slug"], m["role"]) for m in data["user"]["memberships"]} == shown


# groups and portals

GROUP_CASES = [
    ("admin", "acme", {"acme-group", "east-group"}),
    ("instructor", "acme", set()),
    ("learner", "acme", set()),
    (ANONYMOUS, "acme", set()),
    ("east-admin", "east", {"east-group"}),
    ("east-instructor", "east", set()),
    ("east-learner", "east", set()),
    ("globex-admin", "globex", {"globex-group"}),
]


@pytest.mark.parametrize(("viewer", "portal", "seen"), GROUP_CASES)
async def test_groups_are_for_admins(academy: Academy, viewer: str, portal: str, seen: set[str]) -> None:
    data = await academy.as_(viewer, portal).data(
        "query ($ids: [ID!]!) { groups(first: 100) { nodes { name } } nodes(ids: $ids) { ... on Group { name } } }",
        {"ids": [gid(group) for group in academy.groups.values()]},
    )
    assert names(data["groups"]["nodes"], "name") == seen
    assert names(data["nodes"], "name") == seen


PORTAL_CASES = [
    # viewer, acting portal, the portals they see, the acting portal's subPortals
    ("admin", "acme", {"acme", "east", "west"}, {"east", "west"}),
    ("instructor", "acme", {"acme"}, set()),
    ("learner", "acme", {"acme"}, set()),
    (ANONYMOUS, "acme", {"acme"}, set()),
    ("admin", "east", {"east"}, set()),  # acme's admin acting in east sees east's tree only
    ("east-admin", "east", {"east"}, set()),
    ("east-instructor", "east", {"east"}, set()),
    ("east-learner", "east", {"east"}, set()),
    (ANONYMOUS, "west", {"west"}, set()),
    ("globex-admin", "globex", {"globex"}, set()),
]


@pytest.mark.parametrize(("viewer", "portal", "seen", "subs"), PORTAL_CASES)
async def test_portals_shows_the_acting_portal_and_an_admins_sub_portals_never_parents_or_siblings(
    academy: Academy, viewer: str, portal: str, seen: set[str], subs: set[str]
) -> None:
    api = academy.as_(viewer, portal)
    data = await api.data(
        """query ($ids: [ID!]!, $slug: String!) {
          portals(first: 10) { totalCount nodes { slug } }
          nodes(ids: $ids) { ... on Portal { slug } }
          acting: portal(slug: $slug) { parent { slug } subPortals { slug } }
        }""",
        {"ids": [gid(p) for p in academy.portals.values()], "slug": portal},
    )
    assert names(data["portals"]["nodes"], "slug") == seen
    assert data["portals"]["totalCount"] == len(seen)
    assert names(data["nodes"], "slug") == seen
    assert data["acting"]["parent"] is None  # acme's is none; east's is hidden, even from acme's admin
    assert names(data["acting"]["subPortals"], "slug") == subs
    by_slug = await _aliased(api, "portal", "slug", {slug: slug for slug in academy.portals}, "slug")
    assert _shown(by_slug) == seen
