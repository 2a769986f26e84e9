"""The conversation list of the console and `GET /api/conversations`: filters, search,
keyset pages, unread counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from webchat.db.attachments import load_attachments
from webchat.db.conversations import conversation_record
from webchat.db.engine import Database
from webchat.db.models import Conversation, ConversationLabel, Message
from webchat.db.records import ConversationRecord, MessageRecord, message_from_model

# `assignee` filter values besides an agent id.
UNASSIGNED = "none"


def unread_count() -> ColumnElement[int]:
    """The visitor's messages after the agents' read mark: a count over the
    (conversation_id, id) index, per listed conversation."""
    counted = aliased(Message)
    return (
        select(func.count())
        .select_from(counted)
        .where(
            counted.conversation_id == Conversation.id,
            counted.sender == "visitor",
            or_(
                Conversation.agent_last_read_id.is_(None),
                counted.id > Conversation.agent_last_read_id,
            ),
        )
        .correlate(Conversation)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class ConversationFilter:
    statuses: tuple[str, ...] = ()
    # An agent id, UNASSIGNED, or None for everyone's.
    assignee: str | None = None
    label: str | None = None
    query: str | None = None


def like_pattern(query: str) -> str:
    """`query` as a case-insensitive LIKE pattern, its `%`, `_` and `\\` taken literally."""
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(statement: Any, tenant_id: str, where: ConversationFilter) -> Any:
    if where.statuses:
        statement = statement.where(Conversation.status.in_(where.statuses))
    if where.assignee == UNASSIGNED:
        statement = statement.where(Conversation.assignee_id.is_(None))
    elif where.assignee:
        statement = statement.where(Conversation.assignee_id == where.assignee)
    if where.label:
        statement = statement.where(
            exists().where(
                ConversationLabel.tenant_id == tenant_id,
                ConversationLabel.label == where.label,
                ConversationLabel.conversation_id == Conversation.id,
            )
        )
    if where.query:
        pattern = like_pattern(where.query)
        # Its own alias: the outer query already joins Message for the last message.
        searched = aliased(Message)
        statement = statement.where(
            or_(
                Conversation.visitor_search.like(pattern, escape="\\"),
                exists().where(
                    searched.conversation_id == Conversation.id,
                    func.lower(searched.text).like(pattern, escape="\\"),
                ),
            )
        )
    return statement


async def list_conversations(
    db: Database,
    tenant_id: str,
    where: ConversationFilter,
    limit: int,
    before: tuple[datetime, str] | None,
) -> tuple[list[tuple[ConversationRecord, MessageRecord]], bool]:
    """Newest activity first, keyset-paginated on (last_activity_at, id). A conversation
    shows once it has a message: opening sessions alone cannot flood the inbox."""
    statement: Any = (
        select(Conversation, Message, unread_count())
        .join(Message, Message.id == Conversation.last_message_id)
        .where(Conversation.tenant_id == tenant_id)
    )
    statement = _filtered(statement, tenant_id, where)
    if before:
        at, conversation_id = before
        statement = statement.where(
            or_(
                Conversation.last_activity_at < at,
                and_(Conversation.last_activity_at == at, Conversation.id < conversation_id),
            )
        )
    statement = statement.order_by(
        Conversation.last_activity_at.desc(), Conversation.id.desc()
    ).limit(limit + 1)
    async with db.session() as session:
        rows: list[Any] = list((await session.execute(statement)).all())
        last = await load_attachments(
            session, [message_from_model(msg) for _, msg, _ in rows[:limit]]
        )
    items = [
        (conversation_record(conv, unread), message)
        for (conv, _, unread), message in zip(rows[:limit], last, strict=True)
    ]
    return items, len(rows) > limit


async def get_conversation_state(
    db: Database, tenant_id: str, conversation_id: str
) -> tuple[ConversationRecord, MessageRecord | None] | None:
    """One conversation as lists and events show it: last message and unread count."""
    statement = (
        select(Conversation, Message, unread_count())
        .outerjoin(Message, Message.id == Conversation.last_message_id)
        .where(Conversation.id == conversation_id, Conversation.tenant_id == tenant_id)
    )
    async with db.session() as session:
        row = (await session.execute(statement)).first()
        if row is None:
            return None
        conversation, message, unread = row
        last = (
            (await load_attachments(session, [message_from_model(message)]))[0] if message else None
        )
    return conversation_record(conversation, unread), last
