import { describe, expect, it } from 'vitest';
import { describeWhen, parseLocalDateTime, snoozeUntil, toLocalDateTime } from './snooze';

describe('snooze presets', () => {
  const now = new Date(2026, 0, 31, 22, 15); // local time, the last day of a month

  it('one hour from now', () => {
    expect(snoozeUntil('hour', now).getTime() - now.getTime()).toBe(3600_000);
  });

  it('tomorrow at 9:00 in the local time zone', () => {
    const t = snoozeUntil('tomorrow', now);
    expect([t.getFullYear(), t.getMonth(), t.getDate(), t.getHours(), t.getMinutes()]).toEqual([2026, 1, 1, 9, 0]);
  });

  it('reads and writes datetime-local values in local time', () => {
    const t = parseLocalDateTime('2026-03-04T08:30');
    expect(t && [t.getMonth(), t.getDate(), t.getHours(), t.getMinutes()]).toEqual([2, 4, 8, 30]);
    expect(toLocalDateTime(t!)).toBe('2026-03-04T08:30');
    expect(parseLocalDateTime('')).toBeNull();
    expect(parseLocalDateTime('tomorrow')).toBeNull();
  });

  it('says when a snooze ends relative to today', () => {
    expect(describeWhen(snoozeUntil('tomorrow', now).toISOString(), now)).toMatch(/^tomorrow /);
    expect(describeWhen(new Date(2026, 0, 31, 23, 0).toISOString(), now)).toMatch(/^today /);
    expect(describeWhen(null, now)).toBe('');
  });
});
