import { describe, expect, it } from 'vitest';
import { PARIS_HOURS, settings } from '../test/settings';
import { addHoliday, formFromSettings, setRange, type SettingsForm } from './form';
import { FIELD, fieldOrder, firstError, isIsoDate, isRate, minutesOf, parseCapacity, parseRetention, validateForm } from './validate';

function withHours(): SettingsForm {
  return formFromSettings(settings({ businessHours: PARIS_HOURS }), 'UTC');
}

describe('validation helpers', () => {
  it('reads times of day from 00:00 to 24:00', () => {
    expect(minutesOf('00:00')).toBe(0);
    expect(minutesOf('17:30')).toBe(1050);
    expect(minutesOf('24:00')).toBe(1440);
    for (const bad of ['24:01', '9:00', '09:60', '0a:00', '', '09:00:00']) expect(minutesOf(bad)).toBeNull();
  });

  it('knows real dates', () => {
    expect(isIsoDate('2026-12-25')).toBe(true);
    expect(isIsoDate('2028-02-29')).toBe(true);
    for (const bad of ['2026-02-29', '2026-13-01', '26-12-25', '2026-12-25T00:00']) expect(isIsoDate(bad)).toBe(false);
  });

  it('takes a capacity of 1 to 1000', () => {
    expect(parseCapacity(' 7 ')).toBe(7);
    expect(parseCapacity('1000')).toBe(1000);
    for (const bad of ['0', '1001', '2.5', '-3', '', 'ten']) expect(parseCapacity(bad)).toBeNull();
  });
});

describe('rates and retention', () => {
  it('takes the rates the server\'s pattern takes', () => {
    for (const good of ['1/second', '300/minute', '999999999/day', '20/hour']) expect(isRate(good)).toBe(true);
    for (const bad of ['0/minute', '1000000000/day', '05/minute', '5/week', '5 / minute', '5/Minute', '-1/hour', '1.5/hour', '5/minute\n'])
      expect(isRate(bad), bad).toBe(false);
  });

  it('takes 1 to 36500 days, and blank for keeping conversations', () => {
    expect(parseRetention(' ')).toBeNull();
    expect(parseRetention('30')).toBe(30);
    expect(parseRetention('36500')).toBe(36500);
    for (const bad of ['0', '36501', '1.5', '-1', 'ten']) expect(parseRetention(bad)).toBeUndefined();
  });
});

describe('validateForm', () => {
  it('passes the saved settings', () => {
    expect(validateForm(withHours())).toEqual({});
    expect(validateForm(formFromSettings(settings(), 'UTC'))).toEqual({});
  });

  it('names each bad widget field by its path', () => {
    const form = { ...withHours(), color: 'blue', locale: 'EN', greeting: 'x'.repeat(501), agentCapacity: '0' };
    expect(Object.keys(validateForm(form)).sort()).toEqual(['agentCapacity', 'widget.color', 'widget.greeting', 'widget.locale']);
  });

  it('lets the language stay unset, but not be removed once set', () => {
    const unset = formFromSettings(settings(), 'UTC');
    expect(validateForm(unset)).toEqual({});
    const set = formFromSettings(settings({ widget: { ...settings().widget, locale: 'fr' } }), 'UTC');
    expect(validateForm({ ...set, locale: ' ' })[FIELD.locale]).toContain('stays set');
  });

  it('refuses a range that ends before it starts, and accepts one ending at midnight', () => {
    const form = withHours();
    const [first] = form.weekly.mon;
    expect(validateForm(setRange(form, 'mon', first!.id, { end: '08:00' }))).toEqual({
      [FIELD.range('mon', 0)]: expect.stringContaining('end after it starts'),
    });
    expect(validateForm(setRange(form, 'mon', first!.id, { start: '', end: '' }))).toEqual({
      [FIELD.range('mon', 0)]: 'Enter both times as HH:MM.',
    });
    // 00:00 as an end is midnight; 22:00–00:00 fits after 13:00–17:30.
    expect(validateForm(setRange(form, 'mon', first!.id, { start: '22:00', end: '00:00' }))).toEqual({});
  });

  it('puts overlapping ranges on the day; touching ones are fine', () => {
    const form = withHours();
    const second = form.weekly.mon[1]!;
    expect(validateForm(setRange(form, 'mon', second.id, { start: '11:00' }))).toEqual({
      [FIELD.day('mon')]: 'Ranges overlap: 09:00–12:00 and 11:00–17:30.',
    });
    expect(validateForm(setRange(form, 'mon', second.id, { start: '12:00' }))).toEqual({});
  });

  it('checks the zone and the holidays only when hours are on', () => {
    const form = { ...addHoliday(withHours(), '2026-02-30'), timezone: 'Mars/Olympus' };
    const errors = validateForm(form);
    expect(errors[FIELD.timezone]).toContain('time zone');
    expect(errors[FIELD.holiday(1)]).toContain('YYYY-MM-DD');
    expect(validateForm({ ...form, hoursOn: false })).toEqual({});
  });

  it('checks a custom rate, never the server default', () => {
    const form = formFromSettings(settings(), 'UTC');
    const rate = (count: string, custom = true) => ({
      ...form,
      rates: { ...form.rates, tenantMessages: { custom, count, unit: 'minute' as const } },
    });
    expect(validateForm(rate('600'))).toEqual({});
    expect(validateForm(rate('', false))).toEqual({});
    expect(validateForm(rate(''))[FIELD.rate('tenantMessages')]).toContain('server\u2019s default');
    for (const bad of ['0', '1000000000', '2.5', '1e3', '-4']) {
      expect(Object.keys(validateForm(rate(bad))), bad).toEqual([FIELD.rate('tenantMessages')]);
    }
  });

  it('checks the retention and the largest attachment', () => {
    const form = formFromSettings(settings(), 'UTC');
    expect(Object.keys(validateForm({ ...form, retentionDays: '0' }))).toEqual([FIELD.retentionDays]);
    expect(validateForm({ ...form, retentionDays: '' })).toEqual({});
    expect(validateForm({ ...form, attachmentSize: '100', attachmentUnit: 'MiB' })).toEqual({});
    expect(validateForm({ ...form, attachmentSize: '1', attachmentUnit: 'KiB' })).toEqual({});
    for (const [size, unit] of [['101', 'MiB'], ['1023', 'bytes'], ['', 'MiB'], ['1.5', 'MiB']] as const) {
      expect(Object.keys(validateForm({ ...form, attachmentSize: size, attachmentUnit: unit })), size + unit).toEqual([FIELD.maxBytes]);
    }
  });

  it('finds the first error in page order', () => {
    const form = { ...withHours(), agentCapacity: 'x', color: 'nope' };
    expect(firstError(form, validateForm(form))).toBe(FIELD.color);
    expect(fieldOrder(form)).toContain(FIELD.range('mon', 1));
    expect(fieldOrder({ ...form, hoursOn: false })).not.toContain(FIELD.timezone);
    expect(fieldOrder(form).slice(-4)).toEqual([FIELD.rate('visitorMessages'), FIELD.rate('tenantMessages'), FIELD.retentionDays, FIELD.maxBytes]);
  });
});
