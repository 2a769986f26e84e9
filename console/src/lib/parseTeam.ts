// The Team page's shapes (CONTRACT §12–§13: agents, API keys, the audit
// log) read like the rest of parse.ts: tolerant of missing optional fields,
// null when something the page needs is missing. Every string stays a
// string: the page renders them as text.
import { idLike, isObj, nonEmpty, time } from './parse';
import { parseStaffAgent } from './parseDesk';
import { API_KEY_KINDS, type ApiKeyInfo, type AuditActorKind, type AuditEntry, type AuditPage, type CreatedApiKey, type TeamAgent } from './types';

const ACTOR_KINDS: readonly AuditActorKind[] = ['agent', 'key', 'cli'];

function listOf<T>(v: unknown, key: string, one: (x: unknown) => T | null): T[] {
  const list = isObj(v) ? v[key] : null;
  if (!Array.isArray(list)) return [];
  const out: T[] = [];
  for (const item of list) {
    const parsed = one(item);
    if (parsed) out.push(parsed);
  }
  return out;
}

export function parseTeamAgent(v: unknown): TeamAgent | null {
  const agent = parseStaffAgent(v);
  if (!agent || !isObj(v)) return null;
  return {
    ...agent,
    capacity: agent.capacity !== null && agent.capacity >= 0 ? Math.floor(agent.capacity) : 0,
    createdAt: time(v.createdAt) ?? '',
  };
}

/** `{"agents": [...]}`, in the server's order. */
export function parseTeamAgents(v: unknown): TeamAgent[] {
  return listOf(v, 'agents', parseTeamAgent);
}

/** `201 {"agent"}` and `200 {"agent"}`. */
export function parseAgentAnswer(v: unknown): TeamAgent | null {
  return parseTeamAgent(isObj(v) ? v.agent : null);
}

export function parseKey(v: unknown): ApiKeyInfo | null {
  if (!isObj(v)) return null;
  const prefix = nonEmpty(v.prefix);
  const kind = API_KEY_KINDS.find((k) => k === v.kind);
  if (prefix === null || !kind) return null;
  return {
    prefix,
    kind,
    createdAt: time(v.createdAt) ?? '',
    lastUsedAt: time(v.lastUsedAt),
    revokedAt: time(v.revokedAt),
  };
}

/** `{"keys": [...]}`. */
export function parseKeys(v: unknown): ApiKeyInfo[] {
  return listOf(v, 'keys', parseKey);
}

/** `201 {"key", "prefix", "kind"}`; null without the key (it is the point of the answer). */
export function parseCreatedKey(v: unknown): CreatedApiKey | null {
  if (!isObj(v)) return null;
  const key = nonEmpty(v.key);
  const kind = API_KEY_KINDS.find((k) => k === v.kind);
  if (key === null || !kind) return null;
  return { key, prefix: nonEmpty(v.prefix) ?? key.slice(0, 12), kind };
}

export function parseAuditEntry(v: unknown): AuditEntry | null {
  if (!isObj(v)) return null;
  const at = time(v.at);
  const action = nonEmpty(v.action);
  const actor = isObj(v.actor) ? v.actor : null;
  const kind = ACTOR_KINDS.find((k) => k === actor?.kind);
  if (at === null || action === null || !actor || !kind) return null;
  return { at, actor: { kind, id: idLike(actor.id) }, action, target: nonEmpty(v.target) };
}

/** `{"entries": [...], "nextBefore"}`, newest first. */
export function parseAuditPage(v: unknown): AuditPage {
  return { entries: listOf(v, 'entries', parseAuditEntry), nextBefore: isObj(v) ? idLike(v.nextBefore) : null };
}
