// How a conversation record follows what arrives: a message of a conversation
// not seen yet makes a stub, a newer message moves its last message and
// activity time, a fresh list page replaces what it knows better.
import type { Conversation, Message, UserInfo } from '../lib/types';
import { newerId } from '../../../shared/ordering';
import { isNewer } from './threads';

export function timestamp(iso: string | null): number {
  if (!iso) return 0;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}

/** A conversation known only from one of its messages, until the list says more. */
export function stubConversation(m: Message): Conversation {
  const userInfo: UserInfo = m.sender === 'visitor' && m.senderName ? { name: m.senderName } : {};
  return {
    conversationId: m.conversationId,
    tenantId: m.tenantId,
    sessionId: m.sessionId,
    userId: m.userId,
    visitor: { userId: m.userId, userInfo, email: null, name: null },
    status: 'open',
    assigneeId: null,
    labels: [],
    snoozedUntil: null,
    visitorLastReadId: null,
    agentLastReadId: null,
    unreadCount: null,
    lastMessage: m,
    lastActivityAt: m.createdAt,
    createdAt: m.createdAt,
  };
}

export function withLastMessage(c: Conversation, m: Message): Conversation {
  if (!isNewer(m, c.lastMessage)) return c;
  const lastActivityAt = timestamp(m.createdAt) > timestamp(c.lastActivityAt) ? m.createdAt : c.lastActivityAt;
  return {
    ...c,
    lastMessage: m,
    lastActivityAt,
    sessionId: c.sessionId ?? m.sessionId,
    userId: c.userId ?? m.userId,
  };
}

/** A list page's record, keeping what live events already know better. */
export function mergeConversation(known: Conversation | undefined, fresh: Conversation): Conversation {
  if (!known) return fresh;
  // A live event may be newer than the page the server just sent.
  const newer = known.lastMessage && isNewer(known.lastMessage, fresh.lastMessage) ? known : fresh;
  const userInfo = Object.keys(fresh.visitor.userInfo).length ? fresh.visitor.userInfo : known.visitor.userInfo;
  return {
    ...fresh,
    // Read marks only move forward; a page fetched before a live mark must not undo it.
    visitorLastReadId: newerId(known.visitorLastReadId, fresh.visitorLastReadId),
    agentLastReadId: newerId(known.agentLastReadId, fresh.agentLastReadId),
    visitor: { ...fresh.visitor, userInfo },
    lastMessage: newer.lastMessage,
    lastActivityAt:
      timestamp(known.lastActivityAt) > timestamp(fresh.lastActivityAt) ? known.lastActivityAt : fresh.lastActivityAt,
  };
}

export function omit<T>(rec: Record<string, T>, key: string): Record<string, T> {
  if (!(key in rec)) return rec;
  const next = { ...rec };
  delete next[key];
  return next;
}
