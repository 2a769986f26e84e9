import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket, memoryStorage, message } from '../test/fakes';
import { ChatAPI, ChatError, type ChatMessage } from './api';
import { SessionManager } from './session';
import { ChatWebSocket, newerId } from './ws';

/** `storedOverHttp`: HTTP sends get through, answered with this message and a token. */
function setup(options: { sendMessage?: ChatAPI['sendMessage']; storedOverHttp?: ChatMessage } = {}) {
  const sockets: FakeSocket[] = [];
  const session = new SessionManager(memoryStorage());
  const api = new ChatAPI({ serverUrl: 'https://chat.test', apiKey: 'pk_x', fetch: vi.fn() });
  const stored = options.storedOverHttp;
  const answered: ChatAPI['sendMessage'] | undefined = stored
    ? async () => ({
        message: stored,
        session: { sessionId: session.sessionId, conversationId: 'c', token: 'jwt', expiresAt: '2999-01-01T00:00:00Z' },
      })
    : undefined;
  const sendMessage = vi.fn(
    options.sendMessage ??
      answered ??
      (async () => {
        throw new ChatError('network_error', 'offline');
      }),
  );
  api.sendMessage = sendMessage;
  const ws = new ChatWebSocket({
    serverUrl: 'https://chat.test',
    apiKey: 'pk_x',
    session,
    api,
    pageUrl: 'https://shop.test/a',
    ackTimeoutMs: 1000,
    sendDeadlineMs: 30_000,
    socketFactory: (_url, socketOptions) => {
      const socket = new FakeSocket(socketOptions);
      sockets.push(socket);
      return socket;
    },
  });
  const received: ChatMessage[] = [];
  ws.on('message', (m) => received.push(m));
  ws.connect();
  return { ws, session, sendMessage, sockets, socket: sockets[0]!, received };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('handshake', () => {
  it('carries the key, the session, the page URL and no lastMessageId at first', () => {
    const { socket, session } = setup();
    socket.accept();
    expect(socket.handshakes[0]).toEqual({
      apiKey: 'pk_x',
      sessionId: session.sessionId,
      fingerprint: session.fingerprint,
      url: 'https://shop.test/a',
    });
  });

  it('carries the identity and token when known', () => {
    const { socket, session } = setup();
    session.identify({ userId: 'u1', userInfo: { name: 'Ada' }, userHash: 'beef' });
    session.setServerSession({
      sessionId: session.sessionId,
      conversationId: 'c',
      token: 'jwt',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    socket.accept();
    expect(socket.handshakes[0]).toMatchObject({ userId: 'u1', userInfo: { name: 'Ada' }, userHash: 'beef', token: 'jwt' });
  });

  it('reads the newest messageId and the current URL at every reconnection', () => {
    const { ws, socket } = setup();
    socket.accept();
    const older = message();
    const newer = message();
    socket.fire('meta_message_created', newer);
    socket.fire('meta_message_created', older);
    ws.setPageUrl('https://shop.test/checkout');
    socket.drop();
    socket.accept();
    expect(socket.handshakes[1]).toMatchObject({ lastMessageId: newer.messageId, url: 'https://shop.test/checkout' });
  });

  it('asks for missed messages with sync after a reconnection, and shows each once', () => {
    const { socket, received } = setup();
    socket.accept();
    const first = message();
    socket.fire('meta_message_created', first);
    socket.drop();
    socket.accept();
    const [sync] = socket.sent('sync');
    expect(sync!.payload).toMatchObject({ after: first.messageId });
    const missed = message();
    socket.fire('meta_message_created', missed); // the server's own replay
    sync!.ack!({ ok: true, messages: [first, missed] });
    expect(received.map((m) => m.messageId)).toEqual([first.messageId, missed.messageId]);
  });

  it('does not replay from a message acknowledged over HTTP while the socket was down', async () => {
    const { ws, socket, sendMessage } = setup();
    socket.accept();
    const seen = message();
    socket.fire('meta_message_created', seen);
    socket.drop();
    const missed = message(); // an agent reply the visitor has not received
    const mine = message({ sender: 'visitor', clientMessageId: 'cid-9' }); // stored after it
    sendMessage.mockResolvedValueOnce({ message: mine, session: undefined as never });
    await ws.send('hi', 'cid-9');
    socket.accept();
    expect(socket.handshakes[1]!.lastMessageId).toBe(seen.messageId);
    expect(socket.sent('sync')[0]!.payload.after).toBe(seen.messageId);
    expect(missed.messageId < mine.messageId).toBe(true);
  });

  it('syncs when the server asks, from the newest message seen', async () => {
    const { ws, socket, received } = setup();
    const resyncs: unknown[] = [];
    ws.on('resync', () => resyncs.push(true));
    socket.accept();
    const seen = message();
    socket.fire('meta_message_created', seen);
    socket.fire('sync', { reason: 'missed_events' });
    const [sync] = socket.sent('sync');
    expect(sync!.payload).toMatchObject({ after: seen.messageId });
    const missed = message();
    sync!.ack!({ ok: true, messages: [missed] });
    await vi.waitFor(() => expect(received.map((m) => m.messageId)).toEqual([seen.messageId, missed.messageId]));
    expect(resyncs).toHaveLength(0);
  });

  it('syncs from where the gap began when that is older than the newest message', async () => {
    const { socket, received } = setup();
    socket.accept();
    const older = message(); // taken by another node during the gap
    const newest = message(); // this tab's own node kept delivering
    socket.fire('meta_message_created', newest);
    socket.fire('sync', { reason: 'missed_events', after: '01J00000000000000000000000' });
    const [sync] = socket.sent('sync');
    expect(sync!.payload).toMatchObject({ after: '01J00000000000000000000000' });
    sync!.ack!({ ok: true, messages: [older, newest] });
    await vi.waitFor(() => expect(received.map((m) => m.messageId).sort()).toEqual([older.messageId, newest.messageId].sort()));
    expect(received).toHaveLength(2);
  });

  it('asks for the history when the server asks to sync before any message', () => {
    const { ws, socket } = setup();
    const resyncs: unknown[] = [];
    ws.on('resync', () => resyncs.push(true));
    socket.accept();
    socket.fire('sync', { reason: 'missed_events' });
    expect(socket.sent('sync')).toHaveLength(0);
    expect(resyncs).toHaveLength(1);
  });

  it('does not sync on the first connection', () => {
    const { socket } = setup();
    socket.accept();
    expect(socket.sent('sync')).toHaveLength(0);
  });

  it('stays down after a refusal that cannot succeed, and says why', async () => {
    const { ws, socket } = setup();
    const errors: string[] = [];
    ws.on('error', (e) => errors.push(e.code));
    const connect = vi.spyOn(socket, 'connect');
    socket.refuse('forbidden_origin');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(errors).toEqual(['forbidden_origin']);
    expect(connect).not.toHaveBeenCalled();
    expect(ws.status).toBe('offline');
  });

  it('drops an expired token and tries again without it', async () => {
    const { socket, session } = setup();
    session.setServerSession({
      sessionId: session.sessionId,
      conversationId: 'c',
      token: 'stale',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    const connect = vi.spyOn(socket, 'connect');
    socket.refuse('invalid_token');
    expect(session.token).toBeNull();
    await vi.advanceTimersByTimeAsync(1000);
    expect(connect).toHaveBeenCalledOnce();
  });
});

describe('dedupe', () => {
  it('shows a message once however many times it arrives', () => {
    const { socket, received } = setup();
    socket.accept();
    const m = message();
    socket.fire('meta_message_created', m);
    socket.fire('meta_message_created', { ...m });
    expect(received).toHaveLength(1);
  });

  it('skips messages already loaded from history and ignores malformed payloads', () => {
    const { ws, socket, received } = setup();
    const old = message();
    ws.note([old]);
    socket.accept();
    socket.fire('meta_message_created', old);
    socket.fire('meta_message_created', { text: 'no id' });
    expect(received).toHaveLength(0);
    expect(ws.lastMessageId).toBe(old.messageId);
  });

  it('compares ids by time order', () => {
    expect(newerId(null, '01B')).toBe('01B');
    expect(newerId('01B', '01A')).toBe('01B');
    expect(newerId('01B', '01C')).toBe('01C');
  });
});

describe('send', () => {
  it('emits the message with its clientMessageId and resolves with the ack', async () => {
    const { ws, socket, session, received } = setup();
    socket.accept();
    const pending = ws.send('hi', 'cid-1');
    const [emit] = socket.sent('message');
    expect(emit!.payload).toEqual({
      sessionId: session.sessionId,
      fingerprint: session.fingerprint,
      text: 'hi',
      clientMessageId: 'cid-1',
    });
    const stored = message({ sender: 'visitor', text: 'hi', clientMessageId: 'cid-1' });
    socket.fire('meta_message_created', stored); // the room broadcast can beat the ack
    emit!.ack!({ ok: true, message: stored });
    await expect(pending).resolves.toEqual(stored);
    expect(received).toHaveLength(1);
  });

  it('retries a lost ack with the same clientMessageId, over HTTP first, then the socket again', async () => {
    const { ws, socket, sendMessage, received } = setup();
    socket.accept();
    const pending = ws.send('hi', 'cid-7');
    await vi.advanceTimersByTimeAsync(1000); // the ack never comes
    await vi.advanceTimersByTimeAsync(500); // pause, then HTTP (fails: offline)
    expect(sendMessage).toHaveBeenCalledTimes(1);
    expect(sendMessage.mock.calls[0]![0]).toMatchObject({ text: 'hi', clientMessageId: 'cid-7' });
    socket.drop();
    socket.accept(); // coming back wakes the pending retry
    await vi.advanceTimersByTimeAsync(0);
    const emits = socket.sent('message');
    expect(emits).toHaveLength(2);
    expect(emits.map((e) => e.payload.clientMessageId)).toEqual(['cid-7', 'cid-7']);
    const stored = message({ sender: 'visitor', text: 'hi', clientMessageId: 'cid-7' });
    emits[0]!.ack!({ ok: true, message: stored }); // the late first ack is ignored
    emits[1]!.ack!({ ok: true, message: stored });
    await expect(pending).resolves.toEqual(stored);
    expect(received).toHaveLength(1);
  });

  it('falls back to HTTP while the socket is down', async () => {
    const stored = message({ sender: 'visitor', clientMessageId: 'cid-2' });
    const { ws, session, sendMessage } = setup({ storedOverHttp: stored });
    await expect(ws.send('hi', 'cid-2')).resolves.toEqual(stored);
    expect(sendMessage).toHaveBeenCalledOnce();
    expect(sendMessage.mock.calls[0]![0]).toMatchObject({ sessionId: session.sessionId, clientMessageId: 'cid-2' });
    expect(session.token).toBe('jwt');
  });

  it('tries the socket again at once when HTTP gets through while it waits out its backoff', async () => {
    const stored = message({ sender: 'visitor', clientMessageId: 'cid-8' });
    const { ws, socket } = setup({ storedOverHttp: stored });
    await ws.send('during the first handshake', 'cid-1');
    expect([socket.disconnectCalls, socket.connectCalls]).toEqual([0, 0]); // not cut short
    socket.accept();
    socket.drop(); // socket.io is reconnecting (active), with its own backoff
    await ws.send('hi', 'cid-8');
    expect([socket.disconnectCalls, socket.connectCalls]).toEqual([1, 1]);
    expect(socket.active).toBe(true);

    // No failure since that restart (its handshake may be under way): left alone.
    await vi.advanceTimersByTimeAsync(6000);
    await ws.send('hi again', 'cid-10');
    expect([socket.disconnectCalls, socket.connectCalls]).toEqual([1, 1]);
    // That attempt failed: restarted again, but not twice within 5 s.
    socket.fire('connect_error', new Error('xhr poll error'));
    await ws.send('and again', 'cid-11');
    expect([socket.disconnectCalls, socket.connectCalls]).toEqual([2, 2]);
    socket.fire('connect_error', new Error('xhr poll error'));
    await ws.send('once more', 'cid-12');
    expect([socket.disconnectCalls, socket.connectCalls]).toEqual([2, 2]);

    socket.accept();
    const again = ws.send('again', 'cid-9'); // over the socket now: no restart
    socket.sent('message')[0]!.ack!({ ok: true, message: message({ clientMessageId: 'cid-9' }) });
    await again;
    expect([socket.disconnectCalls, socket.connectCalls]).toEqual([2, 2]);
  });

  it('leaves the first handshake of a new session alone after the old socket failed', async () => {
    const stored = message({ sender: 'visitor', clientMessageId: 'cid-13' });
    const { ws, sockets, session } = setup({ storedOverHttp: stored });
    sockets[0]!.accept();
    sockets[0]!.drop();
    session.reset();
    ws.restart();
    await ws.send('first words', 'cid-13');
    expect([sockets[1]!.disconnectCalls, sockets[1]!.connectCalls]).toEqual([0, 0]);
  });

  it('does not retry a refused message', async () => {
    const { ws, socket } = setup();
    socket.accept();
    const pending = ws.send('x'.repeat(5000), 'cid-3');
    socket.sent('message')[0]!.ack!({ ok: false, error: { code: 'invalid_request', message: 'too long' } });
    await expect(pending).rejects.toMatchObject({ code: 'invalid_request' });
    expect(socket.sent('message')).toHaveLength(1);
  });

  it('waits Retry-After on rate_limited, then retries', async () => {
    const { ws, sendMessage, socket } = setup();
    sendMessage.mockRejectedValueOnce(new ChatError('rate_limited', 'slow', 429, 4));
    const pending = ws.send('hi', 'cid-4');
    await vi.advanceTimersByTimeAsync(0);
    socket.accept(); // does not cut the rate-limit wait short
    await vi.advanceTimersByTimeAsync(3900);
    expect(socket.sent('message')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(100);
    const [emit] = socket.sent('message');
    emit!.ack!({ ok: true, message: message({ clientMessageId: 'cid-4' }) });
    await expect(pending).resolves.toMatchObject({ clientMessageId: 'cid-4' });
  });

  it('gives up after the deadline with the last error', async () => {
    const { ws } = setup();
    const pending = ws.send('hi', 'cid-5');
    const outcome = expect(pending).rejects.toMatchObject({ code: 'network_error' });
    await vi.advanceTimersByTimeAsync(31_000);
    await outcome;
  });
});

describe('typing', () => {
  it('tells the server at most every 2 s, and that typing stopped after 3 s of quiet', async () => {
    const { ws, socket, session } = setup();
    socket.accept();
    ws.typing();
    ws.typing();
    await vi.advanceTimersByTimeAsync(1000);
    ws.typing();
    expect(socket.sent('typing').map((e) => e.payload)).toEqual([{ sessionId: session.sessionId, isTyping: true }]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(socket.sent('typing').map((e) => e.payload.isTyping)).toEqual([true, false]);
  });

  it('relays agent typing, not a visitor typing in another tab', () => {
    const { ws, socket, session } = setup();
    const seen: boolean[] = [];
    ws.on('typing', ({ isTyping }) => seen.push(isTyping));
    socket.accept();
    socket.fire('typing', { sessionId: session.sessionId, isTyping: true, sender: 'agent' });
    socket.fire('typing', { sessionId: session.sessionId, isTyping: true, sender: 'visitor' });
    socket.fire('typing', { sessionId: session.sessionId, isTyping: false });
    expect(seen).toEqual([true, false]);
  });
});

describe('restart', () => {
  it('opens a new socket for the new session and forgets the old conversation', () => {
    const { ws, sockets, session, received } = setup();
    sockets[0]!.accept();
    const old = message();
    sockets[0]!.fire('meta_message_created', old);
    session.reset();
    ws.restart();
    expect(sockets).toHaveLength(2);
    sockets[0]!.fire('meta_message_created', message()); // the old socket is ignored
    sockets[1]!.accept();
    expect(sockets[1]!.handshakes[0]!.lastMessageId).toBeUndefined();
    expect(sockets[1]!.handshakes[0]!.sessionId).toBe(session.sessionId);
    expect(received).toEqual([old]);
  });
});

describe('read marks', () => {
  it('sends read over the socket, and over HTTP while it is down', async () => {
    const { ws, socket, session } = setup();
    // The HTTP twin: POST /webchat/read with the visitor's fields.
    const http = vi.spyOn(ChatAPI.prototype, 'markRead').mockImplementation(async () => ({ ok: true }));
    await ws.markRead('01A');
    expect(http).toHaveBeenCalledWith({ ...session.fields(), upTo: '01A' });
    socket.accept();
    const done = ws.markRead('01B');
    const [emit] = socket.sent('read');
    expect(emit!.payload).toEqual({ sessionId: session.sessionId, upTo: '01B' });
    emit!.ack!({ ok: true });
    await done;
    expect(http).toHaveBeenCalledTimes(1);
    http.mockRestore();
  });

  it('passes on messages_read', () => {
    const { ws, socket } = setup();
    const reads: unknown[] = [];
    ws.on('read', (r) => reads.push(r));
    socket.accept();
    socket.fire('messages_read', { conversationId: 'c', reader: 'agent', agentId: 'a', upTo: '01C', readAt: null });
    socket.fire('messages_read', { conversationId: 'c', reader: 'nobody', upTo: '01D' });
    expect(reads).toEqual([{ reader: 'agent', upTo: '01C' }]);
  });
});
