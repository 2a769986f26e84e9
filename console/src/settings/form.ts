// The settings page's form ↔ the settings document. The form holds what the
// inputs show (text as typed, times as <input type="time"> values); the
// mapping turns it back into settings and into a PATCH naming only what
// changed. Pure: every edit returns a new form.
import {
  DAYS,
  KIB,
  LIMITS,
  MIB,
  RATE_KEYS,
  type AssignmentMode,
  type RateKey,
  type RateLimits,
  type RateUnit,
  type BusinessHours,
  type Day,
  type OfflineMode,
  type SettingsPatch,
  type TenantSettings,
  type TenantWidget,
  type TimeRange,
  type WidgetText,
} from './model';

/** One opening range as its two time inputs show it. */
export interface RangeRow {
  /** For list keys and element ids only; never sent. */
  id: number;
  start: string;
  end: string;
}

/** A message budget as its inputs show it: the server's default, or a count per unit. */
export interface RateRow {
  /** false: the server's default (null); count and unit are kept for switching back. */
  custom: boolean;
  /** As typed; a whole number 1–999999999 to be saved. */
  count: string;
  unit: RateUnit;
}

/** The units the largest attachment is shown in (1024-based, as the server counts). */
export const SIZE_UNITS = ['bytes', 'KiB', 'MiB'] as const;
export type SizeUnit = (typeof SIZE_UNITS)[number];
export const SIZE_FACTOR: Record<SizeUnit, number> = { bytes: 1, KiB: KIB, MiB: MIB };

export interface SettingsForm {
  color: string;
  position: 'left' | 'right';
  /** The texts as typed; '' for one the tenant has not set (see `unset`). */
  greeting: string;
  offlineGreeting: string;
  locale: string;
  /**
   * Which texts the server has as null (the widget's own words). Left empty
   * they stay null; the server cannot set one back to null once set.
   */
  unset: Record<WidgetText, boolean>;
  /** false: no business hours (`businessHours: null`), the rows below are kept for switching back. */
  hoursOn: boolean;
  timezone: string;
  weekly: Record<Day, RangeRow[]>;
  /** YYYY-MM-DD, sorted, each once. */
  holidays: string[];
  offlineMode: OfflineMode;
  assignment: AssignmentMode;
  /** As typed; a whole number 1–1000 to be saved. */
  agentCapacity: string;
  rates: Record<RateKey, RateRow>;
  /** As typed; '' keeps conversations until they are erased by hand (`retentionDays: null`). */
  retentionDays: string;
  /** The largest attachment as typed, in `attachmentUnit`s. */
  attachmentSize: string;
  attachmentUnit: SizeUnit;
}

/** What a rate switched from the server's default to a custom one starts with. */
export const NEW_RATE_UNIT: RateUnit = 'minute';

/** "300/minute" as its inputs show it; null is the server's default. */
export function rateRow(rate: string | null): RateRow {
  const match = rate === null ? null : /^(\d+)\/(second|minute|hour|day)$/.exec(rate);
  if (!match) return { custom: false, count: '', unit: NEW_RATE_UNIT };
  return { custom: true, count: match[1]!, unit: match[2] as RateUnit };
}

/** The rate a row describes: "300/minute", or null for the server's default. */
export function rateFromRow(row: RateRow): string | null {
  return row.custom ? `${row.count.trim()}/${row.unit}` : null;
}

export function rateLimitsFromForm(form: SettingsForm): RateLimits {
  return { visitorMessages: rateFromRow(form.rates.visitorMessages), tenantMessages: rateFromRow(form.rates.tenantMessages) };
}

/** A size in bytes in the largest unit that shows it whole: 10485760 → 10 MiB, 1500 → 1500 bytes. */
export function sizeFields(bytes: number): { size: string; unit: SizeUnit } {
  for (const unit of ['MiB', 'KiB'] as const) {
    if (bytes % SIZE_FACTOR[unit] === 0) return { size: String(bytes / SIZE_FACTOR[unit]), unit };
  }
  return { size: String(bytes), unit: 'bytes' };
}

/** The largest attachment in bytes, or null when the size is not a whole number. */
export function attachmentBytes(form: SettingsForm): number | null {
  const text = form.attachmentSize.trim();
  if (!/^\d{1,9}$/.test(text)) return null;
  return Number(text) * SIZE_FACTOR[form.attachmentUnit];
}

/** `retentionDays` as typed: null when blank (keep forever), NaN when not a number. */
export function retentionFromForm(form: SettingsForm): number | null {
  const text = form.retentionDays.trim();
  return text === '' ? null : /^\d+$/.test(text) ? Number(text) : Number.NaN;
}


/** What an empty day gets when hours are first switched on or a range is added. */
export const DEFAULT_RANGE: TimeRange = ['09:00', '17:00'];
const WORKING_DAYS: readonly Day[] = ['mon', 'tue', 'wed', 'thu', 'fri'];

let lastRowId = 0;
function row(start: string, end: string): RangeRow {
  lastRowId += 1;
  return { id: lastRowId, start, end };
}

// <input type="time"> cannot show 24:00: a range that ends at midnight shows
// (and is typed) as ending at 00:00, which could never be a valid end otherwise.
const MIDNIGHT_END = '24:00';
function endForInput(end: string): string {
  return end === MIDNIGHT_END ? '00:00' : end;
}
function endForSettings(end: string): string {
  return end === '00:00' ? MIDNIGHT_END : end;
}

function emptyWeek(): Record<Day, RangeRow[]> {
  return { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
}

/** The form showing `settings`; `timezone` is the zone offered when the tenant has no hours yet. */
export function formFromSettings(settings: TenantSettings, timezone: string): SettingsForm {
  const hours = settings.businessHours;
  const weekly = emptyWeek();
  for (const day of DAYS) {
    if (hours) weekly[day] = (hours.weekly[day] ?? []).map(([start, end]) => row(start, endForInput(end)));
    else if (WORKING_DAYS.includes(day)) weekly[day] = [row(...DEFAULT_RANGE)];
  }
  const { greeting, offlineGreeting, locale } = settings.widget;
  const size = sizeFields(settings.attachments.maxBytes);
  return {
    color: settings.widget.color,
    position: settings.widget.position,
    greeting: greeting ?? '',
    offlineGreeting: offlineGreeting ?? '',
    locale: locale ?? '',
    unset: { greeting: greeting === null, offlineGreeting: offlineGreeting === null, locale: locale === null },
    hoursOn: hours !== null,
    timezone: hours?.timezone ?? timezone,
    weekly,
    holidays: hours ? uniqueSorted(hours.holidays) : [],
    offlineMode: settings.offlineMode,
    assignment: settings.assignment,
    agentCapacity: String(settings.agentCapacity),
    rates: { visitorMessages: rateRow(settings.rateLimits.visitorMessages), tenantMessages: rateRow(settings.rateLimits.tenantMessages) },
    retentionDays: settings.retentionDays === null ? '' : String(settings.retentionDays),
    attachmentSize: size.size,
    attachmentUnit: size.unit,
  };
}

/** A text as the form describes it: null while it is still unset and left empty. */
export function widgetText(form: SettingsForm, key: WidgetText): string | null {
  const value = key === 'locale' ? form.locale.trim() : form[key];
  return value === '' && form.unset[key] ? null : value;
}

/** The `widget` object the form describes. */
export function widgetFromForm(form: SettingsForm): TenantWidget {
  return {
    color: form.color.trim(),
    position: form.position,
    greeting: widgetText(form, 'greeting'),
    offlineGreeting: widgetText(form, 'offlineGreeting'),
    locale: widgetText(form, 'locale'),
  };
}

/** The `businessHours` value the form describes (null: none). Ranges keep the form's order. */
export function hoursFromForm(form: SettingsForm): BusinessHours | null {
  if (!form.hoursOn) return null;
  const weekly: BusinessHours['weekly'] = {};
  for (const day of DAYS) {
    const ranges = form.weekly[day];
    if (ranges.length > 0) weekly[day] = ranges.map((r) => [r.start, endForSettings(r.end)]);
  }
  return { timezone: form.timezone.trim(), weekly, holidays: uniqueSorted(form.holidays) };
}

function sameHours(a: BusinessHours | null, b: BusinessHours | null): boolean {
  const key = (h: BusinessHours | null): string =>
    h === null
      ? 'null'
      : JSON.stringify([h.timezone, DAYS.map((d) => h.weekly[d] ?? []), uniqueSorted(h.holidays)]);
  return key(a) === key(b);
}

/** The PATCH body that turns `saved` into what the form shows: only the fields that differ. */
export function patchFromForm(saved: TenantSettings, form: SettingsForm): SettingsPatch {
  const patch: SettingsPatch = {};
  const widget = widgetFromForm(form);
  const widgetChanges: Partial<TenantWidget> = {};
  for (const key of Object.keys(widget) as Array<keyof TenantWidget>) {
    if (widget[key] !== saved.widget[key]) Object.assign(widgetChanges, { [key]: widget[key] });
  }
  if (Object.keys(widgetChanges).length > 0) patch.widget = widgetChanges;
  const hours = hoursFromForm(form);
  if (!sameHours(hours, saved.businessHours)) patch.businessHours = hours;
  if (form.offlineMode !== saved.offlineMode) patch.offlineMode = form.offlineMode;
  if (form.assignment !== saved.assignment) patch.assignment = form.assignment;
  const capacity = Number(form.agentCapacity.trim());
  if (capacity !== saved.agentCapacity) patch.agentCapacity = capacity;
  const rates = rateLimitsFromForm(form);
  const rateChanges: Partial<RateLimits> = {};
  for (const key of RATE_KEYS) if (rates[key] !== saved.rateLimits[key]) rateChanges[key] = rates[key];
  if (Object.keys(rateChanges).length > 0) patch.rateLimits = rateChanges;
  const retention = retentionFromForm(form);
  if (retention !== saved.retentionDays) patch.retentionDays = retention;
  // A size still being typed counts as a change (like the capacity), so Save stays enabled and checks it.
  const bytes = attachmentBytes(form) ?? Number.NaN;
  if (bytes !== saved.attachments.maxBytes) patch.attachments = { maxBytes: bytes };
  return patch;
}

export function isEmptyPatch(patch: SettingsPatch): boolean {
  return Object.keys(patch).length === 0;
}

// ---- edits ------------------------------------------------------------------

function withDay(form: SettingsForm, day: Day, rows: RangeRow[]): SettingsForm {
  return { ...form, weekly: { ...form.weekly, [day]: rows } };
}

/** "HH:MM" plus `minutes`, at most 24:00 (shown as 00:00). */
function later(time: string, minutes: number): string {
  const [h, m] = time.split(':').map(Number);
  const total = Math.min((h ?? 0) * 60 + (m ?? 0) + minutes, 24 * 60);
  if (total >= 24 * 60) return '00:00';
  return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
}

/** A new range on `day`: 09:00–17:00 on an empty day, else the hour after the last range. */
export function addRange(form: SettingsForm, day: Day): SettingsForm {
  const rows = form.weekly[day];
  if (rows.length >= LIMITS.rangesPerDay) return form;
  const last = rows[rows.length - 1];
  const next = !last || last.end === '00:00' || last.end === '' ? row(...DEFAULT_RANGE) : row(last.end, later(last.end, 60));
  return withDay(form, day, [...rows, next]);
}

export function removeRange(form: SettingsForm, day: Day, id: number): SettingsForm {
  return withDay(form, day, form.weekly[day].filter((r) => r.id !== id));
}

export function setRange(form: SettingsForm, day: Day, id: number, change: Partial<Pick<RangeRow, 'start' | 'end'>>): SettingsForm {
  return withDay(form, day, form.weekly[day].map((r) => (r.id === id ? { ...r, ...change } : r)));
}

/** Give every day in `to` the ranges of `from`. */
export function copyDay(form: SettingsForm, from: Day, to: readonly Day[]): SettingsForm {
  const weekly = { ...form.weekly };
  for (const day of to) if (day !== from) weekly[day] = form.weekly[from].map((r) => row(r.start, r.end));
  return { ...form, weekly };
}

function uniqueSorted(days: readonly string[]): string[] {
  return [...new Set(days)].sort();
}

export function addHoliday(form: SettingsForm, date: string): SettingsForm {
  if (date === '' || form.holidays.includes(date)) return form;
  return { ...form, holidays: uniqueSorted([...form.holidays, date]) };
}

export function removeHoliday(form: SettingsForm, date: string): SettingsForm {
  return { ...form, holidays: form.holidays.filter((d) => d !== date) };
}
