// Read-only views of the state for the panes.
import { conversationEmail, conversationName } from '../lib/format';
import type { Conversation, ConversationStatus, OnlineUser } from '../lib/types';
import { timestamp } from './conversations';
import type { State } from './model';
import type { Thread } from './threads';

export function isTyping(state: State, c: Conversation, now: number): boolean {
  const keys = [c.conversationId];
  if (c.sessionId) keys.push(`session:${c.sessionId}`);
  return keys.some((k) => (state.typing[k] ?? 0) > now);
}

/** Case-insensitive match on visitor name, e-mail, or the text of any known message. */
export function matchesSearch(c: Conversation, thread: Thread | undefined, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') return true;
  const haystack: string[] = [conversationName(c)];
  const email = conversationEmail(c);
  if (email) haystack.push(email);
  if (c.userId) haystack.push(c.userId);
  if (c.lastMessage) haystack.push(c.lastMessage.text);
  if (thread) for (const m of thread.messages) haystack.push(m.text);
  return haystack.some((h) => h.toLowerCase().includes(q));
}

/** The list pane: the chosen status, filtered by search, newest activity first. */
export function visibleConversations(state: State, status: ConversationStatus, query: string): Conversation[] {
  const q = query.trim();
  const serverHit = (c: Conversation): boolean =>
    q !== '' && state.searchQuery === q && state.searchHits[c.conversationId] === true;
  return Object.values(state.conversations)
    .filter((c) => c.status === status && (matchesSearch(c, state.threads[c.conversationId], query) || serverHit(c)))
    .sort(
      (a, b) =>
        timestamp(b.lastActivityAt) - timestamp(a.lastActivityAt) || (a.conversationId < b.conversationId ? -1 : 1),
    );
}

/** Online visitors, longest on site first. */
export function onlineList(state: State): OnlineUser[] {
  return Object.values(state.online).sort(
    (a, b) => timestamp(a.connectedAt) - timestamp(b.connectedAt) || (a.sessionId < b.sessionId ? -1 : 1),
  );
}

export function totalUnread(state: State): number {
  return Object.values(state.unread).reduce((n, x) => n + x, 0);
}

export function activeConversation(state: State): Conversation | null {
  return state.activeId ? (state.conversations[state.activeId] ?? null) : null;
}
