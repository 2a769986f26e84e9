import { describe, expect, it } from 'vitest';
import { compareMessages, isCoveredBy, newerId } from './ordering';

describe('message ordering', () => {
  it('orders by messageId, whatever the clocks said', () => {
    const ids = ['01JB0000000000000000000003', '01JB0000000000000000000001', '01JB0000000000000000000002'];
    const sorted = ids.map((messageId) => ({ messageId })).sort(compareMessages);
    expect(sorted.map((m) => m.messageId.slice(-1))).toEqual(['1', '2', '3']);
  });

  it('keeps the newer id, treating null as nothing', () => {
    expect(newerId(null, 'b')).toBe('b');
    expect(newerId('b', null)).toBe('b');
    expect(newerId('a', 'b')).toBe('b');
    expect(newerId('c', 'b')).toBe('c');
  });

  it('a read mark covers its own message and everything before it', () => {
    expect(isCoveredBy('01JB2', '01JB2')).toBe(true);
    expect(isCoveredBy('01JB1', '01JB2')).toBe(true);
    expect(isCoveredBy('01JB3', '01JB2')).toBe(false);
    expect(isCoveredBy('01JB1', null)).toBe(false);
  });
});
