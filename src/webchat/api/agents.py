"""Agents: sign-in (the tenant's agents are managed in `admin.py`)."""

from __future__ import annotations

import contextlib
from typing import Any

from fastapi import APIRouter, Request

from webchat.api.deps import ServicesDep, client_ip
from webchat.api.openapi import COMMON, error_responses
from webchat.clock import isoformat
from webchat.db.audit import Audit, insert_audit
from webchat.db.tenants import find_agent, find_agent_anywhere
from webchat.errors import ApiError
from webchat.gateway.passwords import verify_password
from webchat.gateway.tokens import AgentClaims
from webchat.schemas import AgentLoginRequest

router = APIRouter(tags=["agent"], responses=error_responses(*COMMON))


@router.post("/api/agent/login")
async def login(body: AgentLoginRequest, services: ServicesDep, request: Request) -> dict[str, Any]:
    """Guessing is limited twice: per e-mail (one account, from anywhere) and per client
    IP on failures (many accounts from one address, CONTRACT §14)."""
    email = body.email.strip().lower()
    ip = client_ip(request)
    await services.signin_failure_limiter.check(ip, hit=False)
    await services.login_limiter.check(body.tenantId or "", email)
    if body.tenantId is None:
        agent = await find_agent_anywhere(services.db, email)
    else:
        agent = await find_agent(services.db, body.tenantId, email)
    if not verify_password(agent.password_hash if agent else None, body.password) or not agent:
        with contextlib.suppress(ApiError):  # this failure is answered 401; the next, 429
            await services.signin_failure_limiter.check(ip)
        raise ApiError(401, "invalid_credentials", "Wrong tenant, e-mail or password.")
    if agent.disabled:
        raise ApiError(401, "invalid_credentials", "This agent has been disabled.")
    await insert_audit(
        services.db, Audit(agent.tenant_id, "agent", agent.agent_id, "agent.signed_in")
    )
    issued = services.tokens.issue_agent(
        AgentClaims(agent.tenant_id, agent.agent_id, agent.name, agent.role)
    )
    return {
        "token": issued.token,
        "expiresAt": isoformat(issued.expires_at),
        "tenantId": agent.tenant_id,
        "agent": {
            "agentId": agent.agent_id,
            "name": agent.name,
            "email": agent.email,
            "role": agent.role,
        },
    }
