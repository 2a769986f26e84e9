# ruff: noqa: ASYNC109 - a per-call timeout is the point of these test helpers
"""Clients a widget, a console or a tenant backend would use: httpx and python-socketio.

``SocketClient`` records every event it receives, so a test can wait for an
event (``wait_for``), count events (exactly-once checks) or assert an event
did not come. Every wait has a timeout; nothing here sleeps to "let things
settle" except ``settle`` which is used only for negative assertions, where
there is no event to await.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import socketio
from socketio import exceptions as sio_exceptions

from . import contract
from .server import WebchatProcess

EVENT_TIMEOUT = 10.0
SETTLE = 0.5  # how long a "must not arrive" assertion waits after a barrier


@dataclass
class Tenant:
    server: WebchatProcess
    tenant_id: str
    public_key: str
    secret_key: str
    identity_secret: str
    allowed_origins: tuple[str, ...] = ()

    def user_hash(self, user_id: str) -> str:
        return contract.user_hash(self.identity_secret, user_id)


@dataclass
class Agent:
    tenant: Tenant
    agent_id: str
    email: str
    password: str
    token: str = ""


@dataclass
class Visitor:
    """A browser profile: one ``sessionId`` + ``fingerprint``, maybe a logged-in user."""

    session_id: str = field(default_factory=contract.new_session_id)
    fingerprint: str = field(default_factory=contract.new_fingerprint)
    user_id: str | None = None
    user_info: dict[str, str] | None = None

    def identity(self, tenant: Tenant, with_hash: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"sessionId": self.session_id, "fingerprint": self.fingerprint}
        if self.user_id is not None:
            out["userId"] = self.user_id
            if with_hash:
                out["userHash"] = tenant.user_hash(self.user_id)
        if self.user_info is not None:
            out["userInfo"] = self.user_info
        return out


def new_client_message_id() -> str:
    return str(uuid.uuid4())


def http_client(
    server: WebchatProcess,
    credential: str | None = None,
    headers: dict[str, str] | None = None,
    strict: bool = True,
    timeout: float = 15.0,
) -> httpx.AsyncClient:
    """An httpx client for one server; ``strict`` checks every response against §3."""
    all_headers = dict(headers or {})
    if credential:
        all_headers["Authorization"] = f"Bearer {credential}"
    hooks = {"response": [contract.response_hook]} if strict else {}
    return httpx.AsyncClient(
        base_url=server.url, headers=all_headers, timeout=timeout, event_hooks=hooks
    )


class HandshakeRefused(Exception):
    """The server refused the Socket.IO handshake (``connect_error``)."""

    def __init__(self, payload: Any, cause: BaseException | None = None) -> None:
        super().__init__(f"handshake refused: {payload!r} ({cause!r})")
        self.payload = payload

    @property
    def error(self) -> dict:
        """What a socket.io JS client sees as ``err.data``: the §3 error object."""
        payload = self.payload
        assert isinstance(payload, dict), (
            f"connect_error carried no object (the JS client's err.data would be empty): "
            f"{payload!r}"
        )
        data = payload.get("data")
        assert isinstance(data, dict), (
            f"connect_error has no `data` object (JS err.data); got {payload!r}"
        )
        return contract.check_error_body(data, where="connect_error data")


class SocketClient:
    """One python-socketio connection, recording everything it receives."""

    def __init__(self, server: WebchatProcess, label: str = "socket", **options: Any) -> None:
        """``options`` go to ``socketio.AsyncClient`` (``reconnection=True``, an
        ``http_session`` bound to another source address...)."""
        self.server = server
        self.label = label
        defaults: dict[str, Any] = {"reconnection": False, "logger": False}
        self.sio = socketio.AsyncClient(**{**defaults, "engineio_logger": False, **options})
        self.received: dict[str, list[Any]] = defaultdict(list)
        self.order: list[tuple[str, Any]] = []
        self.connect_error: Any = None
        self.disconnected = asyncio.Event()
        self._changed = asyncio.Condition()

        @self.sio.on("*")
        async def _any(event: str, *args: Any) -> None:
            await self._record(event, args[0] if len(args) == 1 else list(args))

        @self.sio.on("connect_error")
        async def _connect_error(*args: Any) -> None:
            self.connect_error = args[0] if len(args) == 1 else list(args)

        @self.sio.on("disconnect")
        async def _disconnect(*args: Any) -> None:
            self.disconnected.set()
            await self._record("disconnect", list(args))

    async def _record(self, event: str, data: Any) -> None:
        async with self._changed:
            self.received[event].append(data)
            self.order.append((event, data))
            self._changed.notify_all()

    async def connect(
        self,
        auth: Any,
        headers: dict[str, str] | None = None,
        timeout: float = EVENT_TIMEOUT,
        transports: tuple[str, ...] = ("websocket",),
    ) -> SocketClient:
        try:
            await asyncio.wait_for(
                self.sio.connect(
                    self.server.url,
                    auth=auth,
                    headers=headers or {},
                    transports=list(transports),
                    socketio_path="socket.io",
                    wait_timeout=timeout,
                ),
                timeout + 5,
            )
        except (TimeoutError, sio_exceptions.SocketIOError) as exc:
            with contextlib.suppress(Exception):
                await self.sio.disconnect()
            raise HandshakeRefused(self.connect_error, exc) from exc
        return self

    @property
    def connected(self) -> bool:
        return bool(self.sio.connected)

    async def emit(self, event: str, data: Any = None) -> None:
        await self.sio.emit(event, data)

    async def call(self, event: str, data: Any = None, timeout: float = EVENT_TIMEOUT) -> Any:
        try:
            return await self.sio.call(event, data, timeout=timeout)
        except sio_exceptions.TimeoutError as exc:
            raise AssertionError(
                f"{self.label}: no ack for {event!r} within {timeout:.0f}s (payload {data!r})"
            ) from exc
        except sio_exceptions.SocketIOError as exc:
            raise AssertionError(f"{self.label}: cannot send {event!r}: {exc!r}") from exc

    async def call_or_none(self, event: str, data: Any = None, timeout: float = 3.0) -> Any:
        """For events whose ack the contract leaves optional: None when none comes."""
        try:
            return await self.sio.call(event, data, timeout=timeout)
        except sio_exceptions.TimeoutError:
            return None

    def events(self, event: str, predicate: Callable[[Any], bool] | None = None) -> list[Any]:
        items = self.received.get(event, [])
        return [d for d in items if predicate is None or predicate(d)]

    def count(self, event: str, predicate: Callable[[Any], bool] | None = None) -> int:
        return len(self.events(event, predicate))

    async def wait_for(
        self,
        event: str,
        predicate: Callable[[Any], bool] | None = None,
        timeout: float = EVENT_TIMEOUT,
        count: int = 1,
    ) -> Any:
        """The ``count``-th matching event (already received or still to come)."""

        def ready() -> bool:
            return self.count(event, predicate) >= count

        try:
            async with self._changed:
                await asyncio.wait_for(self._changed.wait_for(ready), timeout)
        except TimeoutError:
            seen = [name for name, _ in self.order]
            raise AssertionError(
                f"{self.label}: no {event!r} event (#{count}) matching within {timeout:.0f}s; "
                f"received so far: {seen[-30:]}; {event!r} payloads: "
                f"{self.received.get(event, [])[-5:]!r}"
            ) from None
        return self.events(event, predicate)[count - 1]

    async def wait_until(
        self, condition: Callable[[], bool], timeout: float = EVENT_TIMEOUT, what: str = "condition"
    ) -> None:
        """Wait until ``condition()`` holds, re-checked after every received event."""
        try:
            async with self._changed:
                await asyncio.wait_for(self._changed.wait_for(condition), timeout)
        except TimeoutError:
            seen = [name for name, _ in self.order]
            raise AssertionError(
                f"{self.label}: {what} not reached within {timeout:.0f}s; received: {seen[-30:]}"
            ) from None

    async def wait_message(self, message_id: str, timeout: float = EVENT_TIMEOUT) -> dict:
        return await self.wait_for(
            "meta_message_created",
            lambda m: isinstance(m, dict) and m.get("messageId") == message_id,
            timeout,
        )

    def message_count(self, message_id: str) -> int:
        return self.count(
            "meta_message_created",
            lambda m: isinstance(m, dict) and m.get("messageId") == message_id,
        )

    async def wait_disconnect(self, timeout: float = EVENT_TIMEOUT) -> None:
        await asyncio.wait_for(self.disconnected.wait(), timeout)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.sio.disconnect(), 5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.sio.shutdown(), 5)

    def __repr__(self) -> str:
        return f"<SocketClient {self.label} connected={self.connected}>"


async def settle(seconds: float = SETTLE) -> None:
    """Give a wrongly sent event time to arrive before asserting it did not."""
    await asyncio.sleep(seconds)
