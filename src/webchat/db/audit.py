"""The audit log (CONTRACT §12): written in the transaction of what it records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from webchat.clock import as_utc, utcnow
from webchat.db.engine import Database
from webchat.db.models import AuditEntry
from webchat.ids import new_ulid


@dataclass(frozen=True)
class Audit:
    """What to record: who (`agent`/`key`/`cli` and its id) did `action` to `target`."""

    tenant_id: str
    actor_kind: str
    actor_id: str | None
    action: str
    target: str | None = None


@dataclass(frozen=True)
class AuditRecord:
    entry_id: str
    at: datetime
    actor_kind: str
    actor_id: str | None
    action: str
    target: str | None


async def record_audit(session: AsyncSession, audit: Audit | None) -> None:
    """In the caller's transaction; None records nothing (a caller without an actor)."""
    if audit is None:
        return
    session.add(
        AuditEntry(
            id=new_ulid(),
            tenant_id=audit.tenant_id,
            at=utcnow(),
            actor_kind=audit.actor_kind,
            actor_id=audit.actor_id,
            action=audit.action,
            target=(audit.target or "")[:320] or None,
        )
    )


async def insert_audit(db: Database, audit: Audit) -> None:
    """An entry that records no change of its own (a sign-in, an export)."""
    async with db.session() as session:
        await record_audit(session, audit)


async def list_audit(
    db: Database, tenant_id: str, before: str | None, limit: int
) -> list[AuditRecord]:
    statement = select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
    if before:
        statement = statement.where(AuditEntry.id < before)
    async with db.session() as session:
        rows = await session.scalars(statement.order_by(AuditEntry.id.desc()).limit(limit))
        return [
            AuditRecord(r.id, as_utc(r.at), r.actor_kind, r.actor_id, r.action, r.target)
            for r in rows
        ]


async def erasures_since(db: Database, since: datetime) -> list[str]:
    """Targets (`session:<id>`, `user:<id>`) of the visitors erased at or after `since`."""
    async with db.session() as session:
        rows = await session.scalars(
            select(AuditEntry.target).where(
                AuditEntry.action == "visitor.erased", AuditEntry.at >= since
            )
        )
        return [t for t in rows if t]
