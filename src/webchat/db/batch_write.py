"""The message batch write on PostgreSQL: three fixed statements, whatever the batch size.

Profiling showed SQLAlchemy's statement building and compiling taking ~60 % of a server's
CPU on this path (docs/performance.md): a multi-row insert has a new shape for every batch
size. Arrays passed to `unnest` keep one shape, which asyncpg prepares once per connection.
"""

from __future__ import annotations

from webchat.db.event_log import (
    CONVERSATION_CREATED,
    CONVERSATION_UPDATED,
    DELIVERY_COLUMNS,
    MESSAGE_CREATED,
    WANTS,
)
from webchat.db.models import PENDING_MISSED_REPLY
from webchat.db.records import MESSAGE_COLUMNS

_N = len(MESSAGE_COLUMNS)
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

# How a conversation moves to the newest of `v`'s messages (shared by both batch writes).
_TOUCH_SET = """SET
    last_message_id = CASE WHEN c.last_message_id IS NULL OR c.last_message_id < v.mid
                           THEN v.mid ELSE c.last_message_id END,
    last_activity_at = CASE WHEN c.last_message_id IS NULL OR c.last_message_id < v.mid
                            THEN v.at ELSE c.last_activity_at END,
    status = CASE WHEN v.reopen THEN 'open' ELSE c.status END,
    snoozed_until = CASE WHEN v.reopen THEN NULL ELSE c.snoozed_until END,
    first_visitor_message_id = COALESCE(c.first_visitor_message_id, v.first_visitor)"""

# Moves each conversation to its newest message (never backwards: another process may
# have committed a newer one), reopens the pending, snoozed or closed ones a visitor wrote
# in, records the conversation's first visitor message, and returns what was there
# before (its status, whether it had any message). The "before" is read by a locking
# CTE: a self-join would show a concurrent batch's pre-commit row again (READ COMMITTED
# does not re-read a joined copy), so two nodes could both see "closed" or "no visitor
# message yet". Rows are locked in id order, so two batches never deadlock, and `NO KEY
# UPDATE` (what the UPDATE takes anyway) leaves the messages' foreign-key checks (KEY
# SHARE on the same rows) free to proceed.
TOUCH_CONVERSATIONS = f"""
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
{_TOUCH_SET}
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


# The whole batch in one statement (one round trip, no BEGIN/COMMIT of its own) when no
# message in it sends attachments or queues a missed-reply e-mail: the insert, each
# conversation moved to its newest new message (the same rules as TOUCH_CONVERSATIONS,
# with the per-conversation figures computed from what the insert returned), the event
# log rows and their webhook deliveries. Arrays: the message columns, then per message
# `reopen`, the id of its `message.created` event and an id for a conversation event
# (used by the conversation's first new message), then the events' time. Rows out: one
# per inserted message (`kind` 'm') and one per touched conversation ('c').
WRITE_BATCH = f"""
WITH v AS (
  SELECT * FROM unnest({_ARRAYS}, ${_N + 1}::bool[], ${_N + 2}::varchar[], ${_N + 3}::varchar[])
    AS v({_COLUMNS}, reopen, event_id, conversation_event_id)
), ins AS (
  INSERT INTO messages ({_COLUMNS})
  SELECT {_COLUMNS} FROM v
  ON CONFLICT (conversation_id, client_message_id) DO NOTHING
  RETURNING id
), new AS (
  SELECT v.* FROM v JOIN ins USING (id)
), per AS (
  SELECT conversation_id AS id, max(tenant_id) AS tenant_id, max(id) AS mid,
         (array_agg(created_at ORDER BY id DESC))[1] AS at, bool_or(reopen) AS reopen,
         min(id) FILTER (WHERE sender = 'visitor') AS first_visitor,
         (array_agg(conversation_event_id ORDER BY id))[1] AS event_id
  FROM new GROUP BY conversation_id
), old AS (
  SELECT c.id, c.status, c.first_visitor_message_id, c.last_message_id
  FROM conversations c JOIN per ON per.id = c.id
  ORDER BY c.id
  FOR NO KEY UPDATE OF c
), touched AS (
  UPDATE conversations AS c
  {_TOUCH_SET}
  FROM per AS v, old
  WHERE c.id = v.id AND old.id = c.id
  RETURNING c.id, v.tenant_id, v.event_id, old.status AS previous_status, c.status,
            (old.first_visitor_message_id IS NULL AND v.first_visitor IS NOT NULL) AS began,
            v.first_visitor, old.last_message_id IS NULL AS was_empty
), e AS (
  INSERT INTO events (id, tenant_id, type, conversation_id, subject_id, created_at)
  SELECT event_id, tenant_id, '{MESSAGE_CREATED}', conversation_id, id, ${_N + 4}::timestamptz
  FROM new
  UNION ALL
  SELECT event_id, tenant_id,
         CASE WHEN was_empty THEN '{CONVERSATION_CREATED}' ELSE '{CONVERSATION_UPDATED}' END,
         id, id, ${_N + 4}::timestamptz
  FROM touched
  WHERE was_empty OR (previous_status <> 'open' AND status = 'open')
  RETURNING id, tenant_id, type, conversation_id, created_at
), d AS (
  INSERT INTO webhook_deliveries ({", ".join(DELIVERY_COLUMNS)})
  SELECT w.id, e.id, e.tenant_id, e.type, e.conversation_id, 'pending', 0, e.created_at,
         e.created_at
  FROM e JOIN webhooks w ON w.tenant_id = e.tenant_id AND {WANTS.format(type="e.type")}
)
SELECT 'm' AS kind, id, NULL AS previous_status, NULL AS status, NULL::bool AS began,
       NULL AS first_visitor, NULL::bool AS was_empty
FROM ins
UNION ALL
SELECT 'c', id, previous_status, status, began, first_visitor, was_empty FROM touched
"""
