import { describe, expect, it } from 'vitest';
import { resolveLooks } from './looks';

const server = {
  color: '#0f766e',
  position: 'left' as const,
  greeting: 'Bonjour, une question ?',
  offlineGreeting: 'Nous revenons vite.',
  locale: 'fr',
};

describe('resolveLooks', () => {
  it('takes the tenant’s settings when the page sets nothing', () => {
    const looks = resolveLooks({}, server, ['en-US']);
    expect(looks.strings.lang).toBe('fr');
    expect(looks.formatLocale).toBe('fr');
    expect(looks.color).toBe('#0f766e');
    expect(looks.position).toBe('left');
    expect(looks.greeting).toBe('Bonjour, une question ?');
    expect(looks.offlineGreeting).toBe('Nous revenons vite.');
    expect(looks.title).toBe('Discutons');
  });

  it('shows a tenant’s greeting as written when it named no language', () => {
    const looks = resolveLooks({}, { ...server, locale: null, offlineGreeting: null }, ['de-DE']);
    expect(looks.greeting).toBe('Bonjour, une question ?');
    expect(looks.offlineGreeting).toBe("We're away right now. Leave a message and we'll reply by e-mail.");
  });

  it('lets the page’s options (data-* or init) win', () => {
    const looks = resolveLooks(
      { color: '#ff0066', position: 'right', greeting: '', offlineGreeting: 'Back soon', locale: 'fr', title: 'Aide' },
      server,
      [],
    );
    expect(looks).toMatchObject({ color: '#ff0066', position: 'right', greeting: '', offlineGreeting: 'Back soon', title: 'Aide' });
  });

  it('uses its own translations when the page asks for another language than the tenant’s', () => {
    const looks = resolveLooks({ locale: 'en' }, server, ['fr-FR']);
    expect(looks.strings.lang).toBe('en');
    expect(looks.greeting).toBe('Hi! How can we help you today?');
    expect(looks.offlineGreeting).toBe("We're away right now. Leave a message and we'll reply by e-mail.");
    expect(looks.color).toBe('#0f766e'); // looks are not language
  });

  it('falls back to the browser’s language and the defaults without a config', () => {
    const looks = resolveLooks({}, null, ['fr-CA', 'en']);
    expect(looks.strings.lang).toBe('fr');
    expect(looks.formatLocale).toBe('fr-CA');
    expect(looks.color).toBeNull();
    expect(looks.position).toBe('right');
    expect(looks.greeting).toBe(looks.strings.greeting);
  });

  it('formats times in the visitor’s variant of the language', () => {
    expect(resolveLooks({}, { ...server, locale: 'en' }, ['en-GB']).formatLocale).toBe('en-GB');
    expect(resolveLooks({}, { ...server, locale: 'en' }, ['de-DE']).formatLocale).toBe('en');
  });
});
