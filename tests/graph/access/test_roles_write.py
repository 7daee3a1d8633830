"""Who may change what, through HTTP (contract §4–§5, `resolvers.policy.MUTATIONS` and `MANAGEABLE`).

A refusal is one of: UNAUTHENTICATED (no credentials), FORBIDDEN (signed in, but the role may not
call the mutation, or may see the row but not change it), or the payload error NOT_FOUND naming the
input (the row is hidden from the actor, exactly as if it did not exist). Every refusal leaves the
data as it was: admins of acme and globex re-read everything before and after.
"""

import json
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from graph.ids import global_id
from models.users import Role
from resolvers.policy import MUTATIONS
from tests.conftest import Api
from tests.factories import gid
from tests.graph.access.academy import ANONYMOUS, Academy, build_academy

INPUT_TYPES = {
    "apiKeyCreate": "ApiKeyCreateInput",
    "apiKeyRevoke": "ApiKeyRevokeInput",
    "categoryCreate": "CategoryCreateInput",
    "courseArchive": "CourseStatusInput",
    "courseCreate": "CourseCreateInput",
    "coursePublish": "CourseStatusInput",
    "courseUpdate": "CourseUpdateInput",
    "groupCreate": "GroupCreateInput",
    "groupMembersAdd": "GroupMembersAddInput",
    "moduleCreate": "ModuleCreateInput",
    "moduleDelete": "ModuleDeleteInput",
    "moduleReorder": "ModuleReorderInput",
    "moduleUpdate": "ModuleUpdateInput",
    "portalCreate": "PortalCreateInput",
    "portalUpdate": "PortalUpdateInput",
    "sectionCreate": "SectionCreateInput",
    "userCreate": "UserCreateInput",
    "userDeactivate": "UserDeactivateInput",
    "userUpdate": "UserUpdateInput",
}
PAYLOAD = "errors { field code }"
GATE = ("UNAUTHENTICATED", "FORBIDDEN")  # the codes of `policy.may_call`


def sample(academy: Academy, name: str, course: str = "taught-draft", user: str = "learner") -> dict[str, Any]:
    """A valid input for `name`, aimed at acme's `course` (its module) or `user`."""
    course_id, module_id = gid(academy.courses[course]), gid(academy.modules[course])
    return {
        "apiKeyCreate": {"name": "new-key", "role": "ADMIN"},
        "apiKeyRevoke": {"apiKeyId": global_id("ApiKey", uuid4())},
        "categoryCreate": {"name": "new-category"},
        "courseArchive": {"courseId": course_id},
        "courseCreate": {"title": "new-course"},
        "coursePublish": {"courseId": course_id},
        "courseUpdate": {"courseId": course_id, "title": "renamed"},
        "groupCreate": {"name": "new-group"},
        "groupMembersAdd": {"groupId": gid(academy.groups["acme-group"]), "userIds": [gid(academy.people[user])]},
        "moduleCreate": {"courseId": course_id, "kind": "TEXT", "title": "new-module", "content": "<p>Hi</p>"},
        "moduleDelete": {"moduleId": module_id},
        "moduleReorder": {"courseId": course_id, "moduleIds": [module_id]},
        "moduleUpdate": {"moduleId": module_id, "title": "renamed"},
        "portalCreate": {"name": "new-portal"},
        "portalUpdate": {"portalId": gid(academy.portals["acme"]), "name": "renamed"},
        "sectionCreate": {"courseId": course_id, "title": "new-section"},
        "userCreate": {"email": "newcomer@mail.test", "fullName": "newcomer", "role": "LEARNER"},
        "userDeactivate": {"userId": gid(academy.people[user])},
        "userUpdate": {"userId": gid(academy.people[user]), "fullName": "renamed"},
    }[name]


async def call(api: Api, name: str, input_: dict[str, Any], selection: str = PAYLOAD) -> dict[str, Any]:
    """The whole response body of one mutation."""
    query = f"mutation ($input: {INPUT_TYPES[name]}!) {{ {name}(input: $input) {{ {selection} }} }}"
    return (await api.post(query, {"input": input_})).json()


def outcome_of(body: dict[str, Any], name: str) -> str:
    """What a call came to: "ok", the code of its one GraphQL error (a refused request returns no
    data), or its payload errors as `CODE@field`."""
    if body.get("errors"):
        assert body.get("data") is None, body
        assert len(body["errors"]) == 1, body["errors"]
        return body["errors"][0]["extensions"]["code"]
    errors = body["data"][name]["errors"]
    return ", ".join(f"{e['code']}@{'.'.join(e['field'] or ())}" for e in errors) or "ok"


SNAPSHOT = """{
  portals(first: 10) { nodes { slug name timeZone parent { slug } subPortals { slug }
    courses(first: 50) { nodes { title slug status description sharedWithSubPortals
      instructors { fullName } sections { title } modules { title position } } }
    users(first: 50) { nodes { fullName avatarUrl isActive memberships { role portal { slug } } } } } }
  groups(first: 50) { nodes { name members(first: 50) { nodes { fullName } } } }
  categories(first: 50) { nodes { name } }
  apiKeys(first: 50) { nodes { name revokedAt } }
  auditEvents(first: 1) { totalCount }
}"""


async def snapshot(academy: Academy) -> list[dict[str, Any]]:
    """Everything acme's and globex's admins can read (acme's includes east and west)."""
    return [await academy.admin_of(portal).data(SNAPSHOT) for portal in ("acme", "globex")]


async def refused(academy: Academy, api: Api, calls: list[tuple[str, dict[str, Any]]]) -> dict[str, str]:
    """Makes the calls in turn; asserts that together they changed nothing; the outcome of each."""
    await api.post("{ __typename }")  # the actor's credentials exist before the first look
    before = await snapshot(academy)
    outcomes = {name: outcome_of(await call(api, name, input_), name) for name, input_ in calls}
    assert await snapshot(academy) == before
    return outcomes


def client(academy: Academy, viewer: str, portal: str) -> Api:
    """A person (by key), a visitor, or `<role>-key`: an API key of that role bound to `portal`."""
    if viewer.endswith("-key"):
        return academy.api.acting_in(portal, Role[viewer.removesuffix("-key").upper()])
    return academy.as_(viewer, portal)


@pytest.fixture
async def academy(api: Api, session: AsyncSession) -> Academy:
    return await build_academy(api, session)


# who may call a mutation at all


async def test_every_mutation_of_the_schema_has_an_access_rule(api: Api) -> None:
    """A new mutation without an entry in MUTATIONS fails here (and is refused to everyone)."""
    body = await api.data("{ __schema { mutationType { fields { name } } } }")
    names = {field["name"] for field in body["__schema"]["mutationType"]["fields"]}
    assert names - MUTATIONS.keys() == set()
    assert {name for name in names if not MUTATIONS[name]} == {"tokenCreate", "tokenRefresh", "tokenRevoke"}


TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name } } }"
INTROSPECTION = f"""{{ __schema {{
  mutationType {{ fields {{ name args {{ name type {{ {TYPE_REF} }} }} }} }}
  types {{ name kind enumValues {{ name }} inputFields {{ name defaultValue type {{ {TYPE_REF} }} }} }}
}} }}"""
SCALARS = {  # a valid value of each scalar an input may require; a new scalar needs one here
    "ID": global_id("Course", UUID(int=1)),
    "String": "x",
    "Int": 1,
    "Float": 1.0,
    "Boolean": True,
    "DateTime": "2026-01-05T09:00:00Z",
    "Date": "2026-01-05",
    "Decimal": "1.00",
    "JSON": {},
}


def type_name(ref: dict[str, Any]) -> str:
    if ref["kind"] == "NON_NULL":
        return f"{type_name(ref['ofType'])}!"
    if ref["kind"] == "LIST":
        return f"[{type_name(ref['ofType'])}]"
    return ref["name"]


def minimal(ref: dict[str, Any], types: dict[str, Any]) -> Any:
    """The smallest value GraphQL accepts for a type: required fields only, lists empty."""
    if ref["kind"] == "NON_NULL":
        return minimal(ref["ofType"], types)
    if ref["kind"] == "LIST":
        return []
    if ref["kind"] == "ENUM":
        return types[ref["name"]]["enumValues"][0]["name"]
    if ref["kind"] == "INPUT_OBJECT":
        fields = types[ref["name"]]["inputFields"]
        return {
            f["name"]: minimal(f["type"], types)
            for f in fields
            if f["type"]["kind"] == "NON_NULL" and f["defaultValue"] is None
        }
    return SCALARS[ref["name"]]


async def test_every_mutation_applies_its_rule_before_reading_its_input(academy: Academy) -> None:
    """Each mutation of the schema, with the least input GraphQL accepts: visitors are
    UNAUTHENTICATED and roles missing from its MUTATIONS entry FORBIDDEN, whatever the ids name."""
    schema = (await academy.as_(ANONYMOUS).data(INTROSPECTION))["__schema"]
    types = {t["name"]: t for t in schema["types"]}
    callers = {None: academy.as_(ANONYMOUS, "acme")} | {
        role: academy.as_(key, "acme") for role, key in ((Role.INSTRUCTOR, "instructor"), (Role.LEARNER, "learner"))
    }
    wrong: dict[str, Any] = {}
    for field in schema["mutationType"]["fields"]:
        name, (argument,) = field["name"], field["args"]
        assert argument["name"] == "input", name  # contract §4: one argument, `input`
        query = f"mutation ($input: {type_name(argument['type'])}) {{ {name}(input: $input) {{ __typename }} }}"
        variables = {"input": minimal(argument["type"], types)}
        for role, api in callers.items():
            body = (await api.post(query, variables)).json()
            refusals = [e["extensions"]["code"] for e in body.get("errors", ()) if e["extensions"]["code"] in GATE]
            allowed = not MUTATIONS[name] or role in MUTATIONS[name]
            if refusals != ([] if allowed else ["FORBIDDEN" if role else "UNAUTHENTICATED"]):
                wrong[f"{name} as {role}"] = body
    assert wrong == {}


async def test_anonymous_visitors_may_call_no_mutation_but_signing_in(academy: Academy) -> None:
    calls = [(name, sample(academy, name)) for name in INPUT_TYPES]
    outcomes = await refused(academy, academy.as_(ANONYMOUS, "acme"), calls)
    assert outcomes == dict.fromkeys(INPUT_TYPES, "UNAUTHENTICATED")


async def test_signing_in_needs_no_credentials(academy: Academy) -> None:
    query = "mutation ($input: TokenCreateInput!) { tokenCreate(input: $input) { errors { code } } }"
    body = await academy.as_(ANONYMOUS).data(query, {"input": {"email": "admin@mail.test", "password": "wrong"}})
    assert body["tokenCreate"]["errors"] == [{"code": "INVALID_CREDENTIALS"}]


ROLE_REFUSALS = {  # viewer: what their role may not call, whatever the row (courses they teach)
    "learner": (
        *("courseCreate", "courseUpdate", "sectionCreate", "moduleCreate", "userCreate", "userDeactivate"),
        *("portalCreate", "portalUpdate", "groupCreate", "groupMembersAdd", "categoryCreate", "apiKeyCreate"),
    ),
    "instructor": (
        *("coursePublish", "courseArchive", "userCreate", "userDeactivate", "portalCreate", "portalUpdate"),
        *("groupCreate", "groupMembersAdd", "categoryCreate", "apiKeyCreate", "apiKeyRevoke"),
    ),
    "learner-key": ("courseCreate", "userCreate", "groupCreate"),
    "instructor-key": ("coursePublish", "userCreate", "apiKeyCreate"),
}


@pytest.mark.parametrize("viewer", ROLE_REFUSALS)
async def test_a_role_calling_a_mutation_it_may_not_is_forbidden(academy: Academy, viewer: str) -> None:
    calls = [(name, sample(academy, name)) for name in ROLE_REFUSALS[viewer]]
    outcomes = await refused(academy, client(academy, viewer, "acme"), calls)
    assert outcomes == dict.fromkeys(ROLE_REFUSALS[viewer], "FORBIDDEN")


async def test_a_member_of_another_portal_cannot_act_in_it(academy: Academy) -> None:
    """east's admin names acme (its parent) in X-Portal: no role there, so nothing to do there."""
    outcomes = await refused(academy, academy.as_("east-admin", "acme"), [("courseCreate", {"title": "upwards"})])
    assert outcomes == {"courseCreate": "FORBIDDEN"}


# courses: instructors author what they teach


async def test_an_instructor_creates_a_course_teaches_it_and_builds_it_but_cannot_publish_it(
    academy: Academy,
) -> None:
    api = academy.as_("instructor", "acme")
    body = await call(
        api, "courseCreate", {"title": "mine"}, "course { id status instructors { fullName } } errors { code }"
    )
    created = body["data"]["courseCreate"]
    assert created["errors"] == []
    assert created["course"]["status"] == "DRAFT"
    assert created["course"]["instructors"] == [{"fullName": "instructor"}]
    course_id = created["course"]["id"]
    updated = await call(api, "courseUpdate", {"courseId": course_id, "title": "mine, renamed"})
    section = await call(
        api, "sectionCreate", {"courseId": course_id, "title": "part 1"}, "section { id } errors { code }"
    )
    module = {"courseId": course_id, "kind": "TEXT", "title": "lesson", "content": "<p>Hi</p>"}
    module["sectionId"] = section["data"]["sectionCreate"]["section"]["id"]
    added = await call(api, "moduleCreate", module)
    assert [updated["data"]["courseUpdate"]["errors"], added["data"]["moduleCreate"]["errors"]] == [[], []]

    assert await refused(academy, api, [("coursePublish", {"courseId": course_id})]) == {"coursePublish": "FORBIDDEN"}
    tree = "title status sections { title modules { title } }"
    expected = {
        "title": "mine, renamed",
        "status": "DRAFT",
        "sections": [{"title": "part 1", "modules": [{"title": "lesson"}]}],
    }
    query = f"query ($id: ID!) {{ course(id: $id) {{ {tree} }} }}"
    assert (await api.data(query, {"id": course_id}))["course"] == expected
    assert (await academy.admin_of("acme").data(query, {"id": course_id}))["course"] == expected
    assert (await academy.as_("learner", "acme").data(query, {"id": course_id}))["course"] is None  # a draft


AUTHORING = ("courseUpdate", "sectionCreate", "moduleCreate", "moduleUpdate", "moduleDelete", "moduleReorder")
OTHERS_COURSES = [
    # viewer, acting portal, course: FORBIDDEN where they see it but do not teach it, else NOT_FOUND
    ("instructor", "acme", "published", "FORBIDDEN"),  # a colleague's, published
    ("instructor", "acme", "draft", "NOT_FOUND"),  # a colleague's draft: hidden
    ("instructor", "acme", "east-published", "NOT_FOUND"),  # another portal's
    ("colleague", "acme", "taught-draft", "NOT_FOUND"),
    ("east-instructor", "east", "shared", "FORBIDDEN"),  # the parent's, shared with east
    ("east-admin", "east", "published", "NOT_FOUND"),  # the parent's, not shared
    ("admin", "east", "draft", "NOT_FOUND"),  # acme's admin acting in east: acme is above
    ("learner", "acme", "published", "FORBIDDEN"),  # by role, before any row
]


@pytest.mark.parametrize(("viewer", "portal", "course", "outcome"), OTHERS_COURSES)
async def test_authoring_a_course_one_does_not_teach_is_refused_as_forbidden_or_not_found(
    academy: Academy, viewer: str, portal: str, course: str, outcome: str
) -> None:
    calls = [(name, sample(academy, name, course=course)) for name in AUTHORING]
    outcomes = await refused(academy, academy.as_(viewer, portal), calls)
    if outcome == "NOT_FOUND":  # the input that names the hidden row
        module_first = ("moduleUpdate", "moduleDelete")
        assert outcomes == {
            name: f"NOT_FOUND@{'moduleId' if name in module_first else 'courseId'}" for name in AUTHORING
        }
    else:
        assert outcomes == dict.fromkeys(AUTHORING, outcome)


AUTHORS = [
    ("instructor", "acme", "taught-archived"),
    ("admin", "acme", "draft"),
    ("admin", "acme", "east-draft"),  # a sub-portal's, from the parent
    ("east-admin", "east", "east-draft"),
]


@pytest.mark.parametrize(("viewer", "portal", "course"), AUTHORS)
async def test_authors_and_admins_of_the_course_or_a_parent_portal_change_it(
    academy: Academy, viewer: str, portal: str, course: str
) -> None:
    """Each authoring mutation in turn, on the course's one module until the last deletes it."""
    api = academy.as_(viewer, portal)
    await api.post("{ __typename }")
    before = await snapshot(academy)
    for name in ("courseUpdate", "sectionCreate", "moduleUpdate", "moduleReorder", "moduleCreate", "moduleDelete"):
        body = await call(api, name, sample(academy, name, course=course))
        assert outcome_of(body, name) == "ok", body
        after = await snapshot(academy)
        assert after != before, name  # changed, or at least recorded in the audit trail
        before = after


# people


USER_UPDATES = [
    # viewer, acting portal, whose account, the change, outcome
    ("learner", "acme", "learner", {"fullName": "renamed"}, "ok"),
    ("instructor", "acme", "instructor", {"fullName": "renamed"}, "ok"),
    ("admin", "acme", "admin", {"fullName": "renamed"}, "ok"),
    ("learner", "acme", "learner", {"role": "ADMIN"}, "FORBIDDEN"),
    ("instructor", "acme", "instructor", {"role": "ADMIN"}, "FORBIDDEN"),
    ("learner", "acme", "admin", {"fullName": "renamed"}, "FORBIDDEN"),  # staff: seen, not theirs
    ("learner", "acme", "classmate", {"fullName": "renamed"}, "NOT_FOUND@userId"),  # other learners: hidden
    ("instructor", "acme", "learner", {"fullName": "renamed"}, "NOT_FOUND@userId"),  # not a learner of theirs
    ("instructor", "acme", "learner", {"role": "INSTRUCTOR"}, "NOT_FOUND@userId"),
    ("admin", "acme", "learner", {"fullName": "renamed"}, "ok"),
    ("admin", "acme", "learner", {"role": "INSTRUCTOR"}, "ok"),
    ("admin", "acme", "east-learner", {"fullName": "renamed"}, "ok"),  # a sub-portal's member
    ("admin", "acme", "east-learner", {"role": "INSTRUCTOR"}, "NOT_FOUND@userId"),  # roles change where one acts
    ("admin", "east", "east-learner", {"role": "INSTRUCTOR"}, "ok"),  # …so the parent's admin acts in east
    ("admin", "acme", "globex-admin", {"fullName": "renamed"}, "NOT_FOUND@userId"),
    ("east-admin", "east", "admin", {"fullName": "renamed"}, "NOT_FOUND@userId"),  # nothing upwards
    ("east-admin", "east", "west-learner", {"fullName": "renamed"}, "NOT_FOUND@userId"),  # nor sideways
    (ANONYMOUS, "acme", "learner", {"fullName": "renamed"}, "UNAUTHENTICATED"),
]


@pytest.mark.parametrize(("viewer", "portal", "person", "change", "outcome"), USER_UPDATES)
async def test_anyone_renames_themselves_but_only_admins_change_roles_or_other_people(
    academy: Academy, viewer: str, portal: str, person: str, change: dict[str, str], outcome: str
) -> None:
    api = academy.as_(viewer, portal)
    input_ = {"userId": gid(academy.people[person]), **change}
    if outcome != "ok":
        assert await refused(academy, api, [("userUpdate", input_)]) == {"userUpdate": outcome}
        return
    assert outcome_of(await call(api, "userUpdate", input_), "userUpdate") == "ok"
    query = "query ($id: ID!) { user(id: $id) { fullName memberships { role portal { slug } } } }"
    after = (await academy.admin_of(portal).data(query, {"id": input_["userId"]}))["user"]
    assert after["fullName"] == change.get("fullName", person)
    if "role" in change:
        assert {"role": change["role"], "portal": {"slug": portal}} in after["memberships"]


# portals: an admin changes their portal and the ones below it, nothing above or beside it


PORTAL_CHANGES = [
    # viewer, acting portal, mutation, the portal it names (portalId, or parentId), outcome
    ("admin", "acme", "portalUpdate", "east", "ok"),
    ("admin", "acme", "portalCreate", "east", "ok"),
    ("admin", "east", "portalUpdate", "east", "ok"),
    ("east-admin", "east", "portalCreate", None, "ok"),  # a sub-portal of the acting portal
    ("admin", "acme", "portalUpdate", "globex", "NOT_FOUND"),
    ("admin", "acme", "portalCreate", "globex", "NOT_FOUND"),
    ("admin", "east", "portalUpdate", "acme", "NOT_FOUND"),  # acting in east, acme is above
    ("east-admin", "east", "portalUpdate", "acme", "NOT_FOUND"),
    ("east-admin", "east", "portalCreate", "acme", "NOT_FOUND"),
    ("east-admin", "east", "portalUpdate", "west", "NOT_FOUND"),
]


@pytest.mark.parametrize(("viewer", "portal", "name", "target", "outcome"), PORTAL_CHANGES)
async def test_admins_change_their_portal_and_its_sub_portals_only(
    academy: Academy, viewer: str, portal: str, name: str, target: str | None, outcome: str
) -> None:
    api = academy.as_(viewer, portal)
    named = (
        {} if target is None else {"portalId" if name == "portalUpdate" else "parentId": gid(academy.portals[target])}
    )
    input_ = {"name": "renamed" if name == "portalUpdate" else "south", **named}
    if outcome == "NOT_FOUND":
        assert await refused(academy, api, [(name, input_)]) == {name: f"NOT_FOUND@{next(iter(named))}"}
        return
    body = await call(api, name, input_, "portal { id } errors { code }")
    assert body["data"][name]["errors"] == []
    query = "query ($id: ID!) { node(id: $id) { ... on Portal { name parent { slug } } } }"
    after = (await academy.admin_of("acme").data(query, {"id": body["data"][name]["portal"]["id"]}))["node"]
    parent = "acme" if name == "portalUpdate" else target or portal
    assert after == {"name": input_["name"], "parent": {"slug": parent}}


async def test_a_parent_portals_admin_creates_courses_in_the_sub_portal_they_act_in(academy: Academy) -> None:
    body = await call(
        academy.as_("admin", "east"), "courseCreate", {"title": "for east"}, "course { id } errors { code }"
    )
    course_id = body["data"]["courseCreate"]["course"]["id"]
    query = "query ($id: ID!) { course(id: $id) { title status portal { slug } } }"
    seen = await academy.as_("east-admin", "east").data(query, {"id": course_id})
    assert seen["course"] == {"title": "for east", "status": "DRAFT", "portal": {"slug": "east"}}


@pytest.mark.parametrize("viewer", ["admin", "east-admin"])
async def test_unknown_ids_and_hidden_ids_are_refused_alike(academy: Academy, viewer: str) -> None:
    """A hidden course and one that does not exist get the same answer: nothing to probe."""
    api = academy.as_(viewer, "east")
    await api.post("{ __typename }")
    before = await snapshot(academy)
    hidden = await call(api, "courseUpdate", {"courseId": gid(academy.courses["draft"]), "title": "x"})
    unknown = await call(api, "courseUpdate", {"courseId": global_id("Course", uuid4()), "title": "x"})
    assert await snapshot(academy) == before
    assert outcome_of(hidden, "courseUpdate") == "NOT_FOUND@courseId"
    assert json.dumps(hidden["data"], sort_keys=True) == json.dumps(unknown["data"], sort_keys=True)
    assert "errors" not in hidden and "errors" not in unknown
