import { describe, expect, it } from 'vitest';
import { teamAgent } from '../test/team';
import { agentServerError, bodyFromAgent, EMPTY_AGENT, generatePassword, PASSWORD_ALPHABET, rowChange, rowEditOf, validateAgent, validateRow } from './agentDraft';
import { sortKeys } from './keys';
import { actorText, filterAudit, keyStatus, targetText } from './present';
import { validatePassword } from './password';
import { apiKey, auditEntry } from '../test/team';

describe('the Add agent draft', () => {
  it("checks the server's rules", () => {
    expect(Object.keys(validateAgent(EMPTY_AGENT))).toEqual(['email', 'name', 'password']);
    const ok = { ...EMPTY_AGENT, email: ' cy@acme.test ', name: ' Cy ', password: '12345678' };
    expect(validateAgent(ok)).toEqual({});
    expect(validateAgent({ ...ok, email: 'cy at acme' }).email).toMatch(/e-mail address/);
    expect(validateAgent({ ...ok, name: 'x'.repeat(201) }).name).toMatch(/200/);
    expect(validateAgent({ ...ok, password: '1234567' }).password).toMatch(/At least 8/);
    expect(bodyFromAgent(ok)).toEqual({ email: 'cy@acme.test', name: 'Cy', role: 'agent', password: '12345678' });
  });

  it('puts a 422 next to the field it names', () => {
    expect(agentServerError('email: not a valid address')).toEqual({ field: 'email', text: 'Not a valid address.' });
    expect(agentServerError('body: something')).toEqual({ field: null, text: 'body: something.' });
  });

  it('generates 16 characters from the unambiguous alphabet, without modulo bias', () => {
    const password = generatePassword();
    expect(password).toHaveLength(16);
    expect([...password].every((c) => PASSWORD_ALPHABET.includes(c))).toBe(true);
    expect(generatePassword()).not.toBe(password);
    // Bytes past the last whole alphabet (56 * 4 = 224) are drawn again, never folded onto the first letters.
    let calls = 0;
    const bytes = (b: Uint8Array): Uint8Array => {
      calls += 1;
      return b.fill(calls === 1 ? 250 : 1);
    };
    expect(generatePassword(4, bytes)).toBe('BBBB');
    expect(calls).toBe(2);
  });
});

describe('a row of the agents table', () => {
  const agent = teamAgent({ name: 'Ann', role: 'admin', capacity: 5 });

  it('sends only what changed; an emptied capacity goes back to the default', () => {
    expect(rowChange(agent, rowEditOf(agent))).toEqual({});
    expect(rowChange(agent, { name: ' Ann B ', role: 'admin', capacity: '5' })).toEqual({ name: 'Ann B' });
    expect(rowChange(agent, { name: 'Ann', role: 'agent', capacity: '07' })).toEqual({ role: 'agent', capacity: 7 });
    expect(rowChange(agent, { name: 'Ann', role: 'admin', capacity: ' ' })).toEqual({ capacity: null });
  });

  it('checks the name and the capacity', () => {
    expect(validateRow({ name: ' ', role: 'agent', capacity: '1.5' })).toEqual({ name: 'Enter a name.', capacity: 'A whole number from 0 to 1000.' });
    expect(validateRow({ name: 'A', role: 'agent', capacity: '1000' })).toEqual({});
    expect(validateRow({ name: 'A', role: 'agent', capacity: '-1' }).capacity).toBeDefined();
  });
});

describe('keys and audit wording', () => {
  it('says whether a key is active, active ones first', () => {
    expect(keyStatus({ revokedAt: null })).toBe('Active');
    expect(keyStatus({ revokedAt: '2026-01-02T10:00:00Z' })).toMatch(/^Revoked at /);
    const keys = sortKeys([
      apiKey({ prefix: 'old', createdAt: '2026-01-01T00:00:00Z' }),
      apiKey({ prefix: 'gone', createdAt: '2026-03-01T00:00:00Z', revokedAt: '2026-03-02T00:00:00Z' }),
      apiKey({ prefix: 'new', createdAt: '2026-02-01T00:00:00Z' }),
    ]);
    expect(keys.map((k) => k.prefix)).toEqual(['new', 'old', 'gone']);
  });

  it("names the actor by the agent's name when known, else kind and id", () => {
    const agents = [teamAgent({ agentId: 'a1', name: 'Ann' })];
    expect(actorText({ kind: 'agent', id: 'a1' }, agents)).toBe('Ann');
    expect(actorText({ kind: 'agent', id: 'zz' }, agents)).toBe('Agent zz');
    expect(actorText({ kind: 'key', id: 'k1' }, agents)).toBe('API key k1');
    expect(actorText({ kind: 'cli', id: null }, agents)).toBe('Command line');
    expect(targetText('a1', agents)).toBe('Ann (a1)');
    expect(targetText('pk_x', agents)).toBe('pk_x');
    expect(targetText(null, agents)).toBe('');
  });

  it('filters by action text (any case) and actor kind', () => {
    const entries = [auditEntry(0, { action: 'agent.created' }), auditEntry(1, { action: 'key.revoked', actor: { kind: 'cli', id: null } })];
    expect(filterAudit(entries, ' AGENT ', 'all').map((e) => e.action)).toEqual(['agent.created']);
    expect(filterAudit(entries, '', 'cli').map((e) => e.action)).toEqual(['key.revoked']);
    expect(filterAudit(entries, 'agent', 'cli')).toEqual([]);
  });
});

describe('the password draft', () => {
  it('needs the current one and twice a new one of 8 or more', () => {
    expect(validatePassword({ current: '', next: '', confirm: '' })).toEqual({ current: 'Enter your current password.', next: 'At least 8 characters.' });
    expect(validatePassword({ current: 'same-one!', next: 'same-one!', confirm: 'same-one!' }).next).toMatch(/other than/);
    expect(validatePassword({ current: 'a', next: 'new-password', confirm: 'new-passwort' })).toEqual({ confirm: 'The two new passwords differ.' });
    expect(validatePassword({ current: 'a', next: 'new-password', confirm: 'new-password' })).toEqual({});
  });
});
