import { describe, expect, it } from 'vitest';
import { ApiError } from '../lib/api';
import { FakeSettingsApi, PARIS_HOURS, settings } from '../test/settings';
import { SettingsEditor, isDirty } from './editor';
import { setRange } from './form';
import { FIELD } from './validate';

async function loaded(api = new FakeSettingsApi(), canEdit = true): Promise<SettingsEditor> {
  const editor = new SettingsEditor(api, canEdit, 'Europe/Berlin');
  await editor.load();
  return editor;
}

describe('SettingsEditor', () => {
  it('loads the settings into the form', async () => {
    const editor = await loaded();
    expect(editor.state.phase).toBe('ready');
    expect(editor.state.form?.timezone).toBe('Europe/Berlin');
    expect(isDirty(editor.state)).toBe(false);
  });

  it('says why when the settings cannot be loaded', async () => {
    const api = new FakeSettingsApi();
    api.settings = async () => {
      throw new ApiError(404, 'not_found', 'Not found');
    };
    const editor = await loaded(api);
    expect(editor.state.phase).toBe('failed');
    expect(editor.state.loadError).toContain('does not support this yet');
  });

  it('saves only what changed and confirms it', async () => {
    const api = new FakeSettingsApi();
    const editor = await loaded(api);
    editor.edit({ ...editor.state.form!, color: '#10b981', hoursOn: true }, FIELD.color);
    expect(isDirty(editor.state)).toBe(true);
    expect(await editor.save()).toBe(true);
    expect(api.patches).toHaveLength(1);
    expect(api.patches[0]!.widget).toEqual({ color: '#10b981' });
    expect(api.patches[0]!.businessHours?.timezone).toBe('Europe/Berlin');
    expect(editor.state.savedAt).not.toBeNull();
    expect(isDirty(editor.state)).toBe(false);
    expect(editor.state.saved?.widget.color).toBe('#10b981');
  });

  it('checks the form first and points at the first bad field', async () => {
    const api = new FakeSettingsApi();
    const editor = await loaded(api);
    editor.edit({ ...editor.state.form!, agentCapacity: '0', locale: 'English' }, FIELD.agentCapacity);
    expect(await editor.save()).toBe(false);
    expect(api.patches).toEqual([]);
    expect(Object.keys(editor.state.errors).sort()).toEqual([FIELD.agentCapacity, FIELD.locale]);
    expect(editor.state.focus?.field).toBe(FIELD.locale);
    // Editing a field clears its error only.
    editor.edit({ ...editor.state.form!, locale: 'en' }, FIELD.locale);
    expect(Object.keys(editor.state.errors)).toEqual([FIELD.agentCapacity]);
  });

  it('puts the server 422 next to the field it names and keeps the edits', async () => {
    const api = new FakeSettingsApi(settings({ businessHours: PARIS_HOURS }));
    const editor = await loaded(api);
    const form = editor.state.form!;
    editor.edit(setRange(form, 'mon', form.weekly.mon[1]!.id, { end: '18:00' }), FIELD.range('mon', 1));
    api.failNext = new ApiError(422, 'invalid_request', 'businessHours.weekly: mon: ranges overlap');
    expect(await editor.save()).toBe(false);
    expect(editor.state.errors).toEqual({ [FIELD.day('mon')]: 'Ranges overlap.' });
    expect(editor.state.focus?.field).toBe(FIELD.day('mon'));
    expect(isDirty(editor.state)).toBe(true);
    // Editing one of the day's ranges clears the day's error.
    editor.edit(editor.state.form!, FIELD.range('mon', 0));
    expect(editor.state.errors).toEqual({});
  });

  it('saves a rate and a retention, and puts a refused rate on its field', async () => {
    const api = new FakeSettingsApi();
    const editor = await loaded(api);
    const form = editor.state.form!;
    const rates = { ...form.rates, visitorMessages: { custom: true, count: '20', unit: 'minute' as const } };
    editor.edit({ ...form, rates, retentionDays: '30' }, FIELD.rate('visitorMessages'));
    expect(await editor.save()).toBe(true);
    expect(api.patches).toEqual([{ rateLimits: { visitorMessages: '20/minute' }, retentionDays: 30 }]);
    expect(editor.state.saved?.rateLimits).toEqual({ visitorMessages: '20/minute', tenantMessages: null });

    const next = editor.state.form!;
    editor.edit({ ...next, rates: { ...next.rates, tenantMessages: { custom: true, count: '5', unit: 'day' } } }, FIELD.rate('tenantMessages'));
    api.failNext = new ApiError(422, 'invalid_request', "rateLimits.tenantMessages: String should match pattern '^x$'");
    expect(await editor.save()).toBe(false);
    expect(editor.state.errors).toEqual({ [FIELD.rate('tenantMessages')]: "String should match pattern '^x$'." });
    expect(editor.state.focus?.field).toBe(FIELD.rate('tenantMessages'));
  });

  it('says an agent cannot save when the server refuses the role', async () => {
    const api = new FakeSettingsApi();
    const editor = await loaded(api);
    editor.edit({ ...editor.state.form!, offlineMode: 'hide' }, FIELD.offlineMode);
    api.failNext = new ApiError(403, 'forbidden', 'Admins only');
    expect(await editor.save()).toBe(false);
    expect(editor.state.formError).toBe('Only admins can change settings. Nothing was saved.');
    expect(editor.state.saving).toBe(false);
  });

  it('lets a plain agent read but neither edit nor save', async () => {
    const api = new FakeSettingsApi();
    const editor = await loaded(api, false);
    const before = editor.state.form;
    editor.edit({ ...before!, color: '#000000' }, FIELD.color);
    expect(editor.state.form).toBe(before);
    expect(await editor.save()).toBe(false);
    expect(api.patches).toEqual([]);
  });

  it('discards the edits, and a reload never overwrites them', async () => {
    const api = new FakeSettingsApi();
    const editor = await loaded(api);
    editor.edit({ ...editor.state.form!, greeting: 'Draft' }, FIELD.greeting);
    api.stored = settings({ agentCapacity: 3 });
    await editor.load();
    expect(editor.state.form?.greeting).toBe('Draft');
    editor.discard();
    expect(editor.state.form?.greeting).toBe('');
    await editor.load();
    expect(editor.state.form?.agentCapacity).toBe('3');
  });
});
