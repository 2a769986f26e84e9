import axe from 'axe-core';
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../lib/api';
import { FakeTeamApi } from '../../test/team';
import { PasswordDialog } from './PasswordDialog';

/** The top bar's button and the dialog it opens, as console.tsx wires them. */
function Harness({ api }: { api: FakeTeamApi }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" id="open-password" onClick={() => setOpen(true)}>
        Change password
      </button>
      {open && <PasswordDialog api={api} onClose={() => setOpen(false)} />}
    </>
  );
}

async function mount(api = new FakeTeamApi()) {
  act(() => render(<Harness api={api} />, document.body));
  await act(async () => document.getElementById('open-password')!.click());
  return api;
}

const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`no #${id}`);
  return found as T;
};

function type(id: string, value: string): void {
  act(() => {
    const input = byId<HTMLInputElement>(id);
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

async function submit(): Promise<void> {
  await act(async () => {
    document.querySelector('.password-dialog form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
  });
  await act(async () => new Promise((r) => setTimeout(r, 0)));
}

async function key(k: string, shiftKey = false): Promise<KeyboardEvent> {
  const e = new KeyboardEvent('keydown', { key: k, shiftKey, bubbles: true, cancelable: true });
  await act(async () => {
    document.activeElement!.dispatchEvent(e);
  });
  return e;
}

afterEach(() => {
  act(() => render(null, document.body));
  vi.restoreAllMocks();
});

describe('PasswordDialog', () => {
  it('opens as a modal dialog with the focus in the first field; Escape closes it and gives the focus back', async () => {
    await mount();
    const dialog = document.querySelector('[role="dialog"]')!;
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(dialog.getAttribute('aria-labelledby')).toBe('password-title');
    expect(document.activeElement).toBe(byId('password-current'));
    await key('Escape');
    expect(document.querySelector('[role="dialog"]')).toBeNull();
    expect(document.activeElement).toBe(byId('open-password'));
  });

  it('keeps Tab inside the dialog', async () => {
    await mount();
    const submitButton = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Change password' && b.type === 'submit')!;
    act(() => submitButton.focus());
    const forward = await key('Tab');
    expect(forward.defaultPrevented).toBe(true);
    expect(document.activeElement).toBe(byId('password-current'));
    const back = await key('Tab', true);
    expect(back.defaultPrevented).toBe(true);
    expect(document.activeElement).toBe(submitButton);
  });

  it('checks the new password before sending', async () => {
    const api = await mount();
    type('password-current', 'old-password');
    type('password-next', 'short');
    await submit();
    expect(byId('password-next-error').textContent).toMatch(/At least 8/);
    expect(document.activeElement).toBe(byId('password-next'));
    type('password-next', 'a-new-password');
    type('password-confirm', 'a-new-passwort');
    await submit();
    expect(byId('password-confirm-error').textContent).toMatch(/differ/);
    expect(api.calls).toEqual([]);
  });

  it('shows a wrong current password at its field, without signing out', async () => {
    const api = await mount();
    type('password-current', 'not-it');
    type('password-next', 'a-new-password');
    type('password-confirm', 'a-new-password');
    await submit();
    expect(api.calls).toEqual([['changePassword', 'not-it', 'a-new-password']]);
    expect(byId('password-current-error').textContent).toBe('That is not your current password.');
    expect(byId('password-current').getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(byId('password-current'));
    expect(document.querySelector('[role="dialog"]')).not.toBeNull();
  });

  it("puts the server's 422 at the new password", async () => {
    const api = await mount();
    api.failNext = new ApiError(422, 'invalid_request', 'newPassword: too common');
    type('password-current', 'old-password');
    type('password-next', 'password123');
    type('password-confirm', 'password123');
    await submit();
    expect(byId('password-next-error').textContent).toBe('Too common.');
  });

  it('changes the password and says so, with Close focused', async () => {
    const api = await mount();
    type('password-current', 'old-password');
    type('password-next', 'a-new-password');
    type('password-confirm', 'a-new-password');
    await submit();
    expect(api.password).toBe('a-new-password');
    expect(document.querySelector('[role="dialog"] [role="status"]')!.textContent).toMatch(/has been changed/);
    expect(document.activeElement).toBe(byId('password-done'));
    await act(async () => byId('password-done').click());
    expect(document.activeElement).toBe(byId('open-password'));
  });

  it('has no serious axe findings, with errors shown', async () => {
    await mount();
    await submit();
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
    const result = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } });
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => v.id)).toEqual([]);
  });
});
