"""The message batch write on PostgreSQL: three fixed statements, whatever the batch size.

Profiling showed SQLAlchemy's statement building and compiling taking ~60 % of a server's
CPU on this path (docs/performance.md): a multi-row insert has a new shape for every batch
size. Arrays passed to `unnest` keep one shape, which asyncpg prepares once per connection.
"""

from __future__ import annotations

from typing import Any

from webchat.db.models import PENDING_MISSED_REPLY
from webchat.db.records import MessageRecord

INSERT_MESSAGES = """
INSERT INTO messages (id, tenant_id, conversation_id, session_id, user_id, sender,
                      sender_name, text, client_message_id, created_at)
SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[],
                     $5::varchar[], $6::varchar[], $7::varchar[], $8::text[],
                     $9::varchar[], $10::timestamptz[])
ON CONFLICT (conversation_id, client_message_id) DO NOTHING
RETURNING id
"""

SELECT_BY_CLIENT_ID = """
SELECT m.id, m.tenant_id, m.conversation_id, m.session_id, m.user_id, m.sender,
       m.sender_name, m.text, m.client_message_id, m.created_at
FROM messages m
JOIN unnest($1::varchar[], $2::varchar[]) AS k(conversation_id, client_message_id)
  ON m.conversation_id = k.conversation_id AND m.client_message_id = k.client_message_id
"""

# Moves each conversation to its newest message (never backwards: another process may
# have committed a newer one), reopens the pending, snoozed or closed ones a visitor wrote
# in, records the conversation's first visitor message, and returns what was there
# before (its status, whether it had any message). The "before" is read by a locking
# CTE: a self-join would show a concurrent batch's pre-commit row again (READ COMMITTED
# does not re-read a joined copy), so two nodes could both see "closed" or "no visitor
# message yet". Rows are locked in id order, so two batches never deadlock, and `NO KEY
# UPDATE` (what the UPDATE takes anyway) leaves the messages' foreign-key checks (KEY
# SHARE on the same rows) free to proceed.
TOUCH_CONVERSATIONS = """
WITH v AS (
  SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::timestamptz[], $4::bool[],
                       $5::varchar[]) AS v(id, mid, at, reopen, first_visitor)
), old AS (
  SELECT c.id, c.status, c.first_visitor_message_id, c.last_message_id
  FROM conversations c JOIN v ON v.id = c.id
  ORDER BY c.id
  FOR NO KEY UPDATE OF c
)
UPDATE conversations AS c
SET last_message_id = CASE WHEN c.last_message_id IS NULL OR c.last_message_id < v.mid
                           THEN v.mid ELSE c.last_message_id END,
    last_activity_at = CASE WHEN c.last_message_id IS NULL OR c.last_message_id < v.mid
                            THEN v.at ELSE c.last_activity_at END,
    status = CASE WHEN v.reopen THEN 'open' ELSE c.status END,
    snoozed_until = CASE WHEN v.reopen THEN NULL ELSE c.snoozed_until END,
    first_visitor_message_id = COALESCE(c.first_visitor_message_id, v.first_visitor)
FROM v, old
WHERE c.id = v.id AND old.id = c.id
RETURNING c.id, old.status AS previous_status, c.status,
          (old.first_visitor_message_id IS NULL AND v.first_visitor IS NOT NULL) AS began,
          v.first_visitor, old.last_message_id IS NULL AS was_empty
"""


# Missed-reply e-mails for the batch's agent messages, in the same transaction: one
# pending row per conversation (the partial unique index), due at its first unread reply.
QUEUE_MISSED_REPLIES = f"""
INSERT INTO email_outbox (id, tenant_id, conversation_id, kind, status, due_at, attempts,
                          created_at)
SELECT v.id, v.tenant_id, v.conversation_id, 'missed_reply', 'pending', v.due, 0, now()
FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::timestamptz[])
       AS v(id, tenant_id, conversation_id, due)
ON CONFLICT (conversation_id, kind) WHERE {PENDING_MISSED_REPLY}
DO NOTHING
"""


# Attachments go with the new messages that send them, in the same transaction; one
# already sent with another message stays with it.
LINK_ATTACHMENTS = """
UPDATE attachments AS a SET message_id = v.mid
FROM unnest($1::varchar[], $2::varchar[]) AS v(aid, mid)
WHERE a.id = v.aid AND a.message_id IS NULL AND a.note_id IS NULL
"""


def message_columns(messages: list[MessageRecord]) -> list[list[Any]]:
    return [
        [m.message_id for m in messages],
        [m.tenant_id for m in messages],
        [m.conversation_id for m in messages],
        [m.session_id for m in messages],
        [m.user_id for m in messages],
        [m.sender for m in messages],
        [m.sender_name for m in messages],
        [m.text for m in messages],
        [m.client_message_id for m in messages],
        [m.created_at for m in messages],
    ]


def record_from_row(row: Any) -> MessageRecord:
    return MessageRecord(
        message_id=row["id"],
        tenant_id=row["tenant_id"],
        conversation_id=row["conversation_id"],
        session_id=row["session_id"],
        user_id=row["user_id"],
        sender=row["sender"],
        sender_name=row["sender_name"],
        text=row["text"],
        client_message_id=row["client_message_id"],
        created_at=row["created_at"],
    )
