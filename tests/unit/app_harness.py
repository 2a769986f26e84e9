"""Running `create_app(settings)` in process: its ASGI lifespan, then httpx over ASGI.

httpx.ASGITransport does not send lifespan events, and the app's lifespan is what
migrates the database, creates the demo tenant and starts the Socket.IO upkeep; so the
startup/shutdown handshake is driven here by hand, with timeouts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

LIFESPAN_TIMEOUT = 30.0


@contextlib.asynccontextmanager
async def app_lifespan(app: Any) -> AsyncIterator[None]:
    to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def receive() -> dict[str, Any]:
        return await to_app.get()

    async def send(message: dict[str, Any]) -> None:
        await from_app.put(message)

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, receive, send))
    try:
        await to_app.put({"type": "lifespan.startup"})
        started = await asyncio.wait_for(from_app.get(), LIFESPAN_TIMEOUT)
        if started["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"app start-up failed: {started}")
        yield
    finally:
        if not task.done():
            await to_app.put({"type": "lifespan.shutdown"})
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(from_app.get(), LIFESPAN_TIMEOUT)
        await asyncio.wait_for(task, LIFESPAN_TIMEOUT)


@contextlib.asynccontextmanager
async def app_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app started, and an httpx client speaking to it in process."""
    async with (
        app_lifespan(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="http://testserver",
            timeout=30,
        ) as client,
    ):
        yield client
