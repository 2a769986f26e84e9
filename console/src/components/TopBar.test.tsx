import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { initialState } from '../state/model';
import { TopBar } from './TopBar';

function mount(onWebhooks?: () => void, webhooksOpen = false, team: { onTeam?: () => void; teamOpen?: boolean; onPassword?: () => void } = {}): void {
  act(() =>
    render(
      <TopBar
        state={initialState}
        tenantId="acme"
        myName="Ann"
        onAlerts={vi.fn()}
        onHelp={vi.fn()}
        onSignOut={vi.fn()}
        settingsOpen={false}
        onSettings={vi.fn()}
        webhooksOpen={webhooksOpen}
        onWebhooks={onWebhooks}
        {...team}
      />,
      document.body,
    ),
  );
}

afterEach(() => {
  act(() => render(null, document.body));
});

describe('TopBar', () => {
  it('offers Webhooks next to Settings when the agent may use it', () => {
    const open = vi.fn();
    mount(open, true);
    const button = document.getElementById('open-webhooks')!;
    expect(button.textContent).toBe('Webhooks');
    expect(button.previousElementSibling?.id).toBe('open-settings');
    expect(button.getAttribute('aria-current')).toBe('page');
    act(() => button.click());
    expect(open).toHaveBeenCalledOnce();
  });

  it('has no Webhooks button for a plain agent', () => {
    mount(undefined);
    expect(document.getElementById('open-webhooks')).toBeNull();
    expect(document.getElementById('open-settings')).not.toBeNull();
  });

  it('offers Team to admins after Webhooks, and Change password to everyone', () => {
    const onTeam = vi.fn();
    const onPassword = vi.fn();
    mount(vi.fn(), false, { onTeam, teamOpen: true, onPassword });
    const team = document.getElementById('open-team')!;
    expect(team.textContent).toBe('Team');
    expect(team.previousElementSibling?.id).toBe('open-webhooks');
    expect(team.getAttribute('aria-current')).toBe('page');
    act(() => team.click());
    expect(onTeam).toHaveBeenCalledOnce();
    const password = document.getElementById('open-password')!;
    expect(password.textContent).toBe('Change password');
    expect(password.getAttribute('aria-haspopup')).toBe('dialog');
    act(() => password.click());
    expect(onPassword).toHaveBeenCalledOnce();

    mount(undefined, false, { onPassword });
    expect(document.getElementById('open-team')).toBeNull();
    expect(document.getElementById('open-password')).not.toBeNull();
  });
});
