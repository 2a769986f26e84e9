// Time zones for the business hours: the browser's list of IANA names where it
// has one (Intl.supportedValuesOf), and what time it is in a zone right now.

type IntlWithZones = typeof Intl & { supportedValuesOf?: (key: 'timeZone') => string[] };

/**
 * The zones to choose from, sorted, with UTC (Chromium's list leaves it out)
 * and `current` (a zone the server accepted that this browser may not list).
 * null when the browser cannot list zones: the page then offers a text field.
 */
export function timeZoneChoices(current: string | null, intl: IntlWithZones = Intl): string[] | null {
  let zones: string[];
  try {
    if (typeof intl.supportedValuesOf !== 'function') return null;
    zones = intl.supportedValuesOf('timeZone');
  } catch {
    return null;
  }
  const all = new Set([...zones, 'UTC']);
  if (current) all.add(current);
  return [...all].sort((a, b) => a.localeCompare(b, 'en'));
}

/** Whether the browser knows `zone` (a name the server will also know, in practice). */
export function isTimeZone(zone: string): boolean {
  if (zone === '') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The agent's own zone: the default for a tenant that has no hours yet. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** "Tuesday 14:05" in `zone` at `now`; null for a zone the browser does not know. */
export function nowIn(zone: string, now: Date = new Date()): string | null {
  if (!isTimeZone(zone)) return null;
  const format = { timeZone: zone, weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;
  return new Intl.DateTimeFormat('en-GB', format).format(now);
}
