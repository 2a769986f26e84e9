// The agent socket's end of session: a token the server refuses (expired,
// or the agent disabled) at a reconnect or by closing an open socket ends
// the session once, with the server's reason; other failures only reconnect.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SocketHandlers } from './ws';

type Listener = (...args: unknown[]) => void;

class FakeIo {
  connected = false;
  connects = 0;
  disconnects = 0;
  readonly listeners = new Map<string, Listener[]>();

  on(event: string, fn: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
    return this;
  }

  /** The server (or socket.io itself) firing an event at the client. */
  fire(event: string, ...args: unknown[]): void {
    for (const fn of this.listeners.get(event) ?? []) fn(...args);
  }

  connect(): this {
    this.connects += 1;
    return this;
  }

  disconnect(): this {
    this.disconnects += 1;
    if (this.connected) {
      this.connected = false;
      this.fire('disconnect', 'io client disconnect');
    }
    return this;
  }

  removeAllListeners(): this {
    this.listeners.clear();
    return this;
  }
}

const io = vi.hoisted(() => ({ current: null as unknown }));
vi.mock('socket.io-client', () => ({
  io: () => io.current,
}));

const { ConsoleSocket } = await import('./ws');

function handlers(): SocketHandlers & {
  authFailed: ReturnType<typeof vi.fn>;
  status: ReturnType<typeof vi.fn>;
  resync: ReturnType<typeof vi.fn>;
} {
  const none = (): void => undefined;
  return {
    status: vi.fn(),
    connected: none,
    resync: vi.fn(),
    authFailed: vi.fn(),
    message: none,
    onlineList: none,
    userOnline: none,
    userOffline: none,
    typing: none,
    agentsList: none,
    agentOnline: none,
    agentOffline: none,
    conversationStatus: none,
    conversationUpdated: none,
    noteCreated: none,
    messagesRead: none,
  };
}

/** What socket.io-client gives connect_error when the server refuses the handshake. */
function refused(code: string, message: string): Error {
  return Object.assign(new Error(message), { data: { error: { code, message } } });
}

let fake: FakeIo;

beforeEach(() => {
  fake = new FakeIo();
  io.current = fake;
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

function open(): ReturnType<typeof handlers> {
  const h = handlers();
  new ConsoleSocket('tok', h);
  fake.connected = true;
  fake.fire('connect');
  return h;
}

describe('ConsoleSocket and the server', () => {
  it("passes on the server's request to sync", () => {
    const h = open();
    expect(h.resync).not.toHaveBeenCalled();
    fake.fire('sync', { reason: 'missed_events', after: '01J0000000000' });
    expect(h.resync).toHaveBeenCalledWith('01J0000000000');
  });
});

describe('ConsoleSocket and a refused token', () => {
  it('ends the session when the reconnect after a server disconnect is refused with invalid_token', () => {
    const h = open();
    fake.connected = false;
    fake.fire('disconnect', 'io server disconnect');
    expect(h.status).toHaveBeenLastCalledWith('reconnecting');
    // socket.io does not retry a server disconnect on its own: the console does, once.
    vi.advanceTimersByTime(1000);
    expect(fake.connects).toBe(1);
    fake.fire('connect_error', refused('invalid_token', 'This agent has been disabled.'));
    expect(h.authFailed).toHaveBeenCalledOnce();
    expect(h.authFailed).toHaveBeenCalledWith('This agent has been disabled.');
    expect(fake.disconnects).toBe(1);
  });

  it('ends the session when a transport close is followed by a refused reconnect', () => {
    const h = open();
    fake.connected = false;
    fake.fire('disconnect', 'transport close');
    fake.fire('connect_error', refused('token_expired', 'Token expired.'));
    expect(h.authFailed).toHaveBeenCalledWith('Token expired.');
  });

  it("ends the session at once on the server's error event before it closes the socket, and only once", () => {
    const h = open();
    fake.fire('error', { error: { code: 'invalid_token', message: 'This agent has been disabled.' } });
    expect(h.authFailed).toHaveBeenCalledWith('This agent has been disabled.');
    expect(fake.disconnects).toBe(1);
    fake.fire('disconnect', 'transport close');
    fake.fire('connect_error', refused('invalid_token', 'This agent has been disabled.'));
    expect(h.authFailed).toHaveBeenCalledOnce();
    expect(fake.connects).toBe(0);
  });

  it('only reconnects on other failures', () => {
    const h = open();
    fake.fire('error', { error: { code: 'invalid_request', message: 'bad payload' } });
    fake.connected = false;
    fake.fire('disconnect', 'transport close');
    fake.fire('connect_error', new Error('websocket error'));
    fake.fire('connect_error', refused('rate_limited', 'Slow down.'));
    expect(h.authFailed).not.toHaveBeenCalled();
    expect(h.status).toHaveBeenLastCalledWith('reconnecting');
  });
});
