// The help-desk shapes of CONTRACT §8 and §13 (staff list, notes, canned
// responses, read marks, a conversation update), read like the rest of
// parse.ts: tolerant of missing optional fields, null when unusable.
import { idLike, isObj, nonEmpty, parseAttachments, parseConversation, str, time } from './parse';
import type { Agent, CannedResponse, Conversation, MessagesRead, Note } from './types';

function listOf<T>(v: unknown, key: string, one: (x: unknown) => T | null): T[] {
  const list = isObj(v) ? v[key] : v;
  if (!Array.isArray(list)) return [];
  const out: T[] = [];
  for (const item of list) {
    const parsed = one(item);
    if (parsed) out.push(parsed);
  }
  return out;
}

export function parseStaffAgent(v: unknown): Agent | null {
  if (!isObj(v)) return null;
  const agentId = idLike(v.agentId ?? v.id);
  if (agentId === null) return null;
  const email = nonEmpty(v.email);
  return {
    agentId,
    email,
    name: nonEmpty(v.name) ?? email ?? agentId,
    role: v.role === 'admin' ? 'admin' : 'agent',
    disabled: v.disabled === true,
    capacity: typeof v.capacity === 'number' && Number.isFinite(v.capacity) ? v.capacity : null,
  };
}

export function parseStaff(v: unknown): Agent[] {
  return listOf(v, 'agents', parseStaffAgent);
}

export function parseNote(v: unknown): Note | null {
  if (!isObj(v)) return null;
  const noteId = idLike(v.noteId ?? v.id);
  const conversationId = idLike(v.conversationId);
  const text = str(v.text);
  if (noteId === null || conversationId === null || text === null) return null;
  return {
    noteId,
    conversationId,
    agentId: idLike(v.agentId),
    text,
    attachments: parseAttachments(v.attachments),
    createdAt: time(v.createdAt) ?? new Date().toISOString(),
  };
}

export function parseNotes(v: unknown): Note[] {
  return listOf(v, 'notes', parseNote);
}

export function parseCannedResponse(v: unknown): CannedResponse | null {
  if (!isObj(v)) return null;
  const cannedResponseId = idLike(v.cannedResponseId ?? v.id);
  const shortcut = nonEmpty(v.shortcut);
  const text = str(v.text);
  if (cannedResponseId === null || shortcut === null || text === null) return null;
  return { cannedResponseId, shortcut, text };
}

export function parseCannedResponses(v: unknown): CannedResponse[] {
  return listOf(v, 'cannedResponses', parseCannedResponse);
}

export function parseMessagesRead(v: unknown): MessagesRead | null {
  if (!isObj(v)) return null;
  const conversationId = idLike(v.conversationId);
  const upTo = idLike(v.upTo);
  if (conversationId === null || upTo === null) return null;
  if (v.reader !== 'visitor' && v.reader !== 'agent') return null;
  return { conversationId, reader: v.reader, agentId: idLike(v.agentId), upTo, readAt: time(v.readAt) };
}

/**
 * `conversation_updated`: a whole conversation (§8). An older server sent
 * only `{conversationId, status}`; that is not mistaken for a conversation
 * with no assignee and no labels.
 */
export function parseConversationUpdate(v: unknown): Conversation | null {
  if (!isObj(v) || !('assigneeId' in v || 'labels' in v || 'visitor' in v)) return null;
  return parseConversation(v);
}
