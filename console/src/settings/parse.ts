// `GET /api/settings` → TenantSettings, read like lib/parse.ts: untrusted
// JSON, a missing or malformed field falls back to the default a fresh tenant
// has, so one odd value never blanks the page.
import { isObj } from '../lib/parse';
import {
  ASSIGNMENT_MODES,
  DAYS,
  DEFAULT_ATTACHMENTS,
  DEFAULT_WIDGET,
  OFFLINE_MODES,
  RATE_KEYS,
  RATE_PATTERN,
  type AssignmentMode,
  type AttachmentSettings,
  type RateLimits,
  type BusinessHours,
  type OfflineMode,
  type TenantSettings,
  type TenantWidget,
  type TimeRange,
} from './model';

function text(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v : fallback;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(v as T) ? (v as T) : fallback;
}

function textOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function parseWidget(v: unknown): TenantWidget {
  const w = isObj(v) ? v : {};
  return {
    color: text(w.color, DEFAULT_WIDGET.color),
    position: w.position === 'left' ? 'left' : 'right',
    greeting: textOrNull(w.greeting),
    offlineGreeting: textOrNull(w.offlineGreeting),
    locale: textOrNull(w.locale),
  };
}

function parseRange(v: unknown): TimeRange | null {
  if (!Array.isArray(v) || v.length !== 2) return null;
  const [start, end] = v as unknown[];
  return typeof start === 'string' && typeof end === 'string' ? [start, end] : null;
}

export function parseBusinessHours(v: unknown): BusinessHours | null {
  if (!isObj(v) || typeof v.timezone !== 'string') return null;
  const weekly: BusinessHours['weekly'] = {};
  const days = isObj(v.weekly) ? v.weekly : {};
  for (const day of DAYS) {
    const ranges = days[day];
    if (!Array.isArray(ranges)) continue;
    const parsed = ranges.map(parseRange).filter((r): r is TimeRange => r !== null);
    if (parsed.length > 0) weekly[day] = parsed;
  }
  const holidays = Array.isArray(v.holidays) ? v.holidays.filter((d): d is string => typeof d === 'string') : [];
  return { timezone: v.timezone, weekly, holidays };
}

/** Each rate as the server's pattern has it ("300/minute"), else null (the server's default). */
export function parseRateLimits(v: unknown): RateLimits {
  const r = isObj(v) ? v : {};
  const rate = (x: unknown): string | null => (typeof x === 'string' && RATE_PATTERN.test(x) ? x : null);
  return Object.fromEntries(RATE_KEYS.map((key) => [key, rate(r[key])])) as RateLimits;
}

function parseAttachments(v: unknown): AttachmentSettings {
  const max = isObj(v) ? v.maxBytes : undefined;
  return { maxBytes: typeof max === 'number' && Number.isInteger(max) && max > 0 ? max : DEFAULT_ATTACHMENTS.maxBytes };
}

/** The settings document (the body's `settings`, or the body itself); null if it is not an object. */
export function parseSettings(v: unknown): TenantSettings | null {
  const s = isObj(v) && isObj(v.settings) ? v.settings : v;
  if (!isObj(s)) return null;
  const capacity = s.agentCapacity;
  const retention = s.retentionDays;
  return {
    name: text(s.name, ''),
    widget: parseWidget(s.widget),
    businessHours: parseBusinessHours(s.businessHours),
    offlineMode: oneOf<OfflineMode>(s.offlineMode, OFFLINE_MODES, 'chat'),
    assignment: oneOf<AssignmentMode>(s.assignment, ASSIGNMENT_MODES, 'manual'),
    agentCapacity: typeof capacity === 'number' && Number.isInteger(capacity) ? capacity : 10,
    retentionDays: typeof retention === 'number' && Number.isInteger(retention) && retention >= 1 ? retention : null,
    attachments: parseAttachments(s.attachments),
    rateLimits: parseRateLimits(s.rateLimits),
  };
}
