"""`webchat.db.conversations`: one conversation per visitor per tenant, created race-free;
the staff list, newest activity first, with status filter, search and keyset pages."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from webchat.db import Database
from webchat.db.conversation_list import ConversationFilter, list_conversations
from webchat.db.conversation_updates import update_conversation
from webchat.db.conversations import (
    find_conversation_of_session,
    find_conversation_of_user,
    get_conversation,
    get_or_create_conversation,
)
from webchat.db.messages import insert_message
from webchat.db.records import ConversationRecord, MessageRecord
from webchat.db.tenants import insert_tenant
from webchat.ids import new_ulid

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def tenant(db: Database) -> str:
    await insert_tenant(db, "acme", "Acme", "identity-secret", [])
    await insert_tenant(db, "globex", "Globex", "identity-secret", [])
    return "acme"


def new_session() -> str:
    return str(uuid.uuid4())


async def say(
    db: Database, conversation: ConversationRecord, text: str, at: datetime
) -> MessageRecord:
    record = MessageRecord(
        message_id=new_ulid(),
        tenant_id=conversation.tenant_id,
        conversation_id=conversation.conversation_id,
        session_id=conversation.session_id,
        user_id=conversation.user_id,
        sender="visitor",
        sender_name=None,
        text=text,
        client_message_id=None,
        created_at=at,
    )
    return (await insert_message(db, record, reopen=True)).message


async def test_anonymous_visitor_gets_one_conversation(db: Database, tenant: str) -> None:
    session = new_session()
    first = await get_or_create_conversation(db, tenant, session, None, {"name": "Ann"})
    again = await get_or_create_conversation(db, tenant, session, None, None)
    assert again.conversation_id == first.conversation_id
    assert first.owner_key == f"session:{session}"
    assert first.status == "open"
    assert first.user_info == {"name": "Ann"}
    assert again.user_info == {"name": "Ann"}
    assert await find_conversation_of_session(db, tenant, session) == again


async def test_same_session_in_two_tenants_gets_two_conversations(
    db: Database, tenant: str
) -> None:
    session = new_session()
    a = await get_or_create_conversation(db, "acme", session, None, None)
    b = await get_or_create_conversation(db, "globex", session, None, None)
    assert a.conversation_id != b.conversation_id
    assert await get_conversation(db, "globex", a.conversation_id) is None
    assert (await get_conversation(db, "acme", a.conversation_id)) is not None


async def test_logged_in_user_keeps_one_conversation_across_sessions(
    db: Database, tenant: str
) -> None:
    s1, s2 = new_session(), new_session()
    on_phone = await get_or_create_conversation(db, tenant, s1, "user-7", {"name": "Ann"})
    on_laptop = await get_or_create_conversation(db, tenant, s2, "user-7", {"name": "Ann B."})
    assert on_laptop.conversation_id == on_phone.conversation_id
    assert on_laptop.owner_key == "user:user-7"
    # The conversation follows the latest session and visitor info.
    assert on_laptop.session_id == s2
    assert on_laptop.user_info == {"name": "Ann B."}
    assert (await find_conversation_of_user(db, tenant, "user-7")) == on_laptop
    # The session an anonymous visitor had before logging in is its own conversation.
    anonymous = await get_or_create_conversation(db, tenant, s1, None, None)
    assert anonymous.conversation_id != on_phone.conversation_id


async def test_twenty_concurrent_callers_make_one_row(
    db: Database, tenant: str, make_db: Callable[[], Database]
) -> None:
    others = [make_db() for _ in range(3)]
    session = new_session()
    pool = [db, *others]
    results = await asyncio.wait_for(
        asyncio.gather(
            *(
                get_or_create_conversation(pool[i % 4], tenant, session, None, {"n": str(i % 2)})
                for i in range(20)
            )
        ),
        timeout=60,
    )
    assert len({r.conversation_id for r in results}) == 1
    async with db.engine.connect() as connection:
        count = (
            await connection.exec_driver_sql("SELECT count(*) FROM conversations")
        ).scalar_one()
    assert count == 1


async def test_twenty_concurrent_logged_in_callers_on_different_sessions(
    db: Database, tenant: str
) -> None:
    results = await asyncio.wait_for(
        asyncio.gather(
            *(
                get_or_create_conversation(db, tenant, new_session(), "user-9", None)
                for _ in range(20)
            )
        ),
        timeout=60,
    )
    assert len({r.conversation_id for r in results}) == 1


async def set_status(db: Database, tenant: str, conversation_id: str, status: str) -> None:
    assert await update_conversation(db, tenant, conversation_id, {"status": status}, None)


async def test_status_changes_are_tenant_scoped(db: Database, tenant: str) -> None:
    conversation = await get_or_create_conversation(db, tenant, new_session(), None, None)
    closing = {"status": "closed"}
    assert not await update_conversation(db, "globex", conversation.conversation_id, closing, None)
    assert (await get_conversation(db, tenant, conversation.conversation_id)).status == "open"  # type: ignore[union-attr]
    for status in ("closed", "pending", "snoozed"):
        await set_status(db, tenant, conversation.conversation_id, status)
        changed = await get_conversation(db, tenant, conversation.conversation_id)
        assert changed is not None and changed.status == status
        # A visitor message reopens it.
        await say(db, changed, f"back again from {status}", T0)
        reopened = await get_conversation(db, tenant, conversation.conversation_id)
        assert reopened is not None and reopened.status == "open"


async def make_conversations(db: Database, tenant: str, count: int) -> list[ConversationRecord]:
    """`count` conversations, each with one message, activity one minute apart (oldest first)."""
    made = []
    for i in range(count):
        conversation = await get_or_create_conversation(
            db, tenant, new_session(), None, {"name": f"visitor {i}"}
        )
        await say(db, conversation, f"message {i}", T0 + timedelta(minutes=i))
        made.append(conversation)
    return made


async def test_list_is_newest_activity_first_with_last_message(db: Database, tenant: str) -> None:
    made = await make_conversations(db, tenant, 5)
    # Conversation 1 speaks again: it moves to the top.
    await say(db, made[1], "latest words", T0 + timedelta(hours=1))
    items, more = await list_conversations(db, tenant, ConversationFilter(), 50, None)
    assert not more
    assert [c.conversation_id for c, _ in items] == [
        made[i].conversation_id for i in (1, 4, 3, 2, 0)
    ]
    conversation, last = items[0]
    assert last is not None and last.text == "latest words"
    assert conversation.last_message_id == last.message_id
    assert [m.text for _, m in items[1:] if m] == [
        "message 4",
        "message 3",
        "message 2",
        "message 0",
    ]
    # Another tenant's list is empty.
    assert await list_conversations(db, "globex", ConversationFilter(), 50, None) == ([], False)


async def test_conversations_without_a_message_stay_out_of_the_list(
    db: Database, tenant: str
) -> None:
    spoken = (await make_conversations(db, tenant, 1))[0]
    for _ in range(5):
        await get_or_create_conversation(db, tenant, new_session(), None, None)
    items, more = await list_conversations(db, tenant, ConversationFilter(), 50, None)
    assert [c.conversation_id for c, _ in items] == [spoken.conversation_id] and not more


async def test_keyset_pages_cover_everything_once(db: Database, tenant: str) -> None:
    made = await make_conversations(db, tenant, 7)
    # Two conversations with the same activity time: the id breaks the tie.
    same = await get_or_create_conversation(db, tenant, new_session(), None, None)
    await say(db, same, "tie", T0 + timedelta(minutes=3))
    seen: list[str] = []
    before = None
    for _ in range(10):
        items, more = await list_conversations(db, tenant, ConversationFilter(), 3, before)
        seen += [c.conversation_id for c, _ in items]
        if not more:
            break
        last = items[-1][0]
        before = (last.last_activity_at, last.conversation_id)
    assert len(seen) == 8
    assert sorted(seen) == sorted([c.conversation_id for c in made] + [same.conversation_id])
    assert seen[0] == made[6].conversation_id


async def test_status_filter(db: Database, tenant: str) -> None:
    made = await make_conversations(db, tenant, 4)
    await set_status(db, tenant, made[0].conversation_id, "closed")
    await set_status(db, tenant, made[2].conversation_id, "closed")
    closed, _ = await list_conversations(
        db, tenant, ConversationFilter(statuses=("closed",)), 50, None
    )
    opened, _ = await list_conversations(
        db, tenant, ConversationFilter(statuses=("open",)), 50, None
    )
    assert [c.conversation_id for c, _ in closed] == [
        made[2].conversation_id,
        made[0].conversation_id,
    ]
    assert [c.conversation_id for c, _ in opened] == [
        made[3].conversation_id,
        made[1].conversation_id,
    ]
    assert all(c.status == "closed" for c, _ in closed)


async def test_search_matches_visitor_info_user_id_and_message_text(
    db: Database, tenant: str
) -> None:
    by_name = await get_or_create_conversation(
        db, tenant, new_session(), None, {"name": "Alice Liddell"}
    )
    by_user = await get_or_create_conversation(db, tenant, new_session(), "wonderland-42", None)
    by_text = await get_or_create_conversation(db, tenant, new_session(), None, None)
    neither = await get_or_create_conversation(db, tenant, new_session(), None, {"name": "Bob"})
    await say(db, by_text, "Where is the Rabbit hole?", T0)
    await say(db, neither, "hello", T0)
    await say(db, by_name, "hi", T0)
    await say(db, by_user, "hi", T0)

    async def search(query: str) -> set[str]:
        items, _ = await list_conversations(db, tenant, ConversationFilter(query=query), 50, None)
        return {c.conversation_id for c, _ in items}

    assert await search("alice") == {by_name.conversation_id}
    assert await search("LIDDELL") == {by_name.conversation_id}
    assert await search("wonderland") == {by_user.conversation_id}
    assert await search("rabbit HOLE") == {by_text.conversation_id}
    assert await search("zebra") == set()


async def test_search_treats_percent_and_underscore_literally(db: Database, tenant: str) -> None:
    """`q` is put into a LIKE pattern unescaped: `_` matches any character and `%` any run,
    so searching `50%` also finds "50 people" and `a_c` finds "abc"."""
    percent = await get_or_create_conversation(db, tenant, new_session(), None, None)
    plain = await get_or_create_conversation(db, tenant, new_session(), None, None)
    await say(db, percent, "is there a 50% discount", T0)
    await say(db, plain, "we are 50 people, abc", T0)
    items, _ = await list_conversations(db, tenant, ConversationFilter(query="50%"), 50, None)
    assert {c.conversation_id for c, _ in items} == {percent.conversation_id}
    items, _ = await list_conversations(db, tenant, ConversationFilter(query="a_c"), 50, None)
    assert items == []


async def test_search_finds_a_non_ascii_visitor_name(db: Database, tenant: str) -> None:
    """Visitor info is searched as the JSON column's text, which the JSON serializer writes
    with `\\u` escapes: `Zoë` is stored as `Zo\\u00eb` and a search for `zoë` finds nothing."""
    zoe = await get_or_create_conversation(
        db, tenant, new_session(), None, {"name": "Zoë Ångström"}
    )
    await say(db, zoe, "hej", T0)
    items, _ = await list_conversations(db, tenant, ConversationFilter(query="zoë"), 50, None)
    assert [c.conversation_id for c, _ in items] == [zoe.conversation_id]


async def test_search_does_not_match_json_keys(db: Database, tenant: str) -> None:
    """Searching `email` should find visitors whose info mentions an e-mail value, not every
    visitor whose userInfo merely has an `email` key (the JSON text includes the keys)."""
    ann = await get_or_create_conversation(
        db, tenant, new_session(), None, {"email": "ann@example.com"}
    )
    await say(db, ann, "hi", T0)
    items, _ = await list_conversations(db, tenant, ConversationFilter(query="email"), 50, None)
    assert items == []
