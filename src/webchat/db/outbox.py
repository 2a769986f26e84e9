"""The e-mail outbox (CONTRACT §9): rows queued with what they are about, claimed by one
node when due, and settled after the SMTP server answers.

A claim moves a row to `sending` and pushes its `due_at` to the end of a lease, in one
statement (on PostgreSQL over `FOR UPDATE SKIP LOCKED`, so nodes claim disjoint rows
without waiting for each other; SQLite has one writer). A node that dies mid-send leaves
the row to be claimed again when the lease ends: at least once, and only in that case
twice (the Message-ID is the row's, so a mail client can tell).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from webchat.clock import as_utc, utcnow
from webchat.db.conversations import conversation_record
from webchat.db.engine import Database
from webchat.db.event_log import CONTACT_UPDATED, conversation_event, record_events
from webchat.db.models import PENDING_MISSED_REPLY, Conversation, EmailOutbox, Message
from webchat.db.records import ConversationRecord, MessageRecord, message_from_model
from webchat.ids import new_ulid

MISSED_REPLY = "missed_reply"
TRANSCRIPT = "transcript"
NEW_CONVERSATION = "new_conversation"


@dataclass(frozen=True)
class OutboxItem:
    outbox_id: str
    tenant_id: str
    conversation_id: str
    kind: str
    recipient: str | None
    attempts: int


async def queue_email(
    db: Database,
    tenant_id: str,
    conversation_id: str,
    kind: str,
    recipient: str | None,
    due_at: datetime | None = None,
) -> str:
    outbox_id = new_ulid()
    now = utcnow()
    async with db.session() as session:
        await session.execute(
            insert(EmailOutbox).values(
                id=outbox_id,
                tenant_id=tenant_id,
                conversation_id=conversation_id,
                kind=kind,
                recipient=recipient,
                status="pending",
                due_at=due_at or now,
                attempts=0,
                created_at=now,
            )
        )
    return outbox_id


async def claim_due(db: Database, limit: int, lease: timedelta) -> list[OutboxItem]:
    now = utcnow()
    due = (
        select(EmailOutbox.id)
        .where(EmailOutbox.status.in_(("pending", "sending")), EmailOutbox.due_at <= now)
        .order_by(EmailOutbox.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(EmailOutbox)
        .where(EmailOutbox.id.in_(due.scalar_subquery()))
        .values(status="sending", due_at=now + lease, attempts=EmailOutbox.attempts + 1)
        .returning(
            EmailOutbox.id,
            EmailOutbox.tenant_id,
            EmailOutbox.conversation_id,
            EmailOutbox.kind,
            EmailOutbox.recipient,
            EmailOutbox.attempts,
        )
    )
    async with db.session() as session:
        rows = (await session.execute(statement)).all()
    return [OutboxItem(*row) for row in rows]


async def settle(
    db: Database,
    item: OutboxItem,
    status: str,
    *,
    error: str | None = None,
    retry_at: datetime | None = None,
    emailed_up_to: tuple[str, str] | None = None,
) -> None:
    """`sent`, `skipped`, `failed`, or back to `pending` at `retry_at`. Only the claim
    that is still current settles (`attempts` is the claim's token: a node whose lease ran
    out cannot settle another's). With `emailed_up_to` (conversation, message), the
    conversation's e-mailed mark moves there in the same transaction, so a message is
    never in two missed-reply e-mails."""
    values: dict[str, object] = {"status": status, "last_error": error}
    if status == "sent":
        values["sent_at"] = utcnow()
    if retry_at is not None:
        values["due_at"] = retry_at
    mine = and_(
        EmailOutbox.id == item.outbox_id,
        EmailOutbox.status == "sending",
        EmailOutbox.attempts == item.attempts,
    )
    async with db.session() as session:
        if status == "pending" and item.kind == MISSED_REPLY:
            # A newer reply may have queued this conversation's next pending e-mail while
            # this one was out: that one will carry these messages too.
            sibling = (
                await session.execute(
                    select(EmailOutbox.id, EmailOutbox.due_at).where(
                        EmailOutbox.conversation_id == item.conversation_id,
                        EmailOutbox.kind == MISSED_REPLY,
                        EmailOutbox.status == "pending",
                    )
                )
            ).first()
            if sibling is not None:
                values = {"status": "skipped", "last_error": f"superseded: {error}"}
                if retry_at is not None and retry_at < as_utc(sibling.due_at):
                    await session.execute(
                        update(EmailOutbox)
                        .where(EmailOutbox.id == sibling.id)
                        .values(due_at=retry_at)
                    )
        await session.execute(update(EmailOutbox).where(mine).values(**values))
        if emailed_up_to is not None:
            conversation_id, message_id = emailed_up_to
            await session.execute(
                update(Conversation)
                .where(
                    Conversation.id == conversation_id,
                    or_(
                        Conversation.emailed_up_to.is_(None),
                        Conversation.emailed_up_to < message_id,
                    ),
                )
                .values(emailed_up_to=message_id)
            )


async def unread_agent_messages(
    db: Database, conversation_id: str
) -> tuple[ConversationRecord, list[MessageRecord]] | None:
    """The conversation and its agent messages that the visitor has neither read nor been
    e-mailed yet, oldest first."""
    async with db.session() as session:
        row = await session.get(Conversation, conversation_id)
        if row is None:
            return None
        marks = [m for m in (row.visitor_last_read_id, row.emailed_up_to) if m]
        statement = select(Message).where(
            Message.conversation_id == conversation_id, Message.sender == "agent"
        )
        if marks:
            statement = statement.where(Message.id > max(marks))
        messages = (await session.scalars(statement.order_by(Message.id).limit(200))).all()
        return conversation_record(row), [message_from_model(m) for m in messages]


async def queue_missed_reply(
    db: Database, tenant_id: str, conversation_id: str, due_at: datetime
) -> None:
    """This conversation's next missed-reply e-mail, unless one is pending already."""
    dialect = postgresql if not db.is_sqlite else sqlite
    now = utcnow()
    statement = (
        dialect.insert(EmailOutbox)
        .values(
            id=new_ulid(),
            tenant_id=tenant_id,
            conversation_id=conversation_id,
            kind=MISSED_REPLY,
            status="pending",
            due_at=due_at,
            attempts=0,
            created_at=now,
        )
        .on_conflict_do_nothing(
            index_elements=["conversation_id", "kind"],
            index_where=text(PENDING_MISSED_REPLY),
        )
    )
    async with db.session() as session:
        await session.execute(statement)


async def conversation_transcript(
    db: Database, conversation_id: str, limit: int = 1000
) -> tuple[ConversationRecord, list[MessageRecord]] | None:
    async with db.session() as session:
        row = await session.get(Conversation, conversation_id)
        if row is None:
            return None
        messages = (
            await session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id)
                .order_by(Message.id)
                .limit(limit)
            )
        ).all()
        return conversation_record(row), [message_from_model(m) for m in messages]


async def set_contact(
    db: Database, tenant_id: str, conversation_id: str, email: str, name: str | None
) -> None:
    values: dict[str, object] = {"contact_email": email}
    if name is not None:
        values["contact_name"] = name
    async with db.session() as session:
        result = await session.execute(
            update(Conversation)
            .where(
                Conversation.id == conversation_id,
                Conversation.tenant_id == tenant_id,
                # Only a change is a change (and has its event).
                or_(
                    Conversation.contact_email.is_(None),
                    Conversation.contact_email != email,
                    *(
                        [Conversation.contact_name.is_(None), Conversation.contact_name != name]
                        if name is not None
                        else []
                    ),
                ),
            )
            .values(**values)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            await _record_contact(session, tenant_id, conversation_id)


async def _record_contact(session: AsyncSession, tenant_id: str, conversation_id: str) -> None:
    event = conversation_event(CONTACT_UPDATED, tenant_id, conversation_id)
    await record_events(session, [event], utcnow())


async def opt_out(db: Database, conversation_id: str) -> bool:
    """Stop e-mails to this conversation's visitor; False when there is no such
    conversation. Only the first opt-out is a change (and has its event)."""
    async with db.session() as session:
        row = await session.get(Conversation, conversation_id, with_for_update=True)
        if row is None:
            return False
        if not row.email_opt_out:
            row.email_opt_out = True
            await _record_contact(session, row.tenant_id, conversation_id)
    return True


async def remember_page(db: Database, conversation_id: str, url: str) -> None:
    async with db.session() as session:
        await session.execute(
            update(Conversation)
            .where(
                Conversation.id == conversation_id,
                or_(Conversation.last_page_url.is_(None), Conversation.last_page_url != url),
            )
            .values(last_page_url=url)
        )
