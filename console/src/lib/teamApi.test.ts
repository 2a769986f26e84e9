import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api';
import { parseAuditPage, parseCreatedKey, parseKeys, parseTeamAgents } from './parseTeam';
import { agentUrl, auditUrl, keyUrl, TeamApi } from './teamApi';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** fetch answering `status` with `body` (JSON, or nothing for null), recording each request. */
function fakeFetch(status: number, body: unknown): Seen[] {
  const seen: Seen[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    seen.push({
      method: init.method ?? 'GET',
      url,
      headers: init.headers as Record<string, string>,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    return new Response(body === null ? null : JSON.stringify(body), { status });
  });
  return seen;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

const AGENT = { agentId: '01JA', email: 'ann@acme.test', name: 'Ann', role: 'admin', disabled: false, capacity: 5, createdAt: '2026-01-01T09:00:00Z' };

describe('endpoint builders', () => {
  it('escapes ids and builds the audit query', () => {
    expect(agentUrl('a/b')).toBe('/api/agents/a%2Fb');
    expect(keyUrl('pk_abc?')).toBe('/api/keys/pk_abc%3F');
    expect(auditUrl(null)).toBe('/api/audit?limit=50');
    expect(auditUrl('01JX')).toBe('/api/audit?before=01JX&limit=50');
  });
});

describe('parsing', () => {
  it('reads agents, dropping unusable ones', () => {
    expect(parseTeamAgents({ agents: [AGENT, { name: 'no id' }, { ...AGENT, agentId: '02', role: 'owner', capacity: null, createdAt: null }] })).toEqual([
      { ...AGENT, role: 'admin' },
      { ...AGENT, agentId: '02', role: 'agent', capacity: 0, createdAt: '' },
    ]);
  });

  it('reads keys and a created key', () => {
    expect(parseKeys({ keys: [{ prefix: 'pk_1', kind: 'public', createdAt: '2026-01-01T00:00:00Z', lastUsedAt: null, revokedAt: 'x' }, { prefix: 'zz', kind: 'other' }] })).toEqual([
      { prefix: 'pk_1', kind: 'public', createdAt: '2026-01-01T00:00:00Z', lastUsedAt: null, revokedAt: null },
    ]);
    expect(parseCreatedKey({ key: 'sk_abcdefghiXYZ', prefix: 'sk_abcdefghi', kind: 'secret' })).toEqual({ key: 'sk_abcdefghiXYZ', prefix: 'sk_abcdefghi', kind: 'secret' });
    expect(parseCreatedKey({ prefix: 'sk_abcdefghi', kind: 'secret' })).toBeNull();
  });

  it('reads an audit page and its cursor', () => {
    const page = parseAuditPage({
      entries: [
        { at: '2026-01-01T00:00:00Z', actor: { kind: 'cli', id: null }, action: 'key.created', target: 'pk_1' },
        { at: '2026-01-01T00:00:00Z', actor: { kind: 'robot', id: '1' }, action: 'x' },
        { at: 'never', actor: { kind: 'agent', id: '1' }, action: 'x' },
      ],
      nextBefore: '01JX',
    });
    expect(page).toEqual({ entries: [{ at: '2026-01-01T00:00:00Z', actor: { kind: 'cli', id: null }, action: 'key.created', target: 'pk_1' }], nextBefore: '01JX' });
    expect(parseAuditPage({ entries: [], nextBefore: null }).nextBefore).toBeNull();
  });
});

describe('TeamApi', () => {
  it('sends the calls with the bearer token', async () => {
    const api = new TeamApi('tok', () => undefined);
    let seen = fakeFetch(201, { agent: AGENT });
    const body = { email: 'ann@acme.test', name: 'Ann', role: 'admin' as const, password: 'long enough' };
    expect((await api.addAgent(body)).agentId).toBe('01JA');
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/agents', body, headers: { Authorization: 'Bearer tok' } });

    seen = fakeFetch(200, { agent: { ...AGENT, disabled: true } });
    expect((await api.changeAgent('01JA', { disabled: true })).disabled).toBe(true);
    expect(seen[0]).toMatchObject({ method: 'PATCH', url: '/api/agents/01JA', body: { disabled: true } });

    seen = fakeFetch(201, { key: 'pk_abcdefghiXYZ', prefix: 'pk_abcdefghi', kind: 'public' });
    expect((await api.addKey('public')).key).toBe('pk_abcdefghiXYZ');
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/keys', body: { kind: 'public' } });

    seen = fakeFetch(200, { revoked: true, prefix: 'pk_abcdefghi' });
    await api.revokeKey('pk_abcdefghi');
    expect(seen[0]).toMatchObject({ method: 'DELETE', url: '/api/keys/pk_abcdefghi' });
  });

  it('keeps the conflict message of a 409', async () => {
    const api = new TeamApi('tok', () => undefined);
    fakeFetch(409, { error: { code: 'conflict', message: "This is the tenant's last admin: make another agent an admin first." } });
    await expect(api.changeAgent('01JA', { role: 'agent' })).rejects.toMatchObject({ status: 409, code: 'conflict', message: expect.stringMatching(/last admin/) });
  });

  it('ends the session on a 401, with the server reason', async () => {
    const expired = vi.fn();
    fakeFetch(401, { error: { code: 'invalid_token', message: 'This agent has been disabled.' } });
    await expect(new TeamApi('tok', expired).agents()).rejects.toBeInstanceOf(ApiError);
    expect(expired).toHaveBeenCalledWith('This agent has been disabled.');
  });

  it('does not sign out on a wrong current password (401 or 403 invalid_credentials)', async () => {
    const expired = vi.fn();
    const api = new TeamApi('tok', expired);
    for (const status of [401, 403]) {
      const seen = fakeFetch(status, { error: { code: 'invalid_credentials', message: 'currentPassword: that is not your password.' } });
      await expect(api.changePassword('old', 'new-password')).rejects.toMatchObject({ code: 'invalid_credentials' });
      expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/agent/password', body: { currentPassword: 'old', newPassword: 'new-password' } });
    }
    expect(expired).not.toHaveBeenCalled();
    fakeFetch(401, { error: { code: 'invalid_token', message: 'This agent has been disabled.' } });
    await expect(api.changePassword('old', 'new-password')).rejects.toBeInstanceOf(ApiError);
    expect(expired).toHaveBeenCalledWith('This agent has been disabled.');
  });
});
