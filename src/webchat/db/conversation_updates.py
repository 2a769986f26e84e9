"""Changes to a conversation that the desk makes: status, snooze, assignment, labels, read
marks. Each is one transaction, and the ones several nodes may race on are conditional
updates (or, for auto-assignment, row locks), never a read-then-write in Python."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update

from webchat.clock import as_utc, utcnow
from webchat.db.engine import Database
from webchat.db.event_log import (
    CONVERSATION_UPDATED,
    MESSAGES_READ,
    NewEvent,
    conversation_event,
    record_events,
)
from webchat.db.models import Agent, Conversation, ConversationLabel, Message

# Conversations that count against an agent's capacity.
WORKLOAD_STATUSES = ("open", "pending")

# SQLite has no row locks and one server process: its auto-assignments and conversation
# changes queue here instead.
_sqlite_assignment = asyncio.Lock()
_sqlite_writes = asyncio.Lock()


async def update_conversation(
    db: Database,
    tenant_id: str,
    conversation_id: str,
    values: dict[str, Any],
    labels: list[str] | None,
) -> bool:
    """Apply column `values` (and replace the labels when given); False when the tenant
    has no such conversation. The row is locked first, so concurrent changes of one
    conversation (two agents saving labels) queue instead of clashing on its label rows."""
    if db.is_sqlite:
        async with _sqlite_writes:
            return await _update_conversation(db, tenant_id, conversation_id, values, labels)
    return await _update_conversation(db, tenant_id, conversation_id, values, labels)


async def _update_conversation(
    db: Database,
    tenant_id: str,
    conversation_id: str,
    values: dict[str, Any],
    labels: list[str] | None,
) -> bool:
    async with db.session() as session:
        row = await session.get(Conversation, conversation_id, with_for_update=True)
        if row is None or row.tenant_id != tenant_id:
            return False
        if values.get("assignee_id"):
            # Counts for auto-assignment's "assigned longest ago" like any assignment.
            await session.execute(
                update(Agent)
                .where(Agent.id == values["assignee_id"])
                .values(last_assigned_at=utcnow())
            )
        for name, value in values.items():
            setattr(row, name, value)
        if labels is not None:
            row.labels = labels
            await session.execute(
                delete(ConversationLabel).where(
                    ConversationLabel.conversation_id == conversation_id
                )
            )
            if labels:
                await session.execute(
                    insert(ConversationLabel),
                    [
                        {"conversation_id": conversation_id, "label": label, "tenant_id": tenant_id}
                        for label in labels
                    ],
                )
        await _record_updated(session, tenant_id, conversation_id)
    return True


async def _record_updated(session: Any, tenant_id: str, conversation_id: str) -> None:
    event = conversation_event(CONVERSATION_UPDATED, tenant_id, conversation_id)
    await record_events(session, [event], utcnow())


async def wake_snoozed(db: Database, now: datetime) -> list[tuple[str, str]]:
    """Reopen every conversation whose snooze ended; (tenant, conversation) of each. The
    update is conditional on still being snoozed, so of several nodes running this at
    once exactly one gets each conversation back."""
    statement = (
        update(Conversation)
        .where(Conversation.status == "snoozed", Conversation.snoozed_until <= now)
        .values(status="open", snoozed_until=None)
        .returning(Conversation.tenant_id, Conversation.id)
    )
    async with db.session() as session:
        woken = [(t, c) for t, c in await session.execute(statement)]
        events = [conversation_event(CONVERSATION_UPDATED, t, c) for t, c in woken]
        await record_events(session, events, utcnow())
    return woken


async def message_in_conversation(db: Database, conversation_id: str, message_id: str) -> bool:
    async with db.session() as session:
        found = await session.scalar(
            select(Message.id).where(
                Message.conversation_id == conversation_id, Message.id == message_id
            )
        )
    return found is not None


async def move_read_mark(
    db: Database,
    tenant_id: str,
    conversation_id: str,
    reader: str,
    up_to: str,
    receipt: dict[str, Any],
) -> bool:
    """Move the visitor's or the agents' read mark forward to `up_to`, recording the
    `receipt` in the event log; False when it was already there or further (marks never
    move back)."""
    column = (
        Conversation.visitor_last_read_id
        if reader == "visitor"
        else Conversation.agent_last_read_id
    )
    statement = (
        update(Conversation)
        .where(
            Conversation.id == conversation_id,
            Conversation.tenant_id == tenant_id,
            or_(column.is_(None), column < up_to),
        )
        .values({column: up_to})
    )
    async with db.session() as session:
        result = await session.execute(statement)
        moved = bool(result.rowcount)  # type: ignore[attr-defined]
        if moved:
            event = NewEvent(MESSAGES_READ, tenant_id, conversation_id, up_to, receipt)
            await record_events(session, [event], utcnow())
    return moved


async def assign_if_unassigned(
    db: Database, tenant_id: str, conversation_id: str, agent_id: str
) -> bool:
    """An agent's first reply takes an unassigned conversation; False if someone has it."""
    async with db.session() as session:
        result = await session.execute(
            update(Conversation)
            .where(
                Conversation.id == conversation_id,
                Conversation.tenant_id == tenant_id,
                Conversation.assignee_id.is_(None),
            )
            .values(assignee_id=agent_id)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        await session.execute(
            update(Agent).where(Agent.id == agent_id).values(last_assigned_at=utcnow())
        )
        await _record_updated(session, tenant_id, conversation_id)
    return True


async def auto_assign(
    db: Database,
    tenant_id: str,
    conversation_id: str,
    candidates: list[str],
    default_capacity: int,
) -> str | None:
    """Give an unassigned conversation to the candidate with the fewest open assigned
    conversations, below their capacity, ties to whoever was assigned longest ago.

    The candidates' agent rows are locked (in id order, so two assignments never
    deadlock) before their workload is counted: concurrent assignments on any number of
    nodes queue on the locks, and each counts what the previous one committed, so no
    agent ever goes above capacity."""
    if not candidates:
        return None
    if db.is_sqlite:
        async with _sqlite_assignment:
            return await _auto_assign(db, tenant_id, conversation_id, candidates, default_capacity)
    return await _auto_assign(db, tenant_id, conversation_id, candidates, default_capacity)


async def _auto_assign(
    db: Database,
    tenant_id: str,
    conversation_id: str,
    candidates: list[str],
    default_capacity: int,
) -> str | None:
    async with db.session() as session:
        agents = (
            await session.execute(
                select(Agent.id, Agent.capacity, Agent.last_assigned_at)
                .where(Agent.tenant_id == tenant_id, Agent.id.in_(candidates))
                .order_by(Agent.id)
                .with_for_update()
            )
        ).all()
        workload = dict(
            (
                await session.execute(
                    select(Conversation.assignee_id, func.count())
                    .where(
                        Conversation.tenant_id == tenant_id,
                        Conversation.assignee_id.in_([a.id for a in agents]),
                        Conversation.status.in_(WORKLOAD_STATUSES),
                    )
                    .group_by(Conversation.assignee_id)
                )
            ).all()
        )
        below = [
            a
            for a in agents
            if workload.get(a.id, 0) < (a.capacity if a.capacity is not None else default_capacity)
        ]
        if not below:
            return None
        never = datetime.min.replace(tzinfo=UTC)
        chosen = min(
            below,
            key=lambda a: (
                workload.get(a.id, 0),
                as_utc(a.last_assigned_at) if a.last_assigned_at else never,
                a.id,
            ),
        )
        result = await session.execute(
            update(Conversation)
            .where(
                Conversation.id == conversation_id,
                Conversation.tenant_id == tenant_id,
                Conversation.assignee_id.is_(None),
            )
            .values(assignee_id=chosen.id)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return None
        await session.execute(
            update(Agent).where(Agent.id == chosen.id).values(last_assigned_at=utcnow())
        )
        await _record_updated(session, tenant_id, conversation_id)
    return str(chosen.id)
