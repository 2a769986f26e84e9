import { describe, expect, it } from 'vitest';
import { PARIS_HOURS, settings } from '../test/settings';
import {
  addHoliday,
  addRange,
  attachmentBytes,
  copyDay,
  formFromSettings,
  hoursFromForm,
  isEmptyPatch,
  patchFromForm,
  rateFromRow,
  rateRow,
  removeHoliday,
  removeRange,
  retentionFromForm,
  setRange,
  sizeFields,
} from './form';

const times = (rows: Array<{ start: string; end: string }>) => rows.map((r) => [r.start, r.end]);

describe('form ↔ settings', () => {
  it('shows the settings and maps them back unchanged', () => {
    const saved = settings({ businessHours: PARIS_HOURS, offlineMode: 'form', assignment: 'auto', agentCapacity: 4 });
    const form = formFromSettings(saved, 'America/New_York');
    expect(form.color).toBe('#2563eb');
    expect(form.hoursOn).toBe(true);
    expect(form.timezone).toBe('Europe/Paris');
    expect(times(form.weekly.mon)).toEqual([['09:00', '12:00'], ['13:00', '17:30']]);
    expect(form.weekly.tue).toEqual([]);
    expect(form.holidays).toEqual(['2026-01-01', '2026-12-25']);
    expect(form.agentCapacity).toBe('4');
    expect(isEmptyPatch(patchFromForm(saved, form))).toBe(true);
  });

  it('shows a range ending at 24:00 as ending at 00:00, and saves 00:00 as 24:00', () => {
    const form = formFromSettings(settings({ businessHours: PARIS_HOURS }), 'UTC');
    expect(times(form.weekly.sat)).toEqual([['10:00', '00:00']]);
    expect(hoursFromForm(form)?.weekly.sat).toEqual([['10:00', '24:00']]);
  });

  it('offers Monday to Friday 09:00–17:00 in the given zone when the tenant has no hours', () => {
    const form = formFromSettings(settings(), 'Asia/Tokyo');
    expect(form.hoursOn).toBe(false);
    expect(form.timezone).toBe('Asia/Tokyo');
    expect(times(form.weekly.fri)).toEqual([['09:00', '17:00']]);
    expect(form.weekly.sat).toEqual([]);
    expect(hoursFromForm(form)).toBeNull();
    const on = { ...form, hoursOn: true };
    expect(hoursFromForm(on)).toEqual({
      timezone: 'Asia/Tokyo',
      weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [['09:00', '17:00']]])),
      holidays: [],
    });
  });
});

describe('the PATCH names only what changed', () => {
  it('sends widget keys one by one', () => {
    const saved = settings();
    const form = { ...formFromSettings(saved, 'UTC'), color: ' #FF0000 ', greeting: 'Hello' };
    expect(patchFromForm(saved, form)).toEqual({ widget: { color: '#FF0000', greeting: 'Hello' } });
  });

  it('sends business hours whole when any part changes, and null to clear them', () => {
    const saved = settings({ businessHours: PARIS_HOURS });
    const form = formFromSettings(saved, 'UTC');
    const later = setRange(form, 'mon', form.weekly.mon[0]!.id, { end: '12:30' });
    expect(patchFromForm(saved, later)).toEqual({
      businessHours: {
        timezone: 'Europe/Paris',
        weekly: { mon: [['09:00', '12:30'], ['13:00', '17:30']], sat: [['10:00', '24:00']] },
        holidays: ['2026-01-01', '2026-12-25'],
      },
    });
    expect(patchFromForm(saved, { ...form, hoursOn: false })).toEqual({ businessHours: null });
  });

  it('treats reordered holidays as no change', () => {
    const saved = settings({ businessHours: { ...PARIS_HOURS, holidays: ['2026-12-25', '2026-01-01'] } });
    expect(patchFromForm(saved, formFromSettings(saved, 'UTC'))).toEqual({});
  });

  it('leaves an unset text unset when it is left empty, and sends it once typed', () => {
    const saved = settings();
    const form = formFromSettings(saved, 'UTC');
    expect([form.greeting, form.unset.greeting, form.locale, form.unset.locale]).toEqual(['', true, '', true]);
    expect(patchFromForm(saved, { ...form, greeting: '' })).toEqual({});
    expect(patchFromForm(saved, { ...form, greeting: 'Hi', locale: ' fr ' })).toEqual({ widget: { greeting: 'Hi', locale: 'fr' } });
  });

  it('sends an empty text (no greeting) once the tenant has set one', () => {
    const saved = settings({ widget: { ...settings().widget, greeting: 'Hello', locale: 'en' } });
    const form = formFromSettings(saved, 'UTC');
    expect(form.unset.greeting).toBe(false);
    expect(patchFromForm(saved, { ...form, greeting: '' })).toEqual({ widget: { greeting: '' } });
  });

  it('sends the modes and the capacity as values', () => {
    const saved = settings();
    const form = { ...formFromSettings(saved, 'UTC'), offlineMode: 'hide' as const, assignment: 'auto' as const, agentCapacity: ' 25 ' };
    expect(patchFromForm(saved, form)).toEqual({ offlineMode: 'hide', assignment: 'auto', agentCapacity: 25 });
  });
});

describe('edits', () => {
  const base = formFromSettings(settings({ businessHours: PARIS_HOURS }), 'UTC');

  it('adds 09:00–17:00 to an empty day, else the hour after the last range, at most six', () => {
    let form = addRange(base, 'tue');
    expect(times(form.weekly.tue)).toEqual([['09:00', '17:00']]);
    form = addRange(form, 'tue');
    expect(times(form.weekly.tue)[1]).toEqual(['17:00', '18:00']);
    for (let i = 0; i < 10; i++) form = addRange(form, 'tue');
    expect(form.weekly.tue).toHaveLength(6);
  });

  it('stops an added range at midnight', () => {
    const form = addRange(setRange(base, 'mon', base.weekly.mon[1]!.id, { end: '23:30' }), 'mon');
    expect(times(form.weekly.mon)[2]).toEqual(['23:30', '00:00']);
  });

  it('removes one range and leaves the others', () => {
    const form = removeRange(base, 'mon', base.weekly.mon[0]!.id);
    expect(times(form.weekly.mon)).toEqual([['13:00', '17:30']]);
    expect(base.weekly.mon).toHaveLength(2);
  });

  it('copies a day to others with fresh row ids', () => {
    const form = copyDay(base, 'mon', ['tue', 'wed']);
    expect(times(form.weekly.wed)).toEqual(times(base.weekly.mon));
    expect(form.weekly.tue[0]!.id).not.toBe(base.weekly.mon[0]!.id);
  });

  it('keeps holidays sorted and each once', () => {
    let form = addHoliday(base, '2026-05-01');
    form = addHoliday(form, '2026-05-01');
    expect(form.holidays).toEqual(['2026-01-01', '2026-05-01', '2026-12-25']);
    expect(addHoliday(form, '')).toBe(form);
    expect(removeHoliday(form, '2026-01-01').holidays).toEqual(['2026-05-01', '2026-12-25']);
  });
});

describe('rate limits, retention and the largest attachment', () => {
  it('shows a rate as a count and a unit, and null as the server default', () => {
    expect(rateRow('300/minute')).toEqual({ custom: true, count: '300', unit: 'minute' });
    expect(rateRow(null)).toEqual({ custom: false, count: '', unit: 'minute' });
    expect(rateFromRow({ custom: true, count: ' 5 ', unit: 'second' })).toBe('5/second');
    expect(rateFromRow({ custom: false, count: '5', unit: 'second' })).toBeNull();
  });

  it('shows a size in the largest unit that keeps it whole', () => {
    expect(sizeFields(10 * 1024 * 1024)).toEqual({ size: '10', unit: 'MiB' });
    expect(sizeFields(1536 * 1024)).toEqual({ size: '1536', unit: 'KiB' });
    expect(sizeFields(1500)).toEqual({ size: '1500', unit: 'bytes' });
  });

  it('maps the saved values back unchanged', () => {
    const saved = settings({
      retentionDays: 90,
      attachments: { maxBytes: 2 * 1024 * 1024 },
      rateLimits: { visitorMessages: '20/minute', tenantMessages: '1000/hour' },
    });
    const form = formFromSettings(saved, 'UTC');
    expect(form.retentionDays).toBe('90');
    expect([form.attachmentSize, form.attachmentUnit]).toEqual(['2', 'MiB']);
    expect(form.rates.tenantMessages).toEqual({ custom: true, count: '1000', unit: 'hour' });
    expect(patchFromForm(saved, form)).toEqual({});
    expect(patchFromForm(settings(), formFromSettings(settings(), 'UTC'))).toEqual({});
  });

  it('sends each changed rate on its own, null for the server default', () => {
    const saved = settings({ rateLimits: { visitorMessages: '20/minute', tenantMessages: null } });
    const form = formFromSettings(saved, 'UTC');
    const changed = {
      ...form,
      rates: { visitorMessages: { ...form.rates.visitorMessages, custom: false }, tenantMessages: { custom: true, count: '50', unit: 'second' as const } },
    };
    expect(patchFromForm(saved, changed)).toEqual({ rateLimits: { visitorMessages: null, tenantMessages: '50/second' } });
    const unit = { ...form, rates: { ...form.rates, visitorMessages: { ...form.rates.visitorMessages, unit: 'hour' as const } } };
    expect(patchFromForm(saved, unit)).toEqual({ rateLimits: { visitorMessages: '20/hour' } });
  });

  it('sends the retention as a number, blank as null, and the size in bytes', () => {
    const saved = settings({ retentionDays: 30 });
    const form = formFromSettings(saved, 'UTC');
    expect(patchFromForm(saved, { ...form, retentionDays: ' ' })).toEqual({ retentionDays: null });
    expect(patchFromForm(saved, { ...form, retentionDays: '365' })).toEqual({ retentionDays: 365 });
    expect(patchFromForm(saved, { ...form, attachmentSize: '512', attachmentUnit: 'KiB' })).toEqual({ attachments: { maxBytes: 524288 } });
    expect(retentionFromForm({ ...form, retentionDays: '' })).toBeNull();
    expect(attachmentBytes({ ...form, attachmentSize: '1.5' })).toBeNull();
  });
});
