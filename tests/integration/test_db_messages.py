"""`webchat.db.messages`: idempotent inserts and keyset-paginated history."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from webchat.clock import as_utc
from webchat.db import Database
from webchat.db.conversations import get_conversation, get_or_create_conversation
from webchat.db.history import list_messages, list_messages_after
from webchat.db.messages import insert_message
from webchat.db.records import ConversationRecord, MessageRecord
from webchat.db.tenants import insert_tenant
from webchat.ids import new_ulid

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def conversation(db: Database) -> ConversationRecord:
    await insert_tenant(db, "acme", "Acme", "identity-secret", [])
    return await get_or_create_conversation(db, "acme", str(uuid.uuid4()), None, None)


def record(
    conversation: ConversationRecord,
    text: str,
    client_message_id: str | None = None,
    at: datetime = T0,
    message_id: str | None = None,
    sender: str = "visitor",
) -> MessageRecord:
    return MessageRecord(
        message_id=message_id or new_ulid(),
        tenant_id=conversation.tenant_id,
        conversation_id=conversation.conversation_id,
        session_id=conversation.session_id,
        user_id=conversation.user_id,
        sender=sender,
        sender_name="Ann" if sender == "agent" else None,
        text=text,
        client_message_id=client_message_id,
        created_at=at,
    )


async def test_insert_stores_the_message_verbatim(
    db: Database, conversation: ConversationRecord
) -> None:
    text = "  <script>alert(1)</script>\n  é 🎉 "
    sent = record(conversation, text, str(uuid.uuid4()), T0 + timedelta(microseconds=123_000))
    stored = await insert_message(db, sent, reopen=True)
    assert stored.created
    assert stored.message == sent
    page, more = await list_messages(db, conversation.conversation_id, None, 50)
    assert not more
    assert len(page) == 1
    found = page[0]
    assert found.text == text
    assert found.message_id == sent.message_id
    assert found.client_message_id == sent.client_message_id
    assert as_utc(found.created_at) == sent.created_at
    after = await get_conversation(db, "acme", conversation.conversation_id)
    assert after is not None and after.last_message_id == sent.message_id


async def test_same_client_message_id_is_stored_once(
    db: Database, conversation: ConversationRecord
) -> None:
    client_id = str(uuid.uuid4())
    first = await insert_message(db, record(conversation, "hello", client_id), reopen=True)
    retry = await insert_message(db, record(conversation, "hello again", client_id), reopen=True)
    assert first.created and not retry.created
    assert retry.message.message_id == first.message.message_id
    assert retry.message.text == "hello"
    page, _ = await list_messages(db, conversation.conversation_id, None, 50)
    assert [m.text for m in page] == ["hello"]


async def test_concurrent_retries_store_one_message(
    db: Database, conversation: ConversationRecord
) -> None:
    client_id = str(uuid.uuid4())
    results = await asyncio.wait_for(
        asyncio.gather(
            *(
                insert_message(db, record(conversation, f"try {i}", client_id), True)
                for i in range(10)
            )
        ),
        timeout=60,
    )
    assert sum(r.created for r in results) == 1
    assert len({r.message.message_id for r in results}) == 1
    page, _ = await list_messages(db, conversation.conversation_id, None, 50)
    assert len(page) == 1 and page[0].message_id == results[0].message.message_id


async def test_client_message_id_is_per_conversation_and_optional(
    db: Database, conversation: ConversationRecord
) -> None:
    other = await get_or_create_conversation(db, "acme", str(uuid.uuid4()), None, None)
    client_id = str(uuid.uuid4())
    assert (await insert_message(db, record(conversation, "a", client_id), True)).created
    assert (await insert_message(db, record(other, "b", client_id), True)).created
    # Without a clientMessageId every send is a new message.
    assert (await insert_message(db, record(conversation, "c"), True)).created
    assert (await insert_message(db, record(conversation, "c"), True)).created
    page, _ = await list_messages(db, conversation.conversation_id, None, 50)
    assert [m.text for m in page] == ["a", "c", "c"]


async def test_agent_reply_does_not_reopen_a_closed_conversation(
    db: Database, conversation: ConversationRecord
) -> None:
    from webchat.db.conversation_updates import update_conversation

    for status in ("closed", "pending", "snoozed"):
        changes = {"status": status}
        assert await update_conversation(db, "acme", conversation.conversation_id, changes, None)
        await insert_message(db, record(conversation, "bye", sender="agent"), reopen=False)
        after = await get_conversation(db, "acme", conversation.conversation_id)
        assert after is not None and after.status == status


async def test_the_first_visitor_message_is_flagged_once(
    db: Database, conversation: ConversationRecord
) -> None:
    # A welcome from the agent side first: the visitor's first message is still "first".
    welcome = await insert_message(db, record(conversation, "hi", sender="agent"), False)
    first = await insert_message(db, record(conversation, "hello"), reopen=True)
    second = await insert_message(db, record(conversation, "again"), reopen=True)
    assert (welcome.first, first.first, second.first) == (False, True, False)


async def test_250_messages_in_pages_of_100_oldest_first(
    db: Database, conversation: ConversationRecord
) -> None:
    sent = [
        (
            await insert_message(
                db, record(conversation, f"m{i}", at=T0 + timedelta(seconds=i)), True
            )
        ).message
        for i in range(250)
    ]
    ids = [m.message_id for m in sent]
    assert ids == sorted(ids)

    newest, more = await list_messages(db, conversation.conversation_id, None, 100)
    assert more
    assert [m.message_id for m in newest] == ids[150:]
    middle, more = await list_messages(db, conversation.conversation_id, newest[0].message_id, 100)
    assert more
    assert [m.message_id for m in middle] == ids[50:150]
    oldest, more = await list_messages(db, conversation.conversation_id, middle[0].message_id, 100)
    assert not more
    assert [m.message_id for m in oldest] == ids[:50]
    assert [m.text for m in oldest + middle + newest] == [f"m{i}" for i in range(250)]


async def test_exact_page_boundary_says_no_more(
    db: Database, conversation: ConversationRecord
) -> None:
    for i in range(100):
        await insert_message(db, record(conversation, f"m{i}"), True)
    page, more = await list_messages(db, conversation.conversation_id, None, 100)
    assert len(page) == 100 and not more
    page, more = await list_messages(db, conversation.conversation_id, None, 99)
    assert len(page) == 99 and more
    assert page[0].text == "m1"


async def test_history_is_per_conversation(db: Database, conversation: ConversationRecord) -> None:
    other = await get_or_create_conversation(db, "acme", str(uuid.uuid4()), None, None)
    await insert_message(db, record(conversation, "mine"), True)
    await insert_message(db, record(other, "theirs"), True)
    page, _ = await list_messages(db, conversation.conversation_id, None, 50)
    assert [m.text for m in page] == ["mine"]
    assert await list_messages(db, "no-such-conversation", None, 50) == ([], False)


async def test_messages_after_an_id(db: Database, conversation: ConversationRecord) -> None:
    sent = [
        (await insert_message(db, record(conversation, f"m{i}"), True)).message for i in range(30)
    ]
    after = await list_messages_after(db, conversation.conversation_id, sent[9].message_id, 1000)
    assert [m.text for m in after] == [f"m{i}" for i in range(10, 30)]
    limited = await list_messages_after(db, conversation.conversation_id, sent[9].message_id, 5)
    assert [m.text for m in limited] == [f"m{i}" for i in range(10, 15)]
    assert (
        await list_messages_after(db, conversation.conversation_id, sent[-1].message_id, 10) == []
    )
    # An id older than everything (e.g. from another conversation) replays all of it.
    everything = await list_messages_after(db, conversation.conversation_id, "0" * 26, 1000)
    assert len(everything) == 30


async def test_last_message_is_the_newest_even_when_an_older_one_commits_last(
    db: Database, conversation: ConversationRecord
) -> None:
    """Two sends race: the one created first (older ULID and createdAt) can commit second.
    `touch_conversation` then overwrites last_message_id/last_activity_at with the older
    message, so the conversation list shows a stale last message and sorts it too low."""
    older = record(conversation, "older", at=T0)
    newer = record(conversation, "newer", at=T0 + timedelta(seconds=1))
    assert older.message_id < newer.message_id
    await insert_message(db, newer, True)
    await insert_message(db, older, True)
    after = await get_conversation(db, "acme", conversation.conversation_id)
    assert after is not None
    assert after.last_message_id == newer.message_id
    assert as_utc(after.last_activity_at) == newer.created_at


async def test_a_visitor_message_reopens_a_closed_conversation_once(
    db: Database, conversation: ConversationRecord
) -> None:
    from webchat.db.conversation_updates import update_conversation

    closing = {"status": "closed"}
    assert await update_conversation(db, "acme", conversation.conversation_id, closing, None)
    agent = await insert_message(db, record(conversation, "bye", sender="agent"), reopen=False)
    assert not agent.reopened
    still = await get_conversation(db, "acme", conversation.conversation_id)
    assert still is not None and still.status == "closed"

    first = await insert_message(db, record(conversation, "one more thing"), reopen=True)
    second = await insert_message(db, record(conversation, "hello?"), reopen=True)
    assert (first.reopened, second.reopened) == (True, False)
    reopened = await get_conversation(db, "acme", conversation.conversation_id)
    assert reopened is not None and reopened.status == "open"


async def test_racing_batches_reopen_and_begin_a_conversation_once(
    db: Database, conversation: ConversationRecord, make_db: Callable[[], Database]
) -> None:
    """Two nodes commit a visitor message into the same closed, untouched conversation at
    once: exactly one of them reopens it and exactly one message is its first."""
    from webchat.db.conversation_updates import update_conversation

    closing = {"status": "closed"}
    assert await update_conversation(db, "acme", conversation.conversation_id, closing, None)
    nodes = [make_db() for _ in range(4)]
    results = await asyncio.gather(
        *(
            insert_message(node, record(conversation, f"from node {i}"), reopen=True)
            for i, node in enumerate(nodes)
        )
    )
    assert sum(r.reopened for r in results) == 1, results
    assert sum(r.first for r in results) == 1, results
