"""Plain records handed out of `db/`, so that no other package touches SQLAlchemy objects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TenantRecord:
    tenant_id: str
    name: str
    identity_secret: str
    require_identity: bool
    allowed_origins: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ApiKeyRecord:
    key_id: str
    tenant_id: str
    kind: str
    prefix: str
    revoked: bool


@dataclass(frozen=True)
class AgentRecord:
    agent_id: str
    tenant_id: str
    email: str
    name: str
    password_hash: str
    role: str = "agent"
    capacity: int | None = None
    created_at: datetime | None = None
    disabled: bool = False


@dataclass(frozen=True)
class ConversationRecord:
    conversation_id: str
    tenant_id: str
    owner_key: str
    session_id: str
    user_id: str | None
    user_info: dict[str, Any]
    status: str
    created_at: datetime
    last_activity_at: datetime
    last_message_id: str | None
    assignee_id: str | None = None
    labels: list[str] = field(default_factory=list)
    snoozed_until: datetime | None = None
    visitor_last_read_id: str | None = None
    agent_last_read_id: str | None = None
    # The visitor's messages after `agent_last_read_id`; counted by the queries that list.
    unread_count: int = 0
    contact_email: str | None = None
    contact_name: str | None = None
    email_opt_out: bool = False
    last_page_url: str | None = None

    @property
    def email(self) -> str | None:
        """Where to write to the visitor: the contact they left, else their userInfo."""
        value = self.contact_email or self.user_info.get("email")
        return str(value) if value else None

    @property
    def name(self) -> str | None:
        value = self.contact_name or self.user_info.get("name")
        return str(value) if value else None


@dataclass(frozen=True)
class AttachmentRecord:
    attachment_id: str
    tenant_id: str
    conversation_id: str
    message_id: str | None
    name: str
    size: int
    content_type: str
    storage_key: str
    note_id: str | None = None


@dataclass(frozen=True)
class MessageRecord:
    message_id: str
    tenant_id: str
    conversation_id: str
    session_id: str
    user_id: str | None
    sender: str
    sender_name: str | None
    text: str
    client_message_id: str | None
    created_at: datetime
    attachments: tuple[AttachmentRecord, ...] = ()


# The one mapping between `MessageRecord` and the `messages` table: (column, field, the
# PostgreSQL type its batch arrays are cast to). Every insert and read goes through it.
MESSAGE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "message_id", "varchar"),
    ("tenant_id", "tenant_id", "varchar"),
    ("conversation_id", "conversation_id", "varchar"),
    ("session_id", "session_id", "varchar"),
    ("user_id", "user_id", "varchar"),
    ("sender", "sender", "varchar"),
    ("sender_name", "sender_name", "varchar"),
    ("text", "text", "text"),
    ("client_message_id", "client_message_id", "varchar"),
    ("created_at", "created_at", "timestamptz"),
)


def message_row(message: MessageRecord) -> dict[str, Any]:
    return {column: getattr(message, field) for column, field, _ in MESSAGE_COLUMNS}


def message_columns(messages: Sequence[MessageRecord]) -> list[list[Any]]:
    """The batch as one array per column (PostgreSQL's `unnest`)."""
    return [[getattr(m, field) for m in messages] for _, field, _ in MESSAGE_COLUMNS]


def message_from_row(row: Mapping[str, Any]) -> MessageRecord:
    """From a mapping of columns (an asyncpg record, a SQLAlchemy row mapping)."""
    return MessageRecord(**{field: row[column] for column, field, _ in MESSAGE_COLUMNS})


def message_from_model(row: object) -> MessageRecord:
    """From an ORM `Message`."""
    return MessageRecord(**{field: getattr(row, column) for column, field, _ in MESSAGE_COLUMNS})


@dataclass(frozen=True)
class NoteRecord:
    note_id: str
    tenant_id: str
    conversation_id: str
    agent_id: str | None
    text: str
    created_at: datetime
    attachments: tuple[AttachmentRecord, ...] = ()


@dataclass(frozen=True)
class CannedResponseRecord:
    canned_response_id: str
    tenant_id: str
    shortcut: str
    text: str
