"""GET /files/{token}: a submitted file, for whoever holds a signed, unexpired link. The link is
the authority: `SubmissionFile.url` hands one only to viewers who may see the submission."""

from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from graph.transport import http_refusal
from models.base import Clock
from models.session import SessionReader
from models.settings import Settings
from models.storage import FileStorage
from resolvers import file_links, tokens

EXPIRED = "This download link is not valid or has expired; ask for the submission again for a new one."


def download_route(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], storage: FileStorage, clock: Clock
) -> Route:
    async def download(request: Request) -> Response:
        async with sessions() as session:
            key = await tokens.verification_key(SessionReader(session), settings)
            named = None if key is None else file_links.verify_download(key, request.path_params["token"], clock())
            stored = None if named is None else await file_links.file_to_download(session, *named)
        if named is None:
            return http_refusal(403, EXPIRED)
        if stored is None or not await storage.exists(stored["key"]):
            return http_refusal(404, "This file no longer exists.")
        return StreamingResponse(storage.read(stored["key"]), headers=_headers(stored))

    return Route("/files/{token}", download, methods=["GET"], name="assignment_file")


def _headers(stored: dict[str, Any]) -> dict[str, str]:
    """Always an attachment, never rendered: an uploaded HTML file must not run in our origin."""
    name = stored["name"].replace('"', "")
    return {
        "content-type": stored.get("content_type") or "application/octet-stream",
        "content-disposition": f'attachment; filename="{name.encode("ascii", "replace").decode()}"; '
        f"filename*=UTF-8''{quote(stored['name'])}",
        "content-length": str(stored["size"]),
        "x-content-type-options": "nosniff",
        "content-security-policy": "sandbox",
        "cache-control": "private, no-store",
    }
