"""`webchat.schemas`: the payload shapes of CONTRACT §1 and §4-§5."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from webchat.api.contact import ContactRequest
from webchat.db.records import MessageRecord
from webchat.desk_schemas import CannedResponseCreate, ConversationPatch
from webchat.files.signing import LinkSigner
from webchat.schemas import (
    AgentSocketMessage,
    MessageRequest,
    SessionRequest,
    SyncPayload,
    TypingPayload,
    VisitorHandshake,
    message_json,
)
from webchat.settings_schemas import SettingsPatch

SESSION = "6f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b"
FINGERPRINT = "fp_abcdef12"


def message(text: Any, **extra: Any) -> MessageRequest:
    return MessageRequest.model_validate(
        {"sessionId": SESSION, "fingerprint": FINGERPRINT, "text": text, **extra}
    )


def refused(model: type, data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return ".".join(str(p) for p in caught.value.errors()[0]["loc"])


# --- text ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["a", "x" * 4000, "  padded  ", "<b>html</b> & stuff", "é" * 4000])
def test_text_within_limits_is_kept_verbatim(text: str) -> None:
    assert message(text).text == text


def test_text_length_counts_after_trimming() -> None:
    # 4000 characters once trimmed: accepted, and stored with its whitespace.
    text = "   " + "y" * 4000 + "\n\t "
    assert message(text).text == text


@pytest.mark.parametrize("text", ["", " ", "\n\t  \r\n", "x" * 4001, " " + "x" * 4001 + " "])
def test_text_empty_or_too_long_is_refused(text: str) -> None:
    assert (
        refused(MessageRequest, {"sessionId": SESSION, "fingerprint": FINGERPRINT, "text": text})
        == "text"
    )


@pytest.mark.parametrize("text", [42, None, ["hi"], {"t": "hi"}, True])
def test_text_must_be_a_string(text: Any) -> None:
    assert (
        refused(MessageRequest, {"sessionId": SESSION, "fingerprint": FINGERPRINT, "text": text})
        == "text"
    )


# --- userInfo -----------------------------------------------------------------------


def identity(**extra: Any) -> dict[str, Any]:
    return {"sessionId": SESSION, "fingerprint": FINGERPRINT, **extra}


def test_user_info_at_the_limits_is_accepted() -> None:
    info = {f"k{i}": "v" * 256 for i in range(20)}
    assert SessionRequest.model_validate(identity(userInfo=info)).userInfo == info


@pytest.mark.parametrize(
    "info",
    [
        {f"k{i}": "v" for i in range(21)},
        {"name": "v" * 257},
        {"name": 42},
        {"name": None},
        {"name": {"first": "Ann"}},
        {"name": ["Ann"]},
        {"": "empty key"},
        {"k" * 65: "long key"},
    ],
)
def test_user_info_beyond_the_limits_is_refused(info: dict[str, Any]) -> None:
    assert refused(SessionRequest, identity(userInfo=info)) == "userInfo"


@pytest.mark.parametrize("info", ["name=Ann", ["name", "Ann"], 3])
def test_user_info_must_be_an_object(info: Any) -> None:
    assert refused(SessionRequest, identity(userInfo=info)) == "userInfo"


# --- fingerprint, sessionId, ids -----------------------------------------------------


@pytest.mark.parametrize("fingerprint", ["a" * 8, "A-z_0-9" + "x", "f" * 128])
def test_fingerprint_pattern_accepts(fingerprint: str) -> None:
    request = SessionRequest.model_validate({"sessionId": SESSION, "fingerprint": fingerprint})
    assert request.fingerprint == fingerprint


@pytest.mark.parametrize(
    # "abcdefgh\n": `re.match` with `$` let a trailing newline through (the fuzzer's
    # JSON Schema reading of the same pattern does not).
    "fingerprint",
    ["a" * 7, "f" * 129, "abc def12", "abcdefg!", "ábcdefgh", "", "abcdefgh\n"],
)
def test_fingerprint_pattern_refuses(fingerprint: str) -> None:
    assert (
        refused(SessionRequest, {"sessionId": SESSION, "fingerprint": fingerprint}) == "fingerprint"
    )


@pytest.mark.parametrize(
    "session_id",
    [
        SESSION.replace("-", ""),
        "{" + SESSION + "}",
        "urn:uuid:" + SESSION,
        SESSION + " ",
        "not-a-uuid",
        "",
    ],
)
def test_session_id_must_be_canonical_uuid_text(session_id: str) -> None:
    assert refused(SessionRequest, {"sessionId": session_id, "fingerprint": FINGERPRINT}) == (
        "sessionId"
    )


def test_uppercase_session_id_never_becomes_a_second_session() -> None:
    """CONTRACT §1: sessionId is canonical lowercase text. An uppercase UUID must be
    refused or normalized; kept as sent, `ABC…` and `abc…` would be two sessions (two
    Redis keys, two conversations) for one UUID."""
    upper = SESSION.upper()
    try:
        request = SessionRequest.model_validate({"sessionId": upper, "fingerprint": FINGERPRINT})
    except ValidationError:
        return
    assert request.sessionId == SESSION


def test_session_id_must_be_a_string() -> None:
    assert refused(
        SessionRequest, {"sessionId": uuid.UUID(SESSION), "fingerprint": FINGERPRINT}
    ) == ("sessionId")


def test_client_message_id_is_an_optional_uuid() -> None:
    cid = str(uuid.uuid4())
    assert message("hi", clientMessageId=cid).clientMessageId == cid
    assert message("hi").clientMessageId is None
    assert refused(MessageRequest, {**identity(text="hi"), "clientMessageId": "abc"}) == (
        "clientMessageId"
    )


def test_user_id_is_1_to_128_printable_characters() -> None:
    assert SessionRequest.model_validate(identity(userId="u" * 128)).userId == "u" * 128
    for bad in ["", "u" * 129, "line\nbreak", "tab\tchar", "nul\x00"]:
        assert refused(SessionRequest, identity(userId=bad)) == "userId"


def test_user_hash_is_hex() -> None:
    digest = "ab" * 32
    assert SessionRequest.model_validate(identity(userHash=digest)).userHash == digest
    assert refused(SessionRequest, identity(userHash="zz" * 32)) == "userHash"
    assert refused(SessionRequest, identity(userHash="a" * 129)) == "userHash"


def test_ids_and_names_refuse_a_trailing_newline() -> None:
    """Python's `$` also matches before a final newline: every pattern is matched whole."""
    ulid = "01J" + "A" * 23
    assert refused(SyncPayload, {"after": ulid + "\n"}) == "after"
    assert refused(ConversationPatch, {"labels": ["vip\n"]}) == "labels.0"
    assert refused(CannedResponseCreate, {"shortcut": "hi\n", "text": "x"}) == "shortcut"
    assert refused(SettingsPatch, {"allowedOrigins": ["https://a.example\n"]}) == (
        "allowedOrigins.0"
    )
    identity = {"sessionId": SESSION, "fingerprint": FINGERPRINT}
    assert refused(ContactRequest, {**identity, "email": "ada@example.com\n"}) == "email"


def test_sync_after_must_be_a_message_id() -> None:
    ok = SyncPayload.model_validate({"after": "01ARYZ6S41TSV4RRFFQ69G5FAV"})
    assert ok.after == "01ARYZ6S41TSV4RRFFQ69G5FAV"
    assert refused(SyncPayload, {"after": "01aryz6s41tsv4rrffq69g5fav"}) == "after"
    assert refused(SyncPayload, {"after": "1"}) == "after"


def test_handshake_last_message_id_is_checked() -> None:
    base = {**identity(), "apiKey": "pk_x"}
    assert VisitorHandshake.model_validate({**base, "lastMessageId": None}).lastMessageId is None
    assert refused(VisitorHandshake, {**base, "lastMessageId": "nope"}) == "lastMessageId"
    assert refused(VisitorHandshake, {**identity()}) == "apiKey"


# --- strict types ---------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["yes", "true", 1, 0, None, "1"])
def test_is_typing_must_be_a_boolean(flag: Any) -> None:
    assert refused(TypingPayload, {"sessionId": SESSION, "isTyping": flag}) == "isTyping"


def test_is_typing_boolean_is_accepted() -> None:
    assert TypingPayload.model_validate({"sessionId": SESSION, "isTyping": False}).isTyping is False


def test_agent_message_conversation_id_is_bounded() -> None:
    ok = AgentSocketMessage.model_validate({"conversationId": "c" * 64, "text": "hi"})
    assert ok.conversationId == "c" * 64
    assert refused(AgentSocketMessage, {"conversationId": "c" * 65, "text": "hi"}) == (
        "conversationId"
    )
    assert refused(AgentSocketMessage, {"conversationId": 12, "text": "hi"}) == "conversationId"


def test_unknown_fields_are_ignored() -> None:
    request = MessageRequest.model_validate({**identity(text="hi"), "admin": True})
    assert not hasattr(request, "admin")


# --- message JSON ---------------------------------------------------------------------


def test_message_json_has_the_contract_shape() -> None:
    record = MessageRecord(
        message_id="01ARYZ6S41TSV4RRFFQ69G5FAV",
        tenant_id="acme",
        conversation_id="01ARYZ6S41TSV4RRFFQ69G5FAW",
        session_id=SESSION,
        user_id=None,
        sender="visitor",
        sender_name=None,
        text="  <i>hello</i>  ",
        client_message_id=None,
        created_at=datetime(2026, 11, 24, 10, 0, 0, 123456, tzinfo=UTC),
    )
    assert message_json(record, LinkSigner("s" * 40)) == {
        "messageId": "01ARYZ6S41TSV4RRFFQ69G5FAV",
        "tenantId": "acme",
        "conversationId": "01ARYZ6S41TSV4RRFFQ69G5FAW",
        "sessionId": SESSION,
        "userId": None,
        "sender": "visitor",
        "senderName": None,
        "text": "  <i>hello</i>  ",
        "clientMessageId": None,
        "createdAt": "2026-11-24T10:00:00.123Z",
        "attachments": [],
    }


def test_message_json_renders_naive_sqlite_datetimes_as_utc() -> None:
    record = MessageRecord(
        "01ARYZ6S41TSV4RRFFQ69G5FAV",
        "acme",
        "c",
        SESSION,
        "u1",
        "agent",
        "Ann",
        "x",
        None,
        datetime(2026, 1, 2, 3, 4, 5, 6000),
    )
    assert message_json(record, LinkSigner("s" * 40))["createdAt"] == "2026-01-02T03:04:05.006Z"


def test_a_message_needs_text_or_attachments() -> None:
    identity = {"sessionId": SESSION, "fingerprint": FINGERPRINT}
    assert refused(MessageRequest, identity) == "text"
    only_files = MessageRequest.model_validate(
        {**identity, "attachments": ["01ARYZ6S41TSV4RRFFQ69G5FAV"]}
    )
    assert only_files.text == ""
    assert refused(MessageRequest, {**identity, "attachments": ["nope"], "text": "x"}) == (
        "attachments.0"
    )
