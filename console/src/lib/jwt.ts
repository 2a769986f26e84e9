// Reads (never verifies: the server does that) the claims of the agent token:
// who the agent is (sub = agentId, for "Mine" and "Assign to me"), their name
// (to label their own messages before the server echoes them) and role.
import type { AgentRole } from './types';

export interface Claims {
  sub: string | null;
  name: string | null;
  email: string | null;
  role: AgentRole | null;
  exp: number | null;
}

export function tokenClaims(token: string): Claims {
  const empty: Claims = { sub: null, name: null, email: null, role: null, exp: null };
  const part = token.split('.')[1];
  if (!part) return empty;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const json = new TextDecoder().decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0)));
    const v = JSON.parse(json) as Record<string, unknown>;
    const s = (x: unknown): string | null => (typeof x === 'string' && x !== '' ? x : null);
    return {
      sub: s(v.sub),
      name: s(v.name),
      email: s(v.email),
      role: v.role === 'admin' || v.role === 'agent' ? v.role : null,
      exp: typeof v.exp === 'number' ? v.exp : null,
    };
  } catch {
    return empty;
  }
}
