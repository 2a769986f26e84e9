"""The shapes of CONTRACT §1 and §4–§5: request bodies, socket payloads, and the message JSON."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from webchat.clock import isoformat
from webchat.db.records import AttachmentRecord, ConversationRecord, MessageRecord
from webchat.files.signing import LinkSigner
from webchat.ids import FINGERPRINT_PATTERN, ULID_PATTERN, is_canonical_uuid

MAX_TEXT_LENGTH = 4000
MAX_USER_INFO_KEYS = 20
MAX_USER_INFO_VALUE_LENGTH = 256
MAX_USER_INFO_KEY_LENGTH = 64


def _check_uuid(value: str) -> str:
    # Exactly the canonical text, so one UUID can never name two sessions.
    if not is_canonical_uuid(value):
        raise ValueError("must be a UUID in canonical lowercase form")
    return value


def _check_fingerprint(value: str) -> str:
    if not FINGERPRINT_PATTERN.fullmatch(value):
        raise ValueError("must be 8-128 characters of A-Z, a-z, 0-9, _ and -")
    return value


def _check_storable(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and a lone surrogate is not Unicode: refuse both
    # up front rather than fail at the database.
    try:
        value.encode()  # UTF-8 has no encoding for a lone surrogate
    except UnicodeEncodeError:
        raise ValueError("must not contain NUL characters or lone surrogates") from None
    if "\x00" in value:
        raise ValueError("must not contain NUL characters or lone surrogates")
    return value


def _check_text(value: str) -> str:
    _check_storable(value)
    length = len(value.strip())
    if length == 0:
        raise ValueError("must not be empty")
    if length > MAX_TEXT_LENGTH:
        raise ValueError(f"must be at most {MAX_TEXT_LENGTH} characters")
    return value


def _check_user_id(value: str) -> str:
    if not 1 <= len(value) <= 128 or not value.isprintable():
        raise ValueError("must be 1-128 printable characters")
    return value


def _check_user_info(value: dict[str, Any]) -> dict[str, Any]:
    if len(value) > MAX_USER_INFO_KEYS:
        raise ValueError(f"must have at most {MAX_USER_INFO_KEYS} keys")
    for key, item in value.items():
        if not 1 <= len(key) <= MAX_USER_INFO_KEY_LENGTH:
            raise ValueError(f"keys must be 1-{MAX_USER_INFO_KEY_LENGTH} characters")
        if not isinstance(item, str) or len(item) > MAX_USER_INFO_VALUE_LENGTH:
            raise ValueError(
                f"values must be strings of at most {MAX_USER_INFO_VALUE_LENGTH} characters"
            )
        _check_storable(key)
        _check_storable(item)
    return value


def _check_message_id(value: str) -> str:
    if not ULID_PATTERN.fullmatch(value):
        raise ValueError("must be a messageId")
    return value


def _check_hex(value: str) -> str:
    if len(value) > 128 or any(c not in "0123456789abcdefABCDEF" for c in value):
        raise ValueError("must be a hex HMAC-SHA256 digest")
    return value


def _check_text_or_empty(value: str) -> str:
    """Message text that may be empty: a message with attachments needs none."""
    _check_storable(value)
    if len(value.strip()) > MAX_TEXT_LENGTH:
        raise ValueError(f"must be at most {MAX_TEXT_LENGTH} characters")
    return value


# What the validators above enforce, as JSON Schema for /openapi.json (the validators
# stay the authority: their messages name the rule). Where a rule has no JSON Schema
# form (printable, length after trimming) the schema says less, never more.
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"
NO_CONTROL = r"^[^\x00-\x1f\x7f]+$"


def _string(**schema: Any) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", **schema})


SessionIdField = Annotated[
    str, AfterValidator(_check_uuid), _string(pattern=UUID_PATTERN, format="uuid")
]
FingerprintField = Annotated[
    str, AfterValidator(_check_fingerprint), _string(pattern=FINGERPRINT_PATTERN.pattern)
]
TextField = Annotated[
    str,
    Field(max_length=2 * MAX_TEXT_LENGTH),
    AfterValidator(_check_text),
    _string(
        maxLength=2 * MAX_TEXT_LENGTH,
        pattern=NOT_BLANK,
        description=f"1-{MAX_TEXT_LENGTH} characters after trimming; no NUL",
    ),
]
UserIdField = Annotated[
    str,
    AfterValidator(_check_user_id),
    _string(minLength=1, maxLength=128, pattern=NO_CONTROL, description="printable"),
]
UserInfoField = Annotated[
    dict[str, Any],
    AfterValidator(_check_user_info),
    WithJsonSchema(
        {
            "type": "object",
            "maxProperties": MAX_USER_INFO_KEYS,
            "propertyNames": {
                "minLength": 1,
                "maxLength": MAX_USER_INFO_KEY_LENGTH,
                "pattern": NO_NUL,
            },
            "additionalProperties": {
                "type": "string",
                "maxLength": MAX_USER_INFO_VALUE_LENGTH,
                "pattern": NO_NUL,
            },
        }
    ),
]
MessageIdField = Annotated[
    str, AfterValidator(_check_message_id), _string(pattern=ULID_PATTERN.pattern)
]
UserHashField = Annotated[
    str, AfterValidator(_check_hex), _string(maxLength=128, pattern=r"^[0-9a-fA-F]*$")
]
ClientMessageIdField = Annotated[
    str, AfterValidator(_check_uuid), _string(pattern=UUID_PATTERN, format="uuid")
]
MessageTextField = Annotated[
    str,
    Field(max_length=2 * MAX_TEXT_LENGTH),
    AfterValidator(_check_text_or_empty),
    _string(
        maxLength=2 * MAX_TEXT_LENGTH,
        pattern=NO_NUL,
        description=f"at most {MAX_TEXT_LENGTH} characters after trimming; no NUL; "
        "empty only with attachments",
    ),
]
MAX_ATTACHMENTS = 10
AttachmentIdsField = Annotated[
    list[Annotated[str, Field(pattern=ULID_PATTERN.pattern)]], Field(max_length=MAX_ATTACHMENTS)
]


class Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False, strict=True)


class Attachable(Payload):
    """Text, attachments (CONTRACT §11), or both; never neither: a message or a note."""

    # Before `text`, so that the text's check can see them.
    attachments: AttachmentIdsField = Field(default_factory=list)
    # Checked when left out too: no text and no attachments is refused.
    text: Annotated[MessageTextField, Field(validate_default=True)] = ""

    @field_validator("text", mode="after")
    @classmethod
    def check_not_empty(cls, value: str, info: ValidationInfo) -> str:
        if not value.strip() and not info.data.get("attachments"):
            raise ValueError("must not be empty (unless attachments are sent)")
        return value


class Sendable(Attachable):
    """A message body: an Attachable, with the sender's idempotency key."""

    clientMessageId: ClientMessageIdField | None = None


class VisitorIdentity(Payload):
    sessionId: SessionIdField
    fingerprint: FingerprintField
    userId: UserIdField | None = None
    userInfo: UserInfoField | None = None
    userHash: UserHashField | None = None


class SessionRequest(VisitorIdentity):
    pass


class MessageRequest(VisitorIdentity, Sendable):
    pass


# `json_schema_extra` rather than WithJsonSchema: the lengths of the Field it is used in stay.
StorableField = Annotated[
    str, AfterValidator(_check_storable), Field(json_schema_extra={"pattern": NO_NUL})
]


class AgentLoginRequest(Payload):
    # Optional: an e-mail that belongs to exactly one tenant names it (CONTRACT §13).
    tenantId: Annotated[StorableField, Field(min_length=1, max_length=63)] | None = None
    email: Annotated[StorableField, Field(min_length=1, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class ReplyRequest(Sendable):
    pass


class VisitorHandshake(VisitorIdentity):
    apiKey: str = Field(min_length=1, max_length=200)
    token: str | None = Field(default=None, max_length=4096)
    lastMessageId: MessageIdField | None = None
    url: str | None = Field(default=None, max_length=2048)


class VisitorSocketMessage(Sendable):
    sessionId: SessionIdField
    fingerprint: FingerprintField


class ConversationTarget(Payload):
    sessionId: SessionIdField | None = None
    conversationId: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class AgentSocketMessage(ConversationTarget, Sendable):
    pass


class TypingPayload(ConversationTarget):
    isTyping: bool


class SyncPayload(ConversationTarget):
    after: MessageIdField


class MessageJson(TypedDict):
    messageId: str
    tenantId: str
    conversationId: str
    sessionId: str
    userId: str | None
    sender: str
    senderName: str | None
    text: str
    clientMessageId: str | None
    createdAt: str
    attachments: list[dict[str, Any]]


def attachment_json(attachment: AttachmentRecord, links: LinkSigner) -> dict[str, Any]:
    return {
        "attachmentId": attachment.attachment_id,
        "name": attachment.name,
        "size": attachment.size,
        "contentType": attachment.content_type,
        "url": links.url(attachment.attachment_id, attachment.name),
    }


def message_json(message: MessageRecord, links: LinkSigner) -> MessageJson:
    """A message as CONTRACT §4 and §11 show it; attachment links are signed afresh."""
    return {
        "messageId": message.message_id,
        "tenantId": message.tenant_id,
        "conversationId": message.conversation_id,
        "sessionId": message.session_id,
        "userId": message.user_id,
        "sender": message.sender,
        "senderName": message.sender_name,
        "text": message.text,
        "clientMessageId": message.client_message_id,
        "createdAt": isoformat(message.created_at),
        "attachments": [attachment_json(a, links) for a in message.attachments],
    }


def _visitor_json(conversation: ConversationRecord) -> dict[str, Any]:
    return {
        "userId": conversation.user_id,
        "userInfo": conversation.user_info,
        "email": conversation.email,
        "name": conversation.name,
    }


def conversation_json(
    conversation: ConversationRecord, last_message: MessageRecord | None, links: LinkSigner
) -> dict[str, Any]:
    """A conversation as CONTRACT §8 shows it to staff (never to a visitor)."""
    return {
        "conversationId": conversation.conversation_id,
        "tenantId": conversation.tenant_id,
        "sessionId": conversation.session_id,
        "userId": conversation.user_id,
        "visitor": _visitor_json(conversation),
        "status": conversation.status,
        "assigneeId": conversation.assignee_id,
        "labels": conversation.labels,
        "snoozedUntil": isoformat(conversation.snoozed_until)
        if conversation.snoozed_until
        else None,
        "visitorLastReadId": conversation.visitor_last_read_id,
        "agentLastReadId": conversation.agent_last_read_id,
        "unreadCount": conversation.unread_count,
        "lastMessage": message_json(last_message, links) if last_message else None,
        "lastActivityAt": isoformat(conversation.last_activity_at),
        "createdAt": isoformat(conversation.created_at),
    }


def visitor_conversation_json(conversation: ConversationRecord) -> dict[str, Any]:
    """What the visitor may see of their own conversation: no assignment, labels or the
    agents' read mark."""
    return {
        "conversationId": conversation.conversation_id,
        "tenantId": conversation.tenant_id,
        "sessionId": conversation.session_id,
        "userId": conversation.user_id,
        "visitor": _visitor_json(conversation),
        "status": conversation.status,
        "visitorLastReadId": conversation.visitor_last_read_id,
        "lastActivityAt": isoformat(conversation.last_activity_at),
        "createdAt": isoformat(conversation.created_at),
    }
