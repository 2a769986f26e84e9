"""Tables. Ids are text: tenant ids are chosen by operators, the others are ULIDs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Kept in clear: verifying an identity hash needs the secret itself (HMAC).
    identity_secret: Mapped[str] = mapped_column(String(128))
    require_identity: Mapped[bool] = mapped_column(Boolean, default=True)
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Tenant settings (CONTRACT §9) that are not columns of their own: assignment mode,
    # default agent capacity, …; validated by `schemas.settings`.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    prefix: Mapped[str] = mapped_column(String(12), index=True)
    # SHA-256 of the key: keys carry >= 144 random bits, so a slow hash adds nothing.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Indexed: every socket node polls for recent revocations (realtime/revocation.py).
    revoked_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )
    # Updated at most once a minute per process (gateway/credentials.py).
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Agent(Base):
    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("tenant_id", "email", name="uq_agents_tenant_email"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    # Indexed alone too: sign-in without a tenant looks the e-mail up across tenants.
    email: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10), default="agent", server_default="agent")
    # Open conversations auto-assignment may give this agent; None: the tenant's default.
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Auto-assignment breaks ties in favour of whoever waited longest for one.
    last_assigned_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    # A disabled agent's tokens are refused; indexed for the revocation poll.
    disabled_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class VisitorSession(Base):
    """A visitor session bound to the first fingerprint seen (CONTRACT §2). Redis holds
    the same binding as its cache (`store/sessions.py`); this row is what a node checks
    when Redis is away or has lost it (§14)."""

    __tablename__ = "visitor_sessions"

    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        # The race-free get-or-create: one conversation per visitor per tenant.
        UniqueConstraint("tenant_id", "owner_key", name="uq_conversations_owner"),
        Index("ix_conversations_tenant_activity", "tenant_id", "last_activity_at", "id"),
        Index(
            "ix_conversations_tenant_status_activity",
            "tenant_id",
            "status",
            "last_activity_at",
            "id",
        ),
        Index("ix_conversations_tenant_session", "tenant_id", "session_id"),
        Index(
            "ix_conversations_tenant_assignee_activity",
            "tenant_id",
            "assignee_id",
            "last_activity_at",
            "id",
        ),
        # The snooze wake-up: `status = 'snoozed' AND snoozed_until <= now`.
        Index("ix_conversations_snoozed", "status", "snoozed_until"),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    # "user:<userId>" for logged-in visitors, "session:<sessionId>" for anonymous ones.
    owner_key: Mapped[str] = mapped_column(String(200))
    session_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    user_info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Lower-cased userId and userInfo values, for the console's search (not the JSON text,
    # which would match key names and hold \u escapes).
    visitor_search: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_message_id: Mapped[str | None] = mapped_column(String(26), nullable=True)
    assignee_id: Mapped[str | None] = mapped_column(String(26), nullable=True)
    # Also rows of `conversation_labels` (for filtering); this copy is what lists show.
    labels: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    snoozed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    visitor_last_read_id: Mapped[str | None] = mapped_column(String(26), nullable=True)
    agent_last_read_id: Mapped[str | None] = mapped_column(String(26), nullable=True)
    # Left by an anonymous visitor (POST /webchat/contact); a logged-in one's is userInfo's.
    contact_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    contact_name: Mapped[str | None] = mapped_column(String(256), nullable=True)
    # The visitor followed an e-mail's unsubscribe link.
    email_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # The newest agent message already e-mailed to the visitor: each message goes in at
    # most one missed-reply e-mail.
    emailed_up_to: Mapped[str | None] = mapped_column(String(26), nullable=True)
    # Set once, by the group commit: auto-assignment and the new-conversation alert
    # happen on this message (CONTRACT §8: "a conversation's first visitor message").
    first_visitor_message_id: Mapped[str | None] = mapped_column(String(26), nullable=True)
    # The page the visitor was last on (handshake `url`), linked from e-mails.
    last_page_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)


class ConversationLabel(Base):
    """One row per label of a conversation: `?label=` walks this index, not JSON."""

    __tablename__ = "conversation_labels"
    __table_args__ = (
        Index("ix_conversation_labels_tenant_label", "tenant_id", "label", "conversation_id"),
    )

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    label: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(63))


class Note(Base):
    """An agent's internal note on a conversation: never shown to the visitor."""

    __tablename__ = "notes"
    __table_args__ = (Index("ix_notes_conversation_id", "conversation_id", "id"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(63))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    # None when written with the secret key (the tenant's backend).
    agent_id: Mapped[str | None] = mapped_column(String(26), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CannedResponse(Base):
    __tablename__ = "canned_responses"
    __table_args__ = (
        UniqueConstraint("tenant_id", "shortcut", name="uq_canned_responses_shortcut"),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    shortcut: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        # Retries with the same clientMessageId land on this and store nothing new.
        UniqueConstraint("conversation_id", "client_message_id", name="uq_messages_client_id"),
        # History pages and sync walk (conversation, id) in order.
        Index("ix_messages_conversation_id", "conversation_id", "id"),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(63))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    session_id: Mapped[str] = mapped_column(String(36))
    user_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    sender: Mapped[str] = mapped_column(String(10))
    # A visitor's userInfo.name (<= 256 characters) or an agent's name.
    sender_name: Mapped[str | None] = mapped_column(String(256), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    client_message_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# The partial unique index's condition: at most one pending missed-reply per conversation.
PENDING_MISSED_REPLY = "status = 'pending' AND kind = 'missed_reply'"


class EmailOutbox(Base):
    """E-mails to send (CONTRACT §9): written in the transaction of what they are about,
    claimed by one node when due, retried with backoff."""

    __tablename__ = "email_outbox"
    __table_args__ = (
        # The sender's claim: pending (or lease-expired) rows in due order.
        Index("ix_email_outbox_due", "status", "due_at"),
        # One pending missed-reply e-mail per conversation gathers all its messages.
        Index(
            "uq_email_outbox_pending",
            "conversation_id",
            "kind",
            unique=True,
            postgresql_where=text(PENDING_MISSED_REPLY),
            sqlite_where=text(PENDING_MISSED_REPLY),
        ),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(63))
    conversation_id: Mapped[str] = mapped_column(String(26))
    # missed_reply | transcript | new_conversation
    kind: Mapped[str] = mapped_column(String(20))
    # The address, for kinds that know it when queued (transcripts, alerts to admins).
    recipient: Mapped[str | None] = mapped_column(String(320), nullable=True)
    # pending | sending | sent | skipped | failed
    status: Mapped[str] = mapped_column(String(10), default="pending")
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Attachment(Base):
    """A file uploaded into a conversation; sent with one message (or note) at most."""

    __tablename__ = "attachments"
    __table_args__ = (
        Index("ix_attachments_conversation", "conversation_id"),
        Index("ix_attachments_message", "message_id"),
        Index("ix_attachments_note", "note_id"),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(63))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    message_id: Mapped[str | None] = mapped_column(String(26), nullable=True)
    note_id: Mapped[str | None] = mapped_column(String(26), nullable=True)
    # visitor | agent
    uploaded_by: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    storage_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Event(Base):
    """The event log (CONTRACT §10): one row per change, written in the change's own
    transaction; webhooks deliver it, `GET /api/events` reads it."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_tenant", "tenant_id", "id"),)

    # A ULID: time-sortable and unique.
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(63))
    type: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[str | None] = mapped_column(String(26), nullable=True)
    # What the event is about: the message, note or conversation it shows.
    subject_id: Mapped[str] = mapped_column(String(26))
    # Only what cannot be read again later (a read receipt); the others are rendered from
    # their subject when read (`actions/event_log.py`).
    # `none_as_null`: None is SQL NULL (not JSON `null`), so "not rendered yet" is findable.
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Webhook(Base):
    __tablename__ = "webhooks"
    __table_args__ = (Index("ix_webhooks_tenant", "tenant_id"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(63))
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(JSON)
    # `*`, or the types between commas (",message.created,note.created,"): matched with
    # LIKE in the statements that queue deliveries, the same on both databases.
    event_filter: Mapped[str] = mapped_column(String(400))
    description: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Kept in clear: signing needs the secret itself (HMAC).
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebhookDelivery(Base):
    """One event for one webhook: queued in the event's transaction, claimed by one node
    at a time (a lease), retried with backoff until delivered or given up."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        # Deliveries of one conversation go in order: "is an earlier one still pending?"
        Index("ix_webhook_deliveries_order", "webhook_id", "conversation_id", "event_id"),
        Index("ix_webhook_deliveries_event", "event_id"),
    )

    webhook_id: Mapped[str] = mapped_column(
        ForeignKey("webhooks.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[str] = mapped_column(String(26), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(63))
    event_type: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[str | None] = mapped_column(String(26), nullable=True)
    # pending | delivered | failed
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set at the first attempt (or a redelivery's): attempts stop after it.
    give_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(26), nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditEntry(Base):
    """Who changed the tenant's setup or read or erased a visitor's data (CONTRACT §12),
    written in the transaction of the change it records."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_tenant", "tenant_id", "id"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(63))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # agent | key | cli
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[str | None] = mapped_column(String(63), nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(320), nullable=True)
