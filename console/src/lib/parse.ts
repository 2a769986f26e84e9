// Turn untrusted JSON into the typed shapes of types.ts. Unknown or missing
// optional fields are tolerated; a value that lacks what the UI needs is
// dropped (null) rather than half-shown.
import { CONVERSATION_STATUSES } from './types';
import type {
  Attachment,
  AgentPresence,
  Conversation,
  ConversationStatus,
  ErrorBody,
  Message,
  OnlineUser,
  Sender,
  UserInfo,
} from './types';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function nonEmpty(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

export function idLike(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return nonEmpty(v);
}

/** A timestamp as ISO text; epoch seconds or milliseconds are accepted too. */
export function time(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) {
    const ms = v < 1e12 ? v * 1000 : v;
    return new Date(ms).toISOString();
  }
  if (typeof v === 'string' && v !== '' && !Number.isNaN(Date.parse(v))) return v;
  return null;
}

export function parseUserInfo(v: unknown): UserInfo {
  const out: UserInfo = {};
  if (!isObj(v)) return out;
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === 'string') out[k] = val;
    else if (typeof val === 'number' || typeof val === 'boolean') out[k] = String(val);
  }
  return out;
}

const SENDERS: readonly Sender[] = ['visitor', 'agent', 'system'];

export function parseMessage(v: unknown): Message | null {
  if (!isObj(v)) return null;
  const messageId = idLike(v.messageId);
  const conversationId = idLike(v.conversationId);
  const text = str(v.text);
  if (messageId === null || conversationId === null || text === null) return null;
  const sender = SENDERS.includes(v.sender as Sender) ? (v.sender as Sender) : 'system';
  return {
    messageId,
    tenantId: str(v.tenantId) ?? '',
    conversationId,
    sessionId: nonEmpty(v.sessionId),
    userId: idLike(v.userId),
    sender,
    senderName: nonEmpty(v.senderName),
    text,
    clientMessageId: nonEmpty(v.clientMessageId),
    createdAt: time(v.createdAt) ?? new Date().toISOString(),
    attachments: parseAttachments(v.attachments),
  };
}

export function parseMessages(v: unknown): Message[] {
  if (!Array.isArray(v)) return [];
  const out: Message[] = [];
  for (const item of v) {
    const m = parseMessage(item);
    if (m) out.push(m);
  }
  return out;
}

export function parseOnlineUser(v: unknown): OnlineUser | null {
  if (!isObj(v)) return null;
  const sessionId = nonEmpty(v.sessionId);
  if (sessionId === null) return null;
  const tabs = typeof v.tabs === 'number' && Number.isFinite(v.tabs) ? Math.max(0, v.tabs) : 1;
  return {
    sessionId,
    userId: idLike(v.userId),
    userInfo: parseUserInfo(v.userInfo),
    tabs,
    connectedAt: time(v.connectedAt),
    lastSeenAt: time(v.lastSeenAt),
    url: nonEmpty(v.url),
  };
}

export function parseOnlineUsers(v: unknown): OnlineUser[] {
  const list = isObj(v) ? v.users : v;
  if (!Array.isArray(list)) return [];
  const out: OnlineUser[] = [];
  for (const item of list) {
    const u = parseOnlineUser(item);
    if (u) out.push(u);
  }
  return out;
}

function statusOf(v: unknown): ConversationStatus {
  return CONVERSATION_STATUSES.includes(v as ConversationStatus) ? (v as ConversationStatus) : 'open';
}

function labelsOf(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.filter((x): x is string => typeof x === 'string' && x !== '');
}

function countOf(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : null;
}

export function parseConversation(v: unknown): Conversation | null {
  if (!isObj(v)) return null;
  const conversationId = idLike(v.conversationId ?? v.id);
  if (conversationId === null) return null;
  const lastMessage = parseMessage(v.lastMessage);
  // The visitor's details may come as `visitor: {userInfo, name, email}` (§8),
  // `visitor: {name,…}` or a top-level `userInfo`; merge what is there.
  const visitor = isObj(v.visitor) ? v.visitor : {};
  const userInfo: UserInfo = {
    ...parseUserInfo(v.userInfo),
    ...parseUserInfo(Object.fromEntries(Object.entries(visitor).filter(([, x]) => !isObj(x)))),
    ...parseUserInfo(visitor.userInfo),
  };
  const lastActivityAt =
    time(v.lastActivityAt) ??
    time(v.updatedAt) ??
    lastMessage?.createdAt ??
    time(v.createdAt) ??
    new Date(0).toISOString();
  const userId = idLike(v.userId) ?? idLike(visitor.userId);
  return {
    conversationId,
    tenantId: str(v.tenantId) ?? '',
    sessionId: nonEmpty(v.sessionId) ?? nonEmpty(visitor.sessionId),
    userId,
    visitor: {
      userId,
      userInfo,
      email: nonEmpty(visitor.email),
      name: nonEmpty(visitor.name),
    },
    status: statusOf(v.status),
    assigneeId: idLike(v.assigneeId),
    labels: labelsOf(v.labels),
    snoozedUntil: time(v.snoozedUntil),
    visitorLastReadId: idLike(v.visitorLastReadId),
    agentLastReadId: idLike(v.agentLastReadId),
    unreadCount: countOf(v.unreadCount),
    lastMessage,
    lastActivityAt,
    createdAt: time(v.createdAt),
  };
}

export interface ConversationPage {
  conversations: Conversation[];
  nextBefore: string | null;
}

export function parseConversationPage(v: unknown): ConversationPage {
  let list: unknown = v;
  let nextBefore: string | null = null;
  if (isObj(v)) {
    list = v.conversations ?? v.items ?? v.data;
    nextBefore = idLike(v.nextBefore) ?? null;
  }
  const conversations: Conversation[] = [];
  if (Array.isArray(list)) {
    for (const item of list) {
      const c = parseConversation(item);
      if (c) conversations.push(c);
    }
  }
  return { conversations, nextBefore };
}

export function parseErrorBody(v: unknown): ErrorBody | null {
  if (!isObj(v)) return null;
  const e = isObj(v.error) ? v.error : v;
  const code = nonEmpty(e.code);
  if (code === null) return null;
  return { code, message: str(e.message) ?? code };
}

export function parseAgent(v: unknown): AgentPresence | null {
  if (!isObj(v)) return null;
  const agentId = idLike(v.agentId ?? v.id ?? v.email);
  if (agentId === null) return null;
  const name = nonEmpty(v.name) ?? nonEmpty(v.displayName) ?? nonEmpty(v.email) ?? agentId;
  return { agentId, name };
}

export function parseAgents(v: unknown): AgentPresence[] {
  const list = isObj(v) ? (v.agents ?? v.users) : v;
  if (!Array.isArray(list)) return [];
  const out: AgentPresence[] = [];
  for (const item of list) {
    const a = parseAgent(item);
    if (a) out.push(a);
  }
  return out;
}

export { isObj };

export function parseAttachments(v: unknown): Attachment[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((a: unknown) => {
    if (!isObj(a) || typeof a.attachmentId !== 'string' || typeof a.url !== 'string') return [];
    return [
      {
        attachmentId: a.attachmentId,
        name: typeof a.name === 'string' ? a.name : 'file',
        size: typeof a.size === 'number' ? a.size : 0,
        contentType: typeof a.contentType === 'string' ? a.contentType : 'application/octet-stream',
        url: a.url,
      },
    ];
  });
}
