"""Who is calling: one code path for `Authorization: Bearer …` and the socket handshake."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Literal

from webchat.db import Database
from webchat.db.admin import touch_key
from webchat.db.records import TenantRecord
from webchat.db.tenants import find_api_key, get_agent, get_tenant
from webchat.errors import ApiError, invalid_api_key, invalid_token
from webchat.gateway.keys import hash_key, key_kind
from webchat.gateway.tokens import AgentClaims, TokenIssuer

log = logging.getLogger(__name__)

PrincipalKind = Literal["public_key", "secret_key", "agent"]


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a tenant's public key, its secret key, or one of its agents."""

    kind: PrincipalKind
    tenant: TenantRecord
    agent: AgentClaims | None = None
    # The API key's row id, so a socket opened with it can be closed when it is revoked.
    key_id: str | None = None

    @property
    def tenant_id(self) -> str:
        return self.tenant.tenant_id

    @property
    def is_staff(self) -> bool:
        """Secret keys and agents may read every conversation of their tenant."""
        return self.kind != "public_key"

    @property
    def is_admin(self) -> bool:
        """Secret keys and admin agents may change the tenant's setup (CONTRACT §8–§13)."""
        return self.kind == "secret_key" or (self.agent is not None and self.agent.is_admin)

    @property
    def agent_id(self) -> str | None:
        return self.agent.agent_id if self.agent else None

    @property
    def sender_name(self) -> str | None:
        return self.agent.name if self.agent else None


def normalize_origin(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


def check_origin(tenant: TenantRecord, origin: str | None) -> None:
    if not tenant.allowed_origins:
        return
    allowed = {normalize_origin(o) for o in tenant.allowed_origins}
    if origin is None or normalize_origin(origin) not in allowed:
        raise ApiError(403, "forbidden_origin", "This origin is not allowed for this tenant.")


_warned_browser_secret: set[str] = set()
# When this process last wrote each key's `last_used_at`: at most once a minute.
_last_noted: dict[str, float] = {}
NOTE_USE_SECONDS = 60.0


async def _note_use(db: Database, key_id: str) -> None:
    now = time.monotonic()
    if now - _last_noted.get(key_id, -NOTE_USE_SECONDS) < NOTE_USE_SECONDS:
        return
    _last_noted[key_id] = now
    try:
        await touch_key(db, key_id)
    except Exception:
        log.warning("could not record the use of key %s", key_id, exc_info=True)


async def authenticate_key(db: Database, key: str, origin: str | None) -> Principal:
    kind = key_kind(key)
    if kind is None:
        raise invalid_api_key()
    found = await find_api_key(db, hash_key(key))
    if found is None or found[0].revoked or found[0].kind != kind:
        raise invalid_api_key()
    record, tenant = found
    await _note_use(db, record.key_id)
    if kind == "public":
        check_origin(tenant, origin)
        return Principal("public_key", tenant, key_id=record.key_id)
    if origin is not None and tenant.tenant_id not in _warned_browser_secret:
        # Browsers send Origin; servers do not: a secret key in a browser is a leaked key.
        # Logged (once per tenant and process), not refused: a backend may relay a
        # browser's headers, and the contract lets a secret key do everything.
        _warned_browser_secret.add(tenant.tenant_id)
        log.warning(
            "tenant %s: secret key %s… used with a browser Origin (%s): it belongs on servers",
            tenant.tenant_id,
            record.prefix,
            origin[:100],
        )
    return Principal("secret_key", tenant, key_id=record.key_id)


async def authenticate_agent_token(db: Database, tokens: TokenIssuer, token: str) -> Principal:
    """A valid token of an agent that still exists and is not disabled; its role and name
    are read from the database, so a change by an admin applies to the next request."""
    claims = tokens.verify_agent(token)
    tenant = await get_tenant(db, claims.tenant_id)
    if tenant is None:
        raise invalid_token("The agent's tenant no longer exists.")
    agent = await get_agent(db, claims.agent_id)
    if agent is None or agent.tenant_id != claims.tenant_id:
        raise invalid_token("This agent no longer exists.")
    if agent.disabled:
        raise invalid_token("This agent has been disabled.")
    current = AgentClaims(claims.tenant_id, claims.agent_id, agent.name, agent.role)
    return Principal("agent", tenant, current)


async def authenticate_bearer(
    db: Database, tokens: TokenIssuer, credential: str | None, origin: str | None
) -> Principal:
    """An API key (`pk_…`/`sk_…`) or an agent token."""
    if not credential:
        raise invalid_api_key("Missing credential: send Authorization: Bearer <key or token>.")
    if key_kind(credential) is not None:
        return await authenticate_key(db, credential, origin)
    return await authenticate_agent_token(db, tokens, credential)


def bearer_credential(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
