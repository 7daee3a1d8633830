"""The LiveMinutes provider (seed 002) against a protocol server of the tests on a loopback port:
every method as the seed specifies it, statuses mapped to the contract's enums, resultcode 0 as a
refusal; then through the API, where a refusal is a payload error and saves nothing."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.live_sessions import LiveSession, LiveSessionStatus, ParticipantStatus
from models.settings import Settings
from models.users import Role
from resolvers.live_sessions.liveminutes import LiveMinutes
from resolvers.live_sessions.providers import MeetingRequest, ProviderFailed
from tests.conftest import Api, FrozenClock
from tests.factories import gid, make_user
from tests.graph.live_sessions.classroom import ADD, CANCEL, ENROLL, REFRESH, REMOVE, make_classroom
from tests.graph.live_sessions.liveminutes_server import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    LiveMinutesServer,
    liveminutes_server,
)

REQUEST = MeetingRequest(
    meeting_key="",
    host_puid="host42",
    title="Weekly clinic",
    local_time=datetime(2026, 1, 5, 10, 30, tzinfo=UTC),
    duration_minutes=45,
    host_nickname="Grace Host",
    host_email="grace@example.com",
)


@pytest.fixture
def server() -> Iterator[LiveMinutesServer]:
    with liveminutes_server() as running:
        yield running


def client(server: LiveMinutesServer, token: str = AUTH_TOKEN) -> LiveMinutes:
    return LiveMinutes(base_url=server.url, account_sid=ACCOUNT_SID, auth_token=token)


async def test_create_meeting_sends_the_seeds_fields_and_reads_its_escaped_urls(server: LiveMinutesServer) -> None:
    meeting = await client(server).create_meeting(REQUEST)
    assert (meeting.meeting_key, meeting.meeting_url, meeting.host_url) == (
        "kjhgngf",
        "http://liveminutes.com/03P23Z",
        "http://liveminutes.com/e/LIVEXP63FCLCRJW4GHT1X7O6",
    )
    [(method, sent)] = server.calls
    assert method == "createMeeting"
    assert sent == {"hostid": "host42", "title": "Weekly clinic", "time": "2026-01-05 10:30:00",
                    "duration": "45.0", "hostnickname": "Grace Host", "hostemail": "grace@example.com"}  # fmt: skip


async def test_every_other_method_answers_as_the_seed_shows(server: LiveMinutesServer) -> None:
    minutes = client(server)
    url = await minutes.add_participant("abcdef", puid="111", nickname="John Smith", email="john@example.com")
    assert url == "http://liveminutes.com/e/LIVE5CGOSIHYSBEPON0GCGFX"
    assert await minutes.participant_url("abcdef", puid="111") == "http://liveminutes.com/e/LIVESFK4G5ZJN4U6S0R4R8YX"
    assert await minutes.meeting_url("abcdef") == "http://liveminutes.com/MNADI4"
    assert await minutes.cancel_participant("abcdef", puid="111") is None
    assert await minutes.cancel_meeting("abcdef") is None
    assert server.methods() == ["addParticipant", "getParticipantUrl", "getMeetingUrl", "cancelParticipant",
                                "cancelMeeting"]  # fmt: skip
    assert server.calls[0][1] == {"meetingKey": "abcdef", "puid": "111", "nickname": "John Smith",
                                  "email": "john@example.com"}  # fmt: skip


@pytest.mark.parametrize(
    ("code", "meeting", "participant"),
    [("1", LiveSessionStatus.STARTED, None), ("8", LiveSessionStatus.IN_PROGRESS, None),
     ("12", LiveSessionStatus.FINISHED, None), ("11", LiveSessionStatus.HOST_QUIT, ParticipantStatus.QUIT),
     ("2", None, ParticipantStatus.ACCEPTED), ("3", None, ParticipantStatus.REFUSED),
     ("10", None, ParticipantStatus.IN_PROGRESS)],
)  # fmt: skip
async def test_statuses_arrive_as_strings_and_map_to_the_contracts_enums(
    server: LiveMinutesServer, code: str, meeting: LiveSessionStatus | None, participant: ParticipantStatus | None
) -> None:
    """Meeting 1/8/12/11, participant 2/3/10/11; a code the method does not know is a refusal."""
    server.status = server.participant_status = code
    for read, expected in (
        (lambda: client(server).meeting_status("abcdef"), meeting),
        (lambda: client(server).participant_status("abcdef", puid="111"), participant),
    ):
        if expected is None:
            with pytest.raises(ProviderFailed):
                await read()
        else:
            assert await read() is expected


async def test_an_unknown_status_is_a_refusal(server: LiveMinutesServer) -> None:
    server.status = "99"
    with pytest.raises(ProviderFailed):
        await client(server).meeting_status("abcdef")


async def test_wrong_credentials_and_resultcode_0_are_refusals_that_name_no_secret(server: LiveMinutesServer) -> None:
    with pytest.raises(ProviderFailed) as refused:
        await client(server, token="wrong").create_meeting(REQUEST)
    assert "resultcode 0" in str(refused.value) and "wrong" not in str(refused.value)
    server.failing = {"addParticipant"}
    with pytest.raises(ProviderFailed):
        await client(server).add_participant("abcdef", puid="111", nickname="", email="")


async def test_an_unreachable_server_is_a_refusal() -> None:
    with liveminutes_server() as gone:
        url = gone.url
    with pytest.raises(ProviderFailed):
        await LiveMinutes(base_url=url, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN).meeting_url("abcdef")


# ---- through the API ----------------------------------------------------------------------------


@pytest.fixture
def settings(settings: Settings, server: LiveMinutesServer) -> Settings:
    """The app's settings with LiveMinutes as the provider, at the protocol server."""
    return settings.model_copy(
        update={
            "live_session_provider": "liveminutes",
            "liveminutes_url": server.url,
            "liveminutes_account_sid": ACCOUNT_SID,
            "liveminutes_auth_token": AUTH_TOKEN,
        }
    )


async def count_sessions(session: AsyncSession) -> int:
    n = await session.scalar(select(func.count()).select_from(LiveSession))
    await session.commit()
    return n or 0


async def test_a_session_gets_its_urls_from_liveminutes(
    api: Api, session: AsyncSession, server: LiveMinutesServer
) -> None:
    room = await make_classroom(api, session)
    created = await room.create()
    assert created["errors"] == []
    live = created["liveSession"]
    assert (live["provider"], live["hostUrl"], live["meetingUrl"]) == (
        "liveminutes",
        "http://liveminutes.com/e/LIVEXP63FCLCRJW4GHT1X7O6",
        "http://liveminutes.com/03P23Z",
    )
    sent = server.calls[0][1]
    assert (sent["meetingKey"], sent["hostid"], sent["time"], sent["duration"]) == (
        live["classroomToken"],
        room.host.classroom_user_id,
        "2026-01-05 09:30:00",  # the portal's time zone (UTC)
        "45.0",
    )
    added = await room.admin.data(ADD, {"input": {"liveSessionId": live["id"], "userIds": [gid(room.learner)]}})
    joined = added["liveSessionParticipantAdd"]["participants"]
    assert joined == [
        {"user": {"fullName": "John Smith"}, "joinUrl": "http://liveminutes.com/e/LIVE5CGOSIHYSBEPON0GCGFX"}
    ]
    assert server.calls[1] == (
        "addParticipant",
        {"meetingKey": "kjhgngf", "puid": room.learner.classroom_user_id, "nickname": "John Smith",
         "email": room.learner.email},
    )  # fmt: skip
    await room.admin.data(REMOVE, {"input": {"liveSessionId": live["id"], "userIds": [gid(room.learner)]}})
    cancelled = await room.admin.data(CANCEL, {"input": {"liveSessionId": live["id"]}})
    assert cancelled["liveSessionCancel"]["liveSession"]["status"] == "CANCELLED"
    assert server.methods()[2:] == ["cancelParticipant", "cancelMeeting"]


async def test_resultcode_0_on_create_is_a_payload_error_and_nothing_is_saved(
    api: Api, session: AsyncSession, server: LiveMinutesServer
) -> None:
    room = await make_classroom(api, session)
    server.failing = {"createMeeting"}
    refused = await room.create()
    assert refused["liveSession"] is None
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [(None, "PROVIDER_FAILED")]
    assert await count_sessions(session) == 0


async def test_resultcode_0_for_one_participant_is_reported_by_index(
    api: Api, session: AsyncSession, server: LiveMinutesServer
) -> None:
    room = await make_classroom(api, session)
    live = (await room.create())["liveSession"]
    server.failing = {"addParticipant"}
    done = await room.admin.data(ADD, {"input": {"liveSessionId": live["id"], "userIds": [gid(room.learner)]}})
    payload = done["liveSessionParticipantAdd"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(["userIds", "0"], "PROVIDER_FAILED")]
    assert payload["liveSession"]["participants"]["totalCount"] == 0
    server.failing = {"cancelMeeting"}
    kept = await room.admin.data(CANCEL, {"input": {"liveSessionId": live["id"]}})
    assert [e["code"] for e in kept["liveSessionCancel"]["errors"]] == ["PROVIDER_FAILED"]
    assert (await room.admin.data(ADD, {"input": {"liveSessionId": live["id"], "userIds": []}}))[
        "liveSessionParticipantAdd"
    ]["liveSession"]["status"] == "SCHEDULED"


async def test_a_class_is_invited_with_concurrent_calls_answered_by_index(
    api: Api, session: AsyncSession, server: LiveMinutesServer
) -> None:
    room = await make_classroom(api, session)
    live = (await room.create())["liveSession"]
    learners = [room.learner]
    for name in ("Ada One", "Ben Two"):
        learners.append(await make_user(session, room.portal, role=Role.LEARNER, full_name=name))
    await room.admin.data(ENROLL, {"input": {"courseId": gid(room.course), "userIds": [gid(u) for u in learners]}})
    server.together = threading.Barrier(len(learners))  # all three calls in flight at once, or none is answered
    done = await room.admin.data(
        ADD, {"input": {"liveSessionId": live["id"], "userIds": [gid(room.outsider), *(gid(u) for u in learners)]}}
    )
    payload = done["liveSessionParticipantAdd"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(["userIds", "0"], "NOT_ENROLLED")]
    assert [p["user"]["fullName"] for p in payload["participants"]] == ["John Smith", "Ada One", "Ben Two"]
    assert server.methods()[1:] == ["addParticipant"] * 3


async def test_refreshing_reads_the_meeting_and_participant_statuses(
    api: Api, session: AsyncSession, server: LiveMinutesServer, clock: FrozenClock
) -> None:
    room = await make_classroom(api, session)
    live = await room.session_with_learner()
    server.status, server.participant_status = "8", "10"
    clock.advance(minutes=31)
    done = (await room.admin.data(REFRESH, {"input": {"liveSessionId": live["id"]}}))["liveSessionStatusRefresh"]
    assert done["errors"] == []
    assert (done["liveSession"]["status"], done["liveSession"]["startedAt"]) == ("IN_PROGRESS", "2026-01-05T09:31:00Z")
    assert done["liveSession"]["participants"]["nodes"][0]["status"] == "IN_PROGRESS"
    server.status, server.participant_status = "11", "11"
    done = (await room.admin.data(REFRESH, {"input": {"liveSessionId": live["id"]}}))["liveSessionStatusRefresh"]
    assert done["liveSession"]["status"] == "HOST_QUIT"
    assert done["liveSession"]["participants"]["nodes"][0]["status"] == "QUIT"
    server.failing = {"getMeetingStatus"}
    refused = (await room.admin.data(REFRESH, {"input": {"liveSessionId": live["id"]}}))["liveSessionStatusRefresh"]
    assert [e["code"] for e in refused["errors"]] == ["PROVIDER_FAILED"]
