"""Running a tenant from the API (CONTRACT §13): agents, keys, one's own password; each
change audited (CONTRACT §12) in its own transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from webchat.db.admin import LastAdmin, change_agent, key_exists, revoke_key, set_password
from webchat.db.audit import Audit
from webchat.db.records import AgentRecord
from webchat.db.tenants import AlreadyExists, get_agent, insert_agent, insert_api_key
from webchat.errors import ApiError, conflict, not_found
from webchat.gateway.keys import generate_key, hash_key, key_prefix
from webchat.gateway.passwords import hash_password, verify_password

if TYPE_CHECKING:
    from webchat.gateway.credentials import Principal
    from webchat.services import Services


def audit_of(principal: Principal, action: str, target: str | None = None) -> Audit:
    """An audit entry by whoever `principal` is: an agent, or an API key."""
    if principal.agent_id is not None:
        return Audit(principal.tenant_id, "agent", principal.agent_id, action, target)
    return Audit(principal.tenant_id, "key", principal.key_id, action, target)


async def do_add_agent(
    services: Services, principal: Principal, email: str, name: str, role: str, password: str
) -> AgentRecord:
    email = email.strip().lower()
    try:
        return await insert_agent(
            services.db,
            principal.tenant_id,
            email,
            name,
            hash_password(password),
            role,
            audit_of(principal, "agent.created", email),
        )
    except AlreadyExists:
        raise conflict(f"email: {email} is already an agent of this tenant") from None


async def do_change_agent(
    services: Services, principal: Principal, agent_id: str, changes: dict[str, Any]
) -> AgentRecord:
    """Rename, change role or capacity, disable or enable an agent. Disabling refuses the
    agent's tokens from the next request on; their sockets close within seconds on every
    node (`realtime/revocation.py`)."""
    verbs = [
        "agent.disabled"
        if changes.get("disabled")
        else "agent.enabled"
        if "disabled" in changes
        else None,
        f"agent.role_{changes['role']}" if "role" in changes else None,
        "agent.changed" if {"name", "capacity"} & changes.keys() else None,
    ]
    action = ",".join(v for v in verbs if v)[:40] or "agent.changed"
    try:
        changed = await change_agent(
            services.db,
            principal.tenant_id,
            agent_id,
            changes,
            audit_of(principal, action, agent_id),
        )
    except LastAdmin:
        raise conflict(
            "This is the tenant's last admin: make another agent an admin first."
        ) from None
    if changed is None:
        raise not_found("No such agent in this tenant.")
    return changed


async def do_change_own_password(
    services: Services, principal: Principal, current: str, new: str
) -> None:
    agent = await get_agent(services.db, principal.agent_id or "")
    if agent is None or not verify_password(agent.password_hash, current):
        raise ApiError(403, "invalid_credentials", "currentPassword: that is not your password.")
    await set_password(
        services.db,
        agent.agent_id,
        hash_password(new),
        audit_of(principal, "agent.password_changed", agent.agent_id),
    )


async def do_add_key(services: Services, principal: Principal, kind: str) -> tuple[str, str]:
    """A new key (shown once) and its prefix."""
    key = generate_key(kind)  # type: ignore[arg-type]
    prefix = key_prefix(key)
    await insert_api_key(
        services.db,
        principal.tenant_id,
        kind,
        prefix,
        hash_key(key),
        audit_of(principal, "key.created", prefix),
    )
    return key, prefix


async def do_revoke_key(services: Services, principal: Principal, prefix: str) -> None:
    revoked = await revoke_key(
        services.db, principal.tenant_id, prefix, audit_of(principal, "key.revoked", prefix)
    )
    if not revoked and not await key_exists(services.db, principal.tenant_id, prefix):
        raise not_found("No key with that prefix in this tenant.")
