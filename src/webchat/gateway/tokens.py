"""JWTs: visitor and agent tokens, told apart by audience so one is never taken for the other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from webchat.clock import utcnow
from webchat.errors import invalid_token

ALGORITHM = "HS256"
VISITOR_AUDIENCE = "webchat:visitor"
AGENT_AUDIENCE = "webchat:agent"
# Visitor tokens match the session's 24 h life; an agent signs in again each working day.
VISITOR_TOKEN_TTL = timedelta(hours=24)
AGENT_TOKEN_TTL = timedelta(hours=12)


@dataclass(frozen=True)
class VisitorClaims:
    tenant_id: str
    conversation_id: str
    session_id: str
    user_id: str | None


AGENT_ROLES = ("agent", "admin")


@dataclass(frozen=True)
class AgentClaims:
    tenant_id: str
    agent_id: str
    name: str
    role: str = "agent"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


class TokenIssuer:
    def __init__(self, secret: str) -> None:
        self._secret = secret

    def issue_visitor(self, claims: VisitorClaims) -> IssuedToken:
        expires_at = utcnow() + VISITOR_TOKEN_TTL
        payload = {
            "aud": VISITOR_AUDIENCE,
            "sub": claims.user_id or claims.session_id,
            "tid": claims.tenant_id,
            "cid": claims.conversation_id,
            "sid": claims.session_id,
            "uid": claims.user_id,
            "exp": expires_at,
            "iat": utcnow(),
        }
        return IssuedToken(jwt.encode(payload, self._secret, ALGORITHM), expires_at)

    def issue_agent(self, claims: AgentClaims) -> IssuedToken:
        expires_at = utcnow() + AGENT_TOKEN_TTL
        payload = {
            "aud": AGENT_AUDIENCE,
            "sub": claims.agent_id,
            "tid": claims.tenant_id,
            "role": claims.role,
            "name": claims.name,
            "exp": expires_at,
            "iat": utcnow(),
        }
        return IssuedToken(jwt.encode(payload, self._secret, ALGORITHM), expires_at)

    def verify_visitor(self, token: str) -> VisitorClaims:
        payload = self._decode(token, VISITOR_AUDIENCE)
        try:
            return VisitorClaims(
                tenant_id=str(payload["tid"]),
                conversation_id=str(payload["cid"]),
                session_id=str(payload["sid"]),
                user_id=str(payload["uid"]) if payload.get("uid") else None,
            )
        except KeyError:
            raise invalid_token("The visitor token lacks required claims.") from None

    def verify_agent(self, token: str) -> AgentClaims:
        payload = self._decode(token, AGENT_AUDIENCE)
        role = payload.get("role")
        if role not in AGENT_ROLES:
            raise invalid_token("Not an agent token.")
        try:
            return AgentClaims(
                str(payload["tid"]), str(payload["sub"]), str(payload["name"]), str(role)
            )
        except KeyError:
            raise invalid_token("The agent token lacks required claims.") from None

    def _decode(self, token: str, audience: str) -> dict[str, object]:
        try:
            return jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=audience,
                options={"require": ["exp", "aud", "tid"]},
            )
        except jwt.ExpiredSignatureError:
            raise invalid_token("The token has expired.") from None
        except jwt.PyJWTError:
            raise invalid_token() from None
