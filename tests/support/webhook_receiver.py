"""A real HTTP receiver for webhook deliveries: an aiohttp app in the test process, on a
free loopback port, that keeps every request it was sent (headers and raw body).

Behaviour per path is set by the test: answer `status`, fail the first `fail_first`
attempts of each event, or wait `delay` seconds before answering. `stop()` takes the
port down (connections refused) and `start()` brings it back on the same port.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from support.services import free_port


@dataclass
class Receipt:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)

    @property
    def event_id(self) -> str:
        return self.headers.get("Webchat-Event-Id", "")


@dataclass
class Behaviour:
    status: int = 200
    fail_first: int = 0
    delay: float = 0.0
    attempts: Counter[str] = field(default_factory=Counter)


class WebhookReceiver:
    def __init__(self) -> None:
        self.port = free_port()
        self.receipts: list[Receipt] = []
        self.behaviours: dict[str, Behaviour] = {}
        self._runner: web.AppRunner | None = None

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def behave(self, path: str, **kwargs: Any) -> Behaviour:
        self.behaviours[path] = Behaviour(**kwargs)
        return self.behaviours[path]

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        receipt = Receipt(request.path, dict(request.headers), body, time.monotonic())
        self.receipts.append(receipt)
        behaviour = self.behaviours.get(request.path) or Behaviour()
        behaviour.attempts[receipt.event_id] += 1
        if behaviour.delay:
            await asyncio.sleep(behaviour.delay)
        if behaviour.attempts[receipt.event_id] <= behaviour.fail_first:
            return web.Response(status=500, text="not yet")
        return web.Response(status=behaviour.status, text="ok")

    async def start(self) -> WebhookReceiver:
        app = web.Application()
        app.router.add_route("POST", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def at(self, path: str) -> list[Receipt]:
        return [r for r in self.receipts if r.path == path]

    async def wait_for(
        self, predicate: Any, within: float = 15.0, path: str | None = None, what: str = ""
    ) -> list[Receipt]:
        """Receipts (of `path`) once `predicate(receipts)` holds."""
        deadline = time.monotonic() + within
        while True:
            got = self.at(path) if path else list(self.receipts)
            if predicate(got):
                return got
            if time.monotonic() > deadline:
                types = [r.json.get("type") for r in got]
                raise AssertionError(f"receiver: {what or 'condition'} not met; got {types}")
            await asyncio.sleep(0.05)
