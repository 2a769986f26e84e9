// One conversation's messages: history pages, live messages, and the agent's
// own messages not yet stored. Stored messages are keyed by messageId and
// kept in the shared ordering (by messageId); pending ones come last.
import { compareMessages } from '../../../shared/ordering';
import type { Message } from '../lib/types';

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

export const emptyThread: Thread = { messages: [], nextBefore: null, loaded: false };

/** The placeholder id of a message sent but not yet stored. */
export function pendingId(clientMessageId: string): string {
  return `pending:${clientMessageId}`;
}

/** Whether `m` comes after `than` in the conversation (null: nothing yet). */
export function isNewer(m: Message, than: Message | null): boolean {
  return than === null || compareMessages(m, than) > 0;
}

function deliveryKey(m: Message): string {
  return `${m.conversationId}\u0000${m.clientMessageId ?? ''}`;
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
  for (const m of incoming) byId.set(m.messageId, { ...m, delivery: 'sent' });
  const delivered = new Set<string>();
  for (const m of byId.values()) if (m.clientMessageId) delivered.add(deliveryKey(m));
  const stillPending = pending.filter((p) => !p.clientMessageId || !delivered.has(deliveryKey(p)));
  return [...[...byId.values()].sort(compareMessages), ...stillPending];
}

export function setDelivery(thread: Thread, clientMessageId: string, delivery: Delivery): Thread {
  const messages = thread.messages.map((m) =>
    m.delivery !== 'sent' && m.clientMessageId === clientMessageId ? { ...m, delivery } : m,
  );
  return { ...thread, messages };
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
