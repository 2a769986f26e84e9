import { describe, expect, it } from 'vitest';
import { linkify, safeHref } from './linkify';

describe('linkify', () => {
  it('keeps plain text as one text segment', () => {
    expect(linkify('<img src=x onerror=alert(1)>')).toEqual([{ kind: 'text', text: '<img src=x onerror=alert(1)>' }]);
  });

  it('finds http and https links and leaves trailing punctuation out', () => {
    expect(linkify('see https://example.com/a?b=1, or http://x.test.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: ', or ' },
      { kind: 'link', text: 'http://x.test', href: 'http://x.test/' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('keeps a closing parenthesis that belongs to the URL', () => {
    const [link] = linkify('https://en.wikipedia.org/wiki/Foo_(bar)');
    expect(link).toMatchObject({ kind: 'link', text: 'https://en.wikipedia.org/wiki/Foo_(bar)' });
  });

  it('never links other schemes', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'vbscript:x', 'file:///etc/passwd']) {
      expect(linkify(text)).toEqual([{ kind: 'text', text }]);
    }
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('https://ok.test/')).toBe('https://ok.test/');
  });

  it('does not let quotes or angle brackets into a link', () => {
    const segments = linkify('https://a.test/"onmouseover="x <b>');
    expect(segments[0]).toMatchObject({ kind: 'link', text: 'https://a.test/' });
  });
});
