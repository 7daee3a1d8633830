"""A user of several portals, signed in without X-Portal, sees where they may act, and nothing else."""

from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import CourseStatus
from models.users import Membership, Role
from resolvers.users import hash_password
from tests.conftest import Api
from tests.factories import make_course, make_portal, make_user

PICKER = "{ viewer { memberships { role portal { slug } } } portals { nodes { slug } } courses { totalCount } }"


async def test_without_x_portal_a_multi_portal_user_sees_their_memberships(api: Api, session: AsyncSession) -> None:
    acme, globex = await make_portal(session, slug="acme"), await make_portal(session, slug="globex")
    await make_course(session, globex, status=CourseStatus.PUBLISHED)
    user = await make_user(session, acme, role=Role.ADMIN)
    session.add(Membership(portal_id=globex.id, user_id=user.id, role=Role.LEARNER))
    await session.commit()
    data = await api.signed_in(user).data(PICKER)
    memberships = {(m["portal"]["slug"], m["role"]) for m in data["viewer"]["memberships"]}
    assert memberships == {("acme", "ADMIN"), ("globex", "LEARNER")}
    assert {p["slug"] for p in data["portals"]["nodes"]} == {"acme", "globex"}
    assert data["courses"]["totalCount"] == 0  # acting nowhere: no portal's content yet
    acting = await api.signed_in(user, "globex").data(PICKER)
    assert [m["portal"]["slug"] for m in acting["viewer"]["memberships"]] == ["globex"]
    assert acting["courses"]["totalCount"] == 1


async def test_an_empty_bearer_is_unauthenticated(api: Api, session: AsyncSession) -> None:
    await make_portal(session, slug="acme")
    errors = (await api.anonymous("acme").post("{ viewer { id } }", authorization="Bearer ")).json()["errors"]
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_sign_in_payload_shows_the_user_as_they_see_themselves(api: Api, session: AsyncSession) -> None:
    acme = await make_portal(session, slug="acme")
    await make_user(session, acme, role=Role.LEARNER, email="ada@acme.test", password_hash=hash_password("s3cret-pass"))
    query = """mutation { tokenCreate(input: {email: "ada@acme.test", password: "s3cret-pass"}) {
      user { email memberships { role portal { slug } } } } }"""
    user = (await api.anonymous().data(query))["tokenCreate"]["user"]
    assert user == {"email": "ada@acme.test", "memberships": [{"role": "LEARNER", "portal": {"slug": "acme"}}]}
