// The one ordering rule for messages, used by the widget and the console:
// messageIds are time-sortable (ULID or UUIDv7, §1), so their plain string
// order is the conversation's order. Read marks (`upTo`) are messageIds too.

export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareMessages(a: { messageId: string }, b: { messageId: string }): number {
  return compareIds(a.messageId, b.messageId);
}

/** The later of two ids; `null` counts as "nothing yet". */
export function newerId(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return b > a ? b : a;
}

/** Whether a read mark `upTo` covers the message `messageId`. */
export function isCoveredBy(messageId: string, upTo: string | null): boolean {
  return upTo !== null && messageId <= upTo;
}
