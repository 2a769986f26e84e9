"""The front ends' shared types (`shared/types.ts`) name exactly the fields the server
sends: a field renamed on one side fails here, not in a browser."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from webchat.db.records import AttachmentRecord, ConversationRecord, MessageRecord, NoteRecord
from webchat.desk_schemas import note_json
from webchat.files.signing import LinkSigner
from webchat.schemas import attachment_json, conversation_json, message_json

TYPES = Path(__file__).resolve().parents[2] / "shared" / "types.ts"
T = datetime(2026, 12, 2, tzinfo=UTC)


def interface_fields(name: str) -> set[str]:
    source = TYPES.read_text()
    body = re.search(rf"export interface {name} \{{(.*?)\n\}}", source, re.S)
    assert body, f"no interface {name} in {TYPES}"
    return set(re.findall(r"^\s+(\w+)\??:", body.group(1), re.M))


LINKS = LinkSigner("x" * 40)
MESSAGE = MessageRecord("m", "t", "c", "s", None, "visitor", None, "hi", None, T)
ATTACHMENT = AttachmentRecord("a", "t", "c", "m", "f.png", 1, "image/png", "t/a")
CONVERSATION = ConversationRecord("c", "t", "session:s", "s", None, {}, "open", T, T, None)


def test_message_fields_match() -> None:
    assert interface_fields("Message") == set(message_json(MESSAGE, LINKS))


def test_attachment_fields_match() -> None:
    assert interface_fields("Attachment") == set(attachment_json(ATTACHMENT, LINKS))


def test_conversation_fields_match() -> None:
    assert interface_fields("Conversation") == set(conversation_json(CONVERSATION, None, LINKS))
    assert interface_fields("Visitor") == set(
        conversation_json(CONVERSATION, None, LINKS)["visitor"]
    )


def test_note_fields_match() -> None:
    note = NoteRecord("n", "t", "c", None, "internal", T, (ATTACHMENT,))
    assert interface_fields("Note") == set(note_json(note, LINKS))
