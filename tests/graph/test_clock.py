"""The injectable clock stamps what requests write, so date rules can be tested exactly."""

from sqlalchemy.ext.asyncio import AsyncSession

from tests.conftest import Api, FrozenClock
from tests.factories import make_portal

CREATE = "mutation ($t: String!) { courseCreate(input: {title: $t}) { course { id createdAt updatedAt } } }"
RENAME = 'mutation ($id: ID!) { courseUpdate(input: {courseId: $id, title: "Renamed"}) { course { updatedAt } } }'


async def test_rows_written_by_requests_carry_the_clocks_time(
    api: Api, session: AsyncSession, clock: FrozenClock
) -> None:
    await make_portal(session, slug="timed")
    acting = api.acting_in("timed")
    course = (await acting.data(CREATE, {"t": "Timed"}))["courseCreate"]["course"]
    assert course["createdAt"] == course["updatedAt"] == "2026-01-05T09:00:00Z"
    clock.advance(days=2, hours=3)
    renamed = (await acting.data(RENAME, {"id": course["id"]}))["courseUpdate"]["course"]
    assert renamed["updatedAt"] == "2026-01-07T12:00:00Z"
