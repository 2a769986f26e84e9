// The agent's socket (contract §5). Wraps socket.io-client so the rest of the
// console sees typed callbacks and promise-returning requests, never raw
// payloads.
import { io, type Socket } from 'socket.io-client';
import { isObj, parseAgent, parseAgents, parseErrorBody, parseMessage, parseMessages, parseOnlineUser, parseOnlineUsers } from './parse';
import { parseConversationUpdate, parseMessagesRead, parseNote } from './parseDesk';
import {
  CONVERSATION_STATUSES,
  type AgentPresence,
  type Conversation,
  type ConversationStatus,
  type Message,
  type MessagesRead,
  type Note,
  type OnlineUser,
} from './types';

export type LinkStatus = 'connecting' | 'live' | 'reconnecting';

export interface SocketHandlers {
  status(s: LinkStatus): void;
  /** After every successful (re)connection; `first` only for the first one. */
  connected(first: boolean): void;
  /**
   * The server asks for a catch-up: its nodes lost touch (a Redis outage) and events since
   * `from` (a message id, where the gap began) may have been missed.
   */
  resync(from: string | null): void;
  /** The server refused the token (its reason, if it gave one): the session is over. */
  authFailed(reason?: string): void;
  message(m: Message): void;
  onlineList(users: OnlineUser[]): void;
  userOnline(u: OnlineUser): void;
  userOffline(sessionId: string): void;
  typing(t: { conversationId: string | null; sessionId: string | null; isTyping: boolean }): void;
  agentsList(a: AgentPresence[]): void;
  agentOnline(a: AgentPresence): void;
  agentOffline(agentId: string): void;
  conversationStatus(conversationId: string, status: ConversationStatus): void;
  /** A whole conversation after a change (status, assignee, labels, read marks). */
  conversationUpdated(c: Conversation): void;
  noteCreated(note: Note): void;
  messagesRead(read: MessagesRead): void;
}

export class AckError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AckError';
  }
}

const ACK_TIMEOUT_MS = 10000;
const AUTH_CODES = new Set(['invalid_token', 'invalid_api_key', 'token_expired', 'unauthorized']);

/** A refusal's code and the server's words, from a `connect_error` (the body is its `data`) or an `error` event. */
function refusal(err: unknown): { code: string | null; message: string | undefined } {
  if (!(err instanceof Error) && !isObj(err)) return { code: null, message: undefined };
  const body = parseErrorBody((err as { data?: unknown }).data) ?? parseErrorBody(err);
  if (body) return { code: body.code, message: body.message && body.message !== body.code ? body.message : undefined };
  const msg = (err as { message?: unknown }).message;
  return { code: typeof msg === 'string' ? msg : null, message: undefined };
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

export class ConsoleSocket {
  private readonly socket: Socket;
  private everConnected = false;
  private ended = false;

  constructor(token: string, private readonly h: SocketHandlers) {
    this.socket = io(window.location.origin, {
      path: '/socket.io',
      transports: ['websocket'],
      auth: { token },
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    const s = this.socket;
    h.status('connecting');
    s.on('connect', () => {
      const first = !this.everConnected;
      this.everConnected = true;
      h.status('live');
      h.connected(first);
    });
    s.on('disconnect', (reason) => {
      if (this.ended) return;
      h.status('reconnecting');
      // A server-side disconnect is not retried by socket.io; try once more
      // and let connect_error tell whether the token is still good.
      if (reason === 'io server disconnect') setTimeout(() => s.connect(), 1000);
    });
    // Refused: at the handshake (connect_error, also when reconnecting after the server
    // closed the socket), or by the server closing an open socket (an `error` event
    // first, e.g. `invalid_token` "This agent has been disabled.").
    const refused = (err: unknown): boolean => {
      const { code, message } = refusal(err);
      if (code === null || !AUTH_CODES.has(code)) return false;
      if (!this.ended) {
        this.ended = true;
        s.disconnect();
        h.authFailed(message);
      }
      return true;
    };
    s.on('connect_error', (err: unknown) => {
      if (refused(err)) return;
      h.status(this.everConnected ? 'reconnecting' : 'connecting');
    });
    s.on('error', (p: unknown) => {
      refused(p);
    });
    s.on('sync', (p: unknown) => h.resync(isObj(p) ? str(p.after) : null));
    s.on('meta_message_created', (p: unknown) => {
      const m = parseMessage(p);
      if (m) h.message(m);
    });
    s.on('online_users_list', (p: unknown) => h.onlineList(parseOnlineUsers(p)));
    s.on('user_online', (p: unknown) => {
      const u = parseOnlineUser(p);
      if (u) h.userOnline(u);
    });
    s.on('user_offline', (p: unknown) => {
      const sid = isObj(p) ? str(p.sessionId) : str(p);
      if (sid) h.userOffline(sid);
    });
    s.on('typing', (p: unknown) => {
      if (!isObj(p)) return;
      h.typing({
        conversationId: str(p.conversationId),
        sessionId: str(p.sessionId),
        isTyping: p.isTyping === true,
      });
    });
    // Agent presence is optional in the contract; used when the server has it.
    s.on('online_agents_list', (p: unknown) => h.agentsList(parseAgents(p)));
    s.on('agents_online', (p: unknown) => h.agentsList(parseAgents(p)));
    s.on('agent_online', (p: unknown) => {
      const a = parseAgent(p);
      if (a) h.agentOnline(a);
    });
    s.on('agent_offline', (p: unknown) => {
      const a = parseAgent(p);
      if (a) h.agentOffline(a.agentId);
    });
    const onConversation = (p: unknown): void => {
      const whole = parseConversationUpdate(p);
      if (whole) {
        h.conversationUpdated(whole);
        return;
      }
      if (!isObj(p)) return;
      const id = str(p.conversationId);
      const status = p.status as ConversationStatus;
      if (id && CONVERSATION_STATUSES.includes(status)) h.conversationStatus(id, status);
    };
    s.on('conversation_updated', onConversation);
    s.on('messages_read', (p: unknown) => {
      const read = parseMessagesRead(p);
      if (read) h.messagesRead(read);
    });
    s.on('note_created', (p: unknown) => {
      const note = parseNote(p);
      if (note) h.noteCreated(note);
    });
    s.on('conversation_status', onConversation);
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  private request(event: string, payload: unknown): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      this.socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (err: unknown, res: unknown) => {
        if (err) {
          reject(new AckError('timeout', 'The server did not answer in time.'));
          return;
        }
        if (isObj(res) && res.ok === false) {
          const e = parseErrorBody(res);
          reject(new AckError(e?.code ?? 'error', e?.message ?? 'The server refused the request.'));
          return;
        }
        resolve(isObj(res) ? res : {});
      });
    });
  }

  requestOnlineUsers(): void {
    this.request('get_online_users', {})
      .then((res) => {
        if (Array.isArray(res.users)) this.h.onlineList(parseOnlineUsers(res));
      })
      .catch(() => {
        // online_users_list is emitted as well; a lost ack is not fatal
      });
  }

  join(conversationId: string): void {
    this.socket.emit('join_conversation', { conversationId });
  }

  leave(conversationId: string): void {
    this.socket.emit('leave_conversation', { conversationId });
  }

  async send(conversationId: string, text: string, clientMessageId: string, attachments: string[] = []): Promise<Message> {
    const payload = attachments.length ? { conversationId, text, clientMessageId, attachments } : { conversationId, text, clientMessageId };
    const res = await this.request('message', payload);
    const m = parseMessage(res.message);
    if (!m) throw new AckError('invalid_response', 'The server sent no message.');
    return m;
  }

  typing(conversationId: string, sessionId: string | null, isTyping: boolean): void {
    if (!this.socket.connected) return;
    this.socket.emit('typing', { sessionId, conversationId, isTyping });
  }

  /** The agent has read the conversation up to `upTo` (§8); acked `{ok: true}`. */
  async read(conversationId: string, upTo: string): Promise<void> {
    await this.request('read', { conversationId, upTo });
  }

  async sync(conversationId: string, sessionId: string | null, after: string): Promise<Message[]> {
    const payload: Record<string, string> = { conversationId, after };
    if (sessionId) payload.sessionId = sessionId;
    const res = await this.request('sync', payload);
    return parseMessages(res.messages);
  }

  close(): void {
    this.socket.removeAllListeners();
    this.socket.disconnect();
  }
}
