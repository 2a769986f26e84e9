import { describe, expect, it } from 'vitest';
import { parseSettings } from './parse';

describe('parseSettings', () => {
  it('reads the server document', () => {
    const body = {
      settings: {
        name: 'Demo',
        allowedOrigins: [],
        widget: { color: '#112233', position: 'left', greeting: '', offlineGreeting: 'Away', locale: 'fr' },
        businessHours: { timezone: 'Europe/Paris', weekly: { mon: [['09:00', '17:30']], tue: [] }, holidays: ['2026-12-25'] },
        offlineMode: 'form',
        assignment: 'auto',
        agentCapacity: 7,
        retentionDays: 30,
        attachments: { maxBytes: 2097152 },
        rateLimits: { visitorMessages: '20/minute', tenantMessages: null },
      },
    };
    expect(parseSettings(body)).toEqual({
      name: 'Demo',
      widget: { color: '#112233', position: 'left', greeting: '', offlineGreeting: 'Away', locale: 'fr' },
      businessHours: { timezone: 'Europe/Paris', weekly: { mon: [['09:00', '17:30']] }, holidays: ['2026-12-25'] },
      offlineMode: 'form',
      assignment: 'auto',
      agentCapacity: 7,
      retentionDays: 30,
      attachments: { maxBytes: 2097152 },
      rateLimits: { visitorMessages: '20/minute', tenantMessages: null },
    });
  });

  it('falls back to the defaults for odd or missing fields', () => {
    const s = parseSettings({ widget: { color: 5, position: 'top' }, businessHours: { weekly: {} }, offlineMode: 'nope', agentCapacity: 2.5 });
    expect(s?.widget.color).toBe('#2563eb');
    expect(s?.widget.position).toBe('right');
    expect(s?.businessHours).toBeNull();
    expect(s?.offlineMode).toBe('chat');
    expect(s?.agentCapacity).toBe(10);
    expect(s?.retentionDays).toBeNull();
    expect(s?.attachments).toEqual({ maxBytes: 10485760 });
    expect(s?.rateLimits).toEqual({ visitorMessages: null, tenantMessages: null });
    const odd = parseSettings({ retentionDays: 0, attachments: { maxBytes: 'big' }, rateLimits: { visitorMessages: '5/week', tenantMessages: 9 } });
    expect(odd?.retentionDays).toBeNull();
    expect(odd?.attachments.maxBytes).toBe(10485760);
    expect(odd?.rateLimits).toEqual({ visitorMessages: null, tenantMessages: null });
    expect(parseSettings(null)).toBeNull();
    expect(parseSettings([1])).toBeNull();
  });
});
