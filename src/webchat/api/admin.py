"""Running a tenant over HTTP (CONTRACT §12–§13): agents, keys, one's password, the audit
log. Admin routes go through `AdminDep`; every change is audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from webchat.actions.admin import (
    do_add_agent,
    do_add_key,
    do_change_agent,
    do_change_own_password,
    do_revoke_key,
)
from webchat.admin_schemas import (
    AgentCreate,
    AgentPatch,
    KeyCreate,
    PasswordChange,
    agent_json,
    audit_json,
    key_json,
)
from webchat.api.deps import AdminDep, ServicesDep, StaffDep
from webchat.api.openapi import COMMON, error_responses
from webchat.db.admin import list_keys
from webchat.db.audit import list_audit
from webchat.db.tenants import list_agents
from webchat.errors import forbidden, invalid_field
from webchat.ids import ULID_PATTERN
from webchat.services import Services

router = APIRouter(tags=["admin"], responses=error_responses(*COMMON, 404, 409))

AgentId = Annotated[str, Path(pattern=ULID_PATTERN.pattern)]
Prefix = Annotated[str, Path(pattern=r"^(pk|sk)_[A-Za-z0-9_-]{9}$")]
MAX_AUDIT = 200


async def _capacity(services: Services, tenant_id: str) -> int:
    return int((await services.settings_cache.get(tenant_id))["agentCapacity"])


@router.get("/api/agents")
async def get_agents(principal: StaffDep, services: ServicesDep) -> dict[str, Any]:
    capacity = await _capacity(services, principal.tenant_id)
    agents = await list_agents(services.db, principal.tenant_id)
    return {"agents": [agent_json(agent, capacity) for agent in agents]}


@router.post("/api/agents", status_code=201)
async def add_agent(
    body: AgentCreate, principal: AdminDep, services: ServicesDep
) -> dict[str, Any]:
    agent = await do_add_agent(services, principal, body.email, body.name, body.role, body.password)
    return {"agent": agent_json(agent, await _capacity(services, principal.tenant_id))}


@router.patch("/api/agents/{agentId}")
async def change_agent(
    agentId: AgentId, body: AgentPatch, principal: AdminDep, services: ServicesDep
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    # `capacity: null` goes back to the tenant's default; the others cannot be unset.
    nulls = [key for key, value in changes.items() if value is None and key != "capacity"]
    if nulls:
        raise invalid_field(f"{nulls[0]}: must not be null")
    if not changes:
        raise invalid_field("body: give at least one of name, role, disabled, capacity")
    agent = await do_change_agent(services, principal, agentId, changes)
    return {"agent": agent_json(agent, await _capacity(services, principal.tenant_id))}


@router.post("/api/agent/password", openapi_extra={"security": [{"agentToken": []}]})
async def change_password(
    body: PasswordChange, principal: StaffDep, services: ServicesDep
) -> dict[str, Any]:
    if principal.agent_id is None:
        raise forbidden("Only an agent has a password: sign in as one.")
    await do_change_own_password(services, principal, body.currentPassword, body.newPassword)
    return {"ok": True}


@router.get("/api/keys")
async def get_keys(principal: AdminDep, services: ServicesDep) -> dict[str, Any]:
    return {"keys": [key_json(k) for k in await list_keys(services.db, principal.tenant_id)]}


@router.post("/api/keys", status_code=201)
async def add_key(body: KeyCreate, principal: AdminDep, services: ServicesDep) -> dict[str, Any]:
    key, prefix = await do_add_key(services, principal, body.kind)
    return {"key": key, "prefix": prefix, "kind": body.kind}


@router.delete("/api/keys/{prefix}")
async def revoke_key(prefix: Prefix, principal: AdminDep, services: ServicesDep) -> dict[str, Any]:
    await do_revoke_key(services, principal, prefix)
    return {"revoked": True, "prefix": prefix}


@router.get("/api/audit")
async def get_audit(
    principal: AdminDep,
    services: ServicesDep,
    before: Annotated[str | None, Query(pattern=ULID_PATTERN.pattern)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_AUDIT)] = 50,
) -> dict[str, Any]:
    entries = await list_audit(services.db, principal.tenant_id, before, limit)
    return {
        "entries": [audit_json(e) for e in entries],
        "nextBefore": entries[-1].entry_id if len(entries) == limit else None,
    }
