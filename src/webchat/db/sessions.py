"""Visitor sessions' bindings to their first fingerprint, durable: Redis caches them
(`store/sessions.py`) and this table decides whenever Redis does not know a session, because
it is new, Redis lost it, or Redis is away (CONTRACT §14)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Delete, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from webchat.db.engine import Database
from webchat.db.models import VisitorSession


async def bind_session_row(
    db: Database, tenant_id: str, session_id: str, fingerprint: str, now: datetime
) -> bool | None:
    """Bind the session to `fingerprint` unless it is bound already. True: bound now (a
    new session); False: already bound to this fingerprint; None: bound to another one."""
    dialect = postgresql if not db.is_sqlite else sqlite
    insert = (
        dialect.insert(VisitorSession)
        .values(tenant_id=tenant_id, session_id=session_id, fingerprint=fingerprint, created_at=now)
        .on_conflict_do_nothing(index_elements=["tenant_id", "session_id"])
        .returning(VisitorSession.fingerprint)
    )
    async with db.session() as session:
        if (await session.execute(insert)).first() is not None:
            return True
        bound = await session.scalar(
            select(VisitorSession.fingerprint).where(
                VisitorSession.tenant_id == tenant_id, VisitorSession.session_id == session_id
            )
        )
    return False if bound == fingerprint else None


def forget_sessions(tenant_id: str, session_ids: Collection[str]) -> Delete:
    """The statement that drops these sessions' bindings (alone, or in an erasure's
    transaction)."""
    return delete(VisitorSession).where(
        VisitorSession.tenant_id == tenant_id, VisitorSession.session_id.in_(session_ids)
    )


async def forget_session_row(db: Database, tenant_id: str, session_id: str) -> None:
    async with db.session() as session:
        await session.execute(forget_sessions(tenant_id, [session_id]))
