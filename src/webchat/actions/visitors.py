"""Visitor sessions: bind, find or create the conversation, issue the visitor token."""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from webchat.clock import isoformat, utcnow
from webchat.db.conversations import get_or_create_conversation
from webchat.db.records import TenantRecord
from webchat.db.sessions import bind_session_row, forget_session_row
from webchat.errors import ApiError
from webchat.gateway.identity import check_identity
from webchat.gateway.tokens import IssuedToken, VisitorClaims
from webchat.store import StoreUnavailable
from webchat.store.sessions import SessionState, attach_conversation, bind_session, forget_session

if TYPE_CHECKING:
    from webchat.schemas import VisitorIdentity
    from webchat.services import Services


@dataclass(frozen=True)
class VisitorSession:
    tenant_id: str
    session_id: str
    fingerprint: str
    conversation_id: str
    user_id: str | None
    user_info: dict[str, Any]
    token: IssuedToken

    def json(self) -> dict[str, str]:
        return {
            "sessionId": self.session_id,
            "conversationId": self.conversation_id,
            "token": self.token.token,
            "expiresAt": isoformat(self.token.expires_at),
        }


def session_mismatch() -> ApiError:
    return ApiError(403, "session_mismatch", "This sessionId is bound to another fingerprint.")


async def do_open_session(
    services: Services, tenant: TenantRecord, identity: VisitorIdentity, client_ip: str
) -> VisitorSession:
    """Create or refresh a visitor's session and its conversation.

    The session is bound to its first fingerprint (in the database, cached 24 h in
    Redis); a logged-in `userId` must carry a valid `userHash` unless the tenant switched
    verification off. Refused attempts are counted per IP (past the limit they answer
    429), and so are new sessions; a visitor's own budgets are only ever spent by
    requests that passed these checks. With Redis away the database alone decides, and
    the session works as usual (CONTRACT §14)."""
    try:
        state = await _bind(services, tenant, identity)
    except ApiError as exc:
        if exc.status == 403:
            await services.refusal_limiter.check(client_ip)
        raise
    if state.created:
        try:
            await services.session_limiter.check(client_ip)
        except ApiError:
            # Unbound again, or a retry would find it "known" and slip past the limit.
            await _unbind(services, tenant.tenant_id, identity.sessionId)
            raise
    user_id = identity.userId
    conversation_id = state.conversation_id
    user_info_json = orjson.dumps(identity.userInfo).decode() if identity.userInfo else ""
    changed_info = bool(identity.userInfo) and user_info_json != state.user_info_json
    # The conversation is known and unchanged: skip the database on this hot path.
    if conversation_id is None or state.user_id != user_id or changed_info:
        conversation = await get_or_create_conversation(
            services.db, tenant.tenant_id, identity.sessionId, user_id, identity.userInfo
        )
        conversation_id = conversation.conversation_id
        # Best effort: without it the next request asks the database again.
        with contextlib.suppress(StoreUnavailable):
            await attach_conversation(
                services.store,
                tenant.tenant_id,
                identity.sessionId,
                conversation_id,
                user_id,
                user_info_json or state.user_info_json,
            )
    token = services.tokens.issue_visitor(
        VisitorClaims(tenant.tenant_id, conversation_id, identity.sessionId, user_id)
    )
    return VisitorSession(
        tenant_id=tenant.tenant_id,
        session_id=identity.sessionId,
        fingerprint=identity.fingerprint,
        conversation_id=conversation_id,
        user_id=user_id,
        user_info=identity.userInfo or _parse_user_info(state.user_info_json),
        token=token,
    )


async def _bind(
    services: Services, tenant: TenantRecord, identity: VisitorIdentity
) -> SessionState:
    """Redis answers for the sessions it knows; a session new to it (new, or lost with a
    Redis restart) or any session while Redis is away is bound in the database."""
    if identity.userId is not None:
        check_identity(tenant, identity.userId, identity.userHash)
    now = utcnow()
    state: SessionState | None
    try:
        state = await bind_session(
            services.store,
            tenant.tenant_id,
            identity.sessionId,
            identity.fingerprint,
            isoformat(now),
        )
    except StoreUnavailable:
        state = SessionState(None, None, "", created=True, cached=False)
    if state is None:
        raise session_mismatch()
    if not state.created:
        return state
    try:
        fresh = await bind_session_row(
            services.db, tenant.tenant_id, identity.sessionId, identity.fingerprint, now
        )
    except Exception:
        await _forget_cached(services, tenant.tenant_id, identity.sessionId, state)
        raise
    if fresh is None:
        await _forget_cached(services, tenant.tenant_id, identity.sessionId, state)
        raise session_mismatch()
    return dataclasses.replace(state, created=fresh)


async def _forget_cached(
    services: Services, tenant_id: str, session_id: str, state: SessionState
) -> None:
    """Redis bound the session a moment ago but the database did not: undo it there."""
    if state.cached:
        with contextlib.suppress(StoreUnavailable):
            await forget_session(services.store, tenant_id, session_id)


async def _unbind(services: Services, tenant_id: str, session_id: str) -> None:
    with contextlib.suppress(StoreUnavailable):
        await forget_session(services.store, tenant_id, session_id)
    await forget_session_row(services.db, tenant_id, session_id)


def _parse_user_info(user_info_json: str) -> dict[str, Any]:
    parsed: dict[str, Any] = orjson.loads(user_info_json) if user_info_json else {}
    return parsed
