from tests.conftest import Api
from tests.factories import make_course, make_module, make_portal


async def test_portal_courses_and_modules_nest_in_one_request(api: Api, session) -> None:
    portal = await make_portal(session, slug="acme")
    course = await make_course(session, portal, title="Python")
    await make_module(session, course, title="Intro")
    data = await api.acting_in("acme").data(
        "{ courses { totalCount nodes { title portal { slug } modules { __typename title course { title } } } } }"
    )
    assert data["courses"]["totalCount"] == 1
    node = data["courses"]["nodes"][0]
    assert node["portal"]["slug"] == "acme"
    assert node["modules"] == [{"__typename": "TextModule", "title": "Intro", "course": {"title": "Python"}}]
