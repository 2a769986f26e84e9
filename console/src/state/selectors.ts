// Read-only views of the state for the panes.
import type { QueueView } from '../lib/api';
import { conversationEmail, conversationName, shortId } from '../lib/format';
import type { Agent, Conversation, Note, OnlineUser } from '../lib/types';
import { timestamp } from './conversations';
import type { Filter, State } from './model';
import type { Thread, ThreadMessage } from './threads';

export type TimelineItem = { kind: 'message'; message: ThreadMessage } | { kind: 'note'; note: Note };

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

export function inView(c: Conversation, view: QueueView, myAgentId: string | null): boolean {
  if (view === 'mine') return myAgentId !== null && c.assigneeId === myAgentId;
  if (view === 'unassigned') return c.assigneeId === null;
  return true;
}

/**
 * The list pane: the chosen view, status and label, filtered by search,
 * newest activity first. The server filters the same way; filtering here as
 * well makes a live change (an assignment, a close) move the row at once.
 */
export function visibleConversations(state: State, filter: Filter = state.filter): Conversation[] {
  const q = filter.search.trim();
  const serverHit = (c: Conversation): boolean =>
    q !== '' && state.searchQuery === q && state.searchHits[c.conversationId] === true;
  return Object.values(state.conversations)
    .filter(
      (c) =>
        c.status === filter.status &&
        inView(c, filter.view, state.me.agentId) &&
        (filter.label === null || c.labels.includes(filter.label)) &&
        (matchesSearch(c, state.threads[c.conversationId], q) || serverHit(c)),
    )
    .sort(
      (a, b) =>
        timestamp(b.lastActivityAt) - timestamp(a.lastActivityAt) || (a.conversationId < b.conversationId ? -1 : 1),
    );
}

/** Every label on a loaded conversation, for the label filter. */
export function knownLabels(state: State): string[] {
  const all = new Set<string>();
  for (const c of Object.values(state.conversations)) for (const l of c.labels) all.add(l);
  if (state.filter.label) all.add(state.filter.label);
  return [...all].sort();
}

/** An agent's name as the console can best tell it. */
export function agentName(state: State, agentId: string): string {
  if (agentId === state.me.agentId) return state.me.name;
  return state.staff[agentId]?.name ?? state.agents[agentId]?.name ?? `Agent ${shortId(agentId)}`;
}

/** Who a conversation may be assigned to: enabled agents, the signed-in one first. */
export function assignableAgents(state: State): Agent[] {
  return Object.values(state.staff)
    .filter((a) => !a.disabled)
    .sort((a, b) => (a.agentId === state.me.agentId ? -1 : b.agentId === state.me.agentId ? 1 : a.name.localeCompare(b.name)));
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

/**
 * The conversation as the agent reads it: messages in their order (by
 * messageId), each internal note placed by its time among them.
 */
export function timeline(state: State, conversationId: string): TimelineItem[] {
  const messages = state.threads[conversationId]?.messages ?? [];
  const notes = state.notes[conversationId] ?? [];
  const out: TimelineItem[] = [];
  let n = 0;
  for (const message of messages) {
    while (n < notes.length && timestamp(notes[n]!.createdAt) < timestamp(message.createdAt)) {
      out.push({ kind: 'note', note: notes[n]! });
      n += 1;
    }
    out.push({ kind: 'message', message });
  }
  for (; n < notes.length; n++) out.push({ kind: 'note', note: notes[n]! });
  return out;
}
