// Settings documents for the unit tests.
import { DEFAULT_ATTACHMENTS, DEFAULT_RATE_LIMITS, DEFAULT_WIDGET, type SettingsPatch, type TenantSettings } from '../settings/model';

export function settings(over: Partial<TenantSettings> = {}): TenantSettings {
  return {
    name: 'Acme',
    widget: { ...DEFAULT_WIDGET },
    businessHours: null,
    offlineMode: 'chat',
    assignment: 'manual',
    agentCapacity: 10,
    retentionDays: null,
    attachments: { ...DEFAULT_ATTACHMENTS },
    rateLimits: { ...DEFAULT_RATE_LIMITS },
    ...over,
  };
}

export const PARIS_HOURS: NonNullable<TenantSettings['businessHours']> = {
  timezone: 'Europe/Paris',
  weekly: { mon: [['09:00', '12:00'], ['13:00', '17:30']], sat: [['10:00', '24:00']] },
  holidays: ['2026-12-25', '2026-01-01'],
};

/** A SettingsApi that keeps one settings document and answers like the server. */
export class FakeSettingsApi {
  stored: TenantSettings;
  patches: SettingsPatch[] = [];
  /** The next PATCH fails with this (then it is cleared). */
  failNext: Error | null = null;

  constructor(initial: TenantSettings = settings()) {
    this.stored = initial;
  }

  async settings(): Promise<TenantSettings> {
    return structuredClone(this.stored);
  }

  async updateSettings(patch: SettingsPatch): Promise<TenantSettings> {
    this.patches.push(structuredClone(patch));
    const failure = this.failNext;
    this.failNext = null;
    if (failure) throw failure;
    const { widget, attachments, rateLimits, ...rest } = patch;
    this.stored = {
      ...this.stored,
      ...rest,
      widget: { ...this.stored.widget, ...widget },
      attachments: { ...this.stored.attachments, ...attachments },
      rateLimits: { ...this.stored.rateLimits, ...rateLimits },
    };
    return structuredClone(this.stored);
  }
}
