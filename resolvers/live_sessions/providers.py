"""Where a live session happens: the provider interface, the built-in provider (offline: it
writes 000's LearnCube join links itself) and the choice of provider per portal or by setting.

A provider is asked before anything is saved: when it refuses (`ProviderFailed`), the mutation
changes nothing (002: resultcode 0 → payload error, nothing saved)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import urlencode

from models.live_sessions import LiveSessionStatus, ParticipantStatus

BUILTIN = "builtin"
LIVEMINUTES = "liveminutes"


class ProviderFailed(Exception):
    """The provider refused or could not be reached; the message is safe to show (no secrets)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MeetingRequest:
    """002 createMeeting's fields; `meeting_key` is ours (the classroom token), `local_time` the
    start in the portal's time zone (Q18)."""

    meeting_key: str
    host_puid: str
    title: str
    local_time: datetime
    duration_minutes: int
    host_nickname: str
    host_email: str


@dataclass(frozen=True, slots=True)
class Meeting:
    meeting_key: str
    meeting_url: str | None
    host_url: str | None


class Provider(Protocol):
    """What a live-session provider does; statuses come back as the contract's enums, or None
    when the provider has no say (the built-in one learns them from the classroom callbacks)."""

    name: str

    async def create_meeting(self, request: MeetingRequest) -> Meeting: ...

    async def add_participant(self, meeting_key: str, *, puid: str, nickname: str, email: str) -> str: ...

    async def cancel_meeting(self, meeting_key: str) -> None: ...

    async def cancel_participant(self, meeting_key: str, *, puid: str) -> None: ...

    async def meeting_status(self, meeting_key: str) -> LiveSessionStatus | None: ...

    async def participant_status(self, meeting_key: str, *, puid: str) -> ParticipantStatus | None: ...


@dataclass(frozen=True, slots=True)
class BuiltinProvider:
    """000's join link, `<classroom_url>?token=…&user_id=…`, for the host and each participant;
    the meeting key is the classroom token, so the links need nobody's API."""

    classroom_url: str
    name: str = BUILTIN

    def _link(self, **params: str) -> str:
        separator = "&" if "?" in self.classroom_url else "?"
        return f"{self.classroom_url}{separator}{urlencode(params)}"

    async def create_meeting(self, request: MeetingRequest) -> Meeting:
        return Meeting(
            meeting_key=request.meeting_key,
            meeting_url=self._link(token=request.meeting_key),
            host_url=self._link(token=request.meeting_key, user_id=request.host_puid),
        )

    async def add_participant(self, meeting_key: str, *, puid: str, nickname: str, email: str) -> str:
        return self._link(token=meeting_key, user_id=puid)

    async def cancel_meeting(self, meeting_key: str) -> None:
        return None

    async def cancel_participant(self, meeting_key: str, *, puid: str) -> None:
        return None

    async def meeting_status(self, meeting_key: str) -> LiveSessionStatus | None:
        return None

    async def participant_status(self, meeting_key: str, *, puid: str) -> ParticipantStatus | None:
        return None
