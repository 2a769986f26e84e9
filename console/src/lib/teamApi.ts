// The Team page's HTTP calls (CONTRACT §12–§13): agents, API keys and the
// audit log (admins only: an agent's token is 403), and the signed-in
// agent's own password (any agent). Endpoint builders are pure functions;
// every call goes through api.ts's `request`, so failures are ApiErrors with
// the server's code and message.
import { ApiError, request } from './api';
import { parseAgentAnswer, parseAuditPage, parseCreatedKey, parseKeys, parseTeamAgents } from './parseTeam';
import type { AgentChange, ApiKeyInfo, ApiKeyKind, AuditPage, CreatedApiKey, NewAgent, TeamAgent } from './types';

export const AUDIT_LIMIT = 50;

export function agentUrl(agentId: string): string {
  return `/api/agents/${encodeURIComponent(agentId)}`;
}

export function keyUrl(prefix: string): string {
  return `/api/keys/${encodeURIComponent(prefix)}`;
}

export function auditUrl(before: string | null, limit = AUDIT_LIMIT): string {
  const q = new URLSearchParams();
  if (before) q.set('before', before);
  q.set('limit', String(limit));
  return `/api/audit?${q.toString()}`;
}

/** The calls the Team page makes (TeamApi below; a fake in tests). */
export interface TeamPort {
  agents(): Promise<TeamAgent[]>;
  addAgent(body: NewAgent): Promise<TeamAgent>;
  changeAgent(agentId: string, change: AgentChange): Promise<TeamAgent>;
  keys(): Promise<ApiKeyInfo[]>;
  addKey(kind: ApiKeyKind): Promise<CreatedApiKey>;
  revokeKey(prefix: string): Promise<void>;
  audit(before: string | null): Promise<AuditPage>;
}

/** The one call of the password dialog (any agent). */
export interface PasswordPort {
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
}

/** A wrong current password is `invalid_credentials` (401 or 403): a refusal, not the end of the session. */
export function isWrongPassword(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 401 || err.status === 403) && err.code === 'invalid_credentials';
}

export class TeamApi implements TeamPort, PasswordPort {
  constructor(
    private readonly token: string,
    private readonly onUnauthorized: (reason?: string) => void,
  ) {}

  private call(method: string, url: string, body?: unknown): Promise<unknown> {
    return request(method, url, { token: this.token, body, onUnauthorized: this.onUnauthorized });
  }

  async agents(): Promise<TeamAgent[]> {
    return parseTeamAgents(await this.call('GET', '/api/agents'));
  }

  async addAgent(body: NewAgent): Promise<TeamAgent> {
    return agentOf(await this.call('POST', '/api/agents', body), 201);
  }

  async changeAgent(agentId: string, change: AgentChange): Promise<TeamAgent> {
    return agentOf(await this.call('PATCH', agentUrl(agentId), change), 200);
  }

  async keys(): Promise<ApiKeyInfo[]> {
    return parseKeys(await this.call('GET', '/api/keys'));
  }

  async addKey(kind: ApiKeyKind): Promise<CreatedApiKey> {
    const created = parseCreatedKey(await this.call('POST', '/api/keys', { kind }));
    if (!created) throw new ApiError(201, 'invalid_response', 'The server sent no key.');
    return created;
  }

  async revokeKey(prefix: string): Promise<void> {
    await this.call('DELETE', keyUrl(prefix));
  }

  async audit(before: string | null): Promise<AuditPage> {
    return parseAuditPage(await this.call('GET', auditUrl(before)));
  }

  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    try {
      // No 401 hook here: a wrong current password must not sign the agent out.
      await request('POST', '/api/agent/password', { token: this.token, body: { currentPassword, newPassword } });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && !isWrongPassword(err)) this.onUnauthorized(err.code === 'http_error' ? undefined : err.message);
      throw err;
    }
  }
}

function agentOf(body: unknown, status: number): TeamAgent {
  const agent = parseAgentAnswer(body);
  if (!agent) throw new ApiError(status, 'invalid_response', 'The server sent no agent.');
  return agent;
}
