// How the Team page words agents, keys and audit entries. Plain strings,
// rendered as text nodes.
import type { AgentRole, ApiKeyInfo, ApiKeyKind, AuditActorKind, AuditEntry, TeamAgent } from '../lib/types';
import { when } from '../webhooks/present';

export { when };

export const ROLE_WORD: Record<AgentRole, string> = { agent: 'Agent', admin: 'Admin' };
export const KIND_WORD: Record<ApiKeyKind, string> = { public: 'Public', secret: 'Secret' };
export const ACTOR_WORD: Record<AuditActorKind, string> = { agent: 'Agent', key: 'API key', cli: 'Command line' };

export const KIND_HINT: Record<ApiKeyKind, string> = {
  public: 'pk_…: goes in the widget on your site; it acts only as a visitor, from your allowed origins.',
  secret: "sk_…: for your own servers; it may do everything in the tenant. Never put it in a web page.",
};

/** A local date and time to the second (audit entries come in bursts). */
export function whenExact(iso: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return '';
  return t.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** "Active", or "Revoked at 1 Jan 2026, 10:00". */
export function keyStatus(key: Pick<ApiKeyInfo, 'revokedAt'>): string {
  if (!key.revokedAt) return 'Active';
  const at = when(key.revokedAt);
  return at ? `Revoked at ${at}` : 'Revoked';
}

/** A name the page can say: "Ann Lee", or the e-mail when both are the same. */
export function agentLabel(agent: Pick<TeamAgent, 'name' | 'email' | 'agentId'>): string {
  return agent.name || agent.email || agent.agentId;
}

/** Who did it: the agent's name when the id is a known agent, else the kind and the id. */
export function actorText(actor: AuditEntry['actor'], agents: readonly TeamAgent[]): string {
  if (actor.kind === 'agent' && actor.id !== null) {
    const agent = agents.find((a) => a.agentId === actor.id);
    if (agent) return agentLabel(agent);
  }
  return actor.id === null ? ACTOR_WORD[actor.kind] : `${ACTOR_WORD[actor.kind]} ${actor.id}`;
}

/** A target that is a known agent's id shows their name too. */
export function targetText(target: string | null, agents: readonly TeamAgent[]): string {
  if (target === null) return '';
  const agent = agents.find((a) => a.agentId === target);
  return agent ? `${agentLabel(agent)} (${target})` : target;
}

export type ActorFilter = AuditActorKind | 'all';

/** The entries whose action contains `text` (any case) and whose actor is of `kind`. */
export function filterAudit(entries: readonly AuditEntry[], text: string, kind: ActorFilter): AuditEntry[] {
  const needle = text.trim().toLowerCase();
  return entries.filter((e) => (kind === 'all' || e.actor.kind === kind) && (needle === '' || e.action.toLowerCase().includes(needle)));
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
