"""Courses through HTTP: courseCreate, courseUpdate, coursePublish, courseArchive and the lookups.

Every request acts as an admin of "acme"; "globex" is the other portal whose rows must stay out of reach.
"""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from graph.ids import global_id
from models.courses import CourseCategory, CourseStatus
from models.portals import Portal
from models.users import Role
from tests.conftest import Api, FrozenClock
from tests.factories import gid, make_category, make_course, make_module, make_portal, make_user, saved
from tests.graph.bad_ids import BAD_IDS, bad_id

COURSE = """id title slug description status gradingRule durationRule durationDays durationDate
  price { amount currency } sharedWithSubPortals createdAt updatedAt portal { slug }
  categories { id name } instructors { id }"""
INPUT_TYPES = {
    "courseCreate": "CourseCreateInput",
    "courseUpdate": "CourseUpdateInput",
    "coursePublish": "CourseStatusInput",
    "courseArchive": "CourseStatusInput",
}
NOW = "2026-01-05T09:00:00Z"  # the frozen clock
PUBLISHED = CourseStatus.PUBLISHED


@dataclass
class Catalog:
    api: Api  # an admin acting in acme
    session: AsyncSession
    acme: Portal
    globex: Portal

    async def bad_id_of(self, how: str, type_name: str) -> str:
        """An id that names no `type_name` (Course or Category) the acme admin may use."""
        category = type_name == "Category"
        return await bad_id(
            how,
            type_name,
            hidden=lambda: (
                make_category(self.session, self.globex)
                if category
                else make_course(self.session, self.globex, title="Globex only")
            ),
            wrong_type=lambda: (
                make_course(self.session, self.acme) if category else make_category(self.session, self.acme)
            ),
        )


@pytest.fixture
async def catalog(api: Api, session: AsyncSession) -> Catalog:
    acme = await make_portal(session, slug="acme")
    globex = await make_portal(session, slug="globex")
    return Catalog(api.acting_in("acme"), session, acme, globex)


def mutation(name: str) -> str:
    return f"""mutation ($input: {INPUT_TYPES[name]}!) {{
      {name}(input: $input) {{ course {{ {COURSE} }} errors {{ field message code }} }}
    }}"""


async def run(api: Api, name: str, input_: dict[str, Any]) -> dict[str, Any]:
    return (await api.data(mutation(name), {"input": input_}))[name]


async def created(api: Api, **input_: Any) -> dict[str, Any]:
    payload = await run(api, "courseCreate", input_)
    assert payload["errors"] == [], payload["errors"]
    return payload["course"]


async def course_by_id(api: Api, course_id: str) -> dict[str, Any] | None:
    return (await api.data(f"query ($id: ID!) {{ course(id: $id) {{ {COURSE} }} }}", {"id": course_id}))["course"]


async def course_by_slug(api: Api, slug: str) -> dict[str, Any] | None:
    return (await api.data(f"query ($s: String!) {{ course(slug: $s) {{ {COURSE} }} }}", {"s": slug}))["course"]


async def courses(api: Api, **arguments: Any) -> dict[str, Any]:
    query = """query ($first: Int, $after: String, $last: Int, $before: String, $filter: CourseFilter,
                      $order: CourseOrder) {
      courses(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $order) {
        totalCount nodes { id title slug status } edges { cursor node { title } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }"""
    return (await api.data(query, arguments))["courses"]


def titles(page: dict[str, Any]) -> list[str]:
    return [node["title"] for node in page["nodes"]]


def refused(payload: dict[str, Any], field: list[str] | None, code: str) -> str:
    """The payload names exactly one problem and no course; returns its message."""
    assert payload["course"] is None, payload
    assert len(payload["errors"]) == 1, payload["errors"]
    error = payload["errors"][0]
    assert (error["field"], error["code"]) == (field, code), error
    assert error["message"]
    return error["message"]


# courseCreate


async def test_course_create_returns_a_draft_with_every_field_and_reads_back(catalog: Catalog) -> None:
    data = await make_category(catalog.session, catalog.acme, name="Data")
    teacher = await make_user(catalog.session, catalog.acme, role=Role.INSTRUCTOR)
    course = await created(
        catalog.api,
        title="  Intro to Python!  ",
        description="<p>Learn Python.</p>",
        categoryIds=[gid(data)],
        instructorIds=[gid(teacher)],
        gradingRule="AVG_ALL_MODULES",
        durationRule="X_DAYS_AFTER_ENROLLMENT",
        durationDays=30,
        price={"amount": "49.9", "currency": "eur"},
        sharedWithSubPortals=True,
    )
    assert course == {
        "id": course["id"],
        "title": "Intro to Python!",
        "slug": "intro-to-python",
        "description": "<p>Learn Python.</p>",
        "status": "DRAFT",
        "gradingRule": "AVG_ALL_MODULES",
        "durationRule": "X_DAYS_AFTER_ENROLLMENT",
        "durationDays": 30,
        "durationDate": None,
        "price": {"amount": "49.90", "currency": "EUR"},
        "sharedWithSubPortals": True,
        "createdAt": NOW,
        "updatedAt": NOW,
        "portal": {"slug": "acme"},
        "categories": [{"id": gid(data), "name": "Data"}],
        "instructors": [{"id": gid(teacher)}],
    }
    assert await course_by_id(catalog.api, course["id"]) == course
    assert await course_by_slug(catalog.api, "intro-to-python") == course


async def test_course_create_with_only_a_title_takes_the_defaults(catalog: Catalog) -> None:
    course = await created(catalog.api, title="Basics")
    again = await course_by_id(catalog.api, course["id"])
    assert again == course
    assert (course["slug"], course["description"], course["status"]) == ("basics", "", "DRAFT")
    assert (course["gradingRule"], course["durationRule"], course["durationDays"]) == ("NO_GRADING", "UNLIMITED", None)
    assert (course["price"], course["sharedWithSubPortals"]) == (None, False)
    assert (course["categories"], course["instructors"]) == ([], [])


async def test_course_create_numbers_slugs_generated_from_the_same_title(catalog: Catalog) -> None:
    slugs = [(await created(catalog.api, title="Intro to Python!"))["slug"] for _ in range(3)]
    assert slugs == ["intro-to-python", "intro-to-python-1", "intro-to-python-2"]
    for slug in slugs:
        assert (await course_by_slug(catalog.api, slug))["slug"] == slug
    assert (await courses(catalog.api))["totalCount"] == 3


async def test_concurrent_creates_of_one_title_get_distinct_slugs_or_duplicate(catalog: Catalog) -> None:
    """The slug check cannot see a concurrent request's uncommitted course; the unique constraint does."""
    await courses(catalog.api)  # signed in before the race
    responses = await asyncio.gather(
        *(catalog.api.post(mutation("courseCreate"), {"input": {"title": "Same"}}) for _ in range(4))
    )
    payloads = [response.json()["data"]["courseCreate"] for response in responses]
    slugs = [payload["course"]["slug"] for payload in payloads if payload["course"]]
    refusals = [(e["field"], e["code"]) for payload in payloads for e in payload["errors"]]
    assert slugs and len(slugs) == len(set(slugs)) and set(slugs) <= {"same", "same-1", "same-2", "same-3"}
    assert refusals == [(["slug"], "DUPLICATE")] * (4 - len(slugs))
    assert sorted(n["slug"] for n in (await courses(catalog.api))["nodes"]) == sorted(slugs)


async def test_generated_slug_ignores_longer_slugs_and_other_portals(catalog: Catalog) -> None:
    await make_course(catalog.session, catalog.globex, slug="python")
    await make_course(catalog.session, catalog.acme, slug="python-basics")
    await make_course(catalog.session, catalog.acme, slug="python-1")
    assert (await created(catalog.api, title="Python"))["slug"] == "python"
    assert (await created(catalog.api, title="Python"))["slug"] == "python-2"


@pytest.mark.parametrize(
    ("title", "slug"),
    [("Café & Crème Brûlée", "cafe-creme-brulee"), ("日本語", "item"), ("--Hello__World--", "hello-world")],
)
async def test_generated_slug_is_ascii_words_joined_by_hyphens(catalog: Catalog, title: str, slug: str) -> None:
    course = await created(catalog.api, title=title)
    assert (course["title"], course["slug"]) == (title, slug)


async def test_course_create_keeps_a_given_slug(catalog: Catalog) -> None:
    course = await created(catalog.api, title="Python", slug="py-101")
    assert course["slug"] == "py-101"
    assert (await course_by_slug(catalog.api, "py-101"))["id"] == course["id"]
    assert await course_by_slug(catalog.api, "python") is None


async def test_course_create_with_a_taken_slug_is_duplicate_and_creates_nothing(catalog: Catalog) -> None:
    await make_course(catalog.session, catalog.acme, slug="python")
    payload = await run(catalog.api, "courseCreate", {"title": "Other", "slug": "python"})
    assert refused(payload, ["slug"], "DUPLICATE") == "The slug 'python' is taken."
    page = await courses(catalog.api)
    assert (page["totalCount"], titles(page)) == (1, [page["nodes"][0]["title"]]) and "Other" not in titles(page)


async def test_a_slug_taken_in_another_portal_is_free(catalog: Catalog) -> None:
    await make_course(catalog.session, catalog.globex, slug="python")
    assert (await created(catalog.api, title="Python", slug="python"))["slug"] == "python"


@pytest.mark.parametrize("slug", ["Intro To Python", "intro--python", "-intro", "intro_python", "", "a" * 121])
async def test_course_create_with_a_malformed_slug_is_invalid(catalog: Catalog, slug: str) -> None:
    refused(await run(catalog.api, "courseCreate", {"title": "Python", "slug": slug}), ["slug"], "INVALID")
    assert (await courses(catalog.api))["totalCount"] == 0


@pytest.mark.parametrize(
    ("title", "code"), [("", "REQUIRED"), ("   ", "REQUIRED"), ("x" * 301, "TOO_LONG"), ("x" * 10_000, "TOO_LONG")]
)
async def test_course_create_refuses_a_missing_or_long_title(catalog: Catalog, title: str, code: str) -> None:
    refused(await run(catalog.api, "courseCreate", {"title": title}), ["title"], code)
    assert (await courses(catalog.api))["totalCount"] == 0


async def test_course_create_accepts_a_title_of_300_characters(catalog: Catalog) -> None:
    course = await created(catalog.api, title="x" * 300)
    assert (await course_by_id(catalog.api, course["id"]))["title"] == "x" * 300


async def test_course_create_refuses_a_description_over_100_000_characters(catalog: Catalog) -> None:
    payload = await run(catalog.api, "courseCreate", {"title": "Python", "description": "x" * 100_001})
    refused(payload, ["description"], "TOO_LONG")
    assert (await courses(catalog.api))["totalCount"] == 0


@pytest.mark.parametrize("days", [0, -5])
async def test_course_create_refuses_duration_days_below_one(catalog: Catalog, days: int) -> None:
    payload = await run(catalog.api, "courseCreate", {"title": "Python", "durationDays": days})
    refused(payload, ["durationDays"], "INVALID")
    assert (await courses(catalog.api))["totalCount"] == 0


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ("X_DAYS_AFTER_START", "durationDays"),
        ("X_DAYS_AFTER_ENROLLMENT", "durationDays"),
        ("ON_SPECIFIC_DATE", "durationDate"),
    ],
)
async def test_course_create_refuses_a_duration_rule_without_its_parameter(
    catalog: Catalog, rule: str, field: str
) -> None:
    payload = await run(catalog.api, "courseCreate", {"title": "Python", "durationRule": rule})
    refused(payload, [field], "REQUIRED")
    assert (await courses(catalog.api))["totalCount"] == 0


async def test_course_create_ends_on_a_specific_date(catalog: Catalog) -> None:
    course = await created(catalog.api, title="Python", durationRule="ON_SPECIFIC_DATE", durationDate="2026-06-30")
    again = await course_by_id(catalog.api, course["id"])
    assert (again["durationRule"], again["durationDate"]) == ("ON_SPECIFIC_DATE", "2026-06-30")


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [("10", "usd", {"amount": "10.00", "currency": "USD"}),
     ("9.999", "EUR", {"amount": "10.00", "currency": "EUR"}),
     ("1000.4", "JPY", {"amount": "1000", "currency": "JPY"}),
     ("1.2345", "KWD", {"amount": "1.235", "currency": "KWD"}),
     ("0", "GBP", {"amount": "0.00", "currency": "GBP"}),
     ("999999999.99", "USD", {"amount": "999999999.99", "currency": "USD"})],
)  # fmt: skip
async def test_course_price_has_the_currencys_minor_units(
    catalog: Catalog, amount: str, currency: str, shown: dict[str, str]
) -> None:
    course = await created(catalog.api, title="Python", price={"amount": amount, "currency": currency})
    assert course["price"] == shown
    assert (await course_by_id(catalog.api, course["id"]))["price"] == shown


@pytest.mark.parametrize(
    ("price", "field"),
    [
        ({"amount": "-0.01", "currency": "EUR"}, ["price", "amount"]),
        ({"amount": "1000000000", "currency": "EUR"}, ["price", "amount"]),
        ({"amount": "999999999.999", "currency": "USD"}, ["price", "amount"]),
        ({"amount": "1E+30", "currency": "USD"}, ["price", "amount"]),
        ({"amount": "10", "currency": "EURO"}, ["price", "currency"]),
        ({"amount": "10", "currency": "E1R"}, ["price", "currency"]),
    ],
)
async def test_course_create_refuses_a_bad_price(catalog: Catalog, price: dict[str, str], field: list[str]) -> None:
    refused(await run(catalog.api, "courseCreate", {"title": "Python", "price": price}), field, "INVALID")
    assert (await courses(catalog.api))["totalCount"] == 0


@pytest.mark.parametrize("how", BAD_IDS)
async def test_course_create_with_a_category_it_cannot_use_is_not_found(catalog: Catalog, how: str) -> None:
    good = await make_category(catalog.session, catalog.acme)
    ids = [gid(good), await catalog.bad_id_of(how, "Category")]
    payload = await run(catalog.api, "courseCreate", {"title": "Python", "categoryIds": ids})
    refused(payload, ["categoryIds", "1"], "NOT_FOUND")
    assert "Python" not in titles(await courses(catalog.api))


@pytest.mark.parametrize("who", ["learner", "globex-admin", "nobody"])
async def test_course_create_with_an_instructor_who_cannot_teach_here_is_not_found(catalog: Catalog, who: str) -> None:
    people = {
        "learner": lambda: make_user(catalog.session, catalog.acme, role=Role.LEARNER),
        "globex-admin": lambda: make_user(catalog.session, catalog.globex, role=Role.ADMIN),
        "nobody": lambda: make_user(catalog.session),
    }
    teacher = await make_user(catalog.session, catalog.acme, role=Role.ADMIN)
    ids = [gid(teacher), gid(await people[who]())]
    payload = await run(catalog.api, "courseCreate", {"title": "Python", "instructorIds": ids})
    refused(payload, ["instructorIds", "1"], "NOT_FOUND")
    assert (await courses(catalog.api))["totalCount"] == 0


async def test_course_create_reports_every_problem_at_once(catalog: Catalog) -> None:
    payload = await run(catalog.api, "courseCreate", {"title": " ", "slug": "Bad Slug", "durationDays": 0})
    assert payload["course"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        (["title"], "REQUIRED"),
        (["slug"], "INVALID"),
        (["durationDays"], "INVALID"),
    ]


def nul_refused(body: dict[str, Any]) -> bool:
    """PostgreSQL cannot store a NUL character: every request holding one is refused up front."""
    return [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


async def test_a_title_with_a_nul_character_is_refused_not_a_server_error(catalog: Catalog) -> None:
    body = (await catalog.api.post(mutation("courseCreate"), {"input": {"title": "Py\x00thon"}})).json()
    assert nul_refused(body)
    assert (await courses(catalog.api))["totalCount"] == 0


async def test_lookups_with_a_nul_character_are_no_server_error(catalog: Catalog) -> None:
    query = "query ($s: String!) { courses(filter: {search: $s}) { totalCount } course(slug: $s) { id } }"
    assert nul_refused((await catalog.api.post(query, {"s": "a\x00"})).json())


async def test_a_nul_character_in_the_query_string_is_refused(catalog: Catalog) -> None:
    """GET requests carry their text in the URL: raw or percent-encoded, a NUL is refused alike."""
    for encoded in ("%00", "%2500"):
        url = f"/graphql?query=%7B%20course(slug%3A%20%22a{encoded}%22)%20%7B%20id%20%7D%20%7D"
        body = (await catalog.api.http.get(url, headers={"X-Portal": "acme"})).json()
        assert ("errors" in body and nul_refused(body)) is (encoded == "%00"), body


# courseUpdate


async def test_course_update_changes_the_given_fields_and_keeps_the_rest(catalog: Catalog, clock: FrozenClock) -> None:
    old, new = [await make_category(catalog.session, catalog.acme, name=name) for name in ("Old", "New")]
    teacher = await make_user(catalog.session, catalog.acme, role=Role.INSTRUCTOR)
    course = await created(
        catalog.api, title="Python", description="First", categoryIds=[gid(old)], gradingRule="AVG_ALL_MODULES"
    )
    clock.advance(hours=1)
    payload = await run(
        catalog.api,
        "courseUpdate",
        {
            "courseId": course["id"],
            "title": " Python 3 ",
            "categoryIds": [gid(new)],
            "instructorIds": [gid(teacher)],
            "price": {"amount": "5", "currency": "usd"},
            "durationRule": "X_DAYS_AFTER_START",
            "durationDays": 7,
        },
    )
    assert payload["errors"] == []
    expected = {
        **course,
        "title": "Python 3",
        "categories": [{"id": gid(new), "name": "New"}],
        "instructors": [{"id": gid(teacher)}],
        "price": {"amount": "5.00", "currency": "USD"},
        "durationRule": "X_DAYS_AFTER_START",
        "durationDays": 7,
        "updatedAt": "2026-01-05T10:00:00Z",
    }
    assert payload["course"] == expected
    assert await course_by_id(catalog.api, course["id"]) == expected


async def test_course_update_with_empty_lists_clears_categories_and_instructors(catalog: Catalog) -> None:
    category = await make_category(catalog.session, catalog.acme)
    teacher = await make_user(catalog.session, catalog.acme, role=Role.INSTRUCTOR)
    course = await created(catalog.api, title="Python", categoryIds=[gid(category)], instructorIds=[gid(teacher)])
    payload = await run(catalog.api, "courseUpdate", {"courseId": course["id"], "categoryIds": [], "instructorIds": []})
    assert payload["errors"] == []
    again = await course_by_id(catalog.api, course["id"])
    assert (again["categories"], again["instructors"]) == ([], [])


async def test_course_update_changes_the_slug_and_frees_the_old_one(catalog: Catalog) -> None:
    course = await created(catalog.api, title="Python")
    payload = await run(catalog.api, "courseUpdate", {"courseId": course["id"], "slug": "py"})
    assert payload["course"]["slug"] == "py"
    assert (await course_by_slug(catalog.api, "py"))["id"] == course["id"]
    assert await course_by_slug(catalog.api, "python") is None
    assert (await created(catalog.api, title="Python"))["slug"] == "python"


async def test_course_update_to_its_own_slug_is_no_error(catalog: Catalog) -> None:
    course = await created(catalog.api, title="Python")
    payload = await run(catalog.api, "courseUpdate", {"courseId": course["id"], "slug": "python", "title": "Py"})
    assert payload["errors"] == []
    assert (payload["course"]["slug"], payload["course"]["title"]) == ("python", "Py")


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"slug": "taken"}, ["slug"], "DUPLICATE"),
        ({"slug": "Not A Slug"}, ["slug"], "INVALID"),
        ({"title": "  "}, ["title"], "REQUIRED"),
        ({"title": "x" * 10_000}, ["title"], "TOO_LONG"),
        ({"description": "x" * 100_001}, ["description"], "TOO_LONG"),
        ({"durationDays": 0}, ["durationDays"], "INVALID"),
        ({"durationRule": "X_DAYS_AFTER_START"}, ["durationDays"], "REQUIRED"),
        ({"durationRule": "ON_SPECIFIC_DATE", "title": "Changed"}, ["durationDate"], "REQUIRED"),
        ({"price": {"amount": "-1", "currency": "EUR"}}, ["price", "amount"], "INVALID"),
        ({"price": {"amount": "1", "currency": "euro"}}, ["price", "currency"], "INVALID"),
        ({"categoryIds": ["not-an-id"], "title": "Changed"}, ["categoryIds", "0"], "NOT_FOUND"),
        ({"instructorIds": [global_id("User", UUID(int=2))], "title": "Changed"}, ["instructorIds", "0"], "NOT_FOUND"),
    ],
)
async def test_a_refused_course_update_changes_nothing(
    catalog: Catalog, change: dict[str, Any], field: list[str], code: str
) -> None:
    await make_course(catalog.session, catalog.acme, slug="taken")
    category = await make_category(catalog.session, catalog.acme)
    course = await created(
        catalog.api, title="Python", categoryIds=[gid(category)], price={"amount": "3", "currency": "EUR"}
    )
    refused(await run(catalog.api, "courseUpdate", {"courseId": course["id"], **change}), field, code)
    assert await course_by_id(catalog.api, course["id"]) == course


async def test_course_update_keeps_days_already_set_when_only_the_rule_changes(catalog: Catalog) -> None:
    course = await created(catalog.api, title="Python", durationRule="X_DAYS_AFTER_ENROLLMENT", durationDays=10)
    payload = await run(catalog.api, "courseUpdate", {"courseId": course["id"], "durationRule": "X_DAYS_AFTER_START"})
    assert payload["errors"] == []
    again = await course_by_id(catalog.api, course["id"])
    assert (again["durationRule"], again["durationDays"]) == ("X_DAYS_AFTER_START", 10)


# coursePublish and courseArchive


async def test_course_publish_publishes_a_course_with_a_module_and_may_be_repeated(catalog: Catalog) -> None:
    course = await make_course(catalog.session, catalog.acme)
    await make_module(catalog.session, course)
    for _ in range(2):
        payload = await run(catalog.api, "coursePublish", {"courseId": gid(course)})
        assert payload["errors"] == []
        assert payload["course"]["status"] == "PUBLISHED"
    assert (await course_by_id(catalog.api, gid(course)))["status"] == "PUBLISHED"


async def test_course_publish_without_modules_is_not_allowed_and_keeps_the_draft(catalog: Catalog) -> None:
    course = await make_course(catalog.session, catalog.acme)
    payload = await run(catalog.api, "coursePublish", {"courseId": gid(course)})
    assert refused(payload, ["courseId"], "NOT_ALLOWED_IN_STATE") == "Add at least one module before publishing."
    assert (await course_by_id(catalog.api, gid(course)))["status"] == "DRAFT"


@pytest.mark.parametrize("status", ["DRAFT", "PUBLISHED", "ARCHIVED"])
async def test_course_archive_archives_from_any_status(catalog: Catalog, status: str) -> None:
    course = await make_course(catalog.session, catalog.acme, status=CourseStatus[status])
    payload = await run(catalog.api, "courseArchive", {"courseId": gid(course)})
    assert payload["errors"] == []
    assert payload["course"]["status"] == "ARCHIVED"
    assert (await course_by_id(catalog.api, gid(course)))["status"] == "ARCHIVED"
    assert (await courses(catalog.api, filter={"status": "ARCHIVED"}))["totalCount"] == 1


@pytest.mark.parametrize("how", BAD_IDS)
@pytest.mark.parametrize("mutation", ["courseUpdate", "coursePublish", "courseArchive"])
async def test_a_course_id_the_admin_cannot_use_is_not_found(catalog: Catalog, mutation: str, how: str) -> None:
    course_id = await catalog.bad_id_of(how, "Course")
    input_ = {"courseId": course_id, "title": "Hijacked"} if mutation == "courseUpdate" else {"courseId": course_id}
    refused(await run(catalog.api, mutation, input_), ["courseId"], "NOT_FOUND")
    theirs = await courses(catalog.api.acting_in("globex"))
    untouched = [("Globex only", "DRAFT")] if how == "hidden" else []
    assert [(n["title"], n["status"]) for n in theirs["nodes"]] == untouched


# course(id | slug) and courses


@pytest.mark.parametrize(
    "lookup",
    [
        'course(id: "Q291cnNlOjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMQ==", slug: "x")',
        "course",
        'course(id: "x")',
    ],
)
async def test_course_lookup_needs_exactly_one_decodable_key(catalog: Catalog, lookup: str) -> None:
    errors = await catalog.api.errors(f"{{ {lookup} {{ id }} }}")
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_course_lookup_of_missing_or_other_type_ids_is_null(catalog: Catalog) -> None:
    course = await make_course(catalog.session, catalog.acme, slug="python")
    module = await make_module(catalog.session, course)
    assert await course_by_id(catalog.api, global_id("Course", uuid4())) is None
    assert await course_by_id(catalog.api, gid(module)) is None
    assert await course_by_slug(catalog.api, "nope") is None
    assert (await course_by_slug(catalog.api, "python"))["id"] == gid(course)


async def test_courses_filter_by_status_category_and_search(catalog: Catalog) -> None:
    data = await make_category(catalog.session, catalog.acme, name="Data")
    session, acme = catalog.session, catalog.acme
    await make_course(session, acme, title="Python Basics", status=PUBLISHED, age=5)
    advanced = await make_course(session, acme, title="Advanced python", age=4)
    go = await make_course(session, acme, title="Go", status=PUBLISHED, age=3)
    await make_course(session, acme, title="Old Python", status=CourseStatus.ARCHIVED, age=2)
    await make_course(session, catalog.globex, title="Globex Python", status=PUBLISHED)
    for course in (advanced, go):
        await saved(session, CourseCategory(portal_id=acme.id, course_id=course.id, category_id=data.id))

    async def matching(**filter_: Any) -> list[str]:
        page = await courses(catalog.api, filter=filter_)
        assert page["totalCount"] == len(page["nodes"])
        return titles(page)

    assert await matching() == ["Python Basics", "Advanced python", "Go", "Old Python"]
    assert await matching(status="PUBLISHED") == ["Python Basics", "Go"]
    assert await matching(status="ARCHIVED") == ["Old Python"]
    assert await matching(categoryId=gid(data)) == ["Advanced python", "Go"]
    assert await matching(search="PYTHON") == ["Python Basics", "Advanced python", "Old Python"]
    assert await matching(search="python", status="PUBLISHED") == ["Python Basics"]
    assert await matching(search="python", categoryId=gid(data), status="DRAFT") == ["Advanced python"]
    assert await matching(search="rust") == []


async def test_courses_search_matches_percent_and_underscore_literally(catalog: Catalog) -> None:
    for title in ("100% Python", "1000 Pythons", "snake_case", "snakeXcase"):
        await make_course(catalog.session, catalog.acme, title=title)
    assert titles(await courses(catalog.api, filter={"search": "100%"})) == ["100% Python"]
    assert titles(await courses(catalog.api, filter={"search": "e_c"})) == ["snake_case"]


async def test_courses_filter_by_another_portals_category_finds_nothing(catalog: Catalog) -> None:
    theirs = await make_category(catalog.session, catalog.globex)
    await make_course(catalog.session, catalog.acme)
    page = await courses(catalog.api, filter={"categoryId": gid(theirs)})
    assert (page["nodes"], page["totalCount"]) == ([], 0)


@pytest.mark.parametrize("category_id", ["not-an-id", global_id("Course", UUID(int=1))])
async def test_courses_filter_with_a_bad_category_id_is_bad_user_input(catalog: Catalog, category_id: str) -> None:
    query = "query ($f: CourseFilter) { courses(filter: $f) { totalCount } }"
    errors = await catalog.api.errors(query, {"f": {"categoryId": category_id}})
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_courses_order_by_title_and_by_update_time(catalog: Catalog) -> None:
    stamps = {"Beta": 3, "Alpha": 1, "Gamma": 2}  # hour of the last update
    for age, (title, hour) in enumerate(stamps.items()):
        await make_course(
            catalog.session, catalog.acme, title=title, age=10 - age, updated_at=datetime(2026, 1, 1, hour, tzinfo=UTC)
        )
    assert titles(await courses(catalog.api)) == ["Beta", "Alpha", "Gamma"]
    assert titles(await courses(catalog.api, order={"field": "TITLE"})) == ["Alpha", "Beta", "Gamma"]
    assert titles(await courses(catalog.api, order={"field": "UPDATED_AT", "direction": "DESC"})) == [
        "Beta",
        "Gamma",
        "Alpha",
    ]
    assert titles(await courses(catalog.api, order={"field": "CREATED_AT", "direction": "DESC"})) == [
        "Gamma",
        "Alpha",
        "Beta",
    ]


async def test_courses_pages_through_a_filtered_list_both_ways(catalog: Catalog) -> None:
    for n in range(7):
        status = PUBLISHED if n % 2 == 0 else CourseStatus.DRAFT
        await make_course(catalog.session, catalog.acme, title=f"Course {n}", status=status, age=20 - n)
    published = {"status": "PUBLISHED"}
    first = await courses(catalog.api, first=3, filter=published)
    assert (titles(first), first["totalCount"]) == (["Course 0", "Course 2", "Course 4"], 4)
    assert [edge["node"]["title"] for edge in first["edges"]] == titles(first)
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    rest = await courses(catalog.api, first=3, after=first["pageInfo"]["endCursor"], filter=published)
    assert (titles(rest), rest["totalCount"]) == (["Course 6"], 4)
    assert (rest["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasPreviousPage"]) == (False, True)
    back = await courses(catalog.api, last=2, before=rest["pageInfo"]["startCursor"], filter=published)
    assert titles(back) == ["Course 2", "Course 4"]
    assert (back["pageInfo"]["hasNextPage"], back["pageInfo"]["hasPreviousPage"]) == (True, True)


async def test_courses_pages_backward_in_title_order(catalog: Catalog) -> None:
    for title in ("Delta", "Alpha", "Echo", "Charlie", "Bravo"):
        await make_course(catalog.session, catalog.acme, title=title)
    order = {"field": "TITLE", "direction": "DESC"}
    tail = await courses(catalog.api, last=2, order=order)
    assert titles(tail) == ["Bravo", "Alpha"]
    assert (tail["pageInfo"]["hasPreviousPage"], tail["pageInfo"]["hasNextPage"]) == (True, False)
    middle = await courses(catalog.api, last=2, before=tail["pageInfo"]["startCursor"], order=order)
    assert titles(middle) == ["Delta", "Charlie"]
    head = await courses(catalog.api, last=2, before=middle["pageInfo"]["startCursor"], order=order)
    assert titles(head) == ["Echo"]
    assert (head["pageInfo"]["hasPreviousPage"], head["totalCount"]) == (False, 5)


# node, nodes and other portals


async def test_node_and_nodes_resolve_courses_and_categories(catalog: Catalog) -> None:
    course = await make_course(catalog.session, catalog.acme, title="Python")
    category = await make_category(catalog.session, catalog.acme, name="Data")
    query = """query ($id: ID!, $ids: [ID!]!) {
      node(id: $id) { __typename id ... on Course { title } }
      nodes(ids: $ids) { __typename id ... on Course { title } ... on Category { name } }
    }"""
    missing = global_id("Course", uuid4())
    data = await catalog.api.data(query, {"id": gid(course), "ids": [gid(category), missing, gid(course)]})
    assert data["node"] == {"__typename": "Course", "id": gid(course), "title": "Python"}
    assert data["nodes"] == [
        {"__typename": "Category", "id": gid(category), "name": "Data"},
        None,
        {"__typename": "Course", "id": gid(course), "title": "Python"},
    ]


async def test_another_portals_courses_are_null_or_absent(catalog: Catalog) -> None:
    theirs = await make_course(catalog.session, catalog.globex, title="Secret", slug="secret", status=PUBLISHED)
    category = await make_category(catalog.session, catalog.globex)
    ours = await make_course(catalog.session, catalog.acme, title="Ours")
    query = """query ($id: ID!, $ids: [ID!]!) {
      node(id: $id) { id } nodes(ids: $ids) { id } course(slug: "secret") { id } byId: course(id: $id) { id }
      courses { totalCount nodes { title } }
    }"""
    variables = {"id": gid(theirs), "ids": [gid(theirs), gid(category), gid(ours)]}
    data = await catalog.api.data(query, variables)
    assert data == {
        "node": None,
        "nodes": [None, None, {"id": gid(ours)}],
        "course": None,
        "byId": None,
        "courses": {"totalCount": 1, "nodes": [{"title": "Ours"}]},
    }
    seen_by_globex = await catalog.api.acting_in("globex").data(query, variables)
    assert seen_by_globex["node"] == seen_by_globex["course"] == {"id": gid(theirs)}
    assert seen_by_globex["nodes"] == [{"id": gid(theirs)}, {"id": gid(category)}, None]


async def test_a_slug_resolves_within_the_acting_portal(catalog: Catalog) -> None:
    ours = await make_course(catalog.session, catalog.acme, slug="python", title="Acme Python")
    await make_course(catalog.session, catalog.globex, slug="python", title="Globex Python")
    assert (await course_by_slug(catalog.api, "python"))["id"] == gid(ours)
    assert (await course_by_slug(catalog.api.acting_in("globex"), "python"))["title"] == "Globex Python"
