import axe from 'axe-core';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../lib/api';
import { WebhooksManager } from '../../webhooks/manager';
import { delivery, FakeWebhooksApi, webhook } from '../../test/webhooks';
import { WebhooksPage } from './WebhooksPage';

async function mount(api = new FakeWebhooksApi()) {
  const manager = new WebhooksManager(api);
  const onBack = vi.fn();
  act(() => render(<WebhooksPage manager={manager} onBack={onBack} />, document.body));
  await settle();
  return { api, manager, onBack };
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

function button(name: string, root: ParentNode = document): HTMLButtonElement {
  const found = [...root.querySelectorAll('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent?.trim()) === name);
  if (!found) throw new Error(`no button ${name}`);
  return found;
}

function type(input: HTMLInputElement, value: string): void {
  act(() => {
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

function tick(input: HTMLInputElement): void {
  act(() => input.click());
}

async function submit(): Promise<void> {
  await act(async () => {
    el('form.wh-form').dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
  });
  await settle();
}

async function click(b: HTMLButtonElement): Promise<void> {
  await act(async () => b.click());
  await settle();
}

function status(): string {
  return el('[data-testid="webhooks-status"]').textContent ?? '';
}

function withHooks(...hooks: ReturnType<typeof webhook>[]): FakeWebhooksApi {
  const api = new FakeWebhooksApi();
  api.webhooks = hooks;
  return api;
}

afterEach(() => {
  act(() => render(null, document.body));
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('WebhooksPage', () => {
  it('lists the webhooks with their events and last delivery, the heading focused', async () => {
    await mount(
      withHooks(
        webhook({ webhookId: 'a', url: 'https://a.example/<img src=x onerror=alert(1)>', description: '<b>CRM</b>' }),
        webhook({ webhookId: 'b', events: ['note.created', 'messages.read'], lastDelivery: delivery({ status: 'failed', lastStatusCode: 500, lastError: 'HTTP 500' }) }),
      ),
    );
    expect(document.activeElement).toBe(el('#webhooks-title'));
    const items = [...document.querySelectorAll('li.webhook')];
    expect(items.map((li) => li.getAttribute('data-webhook-id'))).toEqual(['a', 'b']);
    expect(el('h4', items[0]!).textContent).toBe('https://a.example/<img src=x onerror=alert(1)>');
    expect(el('.wh-description', items[0]!).textContent).toBe('<b>CRM</b>');
    expect(document.querySelector('li.webhook img, li.webhook b')).toBeNull();
    expect(el('[data-testid="last-delivery"]', items[0]!).textContent).toBe('No deliveries yet');
    expect(items[1]!.textContent).toContain('note.created, messages.read');
    expect(el('[data-testid="last-delivery"]', items[1]!).textContent).toBe('Failed · 500');
  });

  it('adds a webhook and shows its secret once, with Copy', async () => {
    const writeText = vi.fn(async () => undefined);
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    const { api } = await mount();
    type(el('#wh-url'), 'https://crm.example/in');
    type(el('#wh-description'), 'CRM');
    tick(el('#wh-events-all'));
    tick(el('#wh-event-message-created'));
    tick(el('#wh-event-conversation-created'));
    await submit();
    expect(api.calls).toContainEqual(['create', { url: 'https://crm.example/in', events: ['message.created', 'conversation.created'], description: 'CRM' }]);

    const box = el('[data-testid="webhook-secret"]');
    expect(box.textContent).toContain('Copy it now: it is not shown again');
    expect(el<HTMLInputElement>('#wh-secret-value').value).toBe('whsec_secret1');
    expect(document.activeElement).toBe(el('#wh-secret-title'));
    expect(status()).toBe('Webhook added for https://crm.example/in.');
    expect(el<HTMLInputElement>('#wh-url').value).toBe('');
    expect(document.querySelectorAll('li.webhook')).toHaveLength(1);

    await click(button('Copy', box));
    expect(writeText).toHaveBeenCalledWith('whsec_secret1');
    expect(box.textContent).toContain('Copied to the clipboard.');

    await click(button('I have copied it, hide the secret'));
    expect(document.querySelector('[data-testid="webhook-secret"]')).toBeNull();
    expect(document.activeElement).toBe(el('#wh-url'));
  });

  it('checks the form before sending and moves the focus to the first problem', async () => {
    const { api } = await mount();
    await submit();
    const url = el<HTMLInputElement>('#wh-url');
    expect(url.getAttribute('aria-invalid')).toBe('true');
    expect(url.getAttribute('aria-describedby')).toContain('wh-url-error');
    expect(document.activeElement).toBe(url);
    type(url, 'https://a.example/h');
    tick(el('#wh-events-all'));
    await submit();
    expect(el('#wh-events-error').textContent).toMatch(/at least one event/);
    expect(document.activeElement).toBe(el('#wh-events-all'));
    expect(api.calls.filter(([m]) => m === 'create')).toEqual([]);
  });

  it('shows a server refusal next to the field it names', async () => {
    const api = new FakeWebhooksApi();
    await mount(api);
    type(el('#wh-url'), 'http://10.0.0.1/h');
    api.failNext = new ApiError(422, 'invalid_request', 'url: must be a public https address');
    await submit();
    expect(el('#wh-url-error').textContent).toBe('Must be a public https address.');
    expect(document.activeElement).toBe(el('#wh-url'));
    expect(document.querySelector('[data-testid="webhook-secret"]')).toBeNull();
  });

  it("shows the server's 403 to a plain agent", async () => {
    const api = new FakeWebhooksApi();
    api.failNext = new ApiError(403, 'forbidden', 'Only admins can manage webhooks.');
    await mount(api);
    expect(el('[data-testid="webhooks-error"]').textContent).toBe('Only admins can manage webhooks.');
    expect(document.querySelector('form.wh-form')).toBeNull();
  });

  it('opens the deliveries table and redelivers one event', async () => {
    const api = withHooks(webhook({ lastDelivery: delivery({ eventId: 'evt_2', status: 'failed', lastStatusCode: 502 }) }));
    api.deliveriesOf.wh_1 = [
      delivery({ eventId: 'evt_2', status: 'failed', attempts: 6, lastStatusCode: 502, lastError: 'Bad gateway', deliveredAt: null }),
      delivery({ eventId: 'evt_1' }),
    ];
    await mount(api);
    const toggle = button('Deliveries');
    await click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    const table = el<HTMLTableElement>(`#${toggle.getAttribute('aria-controls')} table`);
    expect([...table.querySelectorAll('thead th')].map((th) => th.textContent)).toEqual([
      'Event', 'Status', 'Attempts', 'Last status code', 'Last error', 'Next attempt / delivered', 'Action',
    ]);
    const row = el('tr[data-event-id="evt_2"]', table);
    // The event cell holds the type over the id (one column, so the table fits).
    expect(el('.wh-event-type', row).textContent).toBe('message.created');
    expect(el('.wh-event-id', row).textContent).toBe('evt_2');
    expect(row.textContent).toContain('Bad gateway');
    expect(row.textContent).toContain('No more attempts');

    await click(button('Redeliver message.created evt_2'));
    expect(api.calls).toContainEqual(['redeliver', 'wh_1', 'evt_2']);
    expect(el('tr[data-event-id="evt_2"] .wh-badge').textContent).toBe('Pending');
    expect(el('[data-testid="last-delivery"]').textContent).toBe('Pending');
    expect(status()).toBe('Event evt_2 queued for redelivery.');

    await click(button('Hide deliveries'));
    expect(document.querySelector('.wh-table')).toBeNull();
  });

  it('asks before deleting; Escape keeps the webhook', async () => {
    const api = withHooks(webhook({ webhookId: 'a', url: 'https://a.example/h' }), webhook({ webhookId: 'b', url: 'https://b.example/h' }));
    await mount(api);
    await click(button('Delete webhook https://a.example/h'));
    expect(document.activeElement?.textContent).toBe('Cancel');
    await act(async () => {
      document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    });
    expect(document.activeElement).toBe(button('Delete webhook https://a.example/h'));
    expect(api.calls.filter(([m]) => m === 'remove')).toEqual([]);

    await click(button('Delete webhook https://a.example/h'));
    await click(button('Yes, delete'));
    expect(api.calls).toContainEqual(['remove', 'a']);
    expect([...document.querySelectorAll('li.webhook')].map((li) => li.getAttribute('data-webhook-id'))).toEqual(['b']);
    expect(document.activeElement).toBe(el('#wh-list-title'));
    expect(status()).toBe('Webhook deleted: https://a.example/h.');
  });

  it('refreshes the list', async () => {
    const api = withHooks(webhook());
    await mount(api);
    api.webhooks = [...api.webhooks, webhook({ webhookId: 'wh_2', url: 'https://two.example/h' })];
    await click(button('Refresh'));
    expect(document.querySelectorAll('li.webhook')).toHaveLength(2);
    expect(status()).toBe('Webhooks refreshed.');
  });

  it('labels every input and has no serious axe findings', async () => {
    const api = withHooks(webhook({ lastDelivery: delivery() }));
    api.deliveriesOf.wh_1 = [delivery()];
    await mount(api);
    await submit();
    await click(button('Deliveries'));
    type(el('#wh-url'), 'https://new.example/h');
    await submit();
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
