import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../lib/api';
import { SettingsEditor } from '../../settings/editor';
import { FakeSettingsApi, PARIS_HOURS, settings } from '../../test/settings';
import { SettingsPage } from './SettingsPage';

async function mount(canEdit: boolean, api = new FakeSettingsApi(settings({ businessHours: PARIS_HOURS }))) {
  const editor = new SettingsEditor(api, canEdit, 'UTC');
  act(() => render(<SettingsPage editor={editor} onBack={vi.fn()} />, document.body));
  await act(async () => undefined);
  return { editor, api };
}

function input(selector: string): HTMLInputElement {
  const el = document.querySelector<HTMLInputElement>(selector);
  if (!el) throw new Error(`no ${selector}`);
  return el;
}

function type(el: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  act(() => {
    el.value = value;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

function button(name: string): HTMLButtonElement | undefined {
  return [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === name);
}

afterEach(() => {
  act(() => render(null, document.body));
});

describe('SettingsPage', () => {
  it('redraws the preview as the colour and the position are typed', async () => {
    await mount(true);
    type(input('#set-widget-color'), '#FFEB3B');
    const launcher = document.querySelector<HTMLElement>('[data-testid="preview-launcher"]')!;
    expect(launcher.style.background).toBe('rgb(255, 235, 59)');
    expect(launcher.style.color).toBe('rgb(17, 24, 39)');
    act(() => input('input[name="widget-position"]:not(:checked)').click());
    expect(document.querySelector('.mock')!.className).toContain('mock-left');
    expect(document.querySelector('[data-testid="save-status"]')!.textContent).toBe('Unsaved changes.');
  });

  it('labels every input', async () => {
    await mount(true);
    for (const el of document.querySelectorAll<HTMLInputElement>('input, select, textarea')) {
      const labelled = el.labels?.length || el.getAttribute('aria-label');
      expect(labelled, el.outerHTML).toBeTruthy();
    }
  });

  it('shows a server refusal next to the field it names and moves the focus there', async () => {
    const api = new FakeSettingsApi(settings({ businessHours: PARIS_HOURS }));
    await mount(true, api);
    type(input('#set-widget-greeting'), 'Hello there');
    api.failNext = new ApiError(422, 'invalid_request', 'widget.greeting: String should have at most 500 characters');
    await act(async () => {
      document.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    });
    const greeting = input('#set-widget-greeting');
    expect(greeting.getAttribute('aria-invalid')).toBe('true');
    expect(greeting.getAttribute('aria-describedby')).toContain('set-widget-greeting-error');
    expect(document.getElementById('set-widget-greeting-error')!.textContent).toBe('String should have at most 500 characters.');
    expect(document.activeElement).toBe(greeting);
  });

  it('saves and says so', async () => {
    const { api } = await mount(true);
    type(input('#set-agentCapacity'), '3');
    await act(async () => button('Save settings')!.click());
    await act(async () => undefined);
    expect(api.patches).toEqual([{ agentCapacity: 3 }]);
    expect(document.querySelector('[data-testid="save-status"]')!.textContent).toMatch(/^Settings saved at /);
  });

  it('sets a rate limit, a retention and the largest attachment', async () => {
    const { api } = await mount(true);
    expect(document.getElementById('set-rateLimits-visitorMessages')).toBeNull();
    act(() => input('input[name="rate-visitorMessages"]:not(:checked)').click());
    const count = input('#set-rateLimits-visitorMessages');
    // Named by its own label, not only by the group's legend.
    expect([...count.labels!].map((l) => l.textContent)).toEqual(['Visitor messages']);
    expect([...input('#set-rateLimits-visitorMessages-unit').labels!].map((l) => l.textContent)).toEqual(['Visitor messages per']);
    type(count, '20');
    act(() => {
      const unit = document.querySelector<HTMLSelectElement>('#set-rateLimits-visitorMessages-unit')!;
      unit.value = 'hour';
      unit.dispatchEvent(new Event('change', { bubbles: true }));
    });
    type(input('#set-retentionDays'), '30');
    type(input('#set-attachments-maxBytes'), '5');
    await act(async () => button('Save settings')!.click());
    await act(async () => undefined);
    expect(api.patches).toEqual([{ rateLimits: { visitorMessages: '20/hour' }, retentionDays: 30, attachments: { maxBytes: 5 * 1024 * 1024 } }]);
    expect(input('#set-rateLimits-visitorMessages').value).toBe('20');
  });

  it('refuses a bad rate next to it and labels the revealed inputs', async () => {
    const { api } = await mount(true);
    act(() => input('input[name="rate-tenantMessages"]:not(:checked)').click());
    for (const el of document.querySelectorAll<HTMLInputElement>('.rate input, .rate select')) {
      expect(el.labels?.length || el.getAttribute('aria-label'), el.outerHTML).toBeTruthy();
    }
    type(input('#set-rateLimits-tenantMessages'), '0');
    await act(async () => {
      document.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    });
    const count = input('#set-rateLimits-tenantMessages');
    expect(api.patches).toEqual([]);
    expect(count.getAttribute('aria-invalid')).toBe('true');
    expect(count.getAttribute('aria-describedby')).toBe('set-rateLimits-tenantMessages-hint set-rateLimits-tenantMessages-error');
    expect(document.getElementById('set-rateLimits-tenantMessages-error')!.textContent).toContain('from 1 to 999999999');
    expect(document.activeElement).toBe(count);
  });

  it('adds and removes opening hours from the keyboard-reachable buttons', async () => {
    await mount(true);
    const add = document.querySelector<HTMLButtonElement>('[aria-label="Add hours on Tuesday"]')!;
    act(() => add.click());
    expect(input('[id="set-businessHours-weekly-tue-0"]').value).toBe('09:00');
    act(() => document.querySelector<HTMLButtonElement>('[aria-label^="Remove Tuesday 09:00"]')!.click());
    expect(document.getElementById('set-businessHours-weekly-tue-0')).toBeNull();
  });

  it('is read-only for a plain agent, with a note and no Save', async () => {
    await mount(false);
    expect(document.querySelector('[data-testid="readonly-note"]')!.textContent).toContain('only an admin can change them');
    expect(document.querySelector<HTMLFieldSetElement>('fieldset.settings-fields')!.disabled).toBe(true);
    expect(button('Save settings')).toBeUndefined();
    // The preview can still be switched: it is outside the disabled fields.
    const away = [...document.querySelectorAll<HTMLInputElement>('input[name="preview-status"]')][1]!;
    expect(away.closest('fieldset.settings-fields')).toBeNull();
  });
});
