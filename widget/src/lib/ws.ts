// ChatWebSocket: the widget's real-time channel (contract §5) on socket.io-client.
//
// Delivery rules, in one place:
// - every send carries a clientMessageId, and every retry reuses it, so the
//   server stores one message however many times it hears it;
// - an ack that does not come within `ackTimeoutMs` is a failed attempt; the
//   next attempt goes over HTTP (the socket may be silently dead), later ones
//   over whichever channel is up, until `sendDeadlineMs` has passed;
// - every incoming message is deduplicated by messageId, so the ack, the
//   room broadcast and a replay after reconnecting show it once;
// - each handshake carries the newest messageId received in stream order
//   (`lastMessageId`; acks of our own sends do not count) and
//   the page URL, read fresh at every (re)connection; after a reconnection a
//   `sync` asks again for anything newer, in case the replay was cut short.

import { io } from 'socket.io-client';
import type { Availability } from '../../../shared/types';
import { ChatAPI, ChatError, isRetryable, TIMEOUT, type ChatMessage } from './api';
import { newerId } from '../../../shared/ordering';
import { Emitter } from './emitter';
import type { ServerSession, SessionManager, UserInfo } from './session';

export interface HandshakeAuth {
  apiKey: string;
  sessionId: string;
  fingerprint: string;
  token?: string;
  userId?: string;
  userInfo?: UserInfo;
  userHash?: string;
  lastMessageId?: string;
  url?: string;
}

/** The part of a socket.io-client `Socket` this module uses (tests pass a fake). */
export interface SocketLike {
  readonly connected: boolean;
  /** False after the server refused the handshake: no automatic reconnection then. */
  readonly active: boolean;
  on(event: string, listener: (...args: any[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  connect(): unknown;
  disconnect(): unknown;
}

export interface SocketOptions {
  /** Called at every connection attempt, so each handshake carries current values. */
  auth: (callback: (auth: HandshakeAuth) => void) => void;
}

export type SocketFactory = (serverUrl: string, options: SocketOptions) => SocketLike;

export type ConnectionStatus = 'connecting' | 'online' | 'offline';

export interface ChatWebSocketEvents {
  message: ChatMessage;
  /** `messages_read`: the visitor (another tab) or an agent has read up to `upTo`. */
  read: { reader: 'visitor' | 'agent'; upTo: string };
  typing: { isTyping: boolean };
  /** The tenant's availability changed (contract §9). */
  availability: Availability;
  status: ConnectionStatus;
  session: ServerSession;
  error: ChatError;
  /** The server asked for a `sync` before any message was seen here: reload the history. */
  resync: undefined;
}

export interface ChatWebSocketOptions {
  serverUrl: string;
  apiKey: string;
  session: SessionManager;
  api: ChatAPI;
  socketFactory?: SocketFactory;
  pageUrl?: string;
  /** How long to wait for a `message` ack before trying again. */
  ackTimeoutMs?: number;
  /** After this long without success a send is reported failed (the user may retry). */
  sendDeadlineMs?: number;
  /** First pause between attempts; it doubles up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  now?: () => number;
}

// The transport is tried in this order; polling rescues visitors behind
// proxies that break WebSockets.
export const defaultSocketFactory: SocketFactory = (serverUrl, options) =>
  io(serverUrl, {
    path: '/socket.io',
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    forceNew: true, // after a reset, never reuse the old session's manager
    withCredentials: false,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 10_000,
    auth: options.auth as unknown as Record<string, unknown>,
  }) as unknown as SocketLike;

/** The least time between two restarts of a reconnecting socket after an HTTP success. */
const RESTART_EVERY_MS = 5000;

/** Codes after which trying the same handshake again cannot succeed. */
const FATAL_HANDSHAKE_CODES = new Set([
  'invalid_api_key',
  'forbidden',
  'forbidden_origin',
  'identity_verification_failed',
  'invalid_request',
]);

/** Reads `{error: {code, message}}` (or a bare `{code, message}`) into a ChatError. */
export function errorFromPayload(payload: unknown, fallbackCode = 'unavailable'): ChatError {
  const outer = payload as { error?: unknown; code?: unknown; message?: unknown } | null | undefined;
  const inner = (outer && typeof outer.error === 'object' ? outer.error : outer) as
    | { code?: unknown; message?: unknown }
    | null
    | undefined;
  const code = inner && typeof inner.code === 'string' ? inner.code : fallbackCode;
  const message = inner && typeof inner.message === 'string' ? inner.message : code;
  return new ChatError(code, message);
}

export function isAvailability(value: unknown): value is Availability {
  const a = value as Partial<Availability> | null;
  return (
    !!a &&
    (a.status === 'online' || a.status === 'away' || a.status === 'offline') &&
    (a.nextOpenAt === null || a.nextOpenAt === undefined || typeof a.nextOpenAt === 'string')
  );
}

export function isChatMessage(value: unknown): value is ChatMessage {
  const m = value as Partial<ChatMessage> | null;
  return !!m && typeof m.messageId === 'string' && typeof m.text === 'string' && typeof m.sender === 'string';
}

/** messageIds (ULID or UUIDv7) sort by time as plain strings: the shared ordering rule. */
export { newerId };

export class ChatWebSocket extends Emitter<ChatWebSocketEvents> {
  readonly #options: Required<Omit<ChatWebSocketOptions, 'pageUrl'>>;
  #socket: SocketLike | null = null;
  readonly #seen = new Set<string>();
  #newestId: string | null = null;
  #pageUrl: string | undefined;
  #everConnected = false;
  #currentStatus: ConnectionStatus = 'offline';
  #wakers = new Set<() => void>();
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  /** When the socket last dropped or failed an attempt (null while connected). */
  #failedAt: number | null = null;
  #restartedAt = -Infinity;
  #refusals = 0;
  #lastTypingSent = 0;
  #typingStopTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: ChatWebSocketOptions) {
    super();
    this.#pageUrl = options.pageUrl;
    this.#options = {
      serverUrl: options.serverUrl,
      apiKey: options.apiKey,
      session: options.session,
      api: options.api,
      socketFactory: options.socketFactory ?? defaultSocketFactory,
      ackTimeoutMs: options.ackTimeoutMs ?? 8000,
      sendDeadlineMs: options.sendDeadlineMs ?? 60_000,
      retryDelayMs: options.retryDelayMs ?? 500,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 5000,
      now: options.now ?? (() => Date.now()),
    };
  }

  get status(): ConnectionStatus {
    return this.#currentStatus;
  }

  get lastMessageId(): string | null {
    return this.#newestId;
  }

  /** What the next handshake will send. */
  handshakeAuth(): HandshakeAuth {
    const { session } = this.#options;
    const auth: HandshakeAuth = { apiKey: this.#options.apiKey, ...session.fields() };
    const token = session.token;
    if (token) auth.token = token;
    if (this.#newestId) auth.lastMessageId = this.#newestId;
    if (this.#pageUrl) auth.url = this.#pageUrl;
    return auth;
  }

  connect(): void {
    if (this.#socket) return;
    this.#setStatus('connecting');
    const socket = this.#options.socketFactory(this.#options.serverUrl, {
      auth: (callback) => callback(this.handshakeAuth()),
    });
    this.#socket = socket;
    // Handlers ignore a socket that has since been replaced (after a reset).
    const mine = <A extends unknown[]>(fn: (...args: A) => void) => (...args: A) => {
      if (this.#socket === socket) fn(...args);
    };
    socket.on('connect', mine(() => this.#onConnect()));
    socket.on('disconnect', mine((reason: string) => this.#onDisconnect(reason)));
    socket.on('connect_error', mine((error: Error & { data?: unknown }) => this.#onConnectError(socket, error)));
    socket.on('session', mine((payload: ServerSession) => {
      this.#options.session.setServerSession(payload);
      this.emit('session', payload);
    }));
    socket.on('meta_message_created', mine((payload: unknown) => this.#receive(payload)));
    // After an outage between the server's nodes (contract §14), events may have been missed.
    socket.on('sync', mine((notice: { after?: unknown } | null) => this.#onSyncRequested(notice)));
    socket.on('messages_read', mine((payload: { reader?: unknown; upTo?: unknown } | null) => {
      const reader = payload?.reader;
      if ((reader === 'agent' || reader === 'visitor') && typeof payload?.upTo === 'string') {
        this.emit('read', { reader, upTo: payload.upTo });
      }
    }));
    // The socket hears only its own conversation's room. The event names the
    // conversation's session, which for a logged-in user may be another of
    // their sessions, so only a typing visitor (another tab) is filtered out.
    socket.on('availability', mine((payload: unknown) => {
      if (isAvailability(payload)) this.emit('availability', { ...payload, nextOpenAt: payload.nextOpenAt ?? null });
    }));
    socket.on('typing', mine((payload: { sender?: string; isTyping?: unknown } | null) => {
      if (payload && payload.sender !== 'visitor') this.emit('typing', { isTyping: payload.isTyping === true });
    }));
  }

  disconnect(): void {
    const socket = this.#socket;
    this.#socket = null;
    this.#clearReconnect();
    socket?.disconnect();
    this.#setStatus('offline');
  }

  /** Start over for a new session (identify or reset): nothing of the old one is kept. */
  restart(): void {
    this.disconnect();
    this.#seen.clear();
    this.#newestId = null;
    this.#everConnected = false;
    this.#refusals = 0;
    this.#failedAt = null; // the old socket's failures are not the new one's
    this.connect();
  }

  setPageUrl(url: string): void {
    // The contract has no event for navigation: the URL rides on the next
    // handshake (the auth callback reads it fresh at every connection).
    this.#pageUrl = url;
  }

  /** Record messages seen elsewhere (history over HTTP), for dedupe and `lastMessageId`. */
  note(messages: ChatMessage[]): void {
    for (const message of messages) {
      this.#seen.add(message.messageId);
      this.#newestId = newerId(this.#newestId, message.messageId);
    }
  }

  /**
   * Send `text`, retrying with the same clientMessageId until the server
   * acknowledges it or the deadline passes. Resolves with the stored message.
   */
  async send(text: string, clientMessageId: string, attachments: string[] = []): Promise<ChatMessage> {
    this.stopTyping();
    const deadline = this.#options.now() + this.#options.sendDeadlineMs;
    let preferHttp = false;
    for (let attempt = 0; ; attempt++) {
      try {
        const message =
          this.#socket?.connected && !preferHttp
            ? await this.#sendOverSocket(text, clientMessageId, attachments)
            : await this.#sendOverHttp(text, clientMessageId, attachments);
        this.#receive(message, false);
        return message;
      } catch (error) {
        if (!isRetryable(error)) throw error;
        const chatError = error as ChatError;
        preferHttp = chatError.code === TIMEOUT;
        const limited = chatError.code === 'rate_limited' && chatError.retryAfter !== null;
        const delay = limited
          ? chatError.retryAfter! * 1000
          : Math.min(this.#options.retryDelayMs * 2 ** attempt, this.#options.maxRetryDelayMs);
        if (this.#options.now() + delay > deadline) throw error;
        await this.#pause(delay, !limited);
      }
    }
  }

  /** Tell the agents the visitor has seen everything up to `upTo`: over the socket, else HTTP. */
  async markRead(upTo: string): Promise<void> {
    const socket = this.#socket;
    const { session, api } = this.#options;
    if (socket?.connected) {
      const reply = (await this.#emitWithAck(socket, 'read', { sessionId: session.sessionId, upTo })) as { ok?: boolean } | null;
      if (!reply?.ok) throw errorFromPayload(reply);
      return;
    }
    await api.markRead({ ...session.fields(), upTo });
  }

  /**
   * Ask for everything after the newest message seen (or after `from`, when older);
   * replies go through dedupe.
   */
  async sync(from: string | null = null): Promise<void> {
    const socket = this.#socket;
    if (!socket?.connected || !this.#newestId) return;
    const after = from !== null && from < this.#newestId ? from : this.#newestId;
    const ack = await this.#emitWithAck(socket, 'sync', {
      sessionId: this.#options.session.sessionId,
      after,
    });
    const reply = ack as { ok?: boolean; messages?: unknown[] } | null;
    if (!reply?.ok) throw errorFromPayload(reply);
    for (const message of reply.messages ?? []) this.#receive(message);
  }

  /**
   * Call on every keystroke: tells agents the visitor is typing at most once
   * every 2 s, and that they stopped after 3 s without a keystroke.
   */
  typing(): void {
    const now = this.#options.now();
    if (now - this.#lastTypingSent >= 2000) {
      this.#lastTypingSent = now;
      this.#emitTyping(true);
    }
    if (this.#typingStopTimer) clearTimeout(this.#typingStopTimer);
    this.#typingStopTimer = setTimeout(() => this.stopTyping(), 3000);
  }

  stopTyping(): void {
    if (this.#typingStopTimer) clearTimeout(this.#typingStopTimer);
    this.#typingStopTimer = null;
    if (this.#lastTypingSent === 0) return;
    this.#lastTypingSent = 0;
    this.#emitTyping(false);
  }

  #emitTyping(isTyping: boolean): void {
    if (this.#socket?.connected) {
      this.#socket.emit('typing', { sessionId: this.#options.session.sessionId, isTyping });
    }
  }

  /**
   * `fromStream`: the message came in the conversation's order (broadcast,
   * replay, sync), so everything before it has been seen too. An ack is not
   * such proof: a message acknowledged over HTTP while the socket was down is
   * newer than the ones missed meanwhile, and replaying from it would skip them.
   */
  #receive(payload: unknown, fromStream = true): void {
    if (!isChatMessage(payload)) return;
    if (fromStream) this.#newestId = newerId(this.#newestId, payload.messageId);
    if (this.#seen.has(payload.messageId)) return;
    this.#seen.add(payload.messageId);
    this.emit('message', payload);
  }

  async #sendOverSocket(text: string, clientMessageId: string, attachments: string[]): Promise<ChatMessage> {
    const { sessionId, fingerprint } = this.#options.session;
    const payload = { sessionId, fingerprint, text, clientMessageId, ...(attachments.length ? { attachments } : {}) };
    const ack = await this.#emitWithAck(this.#socket!, 'message', payload);
    const reply = ack as { ok?: boolean; message?: unknown } | null;
    if (reply?.ok && isChatMessage(reply.message)) return reply.message;
    throw errorFromPayload(reply);
  }

  async #sendOverHttp(text: string, clientMessageId: string, attachments: string[]): Promise<ChatMessage> {
    const { session, api } = this.#options;
    const reply = await api.sendMessage({ ...session.fields(), text, clientMessageId, ...(attachments.length ? { attachments } : {}) });
    if (reply.session) session.setServerSession(reply.session);
    this.#reconnectNow();
    return reply.message;
  }

  /**
   * The server answered over HTTP, so the network is back: a socket waiting out its
   * backoff (up to 10 s) tries again now, and the offline banner goes with the outage.
   * Only after a failure that came since the last such restart (not during a first
   * handshake, nor one this began that has not failed), and once per
   * `RESTART_EVERY_MS` at most: where HTTP works and sockets do not, a chatty visitor
   * must not turn every send into a handshake.
   */
  #reconnectNow(): void {
    const socket = this.#socket;
    if (!socket || socket.connected || !socket.active) return;
    const now = this.#options.now();
    if (this.#failedAt === null || this.#failedAt <= this.#restartedAt) return;
    if (now - this.#restartedAt < RESTART_EVERY_MS) return;
    this.#restartedAt = now;
    socket.disconnect(); // ends socket.io's pending attempt and its backoff
    socket.connect();
  }

  #emitWithAck(socket: SocketLike, event: string, payload: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new ChatError(TIMEOUT, `no answer to "${event}" within ${this.#options.ackTimeoutMs} ms`));
      }, this.#options.ackTimeoutMs);
      socket.emit(event, payload, (reply: unknown) => {
        if (settled) return; // a late ack: the retry (same clientMessageId) covers it
        settled = true;
        clearTimeout(timer);
        resolve(reply);
      });
    });
  }

  /** Wait `ms`, or less if the socket (re)connects meanwhile and `wakeOnConnect`. */
  #pause(ms: number, wakeOnConnect: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (wakeOnConnect) this.#wakers.add(done);
    });
  }

  #onConnect(): void {
    const reconnected = this.#everConnected;
    this.#everConnected = true;
    this.#failedAt = null;
    this.#refusals = 0;
    this.#setStatus('online');
    for (const wake of [...this.#wakers]) wake();
    // The handshake's lastMessageId already asks for a replay; this covers
    // servers (or a replay) that stopped short. Duplicates are dropped.
    if (reconnected) this.sync().catch(() => undefined);
  }

  // `after` is where the gap began: messages taken by another node meanwhile may be
  // older than the newest one this tab has (its own node's kept coming).
  #onSyncRequested(notice: { after?: unknown } | null): void {
    const gapFrom = typeof notice?.after === 'string' ? notice.after : null;
    if (this.#newestId) this.sync(gapFrom).catch(() => undefined);
    else this.emit('resync', undefined);
  }

  #onDisconnect(reason: string): void {
    this.#failedAt = this.#options.now();
    this.#setStatus(this.#socket?.active ? 'connecting' : 'offline');
    // The server closed us on purpose: socket.io will not come back by itself.
    if (reason === 'io server disconnect') this.#scheduleReconnect(1000);
  }

  #onConnectError(socket: SocketLike, error: Error & { data?: unknown }): void {
    this.#failedAt = this.#options.now();
    if (socket.active) {
      // A transport failure: socket.io-client retries with its own backoff.
      this.#setStatus('connecting');
      return;
    }
    const refusal = errorFromPayload(error.data, 'unavailable');
    this.#setStatus('offline');
    this.emit('error', refusal);
    if (FATAL_HANDSHAKE_CODES.has(refusal.code)) return;
    if (refusal.code === 'invalid_token') this.#options.session.forgetToken();
    // session_mismatch is left to the owner, which starts a new session.
    if (refusal.code === 'session_mismatch') return;
    this.#refusals += 1;
    this.#scheduleReconnect(Math.min(1000 * 2 ** (this.#refusals - 1), 30_000));
  }

  #scheduleReconnect(ms: number): void {
    this.#clearReconnect();
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (this.#socket && !this.#socket.connected) {
        this.#setStatus('connecting');
        this.#socket.connect();
      }
    }, ms);
  }

  #clearReconnect(): void {
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
  }

  #setStatus(status: ConnectionStatus): void {
    if (status === this.#currentStatus) return;
    this.#currentStatus = status;
    this.emit('status', status);
  }
}
