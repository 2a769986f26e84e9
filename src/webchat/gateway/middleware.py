"""Plain ASGI middleware in front of HTTP and the Socket.IO transport alike."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from webchat.errors import error_body

# Draining an oversized body lets the client read our 413; beyond this it is not worth it.
DRAIN_LIMIT_BYTES = 8 * 1024 * 1024


class BodySizeLimit:
    """Refuses bodies over `max_bytes` with 413, before any handler reads them whole.
    Paths matching `upload_paths` may send up to `upload_bytes` (their handler streams
    and enforces the tenant's own, smaller limit)."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        upload_paths: re.Pattern[str] | None = None,
        upload_bytes: int = 0,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_paths = upload_paths
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        if self.upload_paths is not None and self.upload_paths.match(scope["path"]):
            limit = self.upload_bytes
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            # Read what the client is sending before answering, else it sees a reset
            # connection instead of the 413; past DRAIN_LIMIT just answer and close.
            if length.isdigit() and int(length) <= DRAIN_LIMIT_BYTES:
                await _drain(receive)
            await _send_413(send, limit)
            return
        received = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Stop the body here; the app's answer is replaced by the 413 below.
                    too_large = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def checked_send(message: Message) -> None:
            if not too_large:
                await send(message)
            elif message["type"] == "http.response.start":
                await _send_413(send, limit)

        await self.app(scope, limited_receive, checked_send)


class NoSniff:
    """`X-Content-Type-Options: nosniff` on every HTTP response (JSON, pages, polling):
    a browser never second-guesses our content types into HTML or script."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"x-content-type-options"
                ]
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_header)


async def _drain(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _send_413(send: Send, limit: int) -> None:
    import orjson

    body = orjson.dumps(error_body("payload_too_large", f"The body exceeds {limit} bytes."))
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})
