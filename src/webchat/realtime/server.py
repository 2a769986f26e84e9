"""The Socket.IO server of the product: our wire server, rooms scoped by tenant."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Receive, Scope, Send

from webchat.actions.events import send_to_socket
from webchat.db import DatabaseUnavailable
from webchat.db.history import list_messages_after
from webchat.errors import ApiError, invalid_api_key, invalid_request, invalid_token
from webchat.faults import as_api_error
from webchat.ids import ulid_floor
from webchat.realtime import handlers
from webchat.realtime.availability import watch_hours
from webchat.realtime.caps import SocketCaps
from webchat.realtime.emitter import ServerEmitter
from webchat.realtime.handshake import authenticate_socket
from webchat.realtime.presence_keeper import PresenceKeeper
from webchat.realtime.revocation import RevocationWatcher
from webchat.realtime.rooms import admin_room, conversation_room, tenant_room, visitor_room
from webchat.realtime.state import SocketState
from webchat.schemas import message_json
from webchat.store import StoreUnavailable
from webchat.store.fanout import RedisRelay
from webchat.store.presence import SocketRef
from webchat.wire.connection import Peer
from webchat.wire.packets import UNKNOWN_EVENT, UNREADABLE, event_packet
from webchat.wire.polling import handle_polling
from webchat.wire.server import Refused, WireServer
from webchat.wire.websocket import APP_STATE_KEY, SOCKET_PATHS

if TYPE_CHECKING:
    from webchat.services import Services

log = logging.getLogger(__name__)

# Payloads are small JSON; anything bigger is a client bug or an attack.
MAX_PACKET_BYTES = 64 * 1024
# Replay after a reconnect sends at most this many missed messages; the rest via history.
MAX_REPLAY = 1000
# On shutdown, how long the socket events in flight may take to finish.
DRAIN_SECONDS = 2.5
# How far before a gap a `sync` request reaches back: node clocks (NTP assumed) and sends
# whose id was made before the gap but committed after.
GAP_MARGIN_SECONDS = 30.0
# Then how long presence goodbyes may take (twice: the sockets', then the node's).
FORGET_SECONDS = 0.5


class RealtimeServer:
    """Owns the wire server, the per-socket state of this node, and presence upkeep."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.wire = WireServer(self, max_payload=MAX_PACKET_BYTES)
        self.relay: RedisRelay | None = None
        if not services.store.embedded:
            assert services.store.url is not None
            self.relay = RedisRelay(
                services.store.url, services.node_id, self.wire.deliver, self._after_gap
            )
            self.wire.relay = self.relay
        self.sockets: dict[str, SocketState] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.presence = PresenceKeeper(services, self.sockets, self._spawn)
        self._upkeep: asyncio.Task[None] | None = None
        self.revocations = RevocationWatcher(
            services.db, self._close_revoked, self._close_disabled_agents, self._close_erased
        )
        self._revocation_task: asyncio.Task[None] | None = None
        settings = services.settings
        self.caps = SocketCaps(settings.max_sockets, settings.max_tenant_sockets)
        self._hours_task: asyncio.Task[None] | None = None
        services.emitter = ServerEmitter(self.wire)

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        self.wire.start()
        if self.relay is not None:
            await self.relay.start()
        await self.presence.beat()
        self._upkeep = asyncio.create_task(self.presence.run())
        self._revocation_task = asyncio.create_task(self.revocations.run())
        self._hours_task = asyncio.create_task(
            watch_hours(self.services, lambda: {s.tenant_id for s in self.sockets.values()})
        )

    async def stop(self) -> None:
        # SIGTERM (CONTRACT §14): uvicorn has closed the sockets (clients reconnect to
        # another node); the events they sent still commit and publish before we go.
        await self.wire.drain(DRAIN_SECONDS)
        for task in (self._upkeep, self._revocation_task, self._hours_task):
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        # Goodbyes said here are quicker than the other nodes' reaping, but bounded: past
        # FORGET_SECONDS (many sockets, a Redis that hangs) the node's heartbeat key is
        # dropped and the others reap what is left (store/presence.py).
        try:
            async with asyncio.timeout(FORGET_SECONDS):
                for sid in list(self.sockets):
                    with contextlib.suppress(Exception):
                        await self._forget(sid)
        except TimeoutError:
            log.warning("shutdown: %d sockets left to the other nodes", len(self.sockets))
        with contextlib.suppress(Exception):
            async with asyncio.timeout(FORGET_SECONDS):
                await self.presence.forget_node()
        await self.wire.stop()
        if self.relay is not None:
            await self.relay.close()

    def _after_gap(self, since: float) -> None:
        """The socket channel is back after an outage, or another node could not publish:
        events from other nodes since `since` may have been missed. Every socket here is
        asked to `sync` from then (`after`: the first message id of that moment, less
        GAP_MARGIN_SECONDS for clocks and commits in flight), the widget and console
        replaying from the database whatever they lack; and presence is listed again
        (Redis may have restarted empty)."""
        rooms = tuple({tenant_room(state.tenant_id) for state in self.sockets.values()})
        if rooms:
            after = ulid_floor(int((since - GAP_MARGIN_SECONDS) * 1000))
            notice = {"reason": "missed_events", "after": after}
            self.wire.deliver(event_packet("sync", notice), rooms, None)
        self.presence.relist_soon()

    # --- WireHandlers: what the wire server calls ------------------------------------

    async def connect(self, sid: str, peer: Peer, auth: Any) -> None:
        try:
            state, last_message_id = await authenticate_socket(
                self.services, auth, peer.origin, peer.client_ip
            )
            self.caps.reserve(state.tenant_id)
            try:
                if state.kind == "visitor":
                    await self._join_visitor(sid, state)
                elif state.principal.agent is not None:
                    # Agents signed in with a token are people; secret-key sockets are servers.
                    agent_id = state.principal.agent.agent_id
                    state.presence = SocketRef(state.tenant_id, agent_id, sid, "agent")
                    await self.presence.add(state)
            except BaseException:
                self.caps.release(state.tenant_id)
                if state.presence is not None:  # listed, maybe: not left behind as a ghost
                    self.presence.remove_later(state.presence)
                raise
        except Exception as exc:
            error = as_api_error(exc)
            self.services.metrics.errors.labels(error.code).inc()
            # The client's connect_error gets `message` and, as `data`, the error object.
            raise Refused(error.message, error.body()) from None
        self.sockets[sid] = state
        self.services.metrics.open_sockets.labels(state.kind).inc()
        if state.principal.key_id in self.revocations.revoked_key_ids:
            # Revoked between the key check and now: the poll would not come back to it.
            self._spawn(self._close_revoked_socket(sid))
        tenant_id = state.tenant_id
        self.wire.enter_room(sid, tenant_room(tenant_id))
        if state.kind == "agent":
            self.wire.enter_room(sid, admin_room(tenant_id))
        else:
            self._spawn(self._welcome_visitor(sid, state, last_message_id))

    async def disconnect(self, sid: str, reason: str) -> None:
        await self._forget(sid)

    async def event(self, sid: str, name: str, data: Any) -> dict[str, Any]:
        handler = handlers.EVENTS.get(name)
        state = self.sockets.get(sid)
        try:
            if handler is None:
                label = "unreadable" if name == UNKNOWN_EVENT else repr(name[:64])
                raise invalid_request(f"Unknown event {label}.")
            if state is None:
                raise ApiError(401, "invalid_token", "This socket is not authenticated.")
            if state.principal.key_id in self.revocations.revoked_key_ids:
                self._spawn(self._close_revoked_socket(sid))
                raise invalid_api_key("This key has been revoked.")
            if data is UNREADABLE:
                raise invalid_request("The payload is not JSON this server can read.")
            return await handler(self, sid, state, data)
        except Exception as exc:
            error = as_api_error(exc)
            self.services.metrics.errors.labels(error.code).inc()
            return {"ok": False, **error.body()}

    def protocol_error(self, why: str) -> dict[str, Any]:
        return invalid_request(why).body()

    async def _join_visitor(self, sid: str, state: SocketState) -> None:
        visitor = state.visitor
        assert visitor is not None
        tenant_id = visitor.tenant_id
        self.wire.enter_room(sid, conversation_room(tenant_id, visitor.conversation_id))
        self.wire.enter_room(sid, visitor_room(tenant_id, visitor.conversation_id))
        state.presence = SocketRef(tenant_id, visitor.session_id, sid)
        await self.presence.add(state)

    async def _welcome_visitor(
        self, sid: str, state: SocketState, last_message_id: str | None
    ) -> None:
        visitor = state.visitor
        assert visitor is not None
        await send_to_socket(self.services, sid, "session", visitor.json())
        if last_message_id:
            missed = await list_messages_after(
                self.services.db, visitor.conversation_id, last_message_id, MAX_REPLAY
            )
            for message in missed:
                await send_to_socket(
                    self.services,
                    sid,
                    "meta_message_created",
                    message_json(message, self.services.links),
                )

    async def _forget(self, sid: str) -> None:
        state = self.sockets.pop(sid, None)
        if state is None:
            return
        self.caps.release(state.tenant_id)
        self.services.metrics.open_sockets.labels(state.kind).dec()
        if state.presence is not None:
            await self.presence.remove(state.presence)

    async def _close_revoked(self, key_ids: set[str]) -> None:
        for sid, state in list(self.sockets.items()):
            if state.principal.key_id in key_ids:
                await self._close_revoked_socket(sid)

    async def _close_revoked_socket(self, sid: str) -> None:
        self.wire.hang_up(sid, invalid_api_key("This key has been revoked.").body())

    async def _close_erased(self, targets: set[str]) -> None:
        """Sockets of erased visitors (`session:<id>` / `user:<id>`)."""
        for sid, state in list(self.sockets.items()):
            visitor = state.visitor
            if visitor is None:
                continue
            if f"session:{visitor.session_id}" in targets or (
                visitor.user_id is not None and f"user:{visitor.user_id}" in targets
            ):
                self.wire.hang_up(sid, invalid_token("This visitor's data was erased.").body())

    async def _close_disabled_agents(self, agent_ids: set[str]) -> None:
        for sid, state in list(self.sockets.items()):
            if state.principal.agent_id in agent_ids:
                self.wire.hang_up(sid, invalid_token("This agent has been disabled.").body())

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        async def run() -> None:
            try:
                await coroutine
            except (StoreUnavailable, DatabaseUnavailable) as exc:
                log.warning("background socket task skipped: %s", exc)
            except Exception:
                log.warning("background socket task failed", exc_info=True)

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def asgi_app(self, other_app: ASGIApp) -> ASGIApp:
        return WithSockets(self, other_app)


class WithSockets:
    """In front of the HTTP app: long-polling on `/socket.io/` goes to the wire server.
    WebSockets reach `wire.websocket` through uvicorn (`webchat serve`), which finds the
    wire server in the lifespan state this app fills in."""

    def __init__(self, realtime: RealtimeServer, app: ASGIApp) -> None:
        self.realtime = realtime
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wire = self.realtime.wire
        if scope["type"] == "http" and scope["path"] in SOCKET_PATHS:
            await handle_polling(wire, scope, receive, send)
            return
        if scope["type"] == "lifespan" and "state" in scope:
            scope["state"][APP_STATE_KEY] = wire
        await self.app(scope, receive, send)
