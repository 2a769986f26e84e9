import { describe, expect, it } from 'vitest';
import { neighbour, shortcutFor } from './shortcuts';

const key = (k: string, mods: Partial<{ altKey: boolean; ctrlKey: boolean; metaKey: boolean }> = {}) => ({
  key: k,
  altKey: false,
  ctrlKey: false,
  metaKey: false,
  ...mods,
});

describe('shortcuts', () => {
  it('maps single keys outside text fields only', () => {
    expect(shortcutFor(key('j'), false)).toBe('next');
    expect(shortcutFor(key('?'), false)).toBe('help');
    expect(shortcutFor(key('j'), true)).toBeNull();
    expect(shortcutFor(key('c', { ctrlKey: true }), false)).toBeNull();
    expect(shortcutFor(key('x'), false)).toBeNull();
  });

  it('Alt+arrows move between conversations even from the reply box', () => {
    expect(shortcutFor(key('ArrowDown', { altKey: true }), true)).toBe('next');
    expect(shortcutFor(key('ArrowUp', { altKey: true }), true)).toBe('previous');
    expect(shortcutFor(key('a', { altKey: true }), false)).toBeNull();
  });

  it('finds the next and previous conversation', () => {
    expect(neighbour(['a', 'b', 'c'], 'b', 1)).toBe('c');
    expect(neighbour(['a', 'b', 'c'], 'b', -1)).toBe('a');
    expect(neighbour(['a', 'b', 'c'], 'c', 1)).toBeNull();
    expect(neighbour(['a', 'b', 'c'], null, 1)).toBe('a');
    expect(neighbour(['a', 'b', 'c'], 'gone', -1)).toBe('c');
    expect(neighbour([], null, 1)).toBeNull();
  });
});
