"""`webchat.db.writer.MessageWriter`: concurrent sends share transactions, each message
still stored once, and one bad message never fails its neighbours."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from webchat.db import Database, DatabaseUnavailable
from webchat.db import writer as writer_module
from webchat.db.conversations import get_conversation, get_or_create_conversation
from webchat.db.history import list_messages
from webchat.db.records import ConversationRecord, MessageRecord
from webchat.db.tenants import insert_tenant
from webchat.db.writer import MessageWriter
from webchat.ids import new_ulid


@pytest.fixture
async def conversation(db: Database) -> ConversationRecord:
    await insert_tenant(db, "acme", "Acme", "identity-secret", [])
    return await get_or_create_conversation(db, "acme", str(uuid.uuid4()), None, None)


@pytest.fixture
async def writer(db: Database) -> AsyncIterator[MessageWriter]:
    made = MessageWriter(db)
    yield made
    await made.close()


def record(conversation_id: str, text: str, client_id: str | None = None) -> MessageRecord:
    return MessageRecord(
        message_id=new_ulid(),
        tenant_id="acme",
        conversation_id=conversation_id,
        session_id=str(uuid.uuid4()),
        user_id=None,
        sender="visitor",
        sender_name=None,
        text=text,
        client_message_id=client_id,
        created_at=datetime.now(UTC),
    )


async def test_many_concurrent_writes_are_all_stored_once_in_order(
    db: Database, writer: MessageWriter, conversation: ConversationRecord
) -> None:
    records = [record(conversation.conversation_id, f"m{i}") for i in range(120)]
    stored = await asyncio.wait_for(
        asyncio.gather(*(writer.write(r, reopen=True) for r in records)), timeout=60
    )
    assert all(s.created for s in stored)
    assert [s.message.message_id for s in stored] == [r.message_id for r in records]
    page, more = await list_messages(db, conversation.conversation_id, None, 200)
    assert not more
    assert [m.text for m in page] == [f"m{i}" for i in range(120)]
    after = await get_conversation(db, "acme", conversation.conversation_id)
    assert after is not None and after.last_message_id == records[-1].message_id


async def test_retries_in_one_batch_store_one_message(
    db: Database, writer: MessageWriter, conversation: ConversationRecord
) -> None:
    client_id = str(uuid.uuid4())
    records = [record(conversation.conversation_id, f"try {i}", client_id) for i in range(8)]
    stored = await asyncio.wait_for(
        asyncio.gather(*(writer.write(r, reopen=True) for r in records)), timeout=60
    )
    assert sum(s.created for s in stored) == 1
    assert len({s.message.message_id for s in stored}) == 1
    page, _ = await list_messages(db, conversation.conversation_id, None, 50)
    assert len(page) == 1
    assert page[0].message_id == stored[0].message.message_id


async def test_a_bad_message_fails_alone(
    db: Database, writer: MessageWriter, conversation: ConversationRecord
) -> None:
    good = [record(conversation.conversation_id, f"ok {i}") for i in range(5)]
    bad = record("no-such-conversation", "orphan")  # violates the foreign key
    results = await asyncio.wait_for(
        asyncio.gather(
            *(writer.write(r, reopen=True) for r in [*good[:2], bad, *good[2:]]),
            return_exceptions=True,
        ),
        timeout=60,
    )
    assert isinstance(results[2], Exception)
    assert [r.message.text for r in results if not isinstance(r, BaseException)] == [
        f"ok {i}" for i in range(5)
    ]
    page, _ = await list_messages(db, conversation.conversation_id, None, 50)
    assert [m.text for m in page] == [f"ok {i}" for i in range(5)]
    # The writer keeps working afterwards.
    later = await asyncio.wait_for(
        writer.write(record(conversation.conversation_id, "later"), True), 30
    )
    assert later.created


async def test_lane_connections_plan_their_statements_once(db: Database) -> None:
    """A custom plan per batch cost more than executing a small one (docs/performance.md)."""
    if db.is_sqlite:
        pytest.skip("SQLite has no lane connections")
    async with db.writer_connection(0) as connection:
        assert await connection.fetchval("SHOW plan_cache_mode") == "force_generic_plan"


async def test_close_commits_what_is_queued_first(
    db: Database, conversation: ConversationRecord
) -> None:
    """A SIGTERM drain (CONTRACT §14): writes already handed to the writer are committed,
    and their senders answered, before the lanes stop."""
    writer = MessageWriter(db)
    records = [record(conversation.conversation_id, f"q{i}") for i in range(50)]
    writes = [asyncio.ensure_future(writer.write(r, reopen=False)) for r in records]
    await asyncio.sleep(0)  # every write queued, the first commit started at most
    await asyncio.wait_for(writer.close(), timeout=30)
    stored = await asyncio.wait_for(asyncio.gather(*writes), timeout=5)
    assert all(s.created for s in stored)
    page, _ = await list_messages(db, conversation.conversation_id, None, 200)
    assert [m.text for m in page] == [f"q{i}" for i in range(50)]


async def test_close_is_bounded_when_commits_hang_and_answers_what_did_not_commit(
    db: Database, conversation: ConversationRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database that stops answering mid-commit on every lane: the drain still ends in
    DRAIN_SECONDS + CANCEL_SECONDS (not per lane, not forever), every sender gets the 503,
    and the writer takes nothing more."""
    hung = asyncio.Event()

    async def never_answers(*args: object, **kwargs: object) -> None:
        hung.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(writer_module, "insert_messages", never_answers)
    writer = MessageWriter(db)
    other = await get_or_create_conversation(
        db, conversation.tenant_id, str(uuid.uuid4()), None, {}
    )
    writes = [
        asyncio.ensure_future(writer.write(record(c.conversation_id, f"h{i}"), reopen=False))
        for i in range(20)
        for c in (conversation, other)
    ]
    await asyncio.wait_for(hung.wait(), 5)
    started = time.monotonic()
    await asyncio.wait_for(writer.close(), 30)
    took = time.monotonic() - started
    bound = writer_module.DRAIN_SECONDS + writer_module.CANCEL_SECONDS + 1
    assert took < bound, f"close took {took:.1f} s"
    outcomes = await asyncio.wait_for(asyncio.gather(*writes, return_exceptions=True), 5)
    assert all(isinstance(o, DatabaseUnavailable) for o in outcomes), outcomes[:3]
    with pytest.raises(DatabaseUnavailable):
        await writer.write(record(conversation.conversation_id, "late"), reopen=False)
