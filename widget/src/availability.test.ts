import { describe, expect, it } from 'vitest';
import { availabilityText, backText, emailPromptDueAt, showsContactForm, showsLauncher } from './availability';
import { pickStrings } from './i18n';

const en = pickStrings('en');
const fr = pickStrings('fr');
// Wednesday 2 December 2026, 15:00 in Paris.
const now = new Date('2026-12-02T14:00:00Z');
const paris = 'Europe/Paris';

describe('availabilityText', () => {
  it('says what each status means', () => {
    expect(availabilityText(en, { status: 'online', agentsOnline: 2, nextOpenAt: null }, false, 'en')).toBe(
      'Typically replies in a few minutes',
    );
    expect(availabilityText(en, { status: 'away', agentsOnline: 0, nextOpenAt: null }, false, 'en')).toBe(
      "We're away, leave your e-mail",
    );
    expect(availabilityText(en, { status: 'away', agentsOnline: 0, nextOpenAt: null }, true, 'en')).toBe(
      "We're away, we'll reply by e-mail",
    );
    expect(availabilityText(en, { status: 'offline', agentsOnline: 0, nextOpenAt: null }, false, 'en')).toBe("We're offline");
    expect(availabilityText(fr, { status: 'offline', agentsOnline: 0, nextOpenAt: null }, false, 'fr')).toBe('Nous sommes fermés');
    expect(availabilityText(en, null, false, 'en')).toBe('');
  });

  it('gives the opening time in the visitor’s language and time zone', () => {
    const offline = { status: 'offline' as const, agentsOnline: 0, nextOpenAt: '2026-12-02T17:00:00Z' };
    expect(availabilityText(en, offline, false, 'en-GB', now, paris)).toBe('Back at 18:00');
    expect(availabilityText(en, offline, false, 'en-US', now, paris)).toBe('Back at 6:00 PM');
    expect(availabilityText(fr, offline, false, 'fr', now, paris)).toBe('De retour à 18:00');
    // The same instant, seen from New York: still today, another hour.
    expect(availabilityText(en, offline, false, 'en-US', now, 'America/New_York')).toBe('Back at 12:00 PM');
  });

  it('names the day when it is not today', () => {
    expect(backText(en, '2026-12-03T08:00:00Z', 'en-GB', now, paris)).toBe('Back tomorrow at 9:00');
    expect(backText(fr, '2026-12-03T08:00:00Z', 'fr', now, paris)).toBe('De retour demain à 9:00');
    expect(backText(en, '2026-12-07T08:00:00Z', 'en-US', now, paris)).toBe('Back on Monday at 9:00 AM');
    expect(backText(fr, '2026-12-07T08:00:00Z', 'fr', now, paris)).toBe('De retour lundi à 9:00');
    expect(backText(en, '2026-12-28T08:00:00Z', 'en-US', now, paris)).toBe('Back on December 28 at 9:00 AM');
    expect(backText(fr, '2026-12-28T08:00:00Z', 'fr', now, paris)).toBe('De retour le 28 décembre à 9:00');
    // Midnight in Paris is another day there, though still the same UTC day.
    expect(backText(en, '2026-12-02T23:30:00Z', 'en-GB', now, paris)).toBe('Back tomorrow at 0:30');
    expect(backText(en, 'not a date', 'en', now, paris)).toBeNull();
  });
});

describe('showsLauncher', () => {
  const offline = { status: 'offline' as const, agentsOnline: 0, nextOpenAt: null };
  const away = { status: 'away' as const, agentsOnline: 0, nextOpenAt: null };

  it('waits for the config', () => {
    expect(showsLauncher({ configured: false, offlineMode: 'chat', availability: null, hasConversation: false })).toBe(false);
    expect(showsLauncher({ configured: true, offlineMode: 'chat', availability: null, hasConversation: false })).toBe(true);
  });

  it('in hide mode, hides only while offline and no conversation is going', () => {
    const hide = { configured: true, offlineMode: 'hide' as const };
    expect(showsLauncher({ ...hide, availability: offline, hasConversation: false })).toBe(false);
    expect(showsLauncher({ ...hide, availability: offline, hasConversation: true })).toBe(true);
    expect(showsLauncher({ ...hide, availability: away, hasConversation: false })).toBe(true);
    expect(showsLauncher({ configured: true, offlineMode: 'form', availability: offline, hasConversation: false })).toBe(true);
  });
});

describe('showsContactForm', () => {
  it('asks for the e-mail in form mode while nobody answers live, until it is known', () => {
    const away = { status: 'away' as const, agentsOnline: 0, nextOpenAt: null };
    const online = { status: 'online' as const, agentsOnline: 1, nextOpenAt: null };
    expect(showsContactForm('form', away, false)).toBe(true);
    expect(showsContactForm('form', { ...away, status: 'offline' }, false)).toBe(true);
    expect(showsContactForm('form', away, true)).toBe(false);
    expect(showsContactForm('form', online, false)).toBe(false);
    expect(showsContactForm('chat', away, false)).toBe(false);
    expect(showsContactForm('form', null, false)).toBe(false);
  });
});

describe('emailPromptDueAt', () => {
  const visitor = (at: number, stored = true) => ({ sender: 'visitor' as const, stored, at });
  const agent = (at: number) => ({ sender: 'agent' as const, stored: true, at });

  it('is a minute after the first message no agent answered', () => {
    expect(emailPromptDueAt([])).toBeNull();
    expect(emailPromptDueAt([visitor(1000), visitor(5000)])).toBe(61_000);
    expect(emailPromptDueAt([visitor(1000), agent(2000)])).toBeNull();
    expect(emailPromptDueAt([visitor(1000), agent(2000), visitor(9000)])).toBe(69_000);
    expect(emailPromptDueAt([{ sender: 'system', stored: true, at: 0 }, visitor(10)])).toBe(60_010);
  });

  it('does not count a message the server has not stored yet', () => {
    expect(emailPromptDueAt([visitor(1000, false)])).toBeNull();
  });
});
