import { describe, expect, it } from 'vitest';
import { settings } from '../test/settings';
import { formFromSettings } from './form';
import { previewOf, readableOn } from './preview';

const form = formFromSettings(settings(), 'UTC');

describe('readableOn', () => {
  it('picks white on dark colours and near-black on light ones', () => {
    expect(readableOn('#2563eb')).toBe('#ffffff');
    expect(readableOn('#000000')).toBe('#ffffff');
    expect(readableOn('#ffeb3b')).toBe('#111827');
    expect(readableOn('#ffffff')).toBe('#111827');
  });
});

describe('previewOf', () => {
  it('greets with the greeting while an agent is online, with the offline one otherwise', () => {
    const en = { ...form, locale: 'en', greeting: 'Hello', offlineGreeting: 'Later' };
    expect(previewOf(en, 'online').bubble).toBe('Hello');
    expect(previewOf(en, 'away').bubble).toBe('Later');
    expect(previewOf(en, 'offline').statusLine).toBe("We're offline");
  });

  it('follows the colour once it is a whole #rrggbb, and the position', () => {
    expect(previewOf({ ...form, color: '#ff66' }, 'online').color).toBe('#2563eb');
    const p = previewOf({ ...form, color: '#FFEB3B', position: 'left' }, 'online');
    expect([p.color, p.onColor, p.position]).toEqual(['#FFEB3B', '#111827', 'left']);
  });

  it('applies the offline modes as the widget does', () => {
    expect(previewOf({ ...form, offlineMode: 'hide' }, 'offline').launcher).toBe(false);
    expect(previewOf({ ...form, offlineMode: 'hide' }, 'away').launcher).toBe(true);
    expect(previewOf({ ...form, offlineMode: 'form' }, 'away').contactForm).toBe(true);
    expect(previewOf({ ...form, offlineMode: 'form' }, 'online').contactForm).toBe(false);
    expect(previewOf({ ...form, offlineMode: 'chat' }, 'offline').contactForm).toBe(false);
  });

  it('uses the tenant texts in the language the widget speaks, else its own words', () => {
    const fr = previewOf({ ...form, locale: 'fr-CA', greeting: 'Salut !' }, 'online', ['en-US']);
    expect([fr.words.title, fr.bubble, fr.lang, fr.ownWordsBecause]).toEqual(['Discutons', 'Salut !', 'fr', null]);
    const de = previewOf({ ...form, locale: 'de', greeting: 'Hallo!' }, 'online', ['fr-FR']);
    expect([de.words.title, de.bubble, de.ownWordsBecause]).toEqual(['Discutons', 'Bonjour\u00a0! Comment pouvons-nous vous aider\u00a0?', 'untranslated']);
  });

  it('speaks the visitor language, with its own greeting, while no language is set', () => {
    const p = previewOf({ ...form, greeting: 'Typed but no language' }, 'online', ['fr']);
    expect([p.lang, p.bubble, p.ownWordsBecause]).toEqual(['fr', 'Bonjour\u00a0! Comment pouvons-nous vous aider\u00a0?', 'no-language']);
  });

  it('shows the widget greeting for an unset text, none for an empty one', () => {
    const en = { ...form, locale: 'en' };
    expect(previewOf(en, 'online', []).bubble).toBe('Hi! How can we help you today?');
    expect(previewOf({ ...en, unset: { ...en.unset, greeting: false } }, 'online', []).bubble).toBe('');
  });
});
