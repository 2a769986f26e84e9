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
        retentionDays: null,
      },
    };
    expect(parseSettings(body)).toEqual({
      name: 'Demo',
      widget: { color: '#112233', position: 'left', greeting: '', offlineGreeting: 'Away', locale: 'fr' },
      businessHours: { timezone: 'Europe/Paris', weekly: { mon: [['09:00', '17:30']] }, holidays: ['2026-12-25'] },
      offlineMode: 'form',
      assignment: 'auto',
      agentCapacity: 7,
    });
  });

  it('falls back to the defaults for odd or missing fields', () => {
    const s = parseSettings({ widget: { color: 5, position: 'top' }, businessHours: { weekly: {} }, offlineMode: 'nope', agentCapacity: 2.5 });
    expect(s?.widget.color).toBe('#2563eb');
    expect(s?.widget.position).toBe('right');
    expect(s?.businessHours).toBeNull();
    expect(s?.offlineMode).toBe('chat');
    expect(s?.agentCapacity).toBe(10);
    expect(parseSettings(null)).toBeNull();
    expect(parseSettings([1])).toBeNull();
  });
});
