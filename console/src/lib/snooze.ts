// When a snoozed conversation comes back: the presets are computed in the
// agent's own time zone (the browser's), since "tomorrow 9:00" means the
// agent's morning, not the server's.

export type SnoozePreset = 'hour' | 'tomorrow';

export function snoozeUntil(preset: SnoozePreset, now: Date = new Date()): Date {
  if (preset === 'hour') return new Date(now.getTime() + 60 * 60 * 1000);
  // setDate/setHours work in local time and handle month ends and DST shifts.
  const t = new Date(now.getTime());
  t.setDate(t.getDate() + 1);
  t.setHours(9, 0, 0, 0);
  return t;
}

/** A `datetime-local` input's value (local time, no zone), or null if empty or unreadable. */
export function parseLocalDateTime(value: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const t = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  return Number.isNaN(t.getTime()) ? null : t;
}

/** The value a `datetime-local` input shows for `t` (local time, minutes). */
export function toLocalDateTime(t: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}T${pad(t.getHours())}:${pad(t.getMinutes())}`;
}

/** "today 14:30", "tomorrow 09:00", "Mar 3, 09:00": when a snooze ends, as the agent reads it. */
export function describeWhen(iso: string | null, now: Date = new Date()): string {
  if (!iso) return '';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return '';
  const clock = t.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const tomorrow = new Date(now.getTime());
  tomorrow.setDate(tomorrow.getDate() + 1);
  if (t.toDateString() === now.toDateString()) return `today ${clock}`;
  if (t.toDateString() === tomorrow.toDateString()) return `tomorrow ${clock}`;
  return `${t.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })}, ${clock}`;
}
