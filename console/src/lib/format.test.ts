import { describe, expect, it } from 'vitest';
import { duration, preview, safeHttpUrl, visitorEmail, visitorName } from './format';

describe('visitorName', () => {
  it('uses userInfo.name, verbatim', () => {
    expect(visitorName({ name: '<script>alert(1)</script>' }, 's')).toBe('<script>alert(1)</script>');
    expect(visitorName({ name: '  Ann  ' }, 's')).toBe('Ann');
  });
  it('falls back to Visitor # and the first 8 chars of the session', () => {
    expect(visitorName({}, '9f3e2d1c-aaaa-4bbb-8ccc-123456789012')).toBe('Visitor #9f3e2d1c');
    expect(visitorName({ name: '   ' }, 'abcdefghijk')).toBe('Visitor #abcdefgh');
    expect(visitorName(null, null, 'user-42')).toBe('User user-42');
    expect(visitorName(undefined, null)).toBe('Visitor');
  });
  it('reads the e-mail', () => {
    expect(visitorEmail({ email: 'a@b.c' })).toBe('a@b.c');
    expect(visitorEmail({})).toBeNull();
  });
});

describe('safeHttpUrl', () => {
  it('allows only absolute http(s) URLs', () => {
    expect(safeHttpUrl('https://shop.example/cart?x=1')).toBe('https://shop.example/cart?x=1');
    expect(safeHttpUrl('http://localhost:8000/demo')).toBe('http://localhost:8000/demo');
    expect(safeHttpUrl('javascript:alert(1)')).toBeNull();
    expect(safeHttpUrl('JaVaScRiPt:alert(1)')).toBeNull();
    expect(safeHttpUrl(' javascript:alert(1)')).toBeNull();
    expect(safeHttpUrl('data:text/html,<script>alert(1)</script>')).toBeNull();
    expect(safeHttpUrl('/relative')).toBeNull();
    expect(safeHttpUrl('https://user:pw@evil.example/')).toBeNull();
    expect(safeHttpUrl(null)).toBeNull();
  });
});

describe('duration', () => {
  const t0 = Date.parse('2026-01-01T10:00:00Z');
  it('formats time on site', () => {
    expect(duration('2026-01-01T10:00:00Z', t0 + 45_000)).toBe('45 s');
    expect(duration('2026-01-01T10:00:00Z', t0 + 12 * 60_000)).toBe('12 min');
    expect(duration('2026-01-01T10:00:00Z', t0 + 125 * 60_000)).toBe('2 h 5 min');
    expect(duration('2026-01-01T10:00:00Z', t0 + 120 * 60_000)).toBe('2 h');
    expect(duration('2026-01-01T10:00:00Z', t0 + 50 * 3600_000)).toBe('2 d');
    expect(duration('2026-01-01T10:00:00Z', t0 - 5000)).toBe('0 s');
    expect(duration(null, t0)).toBe('–');
    expect(duration('nope', t0)).toBe('–');
  });
});

describe('preview', () => {
  it('folds whitespace and truncates', () => {
    expect(preview('a\n\n b  c')).toBe('a b c');
    expect(preview('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
