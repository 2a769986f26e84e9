"""The shapes of CONTRACT §8: conversation changes, notes, read marks, canned responses,
and the settings the desk needs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from webchat.clock import as_utc, isoformat
from webchat.db.records import CannedResponseRecord, NoteRecord
from webchat.files.signing import LinkSigner
from webchat.schemas import (
    Attachable,
    ConversationTarget,
    MessageIdField,
    Payload,
    TextField,
    VisitorIdentity,
    attachment_json,
)

Status = Literal["open", "pending", "snoozed", "closed"]
STATUSES: tuple[str, ...] = ("open", "pending", "snoozed", "closed")
MAX_LABELS = 20
LABEL_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
SHORTCUT_PATTERN = re.compile(r"^[a-z0-9_-]{1,32}$")
AGENT_ID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"


def _check_label(value: str) -> str:
    if not LABEL_PATTERN.fullmatch(value):
        raise ValueError("labels must match ^[a-z0-9][a-z0-9_-]{0,31}$")
    return value


def _check_labels(value: list[str]) -> list[str]:
    # Set semantics, in the order first given.
    return list(dict.fromkeys(value))


def _check_shortcut(value: str) -> str:
    if not SHORTCUT_PATTERN.fullmatch(value):
        raise ValueError("must match ^[a-z0-9_-]{1,32}$")
    return value


def _check_instant(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("must be an ISO 8601 date-time, e.g. 2026-12-02T09:00:00Z") from None
    if parsed.tzinfo is None:
        raise ValueError("must carry a time zone (Z or ±hh:mm)")
    try:
        parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None
    return value


LabelField = Annotated[
    str,
    Field(max_length=32, json_schema_extra={"pattern": LABEL_PATTERN.pattern}),
    AfterValidator(_check_label),
]
ShortcutField = Annotated[
    str,
    Field(max_length=32, json_schema_extra={"pattern": SHORTCUT_PATTERN.pattern}),
    AfterValidator(_check_shortcut),
]
InstantField = Annotated[
    str,
    Field(
        max_length=40,
        description="ISO 8601 date-time with a time zone, e.g. 2026-12-02T09:00:00Z",
    ),
    AfterValidator(_check_instant),
]


def parse_instant(value: str) -> datetime:
    return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))


class ConversationPatch(Payload):
    status: Status | None = None
    # Present-and-null unassigns; absent leaves it (see `model_fields_set`).
    assigneeId: Annotated[str, Field(pattern=AGENT_ID_PATTERN)] | None = None
    labels: (
        Annotated[list[LabelField], Field(max_length=MAX_LABELS), AfterValidator(_check_labels)]
        | None
    ) = None
    snoozedUntil: InstantField | None = None


class NoteRequest(Attachable):
    """A note: text, attachments, or both (CONTRACT §8, §11)."""


class ReadRequest(Payload):
    upTo: MessageIdField


class VisitorReadRequest(VisitorIdentity):
    upTo: MessageIdField


class ReadPayload(ConversationTarget):
    upTo: MessageIdField


class CannedResponseCreate(Payload):
    shortcut: ShortcutField
    text: TextField


class CannedResponsePatch(Payload):
    shortcut: ShortcutField | None = None
    text: TextField | None = None


def note_json(note: NoteRecord, links: LinkSigner) -> dict[str, Any]:
    return {
        "noteId": note.note_id,
        "conversationId": note.conversation_id,
        "agentId": note.agent_id,
        "text": note.text,
        "attachments": [attachment_json(a, links) for a in note.attachments],
        "createdAt": isoformat(note.created_at),
    }


def canned_response_json(canned: CannedResponseRecord) -> dict[str, Any]:
    return {
        "cannedResponseId": canned.canned_response_id,
        "shortcut": canned.shortcut,
        "text": canned.text,
    }
