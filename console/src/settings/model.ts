// The tenant settings the settings page edits (CONTRACT §9), their limits
// (the server's, src/webchat/settings_schemas.py) and the defaults a fresh
// tenant has.
import type { OfflineMode } from '../../../shared/types';

export type { OfflineMode };

/** The three texts the widget words itself while the tenant has not set them. */
export const WIDGET_TEXTS = ['greeting', 'offlineGreeting', 'locale'] as const;
export type WidgetText = (typeof WIDGET_TEXTS)[number];

/**
 * `settings.widget`. The texts and the locale are null until the tenant sets
 * them: the widget then uses its own words, in the visitor's language.
 */
export interface TenantWidget {
  color: string;
  position: 'left' | 'right';
  greeting: string | null;
  offlineGreeting: string | null;
  locale: string | null;
}

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

export const DAY_NAMES: Record<Day, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

/** `["09:00", "17:30"]`: wall-clock times in the tenant's zone; the end may be "24:00". */
export type TimeRange = [string, string];

export interface BusinessHours {
  /** An IANA zone name, e.g. Europe/Paris. */
  timezone: string;
  /** A day that is absent (or empty) is closed. */
  weekly: Partial<Record<Day, TimeRange[]>>;
  /** Local dates YYYY-MM-DD, closed all day. */
  holidays: string[];
}

export type AssignmentMode = 'manual' | 'auto';

export const OFFLINE_MODES: readonly OfflineMode[] = ['chat', 'form', 'hide'];
export const ASSIGNMENT_MODES: readonly AssignmentMode[] = ['manual', 'auto'];

/** `GET /api/settings`'s `settings`: the part this page shows. */
export interface TenantSettings {
  name: string;
  widget: TenantWidget;
  businessHours: BusinessHours | null;
  offlineMode: OfflineMode;
  assignment: AssignmentMode;
  agentCapacity: number;
}

/** `PATCH /api/settings`: only what changes; `widget` merges key by key, `businessHours` is replaced whole. */
export interface SettingsPatch {
  widget?: Partial<TenantWidget>;
  businessHours?: BusinessHours | null;
  offlineMode?: OfflineMode;
  assignment?: AssignmentMode;
  agentCapacity?: number;
}

/** The server's limits (settings_schemas.py). */
export const LIMITS = {
  greeting: 500,
  rangesPerDay: 6,
  holidays: 366,
  capacityMin: 1,
  capacityMax: 1000,
} as const;

export const COLOR_PATTERN = /^#[0-9a-fA-F]{6}$/;
export const LOCALE_PATTERN = /^[a-z]{2}(-[A-Z]{2})?$/;

/** What a tenant has before anyone changes anything (the server's DEFAULT_SETTINGS). */
export const DEFAULT_WIDGET: TenantWidget = {
  color: '#2563eb',
  position: 'right',
  greeting: null,
  offlineGreeting: null,
  locale: null,
};
