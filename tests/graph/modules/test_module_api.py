"""Modules through HTTP: the 12 kinds, moduleCreate, moduleUpdate, moduleReorder, moduleDelete, lookups.

Every request acts as an admin of "acme"; "globex" is the other portal whose rows must stay out of reach.
"""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from graph.ids import global_id
from models.courses import Course
from models.modules import ModuleKind
from models.portals import Portal
from tests.conftest import Api, FrozenClock
from tests.factories import gid, make_category, make_course, make_module, make_portal, make_section
from tests.graph.bad_ids import BAD_IDS, bad_id

MODULE = """__typename id title kind position isRequired
  drip { rule date interval unit reference } course { id } section { id }
  ... on TextModule { content }
  ... on VideoModule { url provider coverUrl disableForwardSeek durationSeconds }
  ... on PdfModule { url allowDownload defaultZoom }
  ... on PresentationModule { url viewer }
  ... on FlashcardsModule { orientation cards { front back } }
  ... on ScormModule { launchUrl scormVersion launchNewWindow }
  ... on QuizModule { retakesAllowed passingPercentage timeLimitMinutes showCorrectAnswers shuffleQuestions }
  ... on AssignmentModule { submissionType totalPoints allowedFileTypes maxUploadSizeMb }
  ... on DiscussionModule { isEvaluated totalPoints minComments }
  ... on SurveyModule { submitButtonText surveyFields { type label isRequired options } }
  ... on LiveSessionModule { durationMinutes }
  ... on ExternalModule { launchUrl stagingUrl lmsId providerName externalId maxScore }"""
MUTATIONS = {
    "moduleCreate": ("ModuleCreateInput", f"module {{ {MODULE} }}"),
    "moduleUpdate": ("ModuleUpdateInput", f"module {{ {MODULE} }}"),
    "moduleReorder": ("ModuleReorderInput", "course { id modules { title position } }"),
    "moduleDelete": ("ModuleDeleteInput", "deletedModuleId"),
}
IMMEDIATELY = {"rule": "IMMEDIATELY", "date": None, "interval": None, "unit": None, "reference": None}

# Each kind: the fields a client gives, read back as given.
FULL = {
    "TEXT": {"content": "<p>Hello</p>"},
    "VIDEO": {
        "url": "https://vimeo.com/123",
        "provider": "VIMEO",
        "coverUrl": "https://img.example.com/cover.png",
        "disableForwardSeek": True,
        "durationSeconds": 600,
    },
    "PDF": {"url": "https://example.com/a.pdf", "allowDownload": True, "defaultZoom": "page_width"},
    "PRESENTATION": {"url": "https://example.com/deck.pptx", "viewer": "GOOGLE_VIEWER"},
    "FLASHCARDS": {
        "orientation": "PORTRAIT",
        "cards": [{"front": "2 + 2", "back": "4"}, {"front": "H2O", "back": "water"}],
    },
    "SCORM": {"launchUrl": "https://scorm.example.com/launch", "scormVersion": "2004 4th", "launchNewWindow": True},
    "QUIZ": {
        "retakesAllowed": 3,
        "passingPercentage": 70.5,
        "timeLimitMinutes": 30,
        "showCorrectAnswers": "NOT_TILL_RETAKE_ALLOWED",
        "shuffleQuestions": True,
    },
    "ASSIGNMENT": {
        "submissionType": "FILE",
        "totalPoints": 50,
        "allowedFileTypes": ["pdf", "docx"],
        "maxUploadSizeMb": 10,
    },
    "DISCUSSION": {"isEvaluated": True, "totalPoints": 10, "minComments": 2},
    "SURVEY": {
        "submitButtonText": "Send",
        "surveyFields": [
            {"type": "RADIO", "label": "Pace?", "isRequired": True, "options": ["slow", "right", "fast"]},
            {"type": "TEXTAREA", "label": "Anything else?", "isRequired": False, "options": []},
        ],
    },
    "LIVE_SESSION": {"durationMinutes": 90},
    "EXTERNAL": {
        "launchUrl": "https://courses.example.com/#/",
        "stagingUrl": "http://localhost:8080/launch",
        "lmsId": "lms-1",
        "providerName": "Partner LMS",
        "externalId": "ext-42",
        "maxScore": 100.0,
    },
}
# Each kind: only its required fields, and what the others read back as.
MINIMAL = {
    "TEXT": ({"content": "<p>Hi</p>"}, {"content": "<p>Hi</p>"}),
    "VIDEO": (
        {"url": "https://youtu.be/x"},
        {
            "url": "https://youtu.be/x",
            "provider": "IN_HOUSE",
            "coverUrl": None,
            "disableForwardSeek": False,
            "durationSeconds": None,
        },
    ),
    "PDF": (
        {"url": "https://example.com/b.pdf"},
        {"url": "https://example.com/b.pdf", "allowDownload": False, "defaultZoom": None},
    ),
    "PRESENTATION": (
        {"url": "https://example.com/d.ppt"},
        {"url": "https://example.com/d.ppt", "viewer": "MICROSOFT_OFFICE"},
    ),
    "FLASHCARDS": ({}, {"orientation": "LANDSCAPE", "cards": []}),
    "SCORM": (
        {"launchUrl": "https://s.example.com/"},
        {"launchUrl": "https://s.example.com/", "scormVersion": None, "launchNewWindow": False},
    ),
    "QUIZ": (
        {},
        {
            "retakesAllowed": 0,
            "passingPercentage": None,
            "timeLimitMinutes": None,
            "showCorrectAnswers": "NEVER",
            "shuffleQuestions": False,
        },
    ),
    "ASSIGNMENT": (
        {},
        {"submissionType": "TEXT", "totalPoints": None, "allowedFileTypes": [], "maxUploadSizeMb": None},
    ),
    "DISCUSSION": ({}, {"isEvaluated": False, "totalPoints": None, "minComments": 1}),
    "SURVEY": ({}, {"submitButtonText": "Submit", "surveyFields": []}),
    "LIVE_SESSION": ({}, {"durationMinutes": None}),
    "EXTERNAL": (
        {"launchUrl": "https://e.example.com/"},
        {
            "launchUrl": "https://e.example.com/",
            "stagingUrl": None,
            "lmsId": None,
            "providerName": None,
            "externalId": None,
            "maxScore": None,
        },
    ),
}
TYPENAMES = {kind: "".join(part.title() for part in kind.split("_")) + "Module" for kind in FULL}


@dataclass
class Catalog:
    api: Api  # an admin acting in acme
    session: AsyncSession
    acme: Portal
    globex: Portal

    async def bad_id_of(self, how: str, type_name: str) -> str:
        """An id that names no `type_name` (Course, Section or Module) the acme admin may use."""

        async def hidden() -> Any:
            theirs = await make_course(self.session, self.globex, title="Globex course")
            if type_name == "Section":
                return await make_section(self.session, theirs, title="Globex section")
            if type_name == "Module":
                return await make_module(self.session, theirs, title="Globex module")
            return theirs

        async def wrong_type() -> Any:
            if type_name == "Course":
                return await make_category(self.session, self.acme)
            return await make_course(self.session, self.acme, title="Wrong type")

        return await bad_id(how, type_name, hidden=hidden, wrong_type=wrong_type)

    async def course(self, *titles: str) -> Course:
        """An acme course whose modules (TEXT) have these titles, in this order."""
        course = await make_course(self.session, self.acme)
        for position, title in enumerate(titles):
            await make_module(self.session, course, title=title, position=position)
        return course


@pytest.fixture
async def catalog(api: Api, session: AsyncSession) -> Catalog:
    acme = await make_portal(session, slug="acme")
    globex = await make_portal(session, slug="globex")
    return Catalog(api.acting_in("acme"), session, acme, globex)


def mutation_text(name: str) -> str:
    input_type, selection = MUTATIONS[name]
    return f"""mutation ($input: {input_type}!) {{
      {name}(input: $input) {{ {selection} errors {{ field message code }} }}
    }}"""


async def run(api: Api, name: str, input_: dict[str, Any]) -> dict[str, Any]:
    return (await api.data(mutation_text(name), {"input": input_}))[name]


async def created(api: Api, course: Course | str, kind: str, **fields: Any) -> dict[str, Any]:
    course_id = course if isinstance(course, str) else gid(course)
    payload = await run(api, "moduleCreate", {"courseId": course_id, "kind": kind, "title": "Module", **fields})
    assert payload["errors"] == [], payload["errors"]
    return payload["module"]


async def module_by_id(api: Api, module_id: str) -> dict[str, Any] | None:
    return (await api.data(f"query ($id: ID!) {{ module(id: $id) {{ {MODULE} }} }}", {"id": module_id}))["module"]


async def curriculum(api: Api, course: Course) -> list[tuple[str, int]]:
    """The course's modules as (title, position), in curriculum order."""
    data = await api.data("query ($id: ID!) { course(id: $id) { modules { title position } } }", {"id": gid(course)})
    return [(module["title"], module["position"]) for module in data["course"]["modules"]]


def in_order(*titles: str) -> list[tuple[str, int]]:
    return [(title, position) for position, title in enumerate(titles)]


def refused(payload: dict[str, Any], node: str, field: list[str] | None, code: str) -> str:
    """The payload names exactly one problem and no result; returns its message."""
    assert payload[node] is None, payload
    assert len(payload["errors"]) == 1, payload["errors"]
    error = payload["errors"][0]
    assert (error["field"], error["code"]) == (field, code), error
    assert error["message"]
    return error["message"]


def common(module: dict[str, Any], course: Course, kind: str, **fields: Any) -> dict[str, Any]:
    """What every kind shows: the given fields over the defaults of a new module."""
    return {
        "__typename": TYPENAMES[kind],
        "id": module["id"],
        "title": "Module",
        "kind": kind,
        "position": 0,
        "isRequired": True,
        "drip": IMMEDIATELY,
        "course": {"id": gid(course)},
        "section": None,
        **fields,
    }


# the 12 kinds


def test_the_cases_cover_every_module_kind() -> None:
    assert set(FULL) == set(MINIMAL) == {kind.name for kind in ModuleKind}


@pytest.mark.parametrize("kind", list(FULL))
async def test_module_create_of_each_kind_keeps_its_fields(catalog: Catalog, kind: str) -> None:
    course = await catalog.course()
    module = await created(catalog.api, course, kind, **FULL[kind])
    assert module == common(module, course, kind, **FULL[kind])
    assert await module_by_id(catalog.api, module["id"]) == module
    query = f"""query ($id: ID!, $course: ID!) {{
      node(id: $id) {{ ... on Module {{ {MODULE} }} }} course(id: $course) {{ modules {{ {MODULE} }} }}
    }}"""
    data = await catalog.api.data(query, {"id": module["id"], "course": gid(course)})
    assert data["node"] == module
    assert data["course"]["modules"] == [module]


@pytest.mark.parametrize("kind", list(MINIMAL))
async def test_module_create_with_only_required_fields_takes_the_kinds_defaults(catalog: Catalog, kind: str) -> None:
    given, shown = MINIMAL[kind]
    course = await catalog.course()
    module = await created(catalog.api, course, kind, **given)
    assert module == common(module, course, kind, **shown)
    assert await module_by_id(catalog.api, module["id"]) == module


async def test_modules_of_every_kind_line_up_in_one_course(catalog: Catalog) -> None:
    course = await catalog.course()
    for kind, fields in FULL.items():
        await created(catalog.api, course, kind, **fields)
    query = "query ($id: ID!) { course(id: $id) { modules { __typename kind position } } }"
    modules = (await catalog.api.data(query, {"id": gid(course)}))["course"]["modules"]
    assert modules == [
        {"__typename": TYPENAMES[kind], "kind": kind, "position": position} for position, kind in enumerate(FULL)
    ]


# moduleCreate


async def test_module_create_sets_the_common_fields(catalog: Catalog) -> None:
    course = await catalog.course()
    section = await make_section(catalog.session, course, title="Basics")
    fields = {
        "title": "  Welcome  ",
        "sectionId": gid(section),
        "isRequired": False,
        "drip": {"rule": "FIXED_DATE", "date": "2026-02-01T09:00:00+01:00", "interval": 3},
    }
    module = await created(catalog.api, course, "TEXT", content="<p>Hi</p>", **fields)
    drip = {"rule": "FIXED_DATE", "date": "2026-02-01T08:00:00Z", "interval": None, "unit": None, "reference": None}
    expected = common(
        module,
        course,
        "TEXT",
        title="Welcome",
        isRequired=False,
        drip=drip,
        section={"id": gid(section)},
        content="<p>Hi</p>",
    )
    assert module == expected
    assert await module_by_id(catalog.api, module["id"]) == expected
    query = "query ($id: ID!) { node(id: $id) { ... on Section { modules { id } } } }"
    assert (await catalog.api.data(query, {"id": gid(section)}))["node"]["modules"] == [{"id": module["id"]}]


@pytest.mark.parametrize(
    ("drip", "shown"),
    [
        (
            {"rule": "SPECIFIC_INTERVAL", "interval": 2},
            {"interval": 2, "unit": "DAY", "reference": "REGISTRATION_DATE"},
        ),
        (
            {"rule": "SPECIFIC_INTERVAL", "interval": 0, "unit": "WEEK", "reference": "STARTED_DATE"},
            {"interval": 0, "unit": "WEEK", "reference": "STARTED_DATE"},
        ),
    ],
)
async def test_module_create_drips_after_an_interval(
    catalog: Catalog, drip: dict[str, Any], shown: dict[str, Any]
) -> None:
    course = await catalog.course()
    module = await created(catalog.api, course, "QUIZ", drip={**drip, "date": "2026-03-01T00:00:00Z"})
    expected = {"rule": "SPECIFIC_INTERVAL", "date": None, **shown}
    assert module["drip"] == expected
    assert (await module_by_id(catalog.api, module["id"]))["drip"] == expected


@pytest.mark.parametrize(("position", "at"), [(None, 3), (0, 0), (1, 1), (3, 3), (99, 3)])
async def test_module_create_inserts_at_a_position_and_moves_the_rest(
    catalog: Catalog, position: int | None, at: int
) -> None:
    course = await catalog.course("A", "B", "C")
    module = await created(catalog.api, course, "LIVE_SESSION", position=position, title="New")
    assert module["position"] == at
    titles = ["A", "B", "C"]
    titles.insert(at, "New")
    assert await curriculum(catalog.api, course) == in_order(*titles)


LONG_URL = "https://example.com/" + "x" * 2030
CREATE_REFUSALS = [
    ("TEXT", {"title": ""}, ["title"], "REQUIRED"),
    ("TEXT", {"title": "   "}, ["title"], "REQUIRED"),
    ("TEXT", {"title": "x" * 10_000}, ["title"], "TOO_LONG"),
    ("TEXT", {"position": -1}, ["position"], "INVALID"),
    ("TEXT", {"content": None}, ["content"], "REQUIRED"),
    ("TEXT", {"content": "  "}, ["content"], "REQUIRED"),
    ("VIDEO", {"url": None}, ["url"], "REQUIRED"),
    ("PDF", {"url": None}, ["url"], "REQUIRED"),
    ("PRESENTATION", {"url": None}, ["url"], "REQUIRED"),
    ("SCORM", {"launchUrl": None}, ["launchUrl"], "REQUIRED"),
    ("EXTERNAL", {"launchUrl": None}, ["launchUrl"], "REQUIRED"),
    ("VIDEO", {"url": "not a url"}, ["url"], "INVALID"),
    ("VIDEO", {"url": "ftp://files.example.com/a.mp4"}, ["url"], "INVALID"),
    ("VIDEO", {"url": "https://nodot"}, ["url"], "INVALID"),
    ("VIDEO", {"url": LONG_URL}, ["url"], "TOO_LONG"),
    ("VIDEO", {"coverUrl": "javascript:alert(1)"}, ["coverUrl"], "INVALID"),
    ("VIDEO", {"durationSeconds": -1}, ["durationSeconds"], "INVALID"),
    ("PDF", {"defaultZoom": "x" * 21}, ["defaultZoom"], "TOO_LONG"),
    ("EXTERNAL", {"stagingUrl": "staging"}, ["stagingUrl"], "INVALID"),
    ("EXTERNAL", {"maxScore": -1.0}, ["maxScore"], "INVALID"),
    ("EXTERNAL", {"lmsId": ""}, ["lmsId"], "REQUIRED"),
    ("SCORM", {"scormVersion": "x" * 41}, ["scormVersion"], "TOO_LONG"),
    ("QUIZ", {"passingPercentage": 100.5}, ["passingPercentage"], "INVALID"),
    ("QUIZ", {"retakesAllowed": -1}, ["retakesAllowed"], "INVALID"),
    ("QUIZ", {"timeLimitMinutes": 10_001}, ["timeLimitMinutes"], "INVALID"),
    ("ASSIGNMENT", {"maxUploadSizeMb": 0}, ["maxUploadSizeMb"], "INVALID"),
    ("ASSIGNMENT", {"totalPoints": -5}, ["totalPoints"], "INVALID"),
    ("DISCUSSION", {"minComments": 0}, ["minComments"], "INVALID"),
    ("LIVE_SESSION", {"durationMinutes": 0}, ["durationMinutes"], "INVALID"),
    ("LIVE_SESSION", {"durationMinutes": 24 * 60 + 1}, ["durationMinutes"], "INVALID"),
    ("SURVEY", {"submitButtonText": "x" * 101}, ["submitButtonText"], "TOO_LONG"),
    ("SURVEY", {"surveyFields": [{"type": "DROPDOWN", "label": "Pick"}]}, ["surveyFields", "0", "options"], "REQUIRED"),
    (
        "SURVEY",
        {"surveyFields": [{"type": "TEXT", "label": "Ok"}, {"type": "TEXT", "label": " "}]},
        ["surveyFields", "1", "label"],
        "REQUIRED",
    ),
    ("FLASHCARDS", {"cards": [{"front": "Q", "back": ""}]}, ["cards", "0", "back"], "REQUIRED"),
    ("TEXT", {"url": "https://example.com/"}, ["url"], "INVALID"),
    ("VIDEO", {"content": "<p>x</p>"}, ["content"], "INVALID"),
    ("QUIZ", {"cards": [{"front": "Q", "back": "A"}]}, ["cards"], "INVALID"),
    ("SURVEY", {"launchUrl": "https://example.com/"}, ["launchUrl"], "INVALID"),
    ("LIVE_SESSION", {"totalPoints": 10}, ["totalPoints"], "INVALID"),
    ("EXTERNAL", {"provider": "YOUTUBE"}, ["provider"], "INVALID"),
    ("PDF", {"viewer": "GOOGLE_VIEWER"}, ["viewer"], "INVALID"),
    ("TEXT", {"drip": {"rule": "FIXED_DATE"}}, ["drip", "date"], "REQUIRED"),
    ("TEXT", {"drip": {"rule": "SPECIFIC_INTERVAL"}}, ["drip", "interval"], "REQUIRED"),
    ("TEXT", {"drip": {"rule": "SPECIFIC_INTERVAL", "interval": -1}}, ["drip", "interval"], "INVALID"),
]


@pytest.mark.parametrize(("kind", "change", "field", "code"), CREATE_REFUSALS)
async def test_a_refused_module_create_adds_nothing(
    catalog: Catalog, kind: str, change: dict[str, Any], field: list[str], code: str
) -> None:
    course = await catalog.course("Existing")
    input_ = {"courseId": gid(course), "kind": kind, "title": "New", **MINIMAL[kind][0], **change}
    payload = await run(catalog.api, "moduleCreate", {k: v for k, v in input_.items() if v is not None})
    refused(payload, "module", field, code)
    assert await curriculum(catalog.api, course) == in_order("Existing")


async def test_a_wrong_kind_field_names_the_field_and_the_kind(catalog: Catalog) -> None:
    course = await catalog.course()
    input_ = {"courseId": gid(course), "kind": "TEXT", "title": "T", "content": "x", "url": "https://a.example.com/"}
    payload = await run(catalog.api, "moduleCreate", input_)
    assert refused(payload, "module", ["url"], "INVALID") == "url does not apply to TEXT modules."


async def test_module_create_reports_every_problem_at_once(catalog: Catalog) -> None:
    course = await catalog.course()
    input_ = {"courseId": gid(course), "kind": "TEXT", "title": " ", "position": -1, "url": "https://example.com/"}
    payload = await run(catalog.api, "moduleCreate", input_)
    assert payload["module"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        (["title"], "REQUIRED"),
        (["position"], "INVALID"),
        (["url"], "INVALID"),
        (["content"], "REQUIRED"),
    ]
    assert await curriculum(catalog.api, course) == []


async def test_a_kind_field_with_a_nul_character_is_refused_not_a_server_error(catalog: Catalog) -> None:
    course = await catalog.course()
    input_ = {"courseId": gid(course), "kind": "ASSIGNMENT", "title": "Essay", "allowedFileTypes": ["p\x00df"]}
    body = (await catalog.api.post(mutation_text("moduleCreate"), {"input": input_})).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert await curriculum(catalog.api, course) == []


@pytest.mark.parametrize("how", BAD_IDS)
async def test_module_create_in_a_course_the_admin_cannot_use_is_not_found(catalog: Catalog, how: str) -> None:
    course_id = await catalog.bad_id_of(how, "Course")
    payload = await run(catalog.api, "moduleCreate", {"courseId": course_id, "kind": "QUIZ", "title": "Intruder"})
    refused(payload, "module", ["courseId"], "NOT_FOUND")
    if how == "hidden":
        globex_course = (await catalog.api.acting_in("globex").data("{ courses { nodes { modules { id } } } }"))[
            "courses"
        ]
        assert globex_course["nodes"] == [{"modules": []}]


@pytest.mark.parametrize("how", [*BAD_IDS, "other-course"])
async def test_module_create_in_a_section_of_another_course_is_not_found(catalog: Catalog, how: str) -> None:
    course = await catalog.course("Existing")
    if how == "other-course":
        section_id = gid(await make_section(catalog.session, await catalog.course(), title="Elsewhere"))
    else:
        section_id = await catalog.bad_id_of(how, "Section")
    input_ = {"courseId": gid(course), "kind": "QUIZ", "title": "New", "sectionId": section_id}
    refused(await run(catalog.api, "moduleCreate", input_), "module", ["sectionId"], "NOT_FOUND")
    assert await curriculum(catalog.api, course) == in_order("Existing")


# moduleUpdate


async def test_module_update_changes_the_given_fields_and_keeps_the_rest(catalog: Catalog, clock: FrozenClock) -> None:
    course = await catalog.course()
    module = await created(catalog.api, course, "VIDEO", **FULL["VIDEO"])
    clock.advance(minutes=5)
    change = {
        "title": " Renamed ",
        "provider": "YOUTUBE",
        "isRequired": False,
        "drip": {"rule": "SPECIFIC_INTERVAL", "interval": 1, "unit": "MONTH"},
    }
    payload = await run(catalog.api, "moduleUpdate", {"moduleId": module["id"], **change})
    assert payload["errors"] == []
    drip = {"rule": "SPECIFIC_INTERVAL", "date": None, "interval": 1, "unit": "MONTH", "reference": "REGISTRATION_DATE"}
    expected = {**module, "title": "Renamed", "provider": "YOUTUBE", "isRequired": False, "drip": drip}
    assert payload["module"] == expected
    assert await module_by_id(catalog.api, module["id"]) == expected
    stamps = "query ($id: ID!) { module(id: $id) { createdAt updatedAt } }"
    assert (await catalog.api.data(stamps, {"id": module["id"]}))["module"] == {
        "createdAt": "2026-01-05T09:00:00Z",
        "updatedAt": "2026-01-05T09:05:00Z",
    }


async def test_module_update_back_to_immediately_forgets_the_drip_date(catalog: Catalog) -> None:
    course = await catalog.course()
    module = await created(
        catalog.api, course, "TEXT", content="x", drip={"rule": "FIXED_DATE", "date": "2026-02-01T00:00:00Z"}
    )
    payload = await run(catalog.api, "moduleUpdate", {"moduleId": module["id"], "drip": {"rule": "IMMEDIATELY"}})
    assert payload["module"]["drip"] == IMMEDIATELY
    assert (await module_by_id(catalog.api, module["id"]))["drip"] == IMMEDIATELY


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("TEXT", {"content": "<p>New</p>"}),
        ("FLASHCARDS", {"cards": [{"front": "New", "back": "Card"}], "orientation": "HORIZONTAL"}),
        ("SURVEY", {"surveyFields": [{"type": "RATING", "label": "Stars?", "isRequired": True, "options": []}]}),
        ("QUIZ", {"passingPercentage": 0.0, "showCorrectAnswers": "ALWAYS"}),
        ("EXTERNAL", {"launchUrl": "https://new.example.com/launch", "maxScore": 1_000_000.0}),
    ],
)
async def test_module_update_replaces_kind_fields(catalog: Catalog, kind: str, change: dict[str, Any]) -> None:
    course = await catalog.course()
    module = await created(catalog.api, course, kind, **FULL[kind])
    payload = await run(catalog.api, "moduleUpdate", {"moduleId": module["id"], **change})
    assert payload["module"] == {**module, **change}
    assert await module_by_id(catalog.api, module["id"]) == {**module, **change}


@pytest.mark.parametrize(
    ("moved", "position", "order"),
    [("D", 1, "ADBC"), ("A", 2, "BCAD"), ("A", 99, "BCDA"), ("C", 0, "CABD"), ("B", 1, "ABCD")],
)
async def test_module_update_moves_a_module_and_keeps_positions_contiguous(
    catalog: Catalog, moved: str, position: int, order: str
) -> None:
    course = await catalog.course(*"ABCD")
    ids = await ids_by_title(catalog.api, course)
    payload = await run(catalog.api, "moduleUpdate", {"moduleId": ids[moved], "position": position})
    assert payload["module"]["position"] == order.index(moved)
    assert await curriculum(catalog.api, course) == in_order(*order)


async def test_module_update_moves_a_module_into_a_section(catalog: Catalog) -> None:
    course = await catalog.course()
    section = await make_section(catalog.session, course, title="Basics")
    module = await created(catalog.api, course, "QUIZ")
    payload = await run(catalog.api, "moduleUpdate", {"moduleId": module["id"], "sectionId": gid(section)})
    assert payload["module"]["section"] == {"id": gid(section)}
    query = "query ($id: ID!) { node(id: $id) { ... on Section { modules { id section { id } } } } }"
    modules = (await catalog.api.data(query, {"id": gid(section)}))["node"]["modules"]
    assert modules == [{"id": module["id"], "section": {"id": gid(section)}}]


UPDATE_REFUSALS = [
    ("TEXT", {"title": ""}, ["title"], "REQUIRED"),
    ("TEXT", {"title": "x" * 10_000}, ["title"], "TOO_LONG"),
    ("TEXT", {"position": -1}, ["position"], "INVALID"),
    ("TEXT", {"content": " ", "title": "Changed"}, ["content"], "REQUIRED"),
    ("TEXT", {"url": "https://example.com/", "title": "Changed"}, ["url"], "INVALID"),
    ("VIDEO", {"content": "<p>x</p>"}, ["content"], "INVALID"),
    ("VIDEO", {"url": "example.com/video", "title": "Changed"}, ["url"], "INVALID"),
    ("VIDEO", {"durationSeconds": 86_401}, ["durationSeconds"], "INVALID"),
    ("QUIZ", {"passingPercentage": -0.5, "title": "Changed"}, ["passingPercentage"], "INVALID"),
    ("QUIZ", {"submitButtonText": "Go"}, ["submitButtonText"], "INVALID"),
    (
        "SURVEY",
        {"surveyFields": [{"type": "CHECKBOX", "label": "Which?"}]},
        ["surveyFields", "0", "options"],
        "REQUIRED",
    ),
    ("FLASHCARDS", {"cards": [{"front": " ", "back": "A"}]}, ["cards", "0", "front"], "REQUIRED"),
    ("DISCUSSION", {"minComments": 1001}, ["minComments"], "INVALID"),
    ("TEXT", {"drip": {"rule": "FIXED_DATE"}, "title": "Changed"}, ["drip", "date"], "REQUIRED"),
    ("TEXT", {"drip": {"rule": "SPECIFIC_INTERVAL", "interval": -2}}, ["drip", "interval"], "INVALID"),
]


@pytest.mark.parametrize(("kind", "change", "field", "code"), UPDATE_REFUSALS)
async def test_a_refused_module_update_changes_nothing(
    catalog: Catalog, kind: str, change: dict[str, Any], field: list[str], code: str
) -> None:
    course = await catalog.course("First")
    module = await created(catalog.api, course, kind, **FULL[kind])
    refused(await run(catalog.api, "moduleUpdate", {"moduleId": module["id"], **change}), "module", field, code)
    assert await module_by_id(catalog.api, module["id"]) == module
    assert await curriculum(catalog.api, course) == in_order("First", "Module")


@pytest.mark.parametrize("how", [*BAD_IDS, "other-course"])
async def test_module_update_into_a_section_of_another_course_is_not_found(catalog: Catalog, how: str) -> None:
    course = await catalog.course()
    module = await created(catalog.api, course, "QUIZ")
    if how == "other-course":
        section_id = gid(await make_section(catalog.session, await catalog.course(), title="Elsewhere"))
    else:
        section_id = await catalog.bad_id_of(how, "Section")
    payload = await run(
        catalog.api, "moduleUpdate", {"moduleId": module["id"], "sectionId": section_id, "title": "Moved"}
    )
    refused(payload, "module", ["sectionId"], "NOT_FOUND")
    assert await module_by_id(catalog.api, module["id"]) == module


@pytest.mark.parametrize("how", BAD_IDS)
@pytest.mark.parametrize("mutation", ["moduleUpdate", "moduleDelete"])
async def test_a_module_id_the_admin_cannot_use_is_not_found(catalog: Catalog, mutation: str, how: str) -> None:
    module_id = await catalog.bad_id_of(how, "Module")
    input_ = {"moduleId": module_id, "title": "Hijacked"} if mutation == "moduleUpdate" else {"moduleId": module_id}
    node = "module" if mutation == "moduleUpdate" else "deletedModuleId"
    refused(await run(catalog.api, mutation, input_), node, ["moduleId"], "NOT_FOUND")
    if how == "hidden":
        theirs = await catalog.api.acting_in("globex").data("{ courses { nodes { modules { title } } } }")
        assert theirs["courses"]["nodes"] == [{"modules": [{"title": "Globex module"}]}]


# moduleReorder


async def ids_by_title(api: Api, course: Course) -> dict[str, str]:
    data = await api.data("query ($id: ID!) { course(id: $id) { modules { id title } } }", {"id": gid(course)})
    return {module["title"]: module["id"] for module in data["course"]["modules"]}


async def test_module_reorder_puts_modules_in_the_given_order(catalog: Catalog) -> None:
    course = await catalog.course("A", "B", "C")
    ids = await ids_by_title(catalog.api, course)
    payload = await run(
        catalog.api, "moduleReorder", {"courseId": gid(course), "moduleIds": [ids["C"], ids["A"], ids["B"]]}
    )
    assert payload["errors"] == []
    assert payload["course"] == {
        "id": gid(course),
        "modules": [{"title": t, "position": p} for t, p in in_order(*"CAB")],
    }
    assert await curriculum(catalog.api, course) == in_order(*"CAB")
    assert (await module_by_id(catalog.api, ids["A"]))["position"] == 1


async def test_module_reorder_of_a_course_without_modules_is_no_error(catalog: Catalog) -> None:
    course = await catalog.course()
    payload = await run(catalog.api, "moduleReorder", {"courseId": gid(course), "moduleIds": []})
    assert (payload["errors"], payload["course"]["modules"]) == ([], [])


@pytest.mark.parametrize(
    ("order", "field", "code"),
    [
        (["C", "A"], ["moduleIds"], "INVALID"),
        (["C", "A", "B", "A"], ["moduleIds"], "INVALID"),
        ([], ["moduleIds"], "INVALID"),
        (["C", "A", "B", "other-course"], ["moduleIds", "3"], "NOT_FOUND"),
        (["C", "other-course", "B"], ["moduleIds", "1"], "NOT_FOUND"),
        *((["C", "A", "B", how], ["moduleIds", "3"], "NOT_FOUND") for how in BAD_IDS),
    ],
)
async def test_a_refused_module_reorder_changes_nothing(
    catalog: Catalog, order: list[str], field: list[str], code: str
) -> None:
    course = await catalog.course("A", "B", "C")
    ids = await ids_by_title(catalog.api, course)
    for name in order:
        if name == "other-course":
            ids[name] = gid(await make_module(catalog.session, await catalog.course()))
        elif name in BAD_IDS:
            ids[name] = await catalog.bad_id_of(name, "Module")
    payload = await run(catalog.api, "moduleReorder", {"courseId": gid(course), "moduleIds": [ids[n] for n in order]})
    refused(payload, "course", field, code)
    assert await curriculum(catalog.api, course) == in_order(*"ABC")


@pytest.mark.parametrize("how", BAD_IDS)
async def test_module_reorder_of_a_course_the_admin_cannot_use_is_not_found(catalog: Catalog, how: str) -> None:
    course_id = await catalog.bad_id_of(how, "Course")
    payload = await run(catalog.api, "moduleReorder", {"courseId": course_id, "moduleIds": []})
    refused(payload, "course", ["courseId"], "NOT_FOUND")


# moduleDelete


async def test_module_delete_removes_the_module_and_closes_the_gap(catalog: Catalog) -> None:
    course = await catalog.course(*"ABCD")
    ids = await ids_by_title(catalog.api, course)
    payload = await run(catalog.api, "moduleDelete", {"moduleId": ids["B"]})
    assert payload == {"deletedModuleId": ids["B"], "errors": []}
    assert await curriculum(catalog.api, course) == in_order(*"ACD")
    data = await catalog.api.data("query ($id: ID!) { module(id: $id) { id } node(id: $id) { id } }", {"id": ids["B"]})
    assert data == {"module": None, "node": None}
    again = await run(catalog.api, "moduleDelete", {"moduleId": ids["B"]})
    refused(again, "deletedModuleId", ["moduleId"], "NOT_FOUND")
    assert await curriculum(catalog.api, course) == in_order(*"ACD")


async def test_module_delete_leaves_its_section_and_other_courses_alone(catalog: Catalog) -> None:
    course, other = await catalog.course(), await catalog.course("Elsewhere")
    section = await make_section(catalog.session, course, title="Basics")
    kept = await created(catalog.api, course, "QUIZ", title="Kept", sectionId=gid(section))
    gone = await created(catalog.api, course, "QUIZ", title="Gone", sectionId=gid(section), position=0)
    assert (await run(catalog.api, "moduleDelete", {"moduleId": gone["id"]}))["errors"] == []
    query = "query ($id: ID!) { node(id: $id) { ... on Section { title modules { id position } } } }"
    assert (await catalog.api.data(query, {"id": gid(section)}))["node"] == {
        "title": "Basics",
        "modules": [{"id": kept["id"], "position": 0}],
    }
    assert await curriculum(catalog.api, other) == in_order("Elsewhere")


# module(id), node and other portals


async def test_module_lookup_of_missing_or_other_type_ids_is_null(catalog: Catalog) -> None:
    course = await catalog.course("A")
    assert await module_by_id(catalog.api, global_id("Module", UUID(int=7))) is None
    assert await module_by_id(catalog.api, gid(course)) is None
    errors = await catalog.api.errors('{ module(id: "not-an-id") { id } }')
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_another_portals_modules_are_null_everywhere(catalog: Catalog) -> None:
    theirs = await make_course(catalog.session, catalog.globex, slug="secret")
    module = await make_module(catalog.session, theirs, title="Secret")
    ours = await make_module(catalog.session, await catalog.course(), title="Ours")
    query = """query ($id: ID!, $ids: [ID!]!) {
      module(id: $id) { title } node(id: $id) { id } nodes(ids: $ids) { id }
      course(slug: "secret") { modules { title } }
    }"""
    variables = {"id": gid(module), "ids": [gid(module), gid(ours)]}
    assert await catalog.api.data(query, variables) == {
        "module": None,
        "node": None,
        "nodes": [None, {"id": gid(ours)}],
        "course": None,
    }
    seen_by_globex = await catalog.api.acting_in("globex").data(query, variables)
    assert seen_by_globex == {
        "module": {"title": "Secret"},
        "node": {"id": gid(module)},
        "nodes": [{"id": gid(module)}, None],
        "course": {"modules": [{"title": "Secret"}]},
    }
