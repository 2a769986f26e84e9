"""The message batch write on PostgreSQL: three fixed statements, whatever the batch size.

Profiling showed SQLAlchemy's statement building and compiling taking ~60 % of a server's
CPU on this path (docs/performance.md): a multi-row insert has a new shape for every batch
size. Arrays passed to `unnest` keep one shape, which asyncpg prepares once per connection.
"""

from __future__ import annotations

from webchat.db.models import PENDING_MISSED_REPLY
from webchat.db.records import MESSAGE_COLUMNS

_COLUMNS = ", ".join(column for column, _, _ in MESSAGE_COLUMNS)
_ARRAYS = ", ".join(f"${i}::{kind}[]" for i, (_, _, kind) in enumerate(MESSAGE_COLUMNS, 1))

INSERT_MESSAGES = f"""
INSERT INTO messages ({_COLUMNS})
SELECT * FROM unnest({_ARRAYS})
ON CONFLICT (conversation_id, client_message_id) DO NOTHING
RETURNING id
"""

SELECT_BY_CLIENT_ID = f"""
SELECT {", ".join(f"m.{column}" for column, _, _ in MESSAGE_COLUMNS)}
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
