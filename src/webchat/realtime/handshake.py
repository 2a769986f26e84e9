"""The Socket.IO handshake: the gateway's credential check, then the visitor's session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from webchat.actions.visitors import do_open_session
from webchat.db.outbox import remember_page
from webchat.db.records import TenantRecord
from webchat.errors import forbidden, invalid_api_key, invalid_request
from webchat.gateway.credentials import (
    authenticate_agent_token,
    authenticate_key,
    normalize_origin,
)
from webchat.gateway.keys import key_kind
from webchat.realtime.state import SocketState
from webchat.schemas import VisitorHandshake

if TYPE_CHECKING:
    from webchat.services import Services


async def authenticate_socket(
    services: Services, auth: Any, origin: str | None, client_ip: str
) -> tuple[SocketState, str | None]:
    """The socket's state and the `lastMessageId` to replay from, or an ApiError."""
    if not isinstance(auth, dict):
        raise invalid_api_key("Send auth: {apiKey, …} for visitors or {token} for agents.")
    api_key = auth.get("apiKey")
    if api_key is not None and not isinstance(api_key, str):
        raise invalid_request("auth.apiKey must be a string.")
    if api_key is None or key_kind(api_key) is None:
        token = auth.get("token")
        if api_key is None and isinstance(token, str) and token:
            principal = await authenticate_agent_token(services.db, services.tokens, token)
            return SocketState("agent", principal), None
        raise invalid_api_key()
    principal = await authenticate_key(services.db, api_key, origin)
    if principal.kind == "secret_key":
        return SocketState("agent", principal), None
    handshake = VisitorHandshake.model_validate(auth)
    if handshake.token:
        claims = services.tokens.verify_visitor(handshake.token)
        if claims.tenant_id != principal.tenant_id or claims.session_id != handshake.sessionId:
            raise forbidden("This visitor token belongs to another session.")
    visitor = await do_open_session(services, principal.tenant, handshake, client_ip)
    if handshake.url and _page_of_origin(handshake.url, origin, principal.tenant):
        # Linked from e-mails ("continue the conversation"); written only when it changed.
        await remember_page(services.db, visitor.conversation_id, handshake.url)
    state = SocketState("visitor", principal, visitor=visitor, url=handshake.url)
    return state, handshake.lastMessageId


def _page_of_origin(url: str, origin: str | None, tenant: TenantRecord) -> bool:
    """Only a page of the browser's own origin (and of the tenant's allowed origins, when
    it lists any) is ever linked from an e-mail: a script cannot make the tenant's mail
    point at a page of its choosing."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or origin is None:
        return False
    page_origin = normalize_origin(f"{parts.scheme}://{parts.netloc}")
    if page_origin != normalize_origin(origin):
        return False
    allowed = {normalize_origin(o) for o in tenant.allowed_origins}
    return not allowed or page_origin in allowed
