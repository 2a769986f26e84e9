// Agents, keys and audit entries for the unit tests, and a TeamPort (with
// the password call) that answers like the server: 409 for a taken e-mail
// and for the last admin, audit pages by cursor.
import { ApiError } from '../lib/api';
import type { PasswordPort, TeamPort } from '../lib/teamApi';
import type { AgentChange, ApiKeyInfo, ApiKeyKind, AuditEntry, AuditPage, CreatedApiKey, NewAgent, TeamAgent } from '../lib/types';

export function teamAgent(over: Partial<TeamAgent> = {}): TeamAgent {
  return {
    agentId: '01JAGENT0000000000000000AA',
    email: 'ann@acme.test',
    name: 'Ann Lee',
    role: 'admin',
    disabled: false,
    capacity: 5,
    createdAt: '2026-01-01T09:00:00.000Z',
    ...over,
  };
}

export function apiKey(over: Partial<ApiKeyInfo> = {}): ApiKeyInfo {
  return { prefix: 'pk_abcdefghi', kind: 'public', createdAt: '2026-01-01T09:00:00.000Z', lastUsedAt: null, revokedAt: null, ...over };
}

export function auditEntry(n: number, over: Partial<AuditEntry> = {}): AuditEntry {
  return {
    at: new Date(Date.UTC(2026, 0, 2, 12, 0, 0) - n * 60000).toISOString(),
    actor: { kind: 'agent', id: '01JAGENT0000000000000000AA' },
    action: n % 2 ? 'settings.changed' : 'agent.signed_in',
    target: null,
    ...over,
  };
}

type Call = [method: string, ...args: unknown[]];

export class FakeTeamApi implements TeamPort, PasswordPort {
  agentList: TeamAgent[] = [teamAgent()];
  keyList: ApiKeyInfo[] = [];
  /** The whole log, newest first; pages of `pageSize` by index cursor. */
  log: AuditEntry[] = [];
  pageSize = 50;
  password = 'old-password';
  calls: Call[] = [];
  /** The next call fails with this (then it is cleared). */
  failNext: Error | null = null;
  #seq = 0;

  #call(...call: Call): void {
    this.calls.push(call);
    const failure = this.failNext;
    this.failNext = null;
    if (failure) throw failure;
  }

  async agents(): Promise<TeamAgent[]> {
    this.#call('agents');
    return structuredClone(this.agentList);
  }

  async addAgent(body: NewAgent): Promise<TeamAgent> {
    this.#call('addAgent', structuredClone(body));
    if (this.agentList.some((a) => a.email === body.email.toLowerCase())) {
      throw new ApiError(409, 'conflict', `An agent with e-mail ${body.email} already exists in this tenant.`);
    }
    this.#seq += 1;
    const agent = teamAgent({ agentId: `01JNEW${String(this.#seq).padStart(20, '0')}`, email: body.email.toLowerCase(), name: body.name, role: body.role });
    this.agentList.push(agent);
    return structuredClone(agent);
  }

  async changeAgent(agentId: string, change: AgentChange): Promise<TeamAgent> {
    this.#call('changeAgent', agentId, structuredClone(change));
    const agent = this.agentList.find((a) => a.agentId === agentId);
    if (!agent) throw new ApiError(404, 'not_found', 'No such agent in this tenant.');
    const admins = this.agentList.filter((a) => a.role === 'admin' && !a.disabled);
    const losesAdmin = agent.role === 'admin' && !agent.disabled && (change.disabled === true || change.role === 'agent');
    if (losesAdmin && admins.length === 1) {
      throw new ApiError(409, 'conflict', "This is the tenant's last admin: make another agent an admin first.");
    }
    const { capacity, ...rest } = change;
    Object.assign(agent, rest, capacity === undefined ? {} : { capacity: capacity ?? 3 });
    return structuredClone(agent);
  }

  async keys(): Promise<ApiKeyInfo[]> {
    this.#call('keys');
    return structuredClone(this.keyList);
  }

  async addKey(kind: ApiKeyKind): Promise<CreatedApiKey> {
    this.#call('addKey', kind);
    this.#seq += 1;
    const prefix = `${kind === 'public' ? 'pk' : 'sk'}_new${String(this.#seq).padStart(6, '0')}`;
    this.keyList.push(apiKey({ prefix, kind }));
    return { key: `${prefix}SECRETPART${this.#seq}`, prefix, kind };
  }

  async revokeKey(prefix: string): Promise<void> {
    this.#call('revokeKey', prefix);
  }

  async audit(before: string | null): Promise<AuditPage> {
    this.#call('audit', before);
    const start = before === null ? 0 : Number(before);
    const entries = this.log.slice(start, start + this.pageSize);
    const next = start + this.pageSize;
    return { entries: structuredClone(entries), nextBefore: next < this.log.length ? String(next) : null };
  }

  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    this.#call('changePassword', currentPassword, newPassword);
    if (currentPassword !== this.password) throw new ApiError(403, 'invalid_credentials', 'currentPassword: that is not your password.');
    this.password = newPassword;
  }
}
