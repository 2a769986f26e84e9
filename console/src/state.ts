// The console's state and its pure reducer. Every server input (HTTP pages,
// socket events, acks) becomes one action; the reducer is where duplicates
// are dropped and unread counts are kept, so it is what the unit tests cover.
import { visitorEmail, visitorName } from './lib/format';
import type {
  AgentPresence,
  Conversation,
  ConversationStatus,
  Message,
  OnlineUser,
} from './lib/types';

export type Delivery = 'sending' | 'sent' | 'failed';

export interface ThreadMessage extends Message {
  delivery: Delivery;
}

export interface Thread {
  /** Oldest first. Own messages not yet acknowledged come last. */
  messages: ThreadMessage[];
  nextBefore: string | null;
  loaded: boolean;
}

export interface State {
  conversations: Record<string, Conversation>;
  threads: Record<string, Thread>;
  unread: Record<string, number>;
  activeId: string | null;
  online: Record<string, OnlineUser>;
  /** conversationId (or `session:<sessionId>` when unknown) -> typing expiry, epoch ms. */
  typing: Record<string, number>;
  agents: Record<string, AgentPresence>;
  listNextBefore: string | null;
  /** Conversations the server matched for `searchQuery` (it searches all history). */
  searchQuery: string;
  searchHits: Record<string, true>;
}

export const initialState: State = {
  conversations: {},
  threads: {},
  unread: {},
  activeId: null,
  online: {},
  typing: {},
  agents: {},
  listNextBefore: null,
  searchQuery: '',
  searchHits: {},
};

/** How long a "typing" signal stays shown without a refresh from the visitor. */
export const TYPING_TTL_MS = 8000;

export type Action =
  | { type: 'reset' }
  | {
      type: 'conversations_loaded';
      conversations: Conversation[];
      nextBefore: string | null;
      append: boolean;
      /** The `q` the page was fetched with, if any. */
      query?: string | null;
    }
  | { type: 'message_received'; message: Message }
  | { type: 'history_loaded'; conversationId: string; messages: Message[]; nextBefore: string | null; older: boolean }
  | { type: 'message_pending'; message: Message }
  | { type: 'message_acked'; conversationId: string; clientMessageId: string; message: Message }
  | { type: 'message_failed'; conversationId: string; clientMessageId: string }
  | { type: 'message_retry'; conversationId: string; clientMessageId: string }
  | { type: 'open_conversation'; conversationId: string | null }
  | { type: 'presence_list'; users: OnlineUser[] }
  | { type: 'user_online'; user: OnlineUser }
  | { type: 'user_offline'; sessionId: string }
  | { type: 'typing'; conversationId: string | null; sessionId: string | null; isTyping: boolean; now: number }
  | { type: 'typing_expired'; now: number }
  | { type: 'status_changed'; conversationId: string; status: ConversationStatus }
  | { type: 'agents_list'; agents: AgentPresence[] }
  | { type: 'agent_online'; agent: AgentPresence }
  | { type: 'agent_offline'; agentId: string };

export function pendingId(clientMessageId: string): string {
  return `pending:${clientMessageId}`;
}

function ts(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}

/** Orders two stored messages: by creation time, then by (time-sortable) messageId. */
export function compareMessages(a: Message, b: Message): number {
  const d = ts(a.createdAt) - ts(b.createdAt);
  if (d !== 0) return d;
  return a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0;
}

function isNewer(m: Message, than: Message | null): boolean {
  return than === null || compareMessages(m, than) > 0;
}

/**
 * Put stored messages into a thread: one entry per messageId; a stored
 * message replaces the pending entry that carried its clientMessageId.
 */
export function mergeMessages(existing: ThreadMessage[], incoming: Message[]): ThreadMessage[] {
  const byId = new Map<string, ThreadMessage>();
  const pending: ThreadMessage[] = [];
  for (const m of existing) {
    if (m.delivery === 'sent') byId.set(m.messageId, m);
    else pending.push(m);
  }
  const delivered = new Set<string>();
  for (const m of incoming) {
    byId.set(m.messageId, { ...m, delivery: 'sent' });
    if (m.clientMessageId) delivered.add(`${m.conversationId}\u0000${m.clientMessageId}`);
  }
  for (const m of byId.values()) {
    if (m.clientMessageId) delivered.add(`${m.conversationId}\u0000${m.clientMessageId}`);
  }
  const stillPending = pending.filter(
    (p) => !p.clientMessageId || !delivered.has(`${p.conversationId}\u0000${p.clientMessageId}`),
  );
  return [...[...byId.values()].sort(compareMessages), ...stillPending];
}

function stubConversation(m: Message): Conversation {
  return {
    conversationId: m.conversationId,
    sessionId: m.sessionId,
    userId: m.userId,
    userInfo: m.sender === 'visitor' && m.senderName ? { name: m.senderName } : {},
    status: 'open',
    lastMessage: m,
    lastActivityAt: m.createdAt,
    createdAt: m.createdAt,
  };
}

function withLastMessage(c: Conversation, m: Message): Conversation {
  if (!isNewer(m, c.lastMessage)) return c;
  const lastActivityAt = ts(m.createdAt) > ts(c.lastActivityAt) ? m.createdAt : c.lastActivityAt;
  return {
    ...c,
    lastMessage: m,
    lastActivityAt,
    sessionId: c.sessionId ?? m.sessionId,
    userId: c.userId ?? m.userId,
  };
}

function omit<T>(rec: Record<string, T>, key: string): Record<string, T> {
  if (!(key in rec)) return rec;
  const next = { ...rec };
  delete next[key];
  return next;
}

/** The conversation a visitor session belongs to, if it is known. */
export function conversationForSession(state: State, sessionId: string, userId: string | null = null): Conversation | null {
  let best: Conversation | null = null;
  for (const c of Object.values(state.conversations)) {
    const hit = (userId !== null && c.userId === userId) || c.sessionId === sessionId;
    if (hit && (best === null || ts(c.lastActivityAt) > ts(best.lastActivityAt))) best = c;
  }
  return best;
}

function receive(state: State, m: Message): State {
  const cid = m.conversationId;
  const known = state.conversations[cid];
  const thread = state.threads[cid];
  const alreadyInThread = thread?.messages.some((x) => x.messageId === m.messageId) ?? false;
  const fresh = !alreadyInThread && (known === undefined || isNewer(m, known.lastMessage));

  let updated = known ? withLastMessage(known, m) : stubConversation(m);
  // The server reopens a closed conversation when its visitor writes again.
  if (fresh && m.sender === 'visitor' && updated.status === 'closed') updated = { ...updated, status: 'open' };
  const conversations = { ...state.conversations, [cid]: updated };
  const threads = thread
    ? { ...state.threads, [cid]: { ...thread, messages: mergeMessages(thread.messages, [m]) } }
    : state.threads;
  let unread = state.unread;
  if (fresh && m.sender === 'visitor' && state.activeId !== cid) {
    unread = { ...unread, [cid]: (unread[cid] ?? 0) + 1 };
  }
  // A visitor who has sent a message has stopped typing it.
  const typing = m.sender === 'visitor' ? omit(state.typing, cid) : state.typing;
  return { ...state, conversations, threads, unread, typing };
}

function mergeConversations(state: State, list: Conversation[]): Record<string, Conversation> {
  const next = { ...state.conversations };
  for (const c of list) {
    const known = next[c.conversationId];
    if (!known) {
      next[c.conversationId] = c;
      continue;
    }
    // A live event may be newer than the page the server just sent.
    const fresher = known.lastMessage && isNewer(known.lastMessage, c.lastMessage) ? known : c;
    next[c.conversationId] = {
      ...c,
      userInfo: Object.keys(c.userInfo).length ? c.userInfo : known.userInfo,
      lastMessage: fresher.lastMessage,
      lastActivityAt: ts(known.lastActivityAt) > ts(c.lastActivityAt) ? known.lastActivityAt : c.lastActivityAt,
    };
  }
  return next;
}

function updatePending(
  state: State,
  conversationId: string,
  clientMessageId: string,
  delivery: Delivery,
): State {
  const thread = state.threads[conversationId];
  if (!thread) return state;
  const messages = thread.messages.map((m) =>
    m.delivery !== 'sent' && m.clientMessageId === clientMessageId ? { ...m, delivery } : m,
  );
  return { ...state, threads: { ...state.threads, [conversationId]: { ...thread, messages } } };
}

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'reset':
      return initialState;

    case 'conversations_loaded': {
      // Messages missed while the socket was down show up as a newer last
      // message in a fresh page: count them as (at least one) unread.
      let unread = state.unread;
      for (const c of action.conversations) {
        const known = state.conversations[c.conversationId];
        const last = c.lastMessage;
        if (known && last && last.sender === 'visitor' && c.conversationId !== state.activeId && isNewer(last, known.lastMessage)) {
          unread = { ...unread, [c.conversationId]: (unread[c.conversationId] ?? 0) + 1 };
        }
      }
      const query = action.query?.trim() ?? '';
      let searchHits: Record<string, true> = {};
      if (query !== '') {
        searchHits = action.append && state.searchQuery === query ? { ...state.searchHits } : {};
        for (const c of action.conversations) searchHits[c.conversationId] = true;
      }
      return {
        ...state,
        unread,
        conversations: mergeConversations(state, action.conversations),
        listNextBefore: action.nextBefore,
        searchQuery: query,
        searchHits,
      };
    }

    case 'message_received':
      return receive(state, action.message);

    case 'history_loaded': {
      const thread = state.threads[action.conversationId];
      const messages = mergeMessages(thread?.messages ?? [], action.messages);
      // The first page fixes where older pages start; later pages move it back.
      const nextBefore = action.older || !thread?.loaded ? action.nextBefore : thread.nextBefore;
      let conversations = state.conversations;
      const newest = action.messages[action.messages.length - 1];
      const known = state.conversations[action.conversationId];
      if (newest && known) {
        conversations = { ...conversations, [action.conversationId]: withLastMessage(known, newest) };
      }
      return {
        ...state,
        conversations,
        threads: { ...state.threads, [action.conversationId]: { messages, nextBefore, loaded: true } },
      };
    }

    case 'message_pending': {
      const m = action.message;
      const thread = state.threads[m.conversationId] ?? { messages: [], nextBefore: null, loaded: false };
      if (thread.messages.some((x) => x.clientMessageId === m.clientMessageId)) return state;
      const messages = [...thread.messages, { ...m, delivery: 'sending' as const }];
      return { ...state, threads: { ...state.threads, [m.conversationId]: { ...thread, messages } } };
    }

    case 'message_acked':
      return receive(state, action.message);

    case 'message_failed':
      return updatePending(state, action.conversationId, action.clientMessageId, 'failed');

    case 'message_retry':
      return updatePending(state, action.conversationId, action.clientMessageId, 'sending');

    case 'open_conversation': {
      const id = action.conversationId;
      return { ...state, activeId: id, unread: id === null ? state.unread : omit(state.unread, id) };
    }

    case 'presence_list': {
      const online: Record<string, OnlineUser> = {};
      for (const u of action.users) online[u.sessionId] = u;
      return { ...state, online };
    }

    case 'user_online':
      return { ...state, online: { ...state.online, [action.user.sessionId]: action.user } };

    case 'user_offline':
      return action.sessionId in state.online ? { ...state, online: omit(state.online, action.sessionId) } : state;

    case 'typing': {
      let key: string | null = action.conversationId;
      if (key === null && action.sessionId !== null) {
        key = conversationForSession(state, action.sessionId)?.conversationId ?? `session:${action.sessionId}`;
      }
      if (key === null) return state;
      const typing = action.isTyping
        ? { ...state.typing, [key]: action.now + TYPING_TTL_MS }
        : omit(state.typing, key);
      return { ...state, typing };
    }

    case 'typing_expired': {
      const entries = Object.entries(state.typing).filter(([, until]) => until > action.now);
      if (entries.length === Object.keys(state.typing).length) return state;
      return { ...state, typing: Object.fromEntries(entries) };
    }

    case 'status_changed': {
      const known = state.conversations[action.conversationId];
      if (!known) return state;
      return {
        ...state,
        conversations: { ...state.conversations, [action.conversationId]: { ...known, status: action.status } },
      };
    }

    case 'agents_list': {
      const agents: Record<string, AgentPresence> = {};
      for (const a of action.agents) agents[a.agentId] = a;
      return { ...state, agents };
    }

    case 'agent_online':
      return { ...state, agents: { ...state.agents, [action.agent.agentId]: action.agent } };

    case 'agent_offline':
      return { ...state, agents: omit(state.agents, action.agentId) };
  }
}

// ---- selectors -------------------------------------------------------------

export function isTyping(state: State, c: Conversation, now: number): boolean {
  const keys = [c.conversationId];
  if (c.sessionId) keys.push(`session:${c.sessionId}`);
  return keys.some((k) => (state.typing[k] ?? 0) > now);
}

/** Case-insensitive match on visitor name, e-mail, or the text of any known message. */
export function matchesSearch(c: Conversation, thread: Thread | undefined, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') return true;
  const haystack: string[] = [visitorName(c.userInfo, c.sessionId, c.userId)];
  const email = visitorEmail(c.userInfo);
  if (email) haystack.push(email);
  if (c.userId) haystack.push(c.userId);
  if (c.lastMessage) haystack.push(c.lastMessage.text);
  if (thread) for (const m of thread.messages) haystack.push(m.text);
  return haystack.some((h) => h.toLowerCase().includes(q));
}

/** The list pane: the chosen status, filtered by search, newest activity first. */
export function visibleConversations(
  state: State,
  status: ConversationStatus,
  query: string,
): Conversation[] {
  return Object.values(state.conversations)
    .filter(
      (c) =>
        c.status === status &&
        (matchesSearch(c, state.threads[c.conversationId], query) ||
          (query.trim() !== '' && state.searchQuery === query.trim() && state.searchHits[c.conversationId] === true)),
    )
    .sort((a, b) => ts(b.lastActivityAt) - ts(a.lastActivityAt) || (a.conversationId < b.conversationId ? -1 : 1));
}

/** Online visitors, longest on site first. */
export function onlineList(state: State): OnlineUser[] {
  return Object.values(state.online).sort(
    (a, b) => ts(a.connectedAt ?? '') - ts(b.connectedAt ?? '') || (a.sessionId < b.sessionId ? -1 : 1),
  );
}

export function totalUnread(state: State): number {
  return Object.values(state.unread).reduce((n, x) => n + x, 0);
}

/** The newest stored message of a thread, for `sync {after}` after a reconnect. */
export function lastStoredMessageId(thread: Thread | undefined): string | null {
  if (!thread) return null;
  for (let i = thread.messages.length - 1; i >= 0; i--) {
    const m = thread.messages[i];
    if (m && m.delivery === 'sent') return m.messageId;
  }
  return null;
}
