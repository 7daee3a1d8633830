"""Request bodies above the limit are refused with 413 before GraphQL reads them (contract §2)."""

import json
from collections.abc import Mapping
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-coursegraph-upload")


class BodyTooLarge(Exception):
    pass


def is_multipart(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "multipart/form-data"


def has_preflight(headers: Mapping[str, str]) -> bool:
    """A header a browser cannot send cross-site without a CORS preflight (contract §10): a form
    posted from another site cannot carry it, so an upload with it is no CSRF."""
    return any(headers.get(name) for name in PREFLIGHT_HEADERS)


class BodyLimit:
    """Checks the declared length first, then counts what actually arrives (chunked bodies).

    A multipart upload to /graphql that carries the preflight header may be as large as `max_upload_bytes`
    (files are spooled to disk, and each is then held to its module's own limit)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_upload_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes or max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        upload = scope["path"] == "/graphql" and is_multipart(headers.get("content-type")) and has_preflight(headers)
        limit = self.max_upload_bytes if upload else self.max_bytes
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self.refuse(send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self.refuse(send, limit)

    async def refuse(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "errors": [
                    {
                        "message": f"The request body is larger than {limit} bytes.",
                        "extensions": {"code": "PAYLOAD_TOO_LARGE"},
                    }
                ]
            }
        ).encode()
        headers: list[Any] = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
