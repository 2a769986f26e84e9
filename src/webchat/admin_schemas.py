"""The shapes of CONTRACT §12–§13: agents, keys, passwords, the audit log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from webchat.clock import isoformat
from webchat.db.admin import KeyInfo
from webchat.db.audit import AuditRecord
from webchat.db.records import AgentRecord
from webchat.schemas import Payload, StorableField

Role = Literal["agent", "admin"]
EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]{1,255}$"
Password = Annotated[str, Field(min_length=8, max_length=1024)]
AgentName = Annotated[StorableField, Field(min_length=1, max_length=200)]


class AgentCreate(Payload):
    email: Annotated[str, Field(max_length=320, pattern=EMAIL_PATTERN)]
    name: AgentName
    role: Role = "agent"
    password: Password


class AgentPatch(Payload):
    name: AgentName | None = None
    role: Role | None = None
    disabled: bool | None = None
    capacity: Annotated[int, Field(ge=0, le=1000)] | None = None


class PasswordChange(Payload):
    currentPassword: Annotated[str, Field(min_length=1, max_length=1024)]
    newPassword: Password


class KeyCreate(Payload):
    kind: Literal["public", "secret"]


def agent_json(agent: AgentRecord, default_capacity: int) -> dict[str, Any]:
    return {
        "agentId": agent.agent_id,
        "email": agent.email,
        "name": agent.name,
        "role": agent.role,
        "disabled": agent.disabled,
        "capacity": agent.capacity if agent.capacity is not None else default_capacity,
        "createdAt": isoformat(agent.created_at) if agent.created_at else None,
    }


def key_json(key: KeyInfo) -> dict[str, Any]:
    return {
        "prefix": key.prefix,
        "kind": key.kind,
        "createdAt": isoformat(key.created_at),
        "lastUsedAt": isoformat(key.last_used_at) if key.last_used_at else None,
        "revokedAt": isoformat(key.revoked_at) if key.revoked_at else None,
    }


def audit_json(entry: AuditRecord) -> dict[str, Any]:
    return {
        "at": isoformat(entry.at),
        "actor": {"kind": entry.actor_kind, "id": entry.actor_id},
        "action": entry.action,
        "target": entry.target,
    }
