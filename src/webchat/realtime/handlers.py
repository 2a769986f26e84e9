"""Socket events of CONTRACT §5.

Each handler returns the ack; errors become `{ok: false, error}`."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from webchat.actions.conversations import find_conversation
from webchat.actions.events import publish_typing, send_to_socket
from webchat.actions.messages import do_send_agent_message, do_send_visitor_message
from webchat.actions.read_marks import do_mark_read
from webchat.actions.visitors import session_mismatch
from webchat.clock import isoformat, utcnow
from webchat.db.history import list_messages_after
from webchat.db.records import ConversationRecord
from webchat.desk_schemas import ReadPayload
from webchat.errors import forbidden
from webchat.realtime.rooms import conversation_room
from webchat.realtime.state import SocketState
from webchat.schemas import (
    AgentSocketMessage,
    ConversationTarget,
    SyncPayload,
    TypingPayload,
    VisitorSocketMessage,
    message_json,
)
from webchat.store.presence import list_online, touch_visitor
from webchat.store.sessions import touch_session

if TYPE_CHECKING:
    from webchat.realtime.server import RealtimeServer

MAX_SYNC = 1000
# Sessions live 24 h and presence shows minutes: refreshing them on every message would
# add three Redis round trips to the hot path for nothing.
TOUCH_INTERVAL_SECONDS = 60


def _require_agent(state: SocketState) -> None:
    if state.kind != "agent":
        raise forbidden("Only agents may do that.")


def _check_own_session(state: SocketState, session_id: str | None) -> None:
    """A visitor socket speaks only for the session it was opened for."""
    assert state.visitor is not None
    if session_id is not None and session_id != state.visitor.session_id:
        raise forbidden("This socket speaks only for its own session.")


async def _agent_target(
    server: RealtimeServer, state: SocketState, target: ConversationTarget
) -> ConversationRecord:
    return await find_conversation(
        server.services,
        state.tenant_id,
        conversation_id=target.conversationId,
        session_id=target.sessionId,
    )


async def on_message(
    server: RealtimeServer, sid: str, state: SocketState, data: Any
) -> dict[str, Any]:
    services = server.services
    if state.kind == "visitor":
        visitor = state.visitor
        assert visitor is not None
        payload = VisitorSocketMessage.model_validate(data)
        _check_own_session(state, payload.sessionId)
        if payload.fingerprint != visitor.fingerprint:
            raise session_mismatch()
        message = await do_send_visitor_message(
            services, visitor, payload.text, payload.clientMessageId, "socket", payload.attachments
        )
        now = time.monotonic()
        if now - state.touched_at > TOUCH_INTERVAL_SECONDS:
            state.touched_at = now
            server._spawn(_touch_visitor(server, state))
        return {"ok": True, "message": message_json(message, services.links)}
    agent_payload = AgentSocketMessage.model_validate(data)
    conversation = await _agent_target(server, state, agent_payload)
    message = await do_send_agent_message(
        services,
        state.principal,
        conversation,
        agent_payload.text,
        agent_payload.clientMessageId,
        "socket",
        agent_payload.attachments,
    )
    return {"ok": True, "message": message_json(message, services.links)}


async def _touch_visitor(server: RealtimeServer, state: SocketState) -> None:
    visitor = state.visitor
    assert visitor is not None
    store = server.services.store
    await touch_session(store, visitor.tenant_id, visitor.session_id)
    await touch_visitor(store, visitor.tenant_id, visitor.session_id, isoformat(utcnow()))


async def on_get_online_users(
    server: RealtimeServer, sid: str, state: SocketState, data: Any
) -> dict[str, Any]:
    _require_agent(state)
    users = await list_online(server.services.store, state.tenant_id)
    await send_to_socket(server.services, sid, "online_users_list", {"users": users})
    agents = await list_online(server.services.store, state.tenant_id, "agent")
    await send_to_socket(server.services, sid, "online_agents_list", {"agents": agents})
    return {"ok": True, "users": users}


async def on_get_online_agents(
    server: RealtimeServer, sid: str, state: SocketState, data: Any
) -> dict[str, Any]:
    _require_agent(state)
    agents = await list_online(server.services.store, state.tenant_id, "agent")
    await send_to_socket(server.services, sid, "online_agents_list", {"agents": agents})
    return {"ok": True, "agents": agents}


async def on_join_conversation(
    server: RealtimeServer, sid: str, state: SocketState, data: Any
) -> dict[str, Any]:
    return await _watch_conversation(server, sid, state, data, join=True)


async def on_leave_conversation(
    server: RealtimeServer, sid: str, state: SocketState, data: Any
) -> dict[str, Any]:
    return await _watch_conversation(server, sid, state, data, join=False)


async def _watch_conversation(
    server: RealtimeServer, sid: str, state: SocketState, data: Any, join: bool
) -> dict[str, Any]:
    _require_agent(state)
    conversation = await _agent_target(server, state, ConversationTarget.model_validate(data))
    room = conversation_room(state.tenant_id, conversation.conversation_id)
    if join:
        server.wire.enter_room(sid, room)
    else:
        server.wire.leave_room(sid, room)
    return {"ok": True, "conversationId": conversation.conversation_id}


async def on_typing(
    server: RealtimeServer, sid: str, state: SocketState, data: Any
) -> dict[str, Any]:
    payload = TypingPayload.model_validate(data)
    if state.kind == "visitor":
        visitor = state.visitor
        assert visitor is not None
        _check_own_session(state, payload.sessionId)
        event = {
            "sessionId": visitor.session_id,
            "conversationId": visitor.conversation_id,
            "isTyping": payload.isTyping,
            "sender": "visitor",
        }
        await publish_typing(server.services, visitor.tenant_id, visitor.conversation_id, event)
        return {"ok": True}
    conversation = await _agent_target(server, state, payload)
    event = {
        "sessionId": conversation.session_id,
        "conversationId": conversation.conversation_id,
        "isTyping": payload.isTyping,
        "sender": "agent",
        "senderName": state.principal.sender_name,
    }
    await publish_typing(server.services, state.tenant_id, conversation.conversation_id, event)
    return {"ok": True}


async def on_read(
    server: RealtimeServer, sid: str, state: SocketState, data: Any
) -> dict[str, Any]:
    payload = ReadPayload.model_validate(data)
    if state.kind == "visitor":
        assert state.visitor is not None
        _check_own_session(state, payload.sessionId)
        if payload.conversationId not in (None, state.visitor.conversation_id):
            raise forbidden("This socket speaks only for its own conversation.")
        conversation_id, reader = state.visitor.conversation_id, "visitor"
    else:
        conversation_id = (await _agent_target(server, state, payload)).conversation_id
        reader = "agent"
    await do_mark_read(
        server.services,
        state.tenant_id,
        conversation_id,
        payload.upTo,
        agent_id=state.principal.agent_id,
        reader=reader,
    )
    return {"ok": True}


async def on_sync(
    server: RealtimeServer, sid: str, state: SocketState, data: Any
) -> dict[str, Any]:
    payload = SyncPayload.model_validate(data)
    if state.kind == "visitor":
        assert state.visitor is not None
        _check_own_session(state, payload.sessionId)
        if payload.conversationId not in (None, state.visitor.conversation_id):
            raise forbidden("This socket speaks only for its own conversation.")
        conversation_id = state.visitor.conversation_id
    else:
        conversation_id = (await _agent_target(server, state, payload)).conversation_id
    messages = await list_messages_after(
        server.services.db, conversation_id, payload.after, MAX_SYNC
    )
    return {"ok": True, "messages": [message_json(m, server.services.links) for m in messages]}


EVENTS = {
    "message": on_message,
    "get_online_users": on_get_online_users,
    "get_online_agents": on_get_online_agents,
    "join_conversation": on_join_conversation,
    "leave_conversation": on_leave_conversation,
    "typing": on_typing,
    "sync": on_sync,
    "read": on_read,
}
