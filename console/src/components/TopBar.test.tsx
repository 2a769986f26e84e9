import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { initialState } from '../state/model';
import { TopBar } from './TopBar';

function mount(onWebhooks?: () => void, webhooksOpen = false): void {
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
});
