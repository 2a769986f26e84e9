import { describe, expect, it } from 'vitest';
import type { Conversation, Message, OnlineUser, UserInfo } from '../lib/types';
import {
  initialState,
  isTyping,
  lastStoredMessageId,
  matchesSearch,
  mergeMessages,
  onlineList,
  pendingId,
  reducer,
  totalUnread,
  visibleConversations,
  type Action,
  type State,
} from '.';

let seq = 0;
function msg(over: Partial<Message> = {}): Message {
  seq += 1;
  return {
    messageId: `01J${String(seq).padStart(10, '0')}`,
    tenantId: 'acme',
    conversationId: 'c1',
    sessionId: 's1',
    userId: null,
    sender: 'visitor',
    senderName: null,
    text: `hello ${seq}`,
    clientMessageId: null,
    createdAt: new Date(Date.UTC(2026, 0, 1, 10, 0, seq)).toISOString(),
    ...over,
  };
}

function conv(over: Partial<Conversation> & { userInfo?: UserInfo } = {}): Conversation {
  const { userInfo = {}, ...rest } = over;
  return {
    conversationId: 'c1',
    tenantId: 'acme',
    sessionId: 's1',
    userId: null,
    visitor: { userId: null, userInfo, email: null, name: null },
    status: 'open',
    assigneeId: null,
    labels: [],
    snoozedUntil: null,
    visitorLastReadId: null,
    agentLastReadId: null,
    unreadCount: null,
    lastMessage: null,
    lastActivityAt: '2026-01-01T09:00:00.000Z',
    createdAt: '2026-01-01T09:00:00.000Z',
    ...rest,
  };
}

function user(over: Partial<OnlineUser> = {}): OnlineUser {
  return {
    sessionId: 's1',
    userId: null,
    userInfo: {},
    tabs: 1,
    connectedAt: '2026-01-01T09:00:00.000Z',
    lastSeenAt: null,
    url: null,
    ...over,
  };
}

function run(...actions: Action[]): State {
  return actions.reduce(reducer, initialState);
}

describe('messages', () => {
  it('drops a message seen twice (admin room and conversation room)', () => {
    const m = msg();
    const s = run(
      { type: 'conversations_loaded', conversations: [conv()], nextBefore: null, append: false },
      { type: 'history_loaded', conversationId: 'c1', messages: [], nextBefore: null, older: false },
      { type: 'message_received', message: m },
      { type: 'message_received', message: { ...m } },
    );
    expect(s.threads.c1?.messages.map((x) => x.messageId)).toEqual([m.messageId]);
    expect(s.unread.c1).toBe(1);
  });

  it('keeps history oldest first when pages and live messages interleave', () => {
    const [a, b, c, d] = [msg(), msg(), msg(), msg()];
    const s = run(
      { type: 'conversations_loaded', conversations: [conv()], nextBefore: null, append: false },
      { type: 'history_loaded', conversationId: 'c1', messages: [c!, d!], nextBefore: 'x', older: false },
      { type: 'message_received', message: d! },
      { type: 'history_loaded', conversationId: 'c1', messages: [a!, b!], nextBefore: null, older: true },
    );
    expect(s.threads.c1?.messages.map((x) => x.text)).toEqual([a, b, c, d].map((x) => x!.text));
    expect(s.threads.c1?.nextBefore).toBeNull();
  });

  it('a live message does not move where older pages start', () => {
    const s = run(
      { type: 'conversations_loaded', conversations: [conv()], nextBefore: null, append: false },
      { type: 'history_loaded', conversationId: 'c1', messages: [msg()], nextBefore: 'cursor-1', older: false },
      { type: 'history_loaded', conversationId: 'c1', messages: [msg()], nextBefore: null, older: false },
    );
    expect(s.threads.c1?.nextBefore).toBe('cursor-1');
  });

  it('replaces the pending entry by the stored message (ack or echo, whichever first)', () => {
    const cmid = '6c1d8a1e-0000-4000-8000-000000000001';
    const stored = msg({ sender: 'agent', clientMessageId: cmid, text: 'hi there' });
    const pending = { ...stored, messageId: pendingId(cmid) };
    for (const order of [
      ['echo', 'ack'],
      ['ack', 'echo'],
    ]) {
      const actions: Action[] = [
        { type: 'conversations_loaded', conversations: [conv()], nextBefore: null, append: false },
        { type: 'history_loaded', conversationId: 'c1', messages: [], nextBefore: null, older: false },
        { type: 'message_pending', message: pending },
      ];
      for (const step of order) {
        actions.push(
          step === 'ack'
            ? { type: 'message_acked', conversationId: 'c1', clientMessageId: cmid, message: stored }
            : { type: 'message_received', message: stored },
        );
      }
      const s = run(...actions);
      expect(s.threads.c1?.messages).toHaveLength(1);
      expect(s.threads.c1?.messages[0]?.delivery).toBe('sent');
      expect(s.threads.c1?.messages[0]?.messageId).toBe(stored.messageId);
    }
  });

  it('marks a pending message failed and sending again on retry', () => {
    const cmid = 'c-1';
    const pending = msg({ sender: 'agent', clientMessageId: cmid, messageId: pendingId(cmid) });
    let s = run(
      { type: 'message_pending', message: pending },
      { type: 'message_failed', conversationId: 'c1', clientMessageId: cmid },
    );
    expect(s.threads.c1?.messages[0]?.delivery).toBe('failed');
    s = reducer(s, { type: 'message_retry', conversationId: 'c1', clientMessageId: cmid });
    expect(s.threads.c1?.messages[0]?.delivery).toBe('sending');
    expect(lastStoredMessageId(s.threads.c1)).toBeNull();
  });

  it('mergeMessages keeps unacknowledged messages last', () => {
    const p = { ...msg({ sender: 'agent', clientMessageId: 'x' }), messageId: pendingId('x'), delivery: 'sending' as const };
    const later = msg();
    const merged = mergeMessages([p], [later]);
    expect(merged.map((m) => m.messageId)).toEqual([later.messageId, p.messageId]);
  });

  it('creates a conversation for a message of an unknown one', () => {
    const m = msg({ conversationId: 'new', sessionId: 'abcdef1234', senderName: 'Ann' });
    const s = run({ type: 'message_received', message: m });
    expect(s.conversations.new?.lastMessage?.messageId).toBe(m.messageId);
    expect(s.conversations.new?.visitor.userInfo.name).toBe('Ann');
    expect(s.unread.new).toBe(1);
  });
});

describe('status', () => {
  it('a visitor writing again reopens a closed conversation; an agent reply does not', () => {
    let s = run({ type: 'conversations_loaded', conversations: [conv({ status: 'closed' })], nextBefore: null, append: false });
    s = reducer(s, { type: 'message_received', message: msg({ sender: 'agent' }) });
    expect(s.conversations.c1?.status).toBe('closed');
    s = reducer(s, { type: 'message_received', message: msg() });
    expect(s.conversations.c1?.status).toBe('open');
  });
});

describe('unread', () => {
  it('counts visitor messages only for conversations not open', () => {
    const s = run(
      { type: 'conversations_loaded', conversations: [conv(), conv({ conversationId: 'c2', sessionId: 's2' })], nextBefore: null, append: false },
      { type: 'open_conversation', conversationId: 'c2' },
      { type: 'message_received', message: msg() },
      { type: 'message_received', message: msg() },
      { type: 'message_received', message: msg({ sender: 'agent', senderName: 'Bob' }) },
      { type: 'message_received', message: msg({ conversationId: 'c2', sessionId: 's2' }) },
    );
    expect(s.unread).toEqual({ c1: 2 });
    expect(totalUnread(s)).toBe(2);
    const opened = reducer(s, { type: 'open_conversation', conversationId: 'c1' });
    expect(opened.unread.c1).toBeUndefined();
  });

  it('does not count a replayed older message or the current last message again', () => {
    const last = msg();
    // Older by messageId (the ordering rule), whatever its clock says.
    const old = { ...msg(), messageId: '01I0000000000', createdAt: '2027-01-01T00:00:00.000Z' };
    const s = run(
      { type: 'conversations_loaded', conversations: [conv({ lastMessage: last, lastActivityAt: last.createdAt })], nextBefore: null, append: false },
      { type: 'message_received', message: last },
      { type: 'message_received', message: old },
    );
    expect(s.unread.c1).toBeUndefined();
    expect(s.conversations.c1?.lastMessage?.messageId).toBe(last.messageId);
  });

  it('a reloaded list with a newer visitor message counts as unread', () => {
    const first = msg();
    const missed = msg();
    const s = run(
      { type: 'conversations_loaded', conversations: [conv({ lastMessage: first })], nextBefore: null, append: false },
      { type: 'conversations_loaded', conversations: [conv({ lastMessage: missed, lastActivityAt: missed.createdAt })], nextBefore: null, append: false },
    );
    expect(s.unread.c1).toBe(1);
    expect(s.conversations.c1?.lastMessage?.messageId).toBe(missed.messageId);
  });

  it('a list page older than live data does not roll the last message back', () => {
    const live = msg();
    const stale = conv({ lastMessage: null, lastActivityAt: '2026-01-01T09:00:00.000Z', userInfo: { name: 'Ann' } });
    const s = run(
      { type: 'message_received', message: live },
      { type: 'conversations_loaded', conversations: [stale], nextBefore: null, append: false },
    );
    expect(s.conversations.c1?.lastMessage?.messageId).toBe(live.messageId);
    expect(s.conversations.c1?.lastActivityAt).toBe(live.createdAt);
    expect(s.conversations.c1?.visitor.userInfo.name).toBe('Ann');
  });
});

describe('presence', () => {
  it('replaces the list, then follows online/offline events', () => {
    let s = run({ type: 'presence_list', users: [user(), user({ sessionId: 's2' })] });
    expect(onlineList(s).map((u) => u.sessionId)).toEqual(['s1', 's2']);
    s = reducer(s, { type: 'user_online', user: user({ sessionId: 's3', tabs: 2, connectedAt: '2026-01-01T08:00:00.000Z' }) });
    s = reducer(s, { type: 'user_online', user: user({ sessionId: 's1', tabs: 3 }) });
    s = reducer(s, { type: 'user_offline', sessionId: 's2' });
    expect(onlineList(s).map((u) => [u.sessionId, u.tabs])).toEqual([
      ['s3', 2],
      ['s1', 3],
    ]);
    s = reducer(s, { type: 'presence_list', users: [] });
    expect(onlineList(s)).toEqual([]);
  });

  it('offline for an unknown session changes nothing', () => {
    const s = run({ type: 'presence_list', users: [user()] });
    expect(reducer(s, { type: 'user_offline', sessionId: 'zzz' })).toBe(s);
  });
});

describe('typing', () => {
  it('maps a session to its conversation and expires', () => {
    let s = run(
      { type: 'conversations_loaded', conversations: [conv()], nextBefore: null, append: false },
      { type: 'typing', conversationId: null, sessionId: 's1', isTyping: true, now: 1000 },
    );
    const c = s.conversations.c1!;
    expect(isTyping(s, c, 2000)).toBe(true);
    expect(isTyping(s, c, 1000 + 60000)).toBe(false);
    s = reducer(s, { type: 'typing_expired', now: 1000 + 60000 });
    expect(s.typing).toEqual({});
  });

  it('stops when the visitor sends', () => {
    const s = run(
      { type: 'conversations_loaded', conversations: [conv()], nextBefore: null, append: false },
      { type: 'typing', conversationId: 'c1', sessionId: 's1', isTyping: true, now: Date.now() },
      { type: 'message_received', message: msg() },
    );
    expect(isTyping(s, s.conversations.c1!, Date.now())).toBe(false);
  });
});

describe('search and list', () => {
  const a = conv({ conversationId: 'a', userInfo: { name: 'Ann Lee', email: 'ann@example.com' }, lastActivityAt: '2026-01-01T10:00:00Z' });
  const b = conv({
    conversationId: 'b',
    sessionId: '9f3e2d1c-aaaa-4bbb-8ccc-123456789012',
    lastMessage: msg({ conversationId: 'b', text: 'Where is my ORDER?' }),
    lastActivityAt: '2026-01-01T11:00:00Z',
  });
  const closed = conv({ conversationId: 'z', status: 'closed', lastActivityAt: '2026-01-01T12:00:00Z' });
  const s = run({ type: 'conversations_loaded', conversations: [a, b, closed], nextBefore: null, append: false });

  it('filters by name, e-mail, message text and short id, case-insensitively', () => {
    expect(matchesSearch(a, undefined, 'ann')).toBe(true);
    expect(matchesSearch(a, undefined, 'EXAMPLE.COM')).toBe(true);
    expect(matchesSearch(b, undefined, 'order')).toBe(true);
    expect(matchesSearch(b, undefined, 'visitor #9f3e')).toBe(true);
    expect(matchesSearch(a, undefined, 'order')).toBe(false);
    expect(matchesSearch(a, undefined, '   ')).toBe(true);
  });

  it('searches loaded history too', () => {
    const t = run(
      { type: 'conversations_loaded', conversations: [a], nextBefore: null, append: false },
      { type: 'history_loaded', conversationId: 'a', messages: [msg({ conversationId: 'a', text: 'refund please' })], nextBefore: null, older: false },
    );
    expect(visibleConversations(t, { ...t.filter, status: 'open', search: 'refund' }).map((c) => c.conversationId)).toEqual(['a']);
  });

  it('lists the chosen status, newest activity first', () => {
    expect(visibleConversations(s, { ...s.filter, status: 'open', search: '' }).map((c) => c.conversationId)).toEqual(['b', 'a']);
    expect(visibleConversations(s, { ...s.filter, status: 'closed', search: '' }).map((c) => c.conversationId)).toEqual(['z']);
    const reopened = reducer(s, { type: 'status_changed', conversationId: 'z', status: 'open' });
    expect(visibleConversations(reopened, { ...reopened.filter, status: 'open', search: '' }).map((c) => c.conversationId)).toEqual(['z', 'b', 'a']);
  });

  it('keeps what the server matched in older history', () => {
    const t = run({ type: 'conversations_loaded', conversations: [a], nextBefore: null, append: false, query: 'invoice' });
    expect(matchesSearch(a, undefined, 'invoice')).toBe(false);
    expect(visibleConversations(t, { ...t.filter, status: 'open', search: 'invoice' }).map((c) => c.conversationId)).toEqual(['a']);
    expect(visibleConversations(t, { ...t.filter, status: 'open', search: 'other' }).map((c) => c.conversationId)).toEqual([]);
    const cleared = reducer(t, { type: 'conversations_loaded', conversations: [a], nextBefore: null, append: false });
    expect(cleared.searchHits).toEqual({});
  });

  it('a new message moves a conversation to the top', () => {
    const t = reducer(s, { type: 'message_received', message: msg({ conversationId: 'a', createdAt: '2026-01-01T13:00:00Z' }) });
    expect(visibleConversations(t, { ...t.filter, status: 'open', search: '' }).map((c) => c.conversationId)).toEqual(['a', 'b']);
  });
});

describe('agents', () => {
  it('tracks agents online', () => {
    let s = run({ type: 'agents_list', agents: [{ agentId: 'x', name: 'X' }] });
    s = reducer(s, { type: 'agent_online', agent: { agentId: 'y', name: 'Y' } });
    s = reducer(s, { type: 'agent_offline', agentId: 'x' });
    expect(Object.keys(s.agents)).toEqual(['y']);
  });
});
