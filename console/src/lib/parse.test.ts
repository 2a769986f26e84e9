import { describe, expect, it } from 'vitest';
import { parseConversation, parseConversationPage, parseErrorBody, parseMessage, parseOnlineUsers } from './parse';

const message = {
  messageId: '01JABC',
  tenantId: 'acme',
  conversationId: 'c1',
  sessionId: 's1',
  userId: null,
  sender: 'visitor',
  senderName: null,
  text: 'hello',
  clientMessageId: 'u1',
  createdAt: '2026-11-24T10:00:00.123Z',
};

describe('parse', () => {
  it('reads a contract message and refuses incomplete ones', () => {
    expect(parseMessage(message)).toEqual({ ...message, attachments: [] });
    expect(parseMessage({ ...message, text: 5 })).toBeNull();
    expect(parseMessage({ ...message, messageId: undefined })).toBeNull();
    expect(parseMessage('x')).toBeNull();
    expect(parseMessage({ ...message, sender: 'admin' })?.sender).toBe('system');
  });

  it('reads conversations in the shapes the server may send', () => {
    const c = parseConversation({
      conversationId: 'c1',
      tenantId: 'acme',
      sessionId: 's1',
      userId: 'u-1',
      visitor: { userInfo: { name: 'Ann', email: 'ann@x.y', n: 3 } },
      status: 'closed',
      lastMessage: message,
      lastActivityAt: '2026-11-24T10:00:00.123Z',
      createdAt: '2026-11-24T09:00:00Z',
    });
    expect(c).toMatchObject({ conversationId: 'c1', userId: 'u-1', status: 'closed', visitor: { userInfo: { name: 'Ann', email: 'ann@x.y', n: '3' } } });
    expect(c?.lastMessage?.text).toBe('hello');
    const flat = parseConversation({ conversationId: 'c2', visitor: { name: 'Bo' }, lastMessage: null });
    expect(flat?.visitor.userInfo.name).toBe('Bo');
    expect(flat?.status).toBe('open');
    expect(parseConversation({ visitor: {} })).toBeNull();
  });

  it('reads a list page from an array or an object', () => {
    expect(parseConversationPage([{ conversationId: 'a' }]).conversations).toHaveLength(1);
    const page = parseConversationPage({ conversations: [{ conversationId: 'a' }, 7], nextBefore: 'n' });
    expect(page.conversations).toHaveLength(1);
    expect(page.nextBefore).toBe('n');
    expect(parseConversationPage({ items: [{ conversationId: 'b' }] }).conversations[0]?.conversationId).toBe('b');
    expect(parseConversationPage(null).conversations).toEqual([]);
  });

  it('reads online users', () => {
    const users = parseOnlineUsers({
      users: [
        { sessionId: 's1', userId: null, userInfo: { name: 'x' }, tabs: 2, connectedAt: 1767261600, lastSeenAt: null, url: 'https://a/' },
        { userId: 'no-session' },
      ],
    });
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ sessionId: 's1', tabs: 2, url: 'https://a/' });
    expect(users[0]?.connectedAt).toBe(new Date(1767261600 * 1000).toISOString());
  });

  it('reads error bodies', () => {
    expect(parseErrorBody({ error: { code: 'invalid_token', message: 'm' } })).toEqual({ code: 'invalid_token', message: 'm' });
    expect(parseErrorBody({ code: 'forbidden' })?.code).toBe('forbidden');
    expect(parseErrorBody('x')).toBeNull();
  });
});
