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
    expect(previewOf(form, 'online').bubble).toBe(form.greeting);
    expect(previewOf(form, 'away').bubble).toBe(form.offlineGreeting);
    expect(previewOf(form, 'offline').statusLine).toBe("We're offline");
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

  it('uses the widget words of the locale, and its own greetings for a language it lacks', () => {
    const fr = previewOf({ ...form, locale: 'fr-CA', greeting: 'Salut !' }, 'online');
    expect([fr.words.title, fr.bubble, fr.translated]).toEqual(['Discutons', 'Salut !', true]);
    const de = previewOf({ ...form, locale: 'de', greeting: 'Hallo!' }, 'online');
    expect([de.words.title, de.bubble, de.translated]).toEqual(['Chat with us', 'Hi! How can we help you today?', false]);
  });
});
