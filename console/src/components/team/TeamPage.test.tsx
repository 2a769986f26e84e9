import axe from 'axe-core';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../lib/api';
import { apiKey, auditEntry, FakeTeamApi, teamAgent } from '../../test/team';
import { Team, TeamPage } from './TeamPage';

const ANN = teamAgent();
const BOB = teamAgent({ agentId: '01JAGENT0000000000000000BB', email: 'bob@acme.test', name: 'Bob <b>Ray</b>', role: 'agent', capacity: 3 });

async function mount(api = new FakeTeamApi(), isAdmin = true) {
  const team = new Team(api);
  const onBack = vi.fn();
  const onChangePassword = vi.fn();
  act(() => render(<TeamPage team={team} isAdmin={isAdmin} myId={ANN.agentId} onBack={onBack} onChangePassword={onChangePassword} />, document.body));
  await settle();
  return { api, team, onBack, onChangePassword };
}

async function settle(): Promise<void> {
  await act(async () => undefined);
  await act(async () => undefined);
}

function el<T extends HTMLElement = HTMLElement>(selector: string, root: ParentNode = document): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`no ${selector}`);
  return found;
}

function named<T extends HTMLElement>(tag: string, name: string, root: ParentNode = document): T {
  const found = [...root.querySelectorAll<T>(tag)].find((b) => (b.getAttribute('aria-label') ?? b.textContent?.trim()) === name);
  if (!found) throw new Error(`no ${tag} ${name}`);
  return found;
}

const button = (name: string, root?: ParentNode): HTMLButtonElement => named<HTMLButtonElement>('button', name, root);

function type(input: HTMLInputElement | HTMLSelectElement, value: string, event = 'input'): void {
  act(() => {
    input.value = value;
    input.dispatchEvent(new Event(event, { bubbles: true }));
  });
}

async function key(target: Element, k: string): Promise<void> {
  await act(async () => {
    target.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
  });
  await settle();
}

async function click(b: HTMLElement): Promise<void> {
  await act(async () => b.click());
  await settle();
}

async function submit(form: string): Promise<void> {
  await act(async () => {
    el(form).dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
  });
  await settle();
}

function row(agentId: string): HTMLTableRowElement {
  return el(`tr[data-agent-id="${agentId}"]`);
}

function text(testId: string): string {
  return el(`[data-testid="${testId}"]`).textContent ?? '';
}

function withTeam(): FakeTeamApi {
  const api = new FakeTeamApi();
  api.agentList = [ANN, BOB].map((a) => ({ ...a }));
  return api;
}

afterEach(() => {
  act(() => render(null, document.body));
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('TeamPage: agents', () => {
  it('lists the agents with role, capacity and status, names as text, the heading focused', async () => {
    await mount(withTeam());
    expect(document.activeElement).toBe(el('#team-title'));
    const rows = [...document.querySelectorAll('tr[data-agent-id]')];
    expect(rows.map((r) => r.getAttribute('data-agent-id'))).toEqual([ANN.agentId, BOB.agentId]);
    expect(el('.team-name-text', row(BOB.agentId)).textContent).toBe('Bob <b>Ray</b>');
    expect(document.querySelector('tbody b')).toBeNull();
    expect(row(ANN.agentId).textContent).toContain('you');
    expect(named<HTMLSelectElement>('select', 'Role of Bob <b>Ray</b>').value).toBe('agent');
    expect(named<HTMLInputElement>('input', 'Capacity of Ann Lee').value).toBe('5');
    expect(el('.team-status', row(BOB.agentId)).textContent).toBe('Active');
  });

  it('renames inline: Enter saves only the name, the focus back on Rename', async () => {
    const { api } = await mount(withTeam());
    await click(button('Rename Bob <b>Ray</b>'));
    const input = named<HTMLInputElement>('input', 'New name for Bob <b>Ray</b>');
    expect(document.activeElement).toBe(input);
    type(input, '  Bob Ray ');
    await key(input, 'Enter');
    expect(api.calls).toContainEqual(['changeAgent', BOB.agentId, { name: 'Bob Ray' }]);
    expect(el('.team-name-text', row(BOB.agentId)).textContent).toBe('Bob Ray');
    expect(document.activeElement).toBe(button('Rename Bob Ray'));
    expect(text('team-agents-status')).toBe('Saved Bob Ray.');
  });

  it('saves a role and capacity change together; Escape discards', async () => {
    const { api } = await mount(withTeam());
    type(named<HTMLSelectElement>('select', 'Role of Bob <b>Ray</b>'), 'admin', 'change');
    type(named<HTMLInputElement>('input', 'Capacity of Bob <b>Ray</b>'), '8');
    await click(button('Save changes to Bob <b>Ray</b>'));
    expect(api.calls).toContainEqual(['changeAgent', BOB.agentId, { role: 'admin', capacity: 8 }]);
    expect(document.querySelector('[aria-label="Save changes to Bob <b>Ray</b>"]')).toBeNull();

    const capacity = named<HTMLInputElement>('input', 'Capacity of Ann Lee');
    type(capacity, '1001');
    await key(capacity, 'Enter');
    expect(el(`#${capacity.getAttribute('aria-describedby')}`).textContent).toMatch(/0 to 1000/);
    await key(capacity, 'Escape');
    expect(named<HTMLInputElement>('input', 'Capacity of Ann Lee').value).toBe('5');
    expect(api.calls.filter(([m, id]) => m === 'changeAgent' && id === ANN.agentId)).toEqual([]);
  });

  it("shows the server's 409 when demoting the last admin, and puts the role back", async () => {
    const { api } = await mount(withTeam());
    const role = named<HTMLSelectElement>('select', 'Role of Ann Lee');
    type(role, 'agent', 'change');
    await click(button('Save changes to Ann Lee'));
    expect(api.calls).toContainEqual(['changeAgent', ANN.agentId, { role: 'agent' }]);
    expect(text('team-row-error')).toBe("This is the tenant's last admin: make another agent an admin first.");
    expect(named<HTMLSelectElement>('select', 'Role of Ann Lee').value).toBe('admin');
    expect(document.activeElement).toBe(named('select', 'Role of Ann Lee'));
  });

  it('asks before disabling (Escape keeps the agent), then disables and enables again', async () => {
    const { api } = await mount(withTeam());
    await click(button('Disable Bob <b>Ray</b>'));
    expect(document.activeElement?.textContent).toBe('Cancel');
    expect(el('.team-confirm-row').textContent).toMatch(/disconnected within seconds/);
    await key(document.activeElement!, 'Escape');
    expect(document.activeElement).toBe(button('Disable Bob <b>Ray</b>'));
    expect(api.calls.filter(([m]) => m === 'changeAgent')).toEqual([]);

    await click(button('Disable Bob <b>Ray</b>'));
    await click(button('Yes, disable'));
    expect(api.calls).toContainEqual(['changeAgent', BOB.agentId, { disabled: true }]);
    expect(el('.team-status', row(BOB.agentId)).textContent).toBe('Disabled');
    expect(document.activeElement).toBe(button('Enable Bob <b>Ray</b>'));
    await click(button('Enable Bob <b>Ray</b>'));
    expect(api.calls).toContainEqual(['changeAgent', BOB.agentId, { disabled: false }]);
    expect(el('.team-status', row(BOB.agentId)).textContent).toBe('Active');
  });

  it("shows the 409 when disabling the last admin (and warns that it is you)", async () => {
    await mount(withTeam());
    await click(button('Disable Ann Lee'));
    expect(el('.team-confirm-row').textContent).toMatch(/That is you/);
    await click(button('Yes, disable'));
    expect(text('team-row-error')).toMatch(/last admin/);
    expect(el('.team-status', row(ANN.agentId)).textContent).toBe('Active');
    expect(document.activeElement).toBe(button('Disable Ann Lee'));
  });
});

describe('TeamPage: Add agent', () => {
  it('checks the fields before sending, focus on the first problem', async () => {
    const { api } = await mount();
    await submit('form.team-add-form');
    const email = el<HTMLInputElement>('#team-agent-email');
    expect(email.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(email);
    expect(el('#team-agent-password-error').textContent).toMatch(/At least 8/);
    expect(api.calls.filter(([m]) => m === 'addAgent')).toEqual([]);
  });

  it('generates a 16-character password, adds the agent and shows the password once', async () => {
    const writeText = vi.fn(async () => undefined);
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    const { api } = await mount();
    type(el('#team-agent-email'), 'cy@acme.test');
    type(el('#team-agent-name'), 'Cy');
    type(el('#team-agent-role'), 'admin', 'change');
    await click(button('Generate'));
    const field = el<HTMLInputElement>('#team-agent-password');
    expect(field.type).toBe('text');
    expect(field.value).toMatch(/^[A-Za-z2-9]{16}$/);
    const password = field.value;
    await submit('form.team-add-form');
    expect(api.calls).toContainEqual(['addAgent', { email: 'cy@acme.test', name: 'Cy', role: 'admin', password }]);
    expect(document.querySelectorAll('tr[data-agent-id]')).toHaveLength(2);

    const box = el('[data-testid="team-added"]');
    expect(document.activeElement).toBe(el('#team-added-title'));
    expect(box.textContent).toContain('not shown again');
    expect(el<HTMLInputElement>('#team-added-value').value).toBe(password);
    expect(el<HTMLInputElement>('#team-agent-password').value).toBe('');
    await click(button('Copy', box));
    expect(writeText).toHaveBeenCalledWith(password);
    await click(button('I have handed it over, hide the password'));
    expect(document.querySelector('[data-testid="team-added"]')).toBeNull();
    expect(document.body.textContent).not.toContain(password);
    expect(document.activeElement).toBe(el('#team-agent-email'));
  });

  it('shows a taken e-mail (409) at the e-mail field', async () => {
    await mount();
    type(el('#team-agent-email'), 'ann@acme.test');
    type(el('#team-agent-name'), 'Ann again');
    type(el('#team-agent-password'), 'long enough');
    await submit('form.team-add-form');
    expect(el('#team-agent-email-error').textContent).toMatch(/already exists/);
    expect(document.activeElement).toBe(el('#team-agent-email'));
    expect(document.querySelector('[data-testid="team-added"]')).toBeNull();
  });
});

describe('TeamPage: API keys', () => {
  it('creates a key, shows it once with Copy, and lists it by prefix only', async () => {
    const api = withTeam();
    api.keyList = [apiKey({ prefix: 'sk_oldoldold', kind: 'secret', lastUsedAt: '2026-01-01T10:00:00Z', revokedAt: '2026-01-02T10:00:00Z' })];
    await mount(api);
    expect(el('tr[data-key-prefix="sk_oldoldold"]').textContent).toMatch(/Revoked at /);
    act(() => el<HTMLInputElement>('#team-key-kind-secret').click());
    await submit('form.team-key-form');
    expect(api.calls).toContainEqual(['addKey', 'secret']);
    const box = el('[data-testid="team-key-once"]');
    expect(el('h3', box).textContent).toBe('New secret key');
    expect(el<HTMLInputElement>('#team-key-value').value).toBe('sk_new000001SECRETPART1');
    expect(document.activeElement).toBe(el('#team-key-title'));
    const listed = el('tr[data-key-prefix="sk_new000001"]');
    expect(listed.textContent).toContain('Never');
    expect(listed.textContent).toContain('Active');
    expect(el('[data-testid="team-keys"]').textContent).not.toContain('SECRETPART');
    await click(button('I have copied it, hide the key'));
    expect(document.body.textContent).not.toContain('SECRETPART');
    expect(document.activeElement).toBe(el('#team-key-create'));
  });

  it('revokes after a confirmation that warns about open sockets', async () => {
    const api = withTeam();
    api.keyList = [apiKey()];
    await mount(api);
    await click(button('Revoke key pk_abcdefghi'));
    expect(el('.team-confirm-row').textContent).toContain('Sockets opened with this key are disconnected within seconds');
    await click(button('Yes, revoke'));
    expect(api.calls).toContainEqual(['revokeKey', 'pk_abcdefghi']);
    expect(el('tr[data-key-prefix="pk_abcdefghi"]').textContent).toMatch(/Revoked at /);
    expect(document.querySelector('[aria-label="Revoke key pk_abcdefghi"]')).toBeNull();
    expect(document.activeElement).toBe(el('#team-keys-title'));
  });
});

describe('TeamPage: audit log', () => {
  it('names agents, pages with Load older and filters what is loaded', async () => {
    const api = withTeam();
    api.pageSize = 3;
    api.log = [
      auditEntry(0, { action: 'agent.disabled', target: BOB.agentId }),
      auditEntry(1, { actor: { kind: 'key', id: 'key_7' }, action: 'settings.changed' }),
      auditEntry(2, { actor: { kind: 'agent', id: 'gone' }, action: 'agent.signed_in' }),
      auditEntry(3, { actor: { kind: 'cli', id: null }, action: 'key.revoked', target: 'pk_x' }),
    ];
    await mount(api);
    const rows = () => [...document.querySelectorAll<HTMLTableRowElement>('[data-testid="team-audit"] tbody tr')];
    expect(rows().map((r) => [...r.cells].slice(1).map((c) => c.textContent))).toEqual([
      ['Ann Lee', 'agent.disabled', `Bob <b>Ray</b> (${BOB.agentId})`],
      ['API key key_7', 'settings.changed', ''],
      ['Agent gone', 'agent.signed_in', ''],
    ]);
    await click(button('Load older'));
    expect(api.calls).toContainEqual(['audit', '3']);
    expect(rows()).toHaveLength(4);
    expect(rows()[3]!.cells[1]!.textContent).toBe('Command line');
    expect(document.activeElement).toBe(el('#team-audit-end'));
    expect(document.querySelector('#team-audit-older')).toBeNull();

    type(el('#team-audit-action'), 'AGENT.');
    expect(rows().map((r) => r.cells[2]!.textContent)).toEqual(['agent.disabled', 'agent.signed_in']);
    expect(text('team-audit-count')).toBe('Showing 2 of 4 loaded entries.');
    type(el('#team-audit-actor'), 'cli', 'change');
    expect(document.querySelector('[data-testid="team-audit"]')).toBeNull();
    expect(document.body.textContent).toContain('No loaded entry matches the filters.');
    type(el('#team-audit-action'), '');
    expect(rows().map((r) => r.cells[2]!.textContent)).toEqual(['key.revoked']);
  });
});

describe('TeamPage: access and accessibility', () => {
  it("shows the server's 403 in each section", async () => {
    const api = new FakeTeamApi();
    const forbidden = new ApiError(403, 'forbidden', 'Only admins may do that.');
    api.agents = async () => Promise.reject(forbidden);
    api.keys = async () => Promise.reject(forbidden);
    api.audit = async () => Promise.reject(forbidden);
    await mount(api);
    expect(text('team-agents-error')).toBe('Only admins may do that.');
    expect(text('team-keys-error')).toBe('Only admins may do that.');
    expect(text('team-audit-error')).toBe('Only admins may do that.');
  });

  it('tells a plain agent the page is for admins, and loads nothing', async () => {
    const { api, onChangePassword } = await mount(new FakeTeamApi(), false);
    expect(text('team-not-admin')).toMatch(/Only admins/);
    expect(api.calls).toEqual([]);
    await click(button('Change my password'));
    expect(onChangePassword).toHaveBeenCalledOnce();
  });

  it('labels every input and has no serious axe findings', async () => {
    const api = withTeam();
    api.keyList = [apiKey()];
    api.log = [auditEntry(0), auditEntry(1)];
    await mount(api);
    await submit('form.team-add-form');
    await click(button('Rename Bob <b>Ray</b>'));
    await click(button('Disable Ann Lee'));
    await submit('form.team-key-form');
    await click(button('Revoke key pk_abcdefghi'));
    for (const input of document.querySelectorAll<HTMLInputElement>('input, select, textarea')) {
      expect(input.labels?.length || input.getAttribute('aria-label'), input.outerHTML).toBeTruthy();
    }
    // jsdom draws nothing: no contrast check, and no canvas for axe's icon test.
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
    const result = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } });
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  });
});
