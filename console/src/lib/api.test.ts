import { describe, expect, it } from 'vitest';
import { conversationUrl, conversationsUrl, messagesUrl } from './api';

describe('endpoint builders', () => {
  it('builds the list URL', () => {
    expect(conversationsUrl({ status: 'open' })).toBe('/api/conversations?status=open&limit=50');
    expect(conversationsUrl({ status: 'closed', before: 'x y', q: '  ann ' })).toBe(
      '/api/conversations?status=closed&limit=50&before=x+y&q=ann',
    );
  });
  it('asks for a queue and a label', () => {
    expect(conversationsUrl({ status: 'pending', view: 'mine', label: 'vip' })).toBe(
      '/api/conversations?status=pending&assigneeId=me&label=vip&limit=50',
    );
    expect(conversationsUrl({ status: 'open', view: 'unassigned' })).toBe('/api/conversations?status=open&assigneeId=none&limit=50');
  });
  it('builds the history URL', () => {
    expect(messagesUrl({ conversationId: 'c/1' }, null)).toBe('/api/chat/messages?conversationId=c%2F1&limit=50');
    expect(messagesUrl({ conversationId: 'c1' }, '01J', 20)).toBe('/api/chat/messages?conversationId=c1&limit=20&before=01J');
  });
  it('escapes the conversation id in a path', () => {
    expect(conversationUrl('../x?y')).toBe('/api/conversations/..%2Fx%3Fy');
  });
});
