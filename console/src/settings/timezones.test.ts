import { describe, expect, it } from 'vitest';
import { isTimeZone, nowIn, timeZoneChoices } from './timezones';

describe('time zones', () => {
  it('lists the browser zones with UTC and the saved one, sorted', () => {
    const intl = { ...Intl, supportedValuesOf: () => ['Europe/Paris', 'America/New_York'] } as typeof Intl;
    expect(timeZoneChoices('Etc/GMT+5', intl)).toEqual(['America/New_York', 'Etc/GMT+5', 'Europe/Paris', 'UTC']);
  });

  it('has no list (a text field then) without Intl.supportedValuesOf', () => {
    expect(timeZoneChoices(null, { ...Intl, supportedValuesOf: undefined } as unknown as typeof Intl)).toBeNull();
  });

  it('knows zones and tells the time there', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
    // Monday 2026-06-01 10:15 UTC is 12:15 in Paris (summer time).
    expect(nowIn('Europe/Paris', new Date('2026-06-01T10:15:00Z'))).toBe('Monday 12:15');
    expect(nowIn('Nowhere/Else')).toBeNull();
  });
});
