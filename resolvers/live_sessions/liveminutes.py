"""002's LiveMinutes API as a provider: `POST <base>/<method>` with form fields, HTTP Basic
`AccountSid:AuthToken`, JSON answers whose `resultcode` is 1 (done) or 0 (refused), URLs
JSON-escaped (`http:\\/\\/…`, which JSON decoding undoes) and statuses as strings."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from models.live_sessions import LiveSessionStatus, ParticipantStatus
from models.settings import Settings
from resolvers.live_sessions.providers import LIVEMINUTES, Meeting, MeetingRequest, ProviderFailed

MEETING_STATUSES = {  # idlastbookingstatus
    "1": LiveSessionStatus.STARTED,
    "8": LiveSessionStatus.IN_PROGRESS,
    "12": LiveSessionStatus.FINISHED,
    "11": LiveSessionStatus.HOST_QUIT,
}
PARTICIPANT_STATUSES = {  # idlastparticipantstatus
    "2": ParticipantStatus.ACCEPTED,
    "3": ParticipantStatus.REFUSED,
    "10": ParticipantStatus.IN_PROGRESS,
    "11": ParticipantStatus.QUIT,
}
MAX_PUID = 50  # hostid and puid: Length <= 50
S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class LiveMinutes:
    base_url: str
    account_sid: str
    auth_token: str
    timeout_seconds: float = 10.0
    name: str = LIVEMINUTES

    @classmethod
    def from_settings(cls, settings: Settings) -> "LiveMinutes":
        if not settings.liveminutes_account_sid or not settings.liveminutes_auth_token:
            raise ProviderFailed("LiveMinutes is not configured (account sid and auth token).")
        return cls(
            base_url=settings.liveminutes_url,
            account_sid=settings.liveminutes_account_sid,
            auth_token=settings.liveminutes_auth_token,
            timeout_seconds=settings.liveminutes_timeout_seconds,
        )

    async def call(self, method: str, fields: Mapping[str, str | None]) -> dict[str, Any]:
        """One API method; anything but a JSON object with resultcode 1 is `ProviderFailed`.
        The credentials never appear in a message."""
        url = self.base_url.rstrip("/") + "/" + method
        form = {key: value for key, value in fields.items() if value is not None}
        try:
            async with httpx.AsyncClient(timeout=self.timeout_seconds) as client:
                response = await client.post(url, data=form, auth=(self.account_sid, self.auth_token))
            answer = response.json()
        except (httpx.HTTPError, ValueError):
            raise ProviderFailed(f"LiveMinutes could not be reached ({method}).") from None
        if not isinstance(answer, dict) or str(answer.get("resultcode")) != "1":
            raise ProviderFailed(f"LiveMinutes refused {method} (resultcode 0).")
        return answer

    @staticmethod
    def _text(answer: Mapping[str, Any], key: str, method: str) -> str:
        value = answer.get(key)
        if not isinstance(value, str) or not value:
            raise ProviderFailed(f"LiveMinutes answered {method} without {key}.")
        return value

    async def create_meeting(self, request: MeetingRequest) -> Meeting:
        answer = await self.call(
            "createMeeting",
            {
                "meetingKey": request.meeting_key,
                "hostid": request.host_puid[:MAX_PUID],
                "title": request.title,
                "time": request.local_time.strftime("%Y-%m-%d %H:%M:%S"),
                "duration": str(float(request.duration_minutes)),
                "hostnickname": request.host_nickname,
                "hostemail": request.host_email,
            },
        )
        return Meeting(
            meeting_key=str(answer.get("meetingKey") or request.meeting_key),
            meeting_url=self._text(answer, "meetingUrl", "createMeeting"),
            host_url=self._text(answer, "hostUrl", "createMeeting"),
        )

    async def add_participant(self, meeting_key: str, *, puid: str, nickname: str, email: str) -> str:
        fields = {"meetingKey": meeting_key, "puid": puid[:MAX_PUID], "nickname": nickname, "email": email}
        return self._text(await self.call("addParticipant", fields), "participantUrl", "addParticipant")

    async def participant_url(self, meeting_key: str, *, puid: str) -> str:
        answer = await self.call("getParticipantUrl", {"meetingKey": meeting_key, "puid": puid[:MAX_PUID]})
        return self._text(answer, "participantUrl", "getParticipantUrl")

    async def meeting_url(self, meeting_key: str) -> str:
        return self._text(await self.call("getMeetingUrl", {"meetingKey": meeting_key}), "meetingUrl", "getMeetingUrl")

    async def cancel_meeting(self, meeting_key: str) -> None:
        await self.call("cancelMeeting", {"meetingKey": meeting_key})

    async def cancel_participant(self, meeting_key: str, *, puid: str) -> None:
        await self.call("cancelParticipant", {"meetingKey": meeting_key, "puid": puid[:MAX_PUID]})

    async def meeting_status(self, meeting_key: str) -> LiveSessionStatus | None:
        answer = await self.call("getMeetingStatus", {"meetingKey": meeting_key})
        return _status(MEETING_STATUSES, answer, "getMeetingStatus")

    async def participant_status(self, meeting_key: str, *, puid: str) -> ParticipantStatus | None:
        answer = await self.call("getParticipantStatus", {"meetingKey": meeting_key, "puid": puid[:MAX_PUID]})
        return _status(PARTICIPANT_STATUSES, answer, "getParticipantStatus")


def _status(table: Mapping[str, S], answer: Mapping[str, Any], method: str) -> S:
    """Statuses arrive as strings ("1"); a number is read the same; anything else is refused."""
    status = table.get(str(answer.get("status")))
    if status is None:
        raise ProviderFailed(f"LiveMinutes answered {method} with an unknown status.")
    return status
