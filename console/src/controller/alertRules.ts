// Which messages alert the agent (sound, desktop notification): a visitor's
// message that starts a conversation, or one in a conversation assigned to
// this agent, while the console's tab is hidden. A message already known
// (a replay, a second copy) alerts nobody.
import type { Alert } from '../lib/alerts';
import { conversationName } from '../lib/format';
import type { Message } from '../lib/types';
import type { State } from '../state';

export function alertFor(before: State, after: State, m: Message): Alert | null {
  if (m.sender !== 'visitor' || after.pageVisible) return null;
  const known = before.conversations[m.conversationId];
  const now = after.conversations[m.conversationId];
  if (!now || now.lastMessage?.messageId !== m.messageId) return null;
  if (known?.lastMessage?.messageId === m.messageId) return null;
  const base = { conversationId: m.conversationId, visitorName: conversationName(now), text: m.text };
  if (!known) return { kind: 'new_conversation', ...base };
  const mine = before.me.agentId !== null && now.assigneeId === before.me.agentId;
  return mine ? { kind: 'message', ...base } : null;
}
