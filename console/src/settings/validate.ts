// Checks the form before it is sent, with the server's rules
// (settings_schemas.py), so most mistakes are shown without a round trip.
// Errors are keyed by the field's path as the server names it in a 422
// ("widget.color", "businessHours.weekly.mon.0"), so both kinds of error land
// next to the same input.
import { COLOR_PATTERN, DAYS, LIMITS, LOCALE_PATTERN, RATE_KEYS, RATE_PATTERN, type Day, type RateKey } from './model';
import { attachmentBytes, rateFromRow, type SettingsForm } from './form';
import { isTimeZone } from './timezones';

/** Field path → what is wrong with it. */
export type FieldErrors = Record<string, string>;

export const FIELD = {
  color: 'widget.color',
  position: 'widget.position',
  greeting: 'widget.greeting',
  offlineGreeting: 'widget.offlineGreeting',
  locale: 'widget.locale',
  hours: 'businessHours',
  timezone: 'businessHours.timezone',
  day: (day: Day) => `businessHours.weekly.${day}`,
  range: (day: Day, index: number) => `businessHours.weekly.${day}.${index}`,
  holidays: 'businessHours.holidays',
  holiday: (index: number) => `businessHours.holidays.${index}`,
  offlineMode: 'offlineMode',
  assignment: 'assignment',
  agentCapacity: 'agentCapacity',
  rate: (key: RateKey) => `rateLimits.${key}`,
  retentionDays: 'retentionDays',
  maxBytes: 'attachments.maxBytes',
} as const;

/** Every field path of the form, in the order the page shows them. */
export function fieldOrder(form: SettingsForm): string[] {
  const paths: string[] = [FIELD.color, FIELD.position, FIELD.greeting, FIELD.offlineGreeting, FIELD.locale, FIELD.hours];
  if (form.hoursOn) {
    paths.push(FIELD.timezone);
    for (const day of DAYS) {
      paths.push(FIELD.day(day));
      form.weekly[day].forEach((_, i) => paths.push(FIELD.range(day, i)));
    }
    paths.push(FIELD.holidays);
    form.holidays.forEach((_, i) => paths.push(FIELD.holiday(i)));
  }
  paths.push(FIELD.offlineMode, FIELD.assignment, FIELD.agentCapacity);
  for (const key of RATE_KEYS) paths.push(FIELD.rate(key));
  paths.push(FIELD.retentionDays, FIELD.maxBytes);
  return paths;
}

/** Minutes after midnight of "HH:MM" (00:00–24:00), else null. */
export function minutesOf(time: string): number | null {
  const match = /^(\d\d):(\d\d)$/.exec(time);
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes >= 60 || hours * 60 + minutes > 24 * 60) return null;
  return hours * 60 + minutes;
}

/** A real calendar date written YYYY-MM-DD. */
export function isIsoDate(value: string): boolean {
  const match = /^(\d{4})-(\d\d)-(\d\d)$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function isHexColor(value: string): boolean {
  return COLOR_PATTERN.test(value.trim());
}

export function isLocale(value: string): boolean {
  return LOCALE_PATTERN.test(value.trim());
}

/** A whole number within the capacity limits, as typed. */
export function parseCapacity(value: string): number | null {
  const text = value.trim();
  if (!/^\d{1,4}$/.test(text)) return null;
  const n = Number(text);
  return n >= LIMITS.capacityMin && n <= LIMITS.capacityMax ? n : null;
}

/** Whether the server takes `rate` ("300/minute": 1–999999999 per second, minute, hour or day). */
export function isRate(rate: string): boolean {
  return RATE_PATTERN.test(rate);
}

export const RATE_COUNT_MAX = 999_999_999;

/** A whole number of days within the retention limits, null for blank (keep forever), undefined when neither. */
export function parseRetention(value: string): number | null | undefined {
  const text = value.trim();
  if (text === '') return null;
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= LIMITS.retentionMin && n <= LIMITS.retentionMax ? n : undefined;
}

function checkLimits(form: SettingsForm, errors: FieldErrors): void {
  for (const key of RATE_KEYS) {
    const row = form.rates[key];
    if (!row.custom) continue;
    const rate = rateFromRow(row);
    if (row.count.trim() === '') errors[FIELD.rate(key)] = 'Enter how many messages, or choose the server\u2019s default.';
    else if (rate === null || !isRate(rate)) errors[FIELD.rate(key)] = `A whole number of messages from 1 to ${RATE_COUNT_MAX}.`;
  }
  if (parseRetention(form.retentionDays) === undefined) {
    errors[FIELD.retentionDays] = `A whole number of days from ${LIMITS.retentionMin} to ${LIMITS.retentionMax}, or blank to keep conversations.`;
  }
  const bytes = attachmentBytes(form);
  if (bytes === null || bytes < LIMITS.attachmentMinBytes || bytes > LIMITS.attachmentMaxBytes) {
    errors[FIELD.maxBytes] = 'A whole number from 1 KiB to 100 MiB.';
  }
}

function checkDay(form: SettingsForm, day: Day, errors: FieldErrors): void {
  const spans: Array<{ start: number; end: number; label: string }> = [];
  form.weekly[day].forEach((r, i) => {
    const start = minutesOf(r.start);
    // 00:00 as an end is midnight (see form.ts).
    const end = r.end === '00:00' ? 24 * 60 : minutesOf(r.end);
    if (start === null || end === null || start === 24 * 60) {
      errors[FIELD.range(day, i)] = 'Enter both times as HH:MM.';
    } else if (start >= end) {
      errors[FIELD.range(day, i)] = 'The range must end after it starts (a night shift is two ranges, one each day).';
    } else {
      spans.push({ start, end, label: `${r.start}–${r.end}` });
    }
  });
  if (form.weekly[day].length > LIMITS.rangesPerDay) {
    errors[FIELD.day(day)] = `At most ${LIMITS.rangesPerDay} ranges a day.`;
    return;
  }
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    const [before, after] = [spans[i - 1]!, spans[i]!];
    if (after.start < before.end) {
      errors[FIELD.day(day)] = `Ranges overlap: ${before.label} and ${after.label}.`;
      return;
    }
  }
}

function checkHours(form: SettingsForm, errors: FieldErrors): void {
  if (form.timezone.trim() === '') errors[FIELD.timezone] = 'Choose a time zone.';
  else if (!isTimeZone(form.timezone.trim())) errors[FIELD.timezone] = 'Not a time zone this browser knows (e.g. Europe/Paris).';
  for (const day of DAYS) checkDay(form, day, errors);
  form.holidays.forEach((d, i) => {
    if (!isIsoDate(d)) errors[FIELD.holiday(i)] = 'A holiday is a date YYYY-MM-DD.';
  });
  if (form.holidays.length > LIMITS.holidays) errors[FIELD.holidays] = `At most ${LIMITS.holidays} holidays.`;
}

/** What is wrong with the form; empty when it can be saved. */
export function validateForm(form: SettingsForm): FieldErrors {
  const errors: FieldErrors = {};
  if (!isHexColor(form.color)) errors[FIELD.color] = 'A colour is # and six hex digits, e.g. #2563eb.';
  for (const key of ['greeting', 'offlineGreeting'] as const) {
    if (form[key].length > LIMITS.greeting) errors[FIELD[key]] = `At most ${LIMITS.greeting} characters.`;
  }
  if (form.locale.trim() === '') {
    // Unset (null) is the widget's own choice; the server cannot go back to it once set.
    if (!form.unset.locale) errors[FIELD.locale] = 'A language once set stays set: enter a code such as en, fr or fr-CA.';
  } else if (!isLocale(form.locale)) {
    errors[FIELD.locale] = 'A language code such as en, fr or fr-CA.';
  }
  if (form.hoursOn) checkHours(form, errors);
  if (parseCapacity(form.agentCapacity) === null) {
    errors[FIELD.agentCapacity] = `A whole number from ${LIMITS.capacityMin} to ${LIMITS.capacityMax}.`;
  }
  checkLimits(form, errors);
  return errors;
}

/** The first field (in page order) with an error, if any. */
export function firstError(form: SettingsForm, errors: FieldErrors): string | null {
  return fieldOrder(form).find((path) => path in errors) ?? Object.keys(errors)[0] ?? null;
}
