// The pure reducer: where duplicates are dropped, unread counts kept and
// typing signals expire. See model.ts for the state and the actions.
import { newerId } from '../../../shared/ordering';
import type { AgentPresence, Conversation, Message, MessagesRead, Note, OnlineUser } from '../lib/types';
import { mergeConversation, omit, stubConversation, timestamp, withLastMessage } from './conversations';
import { initialState, TYPING_TTL_MS, type Action, type State } from './model';
import { emptyThread, isNewer, mergeMessages, setDelivery } from './threads';

/** The conversation a visitor session belongs to, if it is known. */
export function conversationForSession(state: State, sessionId: string, userId: string | null = null): Conversation | null {
  let best: Conversation | null = null;
  for (const c of Object.values(state.conversations)) {
    const hit = (userId !== null && c.userId === userId) || c.sessionId === sessionId;
    if (hit && (best === null || timestamp(c.lastActivityAt) > timestamp(best.lastActivityAt))) best = c;
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
  if (fresh && m.sender === 'visitor' && !isBeingRead(state, cid)) {
    unread = { ...unread, [cid]: (unread[cid] ?? 0) + 1 };
  }
  // A visitor who has sent a message has stopped typing it.
  const typing = m.sender === 'visitor' ? omit(state.typing, cid) : state.typing;
  return { ...state, conversations, threads, unread, typing };
}

/** The agent has this conversation in front of them: open, in a visible tab. */
function isBeingRead(state: State, conversationId: string): boolean {
  return state.activeId === conversationId && state.pageVisible;
}

/** The server's unreadCount (§8) wins over local counting when it sends one. */
function withServerUnread(state: State, unread: Record<string, number>, c: Conversation): Record<string, number> {
  if (c.unreadCount === null) return unread;
  const count = isBeingRead(state, c.conversationId) ? 0 : c.unreadCount;
  if ((unread[c.conversationId] ?? 0) === count) return unread;
  return count === 0 ? omit(unread, c.conversationId) : { ...unread, [c.conversationId]: count };
}

function unreadAfter(state: State, conversationId: string, upTo: string): number | null {
  const thread = state.threads[conversationId];
  if (thread?.loaded) {
    return thread.messages.filter((m) => m.sender === 'visitor' && m.delivery === 'sent' && m.messageId > upTo).length;
  }
  const last = state.conversations[conversationId]?.lastMessage;
  return last && last.messageId <= upTo ? 0 : null;
}

function readMark(state: State, read: MessagesRead): State {
  const known = state.conversations[read.conversationId];
  if (!known) return state;
  if (read.reader === 'visitor') {
    const visitorLastReadId = newerId(known.visitorLastReadId, read.upTo);
    if (visitorLastReadId === known.visitorLastReadId) return state;
    return { ...state, conversations: { ...state.conversations, [known.conversationId]: { ...known, visitorLastReadId } } };
  }
  const agentLastReadId = newerId(known.agentLastReadId, read.upTo) ?? read.upTo;
  const left = unreadAfter(state, known.conversationId, agentLastReadId);
  const conversations = { ...state.conversations, [known.conversationId]: { ...known, agentLastReadId } };
  let unread = state.unread;
  if (left !== null) unread = left === 0 ? omit(unread, known.conversationId) : { ...unread, [known.conversationId]: left };
  return { ...state, conversations, unread };
}

function loadConversations(state: State, action: Extract<Action, { type: 'conversations_loaded' }>): State {
  // Messages missed while the socket was down show up as a newer last
  // message in a fresh page: count them as (at least one) unread.
  let unread = state.unread;
  const conversations = { ...state.conversations };
  for (const c of action.conversations) {
    const known = state.conversations[c.conversationId];
    const last = c.lastMessage;
    const missed = known && last && last.sender === 'visitor' && isNewer(last, known.lastMessage);
    if (missed && c.unreadCount === null && !isBeingRead(state, c.conversationId)) {
      unread = { ...unread, [c.conversationId]: (unread[c.conversationId] ?? 0) + 1 };
    }
    unread = withServerUnread(state, unread, c);
    conversations[c.conversationId] = mergeConversation(known, c);
  }
  const query = action.query?.trim() ?? '';
  let searchHits: Record<string, true> = {};
  if (query !== '') {
    searchHits = action.append && state.searchQuery === query ? { ...state.searchHits } : {};
    for (const c of action.conversations) searchHits[c.conversationId] = true;
  }
  return { ...state, unread, conversations, listNextBefore: action.nextBefore, searchQuery: query, searchHits };
}

function loadHistory(state: State, action: Extract<Action, { type: 'history_loaded' }>): State {
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

/** One entry per noteId (the POST answer and `note_created` both bring it), oldest first. */
function mergeNotes(known: Note[], incoming: Note[]): Note[] {
  const byId = new Map(known.map((n) => [n.noteId, n]));
  for (const n of incoming) byId.set(n.noteId, n);
  return [...byId.values()].sort(
    (a, b) => timestamp(a.createdAt) - timestamp(b.createdAt) || (a.noteId < b.noteId ? -1 : 1),
  );
}

function typingKey(state: State, conversationId: string | null, sessionId: string | null): string | null {
  if (conversationId !== null) return conversationId;
  if (sessionId === null) return null;
  return conversationForSession(state, sessionId)?.conversationId ?? `session:${sessionId}`;
}

function byKey<T>(items: T[], key: (item: T) => string): Record<string, T> {
  const out: Record<string, T> = {};
  for (const item of items) out[key(item)] = item;
  return out;
}

const sessionOf = (u: OnlineUser): string => u.sessionId;
const agentOf = (a: AgentPresence): string => a.agentId;

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'reset':
      return initialState;

    case 'conversations_loaded':
      return loadConversations(state, action);

    case 'list_loading':
      return state.listLoading === action.loading ? state : { ...state, listLoading: action.loading };

    case 'filter_changed':
      return { ...state, filter: { ...state.filter, ...action.filter } };

    case 'message_received':
    case 'message_acked':
      return receive(state, action.message);

    case 'history_loaded':
      return loadHistory(state, action);

    case 'message_pending': {
      const m = action.message;
      const thread = state.threads[m.conversationId] ?? emptyThread;
      if (thread.messages.some((x) => x.clientMessageId === m.clientMessageId)) return state;
      const messages = [...thread.messages, { ...m, delivery: 'sending' as const }];
      return { ...state, threads: { ...state.threads, [m.conversationId]: { ...thread, messages } } };
    }

    case 'message_failed':
    case 'message_retry': {
      const thread = state.threads[action.conversationId];
      if (!thread) return state;
      const next = setDelivery(thread, action.clientMessageId, action.type === 'message_failed' ? 'failed' : 'sending');
      return { ...state, threads: { ...state.threads, [action.conversationId]: next } };
    }

    case 'open_conversation': {
      const id = action.conversationId;
      // Another conversation starts in Reply mode: a note is always a choice made for it.
      const composeMode = id === state.activeId ? state.composeMode : 'reply';
      return { ...state, activeId: id, composeMode, unread: id === null ? state.unread : omit(state.unread, id) };
    }

    case 'presence_list':
      return { ...state, online: byKey(action.users, sessionOf) };

    case 'user_online':
      return { ...state, online: { ...state.online, [action.user.sessionId]: action.user } };

    case 'user_offline':
      return action.sessionId in state.online ? { ...state, online: omit(state.online, action.sessionId) } : state;

    case 'typing': {
      const key = typingKey(state, action.conversationId, action.sessionId);
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

    case 'conversation_updated': {
      const c = action.conversation;
      const merged = mergeConversation(state.conversations[c.conversationId], c);
      const unread = withServerUnread(state, state.unread, c);
      return { ...state, unread, conversations: { ...state.conversations, [c.conversationId]: merged } };
    }

    case 'staff_loaded':
      return { ...state, staffSupport: 'loaded', staff: byKey(action.agents, (a) => a.agentId) };

    case 'staff_unsupported':
      return { ...state, staffSupport: 'unsupported' };

    case 'notes_loaded': {
      const known = state.notes[action.conversationId] ?? [];
      const notes = mergeNotes(known, action.notes);
      return { ...state, notesSupport: 'loaded', notes: { ...state.notes, [action.conversationId]: notes } };
    }

    case 'note_added': {
      const id = action.note.conversationId;
      const notes = mergeNotes(state.notes[id] ?? [], [action.note]);
      return { ...state, notes: { ...state.notes, [id]: notes } };
    }

    case 'notes_unsupported':
      return { ...state, notesSupport: 'unsupported' };

    case 'canned_loaded':
      return { ...state, cannedSupport: 'loaded', canned: action.responses };

    case 'canned_unsupported':
      return { ...state, cannedSupport: 'unsupported' };

    case 'agents_list':
      return { ...state, agentPresenceSeen: true, agents: byKey(action.agents, agentOf) };

    case 'agent_online':
      return { ...state, agentPresenceSeen: true, agents: { ...state.agents, [action.agent.agentId]: action.agent } };

    case 'agent_offline':
      return { ...state, agentPresenceSeen: true, agents: omit(state.agents, action.agentId) };

    case 'messages_read':
      return readMark(state, action.read);

    case 'page_visibility': {
      if (state.pageVisible === action.visible) return state;
      const id = state.activeId;
      const unread = action.visible && id !== null ? omit(state.unread, id) : state.unread;
      return { ...state, pageVisible: action.visible, unread };
    }

    case 'alert_prefs':
      return { ...state, alertPrefs: action.prefs, notificationPermission: action.permission };

    case 'compose_mode':
      return { ...state, composeMode: action.mode };

    case 'link':
      return state.link === action.link ? state : { ...state, link: action.link };

    case 'notice':
      return { ...state, notice: action.notice };
  }
}
