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

/** The units of a rate such as "300/minute" (WEBCHAT_VISITOR_RATE_LIMIT's notation). */
export const RATE_UNITS = ['second', 'minute', 'hour', 'day'] as const;
export type RateUnit = (typeof RATE_UNITS)[number];

/** The two message budgets a tenant may set; null: the server's default. */
export const RATE_KEYS = ['visitorMessages', 'tenantMessages'] as const;
export type RateKey = (typeof RATE_KEYS)[number];

/**
 * `settings.rateLimits`: `visitorMessages` per visitor session, `tenantMessages`
 * for the whole tenant. null: the server's WEBCHAT_VISITOR_RATE_LIMIT /
 * WEBCHAT_TENANT_RATE_LIMIT. A tenant rate above the server's is ignored.
 */
export type RateLimits = Record<RateKey, string | null>;

export interface AttachmentSettings {
  /** The largest file a visitor or an agent may upload, in bytes. */
  maxBytes: number;
}

/** `GET /api/settings`'s `settings`: the part this page shows. */
export interface TenantSettings {
  name: string;
  widget: TenantWidget;
  businessHours: BusinessHours | null;
  offlineMode: OfflineMode;
  assignment: AssignmentMode;
  agentCapacity: number;
  /** Days without activity after which a conversation is erased; null: kept until erased by hand. */
  retentionDays: number | null;
  attachments: AttachmentSettings;
  rateLimits: RateLimits;
}

/**
 * `PATCH /api/settings`: only what changes; `widget`, `attachments` and
 * `rateLimits` merge key by key, `businessHours` is replaced whole.
 */
export interface SettingsPatch {
  widget?: Partial<TenantWidget>;
  businessHours?: BusinessHours | null;
  offlineMode?: OfflineMode;
  assignment?: AssignmentMode;
  agentCapacity?: number;
  retentionDays?: number | null;
  attachments?: Partial<AttachmentSettings>;
  rateLimits?: Partial<RateLimits>;
}

export const KIB = 1024;
export const MIB = 1024 * 1024;

/** The server's limits (settings_schemas.py). */
export const LIMITS = {
  greeting: 500,
  rangesPerDay: 6,
  holidays: 366,
  capacityMin: 1,
  capacityMax: 1000,
  retentionMin: 1,
  retentionMax: 36500,
  attachmentMinBytes: 1024,
  attachmentMaxBytes: 100 * 1024 * 1024,
} as const;

/** The server's RATE_PATTERN: 1 to 999,999,999 messages per second, minute, hour or day. */
export const RATE_PATTERN = /^[1-9][0-9]{0,8}\/(second|minute|hour|day)$/;

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

export const DEFAULT_ATTACHMENTS: AttachmentSettings = { maxBytes: 10 * MIB };
export const DEFAULT_RATE_LIMITS: RateLimits = { visitorMessages: null, tenantMessages: null };

/**
 * The server's defaults as it ships (config.py). The console cannot see what
 * an operator configured, so these are only named in hints, never compared with.
 */
export const SHIPPED_RATE_DEFAULTS: Record<RateKey, { env: string; rate: string }> = {
  visitorMessages: { env: 'WEBCHAT_VISITOR_RATE_LIMIT', rate: '300/minute' },
  tenantMessages: { env: 'WEBCHAT_TENANT_RATE_LIMIT', rate: '600000/minute' },
};
